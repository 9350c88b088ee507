//! The Okta System Log (`GET /api/v1/logs`) as a [`Siem`]: a user's events in a bounded
//! window, page by page through `link: rel="next"`, parsed by irp-core's Okta parser.

use std::net::IpAddr;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use irp_core::evidence::parse::okta;
use irp_core::evidence::{Event, UserId};

use super::filter::{Attr, Filter};
use crate::error::Result;
use crate::http::{HttpClient, Request};
use crate::ports::{Cursor, EntitySummary, EventPage, EventPager, EventQuery, Health, Siem, TimeWindow};

/// Okta's largest page.
const MAX_LIMIT: usize = 1000;

/// The System Log event source. Build it with [`Okta::system_log`](super::Okta::system_log) or
/// [`OktaSystemLog::from_config`].
#[derive(Clone, Debug)]
pub struct OktaSystemLog {
    http: HttpClient,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl OktaSystemLog {
    pub(crate) fn new(http: HttpClient) -> Self {
        OktaSystemLog { http }
    }

    /// Builds the event source alone from an `[okta]` config.
    pub fn from_config(config: &super::OktaConfig) -> Result<Self> {
        Ok(OktaSystemLog::new(config.client(crate::http::HttpDeps::default())?))
    }

    /// The filter selecting what `user` did or had done to them.
    pub fn user_filter(user: &UserId) -> Filter {
        Filter::eq(Attr::ActorAlternateId, user.as_str()).or(Filter::eq(Attr::TargetAlternateId, user.as_str()))
    }
}

#[async_trait]
impl Siem for OktaSystemLog {
    /// A bounded query (`since` and `until` set, `sortOrder=ASCENDING`), so the last page has no
    /// `next` link. The cursor is Okta's own `next` URL, followed only on the configured origin.
    async fn search_events(&self, query: &EventQuery, cursor: Option<Cursor>) -> Result<EventPage> {
        let op = "okta.search_logs";
        let req = match cursor {
            Some(Cursor(url)) => Request::follow(op, url),
            None => Request::get(op, &["api", "v1", "logs"])
                .query("since", rfc3339(query.window.start))
                .query("until", rfc3339(query.window.end))
                .query("filter", Self::user_filter(&query.user).to_string())
                .query("sortOrder", "ASCENDING")
                .query("limit", query.page_size.clamp(1, MAX_LIMIT).to_string()),
        };
        let resp = self.http.send(req).await?;
        let records: Vec<serde_json::Value> = resp.json()?;
        let empty = records.is_empty();
        // A record the parser rejects or cannot attribute is skipped: one odd event must not
        // hide the others (the file readers count them; the API path has nowhere to report).
        let events: Vec<_> =
            records.iter().filter_map(|r| okta::parse(r).ok().flatten()).filter(|e| query.matches(e)).collect();
        // An empty page ends the walk even if a `next` link came with it (polling-style answers).
        let next = if empty { None } else { resp.next_link().map(Cursor) };
        Ok(EventPage::new(events, next))
    }

    async fn entity_summary(&self, user: &UserId, window: TimeWindow) -> Result<EntitySummary> {
        let events = EventPager::new(self, EventQuery::new(user.clone(), window)).collect_all().await?;
        Ok(EntitySummary::from_events(user, &events))
    }

    /// Every account's events from the IPs, page by page: `client.ipAddress eq "…" or …`.
    async fn events_from_sources(&self, ips: &[IpAddr], window: TimeWindow, limit: usize) -> Result<Vec<Event>> {
        let op = "okta.search_logs_by_source";
        let Some(filter) = ips.iter().map(|ip| Filter::eq(Attr::ClientIp, &ip.to_string())).reduce(Filter::or) else {
            return Ok(Vec::new());
        };
        let mut req = Request::get(op, &["api", "v1", "logs"])
            .query("since", rfc3339(window.start))
            .query("until", rfc3339(window.end))
            .query("filter", filter.to_string())
            .query("sortOrder", "ASCENDING")
            .query("limit", limit.clamp(1, MAX_LIMIT).to_string());
        let mut events = Vec::new();
        loop {
            let resp = self.http.send(req).await?;
            let records: Vec<serde_json::Value> = resp.json()?;
            events.extend(records.iter().filter_map(|r| okta::parse(r).ok().flatten()));
            match resp.next_link() {
                Some(url) if !records.is_empty() && events.len() < limit => req = Request::follow(op, url),
                _ => break,
            }
        }
        events.truncate(limit);
        Ok(events)
    }

    async fn health_check(&self) -> Result<Health> {
        let req = Request::get("okta.health_check", &["api", "v1", "logs"]).query("limit", "1");
        let _: Vec<serde_json::Value> = self.http.send_json(req).await?;
        Ok(Health::new("okta-system-log", format!("System Log readable at {}", self.http.base())))
    }
}
