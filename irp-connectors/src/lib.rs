//! # irp-connectors
//!
//! The ports (`Siem`, `Soar`, `IdentityProvider`, `Mailbox`), the embedded local connectors
//! and the async `Responder` that drives the `irp-core` runbook engine against them.
#![forbid(unsafe_code)]
