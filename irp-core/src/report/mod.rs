//! Reports: a Markdown case comment per phase, and the final report in Markdown and in
//! self-contained HTML (inline CSS and SVG, no external assets).

pub mod html;
pub mod markdown;
pub mod metrics;
