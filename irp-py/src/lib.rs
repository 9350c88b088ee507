//! Python binding of irp: the native module `irp._irp`, re-exported by the `irp` package.
//!
//! A thin layer: each module converts Python values into core types (or back) and every error
//! goes through [`errors`]' single conversion point.

/// The extension's own Rust allocations (events, baselines, JSON text) go through mimalloc, as
/// the `irp` binary's do: with the system allocator, reading on several threads spends a large
/// share of its time in malloc/free (docs/PERFORMANCE.md). Python's objects are untouched: the
/// interpreter allocates those itself, and each side frees only what it allocated.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod abort;
mod approval;
mod assess;
mod callback;
mod convert;
mod errors;
mod evidence;
mod model;
mod notifier;
mod policy;
mod responder;
mod runbook;

/// The native module.
#[pyo3::pymodule(gil_used = false)]
mod _irp {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::approval::{PyApprovalRequest, PyDecision, PyPendingAction};
    #[pymodule_export]
    use crate::assess::assess;
    #[pymodule_export]
    use crate::model::{PyAssessment, PyContribution, PyLikelihood, PySeverity, PySignal};
    #[pymodule_export]
    use crate::policy::PyPolicy;
    #[pymodule_export]
    use crate::responder::{PyProgress, PyResponder, PyRunResult};
    #[pymodule_export]
    use crate::runbook::{PyEffect, PyRunbook};

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        crate::errors::register(m)
    }
}
