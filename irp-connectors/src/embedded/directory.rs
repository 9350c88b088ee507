//! A JSON file of users as the identity provider and the mail platform.
//!
//! Why a JSON file and not tables in the case store's SQLite file: the directory is the
//! scenario's *input* (who exists, what the attacker left behind), so it should be a file a
//! person can read, diff and hand-edit, and that `irp demo` can ship; and keeping it apart from
//! the case store means the "IdP" and the "SOAR" fail independently, as real ones do. Writes
//! are atomic (write a temporary file, fsync, rename over the original), and every call re-reads
//! the file, so a verification after an action really re-reads the state from disk.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use irp_core::evidence::UserId;
use serde::{Deserialize, Serialize};

use crate::error::{ConnectorError, ErrorKind, Result};
use crate::ports::{
    AccountStatus, DirectoryUser, Factor, Health, IdentityProvider, InboxRule, Mailbox, MailboxForwarding, OAuthGrant,
    PasswordReset,
};

/// The file format version this code writes.
pub const DIRECTORY_VERSION: u32 = 1;

/// One user in the local directory: the account plus their mailbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LocalUser {
    /// The account as the IdP port shows it.
    #[serde(flatten)]
    pub account: DirectoryUser,
    /// Inbox rules.
    #[serde(default)]
    pub inbox_rules: Vec<InboxRule>,
    /// Mailbox-level forwarding.
    #[serde(default)]
    pub forwarding: Option<MailboxForwarding>,
}

impl LocalUser {
    /// A user with an empty mailbox.
    pub fn new(account: DirectoryUser) -> Self {
        LocalUser { account, inbox_rules: Vec::new(), forwarding: None }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct DirectoryFile {
    schema_version: u32,
    users: Vec<LocalUser>,
}

/// The local directory.
///
/// ```no_run
/// # async fn demo() -> Result<(), irp_connectors::ConnectorError> {
/// use irp_connectors::{DirectoryUser, IdentityProvider};
/// use irp_connectors::embedded::{LocalDirectory, LocalUser};
/// let dir = LocalDirectory::create("users.json", vec![LocalUser::new(DirectoryUser::new("00u1", "alice@example.com"))])?;
/// dir.disable_user(&irp_core::evidence::UserId::new("alice@example.com")).await?;
/// let reopened = LocalDirectory::open("users.json")?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct LocalDirectory {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    // Serialises read-modify-write within this process. Two processes writing the same file
    // are not supported (the last rename wins).
    lock: Mutex<()>,
}

fn io_error(operation: &str, path: &Path, e: std::io::Error) -> ConnectorError {
    let kind = if e.kind() == std::io::ErrorKind::NotFound { ErrorKind::NotFound } else { ErrorKind::Storage };
    ConnectorError::new(kind, operation).with_detail(path.display().to_string()).with_source(e)
}

impl LocalDirectory {
    /// Opens an existing directory file.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] when the file is missing, [`ErrorKind::Decode`] when it is not a
    /// directory file of a version this code reads.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let dir = LocalDirectory { inner: Arc::new(Inner { path: path.into(), lock: Mutex::new(()) }) };
        dir.inner.load("local_directory.open")?;
        Ok(dir)
    }

    /// Writes a new directory file holding `users` (replacing any file at `path`) and opens it.
    pub fn create(path: impl Into<PathBuf>, users: Vec<LocalUser>) -> Result<Self> {
        let dir = LocalDirectory { inner: Arc::new(Inner { path: path.into(), lock: Mutex::new(()) }) };
        dir.inner.save("local_directory.create", &DirectoryFile { schema_version: DIRECTORY_VERSION, users })?;
        Ok(dir)
    }

    /// The file this directory lives in.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Every user, as the file holds them now.
    pub fn users(&self) -> Result<Vec<LocalUser>> {
        let _guard = self.inner.guard();
        Ok(self.inner.load("local_directory.users")?.users)
    }

    /// Adds `user`, or replaces the user with the same login.
    pub fn upsert_user(&self, user: LocalUser) -> Result<()> {
        const OP: &str = "local_directory.upsert_user";
        let _guard = self.inner.guard();
        let mut file = self.inner.load(OP)?;
        match file.users.iter_mut().find(|u| u.account.login == user.account.login) {
            Some(existing) => *existing = user,
            None => file.users.push(user),
        }
        self.inner.save(OP, &file)
    }

    /// Reads one user on the blocking pool.
    async fn read<T, F>(&self, operation: &'static str, login: &UserId, view: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&LocalUser) -> Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let login = login.clone();
        tokio::task::spawn_blocking(move || {
            let _guard = inner.guard();
            let file = inner.load(operation)?;
            let user = file
                .users
                .iter()
                .find(|u| u.account.login == login)
                .ok_or_else(|| ConnectorError::not_found(operation, format!("user {login}")))?;
            view(user)
        })
        .await
        .map_err(|e| ConnectorError::storage(operation, e))?
    }

    /// Changes one user on the blocking pool and persists the change atomically. When `change`
    /// fails, nothing is written.
    async fn update<T, F>(&self, operation: &'static str, login: &UserId, change: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut LocalUser) -> Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let login = login.clone();
        tokio::task::spawn_blocking(move || {
            let _guard = inner.guard();
            let mut file = inner.load(operation)?;
            let user = file
                .users
                .iter_mut()
                .find(|u| u.account.login == login)
                .ok_or_else(|| ConnectorError::not_found(operation, format!("user {login}")))?;
            let out = change(user)?;
            inner.save(operation, &file)?;
            Ok(out)
        })
        .await
        .map_err(|e| ConnectorError::storage(operation, e))?
    }
}

impl Inner {
    fn guard(&self) -> MutexGuard<'_, ()> {
        // The guarded data is the file, which a panic cannot leave half-written (atomic rename).
        self.lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn load(&self, operation: &str) -> Result<DirectoryFile> {
        let text = fs::read(&self.path).map_err(|e| io_error(operation, &self.path, e))?;
        let file: DirectoryFile = serde_json::from_slice(&text).map_err(|e| {
            ConnectorError::new(ErrorKind::Decode, operation).with_detail(format!(
                "{}:{}:{}: {e}",
                self.path.display(),
                e.line(),
                e.column()
            ))
        })?;
        if file.schema_version != DIRECTORY_VERSION {
            return Err(ConnectorError::new(ErrorKind::Decode, operation).with_detail(format!(
                "{}: schema_version {} (this irp reads {DIRECTORY_VERSION})",
                self.path.display(),
                file.schema_version
            )));
        }
        Ok(file)
    }

    /// Write to a sibling temporary file, fsync it, rename it over the original, fsync the
    /// directory: readers see the old file or the new one, never a torn one.
    fn save(&self, operation: &str, file: &DirectoryFile) -> Result<()> {
        let err = |e| io_error(operation, &self.path, e);
        let bytes = serde_json::to_vec_pretty(file).map_err(|e| ConnectorError::storage(operation, e))?;
        let mut tmp_name = self.path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let tmp = self.path.with_file_name(tmp_name);
        let mut out = File::create(&tmp).map_err(err)?;
        out.write_all(&bytes).and_then(|()| out.sync_all()).map_err(err)?;
        drop(out);
        fs::rename(&tmp, &self.path).map_err(err)?;
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            // Durability of the rename itself; not every platform can open a directory, so a
            // failure here is not an error.
            if let Ok(dir) = File::open(parent) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }
}

fn remove_by_id<T>(
    items: &mut Vec<T>,
    id: &str,
    id_of: impl Fn(&T) -> &str,
    operation: &str,
    what: &str,
) -> Result<()> {
    let before = items.len();
    items.retain(|item| id_of(item) != id);
    if items.len() == before {
        return Err(ConnectorError::not_found(operation, format!("{what} {id}")));
    }
    Ok(())
}

fn revoke_grant(user: &mut LocalUser, grant_id: &str, operation: &str) -> Result<()> {
    let account = &mut user.account;
    let client = account.grants.iter().find(|g| g.id == grant_id).map(|g| g.client_id.clone());
    let client = client.ok_or_else(|| ConnectorError::not_found(operation, format!("grant {grant_id}")))?;
    account.grants.retain(|g| g.id != grant_id);
    // Revoking consent also kills the tokens issued under it, as Okta and Graph do.
    account.tokens.retain(|t| t.client_id != client);
    Ok(())
}

#[async_trait]
impl IdentityProvider for LocalDirectory {
    async fn get_user(&self, login: &UserId) -> Result<DirectoryUser> {
        self.read("local_directory.get_user", login, |u| Ok(u.account.clone())).await
    }

    async fn get_user_by_id(&self, id: &str) -> Result<DirectoryUser> {
        const OP: &str = "local_directory.get_user_by_id";
        let inner = Arc::clone(&self.inner);
        let id = id.to_owned();
        tokio::task::spawn_blocking(move || {
            let _guard = inner.guard();
            let file = inner.load(OP)?;
            file.users
                .into_iter()
                .find(|u| u.account.id == id)
                .map(|u| u.account)
                .ok_or_else(|| ConnectorError::not_found(OP, format!("user id {id}")))
        })
        .await
        .map_err(|e| ConnectorError::storage(OP, e))?
    }

    async fn disable_user(&self, login: &UserId) -> Result<()> {
        const OP: &str = "local_directory.disable_user";
        self.update(OP, login, |u| match u.account.status {
            AccountStatus::Deprovisioned => Ok(()),
            _ => {
                u.account.status = AccountStatus::Suspended;
                Ok(())
            }
        })
        .await
    }

    async fn enable_user(&self, login: &UserId) -> Result<()> {
        const OP: &str = "local_directory.enable_user";
        self.update(OP, login, |u| match u.account.status {
            AccountStatus::Deprovisioned => Err(ConnectorError::new(ErrorKind::Conflict, OP)
                .with_detail(format!("user {} is deprovisioned", u.account.login))),
            _ => {
                u.account.status = AccountStatus::Active;
                Ok(())
            }
        })
        .await
    }

    async fn reset_password(&self, login: &UserId) -> Result<PasswordReset> {
        // The local directory holds no passwords: a reset bumps the credential version and
        // forces a change at next sign-in, which a verifier can read back.
        self.update("local_directory.reset_password", login, |u| {
            u.account.credential_version += 1;
            u.account.password_change_required = true;
            Ok(PasswordReset::default())
        })
        .await
    }

    async fn terminate_sessions(&self, login: &UserId, include_oauth_tokens: bool) -> Result<u32> {
        self.update("local_directory.terminate_sessions", login, move |u| {
            let mut ended = u.account.sessions.len();
            u.account.sessions.clear();
            if include_oauth_tokens {
                ended += u.account.tokens.len();
                u.account.tokens.clear();
            }
            Ok(u32::try_from(ended).unwrap_or(u32::MAX))
        })
        .await
    }

    async fn list_grants(&self, login: &UserId) -> Result<Vec<OAuthGrant>> {
        self.read("local_directory.list_grants", login, |u| Ok(u.account.grants.clone())).await
    }

    async fn revoke_grant(&self, login: &UserId, grant_id: &str) -> Result<()> {
        const OP: &str = "local_directory.revoke_grant";
        let grant_id = grant_id.to_owned();
        self.update(OP, login, move |u| revoke_grant(u, &grant_id, OP)).await
    }

    async fn list_factors(&self, login: &UserId) -> Result<Vec<Factor>> {
        self.read("local_directory.list_factors", login, |u| Ok(u.account.factors.clone())).await
    }

    async fn remove_factor(&self, login: &UserId, factor_id: &str) -> Result<()> {
        const OP: &str = "local_directory.remove_factor";
        let factor_id = factor_id.to_owned();
        self.update(OP, login, move |u| remove_by_id(&mut u.account.factors, &factor_id, |f| &f.id, OP, "factor")).await
    }

    async fn health_check(&self) -> Result<Health> {
        let users = self.users()?.len();
        // The file name, not the path: readiness details end up in case comments and reports,
        // which should not depend on where the folder lives.
        let file = self.inner.path.file_name().map_or_else(String::new, |f| f.to_string_lossy().into_owned());
        Ok(Health::new("local-directory", format!("{file}: {users} user(s)")))
    }
}

#[async_trait]
impl Mailbox for LocalDirectory {
    async fn list_inbox_rules(&self, user: &UserId) -> Result<Vec<InboxRule>> {
        self.read("local_directory.list_inbox_rules", user, |u| Ok(u.inbox_rules.clone())).await
    }

    async fn delete_inbox_rule(&self, user: &UserId, rule_id: &str) -> Result<()> {
        const OP: &str = "local_directory.delete_inbox_rule";
        let rule_id = rule_id.to_owned();
        self.update(OP, user, move |u| remove_by_id(&mut u.inbox_rules, &rule_id, |r| &r.id, OP, "inbox rule")).await
    }

    async fn get_forwarding(&self, user: &UserId) -> Result<Option<MailboxForwarding>> {
        self.read("local_directory.get_forwarding", user, |u| Ok(u.forwarding.clone())).await
    }

    async fn clear_forwarding(&self, user: &UserId) -> Result<()> {
        self.update("local_directory.clear_forwarding", user, |u| {
            u.forwarding = None;
            Ok(())
        })
        .await
    }

    async fn list_oauth_grants(&self, user: &UserId) -> Result<Vec<OAuthGrant>> {
        self.read("local_directory.list_oauth_grants", user, |u| Ok(u.account.grants.clone())).await
    }

    async fn revoke_oauth_grant(&self, user: &UserId, grant_id: &str) -> Result<()> {
        const OP: &str = "local_directory.revoke_oauth_grant";
        let grant_id = grant_id.to_owned();
        self.update(OP, user, move |u| revoke_grant(u, &grant_id, OP)).await
    }

    async fn health_check(&self) -> Result<Health> {
        IdentityProvider::health_check(self).await
    }
}
