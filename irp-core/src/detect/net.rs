//! Network facts shared by detectors: IP prefixes, anonymiser classes, geodesic distance.

use std::net::IpAddr;

use serde::Serialize;

use crate::evidence::{Event, Network};

/// The routing neighbourhood of an address: its IPv4 /24 or IPv6 /48.
///
/// One home or office keeps its /24 (v4) or /48 (v6) across DHCP renewals and IPv6 privacy
/// addresses, so this is the unit of "same network" below the ASN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub enum IpPrefix {
    /// An IPv4 /24 (the network bits, host byte zeroed).
    V4(u32),
    /// An IPv6 /48 (the network bits, the rest zeroed).
    V6(u128),
}

impl IpPrefix {
    /// The prefix of `ip`; IPv4-mapped IPv6 addresses count as IPv4.
    pub fn of(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => IpPrefix::V4(u32::from(v4) & 0xffff_ff00),
            IpAddr::V6(v6) => IpPrefix::V6(u128::from(v6) & (u128::MAX << 80)),
        }
    }
}

/// True when `a` and `b` are of different address families (IPv4 vs IPv6).
pub(crate) fn family_differs(a: IpAddr, b: IpAddr) -> bool {
    a.to_canonical().is_ipv4() != b.to_canonical().is_ipv4()
}

/// How anonymous the client network is, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum NetClass {
    /// A Tor exit node.
    Tor,
    /// A proxy or anonymising VPN.
    Proxy,
    /// Apple iCloud Private Relay: a privacy feature on by default for many iPhone users.
    PrivateRelay,
    /// A hosting / cloud provider (VPS, cloud desktop, self-hosted VPN).
    Hosting,
    /// In-flight Wi-Fi (satellite egress, geolocated to the ground station).
    InFlight,
    /// Nothing known.
    Plain,
}

/// AS 36183 (Akamai) announces only iCloud Private Relay egress.
const PRIVATE_RELAY_ASNS: &[u32] = &[36183];
/// AS 22351 (Intelsat): airline satellite Wi-Fi, which Panther demotes for impossible travel.
const IN_FLIGHT_ASNS: &[u32] = &[22351];

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

impl NetClass {
    /// Classifies a network from the vendor's flags and AS organisation.
    pub(crate) fn of(net: &Network) -> NetClass {
        let relay = net.asn.is_some_and(|a| PRIVATE_RELAY_ASNS.contains(&a))
            || net
                .as_org
                .as_deref()
                .is_some_and(|o| contains_ignore_case(o, "icloud private relay") || contains_ignore_case(o, "apple"));
        if net.is_tor == Some(true) {
            NetClass::Tor
        } else if relay {
            // Checked before the proxy flag: vendors flag Private Relay as a proxy too.
            NetClass::PrivateRelay
        } else if net.is_proxy == Some(true) {
            NetClass::Proxy
        } else if net.asn.is_some_and(|a| IN_FLIGHT_ASNS.contains(&a)) {
            NetClass::InFlight
        } else if net.is_hosting == Some(true) {
            NetClass::Hosting
        } else {
            NetClass::Plain
        }
    }

    /// True when [`NetClass::of`] is Tor, Proxy or InFlight: the geolocation is the exit's, not
    /// the user's. The same answer without reading the AS organisation unless a flag asks for it
    /// (this runs on every sign-in of every user's look-back).
    pub(crate) fn is_exit_elsewhere(net: &Network) -> bool {
        let flagged = net.is_tor == Some(true)
            || net.is_proxy == Some(true)
            || net.asn.is_some_and(|a| IN_FLIGHT_ASNS.contains(&a));
        flagged && matches!(NetClass::of(net), NetClass::Tor | NetClass::Proxy | NetClass::InFlight)
    }

    /// True for classes whose geolocation says nothing about where the person is.
    pub(crate) fn hides_location(self) -> bool {
        !matches!(self, NetClass::Plain)
    }

    /// Human name for summaries.
    pub(crate) fn label(self) -> &'static str {
        match self {
            NetClass::Tor => "Tor exit node",
            NetClass::Proxy => "anonymising proxy/VPN",
            NetClass::PrivateRelay => "iCloud Private Relay",
            NetClass::Hosting => "hosting provider",
            NetClass::InFlight => "in-flight Wi-Fi",
            NetClass::Plain => "network",
        }
    }
}

/// Great-circle distance in km (haversine on a 6,371 km sphere: within 0.5% of the ellipsoid,
/// far below geo-IP error).
pub(crate) fn haversine_km((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().clamp(0.0, 1.0).asin()
}

/// "Lagos, NG (AS 37148)", or whatever part of it is known.
pub(crate) fn place(e: &Event) -> String {
    let geo = e.network.geo.as_ref();
    let city = geo.and_then(|g| g.city.as_deref());
    let country = geo.and_then(|g| g.country.as_deref());
    let mut s = match (city, country) {
        (Some(c), Some(k)) => format!("{c}, {k}"),
        (Some(c), None) => c.to_owned(),
        (None, Some(k)) => k.to_owned(),
        (None, None) => match e.network.ip {
            Some(ip) => ip.to_string(),
            None => "unknown location".to_owned(),
        },
    };
    if let Some(asn) = e.network.asn {
        s.push_str(&format!(" (AS {asn})"));
    }
    s
}

/// `12345.6` -> "12,346".
pub(crate) fn thousands(v: f64) -> String {
    let n = if v.is_finite() { v.round().clamp(0.0, 1e15) as u64 } else { 0 };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_group_neighbours() {
        let a = IpPrefix::of("203.0.113.7".parse().unwrap());
        assert_eq!(a, IpPrefix::of("203.0.113.250".parse().unwrap()));
        assert_ne!(a, IpPrefix::of("203.0.114.7".parse().unwrap()));
        assert_eq!(a, IpPrefix::of("::ffff:203.0.113.9".parse().unwrap()));
        let v6 = IpPrefix::of("2001:db8:1:2::1".parse().unwrap());
        assert_eq!(v6, IpPrefix::of("2001:db8:1:ffff::9".parse().unwrap()));
        assert_ne!(v6, IpPrefix::of("2001:db8:2::1".parse().unwrap()));
    }

    #[test]
    fn distance_boston_london() {
        let d = haversine_km((42.36, -71.06), (51.51, -0.13));
        assert!((d - 5_270.0).abs() < 30.0, "{d}");
        assert_eq!(haversine_km((10.0, 10.0), (10.0, 10.0)), 0.0);
    }

    #[test]
    fn classes() {
        let mut n = Network { is_proxy: Some(true), as_org: Some("iCloud Private Relay".into()), ..Default::default() };
        assert_eq!(NetClass::of(&n), NetClass::PrivateRelay);
        n.as_org = Some("M247".into());
        assert_eq!(NetClass::of(&n), NetClass::Proxy);
        n.is_tor = Some(true);
        assert_eq!(NetClass::of(&n), NetClass::Tor);
        assert_eq!(NetClass::of(&Network::default()), NetClass::Plain);
        assert_eq!(thousands(8012.4), "8,012");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
    }
}
