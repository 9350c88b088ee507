//! The connectors one [`Responder`](super::Responder) works with.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use irp_core::action::CallStyle;
use irp_core::evidence::UserId;
use irp_core::runbook::PersistenceKind;

use crate::error::Result;
use crate::ports::{IdentityProvider, Mailbox, Siem, Soar};

/// Tells the user what happened and what to do next (the runbook's `NotifyUser`). No port sends
/// mail yet; without a notifier the effect fails as "no connector" and the engine records the gap.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Delivers `message` to `user`.
    async fn notify(&self, user: &UserId, message: &str) -> Result<()>;
}

/// The four ports, and what the responder must know about the products behind them.
#[derive(Clone)]
pub struct Ports {
    /// Event search.
    pub siem: Arc<dyn Siem>,
    /// Cases, comments, approvals and the action journal.
    pub soar: Arc<dyn Soar>,
    /// Accounts, sessions, factors, grants.
    pub idp: Arc<dyn IdentityProvider>,
    /// Inbox rules and forwarding.
    pub mailbox: Arc<dyn Mailbox>,
    /// Style of the vendor calls written into plans (the identity provider's API).
    pub call_style: CallStyle,
    /// The identity provider's own call text per action kind name (`{user}` for the account
    /// id), shown instead of the call style's default (see [`Okta::planned_calls`](crate::okta::Okta::planned_calls)).
    pub planned_calls: BTreeMap<String, String>,
    /// Persistence kinds these products do not have (Okta has no app passwords; the local
    /// directory models no delegates): swept as empty. Any other kind no port can list is
    /// reported as not listed, which keeps the account disabled (hard rule 2).
    pub absent_persistence: Vec<PersistenceKind>,
    /// Delivers user notifications, when configured.
    pub notifier: Option<Arc<dyn Notifier>>,
}

impl Ports {
    /// The four ports, Okta-style plans, every persistence kind assumed to exist, no notifier.
    pub fn new(
        siem: Arc<dyn Siem>,
        soar: Arc<dyn Soar>,
        idp: Arc<dyn IdentityProvider>,
        mailbox: Arc<dyn Mailbox>,
    ) -> Self {
        Ports {
            siem,
            soar,
            idp,
            mailbox,
            call_style: CallStyle::default(),
            planned_calls: BTreeMap::new(),
            absent_persistence: Vec::new(),
            notifier: None,
        }
    }

    /// Sets the plans' call style.
    pub fn with_call_style(mut self, style: CallStyle) -> Self {
        self.call_style = style;
        self
    }

    /// Sets the identity provider's own call texts (by action kind name, `{user}` for the id).
    pub fn with_planned_calls(mut self, calls: BTreeMap<String, String>) -> Self {
        self.planned_calls = calls;
        self
    }

    /// Declares persistence kinds these products do not have.
    pub fn with_absent_persistence(mut self, kinds: impl IntoIterator<Item = PersistenceKind>) -> Self {
        self.absent_persistence = kinds.into_iter().collect();
        self
    }

    /// Sets the notifier.
    pub fn with_notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifier = Some(notifier);
        self
    }
}

impl fmt::Debug for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ports")
            .field("call_style", &self.call_style)
            .field("planned_calls", &self.planned_calls)
            .field("absent_persistence", &self.absent_persistence)
            .field("notifier", &self.notifier.is_some())
            .finish_non_exhaustive()
    }
}
