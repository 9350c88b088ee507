//! A byte-level prefilter for single-user reads: tells, without parsing, that a record cannot
//! concern a given user, so the reader may skip it.
//!
//! It never misses a record the parsers would attribute to the user. Every parser takes the user
//! from a JSON string value (or, for Graph alerts, from `accountName` + `@` + `domainName`), trims
//! it and lower-cases it ([`UserId::new`]). So the raw record of such a record contains the part of
//! the login before its first `@`, in some letter case, unless a string spells it with escapes
//! (`\u0041lice`) or with non-ASCII characters that lower-case to ASCII (the Kelvin sign `K`
//! becomes `k`). The filter therefore keeps every record that contains that part
//! case-insensitively, and every record with a `\u` escape or a non-ASCII byte; it only skips
//! plain-ASCII records without it. The two-character escapes (`\"`, `\\`, `\/`, `\n`, ...) only
//! stand for those characters, so they can hide the login only when it contains one of them:
//! then any backslash keeps the record. (Okta writes `logOnlySecurityData` as JSON text, so most
//! sign-ins have escapes.) False positives are harmless: they are parsed.

use memchr::memmem;

use super::UserId;

/// Decides which records may concern one user.
#[derive(Debug, Clone)]
pub struct UserFilter {
    /// The lower-case part of the login before its first `@`; `None` keeps every record.
    needle: Option<Vec<u8>>,
    /// The needle has a character a two-character escape stands for.
    escapable: bool,
    /// Scratch space for the lower-cased record.
    lowered: Vec<u8>,
}

impl UserFilter {
    /// A filter for `user` (already normalised).
    pub fn new(user: &UserId) -> Self {
        let local = user.as_str().split('@').next().unwrap_or_default();
        // An empty or non-ASCII needle cannot be searched for byte-wise: keep everything.
        let needle = (!local.is_empty() && local.is_ascii()).then(|| local.as_bytes().to_ascii_lowercase());
        let escapable = local.bytes().any(|b| matches!(b, b'"' | b'\\' | b'/') || b < 0x20);
        UserFilter { needle, escapable, lowered: Vec::new() }
    }

    /// False only when `record` (the raw bytes of one JSON record) cannot concern the user.
    pub fn may_mention(&mut self, record: &[u8]) -> bool {
        let Some(needle) = &self.needle else { return true };
        let unicode_escape = memmem::find(record, b"\\u").is_some();
        if !record.is_ascii() || unicode_escape || (self.escapable && memchr::memchr(b'\\', record).is_some()) {
            return true;
        }
        self.lowered.clear();
        self.lowered.extend_from_slice(record);
        self.lowered.make_ascii_lowercase();
        memmem::find(&self.lowered, needle).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{Format, RecordReader};

    fn filter(user: &str) -> UserFilter {
        UserFilter::new(&UserId::new(user))
    }

    /// The user the parsers attribute `record` to.
    fn parsed_user(record: &str) -> Option<String> {
        RecordReader::new("t", record.as_bytes(), Format::Auto).next()?.ok().map(|e| e.user.as_str().to_owned())
    }

    fn okta(actor: &str, target: &str, event_type: &str) -> String {
        format!(
            r#"{{"uuid":"u1","published":"2024-05-01T09:00:00Z","eventType":"{event_type}","actor":{{"alternateId":"{actor}","type":"User"}},"target":[{{"type":"User","alternateId":"{target}"}}],"outcome":{{"result":"SUCCESS"}}}}"#
        )
    }

    #[test]
    fn never_skips_a_record_the_parser_gives_the_user() {
        let alice = "alice@example.com";
        let cases = [
            (okta("alice@example.com", "bob@example.com", "user.session.start"), alice),
            (okta("ALICE@Example.COM", "bob@example.com", "user.session.start"), alice),
            (okta(r"\u0041lice@example.com", "bob@example.com", "user.session.start"), alice),
            (okta(r"alic\u0065@example.com", "bob@example.com", "user.session.start"), alice),
            (okta("  Alice@example.com ", "bob@example.com", "user.session.start"), alice),
            // An admin resetting Alice's factors: the target's event.
            (okta("admin@example.com", "Alice@Example.com", "user.mfa.factor.reset_all"), alice),
            // The Kelvin sign lower-cases to `k`.
            (okta("\u{212A}ate@example.com", "bob@example.com", "user.session.start"), "kate@example.com"),
        ];
        for (record, user) in &cases {
            assert_eq!(parsed_user(record).as_deref(), Some(*user), "{record}");
            assert!(filter(user).may_mention(record.as_bytes()), "{user} skipped in {record}");
        }
    }

    #[test]
    fn graph_alert_user_built_from_account_and_domain_is_kept() {
        let record = r#"{"id":"a1","createdDateTime":"2024-05-01T09:00:00Z","title":"x","category":"y","severity":"high","vendorInformation":{"provider":"IPC"},"userStates":[{"accountName":"Alice","domainName":"Example.com"}]}"#;
        assert!(filter("alice@example.com").may_mention(record.as_bytes()));
    }

    #[test]
    fn skips_plain_records_of_other_users_only() {
        let bob = okta("bob@example.com", "carol@example.com", "user.session.start");
        assert!(!filter("alice@example.com").may_mention(bob.as_bytes()));
        assert!(filter("bob@example.com").may_mention(bob.as_bytes()));
        assert!(filter("carol@example.com").may_mention(bob.as_bytes()), "a target mention is kept");
        // A `\u` escape anywhere keeps the record (it could spell the user).
        let escaped = bob.replace("SUCCESS", r"SUCC\u0045SS");
        assert!(filter("alice@example.com").may_mention(escaped.as_bytes()));
        // Two-character escapes cannot spell `alice` (JSON text in a field, as Okta logs it)...
        let embedded = bob.replace(r#""SUCCESS""#, r#""SUCCESS","x":"{\"risk\":\"LOW\"}\n""#);
        assert_eq!(parsed_user(&embedded).as_deref(), Some("bob@example.com"));
        assert!(!filter("alice@example.com").may_mention(embedded.as_bytes()));
        // ...but can spell a login with a slash or a quote in it.
        let slashed = okta(r"a\/b@example.com", "carol@example.com", "user.session.start");
        assert_eq!(parsed_user(&slashed).as_deref(), Some("a/b@example.com"));
        assert!(filter("a/b@example.com").may_mention(slashed.as_bytes()));
        let accented = bob.replace("SUCCESS", "SUCCÈS");
        assert!(filter("alice@example.com").may_mention(accented.as_bytes()));
        // A login without an ASCII local part cannot be searched for: nothing is skipped.
        assert!(filter("@example.com").may_mention(bob.as_bytes()));
        assert!(filter("élise@example.com").may_mention(bob.as_bytes()));
    }
}
