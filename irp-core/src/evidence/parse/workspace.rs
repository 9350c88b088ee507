//! Google Workspace Reports API activities (`admin#reports#activity`): login, user_accounts,
//! admin, token, drive and saml applications.
//!
//! Shapes: the API's (`events[]` of `{type, name, parameters: [{name, value | multiValue |
//! boolValue | intValue}]}`, also what Sentinel's `GWorkspace_ReportsAPI_*_CL` tables keep), and
//! Panther's `GSuite.ActivityEvent`, one event per row with `name`, `type` and `parameters` as a
//! `{name: value}` map at the top level.
//!
//! One activity can hold several events (a drive `edit` and the `change_user_access` it caused).
//! The parse API returns one event per record, so the most significant one is kept (see
//! `significance`): a security-relevant change outranks a sign-in, which outranks the rest.

use serde_json::Value;

use super::fields::{self, path, str_at};
use super::{FieldError, ParseResult};
use crate::evidence::{
    Event, EventKind, Format, Geo, Network, Outcome, OutcomeResult, RecoveryChannel, Text, UserId, VendorRef,
};

/// True when `record` is a Reports API activity: `id.applicationName` with `actor`, `events`,
/// `name` or the `admin#reports#activity` kind beside it.
pub fn looks_like(record: &Value) -> bool {
    if str_at(record, &["kind"]) == Some("admin#reports#activity") {
        return true;
    }
    str_at(record, &["id", "applicationName"]).is_some()
        && ["actor", "events", "name"].iter().any(|k| fields::get(record, k).is_some())
}

/// One event of an activity: its name, type and parameters, whichever shape they came in.
struct Ev<'a> {
    name: &'a str,
    params: Option<&'a Value>,
}

impl<'a> Ev<'a> {
    /// A parameter's value: API shape `[{name, value|multiValue|boolValue|intValue}]` or
    /// Panther's `{name: value}` map.
    fn param(&self, name: &str) -> Option<&'a Value> {
        match self.params? {
            Value::Object(map) => map.get(name).filter(|v| !v.is_null()),
            Value::Array(items) => {
                let p = items.iter().find(|p| p.get("name").and_then(Value::as_str) == Some(name))?;
                ["value", "multiValue", "boolValue", "intValue", "multiIntValue"]
                    .iter()
                    .find_map(|k| p.get(*k).filter(|v| !v.is_null()))
            }
            _ => None,
        }
    }

    fn param_str(&self, name: &str) -> Option<&'a str> {
        self.param(name).and_then(Value::as_str).filter(|s| !s.is_empty())
    }

    /// A parameter as a list of strings (a single value counts as a list of one).
    fn param_list(&self, name: &str) -> Vec<Text> {
        match self.param(name) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(Text::from).collect(),
            Some(Value::String(s)) if !s.is_empty() => vec![Text::new(s)],
            _ => Vec::new(),
        }
    }
}

/// Parses one Workspace activity.
pub fn parse(record: &Value) -> ParseResult {
    let app = str_at(record, &["id", "applicationName"]).unwrap_or_default();
    let events: Vec<Ev<'_>> = match path(record, &["events"]) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|e| Ev { name: str_at(e, &["name"]).unwrap_or_default().trim(), params: path(e, &["parameters"]) })
            .collect(),
        _ => vec![Ev {
            name: str_at(record, &["name"]).unwrap_or_default().trim(),
            params: path(record, &["parameters"]),
        }],
    };
    let Some((ev, kind, outcome)) = events
        .into_iter()
        .filter(|e| !e.name.is_empty())
        .map(|e| {
            let (kind, outcome) = classify(app, &e);
            (e, kind, outcome)
        })
        .max_by_key(|(_, kind, _)| significance(kind))
    else {
        return Err(FieldError::new("events", "activity has no named event"));
    };
    let time = fields::required_time(record, &[&["id", "time"], &["p_event_time"]])?;

    // Admin actions name the account they change in USER_EMAIL; warnings about an account that
    // signs nobody in name it in affected_email_address.
    let actor = str_at(record, &["actor", "email"]);
    let subject = ev.param_str("USER_EMAIL").or_else(|| ev.param_str("affected_email_address"));
    let (user, actor) = match (app, subject, actor) {
        ("admin", Some(subject), Some(actor)) if !subject.eq_ignore_ascii_case(actor) => {
            (subject, Some(UserId::new(actor)))
        }
        (_, _, Some(actor)) => (actor, None),
        (_, Some(subject), None) => (subject, None),
        (_, None, None) => return Ok(None),
    };

    let qualifier = fields::string_at(record, &["id", "uniqueQualifier"]);
    // One activity's events share its uniqueQualifier, so the event name completes the id.
    let id = qualifier.as_ref().map(|q| format!("{q}:{}", ev.name)).unwrap_or_default();
    let mut event = Event::new(id, time, user, kind, outcome);
    event.network = Network {
        ip: str_at(record, &["ipAddress"]).and_then(fields::parse_ip),
        geo: str_at(record, &["networkInfo", "regionCode"]).map(|c| Geo { country: Some(c.into()), ..Geo::default() }),
        asn: match path(record, &["networkInfo", "ipAsn"]) {
            Some(Value::Array(asns)) => asns.first().and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()),
            _ => None,
        },
        ..Network::default()
    };
    event.app = match &event.kind {
        EventKind::OAuthGrant { app, .. } => Some(app.clone()),
        _ => ev.param_str("application_name").map(Text::from),
    };
    event.interactive = matches!(event.kind, EventKind::Login).then_some(true);
    event.actor = actor;
    event.vendor =
        VendorRef { format: Format::Workspace, event_type: format!("{app}.{}", ev.name).into(), event_id: qualifier };
    Ok(Some(event))
}

/// How much an event matters to a compromise investigation; the highest wins in a multi-event
/// activity.
fn significance(kind: &EventKind) -> u8 {
    match kind {
        EventKind::Other => 0,
        EventKind::FileAccess { .. } | EventKind::Logout => 1,
        EventKind::Login | EventKind::TokenRefresh => 2,
        EventKind::MfaChallengeSent { .. } | EventKind::MfaApproved { .. } | EventKind::MfaDenied { .. } => 3,
        EventKind::FileDownload { .. } => 4,
        _ => 5,
    }
}

fn outcome_of(result: OutcomeResult) -> Outcome {
    Outcome { result, reason: None }
}

/// Maps `(applicationName, event name)` to a kind and outcome.
fn classify(app: &str, ev: &Ev<'_>) -> (EventKind, Outcome) {
    let success = outcome_of(OutcomeResult::Success);
    let name = ev.name;
    match (app, name) {
        (_, "login_success") => (EventKind::Login, success),
        (_, "login_failure") => (
            EventKind::Login,
            Outcome { result: OutcomeResult::Failure, reason: ev.param_str("login_failure_type").map(Text::from) },
        ),
        ("login", "login_challenge" | "login_verification") => {
            let factor = ev.param_list("login_challenge_method").into_iter().next();
            match ev.param_str("login_challenge_status") {
                Some("passed") => (EventKind::MfaApproved { factor }, success),
                Some(status) => (
                    EventKind::MfaDenied { factor },
                    Outcome { result: OutcomeResult::Failure, reason: Some(status.into()) },
                ),
                None => (EventKind::MfaChallengeSent { factor }, outcome_of(OutcomeResult::Unknown)),
            }
        }
        ("login", "logout") => (EventKind::Logout, success),
        ("login", n)
            if n.starts_with("suspicious_") || n.starts_with("account_disabled_") || n == "gov_attack_warning" =>
        {
            (EventKind::RiskDetected { detection: n.into() }, outcome_of(OutcomeResult::Unknown))
        }
        (_, "email_forwarding_out_of_domain") => (
            EventKind::MailboxForwarding { forward_to: ev.param_list("email_forwarding_destination_address") },
            success,
        ),
        ("user_accounts", "2sv_enroll") => (EventKind::MfaFactorEnrolled { factor: Some("2sv".into()) }, success),
        ("user_accounts", "2sv_disable") => (EventKind::MfaFactorRemoved { factor: Some("2sv".into()) }, success),
        ("user_accounts", "recovery_email_edit") => {
            (EventKind::RecoveryChange { channel: RecoveryChannel::Email }, success)
        }
        ("user_accounts", "recovery_phone_edit") => {
            (EventKind::RecoveryChange { channel: RecoveryChannel::Phone }, success)
        }
        ("user_accounts", "recovery_secret_qa_edit") => {
            (EventKind::RecoveryChange { channel: RecoveryChannel::Other }, success)
        }
        ("user_accounts", "password_edit") => (EventKind::PasswordChange, success),
        ("admin", "CHANGE_PASSWORD") => (EventKind::PasswordReset, success),
        ("admin", "GRANT_ADMIN_PRIVILEGE" | "ASSIGN_ROLE" | "GRANT_DELEGATED_ADMIN_PRIVILEGES") => {
            (EventKind::PrivilegeGrant { role: ev.param_str("ROLE_NAME").map(Text::from) }, success)
        }
        ("admin", n) if n.ends_with("_GMAIL_SETTING") || n == "CHANGE_EMAIL_SETTING" || n == "CREATE_EMAIL_MONITOR" => {
            let setting = ev.param_str("SETTING_NAME").unwrap_or_default().to_ascii_uppercase();
            if setting.contains("FORWARD") && !n.starts_with("DELETE") {
                let forward_to = ev.param_list("NEW_VALUE").into_iter().filter(|v| v.contains('@')).collect();
                (EventKind::MailboxForwarding { forward_to }, success)
            } else {
                (EventKind::Other, success)
            }
        }
        ("token", "authorize") => {
            let app = ev.param_str("app_name").or_else(|| ev.param_str("client_id")).unwrap_or("unknown").into();
            (EventKind::OAuthGrant { app, scopes: ev.param_list("scope"), admin_consent: false }, success)
        }
        ("drive", "download") => {
            (EventKind::FileDownload { object: ev.param_str("doc_title").map(Text::from) }, success)
        }
        ("drive", "view") => (EventKind::FileAccess { object: ev.param_str("doc_title").map(Text::from) }, success),
        _ => (EventKind::Other, outcome_of(OutcomeResult::Unknown)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn multi_event_activity_keeps_the_most_significant() {
        let r = json!({"kind": "admin#reports#activity",
            "id": {"time": "2021-06-27T00:42:04.624Z", "uniqueQualifier": "7", "applicationName": "drive"},
            "actor": {"email": "a@example.com"},
            "events": [{"name": "edit", "parameters": []},
                       {"name": "download", "parameters": [{"name": "doc_title", "value": "plan.xlsx"}]}]});
        let e = parse(&r).unwrap().unwrap();
        assert_eq!(e.kind, EventKind::FileDownload { object: Some("plan.xlsx".into()) });
        assert_eq!(e.id.as_str(), "7:download");
    }

    #[test]
    fn admin_role_grant_belongs_to_the_grantee() {
        let r = json!({"id": {"applicationName": "admin", "time": "2022-12-11 02:57:48.693000000"},
            "actor": {"email": "bobert@example.com"}, "name": "ASSIGN_ROLE",
            "parameters": {"ROLE_NAME": "Some Admin Role", "USER_EMAIL": "bob@example.com"}});
        let e = parse(&r).unwrap().unwrap();
        assert_eq!(e.user.as_str(), "bob@example.com");
        assert_eq!(e.actor.as_ref().map(UserId::as_str), Some("bobert@example.com"));
        assert_eq!(e.kind, EventKind::PrivilegeGrant { role: Some("Some Admin Role".into()) });
    }
}
