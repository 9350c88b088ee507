//! Drives the sans-IO runbook against the embedded connectors on a simulated clock, narrating
//! each phase as it goes.
//!
//! Effects are resolved one at a time in the order the engine hands them out, and the clock
//! moves by a fixed simulated duration per effect, so two runs see the same times and produce
//! the same reports. (The async `Responder` of irp-connectors runs effects concurrently on the
//! real clock; the demo wants the opposite on both counts.)

use chrono::{DateTime, Duration, Utc};
use irp::connectors::{ApprovalDecision, ApprovalRecord, CaseId as PortCaseId, Soar};
use irp::core::approval::ApprovalResponse;
use irp::core::phase::Phase;
use irp::core::runbook::{
    Effect, EffectKind, EffectOutcome, EngineError, Failure, PersistenceItem, RunSummary, Runbook, Step,
};

use super::actions;
use super::approver::{Approver, Pending};
use super::connectors::Connectors;
use super::console::Console;

/// A clock that moves only when the driver says so.
#[derive(Debug, Clone, Copy)]
pub struct SimClock {
    now: DateTime<Utc>,
}

impl SimClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        SimClock { now: start }
    }

    /// The simulated now.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    fn advance(&mut self, seconds: i64) {
        self.now += Duration::seconds(seconds);
    }

    fn jump_to(&mut self, t: DateTime<Utc>) {
        if t > self.now {
            self.now = t;
        }
    }
}

/// Simulated seconds each effect takes: roughly what the call takes against a real vendor, and
/// minutes for a human approval, so the report's time-to-contain is plausible.
fn cost(kind: &EffectKind, approver: Approver) -> i64 {
    match kind {
        EffectKind::CheckConnectors { .. } => 4,
        EffectKind::SearchEvents { .. } => 38,
        EffectKind::LookupEntity { .. } => 6,
        EffectKind::ListPersistence { .. } => 12,
        EffectKind::RequestApproval { .. } => match approver {
            Approver::Demo => 90,
            Approver::Interactive => 60,
        },
        EffectKind::ExecuteAction { .. } => 3,
        EffectKind::VerifyAction { .. } => 2,
        EffectKind::CheckMonitoring { .. } => 20,
        _ => 1,
    }
}

/// Why the drive stopped before the engine finished.
#[derive(Debug, thiserror::Error)]
pub enum DriveError {
    /// The engine refused an outcome (a driver bug, never the scenario's doing).
    #[error("runbook engine: {0}")]
    Engine(#[from] EngineError),
    /// The engine waited for effects nobody was running.
    #[error("runbook engine is waiting for effects that were never handed out: {0}")]
    Stalled(String),
}

/// Everything the run produced, besides what is in the case store and the directory.
pub struct Drive {
    /// The engine, finished.
    pub runbook: Runbook,
    /// The summary.
    pub summary: RunSummary,
    /// Messages sent to the user (the demo has no mail: they are kept for the output folder).
    pub notifications: Vec<String>,
}

/// Runs the runbook to its end.
pub async fn drive(
    mut runbook: Runbook,
    connectors: &Connectors,
    approver: Approver,
    clock: &mut SimClock,
    console: &mut Console,
) -> Result<Drive, DriveError> {
    let case = runbook.incident().case_id().as_str().to_owned();
    let mut narrator = Narrator { phase: None };
    let mut notifications = Vec::new();
    let summary = loop {
        match runbook.poll(clock.now()) {
            Step::Effects(effects) => {
                for effect in effects {
                    if let Some(not_before) = effect.not_before {
                        clock.jump_to(not_before);
                    }
                    narrator.enter(effect.phase, console);
                    if matches!(effect.kind, EffectKind::SearchEvents { .. } | EffectKind::ListPersistence { .. }) {
                        console.busy(effect.kind.name());
                    }
                    let outcome =
                        resolve(&runbook, connectors, &case, approver, &effect, clock.now(), &mut notifications).await;
                    console.done();
                    clock.advance(cost(&effect.kind, approver));
                    narrator.effect(&runbook, &effect, &outcome, console);
                    runbook.resolve(effect.id, outcome, clock.now())?;
                }
            }
            Step::Waiting(ids) => {
                let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
                return Err(DriveError::Stalled(ids.join(", ")));
            }
            Step::Done(summary) => break summary,
            _ => return Err(DriveError::Stalled("unknown step".into())),
        }
    };
    Ok(Drive { runbook, summary, notifications })
}

async fn resolve(
    runbook: &Runbook,
    c: &Connectors,
    case: &str,
    approver: Approver,
    effect: &Effect,
    now: DateTime<Utc>,
    notifications: &mut Vec<String>,
) -> EffectOutcome {
    match &effect.kind {
        EffectKind::CheckConnectors { roles } => c.readiness(roles).await,
        EffectKind::FetchCase { case_id } => c.fetch_case(case_id).await,
        EffectKind::FindDuplicateCases { case_id, .. } => c.duplicates(case_id).await,
        EffectKind::FindRelatedCases { case_id, user } => c.related(case_id, user).await,
        EffectKind::LookupUser { user } => c.user(user).await,
        EffectKind::LookupEntity { user } => c.entity(user, now).await,
        EffectKind::SearchEvents { user, from, to } | EffectKind::CheckMonitoring { user, from, to } => {
            c.events(user, *from, *to).await
        }
        EffectKind::PostComment { case_id, markdown, .. } => {
            match c.store.post_comment(&PortCaseId(case_id.as_str().to_owned()), markdown, now).await {
                Ok(id) => EffectOutcome::CommentPosted { comment_id: Some(id.0) },
                Err(e) => super::connectors::failed(&e),
            }
        }
        EffectKind::RequestApproval { action_ids, .. } => {
            let plan = runbook.plan();
            let pending: Vec<Pending<'_>> = action_ids
                .iter()
                .filter_map(|id| {
                    let action = runbook.incident().action(id)?;
                    let approvers_required =
                        plan.iter().find(|p| p.action_id == *id).map_or(1, |p| p.approvers_required);
                    Some(Pending { action, approvers_required })
                })
                .collect();
            let response = approver.decide(&pending, now);
            if let Err(failure) = record_approvals(c, case, runbook, &response).await {
                return EffectOutcome::Failed { failure };
            }
            EffectOutcome::Approvals { response }
        }
        EffectKind::ExecuteAction { action } => actions::execute(c, case, runbook.incident().user(), action, now).await,
        EffectKind::VerifyAction { action } => actions::verify(c, case, runbook.incident().user(), action, now).await,
        EffectKind::ListPersistence { user, kinds, since } => c.persistence(user, kinds, *since).await,
        EffectKind::NotifyUser { message, .. } => {
            notifications.push(message.clone());
            EffectOutcome::Done
        }
        EffectKind::StartMonitoring { .. } => EffectOutcome::Done,
        _ => EffectOutcome::Failed { failure: Failure::missing(format!("irp demo cannot run {}", effect.kind.name())) },
    }
}

/// Every decision goes into the case store before the engine sees it: the case is the record
/// of who allowed what.
async fn record_approvals(
    c: &Connectors,
    case: &str,
    runbook: &Runbook,
    response: &ApprovalResponse,
) -> Result<(), Failure> {
    let case_id = PortCaseId(case.to_owned());
    let mut records = Vec::new();
    for approval in &response.approvals {
        for entry in &approval.actions {
            let Some(action) = runbook.incident().action(&entry.action_id) else { continue };
            let mut record = ApprovalRecord::new(
                case_id.clone(),
                entry.idempotency_key.as_str(),
                format!("{} {}: {}", action.kind.name(), action.target, action.planned_call),
                approval.approver.as_str(),
                ApprovalDecision::Approved,
                approval.approved_at,
            );
            record.expires_at = Some(approval.expires_at);
            record.note = approval.comment.clone();
            records.push(record);
        }
    }
    for refusal in &response.refusals {
        for id in &refusal.action_ids {
            let Some(action) = runbook.incident().action(id) else { continue };
            let mut record = ApprovalRecord::new(
                case_id.clone(),
                action.idempotency_key.as_str(),
                format!("{} {}: {}", action.kind.name(), action.target, action.planned_call),
                refusal.approver.as_str(),
                ApprovalDecision::Rejected,
                refusal.at,
            );
            record.note = Some(refusal.reason.clone());
            records.push(record);
        }
    }
    for record in records {
        c.store.record_approval(&record).await.map_err(|e| Failure::refused(e.to_string()))?;
    }
    Ok(())
}

/// Prints the phases and what each effect found or did.
struct Narrator {
    phase: Option<Phase>,
}

impl Narrator {
    fn enter(&mut self, phase: Phase, console: &mut Console) {
        if self.phase == Some(phase) {
            return;
        }
        self.phase = Some(phase);
        let number = Phase::WORKING.iter().position(|p| *p == phase).map_or(0, |i| i + 1);
        console.phase(number, Phase::WORKING.len(), phase.title());
    }

    fn effect(&mut self, runbook: &Runbook, effect: &Effect, outcome: &EffectOutcome, console: &mut Console) {
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
                console.ok(&format!("{user} notified (kept in the output folder: the demo sends no mail)"));
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
