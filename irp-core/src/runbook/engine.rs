//! The engine's logic: what to do next ([`State::next_effects`]) and what an outcome changes
//! ([`State::resolve`]).
//!
//! `next_effects` is derived from the state alone: each phase function looks at what is known
//! and returns the effects it still needs (or a phase change). Effects are keyed by [`Slot`], so
//! an effect still pending is never handed out twice, and a resumed state asks for exactly what
//! the interrupted one would have.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use crate::action::{AccountId, Action, ActionId, ActionKind, ActionStatus, CallStyle, Proposal, Recommendation};
use crate::approval::{self, ApprovalResponse};
use crate::assess::{assess_user, window_split};
use crate::detect::{Baseline, Population};
use crate::evidence::{Event, EventId, UserId};
use crate::incident::{AnalystDecision, Incident, IncidentInputs, TimelineKind};
use crate::phase::{NoActionReason, Phase};
use crate::policy::Policy;
use crate::report::markdown;
use crate::runbook::config::RunOptions;
use crate::runbook::containment::propose_containment;
use crate::runbook::outcome::{ConnectorRole, PersistenceItem, PersistenceKind};
use crate::runbook::state::{
    CommentRecord, EffectLog, Findings, Gap, LoginPoint, Monitoring, Pending, Slot, State, Sweep, SweptItem,
    SCHEMA_VERSION,
};
use crate::runbook::summary::{PlanItem, RunOutcome, RunSummary};
use crate::runbook::{Effect, EffectId, EffectKind, EffectOutcome, EngineError, Failure, RunView};
use crate::score::Likelihood;

/// At most this many sign-ins are kept for the login map: enough to show the pattern, bounded so
/// a chatty account cannot bloat the saved state.
const MAX_LOGIN_POINTS: usize = 2000;

/// One effect a phase needs.
struct Want {
    slot: Slot,
    kind: EffectKind,
    not_before: Option<DateTime<Utc>>,
}

/// What a phase function decided.
enum Drive {
    /// These effects are needed (some may already be pending).
    Want(Vec<Want>),
    /// The phase is complete: move on.
    Advance(Phase),
    /// The run is over.
    Finish(RunOutcome),
}

/// Whether a phase's comment (hard rule 3) is in place.
enum Gate {
    Passed,
    Want(Box<Want>),
    Blocked(String),
}

impl State {
    pub(crate) fn new(inputs: IncidentInputs, policy: Policy, options: RunOptions, now: DateTime<Utc>) -> Self {
        let mut incident = Incident::new(inputs, now);
        if options.dry_run {
            incident.record(now, TimelineKind::Note, "dry run: plan only".into(), None);
        }
        State {
            schema_version: SCHEMA_VERSION,
            incident,
            policy,
            options,
            next_effect: 1,
            next_action: 1,
            pending: Vec::new(),
            done: Vec::new(),
            findings: Findings::default(),
            comments: Vec::new(),
            proposed: Vec::new(),
            verify_attempts: Default::default(),
            effect_log: Vec::new(),
            outcome: None,
        }
    }

    pub(crate) fn view(&self) -> RunView<'_> {
        RunView {
            incident: &self.incident,
            findings: &self.findings,
            comments: &self.comments,
            effect_log: &self.effect_log,
            policy: &self.policy,
            options: &self.options,
            outcome: self.outcome.as_ref(),
        }
    }

    // ----- driving -------------------------------------------------------------------------

    pub(crate) fn next_effects(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        // Each iteration either hands out effects, finishes, or advances one phase; there are
        // nine phases, so the bound is never reached by a consistent state.
        for _ in 0..32 {
            if self.outcome.is_some() {
                return Vec::new();
            }
            match self.drive(now) {
                Drive::Advance(to) => {
                    if let Err(e) = self.incident.advance(to, now) {
                        let phase = self.incident.phase();
                        self.finish(RunOutcome::Blocked { phase, reason: e.to_string() }, now);
                    }
                }
                Drive::Finish(outcome) => self.finish(outcome, now),
                Drive::Want(wants) => {
                    let mut out = Vec::new();
                    for want in wants {
                        if !self.pending.iter().any(|p| p.slot == want.slot) {
                            out.push(self.issue(want, now));
                        }
                    }
                    if out.is_empty() && self.pending.is_empty() {
                        let phase = self.incident.phase();
                        let reason = "no runnable step (inconsistent state)".to_owned();
                        self.finish(RunOutcome::Blocked { phase, reason }, now);
                    }
                    return out;
                }
            }
        }
        let phase = self.incident.phase();
        self.finish(RunOutcome::Blocked { phase, reason: "the engine made no progress".into() }, now);
        Vec::new()
    }

    fn finish(&mut self, outcome: RunOutcome, now: DateTime<Utc>) {
        let (kind, what) = match &outcome {
            RunOutcome::Blocked { phase, reason } => {
                (TimelineKind::Blocked, format!("run blocked in {phase}: {reason}"))
            }
            RunOutcome::DryRun => (TimelineKind::Note, "dry run finished: plan complete".to_owned()),
            RunOutcome::ClosedNoAction { reason } => {
                (TimelineKind::Note, format!("closed without action ({})", reason.name()))
            }
            _ => (TimelineKind::Note, "runbook completed".to_owned()),
        };
        self.incident.record(now, kind, what, None);
        self.outcome = Some(outcome);
    }

    fn issue(&mut self, want: Want, now: DateTime<Utc>) -> Effect {
        let id = EffectId(self.next_effect);
        self.next_effect += 1;
        let attempt = match &want.slot {
            Slot::Comment { phase } => {
                let rec = self.comment_mut(*phase);
                rec.attempts += 1;
                rec.attempts
            }
            Slot::Verify { action } => {
                let n = self.verify_attempts.entry(action.clone()).or_insert(0);
                *n += 1;
                *n
            }
            Slot::Execute { action } => {
                if let Some(a) = self.action_mut(action) {
                    a.status = ActionStatus::Executing;
                    a.record.executing_at = Some(now);
                }
                1
            }
            _ => 1,
        };
        let effect = Effect {
            id,
            phase: self.incident.phase(),
            issued_at: now,
            not_before: want.not_before,
            attempt,
            kind: want.kind,
        };
        let what = format!("{} {} issued (attempt {attempt})", effect.id, effect.kind.name());
        self.incident.record(now, TimelineKind::EffectIssued, what, describe(&effect.kind));
        self.pending.push(Pending { slot: want.slot, effect: effect.clone() });
        effect
    }

    fn drive(&mut self, now: DateTime<Utc>) -> Drive {
        match self.incident.phase() {
            Phase::Preparation => self.preparation(now),
            Phase::Identification => self.identification(now),
            Phase::Containment => self.act_phase(Phase::Containment, Phase::Eradication, now),
            Phase::Eradication => self.eradication(now),
            Phase::Recovery => self.recovery(now),
            Phase::LessonsLearned => self.document_then(Phase::LessonsLearned, Phase::RunbookFeedback),
            Phase::RunbookFeedback => self.document_then(Phase::RunbookFeedback, Phase::Closed),
            Phase::Closed => Drive::Finish(RunOutcome::Completed),
            Phase::ClosedNoAction(reason) => Drive::Finish(RunOutcome::ClosedNoAction { reason }),
        }
    }

    fn preparation(&mut self, _now: DateTime<Utc>) -> Drive {
        if !self.is_done(&Slot::CheckConnectors) {
            let roles = ConnectorRole::ALL.to_vec();
            return want1(Slot::CheckConnectors, EffectKind::CheckConnectors { roles });
        }
        self.document_then(Phase::Preparation, Phase::Identification)
    }

    fn identification(&mut self, now: DateTime<Utc>) -> Drive {
        // Duplicates first: a duplicate stops the run before any search is spent on it.
        let mut wants = Vec::new();
        self.want_lookup(Slot::FetchCase, now, &mut wants);
        self.want_lookup(Slot::FindDuplicates, now, &mut wants);
        if !wants.is_empty() {
            return Drive::Want(wants);
        }
        if !self.findings.duplicates.is_empty() {
            if self.options.dry_run {
                return Drive::Finish(RunOutcome::DryRun);
            }
            return match self.gate(Phase::Identification) {
                Gate::Passed => Drive::Advance(Phase::ClosedNoAction(NoActionReason::Duplicate)),
                other => self.gate_drive(other),
            };
        }
        for slot in [Slot::LookupUser, Slot::LookupEntity, Slot::SearchEvents, Slot::FindRelated] {
            self.want_lookup(slot, now, &mut wants);
        }
        if !wants.is_empty() {
            return Drive::Want(wants);
        }
        if self.incident.assessment.is_none() {
            // The search failed or no SIEM: assess on nothing, and say so.
            self.assess(Vec::new(), now);
        }
        if self.options.dry_run {
            return self.dry_run_plan(now);
        }
        match self.gate(Phase::Identification) {
            Gate::Passed => {}
            other => return self.gate_drive(other),
        }
        match self.incident.likelihood() {
            Some(Likelihood::Low) | None => {
                let reason =
                    if self.findings.events_searched { NoActionReason::Benign } else { NoActionReason::Inconclusive };
                Drive::Advance(Phase::ClosedNoAction(reason))
            }
            Some(_) => Drive::Advance(Phase::Containment),
        }
    }

    fn dry_run_plan(&mut self, now: DateTime<Utc>) -> Drive {
        self.propose_containment(now);
        if matches!(self.incident.likelihood(), None | Some(Likelihood::Low)) {
            return Drive::Finish(RunOutcome::DryRun);
        }
        if let Some(w) = self.want_sweep(now) {
            return Drive::Want(vec![w]);
        }
        self.propose_eradication(now);
        if self.containment_disables() && !self.proposed.contains(&Phase::Recovery) {
            self.proposed.push(Phase::Recovery);
            let p = Proposal {
                kind: ActionKind::EnableAccount,
                recommendation: Recommendation::Required,
                rationale: "re-enable once eradication is verified clean (hard rule 2)".into(),
            };
            self.add_actions(Phase::Recovery, vec![p], now);
        }
        Drive::Finish(RunOutcome::DryRun)
    }

    /// Containment: propose from the likelihood, approve, execute, verify, document.
    fn act_phase(&mut self, phase: Phase, next: Phase, now: DateTime<Utc>) -> Drive {
        if phase == Phase::Containment {
            self.propose_containment(now);
        }
        if let Some(wants) = self.drive_actions(phase, now) {
            return Drive::Want(wants);
        }
        self.document_then(phase, next)
    }

    fn eradication(&mut self, now: DateTime<Utc>) -> Drive {
        if let Some(w) = self.want_sweep(now) {
            return Drive::Want(vec![w]);
        }
        self.propose_eradication(now);
        self.act_phase(Phase::Eradication, Phase::Recovery, now)
    }

    fn recovery(&mut self, now: DateTime<Utc>) -> Drive {
        if !self.proposed.contains(&Phase::Recovery) {
            self.proposed.push(Phase::Recovery);
            if self.account_disabled() {
                let blockers = self.reenable_blockers();
                if blockers.is_empty() {
                    let p = Proposal {
                        kind: ActionKind::EnableAccount,
                        recommendation: Recommendation::Required,
                        rationale: "persistence check clean and password reset verified".into(),
                    };
                    self.add_actions(Phase::Recovery, vec![p], now);
                } else {
                    self.incident.record(
                        now,
                        TimelineKind::Blocked,
                        "re-enable withheld (hard rule 2)".into(),
                        Some(blockers.join("; ")),
                    );
                    self.findings.reenable_withheld = blockers;
                }
            }
        }
        if let Some(wants) = self.drive_actions(Phase::Recovery, now) {
            return Drive::Want(wants);
        }
        let mut wants = Vec::new();
        self.want_lookup(Slot::NotifyUser, now, &mut wants);
        self.want_lookup(Slot::StartMonitoring, now, &mut wants);
        if !wants.is_empty() {
            return Drive::Want(wants);
        }
        if self.findings.monitoring_window.is_some() {
            self.want_lookup(Slot::CheckMonitoring, now, &mut wants);
            if !wants.is_empty() {
                return Drive::Want(wants);
            }
        }
        self.document_then(Phase::Recovery, Phase::LessonsLearned)
    }

    fn gate_drive(&self, gate: Gate) -> Drive {
        match gate {
            Gate::Want(w) => Drive::Want(vec![*w]),
            Gate::Blocked(reason) => Drive::Finish(RunOutcome::Blocked { phase: self.incident.phase(), reason }),
            Gate::Passed => Drive::Want(Vec::new()),
        }
    }

    fn document_then(&mut self, phase: Phase, next: Phase) -> Drive {
        match self.gate(phase) {
            Gate::Passed => Drive::Advance(next),
            other => self.gate_drive(other),
        }
    }

    /// Hard rule 3: the phase's comment must be posted; retried, then the run blocks.
    fn gate(&mut self, phase: Phase) -> Gate {
        if self.options.dry_run {
            return Gate::Passed;
        }
        let slot = Slot::Comment { phase };
        let rec = self.comment_mut(phase).clone();
        if rec.posted {
            return Gate::Passed;
        }
        if !self.available(ConnectorRole::CaseStore) {
            return Gate::Blocked(format!(
                "no ready case_store connector: the {} phase cannot be documented",
                phase.title()
            ));
        }
        let pending = self.pending.iter().any(|p| p.slot == slot);
        if !pending && rec.attempts >= self.policy.runbook.comment_attempts.max(1) {
            let last = rec.errors.last().cloned().unwrap_or_default();
            return Gate::Blocked(format!(
                "the {} comment could not be posted after {} attempts (last error: {last})",
                phase.title(),
                rec.attempts
            ));
        }
        let markdown = markdown::phase_comment(&self.view(), phase);
        let kind = EffectKind::PostComment { case_id: self.incident.inputs.case_id.clone(), phase, markdown };
        Gate::Want(Box::new(Want { slot, kind, not_before: None }))
    }

    /// Adds the effect for a read-only slot unless it is done; a slot whose connector is missing
    /// is marked done with a gap instead (a missing connector downgrades the run).
    fn want_lookup(&mut self, slot: Slot, now: DateTime<Utc>, wants: &mut Vec<Want>) {
        if self.is_done(&slot) {
            return;
        }
        let kind = self.lookup_effect(&slot, now);
        if let Some(role) = kind.role() {
            if !self.available(role) {
                self.skip_missing(slot, role, &kind, now);
                return;
            }
        }
        let not_before = match &kind {
            EffectKind::CheckMonitoring { to, .. } => Some(*to),
            _ => None,
        };
        wants.push(Want { slot, kind, not_before });
    }

    fn skip_missing(&mut self, slot: Slot, role: ConnectorRole, kind: &EffectKind, now: DateTime<Utc>) {
        let what = format!("{} skipped: no ready {} connector", kind.name(), role.name());
        self.incident.record(now, TimelineKind::Downgraded, what.clone(), None);
        self.gap(Some(role), what);
        self.done.push(slot);
    }

    fn lookup_effect(&self, slot: &Slot, now: DateTime<Utc>) -> EffectKind {
        let user = self.incident.user().clone();
        let case_id = self.incident.inputs.case_id.clone();
        match slot {
            Slot::FetchCase => EffectKind::FetchCase { case_id },
            Slot::FindDuplicates => EffectKind::FindDuplicateCases {
                case_id,
                user,
                alert_group_identifiers: self.incident.inputs.alert_group_identifiers.clone(),
            },
            Slot::LookupUser => EffectKind::LookupUser { user },
            Slot::LookupEntity => EffectKind::LookupEntity { user },
            Slot::SearchEvents => {
                // The window plus the baseline look-back: detectors need the user's normal history.
                let from = now - self.policy.search_look_back();
                EffectKind::SearchEvents { user, from, to: now }
            }
            Slot::FindRelated => EffectKind::FindRelatedCases { case_id, user },
            Slot::NotifyUser => EffectKind::NotifyUser { user, message: markdown::user_notice(&self.view()) },
            Slot::StartMonitoring => {
                let until = now + Duration::hours(i64::from(self.policy.runbook.monitoring_hours));
                EffectKind::StartMonitoring { user, until }
            }
            Slot::CheckMonitoring => {
                let (from, to) = self.findings.monitoring_window.unwrap_or((now, now));
                EffectKind::CheckMonitoring { user, from, to }
            }
            // Only the slots above are look-ups.
            _ => EffectKind::CheckConnectors { roles: ConnectorRole::ALL.to_vec() },
        }
    }

    fn want_sweep(&mut self, now: DateTime<Utc>) -> Option<Want> {
        if self.is_done(&Slot::ListPersistence) {
            return None;
        }
        let kinds: Vec<PersistenceKind> =
            PersistenceKind::ALL.into_iter().filter(|k| self.available(k.role())).collect();
        if kinds.is_empty() {
            let what = "persistence sweep skipped: no identity provider or mailbox connector".to_owned();
            self.incident.record(now, TimelineKind::Downgraded, what.clone(), None);
            self.gap(None, what);
            self.done.push(Slot::ListPersistence);
            return None;
        }
        let since = self.compromise_start();
        let kind = EffectKind::ListPersistence { user: self.incident.user().clone(), kinds, since };
        Some(Want { slot: Slot::ListPersistence, kind, not_before: None })
    }

    // ----- actions -------------------------------------------------------------------------

    /// Approves, executes and verifies the phase's actions. `None` when every one is final.
    fn drive_actions(&mut self, phase: Phase, now: DateTime<Utc>) -> Option<Vec<Want>> {
        // Each pass either returns or moves at least one action to another status, so this
        // bound (every action through every status) is never reached.
        for _ in 0..(self.incident.actions.len() * 10 + 4) {
            let ids: Vec<ActionId> =
                self.incident.actions.iter().filter(|a| a.phase == phase).map(|a| a.id.clone()).collect();
            // Approval rounds first, so execution order (disable first) is the proposal order.
            let proposed: Vec<ActionId> = ids
                .iter()
                .filter(|id| self.incident.action(id).is_some_and(|a| a.status == ActionStatus::Proposed))
                .cloned()
                .collect();
            if !proposed.is_empty() {
                if let Some(p) =
                    self.pending.iter().find(|p| matches!(&p.slot, Slot::Approval { phase: ph, .. } if *ph == phase))
                {
                    return Some(vec![Want { slot: p.slot.clone(), kind: p.effect.kind.clone(), not_before: None }]);
                }
                let rounds = self.approval_rounds(phase);
                if rounds < self.policy.runbook.approval_rounds.max(1) {
                    return Some(vec![self.approval_want(phase, rounds + 1, &proposed)]);
                }
                for id in &proposed {
                    let note = format!("no valid approval after {rounds} request(s)");
                    self.set_status(id, ActionStatus::Skipped, Some(note), now);
                }
                continue;
            }
            let mut changed = false;
            for id in &ids {
                let Some(action) = self.incident.action(id).cloned() else { continue };
                match action.status {
                    ActionStatus::Approved => match self.may_execute(&action, now) {
                        Ok(()) => {
                            let kind = EffectKind::ExecuteAction { action };
                            return Some(vec![Want {
                                slot: Slot::Execute { action: id.clone() },
                                kind,
                                not_before: None,
                            }]);
                        }
                        Err((status, note)) => {
                            self.set_status(id, status, Some(note), now);
                            changed = true;
                            break;
                        }
                    },
                    ActionStatus::Executing => {
                        let kind = EffectKind::ExecuteAction { action };
                        return Some(vec![Want { slot: Slot::Execute { action: id.clone() }, kind, not_before: None }]);
                    }
                    ActionStatus::Executed | ActionStatus::OutcomeUnknown => {
                        let slot = Slot::Verify { action: id.clone() };
                        let attempts = self.verify_attempts.get(id).copied().unwrap_or(0);
                        let pending = self.pending.iter().any(|p| p.slot == slot);
                        if !pending && attempts >= self.policy.runbook.verify_attempts.max(1) {
                            let note = format!("could not be verified after {attempts} attempts");
                            self.set_status(id, ActionStatus::VerificationFailed, Some(note), now);
                            changed = true;
                            break;
                        }
                        let kind = EffectKind::VerifyAction { action };
                        return Some(vec![Want { slot, kind, not_before: None }]);
                    }
                    _ => {}
                }
            }
            if !changed {
                return None;
            }
        }
        None
    }

    /// The checks made at the moment of execution, whatever the status says: hard rule 1 (valid
    /// approvals naming this action and key, re-checked at `now`), hard rule 2 for re-enables,
    /// and a connector to run it. On refusal: the status to fall back to, and why.
    fn may_execute(&self, action: &Action, now: DateTime<Utc>) -> Result<(), (ActionStatus, String)> {
        if action.status.was_sent() {
            return Err((action.status, "already sent; never sent twice".into()));
        }
        if !self.available(ConnectorRole::for_action(&action.kind)) {
            let role = ConnectorRole::for_action(&action.kind);
            return Err((ActionStatus::Skipped, format!("no ready {} connector", role.name())));
        }
        if action.kind == ActionKind::EnableAccount {
            let blockers = self.reenable_blockers();
            if !blockers.is_empty() {
                return Err((
                    ActionStatus::Skipped,
                    format!("re-enable refused (hard rule 2): {}", blockers.join("; ")),
                ));
            }
        }
        let required = self.required_approvers(action);
        approval::authorize(action, &self.incident.approvals, &self.account_ids(), required, &self.policy.runbook, now)
            .map(|_| ())
            .map_err(|e| (ActionStatus::Proposed, format!("approval not valid at execution: {e}")))
    }

    fn approval_want(&self, phase: Phase, round: u32, ids: &[ActionId]) -> Want {
        let actions: Vec<&Action> = ids.iter().filter_map(|id| self.incident.action(id)).collect();
        let required: Vec<u8> = actions.iter().map(|a| self.required_approvers(a)).collect();
        let plan = markdown::approval_plan(&actions, &required);
        let kind = EffectKind::RequestApproval {
            case_id: self.incident.inputs.case_id.clone(),
            action_ids: ids.to_vec(),
            plan,
        };
        Want { slot: Slot::Approval { phase, round }, kind, not_before: None }
    }

    fn approval_rounds(&self, phase: Phase) -> u32 {
        let n = self.done.iter().filter(|s| matches!(s, Slot::Approval { phase: p, .. } if *p == phase)).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn propose_containment(&mut self, now: DateTime<Utc>) {
        if self.proposed.contains(&Phase::Containment) {
            return;
        }
        self.proposed.push(Phase::Containment);
        let likelihood = self.incident.likelihood().unwrap_or(Likelihood::Low);
        let plan = propose_containment(likelihood);
        self.incident.considered.extend(plan.considered);
        self.add_actions(Phase::Containment, plan.proposals, now);
    }

    fn propose_eradication(&mut self, now: DateTime<Utc>) {
        if self.proposed.contains(&Phase::Eradication) {
            return;
        }
        self.proposed.push(Phase::Eradication);
        let Some(sweep) = self.findings.sweep.clone() else { return };
        let mut items = sweep.items;
        for swept in items.iter_mut().filter(|s| s.suspicious) {
            let kind = removal_for(&swept.item);
            let p = Proposal {
                kind,
                recommendation: Recommendation::Required,
                rationale: format!(
                    "{} `{}` {}",
                    swept.item.kind.name(),
                    swept.item.name,
                    suspicion(&swept.item, sweep.since)
                ),
            };
            if let Some(id) = self.add_actions(Phase::Eradication, vec![p], now).pop() {
                if let Some(a) = self.action_mut(&id) {
                    // The listed item is the before-state: kept so a human can restore it.
                    a.record.state_before = Some(item_json(&swept.item));
                }
                swept.action = Some(id);
            }
        }
        if let Some(s) = self.findings.sweep.as_mut() {
            s.items = items;
        }
    }

    /// Turns proposals into actions; a proposal whose idempotency key already exists is the same
    /// action and is not added twice.
    fn add_actions(&mut self, phase: Phase, proposals: Vec<Proposal>, now: DateTime<Utc>) -> Vec<ActionId> {
        let style = self.call_style();
        let mut ids = Vec::new();
        for p in proposals {
            let id = ActionId(format!("a{}", self.next_action));
            let (user, account) = self.target_account();
            let mut action = Action::propose_on(&self.incident.id, id, user, account, phase, p, style);
            if let Some(call) = self.connector_call(&action) {
                action.planned_call = call;
            }
            if let Some(existing) = self.incident.actions.iter().find(|a| a.idempotency_key == action.idempotency_key) {
                ids.push(existing.id.clone());
                continue;
            }
            self.next_action += 1;
            let what = format!("{} proposed: {} on {}", action.id, action.kind.name(), action.target);
            self.incident.record(now, TimelineKind::Proposed, what, Some(action.planned_call.clone()));
            ids.push(action.id.clone());
            self.incident.actions.push(action);
        }
        ids
    }

    fn set_status(&mut self, id: &ActionId, status: ActionStatus, note: Option<String>, now: DateTime<Utc>) {
        let Some(a) = self.action_mut(id) else { return };
        a.status = status;
        match status {
            ActionStatus::Approved => a.record.approved_at = Some(now),
            ActionStatus::Executed | ActionStatus::OutcomeUnknown | ActionStatus::Failed => {
                a.record.executed_at = Some(now)
            }
            ActionStatus::Verified | ActionStatus::VerificationFailed => a.record.verified_at = Some(now),
            _ => {}
        }
        if note.is_some() {
            a.record.note = note.clone();
        }
        let what = format!("{id} {}", status.name());
        self.incident.record(now, TimelineKind::ActionStatus, what, note);
    }

    fn action_mut(&mut self, id: &ActionId) -> Option<&mut Action> {
        self.incident.actions.iter_mut().find(|a| a.id == *id)
    }

    // ----- resolving -----------------------------------------------------------------------

    pub(crate) fn resolve(
        &mut self,
        id: EffectId,
        outcome: EffectOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let idx = self.pending.iter().position(|p| p.effect.id == id).ok_or(EngineError::UnknownEffect(id))?;
        let expected = self.pending[idx].effect.kind.expected_outcome();
        let got = outcome.name();
        if got != expected && got != "failed" {
            return Err(EngineError::WrongOutcome {
                effect: id,
                effect_kind: self.pending[idx].effect.kind.name(),
                expected,
                got,
            });
        }
        let Pending { slot, effect } = self.pending.remove(idx);
        let error = match &outcome {
            EffectOutcome::Failed { failure } => Some(failure.message.clone()),
            _ => None,
        };
        self.effect_log.push(EffectLog {
            id,
            effect: effect.kind.name().to_owned(),
            phase: effect.phase,
            attempt: effect.attempt,
            issued_at: effect.issued_at,
            resolved_at: now,
            outcome: got.to_owned(),
            error: error.clone(),
        });
        let (kind, what) = match &error {
            Some(e) => (TimelineKind::EffectFailed, format!("{id} {} failed: {e}", effect.kind.name())),
            None => (TimelineKind::EffectResolved, format!("{id} {} -> {got}", effect.kind.name())),
        };
        self.incident.record(now, kind, what, None);
        match outcome {
            EffectOutcome::Failed { failure } => self.apply_failure(slot, &effect, failure, now),
            outcome => self.apply(slot, &effect, outcome, now),
        }
        Ok(())
    }

    fn apply(&mut self, slot: Slot, effect: &Effect, outcome: EffectOutcome, now: DateTime<Utc>) {
        match (&slot, outcome) {
            (Slot::CheckConnectors, EffectOutcome::Readiness { connectors }) => {
                for role in ConnectorRole::ALL {
                    if !connectors.iter().any(|c| c.role == role && c.ready) {
                        let what = format!("{} connector missing or not ready: run downgraded", role.name());
                        self.incident.record(now, TimelineKind::Downgraded, what.clone(), None);
                        self.gap(Some(role), what);
                    }
                }
                self.findings.readiness = Some(connectors);
            }
            (Slot::FetchCase, EffectOutcome::Case { case }) => self.findings.case = Some(case),
            (Slot::FindDuplicates, EffectOutcome::Cases { cases }) => {
                let own = &self.incident.inputs.case_id;
                self.findings.duplicates = cases.into_iter().filter(|c| c.id != *own).collect();
                if !self.findings.duplicates.is_empty() {
                    let ids: Vec<&str> = self.findings.duplicates.iter().map(|c| c.id.as_str()).collect();
                    let what = format!("duplicate of case(s) {}", ids.join(", "));
                    self.incident.record(now, TimelineKind::Note, what, None);
                }
            }
            (Slot::FindRelated, EffectOutcome::Cases { cases }) => {
                let own = &self.incident.inputs.case_id;
                self.findings.related = cases.into_iter().filter(|c| c.id != *own).collect();
            }
            (Slot::LookupUser, EffectOutcome::User { user }) => self.findings.user = Some(user),
            (Slot::LookupEntity, EffectOutcome::Entity { summary }) => self.findings.entity = Some(summary),
            (Slot::SearchEvents, EffectOutcome::Events { events }) => {
                if let EffectKind::SearchEvents { from, to, .. } = &effect.kind {
                    self.findings.search_window = Some((*from, *to));
                }
                self.findings.events_searched = true;
                self.assess(events, now);
            }
            (Slot::Comment { phase }, EffectOutcome::CommentPosted { comment_id }) => {
                let rec = self.comment_mut(*phase);
                rec.posted = true;
                rec.comment_id = comment_id;
            }
            (Slot::Approval { .. }, EffectOutcome::Approvals { response }) => {
                let requested = match &effect.kind {
                    EffectKind::RequestApproval { action_ids, .. } => action_ids.clone(),
                    _ => Vec::new(),
                };
                self.apply_approvals(&requested, response, now);
            }
            (Slot::Execute { action }, EffectOutcome::Executed { before, after }) => {
                if let Some(a) = self.action_mut(action) {
                    if before.is_some() {
                        a.record.state_before = before;
                    }
                    a.record.state_after = after;
                }
                self.set_status(action, ActionStatus::Executed, None, now);
            }
            (Slot::Verify { action }, EffectOutcome::Verification { holds, observed }) => {
                let was_unknown =
                    self.incident.action(action).is_some_and(|a| a.status == ActionStatus::OutcomeUnknown);
                if let Some(a) = self.action_mut(action) {
                    a.record.observed = observed;
                }
                if holds {
                    let note = was_unknown.then(|| "outcome was unknown; verification shows it applied".to_owned());
                    self.set_status(action, ActionStatus::Verified, note, now);
                } else {
                    let note = if was_unknown {
                        "outcome was unknown; verification shows it did not apply (not re-sent: decide by hand)"
                    } else {
                        "target is not in the expected post-state"
                    };
                    self.set_status(action, ActionStatus::VerificationFailed, Some(note.into()), now);
                }
            }
            (Slot::ListPersistence, EffectOutcome::Persistence { items, not_listed }) => {
                let since = match &effect.kind {
                    EffectKind::ListPersistence { since, .. } => *since,
                    _ => self.compromise_start(),
                };
                let items: Vec<SweptItem> = items
                    .into_iter()
                    .map(|item| SweptItem { suspicious: is_suspicious(&item, since), item, action: None })
                    .collect();
                let n = items.iter().filter(|i| i.suspicious).count();
                let what = format!("persistence sweep: {} item(s) listed, {n} suspicious", items.len());
                self.incident.record(now, TimelineKind::Persistence, what, None);
                for kind in &not_listed {
                    self.gap(Some(kind.role()), format!("persistence kind {} could not be listed", kind.name()));
                }
                self.findings.sweep = Some(Sweep { at: now, since, items, not_listed });
            }
            (Slot::NotifyUser, EffectOutcome::Done) => self.findings.user_notified = true,
            (Slot::StartMonitoring, EffectOutcome::Done) => {
                if let EffectKind::StartMonitoring { until, .. } = &effect.kind {
                    self.findings.monitoring_window = Some((now, *until));
                }
            }
            (Slot::CheckMonitoring, EffectOutcome::Events { events }) => self.apply_monitoring(effect, events, now),
            // The outcome type was checked against the effect kind; slots and kinds correspond.
            _ => {}
        }
        if is_lookup(&slot) {
            self.done.push(slot);
        }
    }

    fn apply_failure(&mut self, slot: Slot, effect: &Effect, failure: Failure, now: DateTime<Utc>) {
        match &slot {
            Slot::Comment { phase } => {
                let rec = self.comment_mut(*phase);
                rec.errors.push(failure.message);
            }
            Slot::Execute { action } => {
                let (status, note) = if failure.may_have_been_applied {
                    (
                        ActionStatus::OutcomeUnknown,
                        format!("outcome unknown ({}): will verify, never re-send", failure.message),
                    )
                } else if failure.connector_missing {
                    (ActionStatus::Skipped, format!("no connector: {}", failure.message))
                } else {
                    (ActionStatus::Failed, failure.message)
                };
                self.set_status(action, status, Some(note), now);
            }
            Slot::Verify { action } => {
                let what = format!("verification of {action} failed: {}", failure.message);
                self.incident.record(now, TimelineKind::Note, what, None);
            }
            Slot::Approval { .. } => {
                let what = format!("approval request failed: {}", failure.message);
                self.incident.record(now, TimelineKind::Approval, what, None);
            }
            Slot::CheckConnectors => {
                // Health unknown: proceed, each effect fails on its own if its connector is gone.
                self.gap(None, format!("connector health check failed: {}", failure.message));
            }
            _ => {
                let role = effect.kind.role();
                self.gap(role, format!("{} failed: {}", effect.kind.name(), failure.message));
            }
        }
        if is_lookup(&slot) {
            self.done.push(slot);
        }
    }

    fn apply_approvals(&mut self, requested: &[ActionId], response: ApprovalResponse, now: DateTime<Utc>) {
        let account = self.account_ids();
        for refusal in response.refusals {
            if account.contains(&refusal.approver) {
                // The account under investigation may be the attacker: its "no" counts for nothing.
                let what = format!("refusal by {} ignored: it is the account under investigation", refusal.approver);
                self.incident.record(now, TimelineKind::Approval, what, None);
                continue;
            }
            for id in &refusal.action_ids {
                if requested.contains(id)
                    && self.incident.action(id).is_some_and(|a| a.status == ActionStatus::Proposed)
                {
                    let note = format!("refused by {}: {}", refusal.approver, refusal.reason);
                    self.set_status(id, ActionStatus::Refused, Some(note), now);
                }
            }
            self.incident.refusals.push(refusal);
        }
        for approval in response.approvals {
            let mut errors = Vec::new();
            for entry in &approval.actions {
                match self.incident.action(&entry.action_id) {
                    None => errors.push(
                        approval::ApprovalError::UnknownAction {
                            approver: approval.approver.clone(),
                            action: entry.action_id.clone(),
                        }
                        .to_string(),
                    ),
                    Some(a) => {
                        if let Err(e) = approval::check(&approval, a, &account, &self.policy.runbook, now) {
                            errors.push(e.to_string());
                        }
                    }
                }
            }
            let ids: Vec<&str> = approval.actions.iter().map(|a| a.action_id.as_str()).collect();
            let what = format!("approval by {} for {}", approval.approver, ids.join(", "));
            let detail = (!errors.is_empty()).then(|| format!("rejected: {}", errors.join("; ")));
            self.incident.record(now, TimelineKind::Approval, what, detail);
            self.incident.approvals.push(approval);
        }
        for id in requested {
            let Some(action) = self.incident.action(id).cloned() else { continue };
            if action.status != ActionStatus::Proposed {
                continue;
            }
            let required = self.required_approvers(&action);
            match approval::authorize(&action, &self.incident.approvals, &account, required, &self.policy.runbook, now)
            {
                Ok(approvers) => {
                    let names: Vec<&str> = approvers.iter().map(UserId::as_str).collect();
                    self.set_status(id, ActionStatus::Approved, Some(format!("approved by {}", names.join(", "))), now);
                }
                Err(e) => {
                    let what = format!("{id} not approved: {e}");
                    self.incident.record(now, TimelineKind::Approval, what, None);
                }
            }
        }
    }

    fn apply_monitoring(&mut self, effect: &Effect, events: Vec<Event>, _now: DateTime<Utc>) {
        let (from, to) = match &effect.kind {
            EffectKind::CheckMonitoring { from, to, .. } => (*from, *to),
            _ => return,
        };
        let attacker_ips: BTreeSet<_> = self.findings.evidence.iter().filter_map(|e| e.network.ip).collect();
        let mut population = Population::default();
        for e in &events {
            population.observe(e);
        }
        let n = events.len() as u64;
        let mut suspicious: BTreeSet<EventId> = events
            .iter()
            .filter(|e| e.network.ip.is_some_and(|ip| attacker_ips.contains(&ip)))
            .map(|e| e.id.clone())
            .collect();
        let assessment = assess_user(self.incident.user(), events, &population, &self.policy);
        suspicious.extend(assessment.signals.iter().flat_map(|s| s.events.iter().cloned()));
        self.findings.monitoring =
            Some(Monitoring { from, to, events: n, suspicious: suspicious.into_iter().collect() });
    }

    fn assess(&mut self, events: Vec<Event>, now: DateTime<Utc>) {
        // Every event teaches the tenant-wide population (a SIEM may return other accounts'
        // events from the user's sign-in sources, so a password spray is visible); only the
        // user's own are assessed, mapped and cited.
        let mut population = Population::default();
        for e in &events {
            population.observe(e);
        }
        let user = self.incident.user().clone();
        let events: Vec<Event> =
            events.into_iter().filter(|e| e.user == user || e.actor.as_ref() == Some(&user)).collect();
        let mut all = events.clone();
        all.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.id.cmp(&b.id)));
        let assessment = assess_user(self.incident.user(), events, &population, &self.policy);
        let cited: BTreeSet<&EventId> = assessment.signals.iter().flat_map(|s| s.events.iter()).collect();
        let mut evidence: Vec<Event> = all.iter().filter(|e| cited.contains(&e.id)).cloned().collect();
        evidence.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.id.cmp(&b.id)));
        evidence.dedup_by(|a, b| a.id == b.id);
        // The user's own places and networks: the baseline look-back, as the assessment split it.
        let familiar = Baseline::build(&all[..window_split(&all, &self.policy)]);
        let mut logins: Vec<LoginPoint> = all
            .iter()
            .filter(|e| e.kind == crate::evidence::EventKind::Login)
            .filter_map(|e| {
                let geo = e.network.geo.as_ref()?;
                let (lat, lon) = geo.coordinates()?;
                let place = match (&geo.city, &geo.country) {
                    (Some(c), Some(k)) => Some(format!("{c}, {k}")),
                    (None, Some(k)) => Some(k.to_string()),
                    (Some(c), None) => Some(c.to_string()),
                    _ => None,
                };
                Some(LoginPoint {
                    event: e.id.clone(),
                    time: e.time,
                    lat,
                    lon,
                    ip: e.network.ip.map(|ip| ip.to_string()),
                    place,
                    // Cited sign-ins from the user's own places and networks (the "before" end
                    // of an impossible-travel pair) are the user's, not the attacker's.
                    suspicious: cited.contains(&e.id)
                        && !(familiar.knows_network(e) && familiar.knows_location((lat, lon))),
                    success: e.outcome.is_success(),
                })
            })
            .collect();
        logins.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.event.cmp(&b.event)));
        logins.dedup_by(|a, b| a.event == b.event);
        if logins.len() > MAX_LOGIN_POINTS {
            // Keep every suspicious point and the most recent normal ones.
            let (sus, normal): (Vec<_>, Vec<_>) = logins.into_iter().partition(|p| p.suspicious);
            let keep = MAX_LOGIN_POINTS.saturating_sub(sus.len());
            let skip = normal.len().saturating_sub(keep);
            logins = sus.into_iter().chain(normal.into_iter().skip(skip)).collect();
            logins.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.event.cmp(&b.event)));
        }
        self.findings.events_found = all.len() as u64;
        self.findings.evidence = evidence;
        self.findings.logins = logins;
        let what = format!(
            "assessed {}: likelihood {} (score {:.0}, {} signal(s), {} event(s))",
            assessment.user,
            assessment.likelihood,
            assessment.score,
            assessment.signals.len(),
            all.len()
        );
        self.incident.record(now, TimelineKind::Assessed, what, None);
        self.incident.assessment = Some(assessment);
    }

    // ----- analyst and overrides -----------------------------------------------------------

    pub(crate) fn record_analyst_decision(
        &mut self,
        d: AnalystDecision,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let phase = self.incident.phase();
        if !matches!(phase, Phase::Preparation | Phase::Identification) || self.outcome.is_some() {
            return Err(EngineError::DecisionRejected { phase, reason: "containment is already decided" });
        }
        if self.comments.iter().any(|c| c.phase == Phase::Identification && (c.posted || c.attempts > 0)) {
            return Err(EngineError::DecisionRejected { phase, reason: "the identification comment is already out" });
        }
        if self.incident.likelihood().is_some_and(|l| d.likelihood < l) {
            return Err(EngineError::DecisionRejected { phase, reason: "a decision can only raise the likelihood" });
        }
        let what = format!("analyst {} recorded likelihood {}", d.analyst, d.likelihood);
        self.incident.record(now, TimelineKind::AnalystDecision, what, Some(d.reason.clone()));
        self.incident.analyst_decision = Some(d);
        Ok(())
    }

    pub(crate) fn override_planned_call(
        &mut self,
        id: &ActionId,
        call: String,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let action = self.incident.action(id).ok_or_else(|| EngineError::UnknownAction(id.clone()))?;
        let phase = action.phase;
        let asked = self.approval_rounds(phase) > 0
            || self.pending.iter().any(|p| matches!(&p.slot, Slot::Approval { phase: ph, .. } if *ph == phase));
        if action.status != ActionStatus::Proposed || asked {
            return Err(EngineError::ActionFrozen(id.clone()));
        }
        let what = format!("{id} planned call overridden");
        if let Some(a) = self.action_mut(id) {
            a.planned_call = call.clone();
        }
        self.incident.record(now, TimelineKind::Note, what, Some(call));
        Ok(())
    }

    pub(crate) fn abandon_pending(&mut self, now: DateTime<Utc>) -> Vec<EffectId> {
        let pending = std::mem::take(&mut self.pending);
        let mut ids = Vec::new();
        for p in pending {
            ids.push(p.effect.id);
            if let Slot::Execute { action } = &p.slot {
                let note = "driver interrupted while executing: outcome unknown, will verify, never re-send";
                self.set_status(action, ActionStatus::OutcomeUnknown, Some(note.into()), now);
            } else {
                let what = format!("{} {} abandoned; will be asked again", p.effect.id, p.effect.kind.name());
                self.incident.record(now, TimelineKind::Note, what, None);
            }
        }
        ids
    }

    // ----- queries -------------------------------------------------------------------------

    pub(crate) fn plan(&self) -> Vec<PlanItem> {
        self.incident
            .actions
            .iter()
            .map(|a| PlanItem {
                action_id: a.id.clone(),
                phase: a.phase,
                kind: a.kind.name().to_owned(),
                target: a.target.to_string(),
                planned_call: a.planned_call.clone(),
                recommendation: a.recommendation,
                approvers_required: self.required_approvers(a),
                status: a.status,
            })
            .collect()
    }

    pub(crate) fn summary(&self) -> Option<RunSummary> {
        let outcome = self.outcome.clone()?;
        Some(RunSummary {
            outcome,
            phase: self.incident.phase(),
            likelihood: self.incident.likelihood(),
            plan: self.plan(),
            problems: self.problems(),
        })
    }

    pub(crate) fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in self.comments.iter().filter(|c| !c.posted && !c.errors.is_empty()) {
            out.push(format!(
                "{} comment not posted after {} attempt(s): {}",
                c.phase.title(),
                c.attempts,
                c.errors.join("; ")
            ));
        }
        for a in &self.incident.actions {
            if matches!(
                a.status,
                ActionStatus::Failed
                    | ActionStatus::OutcomeUnknown
                    | ActionStatus::VerificationFailed
                    | ActionStatus::Skipped
                    | ActionStatus::Refused
            ) && !self.options.dry_run
            {
                let note = a.record.note.as_deref().unwrap_or("");
                out.push(
                    format!("{} {} on {}: {} {note}", a.id, a.kind.name(), a.target, a.status).trim_end().to_owned(),
                );
            }
        }
        for w in &self.findings.reenable_withheld {
            out.push(format!("re-enable withheld: {w}"));
        }
        for g in &self.findings.gaps {
            out.push(format!("gap ({}): {}", g.phase, g.what));
        }
        if let Some(m) = &self.findings.monitoring {
            if !m.suspicious.is_empty() {
                out.push(format!("{} suspicious event(s) during monitoring", m.suspicious.len()));
            }
        }
        if let Some(RunOutcome::Blocked { phase, reason }) = &self.outcome {
            out.push(format!("blocked in {phase}: {reason}"));
        }
        out
    }

    fn is_done(&self, slot: &Slot) -> bool {
        self.done.contains(slot)
    }

    fn comment_mut(&mut self, phase: Phase) -> &mut CommentRecord {
        if let Some(i) = self.comments.iter().position(|c| c.phase == phase) {
            return &mut self.comments[i];
        }
        self.comments.push(CommentRecord { phase, attempts: 0, posted: false, comment_id: None, errors: Vec::new() });
        let last = self.comments.len() - 1;
        &mut self.comments[last]
    }

    fn gap(&mut self, role: Option<ConnectorRole>, what: String) {
        let phase = self.incident.phase();
        if !self.findings.gaps.iter().any(|g| g.what == what) {
            self.findings.gaps.push(Gap { phase, role, what });
        }
    }

    /// A role is usable when the health check said so; when the check itself failed, every role
    /// is tried (each effect then fails on its own).
    fn available(&self, role: ConnectorRole) -> bool {
        match &self.findings.readiness {
            Some(list) => list.iter().any(|c| c.role == role && c.ready),
            None => true,
        }
    }

    fn call_style(&self) -> CallStyle {
        self.findings
            .readiness
            .iter()
            .flatten()
            .find(|c| c.role == ConnectorRole::IdentityProvider && c.ready)
            .and_then(|c| c.call_style)
            .unwrap_or_default()
    }

    /// The identity provider's own call text for `action`, when it gave one for the kind
    /// (account-level kinds only: the template names no object).
    fn connector_call(&self, action: &Action) -> Option<String> {
        if action.kind.object_id().is_some()
            || ConnectorRole::for_action(&action.kind) != ConnectorRole::IdentityProvider
        {
            return None;
        }
        let status =
            self.findings.readiness.iter().flatten().find(|c| c.role == ConnectorRole::IdentityProvider && c.ready)?;
        let template = status.planned_calls.get(action.kind.name())?;
        Some(template.replace("{user}", action.target.vendor_id()))
    }

    /// The account actions address: its login (normalised, for matching) and the IdP's id
    /// verbatim when known (vendor ids are case-sensitive; vendor calls take it).
    fn target_account(&self) -> (UserId, Option<AccountId>) {
        match &self.findings.user {
            Some(u) => (u.login.clone(), Some(AccountId(u.id.trim().to_owned())).filter(|a| !a.0.is_empty())),
            None => (self.incident.user().clone(), None),
        }
    }

    /// Every identity of the account under investigation (for self-approval checks).
    fn account_ids(&self) -> Vec<UserId> {
        let mut ids = vec![self.incident.user().clone()];
        if let Some(u) = &self.findings.user {
            ids.push(u.login.clone());
            ids.push(UserId::new(&u.id));
        }
        ids
    }

    fn protected(&self) -> bool {
        self.policy.is_protected(self.incident.user())
            || self.findings.user.as_ref().is_some_and(|u| u.privileged || self.policy.is_protected(&u.login))
    }

    fn required_approvers(&self, action: &Action) -> u8 {
        approval::required_approvers(&action.kind, self.protected(), &self.policy.runbook)
    }

    fn containment_disables(&self) -> bool {
        self.incident.actions.iter().any(|a| a.phase == Phase::Containment && a.kind == ActionKind::DisableAccount)
    }

    fn account_disabled(&self) -> bool {
        self.incident.actions.iter().any(|a| {
            a.phase == Phase::Containment && a.kind == ActionKind::DisableAccount && a.status == ActionStatus::Verified
        })
    }

    /// Why the account may not be re-enabled yet (hard rule 2). Empty when it may.
    pub(crate) fn reenable_blockers(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.findings.sweep {
            None => out.push("the persistence check has not run".to_owned()),
            Some(sweep) => {
                if !sweep.not_listed.is_empty() {
                    let kinds: Vec<&str> = sweep.not_listed.iter().map(|k| k.name()).collect();
                    out.push(format!("persistence not listed: {}", kinds.join(", ")));
                }
                for item in sweep.items.iter().filter(|i| i.suspicious) {
                    let status = item.action.as_ref().and_then(|id| self.incident.action(id)).map(|a| a.status);
                    if status != Some(ActionStatus::Verified) {
                        let s = status.map_or("no removal proposed", ActionStatus::name);
                        out.push(format!("{} `{}` not removed ({s})", item.item.kind.name(), item.item.name));
                    }
                }
            }
        }
        let reset = self.incident.actions.iter().find(|a| a.kind == ActionKind::ResetPassword);
        match reset {
            Some(a) if a.status == ActionStatus::Verified => {}
            Some(a) => out.push(format!("password reset {} not verified ({})", a.id, a.status)),
            None => out.push("no password reset was made".to_owned()),
        }
        out
    }

    /// Start of the compromise window: the earliest evidence event, else the search window start.
    fn compromise_start(&self) -> DateTime<Utc> {
        self.findings
            .evidence
            .iter()
            .map(|e| e.time)
            .min()
            .or(self.findings.search_window.map(|(from, _)| from))
            .unwrap_or(self.incident.started_at - Duration::hours(i64::from(self.policy.window_hours)))
    }
}

fn want1(slot: Slot, kind: EffectKind) -> Drive {
    Drive::Want(vec![Want { slot, kind, not_before: None }])
}

/// Slots completed once and for all by their first outcome.
fn is_lookup(slot: &Slot) -> bool {
    !matches!(slot, Slot::Comment { .. } | Slot::Execute { .. } | Slot::Verify { .. })
}

fn describe(kind: &EffectKind) -> Option<String> {
    match kind {
        EffectKind::ExecuteAction { action } => {
            Some(format!("{} {}: {}", action.id, action.kind.name(), action.planned_call))
        }
        EffectKind::VerifyAction { action } => {
            Some(format!("{} {}: {}", action.id, action.kind.name(), action.verification))
        }
        EffectKind::SearchEvents { from, to, .. } => Some(format!("{} .. {}", from.to_rfc3339(), to.to_rfc3339())),
        EffectKind::RequestApproval { action_ids, .. } => {
            Some(action_ids.iter().map(ActionId::as_str).collect::<Vec<_>>().join(", "))
        }
        _ => None,
    }
}

/// Attacker-made: flagged by the connector, or created inside the compromise window.
fn is_suspicious(item: &PersistenceItem, since: DateTime<Utc>) -> bool {
    item.flagged || item.created_at.is_some_and(|t| t >= since)
}

fn suspicion(item: &PersistenceItem, since: DateTime<Utc>) -> String {
    match item.created_at {
        Some(t) if t >= since => format!("created {} inside the compromise window", t.to_rfc3339()),
        _ => "flagged by the connector".to_owned(),
    }
}

fn removal_for(item: &PersistenceItem) -> ActionKind {
    let id = item.id.clone();
    match item.kind {
        PersistenceKind::InboxRule => ActionKind::DeleteInboxRule { rule_id: id, name: item.name.clone() },
        PersistenceKind::MailboxForwarding => {
            ActionKind::RemoveMailboxForwarding { forward_to: item.forward_to.clone() }
        }
        PersistenceKind::Delegate => ActionKind::RemoveDelegate { delegate: id },
        PersistenceKind::OauthGrant => ActionKind::RevokeGrant { grant_id: id, app: Some(item.name.clone()) },
        PersistenceKind::MfaFactor => ActionKind::RemoveFactor { factor_id: id, factor_type: Some(item.name.clone()) },
        PersistenceKind::RecoveryMethod => {
            ActionKind::RemoveRecoveryMethod { method_id: id, channel: item.name.clone() }
        }
        PersistenceKind::AppPassword => ActionKind::RevokeAppPassword { password_id: id },
        PersistenceKind::AdminRole => {
            ActionKind::RemoveRoleAssignment { assignment_id: id, role: Some(item.name.clone()) }
        }
    }
}

fn item_json(item: &PersistenceItem) -> serde_json::Value {
    item.detail.clone().unwrap_or_else(|| serde_json::to_value(item).unwrap_or(serde_json::Value::Null))
}
