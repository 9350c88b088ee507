//! OData `$filter` expressions built from typed parts.
//!
//! String literals are single-quoted and a quote inside is doubled (`'o''brien@x.com'`), so a
//! value such as `o'brien@x.com' or 1 eq 1` stays one literal and cannot add a clause. The whole
//! parameter value is then percent-encoded by the HTTP stack. Property names are fixed
//! ([`Prop`]); user input never becomes one.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};

/// A property that may appear in a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prop {
    /// `userPrincipalName` (sign-ins).
    UserPrincipalName,
    /// `createdDateTime` (sign-ins).
    CreatedDateTime,
    /// `activityDateTime` (directory audits).
    ActivityDateTime,
    /// `initiatedBy/user/userPrincipalName` (directory audits).
    InitiatedByUpn,
    /// `initiatedBy/user/id` (directory audits).
    InitiatedById,
    /// `activityDisplayName` (directory audits).
    ActivityDisplayName,
    /// `ipAddress` (sign-ins).
    IpAddress,
}

impl Prop {
    fn name(self) -> &'static str {
        match self {
            Prop::UserPrincipalName => "userPrincipalName",
            Prop::CreatedDateTime => "createdDateTime",
            Prop::ActivityDateTime => "activityDateTime",
            Prop::InitiatedByUpn => "initiatedBy/user/userPrincipalName",
            Prop::InitiatedById => "initiatedBy/user/id",
            Prop::ActivityDisplayName => "activityDisplayName",
            Prop::IpAddress => "ipAddress",
        }
    }
}

/// `value` as an OData string literal: single-quoted, inner quotes doubled.
pub fn string_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `t` as an OData `DateTimeOffset` literal (unquoted, UTC, `Z`).
pub fn datetime_literal(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A filter expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter(String);

impl Filter {
    /// `prop eq 'value'`.
    pub fn eq(prop: Prop, value: &str) -> Self {
        Filter(format!("{} eq {}", prop.name(), string_literal(value)))
    }

    /// `prop ge t` (inclusive start).
    pub fn ge(prop: Prop, t: DateTime<Utc>) -> Self {
        Filter(format!("{} ge {}", prop.name(), datetime_literal(t)))
    }

    /// `prop lt t` (exclusive end).
    pub fn lt(prop: Prop, t: DateTime<Utc>) -> Self {
        Filter(format!("{} lt {}", prop.name(), datetime_literal(t)))
    }

    /// `targetResources/any(t:t/userPrincipalName eq 'value')` (directory audits).
    pub fn any_target_upn(value: &str) -> Self {
        Filter(format!("targetResources/any(t:t/userPrincipalName eq {})", string_literal(value)))
    }

    /// `self and other`.
    pub fn and(self, other: Filter) -> Self {
        Filter(format!("{} and {}", self.0, other.0))
    }

    /// `(self or other)`.
    pub fn or(self, other: Filter) -> Self {
        Filter(format!("({} or {})", self.0, other.0))
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
    use chrono::TimeZone;

    #[test]
    fn hostile_values_stay_one_literal() {
        let f = Filter::eq(Prop::UserPrincipalName, "o'brien@x.com' or 1 eq 1");
        assert_eq!(f.to_string(), "userPrincipalName eq 'o''brien@x.com'' or 1 eq 1'");
        assert_eq!(string_literal("''"), "''''''");
        let t = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
        let w = Filter::eq(Prop::UserPrincipalName, "a@x").and(Filter::ge(Prop::CreatedDateTime, t));
        assert_eq!(w.to_string(), "userPrincipalName eq 'a@x' and createdDateTime ge 2024-05-01T09:00:00Z");
        let ms = t + chrono::Duration::milliseconds(250);
        assert_eq!(datetime_literal(ms), "2024-05-01T09:00:00.250Z");
        let any = Filter::eq(Prop::InitiatedByUpn, "a'b").or(Filter::any_target_upn("a'b"));
        assert_eq!(
            any.to_string(),
            "(initiatedBy/user/userPrincipalName eq 'a''b' or targetResources/any(t:t/userPrincipalName eq 'a''b'))"
        );
    }
}
