//! The ports: what the runbook needs from the outside world, as async traits that speak irp's
//! vendor-neutral types.
//!
//! | port | job |
//! |---|---|
//! | [`Siem`] | search a user's events in a time window (lazily paged), summarise an entity |
//! | [`Soar`] | cases, duplicate and related cases, comments, approvals, the action journal |
//! | [`IdentityProvider`] | the account: status, factors, sessions, grants; disable, reset, revoke |
//! | [`Mailbox`] | inbox rules, mailbox forwarding, one user's OAuth grants |
//!
//! Every port has a `health_check` used by the Preparation phase's readiness report. With the
//! `mocks` feature (and in this crate's tests) each trait has a mockall mock: `MockSiem`,
//! `MockSoar`, `MockIdentityProvider`, `MockMailbox`.

mod idp;
mod mailbox;
mod siem;
mod soar;

use serde::{Deserialize, Serialize};

#[cfg(any(test, feature = "mocks"))]
pub use idp::MockIdentityProvider;
pub use idp::{
    AccountStatus, DirectoryUser, Factor, FactorKind, FactorStatus, IdentityProvider, OAuthGrant, OAuthToken,
    PasswordReset, Session,
};
#[cfg(any(test, feature = "mocks"))]
pub use mailbox::MockMailbox;
pub use mailbox::{InboxRule, Mailbox, MailboxForwarding};
#[cfg(any(test, feature = "mocks"))]
pub use siem::MockSiem;
pub use siem::{Cursor, EntitySummary, EventPage, EventPager, EventQuery, Siem, TimeWindow};
#[cfg(any(test, feature = "mocks"))]
pub use soar::MockSoar;
pub use soar::{
    ApprovalDecision, ApprovalRecord, Case, CaseId, CaseStatus, CaseSummary, CommentId, JournalEntry, JournalStatus,
    Similarity, Soar,
};

/// A connector's answer to a health check: who it is and what it checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Health {
    /// Connector name (`file-siem`, `sqlite-case-store`, `okta`, ...).
    pub connector: String,
    /// What was checked, for the readiness report (`3 event files readable`).
    pub detail: String,
}

impl Health {
    /// A healthy report.
    pub fn new(connector: impl Into<String>, detail: impl Into<String>) -> Self {
        Health { connector: connector.into(), detail: detail.into() }
    }
}
