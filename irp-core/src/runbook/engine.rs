//! The engine's logic: what to do next, and what an outcome changes.

use chrono::{DateTime, Utc};

use crate::action::ActionId;
use crate::incident::{AnalystDecision, IncidentInputs};
use crate::policy::Policy;
use crate::runbook::config::RunOptions;
use crate::runbook::state::State;
use crate::runbook::summary::{PlanItem, RunSummary};
use crate::runbook::{Effect, EffectId, EffectOutcome, EngineError};

impl State {
    pub(crate) fn new(inputs: IncidentInputs, policy: Policy, options: RunOptions, now: DateTime<Utc>) -> Self {
        let _ = (inputs, policy, options, now);
        todo!()
    }

    pub(crate) fn next_effects(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let _ = now;
        todo!()
    }

    pub(crate) fn resolve(
        &mut self,
        id: EffectId,
        outcome: EffectOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let _ = (id, outcome, now);
        todo!()
    }

    pub(crate) fn record_analyst_decision(
        &mut self,
        d: AnalystDecision,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let _ = (d, now);
        todo!()
    }

    pub(crate) fn override_planned_call(
        &mut self,
        id: &ActionId,
        call: String,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let _ = (id, call, now);
        todo!()
    }

    pub(crate) fn abandon_pending(&mut self, now: DateTime<Utc>) -> Vec<EffectId> {
        let _ = now;
        todo!()
    }

    pub(crate) fn plan(&self) -> Vec<PlanItem> {
        todo!()
    }

    pub(crate) fn summary(&self) -> Option<RunSummary> {
        todo!()
    }
}
