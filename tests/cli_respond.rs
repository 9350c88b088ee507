//! `irp respond` end to end with the embedded connectors, configured by an `irp.toml` in a
//! temporary folder over the bundled scenario's vendor files: scripted approvals on stdin, the
//! state file and `--resume`, refusals, dry runs and config errors.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use irp::connectors::embedded::{LocalDirectory, LocalUser, SqliteCaseStore};
use irp::connectors::{AccountStatus, CaseId, JournalStatus, Soar};
use serde_json::Value;

const USER: &str = "jdoe@example.com";
const CASE: &str = "IR-77";

/// A folder holding the scenario's files and an `irp.toml` over them.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(policy: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/demo");
        for file in ["okta.ndjson", "o365.ndjson", "directory.json"] {
            std::fs::copy(scenario.join(file), dir.path().join(file)).unwrap();
        }
        let config = format!(
            "{policy}\n[siem]\ntype = \"files\"\npaths = [\"okta.ndjson\", \"o365.ndjson\"]\n\n[soar]\ntype = \"sqlite\"\npath = \"cases.sqlite\"\n\n[idp]\ntype = \"local\"\npath = \"directory.json\"\n\n[mailbox]\ntype = \"local\"\npath = \"directory.json\"\n"
        );
        std::fs::write(dir.path().join("irp.toml"), config).unwrap();
        Setup { dir }
    }

    /// Runs `irp respond` with `answers` on stdin.
    fn respond(&self, extra: &[&str], answers: &str) -> Output {
        let config = self.path("irp.toml");
        let mut args = vec!["respond", "--config", config.to_str().unwrap(), "--user", USER, "--case", CASE];
        args.extend_from_slice(extra);
        let mut child = Command::new(env!("CARGO_BIN_EXE_irp"))
            .args(&args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A run that stops before reading its approvals closes stdin early: not an error here.
        let _ = child.stdin.take().unwrap().write_all(answers.as_bytes());
        child.wait_with_output().unwrap()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn victim(&self) -> LocalUser {
        let users = LocalDirectory::open(self.path("directory.json")).unwrap().users().unwrap();
        users.into_iter().find(|u| u.account.login.as_str() == USER).unwrap()
    }

    fn journal(&self) -> Vec<irp::connectors::JournalEntry> {
        let store = SqliteCaseStore::open(self.path("cases.sqlite")).unwrap();
        block_on(store.journal(&CaseId(CASE.into()))).unwrap()
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

/// Enough yeses for every approval round.
const YES: &str = "y\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\n";

#[test]
fn a_confirmed_takeover_is_contained_eradicated_and_recovered_with_scripted_approvals() {
    // No monitoring wait, so the run ends in one invocation.
    let setup = Setup::new("[policy.runbook]\nmonitoring_hours = 0\n");
    let out = setup.respond(&["--approver", "soc.lead", "--json"], YES);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", text(&out.stderr));
    let summary = json(&out);
    assert_eq!(summary["status"], "completed");
    assert_eq!(summary["summary"]["likelihood"], "confirmed");
    // The prompt showed each exact call before the decision.
    let prompts = text(&out.stderr);
    assert!(prompts.contains("POST /api/v1/users/00un8nOz27vGPuKaGmSa/lifecycle/suspend"), "{prompts}");
    // Eradication removed the attacker's rule, grant and factor; recovery re-enabled the account.
    let victim = setup.victim();
    assert_eq!(victim.account.status, AccountStatus::Active);
    assert!(victim.inbox_rules.iter().all(|r| !r.sends_mail_out()));
    // Every action journalled as started, succeeded, verified, in that order.
    let journal = setup.journal();
    for key in journal.iter().map(|e| e.idempotency_key.clone()).collect::<std::collections::BTreeSet<_>>() {
        let statuses: Vec<JournalStatus> =
            journal.iter().filter(|e| e.idempotency_key == key).map(|e| e.status).collect();
        assert_eq!(statuses, [JournalStatus::Started, JournalStatus::Succeeded, JournalStatus::Verified], "{key}");
    }
    // Every phase is documented in the case, and the reports are written.
    let store = SqliteCaseStore::open(setup.path("cases.sqlite")).unwrap();
    let comments = block_on(store.comments(&CaseId(CASE.into()))).unwrap();
    assert!(comments.len() >= 7, "{} comments", comments.len());
    let report = std::fs::read_to_string(setup.path("irp-state/IR-77.report.md")).unwrap();
    assert!(report.contains("Incident report") || report.contains(USER), "{report}");
    assert!(setup.path("irp-state/IR-77.report.html").exists());
    // The approver is recorded in the case's approvals.
    let approvals = block_on(store.approvals(&CaseId(CASE.into()))).unwrap();
    assert!(!approvals.is_empty() && approvals.iter().all(|a| a.approver.as_str() == "soc.lead"));
}

#[test]
fn monitoring_parks_the_run_and_resume_never_repeats_an_action() {
    let setup = Setup::new("");
    let first = setup.respond(&["--approver", "soc.lead", "--json"], YES);
    assert_eq!(first.status.code(), Some(0), "stderr:\n{}", text(&first.stderr));
    let waiting = json(&first);
    assert_eq!(waiting["status"], "waiting");
    assert!(waiting["resume_after"].is_string());
    let state = setup.path("irp-state/IR-77.state.json");
    assert!(state.exists());
    let executed = setup.journal().len();

    // A second start is refused: the saved run must be continued, not restarted.
    let again = setup.respond(&[], YES);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("--resume"), "{}", text(&again.stderr));

    // Resuming before the check time parks again, with no new action and no prompt.
    let resumed = setup.respond(&["--resume", "--json"], "");
    assert_eq!(resumed.status.code(), Some(0), "stderr:\n{}", text(&resumed.stderr));
    assert_eq!(json(&resumed)["status"], "waiting");
    assert_eq!(setup.journal().len(), executed);
    assert!(!text(&resumed.stderr).contains("[y]es"));
}

#[test]
fn refusing_every_approval_executes_nothing() {
    let setup = Setup::new("");
    let out = setup.respond(&["--approver", "soc.lead"], "n\nn\nn\nn\nn\nn\nn\nn\n");
    assert_eq!(out.status.code(), Some(1), "stdout:\n{}", text(&out.stdout));
    assert_eq!(setup.victim().account.status, AccountStatus::Active);
    assert!(setup.journal().is_empty());
}

#[test]
fn the_user_under_investigation_cannot_approve_their_own_containment() {
    let setup = Setup::new("");
    let out = setup.respond(&["--approver", USER], YES);
    assert_eq!(out.status.code(), Some(1));
    assert!(setup.journal().is_empty(), "a self-approved action ran");
}

#[test]
fn a_dry_run_prints_the_plan_and_changes_nothing() {
    let setup = Setup::new("");
    let before = std::fs::read(setup.path("directory.json")).unwrap();
    let out = setup.respond(&["--dry-run"], "");
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Plan (") && stdout.contains("/lifecycle/suspend"), "{stdout}");
    assert_eq!(std::fs::read(setup.path("directory.json")).unwrap(), before);
    assert!(!setup.path("irp-state").exists());
    assert!(!setup.path("cases.sqlite").exists() || setup.journal().is_empty());
}

#[test]
fn config_errors_name_the_file_and_the_line() {
    let setup = Setup::new("");
    let config = setup.path("irp.toml");
    let text_before = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text_before.replace("type = \"sqlite\"", "type = \"sqlite\"\nfile = \"x\"")).unwrap();
    let out = setup.respond(&[], "");
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("irp.toml") && err.contains("unknown field `file`") && err.contains("line"), "{err}");
    let missing = setup.respond(&["--resume"], "");
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn the_example_configs_parse() {
    // The vendor example names secrets by env var and file; parsing must not need them.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["examples/irp.toml", "examples/irp-local.toml"] {
        let out = Command::new(env!("CARGO_BIN_EXE_irp"))
            .args(["respond", "--config", root.join(name).to_str().unwrap(), "--user", USER, "--case", "x", "--check"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
    }
}
