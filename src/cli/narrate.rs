//! The console narration of a run: an [`Observer`] of the Responder that prints each phase and
//! what each effect found or did. Shared by `irp demo` and `irp respond`.

use irp::connectors::responder::{Observer, Progress};
use irp::core::phase::Phase;
use irp::core::runbook::{Effect, EffectKind, EffectOutcome, PersistenceItem, Runbook};

use super::console::{lock, Console, SharedConsole};

/// Called after each effect, before it is narrated (the demo moves its simulated clock here).
pub type AfterEffect = Box<dyn Fn(&EffectKind) + Send + Sync>;

/// The console narration, as an observer of the Responder.
pub struct Narration {
    console: SharedConsole,
    after_effect: Option<AfterEffect>,
    /// Said after "notified" (where the message went).
    notify_note: &'static str,
}

impl Narration {
    /// Narrates to `console`.
    pub fn new(console: SharedConsole) -> Self {
        Narration { console, after_effect: None, notify_note: "" }
    }

    /// Runs `hook` after each effect, before narrating it.
    pub fn after_effect(mut self, hook: AfterEffect) -> Self {
        self.after_effect = Some(hook);
        self
    }

    /// Says where notifications went (`" (kept in the output folder)"`).
    pub fn notify_note(mut self, note: &'static str) -> Self {
        self.notify_note = note;
        self
    }
}

impl Observer for Narration {
    fn observe(&self, runbook: &Runbook, progress: &Progress<'_>) {
        let mut console = lock(&self.console);
        match progress {
            Progress::PhaseStarted { phase } => {
                let number = Phase::WORKING.iter().position(|p| p == phase).map_or(0, |i| i + 1);
                console.phase(number, Phase::WORKING.len(), phase.title());
            }
            Progress::EffectStarted { effect } => {
                if matches!(effect.kind, EffectKind::SearchEvents { .. } | EffectKind::ListPersistence { .. }) {
                    console.busy(effect.kind.name());
                }
            }
            Progress::EffectFinished { effect, outcome } => {
                console.done();
                if let Some(hook) = &self.after_effect {
                    hook(&effect.kind);
                }
                narrate(runbook, effect, outcome, self.notify_note, &mut console);
            }
            _ => {}
        }
    }
}

/// Prints what one effect found or did.
fn narrate(runbook: &Runbook, effect: &Effect, outcome: &EffectOutcome, notify_note: &str, console: &mut Console) {
    if let EffectOutcome::Failed { failure } = outcome {
        console.fail(&format!("{}: {}", effect.kind.name(), failure.message));
        return;
    }
    match (&effect.kind, outcome) {
        (EffectKind::CheckConnectors { .. }, EffectOutcome::Readiness { connectors }) => {
            for c in connectors {
                let line = format!("{} ({}): {}", c.role.name(), c.vendor, c.detail.as_deref().unwrap_or(""));
                if c.ready {
                    console.ok(&line);
                } else {
                    console.warn(&line);
                }
            }
        }
        (EffectKind::FetchCase { .. }, EffectOutcome::Case { case }) => {
            console.line(&format!("case {}: {}", case.id.as_str(), case.title));
        }
        (EffectKind::FindDuplicateCases { .. }, EffectOutcome::Cases { cases }) => {
            console.line(&format!("duplicate cases: {}", cases.len()));
        }
        (EffectKind::FindRelatedCases { .. }, EffectOutcome::Cases { cases }) => {
            console.line(&format!("related open cases: {}", cases.len()));
        }
        (EffectKind::LookupUser { .. }, EffectOutcome::User { user }) => {
            console.line(&format!(
                "{} ({}): {}{}",
                user.login,
                user.display_name.as_deref().unwrap_or("no display name"),
                user.status.as_deref().unwrap_or("status unknown"),
                if user.privileged { ", privileged" } else { "" }
            ));
        }
        (EffectKind::SearchEvents { from, to, .. }, EffectOutcome::Events { events }) => {
            console.line(&format!(
                "{} events from {} to {}",
                events.len(),
                from.format("%Y-%m-%d %H:%M"),
                to.format("%Y-%m-%d %H:%M UTC")
            ));
        }
        (EffectKind::PostComment { phase, .. }, EffectOutcome::CommentPosted { .. }) => {
            if *phase == Phase::Identification {
                assessment(runbook, console);
            }
            console.ok(&format!("{} documented in the case", phase.title()));
        }
        (EffectKind::RequestApproval { action_ids, .. }, EffectOutcome::Approvals { response }) => {
            for id in action_ids {
                if let Some(action) = runbook.incident().action(id) {
                    console.action(&format!("{} on {}", action.kind.name(), action.target), &action.planned_call);
                }
            }
            for approval in &response.approvals {
                console.ok(&format!("approved by {} ({} action(s))", approval.approver, approval.actions.len()));
            }
            for refusal in &response.refusals {
                console.warn(&format!("refused by {} ({} action(s))", refusal.approver, refusal.action_ids.len()));
            }
        }
        (EffectKind::ExecuteAction { action }, EffectOutcome::Executed { .. }) => {
            console.ok(&format!("executed {} on {}", action.kind.name(), action.target));
        }
        (EffectKind::VerifyAction { action }, EffectOutcome::Verification { holds, .. }) => {
            if *holds {
                console.ok(&format!("verified: {}", action.expected_post_state));
            } else {
                console.fail(&format!("NOT verified: {}", action.expected_post_state));
            }
        }
        (EffectKind::ListPersistence { .. }, EffectOutcome::Persistence { items, not_listed }) => {
            persistence(items, console);
            for kind in not_listed {
                console.warn(&format!("could not list {}", kind.name()));
            }
        }
        (EffectKind::NotifyUser { user, .. }, EffectOutcome::Done) => {
            console.ok(&format!("{user} notified{notify_note}"));
        }
        (EffectKind::StartMonitoring { until, .. }, EffectOutcome::Done) => {
            console.ok(&format!("monitoring the account until {}", until.format("%Y-%m-%d %H:%M UTC")));
        }
        (EffectKind::CheckMonitoring { from, to, .. }, EffectOutcome::Events { events }) => {
            console.line(&format!(
                "monitoring {} to {}: {} new event(s)",
                from.format("%m-%d %H:%M"),
                to.format("%m-%d %H:%M UTC"),
                events.len()
            ));
        }
        _ => {}
    }
}

fn assessment(runbook: &Runbook, console: &mut Console) {
    let Some(assessment) = runbook.incident().assessment() else { return };
    console.line(&format!(
        "likelihood: {} (score {:.0}, {} signal(s))",
        runbook.incident().likelihood().unwrap_or(assessment.likelihood).name().to_uppercase(),
        assessment.score,
        assessment.signals.len()
    ));
    for signal in &assessment.signals {
        console.detail(&format!(
            "{} [{}] {}: {}",
            signal.time.format("%m-%d %H:%M"),
            signal.severity.name(),
            signal.kind.name(),
            signal.summary
        ));
    }
}

fn persistence(items: &[PersistenceItem], console: &mut Console) {
    if items.is_empty() {
        console.line("nothing found");
    }
    for item in items {
        let forward =
            if item.forward_to.is_empty() { String::new() } else { format!(" -> {}", item.forward_to.join(", ")) };
        let line = format!("{} {} \"{}\"{forward}", item.kind.name(), item.id, item.name);
        if item.flagged {
            console.warn(&format!("{line} (suspicious)"));
        } else {
            console.line(&line);
        }
    }
}
