//! Which connector serves which port, as data: the `[siem]`, `[soar]`, `[idp]` and `[mailbox]`
//! tables of `irp.toml` (and the same dicts from Python). Each table names its connector with
//! `type`; the remaining keys are that connector's own settings. Secrets are never values here:
//! vendor connectors name an environment variable or a file (see `docs/CONNECTORS.md`).
//!
//! ```
//! use irp_connectors::config::ConnectorsConfig;
//!
//! let config: ConnectorsConfig = toml::from_str(r#"
//!     [siem]
//!     type = "files"
//!     paths = ["exports/okta.ndjson.gz"]
//!     [soar]
//!     type = "sqlite"
//!     path = "cases.sqlite"
//!     [idp]
//!     type = "local"
//!     path = "directory.json"
//! "#).unwrap();
//! assert_eq!(config.mailbox.name(), "none");
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use irp_core::action::CallStyle;
use irp_core::evidence::{Format, UserId};
use irp_core::policy::{Policy, PolicyError};
use irp_core::runbook::PersistenceKind;
use serde::Deserialize;

use crate::embedded::{FileSiem, LocalDirectory, SqliteCaseStore};
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::graph::{Graph, GraphConfig};
use crate::http::SecretSource;
use crate::okta::{Okta, OktaConfig, OktaSystemLog};
use crate::ports::{Health, IdentityProvider, InboxRule, Mailbox, MailboxForwarding, OAuthGrant, Siem, Soar};
use crate::responder::Ports;
use crate::secops::{SecOpsSiem, SecOpsSiemConfig, SecOpsSoar, SecOpsSoarConfig};

/// A whole `irp.toml` (or the same tables as a dict from Python), as written: `[run]`, the policy
/// (an inline `[policy]` table or `policy_file`), and the four connector tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `[run]`.
    #[serde(default)]
    pub run: RunTable,
    /// The policy in its own TOML file.
    #[serde(default)]
    pub policy_file: Option<PathBuf>,
    /// Or inline.
    #[serde(default)]
    pub policy: Option<toml::Table>,
    /// `[siem]`.
    pub siem: SiemConfig,
    /// `[soar]`.
    pub soar: SoarConfig,
    /// `[idp]`.
    pub idp: IdpConfig,
    /// `[mailbox]` (default `none`).
    #[serde(default)]
    pub mailbox: MailboxConfig,
}

/// `[run]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunTable {
    /// Where `<case>.state.json` and the reports go.
    #[serde(default)]
    pub state_dir: Option<PathBuf>,
}

/// A config file resolved: paths made absolute against its directory, the policy loaded.
#[derive(Debug)]
pub struct LoadedConfig {
    /// The connectors.
    pub connectors: ConnectorsConfig,
    /// The policy, when the file gives one.
    pub policy: Option<Policy>,
    /// The state directory, when the file gives one.
    pub state_dir: Option<PathBuf>,
}

/// A config that cannot be used; every variant names where it came from.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file (the config or its `policy_file`) could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not TOML, or not the schema: the message names the line and the key.
    #[error("{origin}: {message}")]
    Invalid {
        /// The config's name (its path, or `config` for text and dicts).
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// The policy is invalid.
    #[error("{origin}: policy: {source}")]
    Policy {
        /// Where the policy came from.
        origin: String,
        /// What is wrong with it.
        source: PolicyError,
    },
}

impl ConfigFile {
    /// Reads `path` and resolves it against its directory.
    pub fn load(path: &Path) -> std::result::Result<LoadedConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
        let base = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Self::from_toml(&text, &path.display().to_string(), &base)
    }

    /// Parses TOML text (`origin` names it in errors) and resolves it against `base`. A secret
    /// written as a value is refused: a config file names an environment variable or a file.
    pub fn from_toml(text: &str, origin: &str, base: &Path) -> std::result::Result<LoadedConfig, ConfigError> {
        let file: ConfigFile = toml::from_str(text)
            .map_err(|e| ConfigError::Invalid { origin: origin.to_owned(), message: e.to_string() })?;
        let mut loaded = file.resolve(origin, base)?;
        if loaded.connectors.secrets_mut().iter().any(|s| matches!(s, SecretSource::Value { .. })) {
            return Err(ConfigError::Invalid {
                origin: origin.to_owned(),
                message: "a secret is written as a value; use { env = \"VAR\" } or { file = \"path\" }".into(),
            });
        }
        Ok(loaded)
    }

    /// Resolves relative paths against `base`, loads the policy; `origin` names the config in
    /// errors.
    pub fn resolve(self, origin: &str, base: &Path) -> std::result::Result<LoadedConfig, ConfigError> {
        let absolute = |p: PathBuf| if p.is_relative() { base.join(p) } else { p };
        let policy = match (self.policy, self.policy_file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::Invalid {
                    origin: origin.to_owned(),
                    message: "give either an inline [policy] table or policy_file, not both".into(),
                })
            }
            (Some(table), None) => Some(
                Policy::from_toml_str(&table.to_string())
                    .map_err(|source| ConfigError::Policy { origin: origin.to_owned(), source })?,
            ),
            (None, Some(file)) => {
                let file = absolute(file);
                let text = std::fs::read_to_string(&file)
                    .map_err(|source| ConfigError::Read { path: file.clone(), source })?;
                let origin = file.display().to_string();
                Some(Policy::from_toml_str(&text).map_err(|source| ConfigError::Policy { origin, source })?)
            }
            (None, None) => None,
        };
        let mut connectors =
            ConnectorsConfig { siem: self.siem, soar: self.soar, idp: self.idp, mailbox: self.mailbox };
        connectors.resolve_paths(base);
        Ok(LoadedConfig { connectors, policy, state_dir: self.run.state_dir.map(absolute) })
    }
}

/// The four ports' connectors.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorsConfig {
    /// Event search.
    pub siem: SiemConfig,
    /// Cases, comments, approvals and the action journal.
    pub soar: SoarConfig,
    /// The identity provider.
    pub idp: IdpConfig,
    /// Inbox rules and forwarding; `none` when no mailbox connector is configured.
    #[serde(default)]
    pub mailbox: MailboxConfig,
}

/// `[siem]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum SiemConfig {
    /// Exported event files, in any format `irp assess` reads (gzip detected).
    Files {
        /// The files.
        paths: Vec<PathBuf>,
        /// `auto` (sniff each record, the default), `okta`, `entra`, `o365`, `workspace` or `udm`.
        #[serde(default)]
        format: Option<String>,
    },
    /// Google SecOps (Chronicle) UDM search.
    Secops(SecOpsSiemConfig),
    /// The Okta System Log, searched directly.
    OktaSystemLog(OktaConfig),
    /// Microsoft Graph sign-in and directory-audit logs.
    Graph(GraphConfig),
}

/// `[soar]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum SoarConfig {
    /// The embedded SQLite case store (created if missing).
    Sqlite {
        /// The database file.
        path: PathBuf,
    },
    /// Google SecOps SOAR (`AppKey` API key).
    Secops(SecOpsSoarConfig),
}

/// `[idp]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum IdpConfig {
    /// The embedded local directory (a JSON file whose state really changes).
    Local {
        /// The directory file.
        path: PathBuf,
    },
    /// Okta.
    Okta(OktaConfig),
    /// Microsoft Entra ID through Microsoft Graph.
    Graph(GraphConfig),
}

/// `[mailbox]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum MailboxConfig {
    /// The local directory's mailboxes.
    Local {
        /// The directory file (usually the same as `[idp]`'s).
        path: PathBuf,
    },
    /// Exchange Online through Microsoft Graph.
    Graph(GraphConfig),
    /// No mailbox connector: mailbox persistence cannot be listed, which keeps the account
    /// disabled at Recovery until someone checks by hand (hard rule 2).
    #[default]
    None,
}

impl SiemConfig {
    /// The `type` name.
    pub fn name(&self) -> &'static str {
        match self {
            SiemConfig::Files { .. } => "files",
            SiemConfig::Secops(_) => "secops",
            SiemConfig::OktaSystemLog(_) => "okta_system_log",
            SiemConfig::Graph(_) => "graph",
        }
    }
}

impl SoarConfig {
    /// The `type` name.
    pub fn name(&self) -> &'static str {
        match self {
            SoarConfig::Sqlite { .. } => "sqlite",
            SoarConfig::Secops(_) => "secops",
        }
    }
}

impl IdpConfig {
    /// The `type` name.
    pub fn name(&self) -> &'static str {
        match self {
            IdpConfig::Local { .. } => "local",
            IdpConfig::Okta(_) => "okta",
            IdpConfig::Graph(_) => "graph",
        }
    }
}

impl MailboxConfig {
    /// The `type` name.
    pub fn name(&self) -> &'static str {
        match self {
            MailboxConfig::Local { .. } => "local",
            MailboxConfig::Graph(_) => "graph",
            MailboxConfig::None => "none",
        }
    }
}

impl ConnectorsConfig {
    /// Resolves relative file paths against `base` (the config file's directory).
    pub fn resolve_paths(&mut self, base: &Path) {
        let at = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        for secret in self.secrets_mut() {
            if let SecretSource::File { file } = secret {
                at(file);
            }
        }
        match &mut self.siem {
            SiemConfig::Files { paths, .. } => paths.iter_mut().for_each(at),
            SiemConfig::Secops(_) | SiemConfig::OktaSystemLog(_) | SiemConfig::Graph(_) => {}
        }
        match &mut self.soar {
            SoarConfig::Sqlite { path } => at(path),
            SoarConfig::Secops(c) => {
                c.journal_db.as_mut().map(at);
            }
        }
        match &mut self.idp {
            IdpConfig::Local { path } => at(path),
            IdpConfig::Okta(_) | IdpConfig::Graph(_) => {}
        }
        match &mut self.mailbox {
            MailboxConfig::Local { path } => at(path),
            MailboxConfig::Graph(_) | MailboxConfig::None => {}
        }
    }

    /// Every secret source the connectors name (one list, for path resolution and checks).
    fn secrets_mut(&mut self) -> Vec<&mut SecretSource> {
        let mut out = Vec::new();
        match &mut self.siem {
            SiemConfig::Files { .. } => {}
            SiemConfig::Secops(c) => out.push(&mut c.token),
            SiemConfig::OktaSystemLog(c) => out.push(&mut c.token),
            SiemConfig::Graph(c) => out.push(&mut c.client_secret),
        }
        match &mut self.soar {
            SoarConfig::Sqlite { .. } => {}
            SoarConfig::Secops(c) => out.push(&mut c.api_key),
        }
        match &mut self.idp {
            IdpConfig::Local { .. } => {}
            IdpConfig::Okta(c) => out.push(&mut c.token),
            IdpConfig::Graph(c) => out.push(&mut c.client_secret),
        }
        match &mut self.mailbox {
            MailboxConfig::Graph(c) => out.push(&mut c.client_secret),
            MailboxConfig::Local { .. } | MailboxConfig::None => {}
        }
        out
    }

    /// Creates the connectors. Nothing is called yet: the runbook's Preparation phase checks
    /// each one's health and reports what is not ready.
    ///
    /// # Errors
    ///
    /// A connector that cannot even be created: a SQLite file that cannot be opened, a
    /// directory file that is missing or malformed, an unknown event format.
    pub fn ports(&self) -> Result<Ports> {
        // Ports configured with the same Graph app share one connector (one token cache).
        let mut graphs: Vec<(GraphConfig, Graph)> = Vec::new();
        let mut graph = |c: &GraphConfig| -> Result<Graph> {
            if let Some((_, g)) = graphs.iter().find(|(k, _)| k == c) {
                return Ok(g.clone());
            }
            let g = Graph::from_config(c)?;
            graphs.push((c.clone(), g.clone()));
            Ok(g)
        };
        let siem: Arc<dyn Siem> = match &self.siem {
            SiemConfig::Files { paths, format } => {
                let format = match format.as_deref() {
                    None => Format::Auto,
                    Some(name) => Format::from_name(&name.to_ascii_lowercase()).ok_or_else(|| {
                        ConnectorError::new(ErrorKind::Invalid, "config.siem")
                            .with_detail(format!("unknown event format `{name}`"))
                    })?,
                };
                Arc::new(FileSiem::new(paths.clone()).with_format(format))
            }
            SiemConfig::Secops(c) => Arc::new(SecOpsSiem::from_config(c)?),
            SiemConfig::OktaSystemLog(c) => Arc::new(OktaSystemLog::from_config(c)?),
            SiemConfig::Graph(c) => Arc::new(graph(c)?.audit_log()),
        };
        let soar: Arc<dyn Soar> = match &self.soar {
            SoarConfig::Sqlite { path } => Arc::new(SqliteCaseStore::open(path)?),
            SoarConfig::Secops(c) => Arc::new(SecOpsSoar::from_config(c)?),
        };
        let mut absent = Vec::new();
        let mut calls = BTreeMap::new();
        let (idp, style): (Arc<dyn IdentityProvider>, _) = match &self.idp {
            IdpConfig::Local { path } => {
                // The local directory models no delegates and no app passwords.
                absent.extend([PersistenceKind::Delegate, PersistenceKind::AppPassword]);
                (Arc::new(LocalDirectory::open(path)?), CallStyle::Okta)
            }
            IdpConfig::Okta(c) => {
                // Okta has no app passwords and no mailbox delegates.
                absent.extend([PersistenceKind::Delegate, PersistenceKind::AppPassword]);
                let okta = Okta::from_config(c)?;
                calls = okta.planned_calls();
                (Arc::new(okta), CallStyle::Okta)
            }
            // Graph cannot list mailbox delegates or app passwords: they stay "not listed", which
            // keeps the account disabled until someone checks them in Exchange (hard rule 2).
            IdpConfig::Graph(c) => (Arc::new(graph(c)?), CallStyle::Graph),
        };
        let mailbox: Arc<dyn Mailbox> = match &self.mailbox {
            MailboxConfig::Local { path } => Arc::new(LocalDirectory::open(path)?),
            MailboxConfig::Graph(c) => Arc::new(graph(c)?),
            MailboxConfig::None => Arc::new(NoMailbox),
        };
        Ok(Ports::new(siem, soar, idp, mailbox)
            .with_call_style(style)
            .with_planned_calls(calls)
            .with_absent_persistence(absent))
    }
}

/// The mailbox port when none is configured: every call is [`ErrorKind::Unsupported`], so the
/// sweep reports mailbox persistence as not listed and the account stays disabled.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoMailbox;

fn unsupported(operation: &str) -> ConnectorError {
    ConnectorError::new(ErrorKind::Unsupported, operation).with_detail("no mailbox connector is configured")
}

#[async_trait]
impl Mailbox for NoMailbox {
    async fn list_inbox_rules(&self, _: &UserId) -> Result<Vec<InboxRule>> {
        Err(unsupported("mailbox.list_inbox_rules"))
    }
    async fn delete_inbox_rule(&self, _: &UserId, _: &str) -> Result<()> {
        Err(unsupported("mailbox.delete_inbox_rule"))
    }
    async fn get_forwarding(&self, _: &UserId) -> Result<Option<MailboxForwarding>> {
        Err(unsupported("mailbox.get_forwarding"))
    }
    async fn clear_forwarding(&self, _: &UserId) -> Result<()> {
        Err(unsupported("mailbox.clear_forwarding"))
    }
    async fn list_oauth_grants(&self, _: &UserId) -> Result<Vec<OAuthGrant>> {
        Err(unsupported("mailbox.list_oauth_grants"))
    }
    async fn revoke_oauth_grant(&self, _: &UserId, _: &str) -> Result<()> {
        Err(unsupported("mailbox.revoke_oauth_grant"))
    }
    async fn health_check(&self) -> Result<Health> {
        Err(unsupported("mailbox.health_check"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_against_the_config_directory() {
        let mut config: ConnectorsConfig = toml::from_str(
            r#"
            [siem]
            type = "files"
            paths = ["okta.ndjson", "/abs/o365.json"]
            [soar]
            type = "sqlite"
            path = "cases.sqlite"
            [idp]
            type = "local"
            path = "dir/directory.json"
            [mailbox]
            type = "local"
            path = "dir/directory.json"
            "#,
        )
        .unwrap();
        config.resolve_paths(Path::new("/etc/irp"));
        let SiemConfig::Files { paths, .. } = &config.siem else { panic!("files") };
        assert_eq!(paths, &[PathBuf::from("/etc/irp/okta.ndjson"), PathBuf::from("/abs/o365.json")]);
        let SoarConfig::Sqlite { path } = &config.soar else { panic!("sqlite") };
        assert_eq!(path, Path::new("/etc/irp/cases.sqlite"));
        assert!(
            matches!(&config.mailbox, MailboxConfig::Local { path } if path == Path::new("/etc/irp/dir/directory.json"))
        );
    }

    #[test]
    fn an_unknown_connector_type_is_named() {
        let err = toml::from_str::<ConnectorsConfig>(
            "[siem]\ntype = \"splunk\"\n[soar]\ntype = \"sqlite\"\npath = \"c\"\n[idp]\ntype = \"local\"\npath = \"d\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown variant `splunk`") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn vendor_connectors_take_their_own_tables_and_secret_files_resolve() {
        let mut config: ConnectorsConfig = toml::from_str(
            r#"
            [siem]
            type = "secops"
            base_url = "https://us-chronicle.googleapis.com"
            instance = "projects/p/locations/us/instances/c"
            token = { file = "secrets/chronicle.token" }
            [soar]
            type = "secops"
            base_url = "https://acme.siemplify-soar.com"
            api_key = { env = "SOAR_APP_KEY" }
            journal_db = "journal.sqlite"
            [idp]
            type = "okta"
            base_url = "https://acme.okta.com"
            token = { env = "OKTA_API_TOKEN" }
            "#,
        )
        .unwrap();
        config.resolve_paths(Path::new("/etc/irp"));
        let SiemConfig::Secops(siem) = &config.siem else { panic!("secops siem") };
        assert_eq!(siem.token, SecretSource::File { file: PathBuf::from("/etc/irp/secrets/chronicle.token") });
        let SoarConfig::Secops(soar) = &config.soar else { panic!("secops soar") };
        assert_eq!(soar.journal_db.as_deref(), Some(Path::new("/etc/irp/journal.sqlite")));
        assert!(matches!(&config.idp, IdpConfig::Okta(c) if c.base_url == "https://acme.okta.com"));
        // A secret written as a value is refused: only `env` or `file`.
        let inline = toml::from_str::<ConnectorsConfig>(
            "[siem]\ntype = \"okta_system_log\"\nbase_url = \"https://a.okta.com\"\ntoken = \"00abc\"\n[soar]\ntype = \"sqlite\"\npath = \"c\"\n[idp]\ntype = \"local\"\npath = \"d\"\n",
        );
        assert!(inline.is_err());
    }

    #[test]
    fn secret_values_are_for_programs_not_config_files() {
        let text = "[siem]\ntype = \"files\"\npaths = []\n[soar]\ntype = \"secops\"\nbase_url = \"https://acme.siemplify-soar.com\"\napi_key = { value = \"SECRET-app-key\" }\n[idp]\ntype = \"local\"\npath = \"d\"\n";
        let err = ConfigFile::from_toml(text, "irp.toml", Path::new("/etc/irp")).unwrap_err().to_string();
        assert!(err.contains("use { env") && !err.contains("SECRET-app-key"), "{err}");
        // The same table as data (a Python dict) is accepted, and the value never prints.
        let file: ConfigFile = toml::from_str(text).unwrap();
        let loaded = file.resolve("config", Path::new("/etc/irp")).unwrap();
        let SoarConfig::Secops(soar) = &loaded.connectors.soar else { panic!("secops") };
        assert_eq!(soar.api_key.resolve("t").unwrap().expose_secret(), "SECRET-app-key");
        assert!(!format!("{loaded:?}").contains("SECRET-app-key"));
    }

    #[test]
    fn graph_serves_three_ports_from_one_table_shape() {
        let table = "tenant_id = \"t\"\nclient_id = \"c\"\nclient_secret = { file = \"graph.secret\" }\n";
        let text = format!(
            "[siem]\ntype = \"graph\"\n{table}[soar]\ntype = \"sqlite\"\npath = \"c.sqlite\"\n[idp]\ntype = \"graph\"\n{table}[mailbox]\ntype = \"graph\"\n{table}"
        );
        let mut config: ConnectorsConfig = toml::from_str(&text).unwrap();
        config.resolve_paths(Path::new("/etc/irp"));
        let (SiemConfig::Graph(a), IdpConfig::Graph(b), MailboxConfig::Graph(c)) =
            (&config.siem, &config.idp, &config.mailbox)
        else {
            panic!("graph everywhere")
        };
        assert_eq!(a.client_secret, SecretSource::File { file: PathBuf::from("/etc/irp/graph.secret") });
        assert!(a == b && b == c);
        assert_eq!((config.siem.name(), config.idp.name(), config.mailbox.name()), ("graph", "graph", "graph"));
    }

    #[tokio::test]
    async fn no_mailbox_refuses_every_call_as_unsupported() {
        let user = UserId::new("a@example.com");
        assert_eq!(NoMailbox.list_inbox_rules(&user).await.unwrap_err().kind(), ErrorKind::Unsupported);
        assert_eq!(NoMailbox.delete_inbox_rule(&user, "r").await.unwrap_err().kind(), ErrorKind::Unsupported);
        assert_eq!(NoMailbox.health_check().await.unwrap_err().kind(), ErrorKind::Unsupported);
    }
}
