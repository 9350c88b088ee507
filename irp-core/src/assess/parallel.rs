//! Reading one source on several threads, with exactly the result of a one-pass read.
//!
//! The input is cut at newlines into parts of [`CHUNK_BYTES`]; each worker reads a part into its
//! own [`Assessor::shard`], and the shards are merged in input order as they come, so memory stays
//! bounded. A part that fails (a record spanning lines, a JSON array, an invalid record) is read
//! again sequentially together with everything after it, so framing and error messages are
//! exactly those of a one-pass read. Folding users' look-backs into their baselines, the costly
//! part of filing events, is done in batches on all threads ([`Assessor::sweep_users`]) rather
//! than on the merging thread.
//!
//! Only threads and the caller's reader are used: no file is opened here.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::{mpsc, Mutex};

use super::Assessor;
use crate::evidence::{EvidenceError, Format, ReadStats};

/// Bytes per part handed to a worker (cut at the last newline in it).
const CHUNK_BYTES: usize = 256 << 10;
/// Parts read ahead per worker: enough that workers keep parsing while the merging thread files
/// events or waits for a sweep (a few MiB in all).
const IN_FLIGHT_PER_THREAD: u64 = 8;

/// One part of a source: where it starts and its bytes.
struct Chunk {
    seq: u64,
    first_line: u64,
    bytes: Vec<u8>,
}

/// What a worker sends back: the part, and its shard or why it failed.
type Done = (Chunk, Result<Assessor, EvidenceError>);

impl Assessor {
    /// [`Assessor::push_source`] on up to `threads` threads (any `threads`, same result; 1 reads
    /// on the calling thread). Worth it for NDJSON, which is split at newlines; other framings
    /// are detected on the first part and read in one pass. On error nothing from this source
    /// is kept, as with [`Assessor::push_source`].
    ///
    /// Every event is a handful of small allocations made on a worker and freed elsewhere: use
    /// an allocator built for threads (the `irp` binary and the Python extension use mimalloc).
    /// With glibc's, threads contend on `malloc` and this can be slower than one pass.
    ///
    /// ```
    /// use irp_core::assess::Assessor;
    /// use irp_core::evidence::Format;
    /// use irp_core::policy::Policy;
    ///
    /// let line = r#"{"uuid":"e1","published":"2024-05-01T09:00:00Z","eventType":"user.session.start","actor":{"alternateId":"alice@example.com","type":"User"},"outcome":{"result":"SUCCESS"}}"#;
    /// let mut assessor = Assessor::new(Policy::default());
    /// let stats = assessor.push_source_parallel("okta.ndjson", line.as_bytes(), Format::Auto, 2)?;
    /// assert_eq!(stats.events, 1);
    /// assert_eq!(assessor.finish()[0].user.as_str(), "alice@example.com");
    /// # Ok::<(), irp_core::evidence::EvidenceError>(())
    /// ```
    pub fn push_source_parallel<R: BufRead>(
        &mut self,
        source_name: &str,
        input: R,
        format: Format,
        threads: usize,
    ) -> Result<ReadStats, EvidenceError> {
        if threads <= 1 {
            return self.push_source(source_name, input, format);
        }
        self.transaction(|a| {
            a.sweep_threads = threads;
            let read = a.read_parallel(source_name, input, format, threads);
            a.sweep_threads = 1;
            a.sweep_users(threads);
            read
        })
    }

    fn read_parallel<R: BufRead>(
        &mut self,
        source: &str,
        mut input: R,
        format: Format,
        threads: usize,
    ) -> Result<ReadStats, EvidenceError> {
        let template = self.shard();
        let (job_tx, job_rx) = mpsc::sync_channel::<Chunk>(threads);
        let job_rx = Mutex::new(job_rx);
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        let read_error = |e: io::Error| EvidenceError::Read { source_name: source.to_owned(), message: e.to_string() };
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let (job_rx, done_tx, template) = (&job_rx, done_tx.clone(), &template);
                scope.spawn(move || loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(chunk) = job else { return };
                    let mut shard = template.shard();
                    // Records are rarely under a few hundred bytes: reserving for that spares the
                    // shard's list of events most of its regrowth copies.
                    shard.reserve_stream(chunk.bytes.len() / 512);
                    let result =
                        shard.read_source(source, chunk.bytes.as_slice(), format, chunk.first_line).map(|_| shard);
                    if done_tx.send((chunk, result)).is_err() {
                        return;
                    }
                });
            }
            drop(done_tx);
            let mut stats = ReadStats::default();
            let mut carry = Vec::new();
            let (mut sent, mut merged, mut line, mut eof) = (0u64, 0u64, 1u64, false);
            // Part buffers come back with the workers' results and are reused: a fresh 1 MiB
            // buffer is fresh pages the kernel must fault in and zero, for every part.
            let mut spare: Vec<Vec<u8>> = Vec::new();
            let mut waiting: BTreeMap<u64, Done> = BTreeMap::new();
            let mut failed: Option<Chunk> = None;
            let mut io_error = None;
            while failed.is_none() && io_error.is_none() {
                while !eof && sent - merged < IN_FLIGHT_PER_THREAD * threads as u64 {
                    match next_chunk(&mut input, &mut carry, spare.pop().unwrap_or_default()) {
                        Ok(Some(bytes)) => {
                            let first_line = line;
                            line += memchr::memchr_iter(b'\n', &bytes).count() as u64;
                            let chunk = Chunk { seq: sent, first_line, bytes };
                            sent += 1;
                            if job_tx.send(chunk).is_err() {
                                eof = true;
                            }
                        }
                        Ok(None) => eof = true,
                        Err(e) => {
                            eof = true;
                            io_error = Some(e);
                        }
                    }
                }
                if merged == sent {
                    break;
                }
                let Ok((chunk, result)) = done_rx.recv() else { break };
                waiting.insert(chunk.seq, (chunk, result));
                while let Some((chunk, result)) = waiting.remove(&merged) {
                    merged += 1;
                    match result {
                        Ok(shard) => {
                            stats.add(shard.stats());
                            self.merge(shard);
                            spare.push(chunk.bytes);
                        }
                        Err(_) => {
                            failed = Some(chunk);
                            break;
                        }
                    }
                }
            }
            drop(job_tx);
            // Collect the bytes of every part from the failed one on, in order.
            let Some(first) = failed else {
                return match io_error {
                    // A read error after parts that all parsed: exactly what a one-pass read reports.
                    Some(e) if merged == sent => Err(read_error(e)),
                    _ => Ok(stats),
                };
            };
            for (chunk, _) in done_rx.iter() {
                waiting.insert(chunk.seq, (chunk, Ok(template.shard())));
            }
            let first_line = first.first_line;
            let mut rest = first.bytes;
            for (chunk, _) in std::mem::take(&mut waiting).into_values() {
                rest.extend_from_slice(&chunk.bytes);
            }
            rest.extend_from_slice(&carry);
            let tail = io::Cursor::new(rest).chain(input);
            let tail_stats =
                self.read_source(source, BufReader::with_capacity(256 * 1024, tail), format, first_line)?;
            stats.add(&tail_stats);
            Ok(stats)
        })
    }
}

/// The next part of the input ending at a newline (or at the end of the input), in `buf`;
/// `carry` holds what followed the last newline of the previous part.
fn next_chunk<R: BufRead>(input: &mut R, carry: &mut Vec<u8>, mut buf: Vec<u8>) -> io::Result<Option<Vec<u8>>> {
    buf.clear();
    buf.reserve(CHUNK_BYTES + carry.len());
    buf.append(carry);
    let mut want = CHUNK_BYTES;
    loop {
        let searched = buf.len();
        while buf.len() < want {
            let avail = input.fill_buf()?;
            if avail.is_empty() {
                return Ok((!buf.is_empty()).then_some(buf));
            }
            let take = avail.len().min(want - buf.len());
            buf.extend_from_slice(&avail[..take]);
            input.consume(take);
        }
        if let Some(i) = memchr::memrchr(b'\n', &buf[searched..]) {
            carry.extend_from_slice(&buf[searched + i + 1..]);
            buf.truncate(searched + i + 1);
            return Ok(Some(buf));
        }
        // One line longer than a part: keep reading until it ends.
        want += CHUNK_BYTES;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::tests::contract;
    use crate::policy::Policy;

    /// Several chunks' worth of NDJSON over a month and 40 users, some records skipped.
    fn month(lines: usize) -> String {
        let mut out = String::new();
        for i in 0..lines {
            let user = format!("u{}@example.com", i % 40);
            let result = if i % 11 == 0 { "FAILURE" } else { "SUCCESS" };
            let published = if i % 997 == 0 {
                "redacted".to_owned()
            } else {
                let minute = i * 2;
                format!("2024-05-{:02}T{:02}:{:02}:00Z", 1 + minute / 1440 % 28, minute / 60 % 24, minute % 60)
            };
            out.push_str(&format!(
                r#"{{"uuid":"e{i}","published":"{published}","eventType":"user.session.start","actor":{{"alternateId":"{user}","type":"User"}},"outcome":{{"result":"{result}"}},"client":{{"ipAddress":"198.51.100.{}","geographicalContext":{{"country":"United States","geolocation":{{"lat":40.7,"lon":-74.0}}}}}},"securityContext":{{"asNumber":64500}},"debugContext":{{"debugData":{{"padding":"{}"}}}}}}"#,
                i % 200,
                "x".repeat(i % 300)
            ));
            out.push('\n');
        }
        out
    }

    #[test]
    fn any_thread_count_gives_the_one_pass_result() {
        let input = month(12_000);
        assert!(input.len() > 3 * CHUNK_BYTES, "several chunks");
        let mut whole = Assessor::new(Policy::default());
        whole.push_source("m.ndjson", input.as_bytes(), Format::Auto).unwrap();
        let (stats, warnings) = (whole.stats().clone(), whole.warnings().to_vec());
        let want = contract(&whole.finish());
        for threads in [2, 3, 8] {
            let mut a = Assessor::new(Policy::default());
            let got_stats = a.push_source_parallel("m.ndjson", input.as_bytes(), Format::Auto, threads).unwrap();
            assert_eq!((&got_stats, a.stats()), (&stats, &stats), "{threads} threads");
            assert_eq!(a.warnings(), warnings.as_slice());
            assert_eq!(contract(&a.finish_parallel(threads)), want, "{threads} threads");
        }
    }

    #[test]
    fn a_bad_record_late_in_the_input_fails_like_a_one_pass_read_and_keeps_nothing() {
        let mut input = month(9_000);
        input.push_str("{\"uuid\": oops}\n");
        input.push_str(&month(10));
        let mut one_pass = Assessor::new(Policy::default());
        let want = one_pass.push_source("m.ndjson", input.as_bytes(), Format::Auto).unwrap_err().to_string();
        assert!(want.starts_with("m.ndjson:9001:"), "{want}");
        let mut a = Assessor::new(Policy::default());
        a.push_source("first.ndjson", month(50).as_bytes(), Format::Auto).unwrap();
        let before = (a.stats().clone(), a.warnings().len());
        let got = a.push_source_parallel("m.ndjson", input.as_bytes(), Format::Auto, 2).unwrap_err();
        assert_eq!(got.to_string(), want);
        assert_eq!((a.stats().clone(), a.warnings().len()), before);
        let mut only_first = Assessor::new(Policy::default());
        only_first.push_source("first.ndjson", month(50).as_bytes(), Format::Auto).unwrap();
        assert_eq!(contract(&a.finish()), contract(&only_first.finish()));
    }

    #[test]
    fn a_pretty_printed_array_is_read_in_one_pass() {
        let records: Vec<serde_json::Value> = month(3_000).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let pretty = serde_json::to_string_pretty(&records).unwrap();
        let mut whole = Assessor::new(Policy::default());
        whole.push_source("a.json", pretty.as_bytes(), Format::Auto).unwrap();
        let mut a = Assessor::new(Policy::default());
        a.push_source_parallel("a.json", pretty.as_bytes(), Format::Auto, 2).unwrap();
        assert_eq!(a.stats(), whole.stats());
        assert_eq!(contract(&a.finish()), contract(&whole.finish()));
    }
}
