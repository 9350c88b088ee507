//! The event-file SIEM over the bundled demo scenario: a user's events page by page, and the
//! tenant-wide events from given source IPs (the password-spray context).

use std::net::IpAddr;
use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use irp_connectors::embedded::FileSiem;
use irp_connectors::{EventPager, EventQuery, Siem, TimeWindow};
use irp_core::evidence::{EventKind, UserId};

fn siem() -> FileSiem {
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/demo");
    FileSiem::new([demo.join("okta.ndjson"), demo.join("o365.ndjson")])
}

fn all_time() -> TimeWindow {
    TimeWindow::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
    )
}

#[tokio::test]
async fn pages_return_every_event_of_the_user_once() {
    let siem = siem();
    let user = UserId::new("jdoe@example.com");
    let whole = EventPager::new(&siem, EventQuery::new(user.clone(), all_time())).collect_all().await.unwrap();
    let paged = EventPager::new(&siem, EventQuery::new(user.clone(), all_time()).with_page_size(7))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(whole.len(), paged.len());
    assert!(whole.iter().zip(&paged).all(|(a, b)| a.id == b.id));
    assert!(whole.iter().all(|e| e.user == user || e.actor.as_ref() == Some(&user)));
}

#[tokio::test]
async fn events_from_a_spraying_ip_span_many_accounts() {
    let siem = siem();
    let attacker: IpAddr = "203.0.113.77".parse().unwrap();
    let events = siem.events_from_sources(&[attacker], all_time(), 10_000).await.unwrap();
    assert!(events.iter().all(|e| e.network.ip == Some(attacker)));
    let failed_users: std::collections::BTreeSet<_> = events
        .iter()
        .filter(|e| e.kind == EventKind::Login && e.outcome.is_failure())
        .map(|e| e.user.clone())
        .collect();
    assert!(failed_users.len() >= 10, "{failed_users:?}");
    // The limit is a hard cap.
    assert_eq!(siem.events_from_sources(&[attacker], all_time(), 3).await.unwrap().len(), 3);
    // Outside the window: nothing.
    let before = TimeWindow::new(
        Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2020, 1, 2, 0, 0, 0).unwrap(),
    );
    assert!(siem.events_from_sources(&[attacker], before, 10).await.unwrap().is_empty());
}
