//! `session_hijack`: one session used from a different network *and* a different client.

use std::collections::HashMap;
use std::net::IpAddr;

use super::net::{family_differs, place, IpPrefix};
use super::ua::{self, UaFamily};
use super::{is_trusted, Severity, Signal, SignalKind, UserContext};
use crate::evidence::Event;

/// How a session looked when first seen.
struct First<'a> {
    event: &'a Event,
    ip: IpAddr,
    fam: Option<UaFamily<'a>>,
    device: Option<&'a str>,
    reported: bool,
}

/// True when `a` and `b` are different networks: different ASNs when both are known,
/// otherwise different /24 (v4) or /48 (v6). Across address families without ASNs we cannot
/// tell (dual-stack), so no.
fn network_differs(a: &Event, ip_a: IpAddr, b: &Event, ip_b: IpAddr) -> bool {
    match (a.network.asn, b.network.asn) {
        (Some(x), Some(y)) => x != y,
        _ => !family_differs(ip_a, ip_b) && IpPrefix::of(ip_a) != IpPrefix::of(ip_b),
    }
}

/// Only the first 8 characters of a session id go into summaries: some vendors' ids are
/// long-lived handles we should not spread through case comments.
fn short(id: &str) -> &str {
    id.char_indices().nth(8).map_or(id, |(i, _)| &id[..i])
}

/// The first event of each session is its reference. A later event of the same session from a
/// different network (ASN, or /24-/48) with a different client family or device id is a
/// replayed cookie or token: High (Panther: new IP and UA similarity < 0.95; Splunk: more than
/// one IP and more than one OS or browser). Same client family but another country: Medium
/// (a replay that copied the user agent). Same network, or same ASN with a new IP (mobile
/// handover, DHCP), or same client in the same country (Wi-Fi to tethering): nothing. One
/// signal per session. O(n).
pub(crate) fn session_hijack(ctx: &UserContext<'_>) -> Vec<Signal> {
    let mut sessions: HashMap<&str, First<'_>> = HashMap::new();
    let mut out = Vec::new();
    for e in ctx.events {
        let Some(sid) = e.session_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) else { continue };
        let Some(ip) = e.network.ip else { continue };
        if is_trusted(ctx, e) {
            continue;
        }
        let fam = e.user_agent.as_deref().and_then(ua::family);
        let device = e.device_id.as_deref().map(str::trim).filter(|d| !d.is_empty());
        let first = sessions.entry(sid).or_insert(First { event: e, ip, fam, device, reported: false });
        if first.reported || first.ip == ip || !network_differs(first.event, first.ip, e, ip) {
            continue;
        }
        let device_differs = matches!((first.device, device), (Some(a), Some(b)) if a != b);
        let client_differs = matches!((first.fam, fam), (Some(a), Some(b)) if a != b);
        let country_differs = matches!((first.event.country(), e.country()), (Some(a), Some(b)) if a != b);
        let (severity, why) = if device_differs {
            (Severity::High, "a different device id".to_owned())
        } else if client_differs {
            let (a, b) = (first.fam.map(|f| f.to_string()), fam.map(|f| f.to_string()));
            (Severity::High, format!("{} instead of {}", b.unwrap_or_default(), a.unwrap_or_default()))
        } else if first.fam.is_some() && fam.is_some() && country_differs {
            (
                Severity::Medium,
                "the same client family in another country (a replay copying the user agent?)".to_owned(),
            )
        } else {
            continue;
        };
        first.reported = true;
        let mins = (e.time - first.event.time).num_minutes();
        let summary = format!(
            "session {}… started from {} ({}) was used {mins} min later from {} ({}) with {why}: stolen session cookie or token?",
            short(sid),
            first.ip,
            place(first.event),
            ip,
            place(e)
        );
        out.push(Signal::new(
            SignalKind::SessionHijack,
            severity,
            e.time,
            [first.event, e],
            &["T1539", "T1550.004"],
            summary,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn replay_from_new_network_and_client_is_high() {
        let a = home("a", 0).session("sess-0123456789");
        let b = login("b", 12)
            .ip("102.89.1.1")
            .geo("NG", 6.45, 3.39)
            .asn(37148)
            .ua(FIREFOX_LINUX)
            .session("sess-0123456789");
        let c = login("c", 13).ip("102.89.1.2").asn(37148).ua(FIREFOX_LINUX).session("sess-0123456789");
        let s = run(session_hijack, &[], &[a.build(), b.build(), c.build()]);
        assert_eq!(s.len(), 1, "one signal per session");
        assert_eq!((s[0].severity, ids(&s[0])), (Severity::High, vec!["a", "b"]));
        assert!(s[0].summary.starts_with("session sess-012… started from 203.0.113.10"), "{}", s[0].summary);
        assert!(s[0].summary.contains("Firefox on Linux instead of Chrome on Windows"));
    }

    #[test]
    fn mobile_handover_and_roaming_do_not_fire() {
        // Same session, same client, new IP in the same carrier ASN.
        let a = login("a", 0).ip("100.64.1.1").asn(21928).ua(SAFARI_IOS).session("s1");
        let b = login("b", 5).ip("100.70.9.9").asn(21928).ua(SAFARI_IOS).session("s1");
        assert!(run(session_hijack, &[], &[a.build(), b.build()]).is_empty());
        // Wi-Fi to tethering: another ASN, same client, same country.
        let a = home("a", 0).session("s2").geo("US", 42.36, -71.06);
        let b = login("b", 5).ip("100.70.9.9").asn(21928).ua(CHROME_WIN).geo("US", 42.3, -71.0).session("s2");
        assert!(run(session_hijack, &[], &[a.build(), b.build()]).is_empty());
        // Different client on the same network (browser and Outlook sharing an SSO session).
        let a = home("a", 0).session("s3");
        let b = home("b", 1).ip("203.0.113.11").ua(SAFARI_IOS).session("s3");
        assert!(run(session_hijack, &[], &[a.build(), b.build()]).is_empty());
        // Different sessions are unrelated.
        let a = home("a", 0).session("s4");
        let b = login("b", 1).ip("102.89.1.1").asn(37148).ua(FIREFOX_LINUX).session("s5");
        assert!(run(session_hijack, &[], &[a.build(), b.build()]).is_empty());
    }

    #[test]
    fn copied_user_agent_in_another_country_is_medium() {
        let a = home("a", 0).session("s1");
        let b = login("b", 5).ip("102.89.1.1").geo("NG", 6.45, 3.39).asn(37148).ua(CHROME_WIN).session("s1");
        assert_eq!(run(session_hijack, &[], &[a.build(), b.build()])[0].severity, Severity::Medium);
    }
}
