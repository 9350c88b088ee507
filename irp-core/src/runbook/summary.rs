//! What a poll returns, and the summary of a finished (or stopped) run.

use serde::{Deserialize, Serialize};

use crate::action::{ActionId, ActionStatus, Recommendation};
use crate::phase::{NoActionReason, Phase};
use crate::runbook::{Effect, EffectId};
use crate::score::Likelihood;

/// The answer to [`Runbook::poll`](crate::runbook::Runbook::poll).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Step {
    /// New effects to run. Effects handed out together may run concurrently.
    Effects(Vec<Effect>),
    /// Nothing new: waiting for the outcomes of these effects.
    Waiting(Vec<EffectId>),
    /// The run is over (completed, closed early, dry run, or blocked).
    Done(RunSummary),
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RunOutcome {
    /// Every phase ran and was documented.
    Completed,
    /// Closed at identification with no containment.
    ClosedNoAction {
        /// Why.
        reason: NoActionReason,
    },
    /// Dry run: the plan is complete; nothing was approved, executed or written.
    DryRun,
    /// A hard rule stopped the run (a phase could not be documented, ...).
    Blocked {
        /// The phase that could not complete.
        phase: Phase,
        /// Why.
        reason: String,
    },
}

/// One line of the plan: an action, its target and its exact call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    /// Action id.
    pub action_id: ActionId,
    /// Phase that proposed it.
    pub phase: Phase,
    /// Action kind name.
    pub kind: String,
    /// Target, as text.
    pub target: String,
    /// The exact vendor call.
    pub planned_call: String,
    /// How strongly it is recommended.
    pub recommendation: Recommendation,
    /// Distinct approvers it needs.
    pub approvers_required: u8,
    /// Status now.
    pub status: ActionStatus,
}

/// The end of a run, for drivers and the CLI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// How it ended.
    pub outcome: RunOutcome,
    /// The phase it ended in.
    pub phase: Phase,
    /// The likelihood in force, once assessed.
    pub likelihood: Option<Likelihood>,
    /// Every proposed action with its call and status.
    pub plan: Vec<PlanItem>,
    /// Everything a human must look at: failed comments, unknown or failed actions, withheld
    /// re-enable, missing connectors.
    pub problems: Vec<String>,
}
