//! Parser for the workspace shape. (Skeleton: filled in by the parser work.)

use serde_json::Value;

use super::ParseResult;

/// True when `record` looks like a workspace event.
pub fn looks_like(_record: &Value) -> bool {
    false
}

/// Parses one workspace record.
pub fn parse(_record: &Value) -> ParseResult {
    Ok(None)
}
