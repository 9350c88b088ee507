//! The Identification decision end to end: events in (from any number of sources, in any
//! order), one [`Assessment`] per user out.
//!
//! The [`Assessor`] is incremental and does no I/O: feed it readers or events, then call
//! [`Assessor::finish`]. Output is deterministic: the same events in any order give the same
//! assessments, byte for byte.

use std::collections::HashMap;
use std::io::BufRead;

use chrono::{DateTime, Duration, Utc};

use crate::detect::{self, Baseline, Population, UserContext};
use crate::evidence::{Event, EvidenceError, Format, ReadStats, RecordReader, UserId};
use crate::policy::Policy;
use crate::score::{self, Assessment};

/// Collects events per user and assesses them.
#[derive(Debug)]
pub struct Assessor {
    policy: Policy,
    only_user: Option<UserId>,
    users: HashMap<UserId, Vec<Event>>,
    population: Population,
    stats: ReadStats,
    strict: bool,
    warnings: Vec<EvidenceError>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

/// How many skipped-record warnings are kept (the count in [`ReadStats::skipped`] is exact).
pub const MAX_WARNINGS: usize = 20;

impl Assessor {
    /// An assessor for every user in the input.
    pub fn new(policy: Policy) -> Self {
        Assessor {
            policy,
            only_user: None,
            users: HashMap::new(),
            population: Population::default(),
            stats: ReadStats::default(),
            strict: false,
            warnings: Vec::new(),
            since: None,
            until: None,
        }
    }

    /// Restricts the assessment to one user (others still feed tenant-wide facts such as
    /// password-spray sources, but their events are not kept).
    pub fn only_user(mut self, user: &str) -> Self {
        self.only_user = Some(UserId::new(user));
        self
    }

    /// Strict mode: a valid JSON record that cannot become an event (missing or redacted
    /// timestamp, malformed field) fails its source instead of being skipped with a warning.
    /// Invalid JSON and read errors always fail the source.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Keeps only events in `[since, until)` (e.g. `until` = the alert time). Events outside
    /// teach the assessor nothing, tenant-wide facts included.
    pub fn within(mut self, since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> Self {
        self.since = since;
        self.until = until;
        self
    }

    fn in_range(&self, event: &Event) -> bool {
        self.since.is_none_or(|s| event.time >= s) && self.until.is_none_or(|u| event.time < u)
    }

    /// Records skipped in lenient mode, each naming its source, line and field (at most
    /// [`MAX_WARNINGS`]; [`ReadStats::skipped`] has the full count).
    pub fn warnings(&self) -> &[EvidenceError] {
        &self.warnings
    }

    /// The policy in use.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Totals over every source read so far.
    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    /// Reads every event of one source. On error nothing from this source is kept (neither its
    /// events nor what it taught the tenant-wide population), so a bad file never leaves a
    /// half-read assessment behind.
    ///
    /// Memory: only the events that will be assessed are buffered, so with
    /// [`Assessor::only_user`] it stays bounded by that user's events, not the size of the source.
    pub fn push_source<R: BufRead>(
        &mut self,
        source_name: &str,
        input: R,
        format: Format,
    ) -> Result<ReadStats, EvidenceError> {
        // Population facts are aggregates, so a snapshot is small; restoring it on error undoes
        // what this source contributed without buffering the other users' events.
        let snapshot = self.population.clone();
        let mut reader = RecordReader::new(source_name, input, format);
        let mut batch = Vec::new();
        let mut skipped = Vec::new();
        let mut skipped_count = 0u64;
        for event in reader.by_ref() {
            match event {
                Ok(event) if !self.in_range(&event) => {}
                Ok(event) => {
                    self.population.observe(&event);
                    if self.keeps(&event) {
                        batch.push(event);
                    }
                }
                // Real exports contain records no parser can place in time (test fixtures with a
                // `"redacted"` timestamp): skipping them is safer than refusing the whole export,
                // as long as every skip is counted and reported.
                Err(e @ EvidenceError::InvalidField { .. }) if !self.strict => {
                    skipped_count += 1;
                    if self.warnings.len() + skipped.len() < MAX_WARNINGS {
                        skipped.push(e);
                    }
                }
                Err(e) => {
                    self.population = snapshot;
                    return Err(e);
                }
            }
        }
        let mut stats = reader.stats().clone();
        stats.skipped = skipped_count;
        self.warnings.extend(skipped);
        for event in batch {
            self.users.entry(event.user.clone()).or_default().push(event);
        }
        self.stats.add(&stats);
        Ok(stats)
    }

    fn keeps(&self, event: &Event) -> bool {
        self.only_user.as_ref().is_none_or(|u| *u == event.user)
    }

    /// Adds one event.
    pub fn push_event(&mut self, event: Event) {
        if !self.in_range(&event) {
            return;
        }
        self.population.observe(&event);
        if !self.keeps(&event) {
            return;
        }
        self.users.entry(event.user.clone()).or_default().push(event);
    }

    /// Assesses every user: highest score first, then by user id. With [`Assessor::only_user`],
    /// exactly one assessment (an empty, Low one when the user had no events).
    pub fn finish(mut self) -> Vec<Assessment> {
        if let Some(user) = self.only_user.clone() {
            let events = self.users.remove(&user).unwrap_or_default();
            return vec![assess_user(&user, events, &self.population, &self.policy)];
        }
        let mut out: Vec<Assessment> = std::mem::take(&mut self.users)
            .into_iter()
            .map(|(user, events)| assess_user(&user, events, &self.population, &self.policy))
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.user.cmp(&b.user)));
        out
    }
}

/// Assesses one user's events (any order) against the tenant-wide `population`.
pub fn assess_user(user: &UserId, mut events: Vec<Event>, population: &Population, policy: &Policy) -> Assessment {
    // Sort by (time, id) and drop exact duplicate ids: the same export read twice, or
    // overlapping pages, must not double-count.
    events.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.id.cmp(&b.id)));
    events.dedup_by(|a, b| a.id == b.id);
    let considered = events.len() as u64;
    let split = match events.last() {
        Some(last) => {
            let window_start = last.time - Duration::hours(i64::from(policy.window_hours));
            events.partition_point(|e| e.time < window_start)
        }
        None => 0,
    };
    let (before, window) = events.split_at(split);
    let baseline = Baseline::build(before);
    let ctx = UserContext { user, events: window, baseline: &baseline, population, policy };
    let signals = detect::run_all(&ctx);
    let (likelihood, score, breakdown) = score::score(&signals, window, &policy.score);
    Assessment { user: user.clone(), likelihood, score, signals, breakdown, events_considered: considered }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::evidence::{EventKind, Outcome};

    const OKTA_LINE: &str = r#"{"uuid":"e1","published":"2024-05-01T09:00:00.000Z","eventType":"user.session.start","actor":{"id":"00u1","alternateId":"alice@example.com","type":"User"},"outcome":{"result":"SUCCESS"},"client":{"ipAddress":"198.51.100.7"}}"#;

    fn login(id: &str, user: &str) -> Event {
        let t = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
        Event::new(id, t, user, EventKind::Login, Outcome::success())
    }

    #[test]
    fn only_user_keeps_only_that_users_events() {
        let mut a = Assessor::new(Policy::default()).only_user("Alice@Example.com");
        a.push_event(login("1", "alice@example.com"));
        a.push_event(login("2", "bob@example.com"));
        assert_eq!(a.users.len(), 1);
        let out = a.finish();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].user.as_str(), "alice@example.com");
        assert_eq!(out[0].events_considered, 1);
    }

    #[test]
    fn unknown_user_gets_an_empty_low_assessment() {
        let mut a = Assessor::new(Policy::default()).only_user("carol@example.com");
        a.push_event(login("1", "alice@example.com"));
        let out = a.finish();
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].events_considered, out[0].likelihood), (0, score::Likelihood::Low));
    }

    #[test]
    fn a_bad_source_leaves_nothing_behind() {
        let mut a = Assessor::new(Policy::default());
        let bad = format!("{OKTA_LINE}\n{{not json\n");
        let err = a.push_source("bad.ndjson", bad.as_bytes(), Format::Auto).unwrap_err();
        assert_eq!(err.line(), Some(2));
        assert!(a.users.is_empty());
        assert_eq!(a.population, Population::default());
        assert_eq!(a.stats(), &ReadStats::default());
        a.push_source("good.ndjson", OKTA_LINE.as_bytes(), Format::Auto).unwrap();
        assert_eq!(a.stats().events, 1);
        assert_eq!(a.finish()[0].user.as_str(), "alice@example.com");
    }

    #[test]
    fn within_drops_events_outside_the_range_from_every_source() {
        let t = |h| Utc.with_ymd_and_hms(2024, 5, 1, h, 0, 0).unwrap();
        let mut a = Assessor::new(Policy::default()).within(Some(t(8)), Some(t(10)));
        let mut early = login("early", "alice@example.com");
        early.time = t(7);
        let mut late = login("late", "alice@example.com");
        late.time = t(10);
        a.push_event(early);
        a.push_event(late);
        a.push_event(login("inside", "alice@example.com"));
        a.push_source("okta.ndjson", OKTA_LINE.as_bytes(), Format::Auto).unwrap();
        let out = a.finish();
        assert_eq!(out[0].events_considered, 2, "the 09:00 event and the file's 09:00 record");
    }
}
