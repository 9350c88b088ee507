//! The Entra sign-in log (`/auditLogs/signIns`) and directory audit log
//! (`/auditLogs/directoryAudits`) as one [`Siem`]: a user's records in a window, page by page
//! through `@odata.nextLink`, parsed by irp-core's Entra parser.

use std::net::IpAddr;

use async_trait::async_trait;
use irp_core::evidence::parse::entra;
use irp_core::evidence::{Event, UserId};

use super::model::Page;
use super::odata::{Filter, Prop};
use super::{need, Conn};
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::http::Request;
use crate::ports::{Cursor, EntitySummary, EventPage, EventPager, EventQuery, Health, Siem, TimeWindow};

/// Largest `$top` both logs accept.
const MAX_TOP: usize = 999;

/// Which log a cursor is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Log {
    SignIns,
    DirectoryAudits,
}

impl Log {
    fn tag(self) -> &'static str {
        match self {
            Log::SignIns => "signIns",
            Log::DirectoryAudits => "directoryAudits",
        }
    }
}

/// Sign-ins then directory audits. Build it with [`Graph::audit_log`](super::Graph::audit_log)
/// or [`GraphAuditLog::from_config`].
#[derive(Clone, Debug)]
pub struct GraphAuditLog {
    conn: Conn,
}

impl GraphAuditLog {
    pub(crate) fn new(conn: Conn) -> Self {
        GraphAuditLog { conn }
    }

    /// Builds the event source alone from a `[graph]` config.
    pub fn from_config(config: &super::GraphConfig) -> Result<Self> {
        Ok(GraphAuditLog::new(Conn::new(config, crate::http::HttpDeps::default())?))
    }

    /// `userPrincipalName eq '…' and createdDateTime ge … and createdDateTime lt …`.
    pub fn sign_in_filter(user: &UserId, window: TimeWindow) -> Filter {
        Filter::eq(Prop::UserPrincipalName, user.as_str())
            .and(Filter::ge(Prop::CreatedDateTime, window.start))
            .and(Filter::lt(Prop::CreatedDateTime, window.end))
    }

    /// Changes the user made or that were made to the user, in the window.
    pub fn audit_filter(user: &UserId, window: TimeWindow) -> Filter {
        Filter::ge(Prop::ActivityDateTime, window.start)
            .and(Filter::lt(Prop::ActivityDateTime, window.end))
            .and(Filter::eq(Prop::InitiatedByUpn, user.as_str()).or(Filter::any_target_upn(user.as_str())))
    }

    fn first(log: Log, query: &EventQuery) -> Request {
        let op = "graph.search_audit_logs";
        let filter = match log {
            Log::SignIns => Self::sign_in_filter(&query.user, query.window),
            Log::DirectoryAudits => Self::audit_filter(&query.user, query.window),
        };
        Request::get(op, &["auditLogs", log.tag()])
            .query("$filter", filter.to_string())
            .query("$top", query.page_size.clamp(1, MAX_TOP).to_string())
    }
}

/// Cursor text: `signIns <nextLink>`, `directoryAudits <nextLink>`, or `directoryAudits` to start
/// that log.
fn decode(cursor: &str) -> Option<(Log, Option<String>)> {
    let (tag, link) = match cursor.split_once(' ') {
        Some((t, l)) => (t, Some(l.to_owned())),
        None => (cursor, None),
    };
    let log = match tag {
        "signIns" => Log::SignIns,
        "directoryAudits" => Log::DirectoryAudits,
        _ => return None,
    };
    Some((log, link))
}

#[async_trait]
impl Siem for GraphAuditLog {
    /// Walks the sign-ins, then the directory audits, each to its last `@odata.nextLink` (a page
    /// may be empty and still have one). Links are followed only on the configured origin.
    async fn search_events(&self, query: &EventQuery, cursor: Option<Cursor>) -> Result<EventPage> {
        let op = "graph.search_audit_logs";
        let (log, link) = match cursor {
            None => (Log::SignIns, None),
            Some(Cursor(c)) => decode(&c)
                .ok_or_else(|| ConnectorError::new(ErrorKind::Invalid, op).with_detail("not a Graph audit cursor"))?,
        };
        let req = match link {
            Some(url) => Request::follow(op, url),
            None => Self::first(log, query),
        };
        let permission = match log {
            Log::SignIns => "AuditLog.Read.All and Directory.Read.All",
            Log::DirectoryAudits => "AuditLog.Read.All",
        };
        let page: Page<serde_json::Value> = self.conn.send_json(req).await.map_err(need(permission))?;
        // A record the parser rejects or cannot attribute is skipped: one odd record must not
        // hide the others.
        let events =
            page.value.iter().filter_map(|r| entra::parse(r).ok().flatten()).filter(|e| query.matches(e)).collect();
        let next = match (page.next_link, log) {
            (Some(url), log) => Some(Cursor(format!("{} {url}", log.tag()))),
            (None, Log::SignIns) => Some(Cursor(Log::DirectoryAudits.tag().to_owned())),
            (None, Log::DirectoryAudits) => None,
        };
        Ok(EventPage::new(events, next))
    }

    async fn entity_summary(&self, user: &UserId, window: TimeWindow) -> Result<EntitySummary> {
        let events = EventPager::new(self, EventQuery::new(user.clone(), window)).collect_all().await?;
        Ok(EntitySummary::from_events(user, &events))
    }

    /// Every account's sign-ins from the IPs (`ipAddress eq '…' or …` in the window), following
    /// `@odata.nextLink` until `limit`.
    async fn events_from_sources(&self, ips: &[IpAddr], window: TimeWindow, limit: usize) -> Result<Vec<Event>> {
        let op = "graph.search_sign_ins_by_source";
        let Some(sources) = ips.iter().map(|ip| Filter::eq(Prop::IpAddress, &ip.to_string())).reduce(Filter::or) else {
            return Ok(Vec::new());
        };
        let filter = sources
            .and(Filter::ge(Prop::CreatedDateTime, window.start))
            .and(Filter::lt(Prop::CreatedDateTime, window.end));
        let mut req = Request::get(op, &["auditLogs", "signIns"])
            .query("$filter", filter.to_string())
            .query("$top", limit.clamp(1, MAX_TOP).to_string());
        let mut events = Vec::new();
        loop {
            let page: Page<serde_json::Value> =
                self.conn.send_json(req).await.map_err(need("AuditLog.Read.All and Directory.Read.All"))?;
            events.extend(page.value.iter().filter_map(|r| entra::parse(r).ok().flatten()));
            match page.next_link {
                Some(url) if events.len() < limit => req = Request::follow(op, url),
                _ => break,
            }
        }
        events.truncate(limit);
        Ok(events)
    }

    async fn health_check(&self) -> Result<Health> {
        let req = Request::get("graph.health_check", &["auditLogs", "signIns"]).query("$top", "1");
        let _: Page<serde_json::Value> =
            self.conn.send_json(req).await.map_err(need("AuditLog.Read.All and Directory.Read.All"))?;
        Ok(Health::new("graph-audit-log", format!("sign-in log readable at {}", self.conn.base())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        assert_eq!(decode("directoryAudits"), Some((Log::DirectoryAudits, None)));
        assert_eq!(
            decode("signIns https://g/v1.0/auditLogs/signIns?$skiptoken=a b"),
            Some((Log::SignIns, Some("https://g/v1.0/auditLogs/signIns?$skiptoken=a b".into())))
        );
        assert_eq!(decode("other x"), None);
    }
}
