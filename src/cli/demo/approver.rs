//! Who approves the demo's actions: the clearly labelled demo approver (automatic), or a person
//! at the terminal (`--interactive`), who sees every action's exact call and target first.

use std::io::{BufRead, Write};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use irp::connectors::responder::{ApprovalRequest, ApproverError, PendingApproval};
use irp::core::action::Action;
use irp::core::approval::{Approval, ApprovalResponse, Refusal};
use irp::core::evidence::UserId;

/// The demo approver's identity: not a person, and named so nobody mistakes it for one.
pub const DEMO_APPROVER: &str = "irp-demo-approver";
/// The second demo approver, for actions the policy gives to two people.
pub const DEMO_SECOND_APPROVER: &str = "irp-demo-approver-2";
/// How long an approval stays valid.
const APPROVAL_VALIDITY_MINUTES: i64 = 60;

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
            Approver::Interactive => interactive(&request.pending, request.now),
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

/// The analyst's name for the record: `$USER`, or `analyst`.
fn analyst() -> String {
    std::env::var("USER").ok().filter(|u| !u.trim().is_empty()).unwrap_or_else(|| "analyst".to_owned())
}

fn interactive(pending: &[PendingApproval<'_>], now: DateTime<Utc>) -> ApprovalResponse {
    let who = analyst();
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut err = std::io::stderr().lock();
    let mut approved = Vec::new();
    let mut refused = Vec::new();
    for p in pending {
        let a = p.action;
        let _ = writeln!(err);
        let _ = writeln!(err, "  Approve {} on {}?", a.kind.name(), a.target);
        let _ = writeln!(err, "    call:      {}", a.planned_call);
        let _ = writeln!(err, "    why:       {}", a.rationale);
        let _ = writeln!(err, "    afterwards: {}", a.expected_post_state);
        if p.approvers_required > 1 {
            let _ = writeln!(
                err,
                "    needs {} distinct approvers: your approval alone will not run it",
                p.approvers_required
            );
        }
        let _ = write!(err, "  [y]es / [N]o: ");
        let _ = err.flush();
        let mut line = String::new();
        // End of input counts as "no": nothing runs without an explicit yes.
        let yes = input.read_line(&mut line).is_ok_and(|n| n > 0) && matches!(line.trim(), "y" | "Y" | "yes" | "YES");
        if yes {
            approved.push(a);
        } else {
            refused.push(a.id.clone());
        }
    }
    let mut response = ApprovalResponse::default();
    if !approved.is_empty() {
        let mut approval = Approval::of(&who, approved, now, now + Duration::minutes(APPROVAL_VALIDITY_MINUTES));
        approval.comment = Some("approved at the terminal (irp demo --interactive)".into());
        response.approvals.push(approval);
    }
    if !refused.is_empty() {
        response.refusals.push(Refusal {
            approver: UserId::new(&who),
            action_ids: refused,
            at: now,
            reason: "refused at the terminal (irp demo --interactive)".into(),
        });
    }
    response
}
