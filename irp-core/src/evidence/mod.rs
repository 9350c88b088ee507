//! Evidence: the normalised [`Event`] model and the readers and parsers that build it from
//! real vendor exports.
//!
//! * [`event`] holds the one event shape every detector sees; its strings are [`Text`], which
//!   keeps short ones inline (most event fields are short, and an export has millions).
//! * [`reader`] does framing (NDJSON, a JSON array, a vendor page object such as `{"value": [ ... ]}`)
//!   over any `BufRead`, with positions for error messages. Decompression and file handling
//!   belong to the caller: this crate does no I/O of its own.
//! * [`parse`] has one module per vendor shape, turning a JSON record into an [`Event`].

pub mod event;
pub mod parse;
pub mod prefilter;
pub mod reader;
mod text;

pub use event::{
    Event, EventId, EventKind, Format, Geo, Network, Outcome, OutcomeResult, RecoveryChannel, RiskLevel, RuleChange,
    Target, UserId, VendorRef,
};
pub use prefilter::UserFilter;
pub use reader::{ReadStats, RecordReader};
pub use text::Text;

/// Why evidence could not be read. Every variant names the source and the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// The bytes are not valid JSON.
    #[error("{source_name}:{line}:{column}: invalid JSON: {message}")]
    InvalidJson {
        /// File name (or `-` for stdin) as the caller named it.
        source_name: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// What the JSON parser objected to.
        message: String,
    },
    /// The record is valid JSON but a field is missing or malformed.
    #[error("{source_name}:{line}: field `{field}`: {message}")]
    InvalidField {
        /// File name.
        source_name: String,
        /// 1-based line where the record starts.
        line: u64,
        /// JSON path of the field (`published`, `client.ipAddress`, ...).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Reading the underlying stream failed.
    #[error("{source_name}: read error: {message}")]
    Read {
        /// File name.
        source_name: String,
        /// The I/O error, as text.
        message: String,
    },
}

impl EvidenceError {
    /// The 1-based line the error is on, when it has one.
    pub fn line(&self) -> Option<u64> {
        match self {
            EvidenceError::InvalidJson { line, .. } | EvidenceError::InvalidField { line, .. } => Some(*line),
            EvidenceError::Read { .. } => None,
        }
    }
}
