//! Credential attacks that worked: `brute_force_success`, `password_spray_success`,
//! `mfa_fatigue`.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use chrono::Duration;

use super::net::{place, IpPrefix};
use super::{is_interactive_success, is_shared_network, is_trusted, Severity, Signal, SignalKind, UserContext};
use crate::evidence::{Event, EventKind};

/// "12 min", "3.5 h".
fn span(d: Duration) -> String {
    if d.num_minutes() < 120 {
        format!("{} min", d.num_minutes().max(0))
    } else {
        format!("{:.1} h", d.num_minutes() as f64 / 60.0)
    }
}

/// True when the event's network is the user's own: trusted, or its /24-/48 or ASN known.
fn own_network(ctx: &UserContext<'_>, e: &Event) -> bool {
    is_trusted(ctx, e) || ctx.baseline.knows_network(e)
}

/// At least `brute_force_min_failures` failed sign-ins, then an interactive success, all
/// within `brute_force_window_minutes`. Failures before an earlier success do not carry over.
///
/// High when the success comes from a network the user never used; Medium when it comes from
/// their own network but the failures did not (someone else was guessing); Low when everything
/// came from their own networks (a phone or mail client retrying a stale password).
pub(crate) fn brute_force_success(ctx: &UserContext<'_>) -> Vec<Signal> {
    let p = &ctx.policy.detect;
    let window = Duration::minutes(p.brute_force_window_minutes);
    let mut failures: VecDeque<&Event> = VecDeque::new();
    let mut out = Vec::new();
    for e in ctx.events {
        if e.is_login_failure() {
            failures.push_back(e);
            continue;
        }
        if !is_interactive_success(e) {
            continue; // background token use neither proves nor resets anything
        }
        while failures.front().is_some_and(|f| e.time - f.time > window) {
            failures.pop_front();
        }
        if failures.len() >= p.brute_force_min_failures.max(1) {
            let success_own = own_network(ctx, e);
            let success_prefix = e.network.ip.map(IpPrefix::of);
            let failures_own = failures.iter().all(|f| {
                own_network(ctx, f) || (f.network.ip.is_some() && f.network.ip.map(IpPrefix::of) == success_prefix)
            });
            let (severity, why) = match (success_own, failures_own) {
                (true, true) => {
                    (Severity::Low, "all from the user's own networks: a client retrying a stale password?")
                }
                (true, false) => (Severity::Medium, "the success is from the user's own network, the failures are not"),
                (false, _) => (Severity::High, "the success is from a network the user never used"),
            };
            let mut ips: Vec<IpAddr> = failures.iter().filter_map(|f| f.network.ip).collect();
            ips.sort_unstable();
            ips.dedup();
            let first = failures[0];
            let summary = format!(
                "{} failed sign-ins in {} from {} IP(s), then a success from {}; {why}",
                failures.len(),
                span(e.time - first.time),
                ips.len(),
                place(e)
            );
            let evidence = failures.iter().copied().chain([e]);
            out.push(Signal::new(
                SignalKind::BruteForceSuccess,
                severity,
                e.time,
                evidence,
                &["T1110.001", "T1078.004"],
                summary,
            ));
        }
        failures.clear();
    }
    out
}

/// Facts about one source IP as a spray source at one moment.
fn spray_users(ctx: &UserContext<'_>, ip: IpAddr, e: &Event) -> Option<usize> {
    let p = &ctx.policy.detect;
    let w = Duration::minutes(p.spray_window_minutes);
    let n = ctx.population.failed_users_from(ip, e.time - w, e.time + w);
    if n < p.spray_min_users.max(2) {
        return None;
    }
    let (failed_ever, succeeded_ever) = ctx.population.ip_user_counts(ip);
    // Office NAT: many typos, but most of those users also get in. A spray does not.
    let shared = succeeded_ever as f64 >= p.spray_shared_egress_ratio * failed_ever as f64;
    (!shared).then_some(n)
}

/// A success from an IP that failed against at least `spray_min_users` distinct users of the
/// tenant within `spray_window_minutes`: High. When the user was among those sprayed and then
/// signed in from a network they never used (the attacker rotated IPs after validating the
/// password; Elastic correlates on the user for this reason): Medium. A sprayed user who then
/// signs in from their own network is only a target, not a victim: nothing.
pub(crate) fn password_spray_success(ctx: &UserContext<'_>) -> Vec<Signal> {
    let p = &ctx.policy.detect;
    let w = Duration::minutes(p.spray_window_minutes);
    let mut out = Vec::new();
    let mut reported: Vec<IpAddr> = Vec::new();
    // The user's own failures from spray sources, with the source's breadth.
    let mut targeted: Vec<(&Event, IpAddr, usize)> = Vec::new();
    let mut cache: HashMap<IpAddr, Option<usize>> = HashMap::new();
    for e in ctx.events {
        let Some(ip) = e.network.ip else { continue };
        if e.kind != EventKind::Login || is_trusted(ctx, e) {
            continue;
        }
        if e.is_login_failure() {
            if let Some(n) = *cache.entry(ip).or_insert_with(|| spray_users(ctx, ip, e)) {
                targeted.push((e, ip, n));
            }
            continue;
        }
        if !e.is_login_success() {
            continue;
        }
        let own_failures = || targeted.iter().filter(move |(f, fip, _)| *fip == ip && e.time - f.time <= w);
        if let Some(n) = spray_users(ctx, ip, e) {
            if reported.contains(&ip) {
                continue;
            }
            reported.push(ip);
            let mine = own_failures().count();
            let summary = format!(
                "success from {} ({}), an IP that failed sign-ins for {n} users within {} h of it (password spray); {mine} of those failures were this user's",
                ip,
                place(e),
                p.spray_window_minutes / 60
            );
            let evidence = own_failures().map(|(f, _, _)| *f).chain([e]);
            out.push(Signal::new(
                SignalKind::PasswordSpraySuccess,
                Severity::High,
                e.time,
                evidence,
                &["T1110.003", "T1078.004"],
                summary,
            ));
            continue;
        }
        // IP rotation: the user was sprayed, then a success from a network they never used.
        let rotated = targeted
            .iter()
            .rev()
            .take_while(|(f, _, _)| e.time - f.time <= w)
            .find(|(_, fip, _)| !reported.contains(fip));
        if let Some(&(f, fip, n)) = rotated {
            let mature = !ctx.baseline.is_learning(e.time, 0, p);
            if mature && is_interactive_success(e) && !own_network(ctx, e) && !is_shared_network(ctx, e) {
                reported.push(fip);
                let summary = format!(
                    "failed sign-in from spray source {fip} ({n} users targeted), then {} later a success from {}, a network the user never used",
                    span(e.time - f.time),
                    place(e)
                );
                out.push(Signal::new(
                    SignalKind::PasswordSpraySuccess,
                    Severity::Medium,
                    e.time,
                    [f, e],
                    &["T1110.003", "T1078.004"],
                    summary,
                ));
            }
        }
    }
    out
}

/// An MFA response the attacker hoped for: a push denied, or left unanswered until the next.
fn collect_mfa<'a>(ctx: &UserContext<'a>) -> (Vec<&'a Event>, Vec<&'a Event>) {
    let mut rejections = Vec::new();
    let mut approvals = Vec::new();
    let mut pending: Option<&Event> = None;
    for e in ctx.events {
        match &e.kind {
            EventKind::MfaChallengeSent { .. } => {
                // The previous push got no answer before this one: ignored.
                rejections.extend(pending.replace(e));
            }
            EventKind::MfaDenied { .. } => {
                pending = None;
                rejections.push(e);
            }
            EventKind::MfaApproved { .. } if e.outcome.is_failure() => {
                pending = None;
                rejections.push(e);
            }
            EventKind::MfaApproved { .. } => {
                pending = None;
                approvals.push(e);
            }
            EventKind::Login if is_interactive_success(e) => {
                pending = None;
                approvals.push(e);
            }
            _ => {}
        }
    }
    rejections.extend(pending);
    (rejections, approvals)
}

/// At least `mfa_fatigue_min_rejections` pushes denied or ignored within
/// `mfa_fatigue_window_minutes`, then an approval or an interactive success: High (the user
/// gave in). The same burst with no approval: Medium (the attacker has the password).
pub(crate) fn mfa_fatigue(ctx: &UserContext<'_>) -> Vec<Signal> {
    let p = &ctx.policy.detect;
    let w = Duration::minutes(p.mfa_fatigue_window_minutes);
    let min = p.mfa_fatigue_min_rejections.max(1);
    let (rejections, approvals) = collect_mfa(ctx);
    let mut out = Vec::new();
    let mut start = 0;
    let mut segments: Vec<&[&Event]> = Vec::new();
    for a in approvals {
        let end = start + rejections[start..].partition_point(|r| r.time <= a.time);
        let from = start + rejections[start..end].partition_point(|r| a.time - r.time > w);
        if end - from >= min {
            let burst = &rejections[from..end];
            let summary = format!(
                "{} MFA pushes denied or ignored in {}, then approved {} later ({}): push fatigue",
                burst.len(),
                span(burst[burst.len() - 1].time - burst[0].time),
                span(a.time - burst[burst.len() - 1].time),
                place(a)
            );
            out.push(Signal::new(
                SignalKind::MfaFatigue,
                Severity::High,
                a.time,
                burst.iter().copied().chain([a]),
                &["T1621", "T1078.004"],
                summary,
            ));
            segments.push(&rejections[start..from]);
        } else {
            segments.push(&rejections[start..end]);
        }
        start = end; // an approval ends a sequence either way
    }
    segments.push(&rejections[start..]);
    for seg in segments {
        if let Some(burst) = densest_burst(seg, w, min) {
            let summary = format!(
                "{} MFA pushes denied or ignored in {} and none approved: an attacker with the password trying push fatigue",
                burst.len(),
                span(burst[burst.len() - 1].time - burst[0].time)
            );
            let last = burst[burst.len() - 1];
            out.push(Signal::new(
                SignalKind::MfaFatigue,
                Severity::Medium,
                last.time,
                burst.iter().copied(),
                &["T1621"],
                summary,
            ));
        }
    }
    out.sort_by_key(|s| s.time);
    out
}

/// The first run of at least `min` events within `w`, extended while the next event is still
/// within `w` of the run's previous `min - 1` events. O(n).
fn densest_burst<'s, 'a>(seg: &'s [&'a Event], w: Duration, min: usize) -> Option<&'s [&'a Event]> {
    let mut lo = 0;
    for hi in 0..seg.len() {
        while seg[hi].time - seg[lo].time > w {
            lo += 1;
        }
        if hi + 1 - lo >= min {
            let mut end = hi + 1;
            while end < seg.len() && seg[end].time - seg[end + 1 - min].time <= w {
                end += 1;
            }
            return Some(&seg[lo..end]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::evidence::EventKind as K;

    fn fail(id: &str, m: i64, ip: &str) -> Event {
        login(id, m).ip(ip).failed().build()
    }

    #[test]
    fn brute_force_from_new_network_is_high() {
        let mut w: Vec<Event> = (0..6).map(|i| fail(&format!("f{i}"), i, "102.89.1.1")).collect();
        w.push(login("ok", 8).ip("102.89.1.1").geo("NG", 6.45, 3.39).asn(37148).build());
        let s = run(brute_force_success, &home_history(), &w);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].severity, Severity::High);
        assert_eq!(ids(&s[0]), ["f0", "f1", "f2", "f3", "f4", "f5", "ok"]);
        assert!(s[0].summary.starts_with("6 failed sign-ins in 8 min from 1 IP(s), then a success from NG (AS 37148)"));
    }

    #[test]
    fn typos_and_stale_passwords_do_not_fire_high() {
        // Three typos then success from home: nothing.
        let mut w: Vec<Event> = (0..3).map(|i| fail(&format!("f{i}"), i, "203.0.113.10")).collect();
        w.push(home("ok", 4).build());
        assert!(run(brute_force_success, &home_history(), &w).is_empty());
        // Eight retries of a stale password from home, then success from home: Low.
        let mut w: Vec<Event> = (0..8).map(|i| fail(&format!("f{i}"), i, "203.0.113.10")).collect();
        w.push(home("ok", 9).build());
        assert_eq!(run(brute_force_success, &home_history(), &w)[0].severity, Severity::Low);
        // Failures from elsewhere, success from home: Medium.
        let mut w: Vec<Event> = (0..8).map(|i| fail(&format!("f{i}"), i, "45.1.1.1")).collect();
        w.push(home("ok", 9).build());
        assert_eq!(run(brute_force_success, &home_history(), &w)[0].severity, Severity::Medium);
        // Failures too long before the success, or reset by an earlier success: nothing.
        let mut w: Vec<Event> = (0..8).map(|i| fail(&format!("f{i}"), i, "45.1.1.1")).collect();
        w.push(login("ok", 100).ip("45.1.1.1").build());
        assert!(run(brute_force_success, &home_history(), &w).is_empty());
        let mut w: Vec<Event> = (0..3).map(|i| fail(&format!("f{i}"), i, "45.1.1.1")).collect();
        w.push(home("ok", 4).build());
        w.extend((5..8).map(|i| fail(&format!("g{i}"), i, "45.1.1.1")));
        w.push(login("ok2", 9).ip("45.1.1.1").build());
        assert!(run(brute_force_success, &home_history(), &w).is_empty());
    }

    fn spray(n: usize, ip: &str) -> Vec<Event> {
        (0..n)
            .map(|i| login(&format!("s{i}"), i as i64).user(&format!("u{i}@example.com")).ip(ip).failed().build())
            .collect()
    }

    #[test]
    fn spray_success_from_the_spray_ip() {
        let others = spray(12, "192.0.2.66");
        let w = [fail("mine", 5, "192.0.2.66"), login("ok", 20).ip("192.0.2.66").build()];
        let s = run_with(password_spray_success, &home_history(), &w, &Default::default(), &others);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].severity, ids(&s[0])), (Severity::High, vec!["mine", "ok"]));
        assert!(s[0].summary.contains("failed sign-ins for 13 users"), "{}", s[0].summary);
        // Below the threshold: nothing.
        let s = run_with(password_spray_success, &home_history(), &w, &Default::default(), &spray(5, "192.0.2.66"));
        assert!(s.is_empty());
    }

    #[test]
    fn spray_rotation_and_targets() {
        let others = spray(12, "192.0.2.66");
        // Sprayed, then success from a never-seen network: Medium.
        let w = [fail("mine", 5, "192.0.2.66"), login("ok", 60).ip("45.1.1.1").asn(14061).build()];
        let s = run_with(password_spray_success, &home_history(), &w, &Default::default(), &others);
        assert_eq!((s[0].severity, ids(&s[0])), (Severity::Medium, vec!["mine", "ok"]));
        // Sprayed, then the user signs in from home: only a target.
        let w = [fail("mine", 5, "192.0.2.66"), home("ok", 60).build()];
        assert!(run_with(password_spray_success, &home_history(), &w, &Default::default(), &others).is_empty());
    }

    #[test]
    fn office_nat_with_typos_is_not_a_spray_source() {
        let mut others = spray(12, "198.51.100.1");
        others.extend(
            (0..40).map(|i| login(&format!("ok{i}"), i).user(&format!("v{i}@example.com")).ip("198.51.100.1").build()),
        );
        let w = [login("ok", 20).ip("198.51.100.1").build()];
        assert!(run_with(password_spray_success, &home_history(), &w, &Default::default(), &others).is_empty());
    }

    fn push(id: &str, m: i64, secs: i64, kind: K) -> Event {
        ev(id, m, kind).secs(secs).build()
    }

    #[test]
    fn mfa_fatigue_then_approval_is_high() {
        let mut w = Vec::new();
        for i in 0..6 {
            w.push(push(&format!("c{i}"), i, 0, K::MfaChallengeSent { factor: Some("push".into()) }));
            w.push(push(&format!("d{i}"), i, 10, K::MfaDenied { factor: Some("push".into()) }));
        }
        w.push(push("c6", 7, 0, K::MfaChallengeSent { factor: None }));
        w.push(push("ok", 7, 20, K::MfaApproved { factor: None }));
        let s = run(mfa_fatigue, &[], &w);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].severity, Severity::High);
        assert_eq!(ids(&s[0]), ["d0", "d1", "d2", "d3", "d4", "d5", "ok"]);
        assert!(s[0].summary.starts_with("6 MFA pushes denied or ignored in 5 min, then approved"));
    }

    #[test]
    fn mfa_ignored_pushes_without_success_is_medium_and_few_is_nothing() {
        let w: Vec<Event> =
            (0..7).map(|i| push(&format!("c{i}"), i, 0, K::MfaChallengeSent { factor: None })).collect();
        let s = run(mfa_fatigue, &[], &w);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].severity, Severity::Medium);
        assert_eq!(s[0].events.len(), 7, "the trailing unanswered push counts too");
        // Three denials then approval: a user fumbling, nothing.
        let mut w: Vec<Event> = (0..3).map(|i| push(&format!("d{i}"), i, 0, K::MfaDenied { factor: None })).collect();
        w.push(push("ok", 4, 0, K::MfaApproved { factor: None }));
        assert!(run(mfa_fatigue, &[], &w).is_empty());
        // Five denials spread over an hour: nothing.
        let w: Vec<Event> = (0..5).map(|i| push(&format!("d{i}"), i * 15, 0, K::MfaDenied { factor: None })).collect();
        assert!(run(mfa_fatigue, &[], &w).is_empty());
    }
}
