//! The mailbox port: the persistence an attacker leaves in mail (inbox rules, forwarding) and
//! the user's OAuth grants as the mail platform sees them.

use async_trait::async_trait;
use irp_core::evidence::UserId;
use serde::{Deserialize, Serialize};

use super::{Health, OAuthGrant};
use crate::error::Result;

/// One inbox rule, with the parts that matter for persistence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboxRule {
    /// Vendor id.
    pub id: String,
    /// Rule name (attackers favour `.`, `..` or names copied from real rules).
    pub name: String,
    /// Whether it is active.
    #[serde(default = "enabled_default")]
    pub enabled: bool,
    /// `forwardTo` / `forwardAsAttachmentTo` addresses.
    #[serde(default)]
    pub forward_to: Vec<String>,
    /// `redirectTo` addresses.
    #[serde(default)]
    pub redirect_to: Vec<String>,
    /// The rule deletes, moves out of sight or marks as read: hides mail from the user.
    #[serde(default)]
    pub hides_mail: bool,
}

fn enabled_default() -> bool {
    true
}

impl InboxRule {
    /// An enabled rule that only forwards.
    pub fn forwarding(id: impl Into<String>, name: impl Into<String>, forward_to: Vec<String>) -> Self {
        InboxRule {
            id: id.into(),
            name: name.into(),
            enabled: true,
            forward_to,
            redirect_to: Vec::new(),
            hides_mail: false,
        }
    }

    /// True when the rule sends mail anywhere else.
    pub fn sends_mail_out(&self) -> bool {
        !self.forward_to.is_empty() || !self.redirect_to.is_empty()
    }
}

/// Mailbox-level forwarding (`forwardingSmtpAddress`, Workspace auto-forward).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MailboxForwarding {
    /// Where mail goes.
    pub forward_to: String,
    /// A copy stays in the mailbox (`deliverToMailboxAndForward`).
    #[serde(default)]
    pub keep_copy: bool,
}

impl MailboxForwarding {
    /// Forwarding to `forward_to`.
    pub fn new(forward_to: impl Into<String>, keep_copy: bool) -> Self {
        MailboxForwarding { forward_to: forward_to.into(), keep_copy }
    }
}

/// A mail platform: Exchange Online through Graph, Gmail, the local directory.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Mailbox: Send + Sync {
    /// The user's inbox rules.
    async fn list_inbox_rules(&self, user: &UserId) -> Result<Vec<InboxRule>>;

    /// Deletes one inbox rule.
    async fn delete_inbox_rule(&self, user: &UserId, rule_id: &str) -> Result<()>;

    /// Mailbox-level forwarding, when set.
    async fn get_forwarding(&self, user: &UserId) -> Result<Option<MailboxForwarding>>;

    /// Removes mailbox-level forwarding. Clearing absent forwarding succeeds.
    async fn clear_forwarding(&self, user: &UserId) -> Result<()>;

    /// This one user's OAuth grants (never the app tenant-wide).
    async fn list_oauth_grants(&self, user: &UserId) -> Result<Vec<OAuthGrant>>;

    /// Revokes one of this user's OAuth grants, leaving other users' consents alone.
    async fn revoke_oauth_grant(&self, user: &UserId, grant_id: &str) -> Result<()>;

    /// Checks the mail platform is reachable and the credentials may manage mailboxes.
    async fn health_check(&self) -> Result<Health>;
}
