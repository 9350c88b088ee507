//! The Google SecOps SIEM connector against a local Chronicle double.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use irp_connectors::http::{HttpDeps, RecordingSleeper, SecretSource};
use irp_connectors::secops::{SecOpsSiem, SecOpsSiemConfig};
use irp_connectors::{ErrorKind, EventPager, EventQuery, ManualClock, Siem, TimeWindow};
use irp_core::evidence::UserId;
use serde_json::{json, Value};
use support::{google_error, Double, Reply};

const TOKEN: &str = "ya29.SECRET-google-access-token";
const INSTANCE: &str = "projects/my-project/locations/us/instances/0000-aaaa";
const SEARCH: &str = "/chronicle/v1alpha/projects/my-project/locations/us/instances/0000-aaaa:udmSearch";
const USER: &str = "jdoe@example.com";

fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 2, 9, h, 0, 0).unwrap()
}

fn config(d: &Double) -> SecOpsSiemConfig {
    std::env::set_var("IRP_TEST_GOOGLE_TOKEN", TOKEN);
    SecOpsSiemConfig::new(d.url("/chronicle"), INSTANCE, SecretSource::Env { env: "IRP_TEST_GOOGLE_TOKEN".into() })
}

fn connect(d: &Double) -> (SecOpsSiem, RecordingSleeper) {
    let sleeper = RecordingSleeper::new();
    let clock = Arc::new(ManualClock::new(t(12)));
    (SecOpsSiem::with_deps(&config(d), HttpDeps::for_tests(sleeper.clone(), clock)).unwrap(), sleeper)
}

async fn double() -> Double {
    let d = Double::start().await;
    d.guard(|r| {
        (r.header("authorization") != Some(&format!("Bearer {TOKEN}"))).then(|| {
            Reply::json(401, google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."))
        })
    });
    d
}

fn login(ts: &str, ip: &str, action: &str) -> Value {
    json!({"name": "projects/my-project/locations/us/instances/0000-aaaa/events/abc",
        "udm": {"metadata": {"eventTimestamp": ts, "eventType": "USER_LOGIN", "vendorName": "Okta", "productName": "Okta"},
                "principal": {"ip": [ip], "location": {"city": "Paris", "countryOrRegion": "France"}},
                "target": {"user": {"userid": USER}},
                "securityResult": [{"action": [action]}]}})
}

fn user_query(u: &str) -> String {
    format!(
        "(principal.user.userid = {u} nocase OR target.user.userid = {u} nocase OR principal.user.email_addresses = {u} nocase OR target.user.email_addresses = {u} nocase)"
    )
}

#[tokio::test]
async fn more_data_splits_the_window_and_pages_through_the_halves() {
    let d = double().await;
    d.on(
        "GET",
        SEARCH,
        Reply::json(
            200,
            json!({"events": [login("2024-02-09T01:00:00Z", "203.0.113.7", "ALLOW")], "moreDataAvailable": true}),
        ),
    );
    d.on("GET", SEARCH, Reply::json(200, json!({"events": [login("2024-02-09T00:30:00Z", "203.0.113.7", "ALLOW"), login("2024-02-09T01:30:00Z", "198.51.100.9", "BLOCK")], "moreDataAvailable": false})));
    d.on("GET", SEARCH, Reply::json(200, json!({"events": [login("2024-02-09T03:00:00Z", "203.0.113.7", "ALLOW")], "moreDataAvailable": false, "stats": {}})));
    let (siem, _) = connect(&d);
    let q = EventQuery::new(UserId::new(USER), TimeWindow::new(t(0), t(4))).with_page_size(20_000);
    let mut pager = EventPager::new(&siem, q);
    let first = pager.next_page().await.unwrap().unwrap();
    assert_eq!(first.len(), 2);
    assert!(!first[1].outcome.is_success());
    assert_eq!(d.requests().len(), 2, "the second half is not fetched until asked for");
    let second = pager.next_page().await.unwrap().unwrap();
    assert_eq!(second.len(), 1);
    assert!(pager.next_page().await.is_none());

    let rs = d.requests();
    let windows: Vec<(&str, &str)> =
        rs.iter().map(|r| (r.query("timeRange.startTime").unwrap(), r.query("timeRange.endTime").unwrap())).collect();
    assert_eq!(
        windows,
        [
            ("2024-02-09T00:00:00.000Z", "2024-02-09T04:00:00.000Z"),
            ("2024-02-09T00:00:00.000Z", "2024-02-09T02:00:00.000Z"),
            ("2024-02-09T02:00:00.000Z", "2024-02-09T04:00:00.000Z"),
        ]
    );
    for r in &rs {
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, SEARCH);
        assert_eq!(r.query("query"), Some(&*user_query("\"jdoe@example.com\"")));
        assert_eq!(r.query("limit"), Some("10000"));
        assert_eq!(r.query.len(), 4);
        assert_eq!(r.header("authorization"), Some(&*format!("Bearer {TOKEN}")));
        assert!(r.body.is_empty());
    }
}

#[tokio::test]
async fn a_hostile_user_id_cannot_change_the_udm_query() {
    let d = double().await;
    d.on("GET", SEARCH, Reply::json(200, json!({"events": [], "moreDataAvailable": false})));
    let (siem, _) = connect(&d);
    let evil = UserId::new(r#"a" OR principal.ip != ""#);
    let page = siem.search_events(&EventQuery::new(evil, TimeWindow::new(t(0), t(1))), None).await.unwrap();
    assert!(page.events.is_empty() && page.next.is_none());
    assert_eq!(d.requests()[0].query("query"), Some(&*user_query(r#""a\" or principal.ip != \"""#)));

    let newline = UserId::new("a\nOR metadata.event_type = \"USER_LOGIN\"");
    let e = siem.search_events(&EventQuery::new(newline, TimeWindow::new(t(0), t(1))), None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert_eq!(d.requests().len(), 1, "nothing sent for a refused value");
}

#[tokio::test]
async fn google_errors_are_typed_and_say_what_to_check() {
    let d = double().await;
    d.on(
        "GET",
        SEARCH,
        Reply::json(
            403,
            google_error(
                403,
                "PERMISSION_DENIED",
                "Permission 'chronicle.events.udmSearch' denied for jdoe@example.com",
            ),
        ),
    );
    d.on("GET", SEARCH, Reply::json(404, google_error(404, "NOT_FOUND", "instance not found")));
    d.on("GET", SEARCH, Reply::json(400, google_error(400, "INVALID_ARGUMENT", "bad query")));
    let (siem, _) = connect(&d);
    let q = EventQuery::new(UserId::new(USER), TimeWindow::new(t(0), t(1)));
    let e = siem.search_events(&q, None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Permission);
    assert!(e.to_string().contains("check the token's scopes/permissions"));
    assert!(e.to_string().ends_with("vendor code PERMISSION_DENIED"));
    assert!(!e.to_string().contains("jdoe"));
    assert!(siem.search_events(&q, None).await.unwrap_err().is_not_found());
    assert_eq!(siem.search_events(&q, None).await.unwrap_err().kind(), ErrorKind::Invalid);

    std::env::set_var("IRP_TEST_GOOGLE_WRONG", "expired");
    let mut cfg = config(&d);
    cfg.token = SecretSource::Env { env: "IRP_TEST_GOOGLE_WRONG".into() };
    let stale =
        SecOpsSiem::with_deps(&cfg, HttpDeps::for_tests(RecordingSleeper::new(), Arc::new(ManualClock::new(t(0)))))
            .unwrap();
    let e = stale.search_events(&q, None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(e.to_string().contains("vendor code UNAUTHENTICATED"));
}

#[tokio::test]
async fn quota_and_server_errors_are_waited_out() {
    let d = double().await;
    d.on(
        "GET",
        SEARCH,
        Reply::json(429, google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded")).header("retry-after", "7"),
    );
    d.on("GET", SEARCH, Reply::json(503, google_error(503, "UNAVAILABLE", "try later")));
    d.on("GET", SEARCH, Reply::json(200, json!({"events": [login("2024-02-09T00:10:00Z", "203.0.113.7", "ALLOW")]})));
    let (siem, sleeper) = connect(&d);
    let page =
        siem.search_events(&EventQuery::new(UserId::new(USER), TimeWindow::new(t(0), t(1))), None).await.unwrap();
    assert_eq!(page.events.len(), 1);
    assert_eq!(sleeper.waits(), [Duration::from_secs(7), Duration::from_millis(1000)]);
}

#[tokio::test]
async fn entity_summary_combines_events_with_the_entity_metric() {
    let d = double().await;
    d.on(
        "GET",
        "/chronicle/v1alpha/projects/my-project/locations/us/instances/0000-aaaa:summarizeEntitiesFromQuery",
        Reply::json(200, json!({"entitySummaries": [{"entity": [{"name": "projects/.../entities/1",
            "metadata": {"entityType": "USER", "interval": {"startTime": "2023-01-01T00:00:00Z", "endTime": "2024-02-09T04:00:00Z"}},
            "metric": {"firstSeen": "2023-01-05T00:00:00Z", "lastSeen": "2024-02-09T03:00:00Z"}, "entity": {}}]}]})),
    );
    d.on("GET", SEARCH, Reply::json(200, json!({"events": [login("2024-02-09T00:30:00Z", "203.0.113.7", "ALLOW"), login("2024-02-09T01:30:00Z", "198.51.100.9", "BLOCK")]})));
    let (siem, _) = connect(&d);
    let s = siem.entity_summary(&UserId::new(USER), TimeWindow::new(t(0), t(4))).await.unwrap();
    assert_eq!(s.event_count, 2);
    assert_eq!(s.ips.len(), 2);
    assert_eq!(s.countries, ["France"]);
    assert_eq!(s.first_seen, Some(Utc.with_ymd_and_hms(2023, 1, 5, 0, 0, 0).unwrap()));
    assert_eq!(s.last_seen, Some(t(3)));
    assert_eq!(d.requests()[0].query("query"), Some(r#"email = "jdoe@example.com""#));
    assert_eq!(d.requests()[0].query("timeRange.startTime"), Some("2024-02-09T00:00:00.000Z"));
}

#[tokio::test]
async fn health_check_runs_one_small_search_and_config_is_validated() {
    let d = double().await;
    d.on("GET", SEARCH, Reply::json(200, json!({"events": []})));
    let (siem, _) = connect(&d);
    let h = siem.health_check().await.unwrap();
    assert_eq!(h.connector, "secops-siem");
    let r = &d.requests()[0];
    assert_eq!(r.query("query"), Some(r#"metadata.event_type = "USER_LOGIN""#));
    assert_eq!(r.query("limit"), Some("1"));
    assert_eq!(r.query("timeRange.startTime"), Some("2024-02-09T11:59:00.000Z"));

    let mut bad = config(&d);
    bad.instance = "projects/p/locations/us/instances/../../x".into();
    assert_eq!(SecOpsSiem::from_config(&bad).unwrap_err().kind(), ErrorKind::Invalid);
    let cfg: SecOpsSiemConfig = toml::from_str(&format!(
        "base_url = \"{}\"\ninstance = \"{INSTANCE}\"\napi_version = \"v1beta\"\ntoken = {{ env = \"IRP_TEST_GOOGLE_TOKEN\" }}\n",
        d.url("/chronicle")
    ))
    .unwrap();
    assert_eq!(cfg.api_version, "v1beta");
    let siem = SecOpsSiem::from_config(&cfg).unwrap();
    assert!(!format!("{siem:?} {cfg:?}").contains("SECRET"));
}

#[tokio::test]
async fn search_by_source_ip_splits_windows_and_keeps_every_account() {
    let d = double().await;
    let mut other = login("2024-02-09T01:10:00Z", "203.0.113.7", "BLOCK");
    other["udm"]["target"]["user"]["userid"] = json!("someone.else@example.com");
    d.on("GET", SEARCH, Reply::json(200, json!({"events": [], "moreDataAvailable": true})));
    d.on(
        "GET",
        SEARCH,
        Reply::json(200, json!({"events": [login("2024-02-09T01:00:00Z", "203.0.113.7", "ALLOW"), other]})),
    );
    d.on("GET", SEARCH, Reply::json(200, json!({"events": []})));
    let (siem, _) = connect(&d);
    let ips = ["203.0.113.7".parse().unwrap(), "2001:db8::7".parse().unwrap()];
    let events = siem.events_from_sources(&ips, TimeWindow::new(t(0), t(4)), 500).await.unwrap();
    let users: Vec<&str> = events.iter().map(|e| e.user.as_str()).collect();
    assert_eq!(users, [USER, "someone.else@example.com"]);
    let rs = d.requests();
    assert_eq!(rs.len(), 3, "one overflowing window, then its two halves");
    for r in &rs {
        assert_eq!(r.query("query"), Some(r#"(principal.ip = "203.0.113.7" OR principal.ip = "2001:db8::7")"#));
        assert_eq!(r.query("limit"), Some("500"));
    }
}
