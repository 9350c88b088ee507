//! Microsoft Graph: Entra ID as an [`IdentityProvider`](crate::IdentityProvider), Exchange Online
//! as a [`Mailbox`](crate::Mailbox) (both on [`Graph`]), and the Entra sign-in and directory
//! audit logs as a [`Siem`](crate::Siem) event source ([`GraphAuditLog`]), all on the shared
//! [`HttpClient`] with an app-only token from OAuth 2.0 client credentials.
//!
//! Build them from a [`GraphConfig`] (TOML `[graph]` table):
//!
//! ```toml
//! [graph]
//! tenant_id = "contoso.onmicrosoft.com"            # or the directory (tenant) GUID
//! client_id = "6731de76-14a6-49ae-97bc-6eba6914391e"
//! client_secret = { env = "GRAPH_CLIENT_SECRET" }  # or { file = "/run/secrets/graph" }
//! authority = "https://login.microsoftonline.com"  # national clouds: https://login.microsoftonline.us, ...
//! base_url = "https://graph.microsoft.com/v1.0"    # national clouds: https://graph.microsoft.us/v1.0, ...
//! # scope = "https://graph.microsoft.com/.default" # default: base_url's origin + "/.default"
//! password_reset = "reset_password"                # or "disabled"
//! assume_no_mailbox_forwarding = false             # true only if Exchange blocks auto-forwarding
//! [graph.http]
//! timeout_ms = 30000
//! ```
//!
//! The permissions each operation needs are listed in `docs/CONNECTORS.md` and named in every
//! 403 this connector returns.

mod audit;
mod auth;
mod idp;
mod mail;
mod model;
pub mod odata;

use std::sync::Arc;

use irp_core::evidence::UserId;
use reqwest::Url;
use serde::Deserialize;

use crate::error::{ConnectorError, ErrorKind, Result};
use crate::http::{HttpClient, HttpDeps, HttpSettings, Request, Response, SecretSource};

pub use audit::GraphAuditLog;
pub use auth::REFRESH_MARGIN;

use auth::TokenSource;
use model::User;

/// What [`reset_password`](crate::IdentityProvider::reset_password) does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GraphPasswordReset {
    /// `POST /users/{id}/authentication/methods/{passwordMethodId}/resetPassword` with no
    /// password, so Entra generates one. Microsoft documents this API as delegated-only: with an
    /// app-only token it is refused, and the error says so.
    #[default]
    ResetPassword,
    /// No call: `reset_password` fails with [`ErrorKind::Unsupported`], and the reset is left to
    /// an administrator.
    Disabled,
}

/// The `[graph]` configuration.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct GraphConfig {
    /// Directory (tenant) id or a verified domain.
    pub tenant_id: String,
    /// Application (client) id of the app registration.
    pub client_id: String,
    /// Where the client secret is read from (on every token request, so rotation is picked up).
    pub client_secret: SecretSource,
    /// The login authority, without tenant (`https://login.microsoftonline.com`).
    #[serde(default = "default_authority")]
    pub authority: String,
    /// The Graph root including version (`https://graph.microsoft.com/v1.0`).
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The token scope; default `{origin of base_url}/.default`.
    #[serde(default)]
    pub scope: Option<String>,
    /// What a password reset does.
    #[serde(default)]
    pub password_reset: GraphPasswordReset,
    /// Graph cannot read mailbox forwarding (`ForwardingSmtpAddress`), so by default the sweep
    /// reports it as not listed and the account stays disabled. Set this only when the tenant's
    /// outbound anti-spam policy blocks automatic external forwarding (`AutoForwardingMode Off`)
    /// or forwarding was checked in Exchange Online PowerShell: reading forwarding then answers
    /// "none" and clearing it does nothing.
    #[serde(default)]
    pub assume_no_mailbox_forwarding: bool,
    /// Timeouts and retries (also used for the token endpoint).
    #[serde(default)]
    pub http: HttpSettings,
}

fn default_authority() -> String {
    "https://login.microsoftonline.com".to_owned()
}

fn default_base_url() -> String {
    "https://graph.microsoft.com/v1.0".to_owned()
}

impl GraphConfig {
    /// A configuration for the global cloud with defaults for everything else.
    pub fn new(tenant_id: impl Into<String>, client_id: impl Into<String>, client_secret: SecretSource) -> Self {
        GraphConfig {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            client_secret,
            authority: default_authority(),
            base_url: default_base_url(),
            scope: None,
            password_reset: GraphPasswordReset::default(),
            assume_no_mailbox_forwarding: false,
            http: HttpSettings::default(),
        }
    }

    /// Sets the login authority and Graph base URL (national clouds, proxies, test doubles).
    pub fn with_endpoints(mut self, authority: impl Into<String>, base_url: impl Into<String>) -> Self {
        self.authority = authority.into();
        self.base_url = base_url.into();
        self
    }

    /// Declares mailbox forwarding checked outside Graph (see
    /// [`assume_no_mailbox_forwarding`](Self::assume_no_mailbox_forwarding)).
    pub fn with_assume_no_mailbox_forwarding(mut self, assume: bool) -> Self {
        self.assume_no_mailbox_forwarding = assume;
        self
    }

    /// Sets the timeouts and retries.
    pub fn with_http(mut self, http: HttpSettings) -> Self {
        self.http = http;
        self
    }

    /// Sets what a password reset does.
    pub fn with_password_reset(mut self, mode: GraphPasswordReset) -> Self {
        self.password_reset = mode;
        self
    }

    fn scope(&self) -> Result<String> {
        if let Some(s) = &self.scope {
            return Ok(s.clone());
        }
        let url = Url::parse(&self.base_url).map_err(|e| {
            ConnectorError::new(ErrorKind::Invalid, "graph.config").with_detail(format!("base_url is not a URL: {e}"))
        })?;
        Ok(format!("{}/.default", url.origin().ascii_serialization()))
    }
}

/// The shared connection: the Graph client without credential plus the token source.
#[derive(Clone, Debug)]
pub(crate) struct Conn {
    http: HttpClient,
    tokens: Arc<TokenSource>,
}

impl Conn {
    fn new(config: &GraphConfig, deps: HttpDeps) -> Result<Self> {
        // Read once now so a missing secret fails at start-up, not mid-incident.
        config.client_secret.resolve("graph.config")?;
        let http = HttpClient::new("graph", &config.base_url, config.http.clone(), deps.clone())?
            .with_request_id_header("request-id");
        let tokens = TokenSource::new(
            &config.authority,
            &config.tenant_id,
            &config.client_id,
            config.client_secret.clone(),
            config.scope()?,
            config.http.clone(),
            deps,
        )?;
        Ok(Conn { http, tokens: Arc::new(tokens) })
    }

    /// Sends `req` with a current token. A 401 `InvalidAuthenticationToken` means Graph rejected
    /// the token (expired early, revoked): the token is replaced and the request sent once more. A 401 is answered before anything runs, so repeating is safe for any method.
    pub(crate) async fn send(&self, req: Request) -> Result<Response> {
        let token = self.tokens.token().await?;
        let first =
            self.http.clone().with_secret("authorization", Some("Bearer"), token.clone()).send(req.clone()).await;
        match first {
            // Graph says `InvalidAuthenticationToken` for expired, revoked and malformed tokens alike.
            Err(e)
                if e.kind() == ErrorKind::Unauthenticated
                    && e.vendor_code().is_none_or(|c| c == "InvalidAuthenticationToken") =>
            {
                let fresh = self.tokens.refresh_after_rejection(&token).await?;
                self.http.clone().with_secret("authorization", Some("Bearer"), fresh).send(req).await
            }
            other => other,
        }
    }

    pub(crate) async fn send_json<T: serde::de::DeserializeOwned>(&self, req: Request) -> Result<T> {
        self.send(req).await?.json()
    }

    /// Every item of a Graph collection, following `@odata.nextLink` (at most `max_pages`).
    pub(crate) async fn collect<T: serde::de::DeserializeOwned>(
        &self,
        first: Request,
        max_pages: usize,
    ) -> Result<Vec<T>> {
        let op = first.operation().to_owned();
        let mut all = Vec::new();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(req) = next.take() {
            let page: model::Page<T> = self.send_json(req).await?;
            pages += 1;
            all.extend(page.value);
            if pages >= max_pages {
                break;
            }
            next = page.next_link.map(|url| Request::follow(op.clone(), url));
        }
        Ok(all)
    }

    pub(crate) fn base(&self) -> &Url {
        self.http.base()
    }
}

/// `; vendor code X, request id Y` for a Graph error, or nothing.
pub(crate) fn vendor_suffix(e: &ConnectorError) -> String {
    let mut parts = Vec::new();
    if let Some(code) = e.vendor_code() {
        parts.push(format!("vendor code {code}"));
    }
    if let Some(id) = e.request_id() {
        parts.push(format!("request id {id}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    }
}

/// A new error of `kind` for `cause`'s operation with `detail`, keeping its status, Graph error
/// code and request id (the id is what Microsoft support asks for, so it goes in the case comment).
pub(crate) fn restate(cause: &ConnectorError, kind: ErrorKind, detail: String) -> ConnectorError {
    let mut e = ConnectorError::new(kind, cause.operation().to_owned())
        .with_detail(format!("{detail}{}", vendor_suffix(cause)));
    if let Some(s) = cause.status() {
        e = e.with_status(s);
    }
    if let Some(c) = cause.vendor_code() {
        e = e.with_vendor_code(c);
    }
    if let Some(id) = cause.request_id() {
        e = e.with_request_id(id);
    }
    e
}

/// Names the permission a 403 lacks, keeping Graph's code and request id.
pub(crate) fn need(permission: &str) -> impl FnOnce(ConnectorError) -> ConnectorError + '_ {
    move |e| {
        if e.kind() != ErrorKind::Permission {
            return e;
        }
        let detail = format!(
            "the app registration needs the Microsoft Graph application permission {permission} \
             (with admin consent), see docs/CONNECTORS.md"
        );
        restate(&e, ErrorKind::Permission, detail)
    }
}

/// Path segments for `/users/{id | upn}`. Each is percent-encoded as one segment by the HTTP
/// stack (`/`, `#`, `?`, `%` cannot escape it); a UPN starting with `$` uses Graph's documented
/// `users('…')` key form, since `/users/$x@y` is parsed as a system query.
pub(crate) fn user_path(key: &str, rest: &[&str]) -> Vec<String> {
    let mut s = if key.starts_with('$') {
        vec![format!("users({})", odata::string_literal(key))]
    } else {
        vec!["users".to_owned(), key.to_owned()]
    };
    s.extend(rest.iter().map(|r| (*r).to_owned()));
    s
}

/// The Entra ID + Exchange Online connector.
#[derive(Clone, Debug)]
pub struct Graph {
    conn: Conn,
    config: GraphConfig,
}

impl Graph {
    /// Builds the connector with the real sleeper, clock and jitter.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`] for a bad URL, an empty tenant or client id, or an unreadable secret.
    pub fn from_config(config: &GraphConfig) -> Result<Self> {
        Graph::with_deps(config, HttpDeps::default())
    }

    /// Builds the connector with injected dependencies (tests): the clock also decides when the
    /// cached token is refreshed.
    pub fn with_deps(config: &GraphConfig, deps: HttpDeps) -> Result<Self> {
        Ok(Graph { conn: Conn::new(config, deps)?, config: config.clone() })
    }

    /// The sign-in and directory audit event source on the same connection and token.
    pub fn audit_log(&self) -> GraphAuditLog {
        GraphAuditLog::new(self.conn.clone())
    }

    /// The Entra user for a login (UPN) or object id, with the properties irp reads.
    async fn find_user(&self, op: &str, key: &str) -> Result<User> {
        if key.trim().is_empty() {
            return Err(ConnectorError::new(ErrorKind::Invalid, op).with_detail("empty user"));
        }
        let req = Request::get(op, &user_path(key, &[])).query("$select", model::USER_SELECT);
        self.conn.send_json(req).await.map_err(need("User.Read.All"))
    }

    async fn user_id(&self, op: &str, login: &UserId) -> Result<String> {
        Ok(self.find_user(op, login.as_str()).await?.id)
    }
}
