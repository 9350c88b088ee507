//! The Identification decision end to end: events in (from any number of sources, in any
//! order), one [`Assessment`] per user out.
//!
//! The [`Assessor`] is incremental and does no I/O: feed it readers or events, then call
//! [`Assessor::finish`]. Output is deterministic: the same events in any order give the same
//! assessments, byte for byte.

use std::collections::HashMap;
use std::io::BufRead;

use chrono::Duration;

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
}

impl Assessor {
    /// An assessor for every user in the input.
    pub fn new(policy: Policy) -> Self {
        Assessor {
            policy,
            only_user: None,
            users: HashMap::new(),
            population: Population::default(),
            stats: ReadStats::default(),
        }
    }

    /// Restricts the assessment to one user (others still feed tenant-wide facts such as
    /// password-spray sources, but their events are not kept).
    pub fn only_user(mut self, user: &str) -> Self {
        self.only_user = Some(UserId::new(user));
        self
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
        for event in reader.by_ref() {
            match event {
                Ok(event) => {
                    self.population.observe(&event);
                    if self.keeps(&event) {
                        batch.push(event);
                    }
                }
                Err(e) => {
                    self.population = snapshot;
                    return Err(e);
                }
            }
        }
        let stats = reader.stats().clone();
        for event in batch {
            self.users.entry(event.user.clone()).or_default().push(event);
        }
        self.stats.records += stats.records;
        self.stats.events += stats.events;
        self.stats.other += stats.other;
        self.stats.unattributed += stats.unattributed;
        Ok(stats)
    }

    fn keeps(&self, event: &Event) -> bool {
        self.only_user.as_ref().map_or(true, |u| *u == event.user)
    }

    /// Adds one event.
    pub fn push_event(&mut self, event: Event) {
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
}
