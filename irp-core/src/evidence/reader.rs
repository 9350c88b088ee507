//! Framing: turns a byte stream into JSON records, and records into events, keeping the
//! position of each record for error messages.
//!
//! Accepted framings, sniffed from the bytes (and mixable in one stream):
//! * NDJSON / concatenated JSON: one record after another (`{...}\n{...}`), each on one line or
//!   pretty-printed over several;
//! * a top-level JSON array of records (Okta `/api/v1/logs` pages, UDM arrays);
//! * a vendor page object whose records sit under one array key: `value` (Graph), `events`
//!   (UDM search / SecOps), `items` (Workspace Reports API), `records` (Azure Monitor export).
//!
//! Memory does not grow with the input: records are framed one at a time by a small string-aware
//! bracket scanner ([`scan`](self)) and parsed separately. A top-level object is buffered whole
//! only while it is smaller than [`PAGE_DECISION_LIMIT`]; that lets its content decide whether it
//! is one record (a Workspace activity also has an `events` array) or a page. A bigger object whose
//! page array is still open can only be a page, and its elements are then streamed.

use std::collections::VecDeque;
use std::io::{self, BufRead};

use serde::Serialize;
use serde_json::Value;

use super::parse::{self, FieldError, ParseResult};
use super::prefilter::UserFilter;
use super::{Event, EventId, EventKind, EvidenceError, Format, UserId};

/// Keys under which vendor page objects hold their records.
const PAGE_KEYS: [&[u8]; 4] = [b"value", b"events", b"items", b"records"];

/// A top-level object is buffered whole up to this size so that its content decides between
/// "record" and "page"; past it, an open page array is streamed element by element.
pub const PAGE_DECISION_LIMIT: usize = 8 << 20;

/// What a reader saw, for the "nothing dropped silently" guarantee.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadStats {
    /// JSON records read.
    pub records: u64,
    /// Records that became events (including `other`).
    pub events: u64,
    /// Events of a recognised vendor whose type irp does not model, kept as `EventKind::Other`.
    pub other: u64,
    /// Valid records that name no user (e.g. ThreatInsight blocks before the username is read).
    pub unattributed: u64,
    /// Valid JSON records that could not become an event (a missing or redacted timestamp, a
    /// malformed field) and were skipped by a lenient caller; each was reported as a warning.
    pub skipped: u64,
}

impl ReadStats {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &ReadStats) {
        self.records += other.records;
        self.events += other.events;
        self.other += other.other;
        self.unattributed += other.unattributed;
        self.skipped += other.skipped;
    }
}

/// A 1-based line and column (columns count bytes, as `serde_json` does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pos {
    line: u64,
    col: u64,
}

impl Pos {
    const START: Pos = Pos { line: 1, col: 1 };

    /// The position after `bytes`, starting from `self`.
    fn after(self, bytes: &[u8]) -> Pos {
        match bytes.iter().rposition(|&b| b == b'\n') {
            Some(last) => {
                let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
                Pos { line: self.line + newlines, col: (bytes.len() - last) as u64 }
            }
            None => Pos { line: self.line, col: self.col + bytes.len() as u64 },
        }
    }

    /// Maps a `serde_json` position inside a buffer that starts at `self` to the stream position.
    fn offset_by(self, rel_line: u64, rel_col: u64) -> Pos {
        let rel_line = rel_line.max(1);
        if rel_line == 1 {
            Pos { line: self.line, col: (self.col + rel_col).saturating_sub(1).max(1) }
        } else {
            Pos { line: self.line + rel_line - 1, col: rel_col.max(1) }
        }
    }
}

/// Why [`Scanner::copy_value`] stopped.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// The value is complete (or cut at a raw newline inside a string / at end of input, which
    /// the JSON parser then reports).
    End,
    /// A page array outgrew [`PAGE_DECISION_LIMIT`]: the scanner stopped after a `,` between two
    /// of its elements.
    Committed,
}

/// The page array candidate seen while framing a top-level object.
#[derive(Debug, Default)]
struct PageTrack {
    /// Offsets of the last depth-1 string (the key of the next value).
    last_key: (usize, usize),
    /// The key of the first array under a page key, once seen.
    key: Option<String>,
    /// Inside that array now.
    open: bool,
    /// The next non-blank byte at depth 2 starts an element.
    expect_elem: bool,
    /// `(start, end)` buffer offsets of the elements framed so far (end exclusive, may include
    /// trailing blanks); `end == 0` while an element is open.
    elems: Vec<(usize, usize)>,
}

impl PageTrack {
    fn close_elem(&mut self, at: usize) {
        if let Some(last) = self.elems.last_mut() {
            if last.1 == 0 {
                last.1 = at;
            }
        }
    }
}

/// Byte-level reader with position tracking and the bracket scanner.
struct Scanner<R> {
    input: R,
    pos: Pos,
    at_start: bool,
}

impl<R: BufRead> Scanner<R> {
    fn new(input: R) -> Self {
        Scanner { input, pos: Pos::START, at_start: true }
    }

    fn consume(&mut self, n: usize) -> io::Result<()> {
        let buf = self.input.fill_buf()?;
        self.pos = self.pos.after(&buf[..n]);
        self.input.consume(n);
        Ok(())
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.input.fill_buf()?.first().copied())
    }

    /// Skips blanks (and a UTF-8 byte-order mark at the very start).
    fn skip_ws(&mut self) -> io::Result<()> {
        if self.at_start {
            self.at_start = false;
            let buf = self.input.fill_buf()?;
            if buf.starts_with(b"\xEF\xBB\xBF") {
                // A BOM is not a column a reader would count.
                self.input.consume(3);
            }
        }
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            let n = buf.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(buf.len());
            let done = n < buf.len();
            self.consume(n)?;
            if done {
                return Ok(());
            }
        }
    }

    /// Skips to the start of the next line (resynchronising after a broken record).
    fn skip_line(&mut self) -> io::Result<()> {
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            match buf.iter().position(|&b| b == b'\n') {
                Some(i) => return self.consume(i + 1),
                None => {
                    let n = buf.len();
                    self.consume(n)?;
                }
            }
        }
    }

    /// Appends one JSON value's bytes to `out` (or drops them when `out` is `None`), starting at
    /// bracket depth `depth` (1 to finish an object already opened). Only brackets outside strings
    /// count; the JSON parser validates the rest. A raw newline inside a string ends the value
    /// early, so a truncated NDJSON line is reported on its own line instead of swallowing the next.
    fn copy_value(
        &mut self,
        mut out: Option<&mut Vec<u8>>,
        mut track: Option<&mut PageTrack>,
        mut depth: u32,
    ) -> io::Result<Stop> {
        let mut in_str = false;
        let mut esc = false;
        let mut scalar = false;
        let mut first = true;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(Stop::End);
            }
            let base = out.as_ref().map_or(0, |o| o.len());
            let mut end = None; // (bytes to take, stop)
            for (i, &b) in buf.iter().enumerate() {
                if first {
                    first = false;
                    if depth == 0 && !matches!(b, b'{' | b'[' | b'"') {
                        scalar = true;
                        if matches!(b, b',' | b']' | b'}') || b.is_ascii_whitespace() {
                            // A stray delimiter: take it alone so the caller makes progress.
                            end = Some((1, Stop::End));
                            break;
                        }
                        continue;
                    }
                }
                if scalar {
                    if b.is_ascii_whitespace() || matches!(b, b',' | b']' | b'}' | b'{' | b'[' | b'"') {
                        end = Some((i, Stop::End));
                        break;
                    }
                    continue;
                }
                if in_str {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = true;
                    } else if b == b'"' {
                        in_str = false;
                        if depth == 0 {
                            end = Some((i + 1, Stop::End));
                            break;
                        }
                        if depth == 1 {
                            if let Some(t) = track.as_deref_mut() {
                                t.last_key.1 = base + i + 1;
                            }
                        }
                    } else if b == b'\n' {
                        end = Some((i, Stop::End));
                        break;
                    }
                    continue;
                }
                if let Some(t) = track.as_deref_mut() {
                    if t.open && depth == 2 && !b.is_ascii_whitespace() {
                        match b {
                            b',' => {
                                t.close_elem(base + i);
                                t.expect_elem = true;
                                if base + i >= PAGE_DECISION_LIMIT {
                                    end = Some((i + 1, Stop::Committed));
                                    break;
                                }
                            }
                            b']' => t.close_elem(base + i),
                            _ if t.expect_elem => {
                                t.expect_elem = false;
                                t.elems.push((base + i, 0));
                            }
                            _ => {}
                        }
                    }
                }
                match b {
                    b'"' => {
                        in_str = true;
                        if depth == 1 {
                            if let Some(t) = track.as_deref_mut() {
                                t.last_key = (base + i, base + i);
                            }
                        }
                    }
                    b'{' | b'[' => {
                        if b == b'[' && depth == 1 {
                            if let (Some(t), Some(o)) = (track.as_deref_mut(), out.as_deref()) {
                                if t.key.is_none() {
                                    // The key's bytes: the buffer holds those before this chunk;
                                    // a key may straddle chunks, so copy the pending part first.
                                    let (ks, ke) = t.last_key;
                                    let key = key_bytes(o, buf, base, ks, ke);
                                    if PAGE_KEYS.contains(&key.as_slice()) {
                                        t.key = Some(String::from_utf8_lossy(&key).into_owned());
                                        t.open = true;
                                        t.expect_elem = true;
                                    }
                                }
                            }
                        }
                        depth += 1;
                    }
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 1 {
                            if let Some(t) = track.as_deref_mut() {
                                t.open = false;
                            }
                        }
                        if depth == 0 {
                            end = Some((i + 1, Stop::End));
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let (take, stop) = match end {
                Some((n, stop)) => (n, Some(stop)),
                None => (buf.len(), None),
            };
            if let Some(o) = out.as_deref_mut() {
                o.extend_from_slice(&buf[..take]);
            }
            self.consume(take)?;
            if let Some(stop) = stop {
                return Ok(stop);
            }
        }
    }
}

/// The bytes of a depth-1 key at buffer offsets `ks..ke` (quotes included), where the part at or
/// past `base` is still in the current input chunk `chunk`.
fn key_bytes(out: &[u8], chunk: &[u8], base: usize, ks: usize, ke: usize) -> Vec<u8> {
    let mut raw = Vec::with_capacity(ke.saturating_sub(ks));
    for off in ks..ke {
        let b = if off < base { out.get(off) } else { chunk.get(off - base) };
        if let Some(&b) = b {
            raw.push(b);
        }
    }
    if raw.len() >= 2 && raw[0] == b'"' && raw[raw.len() - 1] == b'"' {
        raw.remove(0);
        raw.pop();
    }
    raw
}

/// One framed record waiting to be parsed.
struct Framed {
    value: Result<Record, EvidenceError>,
    pos: Pos,
    index: Option<u64>,
}

/// A framed record: JSON to hand to the parsers, or already parsed by a typed fast path.
// A parsed record is handed out as soon as it is framed (only page elements queue, and they are
// `Json`): boxing the event would cost an allocation per record for nothing.
#[allow(clippy::large_enum_variant)]
enum Record {
    Json(Value),
    Parsed(ParseResult),
}

/// Where the framer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between top-level values.
    Top,
    /// Inside a streamed array; `in_page` when it is the page array of an object whose remaining
    /// members must be skipped after it.
    Array { index: u64, in_page: bool },
    /// Input exhausted, or the structure is too broken to go on.
    Done,
}

/// Streams events out of one source.
///
/// Events whose vendor record carries no id get `<source>:<line>` (or `<source>:<line>:<index>`
/// for elements of an array), so evidence ids are stable across runs. A parser signals "no vendor
/// id" by leaving [`Event::id`] empty.
pub struct RecordReader<R> {
    source_name: String,
    scan: Scanner<R>,
    format: Format,
    state: State,
    /// Records framed but not yet handed out (the elements of a buffered page object).
    pending: VecDeque<Framed>,
    buf: Vec<u8>,
    stats: ReadStats,
    filter: Option<UserFilter>,
    /// Other users' events may come out reduced to what tenant-wide facts read.
    reduce_others: Option<UserId>,
}

impl<R: BufRead> RecordReader<R> {
    /// A reader over `input`, naming it `source_name` in errors.
    ///
    /// Give it a generous buffer (`BufReader::with_capacity(256 * 1024, file)`, as the `irp`
    /// binary does): a one-line record is parsed straight from the buffer only when the whole
    /// line is in it, and one that straddles the buffer's end goes through the slower
    /// byte-by-byte framer (with the default 8 KiB, a fifth of 1.7 KB records do).
    pub fn new(source_name: impl Into<String>, input: R, format: Format) -> Self {
        RecordReader {
            source_name: source_name.into(),
            scan: Scanner::new(input),
            format,
            state: State::Top,
            pending: VecDeque::new(),
            buf: Vec::new(),
            stats: ReadStats::default(),
            filter: None,
            reduce_others: None,
        }
    }

    /// A reader over a part of a stream that starts at the beginning of line `line` (1-based):
    /// positions in errors and line-based event ids count from there, and a byte-order mark is
    /// only accepted at the very start of the stream (line 1). Splitting NDJSON at newlines and
    /// reading the parts this way gives the same events and errors as reading it whole.
    pub fn starting_at_line(mut self, line: u64) -> Self {
        self.scan.pos = Pos { line: line.max(1), col: 1 };
        self.scan.at_start = line <= 1;
        self
    }

    /// Skips one-line records that `filter` says cannot concern its user, without parsing them
    /// (see [`UserFilter`]). Skipped records are neither validated nor counted in [`ReadStats`].
    pub fn with_prefilter(mut self, filter: UserFilter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// For an assessment of `user` alone: other users' events may come out reduced to what
    /// tenant-wide facts read (time, kind, result, IP, AS number), which spares building them in
    /// full only to drop them. Everything is still parsed, validated and counted.
    pub(crate) fn reducing_others_to(mut self, user: UserId) -> Self {
        self.reduce_others = Some(user);
        self
    }

    /// Counts so far.
    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    fn field_error(&self, line: u64, e: FieldError) -> EvidenceError {
        EvidenceError::InvalidField { source_name: self.source_name.clone(), line, field: e.field, message: e.message }
    }

    fn read_error(&mut self, e: &io::Error) -> EvidenceError {
        self.state = State::Done;
        EvidenceError::Read { source_name: self.source_name.clone(), message: e.to_string() }
    }

    fn syntax_error(&self, pos: Pos, message: impl Into<String>) -> EvidenceError {
        EvidenceError::InvalidJson {
            source_name: self.source_name.clone(),
            line: pos.line,
            column: pos.col,
            message: message.into(),
        }
    }

    /// Parses `bytes` (which start at `start`) as one JSON value, mapping errors to stream positions.
    fn parse_bytes(&self, bytes: &[u8], start: Pos) -> Result<Value, EvidenceError> {
        serde_json::from_slice(bytes).map_err(|e| {
            let mut pos = start.offset_by(e.line() as u64, e.column() as u64);
            let message = e.to_string();
            if message.starts_with("trailing comma") {
                // serde_json reports the bracket after the comma; the mistake is the comma.
                if let Some(p) = trailing_comma_pos(bytes, start, e.line() as u64, e.column() as u64) {
                    pos = p;
                }
            }
            self.syntax_error(pos, strip_position(&message))
        })
    }

    /// Frames the next record, or `None` at the end of the input.
    fn next_framed(&mut self) -> Option<Framed> {
        loop {
            if let Some(f) = self.pending.pop_front() {
                return Some(f);
            }
            match self.state {
                State::Done => return None,
                State::Top => match self.frame_top() {
                    Ok(Some(f)) => return Some(f),
                    Ok(None) => {}
                    Err(e) => return Some(Framed { value: Err(self.read_error(&e)), pos: self.scan.pos, index: None }),
                },
                State::Array { index, in_page } => match self.frame_element(index, in_page) {
                    Ok(Some(f)) => return Some(f),
                    Ok(None) => {}
                    Err(e) => return Some(Framed { value: Err(self.read_error(&e)), pos: self.scan.pos, index: None }),
                },
            }
        }
    }

    /// At top level: frames one record, opens an array, or queues the elements of a page object.
    fn frame_top(&mut self) -> io::Result<Option<Framed>> {
        self.scan.skip_ws()?;
        let start = self.scan.pos;
        match self.scan.peek()? {
            None => {
                self.state = State::Done;
                Ok(None)
            }
            Some(b'[') => {
                self.scan.consume(1)?;
                self.state = State::Array { index: 0, in_page: false };
                Ok(None)
            }
            Some(b'{') => match self.frame_line(start)? {
                Some(framed) => Ok(framed),
                None => self.frame_object(start),
            },
            Some(_) => {
                self.buf.clear();
                self.scan.copy_value(Some(&mut self.buf), None, 0)?;
                let value = self.parse_bytes(&self.buf, start);
                if value.is_err() {
                    self.scan.skip_line()?;
                }
                Ok(Some(Framed { value: value.map(Record::Json), pos: start, index: None }))
            }
        }
    }

    /// The NDJSON fast path: when the object at `start` is a whole line already in the input
    /// buffer and parses on its own as one record (not a page object), takes it without the
    /// bracket scanner. `None` leaves the input untouched for [`Self::frame_object`], which
    /// handles every other case (and every error) exactly as before; `Some(None)` is a line the
    /// prefilter skipped.
    fn frame_line(&mut self, start: Pos) -> io::Result<Option<Option<Framed>>> {
        let buf = self.scan.input.fill_buf()?;
        let Some(end) = memchr::memchr(b'\n', buf) else { return Ok(None) };
        let line = &buf[..end];
        let framed = if self.filter.as_mut().is_some_and(|f| !f.may_mention(line)) {
            None
        } else {
            // Validating the line's UTF-8 once is cheaper than serde_json checking every string;
            // invalid UTF-8 goes to the scanner path, which reports it as before.
            let Ok(text) = std::str::from_utf8(line) else { return Ok(None) };
            // A typed parse straight into the event when the format has one (Okta's API shape);
            // it declines anything it would not read exactly as the `Value` path does.
            let record = match parse::parse_text_for(text, self.format, self.reduce_others.as_ref()) {
                Some(parsed) => Record::Parsed(parsed),
                None => {
                    let Ok(value) = serde_json::from_str::<Value>(text) else { return Ok(None) };
                    if might_be_page(&value) {
                        return Ok(None);
                    }
                    Record::Json(value)
                }
            };
            Some(Framed { value: Ok(record), pos: start, index: None })
        };
        self.scan.input.consume(end + 1);
        self.scan.pos = Pos { line: self.scan.pos.line + 1, col: 1 };
        Ok(Some(framed))
    }

    /// A top-level object: one record, or a page object whose elements become the records.
    fn frame_object(&mut self, start: Pos) -> io::Result<Option<Framed>> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let mut track = PageTrack::default();
        let stop = self.scan.copy_value(Some(&mut buf), Some(&mut track), 0)?;
        let result = match stop {
            Stop::Committed => {
                // Too big to be one record: queue the elements seen, stream the rest.
                let mut pos = start;
                let mut from = 0;
                for (index, &(s, e)) in track.elems.iter().enumerate() {
                    pos = pos.after(&buf[from..s]);
                    from = s;
                    let value = self.parse_bytes(&buf[s..e], pos);
                    self.pending.push_back(Framed { value: value.map(Record::Json), pos, index: Some(index as u64) });
                }
                self.state = State::Array { index: track.elems.len() as u64, in_page: true };
                None
            }
            Stop::End => {
                let parsed = self.parse_bytes(&buf, start);
                match (parsed, track.key.as_deref()) {
                    (Ok(mut value), Some(key)) if is_page(&value, key) => {
                        let items = match value.as_object_mut().and_then(|o| o.remove(key)) {
                            Some(Value::Array(items)) => items,
                            _ => Vec::new(),
                        };
                        let mut pos = start;
                        let mut from = 0;
                        for (index, item) in items.into_iter().enumerate() {
                            // Positions come from the framed spans; they match one to one for a
                            // well-formed array (anything else was a parse error above).
                            if let Some(&(s, _)) = track.elems.get(index) {
                                pos = pos.after(&buf[from..s]);
                                from = s;
                            }
                            self.pending.push_back(Framed {
                                value: Ok(Record::Json(item)),
                                pos,
                                index: Some(index as u64),
                            });
                        }
                        None
                    }
                    (Ok(value), _) => Some(Framed { value: Ok(Record::Json(value)), pos: start, index: None }),
                    (Err(e), _) => {
                        self.scan.skip_line()?;
                        Some(Framed { value: Err(e), pos: start, index: None })
                    }
                }
            }
        };
        self.buf = buf;
        Ok(result)
    }

    /// Inside a streamed array: frames the next element, or closes the array.
    fn frame_element(&mut self, index: u64, in_page: bool) -> io::Result<Option<Framed>> {
        self.scan.skip_ws()?;
        let start = self.scan.pos;
        match self.scan.peek()? {
            None => {
                self.state = State::Done;
                let e = self.syntax_error(start, "end of input inside an array (expected `]`)");
                Ok(Some(Framed { value: Err(e), pos: start, index: None }))
            }
            Some(b']') => {
                self.scan.consume(1)?;
                if in_page {
                    // Skip the page object's remaining members (`nextLink`, `moreDataAvailable`...).
                    self.scan.copy_value(None, None, 1)?;
                }
                self.state = State::Top;
                Ok(None)
            }
            Some(_) => {
                self.buf.clear();
                self.scan.copy_value(Some(&mut self.buf), None, 0)?;
                let value = self.parse_bytes(&self.buf, start);
                self.scan.skip_ws()?;
                let after = self.scan.pos;
                match self.scan.peek()? {
                    Some(b',') => {
                        self.scan.consume(1)?;
                        self.scan.skip_ws()?;
                        if self.scan.peek()? == Some(b']') {
                            // Report the value first; the trailing comma comes next.
                            self.pending.push_back(Framed {
                                value: Err(self.syntax_error(after, "trailing comma")),
                                pos: after,
                                index: None,
                            });
                            self.state = State::Done;
                        } else {
                            self.state = State::Array { index: index + 1, in_page };
                        }
                    }
                    Some(b']') => self.state = State::Array { index: index + 1, in_page },
                    _ if value.is_err() => self.state = State::Done,
                    _ => {
                        self.state = State::Done;
                        self.pending.push_back(Framed {
                            value: Err(self.syntax_error(after, "expected `,` or `]` after an array element")),
                            pos: after,
                            index: None,
                        });
                    }
                }
                Ok(Some(Framed { value: value.map(Record::Json), pos: start, index: Some(index) }))
            }
        }
    }

    fn assign_id(&self, event: &mut Event, pos: Pos, index: Option<u64>) {
        if event.id.0.is_empty() {
            event.id = EventId(match index {
                Some(i) => format!("{}:{}:{}", self.source_name, pos.line, i),
                None => format!("{}:{}", self.source_name, pos.line),
            });
        }
    }
}

/// True when the top-level object is a page (its `key` array holds the records) rather than a
/// record that happens to have an array under that key (a Workspace activity's `events`).
fn is_page(value: &Value, key: &str) -> bool {
    let Some(Value::Array(items)) = value.get(key) else { return false };
    items.iter().all(Value::is_object) && parse::sniff(value).is_none()
}

/// True when the object could be a page (see [`is_page`]): it has an array under a page key,
/// and then only the scanner knows which such key came first.
fn might_be_page(value: &Value) -> bool {
    let Some(obj) = value.as_object() else { return false };
    let mut arrays = PAGE_KEYS
        .iter()
        .filter_map(|k| std::str::from_utf8(k).ok())
        .filter(|k| matches!(obj.get(*k), Some(Value::Array(_))));
    match (arrays.next(), arrays.next()) {
        (None, _) => false,
        (Some(key), None) => is_page(value, key),
        _ => true,
    }
}

/// `serde_json` appends " at line L column C" (relative to the record): we give absolute ones.
fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    }
}

/// Stream position of the comma before the bracket at `rel_line:rel_col` of `bytes`.
fn trailing_comma_pos(bytes: &[u8], start: Pos, rel_line: u64, rel_col: u64) -> Option<Pos> {
    let mut line = 1;
    let mut line_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if line == rel_line {
            break;
        }
        if b == b'\n' {
            line += 1;
            line_start = i + 1;
        }
    }
    let bracket = line_start + (rel_col as usize).checked_sub(1)?;
    let comma = bytes.get(..bracket)?.iter().rposition(|b| !b.is_ascii_whitespace())?;
    (bytes[comma] == b',').then(|| start.after(&bytes[..comma]))
}

impl<R: BufRead> Iterator for RecordReader<R> {
    type Item = Result<Event, EvidenceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Framed { value, pos, index } = self.next_framed()?;
            let parsed = match value {
                Ok(Record::Json(v)) => parse::parse_record(&v, self.format),
                Ok(Record::Parsed(parsed)) => parsed,
                Err(e) => return Some(Err(e)),
            };
            self.stats.records += 1;
            match parsed {
                Ok(Some(mut event)) => {
                    self.assign_id(&mut event, pos, index);
                    self.stats.events += 1;
                    if event.kind == EventKind::Other {
                        self.stats.other += 1;
                    }
                    return Some(Ok(event));
                }
                Ok(None) => self.stats.unattributed += 1,
                Err(e) => return Some(Err(self.field_error(pos.line, e))),
            }
        }
    }
}
