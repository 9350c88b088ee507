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
    /// city routinely varies by tens of km and IPv4/IPv6 flips by hundreds.
    pub travel_min_distance_km: f64,
}

impl Default for DetectPolicy {
    fn default() -> Self {
        DetectPolicy { travel_speed_kmh: 900.0, travel_min_distance_km: 500.0 }
    }
}
