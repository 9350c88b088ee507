//! [`Effect`]s: the calls the engine asks its driver to make.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::action::{Action, ActionId};
use crate::evidence::UserId;
use crate::incident::CaseId;
use crate::phase::Phase;
use crate::runbook::outcome::{ConnectorRole, PersistenceKind};

/// Sequence number of an effect within one run: how a resolution is matched to its effect.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EffectId(pub u64);

impl fmt::Debug for EffectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl fmt::Display for EffectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One call for the driver to make, then report with [`crate::runbook::Runbook::resolve`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Effect {
    /// Its id.
    pub id: EffectId,
    /// The phase that asked for it.
    pub phase: Phase,
    /// When it was handed out.
    pub issued_at: DateTime<Utc>,
    /// Do not run before this time (monitoring checks). `None`: run now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<DateTime<Utc>>,
    /// Attempt number, from 1 (comments and verifications are retried).
    pub attempt: u32,
    /// What to do.
    pub kind: EffectKind,
}

/// What the driver must do. The matching [`EffectOutcome`](crate::runbook::EffectOutcome)
/// variant is named on each; [`EffectOutcome::Failed`](crate::runbook::EffectOutcome::Failed) is
/// accepted for every effect.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EffectKind {
    /// Health-check every connector role. Outcome: `Readiness`.
    CheckConnectors {
        /// Roles the runbook uses.
        roles: Vec<ConnectorRole>,
    },
    /// Read the case. Outcome: `Case`.
    FetchCase {
        /// Which case.
        case_id: CaseId,
    },
    /// Look for other open cases about the same alert group or user. Outcome: `Cases`.
    FindDuplicateCases {
        /// This case (to exclude).
        case_id: CaseId,
        /// The user.
        user: UserId,
        /// Alert grouping keys.
        alert_group_identifiers: Vec<String>,
    },
    /// Read the user from the identity provider. Outcome: `User`.
    LookupUser {
        /// The user.
        user: UserId,
    },
    /// Read the SIEM's entity summary of the user. Outcome: `Entity`.
    LookupEntity {
        /// The user.
        user: UserId,
    },
    /// Search the SIEM for the user's events in `[from, to)`. Outcome: `Events`.
    SearchEvents {
        /// The user.
        user: UserId,
        /// Window start.
        from: DateTime<Utc>,
        /// Window end.
        to: DateTime<Utc>,
    },
    /// Find other (open or recent) cases about this user. Outcome: `Cases`.
    FindRelatedCases {
        /// This case (to exclude).
        case_id: CaseId,
        /// The user.
        user: UserId,
    },
    /// Post a Markdown comment to the case. Outcome: `CommentPosted`.
    PostComment {
        /// The case.
        case_id: CaseId,
        /// The phase the comment documents.
        phase: Phase,
        /// The comment.
        markdown: String,
    },
    /// Ask for approval of exactly these actions. Outcome: `Approvals`.
    RequestApproval {
        /// The case.
        case_id: CaseId,
        /// The actions, by id.
        action_ids: Vec<ActionId>,
        /// The plan shown to approvers: each action, its target and its exact call.
        plan: String,
    },
    /// Run one approved action. Outcome: `Executed`, or `Failed` (with `may_have_been_applied`
    /// set when the request may have reached the vendor).
    ExecuteAction {
        /// The action (with its planned call and idempotency key).
        action: Action,
    },
    /// Check that an action's target is in its expected post-state. Outcome: `Verification`.
    VerifyAction {
        /// The action.
        action: Action,
    },
    /// The eradication sweep: list everything that can keep an attacker in. Outcome: `Persistence`.
    ListPersistence {
        /// The user.
        user: UserId,
        /// What to list.
        kinds: Vec<PersistenceKind>,
        /// Start of the compromise window: items created since are suspicious.
        since: DateTime<Utc>,
    },
    /// Tell the user what happened and what to do (re-register MFA, new password). Outcome: `Done`.
    NotifyUser {
        /// The user.
        user: UserId,
        /// The message.
        message: String,
    },
    /// Start watching the account until `until`. Outcome: `Done`.
    StartMonitoring {
        /// The user.
        user: UserId,
        /// End of the monitoring window.
        until: DateTime<Utc>,
    },
    /// Report the user's activity during monitoring. Outcome: `Events`.
    CheckMonitoring {
        /// The user.
        user: UserId,
        /// Window start.
        from: DateTime<Utc>,
        /// Window end.
        to: DateTime<Utc>,
    },
}

impl EffectKind {
    /// Stable snake_case name.
    pub fn name(&self) -> &'static str {
        match self {
            EffectKind::CheckConnectors { .. } => "check_connectors",
            EffectKind::FetchCase { .. } => "fetch_case",
            EffectKind::FindDuplicateCases { .. } => "find_duplicate_cases",
            EffectKind::LookupUser { .. } => "lookup_user",
            EffectKind::LookupEntity { .. } => "lookup_entity",
            EffectKind::SearchEvents { .. } => "search_events",
            EffectKind::FindRelatedCases { .. } => "find_related_cases",
            EffectKind::PostComment { .. } => "post_comment",
            EffectKind::RequestApproval { .. } => "request_approval",
            EffectKind::ExecuteAction { .. } => "execute_action",
            EffectKind::VerifyAction { .. } => "verify_action",
            EffectKind::ListPersistence { .. } => "list_persistence",
            EffectKind::NotifyUser { .. } => "notify_user",
            EffectKind::StartMonitoring { .. } => "start_monitoring",
            EffectKind::CheckMonitoring { .. } => "check_monitoring",
        }
    }

    /// The connector role that serves this effect, if one does (`ExecuteAction` depends on the kind).
    pub fn role(&self) -> Option<ConnectorRole> {
        match self {
            EffectKind::CheckConnectors { .. } => None,
            EffectKind::FetchCase { .. }
            | EffectKind::FindDuplicateCases { .. }
            | EffectKind::FindRelatedCases { .. }
            | EffectKind::PostComment { .. }
            | EffectKind::RequestApproval { .. } => Some(ConnectorRole::CaseStore),
            EffectKind::LookupUser { .. } | EffectKind::NotifyUser { .. } => Some(ConnectorRole::IdentityProvider),
            EffectKind::LookupEntity { .. }
            | EffectKind::SearchEvents { .. }
            | EffectKind::StartMonitoring { .. }
            | EffectKind::CheckMonitoring { .. } => Some(ConnectorRole::Siem),
            EffectKind::ExecuteAction { action } | EffectKind::VerifyAction { action } => {
                Some(ConnectorRole::for_action(&action.kind))
            }
            EffectKind::ListPersistence { .. } => None,
        }
    }

    /// The name of the outcome variant this effect expects (besides `failed`).
    pub fn expected_outcome(&self) -> &'static str {
        match self {
            EffectKind::CheckConnectors { .. } => "readiness",
            EffectKind::FetchCase { .. } => "case",
            EffectKind::FindDuplicateCases { .. } | EffectKind::FindRelatedCases { .. } => "cases",
            EffectKind::LookupUser { .. } => "user",
            EffectKind::LookupEntity { .. } => "entity",
            EffectKind::SearchEvents { .. } | EffectKind::CheckMonitoring { .. } => "events",
            EffectKind::PostComment { .. } => "comment_posted",
            EffectKind::RequestApproval { .. } => "approvals",
            EffectKind::ExecuteAction { .. } => "executed",
            EffectKind::VerifyAction { .. } => "verification",
            EffectKind::ListPersistence { .. } => "persistence",
            EffectKind::NotifyUser { .. } | EffectKind::StartMonitoring { .. } => "done",
        }
    }
}
