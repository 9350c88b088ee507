//! Every public Microsoft sample parses, with specific fields checked on chosen records.

use std::path::{Path, PathBuf};

use irp_core::evidence::parse::parse_record;
use irp_core::evidence::{Event, EventKind, Format, OutcomeResult, RiskLevel, RuleChange};
use serde_json::Value;

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/samples")
}

/// Records of a file: NDJSON, or one JSON document holding a `value` page.
fn records(rel: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(samples().join(rel)).unwrap();
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(page)) if page.contains_key("value") => page["value"].as_array().unwrap().clone(),
        Ok(Value::Array(items)) => items,
        Ok(one) => vec![one],
        Err(_) => text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect(),
    }
}

/// Parses every record with sniffing; every record must be recognised and parse.
fn parse_all(rel: &str) -> Vec<Option<Event>> {
    records(rel)
        .iter()
        .enumerate()
        .map(|(i, r)| parse_record(r, Format::Auto).unwrap_or_else(|e| panic!("{rel} record {i}: {e:?}")))
        .collect()
}

fn one(rel: &str, index: usize) -> Event {
    parse_all(rel).swap_remove(index).unwrap_or_else(|| panic!("{rel} record {index} is unattributed"))
}

const AZURE: &str = "panther/panther_azure_signin_audit.events.jsonl";
const M365: &str = "panther/panther_m365_audit.events.jsonl";

#[test]
fn every_record_parses_and_labeled_twins_agree() {
    let pairs = [
        ("panther/panther_azure_signin_audit.events.jsonl", "panther/panther_azure_signin_audit.labeled.jsonl"),
        ("panther/panther_msgraph_alerts.events.jsonl", "panther/panther_msgraph_alerts.labeled.jsonl"),
        ("panther/panther_m365_audit.events.jsonl", "panther/panther_m365_audit.labeled.jsonl"),
    ];
    for (events, labeled) in pairs {
        let a = parse_all(events);
        assert!(a.iter().flatten().count() > 0, "{events}");
        assert_eq!(a, parse_all(labeled), "{labeled}");
    }
    for f in [
        "msgraph_docs/signin-list_example1_response.repaired.json",
        "msgraph_docs/beta_signin-list_example1_response.json",
        "otrf_goldensaml/AADAuditEvents.json",
        "otrf_goldensaml/OfficeActivityEvents.json",
    ] {
        assert!(parse_all(f).iter().all(Option::is_some), "{f}");
    }
}

#[test]
fn graph_v1_signin() {
    let e = one("msgraph_docs/signin-list_example1_response.repaired.json", 0);
    assert_eq!(e.time.to_rfc3339(), "2020-03-13T19:15:41.619583300+00:00");
    assert_eq!(e.user.as_str(), "testaccount1@contoso.com");
    assert!(e.is_login_success());
    assert_eq!(e.network.ip, Some("131.107.159.37".parse().unwrap()));
    let geo = e.network.geo.as_ref().unwrap();
    assert_eq!(
        (geo.city.as_deref(), geo.region.as_deref(), e.country()),
        (Some("Redmond"), Some("Washington"), Some("US"))
    );
    assert_eq!(geo.coordinates(), Some((47.68050003051758, -122.12094116210938)));
    assert_eq!(e.device_id, None, "empty deviceId is absent");
    assert_eq!(e.session_id.as_deref(), Some("d79f5bee-5860-4832-928f-3133e22ae912"));
    assert_eq!(e.app.as_deref(), Some("Graph explorer"));
    assert_eq!(e.interactive, Some(true));
    assert_eq!(e.risk, Some(RiskLevel::None));
    assert_eq!(e.vendor.event_id.as_deref(), Some("66ea54eb-6301-4ee5-be62-ff5a759b0100"));
}

#[test]
fn graph_beta_signin_with_duplicate_keys() {
    let e = one("msgraph_docs/beta_signin-list_example1_response.json", 0);
    assert!(e.is_login_failure());
    assert_eq!(e.outcome.reason.as_deref(), Some("50126"));
    assert_eq!(e.network.asn, Some(3598));
    assert!(e.user_agent.as_deref().unwrap().contains("Edg/91.0.864.54"));
    assert_eq!(e.network.geo.as_ref().unwrap().coordinates(), None, "empty geoCoordinates");
}

#[test]
fn diagnostic_signins() {
    let e = one(AZURE, 8);
    assert_eq!(e.kind, EventKind::AccountLocked);
    assert_eq!(e.outcome.reason.as_deref(), Some("50053"));
    assert_eq!(e.user.as_str(), "boromir@lotr.com");
    assert_eq!(e.user_agent.as_deref(), Some("python-requests/2.28.0"));
    assert_eq!(e.network.asn, Some(12345), "ASN given as a string");
    assert_eq!(e.network.geo.as_ref().unwrap().city, None, "\"Unknown\" is not a city");

    // High risk during sign-in, with risk event types, in an otherwise successful login.
    let e = one(AZURE, 16);
    assert!(e.is_login_success());
    assert_eq!(e.risk, Some(RiskLevel::High));
    assert_eq!(e.country(), Some("RU"));

    // Non-interactive category: excluded from travel by the detectors.
    let e = one(AZURE, 45);
    assert_eq!(e.interactive, Some(false));
    assert_eq!(e.app.as_deref(), Some("Visual Studio Code"));
    assert_eq!(e.vendor.event_type, "NonInteractiveUserSignInLogs");

    // Panther lower-cases the wrapper keys; legacy-auth sign-in.
    let e = one(AZURE, 23);
    assert_eq!(e.user.as_str(), "eve@lexcorp.com");
    assert_eq!(e.user_agent.as_deref(), Some("BAV2ROPC"));
    assert_eq!(e.time.to_rfc3339(), "2023-07-21T05:03:52.160562400+00:00");

    // Textual resultType only.
    assert_eq!(one(AZURE, 3).outcome.result, OutcomeResult::Success);
}

#[test]
fn service_principal_signins_are_unattributed() {
    let all = parse_all(AZURE);
    for i in [11, 12, 22, 33, 34, 35, 36, 37, 47] {
        assert!(all[i].is_none(), "record {i}");
    }
}

#[test]
fn diagnostic_audits() {
    // Non-PIM and PIM role assignment; the PIM *request* is not a grant.
    let e = one(AZURE, 40);
    assert_eq!(e.kind, EventKind::PrivilegeGrant { role: Some("Application Administrator".into()) });
    assert_eq!(e.user.as_str(), "malenia");
    assert_eq!(e.actor.as_ref().unwrap().as_str(), "radahn@starscourge.onmicrosoft.com");
    assert!(matches!(one(AZURE, 38).kind, EventKind::PrivilegeGrant { .. }));
    assert_eq!(one(AZURE, 39).kind, EventKind::Other);

    let e = one(AZURE, 43);
    assert_eq!(e.kind, EventKind::Other);
    assert_eq!(e.vendor.event_type, "Add service principal credentials");
    assert_eq!(e.network.ip, Some("2.2.2.2".parse().unwrap()));
}

#[test]
fn graph_security_alerts() {
    let all = parse_all("panther/panther_msgraph_alerts.events.jsonl");
    let e = all[0].as_ref().unwrap();
    assert_eq!(e.kind, EventKind::RiskDetected { detection: "Anonymous IP address".into() });
    assert_eq!(e.user.as_str(), "homer.simpson@corporation.onmicrosoft.com");
    assert_eq!(e.network.ip, Some("185.220.103.6".parse().unwrap()));
    assert_eq!(e.risk, Some(RiskLevel::Medium));
    assert_eq!(all[1].as_ref().unwrap().risk, Some(RiskLevel::High));
    assert!(all[2].is_none() && all[3].is_none(), "alerts without user evidence are unattributed");
}

#[test]
fn golden_saml_audit_logs() {
    let all = parse_all("otrf_goldensaml/AADAuditEvents.json");
    let e = all[3].as_ref().unwrap();
    assert_eq!(
        e.kind,
        EventKind::OAuthGrant {
            app: "0d2f5969-011b-460d-ac74-3291d227d49f".into(),
            scopes: vec!["User.Read".into(), "Mail.ReadWrite".into()],
            admin_consent: true
        }
    );
    assert_eq!(e.user.as_str(), "pgustavo@simulandlabs.com");
    let cred = all[0].as_ref().unwrap();
    assert_eq!(cred.kind, EventKind::Other);
    assert_eq!(cred.vendor.event_type, "Update application – Certificates and secrets management");
    assert!(cred.user_agent.as_deref().unwrap().contains("WindowsPowerShell"));
    assert_eq!(cred.targets[0].name.as_deref(), Some("SimuLandApp"));
}

#[test]
fn golden_saml_office_activity() {
    let e = one("otrf_goldensaml/OfficeActivityEvents.json", 0);
    assert_eq!(e.vendor.format, Format::O365);
    assert_eq!(e.kind, EventKind::FileAccess { object: Some("\\Inbox (7 items)".into()) });
    assert_eq!(e.app.as_deref(), Some("5a95e683-08ad-424e-a441-1d1aec52c02c"));
    assert_eq!(e.network.ip, Some("1.2.3.4".parse().unwrap()));
    assert_eq!(e.time.to_rfc3339(), "2021-08-02T13:32:07+00:00");
}

#[test]
fn m365_exchange_and_aad() {
    let e = one(M365, 0);
    assert!(e.is_login_failure(), "UserLoginFailed with ResultStatus Success is still a failure");
    assert_eq!(e.outcome.reason.as_deref(), Some("InvalidUserNameOrPassword"));
    assert!(e.user_agent.as_deref().unwrap().contains("Chrome/107"));
    assert!(one(M365, 1).is_login_success(), "no Workload, RecordType 15");

    let e = one(M365, 7);
    assert!(matches!(e.kind, EventKind::MfaFactorEnrolled { .. }));
    assert_eq!(e.user.as_str(), "sample.user@yourorg.onmicrosoft.com");
    assert!(matches!(one(M365, 8).kind, EventKind::MfaFactorRemoved { .. }));

    let e = one(M365, 10);
    assert_eq!(e.kind, EventKind::MailboxForwarding { forward_to: vec!["marge.simpson@simpsons.com".into()] });
    assert_eq!(e.user.as_str(), "marge.simpson@simpsons.onmicrosoft.com");
    assert_eq!(e.actor.as_ref().unwrap().as_str(), "homer.simpson@simpsons.com");

    let e = one(M365, 12);
    let EventKind::InboxRule { change, forward_to, hides_mail, .. } = &e.kind else { panic!("{:?}", e.kind) };
    assert_eq!(*change, RuleChange::Created);
    assert_eq!(forward_to.len(), 3);
    assert!(!hides_mail);
    assert!(matches!(one(M365, 11).kind, EventKind::InboxRule { hides_mail: true, .. }));

    // Panther's lower-cased keys, `ip:port`, nanosecond timestamps.
    let e = one(M365, 18);
    assert_eq!(e.network.ip, Some("1.2.3.4".parse().unwrap()));
    assert_eq!(e.time.to_rfc3339(), "2025-07-07T09:11:11+00:00");
}
