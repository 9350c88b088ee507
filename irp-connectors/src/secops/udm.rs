//! UDM search queries built from typed parts.
//!
//! Field paths are fixed constants; values are string literals escaped as the UDM search syntax
//! documents (backslash → `\\`, double quote → `\"`), and control characters are refused, so a
//! user id like `a" OR principal.ip != "` stays one literal and cannot change the query.

use std::fmt;

use crate::error::{ConnectorError, ErrorKind, Result};

/// A UDM field path (query syntax, snake_case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field(&'static str);

impl Field {
    /// `principal.user.userid`
    pub const PRINCIPAL_USERID: Field = Field("principal.user.userid");
    /// `target.user.userid`
    pub const TARGET_USERID: Field = Field("target.user.userid");
    /// `principal.user.email_addresses`
    pub const PRINCIPAL_EMAIL: Field = Field("principal.user.email_addresses");
    /// `target.user.email_addresses`
    pub const TARGET_EMAIL: Field = Field("target.user.email_addresses");
    /// `metadata.event_type`
    pub const EVENT_TYPE: Field = Field("metadata.event_type");
    /// `user.userid` (entity queries)
    pub const USER_USERID: Field = Field("user.userid");
    /// `email` (entity queries)
    pub const EMAIL: Field = Field("email");
    /// `principal.ip`
    pub const PRINCIPAL_IP: Field = Field("principal.ip");
}

/// `value` as a UDM string literal, quotes included.
///
/// # Errors
///
/// [`ErrorKind::Invalid`] for control characters (a newline would end the query line).
pub fn string_literal(value: &str) -> Result<String> {
    if value.chars().any(char::is_control) {
        return Err(ConnectorError::new(ErrorKind::Invalid, "secops.udm_query")
            .with_detail("a query value holds control characters"));
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Ok(out)
}

/// A UDM query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query(String);

impl Query {
    /// `field = "value"`, with `nocase` when `nocase`.
    pub fn eq(field: Field, value: &str, nocase: bool) -> Result<Self> {
        let lit = string_literal(value)?;
        Ok(Query(if nocase { format!("{} = {lit} nocase", field.0) } else { format!("{} = {lit}", field.0) }))
    }

    /// `field = ENUM` for an enum value (constants only, written quoted as the syntax requires).
    pub fn eq_enum(field: Field, value: &'static str) -> Self {
        Query(format!("{} = \"{value}\"", field.0))
    }

    /// `(a OR b OR ...)`.
    pub fn any(parts: impl IntoIterator<Item = Query>) -> Self {
        let parts: Vec<String> = parts.into_iter().map(|q| q.0).collect();
        Query(format!("({})", parts.join(" OR ")))
    }

    /// `self AND other`.
    pub fn and(self, other: Query) -> Self {
        Query(format!("{} AND {}", self.0, other.0))
    }

    /// Everything one user did or had done to them (case-insensitive on id and e-mail).
    pub fn user(user: &str) -> Result<Self> {
        Ok(Query::any([
            Query::eq(Field::PRINCIPAL_USERID, user, true)?,
            Query::eq(Field::TARGET_USERID, user, true)?,
            Query::eq(Field::PRINCIPAL_EMAIL, user, true)?,
            Query::eq(Field::TARGET_EMAIL, user, true)?,
        ]))
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_stay_one_literal() {
        let q = Query::eq(Field::TARGET_USERID, r#"a" OR principal.ip != ""#, true).unwrap();
        assert_eq!(q.to_string(), r#"target.user.userid = "a\" OR principal.ip != \"" nocase"#);
        let q = Query::eq(Field::TARGET_USERID, r"c:\x\", false).unwrap();
        assert_eq!(q.to_string(), r#"target.user.userid = "c:\\x\\""#);
        assert!(Query::eq(Field::TARGET_USERID, "a\nOR", false).is_err());
        assert_eq!(
            Query::eq_enum(Field::EVENT_TYPE, "USER_LOGIN").and(Query::user("u").unwrap()).to_string(),
            r#"metadata.event_type = "USER_LOGIN" AND (principal.user.userid = "u" nocase OR target.user.userid = "u" nocase OR principal.user.email_addresses = "u" nocase OR target.user.email_addresses = "u" nocase)"#
        );
    }
}
