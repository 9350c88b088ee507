//! Okta System Log (`/api/v1/logs` LogEvent) in the shapes it is exported in:
//!
//! * the API shape (camelCase, RFC 3339 `published`);
//! * Panther-normalised (some top-level keys lower-cased, `p_*` fields, `published` as
//!   `2022-12-14 19:16:32.015`), absorbed by the case-insensitive [`fields`] helpers;
//! * Sentinel's flattened `Okta_CL` table (`eventType_s`, `client_geographicalContext_city_s`,
//!   stringified `target_s`), rebuilt into the API shape by [`fields::unflatten_columns`].
//!
//! Attribution: sign-ins and actions the account performed belong to the actor
//! (`actor.alternateId`); changes made *to* another user (an admin resetting someone's factors or
//! password) belong to the target user, with the admin as [`Event::actor`]. Role grants are the
//! exception: they belong to the account that made them (see `parse`).
//! A record with no usable user (ThreatInsight before the username is read, a system principal
//! acting on no user) is `Ok(None)`.

use serde_json::Value;

use super::fields::{self, array_at, bool_at, f64_at, path, str_at, u32_at};
use super::{FieldError, ParseResult};
use crate::evidence::{
    Event, EventKind, Format, Geo, Network, Outcome, OutcomeResult, RecoveryChannel, RiskLevel, Target, UserId,
    VendorRef,
};

/// True when `record` is an Okta LogEvent: an Okta `eventType` with `published`, `actor` or `uuid`
/// beside it, a Sentinel `Okta_CL` row, or a Panther `Okta.SystemLog` row.
pub fn looks_like(record: &Value) -> bool {
    let Some(obj) = record.as_object() else { return false };
    if obj.contains_key("eventType_s") {
        return true;
    }
    if matches!(fields::get_in_map(obj, "p_log_type"), Some(Value::String(t)) if t == "Okta.SystemLog") {
        return fields::get_in_map(obj, "eventType").is_some();
    }
    let Some(Value::String(event_type)) = fields::get_in_map(obj, "eventType") else { return false };
    // Okta types are dotted (`user.session.start`); the anchor keys rule out look-alikes.
    event_type.contains('.') && ["published", "actor", "uuid"].iter().any(|k| fields::get_in_map(obj, k).is_some())
}

/// Parses one Okta record.
pub fn parse(record: &Value) -> ParseResult {
    if let Some(obj) = record.as_object() {
        if obj.contains_key("eventType_s") {
            return parse_api(&fields::unflatten_columns(obj));
        }
    }
    parse_api(record)
}

fn parse_api(r: &Value) -> ParseResult {
    let event_type = str_at(r, &["eventType"]).ok_or_else(|| FieldError::new("eventType", "missing event type"))?;
    // Panther keeps its own copy of the event time when a test fixture drops `published`.
    let time = fields::required_time(r, &[&["published"], &["p_event_time"]])?;
    let outcome = outcome(r);
    let kind = kind(r, event_type, &outcome);

    let actor = principal(r, &["actor"]);
    let target_user = target_user(r);
    let actor_is_user = str_at(r, &["actor", "type"]).is_none_or(|t| t == "User");
    let (user, actor) = match (subject_is_target(event_type, &kind), target_user, actor) {
        // A role grant is filed under the account that *made* it (with itself as actor, so the
        // detector can tell "gave" from "received"): a compromised admin creating a backdoor
        // admin is the pattern to catch, and the grantee is still named in the targets.
        (_, _, Some(actor)) if matches!(kind, EventKind::PrivilegeGrant { .. }) && actor_is_user => {
            (actor, Some(UserId::new(actor)))
        }
        (true, Some(target), actor) => {
            let actor = actor.or_else(|| str_at(r, &["actor", "displayName"]));
            let actor = actor.filter(|a| !a.eq_ignore_ascii_case(target)).map(UserId::new);
            (target, actor)
        }
        (_, _, Some(actor)) if actor_is_user => (actor, None),
        // A system principal or client app acting on no user is attributable to nobody.
        _ => return Ok(None),
    };

    let interactive = match &kind {
        EventKind::TokenRefresh => Some(false),
        EventKind::Login | EventKind::MfaApproved { .. } | EventKind::MfaDenied { .. } => Some(true),
        _ if event_type.starts_with("app.oauth2.") && event_type.contains(".token.") => Some(false),
        _ => None,
    };
    let uuid = str_at(r, &["uuid"]);
    let mut event = Event::new(uuid.unwrap_or_default(), time, user, kind, outcome);
    event.network = network(r);
    event.user_agent = str_at(r, &["client", "userAgent", "rawUserAgent"])
        .filter(|ua| !ua.eq_ignore_ascii_case("unknown"))
        .map(str::to_owned);
    event.device_id =
        str_at(r, &["device", "id"]).or_else(|| str_at(r, &["debugContext", "debugData", "dtHash"])).map(str::to_owned);
    event.session_id = str_at(r, &["authenticationContext", "externalSessionId"])
        .filter(|s| !s.eq_ignore_ascii_case("unknown"))
        .map(str::to_owned);
    event.targets = targets(r);
    event.app = match &event.kind {
        EventKind::OAuthGrant { app, .. } => Some(app.clone()),
        _ => app_target(r).map(str::to_owned),
    };
    event.interactive = interactive;
    event.risk = risk(r);
    event.actor = actor;
    event.vendor =
        VendorRef { format: Format::Okta, event_type: event_type.to_owned(), event_id: uuid.map(str::to_owned) };
    Ok(Some(event))
}

/// `actor.alternateId` (or a target's), when it names someone: Okta logs `unknown` when the
/// username was never read.
fn principal<'a>(r: &'a Value, keys: &[&str]) -> Option<&'a str> {
    let mut full = keys.to_vec();
    full.push("alternateId");
    str_at(r, &full).filter(|id| !id.eq_ignore_ascii_case("unknown"))
}

/// The first `User` target's login.
fn target_user(r: &Value) -> Option<&str> {
    let Some(Value::Array(targets)) = path(r, &["target"]) else { return None };
    targets
        .iter()
        .filter(|t| str_at(t, &["type"]) == Some("User"))
        .find_map(|t| str_at(t, &["alternateId"]).filter(|id| !id.eq_ignore_ascii_case("unknown")))
}

/// Kinds that change a user account: done by an admin, they concern the target user.
fn subject_is_target(event_type: &str, kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::MfaFactorEnrolled { .. }
            | EventKind::MfaFactorRemoved { .. }
            | EventKind::MfaFactorReset
            | EventKind::PasswordChange
            | EventKind::PasswordReset
            | EventKind::RecoveryChange { .. }
            | EventKind::PrivilegeGrant { .. }
            | EventKind::AccountLocked
    ) || event_type.starts_with("user.lifecycle.")
        || event_type.starts_with("user.account.")
}

/// SUCCESS / ALLOW succeed; FAILURE / DENY fail; CHALLENGE challenges; the rest
/// (SKIPPED, UNKNOWN, RATE_LIMIT, UNANSWERED, ...) is unknown.
fn outcome(r: &Value) -> Outcome {
    let result = match str_at(r, &["outcome", "result"]).map(str::to_ascii_uppercase).as_deref() {
        Some("SUCCESS" | "ALLOW") => OutcomeResult::Success,
        Some("FAILURE" | "DENY") => OutcomeResult::Failure,
        Some("CHALLENGE") => OutcomeResult::Challenge,
        _ => OutcomeResult::Unknown,
    };
    Outcome { result, reason: str_at(r, &["outcome", "reason"]).map(str::to_owned) }
}

fn debug<'a>(r: &'a Value, key: &str) -> Option<&'a str> {
    str_at(r, &["debugContext", "debugData", key])
}

/// The factor an MFA event concerns, as Okta names it (`OKTA_VERIFY_PUSH`, `SMS_FACTOR`, ...).
fn factor(r: &Value) -> Option<String> {
    if let Some(f) = debug(r, "factor").or_else(|| debug(r, "factorType")) {
        return Some(f.to_owned());
    }
    if let Some(Value::Array(targets)) = path(r, &["target"]) {
        let enrollment = targets
            .iter()
            .find(|t| matches!(str_at(t, &["type"]), Some("AuthenticatorEnrollment" | "Factor" | "Authenticator")));
        if let Some(name) = enrollment.and_then(|t| str_at(t, &["displayName"])) {
            return Some(name.to_owned());
        }
    }
    // `User reset FIDO_WEBAUTHN factor`: the word before "factor".
    let reason = str_at(r, &["outcome", "reason"])?;
    let words: Vec<&str> = reason.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[1].eq_ignore_ascii_case("factor") && w[0].bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
        .map(|w| w[0].to_owned())
}

fn kind(r: &Value, event_type: &str, outcome: &Outcome) -> EventKind {
    let et = event_type.to_ascii_lowercase();
    let mfa_verdict = |factor: Option<String>| match outcome.result {
        OutcomeResult::Success => EventKind::MfaApproved { factor },
        OutcomeResult::Failure => EventKind::MfaDenied { factor },
        _ => EventKind::MfaChallengeSent { factor },
    };
    match et.as_str() {
        "user.session.start"
        | "user.authentication.sso"
        | "user.authentication.authenticate"
        | "user.authentication.auth_via_idp"
        | "user.authentication.auth_via_social"
        | "user.authentication.auth_via_radius"
        | "user.authentication.auth_via_ad_agent"
        | "user.authentication.auth_via_ldap_agent"
        | "user.authentication.auth_via_iwa"
        | "user.authentication.auth_via_richclient" => EventKind::Login,
        // Both also record password checks; those are sign-in attempts, not MFA.
        "user.authentication.auth_via_mfa" | "user.authentication.verify" => match factor(r) {
            Some(f) if f.to_ascii_uppercase().contains("PASSWORD") => EventKind::Login,
            None if et == "user.authentication.verify"
                && str_at(r, &["authenticationContext", "credentialType"])
                    .is_some_and(|c| c.eq_ignore_ascii_case("PASSWORD")) =>
            {
                EventKind::Login
            }
            f => mfa_verdict(f),
        },
        "user.session.end" | "logout" => EventKind::Logout,
        "system.push.send_factor_verify_push" => EventKind::MfaChallengeSent { factor: Some("push".into()) },
        "system.sms.send_factor_verify_message" => EventKind::MfaChallengeSent { factor: Some("sms".into()) },
        "system.voice.send_mfa_challenge_call" | "system.voice.send_call" => {
            EventKind::MfaChallengeSent { factor: Some("call".into()) }
        }
        "user.mfa.okta_verify.deny_push" | "user.mfa.okta_verify.deny_push_upgrade_needed" => {
            EventKind::MfaDenied { factor: Some("push".into()) }
        }
        // `update` changes a factor's details (a new phone number): as good as a new factor.
        "user.mfa.factor.activate" | "user.mfa.factor.update" => EventKind::MfaFactorEnrolled { factor: factor(r) },
        "user.mfa.factor.deactivate" | "system.mfa.factor.deactivate" => {
            EventKind::MfaFactorRemoved { factor: factor(r) }
        }
        "user.mfa.factor.reset_all" => EventKind::MfaFactorReset,
        "user.account.update_password" => EventKind::PasswordChange,
        "user.account.reset_password" => EventKind::PasswordReset,
        "user.account.update_secondary_email" => EventKind::RecoveryChange { channel: RecoveryChannel::Email },
        "user.account.update_phone" => EventKind::RecoveryChange { channel: RecoveryChannel::Phone },
        "user.account.update_profile" => match recovery_channel(r) {
            Some(channel) => EventKind::RecoveryChange { channel },
            None => EventKind::Other,
        },
        "user.account.privilege.grant" | "group.privilege.grant" => EventKind::PrivilegeGrant {
            role: debug(r, "privilegeGranted")
                .or_else(|| targets_of(r, &["Group", "UserGroup"]).find_map(|t| str_at(t, &["displayName"])))
                .map(str::to_owned),
        },
        "user.account.lock" | "user.account.lock.limit" => EventKind::AccountLocked,
        "app.oauth2.as.consent.grant" | "app.oauth2.consent.grant" => oauth_grant(r),
        _ if et.contains("refresh_token") || debug(r, "grantType") == Some("refresh_token") => EventKind::TokenRefresh,
        "security.threat.detected"
        | "security.request.blocked"
        | "security.session.detect_client_roaming"
        | "security.attack.start"
        | "app.oauth2.token.detect_reuse"
        | "app.token.reuse"
        | "user.account.report_suspicious_activity_by_enduser"
        | "user.risk.detect"
        | "user.risk.change" => EventKind::RiskDetected { detection: event_type.to_owned() },
        // Okta support was given (or used) the right to sign in as an admin: a privilege grant,
        // not a risk detection by the vendor.
        "user.session.impersonation.grant" | "user.session.impersonation.extend" => {
            EventKind::PrivilegeGrant { role: Some("Okta support impersonation".to_owned()) }
        }
        _ => EventKind::Other,
    }
}

/// Which recovery channel a profile update touched, when the log shows it
/// (`debugData.changedAttributes`, or a target's `changeDetails`).
fn recovery_channel(r: &Value) -> Option<RecoveryChannel> {
    let mut changed = String::new();
    if let Some(attrs) = debug(r, "changedAttributes") {
        changed.push_str(attrs);
    }
    for t in array_at(r, &["target"]) {
        for side in ["from", "to"] {
            if let Some(Value::Object(m)) = path(&t, &["changeDetails", side]) {
                for k in m.keys() {
                    changed.push(',');
                    changed.push_str(k);
                }
            }
        }
    }
    let changed = changed.to_ascii_lowercase();
    if changed.contains("secondemail") {
        Some(RecoveryChannel::Email)
    } else if changed.contains("mobilephone") || changed.contains("primaryphone") {
        Some(RecoveryChannel::Phone)
    } else if changed.contains("recovery_question") || changed.contains("recoveryquestion") {
        Some(RecoveryChannel::Other)
    } else {
        None
    }
}

fn targets_of<'a>(r: &'a Value, kinds: &'a [&str]) -> impl Iterator<Item = &'a Value> + 'a {
    let items = match path(r, &["target"]) {
        Some(Value::Array(items)) => items.as_slice(),
        _ => &[],
    };
    items.iter().filter(move |t| str_at(t, &["type"]).is_some_and(|k| kinds.contains(&k)))
}

/// Consent: the app is the client the user consented to; each `ConsentGrant` target is one scope.
fn oauth_grant(r: &Value) -> EventKind {
    let app = targets_of(r, &["AppInstance", "PublicClientApp", "Application"])
        .find_map(|t| str_at(t, &["displayName"]).or_else(|| str_at(t, &["alternateId"])))
        .or_else(|| debug(r, "clientId"))
        .or_else(|| targets_of(r, &["ConsentGrant"]).find_map(|t| str_at(t, &["detailEntry", "publicclientapp"])))
        .unwrap_or("unknown")
        .to_owned();
    let mut scopes: Vec<String> =
        targets_of(r, &["ConsentGrant"]).filter_map(|t| str_at(t, &["displayName"])).map(str::to_owned).collect();
    if scopes.is_empty() {
        if let Some(granted) = debug(r, "grantedScopes") {
            scopes = granted.split([',', ' ']).filter(|s| !s.is_empty()).map(str::to_owned).collect();
        }
    }
    EventKind::OAuthGrant { app, scopes, admin_consent: false }
}

/// The app a sign-in or SSO went to.
fn app_target(r: &Value) -> Option<&str> {
    targets_of(r, &["AppInstance"]).find_map(|t| str_at(t, &["displayName"]).or_else(|| str_at(t, &["alternateId"])))
}

fn targets(r: &Value) -> Vec<Target> {
    let Some(Value::Array(items)) = path(r, &["target"]) else {
        // Sentinel stores the list as JSON text.
        return array_at(r, &["target"]).iter().map(target).collect();
    };
    items.iter().map(target).collect()
}

fn target(t: &Value) -> Target {
    Target {
        kind: str_at(t, &["type"]).map(str::to_owned),
        id: str_at(t, &["id"]).map(str::to_owned),
        name: str_at(t, &["alternateId"])
            .filter(|n| !n.eq_ignore_ascii_case("unknown"))
            .or_else(|| str_at(t, &["displayName"]))
            .map(str::to_owned),
    }
}

/// Client IP, geo and AS. `client.ipAddress` is the address Okta attributes the request to; the
/// first hop of `request.ipChain` stands in when it is missing.
fn network(r: &Value) -> Network {
    let first_hop = match path(r, &["request", "ipChain"]) {
        Some(Value::Array(hops)) => hops.first(),
        _ => None,
    };
    let hop_geo = first_hop.and_then(|h| path(h, &["geographicalContext"]));
    let (ip, geo_src) = match str_at(r, &["client", "ipAddress"]).and_then(fields::parse_ip) {
        Some(ip) => (Some(ip), path(r, &["client", "geographicalContext"]).or(hop_geo)),
        None => (first_hop.and_then(|h| str_at(h, &["ip"])).and_then(fields::parse_ip), hop_geo),
    };
    let geo = geo_src.map(geo);
    Network {
        ip,
        geo: geo.filter(|g| g != &Geo::default()),
        asn: u32_at(r, &["securityContext", "asNumber"]).filter(|&n| n != 0),
        as_org: str_at(r, &["securityContext", "asOrg"])
            .or_else(|| str_at(r, &["securityContext", "isp"]))
            .map(str::to_owned),
        is_proxy: bool_at(r, &["securityContext", "isProxy"]),
        is_tor: None,
        is_hosting: None,
    }
}

fn geo(g: &Value) -> Geo {
    Geo {
        lat: f64_at(g, &["geolocation", "lat"]),
        lon: f64_at(g, &["geolocation", "lon"]),
        city: str_at(g, &["city"]).map(str::to_owned),
        region: str_at(g, &["state"]).map(str::to_owned),
        country: str_at(g, &["country"]).map(str::to_owned),
        accuracy_radius_km: None,
    }
}

/// Okta's own risk rating: `debugData.risk` (`{reasons=..., level=HIGH}`), `logOnlySecurityData`
/// (an object or JSON text with `risk.level`), or `securityContext.risk.level`.
fn risk(r: &Value) -> Option<RiskLevel> {
    let dbg = path(r, &["debugContext", "debugData"]);
    let from_text = |v: &Value| match v {
        Value::String(s) => risk_from_text(s),
        Value::Object(_) => str_at(v, &["risk", "level"]).or_else(|| str_at(v, &["level"])).and_then(risk_from_text),
        _ => None,
    };
    dbg.and_then(|d| fields::get(d, "risk"))
        .and_then(from_text)
        .or_else(|| dbg.and_then(|d| fields::get(d, "logOnlySecurityData")).and_then(from_text))
        .or_else(|| str_at(r, &["securityContext", "risk", "level"]).and_then(risk_from_text))
}

/// Reads the level out of Okta's text forms: `HIGH`, `{level=HIGH, reasons=...}`,
/// `{"risk":{"level":"LOW"}}`.
fn risk_from_text(s: &str) -> Option<RiskLevel> {
    let lower = s.to_ascii_lowercase();
    let rest = match lower.find("level") {
        Some(i) => &lower[i + "level".len()..],
        None => lower.as_str(),
    };
    let word: String = rest
        .trim_start_matches(|c: char| !c.is_ascii_alphabetic())
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    match word.as_str() {
        "none" => Some(RiskLevel::None),
        "low" => Some(RiskLevel::Low),
        "medium" => Some(RiskLevel::Medium),
        "high" => Some(RiskLevel::High),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::EventId;
    use serde_json::json;

    #[test]
    fn risk_text_forms() {
        assert_eq!(risk_from_text("{reasons=Anomalous Device, level=HIGH}"), Some(RiskLevel::High));
        assert_eq!(risk_from_text(r#"{"risk":{"level":"LOW"},"behaviors":{}}"#), Some(RiskLevel::Low));
        assert_eq!(risk_from_text("MEDIUM"), Some(RiskLevel::Medium));
        assert_eq!(risk_from_text("{}"), None);
    }

    #[test]
    fn admin_reset_is_the_targets_event() {
        let r = json!({"uuid": "u1", "published": "2024-05-01T09:00:00Z", "eventType": "user.mfa.factor.reset_all",
            "actor": {"alternateId": "Admin@Example.com", "type": "User"},
            "target": [{"type": "User", "alternateId": "Bob@example.com", "id": "00u2"}],
            "outcome": {"result": "SUCCESS"}});
        let e = parse(&r).unwrap().unwrap();
        assert_eq!(e.user.as_str(), "bob@example.com");
        assert_eq!(e.actor.as_ref().map(UserId::as_str), Some("admin@example.com"));
        assert_eq!(e.kind, EventKind::MfaFactorReset);
        assert_eq!(e.id, EventId("u1".into()));
    }

    #[test]
    fn threat_without_user_is_unattributed() {
        let r = json!({"published": "2024-05-01T09:00:00Z", "eventType": "security.threat.detected",
            "actor": {"alternateId": "unknown", "type": "User"}, "outcome": {"result": "DENY"}});
        assert_eq!(parse(&r), Ok(None));
        let sys = json!({"published": "2024-05-01T09:00:00Z", "eventType": "system.org.rate_limit.warning",
            "actor": {"alternateId": "system@okta.com", "type": "SystemPrincipal"}});
        assert_eq!(parse(&sys), Ok(None));
    }

    #[test]
    fn missing_published_names_the_field() {
        let r = json!({"eventType": "user.session.start", "actor": {"alternateId": "a@b.c"}});
        assert_eq!(parse(&r).unwrap_err().field, "published");
        let bad = json!({"eventType": "user.session.start", "published": "soon", "actor": {"alternateId": "a@b.c"}});
        let err = parse(&bad).unwrap_err();
        assert_eq!((err.field.as_str(), err.message.as_str()), ("published", "not a timestamp: \"soon\""));
    }

    #[test]
    fn looks_like_is_specific() {
        assert!(looks_like(&json!({"eventType": "user.session.start", "published": "x"})));
        assert!(!looks_like(&json!({"eventType": "logout"})));
        assert!(!looks_like(&json!({"eventType": "USER_LOGIN", "metadata": {}})));
        assert!(!looks_like(&json!({"Operation": "New-InboxRule", "eventType": "x.y"})));
    }
}
