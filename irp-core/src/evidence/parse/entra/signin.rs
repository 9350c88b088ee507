//! Graph `signIn` resources (v1.0 and beta) and their diagnostic / Sentinel forms.
//!
//! `status.errorCode` decides the outcome: `0` succeeded; the "strong authentication required"
//! interrupts (50074, 50076, 50079, 50072, 50158) are a [`OutcomeResult::Challenge`], not a failure;
//! 500121 is a failed second factor, reported as [`EventKind::MfaDenied`] when the user declined or
//! reported the prompt and as a challenge otherwise (timeouts, unanswered pushes); 50053 (smart
//! lockout) is [`EventKind::AccountLocked`]; every other code is a failed login with the code as the
//! reason. Risk comes from `riskLevelDuringSignIn` (falling back to `riskLevelAggregated`), raised to
//! at least medium when `riskEventTypes` is non-empty and cleared when an admin dismissed it.

use serde_json::Value;

use super::super::fields::{self, array_at, bool_at, path, str_at, string_at};
use super::super::{FieldError, ParseResult};
use super::{factor_name, geo, object_at, risk_cleared, risk_level};
use crate::evidence::{Event, EventKind, Format, Network, Outcome, OutcomeResult, RiskLevel, Target, Text, VendorRef};

/// Interrupts that ask for a (further) strong authentication step.
const CHALLENGE_CODES: &[i64] = &[50074, 50076, 50079, 50072, 50158];
/// A failed second factor: the MFA step was attempted and did not succeed.
const MFA_FAILED: i64 = 500121;
/// Smart lockout: the account (or the IP against it) is locked.
const LOCKED: i64 = 50053;

/// Parses a sign-in; `outer` is the diagnostic wrapper when there is one.
pub(super) fn parse(res: &Value, outer: Option<&Value>) -> ParseResult {
    let Some(user) = str_at(res, &["userPrincipalName"]).or_else(|| str_at(res, &["userId"])) else {
        // Service-principal and managed-identity sign-ins name no user account.
        return Ok(None);
    };
    let time = match fields::required_time(res, &[&["createdDateTime"], &["TimeGenerated"]]) {
        Ok(t) => t,
        Err(e) => match outer.and_then(|o| path(o, &["time"])).and_then(fields::parse_time) {
            Some(t) => t,
            None => return Err(e),
        },
    };
    let code = error_code(res, outer)?;
    let (kind, mut outcome) = classify(res, code);
    if code.is_none() {
        outcome.result = textual_result(outer).unwrap_or(OutcomeResult::Unknown);
    }

    let mut event = Event::new(string_at(res, &["id"]).unwrap_or_default(), time, user, kind, outcome);
    event.network = network(res, outer);
    event.user_agent = str_at(res, &["userAgent"]).map(Text::from);
    event.device_id = object_at(res, &["deviceDetail"]).and_then(|d| str_at(&d, &["deviceId"]).map(Text::from));
    event.session_id = str_at(res, &["sessionId"]).or_else(|| str_at(res, &["correlationId"])).map(Text::from);
    event.app = str_at(res, &["appDisplayName"]).or_else(|| str_at(res, &["appId"])).map(Text::from);
    event.interactive = interactive(res, outer);
    event.risk = risk(res);
    if let Some(resource) = str_at(res, &["resourceDisplayName"]) {
        event.targets.push(Target {
            kind: Some("Resource".into()),
            id: str_at(res, &["resourceId"]).map(Text::from),
            name: Some(resource.into()),
        });
    }
    let event_type =
        outer.and_then(|o| str_at(o, &["category"])).or_else(|| str_at(res, &["Type"])).unwrap_or("signIn").into();
    event.vendor = VendorRef { format: Format::Entra, event_type, event_id: string_at(res, &["id"]) };
    Ok(Some(event))
}

/// `status.errorCode`, or Sentinel's `ResultType` / the wrapper's numeric `resultType`.
fn error_code(res: &Value, outer: Option<&Value>) -> Result<Option<i64>, FieldError> {
    let status = object_at(res, &["status"]);
    let candidates = [
        ("status.errorCode", status.as_deref().and_then(|s| path(s, &["errorCode"]))),
        ("ResultType", path(res, &["ResultType"])),
        ("resultType", outer.and_then(|o| path(o, &["resultType"]))),
    ];
    for (field, value) in candidates {
        match value {
            Some(Value::Number(n)) => {
                return n.as_i64().map(Some).ok_or_else(|| FieldError::new(field, "not an integer error code"))
            }
            Some(Value::String(s)) => {
                if let Ok(n) = s.trim().parse() {
                    return Ok(Some(n));
                }
                // The wrapper's `resultType` is sometimes "Failure" / "Success": not a code.
                if field == "status.errorCode" {
                    return Err(FieldError::new(field, format!("not an error code: {s:?}")));
                }
            }
            _ => {}
        }
    }
    Ok(None)
}

/// The wrapper's textual `resultType` / `resultSignature` ("Success", "Failure"), used only when no
/// error code is given.
fn textual_result(outer: Option<&Value>) -> Option<OutcomeResult> {
    let outer = outer?;
    ["resultType", "resultSignature"].iter().find_map(|k| match str_at(outer, &[k])?.to_ascii_lowercase().as_str() {
        "success" => Some(OutcomeResult::Success),
        "failure" => Some(OutcomeResult::Failure),
        _ => None,
    })
}

/// The event kind and outcome for an error code (see the module docs).
fn classify(res: &Value, code: Option<i64>) -> (EventKind, Outcome) {
    let reason = code.map(|c| Text::from(c.to_string()));
    match code {
        None => (EventKind::Login, Outcome::default()),
        Some(0) => (EventKind::Login, Outcome::success()),
        Some(c) if CHALLENGE_CODES.contains(&c) => {
            (EventKind::Login, Outcome { result: OutcomeResult::Challenge, reason })
        }
        Some(MFA_FAILED) => {
            let outcome = Outcome { result: OutcomeResult::Failure, reason };
            if mfa_declined(res) {
                (EventKind::MfaDenied { factor: mfa_factor(res) }, outcome)
            } else {
                (EventKind::Login, Outcome { result: OutcomeResult::Challenge, ..outcome })
            }
        }
        Some(LOCKED) => (EventKind::AccountLocked, Outcome { result: OutcomeResult::Failure, reason }),
        Some(_) => (EventKind::Login, Outcome { result: OutcomeResult::Failure, reason }),
    }
}

/// Texts Entra uses when the user actively refused the prompt ("MFA denied; user declined the
/// authentication", "... Phone App Reported Fraud", "user reported suspicious activity").
fn mfa_declined(res: &Value) -> bool {
    let refused = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("declined") || s.contains("fraud") || s.contains("reported suspicious")
    };
    let status = object_at(res, &["status"]);
    let status_says = status.as_deref().is_some_and(|s| {
        str_at(s, &["additionalDetails"]).is_some_and(refused) || str_at(s, &["failureReason"]).is_some_and(refused)
    });
    status_says
        || str_at(res, &["ResultDescription"]).is_some_and(refused)
        || array_at(res, &["authenticationDetails"])
            .iter()
            .any(|d| str_at(d, &["authenticationStepResultDetail"]).is_some_and(refused))
}

/// The second factor used: the first non-password `authenticationDetails` step, else `mfaDetail`.
fn mfa_factor(res: &Value) -> Option<Text> {
    array_at(res, &["authenticationDetails"])
        .iter()
        .filter_map(|d| str_at(d, &["authenticationMethod"]))
        .find(|m| !m.eq_ignore_ascii_case("password") && !m.eq_ignore_ascii_case("previously satisfied"))
        .map(factor_name)
        .or_else(|| object_at(res, &["mfaDetail"]).and_then(|m| str_at(&m, &["authMethod"]).map(factor_name)))
}

fn network(res: &Value, outer: Option<&Value>) -> Network {
    let ip = str_at(res, &["ipAddress"])
        .or_else(|| outer.and_then(|o| str_at(o, &["callerIpAddress"])))
        .and_then(fields::parse_ip);
    // Sentinel names the object `LocationDetails` and keeps a country code in `Location`.
    let location = object_at(res, &["LocationDetails"]).or_else(|| object_at(res, &["location"]));
    let mut geo = location.as_deref().and_then(geo);
    if geo.is_none() {
        let country = str_at(res, &["Location"]).or_else(|| outer.and_then(|o| str_at(o, &["location"])));
        geo = country.map(|c| crate::evidence::Geo { country: Some(c.into()), ..Default::default() });
    }
    let asn = fields::f64_at(res, &["autonomousSystemNumber"])
        .filter(|n| n.fract() == 0.0 && *n > 0.0 && *n <= f64::from(u32::MAX))
        .map(|n| n as u32);
    Network { ip, geo, asn, ..Network::default() }
}

/// `isInteractive`, overridden to `false` by the non-interactive category / table / event type.
fn interactive(res: &Value, outer: Option<&Value>) -> Option<bool> {
    let non_interactive_source = [outer.and_then(|o| str_at(o, &["category"])), str_at(res, &["Type"])]
        .into_iter()
        .flatten()
        .any(|c| c.to_ascii_lowercase().contains("noninteractive"));
    let event_types = array_at(res, &["signInEventTypes"]);
    let non_interactive_type = !event_types.is_empty()
        && event_types.iter().all(|t| t.as_str().is_some_and(|s| !s.eq_ignore_ascii_case("interactiveUser")));
    if non_interactive_source || non_interactive_type {
        return Some(false);
    }
    bool_at(res, &["isInteractive"])
}

/// The sign-in's risk (see the module docs).
fn risk(res: &Value) -> Option<RiskLevel> {
    let level = str_at(res, &["riskLevelDuringSignIn"])
        .and_then(risk_level)
        .or_else(|| str_at(res, &["riskLevelAggregated"]).and_then(risk_level));
    if risk_cleared(str_at(res, &["riskState"])) {
        return level.map(|_| RiskLevel::None);
    }
    let has_detections = ["riskEventTypes", "riskEventTypes_v2"]
        .iter()
        .any(|k| array_at(res, &[k]).iter().any(|t| t.as_str().is_some_and(|s| !s.is_empty() && s != "none")));
    match level {
        Some(l) if has_detections => Some(l.max(RiskLevel::Medium)),
        None if has_detections => Some(RiskLevel::Medium),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::parse::entra;
    use serde_json::json;

    fn signin(code: i64, details: &str) -> Value {
        json!({
            "id": "b3d7f2aa-1c1d-4c43-9a52-0f3f1e6a0200",
            "createdDateTime": "2024-03-05T08:12:44Z",
            "userPrincipalName": "AdeleV@contoso.com",
            "userId": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
            "appDisplayName": "Office 365 Exchange Online",
            "ipAddress": "203.0.113.9",
            "clientAppUsed": "Browser",
            "correlationId": "5c3f4a6e-5a1b-4c7f-8a36-0f6ff3e1d0a1",
            "isInteractive": true,
            "riskLevelDuringSignIn": "none",
            "riskLevelAggregated": "none",
            "riskState": "none",
            "riskEventTypes": [],
            "status": {"errorCode": code, "failureReason": "Authentication failed during strong authentication request.", "additionalDetails": details},
            "authenticationDetails": [
                {"authenticationStepDateTime": "2024-03-05T08:12:30Z", "authenticationMethod": "Password", "succeeded": true, "authenticationStepResultDetail": "Correct password"},
                {"authenticationStepDateTime": "2024-03-05T08:12:44Z", "authenticationMethod": "Mobile app notification", "succeeded": false, "authenticationStepResultDetail": details}
            ]
        })
    }

    #[test]
    fn strong_auth_required_is_an_interrupt_not_a_failure() {
        let mut rec = signin(50074, "MFA required in Azure AD");
        rec["status"]["failureReason"] = json!("Strong Authentication is required.");
        let e = entra::parse(&rec).unwrap().unwrap();
        assert_eq!(e.kind, EventKind::Login);
        assert_eq!(e.outcome.result, OutcomeResult::Challenge);
        assert_eq!(e.outcome.reason.as_deref(), Some("50074"));
        assert!(!e.is_login_failure());
    }

    #[test]
    fn declined_push_is_mfa_denied() {
        let e = entra::parse(&signin(500121, "MFA denied; user declined the authentication")).unwrap().unwrap();
        assert_eq!(e.kind, EventKind::MfaDenied { factor: Some("push".into()) });
        assert_eq!(e.outcome, Outcome::failure("500121"));
        assert_eq!(e.user.as_str(), "adelev@contoso.com");
    }

    #[test]
    fn unanswered_push_is_a_challenge() {
        let e = entra::parse(&signin(500121, "MFA denied; user did not respond to mobile app notification"))
            .unwrap()
            .unwrap();
        assert_eq!(e.kind, EventKind::Login);
        assert_eq!(e.outcome.result, OutcomeResult::Challenge);
    }

    #[test]
    fn lockout_and_bad_password() {
        let e = entra::parse(&signin(50053, "")).unwrap().unwrap();
        assert_eq!(e.kind, EventKind::AccountLocked);
        let e = entra::parse(&signin(50126, "")).unwrap().unwrap();
        assert!(e.is_login_failure());
        assert_eq!(e.outcome.reason.as_deref(), Some("50126"));
    }

    #[test]
    fn dismissed_risk_does_not_count() {
        let mut rec = signin(0, "");
        rec["riskLevelDuringSignIn"] = json!("high");
        rec["riskEventTypes_v2"] = json!(["unlikelyTravel"]);
        assert_eq!(entra::parse(&rec).unwrap().unwrap().risk, Some(RiskLevel::High));
        rec["riskState"] = json!("dismissed");
        assert_eq!(entra::parse(&rec).unwrap().unwrap().risk, Some(RiskLevel::None));
        rec["riskState"] = json!("atRisk");
        rec["riskLevelDuringSignIn"] = json!("hidden");
        rec["riskLevelAggregated"] = json!("hidden");
        assert_eq!(entra::parse(&rec).unwrap().unwrap().risk, Some(RiskLevel::Medium));
    }

    #[test]
    fn sentinel_non_interactive_row() {
        // AADNonInteractiveUserSignInLogs stores its dynamic columns as JSON text.
        let row = json!({
            "TenantId": "4f7a7bc2-28e2-46a3-b90e-5ade5bc90138",
            "TimeGenerated": "2024-03-05T08:15:02.123Z",
            "OperationName": "Sign-in activity",
            "Category": "NonInteractiveUserSignInLogs",
            "ResultType": "0",
            "ResultDescription": "",
            "CreatedDateTime": "2024-03-05T08:15:01.9Z",
            "UserPrincipalName": "adelev@contoso.com",
            "AppDisplayName": "Microsoft Teams",
            "IPAddress": "2001:db8::5",
            "IsInteractive": false,
            "LocationDetails": "{\"city\":\"Oslo\",\"state\":\"Oslo\",\"countryOrRegion\":\"NO\",\"geoCoordinates\":{\"latitude\":59.91,\"longitude\":10.75}}",
            "DeviceDetail": "{\"deviceId\":\"c5b0f0f1-8d5c-4b5e-9b5f-2a4d8f0a7a11\",\"operatingSystem\":\"Windows10\",\"browser\":\"Edge 122.0.0\"}",
            "Status": "{\"errorCode\":0}",
            "RiskEventTypes": "[]",
            "SessionId": "0e2f6c10-0d21-4b8c-8b5f-6e1f1a2b3c4d",
            "Type": "AADNonInteractiveUserSignInLogs"
        });
        let e = entra::parse(&row).unwrap().unwrap();
        assert!(e.is_login_success());
        assert_eq!(e.interactive, Some(false));
        assert_eq!(e.network.ip, Some("2001:db8::5".parse().unwrap()));
        assert_eq!(e.country(), Some("NO"));
        assert_eq!(e.device_id.as_deref(), Some("c5b0f0f1-8d5c-4b5e-9b5f-2a4d8f0a7a11"));
        assert_eq!(e.session_id.as_deref(), Some("0e2f6c10-0d21-4b8c-8b5f-6e1f1a2b3c4d"));
        assert_eq!(e.time.to_rfc3339(), "2024-03-05T08:15:01.900+00:00");
        assert_eq!(e.vendor.event_type, "AADNonInteractiveUserSignInLogs");
    }
}
