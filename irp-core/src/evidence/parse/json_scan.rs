//! A borrowing JSON cursor for the typed fast paths: reads values in place from the text, with
//! no visitor, copy or allocation per value (strings are borrowed unless they have escapes), and
//! *declines* whatever it does not handle.
//!
//! It handles the common case of log records (strings, including the two-character escapes of
//! JSON text embedded in a field; plain numbers; shallow nesting) and validates everything it
//! passes over as `serde_json` would, so a text it scans to the end is one `serde_json` accepts,
//! with the same values. Anything else, valid or not, is a [`Decline`]: a `\u` escape, an escape
//! in an object key, a number with an exponent or more than [`MAX_INTEGER_DIGITS`] digits
//! ([`MAX_DECIMAL_DIGITS`] with a fraction), nesting deeper than [`MAX_DEPTH`], and every syntax
//! error. The caller then hands the text to `serde_json`, which reads the rare cases and words
//! the errors. Declining is always safe; accepting is the promise that the differential tests in
//! `irp-core/tests/okta_fast_path.rs` check.

use std::borrow::Cow;

/// The cursor does not handle this text (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decline;

/// A scan result.
pub(crate) type Scanned<T> = Result<T, Decline>;

/// Deepest nesting scanned; `serde_json` refuses more than 128.
pub(crate) const MAX_DEPTH: u32 = 64;

/// Most digits in an integer: it fits a `u64`, which is converted to `f64` as `serde_json` does
/// (one rounding, to nearest).
pub(crate) const MAX_INTEGER_DIGITS: usize = 17;

/// Most digits in a number with a fraction. [`Cursor::f64`] does `serde_json`'s arithmetic (the
/// digits as a `u64`, divided once by a power of ten); below 2^53 the digits are an exact `f64`,
/// so that division is the one rounding and the result is also the correctly rounded one that
/// `serde_json`'s `float_roundtrip` feature would give.
pub(crate) const MAX_DECIMAL_DIGITS: usize = 15;

const POWERS_OF_TEN: [f64; MAX_DECIMAL_DIGITS + 1] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

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
        if !self.another(items, b'}')? {
            return Ok(None);
        }
        let key = self.str()?;
        self.eat(b':')?;
        Ok(Some(key))
    }

    /// Whether another element follows (the cursor then at it); `false` at the end of the array.
    pub(crate) fn element(&mut self, items: &mut Items) -> Scanned<bool> {
        self.another(items, b']')
    }

    /// Consumes the `close` bracket (`false`) or, between items, the comma before the next one.
    fn another(&mut self, items: &mut Items, close: u8) -> Scanned<bool> {
        if self.peek() == Some(close) {
            self.pos += 1;
            self.depth -= 1;
            return Ok(false);
        }
        if !std::mem::replace(&mut items.first, false) {
            self.eat(b',')?;
        }
        Ok(true)
    }

    /// A string without escapes, borrowed from the text (object keys; values use
    /// [`string`](Self::string)).
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

    /// A string: borrowed from the text when it has no escapes; with two-character escapes
    /// (`\"`, `\n`, ...), decoded into a copy. A `\u` escape declines (its surrogate rules are
    /// `serde_json`'s to apply).
    pub(crate) fn string(&mut self) -> Scanned<Cow<'a, str>> {
        self.eat(b'"')?;
        let (bytes, text) = (self.bytes(), self.text);
        let start = self.pos;
        let mut end = string_end(bytes, start);
        if bytes.get(end) == Some(&b'"') {
            self.pos = end + 1;
            // Both ends are next to an ASCII quote, so on character boundaries.
            return text.get(start..end).map(Cow::Borrowed).ok_or(Decline);
        }
        // Decoded in one pass into a buffer kept per thread, then copied once at its final size:
        // JSON text embedded in a field (Okta's `logOnlySecurityData`) has dozens of escapes.
        SCRATCH.with_borrow_mut(|decoded| {
            decoded.clear();
            let mut from = start;
            loop {
                // `from` follows a quote or an escape, `end` is at an ASCII byte: both boundaries.
                decoded.push_str(text.get(from..end).ok_or(Decline)?);
                match bytes.get(end) {
                    Some(b'"') => {
                        self.pos = end + 1;
                        return Ok(Cow::Owned(decoded.as_str().to_owned()));
                    }
                    Some(b'\\') => {
                        decoded.push(unescape(bytes.get(end + 1))?);
                        from = end + 2;
                        end = string_end(bytes, from);
                    }
                    _ => return Err(Decline),
                }
            }
        })
    }

    /// Passes over a string, validating its escapes as [`string`](Self::string) reads them.
    fn skip_string(&mut self) -> Scanned<()> {
        self.eat(b'"')?;
        let bytes = self.bytes();
        let mut end = string_end(bytes, self.pos);
        loop {
            match bytes.get(end) {
                Some(b'"') => {
                    self.pos = end + 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    unescape(bytes.get(end + 1))?;
                    end = string_end(bytes, end + 2);
                }
                _ => return Err(Decline),
            }
        }
    }

    /// `true` or `false`.
    pub(crate) fn bool(&mut self) -> Scanned<bool> {
        match self.peek() {
            Some(b't') => self.literal("true").map(|()| true),
            Some(b'f') => self.literal("false").map(|()| false),
            _ => Err(Decline),
        }
    }

    /// A number in JSON's grammar, without an exponent, as `serde_json` converts it to `f64`:
    /// its digits read as an integer, then divided by a power of ten for a fraction (see
    /// [`MAX_DECIMAL_DIGITS`]).
    pub(crate) fn f64(&mut self) -> Scanned<f64> {
        self.skip_ws();
        let bytes = self.bytes();
        let mut i = self.pos;
        let negative = bytes.get(i) == Some(&b'-');
        i += usize::from(negative);
        let int_start = i;
        // Wraps only past the digit limits, which decline below.
        let mut digits_value = 0u64;
        let mut read_digits = |i: &mut usize| {
            let from = *i;
            while let Some(&d @ b'0'..=b'9') = bytes.get(*i) {
                digits_value = digits_value.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                *i += 1;
            }
            *i - from
        };
        match bytes.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => drop(read_digits(&mut i)),
            _ => return Err(Decline),
        }
        let int_digits = i - int_start;
        let mut fraction_digits = 0;
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            fraction_digits = read_digits(&mut i);
            if fraction_digits == 0 {
                return Err(Decline);
            }
        }
        // An exponent, a digit after a leading zero, or a number too long to be sure of.
        let too_long = if fraction_digits == 0 {
            int_digits > MAX_INTEGER_DIGITS
        } else {
            int_digits + fraction_digits > MAX_DECIMAL_DIGITS
        };
        if too_long || matches!(bytes.get(i), Some(b'e' | b'E' | b'0'..=b'9')) {
            return Err(Decline);
        }
        self.pos = i;
        let magnitude = match POWERS_OF_TEN.get(fraction_digits) {
            Some(&scale) if fraction_digits > 0 => digits_value as f64 / scale,
            _ => digits_value as f64,
        };
        Ok(if negative { -magnitude } else { magnitude })
    }

    /// Passes over one value of any type, validating it.
    pub(crate) fn skip(&mut self) -> Scanned<()> {
        match self.peek() {
            Some(b'"') => self.skip_string(),
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
            _ => self.f64().map(drop),
        }
    }
}

thread_local! {
    /// [`Cursor::string`]'s buffer for decoding escapes.
    static SCRATCH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The character a two-character escape stands for (the byte after the backslash); `\u`
/// escapes and invalid ones decline.
fn unescape(byte: Option<&u8>) -> Scanned<char> {
    Ok(match byte {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        _ => return Err(Decline),
    })
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
            r#"{"a":"{\"b\":\"c\\d\/e\n\t\r\b\f\"}"}"#,
            " \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
            r#""Köln""#,
            "-12345678901234567",
            "12345678901234.5",
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
            "1234567890123456.7",
            "-0.1234567890123456",
            "tru",
            "nul",
            r#""a\u0041b""#,
            r#""a\xb""#,
            r#""ab\""#,
            r#"{"a\"b":1}"#,
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
    fn strings_read_as_serde_json_reads_them() {
        for text in
            [r#""plain""#, r#""K\u00f6ln""#, r#""{\"risk\":{\"level\":\"LOW\"}}""#, r#""a\\b\/c\n\t\r\b\f""#, r#""\"""#]
        {
            let ours = Cursor::new(text).string();
            let theirs: String = serde_json::from_str(text).unwrap();
            match ours {
                Ok(ours) => assert_eq!(ours, theirs, "{text}"),
                Err(Decline) => assert!(text.contains("\\u"), "declined {text}"),
            }
        }
        assert!(matches!(Cursor::new(r#""plain""#).string(), Ok(Cow::Borrowed("plain"))));
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

        /// Numbers read the same as `serde_json` reads them, bit for bit, up to the digit limits.
        #[test]
        fn numbers_match_serde_json(negative in any::<bool>(), digits in "[0-9]{1,17}", point in 0usize..17) {
            let digits = digits.trim_start_matches('0');
            let digits = if digits.is_empty() { "0" } else { digits };
            let text = match point {
                p if p > 0 && p < digits.len() => format!("{}.{}", &digits[..digits.len() - p], &digits[digits.len() - p..]),
                p if p > 0 => format!("0.{digits}"),
                _ => digits.to_owned(),
            };
            let text = if negative { format!("-{text}") } else { text };
            let theirs: f64 = serde_json::from_str(&text).unwrap();
            let fraction = text.contains('.');
            let count = text.bytes().filter(u8::is_ascii_digit).count();
            match Cursor::new(&text).f64() {
                Ok(ours) => prop_assert_eq!(ours.to_bits(), theirs.to_bits(), "{}", text),
                Err(Decline) => prop_assert!(
                    count > if fraction { MAX_DECIMAL_DIGITS } else { MAX_INTEGER_DIGITS },
                    "declined {}", text
                ),
            }
        }
    }
}
