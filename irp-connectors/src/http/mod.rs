//! The one HTTP stack every vendor connector uses (Okta, Google SecOps SIEM and SOAR, Graph).
//!
//! * [`HttpClient`]: a vendor's base URL (any `http(s)://host[:port]/prefix`, so proxies, regional
//!   endpoints and local test doubles work), its credential header, timeouts, and the retry loop.
//! * [`retry`]: which calls are retried. Only calls safe to repeat ([`Idempotency::Safe`]) are
//!   retried after a timeout or a 5xx; a 429 or a connection that never opened is retried for any
//!   call, because the request did not run.
//! * [`rate_limit`]: how long a 429 asks us to wait (Okta `X-Rate-Limit-Reset` against the
//!   response `Date`, `Retry-After` seconds or HTTP date elsewhere), with jitter and a cap.
//! * [`pagination`]: Okta `link: <...>; rel="next"`, page numbers, time-window splitting.
//! * [`Sleeper`], [`Jitter`] and the [`Clock`](crate::Clock) are injected ([`HttpDeps`]) so
//!   tests assert the requested wait without waiting.
//!
//! Errors are [`ConnectorError`](crate::ConnectorError)s that say whether the request may have
//! reached the server; they carry a vendor error code and request id at most, never a body.

mod client;
mod config;
mod error;
pub mod pagination;
pub mod rate_limit;
pub mod retry;
mod sleep;

pub use client::{HttpClient, Request, Response};
pub use config::{HttpSettings, SecretSource};
pub use retry::Idempotency;
pub use sleep::{HttpDeps, Jitter, NoJitter, RandomJitter, RecordingSleeper, Sleeper, TokioSleeper};
