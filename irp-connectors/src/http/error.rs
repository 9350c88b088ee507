//! Turning transport failures and error statuses into [`ConnectorError`]s.
//!
//! Only short, validated tokens from a response reach an error: the vendor's error code
//! (`E0000007`, `NOT_FOUND`, `Request_ResourceNotFound`) and request id. Summaries and messages
//! are not copied: they echo logins, e-mail addresses and sometimes submitted values.

use reqwest::header::HeaderMap;

use crate::error::{ConnectorError, ErrorKind};

/// A transport failure (no HTTP status). Refused or failed connections never sent the request;
/// a timeout or a broken connection after sending may have run it.
pub(crate) fn transport_error(operation: &str, e: reqwest::Error) -> ConnectorError {
    let kind = if e.is_connect() {
        ErrorKind::Connect
    } else if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_builder() {
        ErrorKind::Invalid
    } else {
        ErrorKind::Interrupted
    };
    let detail = match kind {
        ErrorKind::Connect => "the request was not sent",
        ErrorKind::Timeout => "no answer in time; the request may have run: verify before repeating",
        ErrorKind::Invalid => "the request could not be built",
        _ => "the connection broke; the request may have run: verify before repeating",
    };
    // The URL may carry a login in its path or query: keep it out of the source chain too.
    ConnectorError::new(kind, operation).with_detail(detail).with_source(e.without_url())
}

/// A short token safe to show: letters, digits, `_ - .`, at most 64 characters.
fn token(s: &str) -> Option<&str> {
    (!s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))).then_some(s)
}

/// The vendor's error code in an error body: Okta `errorCode`, Google `error.status`,
/// Graph `error.code`.
pub(crate) fn vendor_code(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let code = v
        .get("errorCode")
        .and_then(|c| c.as_str())
        .or_else(|| v.get("error").and_then(|e| e.get("status")).and_then(|c| c.as_str()))
        .or_else(|| v.get("error").and_then(|e| e.get("code")).and_then(|c| c.as_str()))?;
    token(code).map(str::to_owned)
}

/// An error for an HTTP error status.
pub(crate) fn status_error(
    operation: &str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    request_id_header: Option<&str>,
) -> ConnectorError {
    let mut err = ConnectorError::from_status(status, operation)
        .unwrap_or_else(|| ConnectorError::new(ErrorKind::Decode, operation).with_status(status));
    let mut detail = match status {
        401 => "the credential was rejected: check the token is set, current and issued for this \
                org/instance"
            .to_owned(),
        403 => "the credential lacks a permission: check the token's scopes/permissions (admin role, \
                OAuth scope, IAM role or API key permissions) for this operation, see docs/CONNECTORS.md"
            .to_owned(),
        404 => "no such object".to_owned(),
        411 => "the server requires a Content-Length header".to_owned(),
        500..=599 => "the service failed; the request may have run: verify before repeating".to_owned(),
        _ => String::new(),
    };
    let mut extra = Vec::new();
    if let Some(code) = vendor_code(body) {
        extra.push(format!("vendor code {code}"));
        err = err.with_vendor_code(code);
    }
    if let Some(id) = request_id_header.and_then(|h| headers.get(h)).and_then(|v| v.to_str().ok()).and_then(token) {
        extra.push(format!("request id {id}"));
        err = err.with_request_id(id);
    }
    if !extra.is_empty() {
        if !detail.is_empty() {
            detail.push_str("; ");
        }
        detail.push_str(&extra.join(", "));
    }
    if !detail.is_empty() {
        err = err.with_detail(detail);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_taken_and_summaries_are_not() {
        let okta =
            br#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: alice@example.com (User)"}"#;
        let e = status_error("okta.get_user", 404, &HeaderMap::new(), okta, None);
        assert_eq!(e.to_string(), "okta.get_user: not found (HTTP 404): no such object; vendor code E0000007");
        let google = br#"{"error":{"code":403,"message":"caller bob@x lacks chronicle.events.udmSearch","status":"PERMISSION_DENIED"}}"#;
        let e = status_error("secops.udm_search", 403, &HeaderMap::new(), google, None);
        assert!(e.to_string().contains("check the token's scopes/permissions"));
        assert!(e.to_string().ends_with("vendor code PERMISSION_DENIED"));
        assert!(!e.to_string().contains("bob@x"));
        let hostile = br#"{"errorCode":"E0000001 password=hunter2"}"#;
        assert_eq!(vendor_code(hostile), None);
    }
}
