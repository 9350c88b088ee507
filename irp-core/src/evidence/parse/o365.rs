//! Parser for the o365 shape. (Skeleton: filled in by the parser work.)

use serde_json::Value;

use super::ParseResult;

/// True when `record` looks like a o365 event.
pub fn looks_like(_record: &Value) -> bool {
    false
}

/// Parses one o365 record.
pub fn parse(_record: &Value) -> ParseResult {
    Ok(None)
}
