//! `Policy`: thresholds, allow-lists and protected accounts, loaded from TOML or a dict.

use irp_core::policy::{Policy, PolicyError};
use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString, PyTuple};

use crate::convert::{json_to_py, py_to_json};
use crate::errors::{PyIrpErr, PyIrpResult};

/// An immutable policy. Build one with `Policy.from_toml(text)`, `Policy.from_dict(d)` or
/// `Policy.default()`; absent keys keep their documented defaults, unknown keys are an error.
#[pyclass(frozen, eq, name = "Policy", module = "irp._irp")]
#[derive(Clone, Debug, PartialEq)]
pub struct PyPolicy {
    pub(crate) inner: Policy,
}

#[pymethods]
impl PyPolicy {
    /// The default policy (same as `Policy.default()`).
    #[new]
    fn new() -> Self {
        PyPolicy { inner: Policy::default() }
    }

    /// The default policy.
    #[staticmethod]
    fn default() -> Self {
        PyPolicy::new()
    }

    /// Parses a policy from TOML text.
    #[staticmethod]
    fn from_toml(text: &str) -> PyIrpResult<Self> {
        Ok(PyPolicy { inner: Policy::from_toml_str(text)? })
    }

    /// Builds a policy from a dict shaped like the TOML file.
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyIrpResult<Self> {
        if !data.is_instance_of::<PyMapping>() {
            return Err(PyIrpErr::Type(format!(
                "policy dict: expected a mapping, found `{}`",
                data.get_type().name()?
            )));
        }
        let json = py_to_json(data, "policy")?;
        let inner = serde_json::from_value(json).map_err(|e| PolicyError::Invalid(e.to_string()))?;
        Ok(PyPolicy { inner })
    }

    /// The policy as TOML text (round-trips through `from_toml`).
    fn to_toml(&self) -> String {
        self.inner.to_toml_string()
    }

    /// The policy as plain Python objects (round-trips through `from_dict`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyIrpResult<Bound<'py, PyAny>> {
        let json = serde_json::to_value(&self.inner).map_err(|e| PolicyError::Invalid(e.to_string()))?;
        Ok(json_to_py(py, &json)?)
    }

    /// Length of the assessment window in hours, ending at the user's last event.
    #[getter]
    fn window_hours(&self) -> u32 {
        self.inner.window_hours
    }

    /// Trusted networks in CIDR notation.
    #[getter]
    fn trusted_networks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.trusted_networks.iter().map(|n| n.to_string()))
    }

    /// Accounts that need extra care before containment.
    #[getter]
    fn protected_accounts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.protected_accounts.iter().map(|u| PyString::new(py, u.as_str())))
    }

    fn __repr__(&self) -> String {
        format!(
            "Policy(window_hours={}, trusted_networks={}, protected_accounts={})",
            self.inner.window_hours,
            self.inner.trusted_networks.len(),
            self.inner.protected_accounts.len()
        )
    }
}

/// The `policy=` argument: `None` (defaults), a `Policy`, TOML text, or a dict.
pub fn policy_arg(policy: Option<&Bound<'_, PyAny>>) -> PyIrpResult<Policy> {
    let Some(policy) = policy.filter(|p| !p.is_none()) else {
        return Ok(Policy::default());
    };
    if let Ok(p) = policy.cast::<PyPolicy>() {
        return Ok(p.get().inner.clone());
    }
    if let Ok(text) = policy.cast::<PyString>() {
        return Ok(Policy::from_toml_str(&text.to_cow()?)?);
    }
    if policy.is_instance_of::<PyMapping>() {
        return Ok(PyPolicy::from_dict(policy)?.inner);
    }
    Err(PyIrpErr::Type(format!(
        "policy: expected a Policy, TOML text or a dict, found `{}`",
        policy.get_type().name()?
    )))
}
