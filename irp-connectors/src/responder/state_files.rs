//! Where a run is kept between invocations: `<state_dir>/<case>.state.json` (the engine's
//! versioned JSON, replaced atomically after every step) and the reports beside it; and the
//! [`Parking`] waiter that ends an invocation instead of sleeping until a monitoring check.
//! Shared by `irp respond` and the Python `irp.Responder`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::mpsc::UnboundedSender;

use super::{Checkpoint, CheckpointError, Waiter};
use crate::clock::Clock;
use crate::ports::CaseId;

/// The files of one case's run.
#[derive(Debug, Clone)]
pub struct StateFiles {
    dir: PathBuf,
    stem: String,
}

impl StateFiles {
    /// The files for `case` under `dir`.
    pub fn new(dir: &Path, case: &CaseId) -> Self {
        StateFiles { dir: dir.to_path_buf(), stem: file_stem(case.as_str()) }
    }

    /// The state directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `<dir>/<case>.state.json`.
    pub fn state_path(&self) -> PathBuf {
        self.dir.join(format!("{}.state.json", self.stem))
    }

    /// True when a run for this case was saved.
    pub fn exists(&self) -> bool {
        self.state_path().exists()
    }

    /// The saved state.
    pub fn read(&self) -> Result<String, String> {
        let path = self.state_path();
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Writes `<dir>/<case>.report.<ext>` atomically and returns its path.
    pub fn write_report(&self, ext: &str, text: &str) -> std::io::Result<PathBuf> {
        let path = self.dir.join(format!("{}.report.{ext}", self.stem));
        write_atomically(&path, text)?;
        Ok(path)
    }
}

impl Checkpoint for StateFiles {
    fn save(&self, _case: &CaseId, state_json: &str) -> Result<(), CheckpointError> {
        let path = self.state_path();
        write_atomically(&path, state_json).map_err(|e| CheckpointError(format!("{}: {e}", path.display())))
    }
}

/// Writes to a temporary file in the same directory, syncs it, then renames it over `path`: a
/// crash leaves either the old file or the new one, never half of one.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A case id as a file name: ASCII letters, digits, `-`, `_` and `.` kept, anything else
/// (`/`, `..` separators, spaces) replaced, so a case id can never escape the state directory.
pub fn file_stem(case: &str) -> String {
    let stem: String =
        case.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') { c } else { '_' }).collect();
    if stem.is_empty() {
        "_".to_owned()
    } else {
        stem
    }
}

/// How far ahead a scheduled effect must be for the invocation to park instead of waiting.
const PARK_AFTER_SECONDS: i64 = 60;

/// A [`Waiter`] that, for an effect scheduled more than a minute ahead, reports the time on
/// `parked` and never returns: the command then exits, and the checkpoint saved before the wait
/// holds the scheduled effect for `--resume`. Shorter waits are slept.
pub struct Parking {
    clock: Arc<dyn Clock>,
    parked: UnboundedSender<DateTime<Utc>>,
}

impl Parking {
    /// Parks on `parked`, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>, parked: UnboundedSender<DateTime<Utc>>) -> Self {
        Parking { clock, parked }
    }
}

#[async_trait]
impl Waiter for Parking {
    async fn wait_until(&self, at: DateTime<Utc>) {
        let left = at - self.clock.now();
        if left.num_seconds() > PARK_AFTER_SECONDS {
            // The receiver ends the run; if it is gone there is nobody to wait for either.
            let _ = self.parked.send(at);
            std::future::pending::<()>().await;
        }
        if let Ok(left) = left.to_std() {
            tokio::time::sleep(left).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ids_cannot_escape_the_state_directory() {
        assert_eq!(file_stem("4821"), "4821");
        assert_eq!(file_stem("../../etc/passwd"), "______etc_passwd");
        assert_eq!(file_stem("CASE 7/β"), "CASE_7__");
        assert_eq!(file_stem(""), "_");
    }

    #[test]
    fn checkpoints_replace_the_state_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let files = StateFiles::new(dir.path(), &CaseId("c-1".into()));
        files.save(&CaseId("c-1".into()), "{\"v\":1}").unwrap();
        files.save(&CaseId("c-1".into()), "{\"v\":2}").unwrap();
        assert_eq!(files.read().unwrap(), "{\"v\":2}");
        // Only the state file is left: no temporary files behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
