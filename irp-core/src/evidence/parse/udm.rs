//! Parser for the udm shape. (Skeleton: filled in by the parser work.)

use serde_json::Value;

use super::ParseResult;

/// True when `record` looks like a udm event.
pub fn looks_like(_record: &Value) -> bool {
    false
}

/// Parses one udm record.
pub fn parse(_record: &Value) -> ParseResult {
    Ok(None)
}
