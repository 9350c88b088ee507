//! `irp respond` end to end against the runbook's own stack: Okta, Google SecOps SIEM and SOAR
//! served by one stateful double on 127.0.0.1 (each vendor under its own path prefix), the real
//! binary, secrets from environment variables, approvals scripted on stdin.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use chrono::{DateTime, Utc};
use irp::connectors::embedded::SqliteCaseStore;
use irp::connectors::{CaseId, JournalStatus, Soar};
use serde_json::Value;
use support::{
    udm_login, Options, Recorded, Vendors, CASE, EVIL_CLIENT, EVIL_FACTOR, EVIL_GRANT, GOOD_FACTOR, GOOD_GRANT,
    GOOGLE_TOKEN, INSTANCE, LOGIN, OKTA_TOKEN, SOAR_KEY, USER_ID,
};

const YES: &str = "y\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\n";
const SECRETS: [&str; 3] = [OKTA_TOKEN, GOOGLE_TOKEN, SOAR_KEY];

/// Three weeks of ordinary sign-ins from home, then a password-guessing burst from a new
/// country ending in a success three hours ago.
fn takeover(now: DateTime<Utc>) -> Vec<Value> {
    let mut events = Vec::new();
    for day in (1..=20).rev() {
        let at = now - chrono::Duration::days(day) - chrono::Duration::hours(14);
        events.push(udm_login(at, &format!("home-{day}"), "192.0.2.10", "Seattle", "United States", "ALLOW"));
    }
    let start = now - chrono::Duration::hours(3) - chrono::Duration::minutes(20);
    for i in 0..12 {
        let at = start + chrono::Duration::seconds(20 * i);
        events.push(udm_login(at, &format!("spray-{i}"), "203.0.113.66", "Lagos", "Nigeria", "BLOCK"));
    }
    let at = now - chrono::Duration::hours(3);
    events.push(udm_login(at, "takeover", "203.0.113.66", "Lagos", "Nigeria", "ALLOW"));
    events
}

struct Setup {
    dir: tempfile::TempDir,
    vendors: Vendors,
}

impl Setup {
    fn new(options: Options, okta_http: &str) -> Setup {
        let now = Utc::now();
        let vendors = Vendors::start(now, takeover(now), options);
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            r#"[run]
state_dir = "irp-state"

[policy]
window_hours = 96

[policy.runbook]
monitoring_hours = 0

[siem]
type = "secops"
base_url = "{siem}"
instance = "{INSTANCE}"
token = {{ env = "IRP_E2E_GOOGLE_TOKEN" }}

[soar]
type = "secops"
base_url = "{soar}"
api_key = {{ env = "IRP_E2E_SOAR_KEY" }}
journal_db = "irp-journal.sqlite"

[idp]
type = "okta"
base_url = "{okta}"
token = {{ env = "IRP_E2E_OKTA_TOKEN" }}
password_reset = "email"
{okta_http}

[mailbox]
type = "none"
"#,
            siem = vendors.url("/chronicle"),
            soar = vendors.url("/soar"),
            okta = vendors.url("/okta"),
        );
        std::fs::write(dir.path().join("irp.toml"), config).unwrap();
        Setup { dir, vendors }
    }

    fn respond(&self, extra: &[&str], answers: &str) -> Output {
        let config = self.path("irp.toml");
        let case = CASE.to_string();
        let mut args = vec![
            "respond",
            "--config",
            config.to_str().unwrap(),
            "--user",
            LOGIN,
            "--case",
            &case,
            "--alert-group",
            "okta-threatinsight-1",
        ];
        args.extend_from_slice(extra);
        let mut child = Command::new(env!("CARGO_BIN_EXE_irp"))
            .args(&args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("IRP_E2E_OKTA_TOKEN", OKTA_TOKEN)
            .env("IRP_E2E_GOOGLE_TOKEN", GOOGLE_TOKEN)
            .env("IRP_E2E_SOAR_KEY", SOAR_KEY)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(answers.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The journal statuses of the first action of `kind`, in order.
    fn journal_of(&self, kind: &str) -> Vec<JournalStatus> {
        let store = SqliteCaseStore::open(self.path("irp-journal.sqlite")).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let journal = rt.block_on(store.journal(&CaseId(CASE.to_string()))).unwrap();
        let key = journal.iter().find(|e| e.action.to_string().contains(kind)).map(|e| e.idempotency_key.clone());
        journal.into_iter().filter(|e| Some(&e.idempotency_key) == key.as_ref()).map(|e| e.status).collect()
    }

    /// Every journal entry as (action kind, status), in order.
    fn journal(&self) -> Vec<(String, JournalStatus)> {
        self.journal_entries()
            .into_iter()
            .map(|e| (e.action["kind"].as_str().unwrap_or("").to_owned(), e.status))
            .collect()
    }

    fn journal_entries(&self) -> Vec<irp::connectors::JournalEntry> {
        let store = SqliteCaseStore::open(self.path("irp-journal.sqlite")).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(store.journal(&CaseId(CASE.to_string()))).unwrap()
    }

    fn okta_requests(&self) -> Vec<Recorded> {
        self.vendors.requests().into_iter().filter(|r| r.path.starts_with("/okta/")).collect()
    }

    /// The Okta requests that change something, in order.
    fn okta_changes(&self) -> Vec<String> {
        self.okta_requests().iter().filter(|r| r.is_mutating()).map(Recorded::line).collect()
    }

    fn mutating(&self) -> Vec<String> {
        self.vendors.requests().iter().filter(|r| r.is_mutating()).map(Recorded::line).collect()
    }
}

/// The journal entry of `kind` with `status`, as JSON.
fn journal_entry(setup: &Setup, kind: &str, status: JournalStatus) -> Value {
    let entry = setup
        .journal_entries()
        .into_iter()
        .find(|e| e.action["kind"] == kind && e.status == status)
        .unwrap_or_else(|| panic!("no {kind} {status:?} in the journal"));
    serde_json::json!({"detail": entry.detail, "before": entry.state_before, "after": entry.state_after})
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn users(rest: &str) -> String {
    format!("/okta/api/v1/users/{USER_ID}{rest}")
}

/// Every file under `dir`, recursively, as text.
fn files_text(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(files_text(&p));
        } else {
            out.push((p.clone(), String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned()));
        }
    }
    out
}

fn assert_no_secret(what: &str, s: &str) {
    for secret in SECRETS {
        assert!(!s.contains(secret), "a secret appears in {what}");
    }
}

/// The run suspends the account, then resets the password with the approved pair Okta needs for a
/// suspended user (unsuspend, reset: the user goes to RECOVERY, where sign-in stays blocked until
/// the user completes the reset), ends sessions and tokens, removes the attacker's grant and
/// factor, documents every phase and exits 0. Re-enabling sends nothing: a RECOVERY user is not
/// suspended.
#[test]
fn a_high_likelihood_takeover_unsuspends_for_the_reset_and_ends_in_recovery_with_persistence_removed() {
    let setup = Setup::new(Options::default(), "");
    let out = setup.respond(&["--approver", "soc.lead", "--json"], YES);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let lines = setup.vendors.lines();
    assert_eq!(setup.vendors.unexpected(), Vec::<String>::new(), "requests:\n{}\nstderr:\n{stderr}", lines.join("\n"));
    assert_eq!(out.status.code(), Some(0), "stderr:\n{stderr}\nstdout:\n{stdout}\nrequests:\n{}", lines.join("\n"));
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["status"], "completed", "{summary}");
    assert_eq!(summary["summary"]["likelihood"], "high", "{summary}");
    assert!(
        summary["summary"]["problems"].as_array().unwrap().iter().all(|p| !p.as_str().unwrap().contains("reset")),
        "{summary}"
    );
    let statuses: Vec<(&str, &str)> = summary["summary"]["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap(), a["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("disable_account", "verified"),
            ("reset_password", "verified"),
            ("terminate_sessions", "verified"),
            ("revoke_tokens", "verified"),
            ("revoke_grant", "verified"),
            ("remove_factor", "verified"),
            ("enable_account", "verified"),
        ]
    );
    // Every prompt showed the exact call the connector then sent.
    for call in [
        format!("call:      POST /api/v1/users/{USER_ID}/lifecycle/suspend"),
        format!("call:      POST /api/v1/users/{USER_ID}/lifecycle/unsuspend (only if SUSPENDED), then POST /api/v1/users/{USER_ID}/lifecycle/reset_password?sendEmail=true (if it fails after the unsuspend: POST /api/v1/users/{USER_ID}/lifecycle/suspend)"),
        format!("call:      DELETE /api/v1/users/{USER_ID}/sessions?oauthTokens=true"),
        format!("call:      GET /api/v1/users/{USER_ID}/clients and each client's tokens, then DELETE /api/v1/users/{USER_ID}/clients/{{clientId}}/tokens for each client with a live refresh token"),
        format!("call:      DELETE /api/v1/users/{USER_ID}/grants/{EVIL_GRANT}"),
        format!("call:      DELETE /api/v1/users/{USER_ID}/factors/{EVIL_FACTOR}"),
    ] {
        assert!(stderr.contains(&call), "{call} not shown:\n{stderr}");
    }

    // Okta: suspended, unsuspended for the reset, left in RECOVERY (sign-in blocked until the
    // user completes the reset); the attacker's factor, grant and token gone, the user's own kept.
    let okta = setup.vendors.okta();
    assert_eq!(okta.transitions, ["SUSPENDED", "ACTIVE", "RECOVERY"]);
    assert_eq!(okta.status, "RECOVERY");
    assert_eq!(okta.sessions_cleared, 1, "revoke_tokens does not send the sessions call again");
    assert!(okta.password_reset);
    let factors: Vec<&str> = okta.factors.iter().filter_map(|f| f["id"].as_str()).collect();
    assert_eq!(factors, [GOOD_FACTOR]);
    let grant = |id: &str| okta.grants.iter().find(|g| g["id"] == id).unwrap()["status"].clone();
    assert_eq!(grant(EVIL_GRANT), "REVOKED");
    assert_eq!(grant(GOOD_GRANT), "ACTIVE");
    assert!(okta.tokens.iter().all(|t| t["status"] == "REVOKED"));

    // Journalled in the SOAR's journal_db: started, succeeded, verified. The suspension is
    // verified before the reset pair starts, and not re-checked after it.
    use JournalStatus::{Started, Succeeded, Verified};
    for kind in ["disable_account", "reset_password", "revoke_grant", "revoke_tokens", "enable_account"] {
        assert_eq!(setup.journal_of(kind), [Started, Succeeded, Verified], "{kind}");
    }
    let journal = setup.journal();
    let at = |kind: &str, status: JournalStatus| {
        journal.iter().position(|(k, s)| k == kind && *s == status).unwrap_or_else(|| panic!("{kind} {status:?}"))
    };
    assert!(at("disable_account", Verified) < at("reset_password", Started));
    assert_eq!(journal.iter().filter(|(k, _)| k == "disable_account").count(), 3);
    // The re-enable found the user out of suspension (RECOVERY) and sent nothing.
    let enable = journal_entry(&setup, "enable_account", Succeeded);
    assert_eq!(enable["detail"], "already in the expected post-state: no call sent", "{enable}");

    // The exact Okta calls that changed something, in order, each once.
    let okta_reqs = setup.okta_requests();
    assert_eq!(
        setup.okta_changes(),
        [
            format!("POST {}", users("/lifecycle/suspend")),
            format!("POST {}", users("/lifecycle/unsuspend")),
            format!("POST {}?sendEmail=true", users("/lifecycle/reset_password")),
            format!("DELETE {}?oauthTokens=true", users("/sessions")),
            format!("DELETE {}", users(&format!("/grants/{EVIL_GRANT}"))),
            format!("DELETE {}", users(&format!("/clients/{EVIL_CLIENT}/tokens"))),
            format!("DELETE {}", users(&format!("/factors/{EVIL_FACTOR}"))),
        ]
    );
    // The grant is read before it is revoked (its client's tokens go with it).
    let get_grant =
        lines.iter().position(|l| *l == format!("GET {}", users(&format!("/grants/{EVIL_GRANT}")))).unwrap();
    let del_grant =
        lines.iter().position(|l| *l == format!("DELETE {}", users(&format!("/grants/{EVIL_GRANT}")))).unwrap();
    assert!(get_grant < del_grant);
    // The user is looked up by login, then addressed by id.
    assert!(lines.contains(&format!("GET /okta/api/v1/users/{LOGIN}")));
    assert!(lines.contains(&format!("GET {}?expand=scope&limit=200", users("/grants"))));
    assert!(lines.contains(&format!("GET {}?limit=200", users(&format!("/clients/{EVIL_CLIENT}/tokens")))));
    // Headers: the SSWS token on every Okta call, Content-Length: 0 on bodyless POSTs.
    for r in &okta_reqs {
        assert_eq!(r.header("authorization"), Some(format!("SSWS {OKTA_TOKEN}").as_str()), "{}", r.line());
        assert_eq!(r.header("accept"), Some("application/json"), "{}", r.line());
        if r.method == "POST" {
            assert_eq!(r.header("content-length"), Some("0"), "{}", r.line());
            assert!(r.body.is_empty());
        }
    }

    // SecOps SIEM: the user's UDM search with the bearer token, the entity summary.
    let siem: Vec<Recorded> =
        setup.vendors.requests().into_iter().filter(|r| r.path.starts_with("/chronicle/")).collect();
    assert!(siem.iter().all(|r| r.header("authorization") == Some(format!("Bearer {GOOGLE_TOKEN}").as_str())));
    assert!(siem.iter().any(|r| r.path == format!("/chronicle/v1alpha/{INSTANCE}:udmSearch")
        && r.query("query").is_some_and(|q| q.contains(&format!("target.user.userid = \"{LOGIN}\" nocase")))));

    // SecOps SOAR: AppKey on every call, a comment per phase, approvals in the case.
    let soar_reqs: Vec<Recorded> =
        setup.vendors.requests().into_iter().filter(|r| r.path.starts_with("/soar/")).collect();
    assert!(soar_reqs.iter().all(|r| r.header("appkey") == Some(SOAR_KEY) && r.header("authorization").is_none()));
    let comments = setup.vendors.soar().comments;
    let all = comments.join("\n---\n");
    for phase in ["Identification", "Containment", "Eradication", "Recovery"] {
        assert!(comments.iter().any(|c| c.contains(phase)), "no {phase} comment:\n{all}");
    }
    assert!(comments.iter().any(|c| c.starts_with("irp approval: approved") && c.contains("by soc.lead")), "{all}");

    // Reports name the actions.
    let report = std::fs::read_to_string(setup.path(&format!("irp-state/{CASE}.report.md"))).unwrap();
    assert!(report.contains(LOGIN), "{report}");
    for needle in ["suspend", EVIL_GRANT, EVIL_FACTOR] {
        assert!(report.to_lowercase().contains(&needle.to_lowercase()), "report lacks {needle}:\n{report}");
    }
    assert!(setup.path(&format!("irp-state/{CASE}.report.html")).exists());

    // No secret anywhere the run wrote.
    assert_no_secret("stdout", &stdout);
    assert_no_secret("stderr", &stderr);
    assert_no_secret("the SOAR comments", &all);
    for (p, content) in files_text(setup.dir.path()) {
        if p.file_name().is_some_and(|n| n != "irp.toml") {
            assert_no_secret(&p.display().to_string(), &content);
        }
    }

    // Resuming a finished run exits 0 and changes nothing more.
    let before = setup.mutating();
    let again = setup.respond(&["--approver", "soc.lead", "--resume"], "");
    assert_eq!(again.status.code(), out.status.code(), "stderr:\n{}", text(&again.stderr));
    assert_eq!(setup.mutating(), before);
    assert_eq!(setup.vendors.unexpected(), Vec::<String>::new());
}

#[test]
fn a_suspend_that_times_out_is_verified_by_reading_the_user_never_resent() {
    // The double suspends at once but answers after the client's timeout.
    let setup = Setup::new(
        Options { suspend_delay: Some(Duration::from_millis(2500)), ..Options::default() },
        "[idp.http]\ntimeout_ms = 800\nmax_retries = 3\nbackoff_ms = 10\njitter_ms = 0\n",
    );
    let out = setup.respond(&["--approver", "soc.lead", "--json"], YES);
    let stderr = text(&out.stderr);
    let lines = setup.vendors.lines();
    assert_eq!(setup.vendors.unexpected(), Vec::<String>::new(), "{}", lines.join("\n"));
    let suspends = lines.iter().filter(|l| *l == &format!("POST {}", users("/lifecycle/suspend"))).count();
    assert_eq!(suspends, 1, "{}", lines.join("\n"));
    let i = lines.iter().position(|l| l == &format!("POST {}", users("/lifecycle/suspend"))).unwrap();
    assert!(
        lines[i + 1..].iter().any(|l| l == &format!("GET /okta/api/v1/users/{LOGIN}")),
        "the user was not re-read after the timeout:\n{}",
        lines.join("\n")
    );
    // The suspension is verified from the re-read; the run then goes on as the full run does.
    assert_eq!(out.status.code(), Some(0), "stderr:\n{stderr}\nrequests:\n{}", lines.join("\n"));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let disable = &summary["summary"]["plan"][0];
    assert_eq!((disable["kind"].as_str(), disable["status"].as_str()), (Some("disable_account"), Some("verified")));
    assert_eq!(setup.vendors.okta().transitions, ["SUSPENDED", "ACTIVE", "RECOVERY"]);
    // The journal shows the outcome was unknown (timed out), then verified by the re-read.
    assert_eq!(
        setup.journal_of("disable_account"),
        [JournalStatus::Started, JournalStatus::Unknown, JournalStatus::Verified]
    );
    // The later calls went on as usual.
    assert!(lines.contains(&format!("DELETE {}", users(&format!("/factors/{EVIL_FACTOR}")))));
}

#[test]
fn a_dry_run_sends_no_mutating_request() {
    let setup = Setup::new(Options::default(), "");
    let out = setup.respond(&["--dry-run"], "");
    let stdout = text(&out.stdout);
    let lines = setup.vendors.lines();
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}\nrequests:\n{}", text(&out.stderr), lines.join("\n"));
    assert_eq!(setup.vendors.unexpected(), Vec::<String>::new());
    assert_eq!(setup.mutating(), Vec::<String>::new());
    assert!(setup.vendors.requests().iter().any(|r| r.path.ends_with(":udmSearch")));
    assert!(stdout.contains(&format!("/api/v1/users/{USER_ID}/lifecycle/suspend")), "{stdout}");
    let okta = setup.vendors.okta();
    assert!(okta.transitions.is_empty() && okta.sessions_cleared == 0 && !okta.password_reset);
    assert_no_secret("stdout", &stdout);
    assert_no_secret("stderr", &text(&out.stderr));
}

/// The reset of the pair fails after the unsuspend: the connector suspends the user again and
/// says so, the run goes on with the account suspended, re-enabling is withheld and `irp
/// respond` exits 1.
#[test]
fn a_reset_that_fails_after_the_unsuspend_leaves_the_user_suspended_again() {
    let setup = Setup::new(Options { fail_reset: true, ..Options::default() }, "");
    let out = setup.respond(&["--approver", "soc.lead", "--json"], YES);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let lines = setup.vendors.lines();
    assert_eq!(setup.vendors.unexpected(), Vec::<String>::new(), "{}", lines.join("\n"));
    assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}\nrequests:\n{}", lines.join("\n"));
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    let problems: Vec<&str> =
        summary["summary"]["problems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(
        problems[..2],
        [
            format!("a2 reset_password on {USER_ID}: failed okta.reset_password: invalid request (HTTP 400): vendor code E0000001; the user was unsuspended for the reset and is SUSPENDED again"),
            "re-enable withheld: password reset a2 not verified (failed)".to_owned(),
        ],
        "{problems:#?}"
    );
    let okta = setup.vendors.okta();
    assert_eq!(okta.transitions, ["SUSPENDED", "ACTIVE", "SUSPENDED"]);
    assert_eq!(okta.status, "SUSPENDED");
    assert!(!okta.password_reset);
    // Exactly: suspend; unsuspend, the refused reset, the user re-read, suspend again; then the
    // rest of the run.
    assert_eq!(
        setup.okta_changes()[..5],
        [
            format!("POST {}", users("/lifecycle/suspend")),
            format!("POST {}", users("/lifecycle/unsuspend")),
            format!("POST {}?sendEmail=true", users("/lifecycle/reset_password")),
            format!("POST {}", users("/lifecycle/suspend")),
            format!("DELETE {}?oauthTokens=true", users("/sessions")),
        ]
    );
    let reset = lines.iter().position(|l| *l == format!("POST {}?sendEmail=true", users("/lifecycle/reset_password")));
    assert_eq!(lines[reset.unwrap() + 1], format!("GET {}", users("")));
    assert_eq!(setup.journal_of("reset_password"), [JournalStatus::Started, JournalStatus::Failed]);
    assert!(!setup.journal().iter().any(|(k, _)| k == "enable_account"));
}

/// A recovery address outside the tenant set during the takeover (`profile.secondEmail`) is
/// removed by a partial profile update in Eradication, verified by re-reading the user, and no
/// longer keeps the account from being re-enabled.
#[test]
fn an_attacker_second_email_is_removed_and_no_longer_withholds_the_re_enable() {
    let setup = Setup::new(Options { second_email: Some("recovery@evil.example".into()), ..Options::default() }, "");
    let out = setup.respond(&["--approver", "soc.lead", "--json"], YES);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let lines = setup.vendors.lines();
    assert_eq!(setup.vendors.unexpected(), Vec::<String>::new(), "{}", lines.join("\n"));
    assert_eq!(out.status.code(), Some(0), "stderr:\n{stderr}\nrequests:\n{}", lines.join("\n"));
    assert!(
        stderr.contains(&format!(r#"call:      POST /api/v1/users/{USER_ID} {{"profile":{{"secondEmail":null}}}}"#)),
        "{stderr}"
    );
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    let statuses: Vec<(&str, &str)> = summary["summary"]["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap(), a["status"].as_str().unwrap()))
        .collect();
    assert!(statuses.contains(&("remove_recovery_method", "verified")), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&("enable_account", "verified")), "{statuses:?}");
    assert_eq!(setup.vendors.okta().second_email, None);
    let updates: Vec<Recorded> =
        setup.okta_requests().into_iter().filter(|r| r.method == "POST" && r.path == users("")).collect();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].body_json(), serde_json::json!({"profile": {"secondEmail": null}}));
    assert_eq!(updates[0].header("content-type"), Some("application/json"));
    use JournalStatus::{Started, Succeeded, Verified};
    assert_eq!(setup.journal_of("remove_recovery_method"), [Started, Succeeded, Verified]);
    let removed = journal_entry(&setup, "remove_recovery_method", Started);
    assert_eq!(removed["before"], serde_json::json!({"method": "recovery@evil.example"}));
}

/// The plan shows the reset call of the configured mode (the connector's own text, not the
/// call style's `sendEmail=true` default).
#[test]
fn the_plan_shows_the_reset_call_of_the_configured_mode() {
    for (mode, shown) in [
        (
            "link",
            format!("POST /api/v1/users/{USER_ID}/lifecycle/unsuspend (only if SUSPENDED), then POST /api/v1/users/{USER_ID}/lifecycle/reset_password?sendEmail=false&revokeSessions=true (if it fails after the unsuspend: POST /api/v1/users/{USER_ID}/lifecycle/suspend)"),
        ),
        (
            "expire",
            format!("POST /api/v1/users/{USER_ID}/lifecycle/expire_password (refused, nothing sent, if the user is SUSPENDED)"),
        ),
    ] {
        let setup = Setup::new(Options::default(), "revoke_sessions_on_reset = true");
        let config = std::fs::read_to_string(setup.path("irp.toml")).unwrap();
        let config = config.replace("password_reset = \"email\"", &format!("password_reset = \"{mode}\""));
        std::fs::write(setup.path("irp.toml"), config).unwrap();
        let out = setup.respond(&["--dry-run"], "");
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(stdout.contains(&shown), "{mode}: {stdout}");
        assert!(!stdout.contains("sendEmail=true"), "{mode}: {stdout}");
        assert_eq!(setup.mutating(), Vec::<String>::new());
    }
}
