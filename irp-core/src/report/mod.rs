//! Reports: a Markdown case comment per phase, and the final report in Markdown and in
//! self-contained HTML (inline CSS and SVG, no external assets).

pub mod html;
pub mod markdown;
pub mod metrics;

/// Event ids listed per signal in a report; the rest are counted (every id stays in the
/// engine's JSON state and the assessment JSON).
pub(crate) const EVIDENCE_SHOWN: usize = 3;
