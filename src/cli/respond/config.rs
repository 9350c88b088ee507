//! `irp.toml`: which connector serves which port (`[siem]`, `[soar]`, `[idp]`, `[mailbox]`, as
//! in [`irp::connectors::config`]), where run state goes (`[run]`), and the policy (inline
//! `[policy]` or `policy_file`). Secrets are never in the file: vendor connectors name an
//! environment variable or a file. See `examples/irp.toml`.
//!
//! Relative paths are resolved against the directory of the config file, so a config and its
//! data travel together.

use std::path::{Path, PathBuf};

use irp::connectors::config::{ConfigError, ConfigFile, ConnectorsConfig};
use irp::core::policy::Policy;

/// `irp.toml`, loaded and checked.
#[derive(Debug)]
pub struct RespondConfig {
    /// Where `<case>.state.json` and the reports go (default `irp-state` beside the config).
    pub state_dir: PathBuf,
    /// The policy (the default when the file gives none).
    pub policy: Policy,
    /// The four ports' connectors.
    pub connectors: ConnectorsConfig,
}

impl RespondConfig {
    /// Reads and checks `path`; relative paths are relative to its directory.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let loaded = ConfigFile::load(path)?;
        let base = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        Ok(RespondConfig {
            state_dir: loaded.state_dir.unwrap_or_else(|| base.join("irp-state")),
            policy: loaded.policy.unwrap_or_default(),
            connectors: loaded.connectors,
        })
    }
}

#[cfg(test)]
mod tests {
    use irp::connectors::config::SiemConfig;

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

    /// Writes `text` as `irp.toml` in a fresh directory and loads it.
    fn load(text: &str) -> (tempfile::TempDir, Result<RespondConfig, ConfigError>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("policy.toml"), "window_hours = 24\n").unwrap();
        std::fs::write(dir.path().join("irp.toml"), text).unwrap();
        let loaded = RespondConfig::load(&dir.path().join("irp.toml"));
        (dir, loaded)
    }

    #[test]
    fn relative_paths_follow_the_config_file() {
        let (dir, config) = load(EMBEDDED);
        let config = config.unwrap();
        assert_eq!(config.policy.window_hours, 24);
        assert_eq!(config.state_dir, dir.path().join("state"));
        let SiemConfig::Files { paths, .. } = &config.connectors.siem else { panic!("files") };
        assert_eq!(paths, &[dir.path().join("exports/okta.ndjson"), PathBuf::from("/abs/o365.json")]);
        assert_eq!(config.connectors.mailbox.name(), "none");
        // Without [run], the state goes beside the config.
        let (dir, config) = load(&EMBEDDED.replace("[run]\nstate_dir = \"state\"\n", ""));
        assert_eq!(config.unwrap().state_dir, dir.path().join("irp-state"));
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_key() {
        let typo = EMBEDDED.replace("type = \"sqlite\"", "type = \"sqlite\"\nfile = \"x\"");
        let (dir, err) = load(&typo);
        let err = err.unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}: ", dir.path().join("irp.toml").display())), "{err}");
        assert!(err.contains("line 11") && err.contains("unknown field `file`"), "{err}");
        let (_, err) = load(&EMBEDDED.replace("type = \"local\"", "type = \"ldap\""));
        assert!(err.unwrap_err().to_string().contains("unknown variant `ldap`"));
        let (_, err) = load(&format!("{EMBEDDED}\n[siems]\n"));
        assert!(err.unwrap_err().to_string().contains("siems"));
    }

    #[test]
    fn inline_policy_is_checked_like_a_policy_file() {
        let (_, err) = load(&EMBEDDED.replace("policy_file = \"policy.toml\"", "[policy]\nwindow_hour = 3\n"));
        let err = err.unwrap_err();
        assert!(matches!(err, ConfigError::Policy { .. }), "{err}");
        assert!(err.to_string().contains("window_hour"), "{err}");
    }
}
