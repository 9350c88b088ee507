//! Hooks a caller gives the [`Responder`](super::Responder): an [`Observer`] that hears about
//! progress (for narration and metrics), a [`Checkpoint`] that persists the engine state after
//! every step, and a [`Waiter`] that waits for effects scheduled later (monitoring checks).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use irp_core::action::Action;
use irp_core::incident::CaseId;
use irp_core::phase::Phase;
use irp_core::runbook::{Effect, EffectOutcome, RunSummary, Runbook};

use super::error::CheckpointError;
use crate::clock::{Clock, ManualClock};

/// What just happened in a run.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// The responder started (or resumed) driving the run.
    RunStarted,
    /// The first effect of a phase is about to run.
    PhaseStarted {
        /// The phase.
        phase: Phase,
    },
    /// The run moved past a phase (its next effect belongs to another phase, or the run ended).
    PhaseEnded {
        /// The phase.
        phase: Phase,
    },
    /// An effect is about to be performed.
    EffectStarted {
        /// The effect.
        effect: &'a Effect,
    },
    /// An effect was performed; its outcome is about to be fed to the engine.
    EffectFinished {
        /// The effect.
        effect: &'a Effect,
        /// Its outcome.
        outcome: &'a EffectOutcome,
    },
    /// An `ExecuteAction` returned (`Executed`, or `Failed`, possibly with an unknown result).
    ActionExecuted {
        /// The action.
        action: &'a Action,
        /// What the port reported.
        outcome: &'a EffectOutcome,
    },
    /// A `VerifyAction` re-read the target.
    ActionVerified {
        /// The action.
        action: &'a Action,
        /// The target is in the expected post-state.
        holds: bool,
    },
    /// A phase's Markdown comment is in the case.
    CommentPosted {
        /// The phase it documents.
        phase: Phase,
    },
    /// The engine finished the run.
    RunFinished {
        /// Its summary.
        summary: &'a RunSummary,
    },
}

/// Hears about a run's progress. Called on the driving task, in order; keep it quick.
pub trait Observer: Send + Sync {
    /// `runbook` is the state before the outcome (if any) is fed to the engine.
    fn observe(&self, runbook: &Runbook, progress: &Progress<'_>);
}

impl<F> Observer for F
where
    F: Fn(&Runbook, &Progress<'_>) + Send + Sync,
{
    fn observe(&self, runbook: &Runbook, progress: &Progress<'_>) {
        self(runbook, progress)
    }
}

/// An observer that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Observer for Silent {
    fn observe(&self, _: &Runbook, _: &Progress<'_>) {}
}

/// Persists the engine's versioned JSON state ([`Runbook::to_json`]). Called after effects are
/// handed out (so an `ExecuteAction` in flight is on record) and after their outcomes are fed
/// back. [`Responder::resume`](super::Responder::resume) starts from any saved state.
pub trait Checkpoint: Send + Sync {
    /// Saves `state_json` for `case_id`, replacing the previous save.
    fn save(&self, case_id: &CaseId, state_json: &str) -> Result<(), CheckpointError>;
}

impl<F> Checkpoint for F
where
    F: Fn(&CaseId, &str) -> Result<(), CheckpointError> + Send + Sync,
{
    fn save(&self, case_id: &CaseId, state_json: &str) -> Result<(), CheckpointError> {
        self(case_id, state_json)
    }
}

/// Waits until an effect's `not_before` (monitoring checks are scheduled hours ahead).
#[async_trait]
pub trait Waiter: Send + Sync {
    /// Returns once `at` has come.
    async fn wait_until(&self, at: DateTime<Utc>);
}

/// Sleeps on the tokio timer until the clock reads `at`.
#[derive(Clone)]
pub struct SleepUntil(pub Arc<dyn Clock>);

impl std::fmt::Debug for SleepUntil {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SleepUntil")
    }
}

/// On a [`ManualClock`] a scheduled effect is due at once: the clock jumps to it (never back).
/// Tests, replays and `irp demo` use it so that a 72-hour monitoring wait takes no time.
#[async_trait]
impl Waiter for ManualClock {
    async fn wait_until(&self, at: DateTime<Utc>) {
        if at > self.now() {
            self.set(at);
        }
    }
}

#[async_trait]
impl Waiter for SleepUntil {
    async fn wait_until(&self, at: DateTime<Utc>) {
        let left = at - self.0.now();
        if let Ok(left) = left.to_std() {
            tokio::time::sleep(left).await;
        }
    }
}
