//! The `events=` argument: Python evidence (paths, bytes, dicts) turned into owned sources that
//! are read without the interpreter.

use std::fs::File;
use std::io::{BufRead, Cursor};
use std::path::PathBuf;

use irp_connectors::embedded::ExportReader;
use irp_core::evidence::{Event, Format, RecordReader};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyMapping, PyString, PyTuple};

use crate::convert::write_py_json;
use crate::errors::{PyIrpErr, PyIrpResult};

/// Source name used in errors for records passed as Python objects; `line` is the 1-based
/// position of the record in the iterable.
const RECORDS_SOURCE: &str = "<records>";
/// Source name used in errors for evidence passed as bytes.
const BYTES_SOURCE: &str = "<bytes>";

/// Evidence, owned, ready to be read without the interpreter.
pub enum Evidence {
    /// Export files (NDJSON / JSON, optionally gzip-compressed).
    Paths(Vec<PathBuf>),
    /// An export in memory (optionally gzip-compressed).
    Bytes(Vec<u8>),
    /// Records serialised as NDJSON, one record per line.
    Records(Vec<u8>),
}

impl Evidence {
    /// Calls `read` with each source's name and (decompressed) content, in order.
    pub fn for_each_source(
        self,
        mut read: impl FnMut(&str, Box<dyn BufRead + '_>) -> PyIrpResult<()>,
    ) -> PyIrpResult<()> {
        match self {
            Evidence::Paths(paths) => {
                for path in paths {
                    let name = path.display().to_string();
                    let file = File::open(&path).map_err(|error| PyIrpErr::Io { path: name.clone(), error })?;
                    let input = ExportReader::new(file).map_err(|error| PyIrpErr::Io { path: name.clone(), error })?;
                    read(&name, Box::new(input))?;
                }
                Ok(())
            }
            Evidence::Bytes(bytes) => {
                let input = ExportReader::new(Cursor::new(bytes))
                    .map_err(|error| PyIrpErr::Io { path: BYTES_SOURCE.to_owned(), error })?;
                read(BYTES_SOURCE, Box::new(input))
            }
            Evidence::Records(ndjson) => read(RECORDS_SOURCE, Box::new(Cursor::new(ndjson))),
        }
    }

    /// Every event of every source; the first bad record fails the whole read.
    pub fn read_events(self, format: Format) -> PyIrpResult<Vec<Event>> {
        let mut events = Vec::new();
        self.for_each_source(|name, input| {
            for event in RecordReader::new(name, input, format) {
                events.push(event?);
            }
            Ok(())
        })?;
        Ok(events)
    }
}

/// Parses a `format=` argument.
pub fn format_arg(format: &str) -> PyIrpResult<Format> {
    Format::from_name(&format.to_ascii_lowercase())
        .ok_or_else(|| PyIrpErr::Value(format!("unknown format `{format}` (auto, okta, entra, o365, workspace, udm)")))
}

/// Classifies the `events=` argument and copies it into owned Rust data.
pub fn evidence_arg(events: &Bound<'_, PyAny>) -> PyIrpResult<Evidence> {
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
        write_py_json(&record, &mut path, &mut out)?;
        out.push(b'\n');
    }
    Ok(out)
}
