//! Which calls are retried, and how long to back off.
//!
//! The rule (also in `docs/CONNECTORS.md`):
//!
//! | failure | did the request run? | retried for |
//! |---|---|---|
//! | connection refused / DNS / TLS before sending | no | every call |
//! | HTTP 429 | no (the service rejected it before doing anything) | every call, after the asked wait |
//! | timeout or broken connection after sending | maybe | [`Idempotency::Safe`] calls only |
//! | HTTP 5xx | maybe | [`Idempotency::Safe`] calls only |
//! | any other 4xx | no, and it would fail again | never |
//!
//! `Safe` means repeating the call cannot change the outcome: every `GET`, read-only search
//! `POST`s (SOAR `CaseSearchEverything`), and `DELETE`s of a whole collection whose second run is
//! a documented no-op answering the same status (Okta `DELETE /users/{id}/sessions` → 204 again).
//! Lifecycle `POST`s (suspend, reset password), comments and case closes are
//! [`Idempotency::Unsafe`]: after a timeout they are reported
//! [`maybe_executed`](crate::ConnectorError::maybe_executed) and must be verified by re-reading,
//! never blindly repeated.

use std::time::Duration;

/// Whether a call may be repeated after it may have run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Idempotency {
    /// Repeating the call cannot change the outcome.
    Safe,
    /// The call changes state; repeating it might act twice or on a changed state.
    Unsafe,
}

/// Exponential back-off: `base * 2^attempt`, capped.
pub fn backoff(base: Duration, attempt: u32, cap: Duration) -> Duration {
    let factor = 1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let b = Duration::from_millis(500);
        let cap = Duration::from_secs(3);
        assert_eq!(backoff(b, 0, cap), Duration::from_millis(500));
        assert_eq!(backoff(b, 1, cap), Duration::from_millis(1000));
        assert_eq!(backoff(b, 2, cap), Duration::from_millis(2000));
        assert_eq!(backoff(b, 3, cap), cap);
        assert_eq!(backoff(b, 40, cap), cap);
    }
}
