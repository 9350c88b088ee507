//! Who decides on the actions the runbook proposes: an [`Approver`] (the CLI's prompt, a chat
//! workflow, a function in tests through [`FnApprover`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use irp_core::action::Action;
use irp_core::approval::ApprovalResponse;
use irp_core::incident::CaseId;

use super::error::ApproverError;

/// One action awaiting a decision.
#[derive(Clone, Copy, Debug)]
pub struct PendingApproval<'a> {
    /// The action exactly as it will run: target, planned call, idempotency key.
    pub action: &'a Action,
    /// How many distinct approvers the policy requires for it.
    pub approvers_required: u8,
}

/// What an approver is asked.
#[derive(Clone, Debug)]
pub struct ApprovalRequest<'a> {
    /// The case.
    pub case_id: &'a CaseId,
    /// The account under investigation (an approver who is this account is refused by the engine).
    pub subject: &'a irp_core::evidence::UserId,
    /// The actions, in the order the engine lists them.
    pub pending: Vec<PendingApproval<'a>>,
    /// The plan as the engine wrote it for approvers (Markdown).
    pub plan: &'a str,
    /// The responder's clock at the request: approvals should be stamped with it.
    pub now: DateTime<Utc>,
}

/// Decides on proposed actions. A refusal is a decision (an [`ApprovalResponse`] with
/// refusals); an error means nobody could be asked, and the engine treats the approval as failed.
#[async_trait]
pub trait Approver: Send + Sync {
    /// Approves or refuses the pending actions.
    async fn decide(&self, request: &ApprovalRequest<'_>) -> Result<ApprovalResponse, ApproverError>;
}

/// An [`Approver`] from a plain function, for tests and scripted approvals.
pub struct FnApprover<F>(pub F);

impl<F> std::fmt::Debug for FnApprover<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnApprover")
    }
}

#[async_trait]
impl<F> Approver for FnApprover<F>
where
    F: Fn(&ApprovalRequest<'_>) -> ApprovalResponse + Send + Sync,
{
    async fn decide(&self, request: &ApprovalRequest<'_>) -> Result<ApprovalResponse, ApproverError> {
        Ok((self.0)(request))
    }
}
