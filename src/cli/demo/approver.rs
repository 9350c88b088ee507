//! Who approves the demo's actions: the clearly labelled demo approver (automatic), or a person
//! at the terminal (`--interactive`), who sees every action's exact call and target first.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use irp::connectors::responder::{ApprovalRequest, ApproverError, PendingApproval};
use irp::core::action::Action;
use irp::core::approval::{Approval, ApprovalResponse};

use crate::cli::approve::{analyst_name, prompt, APPROVAL_VALIDITY_MINUTES};

/// The demo approver's identity: not a person, and named so nobody mistakes it for one.
pub const DEMO_APPROVER: &str = "irp-demo-approver";
/// The second demo approver, for actions the policy gives to two people.
pub const DEMO_SECOND_APPROVER: &str = "irp-demo-approver-2";

/// Where decisions come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approver {
    /// Approves everything, as [`DEMO_APPROVER`] (plus [`DEMO_SECOND_APPROVER`] when two are needed).
    Demo,
    /// Asks on the terminal, action by action.
    Interactive,
}

#[async_trait]
impl irp::connectors::responder::Approver for Approver {
    async fn decide(&self, request: &ApprovalRequest<'_>) -> Result<ApprovalResponse, ApproverError> {
        Ok(match self {
            Approver::Demo => demo(&request.pending, request.now),
            // The prompt blocks on the terminal: the demo drives one incident, nothing else waits.
            Approver::Interactive => {
                prompt(&request.pending, request.now, &analyst_name(None), "irp demo --interactive")
            }
        })
    }
}

fn demo(pending: &[PendingApproval<'_>], now: DateTime<Utc>) -> ApprovalResponse {
    let expires = now + Duration::minutes(APPROVAL_VALIDITY_MINUTES);
    let mut first = Approval::of(DEMO_APPROVER, pending.iter().map(|p| p.action), now, expires);
    first.comment = Some("approved automatically by the irp demo approver (not a person)".into());
    let mut approvals = vec![first];
    let second: Vec<&Action> = pending.iter().filter(|p| p.approvers_required > 1).map(|p| p.action).collect();
    if !second.is_empty() {
        let mut approval = Approval::of(DEMO_SECOND_APPROVER, second, now, expires);
        approval.comment = Some("second approval, given automatically by the irp demo (not a person)".into());
        approvals.push(approval);
    }
    ApprovalResponse { approvals, refusals: Vec::new() }
}
