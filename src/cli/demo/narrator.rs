//! The demo's narration: an [`Observer`] of the Responder that prints each phase and what each
//! effect found or did, and moves the simulated clock by a fixed duration per effect so two runs
//! see the same times and write the same reports.

use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use irp::connectors::responder::{Notifier, Observer, Progress, Waiter};
use irp::connectors::{Clock, ManualClock};
use irp::core::evidence::UserId;
use irp::core::phase::Phase;
use irp::core::runbook::{Effect, EffectKind, EffectOutcome, PersistenceItem, Runbook};

use super::approver::Approver;
use super::console::Console;

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
}

/// A scheduled effect (a monitoring check) is due at once: the clock jumps to it.
#[async_trait]
impl Waiter for SimClock {
    async fn wait_until(&self, at: DateTime<Utc>) {
        if at > self.0.now() {
            self.0.set(at);
        }
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

/// The console narration, as an observer of the Responder.
pub struct Narration {
    console: Arc<Mutex<Console>>,
    clock: SimClock,
    approver: Approver,
}

impl Narration {
    /// Narrates to `console`, moving `clock` by each effect's simulated cost.
    pub fn new(console: Arc<Mutex<Console>>, clock: SimClock, approver: Approver) -> Self {
        Narration { console, clock, approver }
    }

    fn console(&self) -> MutexGuard<'_, Console> {
        // A poisoned console still prints: keep narrating rather than panic.
        self.console.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Observer for Narration {
    fn observe(&self, runbook: &Runbook, progress: &Progress<'_>) {
        let mut console = self.console();
        match progress {
            Progress::PhaseStarted { phase } => {
                let number = Phase::WORKING.iter().position(|p| p == phase).map_or(0, |i| i + 1);
                console.phase(number, Phase::WORKING.len(), phase.title());
            }
            Progress::EffectStarted { effect } => {
                if matches!(effect.kind, EffectKind::SearchEvents { .. } | EffectKind::ListPersistence { .. }) {
                    console.busy(effect.kind.name());
                }
            }
            Progress::EffectFinished { effect, outcome } => {
                console.done();
                self.clock.0.advance(chrono::Duration::seconds(cost(&effect.kind, self.approver)));
                narrate(runbook, effect, outcome, &mut console);
            }
            _ => {}
        }
    }
}

/// Prints what one effect found or did.
fn narrate(runbook: &Runbook, effect: &Effect, outcome: &EffectOutcome, console: &mut Console) {
    if let EffectOutcome::Failed { failure } = outcome {
        console.fail(&format!("{}: {}", effect.kind.name(), failure.message));
        return;
    }
    match (&effect.kind, outcome) {
        (EffectKind::CheckConnectors { .. }, EffectOutcome::Readiness { connectors }) => {
            for c in connectors {
                let line = format!("{} ({}): {}", c.role.name(), c.vendor, c.detail.as_deref().unwrap_or(""));
                if c.ready {
                    console.ok(&line);
                } else {
                    console.warn(&line);
                }
            }
        }
        (EffectKind::FetchCase { .. }, EffectOutcome::Case { case }) => {
            console.line(&format!("case {}: {}", case.id.as_str(), case.title));
        }
        (EffectKind::FindDuplicateCases { .. }, EffectOutcome::Cases { cases }) => {
            console.line(&format!("duplicate cases: {}", cases.len()));
        }
        (EffectKind::FindRelatedCases { .. }, EffectOutcome::Cases { cases }) => {
            console.line(&format!("related open cases: {}", cases.len()));
        }
        (EffectKind::LookupUser { .. }, EffectOutcome::User { user }) => {
            console.line(&format!(
                "{} ({}): {}{}",
                user.login,
                user.display_name.as_deref().unwrap_or("no display name"),
                user.status.as_deref().unwrap_or("status unknown"),
                if user.privileged { ", privileged" } else { "" }
            ));
        }
        (EffectKind::SearchEvents { from, to, .. }, EffectOutcome::Events { events }) => {
            console.line(&format!(
                "{} events from {} to {}",
                events.len(),
                from.format("%Y-%m-%d %H:%M"),
                to.format("%Y-%m-%d %H:%M UTC")
            ));
        }
        (EffectKind::PostComment { phase, .. }, EffectOutcome::CommentPosted { .. }) => {
            if *phase == Phase::Identification {
                assessment(runbook, console);
            }
            console.ok(&format!("{} documented in the case", phase.title()));
        }
        (EffectKind::RequestApproval { action_ids, .. }, EffectOutcome::Approvals { response }) => {
            for id in action_ids {
                if let Some(action) = runbook.incident().action(id) {
                    console.action(&format!("{} on {}", action.kind.name(), action.target), &action.planned_call);
                }
            }
            for approval in &response.approvals {
                console.ok(&format!("approved by {} ({} action(s))", approval.approver, approval.actions.len()));
            }
            for refusal in &response.refusals {
                console.warn(&format!("refused by {} ({} action(s))", refusal.approver, refusal.action_ids.len()));
            }
        }
        (EffectKind::ExecuteAction { action }, EffectOutcome::Executed { .. }) => {
            console.ok(&format!("executed {} on {}", action.kind.name(), action.target));
        }
        (EffectKind::VerifyAction { action }, EffectOutcome::Verification { holds, .. }) => {
            if *holds {
                console.ok(&format!("verified: {}", action.expected_post_state));
            } else {
                console.fail(&format!("NOT verified: {}", action.expected_post_state));
            }
        }
        (EffectKind::ListPersistence { .. }, EffectOutcome::Persistence { items, not_listed }) => {
            persistence(items, console);
            for kind in not_listed {
                console.warn(&format!("could not list {}", kind.name()));
            }
        }
        (EffectKind::NotifyUser { user, .. }, EffectOutcome::Done) => {
            console.ok(&format!("{user} notified (kept in the output folder: the demo sends no mail)"));
        }
        (EffectKind::StartMonitoring { until, .. }, EffectOutcome::Done) => {
            console.ok(&format!("monitoring the account until {}", until.format("%Y-%m-%d %H:%M UTC")));
        }
        (EffectKind::CheckMonitoring { from, to, .. }, EffectOutcome::Events { events }) => {
            console.line(&format!(
                "monitoring {} to {}: {} new event(s)",
                from.format("%m-%d %H:%M"),
                to.format("%m-%d %H:%M UTC"),
                events.len()
            ));
        }
        _ => {}
    }
}

fn assessment(runbook: &Runbook, console: &mut Console) {
    let Some(assessment) = runbook.incident().assessment() else { return };
    console.line(&format!(
        "likelihood: {} (score {:.0}, {} signal(s))",
        runbook.incident().likelihood().unwrap_or(assessment.likelihood).name().to_uppercase(),
        assessment.score,
        assessment.signals.len()
    ));
    for signal in &assessment.signals {
        console.detail(&format!(
            "{} [{}] {}: {}",
            signal.time.format("%m-%d %H:%M"),
            signal.severity.name(),
            signal.kind.name(),
            signal.summary
        ));
    }
}

fn persistence(items: &[PersistenceItem], console: &mut Console) {
    if items.is_empty() {
        console.line("nothing found");
    }
    for item in items {
        let forward =
            if item.forward_to.is_empty() { String::new() } else { format!(" -> {}", item.forward_to.join(", ")) };
        let line = format!("{} {} \"{}\"{forward}", item.kind.name(), item.id, item.name);
        if item.flagged {
            console.warn(&format!("{line} (suspicious)"));
        } else {
            console.line(&line);
        }
    }
}
