//! How a run ends on the terminal, shared by `irp demo` and `irp respond`: the dry-run plan, the
//! response times, and whether the run counts as complete (exit 0) or not (exit 1).

use irp::connectors::Finished;
use irp::core::action::ActionStatus;
use irp::core::report;
use irp::core::runbook::{RunOutcome, RunSummary, RunView, Runbook};

use super::console::Console;

/// Prints every proposed action with its exact call (dry run).
pub fn print_plan(summary: &RunSummary, console: &mut Console) {
    console.blank();
    console
        .title(&format!("Plan ({} action(s); dry run: nothing was approved, executed or written)", summary.plan.len()));
    for item in &summary.plan {
        console.action(&format!("[{}] {} on {}", item.phase.title(), item.kind, item.target), &item.planned_call);
    }
}

/// Prints time to detect / contain / eradicate / recover under `heading`.
pub fn print_response_times(view: &RunView<'_>, heading: &str, console: &mut Console) {
    let m = report::metrics::metrics(view);
    let human = |d: Option<chrono::Duration>| d.map_or_else(|| "n/a".to_owned(), report::metrics::human);
    console.blank();
    console.title(heading);
    console.line(&format!("time to detect:    {}", human(m.time_to_detect)));
    console.line(&format!("time to contain:   {}", human(m.time_to_contain)));
    console.line(&format!("time to eradicate: {}", human(m.time_to_eradicate)));
    console.line(&format!("time to recover:   {}", human(m.time_to_recover)));
}

/// Why the run does not count as complete, or `None` when it does: every phase ran and every
/// action ended verified (or it was a dry run).
pub fn incomplete(finished: &Finished) -> Option<String> {
    match &finished.summary.outcome {
        RunOutcome::Completed => {
            let unfinished = unverified_actions(&finished.runbook);
            (!unfinished.is_empty()).then(|| {
                format!("the runbook finished, but these actions did not end verified: {}", unfinished.join("; "))
            })
        }
        RunOutcome::DryRun => None,
        RunOutcome::ClosedNoAction { reason } => {
            Some(format!("the runbook closed the case without action ({})", reason.name()))
        }
        RunOutcome::Blocked { phase, reason } => Some(format!("the runbook stopped in {}: {reason}", phase.title())),
        other => Some(format!("the runbook ended as {other:?}")),
    }
}

/// Actions that did not end verified (refused, failed, unknown, not yet run), one line each.
pub fn unverified_actions(runbook: &Runbook) -> Vec<String> {
    runbook
        .incident()
        .actions()
        .iter()
        .filter(|a| !matches!(a.status, ActionStatus::Verified))
        .map(|a| format!("{} on {}: {}", a.kind.name(), a.target, a.status.name()))
        .collect()
}
