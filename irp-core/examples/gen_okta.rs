//! Deterministic generator of bulk Okta System Log NDJSON for the benchmark (`scripts/bench`).
//!
//! Every event is a full API-shape LogEvent like those in `tests/scenarios/*/okta.jsonl` (actor,
//! client with geo, outcome, authenticationContext, securityContext, debugContext, transaction,
//! request.ipChain, target), about 1 KB each, in time order as an export is. Benign users sign in
//! from their home city, network, browser and device; a few dozen victims get one injected attack
//! each in the last two days (brute force then success, impossible travel, MFA push fatigue, a
//! sign-in from a new country), listed in a truth file (`user<TAB>expected signal kind<TAB>time`).
//!
//! ```text
//! cargo run --release -p irp-core --example gen_okta -- [--small] [--events N] [--users M]
//!     [--attacks K] [--seed S] [--out bench/data/okta.ndjson]
//! ```
//! Same arguments, same bytes.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};

use chrono::{DateTime, Utc};

/// A splitmix64 stream: tiny, fast and identical on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn hex(&mut self, out: &mut String, digits: usize) {
        let v = self.next();
        for i in 0..digits {
            let nibble = ((v >> ((i % 16) * 4)) & 0xf) as u8;
            out.push(char::from(if nibble < 10 { b'0' + nibble } else { b'a' + nibble - 10 }));
        }
    }
    fn uuid(&mut self) -> String {
        let mut s = String::with_capacity(36);
        for (i, n) in [8, 4, 4, 4, 12].into_iter().enumerate() {
            if i > 0 {
                s.push('-');
            }
            self.hex(&mut s, n);
        }
        s
    }
}

/// A city with the network its users come from: (city, state, country, lat, lon, asn, asOrg, isp,
/// first two IPv4 octets).
type Place = (&'static str, &'static str, &'static str, f64, f64, u32, &'static str, &'static str, [u8; 2]);

const HOMES: [Place; 8] = [
    ("New York", "New York", "United States", 40.7128, -74.006, 701, "Verizon Business", "Verizon Fios", [71, 190]),
    (
        "San Francisco",
        "California",
        "United States",
        37.7749,
        -122.4194,
        7922,
        "Comcast Cable Communications, LLC",
        "Comcast Cable",
        [73, 158],
    ),
    ("Chicago", "Illinois", "United States", 41.8781, -87.6298, 7018, "AT&T Services, Inc.", "AT&T Internet", [99, 12]),
    ("Austin", "Texas", "United States", 30.2672, -97.7431, 11427, "Charter Communications Inc", "Spectrum", [24, 28]),
    (
        "Seattle",
        "Washington",
        "United States",
        47.6062,
        -122.3321,
        7922,
        "Comcast Cable Communications, LLC",
        "Comcast Cable",
        [67, 183],
    ),
    ("London", "England", "United Kingdom", 51.5074, -0.1278, 2856, "British Telecommunications PLC", "BT", [86, 128]),
    ("Berlin", "Berlin", "Germany", 52.52, 13.405, 3320, "Deutsche Telekom AG", "Telekom", [91, 64]),
    ("Toronto", "Ontario", "Canada", 43.6532, -79.3832, 577, "Bell Canada", "Bell Canada", [142, 112]),
];

const ATTACKERS: [Place; 5] = [
    ("Lagos", "Lagos", "Nigeria", 6.5244, 3.3792, 29465, "MTN Nigeria Communication limited", "MTN Nigeria", [102, 89]),
    ("Moscow", "Moscow", "Russia", 55.7558, 37.6173, 8359, "MTS PJSC", "MTS", [95, 165]),
    ("Bucharest", "Bucuresti", "Romania", 44.4268, 26.1025, 9009, "M247 Europe SRL", "M247 Europe", [185, 156]),
    ("Jakarta", "Jakarta", "Indonesia", -6.2088, 106.8456, 7713, "PT Telekomunikasi Indonesia", "Telkom", [36, 66]),
    (
        "Sao Paulo",
        "Sao Paulo",
        "Brazil",
        -23.5505,
        -46.6333,
        28573,
        "Claro NXT Telecomunicacoes Ltda",
        "Claro",
        [177, 32],
    ),
];

const AGENTS: [(&str, &str, &str); 4] = [
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Mac OS X", "CHROME"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80", "Windows 10", "EDGE"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Windows 10", "CHROME"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "Linux", "FIREFOX"),
];
const ATTACKER_AGENT: (&str, &str, &str) = ("python-requests/2.31.0", "Unknown", "UNKNOWN");

const APPS: [&str; 5] = ["Salesforce.com", "Slack", "Zoom", "Workday", "GitHub Enterprise Cloud"];

/// 2024-04-01T00:00:00Z: the export covers the 30 days after it.
const START_MS: i64 = 1_711_929_600_000;
const SPAN_MS: i64 = 30 * 24 * 3600 * 1000;

/// Generator settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Benign events (the attacks add a few hundred more).
    pub events: u64,
    /// Users.
    pub users: u64,
    /// Injected compromises (one victim each), cycling through the four attack kinds.
    pub attacks: u64,
    /// PRNG seed.
    pub seed: u64,
}

impl Config {
    /// The default benchmark: a million events over 10,000 users (~1 GB).
    pub fn full() -> Self {
        Config { events: 1_000_000, users: 10_000, attacks: 40, seed: 7 }
    }
    /// A quick one (~50 MB).
    pub fn small() -> Self {
        Config { events: 50_000, users: 500, attacks: 12, seed: 7 }
    }
}

struct User {
    email: String,
    name: String,
    okta_id: String,
    home: &'static Place,
    ip: String,
    agent: (&'static str, &'static str, &'static str),
    device: String,
}

fn user(i: u64, rng: &mut Rng) -> User {
    const FIRST: [&str; 10] = ["Ada", "Ben", "Chloe", "Dev", "Eva", "Femi", "Gus", "Hana", "Ivan", "Jia"];
    const LAST: [&str; 10] = ["Moss", "Okafor", "Lind", "Patel", "Reyes", "Sato", "Novak", "Kim", "Berg", "Diaz"];
    let home = &HOMES[(i % HOMES.len() as u64) as usize];
    // Few users per /24, so colleagues do not all look like one shared office network.
    let ip = format!("{}.{}.{}.{}", home.8[0], home.8[1], (i / 8) % 250 + 1, rng.below(250) + 2);
    let mut device = String::from("guo");
    rng.hex(&mut device, 17);
    User {
        email: format!("user{i:05}@example.com"),
        name: format!("{} {}", FIRST[(i % 10) as usize], LAST[((i / 10) % 10) as usize]),
        okta_id: format!("00u{i:08}abcdefgh"),
        home,
        ip,
        agent: AGENTS[rng.below(AGENTS.len() as u64) as usize],
        device,
    }
}

/// What one event says, besides who and when.
struct Spec<'a> {
    event_type: &'a str,
    display: &'a str,
    legacy: Option<&'a str>,
    result: &'a str,
    reason: Option<&'a str>,
    place: &'a Place,
    ip: &'a str,
    agent: (&'a str, &'a str, &'a str),
    device: Option<&'a str>,
    session: &'a str,
    debug_extra: &'a str,
    target_app: Option<&'a str>,
}

fn ts(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn opt(s: Option<&str>) -> String {
    s.map_or_else(|| "null".to_owned(), |s| format!("\"{s}\""))
}

/// What Okta's behaviour detection logs on sign-ins, as the API returns it: JSON *text* in
/// `debugData` (so the record has escapes). Always low and negative here: the benchmark's
/// recall must come from irp's detectors, not from the IdP's verdict.
const LOG_ONLY_SECURITY_DATA: &str = r#","logOnlySecurityData":"{\"risk\":{\"level\":\"LOW\"},\"behaviors\":{\"New Geo-Location\":\"NEGATIVE\",\"New Device\":\"NEGATIVE\",\"New IP\":\"NEGATIVE\",\"New State\":\"NEGATIVE\",\"New Country\":\"NEGATIVE\",\"Velocity\":\"NEGATIVE\",\"New City\":\"NEGATIVE\"}}""#;

/// Writes one LogEvent as one line, keys in the order Okta's API returns them.
fn write_event(out: &mut String, rng: &mut Rng, u: &User, ms: i64, s: &Spec<'_>) {
    let p = s.place;
    let security_data = match s.event_type {
        "user.session.start" | "user.authentication.verify" | "user.authentication.auth_via_mfa" => {
            LOG_ONLY_SECURITY_DATA
        }
        _ => "",
    };
    let geo = format!(
        r#"{{"city":"{}","state":"{}","country":"{}","postalCode":null,"geolocation":{{"lat":{},"lon":{}}}}}"#,
        p.0, p.1, p.2, p.3, p.4
    );
    let uuid = rng.uuid();
    let mut request_id = String::new();
    rng.hex(&mut request_id, 24);
    let mut txn = String::new();
    rng.hex(&mut txn, 20);
    let target = match s.target_app {
        Some(app) => format!(
            r#"[{{"id":"0oa{}","type":"AppInstance","alternateId":"{app}","displayName":"{app}","detailEntry":null}}]"#,
            app.len() * 7919
        ),
        None => "[]".to_owned(),
    };
    let _ = write!(
        out,
        r#"{{"actor":{{"id":"{}","type":"User","alternateId":"{}","displayName":"{}","detailEntry":null}},"client":{{"userAgent":{{"rawUserAgent":"{}","os":"{}","browser":"{}"}},"zone":"null","device":"Computer","id":{},"ipAddress":"{}","geographicalContext":{geo}}},"device":null,"authenticationContext":{{"authenticationProvider":null,"credentialProvider":null,"credentialType":null,"issuer":null,"interface":null,"authenticationStep":0,"rootSessionId":"{}","externalSessionId":"{}"}},"displayMessage":"{}","eventType":"{}","outcome":{{"result":"{}","reason":{}}},"published":"{}","securityContext":{{"asNumber":{},"asOrg":"{}","isp":"{}","domain":null,"isProxy":false}},"severity":"{}","debugContext":{{"debugData":{{"requestId":"{request_id}","requestUri":"/idp/idx/identify","url":"/idp/idx/identify?"{}{security_data}}}}},"legacyEventType":{},"transaction":{{"type":"WEB","id":"{txn}","detail":{{}}}},"uuid":"{uuid}","version":"0","request":{{"ipChain":[{{"ip":"{}","geographicalContext":{geo},"version":"V4","source":null}}]}},"target":{target}}}"#,
        u.okta_id,
        u.email,
        u.name,
        s.agent.0,
        s.agent.1,
        s.agent.2,
        opt(s.device),
        s.ip,
        s.session,
        s.session,
        s.display,
        s.event_type,
        s.result,
        opt(s.reason),
        ts(ms),
        p.5,
        p.6,
        p.7,
        if s.result == "SUCCESS" { "INFO" } else { "WARN" },
        s.debug_extra,
        opt(s.legacy),
        s.ip,
    );
    out.push('\n');
}

/// One benign event of a random kind for `u` at `ms`.
fn benign(out: &mut String, rng: &mut Rng, u: &User, ms: i64) {
    let session = format!("102{}", &u.okta_id[3..11]);
    let base = Spec {
        event_type: "user.session.start",
        display: "User login to Okta",
        legacy: Some("core.user_auth.login_success"),
        result: "SUCCESS",
        reason: None,
        place: u.home,
        ip: &u.ip,
        agent: u.agent,
        device: Some(&u.device),
        session: &session,
        debug_extra: "",
        target_app: None,
    };
    let app = APPS[rng.below(APPS.len() as u64) as usize];
    let roll = rng.below(100);
    let spec = match roll {
        0..=34 => base,
        35..=64 => Spec {
            event_type: "user.authentication.sso",
            display: "User single sign on to app",
            legacy: Some("app.auth.sso"),
            target_app: Some(app),
            ..base
        },
        65..=76 => Spec {
            event_type: "user.authentication.auth_via_mfa",
            display: "Authentication of user via MFA",
            legacy: Some("core.user.factor.attempt_success"),
            debug_extra: r#","factor":"OKTA_VERIFY_PUSH""#,
            ..base
        },
        77..=84 => Spec { event_type: "user.session.end", display: "User logout from Okta", legacy: None, ..base },
        85..=87 => Spec {
            result: "FAILURE",
            reason: Some("INVALID_CREDENTIALS"),
            legacy: Some("core.user_auth.login_failed"),
            ..base
        },
        88..=95 => Spec {
            event_type: "app.oauth2.as.token.grant.refresh_token",
            display: "OAuth2 refresh token is granted",
            legacy: None,
            debug_extra: r#","grantType":"refresh_token""#,
            target_app: Some(app),
            ..base
        },
        _ => Spec {
            event_type: "policy.evaluate_sign_on",
            display: "Evaluation of sign-on policy",
            legacy: None,
            result: "ALLOW",
            ..base
        },
    };
    write_event(out, rng, u, ms, &spec);
}

/// The attack kinds, with the signal each must raise.
const ATTACK_KINDS: [&str; 4] = ["brute_force_success", "impossible_travel", "mfa_fatigue", "new_country"];

/// Writes the events of one attack on `u` starting at `ms`; returns the lines and the decisive time.
fn attack(rng: &mut Rng, u: &User, kind: &str, ms: i64, n: u64) -> (Vec<(i64, String)>, i64) {
    let place = &ATTACKERS[(n % ATTACKERS.len() as u64) as usize];
    let ip = format!("{}.{}.{}.{}", place.8[0], place.8[1], n % 200 + 10, n % 50 + 100);
    let session = format!("102attack{n:06}");
    let evil = Spec {
        event_type: "user.session.start",
        display: "User login to Okta",
        legacy: Some("core.user_auth.login_success"),
        result: "SUCCESS",
        reason: None,
        place,
        ip: &ip,
        agent: ATTACKER_AGENT,
        device: None,
        session: &session,
        debug_extra: "",
        target_app: None,
    };
    let mut lines = Vec::new();
    let mut emit = |rng: &mut Rng, t: i64, spec: &Spec<'_>| {
        let mut s = String::new();
        write_event(&mut s, rng, u, t, spec);
        lines.push((t, s));
    };
    let decisive = match kind {
        "brute_force_success" => {
            for i in 0..12 {
                let fail = Spec {
                    result: "FAILURE",
                    reason: Some("INVALID_CREDENTIALS"),
                    legacy: Some("core.user_auth.login_failed"),
                    ..evil
                };
                emit(rng, ms + i * 40_000, &fail);
            }
            let t = ms + 12 * 40_000 + 5_000;
            emit(rng, t, &evil);
            t
        }
        "impossible_travel" => {
            let session = format!("102{}", &u.okta_id[3..11]);
            let home =
                Spec { place: u.home, ip: &u.ip, agent: u.agent, device: Some(&u.device), session: &session, ..evil };
            emit(rng, ms, &home);
            let t = ms + 25 * 60_000;
            emit(rng, t, &Spec { agent: u.agent, ..evil });
            t
        }
        "mfa_fatigue" => {
            let verify = Spec {
                event_type: "user.authentication.verify",
                display: "Verify user identity",
                legacy: None,
                debug_extra: r#","factor":"PASSWORD_AS_FACTOR""#,
                ..evil
            };
            emit(rng, ms, &verify);
            for i in 0..7 {
                let send = Spec {
                    event_type: "system.push.send_factor_verify_push",
                    display: "A push notification was sent",
                    ..evil
                };
                emit(rng, ms + 30_000 + i * 60_000, &send);
                let deny = Spec {
                    event_type: "user.mfa.okta_verify.deny_push",
                    display: "User rejected Okta push verify",
                    result: "FAILURE",
                    reason: Some("User rejected Okta Verify push"),
                    ..evil
                };
                emit(rng, ms + 45_000 + i * 60_000, &deny);
            }
            let t = ms + 8 * 60_000;
            let approve = Spec {
                event_type: "user.authentication.auth_via_mfa",
                display: "Authentication of user via MFA",
                debug_extra: r#","factor":"OKTA_VERIFY_PUSH""#,
                ..evil
            };
            emit(rng, t, &approve);
            t
        }
        _ => {
            // A sign-in from a country never seen, far enough after the last one to be possible.
            emit(rng, ms, &Spec { agent: u.agent, ..evil });
            ms
        }
    };
    (lines, decisive)
}

/// Generates the whole data set into `out` (NDJSON) and `truth` (TSV).
pub fn generate(cfg: &Config, out: &mut dyn Write, truth: &mut dyn Write) -> io::Result<u64> {
    let mut rng = Rng(cfg.seed);
    let users: Vec<User> = (0..cfg.users.max(1)).map(|i| user(i, &mut rng)).collect();
    // Victims: spread over the user list, attacked in the last two days.
    let attacks = cfg.attacks.min(users.len() as u64);
    let mut pending: Vec<(i64, String)> = Vec::new();
    writeln!(truth, "user\tkind\ttime")?;
    for n in 0..attacks {
        let victim = &users[(n * users.len() as u64 / attacks.max(1)) as usize];
        let kind = ATTACK_KINDS[(n % 4) as usize];
        let at = START_MS + SPAN_MS - 2 * 24 * 3600 * 1000 + rng.below(36 * 3600 * 1000) as i64;
        let (lines, decisive) = attack(&mut rng, victim, kind, at, n);
        writeln!(truth, "{}\t{kind}\t{}", victim.email, ts(decisive))?;
        pending.extend(lines);
    }
    pending.sort_by_key(|(t, _)| *t);
    let mut pending = pending.into_iter().peekable();
    let mut line = String::with_capacity(2048);
    let mut written = 0u64;
    let step = SPAN_MS as f64 / cfg.events.max(1) as f64;
    for i in 0..cfg.events {
        let ms = START_MS + (i as f64 * step) as i64;
        while let Some((_, text)) = pending.next_if(|(t, _)| *t <= ms) {
            out.write_all(text.as_bytes())?;
            written += 1;
        }
        line.clear();
        let u = &users[rng.below(users.len() as u64) as usize];
        benign(&mut line, &mut rng, u, ms);
        out.write_all(line.as_bytes())?;
        written += 1;
    }
    for (_, text) in pending {
        out.write_all(text.as_bytes())?;
        written += 1;
    }
    Ok(written)
}

fn main() -> io::Result<()> {
    let mut cfg = Config::full();
    let mut out = String::from("bench/data/okta.ndjson");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut num = |what: &str| -> io::Result<u64> {
            args.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{what} needs a number")))
        };
        match arg.as_str() {
            "--small" => cfg = Config { seed: cfg.seed, ..Config::small() },
            "--events" => cfg.events = num("--events")?,
            "--users" => cfg.users = num("--users")?,
            "--attacks" => cfg.attacks = num("--attacks")?,
            "--seed" => cfg.seed = num("--seed")?,
            "--out" => out = args.next().unwrap_or(out),
            other => {
                eprintln!("usage: gen_okta [--small] [--events N] [--users M] [--attacks K] [--seed S] [--out PATH]");
                return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("unknown argument {other}")));
            }
        }
    }
    if let Some(dir) = std::path::Path::new(&out).parent() {
        std::fs::create_dir_all(dir)?;
    }
    let truth_path = format!("{}.truth.tsv", out.trim_end_matches(".ndjson"));
    let mut data = BufWriter::with_capacity(1 << 20, File::create(&out)?);
    let mut truth = BufWriter::new(File::create(&truth_path)?);
    let n = generate(&cfg, &mut data, &mut truth)?;
    data.flush()?;
    truth.flush()?;
    eprintln!("wrote {n} events over {} users to {out} (truth: {truth_path})", cfg.users);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use irp_core::assess::Assessor;
    use irp_core::evidence::Format;
    use irp_core::policy::Policy;

    /// A tiny data set parses without a skip and every injected attack raises its signal.
    #[test]
    fn small_data_parses_and_every_attack_is_found() {
        let cfg = Config { events: 6_000, users: 60, attacks: 8, seed: 3 };
        let (mut data, mut truth) = (Vec::new(), Vec::new());
        let n = generate(&cfg, &mut data, &mut truth).unwrap();
        let mut again = Vec::new();
        generate(&cfg, &mut again, &mut Vec::new()).unwrap();
        assert!(data == again, "deterministic");
        let mut a = Assessor::new(Policy::default()).strict(true);
        let stats = a.push_source("gen.ndjson", data.as_slice(), Format::Auto).unwrap();
        assert_eq!((stats.records, stats.events, stats.skipped), (n, n, 0));
        let results = a.finish();
        let truth = String::from_utf8(truth).unwrap();
        for row in truth.lines().skip(1) {
            let mut cols = row.split('\t');
            let (user, kind) = (cols.next().unwrap(), cols.next().unwrap());
            let got = results.iter().find(|r| r.user.as_str() == user).unwrap();
            assert!(got.signals.iter().any(|s| s.kind.name() == kind), "{user} {kind}: {:?}", got.signals);
        }
    }
}
