//! Approvals asked on the terminal: every pending action with its exact call, target, reason
//! and expected post-state, then `[y]es / [N]o`. End of input is a no: nothing runs without an
//! explicit yes. Stdin may be a pipe, so approvals can be scripted (`yes n | irp respond ...`).

use std::io::{BufRead, Write};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use irp::connectors::responder::{ApprovalRequest, Approver, ApproverError, PendingApproval};
use irp::core::approval::{Approval, ApprovalResponse, Refusal};
use irp::core::evidence::UserId;

/// How long an approval stays valid.
pub const APPROVAL_VALIDITY_MINUTES: i64 = 60;

/// An [`Approver`] that asks on the terminal.
#[derive(Debug, Clone)]
pub struct TerminalApprover {
    /// Recorded as the approver.
    pub who: String,
    /// The command, for the approval's comment.
    pub context: &'static str,
}

#[async_trait]
impl Approver for TerminalApprover {
    async fn decide(&self, request: &ApprovalRequest<'_>) -> Result<ApprovalResponse, ApproverError> {
        // The prompt blocks on the terminal. The CLI drives one incident on a current-thread
        // runtime, so nothing else is waiting for this thread meanwhile.
        Ok(prompt(&request.pending, request.now, &self.who, self.context))
    }
}

/// The approver's name for the record: `given` (`--approver`), else `$USER`, else `analyst`.
pub fn analyst_name(given: Option<&str>) -> String {
    given
        .map(str::to_owned)
        .or_else(|| std::env::var("USER").ok())
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "analyst".to_owned())
}

/// Asks about each pending action on stderr and reads `y`/`n` from stdin. `who` is recorded as
/// the approver; `context` (the command) goes into the approval's comment.
pub fn prompt(pending: &[PendingApproval<'_>], now: DateTime<Utc>, who: &str, context: &str) -> ApprovalResponse {
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
        let mut approval = Approval::of(who, approved, now, now + Duration::minutes(APPROVAL_VALIDITY_MINUTES));
        approval.comment = Some(format!("approved at the terminal ({context})"));
        response.approvals.push(approval);
    }
    if !refused.is_empty() {
        response.refusals.push(Refusal {
            approver: UserId::new(who),
            action_ids: refused,
            at: now,
            reason: format!("refused at the terminal ({context})"),
        });
    }
    response
}
