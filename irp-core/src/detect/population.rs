//! Tenant-wide facts that single-user detectors need: password spray is only visible across
//! users, and a network many colleagues use is corporate egress, not an attacker.
//!
//! Memory is bounded: per key at most [`USERS_PER_KEY_CAP`] users are remembered (as 64-bit
//! hashes, not strings). Every threshold that reads these sets is far below the cap, so
//! stopping to count there never changes a decision.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use foldhash::HashMap;
use serde::Serialize;

use super::net::IpPrefix;
use crate::evidence::{Event, EventKind, UserId};

/// Failing users remembered per IP. 256 is far above the spray threshold (10) so capping never
/// changes a verdict, and bounds one hot IP at ~6 KiB.
pub const USERS_PER_KEY_CAP: usize = 256;
/// Successful users remembered per prefix and ASN: the shared-network threshold is 5, so 64 is
/// plenty and keeps inserts cheap. (Per IP, successes use [`USERS_PER_KEY_CAP`] so that the
/// egress ratio compares like with like.)
pub const SHARED_USERS_CAP: usize = 64;

/// A compact, deterministic user key (64-bit FNV-1a; only ever compared, never shown). With a
/// million users the chance of any collision is about 3e-8.
fn user_key(user: &UserId) -> u64 {
    user.as_str().bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// First and last failure of one user from one IP.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FailSpan {
    user: u64,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
}

/// What one source IP did across the tenant.
#[derive(Debug, Clone, Default, PartialEq)]
struct IpFacts {
    failed: Vec<FailSpan>,
    succeeded: Vec<u64>,
}

impl IpFacts {
    /// Widens the user's span of failures from this IP to cover `span`, or remembers the user
    /// while there is room.
    fn add_failure(&mut self, span: FailSpan) {
        if let Some(known) = self.failed.iter_mut().find(|s| s.user == span.user) {
            known.first = known.first.min(span.first);
            known.last = known.last.max(span.last);
        } else if self.failed.len() < USERS_PER_KEY_CAP {
            self.failed.push(span);
        }
    }
}

fn insert_capped(set: &mut Vec<u64>, key: u64, cap: usize) {
    if set.len() < cap && !set.contains(&key) {
        set.push(key);
    }
}

/// Facts gathered over every user's events, fed one event at a time in any order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Population {
    #[serde(skip)]
    ips: HashMap<IpAddr, IpFacts>,
    #[serde(skip)]
    prefixes: HashMap<IpPrefix, Vec<u64>>,
    #[serde(skip)]
    asns: HashMap<u32, Vec<u64>>,
    /// Events observed.
    pub observed: u64,
}

impl Population {
    /// Records one event (of any user).
    pub fn observe(&mut self, event: &Event) {
        self.observed += 1;
        if event.kind != EventKind::Login {
            return;
        }
        let Some(ip) = event.network.ip.map(|ip| ip.to_canonical()) else { return };
        let key = user_key(&event.user);
        if event.outcome.is_failure() {
            let span = FailSpan { user: key, first: event.time, last: event.time };
            self.ips.entry(ip).or_default().add_failure(span);
        } else if event.outcome.is_success() {
            insert_capped(&mut self.ips.entry(ip).or_default().succeeded, key, USERS_PER_KEY_CAP);
            insert_capped(self.prefixes.entry(IpPrefix::of(ip)).or_default(), key, SHARED_USERS_CAP);
            if let Some(asn) = event.network.asn {
                insert_capped(self.asns.entry(asn).or_default(), key, SHARED_USERS_CAP);
            }
        }
    }

    /// Adds what another population observed (other events). Below the caps the result is what
    /// observing both event streams gives; at a cap, which users are remembered may differ, which
    /// no threshold can see (every threshold is far below its cap).
    pub fn absorb(&mut self, other: Population) {
        self.observed += other.observed;
        for (ip, theirs) in other.ips {
            let mine = self.ips.entry(ip).or_default();
            theirs.failed.into_iter().for_each(|span| mine.add_failure(span));
            for user in theirs.succeeded {
                insert_capped(&mut mine.succeeded, user, USERS_PER_KEY_CAP);
            }
        }
        for (prefix, users) in other.prefixes {
            let mine = self.prefixes.entry(prefix).or_default();
            users.into_iter().for_each(|u| insert_capped(mine, u, SHARED_USERS_CAP));
        }
        for (asn, users) in other.asns {
            let mine = self.asns.entry(asn).or_default();
            users.into_iter().for_each(|u| insert_capped(mine, u, SHARED_USERS_CAP));
        }
    }

    /// Distinct users (any, including `user`) who failed to sign in from `ip` between `from`
    /// and `to` (a user counts when their failures from that IP overlap the interval).
    pub fn failed_users_from(&self, ip: IpAddr, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
        self.ips
            .get(&ip.to_canonical())
            .map_or(0, |f| f.failed.iter().filter(|s| s.first <= to && s.last >= from).count())
    }

    /// True when `user` failed to sign in from `ip` between `from` and `to`.
    pub fn user_failed_from(&self, ip: IpAddr, user: &UserId, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        let key = user_key(user);
        self.ips
            .get(&ip.to_canonical())
            .is_some_and(|f| f.failed.iter().any(|s| s.user == key && s.first <= to && s.last >= from))
    }

    /// Distinct users who ever failed from `ip`, and distinct users who ever succeeded from it.
    pub fn ip_user_counts(&self, ip: IpAddr) -> (usize, usize) {
        self.ips.get(&ip.to_canonical()).map_or((0, 0), |f| (f.failed.len(), f.succeeded.len()))
    }

    /// Distinct users *other than* `user` who signed in successfully from the event's /24-/48
    /// prefix or its ASN (the larger of the two): how shared the network is.
    pub fn other_users_on_network(&self, e: &Event, user: &UserId) -> usize {
        let key = user_key(user);
        let others = |set: Option<&Vec<u64>>| set.map_or(0, |s| s.iter().filter(|&&u| u != key).count());
        let by_prefix = e.network.ip.map_or(0, |ip| others(self.prefixes.get(&IpPrefix::of(ip))));
        let by_asn = e.network.asn.map_or(0, |a| others(self.asns.get(&a)));
        by_prefix.max(by_asn)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn counts_failing_users_per_ip_in_time() {
        let mut p = Population::default();
        for i in 0..12 {
            p.observe(&login(&format!("f{i}"), i).user(&format!("u{i}@x.com")).ip("192.0.2.66").failed().build());
        }
        p.observe(&login("again", 500).user("u0@x.com").ip("192.0.2.66").failed().build());
        p.observe(&login("ok", 30).user("victim@x.com").ip("192.0.2.66").build());
        let ip = "192.0.2.66".parse().unwrap();
        assert_eq!(p.failed_users_from(ip, t(0), t(20)), 12);
        assert_eq!(p.failed_users_from(ip, t(400), t(600)), 1, "only u0 failed that late");
        assert_eq!(p.ip_user_counts(ip), (12, 1));
        assert!(p.user_failed_from(ip, &UserId::new("U3@x.com"), t(0), t(10)));
        assert!(!p.user_failed_from(ip, &UserId::new("victim@x.com"), t(0), t(100)));
    }

    #[test]
    fn shared_networks_exclude_the_user_and_cap() {
        let mut p = Population::default();
        for i in 0..300 {
            p.observe(&login(&format!("s{i}"), i).user(&format!("u{i}@x.com")).ip("198.51.100.9").asn(64500).build());
        }
        let e = login("x", 0).ip("198.51.100.200").asn(1).build();
        assert_eq!(p.other_users_on_network(&e, &UserId::new("u0@x.com")), SHARED_USERS_CAP - 1);
        let lone = login("y", 0).ip("203.0.113.1").asn(2).build();
        assert_eq!(p.other_users_on_network(&lone, &UserId::new("u0@x.com")), 0);
    }
}
