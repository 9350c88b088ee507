//! Scoring: combines a user's signals into a [`Likelihood`] with a breakdown of what
//! contributed, following the runbook's rubric (DESIGN §1).
//!
//! Skeleton: the weights, correlation and rubric are filled in by the scoring work.

use serde::{Deserialize, Serialize};

use crate::detect::{Signal, SignalKind};
use crate::evidence::{Event, UserId};

/// The runbook's answer to "is this account compromised?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Likelihood {
    /// A single anomalous event, or the user confirmed it was them.
    Low,
    /// Several anomalies, unverified.
    Medium,
    /// Clear malicious patterns.
    High,
    /// Attacker actions visible, known credential theft, or an analyst's recorded decision.
    Confirmed,
}

impl Likelihood {
    /// Stable lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Likelihood::Low => "low",
            Likelihood::Medium => "medium",
            Likelihood::High => "high",
            Likelihood::Confirmed => "confirmed",
        }
    }
}

impl std::fmt::Display for Likelihood {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Likelihood thresholds and signal weights (`[score]` in a policy file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScorePolicy {
    /// Score at or above which the likelihood is at least Medium.
    pub medium_at: f64,
    /// Score at or above which the likelihood is at least High.
    pub high_at: f64,
}

impl Default for ScorePolicy {
    fn default() -> Self {
        ScorePolicy { medium_at: 30.0, high_at: 60.0 }
    }
}

/// What one signal (or one correlation between signals) added to the score, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// The signal kind, or `None` for a correlation bonus.
    pub kind: Option<SignalKind>,
    /// Points added.
    pub points: f64,
    /// Why, in one line.
    pub reason: String,
}

/// The Identification phase's verdict on one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// Who.
    pub user: UserId,
    /// The verdict.
    pub likelihood: Likelihood,
    /// Sum of contributions (0–100, capped), for ranking users.
    pub score: f64,
    /// Every signal, in time order.
    pub signals: Vec<Signal>,
    /// How the score was built.
    pub breakdown: Vec<Contribution>,
    /// Events of this user that were considered (window and baseline).
    pub events_considered: u64,
}

/// Scores one user's signals. `events` are the user's window events (sorted), for correlation
/// by IP and session.
pub fn score(_signals: &[Signal], _events: &[Event], policy: &ScorePolicy) -> (Likelihood, f64, Vec<Contribution>) {
    let _ = policy;
    (Likelihood::Low, 0.0, Vec::new())
}
