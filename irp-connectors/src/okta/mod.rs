//! Okta: the [`IdentityProvider`](crate::IdentityProvider) for users, factors, sessions, grants
//! and tokens ([`Okta`]), and the System Log as a [`Siem`](crate::Siem) event source
//! ([`OktaSystemLog`]), both on the shared [`HttpClient`].
//!
//! Build both from an [`OktaConfig`] (TOML `[okta]` table):
//!
//! ```toml
//! [okta]
//! base_url = "https://acme.okta.com"       # any http(s) URL with optional path prefix
//! token = { env = "OKTA_API_TOKEN" }       # or { file = "/run/secrets/okta" }
//! auth = "ssws"                            # "ssws" (API token, default) or "bearer" (OAuth access token)
//! password_reset = "email"                 # "email" (default), "link" or "expire"
//! revoke_sessions_on_reset = false
//! [okta.http]
//! timeout_ms = 30000
//! ```

pub mod filter;
mod idp;
mod model;
mod syslog;

use std::collections::BTreeMap;

use irp_core::action::okta_reset_call;
use serde::Deserialize;

use crate::error::Result;
use crate::http::rate_limit::RateLimitStyle;
use crate::http::{HttpClient, HttpDeps, HttpSettings, SecretSource};

pub use syslog::OktaSystemLog;

/// How the token is presented.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OktaAuth {
    /// `Authorization: SSWS <API token>`; the token acts with its creator's admin role.
    #[default]
    Ssws,
    /// `Authorization: Bearer <access token>` from an OAuth service app with `okta.*` scopes.
    Bearer,
}

/// What `reset_password` asks Okta to do. None of them creates a temporary password: Okta's
/// `expire_password_with_temp_password` is never called.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OktaPasswordReset {
    /// `reset_password?sendEmail=true`: Okta e-mails the user a reset link; nothing comes back.
    #[default]
    Email,
    /// `reset_password?sendEmail=false`: the one-time link comes back as a
    /// [`Secret`](crate::Secret), to hand to the user out of band.
    Link,
    /// `expire_password`: the current password must be changed at next sign-in.
    Expire,
}

/// The `[okta]` configuration.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OktaConfig {
    /// `https://{yourOktaDomain}` (or a proxy / test double URL, path prefix allowed).
    pub base_url: String,
    /// Where the API token or access token is read from.
    pub token: SecretSource,
    /// How the token is presented.
    #[serde(default)]
    pub auth: OktaAuth,
    /// What a password reset does.
    #[serde(default)]
    pub password_reset: OktaPasswordReset,
    /// Pass `revokeSessions=true` to `reset_password`.
    #[serde(default)]
    pub revoke_sessions_on_reset: bool,
    /// Timeouts and retries.
    #[serde(default)]
    pub http: HttpSettings,
}

impl OktaConfig {
    /// A configuration with defaults for everything but the URL and token source.
    pub fn new(base_url: impl Into<String>, token: SecretSource) -> Self {
        OktaConfig {
            base_url: base_url.into(),
            token,
            auth: OktaAuth::default(),
            password_reset: OktaPasswordReset::default(),
            revoke_sessions_on_reset: false,
            http: HttpSettings::default(),
        }
    }

    /// The client every Okta component shares. The token is read once here (so a missing token
    /// fails at start-up) and again on every request.
    pub(crate) fn client(&self, deps: HttpDeps) -> Result<HttpClient> {
        self.token.resolve("okta.config")?;
        let scheme = match self.auth {
            OktaAuth::Ssws => "SSWS",
            OktaAuth::Bearer => "Bearer",
        };
        Ok(HttpClient::new("okta", &self.base_url, self.http.clone(), deps)?
            .with_secret_source("authorization", Some(scheme), self.token.clone())
            .with_rate_limit_style(RateLimitStyle::Okta)
            .with_request_id_header("x-okta-request-id"))
    }
}

/// The Okta identity provider.
#[derive(Clone, Debug)]
pub struct Okta {
    http: HttpClient,
    config: OktaConfig,
}

impl Okta {
    /// Builds the connector with the real sleeper, clock and jitter.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for a bad URL or an unreadable token.
    pub fn from_config(config: &OktaConfig) -> Result<Self> {
        Okta::with_deps(config, HttpDeps::default())
    }

    /// Builds the connector with injected dependencies (tests).
    pub fn with_deps(config: &OktaConfig, deps: HttpDeps) -> Result<Self> {
        Ok(Okta { http: config.client(deps)?, config: config.clone() })
    }

    /// The calls this configuration sends where they differ from the Okta call style's default
    /// text, by action kind name with `{user}` for the user id: the password reset in the
    /// configured mode. Hand them to [`Ports::with_planned_calls`](crate::responder::Ports::with_planned_calls)
    /// so the approval prompt shows exactly what will be sent.
    pub fn planned_calls(&self) -> BTreeMap<String, String> {
        let revoke = if self.config.revoke_sessions_on_reset { "&revokeSessions=true" } else { "" };
        let reset = match self.config.password_reset {
            OktaPasswordReset::Email => okta_reset_call("{user}", &format!("reset_password?sendEmail=true{revoke}")),
            OktaPasswordReset::Link => okta_reset_call("{user}", &format!("reset_password?sendEmail=false{revoke}")),
            // No unsuspend pair: PASSWORD_EXPIRED would let the current password sign in.
            OktaPasswordReset::Expire => {
                "POST /api/v1/users/{user}/lifecycle/expire_password (refused, nothing sent, if the user is SUSPENDED)"
                    .to_owned()
            }
        };
        BTreeMap::from([("reset_password".to_owned(), reset)])
    }

    /// The System Log event source on the same connection.
    pub fn system_log(&self) -> OktaSystemLog {
        OktaSystemLog::new(self.http.clone())
    }
}
