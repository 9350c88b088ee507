//! The Google SecOps SOAR connector against a local Siemplify external-API double.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use irp_connectors::http::{HttpDeps, HttpSettings, RecordingSleeper, SecretSource};
use irp_connectors::secops::{CloseReason, SecOpsSoar, SecOpsSoarConfig};
use irp_connectors::{
    ApprovalDecision, ApprovalRecord, CaseId, CaseStatus, ErrorKind, JournalEntry, JournalStatus, ManualClock,
    Similarity, Soar,
};
use irp_core::evidence::UserId;
use serde_json::{json, Value};
use support::{Double, Reply};

const KEY: &str = "soar-SECRET-app-key-0001";
const DETAILS: &str = "/soar/api/external/v1/cases/GetCaseFullDetails";
const SEARCH: &str = "/soar/api/external/v1/search/CaseSearchEverything";
const COMMENTS: &str = "/soar/api/external/v1/cases/comments";
const CLOSE: &str = "/soar/api/external/v1/cases-queue/bulk-operations/ExecuteBulkCloseCase";

fn config(d: &Double) -> SecOpsSoarConfig {
    std::env::set_var("IRP_TEST_SOAR_KEY", KEY);
    SecOpsSoarConfig::new(d.url("/soar"), SecretSource::Env { env: "IRP_TEST_SOAR_KEY".into() })
}

fn connect_with(cfg: &SecOpsSoarConfig) -> (SecOpsSoar, RecordingSleeper) {
    let sleeper = RecordingSleeper::new();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2024, 2, 9, 12, 0, 0).unwrap()));
    (SecOpsSoar::with_deps(cfg, HttpDeps::for_tests(sleeper.clone(), clock)).unwrap(), sleeper)
}

fn connect(d: &Double) -> (SecOpsSoar, RecordingSleeper) {
    connect_with(&config(d))
}

async fn double() -> Double {
    let d = Double::start().await;
    d.guard(|r| (r.header("appkey") != Some(KEY)).then(|| Reply::json(401, json!({"ErrorMessage": "Unauthorized"}))));
    d
}

fn details(id: u64, group: &str, user: &str, status: u8) -> Value {
    json!({"id": id, "title": format!("Suspicious login {user}"), "status": status, "priority": 80, "stage": "Triage",
        "environment": "Default Environment", "assignedUser": "@Tier1", "tags": [], "isImportant": false,
        "creationTimeUnixTimeInMs": 1_707_436_800_000_i64,
        "alerts": [{"identifier": format!("ALERT-{id}"), "name": "Impossible travel",
            "additionalProperties": {"alertGroupIdentifier": group, "priority": "High", "environment": "Default Environment"},
            "securityEventCards": [],
            "domainEntities": [{"identifier": "203.0.113.7", "entityType": "ADDRESS"},
                               {"identifier": user.to_uppercase(), "entityType": "USERUNIQNAME"}]}]})
}

fn search_page(ids: &[u64]) -> Value {
    json!({"results": ids.iter().map(|i| json!({"id": i, "title": "t", "tags": []})).collect::<Vec<_>>(), "totalCount": ids.len()})
}

#[tokio::test]
async fn get_case_reads_full_details_with_the_app_key() {
    let d = double().await;
    d.on("GET", &format!("{DETAILS}/123"), Reply::json(200, details(123, "grp-1", "jdoe@example.com", 1)));
    let (soar, _) = connect(&d);
    let case = soar.get_case(&CaseId("123".into())).await.unwrap();
    assert_eq!(case.id.as_str(), "123");
    assert_eq!(case.title, "Suspicious login jdoe@example.com");
    assert_eq!(case.user, Some(UserId::new("jdoe@example.com")));
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(case.alert_ids, ["grp-1"]);
    assert_eq!(case.description.as_deref(), Some("Impossible travel"));
    assert_eq!(case.created_at, Utc.with_ymd_and_hms(2024, 2, 9, 0, 0, 0).unwrap());
    let r = &d.requests()[0];
    assert_eq!(r.line(), format!("GET {DETAILS}/123?format=camel"));
    assert_eq!(r.header("appkey"), Some(KEY));
    assert_eq!(r.header("authorization"), None);

    let e = soar.get_case(&CaseId("123/../../admin".into())).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert_eq!(d.requests().len(), 1);
}

#[tokio::test]
async fn similar_cases_are_duplicates_by_alert_group_or_same_user_across_search_pages() {
    let d = double().await;
    d.on("GET", &format!("{DETAILS}/123"), Reply::json(200, details(123, "grp-1", "jdoe@example.com", 1)));
    d.on("POST", SEARCH, Reply::json(200, search_page(&[123, 124, 125])));
    d.on("POST", SEARCH, Reply::json(200, search_page(&[126, 127])));
    d.on("POST", SEARCH, Reply::json(200, search_page(&[])));
    d.on("GET", &format!("{DETAILS}/124"), Reply::json(200, details(124, "grp-1", "other@example.com", 1)));
    d.on("GET", &format!("{DETAILS}/125"), Reply::json(200, details(125, "grp-9", "jdoe@example.com", 1)));
    d.on("GET", &format!("{DETAILS}/126"), Reply::json(200, details(126, "grp-7", "someone@example.com", 1)));
    d.on("GET", &format!("{DETAILS}/127"), Reply::json(200, details(127, "grp-1", "jdoe@example.com", 2)));
    let (soar, _) = connect(&d);
    let case = soar.get_case(&CaseId("123".into())).await.unwrap();
    let similar = soar.find_similar_cases(&case).await.unwrap();
    let got: Vec<(&str, Similarity)> = similar.iter().map(|c| (c.id.as_str(), c.similarity)).collect();
    assert_eq!(got, [("124", Similarity::SameAlert), ("125", Similarity::SameUser)]);

    let searches: Vec<_> = d.requests().into_iter().filter(|r| r.path == SEARCH).collect();
    assert_eq!(searches.len(), 3);
    for (page, r) in searches.iter().enumerate() {
        assert_eq!(r.line(), format!("POST {SEARCH}?format=camel"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body = r.json();
        assert_eq!(body["requestedPage"], json!(page));
        assert_eq!(body["pageSize"], json!(50));
        assert_eq!(body["isCaseClosed"], json!(false));
        assert_eq!(body["startTime"], json!("2024-01-10T12:00:00.000Z"));
        assert_eq!(body["endTime"], json!("2024-02-09T12:00:00.000Z"));
        assert_eq!(body["timeRangeFilter"], json!(0));
        assert_eq!(body["title"], json!(""));
    }
}

#[tokio::test]
async fn related_open_cases_are_those_of_the_user() {
    let d = double().await;
    d.on("POST", SEARCH, Reply::json(200, search_page(&[200, 201])));
    d.on("POST", SEARCH, Reply::json(200, search_page(&[])));
    d.on("GET", &format!("{DETAILS}/200"), Reply::json(200, details(200, "g", "jdoe@example.com", 1)));
    d.on("GET", &format!("{DETAILS}/201"), Reply::json(200, details(201, "h", "x@example.com", 1)));
    let (soar, _) = connect(&d);
    let related = soar.find_related_open_cases(&UserId::new("JDoe@example.com")).await.unwrap();
    assert_eq!(related.len(), 1);
    assert_eq!(related[0].id.as_str(), "200");
    assert_eq!(related[0].similarity, Similarity::SameUser);
}

#[tokio::test]
async fn comments_and_closes_send_the_documented_bodies() {
    let d = double().await;
    d.on("POST", COMMENTS, Reply::empty(200));
    d.on("POST", CLOSE, Reply::empty(204));
    let mut cfg = config(&d);
    cfg.close_reason = CloseReason::Malicious;
    let (soar, _) = connect_with(&cfg);
    let at = Utc::now();
    let id = soar.post_comment(&CaseId("123".into()), "**Contained**: jdoe suspended", at).await.unwrap();
    assert_eq!(id.0, "");
    soar.close_case(&CaseId("123".into()), "Account compromise contained", at).await.unwrap();
    let rs = d.requests();
    assert_eq!(rs[0].line(), format!("POST {COMMENTS}?format=snake"));
    assert_eq!(
        rs[0].json(),
        json!({"case_id": 123, "alert_identifier": null, "comment": "**Contained**: jdoe suspended"})
    );
    assert_eq!(rs[1].line(), format!("POST {CLOSE}"));
    assert_eq!(
        rs[1].json(),
        json!({"casesIds": [123], "closeReason": 0, "rootCause": "Compromised account", "closeComment": "Account compromise contained"})
    );
    assert_eq!(rs[1].header("content-length"), Some(&*rs[1].body.len().to_string()));
}

#[tokio::test]
async fn a_comment_that_times_out_is_maybe_posted_and_not_repeated() {
    let d = double().await;
    d.always("POST", COMMENTS, Reply::empty(200).delay(Duration::from_secs(3)));
    let mut cfg = config(&d);
    cfg.http = HttpSettings::default().with_timeout(Duration::from_millis(300));
    let (soar, sleeper) = connect_with(&cfg);
    let e = soar.post_comment(&CaseId("9".into()), "x", Utc::now()).await.unwrap_err();
    assert!(e.is_timeout() && e.maybe_executed());
    assert_eq!(d.requests().len(), 1);
    assert!(sleeper.waits().is_empty());
}

#[tokio::test]
async fn errors_rate_limits_and_server_failures() {
    let d = double().await;
    d.on("GET", &format!("{DETAILS}/404"), Reply::json(404, json!({"ErrorMessage": "Case 404 not found"})));
    d.on("GET", &format!("{DETAILS}/403"), Reply::json(403, json!({"ErrorMessage": "Forbidden"})));
    d.on("GET", &format!("{DETAILS}/5"), Reply::json(500, json!({"ErrorMessage": "NullReferenceException"})));
    d.on("GET", &format!("{DETAILS}/5"), Reply::json(200, details(5, "g", "a@b.c", 1)));
    d.on("POST", SEARCH, Reply::json(429, json!({})).header("retry-after", "3"));
    d.on("POST", SEARCH, Reply::json(200, search_page(&[])));
    let (soar, sleeper) = connect(&d);
    assert!(soar.get_case(&CaseId("404".into())).await.unwrap_err().is_not_found());
    let e = soar.get_case(&CaseId("403".into())).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Permission);
    assert!(e.to_string().contains("check the token's scopes/permissions"));
    assert_eq!(soar.get_case(&CaseId("5".into())).await.unwrap().id.as_str(), "5");
    assert!(soar.find_related_open_cases(&UserId::new("a@b.c")).await.unwrap().is_empty());
    assert_eq!(sleeper.waits(), [Duration::from_millis(500), Duration::from_secs(3)]);

    std::env::set_var("IRP_TEST_SOAR_WRONG", "wrong-key");
    let mut cfg = config(&d);
    cfg.api_key = SecretSource::Env { env: "IRP_TEST_SOAR_WRONG".into() };
    let (bad, _) = connect_with(&cfg);
    let e = bad.health_check().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(!format!("{e} {e:?} {bad:?}").contains("wrong-key"));
}

#[tokio::test]
async fn approvals_go_to_the_case_and_the_journal() {
    let d = double().await;
    d.on("POST", COMMENTS, Reply::empty(200));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&d);
    cfg.journal_db = Some(dir.path().join("journal.sqlite"));
    let (soar, _) = connect_with(&cfg);
    let at = Utc.with_ymd_and_hms(2024, 2, 9, 12, 0, 0).unwrap();
    let case = CaseId("123".into());
    let approval = ApprovalRecord::new(
        case.clone(),
        "disable:jdoe",
        "disable_account jdoe@example.com",
        "alice",
        ApprovalDecision::Approved,
        at,
    );
    soar.record_approval(&approval).await.unwrap();
    assert_eq!(
        d.requests()[0].json()["comment"],
        json!("irp approval: approved `disable_account jdoe@example.com` by alice at 2024-02-09T12:00:00.000Z")
    );
    soar.append_journal(&JournalEntry::new(
        case.clone(),
        "disable:jdoe",
        json!({"kind": "disable"}),
        JournalStatus::Started,
        at,
    ))
    .await
    .unwrap();
    let journal = soar.journal(&case).await.unwrap();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].status, JournalStatus::Started);

    let (no_journal, _) = connect(&d);
    assert_eq!(no_journal.journal(&case).await.unwrap_err().kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn the_config_reads_from_toml() {
    std::env::set_var("IRP_TEST_SOAR_KEY", KEY);
    let cfg: SecOpsSoarConfig = toml::from_str(
        "base_url = \"https://acme.siemplify-soar.com\"\napi_key = { env = \"IRP_TEST_SOAR_KEY\" }\nclose_reason = \"inconclusive\"\nroot_cause = \"Other\"\nlookback_days = 7\n",
    )
    .unwrap();
    assert_eq!(cfg.close_reason, CloseReason::Inconclusive);
    assert_eq!(cfg.lookback_days, 7);
    assert_eq!(cfg.max_cases_scanned, 50);
    let soar = SecOpsSoar::from_config(&cfg).unwrap();
    assert!(!format!("{soar:?} {cfg:?}").contains("SECRET"));
    assert!(toml::from_str::<SecOpsSoarConfig>("base_url = \"x\"\napi_key = \"inline-secret\"\n").is_err());
}
