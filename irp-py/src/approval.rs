//! Approvals for the async `Responder`: what a Python approver is asked (`ApprovalRequest`, one
//! `PendingAction` per action) and what it answers (`Decision`), and the Rust [`Approver`] that
//! calls a plain or coroutine function with the interpreter attached.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use irp_connectors::responder::{ApprovalRequest, Approver, ApproverError};
use irp_core::action::ActionId;
use irp_core::approval::{Approval, ApprovalResponse, Refusal};
use irp_core::evidence::UserId;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::abort::Abort;
use crate::callback::call_maybe_async;

/// One action awaiting a decision, exactly as it will run.
#[pyclass(frozen, eq, get_all, name = "PendingAction", module = "irp._irp")]
#[derive(Clone, Debug, PartialEq)]
pub struct PyPendingAction {
    /// Action id (what a `Decision` names).
    id: String,
    /// `"disable_account"`, `"revoke_sessions"`, ...
    kind: String,
    /// The phase that proposed it.
    phase: String,
    /// Whom it acts on (`"user"` or `"user / object"`).
    target: String,
    /// The exact vendor call.
    planned_call: String,
    /// Why it is proposed.
    rationale: String,
    /// The state the target is expected in afterwards.
    expected_post_state: String,
    /// Key the action journal knows it by.
    idempotency_key: String,
    /// How many distinct approvers the policy requires.
    approvers_required: u8,
}

#[pymethods]
impl PyPendingAction {
    fn __repr__(&self) -> String {
        format!("PendingAction(id='{}', kind='{}', target='{}')", self.id, self.kind, self.target)
    }
}

/// What an approver is asked: the case, the account under investigation, the actions and the
/// plan the engine wrote for approvers.
#[pyclass(frozen, eq, name = "ApprovalRequest", module = "irp._irp")]
#[derive(Clone, Debug, PartialEq)]
pub struct PyApprovalRequest {
    case_id: String,
    subject: String,
    actions: Vec<PyPendingAction>,
    plan_markdown: String,
    now: DateTime<Utc>,
}

impl PyApprovalRequest {
    fn from_request(request: &ApprovalRequest<'_>) -> Self {
        let actions = request
            .pending
            .iter()
            .map(|p| PyPendingAction {
                id: p.action.id.as_str().to_owned(),
                kind: p.action.kind.name().to_owned(),
                phase: p.action.phase.name().to_owned(),
                target: p.action.target.to_string(),
                planned_call: p.action.planned_call.clone(),
                rationale: p.action.rationale.clone(),
                expected_post_state: p.action.expected_post_state.clone(),
                idempotency_key: p.action.idempotency_key.as_str().to_owned(),
                approvers_required: p.approvers_required,
            })
            .collect();
        PyApprovalRequest {
            case_id: request.case_id.as_str().to_owned(),
            subject: request.subject.as_str().to_owned(),
            actions,
            plan_markdown: request.plan.to_owned(),
            now: request.now,
        }
    }
}

#[pymethods]
impl PyApprovalRequest {
    /// The case.
    #[getter]
    fn case_id(&self) -> &str {
        &self.case_id
    }

    /// The account under investigation: it cannot approve actions on itself.
    #[getter]
    fn subject(&self) -> &str {
        &self.subject
    }

    /// The actions awaiting a decision, in the engine's order.
    #[getter]
    fn actions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.actions.iter().cloned())
    }

    /// The ids of `actions`.
    #[getter]
    fn action_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.actions.iter().map(|a| a.id.as_str()))
    }

    /// The plan as the engine wrote it for approvers (Markdown).
    #[getter]
    fn plan_markdown(&self) -> &str {
        &self.plan_markdown
    }

    /// The responder's clock at the request; approvals are stamped with it.
    #[getter]
    fn now(&self) -> DateTime<Utc> {
        self.now
    }

    fn __repr__(&self) -> String {
        format!(
            "ApprovalRequest(case_id='{}', subject='{}', actions={})",
            self.case_id,
            self.subject,
            self.actions.len()
        )
    }
}

/// An approver's answer: `approver` approves the actions in `approved` and refuses those in
/// `refused` (with `reason`); actions named in neither stay unapproved and do not run.
#[pyclass(frozen, eq, name = "Decision", module = "irp._irp")]
#[derive(Clone, Debug, PartialEq)]
pub struct PyDecision {
    approver: String,
    approved: Vec<String>,
    refused: Vec<String>,
    reason: Option<String>,
    comment: Option<String>,
}

#[pymethods]
impl PyDecision {
    #[new]
    #[pyo3(signature = (approver, approved = Vec::new(), refused = Vec::new(), reason = None, comment = None))]
    fn new(
        approver: String,
        approved: Vec<String>,
        refused: Vec<String>,
        reason: Option<String>,
        comment: Option<String>,
    ) -> PyResult<Self> {
        if approver.trim().is_empty() {
            return Err(PyValueError::new_err("Decision: approver must not be empty"));
        }
        if let Some(both) = approved.iter().find(|id| refused.contains(id)) {
            return Err(PyValueError::new_err(format!("Decision: action {both} is both approved and refused")));
        }
        if !refused.is_empty() && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(PyValueError::new_err("Decision: refusing actions needs a reason"));
        }
        Ok(PyDecision { approver, approved, refused, reason, comment })
    }

    /// Approves every action of `request` as `approver`.
    #[staticmethod]
    #[pyo3(signature = (request, approver, comment = None))]
    fn approve_all(request: &PyApprovalRequest, approver: String, comment: Option<String>) -> PyResult<Self> {
        let ids = request.actions.iter().map(|a| a.id.clone()).collect();
        Self::new(approver, ids, Vec::new(), None, comment)
    }

    /// Refuses every action of `request` as `approver`, for `reason`.
    #[staticmethod]
    fn refuse_all(request: &PyApprovalRequest, approver: String, reason: String) -> PyResult<Self> {
        let ids = request.actions.iter().map(|a| a.id.clone()).collect();
        Self::new(approver, Vec::new(), ids, Some(reason), None)
    }

    /// Who decided (recorded in the case; the engine refuses the account under investigation).
    #[getter]
    fn approver(&self) -> &str {
        &self.approver
    }

    /// The approved action ids.
    #[getter]
    fn approved<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.approved)
    }

    /// The refused action ids.
    #[getter]
    fn refused<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.refused)
    }

    /// Why the refused actions were refused.
    #[getter]
    fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// Free text recorded with the approvals.
    #[getter]
    fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }

    fn __repr__(&self) -> String {
        format!("Decision(approver='{}', approved={:?}, refused={:?})", self.approver, self.approved, self.refused)
    }
}

impl PyDecision {
    /// The engine's response for `request`; an id the request does not name is the approver's bug.
    fn to_response(&self, request: &ApprovalRequest<'_>, max_age: Duration) -> PyResult<ApprovalResponse> {
        let find = |id: &String| {
            request.pending.iter().map(|p| p.action).find(|a| a.id.as_str() == id).ok_or_else(|| {
                PyValueError::new_err(format!("Decision names action {id}, which is not in the request"))
            })
        };
        let approved = self.approved.iter().map(find).collect::<PyResult<Vec<_>>>()?;
        let refused =
            self.refused.iter().map(|id| find(id).map(|a| a.id.clone())).collect::<PyResult<Vec<ActionId>>>()?;
        let now = request.now;
        let mut response = ApprovalResponse::default();
        if !approved.is_empty() {
            let mut approval = Approval::of(&self.approver, approved, now, now + max_age);
            approval.comment = self.comment.clone();
            response.approvals.push(approval);
        }
        if !refused.is_empty() {
            response.refusals.push(Refusal {
                approver: UserId::new(&self.approver),
                action_ids: refused,
                at: now,
                reason: self.reason.clone().unwrap_or_default(),
            });
        }
        Ok(response)
    }
}

/// The Rust [`Approver`] over a Python callable. An exception from the callable (or a value that
/// is not a `Decision`) ends the run: it is handed to [`Abort`] and re-raised by `run()`.
pub struct PyApprover {
    callback: Py<PyAny>,
    max_age: Duration,
    abort: Abort,
}

impl PyApprover {
    /// Calls `callback`, whose approvals last `max_age`; Python errors go to `abort`.
    pub fn new(callback: Py<PyAny>, max_age: Duration, abort: Abort) -> Self {
        PyApprover { callback, max_age, abort }
    }

    async fn ask(&self, request: &ApprovalRequest<'_>) -> PyResult<ApprovalResponse> {
        let py_request = PyApprovalRequest::from_request(request);
        let decision = call_maybe_async(|py| self.callback.bind(py).call1((py_request,))).await?;
        Python::attach(|py| {
            let decision = decision.bind(py);
            let decision = decision.cast::<PyDecision>().map_err(|_| {
                let found = decision.get_type().name().map(|n| n.to_string()).unwrap_or_default();
                PyTypeError::new_err(format!("the approver must return an irp.Decision, not `{found}`"))
            })?;
            decision.get().to_response(request, self.max_age)
        })
    }
}

#[async_trait]
impl Approver for PyApprover {
    async fn decide(&self, request: &ApprovalRequest<'_>) -> Result<ApprovalResponse, ApproverError> {
        self.ask(request).await.map_err(|err| {
            let message = err.to_string();
            self.abort.raise(err);
            ApproverError(message)
        })
    }
}
