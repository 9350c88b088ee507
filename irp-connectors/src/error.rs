//! The one error type every port returns.
//!
//! It follows the smithy-rs error checklist: the type is opaque with accessors and predicates,
//! `Display` never repeats the source and never includes a response body or a secret, no
//! third-party error type is public (they are only reachable through [`std::error::Error::source`]),
//! and every error records whether the request may have reached the server
//! ([`ConnectorError::maybe_executed`]), because containment actions are not idempotent: a
//! disable that timed out must be verified, not repeated.

use std::fmt;
use std::time::Duration;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong, in the categories a caller acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The connection could not be made; the request never left this process.
    Connect,
    /// No answer in time after the request was sent: it may or may not have run.
    Timeout,
    /// The connection broke after the request was sent, before a complete answer.
    Interrupted,
    /// The service asked us to slow down (HTTP 429, Okta `X-Rate-Limit-Remaining: 0`).
    RateLimited,
    /// The service failed (HTTP 5xx).
    Server,
    /// Credentials are missing, wrong or expired (HTTP 401).
    Unauthenticated,
    /// The credentials are valid but lack the permission or scope (HTTP 403).
    Permission,
    /// The user, case, rule, grant or factor does not exist (HTTP 404).
    NotFound,
    /// The object is in a state that forbids the operation (HTTP 409, re-enabling a deprovisioned user).
    Conflict,
    /// The request itself is invalid (HTTP 400/422, a malformed argument).
    Invalid,
    /// The service answered but its answer could not be read.
    Decode,
    /// A local store (SQLite file, JSON directory, event file) failed.
    Storage,
    /// The connector does not offer this operation.
    Unsupported,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::Connect => "could not connect",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Interrupted => "connection interrupted",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Server => "server error",
            ErrorKind::Unauthenticated => "not authenticated",
            ErrorKind::Permission => "permission denied",
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Invalid => "invalid request",
            ErrorKind::Decode => "unreadable response",
            ErrorKind::Storage => "storage error",
            ErrorKind::Unsupported => "unsupported operation",
        }
    }
}

/// What the vendor said about a failed call, in validated short tokens.
#[derive(Debug, Default)]
struct VendorRef {
    code: Option<String>,
    request_id: Option<String>,
}

/// An error from a connector call.
///
/// Build one with [`ConnectorError::new`] and the `with_*` methods; inspect it with the
/// predicates. `Display` prints `operation: kind[ (HTTP status)][: detail]`; the `detail` is
/// text the connector wrote itself, never a response body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub struct ConnectorError {
    kind: ErrorKind,
    operation: String,
    detail: Option<String>,
    status: Option<u16>,
    retry_after: Option<Duration>,
    /// Boxed so the error stays small (`Result<T, ConnectorError>` is returned everywhere).
    vendor: Option<Box<VendorRef>>,
    #[source]
    source: Option<BoxError>,
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.operation, self.kind.describe())?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl ConnectorError {
    /// A new error of `kind` raised by `operation` (for example `"okta.suspend_user"`).
    pub fn new(kind: ErrorKind, operation: impl Into<String>) -> Self {
        ConnectorError {
            kind,
            operation: operation.into(),
            detail: None,
            status: None,
            retry_after: None,
            vendor: None,
            source: None,
        }
    }

    /// Adds a short human detail. It is shown by `Display`, so it must never contain a response
    /// body, a token or a password.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Appends `more` to the detail (after `; `), keeping what is there (the vendor code).
    pub(crate) fn and_detail(mut self, more: impl fmt::Display) -> Self {
        self.detail = Some(match self.detail.take() {
            Some(d) => format!("{d}; {more}"),
            None => more.to_string(),
        });
        self
    }

    /// Records the HTTP status the service answered with.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Records how long the service asked us to wait (`Retry-After`, `X-Rate-Limit-Reset`).
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// Records the vendor's machine-readable error code (Okta `E0000007`, Google `NOT_FOUND`).
    /// Only short validated tokens: never a summary or message.
    pub fn with_vendor_code(mut self, code: impl Into<String>) -> Self {
        self.vendor.get_or_insert_with(Box::default).code = Some(code.into());
        self
    }

    /// Records the vendor's request id (`X-Okta-Request-Id`), for support tickets.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.vendor.get_or_insert_with(Box::default).request_id = Some(id.into());
        self
    }

    /// The vendor's error code, for flow control (Okta documents `errorCode` as the only
    /// stable part of its errors).
    pub fn vendor_code(&self) -> Option<&str> {
        self.vendor.as_ref().and_then(|v| v.code.as_deref())
    }

    /// The vendor's request id.
    pub fn request_id(&self) -> Option<&str> {
        self.vendor.as_ref().and_then(|v| v.request_id.as_deref())
    }

    /// Attaches the underlying error; reachable through [`std::error::Error::source`] only.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Maps an HTTP error status to the matching kind (`None` for a success status).
    pub fn from_status(status: u16, operation: impl Into<String>) -> Option<Self> {
        let kind = match status {
            401 => ErrorKind::Unauthenticated,
            403 => ErrorKind::Permission,
            404 | 410 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimited,
            400..=499 => ErrorKind::Invalid,
            500..=599 => ErrorKind::Server,
            _ => return None,
        };
        Some(ConnectorError::new(kind, operation).with_status(status))
    }

    /// The category.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The operation that failed.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// How long the service asked us to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// True when trying again later may succeed.
    ///
    /// This says nothing about whether a retry is *safe*: only retry an operation that is
    /// idempotent, or one where [`maybe_executed`](Self::maybe_executed) is false.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Connect
                | ErrorKind::Timeout
                | ErrorKind::Interrupted
                | ErrorKind::RateLimited
                | ErrorKind::Server
        )
    }

    /// True when the request may have reached the service and run there.
    ///
    /// # Troubleshooting
    ///
    /// A containment action that fails this way must be *verified* (re-read the account, the
    /// sessions, the rule) rather than repeated: the user may already be suspended.
    pub fn maybe_executed(&self) -> bool {
        matches!(self.kind, ErrorKind::Timeout | ErrorKind::Interrupted | ErrorKind::Server | ErrorKind::Decode)
    }

    /// True when the object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }

    /// True when the credentials lack a permission or scope, or are not accepted at all.
    ///
    /// # Troubleshooting
    ///
    /// Check the API token's role (Okta) or the app registration's granted permissions (Graph):
    /// the readiness report of the Preparation phase lists the connector that failed.
    pub fn is_permission(&self) -> bool {
        matches!(self.kind, ErrorKind::Permission | ErrorKind::Unauthenticated)
    }

    /// True when the service throttled the call.
    pub fn is_rate_limited(&self) -> bool {
        self.kind == ErrorKind::RateLimited
    }

    /// True when the call timed out.
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }

    /// A storage error (SQLite, JSON directory, event file) for `operation`.
    pub(crate) fn storage(operation: &str, source: impl Into<BoxError>) -> Self {
        ConnectorError::new(ErrorKind::Storage, operation).with_source(source)
    }

    /// A not-found error naming what was missing (an id, never a secret).
    pub(crate) fn not_found(operation: &str, what: impl fmt::Display) -> Self {
        ConnectorError::new(ErrorKind::NotFound, operation).with_detail(what.to_string())
    }
}

/// Shorthand for results of connector calls.
pub type Result<T, E = ConnectorError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn a_timeout_may_have_executed_and_is_retryable() {
        let e = ConnectorError::new(ErrorKind::Timeout, "okta.suspend_user");
        assert!(e.maybe_executed());
        assert!(e.is_retryable());
        assert!(!e.is_not_found());
    }

    #[test]
    fn a_connect_failure_never_executed() {
        let e = ConnectorError::new(ErrorKind::Connect, "graph.revoke");
        assert!(!e.maybe_executed());
        assert!(e.is_retryable());
    }

    #[test]
    fn statuses_map_to_kinds() {
        let e = ConnectorError::from_status(429, "okta.get_user").unwrap().with_retry_after(Duration::from_secs(7));
        assert!(e.is_rate_limited());
        assert!(!e.maybe_executed());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(e.status(), Some(429));
        assert!(ConnectorError::from_status(403, "x").unwrap().is_permission());
        assert!(ConnectorError::from_status(404, "x").unwrap().is_not_found());
        assert!(ConnectorError::from_status(503, "x").unwrap().maybe_executed());
        assert!(ConnectorError::from_status(204, "x").is_none());
    }

    #[test]
    fn display_never_repeats_the_source() {
        let io = std::io::Error::other("response body: {\"password\":\"hunter2\"}");
        let e = ConnectorError::new(ErrorKind::Server, "okta.reset_password").with_status(500).with_source(io);
        let shown = e.to_string();
        assert_eq!(shown, "okta.reset_password: server error (HTTP 500)");
        assert!(!shown.contains("hunter2"));
        assert!(e.source().is_some());
    }
}
