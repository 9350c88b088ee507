//! The repository's vendor records (samples, test scenarios, the demo), for tests that check a
//! property on every real record.

use std::path::{Path, PathBuf};

use irp_core::evidence::parse::sniff;
use serde_json::Value;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("json" | "jsonl" | "ndjson")) {
            out.push(path);
        }
    }
}

/// The JSON texts of a file's records: its lines when it is NDJSON, else the compact rendering of
/// each element of the array / page / object it holds.
pub fn record_texts(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(whole) = serde_json::from_str::<Value>(&text) {
        let items = match whole {
            Value::Array(items) => items,
            Value::Object(ref m) => match ["value", "events", "items", "records"].iter().find_map(|k| m.get(*k)) {
                Some(Value::Array(items)) if sniff(&whole).is_none() => items.clone(),
                _ => vec![whole],
            },
            other => vec![other],
        };
        return items.iter().map(Value::to_string).collect();
    }
    text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect()
}

/// Every record of the repository as `(file, text, value)`: the text as written and, when that
/// differs, the same record re-rendered compactly (sorted keys, `serde_json`'s escapes).
pub fn records() -> Vec<(String, String, Value)> {
    let root = repo();
    let mut files = Vec::new();
    files_under(&root.join("testdata/samples"), &mut files);
    files_under(&root.join("tests/scenarios"), &mut files);
    files.push(root.join("scenarios/demo/okta.ndjson"));
    let mut out = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for text in record_texts(&bytes) {
            let Ok(value) = serde_json::from_str::<Value>(&text) else { continue };
            let name = file.display().to_string();
            let rendered = value.to_string();
            if rendered != text {
                out.push((name.clone(), rendered, value.clone()));
            }
            out.push((name, text, value));
        }
    }
    out
}
