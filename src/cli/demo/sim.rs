//! The demo's simulated time: a clock that moves by a fixed duration per effect (so two runs see
//! the same times and write the same reports) and jumps to scheduled effects, and the outbox that
//! keeps user notifications (the demo sends no mail).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use irp::connectors::responder::{Notifier, Waiter};
use irp::connectors::{Clock, ManualClock};
use irp::core::evidence::UserId;
use irp::core::runbook::EffectKind;

use super::approver::Approver;

/// Simulated seconds each effect takes: roughly what the call takes against a real vendor, and
/// minutes for a human approval, so the report's time-to-contain is plausible.
fn cost(kind: &EffectKind, approver: Approver) -> i64 {
    match kind {
        EffectKind::CheckConnectors { .. } => 4,
        EffectKind::SearchEvents { .. } => 38,
        EffectKind::LookupEntity { .. } => 6,
        EffectKind::ListPersistence { .. } => 12,
        EffectKind::RequestApproval { .. } => match approver {
            Approver::Demo => 90,
            Approver::Interactive => 60,
        },
        EffectKind::ExecuteAction { .. } => 3,
        EffectKind::VerifyAction { .. } => 2,
        EffectKind::CheckMonitoring { .. } => 20,
        _ => 1,
    }
}

/// The simulated clock: starts at the alert, moves only when an effect finishes or a scheduled
/// effect is due.
#[derive(Debug, Clone)]
pub struct SimClock(Arc<ManualClock>);

impl SimClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        SimClock(Arc::new(ManualClock::new(start)))
    }

    /// The clock, for the Responder.
    pub fn shared(&self) -> Arc<dyn Clock> {
        self.0.clone()
    }

    /// The waiter: a scheduled effect (a monitoring check) is due at once, the clock jumps to it.
    pub fn waiter(&self) -> Arc<dyn Waiter> {
        self.0.clone()
    }

    /// Moves the clock by the simulated cost of an effect that just finished.
    pub fn advance_for(&self, kind: &EffectKind, approver: Approver) {
        self.0.advance(chrono::Duration::seconds(cost(kind, approver)));
    }
}

/// What the user was told: the demo sends no mail, so messages are kept for the output folder.
#[derive(Debug, Default)]
pub struct Outbox(Mutex<Vec<String>>);

impl Outbox {
    /// The messages, in order.
    pub fn messages(&self) -> Vec<String> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Notifier for Outbox {
    async fn notify(&self, _user: &UserId, message: &str) -> irp::connectors::error::Result<()> {
        if let Ok(mut messages) = self.0.lock() {
            messages.push(message.to_owned());
        }
        Ok(())
    }
}
