//! The bundled scenario (`scenarios/demo/`), compiled into the binary so `irp demo` works from
//! any directory and needs no files besides the executable.

/// One file of the scenario: its name in the output folder and its content.
#[derive(Debug, Clone, Copy)]
pub struct ScenarioFile {
    /// File name, relative to the output folder's `events/` (event files) or root.
    pub name: &'static str,
    /// The bytes, exactly as `scenarios/demo/generate.py` wrote them.
    pub text: &'static str,
}

/// Okta System Log events (`/api/v1/logs` shape), one per line.
pub const OKTA_EVENTS: ScenarioFile =
    ScenarioFile { name: "okta.ndjson", text: include_str!("../../../scenarios/demo/okta.ndjson") };

/// Office 365 Management Activity records, one per line.
pub const O365_EVENTS: ScenarioFile =
    ScenarioFile { name: "o365.ndjson", text: include_str!("../../../scenarios/demo/o365.ndjson") };

/// The local directory's initial state: users, factors, sessions, grants, mailbox rules.
pub const DIRECTORY: ScenarioFile =
    ScenarioFile { name: "directory.json", text: include_str!("../../../scenarios/demo/directory.json") };

/// The case the alert opened.
pub const CASE: ScenarioFile =
    ScenarioFile { name: "case.json", text: include_str!("../../../scenarios/demo/case.json") };

/// Every event source of the scenario.
pub const EVENT_FILES: [ScenarioFile; 2] = [OKTA_EVENTS, O365_EVENTS];
