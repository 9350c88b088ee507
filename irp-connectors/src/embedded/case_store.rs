//! A SQLite file as the SOAR: cases, comments, approvals and the append-only action journal.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use irp_core::evidence::UserId;
use irp_core::incident::IncidentInputs;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::{ConnectorError, ErrorKind, Result};
use crate::ports::{
    ApprovalDecision, ApprovalRecord, Case, CaseId, CaseStatus, CaseSummary, CommentId, Health, JournalEntry,
    JournalStatus, Similarity, Soar,
};

/// The schema version this code writes, kept in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 1;

/// Schema v1. The journal refuses UPDATE and DELETE in the database itself, so no code path
/// (ours or a hand-run `sqlite3`) can rewrite history.
const SCHEMA_V1: &str = "
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    user TEXT,
    status TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL,
    closed_at TEXT,
    close_reason TEXT
);
CREATE INDEX cases_user ON cases(user);
CREATE TABLE case_alerts (
    case_id TEXT NOT NULL REFERENCES cases(id),
    alert_id TEXT NOT NULL,
    PRIMARY KEY (case_id, alert_id)
);
CREATE INDEX case_alerts_alert ON case_alerts(alert_id);
CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL REFERENCES cases(id),
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL REFERENCES cases(id),
    action_key TEXT NOT NULL,
    action TEXT NOT NULL,
    approver TEXT NOT NULL,
    decision TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    expires_at TEXT,
    note TEXT
);
CREATE TABLE journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL REFERENCES cases(id),
    idempotency_key TEXT NOT NULL,
    status TEXT NOT NULL,
    action TEXT NOT NULL,
    state_before TEXT,
    state_after TEXT,
    detail TEXT,
    at TEXT NOT NULL
);
CREATE INDEX journal_case_key ON journal(case_id, idempotency_key);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
";

/// A case to create in the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewCase {
    /// Case id (the caller's: it usually comes from the alerting system).
    pub id: CaseId,
    /// Title.
    pub title: String,
    /// The user the case is about.
    pub user: Option<UserId>,
    /// Alert group identifiers.
    pub alert_ids: Vec<String>,
    /// Initial alert details.
    pub description: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl NewCase {
    /// An open case about `user`.
    pub fn new(id: &str, title: impl Into<String>, user: &str, created_at: DateTime<Utc>) -> Self {
        NewCase {
            id: CaseId(id.to_owned()),
            title: title.into(),
            user: Some(UserId::new(user)),
            alert_ids: Vec::new(),
            description: None,
            created_at,
        }
    }

    /// Sets the alert group identifiers.
    pub fn with_alert_ids<S: Into<String>>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.alert_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the initial alert details.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// A comment as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Comment {
    /// Comment id.
    pub id: CommentId,
    /// Markdown body.
    pub body: String,
    /// When it was posted.
    pub at: DateTime<Utc>,
}

/// The SQLite case store.
///
/// One connection behind a mutex; each call runs on the blocking thread pool. Every write that
/// touches more than one row runs in one transaction, so a crash leaves either all of a record
/// or none of it. Durability is `synchronous = FULL` because the journal is the evidence that
/// an action ran.
///
/// ```no_run
/// # async fn demo() -> Result<(), irp_connectors::ConnectorError> {
/// use irp_connectors::embedded::{NewCase, SqliteCaseStore};
/// let store = SqliteCaseStore::open("irp-cases.sqlite")?;
/// # let now = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
/// store.create_case(NewCase::new("CASE-1", "Impossible travel", "alice@example.com", now)).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct SqliteCaseStore {
    conn: Arc<Mutex<Connection>>,
}

fn ts(t: DateTime<Utc>) -> String {
    // Fixed-width UTC text so SQL ordering is chronological ordering.
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(column: usize, text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e)))
}

fn bad_column(column: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, format!("unknown {what}").into())
}

fn sql_error(operation: &str, e: rusqlite::Error) -> ConnectorError {
    let kind = match e.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => ErrorKind::Conflict,
        _ => ErrorKind::Storage,
    };
    ConnectorError::new(kind, operation).with_source(e)
}

fn json_text(value: &serde_json::Value) -> String {
    value.to_string()
}

fn parse_json(column: usize, text: Option<String>) -> rusqlite::Result<Option<serde_json::Value>> {
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e)))
    })
    .transpose()
}

fn decision_name(decision: ApprovalDecision) -> &'static str {
    match decision {
        ApprovalDecision::Approved => "approved",
        ApprovalDecision::Rejected => "rejected",
    }
}

fn similarity_rank(s: Similarity) -> u8 {
    match s {
        Similarity::SameAlert => 0,
        Similarity::SameUser => 1,
    }
}

impl SqliteCaseStore {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Storage`] when the file cannot be opened, and
    /// [`ErrorKind::Conflict`] when it was written by a newer schema version.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let conn = Connection::open(path).map_err(|e| sql_error("sqlite.open", e))?;
        Self::init(conn)
    }

    /// A store that lives in memory only (tests, dry runs).
    pub fn in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(|e| sql_error("sqlite.open", e))?;
        Self::init(conn)
    }

    fn init(mut conn: Connection) -> Result<Self> {
        const OP: &str = "sqlite.migrate";
        conn.pragma_update(None, "foreign_keys", true).map_err(|e| sql_error(OP, e))?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(|e| sql_error(OP, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| sql_error(OP, e))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| sql_error(OP, e))?;
        if version > SCHEMA_VERSION {
            return Err(ConnectorError::new(ErrorKind::Conflict, OP)
                .with_detail(format!("schema version {version} is newer than {SCHEMA_VERSION}: upgrade irp")));
        }
        if version < 1 {
            // user_version is transactional in SQLite: the schema and its version land together.
            let tx = conn.transaction().map_err(|e| sql_error(OP, e))?;
            tx.execute_batch(SCHEMA_V1).map_err(|e| sql_error(OP, e))?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(|e| sql_error(OP, e))?;
            tx.commit().map_err(|e| sql_error(OP, e))?;
        }
        Ok(SqliteCaseStore { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `work` on the blocking pool with the connection.
    async fn with_conn<T, F>(&self, operation: &'static str, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = lock(&conn);
            work(&mut guard).map_err(|e| sql_error(operation, e))
        })
        .await
        .map_err(|e| ConnectorError::storage(operation, e))?
    }

    /// Creates a case with its alert identifiers, atomically.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Conflict`] when the id exists (or an alert id is repeated); nothing is written.
    pub async fn create_case(&self, case: NewCase) -> Result<()> {
        self.with_conn("sqlite.create_case", move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO cases (id, title, user, status, description, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    case.id.as_str(),
                    case.title,
                    case.user.as_ref().map(UserId::as_str),
                    CaseStatus::Open.name(),
                    case.description,
                    ts(case.created_at)
                ],
            )?;
            for alert in &case.alert_ids {
                tx.execute(
                    "INSERT INTO case_alerts (case_id, alert_id) VALUES (?1, ?2)",
                    params![case.id.as_str(), alert],
                )?;
            }
            tx.commit()
        })
        .await
    }

    /// Opens the case the runbook's inputs name, unless the store holds it already (the
    /// embedded store only knows the cases irp opened). True when it was created.
    ///
    /// # Errors
    ///
    /// A storage failure.
    pub async fn ensure_case(&self, inputs: &IncidentInputs, now: DateTime<Utc>) -> Result<bool> {
        match self.get_case(&inputs.case_id).await {
            Ok(_) => Ok(false),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let user = &inputs.user_id;
                let mut case = NewCase::new(
                    inputs.case_id.as_str(),
                    format!("Suspected compromise of {user}"),
                    user.as_str(),
                    now,
                )
                .with_alert_ids(inputs.alert_group_identifiers.iter().cloned());
                if let Some(details) = &inputs.initial_alert_details {
                    case = case.with_description(details.to_string());
                }
                self.create_case(case).await?;
                Ok(true)
            }
            Err(e) => Err(e),
        }
    }

    /// The case's comments, oldest first.
    pub async fn comments(&self, case: &CaseId) -> Result<Vec<Comment>> {
        let case = case.clone();
        self.with_conn("sqlite.comments", move |conn| {
            let mut stmt = conn.prepare("SELECT id, body, at FROM comments WHERE case_id = ?1 ORDER BY id")?;
            let rows = stmt.query_map([case.as_str()], |r| {
                let at: String = r.get(2)?;
                Ok(Comment { id: CommentId(r.get::<_, i64>(0)?.to_string()), body: r.get(1)?, at: parse_ts(2, &at)? })
            })?;
            rows.collect()
        })
        .await
    }

    /// The case's approval decisions, oldest first.
    pub async fn approvals(&self, case: &CaseId) -> Result<Vec<ApprovalRecord>> {
        let case = case.clone();
        self.with_conn("sqlite.approvals", move |conn| {
            let mut stmt = conn.prepare(
                "SELECT case_id, action_key, action, approver, decision, decided_at, expires_at, note
                 FROM approvals WHERE case_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([case.as_str()], |r| {
                let decision = match r.get::<_, String>(4)?.as_str() {
                    "approved" => ApprovalDecision::Approved,
                    "rejected" => ApprovalDecision::Rejected,
                    _ => return Err(bad_column(4, "decision")),
                };
                let decided_at: String = r.get(5)?;
                let expires_at: Option<String> = r.get(6)?;
                Ok(ApprovalRecord {
                    case_id: CaseId(r.get(0)?),
                    action_key: r.get(1)?,
                    action: r.get(2)?,
                    approver: r.get(3)?,
                    decision,
                    decided_at: parse_ts(5, &decided_at)?,
                    expires_at: expires_at.map(|t| parse_ts(6, &t)).transpose()?,
                    note: r.get(7)?,
                })
            })?;
            rows.collect()
        })
        .await
    }
}

fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock dropped its transaction (rolled back): the connection is sound.
    conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn case_from_row(tx: &Transaction<'_>, r: &Row<'_>) -> rusqlite::Result<Case> {
    let id: String = r.get(0)?;
    let status: String = r.get(3)?;
    let created_at: String = r.get(5)?;
    let mut stmt = tx.prepare_cached("SELECT alert_id FROM case_alerts WHERE case_id = ?1 ORDER BY alert_id")?;
    let alert_ids = stmt.query_map([&id], |a| a.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Case {
        id: CaseId(id),
        title: r.get(1)?,
        user: r.get::<_, Option<String>>(2)?.map(|u| UserId::new(&u)),
        status: CaseStatus::from_name(&status).ok_or_else(|| bad_column(3, "case status"))?,
        alert_ids,
        description: r.get(4)?,
        created_at: parse_ts(5, &created_at)?,
    })
}

fn summary_from_row(r: &Row<'_>, similarity: Similarity) -> rusqlite::Result<CaseSummary> {
    let status: String = r.get(2)?;
    let created_at: String = r.get(3)?;
    Ok(CaseSummary {
        id: CaseId(r.get(0)?),
        title: r.get(1)?,
        status: CaseStatus::from_name(&status).ok_or_else(|| bad_column(2, "case status"))?,
        created_at: parse_ts(3, &created_at)?,
        similarity,
    })
}

#[async_trait]
impl Soar for SqliteCaseStore {
    async fn get_case(&self, case: &CaseId) -> Result<Case> {
        let id = case.clone();
        let found = self
            .with_conn("sqlite.get_case", move |conn| {
                // One read transaction so the case and its alert ids are from the same snapshot.
                let tx = conn.transaction()?;
                let case = tx
                    .query_row(
                        "SELECT id, title, user, status, description, created_at FROM cases WHERE id = ?1",
                        [id.as_str()],
                        |r| case_from_row(&tx, r),
                    )
                    .optional()?;
                tx.commit()?;
                Ok(case)
            })
            .await?;
        found.ok_or_else(|| ConnectorError::not_found("sqlite.get_case", format!("case {case}")))
    }

    async fn find_similar_cases(&self, case: &Case) -> Result<Vec<CaseSummary>> {
        let case = case.clone();
        self.with_conn("sqlite.find_similar_cases", move |conn| {
            let mut found: Vec<CaseSummary> = Vec::new();
            let mut by_alert = conn.prepare(
                "SELECT DISTINCT c.id, c.title, c.status, c.created_at FROM cases c
                 JOIN case_alerts a ON a.case_id = c.id
                 WHERE a.alert_id = ?1 AND c.id <> ?2",
            )?;
            for alert in &case.alert_ids {
                for row in by_alert
                    .query_map(params![alert, case.id.as_str()], |r| summary_from_row(r, Similarity::SameAlert))?
                {
                    found.push(row?);
                }
            }
            if let Some(user) = &case.user {
                let mut by_user =
                    conn.prepare("SELECT id, title, status, created_at FROM cases WHERE user = ?1 AND id <> ?2")?;
                for row in by_user.query_map(params![user.as_str(), case.id.as_str()], |r| {
                    summary_from_row(r, Similarity::SameUser)
                })? {
                    found.push(row?);
                }
            }
            // One entry per case, its strongest reason first; then oldest first.
            found.sort_by(|a, b| {
                a.id.cmp(&b.id).then(similarity_rank(a.similarity).cmp(&similarity_rank(b.similarity)))
            });
            found.dedup_by(|later, first| later.id == first.id);
            found.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
            Ok(found)
        })
        .await
    }

    async fn find_related_open_cases(&self, user: &UserId) -> Result<Vec<CaseSummary>> {
        let user = user.clone();
        self.with_conn("sqlite.find_related_open_cases", move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, title, status, created_at FROM cases WHERE user = ?1 AND status <> ?2
                 ORDER BY created_at, id",
            )?;
            let rows = stmt.query_map(params![user.as_str(), CaseStatus::Closed.name()], |r| {
                summary_from_row(r, Similarity::SameUser)
            })?;
            rows.collect()
        })
        .await
    }

    async fn post_comment(&self, case: &CaseId, body: &str, at: DateTime<Utc>) -> Result<CommentId> {
        let (case_id, body) = (case.clone(), body.to_owned());
        let id = self
            .with_conn("sqlite.post_comment", move |conn| {
                conn.execute(
                    "INSERT INTO comments (case_id, body, at) VALUES (?1, ?2, ?3)",
                    params![case_id.as_str(), body, ts(at)],
                )?;
                Ok(conn.last_insert_rowid())
            })
            .await
            .map_err(|e| missing_case(e, case))?;
        Ok(CommentId(id.to_string()))
    }

    async fn record_approval(&self, approval: &ApprovalRecord) -> Result<()> {
        let a = approval.clone();
        self.with_conn("sqlite.record_approval", move |conn| {
            conn.execute(
                "INSERT INTO approvals (case_id, action_key, action, approver, decision, decided_at, expires_at, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    a.case_id.as_str(),
                    a.action_key,
                    a.action,
                    a.approver,
                    decision_name(a.decision),
                    ts(a.decided_at),
                    a.expires_at.map(ts),
                    a.note
                ],
            )?;
            Ok(())
        })
        .await
        .map_err(|e| missing_case(e, &approval.case_id))
    }

    async fn close_case(&self, case: &CaseId, reason: &str, at: DateTime<Utc>) -> Result<()> {
        let (id, reason) = (case.clone(), reason.to_owned());
        let closed = self
            .with_conn("sqlite.close_case", move |conn| {
                // Status change and closing comment land together or not at all.
                let tx = conn.transaction()?;
                let changed = tx.execute(
                    "UPDATE cases SET status = ?1, closed_at = ?2, close_reason = ?3 WHERE id = ?4",
                    params![CaseStatus::Closed.name(), ts(at), reason, id.as_str()],
                )?;
                if changed == 0 {
                    return Ok(false);
                }
                tx.execute(
                    "INSERT INTO comments (case_id, body, at) VALUES (?1, ?2, ?3)",
                    params![id.as_str(), format!("Case closed: {reason}"), ts(at)],
                )?;
                tx.commit()?;
                Ok(true)
            })
            .await?;
        if closed {
            Ok(())
        } else {
            Err(ConnectorError::not_found("sqlite.close_case", format!("case {case}")))
        }
    }

    async fn append_journal(&self, entry: &JournalEntry) -> Result<u64> {
        let e = entry.clone();
        let seq = self
            .with_conn("sqlite.append_journal", move |conn| {
                conn.execute(
                    "INSERT INTO journal (case_id, idempotency_key, status, action, state_before, state_after, detail, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        e.case_id.as_str(),
                        e.idempotency_key,
                        e.status.name(),
                        json_text(&e.action),
                        e.state_before.as_ref().map(json_text),
                        e.state_after.as_ref().map(json_text),
                        e.detail,
                        ts(e.at)
                    ],
                )?;
                Ok(conn.last_insert_rowid())
            })
            .await
            .map_err(|err| missing_case(err, &entry.case_id))?;
        u64::try_from(seq).map_err(|e| ConnectorError::storage("sqlite.append_journal", e))
    }

    async fn journal(&self, case: &CaseId) -> Result<Vec<JournalEntry>> {
        let case = case.clone();
        self.with_conn("sqlite.journal", move |conn| {
            let mut stmt = conn.prepare(
                "SELECT case_id, idempotency_key, status, action, state_before, state_after, detail, at
                 FROM journal WHERE case_id = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([case.as_str()], |r| {
                let status: String = r.get(2)?;
                let at: String = r.get(7)?;
                Ok(JournalEntry {
                    case_id: CaseId(r.get(0)?),
                    idempotency_key: r.get(1)?,
                    status: JournalStatus::from_name(&status).ok_or_else(|| bad_column(2, "journal status"))?,
                    action: parse_json(3, Some(r.get(3)?))?.unwrap_or_default(),
                    state_before: parse_json(4, r.get(4)?)?,
                    state_after: parse_json(5, r.get(5)?)?,
                    detail: r.get(6)?,
                    at: parse_ts(7, &at)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn health_check(&self) -> Result<Health> {
        let cases: i64 = self
            .with_conn("sqlite.health_check", |conn| conn.query_row("SELECT count(*) FROM cases", [], |r| r.get(0)))
            .await?;
        Ok(Health::new("sqlite-case-store", format!("schema v{SCHEMA_VERSION}, {cases} case(s)")))
    }
}

/// A foreign-key violation on insert means the case does not exist: say so.
fn missing_case(e: ConnectorError, case: &CaseId) -> ConnectorError {
    if e.kind() == ErrorKind::Conflict {
        ConnectorError::not_found(e.operation(), format!("case {case}"))
    } else {
        e
    }
}
