//! Conversions between Python objects and JSON / time values.
//!
//! Vendor records handed over as Python dicts are written as JSON text here and then read by
//! exactly the same parser as a file, so a dict and its JSON line always give the same event.

use std::fmt;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyDate, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyMapping, PySequence, PyString, PyTuple,
};
use serde_json::{Number, Value};

use crate::errors::{PyIrpErr, PyIrpResult};

/// Deeper nesting than this is a cycle or an attack, not a vendor record.
const MAX_DEPTH: usize = 128;

/// Converts a JSON-like Python object (dict, list, str, int, float, bool, None, aware datetime)
/// into a JSON value. `path` names the value in error messages (`events[3].client`).
///
/// One traversal serves both conversions: the object is written as JSON text
/// ([`write_py_json`]) and read back, so a `Value` and a record's JSON line always agree.
pub fn py_to_json(obj: &Bound<'_, PyAny>, path: &str) -> PyIrpResult<Value> {
    let mut text = Vec::new();
    write_py_json(obj, path, &mut text)?;
    serde_json::from_slice(&text)
        .map_err(|e| PyIrpErr::Internal(format!("{path}: written JSON does not read back: {e}")))
}

/// Writes a JSON-like Python object as JSON text (keys keep the dict's order); `path` names it in
/// error messages. Records handed over as dicts take this path straight to the parser: building
/// a `Value` first and serialising it was two thirds of `irp.assess(list)`.
pub fn write_py_json(obj: &Bound<'_, PyAny>, path: &str, out: &mut Vec<u8>) -> PyIrpResult<()> {
    write_json_at(obj, &Path::Root(path), 0, out)
}

/// Where a value is, for error messages only: a chain of stack frames, so that naming it costs
/// nothing until an error needs the text.
enum Path<'a> {
    Root(&'a str),
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(name) => f.write_str(name),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

fn write_json_at(obj: &Bound<'_, PyAny>, path: &Path<'_>, depth: usize, out: &mut Vec<u8>) -> PyIrpResult<()> {
    if depth > MAX_DEPTH {
        return Err(PyIrpErr::Value(format!("{path}: nested more than {MAX_DEPTH} levels deep (a cycle?)")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        write_str(&s.to_cow()?, out);
        return Ok(());
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        return write_object(dict.iter(), path, depth, out);
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let seq = obj.cast::<PySequence>()?;
        out.push(b'[');
        for (i, item) in seq.try_iter()?.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_json_at(&item?, &Path::Index(path, i), depth + 1, out)?;
        }
        out.push(b']');
        return Ok(());
    }
    if let Some(value) = scalar_to_json(obj, path)? {
        return serde_json::to_writer(out, &value)
            .map_err(|e| PyIrpErr::Internal(format!("{path}: not serialisable: {e}")));
    }
    if let Ok(mapping) = obj.cast::<PyMapping>() {
        let items = mapping.items()?;
        let mut pairs = Vec::with_capacity(items.len());
        for item in items.iter() {
            pairs.push(item.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()?);
        }
        return write_object(pairs.into_iter(), path, depth, out);
    }
    Err(PyIrpErr::Type(format!(
        "{path}: cannot convert a `{}` to JSON (expected dict, list, str, int, float, bool, None or datetime)",
        obj.get_type().name()?
    )))
}

/// None, a bool, an int, a float, a datetime or a date as a JSON value; `None` for anything else.
fn scalar_to_json(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyIrpResult<Option<Value>> {
    if obj.is_none() {
        return Ok(Some(Value::Null));
    }
    // bool before int: Python's bool is a subclass of int.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Some(Value::Bool(b.is_true())));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Some(Value::from(i)));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Some(Value::from(u)));
        }
        return Err(PyIrpErr::Value(format!("{path}: integer out of the 64-bit range")));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(|n| Some(Value::Number(n)))
            .ok_or_else(|| PyIrpErr::Value(format!("{path}: {} has no JSON representation", f.value())));
    }
    // datetime before date: datetime is a subclass of date.
    if obj.is_instance_of::<PyDateTime>() {
        let time = aware_datetime(obj, path)?;
        return Ok(Some(Value::String(time.to_rfc3339_opts(SecondsFormat::AutoSi, true))));
    }
    if obj.is_instance_of::<PyDate>() {
        return Ok(Some(Value::String(obj.call_method0("isoformat")?.extract()?)));
    }
    Ok(None)
}

fn write_object<'py>(
    items: impl Iterator<Item = (Bound<'py, PyAny>, Bound<'py, PyAny>)>,
    path: &Path<'_>,
    depth: usize,
    out: &mut Vec<u8>,
) -> PyIrpResult<()> {
    out.push(b'{');
    for (i, (key, value)) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let key = dict_key(&key, path)?;
        write_str(&key, out);
        out.push(b':');
        write_json_at(&value, &Path::Key(path, &key), depth + 1, out)?;
    }
    out.push(b'}');
    Ok(())
}

/// A JSON string. Most strings in vendor records need no escaping: they are checked eight bytes
/// at a time and copied whole; the others are escaped by `serde_json`.
fn write_str(s: &str, out: &mut Vec<u8>) {
    if needs_escaping(s.as_bytes()) {
        // Writing into a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    } else {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// Whether `bytes` holds a quote, a backslash or a control character (what JSON escapes).
fn needs_escaping(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    let found = chunks.by_ref().any(|chunk| {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        zero(w ^ u64::from_ne_bytes([b'"'; 8]))
            | zero(w ^ u64::from_ne_bytes([b'\\'; 8]))
            | (w.wrapping_sub(u64::from_ne_bytes([0x20; 8])) & !w & HIGH)
            != 0
    });
    found || chunks.remainder().iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20)
}

/// A dict key as text, or the error `py_to_json` gives for a non-`str` key.
fn dict_key<'a>(key: &'a Bound<'_, PyAny>, path: &Path<'_>) -> PyIrpResult<std::borrow::Cow<'a, str>> {
    match key.cast::<PyString>() {
        Ok(k) => Ok(k.to_cow()?),
        Err(_) => Err(PyIrpErr::Type(format!("{path}: dict keys must be str, found `{}`", key.get_type().name()?))),
    }
}

/// Converts a JSON value into plain Python objects (dict, list, str, int, float, bool, None).
pub fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// A point in time from Python: a timezone-aware `datetime` or an RFC 3339 string. A naive
/// datetime is refused: guessing its zone is how a log timeline silently shifts by hours.
pub fn extract_time(obj: &Bound<'_, PyAny>, name: &str) -> PyIrpResult<DateTime<Utc>> {
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_cow()?;
        return DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| PyIrpErr::Value(format!("{name}: `{text}` is not an RFC 3339 time: {e}")));
    }
    if obj.is_instance_of::<PyDateTime>() {
        return aware_datetime(obj, &name);
    }
    Err(PyIrpErr::Type(format!(
        "{name}: expected a timezone-aware datetime or an RFC 3339 string, found `{}`",
        obj.get_type().name()?
    )))
}

fn aware_datetime(obj: &Bound<'_, PyAny>, name: &dyn fmt::Display) -> PyIrpResult<DateTime<Utc>> {
    // `utcoffset()` is None both for a missing tzinfo and for a tzinfo that declines to answer:
    // either way the datetime is naive.
    if obj.call_method0("utcoffset")?.is_none() {
        return Err(PyIrpErr::Value(format!(
            "{name}: naive datetime {}; pass a timezone-aware one (e.g. datetime.now(timezone.utc))",
            obj.str()?
        )));
    }
    Ok(obj.extract::<DateTime<FixedOffset>>()?.with_timezone(&Utc))
}
