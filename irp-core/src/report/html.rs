//! The final report as one self-contained HTML page: inline CSS, inline SVG (login map and
//! timeline), no script, no external asset. Every text from logs, vendors or approvers is
//! escaped with [`escape`].

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::action::ActionStatus;
use crate::incident::TimelineKind;
use crate::phase::Phase;
use crate::report::markdown::{detection_gaps, recommendations, runbook_feedback};
use crate::report::metrics::{human, metrics};
use crate::report::EVIDENCE_SHOWN;
use crate::runbook::{LoginPoint, RunOutcome, RunView};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#1d2330}\
h1{font-size:1.5em}h2{border-bottom:1px solid #ccd;padding-bottom:.2em;margin-top:1.6em}\
table{border-collapse:collapse;width:100%;margin:.6em 0}td,th{border:1px solid #dde;padding:3px 6px;\
vertical-align:top;text-align:left}th{background:#f2f4f8}code{font-size:12px;word-break:break-all}\
.bad{color:#b00020;font-weight:600}.ok{color:#0a7a3d}.muted{color:#667}svg{background:#f7f9fc;border:1px solid #dde}";

/// The final report, as a complete HTML document.
pub fn final_report(view: &RunView<'_>) -> String {
    let inc = view.incident;
    let mut h = String::new();
    let title = format!("Incident report · {} · case {}", inc.user(), inc.case_id());
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape(&title)
    );
    let _ = write!(h, "<h1>{}</h1>", escape(&title));
    let status = match view.outcome {
        Some(RunOutcome::Completed) | None => "runbook completed".to_owned(),
        Some(RunOutcome::ClosedNoAction { reason }) => format!("closed without action ({})", reason.name()),
        Some(RunOutcome::DryRun) => "dry run (nothing executed)".to_owned(),
        Some(RunOutcome::Blocked { phase, reason }) => format!("BLOCKED in {phase}: {reason}"),
    };
    let _ = write!(
        h,
        "<p>Status: <strong>{}</strong>. Likelihood: <strong>{}</strong>. Started {}.</p>",
        escape(&status),
        inc.likelihood().map_or("not assessed".to_owned(), |l| l.to_string()),
        inc.started_at.to_rfc3339()
    );

    h.push_str("<h2>Response times</h2><table><tr><th>metric</th><th>value</th><th>definition</th></tr>");
    let m = metrics(view);
    for (name, v, def) in [
        ("time to detect", m.time_to_detect, "first evidence event → incident start"),
        ("time to contain", m.time_to_contain, "incident start → last containment action verified"),
        ("time to eradicate", m.time_to_eradicate, "incident start → last removal verified (or clean sweep)"),
        ("time to recover", m.time_to_recover, "incident start → re-enable verified (or end of recovery)"),
    ] {
        let _ = write!(
            h,
            "<tr><td>{name}</td><td>{}</td><td class=\"muted\">{def}</td></tr>",
            v.map_or("–".to_owned(), human)
        );
    }
    h.push_str("</table>");

    h.push_str("<h2>Timeline</h2>");
    h.push_str(&timeline_svg(view));
    h.push_str("<h2>Sign-ins</h2>");
    h.push_str(&login_map_svg(&view.findings.logins));

    assessment(view, &mut h);
    actions(view, &mut h);
    persistence(view, &mut h);

    h.push_str("<h2>Detection gaps</h2><ul>");
    let gaps = detection_gaps(view);
    if gaps.is_empty() {
        h.push_str("<li>None found.</li>");
    }
    for g in gaps {
        let _ = write!(h, "<li>{}</li>", escape(&g));
    }
    h.push_str("</ul><h2>Recommendations</h2><ul>");
    for r in recommendations(view) {
        let _ = write!(h, "<li>{}</li>", escape(&r));
    }
    h.push_str("</ul><h2>Runbook feedback</h2><ul>");
    let feedback = runbook_feedback(view);
    if feedback.is_empty() {
        h.push_str("<li>Nothing failed and nothing was slow.</li>");
    }
    for line in feedback {
        let _ = write!(h, "<li>{}</li>", escape(&line));
    }
    h.push_str("</ul><h2>Timeline entries</h2><table><tr><th>time</th><th>phase</th><th>what</th></tr>");
    for e in inc.timeline() {
        let detail =
            e.detail.as_deref().map(|d| format!(" <span class=\"muted\">{}</span>", escape(d))).unwrap_or_default();
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}{detail}</td></tr>",
            e.at.to_rfc3339(),
            e.phase.name(),
            escape(&e.what)
        );
    }
    h.push_str("</table></body></html>\n");
    h
}

fn assessment(view: &RunView<'_>, h: &mut String) {
    h.push_str("<h2>Assessment</h2>");
    let Some(a) = view.incident.assessment() else {
        h.push_str("<p>Not assessed.</p>");
        return;
    };
    let _ = write!(h, "<p>Assessed {} (score {:.0}) over {} event(s).</p>", a.likelihood, a.score, a.events_considered);
    if let Some(d) = view.incident.analyst_decision() {
        let _ = write!(
            h,
            "<p>Analyst decision by {}: <strong>{}</strong> — {}</p>",
            escape(d.analyst.as_str()),
            d.likelihood,
            escape(&d.reason)
        );
    }
    h.push_str("<table><tr><th>signal</th><th>severity</th><th>time</th><th>ATT&amp;CK</th><th>evidence</th><th>summary</th></tr>");
    for s in &a.signals {
        let techniques: Vec<String> = s.techniques.iter().map(|t| escape(t)).collect();
        let mut events: Vec<String> =
            s.events.iter().take(EVIDENCE_SHOWN).map(|e| format!("<code>{}</code>", escape(e.as_str()))).collect();
        if s.events.len() > EVIDENCE_SHOWN {
            events.push(format!("<span class=\"muted\">+{} more</span>", s.events.len() - EVIDENCE_SHOWN));
        }
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            s.kind.name(),
            s.severity.name(),
            s.time.to_rfc3339(),
            techniques.join(" "),
            events.join(" "),
            escape(&s.summary)
        );
    }
    h.push_str("</table>");
    if !a.breakdown.is_empty() {
        h.push_str("<table><tr><th>contribution</th><th>points</th><th>reason</th></tr>");
        for c in &a.breakdown {
            let _ = write!(h, "<tr><td>{}</td><td>{:+.0}</td><td>{}</td></tr>", c.label(), c.points, escape(&c.reason));
        }
        let _ = write!(h, "<tr><th>score</th><th>{:.0}</th><th>{}</th></tr></table>", a.score, a.likelihood);
    }
}

fn actions(view: &RunView<'_>, h: &mut String) {
    h.push_str("<h2>Actions</h2><table><tr><th>id</th><th>phase</th><th>action</th><th>target</th><th>planned call</th><th>status</th><th>before</th><th>after</th></tr>");
    for a in view.incident.actions() {
        let class = match a.status {
            ActionStatus::Verified => "ok",
            ActionStatus::Failed | ActionStatus::VerificationFailed | ActionStatus::OutcomeUnknown => "bad",
            _ => "",
        };
        let json = |v: Option<&serde_json::Value>| {
            v.map_or("–".to_owned(), |v| format!("<code>{}</code>", escape(&v.to_string())))
        };
        let note = a
            .record
            .note
            .as_deref()
            .map(|n| format!("<br><span class=\"muted\">{}</span>", escape(n)))
            .unwrap_or_default();
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td class=\"{class}\">{}{note}</td><td>{}</td><td>{}</td></tr>",
            escape(a.id.as_str()),
            a.phase.name(),
            a.kind.name(),
            escape(&a.target.to_string()),
            escape(&a.planned_call),
            a.status,
            json(a.record.state_before.as_ref()),
            json(a.record.state_after.as_ref().or(a.record.observed.as_ref()))
        );
    }
    h.push_str("</table>");
}

fn persistence(view: &RunView<'_>, h: &mut String) {
    h.push_str("<h2>Persistence</h2>");
    let Some(sweep) = &view.findings.sweep else {
        h.push_str("<p class=\"bad\">The persistence check did not run.</p>");
        return;
    };
    h.push_str("<table><tr><th>kind</th><th>name</th><th>id</th><th>suspicious</th><th>removal</th></tr>");
    for i in &sweep.items {
        let removal = i
            .action
            .as_ref()
            .and_then(|id| view.incident.action(id))
            .map_or("–".to_owned(), |a| format!("{} {}", escape(a.id.as_str()), a.status));
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{removal}</td></tr>",
            i.item.kind.name(),
            escape(&i.item.name),
            escape(&i.item.id),
            if i.suspicious { "<span class=\"bad\">yes</span>" } else { "no" }
        );
    }
    h.push_str("</table>");
}

/// Equirectangular projection of (lat, lon) onto a `w` × `h` box.
fn project(lat: f64, lon: f64, w: f64, h: f64) -> (f64, f64) {
    let x = (lon.clamp(-180.0, 180.0) + 180.0) / 360.0 * w;
    let y = (90.0 - lat.clamp(-90.0, 90.0)) / 180.0 * h;
    (x, y)
}

/// The login map: every sign-in with coordinates on an equirectangular grid; attacker (cited as
/// evidence) in red, normal in blue, failures hollow, consecutive attacker sign-ins joined.
pub fn login_map_svg(points: &[LoginPoint]) -> String {
    let (w, h) = (720.0, 360.0);
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"sign-in map\">");
    for lon in (-180..=180).step_by(30) {
        let (x, _) = project(0.0, f64::from(lon), w, h);
        let _ = write!(s, "<line x1=\"{x:.1}\" y1=\"0\" x2=\"{x:.1}\" y2=\"{h}\" stroke=\"#dde\"/>");
    }
    for lat in (-90..=90).step_by(30) {
        let (_, y) = project(f64::from(lat), 0.0, w, h);
        let _ = write!(s, "<line x1=\"0\" y1=\"{y:.1}\" x2=\"{w}\" y2=\"{y:.1}\" stroke=\"#dde\"/>");
    }
    let attacker: Vec<(f64, f64)> =
        points.iter().filter(|p| p.suspicious).map(|p| project(p.lat, p.lon, w, h)).collect();
    if attacker.len() > 1 {
        let path: Vec<String> = attacker.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = write!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#d33\" stroke-dasharray=\"4 3\"/>",
            path.join(" ")
        );
    }
    // Normal points first so attacker points are drawn on top.
    let mut ordered: Vec<&LoginPoint> = points.iter().collect();
    ordered.sort_by_key(|p| p.suspicious);
    for p in ordered {
        let (x, y) = project(p.lat, p.lon, w, h);
        let color = if p.suspicious { "#d33" } else { "#2a6fd6" };
        let fill = if p.success { color } else { "none" };
        let label = format!(
            "{} {} {}{}",
            p.time.to_rfc3339(),
            p.ip.as_deref().unwrap_or(""),
            p.place.as_deref().unwrap_or(""),
            if p.suspicious { " (attacker)" } else { "" }
        );
        let _ = write!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{}\" fill=\"{fill}\" stroke=\"{color}\" stroke-width=\"1.5\"><title>{}</title></circle>",
            if p.suspicious { 5.0 } else { 3.5 },
            escape(&label)
        );
    }
    let _ = write!(
        s,
        "<text x=\"8\" y=\"{}\" font-size=\"11\" fill=\"#334\">● attacker (red) ● normal (blue) ○ failed · {} sign-in(s)</text></svg>",
        h - 8.0,
        points.len()
    );
    s
}

/// Gaps between timeline entries longer than this are drawn as a fixed-width break, so 72 h of
/// post-recovery monitoring does not squash minutes of response into a sliver.
const BREAK_AFTER_MS: i64 = 60 * 60 * 1000;
/// Width of one break on the axis, in pixels.
const BREAK_PX: f64 = 36.0;

/// A time axis over `[first, last]` mapped onto `[left, right]` pixels, with long quiet gaps
/// compressed into breaks.
struct TimeAxis {
    first: DateTime<Utc>,
    left: f64,
    /// Pixels per millisecond outside breaks.
    scale: f64,
    /// Compressed gaps, in order.
    breaks: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl TimeAxis {
    /// An axis over the (sorted) instants `times`.
    fn new(times: &[DateTime<Utc>], left: f64, right: f64) -> Option<Self> {
        let (first, last) = (*times.first()?, *times.last()?);
        let breaks: Vec<_> = times
            .windows(2)
            .filter(|w| (w[1] - w[0]).num_milliseconds() > BREAK_AFTER_MS)
            .map(|w| (w[0], w[1]))
            .collect();
        let quiet: i64 = breaks.iter().map(|(a, b)| (*b - *a).num_milliseconds()).sum();
        let active_ms = ((last - first).num_milliseconds() - quiet).max(1) as f64;
        let width = (right - left - BREAK_PX * breaks.len() as f64).max(1.0);
        Some(TimeAxis { first, left, scale: width / active_ms, breaks })
    }

    fn x(&self, t: DateTime<Utc>) -> f64 {
        let mut x = self.left;
        let mut from = self.first;
        for &(a, b) in &self.breaks {
            if t <= a {
                break;
            }
            x += (a - from).num_milliseconds() as f64 * self.scale;
            if t < b {
                let inside = (t - a).num_milliseconds() as f64 / (b - a).num_milliseconds().max(1) as f64;
                return x + inside * BREAK_PX;
            }
            x += BREAK_PX;
            from = b;
        }
        x + (t - from).num_milliseconds().max(0) as f64 * self.scale
    }
}

/// The timeline: phases as bands, marks for approvals, verified actions, failures and blocks,
/// long quiet gaps (monitoring) as labelled breaks, and a legend of the phases.
pub fn timeline_svg(view: &RunView<'_>) -> String {
    let inc = view.incident;
    let entries = inc.timeline();
    let (w, h) = (1000.0, 140.0);
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"timeline\">");
    let mut times: Vec<DateTime<Utc>> = entries.iter().map(|e| e.at).collect();
    times.sort();
    let Some(axis) = TimeAxis::new(&times, 10.0, w - 10.0) else {
        s.push_str("</svg>");
        return s;
    };
    let last = times[times.len() - 1];
    let colors = ["#e8eefc", "#fdf0d8", "#fde2e2", "#e6f5ea", "#e2f3f8", "#efe6f8", "#f1f1f1"];
    let mut legend_x = 10.0;
    for (i, phase) in Phase::WORKING.iter().enumerate() {
        let Some(start) = inc.phases().entered_at(*phase) else { continue };
        let end = inc.phases().left_at(*phase).unwrap_or(last);
        let color = colors[i % colors.len()];
        let (x0, x1) = (axis.x(start), axis.x(end).max(axis.x(start) + 2.0));
        let _ = write!(
            s,
            "<rect x=\"{x0:.1}\" y=\"10\" width=\"{:.1}\" height=\"40\" fill=\"{color}\" stroke=\"#99a\"><title>{} {} → {}</title></rect>",
            x1 - x0,
            phase.title(),
            start.to_rfc3339(),
            end.to_rfc3339()
        );
        let _ = write!(
            s,
            "<rect x=\"{legend_x:.1}\" y=\"112\" width=\"10\" height=\"10\" fill=\"{color}\" stroke=\"#99a\"/><text x=\"{:.1}\" y=\"121\" font-size=\"10\" fill=\"#334\">{}</text>",
            legend_x + 14.0,
            phase.title()
        );
        legend_x += 14.0 + 6.5 * phase.title().len() as f64 + 14.0;
    }
    for &(a, b) in &axis.breaks {
        let (x0, x1) = (axis.x(a), axis.x(b));
        let mid = (x0 + x1) / 2.0;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"6\" width=\"{:.1}\" height=\"48\" fill=\"#fff\" opacity=\"0.85\"/>\
             <path d=\"M{:.1} 6 l-6 48 M{:.1} 6 l-6 48\" stroke=\"#667\"/>\
             <text x=\"{mid:.1}\" y=\"66\" font-size=\"9\" text-anchor=\"middle\" fill=\"#667\">{} quiet</text>",
            x0 + 4.0,
            x1 - x0 - 8.0,
            x0 + 10.0,
            x1 - 4.0,
            human(b - a)
        );
    }
    for e in entries {
        let color = match e.kind {
            TimelineKind::Blocked | TimelineKind::EffectFailed => "#d33",
            TimelineKind::ActionStatus if e.what.ends_with("verified") => "#0a7a3d",
            TimelineKind::ActionStatus | TimelineKind::Approval => "#c77700",
            _ => continue,
        };
        let cx = axis.x(e.at);
        let _ = write!(
            s,
            "<line x1=\"{cx:.1}\" y1=\"70\" x2=\"{cx:.1}\" y2=\"88\" stroke=\"{color}\" stroke-width=\"2\"><title>{} {}</title></line>",
            e.at.to_rfc3339(),
            escape(&e.what)
        );
    }
    let _ = write!(
        s,
        "<text x=\"10\" y=\"102\" font-size=\"10\" fill=\"#334\">{}</text><text x=\"{:.1}\" y=\"102\" font-size=\"10\" text-anchor=\"end\" fill=\"#334\">{}</text></svg>",
        times[0].format("%Y-%m-%d %H:%M:%S UTC"),
        w - 10.0,
        last.format("%Y-%m-%d %H:%M:%S UTC")
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_html() {
        assert_eq!(escape("<img src=x onerror=\"a\">&'"), "&lt;img src=x onerror=&quot;a&quot;&gt;&amp;&#39;");
    }

    #[test]
    fn login_map_escapes_hostile_labels_and_colours_attackers() {
        let p = |suspicious: bool, place: &str| LoginPoint {
            event: crate::evidence::EventId("e".into()),
            time: "2024-05-01T10:00:00Z".parse().unwrap(),
            lat: 10.0,
            lon: 20.0,
            ip: Some("203.0.113.9".into()),
            place: Some(place.into()),
            suspicious,
            success: true,
        };
        let svg = login_map_svg(&[p(false, "Paris"), p(true, "</title><script>alert(1)</script>")]);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;/title&gt;&lt;script&gt;"));
        assert_eq!(svg.matches("fill=\"#d33\"").count(), 1);
        assert_eq!(svg.matches("fill=\"#2a6fd6\"").count(), 1);
        // Equirectangular: (10N, 20E) on a 720x360 map.
        assert!(svg.contains("cx=\"400.0\" cy=\"160.0\""));
    }

    #[test]
    fn long_quiet_gaps_become_fixed_width_breaks() {
        let t = |m: i64| DateTime::<Utc>::from_timestamp(1_700_000_000 + m * 60, 0).unwrap();
        // Ten minutes of response, then 72 h of monitoring, then one last entry.
        let times = [t(0), t(10), t(10 + 72 * 60), t(11 + 72 * 60)];
        let axis = TimeAxis::new(&times, 0.0, 100.0 + BREAK_PX).unwrap();
        assert_eq!(axis.breaks, vec![(t(10), t(10 + 72 * 60))]);
        // 11 active minutes share 100 px; the break takes BREAK_PX.
        assert!((axis.x(t(10)) - 100.0 * 10.0 / 11.0).abs() < 1e-6);
        assert!((axis.x(t(10 + 72 * 60)) - (100.0 * 10.0 / 11.0 + BREAK_PX)).abs() < 1e-6);
        assert!((axis.x(t(11 + 72 * 60)) - (100.0 + BREAK_PX)).abs() < 1e-6);
        // Monotonic inside the break.
        assert!(axis.x(t(10)) < axis.x(t(40 * 60)) && axis.x(t(40 * 60)) < axis.x(t(10 + 72 * 60)));
    }

    #[test]
    fn projection_corners() {
        assert_eq!(project(90.0, -180.0, 360.0, 180.0), (0.0, 0.0));
        assert_eq!(project(-90.0, 180.0, 360.0, 180.0), (360.0, 180.0));
        assert_eq!(project(0.0, 0.0, 360.0, 180.0), (180.0, 90.0));
    }
}
