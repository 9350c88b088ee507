//! [`Text`]: the string type of event fields.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::ops::Deref;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// An immutable string that keeps up to 24 bytes inline, without a heap allocation.
///
/// Most of an event's strings are that short (countries, cities, event types, factor names,
/// target types and ids, session ids, most logins), and an export holds millions of events: as
/// owned `String`s they made the allocator the second cost of `irp assess` after JSON parsing
/// (docs/PERFORMANCE.md). `Text` is 24 bytes like a `String`, `Option<Text>` too, and it reads as
/// a `&str` everywhere: it dereferences to `str`, compares with `str` and `String`, and
/// serialises as a plain JSON string. The representation (today `compact_str`) is private.
///
/// ```
/// use irp_core::evidence::Text;
///
/// let country: Text = "US".into();
/// assert_eq!(country, "US");
/// assert!(country.starts_with('U'));
/// let as_string: String = country.into();
/// assert_eq!(as_string, "US");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(CompactString);

impl Text {
    /// Copies `text`, inline when it fits.
    pub fn new(text: &str) -> Self {
        Text(CompactString::new(text))
    }

    /// `text` with ASCII letters lower-cased (a copy only where one is needed).
    pub(crate) fn ascii_lowercase(text: &str) -> Self {
        let mut t = CompactString::new(text);
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            t.make_ascii_lowercase();
        }
        Text(t)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text::new(text)
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Text::new(text)
    }
}

/// Reuses the allocation when the text does not fit inline.
impl From<String> for Text {
    fn from(text: String) -> Self {
        Text(CompactString::from(text))
    }
}

impl From<Cow<'_, str>> for Text {
    fn from(text: Cow<'_, str>) -> Self {
        match text {
            Cow::Borrowed(s) => Text::new(s),
            Cow::Owned(s) => Text::from(s),
        }
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.0.into_string()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_no_bigger_than_a_string_even_as_an_option() {
        assert_eq!(size_of::<Text>(), size_of::<String>());
        assert_eq!(size_of::<Option<Text>>(), size_of::<String>());
    }

    #[test]
    fn reads_compares_and_serialises_as_a_string() {
        let long = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36";
        for s in ["", "US", "user.session.start", long] {
            let t = Text::from(s);
            assert_eq!(t, s);
            assert_eq!(s, t);
            assert_eq!(t, s.to_owned());
            assert_eq!(String::from(t.clone()), s);
            assert_eq!(serde_json::to_string(&t).unwrap(), serde_json::to_string(s).unwrap());
            assert_eq!(serde_json::from_str::<Text>(&serde_json::to_string(s).unwrap()).unwrap(), t);
            assert_eq!(format!("{t}|{t:?}"), format!("{s}|{s:?}"));
        }
        let (a, b) = (Text::from("a"), Text::from("b"));
        assert!(a < b, "ordered as strings");
    }

    #[test]
    fn looks_up_by_str_in_hashed_and_ordered_sets() {
        // `Borrow<str>` promises the same hash and order as the `str`.
        let long = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15";
        let hashed: std::collections::HashSet<Text> = ["US".into(), long.into()].into_iter().collect();
        let ordered: std::collections::BTreeSet<Text> = hashed.iter().cloned().collect();
        for s in ["US", long] {
            assert!(hashed.contains(s) && ordered.contains(s), "{s}");
        }
        assert!(!hashed.contains("us"));
    }

    #[test]
    fn lower_cases_ascii_only_where_needed() {
        assert_eq!(Text::ascii_lowercase("Alice@Example.COM"), "alice@example.com");
        assert_eq!(Text::ascii_lowercase("bob@example.com"), "bob@example.com");
    }
}
