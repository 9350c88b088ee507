//! Python binding of irp (module `irp._irp`).
use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _irp(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
