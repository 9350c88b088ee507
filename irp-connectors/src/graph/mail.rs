//! [`Mailbox`] for Exchange Online through Graph: inbox rules and the user's OAuth consents.
//!
//! Mailbox-level forwarding (`ForwardingSmtpAddress`, `ForwardingAddress`,
//! `DeliverToMailboxAndForward`) is an Exchange property that Graph v1.0 does not expose (it is
//! not in `mailboxSettings`); reading or clearing it answers [`ErrorKind::Unsupported`] rather
//! than a misleading "no forwarding". Inbox rules, the vector Graph does show, are fully covered.

use async_trait::async_trait;
use irp_core::evidence::UserId;

use super::idp::MAX_PAGES;
use super::model::MessageRule;
use super::{need, user_path, Graph};
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::http::Request;
use crate::ports::{Health, InboxRule, Mailbox, MailboxForwarding, OAuthGrant};

const RULES: [&str; 3] = ["mailFolders", "inbox", "messageRules"];

fn forwarding_unsupported(op: &str) -> ConnectorError {
    ConnectorError::new(ErrorKind::Unsupported, op).with_detail(
        "mailbox forwarding (ForwardingSmtpAddress) is not exposed by Microsoft Graph v1.0: check and clear it \
         with Exchange Online PowerShell (Get-Mailbox / Set-Mailbox -ForwardingSmtpAddress $null); inbox rules \
         are covered",
    )
}

#[async_trait]
impl Mailbox for Graph {
    async fn list_inbox_rules(&self, user: &UserId) -> Result<Vec<InboxRule>> {
        let op = "graph.list_inbox_rules";
        let id = self.user_id(op, user).await?;
        let rules: Vec<MessageRule> = self
            .conn
            .collect(Request::get(op, &user_path(&id, &RULES)), MAX_PAGES)
            .await
            .map_err(need("MailboxSettings.Read"))?;
        Ok(rules.into_iter().map(MessageRule::into_rule).collect())
    }

    /// `DELETE /users/{id}/mailFolders/inbox/messageRules/{ruleId}` → 204.
    async fn delete_inbox_rule(&self, user: &UserId, rule_id: &str) -> Result<()> {
        let op = "graph.delete_inbox_rule";
        if rule_id.is_empty() {
            return Err(ConnectorError::new(ErrorKind::Invalid, op).with_detail("empty rule id"));
        }
        let id = self.user_id(op, user).await?;
        let mut path = RULES.to_vec();
        path.push(rule_id);
        self.conn
            .send(Request::delete(op, &user_path(&id, &path)))
            .await
            .map(drop)
            .map_err(need("MailboxSettings.ReadWrite"))
    }

    /// [`ErrorKind::Unsupported`], or "none" when the configuration says forwarding is checked
    /// outside Graph (`assume_no_mailbox_forwarding`).
    async fn get_forwarding(&self, _user: &UserId) -> Result<Option<MailboxForwarding>> {
        if self.config.assume_no_mailbox_forwarding {
            return Ok(None);
        }
        Err(forwarding_unsupported("graph.get_forwarding"))
    }

    async fn clear_forwarding(&self, _user: &UserId) -> Result<()> {
        if self.config.assume_no_mailbox_forwarding {
            return Ok(());
        }
        Err(forwarding_unsupported("graph.clear_forwarding"))
    }

    async fn list_oauth_grants(&self, user: &UserId) -> Result<Vec<OAuthGrant>> {
        let op = "graph.list_oauth_grants";
        let id = self.user_id(op, user).await?;
        self.grants_of(op, &id).await
    }

    /// Deletes one of the user's own consents (`DELETE /oauth2PermissionGrants/{id}`), never a
    /// tenant-wide one. Access tokens already issued under it live until they expire (about an
    /// hour); refresh tokens are cut by revoking sign-in sessions.
    async fn revoke_oauth_grant(&self, user: &UserId, grant_id: &str) -> Result<()> {
        let op = "graph.revoke_oauth_grant";
        let id = self.user_id(op, user).await?;
        self.revoke_grant_of(op, &id, grant_id).await
    }

    /// The directory check: app-only, there is no mailbox-independent call to make.
    async fn health_check(&self) -> Result<Health> {
        let h = crate::ports::IdentityProvider::health_check(self).await?;
        Ok(Health::new("graph-mail", h.detail))
    }
}
