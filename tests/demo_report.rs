//! The demo's HTML report reads right: the user's own sign-ins are not painted as the
//! attacker's, long evidence lists are shortened, and the score's cap is labelled as a cap.

use std::process::Command;

fn report() -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo-out");
    let status = Command::new(env!("CARGO_BIN_EXE_irp"))
        .args(["demo", "--out", out.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    (html, md)
}

#[test]
fn the_report_tells_the_user_from_the_attacker() {
    let (html, md) = report();
    // The impossible-travel pair cites the user's usual Chicago sign-in; it stays blue.
    let circles: Vec<&str> = html.split("<circle").skip(1).filter_map(|c| c.split("</circle>").next()).collect();
    let chicago: Vec<&&str> = circles.iter().filter(|c| c.contains("Chicago")).collect();
    let bucharest: Vec<&&str> = circles.iter().filter(|c| c.contains("Bucharest")).collect();
    assert!(!chicago.is_empty() && !bucharest.is_empty());
    assert!(chicago.iter().all(|c| c.contains("#2a6fd6") && !c.contains("(attacker)")));
    assert!(bucharest.iter().any(|c| c.contains("#d33") && c.contains("(attacker)")));
    // mass_download cites 40 files: three ids and a count, in both reports.
    assert!(html.contains("+37 more"), "html evidence list not shortened");
    assert!(md.contains("+37 more"), "markdown evidence list not shortened");
    // The score adjustments are named for what they are.
    assert!(md.lines().any(|l| l.starts_with("| cap | -") && l.ends_with("| cap: scores stop at 100 |")), "{md}");
    assert!(html.contains("<tr><td>cap</td><td>-"));
    // The runbook's search brings the tenant-wide context for the attacker's IP: the spray that
    // `irp assess` sees over the same files is seen inside the runbook too.
    assert!(md.contains("password_spray_success"), "{md}");
    // 72 h of monitoring is a labelled break, not the whole axis.
    assert!(html.contains("3d 0h quiet"));
}
