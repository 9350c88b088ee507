//! `irp assess --threads N` gives byte-identical output (stdout, warnings, errors) to one thread,
//! on plain and gzip input, including inputs that cannot be split at newlines.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scenario(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios").join(path)
}

fn irp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_irp")).arg("assess").args(args).output().unwrap()
}

/// Runs in `dir`, so that a relative file name (which errors and line-based event ids name) is the
/// same for the plain and the gzip copy.
fn irp_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_irp")).current_dir(dir).arg("assess").args(args).output().unwrap()
}

/// About 3 MB (several parts of the parallel reader): every Okta scenario and the O365 one, plus records without a
/// uuid (line-based ids), with a redacted timestamp (a warning), and one pretty-printed over
/// several lines in the middle (a part that cannot be read on its own).
fn big_input() -> String {
    let mut text = String::new();
    for name in ["benign", "impossible_travel", "mfa_fatigue", "password_spray", "session_hijack"] {
        text.push_str(&std::fs::read_to_string(scenario(&format!("{name}/okta.jsonl"))).unwrap());
    }
    text.push_str(&std::fs::read_to_string(scenario("takeover/o365.jsonl")).unwrap());
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let n = lines.len();
    for i in (0..n).step_by(97) {
        // Drop the uuid: the event id becomes `<file>:<line>`.
        lines[i] = lines[i].replacen("\"uuid\":", "\"uuid_\":", 1);
    }
    lines.insert(
        n / 3,
        r#"{"published":"redacted","eventType":"user.session.start","actor":{"alternateId":"x@example.com"}}"#.into(),
    );
    let pretty: serde_json::Value = serde_json::from_str(&lines[n / 2]).unwrap();
    lines[n / 2] = serde_json::to_string_pretty(&pretty).unwrap();
    lines.join("\n") + "\n"
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn same_output(one: &Output, many: &Output) {
    assert_eq!(one.status.code(), many.status.code());
    assert_eq!(String::from_utf8_lossy(&one.stderr), String::from_utf8_lossy(&many.stderr));
    assert!(one.stdout == many.stdout, "stdout differs");
}

#[test]
fn threads_and_gzip_give_identical_output() {
    let (plain, gz) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let text = big_input();
    assert!(text.len() > 2 << 20, "several parts: {}", text.len());
    write(plain.path(), "tenant.jsonl", text.as_bytes());
    write(gz.path(), "tenant.jsonl", &gzip(text.as_bytes()));
    for extra in [&["--json"][..], &["--json", "--user", "Alice@Example.com"], &[]] {
        let run = |dir: &Path, threads: &str| {
            let mut args = vec!["--threads", threads];
            args.extend_from_slice(extra);
            args.push("tenant.jsonl");
            irp_in(dir, &args)
        };
        let one = run(plain.path(), "1");
        assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
        assert!(String::from_utf8_lossy(&one.stderr).contains("tenant.jsonl:"), "the skipped record is named");
        same_output(&one, &run(plain.path(), "3"));
        same_output(&one, &run(gz.path(), "2"));
        same_output(&one, &run(gz.path(), "1"));
    }
}

#[test]
fn a_bad_record_deep_in_the_input_is_reported_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let text = big_input();
    let mut lines: Vec<&str> = text.lines().collect();
    let bad_line = lines.len() * 2 / 3;
    lines.insert(bad_line, r#"{"uuid":"x","published":"2024-05"#);
    let bad = lines.join("\n") + "\n";
    let path = write(dir.path(), "bad.jsonl", bad.as_bytes());
    let one = irp(&["--json", "--threads", "1", &path]);
    assert_eq!(one.status.code(), Some(2));
    assert!(one.stdout.is_empty());
    let stderr = String::from_utf8(one.stderr.clone()).unwrap();
    assert!(stderr.starts_with(&format!("{path}:{}:", bad_line + 1)), "{stderr}");
    same_output(&one, &irp(&["--json", "--threads", "3", &path]));
    for strict in [&["--strict"][..], &[]] {
        let mut args = vec!["--json", "--threads", "2"];
        args.extend_from_slice(strict);
        args.push(&path);
        let mut one_args = args.clone();
        one_args[2] = "1";
        same_output(&irp(&one_args), &irp(&args));
    }
}

#[test]
fn skip_others_needs_a_user_and_agrees_on_the_users_own_events() {
    let out = irp(&["--skip-others", &scenario("mfa_fatigue/okta.jsonl").display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "--skip-others without --user is a usage error");
    let path = scenario("impossible_travel/okta.jsonl").display().to_string();
    let exact = irp(&["--json", "--user", "alice@example.com", &path]);
    let fast = irp(&["--json", "--user", "alice@example.com", "--skip-others", &path]);
    let (exact, fast): (serde_json::Value, serde_json::Value) =
        (serde_json::from_slice(&exact.stdout).unwrap(), serde_json::from_slice(&fast.stdout).unwrap());
    assert_eq!(exact["events_considered"], fast["events_considered"]);
    assert_eq!(exact["signals"][0]["kind"], fast["signals"][0]["kind"]);
}
