//! End-to-end tests of `irp assess` on the vendor-shaped scenarios in `tests/scenarios/`
//! (written by `tests/scenarios/generate.py`).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn scenario(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios").join(path).display().to_string()
}

fn irp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_irp")).arg("assess").args(args).output().unwrap()
}

fn irp_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_irp"))
        .arg("assess")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn ok_stdout(out: &Output) -> String {
    assert!(out.status.success(), "exit {:?}, stderr: {}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// One user's assessment as JSON.
fn assess_user(user: &str, paths: &[&str], extra: &[&str]) -> Value {
    let files: Vec<String> = paths.iter().map(|p| scenario(p)).collect();
    let mut args = vec!["--json", "--user", user];
    args.extend_from_slice(extra);
    args.extend(files.iter().map(String::as_str));
    let text = ok_stdout(&irp(&args));
    assert_eq!(text.lines().count(), 1, "one JSON object: {text}");
    serde_json::from_str(&text).unwrap()
}

fn kinds(a: &Value) -> Vec<String> {
    a["signals"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap().to_owned()).collect()
}

fn severities(a: &Value) -> Vec<String> {
    a["signals"].as_array().unwrap().iter().map(|s| s["severity"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn benign_traveller_stays_low() {
    let a =
        assess_user("dana.park@example.com", &["benign/okta.jsonl"], &["--policy", &scenario("benign/policy.toml")]);
    assert_eq!(a["likelihood"], "low", "{a:#}");
    assert!(!severities(&a).contains(&"high".to_owned()), "{a:#}");
    assert!(a["events_considered"].as_u64().unwrap() > 50, "{a:#}");
}

#[test]
fn impossible_travel_is_high() {
    let a = assess_user("alice@example.com", &["impossible_travel/okta.jsonl"], &[]);
    assert_eq!(a["likelihood"], "high", "{a:#}");
    assert!(kinds(&a).contains(&"impossible_travel".to_owned()), "{a:#}");
    assert!(kinds(&a).contains(&"new_country".to_owned()), "{a:#}");
}

#[test]
fn password_spray_then_success_is_high() {
    let a = assess_user("alice@example.com", &["password_spray/okta.jsonl"], &[]);
    assert_eq!(a["likelihood"], "high", "{a:#}");
    assert!(kinds(&a).contains(&"password_spray_success".to_owned()), "{a:#}");
}

#[test]
fn mfa_fatigue_is_high() {
    let a = assess_user("alice@example.com", &["mfa_fatigue/okta.jsonl"], &[]);
    assert_eq!(a["likelihood"], "high", "{a:#}");
    assert!(kinds(&a).contains(&"mfa_fatigue".to_owned()), "{a:#}");
    let fatigue = a["signals"].as_array().unwrap().iter().find(|s| s["kind"] == "mfa_fatigue").unwrap();
    assert_eq!(fatigue["techniques"][0], "T1621", "{fatigue:#}");
}

#[test]
fn session_hijack_is_high() {
    let a = assess_user("alice@example.com", &["session_hijack/okta.jsonl"], &[]);
    assert_eq!(a["likelihood"], "high", "{a:#}");
    assert!(kinds(&a).contains(&"session_hijack".to_owned()), "{a:#}");
}

#[test]
fn takeover_with_forwarding_and_consent_from_the_same_ip_is_confirmed() {
    let a = assess_user("erin@contoso.com", &["takeover/entra_signins.json", "takeover/o365.jsonl"], &[]);
    assert_eq!(a["likelihood"], "confirmed", "{a:#}");
    let k = kinds(&a);
    for want in ["new_country", "forwarding_rule", "oauth_grant"] {
        assert!(k.contains(&want.to_owned()), "missing {want}: {a:#}");
    }
    let chain =
        a["breakdown"].as_array().unwrap().iter().find(|c| c["reason"].as_str().unwrap().starts_with("correlation"));
    let chain = chain.expect("a correlation contribution");
    assert!(chain["reason"].as_str().unwrap().contains("203.0.113.66"), "{chain:#}");
    assert!(a["score"].as_f64().unwrap() >= 90.0);
}

#[test]
fn json_contract_keys_in_order() {
    let text = ok_stdout(&irp(&["--json", "--user", "alice@example.com", &scenario("impossible_travel/okta.jsonl")]));
    let keys = ["{\"user\":", ",\"likelihood\":", ",\"score\":", ",\"signals\":", ",\"events_considered\":"];
    let pos: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap_or_else(|| panic!("{k} in {text}"))).collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert_eq!(pos[0], 0);
    let v: Value = serde_json::from_str(&text).unwrap();
    for s in v["signals"].as_array().unwrap() {
        let obj = s.as_object().unwrap();
        let got: Vec<&str> = obj.keys().map(String::as_str).collect();
        for key in ["kind", "severity", "techniques", "summary", "events"] {
            assert!(got.contains(&key), "{key} missing in {s}");
        }
        assert!(!s["events"].as_array().unwrap().is_empty());
    }
    assert!(["low", "medium", "high", "confirmed"].contains(&v["likelihood"].as_str().unwrap()));
}

#[test]
fn all_users_one_line_each_highest_score_first() {
    let text = ok_stdout(&irp(&["--json", &scenario("impossible_travel/okta.jsonl")]));
    let rows: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 6, "six tenant users");
    assert_eq!(rows[0]["user"], "alice@example.com");
    let scores: Vec<f64> = rows.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(rows[1..].iter().all(|r| r["likelihood"] == "low"), "{text}");
}

#[test]
fn user_is_case_insensitive() {
    let a = assess_user("ALICE@Example.COM", &["impossible_travel/okta.jsonl"], &[]);
    let b = assess_user("alice@example.com", &["impossible_travel/okta.jsonl"], &[]);
    assert_eq!(a, b);
    assert_eq!(a["user"], "alice@example.com");
    // Dana's login name is mixed-case in the logs.
    let d = assess_user("dana.park@EXAMPLE.com", &["benign/okta.jsonl"], &[]);
    assert!(d["events_considered"].as_u64().unwrap() > 0);
}

#[test]
fn gzip_equals_plain_whatever_the_name() {
    let plain = std::fs::read(scenario("mfa_fatigue/okta.jsonl")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).unwrap();
    let gz = gz.finish().unwrap();
    let named = dir.path().join("okta.jsonl.gz");
    let misnamed = dir.path().join("okta-export.jsonl");
    std::fs::write(&named, &gz).unwrap();
    std::fs::write(&misnamed, &gz).unwrap();
    let want = ok_stdout(&irp(&["--json", &scenario("mfa_fatigue/okta.jsonl")]));
    assert_eq!(ok_stdout(&irp(&["--json", named.to_str().unwrap()])), want);
    assert_eq!(ok_stdout(&irp(&["--json", misnamed.to_str().unwrap()])), want);
    assert_eq!(ok_stdout(&irp_stdin(&["--json", "-"], &gz)), want);
}

#[test]
fn stdin_dash_equals_file() {
    let plain = std::fs::read(scenario("session_hijack/okta.jsonl")).unwrap();
    let want = ok_stdout(&irp(&["--json", "--user", "alice@example.com", &scenario("session_hijack/okta.jsonl")]));
    assert_eq!(ok_stdout(&irp_stdin(&["--json", "--user", "alice@example.com", "-"], &plain)), want);
}

#[test]
fn input_order_does_not_matter() {
    let a = ok_stdout(&irp(&["--json", &scenario("takeover/entra_signins.json"), &scenario("takeover/o365.jsonl")]));
    let b = ok_stdout(&irp(&["--json", &scenario("takeover/o365.jsonl"), &scenario("takeover/entra_signins.json")]));
    assert_eq!(a, b);
}

#[test]
fn bad_json_exits_2_with_file_and_line_and_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.jsonl");
    let mut text = std::fs::read_to_string(scenario("mfa_fatigue/okta.jsonl")).unwrap();
    let good_lines = text.lines().count();
    text.push_str("{\"eventType\": \"user.session.start\", oops}\n");
    std::fs::write(&bad, text).unwrap();
    // A good file first: its results must not be printed either.
    let out = irp(&["--json", &scenario("impossible_travel/okta.jsonl"), bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "stdout: {}", String::from_utf8_lossy(&out.stdout));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let want = format!("{}:{}:", bad.display(), good_lines + 1);
    assert!(stderr.starts_with(&want), "want {want}, got {stderr}");
    // Same for stdin, named `-`.
    let out = irp_stdin(&["-"], b"{\"uuid\": 1,\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8(out.stderr).unwrap().starts_with("-:"));
}

#[test]
fn bad_policy_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[score]\nhigh_at = \"sixty\"\n").unwrap();
    let out = irp(&["--json", "--policy", policy.to_str().unwrap(), &scenario("benign/okta.jsonl")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(&policy.display().to_string()), "{stderr}");
    // A missing policy file is also exit 2.
    let out = irp(&["--policy", "/nonexistent/policy.toml", &scenario("benign/okta.jsonl")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn missing_input_exits_2() {
    let out = irp(&["/nonexistent/export.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8(out.stderr).unwrap().starts_with("/nonexistent/export.jsonl:"));
}

#[test]
fn human_table_lists_likelihood_score_and_signal_explanations() {
    let text = ok_stdout(&irp(&["--user", "alice@example.com", &scenario("impossible_travel/okta.jsonl")]));
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("USER"), "{text}");
    let row = lines.next().unwrap();
    assert!(row.starts_with("alice@example.com") && row.contains("high"), "{text}");
    assert!(text.contains("impossible_travel"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when stdout is not a terminal");
}

#[test]
fn help_documents_exit_codes() {
    let text = ok_stdout(&irp(&["--help"]));
    assert!(text.contains("Exit codes") && text.contains("2  bad usage"), "{text}");
}
