//! The typed Okta fast path (`parse::okta_fast`) against the `Value` path: every Okta record the
//! repository has, a generated data set, and mutated records must give the same result, or the
//! fast path must decline (and the `Value` path then decides).

use irp_core::evidence::parse::okta_fast::{parse_str_using, Reader};
use irp_core::evidence::parse::{parse_record, parse_text, sniff, unwrap_provenance, ParseResult};
use irp_core::evidence::{EventId, EvidenceError, Format, RecordReader};
use proptest::prelude::*;
use serde_json::{json, Value};

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/gen_okta.rs"]
mod gen_okta;

mod corpus;
use corpus::{files_under, repo};

/// The Okta records of the repository: `(file, text)` for every record sniffed as Okta (as
/// written, and re-rendered).
fn okta_corpus() -> Vec<(String, String)> {
    corpus::records().into_iter().filter(|(_, _, v)| sniff(v) == Some(Format::Okta)).map(|(f, t, _)| (f, t)).collect()
}

fn generated() -> String {
    let cfg = gen_okta::Config { events: 3_000, users: 40, attacks: 8, seed: 11 };
    let mut data = Vec::new();
    gen_okta::generate(&cfg, &mut data, &mut Vec::new()).expect("generate");
    String::from_utf8(data).expect("utf-8")
}

/// The `Value` path's result for `text` in `format`, `None` when the text is not JSON.
fn slow(text: &str, format: Format) -> Option<ParseResult> {
    let value: Value = serde_json::from_str(text).ok()?;
    Some(parse_record(&value, format))
}

/// Checks both formats; returns whether the fast path took the record (in Auto mode).
fn check(text: &str, what: &str) -> bool {
    let mut took = false;
    for format in [Format::Auto, Format::Okta] {
        let fast = parse_text(text, format);
        let Some(fast) = fast else { continue };
        took |= format == Format::Auto;
        let slow = slow(text, format).unwrap_or_else(|| panic!("{what}: fast path took invalid JSON: {text}"));
        assert_eq!(fast, slow, "{what} ({format:?}): {text}");
    }
    took
}

#[test]
fn every_okta_record_parses_the_same_both_ways() {
    let corpus = okta_corpus();
    assert!(corpus.len() > 200, "corpus too small: {}", corpus.len());
    let mut took = 0;
    for (file, text) in &corpus {
        took += usize::from(check(text, file));
    }
    // The API-shape sets must all take the fast path; Sentinel rows never do (Panther rows do
    // when their keys are the API's, and were compared above).
    for (file, text) in &corpus {
        let api = ["tests/scenarios", "scenarios/demo", "vets_api_okta"].iter().any(|d| file.contains(d));
        if api {
            assert!(parse_text(text, Format::Auto).is_some(), "{file}: fast path declined {text}");
        }
        if file.contains("azure_sentinel") {
            assert!(parse_text(text, Format::Auto).is_none(), "{file}: fast path took {text}");
        }
    }
    assert!(took > 100, "fast path took only {took} records");
}

#[test]
fn generated_records_parse_the_same_both_ways() {
    let data = generated();
    let mut n = 0;
    for line in data.lines() {
        assert!(check(line, "generated"), "fast path declined {line}");
        n += 1;
    }
    assert!(n >= 3_000);
}

/// The fast path's two readers: the cursor gives what `serde_json` gives, or declines.
fn check_readers(text: &str) -> Result<bool, TestCaseError> {
    let scanned = parse_str_using(text, false, Reader::Scan);
    if scanned.is_some() {
        prop_assert!(serde_json::from_str::<Value>(text).is_ok(), "cursor took invalid JSON: {}", text);
        prop_assert_eq!(&scanned, &parse_str_using(text, false, Reader::Serde), "{}", text);
    }
    Ok(scanned.is_some())
}

/// The cursor reads every record the same as `serde_json`, and takes every one without a `\u`
/// escape (it is the reader the fast path uses first).
#[test]
fn the_cursor_reads_what_serde_json_reads() {
    let data = generated();
    for line in data.lines() {
        assert!(check_readers(line).unwrap(), "cursor declined {line}");
    }
    let mut took = 0;
    for (file, text) in okta_corpus() {
        let took_it = check_readers(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        if !text.contains("\\u") && parse_str_using(&text, false, Reader::Serde).is_some() {
            assert!(took_it, "{file}: cursor declined {text}");
        }
        took += usize::from(took_it);
    }
    assert!(took > 100, "cursor took only {took} records");
}

/// The reader with the fast path gives what reading each line into a `Value` gives: events
/// (with line-based ids when the record has none), unattributed records and errors with lines.
#[test]
fn reader_output_equals_the_value_path() {
    let root = repo();
    let mut files = Vec::new();
    files_under(&root.join("tests/scenarios"), &mut files);
    files_under(&root.join("testdata/samples/panther"), &mut files);
    files_under(&root.join("testdata/samples/azure_sentinel"), &mut files);
    files.push(root.join("scenarios/demo/okta.ndjson"));
    let mut inputs: Vec<(String, String)> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e != "json"))
        .map(|f| (f.display().to_string(), std::fs::read_to_string(f).expect("read")))
        .collect();
    inputs.push(("generated".into(), generated()));
    // Broken and declined records between good ones: errors must name the same lines.
    inputs.push((
        "mixed".into(),
        [
            r#"{"eventType":"user.session.start","published":"soon","actor":{"alternateId":"a@b.c"}}"#,
            r#"{"eventType":"user.session.start","published":"2024-05-01T09:00:00Z","actor":{"alternateId":"a@b.c"},"client":{"ipAddress":7}}"#,
            r#"{"eventType":"user.session.start","published":"2024-05-01T09:00:00Z","actor":{"alternateId":"a@b.c"},"x":"\ud800"}"#,
            r#"{"eventType":"user.session.start","published":"2024-05-01T09:00:00Z","actor":{"alternateId":"b@b.c"}}"#,
            r#"{"eventtype":"user.session.start","published":"2024-05-01T09:00:00Z","Actor":{"alternateId":"c@b.c"}}"#,
            r#"{"eventType":"user.session.start","published":"2024-05-01T09:00:00Z","actor":{"alternateId":"unknown"}}"#,
            r#"{"eventType":"nodots","published":"2024-05-01T09:00:00Z","actor":{"alternateId":"d@b.c"}}"#,
            r#"{"eventType":"user.session.start","published":"2024-05-01T09:00:00Z","actor":{"alternateId":"e@b.c"},"n":1e999}"#,
        ]
        .join("\n"),
    ));
    for (name, text) in &inputs {
        let got: Vec<Result<_, _>> = RecordReader::new(name.as_str(), text.as_bytes(), Format::Auto).collect();
        let mut want = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i as u64 + 1;
            if line.trim().is_empty() {
                continue;
            }
            let Ok(value) = serde_json::from_str::<Value>(line) else {
                // Syntax errors come from the scanner path, which the fast path never replaces.
                want.push(None);
                continue;
            };
            match parse_record(&value, Format::Auto) {
                Ok(Some(mut e)) => {
                    if e.id.0.is_empty() {
                        e.id = EventId(format!("{name}:{line_no}"));
                    }
                    want.push(Some(Ok(e)));
                }
                Ok(None) => {}
                Err(f) => want.push(Some(Err((line_no, f.field, f.message)))),
            }
        }
        assert_eq!(got.len(), want.len(), "{name}");
        for (g, w) in got.into_iter().zip(want) {
            match (g, w) {
                (_, None) => {}
                (Ok(g), Some(Ok(w))) => assert_eq!(g, w, "{name}"),
                (Err(EvidenceError::InvalidField { line, field, message, .. }), Some(Err(w))) => {
                    assert_eq!((line, field, message), w, "{name}")
                }
                (g, w) => panic!("{name}: got {g:?}, want {w:?}"),
            }
        }
    }
}

/// Paths the Okta parser reads (and a few it must not be fooled by).
const PATHS: &[&str] = &[
    "eventType",
    "published",
    "uuid",
    "actor",
    "actor.alternateId",
    "actor.type",
    "actor.displayName",
    "target",
    "target.0",
    "target.0.type",
    "target.0.id",
    "target.0.alternateId",
    "target.0.displayName",
    "target.0.detailEntry",
    "target.0.detailEntry.publicclientapp",
    "target.0.changeDetails",
    "target.0.changeDetails.from",
    "target.0.changeDetails.to",
    "outcome",
    "outcome.result",
    "outcome.reason",
    "client",
    "client.userAgent",
    "client.userAgent.rawUserAgent",
    "client.ipAddress",
    "client.geographicalContext",
    "client.geographicalContext.city",
    "client.geographicalContext.state",
    "client.geographicalContext.country",
    "client.geographicalContext.geolocation",
    "client.geographicalContext.geolocation.lat",
    "client.geographicalContext.geolocation.lon",
    "device",
    "device.id",
    "authenticationContext.externalSessionId",
    "authenticationContext.credentialType",
    "debugContext",
    "debugContext.debugData",
    "debugContext.debugData.factor",
    "debugContext.debugData.factorType",
    "debugContext.debugData.privilegeGranted",
    "debugContext.debugData.grantType",
    "debugContext.debugData.clientId",
    "debugContext.debugData.grantedScopes",
    "debugContext.debugData.changedAttributes",
    "debugContext.debugData.dtHash",
    "debugContext.debugData.risk",
    "debugContext.debugData.logOnlySecurityData",
    "securityContext",
    "securityContext.asNumber",
    "securityContext.asOrg",
    "securityContext.isp",
    "securityContext.isProxy",
    "securityContext.risk",
    "securityContext.risk.level",
    "request",
    "request.ipChain",
    "request.ipChain.0",
    "request.ipChain.0.ip",
    "request.ipChain.0.geographicalContext",
    "eventType_s",
    "p_log_type",
    "p_event_time",
    "event",
    "value",
    "items",
    "source_repo",
    "severity",
    "transaction.detail",
];

fn replacements() -> Vec<Value> {
    vec![
        Value::Null,
        json!(42),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(10993.0),
        json!(4_294_967_296u64),
        json!(true),
        json!("false"),
        json!(""),
        json!("null"),
        json!("unknown"),
        json!("UNKNOWN"),
        json!("User"),
        json!("AppInstance"),
        json!("ConsentGrant"),
        json!("HIGH"),
        json!("{level=MEDIUM, reasons=x}"),
        json!("x.y"),
        json!("user.account.update_profile"),
        json!("user.authentication.verify"),
        json!("app.oauth2.as.consent.grant"),
        json!("refresh_token"),
        json!("PASSWORD"),
        json!("2024-05-01 09:00:00.123"),
        json!("2024-05-01T09:00:00+02:00"),
        json!("1.2.3.4:443"),
        json!("[::1]:443"),
        json!("34.5"),
        json!("Okta.SystemLog"),
        json!([]),
        json!([{}]),
        json!(["x"]),
        json!({}),
        json!({"level": "LOW"}),
        json!({"risk": {"level": "medium"}}),
        json!({"secondEmail": 1, "mobilePhone": null}),
        json!([{"type": "User", "alternateId": "z@example.com"}]),
        json!([{"type": "AppInstance", "displayName": "Slack", "changeDetails": {"to": {"primaryPhone": 1}}}]),
        json!("[{\"type\":\"User\",\"alternateId\":\"s@example.com\"}]"),
        json!({"eventType": "user.session.start"}),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, usize),
    Remove(usize),
    /// The last key of the path in upper case (Panther-style case variants).
    Upper(usize),
    /// The last key of the path upper-cased in a copy beside the original.
    Twin(usize),
}

fn lookup_parent<'v>(root: &'v mut Value, keys: &[&str]) -> Option<&'v mut Value> {
    let mut cur = root;
    for k in keys {
        cur = match k.parse::<usize>() {
            Ok(i) => cur.as_array_mut()?.get_mut(i)?,
            Err(_) => {
                let map = cur.as_object_mut()?;
                map.entry(k.to_string()).or_insert_with(|| json!({}))
            }
        };
    }
    Some(cur)
}

fn apply(record: &Value, m: &Mutation) -> Value {
    let mut r = record.clone();
    let path = |i: usize| PATHS[i].split('.').collect::<Vec<_>>();
    let (i, op) = match m {
        Mutation::Set(i, _) | Mutation::Remove(i) | Mutation::Upper(i) | Mutation::Twin(i) => (*i, m),
    };
    let keys = path(i);
    let (last, parent) = keys.split_last().expect("non-empty path");
    let Some(node) = lookup_parent(&mut r, parent) else { return r };
    match (node, last.parse::<usize>()) {
        (Value::Array(items), Ok(n)) => match op {
            Mutation::Set(_, v) if n < items.len() => items[n] = replacements()[*v].clone(),
            Mutation::Remove(_) if n < items.len() => {
                items.remove(n);
            }
            _ => {}
        },
        (Value::Object(map), Err(_)) => match op {
            Mutation::Set(_, v) => {
                map.insert(last.to_string(), replacements()[*v].clone());
            }
            Mutation::Remove(_) => {
                map.remove(*last);
            }
            Mutation::Upper(_) => {
                if let Some(v) = map.remove(*last) {
                    map.insert(last.to_ascii_uppercase(), v);
                }
            }
            Mutation::Twin(_) => {
                if let Some(v) = map.get(*last).cloned() {
                    map.insert(last.to_ascii_uppercase(), v);
                }
            }
        },
        _ => {}
    }
    r
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = PATHS.len();
    let v = replacements().len();
    prop_oneof![
        6 => (0..n, 0..v).prop_map(|(i, v)| Mutation::Set(i, v)),
        2 => (0..n).prop_map(Mutation::Remove),
        1 => (0..n).prop_map(Mutation::Upper),
        1 => (0..n).prop_map(Mutation::Twin),
    ]
}

fn bases() -> Vec<Value> {
    let mut out: Vec<Value> = okta_corpus()
        .into_iter()
        .filter_map(|(_, t)| serde_json::from_str::<Value>(&t).ok())
        .map(|v| unwrap_provenance(&v).clone())
        .collect();
    out.extend(generated().lines().take(200).filter_map(|l| serde_json::from_str(l).ok()));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Dropped, nulled, retyped, re-cased and duplicated fields: the fast path gives the `Value`
    /// path's result or declines.
    #[test]
    fn mutated_records_parse_the_same_or_fall_back(
        base in any::<prop::sample::Index>(),
        muts in proptest::collection::vec(mutation(), 1..4),
        raw_dup in any::<bool>(),
    ) {
        let bases = bases_cached();
        let mut record = bases[base.index(bases.len())].clone();
        for m in &muts {
            record = apply(&record, m);
        }
        let mut text = record.to_string();
        if raw_dup && text.starts_with('{') && text.len() > 2 {
            // A duplicate key in the text: `Value` keeps the last one, the fast path declines.
            text = format!("{{\"eventType\":\"user.session.start\",{}", &text[1..]);
        }
        for format in [Format::Auto, Format::Okta] {
            if let Some(fast) = parse_text(&text, format) {
                let slow = slow(&text, format);
                prop_assert_eq!(Some(fast), slow, "{:?} {:?}: {}", format, muts, text);
            }
        }
        check_readers(&text)?;
    }

    /// Bytes inserted, replaced and deleted anywhere in a record's text: whatever the cursor
    /// still takes, `serde_json` takes and reads the same.
    #[test]
    fn edited_texts_read_the_same_or_decline(
        base in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0..3u8, any::<prop::sample::Index>()), 1..4),
    ) {
        const BYTES: &[u8] = b"{}[]\",:. -+0123456789eEtrufalsn\\\t\n\x01\x7f";
        let bases = texts_cached();
        let mut text = bases[base.index(bases.len())].clone().into_bytes();
        for (at, op, byte) in &edits {
            let at = at.index(text.len() + 1);
            let byte = BYTES[byte.index(BYTES.len())];
            match op {
                0 => text.insert(at, byte),
                1 if at < text.len() => text[at] = byte,
                _ if at < text.len() => { text.remove(at); }
                _ => {}
            }
        }
        let text = String::from_utf8_lossy(&text);
        check_readers(&text)?;
    }
}

/// Record texts as written (generated, and the corpus' API-shape lines) for byte-level edits.
fn texts_cached() -> &'static [String] {
    static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(|| {
        let mut out: Vec<String> = generated().lines().take(300).map(str::to_owned).collect();
        out.extend(okta_corpus().into_iter().map(|(_, t)| t).filter(|t| t.len() < 4096));
        out
    })
}

fn bases_cached() -> &'static [Value] {
    static BASES: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    BASES.get_or_init(bases)
}

/// Text-level cases a `Value` round trip cannot produce.
#[test]
fn escapes_and_invalid_values() {
    let ok = r#"{"eventType":"user.session.start","published":"2024-05-01T09:00:00Z","actor":{"alternateId":"a\u0040b.c","type":"User"},"client":{"ipAddress":"1.2.3.4","geographicalContext":{"city":"K\u00f6ln"}},"displayMessage":"\"quoted\" \\ \n"}"#;
    assert!(check(ok, "escapes"));
    let e = parse_text(ok, Format::Auto).unwrap().unwrap().unwrap();
    assert_eq!(e.user.as_str(), "a@b.c");
    assert_eq!(e.network.geo.and_then(|g| g.city).as_deref(), Some("Köln"));
    // Invalid in fields the parser does not read: the `Value` path rejects them, so must this.
    for bad in [
        r#"{"eventType":"user.session.start","published":"2024-05-01T09:00:00Z","actor":{"alternateId":"a@b.c"},"x":"\ud800"}"#,
        r#"{"eventType":"user.session.start","published":"2024-05-01T09:00:00Z","actor":{"alternateId":"a@b.c"},"x":1e400}"#,
        r#"{"eventType":"user.session.start","published":"2024-05-01T09:00:00Z","actor":{"alternateId":"a@b.c"},"x":[1,]}"#,
        r#"{"eventType":"user.session.start","published":"2024-05-01T09:00:00Z","actor":{"alternateId":"a@b.c"}} x"#,
        r#"{"eventType":"user.session.start","published":"2024-05-01T09:00:00Z","actor":{"alternateId":"a@b.c"},"\ud800":1}"#,
    ] {
        assert!(serde_json::from_str::<Value>(bad).is_err(), "{bad}");
        assert_eq!(parse_text(bad, Format::Auto), None, "{bad}");
        assert_eq!(parse_text(bad, Format::Okta), None, "{bad}");
    }
    // Declined: the `Value` path decides (and names the field).
    let bad_time = r#"{"eventType":"user.session.start","published":"soon","actor":{"alternateId":"a@b.c"}}"#;
    assert_eq!(parse_text(bad_time, Format::Okta), None);
    let err = slow(bad_time, Format::Okta).unwrap().unwrap_err();
    assert_eq!((err.field.as_str(), err.message.as_str()), ("published", "not a timestamp: \"soon\""));
}
