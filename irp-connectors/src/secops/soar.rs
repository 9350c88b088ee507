//! Google SecOps SOAR (Siemplify external API v1, `AppKey` header).
//!
//! | port call | endpoint |
//! |---|---|
//! | `get_case` | `GET /api/external/v1/cases/GetCaseFullDetails/{caseId}?format=camel` |
//! | `find_related_open_cases`, `find_similar_cases` | `POST /api/external/v1/search/CaseSearchEverything?format=camel` (page by `requestedPage`), then full details per case |
//! | `post_comment`, `record_approval` | `POST /api/external/v1/cases/comments?format=snake` |
//! | `close_case` | `POST /api/external/v1/cases-queue/bulk-operations/ExecuteBulkCloseCase` |
//! | `append_journal`, `journal` | the local journal store (`journal_db`), not the SOAR |

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use irp_core::evidence::UserId;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::clock::Clock;
use crate::embedded::{NewCase, SqliteCaseStore};
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::http::{HttpClient, HttpDeps, HttpSettings, Idempotency, Request, SecretSource};
use crate::ports::{
    ApprovalDecision, ApprovalRecord, Case, CaseId, CaseStatus, CaseSummary, CommentId, Health, JournalEntry,
    Similarity, Soar,
};

/// Cases per search page.
const PAGE_SIZE: usize = 50;

/// SOAR close reasons (`closeReason` numbers of the bulk-close API).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CloseReason {
    /// 0: a confirmed compromise.
    #[default]
    Malicious,
    /// 1
    NotMalicious,
    /// 2
    Maintenance,
    /// 3
    Inconclusive,
    /// 4
    Unknown,
}

impl CloseReason {
    fn code(self) -> u8 {
        match self {
            CloseReason::Malicious => 0,
            CloseReason::NotMalicious => 1,
            CloseReason::Maintenance => 2,
            CloseReason::Inconclusive => 3,
            CloseReason::Unknown => 4,
        }
    }
}

fn default_root_cause() -> String {
    "Compromised account".to_owned()
}
fn default_lookback() -> u32 {
    30
}
fn default_max_scanned() -> usize {
    50
}

/// The `[secops_soar]` configuration.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SecOpsSoarConfig {
    /// `https://{instance}.siemplify-soar.com` (or a proxy / test double, path prefix allowed).
    pub base_url: String,
    /// The SOAR API key, sent as `AppKey`.
    pub api_key: SecretSource,
    /// `closeReason` when closing a case.
    #[serde(default)]
    pub close_reason: CloseReason,
    /// `rootCause` when closing a case; must exist in the SOAR's settings.
    #[serde(default = "default_root_cause")]
    pub root_cause: String,
    /// How many days back related and duplicate cases are searched.
    #[serde(default = "default_lookback")]
    pub lookback_days: u32,
    /// At most this many cases are read in full per search.
    #[serde(default = "default_max_scanned")]
    pub max_cases_scanned: usize,
    /// SQLite file holding approvals and the action journal (the SOAR has no place for them).
    #[serde(default)]
    pub journal_db: Option<PathBuf>,
    /// Timeouts and retries.
    #[serde(default)]
    pub http: HttpSettings,
}

impl SecOpsSoarConfig {
    /// A configuration with defaults for everything but the URL and key source.
    pub fn new(base_url: impl Into<String>, api_key: SecretSource) -> Self {
        SecOpsSoarConfig {
            base_url: base_url.into(),
            api_key,
            close_reason: CloseReason::default(),
            root_cause: default_root_cause(),
            lookback_days: default_lookback(),
            max_cases_scanned: default_max_scanned(),
            journal_db: None,
            http: HttpSettings::default(),
        }
    }
}

/// The Google SecOps SOAR.
#[derive(Clone)]
pub struct SecOpsSoar {
    http: HttpClient,
    config: SecOpsSoarConfig,
    clock: Arc<dyn Clock>,
    journal: Option<JournalStore>,
}

/// Where approvals and the journal live.
#[derive(Clone)]
enum JournalStore {
    /// `journal_db`: the local case store, which needs a mirror row per case.
    Sqlite(Arc<SqliteCaseStore>),
    /// Any other store given with [`SecOpsSoar::with_journal`].
    Other(Arc<dyn Soar>),
}

impl std::fmt::Debug for SecOpsSoar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecOpsSoar").field("http", &self.http).field("journal", &self.journal.is_some()).finish()
    }
}

fn case_number(op: &str, case: &CaseId) -> Result<u64> {
    case.as_str()
        .parse()
        .map_err(|_| ConnectorError::new(ErrorKind::Invalid, op).with_detail("SOAR case ids are integers"))
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An id the SOAR sends as a number or a string.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// Maps `GetCaseFullDetails` (camelCase; the shape is large and unstable, so read leniently).
fn case_from_details(v: &Value) -> Result<Case> {
    let op = "secops_soar.get_case";
    let id = v
        .get("id")
        .and_then(id_text)
        .ok_or_else(|| ConnectorError::new(ErrorKind::Decode, op).with_detail("case details without an id"))?;
    let status = match v.get("status") {
        Some(Value::Number(n)) if n.as_u64() == Some(2) => CaseStatus::Closed,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("closed") => CaseStatus::Closed,
        _ => CaseStatus::Open,
    };
    let alerts = v.get("alerts").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut alert_ids = Vec::new();
    let mut user = None;
    for alert in &alerts {
        let group = alert.pointer("/additionalProperties/alertGroupIdentifier").and_then(Value::as_str);
        if let Some(id) = group.or_else(|| alert.get("identifier").and_then(Value::as_str)) {
            if !alert_ids.iter().any(|a| a == id) {
                alert_ids.push(id.to_owned());
            }
        }
        let entities = alert.get("domainEntities").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        if user.is_none() {
            user = entities
                .iter()
                .find(|e| e.get("entityType").and_then(Value::as_str) == Some("USERUNIQNAME"))
                .and_then(|e| e.get("identifier").and_then(Value::as_str))
                .map(UserId::new);
        }
    }
    let created_at = v
        .get("creationTimeUnixTimeInMs")
        .and_then(Value::as_i64)
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let description = v
        .get("description")
        .and_then(Value::as_str)
        .or_else(|| alerts.first().and_then(|a| a.get("name")).and_then(Value::as_str))
        .map(str::to_owned);
    Ok(Case {
        id: CaseId(id),
        title: v.get("title").and_then(Value::as_str).unwrap_or_default().to_owned(),
        user,
        status,
        alert_ids,
        description,
        created_at,
    })
}

#[derive(Deserialize)]
struct SearchPage {
    #[serde(default)]
    results: Vec<Value>,
}

impl SecOpsSoar {
    /// Builds the connector with the real sleeper, clock and jitter, opening `journal_db` if set.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`] for a bad URL or unreadable key; [`ErrorKind::Storage`] when the
    /// journal file cannot be opened.
    pub fn from_config(config: &SecOpsSoarConfig) -> Result<Self> {
        SecOpsSoar::with_deps(config, HttpDeps::default())
    }

    /// Builds the connector with injected dependencies (tests).
    pub fn with_deps(config: &SecOpsSoarConfig, deps: HttpDeps) -> Result<Self> {
        config.api_key.resolve("secops_soar.config")?;
        let clock = deps.clock.clone();
        let http = HttpClient::new("secops_soar", &config.base_url, config.http.clone(), deps)?.with_secret_source(
            "appkey",
            None,
            config.api_key.clone(),
        );
        let journal = match &config.journal_db {
            Some(path) => Some(JournalStore::Sqlite(Arc::new(SqliteCaseStore::open(path)?))),
            None => None,
        };
        Ok(SecOpsSoar { http, config: config.clone(), clock, journal })
    }

    /// Keeps approvals and the journal in `journal` instead of `journal_db`.
    pub fn with_journal(mut self, journal: Arc<dyn Soar>) -> Self {
        self.journal = Some(JournalStore::Other(journal));
        self
    }

    fn search_request(&self, op: &str, page: usize, page_size: usize) -> Request {
        let end = self.clock.now();
        let start = end - Duration::days(i64::from(self.config.lookback_days));
        Request::post(op, &["api", "external", "v1", "search", "CaseSearchEverything"])
            .query("format", "camel")
            .json(json!({
                "tags": [], "ruleGenerator": [], "caseSource": [], "stage": [], "environments": [],
                "assignedUsers": [], "products": [], "ports": [], "categoryOutcomes": [], "status": [],
                "caseIds": [], "incident": [], "importance": [], "priorities": [],
                "pageSize": page_size, "isCaseClosed": false, "title": "",
                "startTime": rfc3339(start), "endTime": rfc3339(end),
                "requestedPage": page, "timeRangeFilter": 0,
            }))
            // A search changes nothing: safe to repeat.
            .idempotency(Idempotency::Safe)
    }

    /// Open cases of the look-back window, in full, page after page (`requestedPage` 0, 1, ...
    /// until an empty page), at most `max_cases_scanned`.
    async fn open_cases(&self, op: &str, except: Option<&CaseId>) -> Result<Vec<Case>> {
        let mut cases = Vec::new();
        let mut seen = BTreeSet::new();
        for page in 0.. {
            let found: SearchPage = self.http.send_json(self.search_request(op, page, PAGE_SIZE)).await?;
            if found.results.is_empty() {
                break;
            }
            for id in found.results.iter().filter_map(|r| r.get("id").and_then(id_text)) {
                if seen.len() >= self.config.max_cases_scanned {
                    return Ok(cases);
                }
                if except.is_some_and(|c| c.as_str() == id) || !seen.insert(id.clone()) {
                    continue;
                }
                let case = self.get_case(&CaseId(id)).await?;
                if case.status.is_open() {
                    cases.push(case);
                }
            }
        }
        Ok(cases)
    }

    /// The journal store, with a local mirror row for `case` when it is `journal_db` (the
    /// local store keeps journal entries per known case).
    async fn journal_store(&self, op: &str, case: &CaseId) -> Result<Arc<dyn Soar>> {
        match &self.journal {
            None => Err(ConnectorError::new(ErrorKind::Unsupported, op)
                .with_detail("set journal_db: the SOAR keeps no action journal")),
            Some(JournalStore::Other(store)) => Ok(store.clone()),
            Some(JournalStore::Sqlite(store)) => {
                match store.get_case(case).await {
                    Ok(_) => {}
                    Err(e) if e.is_not_found() => {
                        let mirror = NewCase {
                            id: case.clone(),
                            title: format!("Google SecOps SOAR case {case}"),
                            user: None,
                            alert_ids: Vec::new(),
                            description: None,
                            created_at: self.clock.now(),
                        };
                        match store.create_case(mirror).await {
                            Err(e) if e.kind() != ErrorKind::Conflict => return Err(e),
                            _ => {}
                        }
                    }
                    Err(e) => return Err(e),
                }
                Ok(store.clone())
            }
        }
    }
}

fn summary(case: Case, similarity: Similarity) -> CaseSummary {
    CaseSummary { id: case.id, title: case.title, status: case.status, created_at: case.created_at, similarity }
}

#[async_trait]
impl Soar for SecOpsSoar {
    async fn get_case(&self, case: &CaseId) -> Result<Case> {
        let op = "secops_soar.get_case";
        let n = case_number(op, case)?;
        let req = Request::get(op, &["api", "external", "v1", "cases", "GetCaseFullDetails", &n.to_string()])
            .query("format", "camel");
        let details: Value = self.http.send_json(req).await?;
        case_from_details(&details)
    }

    /// Open cases sharing an alert group identifier (duplicates) or the user.
    async fn find_similar_cases(&self, case: &Case) -> Result<Vec<CaseSummary>> {
        let op = "secops_soar.find_similar_cases";
        let mut out = Vec::new();
        for other in self.open_cases(op, Some(&case.id)).await? {
            if other.alert_ids.iter().any(|a| case.alert_ids.contains(a)) {
                out.push(summary(other, Similarity::SameAlert));
            } else if other.user.is_some() && other.user == case.user {
                out.push(summary(other, Similarity::SameUser));
            }
        }
        Ok(out)
    }

    async fn find_related_open_cases(&self, user: &UserId) -> Result<Vec<CaseSummary>> {
        let op = "secops_soar.find_related_open_cases";
        let cases = self.open_cases(op, None).await?;
        Ok(cases
            .into_iter()
            .filter(|c| c.user.as_ref() == Some(user))
            .map(|c| summary(c, Similarity::SameUser))
            .collect())
    }

    /// The SOAR answers with an empty body, so the comment id is empty unless it sends one.
    async fn post_comment(&self, case: &CaseId, body: &str, _at: DateTime<Utc>) -> Result<CommentId> {
        let op = "secops_soar.post_comment";
        let n = case_number(op, case)?;
        let req = Request::post(op, &["api", "external", "v1", "cases", "comments"])
            .query("format", "snake")
            .json(json!({"case_id": n, "alert_identifier": null, "comment": body}));
        let resp = self.http.send(req).await?;
        let id =
            if resp.is_empty() { None } else { resp.json::<Value>().ok().and_then(|v| v.get("id").and_then(id_text)) };
        Ok(CommentId(id.unwrap_or_default()))
    }

    /// Posts the decision as a case comment (the SOAR's audit trail) and, when a journal store
    /// is configured, records it there too.
    async fn record_approval(&self, approval: &ApprovalRecord) -> Result<()> {
        let decision = match approval.decision {
            ApprovalDecision::Approved => "approved",
            ApprovalDecision::Rejected => "rejected",
        };
        let mut text = format!(
            "irp approval: {decision} `{}` by {} at {}",
            approval.action,
            approval.approver,
            rfc3339(approval.decided_at)
        );
        if let Some(note) = &approval.note {
            text.push_str(&format!(" ({note})"));
        }
        self.post_comment(&approval.case_id, &text, approval.decided_at).await?;
        if self.journal.is_some() {
            self.journal_store("secops_soar.record_approval", &approval.case_id)
                .await?
                .record_approval(approval)
                .await?;
        }
        Ok(())
    }

    async fn close_case(&self, case: &CaseId, reason: &str, _at: DateTime<Utc>) -> Result<()> {
        let op = "secops_soar.close_case";
        let n = case_number(op, case)?;
        let req =
            Request::post(op, &["api", "external", "v1", "cases-queue", "bulk-operations", "ExecuteBulkCloseCase"])
                .json(json!({
                    "casesIds": [n],
                    "closeReason": self.config.close_reason.code(),
                    "rootCause": self.config.root_cause,
                    "closeComment": reason,
                }));
        self.http.send(req).await.map(drop)
    }

    async fn append_journal(&self, entry: &JournalEntry) -> Result<u64> {
        self.journal_store("secops_soar.append_journal", &entry.case_id).await?.append_journal(entry).await
    }

    async fn journal(&self, case: &CaseId) -> Result<Vec<JournalEntry>> {
        self.journal_store("secops_soar.journal", case).await?.journal(case).await
    }

    async fn health_check(&self) -> Result<Health> {
        let _: SearchPage = self.http.send_json(self.search_request("secops_soar.health_check", 0, 1)).await?;
        Ok(Health::new("secops-soar", format!("case search allowed at {}", self.http.base())))
    }
}
