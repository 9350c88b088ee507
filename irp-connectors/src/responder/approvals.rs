//! `RequestApproval`: ask the [`Approver`], record every decision in the case (the case is the
//! record of who allowed what), then hand the response to the engine, which checks it.

use chrono::{DateTime, Utc};
use irp_core::action::{Action, ActionId};
use irp_core::approval::ApprovalResponse;
use irp_core::incident::CaseId;
use irp_core::runbook::{EffectOutcome, Failure, Runbook};

use super::approver::{ApprovalRequest, Approver, PendingApproval};
use super::ports::Ports;
use crate::ports::{ApprovalDecision, ApprovalRecord, CaseId as PortCaseId};

pub(crate) async fn request(
    p: &Ports,
    approver: &dyn Approver,
    runbook: &Runbook,
    case_id: &CaseId,
    action_ids: &[ActionId],
    plan: &str,
    now: DateTime<Utc>,
) -> EffectOutcome {
    let items = runbook.plan();
    let pending: Vec<PendingApproval<'_>> = action_ids
        .iter()
        .filter_map(|id| {
            let action = runbook.incident().action(id)?;
            let approvers_required = items.iter().find(|p| p.action_id == *id).map_or(1, |p| p.approvers_required);
            Some(PendingApproval { action, approvers_required })
        })
        .collect();
    let request = ApprovalRequest { case_id, subject: runbook.incident().user(), pending, plan, now };
    let response = match approver.decide(&request).await {
        Ok(response) => response,
        Err(e) => return EffectOutcome::Failed { failure: Failure::refused(e.to_string()) },
    };
    if let Err(failure) = record(p, case_id, runbook, &response).await {
        return EffectOutcome::Failed { failure };
    }
    EffectOutcome::Approvals { response }
}

fn describe(action: &Action) -> String {
    format!("{} {}: {}", action.kind.name(), action.target, action.planned_call)
}

async fn record(p: &Ports, case: &CaseId, runbook: &Runbook, response: &ApprovalResponse) -> Result<(), Failure> {
    let case_id = PortCaseId(case.as_str().to_owned());
    let mut records = Vec::new();
    for approval in &response.approvals {
        for entry in &approval.actions {
            let Some(action) = runbook.incident().action(&entry.action_id) else { continue };
            let mut record = ApprovalRecord::new(
                case_id.clone(),
                entry.idempotency_key.as_str(),
                describe(action),
                approval.approver.as_str(),
                ApprovalDecision::Approved,
                approval.approved_at,
            );
            record.expires_at = Some(approval.expires_at);
            record.note = approval.comment.clone();
            records.push(record);
        }
    }
    for refusal in &response.refusals {
        for id in &refusal.action_ids {
            let Some(action) = runbook.incident().action(id) else { continue };
            let mut record = ApprovalRecord::new(
                case_id.clone(),
                action.idempotency_key.as_str(),
                describe(action),
                refusal.approver.as_str(),
                ApprovalDecision::Rejected,
                refusal.at,
            );
            record.note = Some(refusal.reason.clone());
            records.push(record);
        }
    }
    for record in records {
        p.soar.record_approval(&record).await.map_err(|e| Failure::refused(e.to_string()))?;
    }
    Ok(())
}
