//! `irp.assess(...)`: offline assessment of exported logs or of records a SOAR integration
//! returned, through the core `Assessor`.
//!
//! Python objects are turned into owned Rust data first (paths, bytes, or NDJSON text for
//! dicts); then the interpreter is released while files are read, parsed and assessed.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use flate2::bufread::MultiGzDecoder;
use irp_core::assess::Assessor;
use irp_core::evidence::{Event, Format, RecordReader};
use irp_core::policy::Policy;
use irp_core::score::Assessment;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyMapping, PyString, PyTuple};

use crate::convert::{extract_time, py_to_json};
use crate::errors::{PyIrpErr, PyIrpResult};
use crate::model::PyAssessment;
use crate::policy::policy_arg;

/// Source name used in errors for records passed as Python objects; `line` is the 1-based
/// position of the record in the iterable.
const RECORDS_SOURCE: &str = "<records>";
/// Source name used in errors for evidence passed as bytes.
const BYTES_SOURCE: &str = "<bytes>";
/// The two bytes every gzip member starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Evidence, owned, ready to be read without the interpreter.
enum Evidence {
    /// Export files (NDJSON / JSON, optionally gzip-compressed).
    Paths(Vec<PathBuf>),
    /// An export in memory (optionally gzip-compressed).
    Bytes(Vec<u8>),
    /// Records serialised as NDJSON, one record per line.
    Records(Vec<u8>),
}

/// Keeps only events inside `[since, until)`.
#[derive(Clone, Copy)]
struct TimeRange {
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

impl TimeRange {
    fn contains(&self, event: &Event) -> bool {
        self.since.map_or(true, |s| event.time >= s) && self.until.map_or(true, |u| event.time < u)
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
    let format = Format::from_name(&format.to_ascii_lowercase()).ok_or_else(|| {
        PyIrpErr::Value(format!("unknown format `{format}` (auto, okta, entra, o365, workspace, udm)"))
    })?;
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
    match evidence {
        Evidence::Paths(paths) => {
            for path in paths {
                let name = path.display().to_string();
                let file = File::open(&path).map_err(|error| PyIrpErr::Io { path: name.clone(), error })?;
                push(&mut assessor, &name, maybe_gunzip(BufReader::new(file)), format, range)?;
            }
        }
        Evidence::Bytes(bytes) => push(&mut assessor, BYTES_SOURCE, maybe_gunzip(Cursor::new(bytes)), format, range)?,
        Evidence::Records(ndjson) => push(&mut assessor, RECORDS_SOURCE, Cursor::new(ndjson), format, range)?,
    }
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

/// Decompresses gzip input, recognised by its magic bytes rather than a file name so that
/// `.gz` files, renamed files and compressed bytes all work.
fn maybe_gunzip<'a, R: BufRead + 'a>(mut input: R) -> Box<dyn BufRead + 'a> {
    let is_gzip = input.fill_buf().map(|head| head.starts_with(&GZIP_MAGIC)).unwrap_or(false);
    if is_gzip {
        Box::new(BufReader::new(MultiGzDecoder::new(input)))
    } else {
        Box::new(input)
    }
}

/// Classifies the `events=` argument and copies it into owned Rust data.
fn evidence_arg(events: &Bound<'_, PyAny>) -> PyIrpResult<Evidence> {
    // bytes before paths: `os.fspath` would accept bytes as a path too.
    if let Ok(bytes) = events.cast::<PyBytes>() {
        return Ok(Evidence::Bytes(bytes.as_bytes().to_vec()));
    }
    if let Ok(bytes) = events.cast::<PyByteArray>() {
        return Ok(Evidence::Bytes(bytes.to_vec()));
    }
    if is_path(events)? {
        return Ok(Evidence::Paths(vec![events.extract()?]));
    }
    if events.cast::<PyMapping>().is_ok() {
        // One JSON document: a single record, or a vendor page such as `{"value": [...]}`.
        return Ok(Evidence::Records(ndjson([Ok(events.clone())])?));
    }
    if events.is_instance_of::<PyList>() || events.is_instance_of::<PyTuple>() {
        let first_is_path = match events.try_iter()?.next() {
            Some(first) => is_path(&first?)?,
            None => false,
        };
        if first_is_path {
            let paths = events.try_iter()?.map(|p| p?.extract::<PathBuf>()).collect::<PyResult<Vec<_>>>()?;
            return Ok(Evidence::Paths(paths));
        }
    }
    match events.try_iter() {
        Ok(iter) => Ok(Evidence::Records(ndjson(iter)?)),
        Err(_) => Err(PyIrpErr::Type(format!(
            "events: expected a path, a list of paths, bytes, or an iterable of dicts, found `{}`",
            events.get_type().name()?
        ))),
    }
}

/// True for `str` and `os.PathLike` objects.
fn is_path(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(obj.is_instance_of::<PyString>() || obj.hasattr("__fspath__")?)
}

/// Serialises each record on its own line, so the file reader (and its line numbers) apply.
fn ndjson<'py>(records: impl IntoIterator<Item = PyResult<Bound<'py, PyAny>>>) -> PyIrpResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut path = String::new();
    for (i, record) in records.into_iter().enumerate() {
        let record = record?;
        path.clear();
        path.push_str(&format!("events[{i}]"));
        let value = py_to_json(&record, &mut path)?;
        serde_json::to_writer(&mut out, &value)
            .map_err(|e| PyIrpErr::Internal(format!("events[{i}]: not serialisable: {e}")))?;
        out.push(b'\n');
    }
    Ok(out)
}

/// Reads everything of a `Read` into memory; used by tests of the gzip sniffing.
#[cfg(test)]
fn read_all(mut input: impl std::io::Read) -> Vec<u8> {
    let mut out = Vec::new();
    input.read_to_end(&mut out).unwrap();
    out
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::Compression;

    use super::*;

    #[test]
    fn gzip_is_recognised_by_content() {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(b"{\"a\":1}\n").unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(read_all(maybe_gunzip(Cursor::new(gz))), b"{\"a\":1}\n");
        assert_eq!(read_all(maybe_gunzip(Cursor::new(b"plain".to_vec()))), b"plain");
        assert_eq!(read_all(maybe_gunzip(Cursor::new(Vec::new()))), b"");
    }
}
