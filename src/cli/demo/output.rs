//! The output folder: created fresh for every run, and never allowed to clobber files that a
//! previous `irp demo` did not write.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Marks a folder as written by `irp demo`, so a re-run may replace its contents.
const MARKER: &str = ".irp-demo";

/// Why the output folder could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The folder holds files that `irp demo` did not write.
    #[error("{0} exists and was not written by `irp demo`; choose another folder with --out")]
    Foreign(PathBuf),
    /// A file-system call failed.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

/// The files of one run, all inside one folder.
#[derive(Debug, Clone)]
pub struct OutputDir {
    root: PathBuf,
}

impl OutputDir {
    /// Creates `root` (or empties a previous demo's output there). A non-empty folder without
    /// the demo's marker is refused rather than overwritten.
    pub fn prepare(root: &Path) -> Result<Self, OutputError> {
        match fs::read_dir(root) {
            Ok(mut entries) => {
                let empty = entries.next().is_none();
                if !empty && !root.join(MARKER).is_file() {
                    return Err(OutputError::Foreign(root.to_path_buf()));
                }
                // Only what a demo run writes is removed: the folder itself and anything the user
                // added to it stay.
                for name in [Self::CASE_STORE, Self::DIRECTORY, Self::REPORT_MD, Self::REPORT_HTML, Self::NOTIFICATIONS]
                {
                    remove_file_if_present(&root.join(name))?;
                }
                for name in ["case.sqlite-wal", "case.sqlite-shm", "case.sqlite-journal"] {
                    remove_file_if_present(&root.join(name))?;
                }
                let events = root.join(Self::EVENTS);
                if events.is_dir() {
                    fs::remove_dir_all(&events).map_err(io_err(&events))?;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => fs::create_dir_all(root).map_err(io_err(root))?,
            Err(e) => return Err(OutputError::Io { path: root.to_path_buf(), source: e }),
        }
        let marker = root.join(MARKER);
        fs::write(&marker, "This folder was written by `irp demo`; a new run replaces its files.\n")
            .map_err(io_err(&marker))?;
        let events = root.join(Self::EVENTS);
        fs::create_dir_all(&events).map_err(io_err(&events))?;
        Ok(OutputDir { root: root.to_path_buf() })
    }

    /// SQLite case store.
    pub const CASE_STORE: &'static str = "case.sqlite";
    /// Local directory state (users, factors, sessions, grants, mailbox rules).
    pub const DIRECTORY: &'static str = "directory.json";
    /// Folder of event files the file SIEM reads.
    pub const EVENTS: &'static str = "events";
    /// Final report, Markdown.
    pub const REPORT_MD: &'static str = "report.md";
    /// Final report, HTML.
    pub const REPORT_HTML: &'static str = "report.html";
    /// What the user was told (the demo sends no mail).
    pub const NOTIFICATIONS: &'static str = "notifications.txt";

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A path inside the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Writes `text` to `name` inside the folder.
    pub fn write(&self, name: &str, text: &str) -> Result<PathBuf, OutputError> {
        let path = self.root.join(name);
        fs::write(&path, text).map_err(io_err(&path))?;
        Ok(path)
    }
}

fn remove_file_if_present(path: &Path) -> Result<(), OutputError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(OutputError::Io { path: path.to_path_buf(), source: e }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_folder_it_did_not_write() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("thesis.docx"), "precious").unwrap();
        let err = OutputDir::prepare(dir.path()).unwrap_err();
        assert!(matches!(err, OutputError::Foreign(_)), "{err}");
        assert_eq!(fs::read_to_string(dir.path().join("thesis.docx")).unwrap(), "precious");
    }

    #[test]
    fn replaces_a_previous_run_but_keeps_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::prepare(&dir.path().join("out")).unwrap();
        out.write(OutputDir::REPORT_MD, "old report").unwrap();
        fs::write(out.path("notes.txt"), "mine").unwrap();
        let again = OutputDir::prepare(out.root()).unwrap();
        assert!(!again.path(OutputDir::REPORT_MD).exists());
        assert_eq!(fs::read_to_string(again.path("notes.txt")).unwrap(), "mine");
        assert!(again.path(OutputDir::EVENTS).is_dir());
    }
}
