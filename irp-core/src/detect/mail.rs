//! `forwarding_rule`: mail forwarded outside the organisation, or hidden from the user.

use super::{happened, latest_before, net::place, suspicious_logins, Severity, Signal, SignalKind, UserContext};
use crate::evidence::{EventKind, RuleChange};

/// The domain of an address as Exchange and Workspace write it: `a@b.com`, `SMTP:a@b.com`,
/// `"Name" [SMTP:a@b.com]`, `<a@b.com>`. `None` for a display name or legacy DN (no `@`).
fn address_domain(raw: &str) -> Option<&str> {
    let at = raw.rfind('@')?;
    let rest = &raw[at + 1..];
    let end = rest.find([']', '>', ';', ',', '"', '\'', ' ', ')']).unwrap_or(rest.len());
    let d = rest[..end].trim().trim_end_matches('.');
    (!d.is_empty()).then_some(d)
}

/// External forwarding High (Elastic: any target not in the user's domain); a rule that
/// deletes, moves or marks mail read Medium, High when made within
/// `change_after_suspicious_login_hours` of a suspicious sign-in; forwarding to a name without
/// an address Low (it may be a mail contact pointing outside); internal forwarding Info.
pub(crate) fn forwarding_rule(ctx: &UserContext<'_>) -> Vec<Signal> {
    let logins = suspicious_logins(ctx);
    let user_domain = ctx.user.domain();
    let can_classify = user_domain.is_some() || !ctx.policy.internal_domains.is_empty();
    let mut out = Vec::new();
    for e in ctx.events.iter().filter(|e| happened(e)) {
        let (what, name, targets, hides) = match &e.kind {
            EventKind::InboxRule { change: RuleChange::Removed, .. } => continue,
            EventKind::InboxRule { change, name, forward_to, hides_mail } => {
                let verb = if *change == RuleChange::Created { "created" } else { "changed" };
                (format!("inbox rule {verb}"), name.as_deref(), forward_to, *hides_mail)
            }
            EventKind::MailboxForwarding { forward_to } if !forward_to.is_empty() => {
                ("mailbox forwarding set".to_owned(), None, forward_to, false)
            }
            _ => continue,
        };
        let mut external: Vec<&str> = Vec::new();
        let mut unresolved: Vec<&str> = Vec::new();
        let mut internal = 0usize;
        for target in targets.iter().flat_map(|t| t.split([';', ','])).map(str::trim).filter(|t| !t.is_empty()) {
            match address_domain(target) {
                Some(d) if can_classify && ctx.policy.is_internal_domain(d, user_domain) => internal += 1,
                Some(_) => external.push(target),
                None => unresolved.push(target),
            }
        }
        if external.is_empty() && unresolved.is_empty() && internal == 0 && !hides {
            continue;
        }
        let mut summary = what;
        if let Some(n) = name {
            summary.push_str(&format!(" \"{n}\""));
        }
        let (mut severity, mut techniques): (Severity, Vec<&'static str>) = if !external.is_empty() {
            let scope = match (can_classify, user_domain) {
                (false, _) => " (no internal domain known to compare with)".to_owned(),
                (true, Some(d)) if ctx.policy.internal_domains.is_empty() => format!(" (outside {d})"),
                (true, _) => " (outside the organisation's domains)".to_owned(),
            };
            summary.push_str(&format!(" forwarding to {}{scope}", external.join(", ")));
            let sev = if can_classify { Severity::High } else { Severity::Medium };
            (sev, vec!["T1114.003"])
        } else if hides {
            (Severity::Medium, vec![])
        } else if !unresolved.is_empty() {
            summary.push_str(&format!(
                " forwarding to {} (no address: check for an external mail contact)",
                unresolved.join(", ")
            ));
            (Severity::Low, vec!["T1114.003"])
        } else {
            summary.push_str(&format!(" forwarding to {internal} internal address(es)"));
            (Severity::Info, vec!["T1114.003"])
        };
        let mut evidence = vec![e];
        if hides {
            techniques.push("T1564.008");
            summary.push_str("; the rule deletes, moves or marks mail as read (hiding)");
            let hours = ctx.policy.detect.change_after_suspicious_login_hours;
            if let Some(l) = latest_before(&logins, e.time, hours) {
                severity = Severity::High;
                evidence.push(l);
                summary.push_str(&format!("; made after a suspicious sign-in from {}", place(l)));
            }
        }
        out.push(Signal::new(SignalKind::ForwardingRule, severity, e.time, evidence, &techniques, summary));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::policy::Policy;

    fn rule(id: &str, to: &[&str], hides: bool) -> crate::evidence::Event {
        ev(
            id,
            10,
            EventKind::InboxRule {
                change: RuleChange::Created,
                name: Some(".".into()),
                forward_to: to.iter().map(|s| s.to_string().into()).collect(),
                hides_mail: hides,
            },
        )
        .build()
    }

    #[test]
    fn domains_are_parsed_from_exchange_shapes() {
        assert_eq!(address_domain("\"Eve\" [SMTP:eve@evil.example]"), Some("evil.example"));
        assert_eq!(address_domain("<bob@Example.com>"), Some("Example.com"));
        assert_eq!(address_domain("John Smith"), None);
    }

    #[test]
    fn external_internal_hidden() {
        let s = run(forwarding_rule, &[], &[rule("r", &["bob@example.com", "SMTP:eve@evil.example"], true)]);
        assert_eq!(s[0].severity, Severity::High);
        assert_eq!(s[0].techniques, ["T1114.003", "T1564.008"]);
        assert!(s[0]
            .summary
            .starts_with("inbox rule created \".\" forwarding to SMTP:eve@evil.example (outside example.com)"));
        let s = run(forwarding_rule, &[], &[rule("r", &["bob@example.com"], false)]);
        assert_eq!(s[0].severity, Severity::Info);
        let s = run(forwarding_rule, &[], &[rule("r", &[], true)]);
        assert_eq!((s[0].severity, s[0].techniques.clone()), (Severity::Medium, vec!["T1564.008".into()]));
        assert!(run(forwarding_rule, &[], &[rule("r", &[], false)]).is_empty());
        let s = run(forwarding_rule, &[], &[rule("r", &["John Smith"], false)]);
        assert_eq!(s[0].severity, Severity::Low);
    }

    #[test]
    fn internal_domains_and_subdomains() {
        let p = Policy { internal_domains: vec!["example.com".into(), "example.org".into()], ..Default::default() };
        let w = [rule("r", &["a@example.org", "b@eu.example.com"], false)];
        assert_eq!(run_with(forwarding_rule, &[], &w, &p, &[])[0].severity, Severity::Info);
        let fwd = ev("m", 0, EventKind::MailboxForwarding { forward_to: vec!["x@gmail.com".into()] }).build();
        assert_eq!(run_with(forwarding_rule, &[], &[fwd], &p, &[])[0].severity, Severity::High);
    }

    #[test]
    fn hiding_rule_after_suspicious_sign_in_is_high() {
        let l = login("l", 0).ip("102.89.1.1").geo("NG", 6.45, 3.39).asn(37148).build();
        let s = run(forwarding_rule, &home_history(), &[l, rule("r", &[], true)]);
        assert_eq!((s[0].severity, ids(&s[0])), (Severity::High, vec!["l", "r"]));
    }
}
