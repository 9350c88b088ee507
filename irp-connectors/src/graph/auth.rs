//! OAuth 2.0 client credentials against the Microsoft identity platform
//! (`POST {authority}/{tenant}/oauth2/v2.0/token`), with the access token cached until shortly
//! before it expires.
//!
//! The token request carries the client secret in a form body, so it is sent here rather than
//! through [`HttpClient`](crate::http::HttpClient), whose `Request` is `Debug` and JSON-only. It
//! follows the same rules: no redirects, the configured timeouts, `Retry-After` honoured on
//! 429/503 through the injected sleeper, and errors that quote only Entra's error code
//! (`invalid_client`, `AADSTS7000215`) and trace id, never `error_description` or the body.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Url;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::error::{ConnectorError, ErrorKind, Result};
use crate::http::rate_limit::retry_after;
use crate::http::retry::backoff;
use crate::http::{HttpDeps, HttpSettings, SecretSource};
use crate::secret::Secret;

/// A token is refreshed this long before Entra says it expires, so a request never leaves with
/// a token that dies in flight (and clock skew between us and Entra does not matter).
pub const REFRESH_MARGIN: chrono::Duration = chrono::Duration::minutes(5);

const OP: &str = "graph.token";

struct Cached {
    token: Secret,
    expires_at: DateTime<Utc>,
}

/// Fetches and caches app-only access tokens.
pub(crate) struct TokenSource {
    http: reqwest::Client,
    token_url: Url,
    client_id: String,
    client_secret: SecretSource,
    scope: String,
    settings: HttpSettings,
    deps: HttpDeps,
    cache: Mutex<Option<Cached>>,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// `{"token_type":"Bearer","expires_in":3599,"access_token":"..."}`. No `Debug`: it holds the token.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

/// `{"error":"invalid_client","error_codes":[7000215],"trace_id":"..."}`; the description is not read.
#[derive(Deserialize)]
struct TokenError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_codes: Vec<u64>,
    #[serde(default)]
    trace_id: Option<String>,
}

/// A short token safe to show: letters, digits, `_ - .`, at most 64 characters.
fn safe(s: &str) -> Option<&str> {
    (!s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))).then_some(s)
}

fn token_error(status: u16, body: &[u8]) -> ConnectorError {
    let kind = match status {
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Server,
        // 400 invalid_client / unauthorized_client / invalid_scope, 401: the app cannot sign in.
        _ => ErrorKind::Unauthenticated,
    };
    let mut detail = match kind {
        ErrorKind::Unauthenticated => "the token request was rejected: check tenant_id, client_id, the client \
                                       secret (expired?) and that the app registration exists in this tenant"
            .to_owned(),
        _ => "the token endpoint did not issue a token".to_owned(),
    };
    if let Ok(e) = serde_json::from_slice::<TokenError>(body) {
        let mut parts = Vec::new();
        if let Some(code) = e.error.as_deref().and_then(safe) {
            parts.push(format!("error {code}"));
        }
        if let Some(first) = e.error_codes.first() {
            parts.push(format!("AADSTS{first}"));
        }
        if let Some(trace) = e.trace_id.as_deref().and_then(safe) {
            parts.push(format!("trace id {trace}"));
        }
        if !parts.is_empty() {
            detail = format!("{detail}; {}", parts.join(", "));
        }
    }
    ConnectorError::new(kind, OP).with_status(status).with_detail(detail)
}

fn expires_in(value: Option<&serde_json::Value>) -> i64 {
    // Entra sends a number; some proxies and older endpoints send it as a string.
    let secs = match value {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    secs.unwrap_or(3599).clamp(0, 86_400)
}

impl TokenSource {
    pub(crate) fn new(
        authority: &str,
        tenant_id: &str,
        client_id: &str,
        client_secret: SecretSource,
        scope: String,
        settings: HttpSettings,
        deps: HttpDeps,
    ) -> Result<Self> {
        let invalid = |d: String| ConnectorError::new(ErrorKind::Invalid, "graph.config").with_detail(d);
        let mut token_url = Url::parse(authority).map_err(|e| invalid(format!("authority is not a URL: {e}")))?;
        if !matches!(token_url.scheme(), "http" | "https")
            || token_url.cannot_be_a_base()
            || token_url.query().is_some()
        {
            return Err(invalid("authority must be http(s)://host[:port][/prefix] without query".into()));
        }
        if tenant_id.trim().is_empty() || client_id.trim().is_empty() {
            return Err(invalid("tenant_id and client_id must be set".into()));
        }
        token_url
            .path_segments_mut()
            .map_err(|()| invalid("bad authority".into()))?
            .pop_if_empty()
            .extend([tenant_id, "oauth2", "v2.0", "token"]);
        let http = reqwest::Client::builder()
            .timeout(settings.timeout())
            .connect_timeout(settings.connect_timeout())
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("irp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConnectorError::new(ErrorKind::Invalid, "graph.config").with_source(e))?;
        Ok(TokenSource {
            http,
            token_url,
            client_id: client_id.to_owned(),
            client_secret,
            scope,
            settings,
            deps,
            cache: Mutex::new(None),
        })
    }

    /// A token valid for at least [`REFRESH_MARGIN`], from the cache or freshly issued.
    pub(crate) async fn token(&self) -> Result<Secret> {
        let mut cache = self.cache.lock().await;
        let now = self.deps.clock.now();
        if let Some(c) = cache.as_ref() {
            if now + REFRESH_MARGIN < c.expires_at {
                return Ok(c.token.clone());
            }
        }
        let fresh = self.fetch(now).await?;
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    /// Graph rejected `rejected` (401): drop it and get a new one, unless another call already
    /// replaced it.
    pub(crate) async fn refresh_after_rejection(&self, rejected: &Secret) -> Result<Secret> {
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.as_ref() {
            if c.token.expose_secret() != rejected.expose_secret() {
                return Ok(c.token.clone());
            }
        }
        let fresh = self.fetch(self.deps.clock.now()).await?;
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    async fn fetch(&self, issued_at: DateTime<Utc>) -> Result<Cached> {
        // Read on every fetch, so a rotated secret file is picked up.
        let secret = self.client_secret.resolve("graph.config")?;
        let form = [
            ("client_id", self.client_id.as_str()),
            ("scope", self.scope.as_str()),
            ("client_secret", secret.expose_secret()),
            ("grant_type", "client_credentials"),
        ];
        let max_wait = self.settings.max_wait();
        let base = Duration::from_millis(self.settings.backoff_ms);
        let mut attempt = 0u32;
        loop {
            let may_retry = attempt < self.settings.max_retries;
            let sent = self
                .http
                .post(self.token_url.clone())
                .header(reqwest::header::ACCEPT, "application/json")
                .form(&form)
                .send()
                .await;
            let (status, headers, body) = match sent {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Ok(b) => (status, headers, b.to_vec()),
                        Err(e) => {
                            return Err(ConnectorError::new(ErrorKind::Interrupted, OP).with_source(e.without_url()))
                        }
                    }
                }
                Err(e) => {
                    let kind = if e.is_connect() {
                        ErrorKind::Connect
                    } else if e.is_timeout() {
                        ErrorKind::Timeout
                    } else {
                        ErrorKind::Interrupted
                    };
                    // Asking for a token changes nothing, so any transport failure may be retried.
                    if may_retry {
                        self.deps.sleeper.sleep(backoff(base, attempt, max_wait)).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(ConnectorError::new(kind, OP)
                        .with_detail("the token endpoint could not be reached")
                        .with_source(e.without_url()));
                }
            };
            if (200..300).contains(&status) {
                let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
                    ConnectorError::new(ErrorKind::Decode, OP)
                        .with_status(status)
                        .with_detail(format!("unexpected token response ({:?})", e.classify()))
                })?;
                if parsed.access_token.is_empty() {
                    return Err(ConnectorError::new(ErrorKind::Decode, OP).with_detail("empty access_token"));
                }
                let lifetime = expires_in(parsed.expires_in.as_ref());
                return Ok(Cached {
                    token: Secret::new(parsed.access_token),
                    expires_at: issued_at + chrono::Duration::seconds(lifetime),
                });
            }
            let err = token_error(status, &body);
            if matches!(status, 429 | 500..=599) && may_retry {
                let wait =
                    retry_after(&headers, self.deps.clock.now()).unwrap_or_else(|| backoff(base, attempt, max_wait));
                if wait <= max_wait {
                    self.deps
                        .sleeper
                        .sleep(wait + self.deps.jitter.jitter(Duration::from_millis(self.settings.jitter_ms)))
                        .await;
                    attempt += 1;
                    continue;
                }
                return Err(err.with_retry_after(wait));
            }
            return Err(err);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_errors_quote_codes_not_descriptions() {
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent is 'abc~SECRET'","error_codes":[7000215],"timestamp":"2024-05-01 10:00:00Z","trace_id":"0c1f0d5e-3c1b-4a2e-9b1a-1f2e3d4c5b6a","correlation_id":"x"}"#;
        let e = token_error(401, body);
        let shown = e.to_string();
        assert!(shown.starts_with("graph.token: not authenticated (HTTP 401): the token request was rejected"));
        assert!(shown.ends_with("error invalid_client, AADSTS7000215, trace id 0c1f0d5e-3c1b-4a2e-9b1a-1f2e3d4c5b6a"));
        assert!(!shown.contains("SECRET"));
        assert_eq!(token_error(503, b"").kind(), ErrorKind::Server);
    }

    #[test]
    fn expires_in_number_or_string() {
        assert_eq!(expires_in(Some(&serde_json::json!(3599))), 3599);
        assert_eq!(expires_in(Some(&serde_json::json!("600"))), 600);
        assert_eq!(expires_in(None), 3599);
        assert_eq!(expires_in(Some(&serde_json::json!(-5))), 0);
    }
}
