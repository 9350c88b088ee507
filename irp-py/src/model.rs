//! The immutable result types: `Likelihood`, `Severity`, `Signal`, `Contribution`, `Assessment`.
//!
//! Each wraps the core value it came from, so `to_json` is the core's own contract view (the
//! same JSON as `irp assess --json`), never a second hand-written copy of the contract.

use chrono::{DateTime, Utc};
use irp_core::detect::{Severity, Signal};
use irp_core::score::{Assessment, Contribution, Likelihood};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

use crate::convert::json_to_py;
use crate::errors::{PyIrpErr, PyIrpResult};

fn newer_core(what: &str, name: &str) -> PyIrpErr {
    PyIrpErr::Internal(format!("irp-core returned a {what} (`{name}`) this binding does not know; rebuild irp-py"))
}

/// The runbook's answer to "is this account compromised?", ordered LOW < MEDIUM < HIGH < CONFIRMED.
#[pyclass(frozen, eq, eq_int, ord, hash, from_py_object, name = "Likelihood", module = "irp._irp")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PyLikelihood {
    /// A single anomalous event, or the user confirmed it was them.
    #[pyo3(name = "LOW")]
    Low,
    /// Several anomalies, unverified.
    #[pyo3(name = "MEDIUM")]
    Medium,
    /// Clear malicious patterns.
    #[pyo3(name = "HIGH")]
    High,
    /// Attacker actions visible, known credential theft, or an analyst's decision.
    #[pyo3(name = "CONFIRMED")]
    Confirmed,
}

impl TryFrom<Likelihood> for PyLikelihood {
    type Error = PyIrpErr;

    fn try_from(value: Likelihood) -> PyIrpResult<Self> {
        Ok(match value {
            Likelihood::Low => PyLikelihood::Low,
            Likelihood::Medium => PyLikelihood::Medium,
            Likelihood::High => PyLikelihood::High,
            Likelihood::Confirmed => PyLikelihood::Confirmed,
            other => return Err(newer_core("likelihood", other.name())),
        })
    }
}

impl PyLikelihood {
    fn label(self) -> &'static str {
        match self {
            PyLikelihood::Low => "low",
            PyLikelihood::Medium => "medium",
            PyLikelihood::High => "high",
            PyLikelihood::Confirmed => "confirmed",
        }
    }
}

#[pymethods]
impl PyLikelihood {
    /// The stable lower-case name used in JSON (`"high"`), as a `StrEnum` member's value.
    #[getter]
    fn value(&self) -> &'static str {
        self.label()
    }

    /// The member name (`"HIGH"`), as an `Enum` member's name.
    #[getter]
    fn name(&self) -> &'static str {
        match self {
            PyLikelihood::Low => "LOW",
            PyLikelihood::Medium => "MEDIUM",
            PyLikelihood::High => "HIGH",
            PyLikelihood::Confirmed => "CONFIRMED",
        }
    }

    /// Parses a lower-case name as found in JSON (`"high"`).
    #[staticmethod]
    fn parse(name: &str) -> PyIrpResult<Self> {
        [PyLikelihood::Low, PyLikelihood::Medium, PyLikelihood::High, PyLikelihood::Confirmed]
            .into_iter()
            .find(|l| l.label().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| PyIrpErr::Value(format!("unknown likelihood `{name}` (low, medium, high, confirmed)")))
    }

    fn __str__(&self) -> &'static str {
        self.label()
    }
}

/// How strong a single signal is on its own, ordered INFO < LOW < MEDIUM < HIGH.
#[pyclass(frozen, eq, eq_int, ord, hash, name = "Severity", module = "irp._irp")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PySeverity {
    /// Context only.
    #[pyo3(name = "INFO")]
    Info,
    /// Weak anomaly.
    #[pyo3(name = "LOW")]
    Low,
    /// Clear anomaly, ambiguous intent.
    #[pyo3(name = "MEDIUM")]
    Medium,
    /// Likely malicious.
    #[pyo3(name = "HIGH")]
    High,
}

impl TryFrom<Severity> for PySeverity {
    type Error = PyIrpErr;

    fn try_from(value: Severity) -> PyIrpResult<Self> {
        Ok(match value {
            Severity::Info => PySeverity::Info,
            Severity::Low => PySeverity::Low,
            Severity::Medium => PySeverity::Medium,
            Severity::High => PySeverity::High,
            other => return Err(newer_core("severity", other.name())),
        })
    }
}

#[pymethods]
impl PySeverity {
    /// The stable lower-case name used in JSON (`"medium"`).
    #[getter]
    fn value(&self) -> &'static str {
        match self {
            PySeverity::Info => "info",
            PySeverity::Low => "low",
            PySeverity::Medium => "medium",
            PySeverity::High => "high",
        }
    }

    fn __str__(&self) -> &'static str {
        self.value()
    }
}

/// One finding, with its evidence event ids and ATT&CK techniques.
#[pyclass(frozen, eq, name = "Signal", module = "irp._irp")]
#[derive(Clone, Debug, PartialEq)]
pub struct PySignal {
    inner: Signal,
    severity: PySeverity,
}

impl TryFrom<Signal> for PySignal {
    type Error = PyIrpErr;

    fn try_from(inner: Signal) -> PyIrpResult<Self> {
        let severity = inner.severity.try_into()?;
        Ok(PySignal { inner, severity })
    }
}

#[pymethods]
impl PySignal {
    /// Stable snake_case kind (`"impossible_travel"`, `"forwarding_rule"`, ...).
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind.name()
    }

    /// How strong the signal is on its own.
    #[getter]
    fn severity(&self) -> PySeverity {
        self.severity
    }

    /// When it happened (timezone-aware, UTC).
    #[getter]
    fn time(&self) -> DateTime<Utc> {
        self.inner.time
    }

    /// ATT&CK technique ids.
    #[getter]
    fn techniques<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.techniques.iter().map(|t| PyString::new(py, t)))
    }

    /// One line a human can act on.
    #[getter]
    fn summary(&self) -> &str {
        &self.inner.summary
    }

    /// Evidence event ids, in time order.
    #[getter]
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.events.iter().map(|e| PyString::new(py, e.as_str())))
    }

    fn __repr__(&self) -> String {
        format!(
            "Signal(kind={}, severity=Severity.{}, time={}, summary={})",
            repr_str(self.inner.kind.name()),
            self.severity.value().to_uppercase(),
            repr_str(&self.inner.time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            repr_str(&self.inner.summary)
        )
    }
}

/// What one signal, or one correlation between signals, added to the score.
#[pyclass(frozen, eq, name = "Contribution", module = "irp._irp")]
#[derive(Clone, Debug, PartialEq)]
pub struct PyContribution {
    inner: Contribution,
}

#[pymethods]
impl PyContribution {
    /// The signal kind, or `None` for a correlation bonus.
    #[getter]
    fn kind(&self) -> Option<&'static str> {
        self.inner.kind.map(|k| k.name())
    }

    /// Points added.
    #[getter]
    fn points(&self) -> f64 {
        self.inner.points
    }

    /// Why, in one line.
    #[getter]
    fn reason(&self) -> &str {
        &self.inner.reason
    }

    /// The evidence event ids this contribution rests on.
    #[getter]
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.events.iter().map(|e| PyString::new(py, e.as_str())))
    }

    fn __repr__(&self) -> String {
        format!(
            "Contribution(kind={}, points={:?}, reason={})",
            self.kind().map_or_else(|| "None".to_owned(), repr_str),
            self.inner.points,
            repr_str(&self.inner.reason)
        )
    }
}

/// The Identification phase's verdict on one user.
#[pyclass(frozen, eq, name = "Assessment", module = "irp._irp")]
#[derive(Clone, Debug, PartialEq)]
pub struct PyAssessment {
    inner: Assessment,
    likelihood: PyLikelihood,
    signals: Vec<PySignal>,
}

impl TryFrom<Assessment> for PyAssessment {
    type Error = PyIrpErr;

    fn try_from(inner: Assessment) -> PyIrpResult<Self> {
        let likelihood = inner.likelihood.try_into()?;
        let signals = inner.signals.iter().cloned().map(PySignal::try_from).collect::<PyIrpResult<_>>()?;
        Ok(PyAssessment { inner, likelihood, signals })
    }
}

#[pymethods]
impl PyAssessment {
    /// The user, as the logs name them (lower-cased).
    #[getter]
    fn user(&self) -> &str {
        self.inner.user.as_str()
    }

    /// The verdict.
    #[getter]
    fn likelihood(&self) -> PyLikelihood {
        self.likelihood
    }

    /// 0-100, for ranking users.
    #[getter]
    fn score(&self) -> f64 {
        self.inner.score
    }

    /// Every signal, in time order.
    #[getter]
    fn signals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.signals.iter().cloned())
    }

    /// How the score was built.
    #[getter]
    fn breakdown<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.breakdown.iter().cloned().map(|inner| PyContribution { inner }))
    }

    /// The user's events that were considered (assessment window and baseline).
    #[getter]
    fn events_considered(&self) -> u64 {
        self.inner.events_considered
    }

    /// The assessment as plain JSON-compatible Python objects (the `irp assess --json` object).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyIrpResult<Bound<'py, PyAny>> {
        let json = serde_json::to_value(self.inner.contract())
            .map_err(|e| PyIrpErr::Internal(format!("assessment is not serialisable: {e}")))?;
        Ok(json_to_py(py, &json)?)
    }

    /// The assessment as JSON text (the `irp assess --json` object); `indent` pretty-prints.
    #[pyo3(signature = (indent = None))]
    fn to_json(&self, indent: Option<usize>) -> PyIrpResult<String> {
        let contract = self.inner.contract();
        let text = match indent {
            None => serde_json::to_string(&contract),
            Some(width) => {
                let indent = vec![b' '; width];
                let mut out = Vec::new();
                let formatter = serde_json::ser::PrettyFormatter::with_indent(&indent);
                let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
                serde::Serialize::serialize(&contract, &mut ser).map(|()| String::from_utf8_lossy(&out).into_owned())
            }
        };
        text.map_err(|e| PyIrpErr::Internal(format!("assessment is not serialisable: {e}")))
    }

    fn __repr__(&self) -> String {
        format!(
            "Assessment(user={}, likelihood=Likelihood.{}, score={:?}, signals={}, events_considered={})",
            repr_str(self.inner.user.as_str()),
            self.likelihood.name(),
            self.inner.score,
            self.signals.len(),
            self.inner.events_considered
        )
    }
}

/// Python's `repr()` of a `str`, so reprs read like Python, not Rust.
fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::repr_str;

    #[test]
    fn repr_str_matches_python() {
        assert_eq!(repr_str("alice@example.com"), "'alice@example.com'");
        assert_eq!(repr_str("it's"), "\"it's\"");
        assert_eq!(repr_str("both ' and \""), "'both \\' and \"'");
        assert_eq!(repr_str("a\\b\nc\u{7}"), "'a\\\\b\\nc\\x07'");
    }
}
