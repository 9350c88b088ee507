//! A secret value (API token, client secret, temporary password) whose `Debug` and `Display`
//! print `[redacted]`, so it cannot leak through logs, error messages or case comments.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A secret string. Read it only where it is sent, with [`Secret::expose_secret`].
///
/// It deliberately implements neither `Serialize` nor `PartialEq`: a secret is never written
/// back out, and comparing secrets is a timing side channel.
///
/// ```
/// use irp_connectors::Secret;
/// let token = Secret::new("00abcdef");
/// assert_eq!(format!("{token:?} {token}"), "[redacted] [redacted]");
/// assert_eq!(token.expose_secret(), "00abcdef");
/// ```
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Call it only at the point of use (a request header), never to log.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_debug_is_redacted() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Config {
            org: String,
            token: Secret,
        }
        let cfg: Config = serde_json::from_str(r#"{"org":"acme","token":"SSWS-very-secret"}"#).unwrap();
        let shown = format!("{cfg:?}");
        assert!(shown.contains("acme"));
        assert!(!shown.contains("very-secret"));
        assert_eq!(cfg.token.expose_secret(), "SSWS-very-secret");
    }
}
