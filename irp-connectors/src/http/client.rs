//! The HTTP client: one per vendor connection.

use std::fmt;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

use super::config::{HttpSettings, SecretSource};
use super::error::{status_error, transport_error};
use super::pagination::{next_link, same_origin};
use super::rate_limit::{requested_wait, retry_after, RateLimitStyle};
use super::retry::{backoff, Idempotency};
use super::sleep::HttpDeps;
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::secret::Secret;

/// Where the credential of a client comes from.
#[derive(Clone, Debug)]
enum Credential {
    Fixed(Secret),
    /// Read on every request, so a refreshed token file is picked up.
    Source(SecretSource),
}

#[derive(Clone, Debug)]
struct Auth {
    header: HeaderName,
    /// `SSWS`, `Bearer`, or nothing (SOAR's `AppKey: <key>`).
    scheme: Option<&'static str>,
    credential: Credential,
}

/// One request, relative to the client's base URL or (for pagination links) absolute.
#[derive(Clone, Debug)]
pub struct Request {
    operation: String,
    method: Method,
    target: Target,
    query: Vec<(String, String)>,
    body: Option<serde_json::Value>,
    idempotency: Idempotency,
}

#[derive(Clone, Debug)]
enum Target {
    /// Path segments appended to the base URL; each is percent-encoded as one segment, so an
    /// id like `a/../../admin` stays one segment.
    Segments(Vec<String>),
    /// A link the service returned; followed only on the base URL's origin.
    Absolute(String),
}

impl Request {
    /// A request; `GET` is [`Idempotency::Safe`], every other method [`Idempotency::Unsafe`]
    /// until [`idempotency`](Self::idempotency) says otherwise.
    pub fn new<S: AsRef<str>>(operation: impl Into<String>, method: Method, segments: &[S]) -> Self {
        let idempotency = if method == Method::GET { Idempotency::Safe } else { Idempotency::Unsafe };
        Request {
            operation: operation.into(),
            method,
            target: Target::Segments(segments.iter().map(|s| s.as_ref().to_owned()).collect()),
            query: Vec::new(),
            body: None,
            idempotency,
        }
    }

    /// A `GET`.
    pub fn get<S: AsRef<str>>(operation: impl Into<String>, segments: &[S]) -> Self {
        Request::new(operation, Method::GET, segments)
    }

    /// A `POST` (unsafe by default).
    pub fn post<S: AsRef<str>>(operation: impl Into<String>, segments: &[S]) -> Self {
        Request::new(operation, Method::POST, segments)
    }

    /// A `DELETE` (unsafe by default).
    pub fn delete<S: AsRef<str>>(operation: impl Into<String>, segments: &[S]) -> Self {
        Request::new(operation, Method::DELETE, segments)
    }

    /// A `GET` of a link the service returned (a `rel="next"` URL).
    pub fn follow(operation: impl Into<String>, url: impl Into<String>) -> Self {
        Request {
            operation: operation.into(),
            method: Method::GET,
            target: Target::Absolute(url.into()),
            query: Vec::new(),
            body: None,
            idempotency: Idempotency::Safe,
        }
    }

    /// Adds a query parameter (form-encoded).
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Declares whether the call may be repeated (see [`super::retry`]).
    pub fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// The operation name used in errors.
    pub fn operation(&self) -> &str {
        &self.operation
    }
}

/// A successful answer. `Debug` shows the status and body size, never the body.
pub struct Response {
    /// HTTP status (2xx).
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    body: Vec<u8>,
    operation: String,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response").field("status", &self.status).field("body_len", &self.body.len()).finish()
    }
}

impl Response {
    /// The body as JSON. A decoding error says where, never what the body held.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        let body: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) { b"null" } else { &self.body };
        serde_json::from_slice(body).map_err(|e| {
            ConnectorError::new(ErrorKind::Decode, self.operation.clone()).with_status(self.status).with_detail(
                format!("unexpected response ({:?} at line {} column {})", e.classify(), e.line(), e.column()),
            )
        })
    }

    /// True when the body is empty or whitespace (`204`, or a `200` with no content).
    pub fn is_empty(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }

    /// The `rel="next"` link, if any.
    pub fn next_link(&self) -> Option<String> {
        next_link(&self.headers)
    }
}

/// The HTTP client of one vendor connection: base URL, credential, settings, retry loop.
///
/// `Debug` shows the vendor and base URL only; the credential header is marked sensitive so
/// the HTTP stack never prints it either.
#[derive(Clone)]
pub struct HttpClient {
    vendor: &'static str,
    base: Url,
    inner: reqwest::Client,
    auth: Option<Auth>,
    settings: HttpSettings,
    deps: HttpDeps,
    style: RateLimitStyle,
    request_id_header: Option<&'static str>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("vendor", &self.vendor)
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client for `vendor` at `base_url` (`https://acme.okta.com`, `http://127.0.0.1:8080/okta`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`] for a URL that is not `http(s)://` or cannot carry a path.
    pub fn new(vendor: &'static str, base_url: &str, settings: HttpSettings, deps: HttpDeps) -> Result<Self> {
        let op = format!("{vendor}.config");
        let base = Url::parse(base_url).map_err(|e| {
            ConnectorError::new(ErrorKind::Invalid, op.clone()).with_detail(format!("base_url is not a URL: {e}"))
        })?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() || base.query().is_some() {
            return Err(ConnectorError::new(ErrorKind::Invalid, op)
                .with_detail("base_url must be http(s)://host[:port][/prefix] without query"));
        }
        let inner = reqwest::Client::builder()
            .timeout(settings.timeout())
            .connect_timeout(settings.connect_timeout())
            // A redirect could carry the credential elsewhere; vendors' APIs do not redirect.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("irp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConnectorError::new(ErrorKind::Invalid, op).with_source(e))?;
        Ok(HttpClient {
            vendor,
            base,
            inner,
            auth: None,
            settings,
            deps,
            style: RateLimitStyle::RetryAfter,
            request_id_header: None,
        })
    }

    /// Sends `header: [scheme ]secret` on every request.
    pub fn with_secret(mut self, header: &'static str, scheme: Option<&'static str>, secret: Secret) -> Self {
        self.auth =
            Some(Auth { header: HeaderName::from_static(header), scheme, credential: Credential::Fixed(secret) });
        self
    }

    /// Like [`with_secret`](Self::with_secret), reading the secret from `source` on every request.
    pub fn with_secret_source(
        mut self,
        header: &'static str,
        scheme: Option<&'static str>,
        source: SecretSource,
    ) -> Self {
        self.auth =
            Some(Auth { header: HeaderName::from_static(header), scheme, credential: Credential::Source(source) });
        self
    }

    /// Which rate-limit headers to read on a 429.
    pub fn with_rate_limit_style(mut self, style: RateLimitStyle) -> Self {
        self.style = style;
        self
    }

    /// The response header carrying the vendor's request id (`X-Okta-Request-Id`), quoted in errors.
    pub fn with_request_id_header(mut self, header: &'static str) -> Self {
        self.request_id_header = Some(header);
        self
    }

    /// The base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    fn url_for(&self, req: &Request) -> Result<Url> {
        let mut url = match &req.target {
            Target::Segments(segments) => {
                let mut url = self.base.clone();
                {
                    let mut path = url.path_segments_mut().map_err(|()| {
                        ConnectorError::new(ErrorKind::Invalid, req.operation.clone()).with_detail("bad base_url")
                    })?;
                    path.pop_if_empty();
                    path.extend(segments);
                }
                url
            }
            Target::Absolute(link) => {
                Url::parse(link).ok().filter(|u| same_origin(&self.base, u)).ok_or_else(|| {
                    ConnectorError::new(ErrorKind::Decode, req.operation.clone())
                        .with_detail("refusing to follow a pagination link outside the configured base_url")
                })?
            }
        };
        if !req.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &req.query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    fn auth_header(&self, op: &str) -> Result<Option<(HeaderName, HeaderValue)>> {
        let Some(auth) = &self.auth else { return Ok(None) };
        let resolved;
        let secret = match &auth.credential {
            Credential::Fixed(s) => s,
            Credential::Source(src) => {
                resolved = src.resolve(op)?;
                &resolved
            }
        };
        let text = match auth.scheme {
            Some(scheme) => format!("{scheme} {}", secret.expose_secret()),
            None => secret.expose_secret().to_owned(),
        };
        let mut value = HeaderValue::from_str(&text).map_err(|_| {
            ConnectorError::new(ErrorKind::Invalid, op)
                .with_detail("the credential holds characters not allowed in a header")
        })?;
        value.set_sensitive(true);
        Ok(Some((auth.header.clone(), value)))
    }

    /// Sends `req`, retrying as [`super::retry`] allows, and returns a 2xx answer.
    ///
    /// # Errors
    ///
    /// A [`ConnectorError`] whose kind and [`maybe_executed`](ConnectorError::maybe_executed)
    /// say what happened; 429s carry [`retry_after`](ConnectorError::retry_after).
    pub async fn send(&self, req: Request) -> Result<Response> {
        let op = req.operation.as_str();
        let url = self.url_for(&req)?;
        let auth = self.auth_header(op)?;
        let body = req.body.as_ref().map(serde_json::to_vec).transpose().map_err(|e| {
            ConnectorError::new(ErrorKind::Invalid, op).with_detail("request body not serialisable").with_source(e)
        })?;
        let max_wait = self.settings.max_wait();
        let base_backoff = std::time::Duration::from_millis(self.settings.backoff_ms);
        let jitter_max = std::time::Duration::from_millis(self.settings.jitter_ms);
        let mut attempt: u32 = 0;
        let mut first_request_id: Option<HeaderValue> = None;
        loop {
            let mut builder = self.inner.request(req.method.clone(), url.clone()).header(ACCEPT, "application/json");
            if let Some((name, value)) = &auth {
                builder = builder.header(name.clone(), value.clone());
            }
            builder = match &body {
                Some(bytes) => builder.header(CONTENT_TYPE, "application/json").body(bytes.clone()),
                // Okta answers 411 to a bodyless POST without Content-Length: always say 0.
                None if matches!(req.method, Method::POST | Method::PUT | Method::PATCH) => {
                    builder.header(CONTENT_TYPE, "application/json").header(CONTENT_LENGTH, "0").body(Vec::new())
                }
                None => builder,
            };
            if attempt > 0 && self.style == RateLimitStyle::Okta {
                // Okta's SDK convention, so Okta support can tie retries to the first request.
                if let Some(id) = &first_request_id {
                    builder = builder.header("x-okta-retry-for", id.clone());
                }
                builder = builder.header("x-okta-retry-count", attempt.to_string());
            }
            let may_retry = attempt < self.settings.max_retries;
            let outcome = match builder.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Ok(bytes) => Ok((status, headers, bytes.to_vec())),
                        Err(e) => Err(transport_error(op, e)),
                    }
                }
                Err(e) => Err(transport_error(op, e)),
            };
            let (status, headers, body_bytes) = match outcome {
                Ok(answer) => answer,
                Err(err) => {
                    let retry = err.kind() == ErrorKind::Connect || req.idempotency == Idempotency::Safe;
                    if retry && may_retry {
                        let wait = backoff(base_backoff, attempt, max_wait) + self.deps.jitter.jitter(jitter_max);
                        self.deps.sleeper.sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(err);
                }
            };
            if (200..300).contains(&status) {
                return Ok(Response { status, headers, body: body_bytes, operation: req.operation.clone() });
            }
            let err = status_error(op, status, &headers, &body_bytes, self.request_id_header);
            let asked = match status {
                429 => Some(requested_wait(self.style, &headers, self.deps.clock.now())),
                500..=599 if req.idempotency == Idempotency::Safe => Some(retry_after(&headers, self.deps.clock.now())),
                _ => None,
            };
            let Some(asked) = asked else { return Err(err) };
            let wait = asked.unwrap_or_else(|| backoff(base_backoff, attempt, max_wait));
            if !may_retry || wait > max_wait {
                return Err(if status == 429 { err.with_retry_after(wait) } else { err });
            }
            if first_request_id.is_none() {
                first_request_id = self.request_id_header.and_then(|h| headers.get(h)).cloned();
            }
            self.deps.sleeper.sleep(wait + self.deps.jitter.jitter(jitter_max)).await;
            attempt += 1;
        }
    }

    /// Sends `req` and decodes the JSON answer.
    pub async fn send_json<T: DeserializeOwned>(&self, req: Request) -> Result<T> {
        self.send(req).await?.json()
    }
}
