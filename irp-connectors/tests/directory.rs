//! Real-file tests of the local directory: every action really changes the file.

use chrono::{TimeZone, Utc};
use irp_connectors::embedded::{LocalDirectory, LocalUser};
use irp_connectors::{
    AccountStatus, DirectoryUser, ErrorKind, Factor, FactorKind, IdentityProvider, InboxRule, Mailbox,
    MailboxForwarding, OAuthGrant, OAuthToken, Session,
};
use irp_core::evidence::UserId;

fn alice() -> LocalUser {
    let mut account = DirectoryUser::new("00u1", "alice@example.com");
    account.factors = vec![
        Factor::new("f-push", FactorKind::Push, None),
        Factor::new("f-sms", FactorKind::Sms, Some(Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap())),
    ];
    account.sessions = vec![
        Session::new("s1", None, Some("198.51.100.7".parse().unwrap())),
        Session::new("s2", None, Some("203.0.113.9".parse().unwrap())),
    ];
    account.grants = vec![
        OAuthGrant::new("g-mail", "client-evil", "Mail Sync Pro", vec!["Mail.Read".into()]),
        OAuthGrant::new("g-ok", "client-ok", "Calendar", vec!["Calendars.Read".into()]),
    ];
    account.tokens = vec![OAuthToken::new("t1", "client-evil"), OAuthToken::new("t2", "client-ok")];
    let mut user = LocalUser::new(account);
    user.inbox_rules = vec![InboxRule::forwarding("r1", ".", vec!["drop@attacker.example".into()])];
    user.forwarding = Some(MailboxForwarding::new("drop@attacker.example", true));
    user
}

fn login() -> UserId {
    UserId::new("Alice@Example.com")
}

#[tokio::test]
async fn containment_changes_persist_across_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("users.json");
    let dir = LocalDirectory::create(&path, vec![alice()]).unwrap();

    dir.disable_user(&login()).await.unwrap();
    let reset = dir.reset_password(&login()).await.unwrap();
    assert!(reset.temporary_password.is_none());
    let ended = dir.terminate_sessions(&login(), true).await.unwrap();
    assert_eq!(ended, 4, "two sessions and two tokens");

    let reopened = LocalDirectory::open(&path).unwrap();
    let user = reopened.get_user(&login()).await.unwrap();
    assert_eq!(user.status, AccountStatus::Suspended);
    assert_eq!(user.credential_version, 1);
    assert!(user.password_change_required);
    assert!(user.sessions.is_empty());
    assert!(user.tokens.is_empty());
    assert_eq!(reopened.get_user_by_id("00u1").await.unwrap().login, login());

    reopened.enable_user(&login()).await.unwrap();
    assert_eq!(dir.get_user(&login()).await.unwrap().status, AccountStatus::Active);
}

#[tokio::test]
async fn sessions_without_tokens_leave_tokens_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = LocalDirectory::create(tmp.path().join("u.json"), vec![alice()]).unwrap();
    assert_eq!(dir.terminate_sessions(&login(), false).await.unwrap(), 2);
    assert_eq!(dir.get_user(&login()).await.unwrap().tokens.len(), 2);
}

#[tokio::test]
async fn eradication_removes_exactly_the_named_objects() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("users.json");
    let dir = LocalDirectory::create(&path, vec![alice()]).unwrap();

    dir.delete_inbox_rule(&login(), "r1").await.unwrap();
    dir.clear_forwarding(&login()).await.unwrap();
    dir.revoke_oauth_grant(&login(), "g-mail").await.unwrap();
    dir.remove_factor(&login(), "f-sms").await.unwrap();

    let reopened = LocalDirectory::open(&path).unwrap();
    assert!(reopened.list_inbox_rules(&login()).await.unwrap().is_empty());
    assert_eq!(reopened.get_forwarding(&login()).await.unwrap(), None);
    let grants: Vec<_> = reopened.list_oauth_grants(&login()).await.unwrap().into_iter().map(|g| g.id).collect();
    assert_eq!(grants, ["g-ok"]);
    // Revoking the consent also revoked the token issued under it, and only that one.
    let user = reopened.get_user(&login()).await.unwrap();
    let tokens: Vec<_> = user.tokens.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(tokens, ["t2"]);
    let factors: Vec<_> = reopened.list_factors(&login()).await.unwrap().into_iter().map(|f| f.id).collect();
    assert_eq!(factors, ["f-push"]);
}

#[tokio::test]
async fn failed_changes_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("users.json");
    let dir = LocalDirectory::create(&path, vec![alice()]).unwrap();
    let before = std::fs::read(&path).unwrap();

    assert!(dir.delete_inbox_rule(&login(), "no-such-rule").await.unwrap_err().is_not_found());
    assert!(dir.revoke_grant(&login(), "no-such-grant").await.unwrap_err().is_not_found());
    assert!(dir.disable_user(&UserId::new("nobody@example.com")).await.unwrap_err().is_not_found());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, [std::ffi::OsString::from("users.json")]);
}

#[tokio::test]
async fn a_deprovisioned_user_is_not_re_enabled() {
    let tmp = tempfile::tempdir().unwrap();
    let mut gone = alice();
    gone.account.status = AccountStatus::Deprovisioned;
    let dir = LocalDirectory::create(tmp.path().join("u.json"), vec![gone]).unwrap();
    assert_eq!(dir.enable_user(&login()).await.unwrap_err().kind(), ErrorKind::Conflict);
    dir.disable_user(&login()).await.unwrap();
    assert_eq!(dir.get_user(&login()).await.unwrap().status, AccountStatus::Deprovisioned);
}

#[tokio::test]
async fn open_rejects_missing_and_malformed_files() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(LocalDirectory::open(tmp.path().join("absent.json")).unwrap_err().is_not_found());
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, r#"{"schema_version": 99, "users": []}"#).unwrap();
    let err = LocalDirectory::open(&bad).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("schema_version 99"), "{err}");
}

#[tokio::test]
async fn the_file_is_readable_json_with_vendor_statuses_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("users.json");
    std::fs::write(
        &path,
        r#"{"schema_version": 1, "users": [
            {"id": "00u2", "login": "bob@example.com", "status": "PROVISIONED",
             "factors": [{"id": "f1", "kind": "token:hotp", "status": "active"}]}
        ]}"#,
    )
    .unwrap();
    let dir = LocalDirectory::open(&path).unwrap();
    let bob = dir.get_user(&UserId::new("bob@example.com")).await.unwrap();
    assert_eq!(bob.status, AccountStatus::Other("PROVISIONED".into()));
    assert_eq!(bob.factors[0].kind, FactorKind::Other("token:hotp".into()));
    let health = IdentityProvider::health_check(&dir).await.unwrap();
    assert!(health.detail.ends_with("1 user(s)"), "{}", health.detail);
}
