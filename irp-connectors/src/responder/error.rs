//! Why a [`Responder`](super::Responder) run stopped before the engine finished.

use irp_core::runbook::{EffectId, EngineError, StateError};

/// Why a checkpoint could not be saved. The run stops: going on without a saved state would
/// make a crash unrecoverable.
#[derive(Debug, thiserror::Error)]
#[error("checkpoint not saved: {0}")]
pub struct CheckpointError(pub String);

/// Why an approver could not decide (the channel to the people failed, not a refusal).
#[derive(Debug, thiserror::Error)]
#[error("approver failed: {0}")]
pub struct ApproverError(pub String);

/// Why a run stopped before the engine finished. A run that ends (completed, blocked, closed,
/// dry run) is not an error: it is a [`Finished`](super::Finished) with its summary.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResponderError {
    /// The engine refused an outcome (a driver bug, never the incident's doing).
    #[error("runbook engine: {0}")]
    Engine(#[from] EngineError),
    /// A saved state could not be loaded or written.
    #[error("runbook state: {0}")]
    State(#[from] StateError),
    /// The checkpoint hook failed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The engine waited for effects nobody was running.
    #[error("runbook engine is waiting for effects that were never handed out: {0:?}")]
    Stalled(Vec<EffectId>),
}
