//! `Runbook` and `Effect`: the sans-IO engine, driven from Python.
//!
//! The engine never calls anything: it hands out effects (fetch the case, search events, ask for
//! approval, execute an action, ...) and is fed their outcomes. Effects and outcomes cross the
//! boundary as plain dicts in the engine's own JSON shape (`{"outcome": "case", "case": {...}}`),
//! so a SOAR playbook can store them and the binding never re-declares the engine's types; the
//! helpers (`resolve_events`, `approve`, `refuse`, `fail`) build the common outcomes.

use chrono::{DateTime, Duration, Utc};
use irp_core::approval::{Approval, ApprovalResponse, Refusal};
use irp_core::evidence::UserId;
use irp_core::incident::{AnalystDecision, CaseId, IncidentInputs};
use irp_core::report::{html, markdown};
use irp_core::runbook::{Effect, EffectId, EffectKind, EffectOutcome, EngineError, Failure, RunOptions, Runbook};
use irp_core::score::Likelihood;
use pyo3::prelude::*;
use pyo3::types::PyMapping;
use serde_json::Value;

use crate::convert::{extract_time, json_to_py, py_to_json};
use crate::errors::{PyIrpErr, PyIrpResult};
use crate::evidence::{evidence_arg, format_arg};
use crate::model::{PyAssessment, PyLikelihood};
use crate::policy::policy_arg;

/// `now=`: a timezone-aware datetime or RFC 3339 string; `None` means the current time. The core
/// never reads the clock; a Python driver may, so only this layer defaults it.
fn now_arg(now: Option<&Bound<'_, PyAny>>) -> PyIrpResult<DateTime<Utc>> {
    match now.filter(|n| !n.is_none()) {
        Some(now) => extract_time(now, "now"),
        None => Ok(Utc::now()),
    }
}

fn to_py<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyIrpResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value).map_err(|e| PyIrpErr::Internal(format!("not serialisable: {e}")))?;
    Ok(json_to_py(py, &json)?)
}

/// One call for the driver to make, then report with `Runbook.resolve(effect.id, ...)`.
#[pyclass(frozen, eq, name = "Effect", module = "irp._irp")]
#[derive(Clone, Debug, PartialEq)]
pub struct PyEffect {
    inner: Effect,
}

impl PyEffect {
    /// Wraps an engine effect (for the responder's progress events).
    pub(crate) fn new(inner: Effect) -> Self {
        PyEffect { inner }
    }
}

#[pymethods]
impl PyEffect {
    /// Sequence number within the run; `resolve` names it.
    #[getter]
    fn id(&self) -> u64 {
        self.inner.id.0
    }

    /// What to do (`"fetch_case"`, `"search_events"`, `"request_approval"`, `"execute_action"`, ...).
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind.name()
    }

    /// The phase that asked for it (`"identification"`, `"containment"`, ...).
    #[getter]
    fn phase(&self) -> &'static str {
        self.inner.phase.name()
    }

    /// When it was handed out.
    #[getter]
    fn issued_at(&self) -> DateTime<Utc> {
        self.inner.issued_at
    }

    /// Do not run before this time (monitoring checks); `None`: run now.
    #[getter]
    fn not_before(&self) -> Option<DateTime<Utc>> {
        self.inner.not_before
    }

    /// Attempt number, from 1 (comments and verifications are retried).
    #[getter]
    fn attempt(&self) -> u32 {
        self.inner.attempt
    }

    /// The `"outcome"` this effect accepts besides `"failed"` (`"case"`, `"events"`, ...).
    #[getter]
    fn expected_outcome(&self) -> &'static str {
        self.inner.kind.expected_outcome()
    }

    /// The connector role that serves it (`"siem"`, `"case_store"`, `"identity_provider"`,
    /// `"mailbox"`), or `None`.
    #[getter]
    fn role(&self) -> Option<&'static str> {
        self.inner.kind.role().map(|r| r.name())
    }

    /// The effect's arguments (`case_id`, `user`, `from`/`to`, `markdown`, `action`, ...).
    #[getter]
    fn args<'py>(&self, py: Python<'py>) -> PyIrpResult<Bound<'py, PyAny>> {
        let mut json =
            serde_json::to_value(&self.inner.kind).map_err(|e| PyIrpErr::Internal(format!("not serialisable: {e}")))?;
        if let Value::Object(map) = &mut json {
            map.remove("effect");
        }
        Ok(json_to_py(py, &json)?)
    }

    /// The whole effect as the engine serialises it.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyIrpResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "Effect(id={}, kind='{}', phase='{}')",
            self.inner.id.0,
            self.inner.kind.name(),
            self.inner.phase.name()
        )
    }
}

/// One incident's runbook run: poll it for effects, run them with your own integrations, feed
/// back their outcomes. Serialise it with `to_json()` between playbook blocks.
#[pyclass(eq, name = "Runbook", module = "irp._irp")]
#[derive(PartialEq)]
pub struct PyRunbook {
    inner: Runbook,
}

impl PyRunbook {
    fn pending_effect(&self, effect_id: u64) -> PyIrpResult<&Effect> {
        self.inner
            .pending()
            .into_iter()
            .find(|e| e.id.0 == effect_id)
            .ok_or_else(|| PyIrpErr::Engine(EngineError::UnknownEffect(EffectId(effect_id))))
    }

    fn resolve_with(&mut self, effect_id: u64, outcome: EffectOutcome, now: DateTime<Utc>) -> PyIrpResult<()> {
        Ok(self.inner.resolve(EffectId(effect_id), outcome, now)?)
    }
}

#[pymethods]
impl PyRunbook {
    /// A new run for `user_id` in case `case_id`, starting at `now`.
    #[new]
    #[pyo3(signature = (
        user_id, case_id, alert_group_ids = Vec::new(), initial_alert_details = None, policy = None,
        dry_run = false, now = None
    ))]
    fn new(
        user_id: &str,
        case_id: &str,
        alert_group_ids: Vec<String>,
        initial_alert_details: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
        dry_run: bool,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyIrpResult<Self> {
        let details = match initial_alert_details.filter(|d| !d.is_none()) {
            Some(d) => Some(py_to_json(d, "initial_alert_details")?),
            None => None,
        };
        let inputs = IncidentInputs {
            user_id: UserId::new(user_id),
            case_id: CaseId(case_id.to_owned()),
            alert_group_identifiers: alert_group_ids,
            initial_alert_details: details,
        };
        let runbook = Runbook::new(inputs, policy_arg(policy)?, RunOptions { dry_run }, now_arg(now)?);
        Ok(PyRunbook { inner: runbook })
    }

    /// Every newly runnable effect (empty when waiting for outcomes or done). Effects returned
    /// together may run concurrently.
    #[pyo3(signature = (now = None))]
    fn next_effects(&mut self, now: Option<&Bound<'_, PyAny>>) -> PyIrpResult<Vec<PyEffect>> {
        let now = now_arg(now)?;
        Ok(self.inner.next_effects(now).into_iter().map(|inner| PyEffect { inner }).collect())
    }

    /// The next effect to run, for a driver that runs one at a time: the oldest effect still
    /// awaiting its outcome, else the first newly runnable one; `None` when the run is over.
    #[pyo3(signature = (now = None))]
    fn next_effect(&mut self, now: Option<&Bound<'_, PyAny>>) -> PyIrpResult<Option<PyEffect>> {
        let now = now_arg(now)?;
        let oldest = self.inner.pending().into_iter().min_by_key(|e| e.id).cloned();
        let next = oldest.or_else(|| self.inner.next_effects(now).into_iter().next());
        Ok(next.map(|inner| PyEffect { inner }))
    }

    /// Effects handed out and not yet resolved, oldest first.
    #[getter]
    fn pending(&self) -> Vec<PyEffect> {
        let mut effects: Vec<PyEffect> =
            self.inner.pending().into_iter().map(|e| PyEffect { inner: e.clone() }).collect();
        effects.sort_by_key(|e| e.inner.id);
        effects
    }

    /// Feeds the outcome of effect `effect_id`, as the engine's JSON shape:
    /// `{"outcome": "case", "case": {"id": "42", "title": "..."}}`, `{"outcome": "done"}`, ...
    #[pyo3(signature = (effect_id, outcome, now = None))]
    fn resolve(
        &mut self,
        effect_id: u64,
        outcome: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyIrpResult<()> {
        let now = now_arg(now)?;
        if outcome.cast::<PyMapping>().is_err() {
            return Err(PyIrpErr::Type(format!("outcome: expected a dict, found `{}`", outcome.get_type().name()?)));
        }
        let json = py_to_json(outcome, "outcome")?;
        let outcome: EffectOutcome =
            serde_json::from_value(json).map_err(|e| PyIrpErr::Value(format!("outcome: {e}")))?;
        self.resolve_with(effect_id, outcome, now)
    }

    /// Resolves a `search_events` / `check_monitoring` effect with vendor records, parsed like
    /// `irp.assess` input: a path, bytes, a dict page or an iterable of dicts.
    #[pyo3(signature = (effect_id, events, format = "auto", now = None))]
    fn resolve_events(
        &mut self,
        py: Python<'_>,
        effect_id: u64,
        events: &Bound<'_, PyAny>,
        format: &str,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyIrpResult<()> {
        let now = now_arg(now)?;
        let format = format_arg(format)?;
        let evidence = evidence_arg(events)?.into_evidence()?;
        let events = py.detach(move || evidence.read_events(format))?;
        self.resolve_with(effect_id, EffectOutcome::Events { events }, now)
    }

    /// Resolves a `request_approval` effect: each approver approves every action it names, as
    /// the actions are now (ids and idempotency keys). The approval lapses at `expires_at`, by
    /// default the policy's maximum approval age after `now`. The engine still checks each one
    /// (no self-approval, expiry, second approver for protected accounts).
    #[pyo3(signature = (effect_id, approvers, now = None, expires_at = None, comment = None))]
    fn approve(
        &mut self,
        effect_id: u64,
        approvers: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
        expires_at: Option<&Bound<'_, PyAny>>,
        comment: Option<String>,
    ) -> PyIrpResult<()> {
        let now = now_arg(now)?;
        let approvers: Vec<String> = match approvers.extract::<String>() {
            Ok(one) => vec![one],
            Err(_) => approvers.extract()?,
        };
        let max_age = Duration::minutes(i64::from(self.inner.policy().runbook.approval_max_age_minutes));
        let expires_at = match expires_at.filter(|e| !e.is_none()) {
            Some(at) => extract_time(at, "expires_at")?,
            None => now + max_age,
        };
        let action_ids = approval_action_ids(self.pending_effect(effect_id)?)?;
        let incident = self.inner.incident();
        let actions: Vec<_> = action_ids.iter().filter_map(|id| incident.action(id)).collect();
        let approvals = approvers
            .iter()
            .map(|who| Approval {
                comment: comment.clone(),
                ..Approval::of(who, actions.iter().copied(), now, expires_at)
            })
            .collect();
        let response = ApprovalResponse { approvals, refusals: Vec::new() };
        self.resolve_with(effect_id, EffectOutcome::Approvals { response }, now)
    }

    /// Resolves a `request_approval` effect with a refusal of every action it names.
    #[pyo3(signature = (effect_id, approver, reason, now = None))]
    fn refuse(
        &mut self,
        effect_id: u64,
        approver: &str,
        reason: String,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyIrpResult<()> {
        let now = now_arg(now)?;
        let action_ids = approval_action_ids(self.pending_effect(effect_id)?)?;
        let refusal = Refusal { approver: UserId::new(approver), action_ids, at: now, reason };
        let response = ApprovalResponse { approvals: Vec::new(), refusals: vec![refusal] };
        self.resolve_with(effect_id, EffectOutcome::Approvals { response }, now)
    }

    /// Resolves any effect as failed. `may_have_been_applied`: the request may have reached the
    /// vendor (a timeout after sending), so an action is verified, never re-sent.
    /// `connector_missing`: no connector is configured for it (the run is downgraded, not stopped).
    #[pyo3(signature = (effect_id, message, may_have_been_applied = false, connector_missing = false, now = None))]
    fn fail(
        &mut self,
        effect_id: u64,
        message: String,
        may_have_been_applied: bool,
        connector_missing: bool,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyIrpResult<()> {
        let now = now_arg(now)?;
        let failure = Failure { message, may_have_been_applied, connector_missing };
        self.resolve_with(effect_id, EffectOutcome::Failed { failure }, now)
    }

    /// Records an analyst's decision (it can only raise the likelihood), before the
    /// Identification comment is posted.
    #[pyo3(signature = (analyst, likelihood, reason, now = None))]
    fn record_decision(
        &mut self,
        analyst: &str,
        likelihood: PyLikelihood,
        reason: String,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyIrpResult<()> {
        let now = now_arg(now)?;
        let likelihood = match likelihood {
            PyLikelihood::Low => Likelihood::Low,
            PyLikelihood::Medium => Likelihood::Medium,
            PyLikelihood::High => Likelihood::High,
            PyLikelihood::Confirmed => Likelihood::Confirmed,
        };
        let decision = AnalystDecision { analyst: UserId::new(analyst), likelihood, reason, at: now };
        Ok(self.inner.record_analyst_decision(decision, now)?)
    }

    /// After loading a state whose previous driver died with effects in flight: forgets them so
    /// they are handed out again, except an in-flight `execute_action`, which is verified, never
    /// re-sent. Returns the abandoned effect ids.
    #[pyo3(signature = (now = None))]
    fn abandon_pending(&mut self, now: Option<&Bound<'_, PyAny>>) -> PyIrpResult<Vec<u64>> {
        let now = now_arg(now)?;
        Ok(self.inner.abandon_pending(now).into_iter().map(|id| id.0).collect())
    }

    /// The current phase (`"preparation"`, `"identification"`, ..., or a terminal state).
    #[getter]
    fn phase(&self) -> &'static str {
        self.inner.incident().phase().name()
    }

    /// The likelihood in force (the assessment's, or an analyst's higher decision), once assessed.
    #[getter]
    fn likelihood(&self) -> PyIrpResult<Option<PyLikelihood>> {
        self.inner.incident().likelihood().map(PyLikelihood::try_from).transpose()
    }

    /// The Identification assessment, once made.
    #[getter]
    fn assessment(&self) -> PyIrpResult<Option<PyAssessment>> {
        self.inner.incident().assessment().cloned().map(PyAssessment::try_from).transpose()
    }

    /// True once the run is over.
    #[getter]
    fn is_done(&self) -> bool {
        self.inner.is_done()
    }

    /// The plan: every proposed action with its target, exact call and status.
    fn plan<'py>(&self, py: Python<'py>) -> PyIrpResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.plan())
    }

    /// How the run ended (`outcome`, `phase`, `likelihood`, `plan`, `problems`), or `None`
    /// while it is still running.
    fn summary<'py>(&self, py: Python<'py>) -> PyIrpResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.summary())
    }

    /// The incident: inputs, phase, assessment, actions, approvals and timeline.
    fn incident<'py>(&self, py: Python<'py>) -> PyIrpResult<Bound<'py, PyAny>> {
        to_py(py, self.inner.incident())
    }

    /// The final report as Markdown (for the case).
    fn report_markdown(&self) -> String {
        markdown::final_report(&self.inner.view())
    }

    /// The final report as self-contained HTML (login map and timeline).
    fn report_html(&self) -> String {
        html::final_report(&self.inner.view())
    }

    /// The whole state as versioned JSON; `Runbook.from_json` resumes it anywhere.
    fn to_json(&self) -> PyIrpResult<String> {
        Ok(self.inner.to_json()?)
    }

    /// Resumes a state written by `to_json`; an unknown `schema_version` is refused.
    #[staticmethod]
    fn from_json(text: &str) -> PyIrpResult<Self> {
        Ok(PyRunbook { inner: Runbook::from_json(text)? })
    }

    fn __repr__(&self) -> String {
        let incident = self.inner.incident();
        format!(
            "Runbook(incident='{}', phase='{}', pending={}, done={})",
            incident.id,
            incident.phase().name(),
            self.inner.pending().len(),
            if self.inner.is_done() { "True" } else { "False" }
        )
    }
}

/// The action ids a `request_approval` effect asks about.
fn approval_action_ids(effect: &Effect) -> PyIrpResult<Vec<irp_core::action::ActionId>> {
    match &effect.kind {
        EffectKind::RequestApproval { action_ids, .. } => Ok(action_ids.clone()),
        other => {
            Err(PyIrpErr::Value(format!("effect {} is a `{}`, not a `request_approval`", effect.id.0, other.name())))
        }
    }
}
