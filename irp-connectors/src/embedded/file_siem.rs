//! Event files as the SIEM: every format the `irp-core` parsers read, gzip or not.

use std::fs::File;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use irp_core::evidence::{Event, Format, RecordReader, UserId};

use super::ExportReader;
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::ports::{Cursor, EntitySummary, EventPage, EventPager, EventQuery, Health, Siem, TimeWindow};

/// A SIEM over local event files (Okta System Log, Graph sign-ins, O365, Workspace, UDM; NDJSON,
/// JSON array or vendor page object; gzip detected by its magic bytes, whatever the file name).
///
/// A search streams through the files and keeps only the user's events in the window, so
/// memory is bounded by the page size, not the file size. A record the parsers reject fails the
/// search with `file:line: what is wrong` rather than being skipped silently.
///
/// ```no_run
/// use irp_connectors::embedded::FileSiem;
/// let siem = FileSiem::new(["exports/okta.ndjson.gz", "exports/signins.json"]);
/// ```
#[derive(Clone, Debug)]
pub struct FileSiem {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    paths: Vec<PathBuf>,
    format: Format,
}

impl FileSiem {
    /// A SIEM over `paths`, sniffing each record's format.
    pub fn new<P: Into<PathBuf>>(paths: impl IntoIterator<Item = P>) -> Self {
        FileSiem { inner: Arc::new(Inner { paths: paths.into_iter().map(Into::into).collect(), format: Format::Auto }) }
    }

    /// Reads every file as `format` instead of sniffing.
    pub fn with_format(self, format: Format) -> Self {
        let paths = self.inner.paths.clone();
        FileSiem { inner: Arc::new(Inner { paths, format }) }
    }

    /// The files searched.
    pub fn paths(&self) -> &[PathBuf] {
        &self.inner.paths
    }

    async fn blocking<T, F>(&self, operation: &'static str, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || work(&inner)).await.map_err(|e| ConnectorError::storage(operation, e))?
    }
}

/// Opens `path`, decompressing when it starts with the gzip magic bytes.
fn open(operation: &str, path: &Path) -> Result<ExportReader<File>> {
    let file = File::open(path).map_err(|e| io_error(operation, path, e))?;
    ExportReader::new(file).map_err(|e| io_error(operation, path, e))
}

fn io_error(operation: &str, path: &Path, e: std::io::Error) -> ConnectorError {
    let kind = if e.kind() == std::io::ErrorKind::NotFound { ErrorKind::NotFound } else { ErrorKind::Storage };
    ConnectorError::new(kind, operation).with_detail(path.display().to_string()).with_source(e)
}

/// Cursor text: `<file index>:<matches already returned from that file>`.
fn decode_cursor(cursor: Option<Cursor>) -> Result<(usize, usize)> {
    let Some(Cursor(text)) = cursor else { return Ok((0, 0)) };
    text.split_once(':').and_then(|(file, skip)| Some((file.parse().ok()?, skip.parse().ok()?))).ok_or_else(|| {
        ConnectorError::new(ErrorKind::Invalid, "file_siem.search_events").with_detail("malformed cursor")
    })
}

impl Inner {
    fn search(&self, query: &EventQuery, cursor: Option<Cursor>) -> Result<EventPage> {
        const OP: &str = "file_siem.search_events";
        let (mut file_index, mut skip) = decode_cursor(cursor)?;
        let mut events = Vec::new();
        while let Some(path) = self.paths.get(file_index) {
            let name = path.display().to_string();
            let mut matched = 0usize;
            for event in RecordReader::new(name, open(OP, path)?, self.format) {
                let event = event.map_err(|e| {
                    ConnectorError::new(ErrorKind::Decode, OP).with_detail(e.to_string()).with_source(e)
                })?;
                if !query.matches(&event) {
                    continue;
                }
                matched += 1;
                if matched <= skip {
                    continue;
                }
                events.push(event);
                if events.len() >= query.page_size {
                    return Ok(EventPage::new(events, Some(Cursor(format!("{file_index}:{matched}")))));
                }
            }
            file_index += 1;
            skip = 0;
        }
        Ok(EventPage::new(events, None))
    }

    fn search_sources(&self, ips: &[IpAddr], window: TimeWindow, limit: usize) -> Result<Vec<Event>> {
        const OP: &str = "file_siem.events_from_sources";
        let mut events = Vec::new();
        for path in &self.paths {
            for event in RecordReader::new(path.display().to_string(), open(OP, path)?, self.format) {
                let event = event.map_err(|e| {
                    ConnectorError::new(ErrorKind::Decode, OP).with_detail(e.to_string()).with_source(e)
                })?;
                if window.contains(event.time) && event.network.ip.is_some_and(|ip| ips.contains(&ip)) {
                    events.push(event);
                    if events.len() >= limit {
                        return Ok(events);
                    }
                }
            }
        }
        Ok(events)
    }

    fn health(&self) -> Result<Health> {
        const OP: &str = "file_siem.health_check";
        if self.paths.is_empty() {
            return Err(ConnectorError::new(ErrorKind::Invalid, OP).with_detail("no event files configured"));
        }
        for path in &self.paths {
            // Reading one byte proves the file is there, readable and (if gzip) decodable.
            let mut byte = [0u8; 1];
            open(OP, path)?.read(&mut byte).map_err(|e| io_error(OP, path, e))?;
        }
        Ok(Health::new("file-siem", format!("{} event file(s) readable", self.paths.len())))
    }
}

#[async_trait]
impl Siem for FileSiem {
    async fn search_events(&self, query: &EventQuery, cursor: Option<Cursor>) -> Result<EventPage> {
        let query = query.clone();
        self.blocking("file_siem.search_events", move |inner| inner.search(&query, cursor)).await
    }

    async fn entity_summary(&self, user: &UserId, window: TimeWindow) -> Result<EntitySummary> {
        let events = EventPager::new(self, EventQuery::new(user.clone(), window)).collect_all().await?;
        Ok(EntitySummary::from_events(user, &events))
    }

    async fn health_check(&self) -> Result<Health> {
        self.blocking("file_siem.health_check", Inner::health).await
    }

    async fn events_from_sources(&self, ips: &[IpAddr], window: TimeWindow, limit: usize) -> Result<Vec<Event>> {
        let ips = ips.to_vec();
        self.blocking("file_siem.events_from_sources", move |inner| inner.search_sources(&ips, window, limit)).await
    }
}
