//! Approvals: who allowed which exact actions, when, until when.
//!
//! An [`Approval`] names each action by id *and* idempotency key, so it authorises exactly the
//! arguments the approver saw: if the proposal changed afterwards (another rule id, another
//! grant), its key changed and the approval no longer matches. Checks, in order: the approver is
//! not the incident's user (no self-approval), the approval is not from the future nor expired
//! (its own expiry, capped by the policy's maximum age), and it names the action with its current
//! key. [`authorize`] then counts distinct valid approvers against [`required_approvers`].

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::action::{Action, ActionId, ActionKind, IdempotencyKey};
use crate::evidence::UserId;
use crate::runbook::RunbookPolicy;

/// One action as an approver saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovedAction {
    /// The action id.
    pub action_id: ActionId,
    /// Its idempotency key at the time of approval.
    pub idempotency_key: IdempotencyKey,
}

/// A positive decision by one approver over one or more actions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Who approved (normalised login).
    pub approver: UserId,
    /// Exactly which actions.
    pub actions: Vec<ApprovedAction>,
    /// When the approver decided.
    pub approved_at: DateTime<Utc>,
    /// When the approval lapses.
    pub expires_at: DateTime<Utc>,
    /// Free text from the approver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Approval {
    /// An approval of `actions` as they are now (ids and current keys).
    pub fn of<'a>(
        approver: &str,
        actions: impl IntoIterator<Item = &'a Action>,
        approved_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Approval {
            approver: UserId::new(approver),
            actions: actions
                .into_iter()
                .map(|a| ApprovedAction { action_id: a.id.clone(), idempotency_key: a.idempotency_key.clone() })
                .collect(),
            approved_at,
            expires_at,
            comment: None,
        }
    }

    /// The entry for `id`, if this approval names it.
    pub fn entry(&self, id: &ActionId) -> Option<&ApprovedAction> {
        self.actions.iter().find(|a| a.action_id == *id)
    }
}

/// A negative decision: these actions must not run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// Who refused.
    pub approver: UserId,
    /// Which actions.
    pub action_ids: Vec<ActionId>,
    /// When.
    pub at: DateTime<Utc>,
    /// Why, in the approver's words.
    pub reason: String,
}

/// What came back from an approval request (the outcome of `RequestApproval`).
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApprovalResponse {
    /// Approvals given.
    #[serde(default)]
    pub approvals: Vec<Approval>,
    /// Refusals given.
    #[serde(default)]
    pub refusals: Vec<Refusal>,
}

/// Why an approval does not authorise an action.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApprovalError {
    /// The approver is the account under investigation (it may be the attacker).
    #[error("{approver} cannot approve actions on their own account")]
    SelfApproval {
        /// The approver.
        approver: UserId,
    },
    /// The approval lapsed (its own expiry, or the policy's maximum age).
    #[error("approval by {approver} expired at {expired_at}")]
    Expired {
        /// The approver.
        approver: UserId,
        /// When it lapsed.
        expired_at: DateTime<Utc>,
    },
    /// The approval is dated after the moment it is used (clock skew or forgery).
    #[error("approval by {approver} is dated {approved_at}, in the future")]
    FromTheFuture {
        /// The approver.
        approver: UserId,
        /// The claimed time.
        approved_at: DateTime<Utc>,
    },
    /// The approval does not name this action.
    #[error("approval by {approver} does not name action {action}")]
    NotNamed {
        /// The approver.
        approver: UserId,
        /// The action.
        action: ActionId,
    },
    /// The approval names an action that does not exist in this incident.
    #[error("approval by {approver} names unknown action {action}")]
    UnknownAction {
        /// The approver.
        approver: UserId,
        /// The id it named.
        action: ActionId,
    },
    /// The action's arguments changed since it was approved.
    #[error("action {action} changed since {approver} approved it (key {approved} != {current})")]
    Mismatch {
        /// The approver.
        approver: UserId,
        /// The action.
        action: ActionId,
        /// The key that was approved.
        approved: IdempotencyKey,
        /// The action's key now.
        current: IdempotencyKey,
    },
    /// Not enough distinct valid approvers.
    #[error("action {action} needs {required} distinct approvers, has {valid}")]
    NotEnoughApprovers {
        /// The action.
        action: ActionId,
        /// Required.
        required: u8,
        /// Distinct valid approvers found.
        valid: u8,
    },
}

/// How many distinct approvers `action` needs: two when the account is protected (policy list or
/// privileged in the IdP) and the policy says so, or when the action kind is listed as privileged.
pub fn required_approvers(kind: &ActionKind, protected_account: bool, policy: &RunbookPolicy) -> u8 {
    let privileged_kind = policy.two_approver_actions.iter().any(|k| k == kind.name());
    if (protected_account && policy.two_approvers_for_protected) || privileged_kind {
        2
    } else {
        1
    }
}

/// Checks one approval against one action at `now`. `account` lists every identity of the
/// incident's user (login, IdP id) so self-approval under another name is caught too.
pub fn check(
    approval: &Approval,
    action: &Action,
    account: &[UserId],
    policy: &RunbookPolicy,
    now: DateTime<Utc>,
) -> Result<(), ApprovalError> {
    let approver = approval.approver.clone();
    if account.contains(&approval.approver) {
        return Err(ApprovalError::SelfApproval { approver });
    }
    if approval.approved_at > now {
        return Err(ApprovalError::FromTheFuture { approver, approved_at: approval.approved_at });
    }
    let max_age = Duration::minutes(i64::from(policy.approval_max_age_minutes));
    let expired_at = approval.expires_at.min(approval.approved_at + max_age);
    if now >= expired_at {
        return Err(ApprovalError::Expired { approver, expired_at });
    }
    let entry = approval
        .entry(&action.id)
        .ok_or_else(|| ApprovalError::NotNamed { approver: approver.clone(), action: action.id.clone() })?;
    if entry.idempotency_key != action.idempotency_key {
        return Err(ApprovalError::Mismatch {
            approver,
            action: action.id.clone(),
            approved: entry.idempotency_key.clone(),
            current: action.idempotency_key.clone(),
        });
    }
    Ok(())
}

/// Decides whether `approvals` authorise `action` at `now`: returns the distinct valid approvers
/// (sorted), or the reason it is not authorised (the first approval error when no approval is
/// valid, otherwise [`ApprovalError::NotEnoughApprovers`]).
pub fn authorize(
    action: &Action,
    approvals: &[Approval],
    account: &[UserId],
    required: u8,
    policy: &RunbookPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<UserId>, ApprovalError> {
    let mut valid: Vec<UserId> = Vec::new();
    let mut first_error = None;
    for approval in approvals.iter().filter(|a| a.entry(&action.id).is_some()) {
        match check(approval, action, account, policy, now) {
            Ok(()) => {
                if !valid.contains(&approval.approver) {
                    valid.push(approval.approver.clone());
                }
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    valid.sort();
    let n = u8::try_from(valid.len()).unwrap_or(u8::MAX);
    if n >= required.max(1) {
        return Ok(valid);
    }
    match (n, first_error) {
        (0, Some(e)) => Err(e),
        _ => Err(ApprovalError::NotEnoughApprovers { action: action.id.clone(), required, valid: n }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::{CallStyle, Proposal, Recommendation};
    use crate::incident::IncidentId;
    use crate::phase::Phase;

    fn t(min: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z").unwrap().with_timezone(&Utc) + Duration::minutes(min)
    }

    fn action(kind: ActionKind) -> Action {
        Action::propose(
            &IncidentId("c1/alice".into()),
            ActionId("a1".into()),
            UserId::new("alice@example.com"),
            Phase::Containment,
            Proposal { kind, recommendation: Recommendation::Required, rationale: "test".into() },
            CallStyle::Okta,
        )
    }

    fn account() -> Vec<UserId> {
        vec![UserId::new("alice@example.com"), UserId::new("00u1")]
    }

    #[test]
    fn valid_approval_authorises() {
        let a = action(ActionKind::DisableAccount);
        let p = RunbookPolicy::default();
        let ok = Approval::of("bob@example.com", [&a], t(0), t(30));
        assert_eq!(authorize(&a, &[ok], &account(), 1, &p, t(5)).unwrap(), vec![UserId::new("bob@example.com")]);
    }

    #[test]
    fn self_approval_refused_under_any_identity() {
        let a = action(ActionKind::DisableAccount);
        let p = RunbookPolicy::default();
        for who in ["ALICE@example.com", "00u1"] {
            let ap = Approval::of(who, [&a], t(0), t(30));
            assert!(matches!(check(&ap, &a, &account(), &p, t(1)), Err(ApprovalError::SelfApproval { .. })));
        }
    }

    #[test]
    fn expired_future_and_max_age() {
        let a = action(ActionKind::DisableAccount);
        let p = RunbookPolicy::default();
        let ap = Approval::of("bob", [&a], t(0), t(30));
        assert_eq!(
            check(&ap, &a, &account(), &p, t(30)),
            Err(ApprovalError::Expired { approver: UserId::new("bob"), expired_at: t(30) })
        );
        assert!(matches!(check(&ap, &a, &account(), &p, t(-1)), Err(ApprovalError::FromTheFuture { .. })));
        // An approval claiming a week of validity still lapses at the policy's maximum age.
        let long = Approval::of("bob", [&a], t(0), t(7 * 24 * 60));
        let cap = i64::from(p.approval_max_age_minutes);
        assert!(check(&long, &a, &account(), &p, t(cap - 1)).is_ok());
        assert_eq!(
            check(&long, &a, &account(), &p, t(cap)),
            Err(ApprovalError::Expired { approver: UserId::new("bob"), expired_at: t(cap) })
        );
    }

    #[test]
    fn mismatched_or_unnamed_action_refused() {
        let p = RunbookPolicy::default();
        let rule = |name: &str| ActionKind::DeleteInboxRule { rule_id: "r1".into(), name: name.into() };
        let approved = action(rule("fwd"));
        let ap = Approval::of("bob", [&approved], t(0), t(30));
        let changed = action(rule("other"));
        assert!(matches!(check(&ap, &changed, &account(), &p, t(1)), Err(ApprovalError::Mismatch { .. })));
        let mut other = action(ActionKind::ResetPassword);
        other.id = ActionId("a2".into());
        assert!(matches!(check(&ap, &other, &account(), &p, t(1)), Err(ApprovalError::NotNamed { .. })));
    }

    #[test]
    fn two_distinct_approvers_for_protected_accounts_and_privileged_kinds() {
        let p = RunbookPolicy::default();
        assert_eq!(required_approvers(&ActionKind::DisableAccount, true, &p), 2);
        assert_eq!(required_approvers(&ActionKind::DisableAccount, false, &p), 1);
        assert_eq!(required_approvers(&ActionKind::ResetFactors, false, &p), 2);
        let a = action(ActionKind::DisableAccount);
        let bob = Approval::of("bob", [&a], t(0), t(30));
        let bob_again = Approval::of("BOB", [&a], t(1), t(30));
        assert_eq!(
            authorize(&a, &[bob.clone(), bob_again], &account(), 2, &p, t(2)),
            Err(ApprovalError::NotEnoughApprovers { action: a.id.clone(), required: 2, valid: 1 }),
            "the same approver twice is one approver"
        );
        let carol = Approval::of("carol", [&a], t(1), t(30));
        assert_eq!(authorize(&a, &[bob, carol], &account(), 2, &p, t(2)).unwrap().len(), 2);
    }
}
