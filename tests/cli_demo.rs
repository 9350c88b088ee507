//! `irp demo` end to end: the real binary on the bundled scenario, then the case store, the local
//! directory and the report it left behind are read back and checked.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use irp::connectors::embedded::{LocalDirectory, LocalUser, SqliteCaseStore};
use irp::connectors::{AccountStatus, ApprovalDecision, CaseId, JournalEntry, JournalStatus, Soar};
use serde_json::Value;

const CASE: &str = "4821";
const VICTIM: &str = "jdoe@example.com";
const PHASES: [&str; 7] =
    ["Preparation", "Identification", "Containment", "Eradication", "Recovery", "Lessons learned", "Runbook feedback"];

fn irp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_irp")).args(args).env("NO_COLOR", "1").output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One full run shared by the tests that only read its results.
struct Run {
    _dir: tempfile::TempDir,
    out: PathBuf,
    stdout: String,
}

fn run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("demo-out");
        let output = irp(&["demo", "--out", out.to_str().unwrap()]);
        assert!(
            output.status.success(),
            "exit {:?}\nstdout:\n{}\nstderr:\n{}",
            output.status,
            text(&output.stdout),
            text(&output.stderr)
        );
        Run { _dir: dir, out, stdout: text(&output.stdout) }
    })
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

fn journal(out: &Path) -> Vec<JournalEntry> {
    let store = SqliteCaseStore::open(out.join("case.sqlite")).unwrap();
    block_on(store.journal(&CaseId(CASE.into()))).unwrap()
}

fn kind(entry: &JournalEntry) -> &str {
    entry.action["kind"].as_str().unwrap_or_default()
}

fn users(path: &Path) -> Vec<LocalUser> {
    LocalDirectory::open(path).unwrap().users().unwrap()
}

fn user<'a>(users: &'a [LocalUser], login: &str) -> &'a LocalUser {
    users.iter().find(|u| u.account.login.as_str() == login).unwrap()
}

#[test]
fn prints_every_phase_and_names_the_output_folder() {
    let run = run();
    let mut from = 0;
    for phase in PHASES {
        let at = run.stdout[from..]
            .find(&format!("] {phase}"))
            .unwrap_or_else(|| panic!("{phase} missing or out of order:\n{}", run.stdout));
        from += at;
    }
    assert!(run.stdout.contains("irp-demo-approver"), "the demo approver is not named");
    let last = run.stdout.lines().rev().find(|l| l.contains("Output:")).unwrap_or_default().to_owned();
    assert!(last.contains(run.out.to_str().unwrap()), "output folder not named: {last}");
}

#[test]
fn case_store_has_the_case_a_comment_per_phase_and_the_approvals() {
    let run = run();
    let store = SqliteCaseStore::open(run.out.join("case.sqlite")).unwrap();
    let case = block_on(store.get_case(&CaseId(CASE.into()))).unwrap();
    assert_eq!(case.user.as_ref().map(|u| u.as_str()), Some(VICTIM));
    assert_eq!(case.alert_ids.len(), 2);

    let comments = block_on(store.comments(&CaseId(CASE.into()))).unwrap();
    assert!(comments.len() >= PHASES.len(), "{} comments", comments.len());
    for phase in PHASES {
        assert!(
            comments.iter().any(|c| c.body.to_lowercase().contains(&phase.to_lowercase())),
            "no comment documents {phase}"
        );
    }
    assert!(comments.windows(2).all(|w| w[0].at <= w[1].at), "comments out of time order");

    let approvals = block_on(store.approvals(&CaseId(CASE.into()))).unwrap();
    assert!(!approvals.is_empty());
    for approval in &approvals {
        assert_eq!(approval.decision, ApprovalDecision::Approved);
        assert!(approval.approver.starts_with("irp-demo-approver"), "{}", approval.approver);
        assert!(approval.expires_at.is_some_and(|e| e > approval.decided_at));
    }
    // Every action that ran was approved under its exact idempotency key, before it started.
    let entries = journal(&run.out);
    for started in entries.iter().filter(|e| e.status == JournalStatus::Started) {
        let approval = approvals
            .iter()
            .find(|a| a.action_key == started.idempotency_key)
            .unwrap_or_else(|| panic!("{} ran without an approval", kind(started)));
        assert!(approval.decided_at <= started.at);
    }
}

#[test]
fn journal_has_state_before_and_after_every_action_and_a_verification() {
    let entries = journal(&run().out);
    let keys: Vec<&str> = {
        let mut keys: Vec<&str> =
            entries.iter().filter(|e| e.status == JournalStatus::Started).map(|e| e.idempotency_key.as_str()).collect();
        keys.dedup();
        keys
    };
    let kinds: Vec<&str> = entries.iter().filter(|e| e.status == JournalStatus::Started).map(kind).collect();
    for expected in [
        "disable_account",
        "reset_password",
        "terminate_sessions",
        "delete_inbox_rule",
        "revoke_grant",
        "enable_account",
    ] {
        assert!(kinds.contains(&expected), "{expected} not journalled: {kinds:?}");
    }
    for key in keys {
        let of_key: Vec<&JournalEntry> = entries.iter().filter(|e| e.idempotency_key == key).collect();
        let statuses: Vec<JournalStatus> = of_key.iter().map(|e| e.status).collect();
        assert_eq!(
            &statuses[..3],
            &[JournalStatus::Started, JournalStatus::Succeeded, JournalStatus::Verified],
            "{}",
            kind(of_key[0])
        );
        assert!(of_key[0].state_before.is_some(), "{}: no state before", kind(of_key[0]));
        assert!(of_key[1].state_after.is_some(), "{}: no state after", kind(of_key[1]));
        // revoke_tokens follows terminate_sessions (which already revoked the tokens): a no-op.
        if kind(of_key[0]) != "revoke_tokens" {
            assert_ne!(of_key[0].state_before, of_key[1].state_after, "{}: changed nothing", kind(of_key[0]));
        }
    }
    // The disable's before-state is the live account; its after-state is suspended.
    let disable = entries.iter().find(|e| kind(e) == "disable_account" && e.status == JournalStatus::Started).unwrap();
    assert_eq!(disable.state_before.as_ref().unwrap()["status"], "active");
    let suspended =
        entries.iter().find(|e| kind(e) == "disable_account" && e.status == JournalStatus::Succeeded).unwrap();
    assert_eq!(suspended.state_after.as_ref().unwrap()["status"], "suspended");
}

#[test]
fn account_is_re_enabled_only_after_persistence_is_removed() {
    let entries = journal(&run().out);
    let position = |kind_name: &str, status: JournalStatus| {
        entries.iter().position(|e| kind(e) == kind_name && e.status == status)
    };
    let enable = position("enable_account", JournalStatus::Started).expect("account re-enabled");
    for removal in ["delete_inbox_rule", "revoke_grant", "remove_factor"] {
        let verified = position(removal, JournalStatus::Verified).unwrap_or_else(|| panic!("{removal} not verified"));
        assert!(verified < enable, "{removal} verified after the re-enable");
    }
    let disable = position("disable_account", JournalStatus::Verified).unwrap();
    assert!(disable < enable);
}

#[test]
fn directory_after_the_run_is_clean_and_only_the_victim_changed() {
    let run = run();
    let after = users(&run.out.join("directory.json"));
    let before_dir = tempfile::tempdir().unwrap();
    let before_path = before_dir.path().join("directory.json");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/demo/directory.json"), &before_path).unwrap();
    let before = users(&before_path);

    let jdoe = user(&after, VICTIM);
    assert_eq!(jdoe.account.status, AccountStatus::Active, "re-enabled at the end");
    assert!(jdoe.account.password_change_required);
    assert!(jdoe.account.credential_version > user(&before, VICTIM).account.credential_version);
    assert!(jdoe.account.sessions.is_empty(), "{:?}", jdoe.account.sessions);
    assert!(jdoe.account.tokens.is_empty());
    let apps: Vec<&str> = jdoe.account.grants.iter().map(|g| g.app.as_str()).collect();
    assert!(!apps.contains(&"Mail Backup Sync"), "{apps:?}");
    assert!(apps.contains(&"Zoom"), "the user's own consent was removed too: {apps:?}");
    let rules: Vec<&str> = jdoe.inbox_rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(rules, ["Newsletters"]);
    assert!(jdoe.inbox_rules.iter().all(|r| r.forward_to.is_empty()));
    let factors: Vec<&str> = jdoe.account.factors.iter().map(|f| f.detail.as_deref().unwrap_or_default()).collect();
    assert!(!factors.iter().any(|f| f.contains("Google Authenticator")), "{factors:?}");
    assert!(factors.iter().any(|f| f.contains("Okta Verify")), "{factors:?}");

    for other in before.iter().filter(|u| u.account.login.as_str() != VICTIM) {
        assert_eq!(user(&after, other.account.login.as_str()), other, "{} changed", other.account.login);
    }
}

#[test]
fn report_shows_the_verdict_signals_actions_and_metrics() {
    let run = run();
    let md = std::fs::read_to_string(run.out.join("report.md")).unwrap();
    let html = std::fs::read_to_string(run.out.join("report.html")).unwrap();
    let lower = md.to_lowercase();
    assert!(lower.contains("confirmed"), "likelihood missing");
    // password_spray_success needs tenant-wide facts (other users' failures from the same IP);
    // the runbook searches only the user's own events, so it is not expected here.
    for signal in ["impossible_travel", "mfa_fatigue", "forwarding_rule", "oauth_grant", "new_country", "mass_download"]
    {
        assert!(md.contains(signal), "signal {signal} missing from the report");
    }
    for action in ["disable_account", "reset_password", "terminate_sessions", "delete_inbox_rule", "revoke_grant"] {
        assert!(md.contains(action), "action {action} missing from the report");
    }
    assert!(md.contains("attacker@protonmail.example"));
    assert!(lower.contains("time to contain"), "time to contain missing");
    assert!(html.contains("<svg"), "the HTML report has no map or timeline");
    assert!(run.stdout.contains("report.md") && run.stdout.contains("report.html"));
}

#[test]
fn two_runs_write_identical_reports() {
    let first = &run().out;
    let dir = tempfile::tempdir().unwrap();
    let second = dir.path().join("again");
    let output = irp(&["demo", "--out", second.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    for name in ["report.md", "report.html"] {
        let a = std::fs::read(first.join(name)).unwrap();
        let b = std::fs::read(second.join(name)).unwrap();
        assert!(a == b, "{name} differs between runs");
    }
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never-created");
    let output = irp(&["demo", "--dry-run", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(!out.exists(), "a dry run created the output folder");
    let stdout = text(&output.stdout);
    assert!(stdout.contains("Plan ("), "{stdout}");
    // The plan names each action's exact call and target.
    assert!(stdout.contains("lifecycle/suspend"), "{stdout}");
    assert!(stdout.contains("/sessions?oauthTokens=true"), "{stdout}");
    assert!(stdout.contains("messageRules/"), "{stdout}");
    assert!(stdout.contains(VICTIM));
    assert!(!stdout.contains("ok  executed"), "a dry run executed something:\n{stdout}");
    assert!(!stdout.contains("documented in the case"), "a dry run wrote to the case:\n{stdout}");
}

#[test]
fn json_summary_is_machine_readable() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("json");
    let output = irp(&["demo", "--json", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let summary: Value = serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");
    assert_eq!(summary["case_id"], CASE);
    assert_eq!(summary["user"], VICTIM);
    assert_eq!(summary["summary"]["outcome"]["outcome"], "completed");
    assert_eq!(summary["summary"]["likelihood"], "confirmed");
    assert!(summary["summary"]["plan"].as_array().is_some_and(|p| p.len() >= 5));
    assert!(summary["report"]["markdown"].as_str().is_some_and(|p| p.ends_with("report.md")));
}

#[test]
fn refuses_to_overwrite_a_folder_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("important.txt"), "keep me").unwrap();
    let output = irp(&["demo", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("not written by `irp demo`"));
    assert_eq!(std::fs::read_to_string(dir.path().join("important.txt")).unwrap(), "keep me");
    assert!(!dir.path().join("case.sqlite").exists());
}

#[test]
fn help_documents_the_exit_codes() {
    let output = irp(&["demo", "--help"]);
    let help = text(&output.stdout);
    for needle in ["Exit codes", "--dry-run", "--interactive", "--json", "--out"] {
        assert!(help.contains(needle), "{needle} missing from --help");
    }
}
