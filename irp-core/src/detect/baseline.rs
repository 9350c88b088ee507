//! What was normal for a user before the window.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::config::DetectPolicy;
use super::net::{haversine_km, IpPrefix, NetClass};
use super::ua::{self, UaFamily, UaFamilyOwned};
use crate::evidence::{Event, EventKind};

/// Sign-ins within this many km of a known location belong to it. Geo-IP places one metro
/// area up to ~100 km apart depending on the ISP.
pub const LOCATION_CLUSTER_KM: f64 = 100.0;
/// At most this many user-agent families are kept: a user with more is a roaming or shared
/// account, and bounded memory matters more than the long tail.
const MAX_UA_FAMILIES: usize = 64;
/// At most this many location cells are kept (a few per city the user signs in from).
const MAX_LOCATION_CELLS: usize = 256;

/// A 0.1-degree latitude/longitude cell (about 11 km): where a sign-in was, coarse enough that
/// one city is a handful of cells and the baseline does not grow with the number of sign-ins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GeoCell {
    lat_decideg: i16,
    lon_decideg: i16,
}

impl GeoCell {
    /// The cell holding `(lat, lon)` (degrees).
    pub fn of((lat, lon): (f64, f64)) -> Self {
        // Clamped, so that tenths of a degree always fit an i16 (real ones are within ±180).
        let decideg = |d: f64| (d * 10.0).round().clamp(-1800.0, 1800.0) as i16;
        GeoCell { lat_decideg: decideg(lat), lon_decideg: decideg(lon) }
    }

    /// The cell's centre (degrees).
    pub fn centre(self) -> (f64, f64) {
        (f64::from(self.lat_decideg) / 10.0, f64::from(self.lon_decideg) / 10.0)
    }
}

/// The user's history before the window: where, how and with what they usually sign in.
///
/// Built from successful sign-ins only: an attacker's failed attempts must never teach the
/// baseline what "normal" is. Every field is an aggregate that does not depend on the order the
/// events came in (sets, counts, minimums; capped sets keep their smallest members), so the
/// look-back can be folded in as it streams past ([`BaselineBuilder`]) and the result is the same
/// for any order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Baseline {
    /// Successful sign-ins seen in the look-back.
    pub logins: u64,
    /// First event of any kind in the look-back: the start of the user's history.
    pub first_seen: Option<DateTime<Utc>>,
    /// Countries of successful sign-ins (not through Tor / proxies, whose exits are anywhere).
    pub countries: BTreeSet<String>,
    /// Autonomous systems of successful sign-ins (including the user's habitual VPN).
    pub asns: BTreeSet<u32>,
    /// IPv4 /24 and IPv6 /48 prefixes of successful sign-ins.
    pub prefixes: BTreeSet<IpPrefix>,
    /// Device ids (Okta `dtHash` / device id, Entra device id).
    pub device_ids: BTreeSet<String>,
    /// Client and OS families of the user agents (client lower-cased).
    pub user_agents: BTreeSet<UaFamilyOwned>,
    /// Cells of the places the user signs in from.
    pub locations: BTreeSet<GeoCell>,
    /// OAuth apps the user granted before (lower-cased).
    pub oauth_apps: BTreeSet<String>,
    /// Days with at least one file download / access.
    pub download_days: u32,
    /// 95th percentile of the per-day count of file downloads / accesses over those days.
    pub download_daily_p95: u64,
}

/// Builds a [`Baseline`] one event at a time, in any order.
#[derive(Debug, Clone, Default)]
pub struct BaselineBuilder {
    baseline: Baseline,
    downloads_per_day: BTreeMap<NaiveDate, u64>,
    /// The last user agent learned: most sign-ins repeat it, and its family is already known.
    last_user_agent: String,
}

impl BaselineBuilder {
    /// Learns from one look-back event.
    pub fn learn(&mut self, e: &Event) {
        let b = &mut self.baseline;
        b.first_seen = Some(b.first_seen.map_or(e.time, |t| t.min(e.time)));
        match &e.kind {
            EventKind::Login if e.outcome.is_success() => {
                let ua = e.user_agent.as_deref();
                let new_ua = ua.is_some_and(|ua| ua != self.last_user_agent);
                if let (true, Some(ua)) = (new_ua, ua) {
                    ua.clone_into(&mut self.last_user_agent);
                }
                b.learn_login(e, new_ua);
            }
            EventKind::OAuthGrant { app, .. } if !e.outcome.is_failure() => {
                let app = app.trim().to_lowercase();
                if !b.oauth_apps.contains(&app) {
                    b.oauth_apps.insert(app);
                }
            }
            EventKind::FileDownload { .. } | EventKind::FileAccess { .. } if !e.outcome.is_failure() => {
                *self.downloads_per_day.entry(e.time.date_naive()).or_default() += 1;
            }
            _ => {}
        }
    }

    /// Adds what another builder learned (from other events).
    pub fn absorb(&mut self, other: BaselineBuilder) {
        let (mine, theirs) = (&mut self.baseline, other.baseline);
        mine.logins += theirs.logins;
        mine.first_seen = match (mine.first_seen, theirs.first_seen) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        mine.countries.extend(theirs.countries);
        mine.asns.extend(theirs.asns);
        mine.prefixes.extend(theirs.prefixes);
        mine.device_ids.extend(theirs.device_ids);
        mine.user_agents.extend(theirs.user_agents);
        keep_smallest(&mut mine.user_agents, MAX_UA_FAMILIES);
        mine.locations.extend(theirs.locations);
        keep_smallest(&mut mine.locations, MAX_LOCATION_CELLS);
        mine.oauth_apps.extend(theirs.oauth_apps);
        for (day, n) in other.downloads_per_day {
            *self.downloads_per_day.entry(day).or_default() += n;
        }
    }

    /// The baseline.
    pub fn finish(self) -> Baseline {
        let mut b = self.baseline;
        let mut counts: Vec<u64> = self.downloads_per_day.into_values().collect();
        counts.sort_unstable();
        b.download_days = u32::try_from(counts.len()).unwrap_or(u32::MAX);
        if !counts.is_empty() {
            // Nearest-rank percentile.
            let rank = ((counts.len() as f64) * 0.95).ceil() as usize;
            b.download_daily_p95 = counts[rank.clamp(1, counts.len()) - 1];
        }
        b
    }
}

/// Caps a set by dropping its largest members: the result depends only on what was inserted,
/// never on the order.
fn keep_smallest<T: Ord>(set: &mut BTreeSet<T>, cap: usize) {
    while set.len() > cap {
        set.pop_last();
    }
}

impl Baseline {
    /// Builds the baseline from the events before the window (any order).
    pub fn build(events: &[Event]) -> Self {
        let mut builder = BaselineBuilder::default();
        for e in events {
            builder.learn(e);
        }
        builder.finish()
    }

    /// Learns from a successful sign-in; `new_ua`: its user agent may be one not learned yet.
    fn learn_login(&mut self, e: &Event, new_ua: bool) {
        self.logins += 1;
        if let Some(asn) = e.network.asn {
            self.asns.insert(asn);
        }
        if let Some(ip) = e.network.ip {
            self.prefixes.insert(IpPrefix::of(ip));
        }
        if let Some(d) = e.device_id.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            if !self.device_ids.contains(d) {
                self.device_ids.insert(d.to_owned());
            }
        }
        if let Some(f) = e.user_agent.as_deref().filter(|_| new_ua).and_then(ua::family) {
            if !self.knows_ua(f) {
                let mut owned = f.to_owned_family();
                owned.client.make_ascii_lowercase();
                self.user_agents.insert(owned);
                keep_smallest(&mut self.user_agents, MAX_UA_FAMILIES);
            }
        }
        if NetClass::is_exit_elsewhere(&e.network) {
            return; // the exit's location is not the user's
        }
        if let Some(c) = e.country() {
            if !self.countries.contains(c) {
                self.countries.insert(c.to_owned());
            }
        }
        if let Some(p) = e.network.geo.as_ref().and_then(|g| g.coordinates()) {
            self.locations.insert(GeoCell::of(p));
            keep_smallest(&mut self.locations, MAX_LOCATION_CELLS);
        }
    }

    /// True when `f` is a client/OS family the user used before.
    pub fn knows_ua(&self, f: UaFamily<'_>) -> bool {
        self.user_agents.iter().any(|o| f.matches(o))
    }

    /// True when `p` is within [`LOCATION_CLUSTER_KM`] of a place the user signed in from.
    pub fn knows_location(&self, p: (f64, f64)) -> bool {
        self.locations.iter().any(|c| haversine_km(c.centre(), p) <= LOCATION_CLUSTER_KM)
    }

    /// True when the event's IP prefix or ASN is one the user signed in from before.
    pub fn knows_network(&self, e: &Event) -> bool {
        e.network.ip.is_some_and(|ip| self.prefixes.contains(&IpPrefix::of(ip)))
            || e.network.asn.is_some_and(|a| self.asns.contains(&a))
    }

    /// True while the history is too short to trust novelty: fewer than
    /// `learning_min_logins` sign-ins or fewer than `learning_min_days` days before `at`.
    /// `extra_logins` are the sign-ins seen in the window before `at`.
    pub fn is_learning(&self, at: DateTime<Utc>, extra_logins: u64, policy: &DetectPolicy) -> bool {
        let days = self.first_seen.map_or(0, |f| (at - f).num_days());
        self.logins + extra_logins < policy.learning_min_logins || days < policy.learning_min_days
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn learns_only_from_successes() {
        let events = vec![
            login("a", 0).ip("203.0.113.5").geo("US", 42.36, -71.06).asn(7922).ua(CHROME_WIN).device("d1").build(),
            login("b", 60).ip("198.51.100.1").geo("NG", 6.45, 3.39).asn(37148).failed().build(),
            login("c", 120).ip("2001:db8::1").asn(7922).geo("US", 42.3, -71.1).build(),
            ev("d", 130, EventKind::OAuthGrant { app: "Zoom".into(), scopes: vec![], admin_consent: false }).build(),
        ];
        let b = Baseline::build(&events);
        assert_eq!(b.logins, 2);
        assert_eq!(b.countries.iter().collect::<Vec<_>>(), ["US"]);
        assert_eq!(b.asns.iter().copied().collect::<Vec<_>>(), [7922]);
        assert_eq!(b.prefixes.len(), 2);
        assert!(b.knows_location((42.5, -71.5)), "40 km from home");
        assert!(!b.knows_location((40.7, -74.0)), "New York is 300 km away");
        assert!(b.oauth_apps.contains("zoom"));
        assert!(b.device_ids.contains("d1"));
        assert_eq!(b.user_agents.first().map(|f| f.client.as_str()), Some("chrome"));
        assert_eq!(b.first_seen, Some(t(0)));
    }

    #[test]
    fn download_percentile_and_learning() {
        let mut events = Vec::new();
        for day in 0..20 {
            let n = if day == 19 { 500 } else { 10 };
            for i in 0..n {
                events.push(download(&format!("f{day}-{i}"), day * 1440 + i, &format!("doc{i}")).build());
            }
        }
        let b = Baseline::build(&events);
        assert_eq!(b.download_days, 20);
        assert_eq!(b.download_daily_p95, 10, "one busy day is not the typical day");
        let p = DetectPolicy::default();
        assert!(Baseline::default().is_learning(t(0), 0, &p));
        assert!(b.is_learning(t(20 * 1440), 0, &p), "20 days of history but no sign-ins");
        assert!(!b.is_learning(t(20 * 1440), 10, &p), "20 days and 10 sign-ins");
        assert!(Baseline::default().is_learning(t(0), 10, &p), "10 sign-ins in no time");
    }
}
