//! Pagination helpers: RFC 8288 `link` headers (Okta), page numbers (SOAR) and time-window
//! splitting (UDM search, which has no page token and only says `moreDataAvailable`).

use chrono::{DateTime, Duration, Utc};
use reqwest::header::HeaderMap;
use reqwest::Url;

use serde::de::DeserializeOwned;

use super::{HttpClient, Request};
use crate::error::Result;
use crate::ports::TimeWindow;

/// Fetches `first` and every `rel="next"` page after it (at most `max_pages`), concatenating the
/// JSON arrays. For short per-user lists (grants, tokens, factors); long streams page lazily.
pub async fn collect_linked<T: DeserializeOwned>(
    client: &HttpClient,
    first: Request,
    max_pages: usize,
) -> Result<Vec<T>> {
    let operation = first.operation().to_owned();
    let mut all = Vec::new();
    let mut next = Some(first);
    let mut pages = 0;
    while let Some(req) = next.take() {
        let resp = client.send(req).await?;
        let page: Vec<T> = resp.json()?;
        pages += 1;
        let empty = page.is_empty();
        all.extend(page);
        if empty || pages >= max_pages {
            break;
        }
        next = resp.next_link().map(|url| Request::follow(operation.clone(), url));
    }
    Ok(all)
}

/// The `rel="next"` target among all `link` headers (one header per link, or comma-joined).
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_links)
        .find(|(_, rels)| rels.split_ascii_whitespace().any(|r| r.eq_ignore_ascii_case("next")))
        .map(|(url, _)| url)
}

/// `<url>; rel="a b", <url2>; rel=c` → `[(url, "a b"), (url2, "c")]`.
fn parse_links(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else { break };
        let url = rest[open + 1..open + close].to_owned();
        rest = &rest[open + close + 1..];
        // Parameters run to the next link (a comma outside quotes) or the end.
        let mut end = rest.len();
        let mut quoted = false;
        for (i, c) in rest.char_indices() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let params = &rest[..end];
        rest = &rest[end..];
        let rel = params
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("rel"))
            .map(|(_, v)| v.trim().trim_matches('"').to_owned())
            .unwrap_or_default();
        out.push((url, rel));
    }
    out
}

/// True when `link` has the scheme, host and port of `base` and stays under its path prefix:
/// a `next` link is followed with our credential, so it must not lead anywhere else.
pub fn same_origin(base: &Url, link: &Url) -> bool {
    base.scheme() == link.scheme()
        && base.host_str() == link.host_str()
        && base.port_or_known_default() == link.port_or_known_default()
        && link.path().starts_with(base.path().trim_end_matches('/'))
}

/// A queue of time windows still to search, oldest first, encoded as a cursor string
/// (`start_ms-end_ms,start_ms-end_ms`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowQueue(Vec<TimeWindow>);

impl WindowQueue {
    /// Windows shorter than this are not split further: their truncated results are returned.
    pub const MIN_SPLIT: Duration = Duration::seconds(1);

    /// A queue holding `window`.
    pub fn new(window: TimeWindow) -> Self {
        WindowQueue(vec![window])
    }

    /// Decodes a cursor; `None` when it is not one of ours.
    pub fn decode(cursor: &str) -> Option<Self> {
        let mut windows = Vec::new();
        for part in cursor.split(',') {
            let (s, e) = part.split_once('-')?;
            let start = DateTime::<Utc>::from_timestamp_millis(s.parse().ok()?)?;
            let end = DateTime::<Utc>::from_timestamp_millis(e.parse().ok()?)?;
            if start >= end {
                return None;
            }
            windows.push(TimeWindow::new(start, end));
        }
        (!windows.is_empty()).then_some(WindowQueue(windows))
    }

    /// The cursor for the windows left, or `None` when none are.
    pub fn encode(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| {
            self.0
                .iter()
                .map(|w| format!("{}-{}", w.start.timestamp_millis(), w.end.timestamp_millis()))
                .collect::<Vec<_>>()
                .join(",")
        })
    }

    /// Takes the oldest window.
    pub fn pop(&mut self) -> Option<TimeWindow> {
        (!self.0.is_empty()).then(|| self.0.remove(0))
    }

    /// Splits `window` in two halves and queues them before the others; `false` when the window
    /// is too short to split.
    pub fn split_front(&mut self, window: TimeWindow) -> bool {
        let len = window.end - window.start;
        if len < Self::MIN_SPLIT * 2 {
            return false;
        }
        let mid = window.start + len / 2;
        self.0.insert(0, TimeWindow::new(mid, window.end));
        self.0.insert(0, TimeWindow::new(window.start, mid));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn next_link_from_separate_or_joined_headers() {
        let mut h = HeaderMap::new();
        h.append("link", HeaderValue::from_static("<https://o.example/api/v1/logs?limit=20>; rel=\"self\""));
        h.append(
            "link",
            HeaderValue::from_static("<https://o.example/api/v1/logs?limit=20&after=1627500044869_1>; rel=\"next\""),
        );
        assert_eq!(next_link(&h).as_deref(), Some("https://o.example/api/v1/logs?limit=20&after=1627500044869_1"));
        let mut j = HeaderMap::new();
        j.append("link", HeaderValue::from_static("<https://o/a?x=1,2>; rel=\"self\", <https://o/b>; rel=next"));
        assert_eq!(next_link(&j).as_deref(), Some("https://o/b"));
        let mut none = HeaderMap::new();
        none.append("link", HeaderValue::from_static("<https://o/a>; rel=\"self\""));
        assert_eq!(next_link(&none), None);
    }

    #[test]
    fn links_to_other_origins_are_refused() {
        let base = Url::parse("http://127.0.0.1:8080/okta").unwrap();
        assert!(same_origin(&base, &Url::parse("http://127.0.0.1:8080/okta/api/v1/logs?after=1").unwrap()));
        assert!(!same_origin(&base, &Url::parse("http://127.0.0.1:8081/okta/api/v1/logs").unwrap()));
        assert!(!same_origin(&base, &Url::parse("https://127.0.0.1:8080/okta/api").unwrap()));
        assert!(!same_origin(&base, &Url::parse("http://evil.example:8080/okta/api").unwrap()));
        assert!(!same_origin(&base, &Url::parse("http://127.0.0.1:8080/other").unwrap()));
    }

    #[test]
    fn window_queue_splits_and_round_trips() {
        let s = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let w = TimeWindow::new(s, s + Duration::hours(2));
        let mut q = WindowQueue::new(w);
        let first = q.pop().unwrap();
        assert!(q.split_front(first));
        let cursor = q.encode().unwrap();
        assert_eq!(cursor, "1700000000000-1700003600000,1700003600000-1700007200000");
        let mut back = WindowQueue::decode(&cursor).unwrap();
        assert_eq!(back, q);
        assert_eq!(back.pop().unwrap().end, s + Duration::hours(1));
        assert!(!q.split_front(TimeWindow::new(s, s + Duration::milliseconds(1500))));
        assert_eq!(WindowQueue::decode("5-3"), None);
        assert_eq!(WindowQueue::decode("junk"), None);
    }
}
