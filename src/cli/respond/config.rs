//! `irp.toml`: which connector serves which port (`[siem]`, `[soar]`, `[idp]`, `[mailbox]`, as
//! in [`irp::connectors::config`]), where run state goes (`[run]`), and the policy (inline
//! `[policy]` or `policy_file`). Secrets are never in the file: vendor connectors name an
//! environment variable or a file. See `examples/irp.toml`.
//!
//! Relative paths are resolved against the directory of the config file, so a config and its
//! data travel together.

use std::path::{Path, PathBuf};

use irp::connectors::config::{ConnectorsConfig, IdpConfig, MailboxConfig, SiemConfig, SoarConfig};
use irp::core::policy::Policy;
use serde::Deserialize;

/// A config file that could not be used, naming the file and what is wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML, or not the schema (the message names the line and the key).
    #[error("{path}: {message}")]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// What is wrong.
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

/// `irp.toml`, loaded and checked.
#[derive(Debug)]
pub struct RespondConfig {
    /// `[run]`.
    pub run: RunSection,
    /// The policy.
    pub policy: Policy,
    /// The four ports' connectors.
    pub connectors: ConnectorsConfig,
}

/// `[run]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSection {
    /// Directory for `<case>.state.json` (what `--resume` continues) and the reports. Default
    /// `irp-state`.
    #[serde(default = "default_state_dir")]
    pub state_dir: PathBuf,
}

impl Default for RunSection {
    fn default() -> Self {
        RunSection { state_dir: default_state_dir() }
    }
}

fn default_state_dir() -> PathBuf {
    PathBuf::from("irp-state")
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    run: RunSection,
    #[serde(default)]
    policy_file: Option<PathBuf>,
    #[serde(default)]
    policy: Option<toml::Table>,
    siem: SiemConfig,
    soar: SoarConfig,
    idp: IdpConfig,
    #[serde(default)]
    mailbox: MailboxConfig,
}

impl RespondConfig {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
        Self::parse(&text, path)
    }

    /// Parses `text` as if read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let file: File =
            toml::from_str(text).map_err(|e| ConfigError::Invalid { path: path.into(), message: e.to_string() })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: PathBuf| if p.is_relative() { base.join(p) } else { p };
        let policy = match (file.policy, file.policy_file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::Invalid {
                    path: path.into(),
                    message: "give either an inline [policy] table or policy_file, not both".into(),
                })
            }
            (Some(table), None) => Policy::from_toml_str(&table.to_string())
                .map_err(|e| ConfigError::Policy { path: path.into(), message: e.to_string() })?,
            (None, Some(file)) => {
                let file = resolve(file);
                let text = std::fs::read_to_string(&file)
                    .map_err(|source| ConfigError::Read { path: file.clone(), source })?;
                Policy::from_toml_str(&text).map_err(|e| ConfigError::Policy { path: file, message: e.to_string() })?
            }
            (None, None) => Policy::default(),
        };
        let mut connectors =
            ConnectorsConfig { siem: file.siem, soar: file.soar, idp: file.idp, mailbox: file.mailbox };
        connectors.resolve_paths(base);
        let run = RunSection { state_dir: resolve(file.run.state_dir) };
        Ok(RespondConfig { run, policy, connectors })
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
        let config = RespondConfig::parse(EMBEDDED, &dir.path().join("irp.toml")).unwrap();
        assert_eq!(config.policy.window_hours, 24);
        assert_eq!(config.run.state_dir, dir.path().join("state"));
        let SiemConfig::Files { paths, .. } = &config.connectors.siem else { panic!("files") };
        assert_eq!(paths, &[dir.path().join("exports/okta.ndjson"), PathBuf::from("/abs/o365.json")]);
        assert_eq!(config.connectors.mailbox.name(), "none");
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
        assert!(err.contains("unknown variant `ldap`"), "{err}");
        let stray = format!("{EMBEDDED}\n[siems]\n");
        assert!(RespondConfig::parse(&stray, path).unwrap_err().to_string().contains("siems"));
    }

    #[test]
    fn inline_policy_is_checked_like_a_policy_file() {
        let inline = EMBEDDED.replace("policy_file = \"policy.toml\"", "[policy]\nwindow_hour = 3\n");
        let err = RespondConfig::parse(&inline, Path::new("irp.toml")).unwrap_err();
        assert!(matches!(err, ConfigError::Policy { .. }), "{err}");
        assert!(err.to_string().contains("window_hour"), "{err}");
    }
}
