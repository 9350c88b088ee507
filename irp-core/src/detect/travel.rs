//! `impossible_travel`: two interactive sign-ins too far apart for the time between them.

use std::cmp::Ordering;

use super::net::{family_differs, haversine_km, place, thousands, NetClass};
use super::{is_interactive_success, is_shared_network, is_trusted, Severity, Signal, SignalKind, UserContext};
use crate::evidence::Event;

const TECHNIQUES: &[&str] = &["T1078.004"];

/// A located sign-in, with what the detector needs precomputed once.
#[derive(Clone, Copy)]
struct Fix<'a> {
    event: &'a Event,
    at: (f64, f64),
    radius: f64,
    class: NetClass,
}

impl<'a> Fix<'a> {
    fn of(e: &'a Event) -> Option<Fix<'a>> {
        let geo = e.network.geo.as_ref()?;
        let at = geo.coordinates()?;
        let radius = geo.accuracy_radius_km.filter(|r| r.is_finite() && *r > 0.0).unwrap_or(0.0);
        Some(Fix { event: e, at, radius, class: NetClass::of(&e.network) })
    }
}

/// Compares each interactive successful sign-in with the previous one, and, when that one was
/// through an anonymiser, also with the last sign-in whose location was real (Panther does not
/// cache VPN sign-ins for the same reason). Two comparisons per sign-in: O(n).
pub(crate) fn impossible_travel(ctx: &UserContext<'_>) -> Vec<Signal> {
    let mut out = Vec::new();
    let mut prev: Option<Fix<'_>> = None;
    let mut prev_real: Option<Fix<'_>> = None;
    for e in ctx.events.iter().filter(|e| is_interactive_success(e) && !is_trusted(ctx, e)) {
        let Some(cur) = Fix::of(e) else { continue };
        let mut best = prev.and_then(|p| judge(ctx, p, cur));
        if let (Some(p), Some(r)) = (prev, prev_real) {
            if p.class.hides_location() && r.event.id != p.event.id {
                let alt = judge(ctx, r, cur);
                if alt.as_ref().map(|s| s.severity) > best.as_ref().map(|s| s.severity) {
                    best = alt;
                }
            }
        }
        out.extend(best);
        prev = Some(cur);
        if !cur.class.hides_location() {
            prev_real = Some(cur);
        }
    }
    out
}

/// The signal for the pair (`a` then `b`), if their travel is impossible.
fn judge(ctx: &UserContext<'_>, a: Fix<'_>, b: Fix<'_>) -> Option<Signal> {
    let p = &ctx.policy.detect;
    let (ea, eb) = (a.event, b.event);
    let (ip_a, ip_b) = (ea.network.ip, eb.network.ip);
    if ip_a.is_some() && ip_a == ip_b {
        return None; // one address cannot be in two places
    }
    let dt = eb.time - ea.time;
    if let (Some(x), Some(y)) = (ip_a, ip_b) {
        if family_differs(x, y) && dt.num_minutes() <= p.travel_dual_stack_minutes {
            return None; // dual-stack flip: v4 and v6 geolocate differently
        }
    }
    if a.class == NetClass::InFlight || b.class == NetClass::InFlight {
        return None; // satellite Wi-Fi is geolocated to the ground station
    }
    let distance = haversine_km(a.at, b.at);
    let effective = (distance - a.radius - b.radius).max(0.0);
    if effective < p.travel_min_distance_km {
        return None;
    }
    // A zero or negative delta (same second, clock skew) is one second: the speed is then
    // enormous, which is right for two far-apart places at once.
    let hours = (dt.num_seconds().max(1) as f64) / 3600.0;
    let speed = effective / hours;
    if !matches!(speed.partial_cmp(&p.travel_speed_kmh), Some(Ordering::Greater | Ordering::Equal)) {
        return None;
    }

    let mut why = Vec::new();
    let mut severity = Severity::High;
    let hidden = [a, b].into_iter().find(|f| f.class.hides_location());
    if let Some(h) = hidden {
        severity = Severity::Low;
        why.push(format!("one side is a {}, whose location is not the user's", h.class.label()));
    } else {
        if a.radius + b.radius >= p.travel_coarse_accuracy_km {
            severity = Severity::Medium;
            why.push(format!("geo-IP accuracy is coarse ({} km combined)", thousands(a.radius + b.radius)));
        }
        if ctx.baseline.knows_location(a.at) && ctx.baseline.knows_location(b.at) {
            severity = severity.min(Severity::Medium);
            why.push("both places are known for this user (split tunnel or second home network?)".to_owned());
        }
        if is_shared_network(ctx, ea) || is_shared_network(ctx, eb) {
            severity = severity.min(Severity::Medium);
            why.push("one network is shared by many colleagues (corporate egress?)".to_owned());
        }
    }
    let mins = dt.num_minutes();
    let gap = if mins < 120 { format!("{mins} min") } else { format!("{:.1} h", dt.num_minutes() as f64 / 60.0) };
    let mut summary = format!("sign-in from {} {gap} after {}: {} km", place(eb), place(ea), thousands(distance));
    if effective + 1.0 < distance {
        summary.push_str(&format!(" ({} km beyond geo-IP accuracy)", thousands(effective)));
    }
    summary.push_str(&format!(" at {} km/h", thousands(speed)));
    if !why.is_empty() {
        summary.push_str("; ");
        summary.push_str(&why.join("; "));
    }
    Some(Signal::new(SignalKind::ImpossibleTravel, severity, eb.time, [ea, eb], TECHNIQUES, summary))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::policy::Policy;

    fn lagos(id: &str, m: i64) -> B {
        login(id, m).ip("102.89.1.1").geo("NG", 6.45, 3.39).city("Lagos").asn(37148).ua(CHROME_WIN)
    }

    #[test]
    fn boston_to_lagos_in_41_minutes_is_high() {
        let s = run(impossible_travel, &home_history(), &[home("a", 0).build(), lagos("b", 41).build()]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].severity, Severity::High);
        assert_eq!(ids(&s[0]), ["a", "b"]);
        assert_eq!(s[0].time, t(41));
        assert_eq!(
            s[0].summary,
            "sign-in from Lagos, NG (AS 37148) 41 min after Boston, US (AS 7922): 8,249 km at 12,072 km/h"
        );
    }

    #[test]
    fn business_trip_does_not_fire() {
        // Boston -> Frankfurt (~6,000 km) in 9 hours: a real flight, 660 km/h.
        let fra = login("b", 9 * 60).ip("80.1.1.1").geo("DE", 50.11, 8.68).asn(3320);
        assert!(run(impossible_travel, &home_history(), &[home("a", 0).build(), fra.build()]).is_empty());
    }

    #[test]
    fn same_ip_jitter_and_dual_stack_never_fire() {
        // Same IP geolocated 30 km apart, 1 minute later.
        let jitter = home("b", 1).geo("US", 42.6, -71.3);
        assert!(run(impossible_travel, &[], &[home("a", 0).build(), jitter.build()]).is_empty());
        // 30 km apart from a neighbouring address.
        let near = login("c", 1).ip("203.0.113.77").geo("US", 42.6, -71.3);
        assert!(run(impossible_travel, &[], &[home("a", 0).build(), near.build()]).is_empty());
        // IPv6 of the same client geolocated to the carrier's hub 1,200 km away, 5 min later.
        let v6 = login("d", 5).ip("2001:db8::1").geo("US", 41.88, -87.63).asn(7922);
        let far_v6 = login("e", 6).ip("2001:db8::2").geo("US", 33.75, -84.39).asn(7922);
        assert!(run(impossible_travel, &[], &[home("a", 0).build(), v6.build()]).is_empty());
        assert!(run(impossible_travel, &[], &[home("a", 0).build(), far_v6.build()]).is_empty());
    }

    #[test]
    fn accuracy_radii_are_subtracted() {
        // Boston -> Chicago (1,370 km) in 10 min, but each location is only good to 500 km.
        let chi = login("b", 10).ip("198.51.100.4").geo("US", 41.88, -87.63).radius(500.0);
        let a = home("a", 0).radius(500.0);
        assert!(run(impossible_travel, &[], &[a.build(), chi.build()]).is_empty());
        // With coarse but not cancelling radii: fires, capped at Medium.
        let chi = login("b", 10).ip("198.51.100.4").geo("US", 41.88, -87.63).radius(200.0);
        let s = run(impossible_travel, &[], &[home("a", 0).radius(100.0).build(), chi.build()]);
        assert_eq!(s[0].severity, Severity::Medium);
        assert!(s[0].summary.contains("beyond geo-IP accuracy"));
    }

    #[test]
    fn vpn_hop_is_low_and_real_location_still_compared() {
        let vpn = login("b", 20).ip("185.1.1.1").geo("NL", 52.37, 4.9).asn(9009).proxy();
        let s = run(impossible_travel, &home_history(), &[home("a", 0).build(), vpn.build()]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].severity, Severity::Low);
        assert!(s[0].summary.contains("anonymising proxy/VPN"));
        // Boston, VPN, then Lagos: Lagos is compared with Boston too, and that pair is High.
        let vpn = login("b", 20).ip("185.1.1.1").geo("NL", 52.37, 4.9).asn(9009).proxy();
        let s = run(impossible_travel, &home_history(), &[home("a", 0).build(), vpn.build(), lagos("c", 40).build()]);
        assert_eq!(s.len(), 2);
        assert_eq!((s[1].severity, ids(&s[1])), (Severity::High, vec!["a", "c"]));
    }

    #[test]
    fn trusted_zero_delta_and_noninteractive() {
        let policy = Policy { trusted_networks: vec!["102.89.0.0/16".parse().unwrap()], ..Default::default() };
        let w = [home("a", 0).build(), lagos("b", 0).build()];
        assert!(run_with(impossible_travel, &[], &w, &policy, &[]).is_empty());
        let s = run(impossible_travel, &[], &w);
        assert_eq!(s.len(), 1, "a zero delta is infinitely fast, not a division by zero");
        let bg = lagos("b", 5).interactive(false);
        assert!(run(impossible_travel, &[], &[home("a", 0).build(), bg.build()]).is_empty());
        let failed = lagos("b", 5).failed();
        assert!(run(impossible_travel, &[], &[home("a", 0).build(), failed.build()]).is_empty());
    }

    #[test]
    fn known_places_cap_at_medium() {
        let mut before = home_history();
        before.push(lagos("old", -2000).build());
        let s = run(impossible_travel, &before, &[home("a", 0).build(), lagos("b", 41).build()]);
        assert_eq!(s[0].severity, Severity::Medium);
    }
}
