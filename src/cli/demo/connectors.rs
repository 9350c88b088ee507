//! The embedded connectors of one demo run, seeded from the scenario, and the read-only effects
//! served by them (readiness, case, user, events, persistence sweep).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use irp::connectors::embedded::{FileSiem, LocalDirectory, NewCase, SqliteCaseStore};
use irp::connectors::{
    Case, CaseId as PortCaseId, ConnectorError, EventPager, EventQuery, IdentityProvider, Mailbox, Siem, Soar,
    TimeWindow,
};
use irp::core::action::CallStyle;
use irp::core::evidence::UserId;
use irp::core::incident::{CaseId, IncidentInputs};
use irp::core::runbook::{
    CaseInfo, CaseRef, ConnectorRole, ConnectorStatus, EffectOutcome, Failure, PersistenceItem, PersistenceKind,
    UserInfo,
};
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

/// The three embedded connectors: SQLite case store, local directory (IdP and mailbox), files
/// as the SIEM.
pub struct Connectors {
    /// Cases, comments, approvals, journal.
    pub store: SqliteCaseStore,
    /// Users, factors, sessions, grants, inbox rules.
    pub directory: LocalDirectory,
    /// The scenario's event files.
    pub siem: FileSiem,
    tenant_domain: Option<String>,
}

impl Connectors {
    /// Creates the connectors in `dir`: `directory.json` and the event files must already be
    /// there; the case store is created at `store` (`None`: in memory, for dry runs).
    pub async fn create(
        store: Option<&Path>,
        directory: &Path,
        event_files: Vec<PathBuf>,
        case: &ScenarioCase,
    ) -> Result<Self, SetupError> {
        let store = match store {
            Some(path) => SqliteCaseStore::open(path)?,
            None => SqliteCaseStore::in_memory()?,
        };
        store.create_case(case.case.clone()).await?;
        let directory = LocalDirectory::open(directory)?;
        let tenant_domain = case.case.user.as_ref().and_then(|u| u.domain()).map(str::to_owned);
        Ok(Connectors { store, directory, siem: FileSiem::new(event_files), tenant_domain })
    }

    /// `CheckConnectors`: every port's health check. Details name no file path, so the report
    /// is the same whichever folder the run wrote to.
    pub async fn readiness(&self, roles: &[ConnectorRole]) -> EffectOutcome {
        let mut connectors = Vec::new();
        for role in roles {
            let (vendor, result) = match role {
                ConnectorRole::Siem => ("local-files", self.siem.health_check().await.map(|_| ())),
                ConnectorRole::CaseStore => ("local-sqlite", self.store.health_check().await.map(|_| ())),
                ConnectorRole::IdentityProvider => {
                    ("local-directory", IdentityProvider::health_check(&self.directory).await.map(|_| ()))
                }
                ConnectorRole::Mailbox => ("local-directory", Mailbox::health_check(&self.directory).await.map(|_| ())),
                _ => continue,
            };
            let detail = match (&result, role) {
                (Err(e), _) => e.to_string(),
                (Ok(()), ConnectorRole::Siem) => format!("{} event file(s) readable", self.siem.paths().len()),
                (Ok(()), ConnectorRole::CaseStore) => "SQLite case store open, schema current".to_owned(),
                (Ok(()), _) => match self.directory.users() {
                    Ok(users) => format!("{} user(s)", users.len()),
                    Err(e) => e.to_string(),
                },
            };
            connectors.push(ConnectorStatus {
                role: *role,
                vendor: vendor.to_owned(),
                ready: result.is_ok(),
                detail: Some(detail),
                call_style: (*role == ConnectorRole::IdentityProvider).then_some(CallStyle::Okta),
            });
        }
        EffectOutcome::Readiness { connectors }
    }

    async fn case(&self, id: &CaseId) -> Result<Case, ConnectorError> {
        self.store.get_case(&PortCaseId(id.as_str().to_owned())).await
    }

    /// `FetchCase`.
    pub async fn fetch_case(&self, id: &CaseId) -> EffectOutcome {
        match self.case(id).await {
            Ok(case) => EffectOutcome::Case {
                case: CaseInfo {
                    id: id.clone(),
                    title: case.title.clone(),
                    status: Some(case.status.name().to_owned()),
                    created_at: Some(case.created_at),
                    detail: serde_json::to_value(&case).ok(),
                },
            },
            Err(e) => failed(&e),
        }
    }

    /// `FindDuplicateCases`: open cases about the same alert group (or user), this one excluded.
    pub async fn duplicates(&self, id: &CaseId) -> EffectOutcome {
        let case = match self.case(id).await {
            Ok(case) => case,
            Err(e) => return failed(&e),
        };
        match self.store.find_similar_cases(&case).await {
            Ok(found) => EffectOutcome::Cases {
                cases: found
                    .into_iter()
                    .filter(|c| c.id.as_str() != id.as_str())
                    .map(|c| CaseRef {
                        id: CaseId(c.id.as_str().to_owned()),
                        title: c.title,
                        status: Some(c.status.name().to_owned()),
                    })
                    .collect(),
            },
            Err(e) => failed(&e),
        }
    }

    /// `FindRelatedCases`.
    pub async fn related(&self, id: &CaseId, user: &UserId) -> EffectOutcome {
        match self.store.find_related_open_cases(user).await {
            Ok(found) => EffectOutcome::Cases {
                cases: found
                    .into_iter()
                    .filter(|c| c.id.as_str() != id.as_str())
                    .map(|c| CaseRef {
                        id: CaseId(c.id.as_str().to_owned()),
                        title: c.title,
                        status: Some(c.status.name().to_owned()),
                    })
                    .collect(),
            },
            Err(e) => failed(&e),
        }
    }

    /// `LookupUser`.
    pub async fn user(&self, login: &UserId) -> EffectOutcome {
        match self.directory.get_user(login).await {
            Ok(user) => EffectOutcome::User {
                user: UserInfo {
                    id: user.id.clone(),
                    login: user.login.clone(),
                    display_name: user.display_name.clone(),
                    status: serde_json::to_value(&user.status).ok().and_then(|v| v.as_str().map(str::to_uppercase)),
                    privileged: !user.admin_roles.is_empty(),
                    detail: serde_json::to_value(&user).ok(),
                },
            },
            Err(e) => failed(&e),
        }
    }

    /// `LookupEntity`: the SIEM's summary over the runbook's default look-back.
    pub async fn entity(&self, login: &UserId, now: DateTime<Utc>) -> EffectOutcome {
        let window = TimeWindow::new(now - Duration::hours(96), now);
        match self.siem.entity_summary(login, window).await {
            Ok(summary) => EffectOutcome::Entity { summary: serde_json::to_value(summary).unwrap_or_default() },
            Err(e) => failed(&e),
        }
    }

    /// `SearchEvents` / `CheckMonitoring`.
    pub async fn events(&self, login: &UserId, from: DateTime<Utc>, to: DateTime<Utc>) -> EffectOutcome {
        let query = EventQuery::new(login.clone(), TimeWindow::new(from, to));
        match EventPager::new(&self.siem, query).collect_all().await {
            Ok(events) => EffectOutcome::Events { events },
            Err(e) => failed(&e),
        }
    }

    /// `ListPersistence`: everything that can keep an attacker in, each item flagged when the
    /// connector can tell on its own that it is suspicious.
    pub async fn persistence(&self, login: &UserId, kinds: &[PersistenceKind], since: DateTime<Utc>) -> EffectOutcome {
        let mut items = Vec::new();
        let mut not_listed = Vec::new();
        for kind in kinds {
            let listed = match kind {
                PersistenceKind::InboxRule => self.rules(login).await,
                PersistenceKind::MailboxForwarding => self.forwarding(login).await,
                PersistenceKind::OauthGrant => self.grants(login, since).await,
                PersistenceKind::MfaFactor => self.factors(login, since).await,
                PersistenceKind::RecoveryMethod => self.recovery(login).await,
                PersistenceKind::AdminRole => self.roles(login).await,
                // The local directory models no delegates or app passwords: there is nothing to list.
                PersistenceKind::Delegate | PersistenceKind::AppPassword => Ok(Vec::new()),
                _ => {
                    not_listed.push(*kind);
                    continue;
                }
            };
            match listed {
                Ok(found) => items.extend(found),
                Err(_) => not_listed.push(*kind),
            }
        }
        EffectOutcome::Persistence { items, not_listed }
    }

    fn is_external(&self, address: &str) -> bool {
        let domain = address.rsplit_once('@').map(|(_, d)| d.trim().trim_end_matches('.'));
        match (domain, &self.tenant_domain) {
            (Some(d), Some(tenant)) => !d.eq_ignore_ascii_case(tenant),
            _ => true,
        }
    }

    async fn rules(&self, login: &UserId) -> Result<Vec<PersistenceItem>, ConnectorError> {
        let rules = self.directory.list_inbox_rules(login).await?;
        Ok(rules
            .into_iter()
            .map(|rule| {
                let mut forward_to = rule.forward_to.clone();
                forward_to.extend(rule.redirect_to.iter().cloned());
                let flagged = rule.hides_mail || forward_to.iter().any(|a| self.is_external(a));
                PersistenceItem {
                    kind: PersistenceKind::InboxRule,
                    id: rule.id.clone(),
                    name: rule.name.clone(),
                    created_at: None,
                    flagged,
                    forward_to,
                    detail: serde_json::to_value(&rule).ok(),
                }
            })
            .collect())
    }

    async fn forwarding(&self, login: &UserId) -> Result<Vec<PersistenceItem>, ConnectorError> {
        let forwarding = self.directory.get_forwarding(login).await?;
        Ok(forwarding
            .into_iter()
            .map(|f| PersistenceItem {
                kind: PersistenceKind::MailboxForwarding,
                id: "forwarding".to_owned(),
                name: f.forward_to.clone(),
                created_at: None,
                flagged: self.is_external(&f.forward_to),
                forward_to: vec![f.forward_to.clone()],
                detail: serde_json::to_value(&f).ok(),
            })
            .collect())
    }

    async fn grants(&self, login: &UserId, since: DateTime<Utc>) -> Result<Vec<PersistenceItem>, ConnectorError> {
        // Scopes that give standing access to mail or files without the user present.
        const RISKY: [&str; 8] = [
            "mail.read",
            "mail.readwrite",
            "mail.send",
            "files.read.all",
            "files.readwrite.all",
            "offline_access",
            "full_access_as_user",
            "mailboxsettings.readwrite",
        ];
        let grants = self.directory.list_grants(login).await?;
        Ok(grants
            .into_iter()
            .map(|g| {
                let risky = g.scopes.iter().any(|s| RISKY.contains(&s.to_ascii_lowercase().as_str()));
                let recent = g.granted_at.is_some_and(|t| t >= since);
                PersistenceItem {
                    kind: PersistenceKind::OauthGrant,
                    id: g.id.clone(),
                    name: g.app.clone(),
                    created_at: g.granted_at,
                    flagged: risky && recent,
                    forward_to: Vec::new(),
                    detail: serde_json::to_value(&g).ok(),
                }
            })
            .collect())
    }

    async fn factors(&self, login: &UserId, since: DateTime<Utc>) -> Result<Vec<PersistenceItem>, ConnectorError> {
        let factors = self.directory.list_factors(login).await?;
        Ok(factors
            .into_iter()
            .map(|f| PersistenceItem {
                kind: PersistenceKind::MfaFactor,
                id: f.id.clone(),
                name: serde_json::to_value(&f.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
                    + &f.detail.as_ref().map(|d| format!(" ({d})")).unwrap_or_default(),
                created_at: f.enrolled_at,
                flagged: f.enrolled_at.is_some_and(|t| t >= since),
                forward_to: Vec::new(),
                detail: serde_json::to_value(&f).ok(),
            })
            .collect())
    }

    async fn recovery(&self, login: &UserId) -> Result<Vec<PersistenceItem>, ConnectorError> {
        let user = self.directory.get_user(login).await?;
        let mut items = Vec::new();
        for (id, value) in [("recovery_email", &user.recovery_email), ("recovery_phone", &user.recovery_phone)] {
            if let Some(value) = value {
                items.push(PersistenceItem {
                    kind: PersistenceKind::RecoveryMethod,
                    id: id.to_owned(),
                    name: value.clone(),
                    created_at: None,
                    flagged: id == "recovery_email" && self.is_external(value),
                    forward_to: Vec::new(),
                    detail: None,
                });
            }
        }
        Ok(items)
    }

    async fn roles(&self, login: &UserId) -> Result<Vec<PersistenceItem>, ConnectorError> {
        let user = self.directory.get_user(login).await?;
        Ok(user
            .admin_roles
            .iter()
            .map(|role| PersistenceItem {
                kind: PersistenceKind::AdminRole,
                id: role.clone(),
                name: role.clone(),
                created_at: None,
                flagged: false,
                forward_to: Vec::new(),
                detail: None,
            })
            .collect())
    }
}

/// A connector error as the engine's failure: says whether the call may have been applied.
pub fn failed(e: &ConnectorError) -> EffectOutcome {
    let message = e.to_string();
    let failure = if e.maybe_executed() { Failure::unknown(message) } else { Failure::refused(message) };
    EffectOutcome::Failed { failure }
}
