//! The speed limit for `scripts/bench`: parse an Okta System Log NDJSON file into typed
//! `serde_json` structs (the fields irp reads, owned), nothing else, on N threads.
//!
//! ```text
//! cargo run --release -p irp-core --example parse_only -- FILE [THREADS]
//! ```
//! Prints the number of records parsed.

use std::fs::File;
use std::io::{self, Read};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct LogEvent {
    uuid: Option<String>,
    published: String,
    event_type: String,
    actor: Option<Principal>,
    client: Option<Client>,
    outcome: Option<Outcome>,
    authentication_context: Option<AuthContext>,
    security_context: Option<SecurityContext>,
    debug_context: Option<DebugContext>,
    #[serde(default)]
    target: Vec<Principal>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Principal {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    alternate_id: Option<String>,
    display_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Client {
    user_agent: Option<UserAgent>,
    ip_address: Option<String>,
    id: Option<String>,
    geographical_context: Option<GeoContext>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct UserAgent {
    raw_user_agent: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct GeoContext {
    city: Option<String>,
    state: Option<String>,
    country: Option<String>,
    geolocation: Option<LatLon>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct LatLon {
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Outcome {
    result: Option<String>,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct AuthContext {
    external_session_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct SecurityContext {
    as_number: Option<u32>,
    as_org: Option<String>,
    isp: Option<String>,
    is_proxy: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct DebugContext {
    debug_data: Option<DebugData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct DebugData {
    factor: Option<String>,
    grant_type: Option<String>,
}

/// Chunks of this size (cut at a newline) go to the workers.
const CHUNK: usize = 4 << 20;

fn parse_chunk(chunk: &[u8]) -> u64 {
    let mut n = 0;
    for line in chunk.split(|&b| b == b'\n') {
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice::<LogEvent>(line) {
            Ok(e) => {
                std::hint::black_box(&e);
                n += 1;
            }
            Err(err) => eprintln!("parse error: {err}"),
        }
    }
    n
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "bench/data/okta.ndjson".into());
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(2).max(1);
    let mut file = File::open(&path)?;
    let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(threads * 2);
    let rx = Arc::new(Mutex::new(rx));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let rx = Arc::clone(&rx);
            std::thread::spawn(move || {
                let mut total = 0u64;
                loop {
                    let chunk = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => break,
                    };
                    let Ok(chunk) = chunk else { break };
                    total += parse_chunk(&chunk);
                }
                total
            })
        })
        .collect();
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let mut buf = std::mem::take(&mut carry);
        let old = buf.len();
        buf.resize(old + CHUNK, 0);
        let n = file.read(&mut buf[old..])?;
        buf.truncate(old + n);
        if n == 0 {
            if !buf.is_empty() {
                let _ = tx.send(buf);
            }
            break;
        }
        match buf.iter().rposition(|&b| b == b'\n') {
            Some(cut) => {
                carry = buf[cut + 1..].to_vec();
                buf.truncate(cut + 1);
                let _ = tx.send(buf);
            }
            None => carry = buf,
        }
    }
    drop(tx);
    let total: u64 = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
    println!("{total}");
    Ok(())
}
