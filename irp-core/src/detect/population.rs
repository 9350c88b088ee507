//! Tenant-wide facts that single-user detectors need (password spray is only visible across users).

use serde::Serialize;

use crate::evidence::Event;

/// Facts gathered over every user's events, fed one event at a time.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Population {}

impl Population {
    /// Records one event (of any user).
    pub fn observe(&mut self, _event: &Event) {}
}
