//! `mass_download`: a burst of distinct files or mail items far above the user's normal.

use std::collections::{HashMap, HashSet};

use chrono::Duration;

use super::{happened, Severity, Signal, SignalKind, UserContext};
use crate::evidence::{Event, EventKind};

/// The object a download / access touched; events without one count as their own object.
fn object(e: &Event) -> Option<&str> {
    match &e.kind {
        EventKind::FileDownload { object } | EventKind::FileAccess { object } => {
            Some(object.as_deref().map(str::trim).filter(|o| !o.is_empty()).unwrap_or(e.id.as_str()))
        }
        _ => None,
    }
}

/// Sync clients (OneDrive `FileSyncDownloadedFull`) pull whole libraries when a new laptop is
/// set up: big, legitimate bursts.
fn is_sync(e: &Event) -> bool {
    e.vendor.event_type.contains("FileSync")
}

/// At least `max(mass_download_min_objects, factor x the user's p95 daily count)` distinct
/// objects within `mass_download_window_minutes`. Medium; High at `mass_download_high_factor`
/// times that threshold; one step lower when the burst is a sync client's. Overlapping hot
/// windows merge into one burst and one signal. O(n) with a sliding window.
pub(crate) fn mass_download(ctx: &UserContext<'_>) -> Vec<Signal> {
    let p = &ctx.policy.detect;
    let w = Duration::minutes(p.mass_download_window_minutes);
    let relative = (ctx.baseline.download_daily_p95 as f64 * p.mass_download_baseline_factor).ceil();
    let threshold = (p.mass_download_min_objects.max(1) as f64).max(relative) as usize;
    let items: Vec<(&Event, &str)> =
        ctx.events.iter().filter(|e| happened(e)).filter_map(|e| object(e).map(|o| (e, o))).collect();

    let mut counts: HashMap<&str, u32> = HashMap::new();
    let mut lo = 0;
    let mut bursts: Vec<(usize, usize, usize)> = Vec::new(); // (start, end exclusive, peak distinct)
    for hi in 0..items.len() {
        *counts.entry(items[hi].1).or_default() += 1;
        while items[hi].0.time - items[lo].0.time > w {
            if let Some(c) = counts.get_mut(items[lo].1) {
                *c -= 1;
                if *c == 0 {
                    counts.remove(items[lo].1);
                }
            }
            lo += 1;
        }
        if counts.len() >= threshold {
            match bursts.last_mut() {
                Some(b) if lo <= b.1 => {
                    b.1 = hi + 1;
                    b.2 = b.2.max(counts.len());
                }
                _ => bursts.push((lo, hi + 1, counts.len())),
            }
        }
    }

    bursts
        .into_iter()
        .map(|(start, end, peak)| {
            let burst = &items[start..end];
            let distinct: HashSet<&str> = burst.iter().map(|(_, o)| *o).collect();
            let (first, last) = (burst[0].0, burst[burst.len() - 1].0);
            let high = peak as f64 >= threshold as f64 * p.mass_download_high_factor;
            let mut severity = if high { Severity::High } else { Severity::Medium };
            let mut summary = format!(
                "{} distinct files/items in {} min (peak {peak} within {} min; threshold {threshold}",
                distinct.len(),
                (last.time - first.time).num_minutes(),
                p.mass_download_window_minutes
            );
            if ctx.baseline.download_days > 0 {
                summary.push_str(&format!(
                    ", the user's typical day is {} over {} days of history)",
                    ctx.baseline.download_daily_p95, ctx.baseline.download_days
                ));
            } else {
                summary.push_str(", no download history)");
            }
            if let Some(app) = first.app.as_deref() {
                summary.push_str(&format!(" via {app}"));
            }
            if burst.iter().all(|(e, _)| is_sync(e)) {
                severity = severity.demoted();
                summary.push_str("; all by a sync client (new device set-up?)");
            }
            let mail = burst.iter().any(|(e, _)| e.vendor.event_type.contains("MailItemsAccessed"));
            let techniques: &[&str] = if mail { &["T1530", "T1114.002"] } else { &["T1530"] };
            Signal::new(
                SignalKind::MassDownload,
                severity,
                last.time,
                burst.iter().map(|(e, _)| *e),
                techniques,
                summary,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    fn burst(n: usize, seconds_apart: i64, prefix: &str) -> Vec<Event> {
        (0..n)
            .map(|i| {
                download(&format!("{prefix}{i:03}"), 0, &format!("/docs/{prefix}{i}.pdf"))
                    .secs(i as i64 * seconds_apart)
                    .build()
            })
            .collect()
    }

    #[test]
    fn burst_fires_once() {
        let s = run(mass_download, &[], &burst(40, 2, "f"));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].severity, Severity::Medium);
        assert_eq!(s[0].events.len(), 40);
        assert!(s[0].summary.starts_with("40 distinct files/items in 1 min (peak 40 within 3 min; threshold 25"));
        assert_eq!(run(mass_download, &[], &burst(120, 1, "f"))[0].severity, Severity::High);
    }

    #[test]
    fn slow_or_repeated_or_usual_downloads_do_not_fire() {
        // 40 files over 40 minutes.
        assert!(run(mass_download, &[], &burst(40, 60, "f")).is_empty());
        // One file downloaded 40 times.
        let same: Vec<Event> = (0..40).map(|i| download(&format!("d{i}"), 0, "/same.pdf").secs(i).build()).collect();
        assert!(run(mass_download, &[], &same).is_empty());
        // A heavy user: 200 files a day is normal, a burst of 40 is not unusual for them.
        let before: Vec<Event> = (0..10)
            .flat_map(|d| {
                (0..200).map(move |i| download(&format!("b{d}-{i}"), -(d + 1) * 1440 + i, &format!("/x{i}")).build())
            })
            .collect();
        assert!(run(mass_download, &before, &burst(40, 2, "f")).is_empty());
        assert_eq!(run(mass_download, &before, &burst(250, 0, "f")).len(), 1);
    }

    #[test]
    fn sync_client_is_demoted() {
        let w: Vec<Event> =
            burst(40, 2, "f").into_iter().map(|e| B(e).event_type("FileSyncDownloadedFull").build()).collect();
        assert_eq!(run(mass_download, &[], &w)[0].severity, Severity::Low);
    }
}
