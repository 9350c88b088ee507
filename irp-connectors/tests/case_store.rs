//! Real-file tests of the SQLite case store.

use chrono::{DateTime, TimeZone, Utc};
use irp_connectors::embedded::{NewCase, SqliteCaseStore, SCHEMA_VERSION};
use irp_connectors::{
    ApprovalDecision, ApprovalRecord, CaseId, CaseStatus, ErrorKind, JournalEntry, JournalStatus, Similarity, Soar,
};
use irp_core::evidence::UserId;
use serde_json::json;

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, hour, 0, 0).unwrap()
}

fn case_id(id: &str) -> CaseId {
    CaseId(id.to_owned())
}

#[tokio::test]
async fn cases_persist_across_reopen_with_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.sqlite");
    {
        let store = SqliteCaseStore::open(&path).unwrap();
        store
            .create_case(
                NewCase::new("C-1", "Impossible travel", "Alice@Example.com", at(9))
                    .with_alert_ids(["alert-7", "alert-8"])
                    .with_description("Okta: sign-ins from NL and SG 20 min apart"),
            )
            .await
            .unwrap();
    }
    let store = SqliteCaseStore::open(&path).unwrap();
    let case = store.get_case(&case_id("C-1")).await.unwrap();
    assert_eq!(case.title, "Impossible travel");
    assert_eq!(case.user, Some(UserId::new("alice@example.com")));
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(case.alert_ids, ["alert-7", "alert-8"]);
    assert_eq!(case.created_at, at(9));

    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.sqlite");
    drop(SqliteCaseStore::open(&path).unwrap());
    rusqlite::Connection::open(&path).unwrap().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    let err = SqliteCaseStore::open(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn a_failed_case_insert_rolls_back_completely() {
    let store = SqliteCaseStore::in_memory().unwrap();
    // The repeated alert id violates the (case_id, alert_id) key after the case row and the
    // first alert row were inserted: the transaction must take both back.
    let err = store
        .create_case(NewCase::new("C-9", "Half", "bob@example.com", at(1)).with_alert_ids(["a1", "a1"]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(store.get_case(&case_id("C-9")).await.unwrap_err().is_not_found());
    // Same id again, valid this time: no leftover row blocks it, and no stray alert row leaks in.
    store.create_case(NewCase::new("C-9", "Whole", "bob@example.com", at(1)).with_alert_ids(["a2"])).await.unwrap();
    assert_eq!(store.get_case(&case_id("C-9")).await.unwrap().alert_ids, ["a2"]);
}

#[tokio::test]
async fn duplicates_and_related_cases_by_alert_and_user() {
    let store = SqliteCaseStore::in_memory().unwrap();
    store.create_case(NewCase::new("C-1", "first", "alice@example.com", at(1)).with_alert_ids(["g1"])).await.unwrap();
    store
        .create_case(NewCase::new("C-2", "same alert", "carol@example.com", at(2)).with_alert_ids(["g1"]))
        .await
        .unwrap();
    store
        .create_case(NewCase::new("C-3", "same user", "alice@example.com", at(3)).with_alert_ids(["g1"]))
        .await
        .unwrap();
    store.create_case(NewCase::new("C-4", "old", "alice@example.com", at(4))).await.unwrap();
    store.create_case(NewCase::new("C-5", "unrelated", "dave@example.com", at(5))).await.unwrap();
    store.close_case(&case_id("C-4"), "false positive", at(6)).await.unwrap();

    let c1 = store.get_case(&case_id("C-1")).await.unwrap();
    let similar = store.find_similar_cases(&c1).await.unwrap();
    let found: Vec<_> = similar.iter().map(|c| (c.id.as_str(), c.similarity)).collect();
    // C-3 shares both the alert and the user: reported once, for the stronger reason.
    assert_eq!(found, [("C-2", Similarity::SameAlert), ("C-3", Similarity::SameAlert), ("C-4", Similarity::SameUser)]);

    let open = store.find_related_open_cases(&UserId::new("alice@example.com")).await.unwrap();
    let ids: Vec<_> = open.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["C-1", "C-3"]);
}

#[tokio::test]
async fn close_writes_status_and_comment_together() {
    let store = SqliteCaseStore::in_memory().unwrap();
    store.create_case(NewCase::new("C-1", "t", "alice@example.com", at(1))).await.unwrap();
    store.close_case(&case_id("C-1"), "contained and recovered", at(5)).await.unwrap();
    assert_eq!(store.get_case(&case_id("C-1")).await.unwrap().status, CaseStatus::Closed);
    let comments = store.comments(&case_id("C-1")).await.unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, "Case closed: contained and recovered");
    assert_eq!(comments[0].at, at(5));

    let err = store.close_case(&case_id("nope"), "x", at(5)).await.unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn comments_and_approvals_need_an_existing_case() {
    let store = SqliteCaseStore::in_memory().unwrap();
    store.create_case(NewCase::new("C-1", "t", "alice@example.com", at(1))).await.unwrap();
    let first = store.post_comment(&case_id("C-1"), "## Identification\nHigh", at(2)).await.unwrap();
    let second = store.post_comment(&case_id("C-1"), "## Containment", at(3)).await.unwrap();
    assert_ne!(first, second);
    assert!(store.post_comment(&case_id("C-404"), "x", at(2)).await.unwrap_err().is_not_found());

    let mut approval = ApprovalRecord::new(
        case_id("C-1"),
        "k-disable",
        "disable_account alice@example.com",
        "bob@example.com",
        ApprovalDecision::Approved,
        at(3),
    );
    approval.expires_at = Some(at(4));
    store.record_approval(&approval).await.unwrap();
    assert_eq!(store.approvals(&case_id("C-1")).await.unwrap(), [approval]);
}

#[tokio::test]
async fn journal_records_before_and_after_and_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.sqlite");
    let store = SqliteCaseStore::open(&path).unwrap();
    store.create_case(NewCase::new("C-1", "t", "alice@example.com", at(1))).await.unwrap();
    let action = json!({"kind": "disable_account", "user": "alice@example.com"});
    let before = JournalEntry::new(case_id("C-1"), "k1", action.clone(), JournalStatus::Started, at(2))
        .with_state_before(json!({"status": "active"}));
    let after = JournalEntry::new(case_id("C-1"), "k1", action, JournalStatus::Succeeded, at(3))
        .with_state_before(json!({"status": "active"}))
        .with_state_after(json!({"status": "suspended"}));
    let s1 = store.append_journal(&before).await.unwrap();
    let s2 = store.append_journal(&after).await.unwrap();
    assert!(s2 > s1);

    let reopened = SqliteCaseStore::open(&path).unwrap();
    assert_eq!(reopened.journal(&case_id("C-1")).await.unwrap(), [before, after]);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let update = conn.execute("UPDATE journal SET status = 'verified'", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    assert!(conn.execute("DELETE FROM journal", []).is_err());
}

#[tokio::test]
async fn health_check_reports_schema() {
    let store = SqliteCaseStore::in_memory().unwrap();
    let health = store.health_check().await.unwrap();
    assert_eq!(health.connector, "sqlite-case-store");
    assert_eq!(health.detail, format!("schema v{SCHEMA_VERSION}, 0 case(s)"));
}
