//! How long a throttled (429) or unavailable (503) answer asks us to wait.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, DATE, RETRY_AFTER};

/// Which rate-limit headers a vendor sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateLimitStyle {
    /// Okta: `X-Rate-Limit-Reset` (UTC epoch seconds) read against the response `Date`.
    Okta,
    /// `Retry-After`: delay seconds (fractional allowed) or an HTTP date.
    RetryAfter,
}

/// Parses an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value.trim()).ok().map(|t| t.with_timezone(&Utc))
}

/// The one value of header `name`, or `None` when it is absent, repeated or not text.
fn single<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok().map(str::trim)
}

/// The instant the server says it is: its `Date` header, else our clock.
fn server_now(headers: &HeaderMap, now: DateTime<Utc>) -> DateTime<Utc> {
    single(headers, DATE.as_str()).and_then(parse_http_date).unwrap_or(now)
}

/// The wait a response asks for, before jitter, or `None` when it names none (the caller then
/// backs off exponentially).
///
/// * Okta: `X-Rate-Limit-Reset − Date + 1 s`, as Okta's own SDK computes it (the extra second
///   covers the reset's one-second resolution). A missing or duplicated (comma-joined) reset
///   header yields `None`, as in the SDK.
/// * `Retry-After: 2.128` → 2.128 s; `Retry-After: <HTTP date>` → that date − `Date` (or `now`).
pub fn requested_wait(style: RateLimitStyle, headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    match style {
        RateLimitStyle::Okta => {
            let reset: i64 = single(headers, "x-rate-limit-reset")?.parse().ok()?;
            let reset = DateTime::<Utc>::from_timestamp(reset, 0)?;
            let wait = (reset - server_now(headers, now)).to_std().unwrap_or(Duration::ZERO);
            Some(wait + Duration::from_secs(1))
        }
        RateLimitStyle::RetryAfter => retry_after(headers, now),
    }
}

/// `Retry-After` as a duration (seconds, fractional seconds or an HTTP date).
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = single(headers, RETRY_AFTER.as_str())?;
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)));
    }
    let at = parse_http_date(value)?;
    Some((at - server_now(headers, now)).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_609_459_000, 0).unwrap()
    }

    #[test]
    fn okta_reset_is_read_against_the_date_header_not_our_clock() {
        // Server clock says 2020-12-31T23:59:30Z; reset at 1609459200 (2021-01-01T00:00:00Z).
        let h = headers(&[("date", "Thu, 31 Dec 2020 23:59:30 GMT"), ("x-rate-limit-reset", "1609459200")]);
        assert_eq!(requested_wait(RateLimitStyle::Okta, &h, now()), Some(Duration::from_secs(31)));
    }

    #[test]
    fn okta_reset_in_the_past_waits_one_second_and_bad_headers_name_no_wait() {
        let h = headers(&[("date", "Fri, 01 Jan 2021 00:10:30 GMT"), ("x-rate-limit-reset", "1609459200")]);
        assert_eq!(requested_wait(RateLimitStyle::Okta, &h, now()), Some(Duration::from_secs(1)));
        let dup = headers(&[("x-rate-limit-reset", "1609459200"), ("x-rate-limit-reset", "1609459201")]);
        assert_eq!(requested_wait(RateLimitStyle::Okta, &dup, now()), None);
        let joined = headers(&[("x-rate-limit-reset", "1609459200, 1609459201")]);
        assert_eq!(requested_wait(RateLimitStyle::Okta, &joined, now()), None);
        assert_eq!(requested_wait(RateLimitStyle::Okta, &HeaderMap::new(), now()), None);
    }

    #[test]
    fn retry_after_seconds_fractions_and_dates() {
        let s = headers(&[("retry-after", "10")]);
        assert_eq!(requested_wait(RateLimitStyle::RetryAfter, &s, now()), Some(Duration::from_secs(10)));
        let f = headers(&[("retry-after", "2.128")]);
        assert_eq!(retry_after(&f, now()), Some(Duration::from_millis(2128)));
        let d = headers(&[("retry-after", "Fri, 01 Jan 2021 00:00:07 GMT"), ("date", "Fri, 01 Jan 2021 00:00:00 GMT")]);
        assert_eq!(retry_after(&d, now()), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")]), now()), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now()), None);
    }
}
