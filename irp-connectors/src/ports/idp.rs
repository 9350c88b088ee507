//! The identity-provider port: the account, its factors, sessions and grants, and the
//! containment and recovery actions on it.

use std::net::IpAddr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use irp_core::evidence::UserId;
use serde::{Deserialize, Serialize};

use super::Health;
use crate::error::Result;
use crate::secret::Secret;

/// An account's lifecycle status, in vendor-neutral terms.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AccountStatus {
    /// Can sign in.
    Active,
    /// Disabled reversibly (Okta `SUSPENDED`, Entra `accountEnabled: false`).
    Suspended,
    /// Locked out after failed sign-ins.
    LockedOut,
    /// Must finish a password reset (Okta `RECOVERY` / `PASSWORD_EXPIRED`).
    PasswordReset,
    /// Created but never activated.
    Staged,
    /// Deactivated (Okta `DEPROVISIONED`): cannot simply be re-enabled.
    Deprovisioned,
    /// A vendor status irp does not model, verbatim.
    #[serde(untagged)]
    Other(String),
}

impl AccountStatus {
    /// True when the account cannot sign in.
    pub fn is_disabled(&self) -> bool {
        matches!(self, AccountStatus::Suspended | AccountStatus::Deprovisioned | AccountStatus::LockedOut)
    }
}

/// The kind of an MFA factor / authentication method.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FactorKind {
    /// Push to an authenticator app.
    Push,
    /// One-time code from an app (TOTP).
    Totp,
    /// SMS code.
    Sms,
    /// Voice call.
    Call,
    /// E-mail code.
    Email,
    /// FIDO2 / WebAuthn / passkey.
    Webauthn,
    /// Any other vendor factor type, verbatim.
    #[serde(untagged)]
    Other(String),
}

/// Whether a factor can be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FactorStatus {
    /// Enrolled and usable.
    Active,
    /// Enrollment started, not finished.
    PendingActivation,
    /// Disabled.
    Inactive,
}

/// One enrolled MFA factor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Factor {
    /// Vendor id.
    pub id: String,
    /// Kind.
    pub kind: FactorKind,
    /// Status.
    pub status: FactorStatus,
    /// Masked detail (`+1 XXX-XXX-4321`, device name).
    #[serde(default)]
    pub detail: Option<String>,
    /// When it was enrolled: a factor enrolled inside the compromise window is persistence.
    #[serde(default)]
    pub enrolled_at: Option<DateTime<Utc>>,
}

impl Factor {
    /// An active factor.
    pub fn new(id: impl Into<String>, kind: FactorKind, enrolled_at: Option<DateTime<Utc>>) -> Self {
        Factor { id: id.into(), kind, status: FactorStatus::Active, detail: None, enrolled_at }
    }
}

/// One sign-in session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Session {
    /// Vendor id.
    pub id: String,
    /// When it started.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// Client IP.
    #[serde(default)]
    pub ip: Option<IpAddr>,
    /// User agent.
    #[serde(default)]
    pub user_agent: Option<String>,
}

impl Session {
    /// A session.
    pub fn new(id: impl Into<String>, created_at: Option<DateTime<Utc>>, ip: Option<IpAddr>) -> Self {
        Session { id: id.into(), created_at, ip, user_agent: None }
    }
}

/// One OAuth consent the user gave an application (Okta user grant, Graph
/// `oauth2PermissionGrant` with `consentType: Principal`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuthGrant {
    /// Vendor id of the grant.
    pub id: String,
    /// OAuth client id of the application.
    pub client_id: String,
    /// Application display name.
    pub app: String,
    /// Granted scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// When it was granted.
    #[serde(default)]
    pub granted_at: Option<DateTime<Utc>>,
}

impl OAuthGrant {
    /// A grant.
    pub fn new(
        id: impl Into<String>,
        client_id: impl Into<String>,
        app: impl Into<String>,
        scopes: Vec<String>,
    ) -> Self {
        OAuthGrant { id: id.into(), client_id: client_id.into(), app: app.into(), scopes, granted_at: None }
    }
}

/// One live OAuth access or refresh token issued to an application for the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuthToken {
    /// Vendor id of the token (never the token itself).
    pub id: String,
    /// OAuth client id it was issued to.
    pub client_id: String,
    /// When it expires.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl OAuthToken {
    /// A token record.
    pub fn new(id: impl Into<String>, client_id: impl Into<String>) -> Self {
        OAuthToken { id: id.into(), client_id: client_id.into(), expires_at: None }
    }
}

/// A user as the identity provider holds them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DirectoryUser {
    /// The IdP's own id (`00u1abcd`, an Entra object id).
    pub id: String,
    /// Login name.
    pub login: UserId,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Lifecycle status.
    pub status: AccountStatus,
    /// The user must change their password at next sign-in (set by a reset).
    #[serde(default)]
    pub password_change_required: bool,
    /// Increases on every password reset: a verifier compares it before and after.
    #[serde(default)]
    pub credential_version: u64,
    /// Enrolled MFA factors.
    #[serde(default)]
    pub factors: Vec<Factor>,
    /// Live sessions.
    #[serde(default)]
    pub sessions: Vec<Session>,
    /// Live OAuth tokens.
    #[serde(default)]
    pub tokens: Vec<OAuthToken>,
    /// OAuth consents.
    #[serde(default)]
    pub grants: Vec<OAuthGrant>,
    /// Recovery e-mail.
    #[serde(default)]
    pub recovery_email: Option<String>,
    /// Recovery phone.
    #[serde(default)]
    pub recovery_phone: Option<String>,
    /// Admin roles held.
    #[serde(default)]
    pub admin_roles: Vec<String>,
}

impl DirectoryUser {
    /// An active user with nothing enrolled.
    pub fn new(id: impl Into<String>, login: &str) -> Self {
        DirectoryUser {
            id: id.into(),
            login: UserId::new(login),
            display_name: None,
            status: AccountStatus::Active,
            password_change_required: false,
            credential_version: 0,
            factors: Vec::new(),
            sessions: Vec::new(),
            tokens: Vec::new(),
            grants: Vec::new(),
            recovery_email: None,
            recovery_phone: None,
            admin_roles: Vec::new(),
        }
    }
}

/// What a password reset hands back. Both fields are [`Secret`]s, so printing or logging the
/// value shows `[redacted]`; deliver them to the user out of band, never into a case comment.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct PasswordReset {
    /// A one-time reset link, when the IdP returns one instead of e-mailing it.
    pub reset_url: Option<Secret>,
    /// A temporary password, when the IdP generates one.
    pub temporary_password: Option<Secret>,
}

/// An identity provider: Okta, Entra ID, Google Workspace, the local directory.
///
/// Users are addressed by login ([`UserId`]); connectors resolve the vendor id themselves.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// The user, by login.
    async fn get_user(&self, login: &UserId) -> Result<DirectoryUser>;

    /// The user, by the IdP's own id.
    async fn get_user_by_id(&self, id: &str) -> Result<DirectoryUser>;

    /// Disables the account reversibly (suspend). Disabling a disabled account succeeds.
    async fn disable_user(&self, login: &UserId) -> Result<()>;

    /// Re-enables a suspended account.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Conflict`](crate::ErrorKind::Conflict) for a deprovisioned account.
    async fn enable_user(&self, login: &UserId) -> Result<()>;

    /// Forces a password reset. The returned secrets never belong in a log or comment.
    async fn reset_password(&self, login: &UserId) -> Result<PasswordReset>;

    /// Ends every session; with `include_oauth_tokens` also revokes the user's OAuth tokens.
    /// Returns how many sessions and tokens were ended.
    async fn terminate_sessions(&self, login: &UserId, include_oauth_tokens: bool) -> Result<u32>;

    /// Revokes every OAuth refresh token the user holds, for every client. The default ends
    /// the sessions with their tokens ([`terminate_sessions`](Self::terminate_sessions) with
    /// `include_oauth_tokens`), for IdPs that revoke both in one call.
    async fn revoke_tokens(&self, login: &UserId) -> Result<u32> {
        self.terminate_sessions(login, true).await
    }

    /// Removes a recovery method the attacker added: `method_id` is `recovery_email` or
    /// `recovery_phone` ([`DirectoryUser::recovery_email`] / [`recovery_phone`](DirectoryUser::recovery_phone)).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) where the IdP offers no such
    /// removal (the default; nothing is sent).
    async fn remove_recovery_method(&self, login: &UserId, method_id: &str) -> Result<()> {
        let _ = login;
        Err(crate::error::ConnectorError::new(crate::ErrorKind::Unsupported, "idp.remove_recovery_method")
            .with_detail(format!("this identity provider cannot remove {method_id}")))
    }

    /// The user's OAuth consents.
    async fn list_grants(&self, login: &UserId) -> Result<Vec<OAuthGrant>>;

    /// Revokes one consent and the tokens issued under it.
    async fn revoke_grant(&self, login: &UserId, grant_id: &str) -> Result<()>;

    /// Enrolled MFA factors.
    async fn list_factors(&self, login: &UserId) -> Result<Vec<Factor>>;

    /// Removes one factor.
    async fn remove_factor(&self, login: &UserId, factor_id: &str) -> Result<()>;

    /// Checks the IdP is reachable and the credentials may manage users.
    async fn health_check(&self) -> Result<Health>;
}
