//! The Identification decision end to end: events in (from any number of sources, in any
//! order), one [`Assessment`] per user out.
//!
//! The [`Assessor`] is incremental and opens nothing: feed it readers or events, then call
//! [`Assessor::finish`]. Output is deterministic: the same events in any order give the same
//! assessments, byte for byte. Memory follows the users and their assessment windows, not the
//! length of the input: each user's look-back is folded into their baseline as it goes by.
//!
//! [`Assessor::push_source_parallel`] reads one NDJSON source on several threads. Callers with
//! their own threads can do what it does: split the stream at newlines, read each part into its
//! own [`Assessor::shard`] with [`Assessor::push_source_at`] (on any thread), and
//! [`Assessor::merge`] the shards back in stream order. Either way the result is byte-identical
//! to reading the stream whole with [`Assessor::push_source`].

mod history;
mod parallel;

use std::io::BufRead;

use chrono::{DateTime, Duration, Utc};
use foldhash::{HashMap, HashMapExt};

use self::history::{Finished, UserHistory};
use crate::detect::{self, Population, UserContext};
use crate::evidence::{Event, EventKind, EvidenceError, Format, ReadStats, RecordReader, UserFilter, UserId};
use crate::policy::Policy;
use crate::score::{self, Assessment};

/// Collects events per user and assesses them.
///
/// Memory: each user's look-back is folded into their baseline as the stream goes by, so what is
/// held is the users, their assessment windows and the tenant-wide facts, not every event.
#[derive(Debug)]
pub struct Assessor {
    policy: Policy,
    /// `policy.window_hours`.
    window: Duration,
    only_user: Option<UserId>,
    users: HashMap<UserId, UserHistory>,
    /// While a source is read: what to restore if it fails.
    undo: Option<Undo>,
    /// Counts sources, so that a history knows whether the current one has touched it yet.
    epoch: u64,
    /// Events filed since users' look-backs were last folded ([`Assessor::sweep_users`]).
    unswept: u64,
    /// Threads that fold look-backs: set while [`Assessor::push_source_parallel`] runs.
    sweep_threads: usize,
    population: Population,
    stats: ReadStats,
    strict: bool,
    warnings: Vec<EvidenceError>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    skip_others: bool,
    /// `Some` in a shard: its events in stream order, for [`Assessor::merge`] to observe and
    /// file exactly as a one-pass read would have (merging capped populations or per-user lists
    /// directly would depend on where the stream was split).
    stream: Option<ShardStream>,
}

/// How to put the users back as they were before the source being read.
#[derive(Debug, Default)]
struct Undo {
    /// Histories as they were before the source first touched them (`None`: new user).
    before: Vec<(UserId, Option<UserHistory>)>,
}

/// What a shard read, in stream order.
#[derive(Debug, Default)]
struct ShardStream {
    /// Kept events, and stripped copies of other users' sign-ins (all that
    /// [`Population::observe`] looks at).
    events: Vec<Event>,
    /// Events that are neither kept nor sign-ins with an IP: the population only counts them.
    counted: u64,
}

/// The part of a sign-in [`Population::observe`] reads.
fn stripped(event: &Event) -> Event {
    let (ip, asn) = (event.network.ip, event.network.asn);
    Event::tenant_fact(event.time, event.user.clone(), EventKind::Login, event.outcome.result, ip, asn)
}

/// Events filed between two folds of users' look-backs ([`Assessor::sweep_users`]): a user's
/// expired events wait this long in their window. Folding a user's few events at a time left
/// their baseline's sets out of cache at every fold: on the benchmark, every 98,304 events was
/// 9% faster on 2 threads and 16% on one than every 24,576 (and 8,192 was 10% slower still), for
/// 65-80 MiB more at the peak, which this bounds whatever the export's length or the number of
/// users. The unit tests fold every 1,024 so that their inputs fold mid-stream too.
const SWEEP_EVERY_EVENTS: u64 = if cfg!(test) { 1024 } else { 96 * 1024 };

/// How many skipped-record warnings are kept (the count in [`ReadStats::skipped`] is exact).
pub const MAX_WARNINGS: usize = 20;

impl Assessor {
    /// An assessor for every user in the input.
    pub fn new(policy: Policy) -> Self {
        Assessor {
            window: Duration::hours(i64::from(policy.window_hours)),
            policy,
            only_user: None,
            users: HashMap::new(),
            undo: None,
            epoch: 0,
            unswept: 0,
            sweep_threads: 1,
            population: Population::default(),
            stats: ReadStats::default(),
            strict: false,
            warnings: Vec::new(),
            since: None,
            until: None,
            skip_others: false,
            stream: None,
        }
    }

    /// An empty assessor with the same settings (policy, user, strictness, time range), to read
    /// one part of a stream, possibly on another thread; [`Assessor::merge`] adds it back.
    pub fn shard(&self) -> Assessor {
        let mut shard = Assessor::new(self.policy.clone()).strict(self.strict).within(self.since, self.until);
        shard.only_user.clone_from(&self.only_user);
        shard.skip_others = self.skip_others;
        shard.stream = Some(ShardStream::default());
        shard
    }

    /// Makes room for `events` more in a shard's list (no effect on other assessors).
    pub(crate) fn reserve_stream(&mut self, events: usize) {
        if let Some(stream) = &mut self.stream {
            stream.events.reserve(events);
        }
    }

    /// Adds a shard's events, facts, counts and warnings as if its part of the stream had been
    /// read here, after everything read so far. Merge shards in stream order.
    ///
    /// An assessor that is not a [`Assessor::shard`] (one that read other sources on its own) can
    /// be merged too: its users' histories and its tenant-wide facts are added, which gives the
    /// same assessments as one assessor reading both when the two read different events.
    pub fn merge(&mut self, mut shard: Assessor) {
        let theirs = shard.stream.take().unwrap_or_default();
        match &mut self.stream {
            Some(mine) => {
                mine.events.extend(theirs.events);
                mine.counted += theirs.counted;
            }
            None => {
                self.population.observed += theirs.counted;
                for event in theirs.events {
                    self.file(event);
                }
            }
        }
        // Shards keep their events in `stream`; an assessor that is not a shard brings histories,
        // which add up exactly when the two read different events.
        for (user, history) in shard.users {
            let window = self.window;
            match self.users.get_mut(&user) {
                Some(mine) => mine.absorb(history, window),
                None => {
                    self.users.insert(user, history);
                }
            }
        }
        self.population.absorb(shard.population);
        self.stats.add(&shard.stats);
        let room = MAX_WARNINGS.saturating_sub(self.warnings.len());
        self.warnings.extend(shard.warnings.into_iter().take(room));
    }

    /// With [`Assessor::only_user`]: skips, without parsing them, the one-line records that cannot
    /// concern the user (see [`UserFilter`]). Much faster on a big export, but other users' events
    /// then teach nothing tenant-wide (password-spray sources, networks shared with colleagues),
    /// and skipped records are neither validated nor counted.
    pub fn skip_others(mut self, skip: bool) -> Self {
        self.skip_others = skip;
        self
    }

    /// Takes one in-range event: the population observes it and its user keeps it (in a shard,
    /// both are deferred to [`Assessor::merge`]).
    fn file(&mut self, event: Event) {
        let keep = self.keeps(&event);
        if let Some(stream) = &mut self.stream {
            if keep {
                stream.events.push(event);
            } else if event.kind == EventKind::Login && event.network.ip.is_some() {
                stream.events.push(stripped(&event));
            } else {
                stream.counted += 1;
            }
            return;
        }
        self.population.observe(&event);
        if !keep {
            return;
        }
        // Look up before inserting: most events belong to a user already seen, and the key
        // would otherwise be cloned for every event.
        let epoch = self.epoch;
        let history = match self.users.get_mut(&event.user) {
            Some(history) => {
                if let Some(undo) = self.undo.as_mut().filter(|_| history.epoch != epoch) {
                    undo.before.push((event.user.clone(), Some(history.clone())));
                    history.epoch = epoch;
                }
                history
            }
            None => {
                if let Some(undo) = &mut self.undo {
                    undo.before.push((event.user.clone(), None));
                }
                let history = self.users.entry(event.user.clone()).or_default();
                history.epoch = epoch;
                history
            }
        };
        history.push_deferred(event);
        self.unswept += 1;
        if self.unswept >= SWEEP_EVERY_EVENTS {
            self.sweep_users(self.sweep_threads);
        }
    }

    /// Folds, on up to `threads` threads, the look-back of every user with enough new events.
    fn sweep_users(&mut self, threads: usize) {
        self.unswept = 0;
        let window = self.window;
        let mut due: Vec<&mut UserHistory> = self.users.values_mut().filter(|h| h.sweep_due(window)).collect();
        if threads <= 1 {
            due.into_iter().for_each(|h| h.sweep(window));
            return;
        }
        let per_thread = due.len().div_ceil(threads).max(64);
        std::thread::scope(|scope| {
            for part in due.chunks_mut(per_thread) {
                scope.spawn(move || part.iter_mut().for_each(|h| h.sweep(window)));
            }
        });
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
        self.push_source_at(source_name, input, format, 1)
    }

    /// [`Assessor::push_source`] for a part of a stream that starts at the beginning of line
    /// `first_line` (see [`RecordReader::starting_at_line`]): errors and line-based event ids
    /// name the line in the whole stream.
    pub fn push_source_at<R: BufRead>(
        &mut self,
        source_name: &str,
        input: R,
        format: Format,
        first_line: u64,
    ) -> Result<ReadStats, EvidenceError> {
        self.transaction(|a| a.read_source(source_name, input, format, first_line))
    }

    /// Runs `read` so that on error nothing it did is kept. Population facts are aggregates, so a
    /// snapshot is small; events go straight to their user (no second copy of the source), and a
    /// user's history is copied the first time the source touches it, to be restored on error.
    fn transaction<T>(&mut self, read: impl FnOnce(&mut Self) -> Result<T, EvidenceError>) -> Result<T, EvidenceError> {
        let population = self.population.clone();
        let stream_len = self.stream.as_ref().map(|l| (l.events.len(), l.counted));
        let (stats, warnings) = (self.stats.clone(), self.warnings.len());
        self.epoch += 1;
        self.undo = Some(Undo::default());
        let result = read(self);
        let undo = self.undo.take().unwrap_or_default();
        if result.is_err() {
            self.population = population;
            self.stats = stats;
            self.warnings.truncate(warnings);
            if let (Some(stream), Some((events, counted))) = (&mut self.stream, stream_len) {
                stream.events.truncate(events);
                stream.counted = counted;
            }
            // Latest first, so a user touched twice ends with their oldest copy.
            for (user, before) in undo.before.into_iter().rev() {
                match before {
                    Some(history) => self.users.insert(user, history),
                    None => self.users.remove(&user),
                };
            }
        }
        result
    }

    /// Reads one source (or the part of one that starts at `first_line`); the caller undoes
    /// what it did on error.
    fn read_source<R: BufRead>(
        &mut self,
        source_name: &str,
        input: R,
        format: Format,
        first_line: u64,
    ) -> Result<ReadStats, EvidenceError> {
        let mut reader = RecordReader::new(source_name, input, format).starting_at_line(first_line);
        if let Some(user) = &self.only_user {
            reader = reader.reducing_others_to(user.clone());
            if self.skip_others {
                reader = reader.with_prefilter(UserFilter::new(user));
            }
        }
        let mut skipped = Vec::new();
        let mut skipped_count = 0u64;
        for event in reader.by_ref() {
            match event {
                Ok(event) if !self.in_range(&event) => {}
                Ok(event) => self.file(event),
                // Real exports contain records no parser can place in time (test fixtures with a
                // `"redacted"` timestamp): skipping them is safer than refusing the whole export,
                // as long as every skip is counted and reported.
                Err(e @ EvidenceError::InvalidField { .. }) if !self.strict => {
                    skipped_count += 1;
                    if self.warnings.len() + skipped.len() < MAX_WARNINGS {
                        skipped.push(e);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        let mut stats = reader.stats().clone();
        stats.skipped = skipped_count;
        self.warnings.extend(skipped);
        self.stats.add(&stats);
        Ok(stats)
    }

    fn keeps(&self, event: &Event) -> bool {
        self.only_user.as_ref().is_none_or(|u| *u == event.user)
    }

    /// Adds one event.
    pub fn push_event(&mut self, event: Event) {
        if self.in_range(&event) {
            self.file(event);
        }
    }

    /// Assesses every user: highest score first, then by user id. With [`Assessor::only_user`],
    /// exactly one assessment (an empty, Low one when the user had no events).
    pub fn finish(self) -> Vec<Assessment> {
        self.finish_parallel(1)
    }

    /// [`Assessor::finish`] with users spread over up to `threads` scoped threads (users are
    /// independent once the tenant-wide facts are known). Same result for any `threads`.
    pub fn finish_parallel(mut self, threads: usize) -> Vec<Assessment> {
        if let Some(stream) = self.stream.take() {
            // A shard finished on its own: file what it deferred.
            self.population.observed += stream.counted;
            for event in stream.events {
                self.file(event);
            }
        }
        let (population, policy, window) = (&self.population, &self.policy, self.window);
        if let Some(user) = self.only_user.clone() {
            let history = self.users.remove(&user).unwrap_or_default();
            return vec![assess_history(&user, history.finish(window), population, policy)];
        }
        let users: Vec<(UserId, UserHistory)> = std::mem::take(&mut self.users).into_iter().collect();
        let assess = |(user, history): (UserId, UserHistory)| {
            let finished = history.finish(window);
            assess_history(&user, finished, population, policy)
        };
        let threads = threads.clamp(1, users.len().max(1));
        let mut out: Vec<Assessment> = if threads == 1 {
            users.into_iter().map(assess).collect()
        } else {
            let mut groups: Vec<Vec<(UserId, UserHistory)>> = (0..threads).map(|_| Vec::new()).collect();
            for (i, item) in users.into_iter().enumerate() {
                groups[i % threads].push(item);
            }
            std::thread::scope(|scope| {
                let handles: Vec<_> = groups
                    .into_iter()
                    .map(|group| scope.spawn(move || group.into_iter().map(assess).collect::<Vec<_>>()))
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                    .collect()
            })
        };
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.user.cmp(&b.user)));
        out
    }
}

/// Where the assessment window starts in `sorted` (time order): it spans `policy.window_hours`
/// up to the last event; everything before it is the baseline look-back.
pub(crate) fn window_split(sorted: &[Event], policy: &Policy) -> usize {
    match sorted.last() {
        Some(last) => {
            let window_start = history::window_start(last.time, Duration::hours(i64::from(policy.window_hours)));
            sorted.partition_point(|e| e.time < window_start)
        }
        None => 0,
    }
}

/// Assesses one user's events (any order) against the tenant-wide `population`. Exact
/// duplicates (the same id at the same time: an export read twice, overlapping pages) count once.
pub fn assess_user(user: &UserId, events: Vec<Event>, population: &Population, policy: &Policy) -> Assessment {
    let window = Duration::hours(i64::from(policy.window_hours));
    let mut history = UserHistory::default();
    for event in events {
        history.push(event, window);
    }
    assess_history(user, history.finish(window), population, policy)
}

fn assess_history(user: &UserId, finished: Finished, population: &Population, policy: &Policy) -> Assessment {
    let Finished { baseline, window, considered } = finished;
    let ctx = UserContext { user, events: &window, baseline: &baseline, population, policy };
    let signals = detect::run_all(&ctx);
    let (likelihood, score, breakdown) = score::score(&signals, &window, &policy.score);
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

    /// NDJSON with many users: a spray IP failing against more users than the population caps,
    /// records without a uuid (line-based ids), and records with a redacted timestamp (warnings).
    fn busy_tenant() -> String {
        let mut out = String::new();
        for i in 0..900u32 {
            let user = format!("u{}@example.com", i % 600);
            let (ip, result) = if i % 3 == 0 { ("203.0.113.9", "FAILURE") } else { ("198.51.100.7", "SUCCESS") };
            let uuid = if i % 5 == 0 { String::new() } else { format!(r#""uuid":"e{i}","#) };
            let published =
                if i % 97 == 0 { "redacted".to_owned() } else { format!("2024-05-01T{:02}:{:02}:00Z", i / 60, i % 60) };
            out.push_str(&format!(
                r#"{{{uuid}"published":"{published}","eventType":"user.session.start","actor":{{"alternateId":"{user}","type":"User"}},"outcome":{{"result":"{result}"}},"client":{{"ipAddress":"{ip}"}},"securityContext":{{"asNumber":64500}}}}"#
            ));
            out.push('\n');
        }
        out
    }

    pub(super) fn contract(results: &[Assessment]) -> Vec<String> {
        results.iter().map(Assessment::to_contract_json).collect()
    }

    #[test]
    fn shards_merged_in_order_equal_one_pass() {
        let input = busy_tenant();
        for user in [None, Some("U7@example.com")] {
            let fresh = || {
                let a = Assessor::new(Policy::default());
                match user {
                    Some(u) => a.only_user(u),
                    None => a,
                }
            };
            let mut whole = fresh();
            whole.push_source("t.ndjson", input.as_bytes(), Format::Auto).unwrap();
            let want_stats = whole.stats().clone();
            let want_warnings = whole.warnings().to_vec();
            let want = contract(&whole.finish());
            for lines_per_chunk in [1, 7, 64, 1000] {
                let mut merged = fresh();
                let lines: Vec<&str> = input.split_inclusive('\n').collect();
                for (k, chunk) in lines.chunks(lines_per_chunk).enumerate() {
                    let mut shard = merged.shard();
                    let first_line = (k * lines_per_chunk + 1) as u64;
                    shard.push_source_at("t.ndjson", chunk.concat().as_bytes(), Format::Auto, first_line).unwrap();
                    merged.merge(shard);
                }
                assert_eq!(merged.stats(), &want_stats, "{lines_per_chunk}");
                assert_eq!(merged.warnings(), want_warnings.as_slice());
                assert_eq!(contract(&merged.finish_parallel(3)), want, "{lines_per_chunk} lines per chunk");
            }
        }
    }

    #[test]
    fn skip_others_reads_only_records_that_may_concern_the_user() {
        let input = busy_tenant();
        let mut a = Assessor::new(Policy::default()).only_user("u7@example.com").skip_others(true);
        a.push_source("t.ndjson", input.as_bytes(), Format::Auto).unwrap();
        // u7 and u70..u79 (the prefilter matches the text `u7`), once or twice each.
        assert!(a.stats().records < 60, "{:?}", a.stats());
        let mut exact = Assessor::new(Policy::default()).only_user("u7@example.com");
        exact.push_source("t.ndjson", input.as_bytes(), Format::Auto).unwrap();
        assert_eq!(a.finish()[0].events_considered, exact.finish()[0].events_considered);
    }

    #[test]
    fn a_bad_chunk_rolls_back_only_itself() {
        let input = busy_tenant();
        let mut a = Assessor::new(Policy::default()).shard();
        a.push_source_at("t.ndjson", input.as_bytes(), Format::Auto, 1).unwrap();
        let before = contract(&Assessor::new(Policy::default()).shard().finish());
        assert!(before.is_empty());
        let err =
            a.push_source_at("t.ndjson", format!("{OKTA_LINE}\n{{oops\n").as_bytes(), Format::Auto, 901).unwrap_err();
        assert_eq!(err.to_string().split(": invalid JSON").next(), Some("t.ndjson:902:2"));
        let mut whole = Assessor::new(Policy::default());
        whole.push_source("t.ndjson", input.as_bytes(), Format::Auto).unwrap();
        assert_eq!(contract(&a.finish()), contract(&whole.finish()));
    }

    #[test]
    fn a_bad_second_source_restores_the_users_it_touched() {
        // Spread over days so that the look-back gets folded, then a bad source touching the
        // same users (and a new one) fails half-way.
        let line = |uuid: &str, day: u32, user: &str, ip: &str| {
            format!(
                r#"{{"uuid":"{uuid}","published":"2024-05-{day:02}T09:00:00Z","eventType":"user.session.start","actor":{{"alternateId":"{user}","type":"User"}},"outcome":{{"result":"SUCCESS"}},"client":{{"ipAddress":"{ip}","geographicalContext":{{"country":"United States","geolocation":{{"lat":40.7,"lon":-74.0}}}}}}}}"#
            )
        };
        let good: String = (1..=28)
            .flat_map(|d| {
                ["alice", "bob"]
                    .map(|u| line(&format!("{u}{d}"), d, &format!("{u}@example.com"), "198.51.100.7") + "\n")
            })
            .collect();
        let bad = format!(
            "{}\n{}\n{}\n{{oops\n",
            line("late", 30, "alice@example.com", "203.0.113.9"),
            line("new", 30, "carol@example.com", "203.0.113.9"),
            line("b30", 30, "bob@example.com", "203.0.113.9"),
        );
        let mut a = Assessor::new(Policy::default());
        a.push_source("good.ndjson", good.as_bytes(), Format::Auto).unwrap();
        a.push_source("bad.ndjson", bad.as_bytes(), Format::Auto).unwrap_err();
        let mut want = Assessor::new(Policy::default());
        want.push_source("good.ndjson", good.as_bytes(), Format::Auto).unwrap();
        assert_eq!(a.stats(), want.stats());
        assert_eq!(contract(&a.finish()), contract(&want.finish()));
    }

    #[test]
    fn assessors_that_read_different_sources_merge_into_one() {
        let input = busy_tenant();
        let lines: Vec<&str> = input.split_inclusive('\n').collect();
        let (first, second) = (lines[..450].concat(), lines[450..].concat());
        let mut whole = Assessor::new(Policy::default());
        whole.push_source("a.ndjson", first.as_bytes(), Format::Auto).unwrap();
        whole.push_source("b.ndjson", second.as_bytes(), Format::Auto).unwrap();
        let mut a = Assessor::new(Policy::default());
        a.push_source("a.ndjson", first.as_bytes(), Format::Auto).unwrap();
        let mut b = Assessor::new(Policy::default());
        b.push_source("b.ndjson", second.as_bytes(), Format::Auto).unwrap();
        a.merge(b);
        assert_eq!(a.stats(), whole.stats());
        assert_eq!(a.population, whole.population);
        assert_eq!(contract(&a.finish()), contract(&whole.finish()));
    }

    #[test]
    fn one_user_is_assessed_as_among_all_with_the_same_tenant_facts() {
        // Other users' events are reduced while reading for one user: the tenant-wide facts and
        // the user's verdict must be exactly those of an all-users read.
        let mut input = busy_tenant();
        // A password spray: its victims' verdicts rest on the other users' failures.
        let spray = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/scenarios/password_spray/okta.jsonl");
        for line in std::fs::read_to_string(spray).unwrap().lines() {
            input.push_str(line);
            input.push('\n');
        }
        let mut all = Assessor::new(Policy::default());
        all.push_source("t.ndjson", input.as_bytes(), Format::Auto).unwrap();
        let users: Vec<UserId> = all.users.keys().cloned().collect();
        assert!(users.len() > 500);
        let population = all.population.clone();
        let stats = all.stats().clone();
        let verdicts: Vec<Assessment> = all.finish();
        let sprayed = verdicts.iter().find(|a| a.signals.iter().any(|s| s.kind.name() == "password_spray_success"));
        assert!(sprayed.is_some(), "the spray scenario has a victim");
        for user in users.iter().step_by(97).chain(sprayed.map(|a| &a.user)) {
            let mut one = Assessor::new(Policy::default()).only_user(user.as_str());
            one.push_source("t.ndjson", input.as_bytes(), Format::Auto).unwrap();
            assert_eq!(one.population, population, "{user}");
            assert_eq!(one.stats(), &stats);
            let want = verdicts.iter().find(|a| &a.user == user).map(Assessment::to_contract_json);
            assert_eq!(one.finish().first().map(Assessment::to_contract_json), want, "{user}");
        }
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
