//! Framing: turns a byte stream (NDJSON, a JSON array, or a vendor page object) into records,
//! and records into events, keeping the line of each record for error messages.
//!
//! Skeleton: NDJSON only; the full framing (arrays, page objects, positions) is filled in by the
//! parser work.

use std::io::BufRead;

use serde::Serialize;

use super::parse::{self, FieldError};
use super::{Event, EventKind, EvidenceError, Format};

/// What a reader saw, for the "nothing dropped silently" guarantee.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadStats {
    /// JSON records read.
    pub records: u64,
    /// Records that became events (including `other`).
    pub events: u64,
    /// Events of a recognised vendor whose type irp does not model, kept as `EventKind::Other`.
    pub other: u64,
    /// Valid records that name no user (e.g. ThreatInsight blocks before the username is read).
    pub unattributed: u64,
}

/// Streams events out of one source.
pub struct RecordReader<R> {
    source_name: String,
    input: R,
    format: Format,
    line: u64,
    buf: String,
    stats: ReadStats,
}

impl<R: BufRead> RecordReader<R> {
    /// A reader over `input`, naming it `source_name` in errors.
    pub fn new(source_name: impl Into<String>, input: R, format: Format) -> Self {
        RecordReader {
            source_name: source_name.into(),
            input,
            format,
            line: 0,
            buf: String::new(),
            stats: ReadStats::default(),
        }
    }

    /// Counts so far.
    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    fn field_error(&self, line: u64, e: FieldError) -> EvidenceError {
        EvidenceError::InvalidField { source_name: self.source_name.clone(), line, field: e.field, message: e.message }
    }
}

impl<R: BufRead> Iterator for RecordReader<R> {
    type Item = Result<Event, EvidenceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            match self.input.read_line(&mut self.buf) {
                Ok(0) => return None,
                Ok(_) => self.line += 1,
                Err(e) => {
                    return Some(Err(EvidenceError::Read {
                        source_name: self.source_name.clone(),
                        message: e.to_string(),
                    }))
                }
            }
            let text = self.buf.trim();
            if text.is_empty() {
                continue;
            }
            let value: serde_json::Value = match serde_json::from_str(text) {
                Ok(v) => v,
                Err(e) => {
                    return Some(Err(EvidenceError::InvalidJson {
                        source_name: self.source_name.clone(),
                        line: self.line,
                        column: e.column() as u64,
                        message: e.to_string(),
                    }))
                }
            };
            self.stats.records += 1;
            match parse::parse_record(&value, self.format) {
                Ok(Some(event)) => {
                    self.stats.events += 1;
                    if event.kind == EventKind::Other {
                        self.stats.other += 1;
                    }
                    return Some(Ok(event));
                }
                Ok(None) => self.stats.unattributed += 1,
                Err(e) => return Some(Err(self.field_error(self.line, e))),
            }
        }
    }
}
