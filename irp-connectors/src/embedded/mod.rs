//! Embedded local connectors: the default when nothing is configured, so `irp demo` and
//! offline investigations work with no account anywhere.
//!
//! | connector | port(s) | storage |
//! |---|---|---|
//! | [`FileSiem`] | [`Siem`](crate::Siem) | event files, any supported vendor format, gzip or not |
//! | [`SqliteCaseStore`] | [`Soar`](crate::Soar) | one SQLite file: cases, comments, approvals, journal |
//! | [`LocalDirectory`] | [`IdentityProvider`](crate::IdentityProvider) + [`Mailbox`](crate::Mailbox) | one JSON file of users |

mod case_store;
mod directory;
mod export;
mod file_siem;

pub use case_store::{Comment, NewCase, SqliteCaseStore, SCHEMA_VERSION};
pub use directory::{LocalDirectory, LocalUser, DIRECTORY_VERSION};
pub use export::{ExportReader, EXPORT_READ_BUFFER};
pub use file_siem::FileSiem;
