//! Micro-benchmarks of the hot paths of `irp assess`: parsing per vendor format, framing, the
//! Okta fast path's two readers, the single-user prefilter, each detector, the baseline and scoring, and the streaming
//! assessor end to end (one pass and the parallel reader).
//!
//! `cargo bench -p irp-core --bench hot_paths` (the end-to-end comparison is `scripts/bench`).
//! Inputs are the repository's scenarios and vendor samples, so the numbers track real shapes.

use std::hint::black_box;
use std::path::PathBuf;

use chrono::Duration;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use irp_core::assess::{assess_user, Assessor};
use irp_core::detect::{self, Baseline, Population, UserContext};
use irp_core::evidence::parse::okta_fast::{parse_str_using, Reader};
use irp_core::evidence::{Event, Format, RecordReader, UserFilter, UserId};
use irp_core::policy::Policy;
use irp_core::score;

/// The allocator the `irp` binary and the Python extension use, so that the numbers are theirs
/// (with the system allocator, the parallel reader is slower than one pass: allocator contention).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn repo_file(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// One sample per format the parsers know.
const SAMPLES: [(&str, &str); 5] = [
    ("okta", "tests/scenarios/impossible_travel/okta.jsonl"),
    ("entra", "tests/scenarios/takeover/entra_signins.json"),
    ("o365", "tests/scenarios/takeover/o365.jsonl"),
    ("workspace", "testdata/samples/panther/panther_gsuite_activityevent.events.jsonl"),
    ("udm", "testdata/samples/chronicle_udm/chronicle_api-samples-python_sample_udm_events.json"),
];

fn events_of(bytes: &[u8]) -> Vec<Event> {
    RecordReader::new("bench", bytes, Format::Auto).filter_map(Result::ok).collect()
}

fn parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (name, path) in SAMPLES {
        let bytes = repo_file(path);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| b.iter(|| events_of(black_box(&bytes)).len()));
    }
    group.finish();

    // The same Okta records as NDJSON (the one-line fast path) and as a pretty-printed array
    // (the bracket scanner).
    let ndjson = repo_file(SAMPLES[0].1);
    let values: Vec<serde_json::Value> = ndjson
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect();
    let pretty = serde_json::to_vec_pretty(&values).unwrap_or_default();
    let mut group = c.benchmark_group("framing");
    group.throughput(Throughput::Elements(values.len() as u64));
    group.bench_function("ndjson", |b| b.iter(|| events_of(black_box(&ndjson)).len()));
    group.bench_function("pretty_array", |b| b.iter(|| events_of(black_box(&pretty)).len()));
    group.finish();

    // The Okta fast path's two readers of the typed records, on the same lines: the JSON cursor
    // (what the fast path uses first) and `serde_json` (what it falls back to).
    let lines: Vec<&str> =
        std::str::from_utf8(&ndjson).unwrap_or_default().lines().filter(|l| !l.trim().is_empty()).collect();
    let mut group = c.benchmark_group("okta_reader");
    group.throughput(Throughput::Bytes(ndjson.len() as u64));
    for (name, reader) in [("cursor", Reader::Scan), ("serde_json", Reader::Serde)] {
        group.bench_function(name, |b| {
            b.iter(|| lines.iter().filter(|l| parse_str_using(black_box(l), false, reader).is_some()).count())
        });
    }
    group.finish();

    let mut group = c.benchmark_group("prefilter");
    group.throughput(Throughput::Bytes(ndjson.len() as u64));
    let mut filter = UserFilter::new(&UserId::new("nobody@example.com"));
    group.bench_function("may_mention", |b| {
        b.iter(|| ndjson.split(|&b| b == b'\n').filter(|line| filter.may_mention(black_box(line))).count())
    });
    group.finish();
}

/// One scenario's most suspicious user, with everything a detector needs.
struct Case {
    user: UserId,
    before: Vec<Event>,
    window: Vec<Event>,
    baseline: Baseline,
    population: Population,
    all: Vec<Event>,
}

fn cases(policy: &Policy) -> Vec<Case> {
    let scenarios = ["impossible_travel", "mfa_fatigue", "password_spray", "session_hijack"];
    let mut paths: Vec<String> = scenarios.iter().map(|s| format!("tests/scenarios/{s}/okta.jsonl")).collect();
    paths.push("tests/scenarios/takeover/o365.jsonl".into());
    paths
        .iter()
        .map(|path| {
            let bytes = repo_file(path);
            let mut assessor = Assessor::new(policy.clone());
            assessor.push_source(path, bytes.as_slice(), Format::Auto).unwrap_or_default();
            let user = assessor.finish().first().map(|a| a.user.clone()).unwrap_or_else(|| UserId::new("none"));
            let all = events_of(&bytes);
            let mut population = Population::default();
            all.iter().for_each(|e| population.observe(e));
            let mut mine: Vec<Event> = all.iter().filter(|e| e.user == user).cloned().collect();
            mine.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.id.cmp(&b.id)));
            let start = mine.last().map(|e| e.time - Duration::hours(i64::from(policy.window_hours)));
            let split = start.map_or(0, |s| mine.partition_point(|e| e.time < s));
            let window = mine.split_off(split);
            let baseline = Baseline::build(&mine);
            Case { user, before: mine, window, baseline, population, all }
        })
        .collect()
}

fn detection(c: &mut Criterion) {
    let policy = Policy::default();
    let cases = cases(&policy);
    let contexts: Vec<UserContext<'_>> = cases
        .iter()
        .map(|c| UserContext {
            user: &c.user,
            events: &c.window,
            baseline: &c.baseline,
            population: &c.population,
            policy: &policy,
        })
        .collect();

    let mut group = c.benchmark_group("detect");
    for (kind, detector) in detect::detectors() {
        group.bench_function(kind.name(), |b| {
            b.iter(|| contexts.iter().map(|ctx| detector(black_box(ctx)).len()).sum::<usize>())
        });
    }
    group.bench_function("run_all", |b| {
        b.iter(|| contexts.iter().map(|ctx| detect::run_all(black_box(ctx)).len()).sum::<usize>())
    });
    group.finish();

    let mut group = c.benchmark_group("context");
    group.bench_function("baseline_build", |b| {
        b.iter(|| cases.iter().map(|c| black_box(Baseline::build(black_box(&c.before)))).collect::<Vec<_>>())
    });
    group.bench_function("population_observe", |b| {
        b.iter(|| {
            let mut p = Population::default();
            cases.iter().flat_map(|c| &c.all).for_each(|e| p.observe(black_box(e)));
            p.observed
        })
    });
    group.finish();

    let signals: Vec<_> = contexts.iter().map(detect::run_all).collect();
    let mut group = c.benchmark_group("score");
    group.bench_function("score", |b| {
        b.iter(|| {
            signals.iter().zip(&cases).map(|(s, c)| score::score(black_box(s), &c.window, &policy.score).1).sum::<f64>()
        })
    });
    group.bench_function("assess_user", |b| {
        b.iter(|| {
            cases
                .iter()
                .map(|c| {
                    let events: Vec<Event> = c.before.iter().chain(&c.window).cloned().collect();
                    assess_user(&c.user, events, &c.population, &policy).score
                })
                .sum::<f64>()
        })
    });
    group.finish();
}

/// A month of Okta sign-ins by 200 users in time order, NDJSON: enough that every user's
/// look-back is folded while the stream goes by.
fn month_of_signins() -> String {
    let mut out = String::new();
    for i in 0..40_000u32 {
        let minute = i; // one event a minute, all users interleaved
        let (day, hour, min) = (1 + minute / 1440 % 28, minute / 60 % 24, minute % 60);
        let user = i % 200;
        let result = if i % 13 == 0 { "FAILURE" } else { "SUCCESS" };
        out.push_str(&format!(
            r#"{{"uuid":"e{i}","published":"2024-05-{day:02}T{hour:02}:{min:02}:00.000Z","eventType":"user.session.start","actor":{{"id":"00u{user}","alternateId":"user{user}@example.com","type":"User"}},"outcome":{{"result":"{result}"}},"client":{{"ipAddress":"198.51.{}.{}","userAgent":{{"rawUserAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"}},"geographicalContext":{{"city":"Boston","country":"United States","geolocation":{{"lat":42.36,"lon":-71.06}}}}}},"securityContext":{{"asNumber":7922,"asOrg":"comcast"}}}}"#,
            user % 250,
            user % 200
        ));
        out.push('\n');
    }
    out
}

fn streaming(c: &mut Criterion) {
    let input = month_of_signins();
    let mut group = c.benchmark_group("assess_stream");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.sample_size(20);
    group.bench_function("one_pass", |b| {
        b.iter(|| {
            let mut a = Assessor::new(Policy::default());
            a.push_source("bench", black_box(input.as_bytes()), Format::Auto).ok();
            a.finish().len()
        })
    });
    group.bench_function("parallel_2", |b| {
        b.iter(|| {
            let mut a = Assessor::new(Policy::default());
            a.push_source_parallel("bench", black_box(input.as_bytes()), Format::Auto, 2).ok();
            a.finish_parallel(2).len()
        })
    });
    group.finish();
}

criterion_group!(benches, parsing, detection, streaming);
criterion_main!(benches);
