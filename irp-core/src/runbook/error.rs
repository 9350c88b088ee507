//! Engine errors: a driver resolving the wrong thing, and state that cannot be loaded.

use crate::action::ActionId;
use crate::phase::{Phase, TransitionError};
use crate::runbook::EffectId;

/// A call the engine refused; the state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// No effect with this id is waiting for an outcome (never issued, or already resolved).
    #[error("effect {0} is not pending")]
    UnknownEffect(EffectId),
    /// The outcome does not fit the effect.
    #[error("effect {effect} ({effect_kind}) expects outcome `{expected}`, got `{got}`")]
    WrongOutcome {
        /// The effect.
        effect: EffectId,
        /// Its kind.
        effect_kind: &'static str,
        /// The outcome it accepts (besides `failed`).
        expected: &'static str,
        /// The outcome given.
        got: &'static str,
    },
    /// An analyst decision came after containment was already decided, or would lower the likelihood.
    #[error("analyst decision not accepted in phase {phase}: {reason}")]
    DecisionRejected {
        /// The phase.
        phase: Phase,
        /// Why.
        reason: &'static str,
    },
    /// No action with this id.
    #[error("no action {0}")]
    UnknownAction(ActionId),
    /// The action can no longer be changed (approval already requested or later).
    #[error("action {0} can no longer be changed")]
    ActionFrozen(ActionId),
    /// An internal phase change was illegal (a bug or tampered state).
    #[error(transparent)]
    Transition(#[from] TransitionError),
}

/// A saved state that cannot be loaded or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The JSON is malformed or does not match the schema.
    #[error("runbook state: {0}")]
    Invalid(String),
    /// The `schema_version` is missing.
    #[error("runbook state has no schema_version")]
    MissingVersion,
    /// The `schema_version` is not one this build reads.
    #[error("runbook state schema_version {found} is not supported (this build reads {supported})")]
    UnsupportedVersion {
        /// Found.
        found: u64,
        /// Supported.
        supported: u32,
    },
}
