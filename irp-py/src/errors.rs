//! The Python exception hierarchy and the one place Rust errors become Python exceptions.
//!
//! Every fallible binding returns [`PyIrpResult`]; `?` converts core errors into [`PyIrpErr`],
//! and [`From<PyIrpErr> for PyErr`] picks the exception class and sets its attributes.

use std::io;

use irp_connectors::responder::ResponderError;
use irp_core::evidence::EvidenceError;
use irp_core::policy::PolicyError as CorePolicyError;
use irp_core::runbook::{EngineError, StateError};
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyOSError, PyPermissionError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::{create_exception, PyErr};

create_exception!(irp, IrpError, PyException, "Base class of every error irp raises.");
create_exception!(
    irp,
    ParseError,
    IrpError,
    "Evidence could not be read: `source`, `line`, `column` and `field` say where."
);
create_exception!(irp, PolicyError, IrpError, "A policy is malformed or has an unknown key.");
create_exception!(
    irp,
    InvalidTransitionError,
    IrpError,
    "The runbook engine refused a call (unknown effect, wrong outcome, step not allowed now); its state is unchanged."
);
create_exception!(irp, ApprovalRefusedError, IrpError, "An action was refused, or its approval does not match it.");
create_exception!(
    irp,
    ConnectorError,
    IrpError,
    "A connector call failed: `retryable`, `maybe_executed` and `status` say what to do next."
);
create_exception!(
    irp,
    SkippedRecordsWarning,
    pyo3::exceptions::PyUserWarning,
    "Valid JSON records that could not become events (no usable timestamp, malformed field) were skipped; pass `strict=True` to fail instead."
);
create_exception!(
    irp,
    ConfigError,
    IrpError,
    "A connector configuration (the irp.toml tables, as a dict, TOML text or a file) is invalid."
);
create_exception!(irp, RateLimitedError, ConnectorError, "The vendor rate-limited the call; see `retry_after`.");

/// Every error a binding can produce before it becomes a Python exception.
#[derive(Debug)]
pub enum PyIrpErr {
    /// Bad evidence (JSON or a field), or a failed read of an evidence stream.
    Evidence(EvidenceError),
    /// A bad policy.
    Policy(CorePolicyError),
    /// The runbook engine refused a call (wrong effect id, wrong outcome, late decision).
    Engine(EngineError),
    /// A saved runbook state cannot be loaded or written.
    State(StateError),
    /// Opening an evidence file failed.
    Io {
        /// The path as the caller gave it.
        path: String,
        /// The I/O error.
        error: io::Error,
    },
    /// A connector configuration that cannot be used (schema, unknown type, state in the way).
    Config(String),
    /// A connector call (or creating a connector) failed.
    Connector(irp_connectors::ConnectorError),
    /// The responder stopped before the engine finished the run.
    Responder(irp_connectors::responder::ResponderError),
    /// irp itself failed (an internal invariant, not the caller's input): the base `IrpError`.
    Internal(String),
    /// The caller passed a value of the right type but an unusable content (naive datetime,
    /// unknown format name).
    Value(String),
    /// The caller passed a value of the wrong type.
    Type(String),
    /// An exception raised by Python code we called (an iterator, `__fspath__`, ...).
    Py(PyErr),
}

/// The result type of every fallible binding.
pub type PyIrpResult<T> = Result<T, PyIrpErr>;

impl From<EvidenceError> for PyIrpErr {
    fn from(err: EvidenceError) -> Self {
        PyIrpErr::Evidence(err)
    }
}

impl From<CorePolicyError> for PyIrpErr {
    fn from(err: CorePolicyError) -> Self {
        PyIrpErr::Policy(err)
    }
}

impl From<EngineError> for PyIrpErr {
    fn from(err: EngineError) -> Self {
        PyIrpErr::Engine(err)
    }
}

impl From<StateError> for PyIrpErr {
    fn from(err: StateError) -> Self {
        PyIrpErr::State(err)
    }
}

impl From<PyErr> for PyIrpErr {
    fn from(err: PyErr) -> Self {
        PyIrpErr::Py(err)
    }
}

impl From<pyo3::CastError<'_, '_>> for PyIrpErr {
    fn from(err: pyo3::CastError<'_, '_>) -> Self {
        PyIrpErr::Py(err.into())
    }
}

impl From<PyIrpErr> for PyErr {
    fn from(err: PyIrpErr) -> PyErr {
        match err {
            PyIrpErr::Evidence(e) => parse_error(&e),
            PyIrpErr::Policy(e) => PolicyError::new_err(e.to_string()),
            // The engine's state is unchanged after any refusal: the step is not allowed now.
            PyIrpErr::Engine(e) => InvalidTransitionError::new_err(e.to_string()),
            PyIrpErr::State(e) => IrpError::new_err(e.to_string()),
            PyIrpErr::Io { path, error } => {
                let message = format!("{path}: {error}");
                match error.kind() {
                    io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
                    io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
                    _ => PyOSError::new_err(message),
                }
            }
            PyIrpErr::Config(message) => ConfigError::new_err(message),
            PyIrpErr::Connector(e) => connector_error(&e),
            PyIrpErr::Responder(e) => match e {
                ResponderError::Engine(e) => InvalidTransitionError::new_err(e.to_string()),
                other => IrpError::new_err(other.to_string()),
            },
            PyIrpErr::Internal(message) => IrpError::new_err(message),
            PyIrpErr::Value(message) => PyValueError::new_err(message),
            PyIrpErr::Type(message) => PyTypeError::new_err(message),
            PyIrpErr::Py(e) => e,
        }
    }
}

/// A `ConnectorError` (or `RateLimitedError`) carrying what the caller needs to decide what next.
fn connector_error(err: &irp_connectors::ConnectorError) -> PyErr {
    let exc = if err.kind() == irp_connectors::ErrorKind::RateLimited {
        RateLimitedError::new_err(err.to_string())
    } else {
        ConnectorError::new_err(err.to_string())
    };
    Python::attach(|py| {
        let value = exc.value(py);
        // As in `parse_error`: the message carries everything if an attribute cannot be set.
        let _ = value.setattr("retryable", err.is_retryable());
        let _ = value.setattr("maybe_executed", err.maybe_executed());
        let _ = value.setattr("status", err.status());
        let _ = value.setattr("operation", err.operation());
        let _ = value.setattr("kind", kind_name(err.kind()));
        if let Some(wait) = err.retry_after() {
            let _ = value.setattr("retry_after", wait.as_secs_f64());
        }
    });
    exc
}

/// `ConnectorError.kind`: the category a caller acts on, as a stable snake_case name.
fn kind_name(kind: irp_connectors::ErrorKind) -> &'static str {
    use irp_connectors::ErrorKind as K;
    match kind {
        K::Connect => "connect",
        K::Timeout => "timeout",
        K::Interrupted => "interrupted",
        K::RateLimited => "rate_limited",
        K::Server => "server",
        K::Unauthenticated => "unauthenticated",
        K::Permission => "permission",
        K::NotFound => "not_found",
        K::Conflict => "conflict",
        K::Invalid => "invalid",
        K::Decode => "decode",
        K::Storage => "storage",
        K::Unsupported => "unsupported",
        _ => "other",
    }
}

/// A `ParseError` whose attributes locate the problem; the message is the same
/// `file:line: what is wrong` text the CLI prints.
fn parse_error(err: &EvidenceError) -> PyErr {
    let exc = ParseError::new_err(err.to_string());
    let (source, line, column, field) = match err {
        EvidenceError::InvalidJson { source_name, line, column, .. } => {
            (source_name.as_str(), Some(*line), Some(*column), None)
        }
        EvidenceError::InvalidField { source_name, line, field, .. } => {
            (source_name.as_str(), Some(*line), None, Some(field.as_str()))
        }
        EvidenceError::Read { source_name, .. } => (source_name.as_str(), None, None, None),
        // A variant added to the core later still raises ParseError, just without a position.
        _ => ("", None, None, None),
    };
    Python::attach(|py| {
        let value = exc.value(py);
        // Setting attributes on a fresh exception instance cannot fail in practice; if it ever
        // did, the message still carries the position, so the error is not worth masking.
        let _ = value.setattr("source", (!source.is_empty()).then_some(source));
        let _ = value.setattr("line", line);
        let _ = value.setattr("column", column);
        let _ = value.setattr("field", field);
    });
    exc
}

/// Registers the hierarchy on the module and gives the attribute-carrying classes class-level
/// `None` defaults, so `err.line` never raises `AttributeError` on an instance raised by Python
/// code (`raise irp.ParseError("...")`).
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let none = py.None().into_bound(py);
    let no = false.into_pyobject(py)?.to_owned().into_any();
    let yes = true.into_pyobject(py)?.to_owned().into_any();
    let defaults: [(Bound<'_, PyType>, &str, &Bound<'_, PyAny>); 10] = [
        (py.get_type::<ParseError>(), "source", &none),
        (py.get_type::<ParseError>(), "line", &none),
        (py.get_type::<ParseError>(), "column", &none),
        (py.get_type::<ParseError>(), "field", &none),
        // Conservative defaults: do not retry, and assume the request may have reached the
        // vendor (a disable that timed out must be verified, not repeated).
        (py.get_type::<ConnectorError>(), "retryable", &no),
        (py.get_type::<ConnectorError>(), "maybe_executed", &yes),
        (py.get_type::<ConnectorError>(), "status", &none),
        (py.get_type::<ConnectorError>(), "operation", &none),
        (py.get_type::<ConnectorError>(), "kind", &none),
        (py.get_type::<RateLimitedError>(), "retry_after", &none),
    ];
    for (ty, attr, value) in defaults {
        ty.setattr(attr, value)?;
    }
    m.add("IrpError", py.get_type::<IrpError>())?;
    m.add("ParseError", py.get_type::<ParseError>())?;
    m.add("PolicyError", py.get_type::<PolicyError>())?;
    m.add("InvalidTransitionError", py.get_type::<InvalidTransitionError>())?;
    m.add("ApprovalRefusedError", py.get_type::<ApprovalRefusedError>())?;
    m.add("ConnectorError", py.get_type::<ConnectorError>())?;
    m.add("RateLimitedError", py.get_type::<RateLimitedError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("SkippedRecordsWarning", py.get_type::<SkippedRecordsWarning>())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(err: &PyErr, name: &str) -> String {
        Python::attach(|py| err.value(py).getattr(name).and_then(|v| v.repr()).map(|r| r.to_string()).unwrap())
    }

    #[test]
    fn evidence_errors_become_parse_errors_with_a_position() {
        Python::initialize();
        let err: PyErr = PyIrpErr::from(EvidenceError::InvalidField {
            source_name: "okta.jsonl".into(),
            line: 7,
            field: "published".into(),
            message: "not a time".into(),
        })
        .into();
        Python::attach(|py| {
            assert!(err.is_instance_of::<ParseError>(py));
            assert!(err.is_instance_of::<IrpError>(py));
        });
        assert_eq!(attr(&err, "source"), "'okta.jsonl'");
        assert_eq!(attr(&err, "line"), "7");
        assert_eq!(attr(&err, "column"), "None");
        assert_eq!(attr(&err, "field"), "'published'");
    }

    #[test]
    fn io_and_policy_errors_keep_their_python_class() {
        Python::initialize();
        let missing: PyErr =
            PyIrpErr::Io { path: "x.jsonl".into(), error: io::Error::from(io::ErrorKind::NotFound) }.into();
        let policy: PyErr = PyIrpErr::from(CorePolicyError::Invalid("bad".into())).into();
        Python::attach(|py| {
            assert!(missing.is_instance_of::<PyFileNotFoundError>(py));
            assert!(missing.value(py).to_string().starts_with("x.jsonl: "));
            assert!(policy.is_instance_of::<PolicyError>(py));
            assert!(!policy.is_instance_of::<ParseError>(py));
        });
    }
}
