//! The [`Policy`]: every threshold, allow-list and protected account, as data.
//!
//! Defaults are documented field by field with the reason for them; a TOML file overrides any
//! subset. Unknown keys are rejected so a typo never silently falls back to a default.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::detect::DetectPolicy;
use crate::evidence::UserId;
use crate::runbook::RunbookPolicy;
use crate::score::ScorePolicy;

/// Why a policy could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The TOML is malformed or has an unknown / mistyped key.
    #[error("policy: {0}")]
    Invalid(String),
}

/// The whole policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Length of the assessment window, hours, ending at the user's last event. 96 h is the
    /// runbook's default SIEM look-back: long enough to span a weekend between the attacker's
    /// first use and the alert. Everything before the window is the user's baseline.
    pub window_hours: u32,
    /// Days of history before the window that the runbook fetches to learn what is normal for
    /// the user (countries, networks, devices, apps). 30: Defender for Cloud Apps compares with
    /// the past month and Entra ID Protection learns over up to 14 days; with only the 96 h
    /// window, every novelty detector would sit in its learning period. `irp assess` uses
    /// whatever history the input holds.
    pub baseline_days: u32,
    /// Networks whose sign-ins are trusted locations (corporate egress, the company VPN): no
    /// location-based signal fires for them. Empty by default: nothing is trusted blindly.
    pub trusted_networks: Vec<IpNet>,
    /// The organisation's own mail domains. Forwarding to them is internal. When empty, the
    /// user's own domain is the only internal one.
    pub internal_domains: Vec<String>,
    /// Accounts that need a second approver and extra care before containment (break-glass,
    /// executives, service accounts). Matched case-insensitively.
    pub protected_accounts: Vec<UserId>,
    /// Detector thresholds (`[detect]`).
    pub detect: DetectPolicy,
    /// Likelihood thresholds and weights (`[score]`).
    pub score: ScorePolicy,
    /// Runbook settings (`[runbook]`): approval expiry, two-approver rules, retries, monitoring.
    pub runbook: RunbookPolicy,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            window_hours: 96,
            baseline_days: 30,
            trusted_networks: Vec::new(),
            internal_domains: Vec::new(),
            protected_accounts: Vec::new(),
            detect: DetectPolicy::default(),
            score: ScorePolicy::default(),
            runbook: RunbookPolicy::default(),
        }
    }
}

impl Policy {
    /// Parses a policy from TOML text; absent keys keep their defaults.
    pub fn from_toml_str(text: &str) -> Result<Self, PolicyError> {
        toml::from_str(text).map_err(|e| PolicyError::Invalid(e.to_string()))
    }

    /// The policy as TOML (the defaults, when called on `Policy::default()`).
    pub fn to_toml_string(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// How far back the runbook searches: the baseline look-back plus the assessment window.
    pub fn search_look_back(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.window_hours)) + chrono::Duration::days(i64::from(self.baseline_days))
    }

    /// True when `ip` is inside a trusted network.
    pub fn is_trusted_ip(&self, ip: IpAddr) -> bool {
        self.trusted_networks.iter().any(|n| n.contains(ip))
    }

    /// True when `domain` is one of the organisation's (or, when none are configured, equals
    /// `user_domain`).
    pub fn is_internal_domain(&self, domain: &str, user_domain: Option<&str>) -> bool {
        let domain = domain.trim().trim_end_matches('.');
        if self.internal_domains.is_empty() {
            return user_domain.is_some_and(|d| d.eq_ignore_ascii_case(domain));
        }
        self.internal_domains.iter().any(|d| {
            d.eq_ignore_ascii_case(domain)
                || (domain.len() > d.len()
                    && domain[domain.len() - d.len()..].eq_ignore_ascii_case(d)
                    && domain.as_bytes()[domain.len() - d.len() - 1] == b'.')
        })
    }

    /// True when `user` is a protected account.
    pub fn is_protected(&self, user: &UserId) -> bool {
        self.protected_accounts.iter().any(|p| p == user)
    }
}

/// An IP network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`); a bare address is a /32 or /128.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// True when `ip` is in this network (an IPv4 address never matches an IPv6 network).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.trim().parse().map_err(|_| format!("`{s}` is not an IP network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => {
                p.trim().parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("`{s}`: bad prefix length"))?
            }
            None => max,
        };
        Ok(IpNet { addr, prefix })
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl fmt::Debug for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for IpNet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpNet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_contains() {
        let net: IpNet = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:1::5".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn toml_roundtrip_and_unknown_keys() {
        let p = Policy::from_toml_str("window_hours = 24\ntrusted_networks = [\"192.0.2.0/24\"]").unwrap();
        assert_eq!(p.window_hours, 24);
        assert!(p.is_trusted_ip("192.0.2.9".parse().unwrap()));
        assert_eq!(Policy::from_toml_str(&Policy::default().to_toml_string()).unwrap(), Policy::default());
        assert!(Policy::from_toml_str("window_hour = 24").is_err());
    }

    #[test]
    fn protected_accounts_match_case_insensitively() {
        let p = Policy::from_toml_str("protected_accounts = [\"BreakGlass@Example.com\"]").unwrap();
        assert!(p.is_protected(&UserId::new("breakglass@example.com")));
    }

    #[test]
    fn internal_domains() {
        let mut p = Policy::default();
        assert!(p.is_internal_domain("Example.com", Some("example.com")));
        assert!(!p.is_internal_domain("evil.com", Some("example.com")));
        p.internal_domains = vec!["example.com".into()];
        assert!(p.is_internal_domain("mail.example.com", None));
        assert!(!p.is_internal_domain("badexample.com", None));
    }
}
