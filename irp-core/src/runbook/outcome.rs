//! What the driver reports back: [`EffectOutcome`] and the data it carries.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::action::{ActionKind, CallStyle};
use crate::approval::ApprovalResponse;
use crate::evidence::{Event, UserId};
use crate::incident::CaseId;

/// What a connector is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConnectorRole {
    /// Event search (Chronicle, Splunk, local files).
    Siem,
    /// Cases, comments, approvals (SecOps SOAR, TheHive, local SQLite).
    CaseStore,
    /// Users, sessions, factors, grants (Okta, Entra).
    IdentityProvider,
    /// Mailbox rules, forwarding, delegates (Exchange Online, Gmail).
    Mailbox,
}

impl ConnectorRole {
    /// Every role, in a fixed order.
    pub const ALL: [ConnectorRole; 4] =
        [ConnectorRole::Siem, ConnectorRole::CaseStore, ConnectorRole::IdentityProvider, ConnectorRole::Mailbox];

    /// Stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            ConnectorRole::Siem => "siem",
            ConnectorRole::CaseStore => "case_store",
            ConnectorRole::IdentityProvider => "identity_provider",
            ConnectorRole::Mailbox => "mailbox",
        }
    }

    /// The role that executes `kind`.
    pub fn for_action(kind: &ActionKind) -> ConnectorRole {
        match kind {
            ActionKind::DeleteInboxRule { .. }
            | ActionKind::RemoveMailboxForwarding { .. }
            | ActionKind::RemoveDelegate { .. } => ConnectorRole::Mailbox,
            _ => ConnectorRole::IdentityProvider,
        }
    }
}

/// One connector's health check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorStatus {
    /// The role it fills.
    pub role: ConnectorRole,
    /// Which product (`okta`, `entra`, `chronicle`, `local-files`, ...).
    pub vendor: String,
    /// Reachable and authorised.
    pub ready: bool,
    /// What was checked or what is wrong (never a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Style of the vendor calls shown in plans (identity provider only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_style: Option<CallStyle>,
    /// The connector's own call text for account-level action kinds, by
    /// [`ActionKind::name`], with `{user}` for the account id (identity provider only). It
    /// replaces the call style's default where the connector's configuration changes what is
    /// sent (Okta's `password_reset` mode), so approvers see exactly what will be sent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub planned_calls: BTreeMap<String, String>,
}

/// The case as the store has it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseInfo {
    /// Its id.
    pub id: CaseId,
    /// Title.
    pub title: String,
    /// Status as the store names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the case was created (the alert time, for time-to-detect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// Anything else, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

/// A reference to another case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRef {
    /// Its id.
    pub id: CaseId,
    /// Title.
    pub title: String,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// The user as the identity provider has it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The IdP's id (`00u...`, a GUID).
    pub id: String,
    /// Login name.
    pub login: UserId,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Status (`ACTIVE`, `SUSPENDED`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Holds an admin role: treated as a protected account (two approvers).
    #[serde(default)]
    pub privileged: bool,
    /// Anything else, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

/// What kind of persistence an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PersistenceKind {
    /// Inbox rule (forward, redirect, delete, hide).
    InboxRule,
    /// Mailbox-level forwarding.
    MailboxForwarding,
    /// Mailbox delegate / full access.
    Delegate,
    /// OAuth consent grant.
    OauthGrant,
    /// MFA factor.
    MfaFactor,
    /// Recovery e-mail or phone.
    RecoveryMethod,
    /// App password.
    AppPassword,
    /// Admin role assignment.
    AdminRole,
}

impl PersistenceKind {
    /// Every kind, in sweep order.
    pub const ALL: [PersistenceKind; 8] = [
        PersistenceKind::InboxRule,
        PersistenceKind::MailboxForwarding,
        PersistenceKind::Delegate,
        PersistenceKind::OauthGrant,
        PersistenceKind::MfaFactor,
        PersistenceKind::RecoveryMethod,
        PersistenceKind::AppPassword,
        PersistenceKind::AdminRole,
    ];

    /// Stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            PersistenceKind::InboxRule => "inbox_rule",
            PersistenceKind::MailboxForwarding => "mailbox_forwarding",
            PersistenceKind::Delegate => "delegate",
            PersistenceKind::OauthGrant => "oauth_grant",
            PersistenceKind::MfaFactor => "mfa_factor",
            PersistenceKind::RecoveryMethod => "recovery_method",
            PersistenceKind::AppPassword => "app_password",
            PersistenceKind::AdminRole => "admin_role",
        }
    }

    /// The connector role that lists this kind.
    pub fn role(self) -> ConnectorRole {
        match self {
            PersistenceKind::InboxRule | PersistenceKind::MailboxForwarding | PersistenceKind::Delegate => {
                ConnectorRole::Mailbox
            }
            _ => ConnectorRole::IdentityProvider,
        }
    }
}

/// One thing found by the eradication sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersistenceItem {
    /// What it is.
    pub kind: PersistenceKind,
    /// Vendor id.
    pub id: String,
    /// Display name / address / app / factor type.
    pub name: String,
    /// When it was created, when the vendor says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// The connector judged it suspicious on its own (forwarding outside the organisation, a rule
    /// that deletes or hides mail, a grant with risky scopes).
    #[serde(default)]
    pub flagged: bool,
    /// Forwarding addresses (rules and mailbox forwarding).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forward_to: Vec<String>,
    /// The item verbatim (kept as the before-state of its removal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

/// Why an effect did not produce its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// What went wrong (never a secret or a response body).
    pub message: String,
    /// The request may have reached the vendor (timeout after sending): an action must be
    /// verified, never re-sent.
    #[serde(default)]
    pub may_have_been_applied: bool,
    /// No connector is configured for this effect.
    #[serde(default)]
    pub connector_missing: bool,
}

impl Failure {
    /// The call failed and certainly changed nothing.
    pub fn refused(message: impl Into<String>) -> Self {
        Failure { message: message.into(), may_have_been_applied: false, connector_missing: false }
    }

    /// The call's result is unknown (it may have been applied).
    pub fn unknown(message: impl Into<String>) -> Self {
        Failure { message: message.into(), may_have_been_applied: true, connector_missing: false }
    }

    /// No connector for this effect.
    pub fn missing(message: impl Into<String>) -> Self {
        Failure { message: message.into(), may_have_been_applied: false, connector_missing: true }
    }
}

/// The result of one effect.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EffectOutcome {
    /// For `CheckConnectors`.
    Readiness {
        /// One status per configured connector (a role with none is missing).
        connectors: Vec<ConnectorStatus>,
    },
    /// For `FetchCase`.
    Case {
        /// The case.
        case: CaseInfo,
    },
    /// For `FindDuplicateCases` and `FindRelatedCases`.
    Cases {
        /// The cases found.
        cases: Vec<CaseRef>,
    },
    /// For `LookupUser`.
    User {
        /// The user.
        user: UserInfo,
    },
    /// For `LookupEntity`.
    Entity {
        /// The SIEM's summary, verbatim.
        summary: serde_json::Value,
    },
    /// For `SearchEvents` and `CheckMonitoring`.
    Events {
        /// Events found (any order).
        events: Vec<Event>,
    },
    /// For `PostComment`.
    CommentPosted {
        /// The store's comment id, when it returns one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment_id: Option<String>,
    },
    /// For `RequestApproval`.
    Approvals {
        /// Approvals and refusals.
        response: ApprovalResponse,
    },
    /// For `ExecuteAction`: the vendor confirmed the call.
    Executed {
        /// The target's state read before the call.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<serde_json::Value>,
        /// The target's state after the call.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<serde_json::Value>,
    },
    /// For `VerifyAction`.
    Verification {
        /// The target is in the expected post-state.
        holds: bool,
        /// What was observed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        observed: Option<serde_json::Value>,
    },
    /// For `ListPersistence`.
    Persistence {
        /// Everything listed (suspicious or not; the engine classifies).
        items: Vec<PersistenceItem>,
        /// Kinds that could not be listed.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        not_listed: Vec<PersistenceKind>,
    },
    /// For `NotifyUser` and `StartMonitoring`.
    Done,
    /// Any effect: it did not produce its outcome.
    Failed {
        /// Why.
        failure: Failure,
    },
}

impl EffectOutcome {
    /// Stable snake_case name of the variant.
    pub fn name(&self) -> &'static str {
        match self {
            EffectOutcome::Readiness { .. } => "readiness",
            EffectOutcome::Case { .. } => "case",
            EffectOutcome::Cases { .. } => "cases",
            EffectOutcome::User { .. } => "user",
            EffectOutcome::Entity { .. } => "entity",
            EffectOutcome::Events { .. } => "events",
            EffectOutcome::CommentPosted { .. } => "comment_posted",
            EffectOutcome::Approvals { .. } => "approvals",
            EffectOutcome::Executed { .. } => "executed",
            EffectOutcome::Verification { .. } => "verification",
            EffectOutcome::Persistence { .. } => "persistence",
            EffectOutcome::Done => "done",
            EffectOutcome::Failed { .. } => "failed",
        }
    }
}
