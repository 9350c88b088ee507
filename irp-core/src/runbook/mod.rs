//! The runbook engine, sans-IO.
//!
//! A [`Runbook`] never calls anything. It hands out [`Effect`]s (fetch the case, search events,
//! post a comment, ask for approval, execute an action, verify it, ...) and is fed their
//! [`EffectOutcome`]s. Every call that needs the time takes `now`. Effects handed out together
//! (the identification searches) may run concurrently; each has a sequence-number [`EffectId`]
//! that its resolution must name.
//!
//! The engine, not the driver, enforces the three hard rules:
//! 1. no `ExecuteAction` without valid approvals naming that action id and idempotency key,
//!    re-checked (expiry included) at the moment of execution;
//! 2. no `EnableAccount` before the persistence sweep ran and came back clean, or every
//!    suspicious item's removal was verified;
//! 3. no phase completes before its `PostComment` was resolved OK; a failing comment is retried
//!    [`RunbookPolicy::comment_attempts`] times, then the run stops as
//!    [`RunOutcome::Blocked`] with the failure in the summary and the report.
//!
//! An action whose execution outcome is unknown (a timeout after sending) is verified, never
//! re-sent; an action already sent is never sent again. The whole state serialises to
//! versioned JSON ([`Runbook::to_json`] / [`Runbook::from_json`]) at any point, including between
//! an `ExecuteAction` and its `VerifyAction`.
//!
//! # Driving the engine
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use irp_core::evidence::UserId;
//! use irp_core::incident::{CaseId, IncidentInputs};
//! use irp_core::policy::Policy;
//! use irp_core::runbook::{EffectKind, EffectOutcome, Failure, RunOptions, RunOutcome, Runbook, Step};
//!
//! let now: DateTime<Utc> = "2024-05-01T10:00:00Z".parse().unwrap();
//! let inputs = IncidentInputs {
//!     user_id: UserId::new("alice@example.com"),
//!     case_id: CaseId("42".into()),
//!     alert_group_identifiers: vec!["impossible-travel:alice".into()],
//!     initial_alert_details: None,
//! };
//! let mut runbook = Runbook::new(inputs, Policy::default(), RunOptions { dry_run: true }, now);
//! let summary = loop {
//!     match runbook.poll(now) {
//!         Step::Effects(effects) => {
//!             for effect in effects {
//!                 // A real driver calls its connectors here (concurrently if it likes).
//!                 let outcome = match &effect.kind {
//!                     EffectKind::CheckConnectors { .. } => EffectOutcome::Readiness { connectors: vec![] },
//!                     _ => EffectOutcome::Failed { failure: Failure::missing("no connector") },
//!                 };
//!                 runbook.resolve(effect.id, outcome, now).unwrap();
//!             }
//!         }
//!         Step::Waiting(_) => unreachable!("this driver resolves every effect at once"),
//!         Step::Done(summary) => break summary,
//!         _ => unreachable!(),
//!     }
//! };
//! // No connector at all: nothing could be searched, so nothing is proposed.
//! assert_eq!(summary.outcome, RunOutcome::DryRun);
//! assert!(summary.plan.is_empty());
//! let saved = runbook.to_json().unwrap();
//! assert_eq!(Runbook::from_json(&saved).unwrap(), runbook);
//! ```

mod config;
mod containment;
mod effect;
mod engine;
mod error;
mod outcome;
mod state;
mod summary;

use chrono::{DateTime, Utc};

pub use config::{RunOptions, RunbookPolicy};
pub use containment::{propose_containment, ContainmentPlan};
pub use effect::{Effect, EffectId, EffectKind};
pub use error::{EngineError, StateError};
pub use outcome::{
    CaseInfo, CaseRef, ConnectorRole, ConnectorStatus, EffectOutcome, Failure, PersistenceItem, PersistenceKind,
    UserInfo,
};
pub use state::{CommentRecord, EffectLog, Findings, Gap, LoginPoint, Monitoring, Sweep, SweptItem, SCHEMA_VERSION};
pub use summary::{PlanItem, RunOutcome, RunSummary, Step};

use crate::action::ActionId;
use crate::incident::{AnalystDecision, Incident, IncidentInputs};
use crate::policy::Policy;
use state::State;

/// A read-only view of a run, for the report builders.
#[derive(Clone, Copy, Debug)]
pub struct RunView<'a> {
    /// The incident.
    pub incident: &'a Incident,
    /// What the searches and sweeps found.
    pub findings: &'a Findings,
    /// Documentation status of each phase.
    pub comments: &'a [CommentRecord],
    /// Every resolved effect with its timing.
    pub effect_log: &'a [EffectLog],
    /// The policy in force.
    pub policy: &'a Policy,
    /// The run options.
    pub options: &'a RunOptions,
    /// How the run ended, once it has.
    pub outcome: Option<&'a RunOutcome>,
}

/// One incident's runbook run: the state machine a driver polls and feeds.
#[derive(Clone, Debug, PartialEq)]
pub struct Runbook {
    state: State,
}

impl Runbook {
    /// A new run for `inputs`, starting at `now`.
    pub fn new(inputs: IncidentInputs, policy: Policy, options: RunOptions, now: DateTime<Utc>) -> Self {
        Runbook { state: State::new(inputs, policy, options, now) }
    }

    /// Advances as far as possible and returns the new effects to run, the effects still
    /// awaited, or the end of the run.
    pub fn poll(&mut self, now: DateTime<Utc>) -> Step {
        let effects = self.state.next_effects(now);
        if !effects.is_empty() {
            return Step::Effects(effects);
        }
        match self.state.summary() {
            Some(summary) => Step::Done(summary),
            None => Step::Waiting(self.state.pending.iter().map(|p| p.effect.id).collect()),
        }
    }

    /// Advances as far as possible and returns every newly runnable effect (empty when waiting
    /// or done). Effects returned together may run concurrently.
    pub fn next_effects(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        self.state.next_effects(now)
    }

    /// Feeds the outcome of effect `id`. A wrong id or an outcome of the wrong type is refused
    /// and changes nothing.
    pub fn resolve(&mut self, id: EffectId, outcome: EffectOutcome, now: DateTime<Utc>) -> Result<(), EngineError> {
        self.state.resolve(id, outcome, now)
    }

    /// Records an analyst's decision (it can only raise the likelihood), before the
    /// Identification comment is posted.
    pub fn record_analyst_decision(
        &mut self,
        decision: AnalystDecision,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        self.state.record_analyst_decision(decision, now)
    }

    /// Replaces the planned-call text of a proposed action (a connector knows its exact call
    /// better than the default). Refused once approval has been requested.
    pub fn override_planned_call(
        &mut self,
        id: &ActionId,
        call: String,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        self.state.override_planned_call(id, call, now)
    }

    /// After resuming a state whose previous driver died with effects in flight: forgets them so
    /// they are handed out again, except an in-flight `ExecuteAction`, whose outcome is now
    /// unknown and is therefore verified, never re-sent. Returns the abandoned ids.
    pub fn abandon_pending(&mut self, now: DateTime<Utc>) -> Vec<EffectId> {
        self.state.abandon_pending(now)
    }

    /// Effects handed out and not yet resolved.
    pub fn pending(&self) -> Vec<&Effect> {
        self.state.pending.iter().map(|p| &p.effect).collect()
    }

    /// The incident (inputs, phase, assessment, actions, approvals, timeline).
    pub fn incident(&self) -> &Incident {
        &self.state.incident
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.state.policy
    }

    /// The run options.
    pub fn options(&self) -> &RunOptions {
        &self.state.options
    }

    /// What the searches and sweeps found.
    pub fn findings(&self) -> &Findings {
        &self.state.findings
    }

    /// Documentation status of each phase.
    pub fn comments(&self) -> &[CommentRecord] {
        &self.state.comments
    }

    /// Every resolved effect with its timing.
    pub fn effect_log(&self) -> &[EffectLog] {
        &self.state.effect_log
    }

    /// A read-only view for the report builders ([`crate::report`]).
    pub fn view(&self) -> RunView<'_> {
        self.state.view()
    }

    /// The plan: every proposed action with its target, exact call and status.
    pub fn plan(&self) -> Vec<PlanItem> {
        self.state.plan()
    }

    /// The summary, once the run is over.
    pub fn summary(&self) -> Option<RunSummary> {
        self.state.summary()
    }

    /// True once the run is over.
    pub fn is_done(&self) -> bool {
        self.state.outcome.is_some()
    }

    /// The whole state as JSON, with `schema_version`.
    pub fn to_json(&self) -> Result<String, StateError> {
        serde_json::to_string(&self.state).map_err(|e| StateError::Invalid(e.to_string()))
    }

    /// Loads a state written by [`Runbook::to_json`]; an unknown `schema_version` is refused.
    pub fn from_json(json: &str) -> Result<Self, StateError> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| StateError::Invalid(e.to_string()))?;
        let version = value.get("schema_version").ok_or(StateError::MissingVersion)?;
        let found = version.as_u64().ok_or_else(|| StateError::Invalid("schema_version is not a number".into()))?;
        if found != u64::from(SCHEMA_VERSION) {
            return Err(StateError::UnsupportedVersion { found, supported: SCHEMA_VERSION });
        }
        let state: State = serde_json::from_value(value).map_err(|e| StateError::Invalid(e.to_string()))?;
        Ok(Runbook { state })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::UserId;
    use crate::incident::{AnalystDecision, CaseId};
    use crate::score::Likelihood;

    /// Vendor ids are case-sensitive: the IdP's id must reach the plan and the `ExecuteAction`
    /// effect exactly as the lookup returned it, while the login stays normalised.
    #[test]
    fn the_idp_account_id_reaches_the_plan_and_the_effect_verbatim() {
        const OKTA_ID: &str = "00uN8nOz27vGPuKaGmSa";
        let now: DateTime<Utc> = "2024-05-01T10:00:00Z".parse().unwrap();
        let inputs = IncidentInputs {
            user_id: UserId::new("Alice@Example.com"),
            case_id: CaseId("42".into()),
            alert_group_identifiers: vec!["travel:alice".into()],
            initial_alert_details: None,
        };
        let mut rb = Runbook::new(inputs, Policy::default(), RunOptions { dry_run: false }, now);
        let decision = AnalystDecision {
            analyst: UserId::new("lead@example.com"),
            likelihood: Likelihood::High,
            reason: "confirmed with the user".into(),
            at: now,
        };
        rb.record_analyst_decision(decision, now).unwrap();
        let executed = 'run: loop {
            let Step::Effects(effects) = rb.poll(now) else { panic!("the run ended before any action ran") };
            for effect in effects {
                let outcome = match &effect.kind {
                    EffectKind::CheckConnectors { roles } => EffectOutcome::Readiness {
                        connectors: roles
                            .iter()
                            .map(|r| ConnectorStatus {
                                role: *r,
                                vendor: "test".into(),
                                ready: true,
                                detail: None,
                                call_style: None,
                                planned_calls: Default::default(),
                            })
                            .collect(),
                    },
                    EffectKind::FetchCase { case_id } => EffectOutcome::Case {
                        case: CaseInfo {
                            id: case_id.clone(),
                            title: "t".into(),
                            status: None,
                            created_at: None,
                            detail: None,
                        },
                    },
                    EffectKind::FindDuplicateCases { .. } | EffectKind::FindRelatedCases { .. } => {
                        EffectOutcome::Cases { cases: Vec::new() }
                    }
                    EffectKind::LookupUser { user } => EffectOutcome::User {
                        user: UserInfo {
                            id: OKTA_ID.into(),
                            login: user.clone(),
                            display_name: None,
                            status: Some("ACTIVE".into()),
                            privileged: false,
                            detail: None,
                        },
                    },
                    EffectKind::LookupEntity { .. } => EffectOutcome::Entity { summary: serde_json::Value::Null },
                    EffectKind::SearchEvents { .. } => EffectOutcome::Events { events: Vec::new() },
                    EffectKind::PostComment { .. } => EffectOutcome::CommentPosted { comment_id: None },
                    EffectKind::RequestApproval { action_ids, .. } => {
                        let actions = action_ids.iter().filter_map(|id| rb.incident().action(id));
                        let approval =
                            crate::approval::Approval::of("bob", actions, now, now + chrono::Duration::hours(1));
                        EffectOutcome::Approvals {
                            response: crate::approval::ApprovalResponse { approvals: vec![approval], refusals: vec![] },
                        }
                    }
                    EffectKind::ExecuteAction { action } => break 'run action.clone(),
                    other => panic!("unexpected effect {}", other.name()),
                };
                rb.resolve(effect.id, outcome, now).unwrap();
            }
        };
        assert_eq!(executed.target.account.as_ref().map(|a| a.as_str()), Some(OKTA_ID));
        assert_eq!(executed.target.user.as_str(), "alice@example.com");
        assert!(executed.planned_call.contains(&format!("/users/{OKTA_ID}/")), "{}", executed.planned_call);
        let plan = rb.plan();
        assert!(plan.iter().all(|p| p.target.starts_with(OKTA_ID) && p.planned_call.contains(OKTA_ID)), "{plan:#?}");
        let resumed = Runbook::from_json(&rb.to_json().unwrap()).unwrap();
        assert!(resumed.pending().iter().any(|e| matches!(&e.kind,
            EffectKind::ExecuteAction { action } if action.target.vendor_id() == OKTA_ID)));
    }
}
