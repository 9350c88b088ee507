//! Vendor parsers: one JSON record in, one normalised [`Event`] out.
//!
//! Each vendor module exposes `parse(record) -> ParseResult` and `looks_like(record) -> bool`.
//! [`parse_record`] dispatches on a [`Format`], sniffing per record when the format is
//! [`Format::Auto`]. Positions (file, line) are added by the [`reader`](super::reader): a parser
//! only names the field.

pub mod entra;
pub mod fields;
mod json_scan;
pub mod o365;
pub mod okta;
pub mod okta_fast;
pub mod udm;
pub mod workspace;

use serde_json::Value;

use super::{Event, Format, UserId};

/// A problem with one field of one record. The reader adds the source name and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the field (`published`, `client.ipAddress`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A new field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// `Ok(Some(event))` for an event; `Ok(None)` for a valid record that names no user to attribute
/// it to (counted by the reader as unattributed, never silently dropped); `Err` for a record that
/// claims a shape but breaks it.
pub type ParseResult = Result<Option<Event>, FieldError>;

/// Guesses the vendor shape of one record, or `None` when it matches none.
pub fn sniff(record: &Value) -> Option<Format> {
    let record = unwrap_provenance(record);
    // Order matters: the cheapest, most specific markers first.
    if okta::looks_like(record) {
        Some(Format::Okta)
    } else if entra::looks_like(record) {
        Some(Format::Entra)
    } else if o365::looks_like(record) {
        Some(Format::O365)
    } else if workspace::looks_like(record) {
        Some(Format::Workspace)
    } else if udm::looks_like(record) {
        Some(Format::Udm)
    } else {
        None
    }
}

/// Parses one record in the given shape (sniffing it when `format` is [`Format::Auto`]).
pub fn parse_record(record: &Value, format: Format) -> ParseResult {
    let record = unwrap_provenance(record);
    if !record.is_object() {
        return Err(FieldError::new("<record>", "expected a JSON object"));
    }
    match format {
        Format::Auto => match sniff(record) {
            Some(found) => parse_record(record, found),
            None => Err(FieldError::new(
                "<record>",
                "not a recognised event (expected Okta System Log, Microsoft Graph / Entra, Office 365 \
                 Management Activity, Google Workspace or Chronicle UDM)",
            )),
        },
        Format::Okta => okta::parse(record),
        Format::Entra => entra::parse(record),
        Format::O365 => o365::parse(record),
        Format::Workspace => workspace::parse(record),
        Format::Udm => udm::parse(record),
    }
}

/// Built once: `memmem::find` would rebuild its searcher for every record.
static EVENT_TYPE_KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"eventType\""));

/// Parses one record from its JSON text through a typed fast path when one applies (Okta System
/// Log in the API shape: [`okta_fast`]). `None` means it does not: parse the text into a `Value`
/// and call [`parse_record`], which gives the same result for every record the fast path takes,
/// and the errors for the records it declines.
pub fn parse_text(text: &str, format: Format) -> Option<ParseResult> {
    parse_text_for(text, format, None)
}

/// [`parse_text`]; with `only`, other users' events may come out reduced to what tenant-wide
/// facts read (time, kind, result, IP, AS number), which is all an assessment of `only` uses.
pub(crate) fn parse_text_for(text: &str, format: Format, only: Option<&UserId>) -> Option<ParseResult> {
    match format {
        Format::Okta => okta_fast::parse_str_for(text, false, only),
        // Only Okta has a fast path: don't make other vendors' records pay for a typed attempt.
        Format::Auto if EVENT_TYPE_KEY.find(text.as_bytes()).is_some() => okta_fast::parse_str_for(text, true, only),
        _ => None,
    }
}

/// Test fixtures and labelled datasets wrap the vendor event with provenance
/// (`{"source_repo": ..., "event": {...}}`); UDM search results wrap it as `{"udm": {...}}`.
/// Returns the vendor event inside such a wrapper, or the record itself.
pub fn unwrap_provenance(record: &Value) -> &Value {
    if let Some(obj) = record.as_object() {
        if let Some(inner @ Value::Object(_)) = obj.get("event") {
            // A real vendor record never has an object-valued `event` key next to provenance keys.
            if obj.contains_key("source_repo") || obj.contains_key("expected_result") || obj.len() == 1 {
                return inner;
            }
        }
    }
    record
}
