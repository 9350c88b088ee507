//! # irp
//!
//! Compromised-account incident response as a library. This facade re-exports
//! [`irp_core`] (the sans-IO evidence model, detectors, scoring and runbook engine) and
//! [`irp_connectors`] (ports, embedded connectors and the async driver), and ships the `irp`
//! command.
#![forbid(unsafe_code)]

pub use irp_connectors as connectors;
pub use irp_core as core;
