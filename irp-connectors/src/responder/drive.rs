//! The loop: poll the engine, perform its effects through the ports (independent read-only
//! effects concurrently), feed the outcomes back, checkpoint, repeat until the run is over.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use irp_core::incident::IncidentInputs;
use irp_core::phase::Phase;
use irp_core::policy::Policy;
use irp_core::runbook::{Effect, EffectKind, EffectOutcome, Failure, RunOptions, RunSummary, Runbook, Step};

use super::approver::Approver;
use super::error::ResponderError;
use super::observer::{Checkpoint, Observer, Progress, Silent, SleepUntil, Waiter};
use super::ports::Ports;
use super::{actions, approvals, lookups};
use crate::clock::Clock;

/// A run the engine finished (completed, blocked, closed without action, or a dry run).
#[derive(Clone, Debug)]
pub struct Finished {
    /// The engine's final state: incident, actions, findings, timeline (for the reports).
    pub runbook: Runbook,
    /// How it ended.
    pub summary: RunSummary,
}

/// Drives [`irp_core::runbook`] to completion against a set of [`Ports`].
///
/// Cheap to clone (everything is shared); one `Responder` runs any number of incidents, one at a
/// time with [`run`](Self::run) or several at once with [`run_many`](Self::run_many).
#[derive(Clone)]
pub struct Responder {
    ports: Arc<Ports>,
    approver: Arc<dyn Approver>,
    clock: Arc<dyn Clock>,
    waiter: Arc<dyn Waiter>,
    observer: Arc<dyn Observer>,
    checkpoint: Option<Arc<dyn Checkpoint>>,
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("ports", &self.ports)
            .field("checkpoint", &self.checkpoint.is_some())
            .finish_non_exhaustive()
    }
}

/// Effects that read and change nothing: safe to run concurrently with each other.
fn read_only(kind: &EffectKind) -> bool {
    matches!(
        kind,
        EffectKind::CheckConnectors { .. }
            | EffectKind::FetchCase { .. }
            | EffectKind::FindDuplicateCases { .. }
            | EffectKind::LookupUser { .. }
            | EffectKind::LookupEntity { .. }
            | EffectKind::SearchEvents { .. }
            | EffectKind::FindRelatedCases { .. }
            | EffectKind::ListPersistence { .. }
            | EffectKind::CheckMonitoring { .. }
    )
}

/// Which phase the run is in, for `PhaseStarted` / `PhaseEnded`.
#[derive(Default)]
struct Phases(Option<Phase>);

/// Drives `futures` with at most `limit` (at least one) in flight, starting the next as soon as
/// any finishes, and returns their outputs in the order of `futures`: a slow one holds a slot,
/// never the start of the ones after it.
pub async fn in_order_at_most<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
    limit: usize,
) -> Vec<F::Output> {
    use futures_util::stream::{self, StreamExt};
    let indexed = futures.into_iter().enumerate().map(|(i, f)| async move { (i, f.await) });
    let mut done: Vec<(usize, F::Output)> = stream::iter(indexed).buffer_unordered(limit.max(1)).collect().await;
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, output)| output).collect()
}

impl Responder {
    /// A responder over `ports`, asking `approver`, reading time from `clock`. It waits for
    /// scheduled effects by sleeping until `clock` reaches them, narrates to nobody and saves no
    /// checkpoint until told otherwise.
    pub fn new(ports: Ports, approver: Arc<dyn Approver>, clock: Arc<dyn Clock>) -> Self {
        Responder {
            ports: Arc::new(ports),
            approver,
            waiter: Arc::new(SleepUntil(clock.clone())),
            clock,
            observer: Arc::new(Silent),
            checkpoint: None,
        }
    }

    /// Reports progress to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = observer;
        self
    }

    /// Saves the engine state through `checkpoint` after every step.
    pub fn with_checkpoint(mut self, checkpoint: Arc<dyn Checkpoint>) -> Self {
        self.checkpoint = Some(checkpoint);
        self
    }

    /// Waits for scheduled effects with `waiter` (a simulated clock jumps instead of sleeping).
    pub fn with_waiter(mut self, waiter: Arc<dyn Waiter>) -> Self {
        self.waiter = waiter;
        self
    }

    /// The ports.
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    /// A new run for `inputs`, started at the responder's clock.
    pub fn start(&self, inputs: IncidentInputs, policy: Policy, options: RunOptions) -> Runbook {
        Runbook::new(inputs, policy, options, self.clock.now())
    }

    /// Drives `runbook` until the engine finishes it.
    ///
    /// # Errors
    ///
    /// A checkpoint that cannot be saved, an outcome the engine refuses, or an engine waiting
    /// for nothing. The last checkpoint then holds the state to [`resume`](Self::resume) from.
    pub async fn run(&self, mut runbook: Runbook) -> Result<Finished, ResponderError> {
        let mut phases = Phases::default();
        self.observer.observe(&runbook, &Progress::RunStarted);
        loop {
            match runbook.poll(self.clock.now()) {
                Step::Effects(effects) => {
                    // Saved before anything is performed: an ExecuteAction now on record as
                    // handed out is verified, never re-sent, by a resumed run.
                    self.save(&runbook)?;
                    self.perform(&mut runbook, effects, &mut phases).await?;
                    self.save(&runbook)?;
                }
                Step::Done(summary) => {
                    // Reaching the end closes the incident (phase, timeline): saved, so that the
                    // last checkpoint is the finished state and a resume has nothing left to do.
                    self.save(&runbook)?;
                    if let Some(phase) = phases.0.take() {
                        self.observer.observe(&runbook, &Progress::PhaseEnded { phase });
                    }
                    self.observer.observe(&runbook, &Progress::RunFinished { summary: &summary });
                    return Ok(Finished { runbook, summary });
                }
                Step::Waiting(ids) => return Err(ResponderError::Stalled(ids)),
                _ => return Err(ResponderError::Stalled(Vec::new())),
            }
        }
    }

    /// Resumes a run from a state saved by a [`Checkpoint`] and drives it to the end.
    ///
    /// Effects the saved state shows in flight are performed again, except that an
    /// `ExecuteAction` is never re-sent once the journal shows it started (as on every run): its
    /// outcome is unknown, so it is verified. One with no journal entry never reached the port,
    /// because the journal is written first.
    ///
    /// # Errors
    ///
    /// As [`run`](Self::run), and a state that does not load.
    pub async fn resume(&self, state_json: &str) -> Result<Finished, ResponderError> {
        let mut runbook = Runbook::from_json(state_json)?;
        let pending: Vec<Effect> = runbook.pending().into_iter().cloned().collect();
        if !pending.is_empty() {
            self.perform(&mut runbook, pending, &mut Phases::default()).await?;
            self.save(&runbook)?;
        }
        self.run(runbook).await
    }

    /// Runs every runbook to its end, at most `limit` at a time (at least one). Results come
    /// back in the order of `runbooks`; a slow one (waiting hours for an approval, say) holds a
    /// slot but does not keep the ones after it from starting as other slots free up.
    pub async fn run_many(&self, runbooks: Vec<Runbook>, limit: usize) -> Vec<Result<Finished, ResponderError>> {
        in_order_at_most(runbooks.into_iter().map(|r| self.run(r)), limit).await
    }

    fn save(&self, runbook: &Runbook) -> Result<(), ResponderError> {
        if let Some(checkpoint) = &self.checkpoint {
            checkpoint.save(runbook.incident().case_id(), &runbook.to_json()?)?;
        }
        Ok(())
    }

    /// Performs one batch and feeds every outcome back, in the engine's order.
    async fn perform(
        &self,
        runbook: &mut Runbook,
        effects: Vec<Effect>,
        phases: &mut Phases,
    ) -> Result<(), ResponderError> {
        if effects.len() > 1 && effects.iter().all(|e| read_only(&e.kind) && e.not_before.is_none()) {
            let now = self.clock.now();
            for effect in &effects {
                self.enter(runbook, effect, phases);
            }
            let shared: &Runbook = runbook;
            let outcomes = join_all(effects.iter().map(|effect| self.outcome(shared, effect, now))).await;
            for (effect, outcome) in effects.iter().zip(outcomes) {
                self.finish(runbook, effect, outcome)?;
            }
            return Ok(());
        }
        for effect in &effects {
            if let Some(at) = effect.not_before {
                self.waiter.wait_until(at).await;
            }
            self.enter(runbook, effect, phases);
            let outcome = self.outcome(runbook, effect, self.clock.now()).await;
            self.finish(runbook, effect, outcome)?;
        }
        Ok(())
    }

    fn enter(&self, runbook: &Runbook, effect: &Effect, phases: &mut Phases) {
        if phases.0 != Some(effect.phase) {
            if let Some(phase) = phases.0.replace(effect.phase) {
                self.observer.observe(runbook, &Progress::PhaseEnded { phase });
            }
            self.observer.observe(runbook, &Progress::PhaseStarted { phase: effect.phase });
        }
        self.observer.observe(runbook, &Progress::EffectStarted { effect });
    }

    fn finish(&self, runbook: &mut Runbook, effect: &Effect, outcome: EffectOutcome) -> Result<(), ResponderError> {
        let observer = &self.observer;
        observer.observe(runbook, &Progress::EffectFinished { effect, outcome: &outcome });
        match (&effect.kind, &outcome) {
            (EffectKind::ExecuteAction { action }, _) => {
                observer.observe(runbook, &Progress::ActionExecuted { action, outcome: &outcome })
            }
            (EffectKind::VerifyAction { action }, EffectOutcome::Verification { holds, .. }) => {
                observer.observe(runbook, &Progress::ActionVerified { action, holds: *holds })
            }
            (EffectKind::PostComment { phase, .. }, EffectOutcome::CommentPosted { .. }) => {
                observer.observe(runbook, &Progress::CommentPosted { phase: *phase })
            }
            _ => {}
        }
        runbook.resolve(effect.id, outcome, self.clock.now())?;
        Ok(())
    }

    /// Performs one effect through the ports.
    async fn outcome(&self, runbook: &Runbook, effect: &Effect, now: DateTime<Utc>) -> EffectOutcome {
        let p = self.ports.as_ref();
        let case = runbook.incident().case_id();
        match &effect.kind {
            EffectKind::CheckConnectors { roles } => lookups::readiness(p, roles).await,
            EffectKind::FetchCase { case_id } => lookups::fetch_case(p, case_id).await,
            EffectKind::FindDuplicateCases { case_id, .. } => lookups::duplicates(p, case_id).await,
            EffectKind::FindRelatedCases { case_id, user } => lookups::related(p, case_id, user).await,
            EffectKind::LookupUser { user } => lookups::user(p, user).await,
            EffectKind::LookupEntity { user } => lookups::entity(p, user, now).await,
            EffectKind::SearchEvents { user, from, to } => lookups::search(p, user, *from, *to).await,
            EffectKind::CheckMonitoring { user, from, to } => lookups::events(p, user, *from, *to).await,
            EffectKind::ListPersistence { user, kinds, since } => lookups::persistence(p, user, kinds, *since).await,
            EffectKind::PostComment { case_id, markdown, .. } => {
                match p.soar.post_comment(case_id, markdown, now).await {
                    Ok(id) => EffectOutcome::CommentPosted { comment_id: Some(id.0) },
                    Err(e) => lookups::failed(&e),
                }
            }
            EffectKind::RequestApproval { case_id, action_ids, plan } => {
                approvals::request(p, self.approver.as_ref(), runbook, case_id, action_ids, plan, now).await
            }
            EffectKind::ExecuteAction { action } => {
                // The journal is written before every call, so an entry under this idempotency
                // key means an earlier (interrupted) run may have sent it: verify, never re-send.
                match actions::was_started(p, case, action).await {
                    Ok(false) => actions::execute(p, case, action, now).await,
                    Ok(true) => EffectOutcome::Failed {
                        failure: Failure::unknown("the journal shows it was started before: verifying, not re-sending"),
                    },
                    Err(e) => EffectOutcome::Failed {
                        failure: Failure::refused(format!("journal unreadable, nothing sent: {e}")),
                    },
                }
            }
            EffectKind::VerifyAction { action } => actions::verify(p, case, action, now).await,
            EffectKind::NotifyUser { user, message } => match &p.notifier {
                Some(n) => match n.notify(user, message).await {
                    Ok(()) => EffectOutcome::Done,
                    Err(e) => lookups::failed(&e),
                },
                None => EffectOutcome::Failed { failure: Failure::missing("no notifier configured") },
            },
            // Monitoring is pull-based (CheckMonitoring searches the SIEM): nothing to start.
            EffectKind::StartMonitoring { .. } => EffectOutcome::Done,
            other => EffectOutcome::Failed { failure: Failure::missing(format!("no port performs {}", other.name())) },
        }
    }
}
