//! The `events=` argument: Python evidence (paths, bytes, dicts) turned into owned sources that
//! are read without the interpreter.
//!
//! Records given as Python objects need the interpreter to be written as NDJSON. `irp.assess`
//! streams them ([`write_ndjson_parts`] on the calling thread, a [`PartsReader`] on the reading
//! one), so that reading overlaps writing and no copy of the whole input is ever held.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufRead, Cursor, Read};
use std::path::PathBuf;
use std::sync::mpsc::Receiver;

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
    /// Records serialised as NDJSON by another thread, as it writes them.
    Parts(PartsReader),
}

/// The `events=` argument, classified: owned sources, or Python records still to be written.
pub enum EvidenceArg<'py> {
    /// Paths or bytes.
    Ready(Evidence),
    /// A dict (one document) or an iterable of dicts.
    Records(Box<dyn Iterator<Item = PyResult<Bound<'py, PyAny>>> + 'py>),
}

impl EvidenceArg<'_> {
    /// Owned evidence, with records written as NDJSON now.
    pub fn into_evidence(self) -> PyIrpResult<Evidence> {
        match self {
            EvidenceArg::Ready(evidence) => Ok(evidence),
            EvidenceArg::Records(records) => {
                let mut out = Vec::new();
                write_ndjson_parts(records, usize::MAX, |part| {
                    out = part;
                    true
                })?;
                Ok(Evidence::Records(out))
            }
        }
    }
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
            Evidence::Parts(parts) => read(RECORDS_SOURCE, Box::new(parts)),
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

/// Classifies the `events=` argument; paths and bytes are copied into owned Rust data.
pub fn evidence_arg<'py>(events: &Bound<'py, PyAny>) -> PyIrpResult<EvidenceArg<'py>> {
    // bytes before paths: `os.fspath` would accept bytes as a path too.
    if let Ok(bytes) = events.cast::<PyBytes>() {
        return Ok(EvidenceArg::Ready(Evidence::Bytes(bytes.as_bytes().to_vec())));
    }
    if let Ok(bytes) = events.cast::<PyByteArray>() {
        return Ok(EvidenceArg::Ready(Evidence::Bytes(bytes.to_vec())));
    }
    if is_path(events)? {
        return Ok(EvidenceArg::Ready(Evidence::Paths(vec![events.extract()?])));
    }
    if events.cast::<PyMapping>().is_ok() {
        // One JSON document: a single record, or a vendor page such as `{"value": [...]}`.
        return Ok(EvidenceArg::Records(Box::new(std::iter::once(Ok(events.clone())))));
    }
    if events.is_instance_of::<PyList>() || events.is_instance_of::<PyTuple>() {
        let first_is_path = match events.try_iter()?.next() {
            Some(first) => is_path(&first?)?,
            None => false,
        };
        if first_is_path {
            let paths = events.try_iter()?.map(|p| p?.extract::<PathBuf>()).collect::<PyResult<Vec<_>>>()?;
            return Ok(EvidenceArg::Ready(Evidence::Paths(paths)));
        }
    }
    match events.try_iter() {
        Ok(iter) => Ok(EvidenceArg::Records(Box::new(iter))),
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

/// Writes each record on its own line (errors name it `events[i]`), handing `send` a part of
/// whole lines whenever it reaches `part_bytes`, and the rest at the end. Stops when `send`
/// returns `false` (the reader is done). On a record that cannot be written, the lines before
/// it are still sent, then its error is returned.
pub fn write_ndjson_parts<'py>(
    records: impl IntoIterator<Item = PyResult<Bound<'py, PyAny>>>,
    part_bytes: usize,
    mut send: impl FnMut(Vec<u8>) -> bool,
) -> PyIrpResult<()> {
    // Room for a part and the record that ends it; writing everything as one part grows instead.
    let capacity = if part_bytes == usize::MAX { 0 } else { part_bytes + part_bytes / 4 };
    let mut part = Vec::with_capacity(capacity);
    let mut path = String::new();
    for (i, record) in records.into_iter().enumerate() {
        let start = part.len();
        path.clear();
        let _ = write!(path, "events[{i}]");
        let written = record.map_err(PyIrpErr::from).and_then(|record| write_py_json(&record, &path, &mut part));
        if let Err(e) = written {
            part.truncate(start);
            send(part);
            return Err(e);
        }
        part.push(b'\n');
        if part.len() >= part_bytes && !send(std::mem::replace(&mut part, Vec::with_capacity(capacity))) {
            return Ok(());
        }
    }
    send(part);
    Ok(())
}

/// Bytes per part [`write_ndjson_parts`] hands over when streaming.
pub const PART_BYTES: usize = 1 << 20;

/// Reads the parts another thread sends, in order, as one stream; the end of the stream is the
/// sender hanging up.
pub struct PartsReader {
    parts: Receiver<Vec<u8>>,
    part: Vec<u8>,
    pos: usize,
}

impl PartsReader {
    /// A reader of what arrives on `parts`.
    pub fn new(parts: Receiver<Vec<u8>>) -> Self {
        PartsReader { parts, part: Vec::new(), pos: 0 }
    }
}

impl Read for PartsReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for PartsReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.part.len() {
            match self.parts.recv() {
                Ok(part) => (self.part, self.pos) = (part, 0),
                Err(_) => break,
            }
        }
        Ok(&self.part[self.pos..])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.part.len());
    }
}
