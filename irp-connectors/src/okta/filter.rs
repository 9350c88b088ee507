//! Okta filter / search expressions built from typed parts.
//!
//! String literals "must be valid JSON strings" (Okta core API, *Filter*): the value is written
//! with JSON escaping (`"` → `\"`, `\` → `\\`, control characters → `\uXXXX`), so a value like
//! `a" or actor.id pr or x eq "` stays one literal and cannot add a clause.

use std::fmt;

/// An attribute that may appear in a filter (fixed names: user input never becomes one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Attr {
    /// `profile.login` (users search).
    ProfileLogin,
    /// `actor.alternateId` (System Log).
    ActorAlternateId,
    /// `target.alternateId` (System Log).
    TargetAlternateId,
    /// `eventType` (System Log).
    EventType,
    /// `client.ipAddress` (System Log).
    ClientIp,
}

impl Attr {
    fn name(self) -> &'static str {
        match self {
            Attr::ProfileLogin => "profile.login",
            Attr::ActorAlternateId => "actor.alternateId",
            Attr::TargetAlternateId => "target.alternateId",
            Attr::EventType => "eventType",
            Attr::ClientIp => "client.ipAddress",
        }
    }
}

/// A filter expression: `eq` comparisons joined by `or` / `and`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter(String);

/// `value` as an Okta string literal (a JSON string).
pub fn string_literal(value: &str) -> String {
    serde_json::Value::String(value.to_owned()).to_string()
}

impl Filter {
    /// `attr eq "value"`.
    pub fn eq(attr: Attr, value: &str) -> Self {
        Filter(format!("{} eq {}", attr.name(), string_literal(value)))
    }

    /// `(self) or (other)`.
    pub fn or(self, other: Filter) -> Self {
        Filter(format!("({}) or ({})", self.0, other.0))
    }

    /// `(self) and (other)`.
    pub fn and(self, other: Filter) -> Self {
        Filter(format!("({}) and ({})", self.0, other.0))
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_values_stay_one_literal() {
        let f = Filter::eq(Attr::ActorAlternateId, "a\" or actor.id pr or x eq \"\\");
        assert_eq!(f.to_string(), r#"actor.alternateId eq "a\" or actor.id pr or x eq \"\\""#);
        let nl = Filter::eq(Attr::ProfileLogin, "a\nb\u{0}");
        assert_eq!(nl.to_string(), r#"profile.login eq "a\nb\u0000""#);
        let both = Filter::eq(Attr::ActorAlternateId, "u").or(Filter::eq(Attr::TargetAlternateId, "u"));
        assert_eq!(both.to_string(), r#"(actor.alternateId eq "u") or (target.alternateId eq "u")"#);
    }
}
