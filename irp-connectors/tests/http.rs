//! The shared HTTP stack against a local double: headers, retries, rate limits, timeouts,
//! error mapping and secrecy.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use irp_connectors::http::rate_limit::RateLimitStyle;
use irp_connectors::http::{HttpClient, HttpDeps, HttpSettings, Idempotency, RecordingSleeper, Request};
use irp_connectors::{ErrorKind, ManualClock, Secret};
use serde_json::json;
use support::{okta_error, Double, Reply};

const TOKEN: &str = "00TOPSECRET-token-value";

fn client(double: &Double, sleeper: &RecordingSleeper, settings: HttpSettings) -> HttpClient {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap()));
    HttpClient::new("okta", &double.url("/prefix"), settings, HttpDeps::for_tests(sleeper.clone(), clock))
        .unwrap()
        .with_secret("authorization", Some("SSWS"), Secret::new(TOKEN))
        .with_rate_limit_style(RateLimitStyle::Okta)
        .with_request_id_header("x-okta-request-id")
}

#[tokio::test]
async fn get_sends_exact_path_query_and_headers_under_the_prefix() {
    let d = Double::start().await;
    d.on("GET", "/prefix/api/v1/users/a%2F..%2Fadmin", Reply::json(200, json!({"id": "00u1"})));
    let s = RecordingSleeper::new();
    let c = client(&d, &s, HttpSettings::default());
    let v: serde_json::Value = c
        .send_json(Request::get("okta.get_user", &["api", "v1", "users", "a/../admin"]).query("q", "a b&c"))
        .await
        .unwrap();
    assert_eq!(v["id"], "00u1");
    let r = &d.requests()[0];
    assert_eq!(r.line(), "GET /prefix/api/v1/users/a%2F..%2Fadmin?q=a b&c");
    assert_eq!(r.header("authorization"), Some("SSWS 00TOPSECRET-token-value"));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("content-length"), None);
    assert!(s.waits().is_empty());
}

#[tokio::test]
async fn a_bodyless_post_sends_content_length_zero_once() {
    let d = Double::start().await;
    d.guard(|r| (r.method == "POST" && r.header("content-length").is_none()).then(|| Reply::empty(411)));
    d.on("POST", "/prefix/api/v1/users/00u1/lifecycle/suspend", Reply::json(200, json!({})));
    let s = RecordingSleeper::new();
    let c = client(&d, &s, HttpSettings::default());
    c.send(Request::post("okta.suspend", &["api", "v1", "users", "00u1", "lifecycle", "suspend"])).await.unwrap();
    let r = &d.requests()[0];
    assert_eq!(r.header("content-length"), Some("0"));
    assert_eq!(r.header_count("content-length"), 1);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn a_411_is_an_invalid_request_that_names_the_header() {
    let d = Double::start().await;
    d.on("POST", "/prefix/x", Reply::empty(411));
    let s = RecordingSleeper::new();
    let e = client(&d, &s, HttpSettings::default()).send(Request::post("okta.x", &["x"])).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert_eq!(e.to_string(), "okta.x: invalid request (HTTP 411): the server requires a Content-Length header");
    assert!(!e.maybe_executed());
}

#[tokio::test]
async fn okta_429_waits_until_reset_by_the_server_date_then_retries_with_retry_headers() {
    let d = Double::start().await;
    d.on(
        "POST",
        "/prefix/x",
        Reply::json(429, okta_error("E0000047", "API call exceeded rate limit due to too many requests."))
            .header("date", "Thu, 31 Dec 2020 23:59:30 GMT")
            .header("x-rate-limit-limit", "600")
            .header("x-rate-limit-remaining", "0")
            .header("x-rate-limit-reset", "1609459200")
            .header("x-okta-request-id", "reqAbc123"),
    );
    d.on("POST", "/prefix/x", Reply::json(200, json!({})));
    let s = RecordingSleeper::new();
    client(&d, &s, HttpSettings::default()).send(Request::post("okta.x", &["x"])).await.unwrap();
    // reset 00:00:00 - Date 23:59:30 + 1 s; our (manual) clock says 00:00:00 and is ignored.
    assert_eq!(s.waits(), [Duration::from_secs(31)]);
    let rs = d.requests();
    assert_eq!(rs.len(), 2);
    assert_eq!(rs[0].header("x-okta-retry-count"), None);
    assert_eq!(rs[1].header("x-okta-retry-for"), Some("reqAbc123"));
    assert_eq!(rs[1].header("x-okta-retry-count"), Some("1"));
}

#[tokio::test]
async fn retry_after_fractional_seconds_is_honoured() {
    let d = Double::start().await;
    d.on(
        "GET",
        "/prefix/y",
        Reply::json(429, json!({"error": {"code": "TooManyRequests"}})).header("retry-after", "2.128"),
    );
    d.on("GET", "/prefix/y", Reply::json(200, json!([])));
    let s = RecordingSleeper::new();
    let c = client(&d, &s, HttpSettings::default()).with_rate_limit_style(RateLimitStyle::RetryAfter);
    c.send(Request::get("graph.y", &["y"])).await.unwrap();
    assert_eq!(s.waits(), [Duration::from_millis(2128)]);
}

#[tokio::test]
async fn a_wait_beyond_the_cap_fails_at_once_with_retry_after() {
    let d = Double::start().await;
    d.on("GET", "/prefix/y", Reply::json(429, json!({})).header("retry-after", "600"));
    let s = RecordingSleeper::new();
    let c = client(&d, &s, HttpSettings::default().with_max_wait(Duration::from_secs(60)))
        .with_rate_limit_style(RateLimitStyle::RetryAfter);
    let e = c.send(Request::get("graph.y", &["y"])).await.unwrap_err();
    assert!(e.is_rate_limited());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(600)));
    assert!(s.waits().is_empty());
    assert_eq!(d.requests().len(), 1);
}

#[tokio::test]
async fn a_5xx_on_a_get_is_retried_with_backoff() {
    let d = Double::start().await;
    d.on("GET", "/prefix/y", Reply::json(503, json!({})));
    d.on("GET", "/prefix/y", Reply::json(502, json!({})));
    d.on("GET", "/prefix/y", Reply::json(200, json!({"ok": true})));
    let s = RecordingSleeper::new();
    let v: serde_json::Value =
        client(&d, &s, HttpSettings::default()).send_json(Request::get("x.y", &["y"])).await.unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(s.waits(), [Duration::from_millis(500), Duration::from_millis(1000)]);
}

#[tokio::test]
async fn a_5xx_on_a_destructive_post_is_not_retried_and_may_have_run() {
    let d = Double::start().await;
    d.always("POST", "/prefix/z", Reply::json(500, okta_error("E0000009", "Internal Server Error")));
    let s = RecordingSleeper::new();
    let e = client(&d, &s, HttpSettings::default()).send(Request::post("okta.z", &["z"])).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert!(e.maybe_executed());
    assert_eq!(d.requests().len(), 1);
    assert!(e.to_string().contains("vendor code E0000009"));
}

#[tokio::test]
async fn a_timeout_on_a_destructive_post_is_reported_maybe_executed_and_not_retried() {
    let d = Double::start().await;
    d.always("POST", "/prefix/z", Reply::json(200, json!({})).delay(Duration::from_secs(3)));
    let s = RecordingSleeper::new();
    let settings = HttpSettings::default().with_timeout(Duration::from_millis(300));
    let e = client(&d, &s, settings).send(Request::post("okta.z", &["z"])).await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert!(e.maybe_executed());
    assert_eq!(d.requests().len(), 1);
    assert!(s.waits().is_empty());
    assert!(e.to_string().contains("verify before repeating"));
}

#[tokio::test]
async fn a_timeout_on_a_safe_call_is_retried() {
    let d = Double::start().await;
    d.on("DELETE", "/prefix/s", Reply::empty(204).delay(Duration::from_secs(3)));
    d.on("DELETE", "/prefix/s", Reply::empty(204));
    let s = RecordingSleeper::new();
    let settings = HttpSettings::default().with_timeout(Duration::from_millis(300));
    let r =
        client(&d, &s, settings).send(Request::delete("okta.s", &["s"]).idempotency(Idempotency::Safe)).await.unwrap();
    assert_eq!(r.status, 204);
    assert_eq!(d.requests().len(), 2);
}

#[tokio::test]
async fn a_refused_connection_never_ran_and_is_retried_even_for_a_post() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let s = RecordingSleeper::new();
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let c = HttpClient::new(
        "okta",
        &format!("http://127.0.0.1:{port}"),
        HttpSettings::default().with_max_retries(2),
        HttpDeps::for_tests(s.clone(), clock),
    )
    .unwrap();
    let e = c.send(Request::post("okta.suspend", &["x"])).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect);
    assert!(!e.maybe_executed());
    assert_eq!(s.waits(), [Duration::from_millis(500), Duration::from_millis(1000)]);
}

#[tokio::test]
async fn auth_failures_say_what_to_check() {
    let d = Double::start().await;
    d.on("GET", "/prefix/a", Reply::json(401, okta_error("E0000011", "Invalid token provided")));
    d.on("GET", "/prefix/b", Reply::json(403, okta_error("E0000006", "You do not have permission")));
    let s = RecordingSleeper::new();
    let c = client(&d, &s, HttpSettings::default());
    let e401 = c.send(Request::get("okta.a", &["a"])).await.unwrap_err();
    assert_eq!(e401.kind(), ErrorKind::Unauthenticated);
    assert!(e401.to_string().contains("check the token is set, current"), "{e401}");
    let e403 = c.send(Request::get("okta.b", &["b"])).await.unwrap_err();
    assert_eq!(e403.kind(), ErrorKind::Permission);
    assert!(e403.to_string().contains("check the token's scopes/permissions"), "{e403}");
    assert_eq!(d.requests().len(), 2, "auth failures are not retried");
}

#[tokio::test]
async fn next_links_are_followed_only_on_the_configured_origin() {
    let d = Double::start().await;
    let s = RecordingSleeper::new();
    let c = client(&d, &s, HttpSettings::default());
    d.on("GET", "/prefix/p", Reply::json(200, json!([1])));
    let ok = c.send(Request::follow("okta.page", d.url("/prefix/p?after=2"))).await.unwrap();
    assert_eq!(ok.json::<Vec<u8>>().unwrap(), [1]);
    let e = c.send(Request::follow("okta.page", "http://evil.example/prefix/p")).await.unwrap_err();
    assert!(e.to_string().contains("outside the configured base_url"));
    assert_eq!(d.requests().len(), 1);
}

#[tokio::test]
async fn no_secret_in_errors_or_debug() {
    let d = Double::start().await;
    d.on("GET", "/prefix/a", Reply::json(401, json!({"errorCode": "E0000011", "errorSummary": TOKEN})));
    d.on("GET", "/prefix/b", Reply::json(200, json!({"tempPassword": "F46gy7X4"})));
    let s = RecordingSleeper::new();
    let c = client(&d, &s, HttpSettings::default());
    let e = c.send(Request::get("okta.a", &["a"])).await.unwrap_err();
    let r = c.send(Request::get("okta.b", &["b"])).await.unwrap();
    let mut chain = format!("{e} {e:?} {c:?} {r:?}");
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        chain.push_str(&format!("{s} {s:?}"));
        src = s.source();
    }
    assert!(!chain.contains("TOPSECRET"), "{chain}");
    assert!(!chain.contains("F46gy7X4"), "{chain}");
    let bad = r.json::<Vec<String>>().unwrap_err();
    assert!(!format!("{bad} {bad:?}").contains("F46gy7X4"));
}
