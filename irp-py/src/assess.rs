//! `irp.assess(...)`: offline assessment of exported logs or of records a SOAR integration
//! returned, through the core `Assessor`.
//!
//! Paths and bytes are read, parsed and assessed with the interpreter released. Records given
//! as dicts are written as NDJSON on the calling thread (which needs the interpreter) while
//! another thread reads what is written so far, so that the two overlap.

use std::ffi::CString;
use std::sync::mpsc;

use irp_core::assess::Assessor;
use irp_core::evidence::{EvidenceError, Format};
use irp_core::score::Assessment;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::convert::extract_time;
use crate::errors::{PyIrpErr, PyIrpResult, SkippedRecordsWarning};
use crate::evidence::{evidence_arg, format_arg, write_ndjson_parts, Evidence, EvidenceArg, PartsReader, PART_BYTES};
use crate::model::PyAssessment;
use crate::policy::policy_arg;

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
/// `threads`: threads reading each NDJSON source (default: one per core); the result is the same
/// for any number.
///
/// `strict`: a valid JSON record that cannot become an event (no usable timestamp, malformed
/// field) raises `ParseError` instead of being skipped; skipped records are reported with one
/// `SkippedRecordsWarning` naming the count and the first locations.
///
/// Dicts are written as JSON lines (source `<records>`, line = position + 1) while other threads
/// already read them, so an iterable is consumed once and never held in memory twice.
///
/// Raises `ParseError` (with `source`, `line`, `column`, `field`) on bad input, `PolicyError` on a
/// bad policy, `OSError` when a file cannot be opened, `ValueError` on a naive datetime, and
/// `TypeError` naming the field (`events[3].client`) for a value with no JSON form. With several
/// bad records, the error is about the first one.
#[pyfunction]
// Each parameter is a Python keyword argument.
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (events, user = None, policy = None, format = "auto", since = None, until = None, strict = false, threads = None))]
pub fn assess<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyAny>,
    user: Option<&str>,
    policy: Option<&Bound<'py, PyAny>>,
    format: &str,
    since: Option<&Bound<'py, PyAny>>,
    until: Option<&Bound<'py, PyAny>>,
    strict: bool,
    threads: Option<usize>,
) -> PyIrpResult<Bound<'py, PyAny>> {
    let threads = match threads {
        Some(0) => return Err(PyIrpErr::Value("threads must be at least 1".into())),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let format = format_arg(format)?;
    let policy = policy_arg(policy)?;
    let since = since.filter(|t| !t.is_none()).map(|t| extract_time(t, "since")).transpose()?;
    let until = until.filter(|t| !t.is_none()).map(|t| extract_time(t, "until")).transpose()?;
    let mut assessor = Assessor::new(policy).strict(strict).within(since, until);
    if let Some(user) = user {
        assessor = assessor.only_user(user);
    }
    let wants_one = user.is_some();
    let (assessments, skipped) = match evidence_arg(events)? {
        EvidenceArg::Ready(evidence) => py.detach(move || run(assessor, evidence, format, threads))?,
        EvidenceArg::Records(records) => run_streaming(py, assessor, records, format, threads)?,
    };
    if let Some(message) = skipped {
        let message = CString::new(message.replace('\0', "")).unwrap_or_default();
        PyErr::warn(py, &py.get_type::<SkippedRecordsWarning>(), &message, 1)?;
    }
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

/// The Rust side of `assess`, run without the interpreter: the assessments, and a warning
/// message when records were skipped.
fn run(
    mut assessor: Assessor,
    evidence: Evidence,
    format: Format,
    threads: usize,
) -> PyIrpResult<(Vec<Assessment>, Option<String>)> {
    evidence.for_each_source(|name, input| {
        assessor.push_source_parallel(name, input, format, threads)?;
        Ok(())
    })?;
    let skipped = skipped_message(assessor.stats().skipped, assessor.warnings());
    Ok((assessor.finish_parallel(threads), skipped))
}

/// Parts written but not yet read: enough to keep the reading thread busy, few enough that
/// memory stays a few MiB whatever the number of records.
const PARTS_IN_FLIGHT: usize = 4;

/// [`run`] on records written as NDJSON by this thread as another one reads them.
///
/// The result is the one of writing everything first: the reader sees the same lines. When both
/// sides fail, the reader's error is about an earlier record (the writer sends every line
/// before the one it could not write, then stops), so it is the one raised, as the first bad
/// record in order.
fn run_streaming<'py>(
    py: Python<'py>,
    assessor: Assessor,
    records: impl Iterator<Item = PyResult<Bound<'py, PyAny>>>,
    format: Format,
    threads: usize,
) -> PyIrpResult<(Vec<Assessment>, Option<String>)> {
    let (parts, arrived) = mpsc::sync_channel::<Vec<u8>>(PARTS_IN_FLIGHT);
    std::thread::scope(|scope| {
        let reading = scope.spawn(move || run(assessor, Evidence::Parts(PartsReader::new(arrived)), format, threads));
        // Waiting for the reader to make room is done without the interpreter.
        let written = write_ndjson_parts(records, PART_BYTES, |part| py.detach(|| parts.send(part).is_ok()));
        drop(parts);
        let read = py
            .detach(|| reading.join())
            .map_err(|_| PyIrpErr::Internal("the thread reading the records panicked".into()))?;
        match (read, written) {
            (Err(e), _) | (Ok(_), Err(e)) => Err(e),
            (Ok(done), Ok(())) => Ok(done),
        }
    })
}

/// "3 records skipped: …; …" with the first few locations, or `None` when nothing was skipped.
fn skipped_message(count: u64, warnings: &[EvidenceError]) -> Option<String> {
    if count == 0 {
        return None;
    }
    const SHOWN: usize = 3;
    let mut message = format!("{count} record(s) skipped (pass strict=True to fail instead): ");
    let first: Vec<String> = warnings.iter().take(SHOWN).map(ToString::to_string).collect();
    message.push_str(&first.join("; "));
    if count > SHOWN as u64 {
        message.push_str(&format!("; and {} more", count - SHOWN as u64));
    }
    Some(message)
}
