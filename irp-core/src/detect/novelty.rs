//! `new_country`, `new_asn`, `new_device`: a sign-in with something the user never used.
//!
//! "Never used" means: not in the baseline and not earlier in the window. One signal per new
//! value (its first sign-in is the decisive event; later sign-ins with it are evidence).
//! Without any reference (no history with that attribute at all) nothing fires: novelty
//! against nothing is not evidence.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use super::net::{place, NetClass};
use super::ua::{self, UaFamily};
use super::{is_interactive_success, is_shared_network, is_trusted, Severity, Signal, SignalKind, UserContext};
use crate::evidence::Event;

const TECHNIQUES: &[&str] = &["T1078.004"];

/// One new value found in the window.
struct Finding<'a, K> {
    key: K,
    events: Vec<&'a Event>,
    severity: Severity,
    why: Vec<String>,
}

/// Accumulates findings keyed by `K`, in first-seen order, with a hash index so a user
/// rotating through thousands of residential-proxy ASNs stays O(n).
struct Findings<'a, K> {
    list: Vec<Finding<'a, K>>,
    index: HashMap<K, usize>,
}

impl<'a, K: Hash + Eq + Copy> Findings<'a, K> {
    fn new() -> Self {
        Findings { list: Vec::new(), index: HashMap::new() }
    }

    /// Adds `e` to an existing finding for `key`.
    fn extend(&mut self, key: &K, e: &'a Event) {
        if let Some(&i) = self.index.get(key) {
            self.list[i].events.push(e);
        }
    }

    fn push(&mut self, f: Finding<'a, K>) {
        self.index.insert(f.key, self.list.len());
        self.list.push(f);
    }

    fn into_signals(self, kind: SignalKind, summary: impl Fn(&Finding<'a, K>) -> String) -> Vec<Signal> {
        self.list
            .iter()
            .map(|f| {
                let mut s = summary(f);
                if f.events.len() > 1 {
                    s.push_str(&format!("; {} sign-ins with it in the window", f.events.len()));
                }
                if !f.why.is_empty() {
                    s.push_str("; ");
                    s.push_str(&f.why.join("; "));
                }
                Signal::new(kind, f.severity, f.events[0].time, f.events.iter().copied(), TECHNIQUES, s)
            })
            .collect()
    }
}

/// Severity adjustments every novelty detector shares: learning period, shared network,
/// anonymising / hosting egress. `learning_cap` is the most a learning-period signal may be.
fn adjust(
    ctx: &UserContext<'_>,
    e: &Event,
    prior_logins: u64,
    base: Severity,
    learning_cap: Severity,
) -> (Severity, Vec<String>) {
    let mut sev = base;
    let mut why = Vec::new();
    if ctx.baseline.is_learning(e.time, prior_logins, &ctx.policy.detect) {
        sev = sev.min(learning_cap);
        why.push(format!(
            "learning period: only {} earlier sign-ins in the history",
            ctx.baseline.logins + prior_logins
        ));
    }
    if is_shared_network(ctx, e) {
        sev = sev.demoted();
        why.push(format!(
            "{} other users sign in from this network (corporate or VPN egress?)",
            ctx.population.other_users_on_network(e, ctx.user)
        ));
    }
    (sev, why)
}

/// The history in words: "20 sign-ins since 2026-10-02".
fn history(ctx: &UserContext<'_>) -> String {
    match ctx.baseline.first_seen {
        Some(f) => format!("{} sign-ins since {}", ctx.baseline.logins, f.format("%Y-%m-%d")),
        None => "the window".to_owned(),
    }
}

/// Sign-ins the novelty detectors judge: interactive successes outside trusted networks.
fn candidates<'a>(ctx: &'a UserContext<'a>) -> impl Iterator<Item = (u64, &'a Event)> + 'a {
    let mut prior = 0u64;
    ctx.events.iter().filter(|e| e.is_login_success()).filter_map(move |e| {
        let n = prior;
        prior += 1;
        (is_interactive_success(e) && !is_trusted(ctx, e)).then_some((n, e))
    })
}

/// A successful sign-in from a country the user has not signed in from. Medium; Low in the
/// learning period, from hosting / Private Relay egress, or from a network colleagues share.
pub(crate) fn new_country(ctx: &UserContext<'_>) -> Vec<Signal> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut found: Findings<'_, &str> = Findings::new();
    for (prior, e) in candidates(ctx) {
        let class = NetClass::of(&e.network);
        if matches!(class, NetClass::Tor | NetClass::Proxy | NetClass::InFlight) {
            continue; // exit nodes are anywhere: that is `anonymizing_proxy`'s finding
        }
        let Some(country) = e.country().map(str::trim).filter(|c| !c.is_empty()) else { continue };
        let known = ctx.baseline.countries.contains(country) || seen.contains(country);
        if known {
            found.extend(&country, e);
            continue;
        }
        let has_reference = !ctx.baseline.countries.is_empty() || !seen.is_empty();
        seen.insert(country);
        if !has_reference {
            continue;
        }
        let (mut sev, mut why) = adjust(ctx, e, prior, Severity::Medium, Severity::Low);
        if class.hides_location() {
            sev = sev.demoted();
            why.push(format!("through a {}", class.label()));
        }
        found.push(Finding { key: country, events: vec![e], severity: sev, why });
    }
    let known: Vec<&str> = ctx.baseline.countries.iter().map(String::as_str).take(8).collect();
    found.into_signals(SignalKind::NewCountry, |f| {
        format!(
            "sign-in from {}: country {} not seen before ({}; known: {})",
            place(f.events[0]),
            f.key,
            history(ctx),
            if known.is_empty() { "none".to_owned() } else { known.join(", ") }
        )
    })
}

/// A successful sign-in from an autonomous system the user has not used. Low (people change
/// networks all the time); Medium for a hosting provider (attacker VPS, AiTM proxy); Info in
/// the learning period or from a network colleagues share.
pub(crate) fn new_asn(ctx: &UserContext<'_>) -> Vec<Signal> {
    let mut seen: HashSet<u32> = HashSet::new();
    let mut found: Findings<'_, u32> = Findings::new();
    for (prior, e) in candidates(ctx) {
        let class = NetClass::of(&e.network);
        if matches!(class, NetClass::Tor | NetClass::Proxy | NetClass::PrivateRelay | NetClass::InFlight) {
            continue;
        }
        let Some(asn) = e.network.asn else { continue };
        if ctx.baseline.asns.contains(&asn) || seen.contains(&asn) {
            found.extend(&asn, e);
            continue;
        }
        let has_reference = !ctx.baseline.asns.is_empty() || !seen.is_empty();
        seen.insert(asn);
        if !has_reference {
            continue;
        }
        let base = if class == NetClass::Hosting { Severity::Medium } else { Severity::Low };
        let (mut sev, mut why) = adjust(ctx, e, prior, base, Severity::Info);
        if class == NetClass::Hosting {
            why.push("a hosting provider: where attacker VPS and AiTM proxies run".to_owned());
        }
        if ctx.baseline.knows_network(e) {
            sev = Severity::Info;
            why.push("its IP range is known for this user".to_owned());
        }
        found.push(Finding { key: asn, events: vec![e], severity: sev, why });
    }
    found.into_signals(SignalKind::NewAsn, |f| {
        let org = f.events[0].network.as_org.as_deref().map(|o| format!(" ({o})")).unwrap_or_default();
        format!(
            "sign-in from AS {}{org} at {}: network not seen before ({}, {} known ASNs)",
            f.key,
            place(f.events[0]),
            history(ctx),
            ctx.baseline.asns.len()
        )
    })
}

/// What makes a device new: its client/OS family, or (same family) its device id.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum DeviceKey<'a> {
    Family(UaFamily<'a>),
    Id(&'a str),
}

/// A successful sign-in from a client/OS family or device id the user has not used. Medium
/// for a new family on an unknown network or a scripted client; Low for a new device on the
/// user's own networks (phone replacement, new laptop) or a new id of a known family; Info in
/// the learning period. Browser version bumps are not new devices.
pub(crate) fn new_device(ctx: &UserContext<'_>) -> Vec<Signal> {
    let mut seen_fams: HashSet<UaFamily<'_>> = HashSet::new();
    let mut seen_ids: HashSet<&str> = HashSet::new();
    let mut found: Findings<'_, DeviceKey<'_>> = Findings::new();
    for (prior, e) in candidates(ctx) {
        let fam = e.user_agent.as_deref().and_then(ua::family);
        let id = e.device_id.as_deref().map(str::trim).filter(|d| !d.is_empty());
        let fam_ref = !ctx.baseline.user_agents.is_empty() || !seen_fams.is_empty();
        let id_ref = !ctx.baseline.device_ids.is_empty() || !seen_ids.is_empty();
        let new_fam = fam.filter(|f| !ctx.baseline.knows_ua(*f) && !seen_fams.contains(f));
        let new_id = id.filter(|d| !ctx.baseline.device_ids.contains(*d) && !seen_ids.contains(*d));
        seen_fams.extend(new_fam);
        seen_ids.extend(new_id);
        let key = match (new_fam.filter(|_| fam_ref), new_id.filter(|_| id_ref)) {
            (Some(f), _) => DeviceKey::Family(f),
            (None, Some(d)) => DeviceKey::Id(d),
            (None, None) => {
                if let Some(f) = fam {
                    found.extend(&DeviceKey::Family(f), e);
                }
                continue;
            }
        };
        let known_net = ctx.baseline.knows_network(e);
        let scripted = fam.is_some_and(|f| f.is_scripted());
        let base = match &key {
            _ if scripted => Severity::Medium,
            DeviceKey::Family(_) if !known_net => Severity::Medium,
            DeviceKey::Family(_) => Severity::Low,
            DeviceKey::Id(_) if !known_net => Severity::Low,
            DeviceKey::Id(_) => Severity::Info,
        };
        let (sev, mut why) = adjust(ctx, e, prior, base, Severity::Info);
        if scripted {
            why.push("a scripted / legacy-auth client, not a browser or app".to_owned());
        } else if known_net {
            why.push("from a network the user already uses (new phone or laptop?)".to_owned());
        }
        found.push(Finding { key, events: vec![e], severity: sev, why });
    }
    found.into_signals(SignalKind::NewDevice, |f| match &f.key {
        DeviceKey::Family(fam) => format!(
            "sign-in with {fam} from {}: client not seen before ({}, {} known clients)",
            place(f.events[0]),
            history(ctx),
            ctx.baseline.user_agents.len()
        ),
        DeviceKey::Id(id) => {
            format!("sign-in from device {id} at {}: device id not seen before ({})", place(f.events[0]), history(ctx))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    fn lagos(id: &str, m: i64) -> B {
        login(id, m).ip("102.89.1.1").geo("NG", 6.45, 3.39).city("Lagos").asn(37148).ua(FIREFOX_LINUX)
    }

    #[test]
    fn new_country_fires_once_with_all_evidence() {
        let w = [home("a", 0).build(), lagos("b", 60).build(), lagos("c", 90).build()];
        let s = run(new_country, &home_history(), &w);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].severity, ids(&s[0])), (Severity::Medium, vec!["b", "c"]));
        assert!(s[0].summary.starts_with("sign-in from Lagos, NG (AS 37148): country NG not seen before (20 sign-ins"));
        assert!(s[0].summary.contains("known: US"));
    }

    #[test]
    fn new_country_learning_shared_and_no_reference() {
        // No history at all: nothing to compare the first country with.
        assert!(run(new_country, &[], &[lagos("b", 0).build()]).is_empty());
        // Two logins of history: Low.
        let s = run(new_country, &home_history()[..2], &[lagos("b", 0).build()]);
        assert_eq!(s[0].severity, Severity::Low);
        assert!(s[0].summary.contains("learning period"));
        // Colleagues use the same network: demoted.
        let others: Vec<_> = (0..6)
            .map(|i| {
                lagos(&format!("o{i}"), i)
                    .ip(&format!("102.89.1.{}", i + 10))
                    .user(&format!("u{i}@example.com"))
                    .build()
            })
            .collect();
        let s = run_with(new_country, &home_history(), &[lagos("b", 0).build()], &Default::default(), &others);
        assert_eq!(s[0].severity, Severity::Low);
        // Tor exits are not a country of the user.
        assert!(run(new_country, &home_history(), &[lagos("b", 0).tor().build()]).is_empty());
        assert!(run(new_country, &home_history(), &[home("a", 0).build()]).is_empty());
    }

    #[test]
    fn new_asn_levels() {
        let s = run(new_asn, &home_history(), &[lagos("b", 0).build()]);
        assert_eq!(s[0].severity, Severity::Low);
        let vps = login("v", 0).ip("45.1.1.1").asn(14061).org("DigitalOcean").hosting();
        let s = run(new_asn, &home_history(), &[vps.build()]);
        assert_eq!(s[0].severity, Severity::Medium);
        assert!(s[0].summary.contains("AS 14061 (DigitalOcean)"));
        // Same /24 as home under a new ASN number (re-homing): Info.
        let s = run(new_asn, &home_history(), &[home("r", 0).asn(64501).build()]);
        assert_eq!(s[0].severity, Severity::Info);
        assert!(run(new_asn, &home_history(), &[home("a", 0).build()]).is_empty());
    }

    #[test]
    fn browser_update_is_not_a_new_device() {
        let newer = CHROME_WIN.replace("Chrome/120", "Chrome/131");
        assert!(run(new_device, &home_history(), &[home("a", 0).ua(&newer).device("laptop-1").build()]).is_empty());
    }

    #[test]
    fn phone_replacement_is_low_attacker_device_medium() {
        let phone = home("p", 0).ua(SAFARI_IOS).device("iphone-2");
        let s = run(new_device, &home_history(), &[phone.build()]);
        assert_eq!(s[0].severity, Severity::Low);
        assert!(s[0].summary.contains("Safari on iOS"));
        let s = run(new_device, &home_history(), &[lagos("b", 0).build()]);
        assert_eq!(s[0].severity, Severity::Medium);
        // Same family, new device id, home network: Info.
        let s = run(new_device, &home_history(), &[home("l", 0).device("laptop-2").build()]);
        assert_eq!(s[0].severity, Severity::Info);
        // python-requests from home is still Medium.
        let s = run(new_device, &home_history(), &[home("x", 0).ua("python-requests/2.31").build()]);
        assert_eq!(s[0].severity, Severity::Medium);
        // Learning period caps at Info.
        let s = run(new_device, &home_history()[..1], &[lagos("b", 0).build()]);
        assert_eq!(s[0].severity, Severity::Info);
    }
}
