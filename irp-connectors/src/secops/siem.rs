//! Google SecOps (Chronicle) SIEM: `:udmSearch` and `:summarizeEntitiesFromQuery`.

use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use irp_core::evidence::parse::udm;
use irp_core::evidence::{Event, UserId};
use serde::Deserialize;

use super::udm::{Field, Query};
use crate::clock::Clock;
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::http::pagination::WindowQueue;
use crate::http::{HttpClient, HttpDeps, HttpSettings, Request, SecretSource};
use crate::ports::{Cursor, EntitySummary, EventPage, EventPager, EventQuery, Health, Siem, TimeWindow};

/// `:udmSearch` coerces larger limits to this.
const MAX_LIMIT: usize = 10_000;

fn default_version() -> String {
    "v1alpha".to_owned()
}

/// The `[secops_siem]` configuration.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SecOpsSiemConfig {
    /// `https://{region}-chronicle.googleapis.com` (or a proxy / test double, path prefix allowed).
    pub base_url: String,
    /// `projects/{project}/locations/{region}/instances/{customerId}`.
    pub instance: String,
    /// `v1alpha` (default) or `v1beta`.
    #[serde(default = "default_version")]
    pub api_version: String,
    /// A Google OAuth access token (scope `cloud-platform`), read again on every request so an
    /// outside refresher (`gcloud auth print-access-token > file`) keeps it current.
    pub token: SecretSource,
    /// Timeouts and retries.
    #[serde(default)]
    pub http: HttpSettings,
}

impl SecOpsSiemConfig {
    /// A configuration with default version and HTTP settings.
    pub fn new(base_url: impl Into<String>, instance: impl Into<String>, token: SecretSource) -> Self {
        SecOpsSiemConfig {
            base_url: base_url.into(),
            instance: instance.into(),
            api_version: default_version(),
            token,
            http: HttpSettings::default(),
        }
    }
}

/// The Google SecOps SIEM.
#[derive(Clone)]
pub struct SecOpsSiem {
    http: HttpClient,
    /// `[version, projects, p, locations, l, instances, i]`.
    instance: Vec<String>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SecOpsSiem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecOpsSiem").field("http", &self.http).field("instance", &self.instance.join("/")).finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchResponse {
    #[serde(default)]
    events: Vec<serde_json::Value>,
    #[serde(default, alias = "more_data_available")]
    more_data_available: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntityResponse {
    #[serde(default, alias = "entity_summaries")]
    entity_summaries: Vec<EntityGroup>,
}

#[derive(Deserialize)]
struct EntityGroup {
    #[serde(default)]
    entity: Vec<EntityEntry>,
}

#[derive(Deserialize)]
struct EntityEntry {
    #[serde(default)]
    metric: Option<Metric>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metric {
    #[serde(default)]
    first_seen: Option<DateTime<Utc>>,
    #[serde(default)]
    last_seen: Option<DateTime<Utc>>,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl SecOpsSiem {
    /// Builds the connector with the real sleeper, clock and jitter.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`] for a bad URL, instance name or unreadable token.
    pub fn from_config(config: &SecOpsSiemConfig) -> Result<Self> {
        SecOpsSiem::with_deps(config, HttpDeps::default())
    }

    /// Builds the connector with injected dependencies (tests).
    pub fn with_deps(config: &SecOpsSiemConfig, deps: HttpDeps) -> Result<Self> {
        let op = "secops_siem.config";
        let parts: Vec<&str> = config.instance.split('/').collect();
        let well_formed = parts.len() == 6
            && parts[0] == "projects"
            && parts[2] == "locations"
            && parts[4] == "instances"
            && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
        if !well_formed {
            return Err(ConnectorError::new(ErrorKind::Invalid, op)
                .with_detail("instance must be projects/{project}/locations/{region}/instances/{customerId}"));
        }
        if !matches!(config.api_version.as_str(), "v1alpha" | "v1beta" | "v1") {
            return Err(
                ConnectorError::new(ErrorKind::Invalid, op).with_detail("api_version must be v1alpha, v1beta or v1")
            );
        }
        config.token.resolve(op)?;
        let clock = deps.clock.clone();
        let http = HttpClient::new("secops_siem", &config.base_url, config.http.clone(), deps)?.with_secret_source(
            "authorization",
            Some("Bearer"),
            config.token.clone(),
        );
        let mut instance = vec![config.api_version.clone()];
        instance.extend(parts.iter().map(|p| (*p).to_owned()));
        Ok(SecOpsSiem { http, instance, clock })
    }

    /// `{version}/{instance}:{method}` as path segments.
    fn method(&self, method: &str) -> Vec<String> {
        let mut s = self.instance.clone();
        if let Some(last) = s.last_mut() {
            last.push(':');
            last.push_str(method);
        }
        s
    }

    fn search_request(&self, op: &str, query: &Query, window: TimeWindow, limit: usize) -> Request {
        Request::get(op, &self.method("udmSearch"))
            .query("query", query.to_string())
            .query("timeRange.startTime", rfc3339(window.start))
            .query("timeRange.endTime", rfc3339(window.end))
            .query("limit", limit.clamp(1, MAX_LIMIT).to_string())
    }
}

#[async_trait]
impl Siem for SecOpsSiem {
    /// UDM search has no page token: when it answers `moreDataAvailable`, the window is split in
    /// halves and each half searched on its own, oldest first; each page is one complete window.
    /// The cursor lists the windows still to search. A window under two seconds that still
    /// overflows is returned truncated.
    async fn search_events(&self, query: &EventQuery, cursor: Option<Cursor>) -> Result<EventPage> {
        let op = "secops_siem.udm_search";
        let mut queue = match cursor {
            None => WindowQueue::new(query.window),
            Some(Cursor(c)) => WindowQueue::decode(&c)
                .ok_or_else(|| ConnectorError::new(ErrorKind::Invalid, op).with_detail("not a UDM search cursor"))?,
        };
        let udm_query = Query::user(query.user.as_str())?;
        while let Some(window) = queue.pop() {
            let resp: SearchResponse =
                self.http.send_json(self.search_request(op, &udm_query, window, query.page_size)).await?;
            if resp.more_data_available && queue.split_front(window) {
                continue;
            }
            let events =
                resp.events.iter().filter_map(|e| udm::parse(e).ok().flatten()).filter(|e| query.matches(e)).collect();
            return Ok(EventPage::new(events, queue.encode().map(Cursor)));
        }
        Ok(EventPage::default())
    }

    /// Every account's events with `principal.ip` one of `ips`, window-split like
    /// [`search_events`](Self::search_events) until `limit` events.
    async fn events_from_sources(&self, ips: &[IpAddr], window: TimeWindow, limit: usize) -> Result<Vec<Event>> {
        let op = "secops_siem.udm_search_by_source";
        if ips.is_empty() {
            return Ok(Vec::new());
        }
        let query = Query::any(
            ips.iter().map(|ip| Query::eq(Field::PRINCIPAL_IP, &ip.to_string(), false)).collect::<Result<Vec<_>>>()?,
        );
        let mut queue = WindowQueue::new(window);
        let mut events = Vec::new();
        while let Some(part) = queue.pop() {
            let resp: SearchResponse = self.http.send_json(self.search_request(op, &query, part, limit)).await?;
            if resp.more_data_available && queue.split_front(part) {
                continue;
            }
            events.extend(resp.events.iter().filter_map(|e| udm::parse(e).ok().flatten()));
            if events.len() >= limit {
                break;
            }
        }
        events.truncate(limit);
        Ok(events)
    }

    /// Counts, IPs and countries from the user's events; first and last seen widened by
    /// `:summarizeEntitiesFromQuery` (which knows the entity beyond the window's events).
    async fn entity_summary(&self, user: &UserId, window: TimeWindow) -> Result<EntitySummary> {
        let op = "secops_siem.entity_summary";
        let field = if user.as_str().contains('@') { Field::EMAIL } else { Field::USER_USERID };
        let req = Request::get(op, &self.method("summarizeEntitiesFromQuery"))
            .query("query", Query::eq(field, user.as_str(), false)?.to_string())
            .query("timeRange.startTime", rfc3339(window.start))
            .query("timeRange.endTime", rfc3339(window.end));
        let entities: EntityResponse = self.http.send_json(req).await?;
        let events = EventPager::new(self, EventQuery::new(user.clone(), window)).collect_all().await?;
        let mut summary = EntitySummary::from_events(user, &events);
        for metric in entities.entity_summaries.iter().flat_map(|g| &g.entity).filter_map(|e| e.metric.as_ref()) {
            if let Some(t) = metric.first_seen {
                summary.first_seen = Some(summary.first_seen.map_or(t, |s| s.min(t)));
            }
            if let Some(t) = metric.last_seen {
                summary.last_seen = Some(summary.last_seen.map_or(t, |s| s.max(t)));
            }
        }
        Ok(summary)
    }

    /// One `USER_LOGIN` search over the last minute with `limit=1`: proves the token, the
    /// instance name and the `chronicle.events.udmSearch` permission.
    async fn health_check(&self) -> Result<Health> {
        let now = self.clock.now();
        let window = TimeWindow::new(now - Duration::minutes(1), now);
        let query = Query::eq_enum(Field::EVENT_TYPE, "USER_LOGIN");
        let _: SearchResponse =
            self.http.send_json(self.search_request("secops_siem.health_check", &query, window, 1)).await?;
        Ok(Health::new("secops-siem", format!("UDM search allowed on {}", self.instance[1..].join("/"))))
    }
}
