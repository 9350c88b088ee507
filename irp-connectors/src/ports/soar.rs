//! The SOAR port: the case, its comments and approvals, and the action journal.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use irp_core::evidence::UserId;
use serde::{Deserialize, Serialize};

use super::Health;
use crate::error::Result;

/// A case id as the SOAR names it: the same type the engine's incidents carry.
pub use irp_core::incident::CaseId;

/// A comment id as the SOAR names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CommentId(pub String);

/// Where a case is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CaseStatus {
    /// Open, not yet worked.
    Open,
    /// Being worked.
    InProgress,
    /// Closed.
    Closed,
}

impl CaseStatus {
    /// Stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::Closed => "closed",
        }
    }

    /// Parses [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "open" => CaseStatus::Open,
            "in_progress" => CaseStatus::InProgress,
            "closed" => CaseStatus::Closed,
            _ => return None,
        })
    }

    /// Open or in progress.
    pub fn is_open(self) -> bool {
        self != CaseStatus::Closed
    }
}

/// A case with the details Identification needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Case {
    /// Case id.
    pub id: CaseId,
    /// Title.
    pub title: String,
    /// The user the case is about (`USER_ID`), when the SOAR knows it.
    pub user: Option<UserId>,
    /// Status.
    pub status: CaseStatus,
    /// Alert group identifiers (`ALERT_GROUP_IDENTIFIERS`): cases sharing one are duplicates.
    pub alert_ids: Vec<String>,
    /// Initial alert details, as the SOAR holds them.
    pub description: Option<String>,
    /// When the case was created.
    pub created_at: DateTime<Utc>,
}

/// Why a case was returned by a similarity search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Similarity {
    /// It shares an alert group identifier: the same alert, a duplicate case.
    SameAlert,
    /// It concerns the same user.
    SameUser,
}

/// Another case found by a search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CaseSummary {
    /// Case id.
    pub id: CaseId,
    /// Title.
    pub title: String,
    /// Status.
    pub status: CaseStatus,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Why it matched.
    pub similarity: Similarity,
}

/// Approved or rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ApprovalDecision {
    /// The approver allowed the action.
    Approved,
    /// The approver refused it.
    Rejected,
}

/// One approval decision, tied to the exact action by its idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApprovalRecord {
    /// The case.
    pub case_id: CaseId,
    /// Idempotency key of the action approved (names the action and its target).
    pub action_key: String,
    /// Human description of the action (`disable_account alice@example.com`).
    pub action: String,
    /// Who decided.
    pub approver: String,
    /// What they decided.
    pub decision: ApprovalDecision,
    /// When.
    pub decided_at: DateTime<Utc>,
    /// After this the approval no longer counts.
    pub expires_at: Option<DateTime<Utc>>,
    /// The approver's note.
    pub note: Option<String>,
}

impl ApprovalRecord {
    /// A decision without expiry or note.
    pub fn new(
        case_id: CaseId,
        action_key: impl Into<String>,
        action: impl Into<String>,
        approver: impl Into<String>,
        decision: ApprovalDecision,
        decided_at: DateTime<Utc>,
    ) -> Self {
        ApprovalRecord {
            case_id,
            action_key: action_key.into(),
            action: action.into(),
            approver: approver.into(),
            decision,
            decided_at,
            expires_at: None,
            note: None,
        }
    }
}

/// The status a journal entry records. [`Started`](Self::Started) is written *before* the
/// action (write-ahead); the others after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum JournalStatus {
    /// About to run. An entry with no later entry for its key means the process stopped
    /// mid-action: verify, do not repeat.
    Started,
    /// The connector reported success.
    Succeeded,
    /// The connector reported a failure that did not run the action.
    Failed,
    /// The call may or may not have run (timeout after sending): must be verified.
    Unknown,
    /// Re-reading the target showed the expected post-state.
    Verified,
    /// Re-reading the target did not show the expected post-state.
    NotVerified,
}

impl JournalStatus {
    /// Stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            JournalStatus::Started => "started",
            JournalStatus::Succeeded => "succeeded",
            JournalStatus::Failed => "failed",
            JournalStatus::Unknown => "unknown",
            JournalStatus::Verified => "verified",
            JournalStatus::NotVerified => "not_verified",
        }
    }

    /// Parses [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "started" => JournalStatus::Started,
            "succeeded" => JournalStatus::Succeeded,
            "failed" => JournalStatus::Failed,
            "unknown" => JournalStatus::Unknown,
            "verified" => JournalStatus::Verified,
            "not_verified" => JournalStatus::NotVerified,
            _ => return None,
        })
    }
}

/// One append-only journal line: an action's intent or its result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JournalEntry {
    /// The case.
    pub case_id: CaseId,
    /// The action's idempotency key: the same action on the same target always has the same key.
    pub idempotency_key: String,
    /// The action, as JSON (kind, target, arguments). Never contains a secret.
    pub action: serde_json::Value,
    /// What this entry records.
    pub status: JournalStatus,
    /// The target's state before the action, when read.
    pub state_before: Option<serde_json::Value>,
    /// The target's state after the action, when read.
    pub state_after: Option<serde_json::Value>,
    /// A short note (an error's `Display`, never a response body).
    pub detail: Option<String>,
    /// When, from the caller's clock.
    pub at: DateTime<Utc>,
}

impl JournalEntry {
    /// An entry with no states or detail.
    pub fn new(
        case_id: CaseId,
        idempotency_key: impl Into<String>,
        action: serde_json::Value,
        status: JournalStatus,
        at: DateTime<Utc>,
    ) -> Self {
        JournalEntry {
            case_id,
            idempotency_key: idempotency_key.into(),
            action,
            status,
            state_before: None,
            state_after: None,
            detail: None,
            at,
        }
    }

    /// Sets the state before.
    pub fn with_state_before(mut self, state: serde_json::Value) -> Self {
        self.state_before = Some(state);
        self
    }

    /// Sets the state after.
    pub fn with_state_after(mut self, state: serde_json::Value) -> Self {
        self.state_after = Some(state);
        self
    }

    /// Sets the detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// A SOAR / case management system: Google SecOps SOAR, TheHive, the local SQLite store.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Soar: Send + Sync {
    /// The case.
    async fn get_case(&self, case: &CaseId) -> Result<Case>;

    /// Other cases that duplicate this one (a shared alert identifier) or concern its user.
    async fn find_similar_cases(&self, case: &Case) -> Result<Vec<CaseSummary>>;

    /// Open cases about `user`.
    async fn find_related_open_cases(&self, user: &UserId) -> Result<Vec<CaseSummary>>;

    /// Posts a Markdown comment; `at` is the time local stores record (vendors stamp their own).
    ///
    /// # Errors
    ///
    /// Not idempotent: on [`maybe_executed`](crate::ConnectorError::maybe_executed) check the
    /// case's comments before posting again.
    async fn post_comment(&self, case: &CaseId, body: &str, at: DateTime<Utc>) -> Result<CommentId>;

    /// Records an approval decision on the case.
    async fn record_approval(&self, approval: &ApprovalRecord) -> Result<()>;

    /// Closes the case with a reason.
    async fn close_case(&self, case: &CaseId, reason: &str, at: DateTime<Utc>) -> Result<()>;

    /// Appends one journal entry and returns its sequence number. Never updates an entry.
    async fn append_journal(&self, entry: &JournalEntry) -> Result<u64>;

    /// The case's journal, oldest first: how a resumed run learns what already happened.
    async fn journal(&self, case: &CaseId) -> Result<Vec<JournalEntry>>;

    /// Checks the SOAR is reachable and the credentials may write to cases.
    async fn health_check(&self) -> Result<Health>;
}
