//! `idp_risk`: the identity provider's own risk verdicts (Entra ID Protection, Okta
//! ThreatInsight / behaviour detection, Workspace suspicious-login).

use super::{Severity, Signal, SignalKind, UserContext};
use crate::evidence::{Event, EventKind, RiskLevel};

/// Known detection names (compared case-insensitively), their severity and technique.
/// Entra's own levels: leaked credentials and admin-confirmed compromise are always High;
/// offline anomaly detections are Medium; `anomalousToken` is "historically tuned to incur
/// more noise", so Medium.
const KNOWN: &[(&str, Severity, &str)] = &[
    ("leakedCredentials", Severity::High, "T1078.004"),
    ("adminConfirmedUserCompromised", Severity::High, "T1078.004"),
    ("attackerinTheMiddle", Severity::High, "T1557"),
    ("investigationsThreatIntelligence", Severity::High, "T1078.004"),
    ("nationStateIP", Severity::High, "T1078.004"),
    ("passwordSpray", Severity::High, "T1110.003"),
    ("maliciousIPAddress", Severity::High, "T1110"),
    ("tokenIssuerAnomaly", Severity::High, "T1606.002"),
    ("userReportedSuspiciousActivity", Severity::High, "T1621"),
    ("suspiciousInboxForwarding", Severity::High, "T1114.003"),
    ("mcasSuspiciousInboxManipulationRules", Severity::Medium, "T1564.008"),
    ("unlikelyTravel", Severity::Medium, "T1078.004"),
    ("mcasImpossibleTravel", Severity::Medium, "T1078.004"),
    ("anonymizedIPAddress", Severity::Medium, "T1090.003"),
    ("riskyIPAddress", Severity::Medium, "T1078.004"),
    ("anomalousToken", Severity::Medium, "T1550.001"),
    ("suspiciousBrowser", Severity::Medium, "T1078.004"),
    ("unfamiliarFeatures", Severity::Medium, "T1078.004"),
    ("newCountry", Severity::Medium, "T1078.004"),
    ("mcasFinSuspiciousFileAccess", Severity::Medium, "T1530"),
    ("suspiciousAPITraffic", Severity::Medium, "T1087.004"),
    ("suspiciousSendingPatterns", Severity::Medium, "T1534"),
    ("anomalousUserActivity", Severity::Medium, "T1098"),
    ("attemptedPrtAccess", Severity::Medium, "T1528"),
    ("generic", Severity::Low, "T1078.004"),
];

fn level(r: RiskLevel) -> Option<Severity> {
    match r {
        RiskLevel::High => Some(Severity::High),
        RiskLevel::Medium => Some(Severity::Medium),
        RiskLevel::Low => Some(Severity::Low),
        _ => None,
    }
}

/// Key of one finding: a named detection, or a risk level on ordinary events.
#[derive(PartialEq)]
enum Key<'a> {
    Detection(&'a str),
    Level(Severity),
}

/// `RiskDetected` events by name (known names mapped as above; unknown names take the event's
/// risk level, else Medium); other events by their `risk` (High / Medium; Low risk on an
/// ordinary sign-in is too common to report). One signal per detection name or level, at its
/// first occurrence. A sign-in the IdP *blocked* is one step lower (Panther demotes Okta DENY
/// to Info): the risk was stopped, though the password may still be known.
pub(crate) fn idp_risk(ctx: &UserContext<'_>) -> Vec<Signal> {
    let mut found: Vec<(Key<'_>, Severity, &'static str, Vec<&Event>)> = Vec::new();
    for e in ctx.events {
        let (key, mut sev, technique) = match &e.kind {
            EventKind::RiskDetected { detection } => {
                let name = detection.trim();
                match KNOWN.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name)) {
                    // The canonical spelling, so `UnlikelyTravel` and `unlikelyTravel` are one finding.
                    // The vendor's own level when it gave one (Entra rates each detection), except
                    // that the compromise-class detections are never rated below High.
                    Some(&(n, sev, t)) => {
                        let vendor = e.risk.and_then(level).filter(|_| sev < Severity::High);
                        (Key::Detection(n), vendor.unwrap_or(sev), t)
                    }
                    None => (Key::Detection(name), e.risk.and_then(level).unwrap_or(Severity::Medium), "T1078.004"),
                }
            }
            _ => match e.risk.and_then(level) {
                Some(s) if s >= Severity::Medium => (Key::Level(s), s, "T1078.004"),
                _ => continue,
            },
        };
        if e.is_login_failure() {
            sev = sev.demoted();
        }
        match found.iter_mut().find(|f| f.0 == key) {
            Some(f) => {
                f.1 = f.1.max(sev);
                f.3.push(e);
            }
            None => found.push((key, sev, technique, vec![e])),
        }
    }
    found
        .into_iter()
        .map(|(key, sev, technique, events)| {
            let first = events[0];
            let vendor = first.vendor.format.name();
            let mut summary = match key {
                Key::Detection(name) => format!("identity provider ({vendor}) raised {name}"),
                Key::Level(s) => {
                    format!("identity provider ({vendor}) rated {} {} risk", first.vendor.event_type, s.name())
                }
            };
            if events.len() > 1 {
                summary.push_str(&format!(" ({} times)", events.len()));
            }
            if events.iter().all(|e| e.is_login_failure()) {
                summary.push_str("; the sign-in was blocked");
            }
            Signal::new(SignalKind::IdpRisk, sev, first.time, events.iter().copied(), &[technique], summary)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    fn risk(id: &str, m: i64, name: &str) -> Event {
        ev(id, m, EventKind::RiskDetected { detection: name.into() }).build()
    }

    #[test]
    fn named_detections() {
        let w = [risk("a", 0, "leakedCredentials"), risk("b", 1, "unlikelyTravel"), risk("c", 2, "UnlikelyTravel")];
        let s = run(idp_risk, &[], &w);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].severity, ids(&s[0])), (Severity::High, vec!["a"]));
        assert_eq!((s[1].severity, ids(&s[1])), (Severity::Medium, vec!["b", "c"]));
        assert_eq!(s[1].summary, "identity provider (auto) raised unlikelyTravel (2 times)");
        let s = run(idp_risk, &[], &[risk("x", 0, "security.threat.detected")]);
        assert_eq!(s[0].severity, Severity::Medium);
        // The vendor's level wins for anomaly detections, never for compromise-class ones.
        let low = B(risk("u", 0, "unfamiliarFeatures")).risk(RiskLevel::Low).build();
        let leaked = B(risk("l", 1, "leakedCredentials")).risk(RiskLevel::Low).build();
        let s = run(idp_risk, &[], &[low, leaked]);
        assert_eq!((s[0].severity, s[1].severity), (Severity::Low, Severity::High));
    }

    #[test]
    fn event_risk_levels_and_blocked() {
        let w = [
            login("h", 0).risk(RiskLevel::High).build(),
            login("l", 1).risk(RiskLevel::Low).build(),
            login("m", 2).risk(RiskLevel::Medium).failed().build(),
        ];
        let s = run(idp_risk, &[], &w);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].severity, ids(&s[0])), (Severity::High, vec!["h"]));
        assert_eq!(s[1].severity, Severity::Low);
        assert!(s[1].summary.ends_with("the sign-in was blocked"));
    }
}
