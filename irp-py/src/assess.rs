//! `irp.assess(...)`: offline assessment of exported logs or of records a SOAR integration
//! returned, through the core `Assessor`.
//!
//! Python objects are turned into owned Rust data first (paths, bytes, or NDJSON text for
//! dicts); then the interpreter is released while files are read, parsed and assessed.

use std::io::BufRead;

use chrono::{DateTime, Utc};
use irp_core::assess::Assessor;
use irp_core::evidence::{Event, Format, RecordReader};
use irp_core::policy::Policy;
use irp_core::score::Assessment;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::convert::extract_time;
use crate::errors::{PyIrpErr, PyIrpResult};
use crate::evidence::{evidence_arg, format_arg, Evidence};
use crate::model::PyAssessment;
use crate::policy::policy_arg;

/// Keeps only events inside `[since, until)`.
#[derive(Clone, Copy)]
struct TimeRange {
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

impl TimeRange {
    fn contains(&self, event: &Event) -> bool {
        self.since.is_none_or(|s| event.time >= s) && self.until.is_none_or(|u| event.time < u)
    }
}

/// Assesses exported logs or vendor records.
///
/// `events`: a path (`str` / `os.PathLike`; gzip is recognised and decompressed), a list of
/// paths, `bytes`, a dict (one record or a vendor page such as `{"value": [...]}`), or an
/// iterable of dicts (vendor JSON records, as a SOAR integration returns them).
/// `user`: assess only this user and return one `Assessment`; without it, return every user's,
/// highest score first. `policy`: a `Policy`, TOML text or a dict. `format`: `auto` (sniff each
/// record), `okta`, `entra`, `o365`, `workspace` or `udm`. `since` / `until`: keep only events in
/// `[since, until)`, as timezone-aware datetimes or RFC 3339 strings (e.g. `until` = the alert time).
///
/// Raises `ParseError` (with `source`, `line`, `column`, `field`) on bad input, `PolicyError` on a
/// bad policy, `OSError` when a file cannot be opened, `ValueError` on a naive datetime.
#[pyfunction]
#[pyo3(signature = (events, user = None, policy = None, format = "auto", since = None, until = None))]
pub fn assess<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyAny>,
    user: Option<&str>,
    policy: Option<&Bound<'py, PyAny>>,
    format: &str,
    since: Option<&Bound<'py, PyAny>>,
    until: Option<&Bound<'py, PyAny>>,
) -> PyIrpResult<Bound<'py, PyAny>> {
    let format = format_arg(format)?;
    let policy = policy_arg(policy)?;
    let range = TimeRange {
        since: since.filter(|t| !t.is_none()).map(|t| extract_time(t, "since")).transpose()?,
        until: until.filter(|t| !t.is_none()).map(|t| extract_time(t, "until")).transpose()?,
    };
    let evidence = evidence_arg(events)?;
    let wants_one = user.is_some();
    let user = user.map(str::to_owned);
    let assessments = py.detach(move || run(evidence, user.as_deref(), policy, format, range))?;
    let mut out = assessments.into_iter().map(PyAssessment::try_from).collect::<PyIrpResult<Vec<_>>>()?;
    if wants_one {
        // `Assessor::only_user` always yields exactly one assessment.
        return match out.pop() {
            Some(one) => Ok(Bound::new(py, one)?.into_any()),
            None => Err(PyIrpErr::Internal("no assessment for the requested user".into())),
        };
    }
    Ok(PyList::new(py, out)?.into_any())
}

/// The Rust side of `assess`, run without the interpreter.
fn run(
    evidence: Evidence,
    user: Option<&str>,
    policy: Policy,
    format: Format,
    range: TimeRange,
) -> PyIrpResult<Vec<Assessment>> {
    let mut assessor = Assessor::new(policy);
    if let Some(user) = user {
        assessor = assessor.only_user(user);
    }
    evidence.for_each_source(|name, input| push(&mut assessor, name, input, format, range))?;
    Ok(assessor.finish())
}

/// Reads one source into the assessor. A bad record leaves nothing of that source behind.
fn push(assessor: &mut Assessor, name: &str, input: impl BufRead, format: Format, range: TimeRange) -> PyIrpResult<()> {
    if range.since.is_none() && range.until.is_none() {
        // The core path: buffers only the events it keeps and undoes a failed source's
        // tenant-wide facts.
        assessor.push_source(name, input, format)?;
        return Ok(());
    }
    // With a time range, events are filtered before the assessor sees them (out-of-range events
    // teach it nothing either), and only handed over once the whole source has parsed.
    let mut batch = Vec::new();
    for event in RecordReader::new(name, input, format) {
        let event = event?;
        if range.contains(&event) {
            batch.push(event);
        }
    }
    for event in batch {
        assessor.push_event(event);
    }
    Ok(())
}
