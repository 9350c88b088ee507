//! A borrowing JSON cursor for the typed fast paths: reads values in place from the text, with
//! no visitor, copy or allocation per value, and *declines* whatever it does not handle.
//!
//! It handles the common case of log records (strings without escapes, plain numbers, shallow
//! nesting) and validates everything it passes over as `serde_json` would, so a text it scans to
//! the end is one `serde_json` accepts, with the same values. Anything else, valid or not, is a
//! [`Decline`]: a string with an escape, a number with an exponent or more than
//! [`MAX_NUMBER_LEN`] characters (15 digits with a
//! fraction), nesting deeper than [`MAX_DEPTH`], and every syntax error. The
//! caller then hands the text to `serde_json`, which reads the rare cases and words the errors.
//! Declining is always safe; accepting is the promise the differential tests in
//! `irp-core/tests/okta_fast_path.rs` check.

/// The cursor does not handle this text (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decline;

/// A scan result.
pub(crate) type Scanned<T> = Result<T, Decline>;

/// Deepest nesting scanned; `serde_json` refuses more than 128.
pub(crate) const MAX_DEPTH: u32 = 64;

/// Longest integer scanned (sign included): it fits a `u64`, which `serde_json` and
/// `str::parse::<f64>` both round to the nearest `f64`.
pub(crate) const MAX_NUMBER_LEN: usize = 17;

/// Most digits in a number with a fraction (see [`Cursor::number`]).
pub(crate) const MAX_DECIMAL_DIGITS: usize = 15;

/// Members of an object or elements of an array being scanned; tracks the separators.
pub(crate) struct Items {
    first: bool,
}

/// A position in one JSON text.
pub(crate) struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    depth: u32,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0, depth: 0 }
    }

    /// Succeeds when only whitespace is left, as `serde_json::from_str` requires.
    pub(crate) fn finish(mut self) -> Scanned<()> {
        self.skip_ws();
        if self.pos == self.text.len() {
            Ok(())
        } else {
            Err(Decline)
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes().get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> Scanned<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Decline)
        }
    }

    fn literal(&mut self, word: &str) -> Scanned<()> {
        match self.bytes().get(self.pos..self.pos + word.len()) {
            Some(b) if b == word.as_bytes() => {
                self.pos += word.len();
                Ok(())
            }
            _ => Err(Decline),
        }
    }

    /// Consumes `null` if it is the next value.
    pub(crate) fn null(&mut self) -> Scanned<bool> {
        if self.peek() == Some(b'n') {
            self.literal("null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Enters an object; read its members with [`key`](Self::key).
    pub(crate) fn object(&mut self) -> Scanned<Items> {
        self.eat(b'{')?;
        self.enter()
    }

    /// Enters an array; read its elements with [`element`](Self::element).
    pub(crate) fn array(&mut self) -> Scanned<Items> {
        self.eat(b'[')?;
        self.enter()
    }

    fn enter(&mut self) -> Scanned<Items> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Decline);
        }
        Ok(Items { first: true })
    }

    /// The next member's key, the cursor then at its value (which the caller must scan or
    /// [`skip`](Self::skip)); `None` at the end of the object.
    pub(crate) fn key(&mut self, items: &mut Items) -> Scanned<Option<&'a str>> {
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(None);
        }
        if !std::mem::replace(&mut items.first, false) {
            self.eat(b',')?;
        }
        let key = self.str()?;
        self.eat(b':')?;
        Ok(Some(key))
    }

    /// Whether another element follows (the cursor then at it); `false` at the end of the array.
    pub(crate) fn element(&mut self, items: &mut Items) -> Scanned<bool> {
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(false);
        }
        if !std::mem::replace(&mut items.first, false) {
            self.eat(b',')?;
        }
        Ok(true)
    }

    /// A string without escapes, borrowed from the text.
    pub(crate) fn str(&mut self) -> Scanned<&'a str> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = string_end(self.bytes(), start);
        if self.bytes().get(end) != Some(&b'"') {
            // An escape, a control character (invalid) or the end of the text (invalid).
            return Err(Decline);
        }
        self.pos = end + 1;
        // Both ends are next to an ASCII quote, so on character boundaries.
        self.text.get(start..end).ok_or(Decline)
    }

    /// `true` or `false`.
    pub(crate) fn bool(&mut self) -> Scanned<bool> {
        match self.peek() {
            Some(b't') => self.literal("true").map(|()| true),
            Some(b'f') => self.literal("false").map(|()| false),
            _ => Err(Decline),
        }
    }

    /// A number as `f64`, as `serde_json` converts it.
    pub(crate) fn f64(&mut self) -> Scanned<f64> {
        self.number()?.parse().map_err(|_| Decline)
    }

    /// The text of a number in JSON's grammar, without an exponent.
    fn number(&mut self) -> Scanned<&'a str> {
        self.skip_ws();
        let bytes = self.bytes();
        let start = self.pos;
        let mut i = start;
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        let digits = |i: usize| i + bytes.get(i..).map_or(0, |b| b.iter().take_while(|b| b.is_ascii_digit()).count());
        match bytes.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(i),
            _ => return Err(Decline),
        }
        let mut len_limit = MAX_NUMBER_LEN;
        if bytes.get(i) == Some(&b'.') {
            let after = digits(i + 1);
            if after == i + 1 {
                return Err(Decline);
            }
            i = after;
            // Sign and point, and at most 15 digits: `serde_json` scales the digits, read as an
            // integer, by a power of ten, which is exact (so equal to `str::parse`) below 2^53.
            len_limit = MAX_DECIMAL_DIGITS + 1 + usize::from(bytes.get(start) == Some(&b'-'));
        }
        // An exponent, a digit after a leading zero, or a number too long to be sure of.
        if matches!(bytes.get(i), Some(b'e' | b'E' | b'0'..=b'9')) || i - start > len_limit {
            return Err(Decline);
        }
        self.pos = i;
        self.text.get(start..i).ok_or(Decline)
    }

    /// Passes over one value of any type, validating it.
    pub(crate) fn skip(&mut self) -> Scanned<()> {
        match self.peek() {
            Some(b'"') => self.str().map(drop),
            Some(b'{') => {
                let mut members = self.object()?;
                while self.key(&mut members)?.is_some() {
                    self.skip()?;
                }
                Ok(())
            }
            Some(b'[') => {
                let mut elements = self.array()?;
                while self.element(&mut elements)? {
                    self.skip()?;
                }
                Ok(())
            }
            Some(b't' | b'f') => self.bool().map(drop),
            Some(b'n') => self.literal("null"),
            _ => self.number().map(drop),
        }
    }
}

/// Index of the first byte at or after `from` that ends a plain string: a quote, a backslash or
/// a control character (`bytes.len()` if none). Eight bytes at a time.
fn string_end(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // High bit of each byte of `v` that is zero; exact for the lowest such byte, which is all
    // `trailing_zeros` reads (a borrow only flags bytes above a true match).
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let hits = zero(w ^ u64::from_ne_bytes([b'"'; 8]))
            | zero(w ^ u64::from_ne_bytes([b'\\'; 8]))
            | (w.wrapping_sub(u64::from_ne_bytes([0x20; 8])) & !w & HIGH);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + bytes.get(i..).map_or(0, |rest| rest.iter().take_while(|&&b| b != b'"' && b != b'\\' && b >= 0x20).count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Skips one whole text.
    fn skim(text: &str) -> Scanned<()> {
        let mut c = Cursor::new(text);
        c.skip()?;
        c.finish()
    }

    #[test]
    fn string_end_finds_the_first_stop() {
        for (text, at) in [
            ("abc\"", 3),
            ("abcdefghijkl\"", 12),
            ("abcdefgh\\ij\"", 8),
            ("ab\u{1}cdefghij\"", 2),
            ("\u{7f}\u{e9}x\"", 4),
            ("abcdefghij", 10),
            ("", 0),
        ] {
            assert_eq!(string_end(text.as_bytes(), 0), at, "{text:?}");
        }
    }

    #[test]
    fn accepts_plain_json_and_declines_the_rest() {
        for ok in [
            r#"{"a":[1,-2.5,0,-0,true,false,null,{"b":"c"}],"d":{},"e":[]}"#,
            " \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
            r#""Köln""#,
            "12345678901234567",
        ] {
            assert_eq!(skim(ok), Ok(()), "{ok}");
        }
        for no in [
            r#"{"a":1,}"#,
            r#"{,"a":1}"#,
            r#"{"a" 1}"#,
            r#"{"a":1 "b":2}"#,
            "[1,]",
            "[,1]",
            "[1 2]",
            "01",
            "1.",
            "-",
            ".5",
            "1e5",
            "123456789012345678",
            "tru",
            "nul",
            r#""a\"b""#,
            "\"a\u{1}\"",
            "\"abc",
            "{\"a\":1} x",
            "{\"a\":1}}",
            "\u{feff}{}",
            "",
        ] {
            assert_eq!(skim(no), Err(Decline), "{no}");
        }
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH as usize + 1), "]".repeat(MAX_DEPTH as usize + 1));
        assert_eq!(skim(&deep), Err(Decline));
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH as usize), "]".repeat(MAX_DEPTH as usize));
        assert_eq!(skim(&fine), Ok(()));
    }

    #[test]
    fn numbers_read_as_serde_json_reads_them() {
        for text in [
            "-0",
            "0",
            "-0.0",
            "7018",
            "-87.6298",
            "41.8781",
            "0.1",
            "9007199254740993",
            "123456789.123456",
            "1.234567890123456",
            "-9.99999999999999",
        ] {
            let mut c = Cursor::new(text);
            let ours = c.f64();
            let theirs: f64 = serde_json::from_str(text).unwrap();
            if let Ok(ours) = ours {
                assert_eq!(ours.to_bits(), theirs.to_bits(), "{text}");
            }
        }
    }

    proptest! {
        /// Whatever the cursor scans to the end, `serde_json` accepts.
        #[test]
        fn accepted_texts_are_json(text in r#"[\[\]{}",:0-9.\-eEtrufalsn \\a]{0,24}"#) {
            if skim(&text).is_ok() {
                prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "{}", text);
            }
        }

        /// Numbers read the same as `serde_json` reads them, bit for bit.
        #[test]
        fn numbers_match_serde_json(int in -99_999_999i64..99_999_999, frac in 0u64..99_999_999, digits in 0usize..8) {
            let text = if digits == 0 { int.to_string() } else { format!("{int}.{:0digits$}", frac % 10u64.pow(digits as u32)) };
            let theirs: f64 = serde_json::from_str(&text).unwrap();
            let mut c = Cursor::new(&text);
            let ours = c.f64().unwrap();
            prop_assert_eq!(ours.to_bits(), theirs.to_bits(), "{}", text);
        }
    }
}
