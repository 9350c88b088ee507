//! Connection settings and secret sources, deserialisable from the `irp respond` TOML config.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::error::{ConnectorError, ErrorKind, Result};
use crate::secret::Secret;

/// Timeouts, retries and rate-limit waits. Every field has a default, so `[okta.http]` may be
/// omitted or partial.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct HttpSettings {
    /// Whole-request timeout (connect, send, answer), milliseconds.
    pub timeout_ms: u64,
    /// Connection timeout, milliseconds.
    pub connect_timeout_ms: u64,
    /// Retries after the first attempt (only for calls allowed to retry; see [`super::retry`]).
    pub max_retries: u32,
    /// The longest single wait, seconds: a 429 asking for longer fails at once with
    /// [`ConnectorError::retry_after`] set, instead of blocking the run.
    pub max_wait_secs: u64,
    /// Most random delay added to a wait, milliseconds.
    pub jitter_ms: u64,
    /// First back-off after a 5xx or a refused connection, milliseconds; doubles per attempt.
    pub backoff_ms: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout_ms: 30_000,
            connect_timeout_ms: 10_000,
            max_retries: 3,
            max_wait_secs: 60,
            jitter_ms: 250,
            backoff_ms: 500,
        }
    }
}

impl HttpSettings {
    /// Sets the request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Sets the number of retries.
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the wait cap.
    pub fn with_max_wait(mut self, wait: Duration) -> Self {
        self.max_wait_secs = wait.as_secs();
        self
    }

    pub(crate) fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    pub(crate) fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    pub(crate) fn max_wait(&self) -> Duration {
        Duration::from_secs(self.max_wait_secs)
    }
}

/// Where a credential comes from: an environment variable or a file, never the command line
/// or the config file itself; or, handed over programmatically (a Python playbook passing a
/// value from its platform's vault), the value itself, which config files refuse.
///
/// In TOML: `token = { env = "OKTA_API_TOKEN" }` or `token = { file = "/run/secrets/okta" }`.
/// A file is read again on every request, so a short-lived token (a Google access token) can be
/// refreshed by another process while a run waits for approvals.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum SecretSource {
    /// The named environment variable.
    Env {
        /// Variable name.
        env: String,
    },
    /// The whole file (surrounding whitespace trimmed).
    File {
        /// Path to the file.
        file: PathBuf,
    },
    /// The value itself (`{"value": "..."}` from Python); refused in config files.
    Value {
        /// The secret.
        value: InlineSecret,
    },
}

/// A secret handed over as a value. Equal only to itself (the same handover), so configs can be
/// compared without ever comparing secret values.
#[derive(Clone)]
pub struct InlineSecret(std::sync::Arc<Secret>);

impl InlineSecret {
    /// Wraps `value`.
    pub fn new(value: Secret) -> Self {
        InlineSecret(std::sync::Arc::new(value))
    }
}

impl PartialEq for InlineSecret {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for InlineSecret {}

impl std::fmt::Debug for InlineSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for InlineSecret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        Secret::deserialize(deserializer).map(InlineSecret::new)
    }
}

impl SecretSource {
    /// Reads the secret. Errors name the variable or file, never the value.
    pub fn resolve(&self, operation: &str) -> Result<Secret> {
        let value = match self {
            SecretSource::Env { env } => std::env::var(env).map_err(|_| {
                ConnectorError::new(ErrorKind::Invalid, operation)
                    .with_detail(format!("environment variable {env} is not set or not UTF-8"))
            })?,
            SecretSource::File { file } => std::fs::read_to_string(file).map_err(|e| {
                ConnectorError::new(ErrorKind::Invalid, operation).with_detail(format!(
                    "cannot read secret file {}: {}",
                    file.display(),
                    e.kind()
                ))
            })?,
            SecretSource::Value { value } => value.0.expose_secret().to_owned(),
        };
        let value = value.trim();
        if value.is_empty() {
            return Err(ConnectorError::new(ErrorKind::Invalid, operation).with_detail("the secret is empty"));
        }
        Ok(Secret::new(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Cfg {
        token: SecretSource,
        #[serde(default)]
        http: HttpSettings,
    }

    #[test]
    fn sources_deserialise_and_resolve_without_showing_the_value() {
        let cfg: Cfg =
            toml::from_str("token = { env = \"IRP_TEST_NO_SUCH_VAR_42\" }\n[http]\ntimeout_ms = 500\n").unwrap();
        assert_eq!(cfg.http.timeout_ms, 500);
        assert_eq!(cfg.http.max_retries, 3);
        let err = cfg.token.resolve("okta.config").unwrap_err();
        assert_eq!(
            err.to_string(),
            "okta.config: invalid request: environment variable IRP_TEST_NO_SUCH_VAR_42 is not set or not UTF-8"
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tok");
        std::fs::write(&path, "s3cr3t-value\n").unwrap();
        let src = SecretSource::File { file: path };
        let secret = src.resolve("x").unwrap();
        assert_eq!(secret.expose_secret(), "s3cr3t-value");
        assert!(!format!("{src:?} {secret:?}").contains("s3cr3t"));
    }

    #[test]
    fn unknown_http_keys_are_rejected() {
        assert!(toml::from_str::<Cfg>("token = { env = \"X\" }\n[http]\ntimeout = 5\n").is_err());
    }
}
