//! # irp-connectors
//!
//! The ports (`Siem`, `Soar`, `IdentityProvider`, `Mailbox`), the embedded local connectors
//! and the async `Responder` that drives the `irp-core` runbook engine against them.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod clock;
pub mod config;
pub mod embedded;
pub mod error;
pub mod graph;
pub mod http;
pub mod okta;
pub mod ports;
pub mod responder;
pub mod secops;
pub mod secret;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ConnectorError, ErrorKind};
pub use ports::*;
pub use responder::{Finished, Responder};
pub use secret::Secret;
