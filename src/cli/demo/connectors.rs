//! The embedded connectors of one demo run, seeded from the scenario.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use irp::connectors::embedded::{FileSiem, LocalDirectory, NewCase, SqliteCaseStore};
use irp::connectors::responder::Ports;
use irp::connectors::ConnectorError;
use irp::core::action::CallStyle;
use irp::core::incident::{CaseId, IncidentInputs};
use irp::core::runbook::PersistenceKind;
use serde::Deserialize;

use super::scenario;

/// Why the scenario could not be loaded into the connectors.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The embedded case file does not parse (a build problem, not a user one).
    #[error("bundled scenario: case.json: {0}")]
    Case(serde_json::Error),
    /// A connector could not be created.
    #[error("{0}")]
    Connector(#[from] ConnectorError),
}

/// The case file: irp-connectors' `NewCase` plus the runbook's `INITIAL_ALERT_DETAILS`.
#[derive(Debug, Deserialize)]
pub struct ScenarioCase {
    /// The case as the store creates it.
    #[serde(flatten)]
    pub case: NewCase,
    /// The alert as the SOAR received it.
    #[serde(default)]
    pub initial_alert_details: Option<serde_json::Value>,
}

impl ScenarioCase {
    /// The bundled case.
    pub fn bundled() -> Result<Self, SetupError> {
        serde_json::from_str(scenario::CASE.text).map_err(SetupError::Case)
    }

    /// The runbook's inputs for this case.
    pub fn inputs(&self) -> Option<IncidentInputs> {
        Some(IncidentInputs {
            user_id: self.case.user.clone()?,
            case_id: CaseId(self.case.id.as_str().to_owned()),
            alert_group_identifiers: self.case.alert_ids.clone(),
            initial_alert_details: self.initial_alert_details.clone(),
        })
    }
}

/// The three embedded connectors (SQLite case store, local directory as IdP and mailbox, event
/// files as the SIEM) as the Responder's ports.
pub async fn create(
    store: Option<&Path>,
    directory: &Path,
    event_files: Vec<PathBuf>,
    case: &ScenarioCase,
) -> Result<Ports, SetupError> {
    let store = match store {
        Some(path) => SqliteCaseStore::open(path)?,
        None => SqliteCaseStore::in_memory()?,
    };
    store.create_case(case.case.clone()).await?;
    let directory = Arc::new(LocalDirectory::open(directory)?);
    Ok(Ports::new(Arc::new(FileSiem::new(event_files)), Arc::new(store), directory.clone(), directory)
        .with_call_style(CallStyle::Okta)
        // The local directory models no mailbox delegates and no app passwords: there are none.
        .with_absent_persistence([PersistenceKind::Delegate, PersistenceKind::AppPassword]))
}
