//! What was normal for a user before the assessment window.

use serde::Serialize;

use crate::evidence::Event;

/// The user's history before the window: where, how and with what they usually sign in.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Baseline {
    /// Successful sign-ins seen in the look-back.
    pub logins: u64,
}

impl Baseline {
    /// Builds the baseline from the events before the window (time-ordered).
    pub fn build(events: &[Event]) -> Self {
        Baseline { logins: events.iter().filter(|e| e.is_login_success()).count() as u64 }
    }
}
