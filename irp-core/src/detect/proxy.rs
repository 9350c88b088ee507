//! `anonymizing_proxy`: a successful sign-in through Tor, an anonymising VPN / proxy, a
//! hosting provider or iCloud Private Relay.

use std::collections::HashMap;
use std::net::IpAddr;

use super::net::{place, NetClass};
use super::{is_trusted, Severity, Signal, SignalKind, UserContext};
use crate::evidence::Event;

/// One anonymised source: every successful sign-in from one IP (or one network without an IP).
struct Source<'a> {
    ip: Option<IpAddr>,
    asn: Option<u32>,
    class: NetClass,
    events: Vec<&'a Event>,
}

/// Tor High, proxy / anonymising VPN Medium, hosting Low, Private Relay Info; one step lower
/// when the user already signed in from that ASN before the window (their own VPN). One
/// signal per source IP, so a user on a consumer VPN all day gets one finding, not fifty.
pub(crate) fn anonymizing_proxy(ctx: &UserContext<'_>) -> Vec<Signal> {
    let mut sources: Vec<Source<'_>> = Vec::new();
    let mut index: HashMap<(Option<IpAddr>, Option<u32>, NetClass), usize> = HashMap::new();
    for e in ctx.events.iter().filter(|e| e.is_login_success() && !is_trusted(ctx, e)) {
        let class = NetClass::of(&e.network);
        if matches!(class, NetClass::Plain | NetClass::InFlight) {
            continue;
        }
        let (ip, asn) = (e.network.ip, e.network.asn);
        match index.get(&(ip, asn, class)) {
            Some(&i) => sources[i].events.push(e),
            None => {
                index.insert((ip, asn, class), sources.len());
                sources.push(Source { ip, asn, class, events: vec![e] });
            }
        }
    }
    sources
        .into_iter()
        .map(|s| {
            let first = s.events[0];
            let (mut sev, techniques, what): (Severity, &[&str], &str) = match s.class {
                NetClass::Tor => (Severity::High, &["T1090.003", "T1078.004"], "a Tor exit node"),
                NetClass::Proxy => (Severity::Medium, &["T1090.003", "T1078.004"], "an anonymising proxy/VPN"),
                NetClass::Hosting => (Severity::Low, &["T1078.004"], "a hosting provider (VPS, cloud desktop or VPN)"),
                _ => (Severity::Info, &["T1090.003"], "iCloud Private Relay (on by default for many iPhones)"),
            };
            let mut summary = format!("sign-in from {what} at {}", place(first));
            if let Some(org) = first.network.as_org.as_deref() {
                summary.push_str(&format!(" [{org}]"));
            }
            if let Some(ip) = s.ip {
                summary.push_str(&format!(", IP {ip}"));
            }
            if s.events.len() > 1 {
                summary.push_str(&format!("; {} sign-ins from it", s.events.len()));
            }
            if s.asn.is_some_and(|a| ctx.baseline.asns.contains(&a)) {
                sev = sev.demoted();
                summary.push_str("; the user signed in from this network before the window");
            }
            Signal::new(SignalKind::AnonymizingProxy, sev, first.time, s.events.iter().copied(), techniques, summary)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn levels_by_class() {
        let w = [
            login("tor", 0).ip("185.220.101.1").asn(208294).tor().build(),
            login("vpn", 1).ip("193.1.1.1").asn(9009).proxy().org("M247").build(),
            login("vpn2", 2).ip("193.1.1.1").asn(9009).proxy().org("M247").build(),
            login("vps", 3).ip("45.1.1.1").asn(14061).hosting().build(),
            login("relay", 4).ip("172.224.1.1").asn(36183).proxy().build(),
            login("failed", 5).ip("185.220.101.2").tor().failed().build(),
            home("home", 6).build(),
        ];
        let s = run(anonymizing_proxy, &home_history(), &w);
        let got: Vec<_> = s.iter().map(|s| (s.severity, ids(s))).collect();
        assert_eq!(
            got,
            [
                (Severity::High, vec!["tor"]),
                (Severity::Medium, vec!["vpn", "vpn2"]),
                (Severity::Low, vec!["vps"]),
                (Severity::Info, vec!["relay"]),
            ]
        );
        assert!(s[1].summary.contains("[M247], IP 193.1.1.1; 2 sign-ins"));
        assert!(s[0].techniques.contains(&"T1090.003".into()));
    }

    #[test]
    fn habitual_vpn_is_demoted_and_apple_org_is_relay() {
        let mut before = home_history();
        before.push(login("old", -100).ip("193.1.1.9").asn(9009).proxy().build());
        let s = run(anonymizing_proxy, &before, &[login("vpn", 1).ip("193.1.1.1").asn(9009).proxy().build()]);
        assert_eq!(s[0].severity, Severity::Low);
        let relay = login("r", 0).ip("104.28.1.1").asn(13335).org("iCloud Private Relay").proxy();
        assert_eq!(run(anonymizing_proxy, &[], &[relay.build()])[0].severity, Severity::Info);
    }
}
