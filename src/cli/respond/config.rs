//! `irp.toml`: which connector serves which port, where its endpoint and secrets are, where run
//! state is kept, and the policy. Secrets are never in the file itself: each is named by an
//! environment variable or a file (see `docs/CONNECTORS.md`).
//!
//! Relative paths are resolved against the directory of the config file, so a config and its
//! data travel together.

use std::path::{Path, PathBuf};

use irp_core::policy::Policy;
use serde::Deserialize;

/// A config file that could not be used, naming the file and what is wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The config file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not match the schema (the message names the key and
    /// the line).
    #[error("{path}: {message}")]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// What is wrong, as `toml` reports it (with line, column and key).
        message: String,
    },
    /// The policy (inline `[policy]` or `policy_file`) is invalid.
    #[error("{path}: policy: {message}")]
    Policy {
        /// The file the policy came from.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The whole `irp.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RespondConfig {
    /// Where run state (for `--resume`) and reports go.
    #[serde(default)]
    pub run: RunSection,
    /// Policy in a separate TOML file (relative to this file).
    #[serde(default)]
    pub policy_file: Option<PathBuf>,
    /// Or inline.
    #[serde(default)]
    pub policy: Option<toml::Table>,
    /// Event search.
    pub siem: SiemConfig,
    /// The case: details, comments, approvals, journal.
    pub soar: SoarConfig,
    /// The identity provider.
    pub idp: IdpConfig,
    /// The mailbox (inbox rules, forwarding); `type = "none"` when there is none to act on.
    #[serde(default)]
    pub mailbox: MailboxConfig,
}

/// `[run]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSection {
    /// Directory for `<case>.state.json` and the reports. Default `irp-state`.
    #[serde(default = "default_state_dir")]
    pub state_dir: PathBuf,
    /// Post-recovery monitoring length in hours (default: the engine's).
    #[serde(default)]
    pub monitoring_hours: Option<u32>,
}

impl Default for RunSection {
    fn default() -> Self {
        RunSection { state_dir: default_state_dir(), monitoring_hours: None }
    }
}

fn default_state_dir() -> PathBuf {
    PathBuf::from("irp-state")
}

/// `[siem]`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum SiemConfig {
    /// Exported event files (any format `irp assess` reads).
    Files {
        /// The files.
        paths: Vec<PathBuf>,
    },
}

/// `[soar]`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum SoarConfig {
    /// The embedded SQLite case store.
    Sqlite {
        /// The database file (created if missing).
        path: PathBuf,
    },
}

/// `[idp]`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum IdpConfig {
    /// The embedded local directory (JSON file).
    Local {
        /// The directory file.
        path: PathBuf,
    },
}

/// `[mailbox]`.
#[derive(Debug, Default, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum MailboxConfig {
    /// The local directory's mailboxes (the same file as `[idp]` when that is `local`).
    Local {
        /// The directory file.
        path: PathBuf,
    },
    /// No mailbox connector: mailbox persistence is reported as not checked, which keeps the
    /// account disabled until someone checks by hand.
    #[default]
    None,
}

impl RespondConfig {
    /// Reads and validates `path`, resolving relative paths against its directory.
    pub fn load(path: &Path) -> Result<(Self, Policy), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
        Self::parse(&text, path)
    }

    /// Parses `text` as if read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<(Self, Policy), ConfigError> {
        let mut config: RespondConfig =
            toml::from_str(text).map_err(|e| ConfigError::Invalid { path: path.into(), message: e.to_string() })?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.resolve(base);
        let policy = config.policy(path)?;
        Ok((config, policy))
    }

    fn policy(&self, path: &Path) -> Result<Policy, ConfigError> {
        match (&self.policy, &self.policy_file) {
            (Some(_), Some(_)) => Err(ConfigError::Invalid {
                path: path.into(),
                message: "give either an inline [policy] table or policy_file, not both".into(),
            }),
            (Some(table), None) => Policy::from_toml_str(&table.to_string())
                .map_err(|e| ConfigError::Policy { path: path.into(), message: e.to_string() }),
            (None, Some(file)) => {
                let text =
                    std::fs::read_to_string(file).map_err(|source| ConfigError::Read { path: file.clone(), source })?;
                Policy::from_toml_str(&text).map_err(|e| ConfigError::Policy { path: file.clone(), message: e.to_string() })
            }
            (None, None) => Ok(Policy::default()),
        }
    }

    fn resolve(&mut self, base: &Path) {
        let at = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        at(&mut self.run.state_dir);
        if let Some(p) = self.policy_file.as_mut() {
            at(p);
        }
        match &mut self.siem {
            SiemConfig::Files { paths } => paths.iter_mut().for_each(at),
        }
        match &mut self.soar {
            SoarConfig::Sqlite { path } => at(path),
        }
        match &mut self.idp {
            IdpConfig::Local { path } => at(path),
        }
        match &mut self.mailbox {
            MailboxConfig::Local { path } => at(path),
            MailboxConfig::None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMBEDDED: &str = r#"
policy_file = "policy.toml"

[run]
state_dir = "state"

[siem]
type = "files"
paths = ["exports/okta.ndjson", "/abs/o365.json"]

[soar]
type = "sqlite"
path = "cases.sqlite"

[idp]
type = "local"
path = "directory.json"
"#;

    #[test]
    fn relative_paths_follow_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("policy.toml"), "window_hours = 24\n").unwrap();
        let path = dir.path().join("irp.toml");
        let (config, policy) = RespondConfig::parse(EMBEDDED, &path).unwrap();
        assert_eq!(policy.window_hours, 24);
        assert_eq!(config.run.state_dir, dir.path().join("state"));
        let SiemConfig::Files { paths } = &config.siem;
        assert_eq!(paths, &[dir.path().join("exports/okta.ndjson"), PathBuf::from("/abs/o365.json")]);
        assert!(matches!(config.mailbox, MailboxConfig::None));
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_key() {
        let path = Path::new("/etc/irp/irp.toml");
        let typo = EMBEDDED.replace("type = \"sqlite\"", "type = \"sqlite\"\nfile = \"x\"");
        let err = RespondConfig::parse(&typo, path).unwrap_err().to_string();
        assert!(err.starts_with("/etc/irp/irp.toml: "), "{err}");
        assert!(err.contains("line 11") && err.contains("unknown field `file`"), "{err}");
        let unknown = EMBEDDED.replace("type = \"local\"", "type = \"ldap\"");
        let err = RespondConfig::parse(&unknown, path).unwrap_err().to_string();
        assert!(err.contains("ldap"), "{err}");
    }

    #[test]
    fn inline_policy_is_checked_like_a_policy_file() {
        let inline = EMBEDDED.replace("policy_file = \"policy.toml\"", "[policy]\nwindow_hour = 3\n");
        let err = RespondConfig::parse(&inline, Path::new("irp.toml")).unwrap_err();
        assert!(matches!(err, ConfigError::Policy { .. }), "{err}");
        assert!(err.to_string().contains("window_hour"), "{err}");
    }
}
