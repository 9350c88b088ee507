//! Parser for the entra shape. (Skeleton: filled in by the parser work.)

use serde_json::Value;

use super::ParseResult;

/// True when `record` looks like a entra event.
pub fn looks_like(_record: &Value) -> bool {
    false
}

/// Parses one entra record.
pub fn parse(_record: &Value) -> ParseResult {
    Ok(None)
}
