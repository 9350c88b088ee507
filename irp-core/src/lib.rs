//! # irp-core
//!
//! The sans-IO heart of `irp`, the compromised-account incident-response library.
//!
//! This crate performs no I/O, reads no clock and owns no async runtime: every input
//! (events, the current time, the outcome of a connector call) is passed in, every output
//! is a value. That makes it deterministic, exhaustively testable and embeddable anywhere
//! (the async `irp-connectors` crate, the Python binding, a SOAR playbook block).
//!
//! | module | job |
//! |---|---|
//! | [`evidence`] | the normalised [`Event`](evidence::Event) and the vendor parsers |
//! | [`detect`] | detectors: pure functions from a user's events to [`Signal`](detect::Signal)s |
//! | [`score`] | signals to a [`Likelihood`](score::Likelihood) with a breakdown |
//! | [`policy`] | every threshold, allow-list and protected account, loadable from TOML |
//! | [`assess`] | the whole Identification decision: events in, one [`Assessment`](score::Assessment) per user out |
//! | [`incident`] / [`phase`] | the incident record and the PICERL phase state machine |
//! | [`action`] / [`approval`] | typed response actions and the approvals that authorise them |
//! | [`runbook`] | the sans-IO engine: effects out, outcomes in |
//! | [`report`] | case comments and the final report (Markdown, HTML) |
//!
//! ```
//! use irp_core::{assess::Assessor, evidence::Format, policy::Policy};
//!
//! let ndjson = br#"{"uuid":"e1","published":"2024-05-01T09:00:00.000Z","eventType":"user.session.start","actor":{"id":"00u1","alternateId":"alice@example.com","type":"User"},"outcome":{"result":"SUCCESS"},"client":{"ipAddress":"198.51.100.7"}}"#;
//! let mut assessor = Assessor::new(Policy::default());
//! assessor.push_source("okta.ndjson", &ndjson[..], Format::Auto).unwrap();
//! let results = assessor.finish();
//! assert_eq!(results[0].user.as_str(), "alice@example.com");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod id;

pub mod assess;
pub mod detect;
pub mod evidence;
pub mod policy;
pub mod score;

pub mod action;
pub mod approval;
pub mod incident;
pub mod phase;
pub mod report;
pub mod runbook;
