//! The reader and the Okta, Google Workspace and UDM parsers over every public sample they own,
//! plus framing edge cases (arrays, page objects, pretty-printed records, broken JSON).

use std::io::BufReader;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use irp_core::evidence::{
    Event, EventKind, EvidenceError, Format, OutcomeResult, ReadStats, RecordReader, RecoveryChannel, RiskLevel,
};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// Everything a reader yields for one input, in order.
struct Read {
    events: Vec<Event>,
    errors: Vec<EvidenceError>,
    stats: ReadStats,
}

fn read_bytes(name: &str, bytes: &[u8], format: Format) -> Read {
    let mut reader = RecordReader::new(name, bytes, format);
    let (mut events, mut errors) = (Vec::new(), Vec::new());
    for item in reader.by_ref() {
        match item {
            Ok(e) => events.push(e),
            Err(e) => errors.push(e),
        }
    }
    Read { events, errors, stats: reader.stats().clone() }
}

fn read_file(rel: &str) -> Read {
    let path = testdata().join(rel);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = RecordReader::new(rel, BufReader::new(file), Format::Auto);
    let (mut events, mut errors) = (Vec::new(), Vec::new());
    for item in reader.by_ref() {
        match item {
            Ok(e) => events.push(e),
            Err(e) => errors.push(e),
        }
    }
    Read { events, errors, stats: reader.stats().clone() }
}

fn by_id<'a>(read: &'a Read, id: &str) -> &'a Event {
    read.events.iter().find(|e| e.id.as_str() == id).unwrap_or_else(|| panic!("no event {id}"))
}

fn utc(s: &str) -> chrono::DateTime<Utc> {
    s.parse().unwrap()
}

/// (file, events, unattributed, field errors, of which `Other`)
const EXPECTED: &[(&str, usize, u64, usize, u64)] = &[
    ("vendor/okta/okta_example_listlogs.json", 1, 0, 0, 0),
    ("samples/vets_api_okta/okta_connection_logs.consent_grant.json", 8, 0, 0, 0),
    ("samples/azure_sentinel/Okta_CL.first8.jsonl", 8, 0, 0, 1),
    ("samples/azure_sentinel/GWorkspace_ReportsAPI_login_CL.json", 3, 0, 0, 0),
    ("samples/panther/panther_okta.events.jsonl", 68, 5, 15, 25),
    ("samples/panther/panther_okta.labeled.jsonl", 68, 5, 15, 25),
    ("samples/panther/panther_gsuite_activityevent.events.jsonl", 96, 2, 67, 86),
    ("samples/panther/panther_gsuite_activityevent.labeled.jsonl", 96, 2, 67, 86),
    ("samples/panther_deleted_rules/panther_deleted_okta.events.jsonl", 3, 4, 8, 0),
    ("samples/panther_deleted_rules/panther_deleted_okta.labeled.jsonl", 3, 4, 8, 0),
    ("samples/panther_deleted_rules/panther_deleted_gsuite_activityevent.events.jsonl", 0, 0, 5, 0),
    ("samples/panther_deleted_rules/panther_deleted_gsuite_activityevent.labeled.jsonl", 0, 0, 5, 0),
    ("samples/panther_scenarios/compromised-root-creds__attacker_okta.jsonl", 2, 0, 0, 0),
    ("samples/panther_scenarios/compromised-root-creds__victim_okta.jsonl", 1, 0, 0, 0),
    ("samples/panther_scenarios/gsuite-sensitive-files__shared_files.jsonl", 1, 0, 0, 1),
    ("samples/panther_scenarios/okta-add-administrator__admin_privs_assigned.jsonl", 1, 0, 0, 0),
    ("samples/panther_scenarios/okta-add-administrator__brute_force_logins.jsonl", 10, 0, 0, 0),
    ("samples/panther_scenarios/okta-add-administrator__legit_login.jsonl", 5, 0, 0, 0),
    ("samples/panther_scenarios/okta-add-administrator__new-user.jsonl", 1, 0, 0, 1),
    ("samples/chronicle_udm/chronicle_api-samples-python_sample_udm_events.json", 1, 0, 0, 0),
    ("samples/chronicle_udm/google_secops-wrapper_README_nl_search_example.json", 1, 0, 0, 0),
];

#[test]
fn every_sample_file_is_accounted_for() {
    let dirs = ["panther_deleted_rules", "panther_scenarios", "azure_sentinel", "vets_api_okta", "chronicle_udm"];
    let mut listed: Vec<String> = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(testdata().join("samples").join(dir)).unwrap() {
            listed.push(format!("samples/{dir}/{}", entry.unwrap().file_name().to_string_lossy()));
        }
    }
    for entry in std::fs::read_dir(testdata().join("samples/panther")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("panther_okta") || name.starts_with("panther_gsuite") {
            listed.push(format!("samples/panther/{name}"));
        }
    }
    for file in &listed {
        assert!(EXPECTED.iter().any(|(f, ..)| f == file), "{file} has no expectation");
    }
}

#[test]
fn counts_per_file() {
    for &(file, events, unattributed, errors, other) in EXPECTED {
        let read = read_file(file);
        assert_eq!(read.events.len(), events, "{file}: events");
        assert_eq!(read.stats.unattributed, unattributed, "{file}: unattributed");
        assert_eq!(read.errors.len(), errors, "{file}: errors {:?}", read.errors.first());
        assert_eq!(read.stats.other, other, "{file}: other");
        assert_eq!(read.stats.events as usize, events, "{file}: stats.events");
        // Every record is an event, unattributed, or an error: nothing vanishes.
        assert_eq!(read.stats.records, events as u64 + unattributed + errors as u64, "{file}: records");
        for e in &read.errors {
            assert!(matches!(e, EvidenceError::InvalidField { .. }), "{file}: {e}");
            assert!(e.to_string().starts_with(&format!("{file}:")), "{e}");
        }
    }
}

#[test]
fn labeled_twins_give_the_same_events() {
    for stem in [
        "samples/panther/panther_okta",
        "samples/panther/panther_gsuite_activityevent",
        "samples/panther_deleted_rules/panther_deleted_okta",
        "samples/panther_deleted_rules/panther_deleted_gsuite_activityevent",
    ] {
        let events = std::fs::read(testdata().join(format!("{stem}.events.jsonl"))).unwrap();
        let labeled = std::fs::read(testdata().join(format!("{stem}.labeled.jsonl"))).unwrap();
        // Same source name, so the ids of events without a vendor id match too.
        let a = read_bytes("x", &events, Format::Auto);
        let b = read_bytes("x", &labeled, Format::Auto);
        assert_eq!(a.events, b.events, "{stem}");
        assert_eq!(a.errors, b.errors, "{stem}");
        assert_eq!(a.stats, b.stats, "{stem}");
    }
}

#[test]
fn okta_api_example() {
    let read = read_file("vendor/okta/okta_example_listlogs.json");
    let e = &read.events[0];
    assert_eq!(e.id.as_str(), "dc9fd3c0-598c-11ef-8478-2b7584bf8d5a");
    assert_eq!(e.time, utc("2024-08-13T15:58:20.353Z"));
    assert_eq!(e.user.as_str(), "john.doe@example.com");
    assert_eq!(e.kind, EventKind::Login);
    assert_eq!(e.outcome.result, OutcomeResult::Success);
    assert_eq!(e.network.ip, Some("10.0.0.1".parse().unwrap()));
    let geo = e.network.geo.as_ref().unwrap();
    assert_eq!((geo.city.as_deref(), geo.region.as_deref()), (Some("New York"), Some("New York")));
    assert_eq!(geo.country.as_deref(), Some("United States"));
    assert_eq!(geo.coordinates(), Some((40.3157, -74.01)));
    assert_eq!((e.network.asn, e.network.as_org.as_deref()), (Some(394089), Some("ASN 0000")));
    assert_eq!(e.network.is_proxy, Some(false));
    assert_eq!(e.session_id.as_deref(), Some("idxBager62CSveUkTxvgRtonA"));
    assert_eq!(e.device_id.as_deref(), Some("guofdhyjex1feOgbN1d9"));
    assert!(e.user_agent.as_deref().unwrap().contains("Chrome/127.0.0.0"));
    assert_eq!(e.app.as_deref(), Some("Okta Admin Console"));
    assert_eq!(e.interactive, Some(true));
    assert_eq!(e.targets.len(), 2);
    assert_eq!(e.targets[1].kind.as_deref(), Some("AppInstance"));
    assert_eq!(e.vendor.event_type, "user.session.start");
}

#[test]
fn okta_consent_grants_from_a_real_api_page() {
    let read = read_file("samples/vets_api_okta/okta_connection_logs.consent_grant.json");
    let e = by_id(&read, "85049f25-4568-11eb-ba7d-892e1f144239");
    assert_eq!(e.user.as_str(), "7d3fb678dd154560bf8a352c6cc5fbec");
    let EventKind::OAuthGrant { app, scopes, admin_consent } = &e.kind else { panic!("{:?}", e.kind) };
    assert_eq!(app, "0oa7rb3qjbKyi6j7O2p7");
    assert_eq!(scopes, &["launch/patient", "disability_rating.read", "service_history.read", "veteran_status.read"]);
    assert!(!admin_consent);
    assert_eq!(e.network.asn, Some(7922));
    assert_eq!(e.network.geo.as_ref().unwrap().city.as_deref(), Some("Denver"));
    assert_eq!(e.session_id.as_deref(), Some("102F_2I4EVjThOkc8vvifaSWg"));
}

#[test]
fn okta_sentinel_flattened_rows() {
    let read = read_file("samples/azure_sentinel/Okta_CL.first8.jsonl");
    let kinds: Vec<&str> = read.events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(
        kinds,
        ["other", "login", "login", "mfa_challenge_sent", "mfa_denied", "mfa_denied", "mfa_approved", "mfa_approved"]
    );
    let policy = &read.events[0];
    assert_eq!(policy.outcome.result, OutcomeResult::Challenge);
    assert_eq!(policy.vendor.event_type, "policy.evaluate_sign_on");
    assert_eq!(policy.network.asn, Some(10993));
    assert_eq!(policy.network.is_proxy, Some(false));
    assert_eq!(policy.targets[0].kind.as_deref(), Some("PolicyEntity"));
    // Password checked through auth_via_mfa is a failed sign-in, not an MFA denial.
    let pw = &read.events[1];
    assert_eq!((pw.kind.name(), pw.outcome.result), ("login", OutcomeResult::Failure));
    let denied = &read.events[4];
    assert_eq!(denied.kind, EventKind::MfaDenied { factor: Some("SMS_FACTOR".into()) });
    assert_eq!(denied.user.as_str(), "sanitized@sanitized.com");
    assert_eq!(denied.network.ip, Some("65.65.65.65".parse().unwrap()));
    let geo = denied.network.geo.as_ref().unwrap();
    assert_eq!((geo.city.as_deref(), geo.country.as_deref()), (Some("Los Angeles"), Some("United States")));
    assert_eq!(geo.coordinates(), Some((34.047, -118.275)));
    assert_eq!(denied.time, utc("2020-05-26T22:15:39.591Z"));
    assert!(read.events[7].user_agent.as_deref().unwrap().contains("Firefox/76.0"));
}

#[test]
fn okta_panther_variants() {
    let read = read_file("samples/panther/panther_okta.events.jsonl");
    // Lower-cased `eventtype` / `authenticationcontext`, Panther timestamp.
    let reset = read.events.iter().find(|e| e.kind == EventKind::MfaFactorReset).unwrap();
    assert_eq!(reset.user.as_str(), "peter.griffin@company.com");
    assert_eq!(reset.actor.as_ref().unwrap().as_str(), "homer.simpson@duff.com");
    assert_eq!(reset.time, Utc.with_ymd_and_hms(2022, 6, 22, 18, 18, 29).unwrap() + chrono::Duration::milliseconds(15));
    assert_eq!(reset.session_id.as_deref(), Some("100-abc-9999"));
    // Admin password reset by Okta itself.
    let pw = read.events.iter().find(|e| e.kind == EventKind::PasswordReset).unwrap();
    assert_eq!((pw.user.as_str(), pw.actor.as_ref().unwrap().as_str()), ("homer@springfield.gov", "system@okta.com"));
    // A privilege grant is filed under the admin who made it; the grantee is a target.
    let grant = by_id(&read, "2a992f80-d1ad-4f62-900e-8c68bb72a21b");
    assert_eq!(grant.user.as_str(), "jack@acme.io");
    assert_eq!(grant.actor.as_ref().unwrap().as_str(), "jack@acme.io");
    assert!(grant.targets.iter().any(|t| t.name.as_deref() == Some("alice@acme.io")), "{:?}", grant.targets);
    assert_eq!(
        grant.kind,
        EventKind::PrivilegeGrant { role: Some("Organization administrator, Application administrator (all)".into()) }
    );
    let locked = read.events.iter().find(|e| e.kind == EventKind::AccountLocked).unwrap();
    assert_eq!(locked.outcome.reason.as_deref(), Some("LOCKED_OUT"));
    // Vendor risk from logOnlySecurityData, both as an object and as JSON text.
    let risky: Vec<_> = read.events.iter().filter(|e| e.risk == Some(RiskLevel::Low)).collect();
    assert!(risky.len() >= 5, "{}", risky.len());
    // ThreatInsight detections with no username are unattributed, not events.
    assert!(!read.events.iter().any(|e| e.vendor.event_type == "security.threat.detected"));
    let moscow =
        read.events.iter().find(|e| e.network.geo.as_ref().and_then(|g| g.city.as_deref()) == Some("Moscow")).unwrap();
    assert_eq!(moscow.country(), Some("Russia"));
    assert_eq!(moscow.network.asn, Some(7122));
    // Panther fixtures that drop `published` name the field.
    let err = read.errors.iter().find(|e| e.line() == Some(50)).unwrap();
    assert_eq!(err.to_string(), "samples/panther/panther_okta.events.jsonl:50: field `published`: missing timestamp");
}

#[test]
fn okta_attack_scenario() {
    let brute = read_file("samples/panther_scenarios/okta-add-administrator__brute_force_logins.jsonl");
    let failures = brute.events.iter().filter(|e| e.is_login_failure()).count();
    assert_eq!(failures, 9);
    let success = brute.events.iter().find(|e| e.is_login_success()).unwrap();
    assert_eq!(success.country(), Some("France"));
    assert_eq!(success.network.ip, Some("194.88.246.242".parse().unwrap()));
    assert_eq!(success.user.as_str(), "jack.naglieri@runpanther.io");
    let admin = read_file("samples/panther_scenarios/okta-add-administrator__admin_privs_assigned.jsonl");
    // The compromised admin made the grant: it is their event, the new account is the target.
    assert_eq!(admin.events[0].user.as_str(), "jack.naglieri@runpanther.io");
    assert!(admin.events[0].targets.iter().any(|t| t.name.as_deref() == Some("thomas12223391@gmail.com")));
    assert!(matches!(admin.events[0].kind, EventKind::PrivilegeGrant { .. }));
    assert_eq!(admin.events[0].network.ip, success.network.ip);
}

#[test]
fn okta_deleted_rules() {
    let read = read_file("samples/panther_deleted_rules/panther_deleted_okta.events.jsonl");
    let by_app = read.events.iter().find(|e| e.actor.as_ref().map(|a| a.as_str()) == Some("acme-service-app")).unwrap();
    assert_eq!(by_app.user.as_str(), "homer@springfield.gov");
    assert_eq!(by_app.kind, EventKind::MfaFactorRemoved { factor: None });
    let own =
        read.events.iter().find(|e| e.kind == EventKind::MfaFactorRemoved { factor: Some("OKTA_VERIFY_PUSH".into()) });
    assert!(own.unwrap().actor.is_none());
}

#[test]
fn workspace_panther_rows() {
    let read = read_file("samples/panther/panther_gsuite_activityevent.events.jsonl");
    let oauth = read.events.iter().find(|e| e.app.as_deref() == Some("SuspiciousThirdPartyApp")).unwrap();
    let EventKind::OAuthGrant { scopes, .. } = &oauth.kind else { panic!() };
    assert_eq!(scopes.len(), 4);
    assert!(scopes.iter().any(|s| s == "https://www.googleapis.com/auth/ediscovery"));
    assert_eq!(oauth.user.as_str(), "user@example.com");
    assert_eq!(oauth.time, utc("2024-01-15T10:30:00Z"));
    let dl = read.events.iter().find(|e| matches!(e.kind, EventKind::FileDownload { .. })).unwrap();
    assert_eq!(dl.kind, EventKind::FileDownload { object: Some("My Sensitive Document".into()) });
    assert_eq!(dl.user.as_str(), "john@justice.org");
    let rec = read.events.iter().find(|e| matches!(e.kind, EventKind::RecoveryChange { .. })).unwrap();
    assert_eq!(rec.kind, EventKind::RecoveryChange { channel: RecoveryChannel::Email });
    assert_eq!(rec.network.ip, Some("2600:2600:2600:2600:2600:2600:2600:2600".parse().unwrap()));
    let saml = read.events.iter().find(|e| e.vendor.event_type == "saml.login_success").unwrap();
    assert_eq!(saml.app.as_deref(), Some("Some SAML Application"));
    let failed = read.events.iter().filter(|e| e.is_login_failure()).count();
    assert_eq!(failed, 2);
}

#[test]
fn workspace_sentinel_api_shape() {
    let read = read_file("samples/azure_sentinel/GWorkspace_ReportsAPI_login_CL.json");
    assert_eq!(read.events[0].id.as_str(), "580457398125:login_success");
    assert_eq!(read.events[0].user.as_str(), "sanitized_email.com");
    assert_eq!(read.events[0].network.ip, Some("52.52.52.52".parse().unwrap()));
    assert_eq!(read.events[1].kind, EventKind::MfaApproved { factor: Some("google_prompt".into()) });
    assert_eq!(read.events[2].time, utc("2020-11-09T22:46:21.209Z"));
}

#[test]
fn udm_samples() {
    let api = read_file("samples/chronicle_udm/chronicle_api-samples-python_sample_udm_events.json");
    let e = &api.events[0];
    assert_eq!((e.user.as_str(), e.kind.name(), e.outcome.result), ("employee", "login", OutcomeResult::Success));
    assert_eq!(e.network.ip, Some("10.0.0.75".parse().unwrap()));
    assert_eq!(e.time, utc("2021-07-14T15:30:18.142265Z"));
    // No vendor id: `<source>:<line>:<index>` of the array element.
    assert_eq!(e.id.as_str(), "samples/chronicle_udm/chronicle_api-samples-python_sample_udm_events.json:2:0");
    let search = read_file("samples/chronicle_udm/google_secops-wrapper_README_nl_search_example.json");
    let e = &search.events[0];
    assert_eq!((e.user.as_str(), e.outcome.result), ("jdoe", OutcomeResult::Failure));
    assert_eq!(e.outcome.reason.as_deref(), Some("Failed login attempt"));
}

// ---- framing ----

const OKTA_1: &str = r#"{"uuid":"a","published":"2024-05-01T09:00:00Z","eventType":"user.session.start","actor":{"alternateId":"a@x.io","type":"User"},"outcome":{"result":"SUCCESS"}}"#;
const OKTA_2: &str = r#"{"uuid":"b","published":"2024-05-01T09:01:00Z","eventType":"user.session.start","actor":{"alternateId":"b@x.io","type":"User"},"outcome":{"result":"FAILURE"}}"#;

fn ids(read: &Read) -> Vec<&str> {
    read.events.iter().map(|e| e.id.as_str()).collect()
}

#[test]
fn framing_variants() {
    let ndjson = format!("{OKTA_1}\n\n{OKTA_2}\r\n");
    assert_eq!(ids(&read_bytes("s", ndjson.as_bytes(), Format::Auto)), ["a", "b"]);
    let array = format!("[\n  {OKTA_1},\n  {OKTA_2}\n]\n");
    assert_eq!(ids(&read_bytes("s", array.as_bytes(), Format::Auto)), ["a", "b"]);
    for key in ["value", "events", "items", "records"] {
        let page = format!("{{\"@odata.context\": \"x\", \"{key}\": [{OKTA_1}, {OKTA_2}], \"nextLink\": null}}");
        let read = read_bytes("s", page.as_bytes(), Format::Auto);
        assert_eq!(ids(&read), ["a", "b"], "{key}");
        assert_eq!(read.stats.records, 2);
    }
    let pretty = serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(OKTA_1).unwrap()).unwrap();
    let read = read_bytes("s", format!("\u{feff}{pretty}\n{pretty}").as_bytes(), Format::Okta);
    assert_eq!(ids(&read), ["a", "a"]);
    // A Workspace activity is a record even though it has an `events` array.
    let ws = r#"{"kind":"admin#reports#activity","id":{"time":"2020-11-09T22:47:35.492Z","applicationName":"login"},"actor":{"email":"a@x.io"},"events":[{"name":"login_success"}]}"#;
    let read = read_bytes("s", ws.as_bytes(), Format::Auto);
    assert_eq!(read.events[0].kind, EventKind::Login);
    assert_eq!(read.events[0].id.as_str(), "s:1");
}

#[test]
fn big_page_is_streamed() {
    // Bigger than the decision limit: elements are framed one by one.
    let n = irp_core::evidence::reader::PAGE_DECISION_LIMIT / OKTA_1.len() + 100;
    let mut page = String::from("{\"value\": [\n");
    for i in 0..n {
        if i > 0 {
            page.push_str(",\n");
        }
        page.push_str(OKTA_1);
    }
    page.push_str("\n], \"@odata.nextLink\": \"https://x/{[\"}\n");
    page.push_str(OKTA_2);
    let read = read_bytes("big", page.as_bytes(), Format::Auto);
    assert!(read.errors.is_empty(), "{:?}", read.errors.first());
    assert_eq!(read.events.len(), n + 1);
    assert_eq!(read.events.last().unwrap().id.as_str(), "b");
}

#[test]
fn ids_without_vendor_id_are_positional() {
    let no_id = OKTA_1.replace("\"uuid\":\"a\",", "");
    let text = format!("{no_id}\n[{no_id},\n{no_id}]");
    let read = read_bytes("src", text.as_bytes(), Format::Auto);
    assert_eq!(ids(&read), ["src:1", "src:2:0", "src:3:1"]);
}

#[test]
fn graph_trailing_comma_points_at_the_comma() {
    let path = testdata().join("samples/msgraph_docs/signin-list_example1_response.verbatim.json.txt");
    let bytes = std::fs::read(path).unwrap();
    let read = read_bytes("signin.json", &bytes, Format::Auto);
    assert_eq!(read.errors.len(), 1);
    match &read.errors[0] {
        EvidenceError::InvalidJson { source_name, line, column, message } => {
            assert_eq!((source_name.as_str(), *line, *column), ("signin.json", 63, 18));
            assert_eq!(message, "trailing comma");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn invalid_json_positions_are_absolute() {
    let text = format!("{OKTA_1}\n{{\"uuid\": \"c\", \"published\": tru}}\n{OKTA_2}\n");
    let read = read_bytes("s", text.as_bytes(), Format::Auto);
    assert_eq!(ids(&read), ["a", "b"]);
    let EvidenceError::InvalidJson { line, column, .. } = &read.errors[0] else { panic!() };
    assert_eq!((*line, *column), (2, 31));
    // Inside an array element on its third line.
    let text = format!("[{OKTA_1},\n {OKTA_2},\n   {{\"a\": [1 2]}}]");
    let read = read_bytes("s", text.as_bytes(), Format::Auto);
    let EvidenceError::InvalidJson { line, column, .. } = &read.errors[0] else { panic!() };
    assert_eq!((*line, *column), (3, 13));
    // A truncated NDJSON line is reported on its own line; the next line still reads.
    let text = format!("{{\"uuid\": \"x\n{OKTA_2}\n");
    let read = read_bytes("s", text.as_bytes(), Format::Auto);
    assert_eq!(read.errors[0].line(), Some(1));
    assert_eq!(ids(&read), ["b"]);
}

#[test]
fn bad_field_names_the_field() {
    let bad = OKTA_1.replace("2024-05-01T09:00:00Z", "last tuesday");
    let read = read_bytes("f.ndjson", format!("{OKTA_1}\n{bad}\n").as_bytes(), Format::Auto);
    assert_eq!(read.errors.len(), 1);
    assert_eq!(read.errors[0].to_string(), "f.ndjson:2: field `published`: not a timestamp: \"last tuesday\"");
    let read = read_bytes("f", b"42\n", Format::Auto);
    assert!(matches!(&read.errors[0], EvidenceError::InvalidField { field, .. } if field == "<record>"));
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
        let read = read_bytes("p", &bytes, Format::Auto);
        proptest::prop_assert!(read.stats.records >= read.stats.events);
    }

    #[test]
    fn json_like_noise_never_panics(text in "[\\[\\]{}\",:a-z0-9 \n\\\\]{0,200}") {
        let _ = read_bytes("p", text.as_bytes(), Format::Auto);
    }
}
