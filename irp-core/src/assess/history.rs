//! One user's events as the [`Assessor`](super::Assessor) holds them while a stream goes by.
//!
//! The assessment window spans `window_hours` up to the user's *last* event, and everything
//! before it only feeds the [`Baseline`]. The last event seen so far only moves forward, so an
//! event older than `latest - window` can never fall back into the window: it is folded into a
//! [`BaselineBuilder`] and dropped. Only the events that may still be in the window are kept
//! whole. Memory is the window's events plus an 8-byte key per folded event (to fold an exact
//! duplicate once), not every event; and since the baseline is order-independent, the result
//! is the same for any arrival order.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, Duration, Utc};

use crate::detect::{Baseline, BaselineBuilder};
use crate::evidence::Event;

/// Besides dropping expired events from its front (all it takes when events come in time
/// order), `recent` is swept whole for out-of-order ones once it holds twice as many events as
/// after the last such sweep, and at least this many (so sweeping costs O(1) per event).
const MIN_FULL_SWEEP: usize = 64;

/// A user's history: the folded look-back and the events that may still be in the window.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserHistory {
    lookback: BaselineBuilder,
    /// Keys of the folded events ([`event_key`]).
    folded: HashSet<u64, BuildHasherDefault<PremixedKey>>,
    latest: Option<DateTime<Utc>>,
    /// Events at or after `latest - window` when they came, in arrival order. Boxed: an `Event`
    /// is 528 bytes inline, and a deque of them grown by doubling held up to half of that unused
    /// per user (boxing took the benchmark's peak from 390 to 280 MiB).
    recent: VecDeque<Box<Event>>,
    full_sweep_at: usize,
    /// The source being read when this history last changed (for the assessor's rollback).
    pub(crate) epoch: u64,
}

/// What [`UserHistory::finish`] hands the detectors.
pub(crate) struct Finished {
    pub baseline: Baseline,
    /// The window's events sorted by (time, id), exact duplicates dropped.
    pub window: Vec<Event>,
    /// Distinct events seen, look-back included.
    pub considered: u64,
}

impl UserHistory {
    /// Takes one event (any order).
    pub fn push(&mut self, event: Event, window: Duration) {
        if event.time < window_start(self.note_time(event.time), window) {
            self.fold(&event);
            return;
        }
        self.recent.push_back(Box::new(event));
        self.sweep(window);
    }

    /// Takes one event without folding anything now: [`UserHistory::sweep`] does it later,
    /// possibly on another thread, once [`UserHistory::sweep_due`].
    pub fn push_deferred(&mut self, event: Event) {
        self.note_time(event.time);
        self.recent.push_back(Box::new(event));
    }

    /// Moves the latest time seen forward to `time` if it is later; returns the latest.
    fn note_time(&mut self, time: DateTime<Utc>) -> DateTime<Utc> {
        let latest = self.latest.map_or(time, |l| l.max(time));
        self.latest = Some(latest);
        latest
    }

    /// True when a [`UserHistory::sweep`] would fold something now.
    pub fn sweep_due(&self, window: Duration) -> bool {
        let expired =
            |latest: DateTime<Utc>| self.recent.front().is_some_and(|e| e.time < window_start(latest, window));
        self.latest.is_some_and(expired) || self.recent.len() >= self.full_sweep_at
    }

    /// Adds another history of *other* events (an event both saw is counted twice).
    pub fn absorb(&mut self, other: UserHistory, window: Duration) {
        self.lookback.absorb(other.lookback);
        self.folded.extend(other.folded);
        if let Some(t) = other.latest {
            self.note_time(t);
        }
        self.recent.extend(other.recent);
        self.sweep(window);
    }

    /// Folds the events that left the window: those at the front, and when due every one.
    pub fn sweep(&mut self, window: Duration) {
        let Some(cutoff) = self.latest.map(|latest| window_start(latest, window)) else { return };
        while self.recent.front().is_some_and(|e| e.time < cutoff) {
            if let Some(event) = self.recent.pop_front() {
                self.fold(&event);
            }
        }
        if self.recent.len() >= self.full_sweep_at {
            self.sweep_all(cutoff);
        }
    }

    fn sweep_all(&mut self, cutoff: DateTime<Utc>) {
        let recent = std::mem::take(&mut self.recent);
        let mut kept = VecDeque::with_capacity(recent.len());
        for event in recent {
            if event.time < cutoff {
                self.fold(&event);
            } else {
                kept.push_back(event);
            }
        }
        self.recent = kept;
        self.full_sweep_at = (self.recent.len() * 2).max(MIN_FULL_SWEEP);
    }

    fn fold(&mut self, event: &Event) {
        if self.folded.insert(event_key(event)) {
            self.lookback.learn(event);
        }
    }

    /// The baseline and the window, exactly as if every event had been kept and split at the end.
    pub fn finish(mut self, window: Duration) -> Finished {
        if let Some(latest) = self.latest {
            self.sweep_all(window_start(latest, window));
        }
        let mut events: Vec<Event> = self.recent.into_iter().map(|e| *e).collect();
        events.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.id.cmp(&b.id)));
        // The same export read twice, or overlapping pages, must not double-count. Folded events
        // are older than every kept one, so they cannot duplicate them.
        events.dedup_by(|a, b| a.time == b.time && a.id == b.id);
        let considered = self.folded.len() as u64 + events.len() as u64;
        Finished { baseline: self.lookback.finish(), window: events, considered }
    }
}

/// Where a window of `window` ending at `latest` starts; the earliest representable time when
/// that is before it (a record dated at the very start of the calendar must not panic).
pub(crate) fn window_start(latest: DateTime<Utc>, window: Duration) -> DateTime<Utc> {
    latest.checked_sub_signed(window).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A deterministic 64-bit key of (time, id), eight bytes of the id at a time, then splitmix64's
/// finaliser so every bit of the key depends on every input byte. Collisions only matter within
/// one user's look-back (a few thousand events), where their chance is below 1e-12.
fn event_key(event: &Event) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let id = event.id.as_str().as_bytes();
    let mut h = (event.time.timestamp() as u64).wrapping_mul(K) ^ u64::from(event.time.timestamp_subsec_nanos());
    h ^= (id.len() as u64).rotate_left(32);
    for chunk in id.chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word)).wrapping_mul(K).rotate_left(29);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Hashes a key that is already a well-mixed 64-bit hash by passing it through.
#[derive(Default)]
struct PremixedKey(u64);

impl Hasher for PremixedKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; anything else still hashes correctly, if slowly.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = key;
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;
    use crate::evidence::{EventKind, Outcome};

    fn login(id: &str, minute: i64, country: &str) -> Event {
        let t = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap() + Duration::minutes(minute);
        let mut e = Event::new(id, t, "alice@example.com", EventKind::Login, Outcome::success());
        e.network.geo = Some(crate::evidence::Geo { country: Some(country.into()), ..Default::default() });
        e
    }

    /// What `finish` must equal: every event kept, sorted, deduplicated, split at the end.
    fn whole(mut events: Vec<Event>, window: Duration) -> (Baseline, Vec<Event>, u64) {
        events.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.id.cmp(&b.id)));
        events.dedup_by(|a, b| a.time == b.time && a.id == b.id);
        let start = events.last().map(|l| l.time - window);
        let split = start.map_or(0, |s| events.partition_point(|e| e.time < s));
        let window_events = events.split_off(split);
        let considered = (events.len() + window_events.len()) as u64;
        (Baseline::build(&events), window_events, considered)
    }

    proptest! {
        #[test]
        fn folding_as_events_stream_by_equals_splitting_at_the_end(
            spec in prop::collection::vec((0usize..40, 0i64..200, 0usize..4, any::<bool>()), 0..200),
        ) {
            let window = Duration::hours(96);
            let countries = ["US", "FR", "NG", "BR"];
            // Pinned events repeat exactly (same id, minute and content): duplicates. The others
            // have their own ids, and repeat an id only at another time.
            let events: Vec<Event> = spec
                .iter()
                .enumerate()
                .map(|(i, &(id, m, c, pinned))| match pinned {
                    true => login(&format!("e{id}"), id as i64 * 500, countries[id % 4]),
                    false => login(&format!("r{}", i % 150), m * 200 + i as i64, countries[c]),
                })
                .collect();
            let mut history = UserHistory::default();
            for e in events.clone() {
                history.push(e, window);
            }
            let got = history.finish(window);
            let (baseline, window_events, considered) = whole(events, window);
            prop_assert_eq!(got.baseline, baseline);
            prop_assert_eq!(got.window, window_events);
            prop_assert_eq!(got.considered, considered);
        }

        /// The assessor's way: events filed without folding, folded in batches when due.
        #[test]
        fn folding_in_batches_equals_splitting_at_the_end(
            spec in prop::collection::vec((0usize..40, 0i64..200, 0usize..4), 0..200),
            batch in 1usize..50,
        ) {
            let window = Duration::hours(96);
            let countries = ["US", "FR", "NG", "BR"];
            let events: Vec<Event> = spec
                .iter()
                .enumerate()
                .map(|(i, &(id, m, c))| login(&format!("r{}", id + i % 7), m * 200 + i as i64, countries[c]))
                .collect();
            let mut history = UserHistory::default();
            for (i, e) in events.iter().cloned().enumerate() {
                history.push_deferred(e);
                if (i + 1) % batch == 0 && history.sweep_due(window) {
                    history.sweep(window);
                }
            }
            let got = history.finish(window);
            let (baseline, window_events, considered) = whole(events, window);
            prop_assert_eq!(got.baseline, baseline);
            prop_assert_eq!(got.window, window_events);
            prop_assert_eq!(got.considered, considered);
        }
    }

    #[test]
    fn old_events_are_folded_not_kept() {
        let window = Duration::hours(1);
        let mut history = UserHistory::default();
        for m in 0..10_000 {
            history.push(login(&format!("e{m}"), m, "US"), window);
        }
        assert_eq!(history.recent.len(), 61, "an hour of minutes, both ends in");
        let done = history.finish(window);
        assert_eq!((done.window.len(), done.considered, done.baseline.logins), (61, 10_000, 9_939));
    }

    #[test]
    fn events_at_the_start_of_the_calendar_do_not_overflow() {
        let window = Duration::hours(96);
        let mut history = UserHistory::default();
        let mut first = login("a", 0, "US");
        first.time = DateTime::<Utc>::MIN_UTC;
        history.push(first, window);
        let done = history.finish(window);
        assert_eq!(done.window.len(), 1);
    }

    #[test]
    fn a_duplicate_is_folded_once() {
        let window = Duration::hours(1);
        let mut history = UserHistory::default();
        history.push(login("a", 0, "US"), window);
        history.push(login("late", 600, "US"), window);
        history.push(login("a", 0, "US"), window);
        let done = history.finish(window);
        assert_eq!((done.considered, done.baseline.logins), (2, 1));
    }
}
