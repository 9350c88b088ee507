//! The async [`Responder`]: drives the sans-IO runbook engine ([`irp_core::runbook`]) to the
//! end against any set of [`Ports`].
//!
//! For every effect the engine hands out it calls the ports and feeds the outcome back:
//! independent read-only effects handed out together (the Identification look-ups and
//! searches) run concurrently; everything that changes something runs one at a time, in the
//! engine's order. Around every action it writes the case's action journal (`started` with the
//! state before, then the result with the state after), verifies after executing, and verifies
//! instead of repeating when the outcome is unknown or the journal shows an earlier start.
//! Approvals come from an [`Approver`] and are recorded in the case before the engine sees them.
//! An [`Observer`] hears about progress, a [`Checkpoint`] receives the engine's versioned JSON
//! state after every step, and [`Responder::resume`] starts from any saved state.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use irp_connectors::responder::{ApprovalRequest, FnApprover, Ports, Responder};
//! # use irp_connectors::SystemClock;
//! # use irp_core::approval::ApprovalResponse;
//! # async fn demo(ports: Ports, inputs: irp_core::incident::IncidentInputs) {
//! // Approves nothing: every proposed action stays unapproved and nothing is executed.
//! fn nobody(_: &ApprovalRequest<'_>) -> ApprovalResponse {
//!     ApprovalResponse::default()
//! }
//! let approver = Arc::new(FnApprover(nobody));
//! let responder = Responder::new(ports, approver, Arc::new(SystemClock));
//! let runbook = responder.start(inputs, Default::default(), Default::default());
//! let finished = responder.run(runbook).await.expect("engine error");
//! println!("{:?}", finished.summary.outcome);
//! # }
//! ```

mod actions;
mod approvals;
mod approver;
mod drive;
mod error;
mod lookups;
mod observer;
mod ports;
mod state_files;

pub use approver::{ApprovalRequest, Approver, FnApprover, PendingApproval};
pub use drive::{in_order_at_most, Finished, Responder};
pub use error::{ApproverError, CheckpointError, ResponderError};
pub use observer::{Checkpoint, Observer, Progress, Silent, SleepUntil, Waiter};
pub use ports::{Notifier, Ports};
pub use state_files::{file_stem, write_atomically, Parking, StateFiles};
