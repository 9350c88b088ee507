//! The SIEM port: a user's events in a time window, page by page.

use std::collections::BTreeSet;
use std::net::IpAddr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use irp_core::evidence::{Event, UserId};
use serde::{Deserialize, Serialize};

use super::Health;
use crate::error::Result;

/// A half-open time window `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    /// First instant included.
    pub start: DateTime<Utc>,
    /// First instant excluded.
    pub end: DateTime<Utc>,
}

impl TimeWindow {
    /// The window `[start, end)`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        TimeWindow { start, end }
    }

    /// True when `t` is inside the window.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }
}

/// What to search for: one user's events in a window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventQuery {
    /// Whose events (matched on [`Event::user`], and on [`Event::actor`] so changes the user
    /// made to others are found too).
    pub user: UserId,
    /// When.
    pub window: TimeWindow,
    /// At most this many events per page.
    pub page_size: usize,
}

impl EventQuery {
    /// Default page size: large enough that a 96 h look-back is usually one page, small enough
    /// to bound memory per call.
    pub const DEFAULT_PAGE_SIZE: usize = 5_000;

    /// A query for `user` in `window` with the default page size.
    pub fn new(user: UserId, window: TimeWindow) -> Self {
        EventQuery { user, window, page_size: Self::DEFAULT_PAGE_SIZE }
    }

    /// Sets the page size (at least 1).
    pub fn with_page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// True when `event` answers this query.
    pub fn matches(&self, event: &Event) -> bool {
        self.window.contains(event.time) && (event.user == self.user || event.actor.as_ref() == Some(&self.user))
    }
}

/// An opaque position in a result set, returned by one page and passed back for the next.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(pub String);

/// One page of results.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventPage {
    /// The events on this page, in the SIEM's order.
    pub events: Vec<Event>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

impl EventPage {
    /// A page.
    pub fn new(events: Vec<Event>, next: Option<Cursor>) -> Self {
        EventPage { events, next }
    }
}

/// What the SIEM knows about one user in a window, without the events themselves.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EntitySummary {
    /// The user.
    pub user: Option<UserId>,
    /// Events found.
    pub event_count: u64,
    /// Earliest event.
    pub first_seen: Option<DateTime<Utc>>,
    /// Latest event.
    pub last_seen: Option<DateTime<Utc>>,
    /// Distinct client IPs, sorted.
    pub ips: Vec<IpAddr>,
    /// Distinct countries, sorted.
    pub countries: Vec<String>,
}

impl EntitySummary {
    /// Summarises `events` of `user`.
    pub fn from_events<'a>(user: &UserId, events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut summary = EntitySummary { user: Some(user.clone()), ..EntitySummary::default() };
        let mut ips = BTreeSet::new();
        let mut countries = BTreeSet::new();
        for event in events {
            summary.event_count += 1;
            summary.first_seen = Some(summary.first_seen.map_or(event.time, |t| t.min(event.time)));
            summary.last_seen = Some(summary.last_seen.map_or(event.time, |t| t.max(event.time)));
            ips.extend(event.network.ip);
            countries.extend(event.country().map(str::to_owned));
        }
        summary.ips = ips.into_iter().collect();
        summary.countries = countries.into_iter().collect();
        summary
    }
}

/// A SIEM (or any event store): Chronicle UDM search, Splunk export, local event files.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Siem: Send + Sync {
    /// One page of the user's events in the window. Pass `None` for the first page and the
    /// previous page's [`EventPage::next`] after that. Use [`EventPager`] to walk the pages.
    ///
    /// # Errors
    ///
    /// Any [`ConnectorError`](crate::ConnectorError); searches are safe to retry.
    async fn search_events(&self, query: &EventQuery, cursor: Option<Cursor>) -> Result<EventPage>;

    /// A summary of what the SIEM knows about the user in the window.
    async fn entity_summary(&self, user: &UserId, window: TimeWindow) -> Result<EntitySummary>;

    /// Checks the SIEM is reachable and the credentials may search.
    async fn health_check(&self) -> Result<Health>;

    /// Every user's events from the source IPs `ips` in `window`, at most `limit`: the
    /// tenant-wide context that tells a password spray (one IP failing against many accounts)
    /// from one user's typos. The default is [`ErrorKind::Unsupported`](crate::ErrorKind), and
    /// the runbook then assesses without that context.
    async fn events_from_sources(&self, ips: &[IpAddr], window: TimeWindow, limit: usize) -> Result<Vec<Event>> {
        let _ = (ips, window, limit);
        Err(crate::ConnectorError::new(crate::ErrorKind::Unsupported, "siem.events_from_sources"))
    }
}

/// Lazy pagination over [`Siem::search_events`]: a page is fetched only when asked for.
///
/// ```no_run
/// # async fn demo(siem: &dyn irp_connectors::Siem, query: irp_connectors::EventQuery) -> Result<(), irp_connectors::ConnectorError> {
/// let mut pages = irp_connectors::EventPager::new(siem, query);
/// while let Some(page) = pages.next_page().await {
///     for event in page? {
///         println!("{} {}", event.time, event.kind.name());
///     }
/// }
/// # Ok(()) }
/// ```
pub struct EventPager<'a> {
    siem: &'a dyn Siem,
    query: EventQuery,
    next: Option<Cursor>,
    done: bool,
}

impl<'a> EventPager<'a> {
    /// A pager; nothing is fetched yet.
    pub fn new(siem: &'a dyn Siem, query: EventQuery) -> Self {
        EventPager { siem, query, next: None, done: false }
    }

    /// The next page's events, or `None` after the last page (or after an error).
    pub async fn next_page(&mut self) -> Option<Result<Vec<Event>>> {
        if self.done {
            return None;
        }
        match self.siem.search_events(&self.query, self.next.take()).await {
            Ok(page) => {
                self.next = page.next;
                self.done = self.next.is_none();
                Some(Ok(page.events))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }

    /// Every remaining event, page after page.
    pub async fn collect_all(mut self) -> Result<Vec<Event>> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await {
            all.extend(page?);
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use irp_core::evidence::{EventKind, Outcome};

    fn event(id: &str, user: &str, hour: u32) -> Event {
        Event::new(
            id,
            Utc.with_ymd_and_hms(2024, 5, 1, hour, 0, 0).unwrap(),
            user,
            EventKind::Login,
            Outcome::success(),
        )
    }

    #[tokio::test]
    async fn pager_fetches_lazily_until_no_cursor() {
        let mut siem = MockSiem::new();
        let mut seq = mockall::Sequence::new();
        siem.expect_search_events()
            .withf(|_, c| c.is_none())
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _| Ok(EventPage::new(vec![event("a", "u@x", 1)], Some(Cursor("p2".into())))));
        siem.expect_search_events()
            .withf(|_, c| c.as_ref().map(|c| c.0.as_str()) == Some("p2"))
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _| Ok(EventPage::new(vec![event("b", "u@x", 2)], None)));
        let window = TimeWindow::new(
            Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2024, 5, 2, 0, 0, 0).unwrap(),
        );
        let all = EventPager::new(&siem, EventQuery::new(UserId::new("u@x"), window)).collect_all().await.unwrap();
        let ids: Vec<_> = all.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
    }

    #[test]
    fn summary_counts_and_bounds() {
        let events = [event("a", "u@x", 3), event("b", "u@x", 1)];
        let s = EntitySummary::from_events(&UserId::new("u@x"), &events);
        assert_eq!(s.event_count, 2);
        assert_eq!(s.first_seen.unwrap().to_rfc3339(), "2024-05-01T01:00:00+00:00");
        assert_eq!(s.last_seen.unwrap().to_rfc3339(), "2024-05-01T03:00:00+00:00");
    }
}
