//! Detector thresholds: every default with the reason for it (see `docs/DETECTIONS.md`).

use serde::{Deserialize, Serialize};

/// Thresholds of every detector. Loaded from the `[detect]` table of a policy file; every
/// field is optional there and falls back to the default documented here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectPolicy {
    /// Speed above which two sign-ins are impossible, km/h. 900 km/h: airliner cruise speed
    /// (Panther uses 900, Elastic 800, Okta 805); below that, real flights fire.
    pub travel_speed_kmh: f64,
    /// Minimum effective distance (after subtracting both accuracy radii), km. Geo-IP for one
    /// city routinely varies by tens of km and IPv4/IPv6 flips by hundreds (Elastic: 500 km).
    pub travel_min_distance_km: f64,
    /// An IPv4 <-> IPv6 change within this many minutes is not travel: dual-stack clients switch
    /// address family constantly and the two families geolocate to different places (Splunk
    /// community guidance on its own speed rule).
    pub travel_dual_stack_minutes: i64,
    /// When the two accuracy radii add up to at least this many km, the locations are too coarse
    /// to be sure of anything: impossible travel is capped at Medium.
    pub travel_coarse_accuracy_km: f64,
    /// Novelty (new country / ASN / device) is capped at Low / Info until the history spans at
    /// least this many days *and* `learning_min_logins` sign-ins. MDA learns for 7 days; Entra
    /// uses "the earliest of 14 days or 10 logins". We require both (7 days and 10 logins)
    /// because our history is whatever the caller loaded: one sign-in 30 days ago is not 30 days
    /// of behaviour, and 10 sign-ins in one afternoon are not a week of it.
    pub learning_min_days: i64,
    /// Successful sign-ins of history needed to leave the learning period (Entra: 10).
    pub learning_min_logins: u64,
    /// A network (IP /24 or /48, or ASN) from which at least this many *other* users signed in is
    /// shared corporate / VPN egress: location novelty from it is demoted one step. MDA and Entra
    /// both ignore "locations regularly used by other users in the organisation".
    pub shared_network_min_users: usize,
    /// Failed sign-ins of the user needed before a success for brute force (Panther: >= 5 then a
    /// success). Below that, failures are typos.
    pub brute_force_min_failures: usize,
    /// Failures count towards brute force when within this many minutes before the success
    /// (Panther's correlation: 30 min). Longer windows mostly add forgotten-password noise.
    pub brute_force_window_minutes: i64,
    /// Distinct users that must have failed from one IP for it to be a password-spray source.
    /// Anchors range from 5 (Elastic, with more conditions) to 15 (Sentinel, Elastic Entra);
    /// 10 is Splunk's Okta value (> 9). A success from that same IP is required, which is what
    /// keeps 10 safe.
    pub spray_min_users: usize,
    /// Other users' failures count towards a spray when within this many minutes of the user's
    /// success (Elastic correlates a success up to 180 min after the credential attack).
    pub spray_window_minutes: i64,
    /// An IP where at least this fraction of the failing users also signed in successfully is
    /// shared egress (office NAT, campus): people mistype passwords there, attackers do not
    /// succeed for half the users they spray. Such IPs are never spray sources.
    pub spray_shared_egress_ratio: f64,
    /// MFA pushes denied or left unanswered that make a fatigue attack (Elastic, Panther: 5).
    pub mfa_fatigue_min_rejections: usize,
    /// Window of those rejections, minutes (Elastic: sequence maxspan 10 m).
    pub mfa_fatigue_window_minutes: i64,
    /// An account change (MFA factor, recovery channel, password) within this many hours after a
    /// suspicious sign-in (unknown network, proxy, Tor) is attributed to that session and raised.
    /// 24 h covers an attacker who signs in one evening and sets up persistence the next morning.
    pub change_after_suspicious_login_hours: i64,
    /// Distinct files / items in one burst before it can be mass download (Elastic: 25 in 3 min).
    pub mass_download_min_objects: usize,
    /// Length of the burst window, minutes (Elastic: 3-minute buckets).
    pub mass_download_window_minutes: i64,
    /// The burst must also reach this multiple of the user's 95th-percentile *daily* count in the
    /// look-back: a 3-minute burst larger than a typical whole day is unusual for that user,
    /// whatever their job (MDA's per-user baseline instead of one fixed number for everyone).
    pub mass_download_baseline_factor: f64,
    /// A burst at least this multiple of the threshold is High rather than Medium.
    pub mass_download_high_factor: f64,
}

impl Default for DetectPolicy {
    fn default() -> Self {
        DetectPolicy {
            travel_speed_kmh: 900.0,
            travel_min_distance_km: 500.0,
            travel_dual_stack_minutes: 60,
            travel_coarse_accuracy_km: 250.0,
            learning_min_days: 7,
            learning_min_logins: 10,
            shared_network_min_users: 5,
            brute_force_min_failures: 5,
            brute_force_window_minutes: 30,
            spray_min_users: 10,
            spray_window_minutes: 180,
            spray_shared_egress_ratio: 0.5,
            mfa_fatigue_min_rejections: 5,
            mfa_fatigue_window_minutes: 10,
            change_after_suspicious_login_hours: 24,
            mass_download_min_objects: 25,
            mass_download_window_minutes: 3,
            mass_download_baseline_factor: 1.0,
            mass_download_high_factor: 4.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_toml_keeps_defaults_and_rejects_typos() {
        let p: DetectPolicy = toml::from_str("travel_speed_kmh = 800.0").unwrap();
        assert_eq!(p.travel_speed_kmh, 800.0);
        assert_eq!(p.spray_min_users, 10);
        assert!(toml::from_str::<DetectPolicy>("travel_speed = 800.0").is_err());
    }
}
