//! The Responder against mockall mocks of the four ports, backed by one small shared world so
//! actions really change what verification reads.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use irp_connectors::responder::{
    ApprovalRequest, Checkpoint, CheckpointError, Finished, FnApprover, Notifier, Ports, Progress, Responder,
};
use irp_connectors::{
    AccountStatus, Case, CommentId, ConnectorError, DirectoryUser, EntitySummary, ErrorKind, EventPage, EventQuery,
    Health, InboxRule, JournalEntry, JournalStatus, ManualClock, MockIdentityProvider, MockMailbox, MockSiem, MockSoar,
    Siem, TimeWindow,
};
use irp_core::action::ActionStatus;
use irp_core::approval::{Approval, ApprovalResponse, Refusal};
use irp_core::evidence::{Event, EventKind, Outcome, UserId};
use irp_core::incident::{AnalystDecision, CaseId, IncidentInputs};
use irp_core::policy::Policy;
use irp_core::runbook::{RunOptions, RunOutcome, Runbook};
use irp_core::score::Likelihood;

const LOGIN: &str = "alice@example.com";
/// Okta ids are case-sensitive: this one must reach the plan and the port checks unchanged.
const OKTA_ID: &str = "00uN8nOz27vGPuKaGmSa";
const CASE: &str = "case-7";

fn t0() -> DateTime<Utc> {
    "2024-05-01T10:00:00Z".parse().unwrap()
}

/// What the fake vendors hold, and everything that was done to them, in order.
struct World {
    account: DirectoryUser,
    rules: Vec<InboxRule>,
    events: Vec<Event>,
    journal: Vec<JournalEntry>,
    comments: Vec<String>,
    approvals: usize,
    /// Every port call and journal write, in order (`idp.disable_user`, `journal.started.disable_account`).
    log: Vec<String>,
    /// The next disable times out after reaching the vendor (applied) or before (not applied).
    disable_timeout: Option<bool>,
    /// Comment posts to fail before one succeeds.
    comment_failures: u32,
}

impl World {
    fn new() -> Self {
        let mut account = DirectoryUser::new(OKTA_ID, LOGIN);
        account.display_name = Some("Alice".into());
        let events = (0..3)
            .map(|i| {
                Event::new(format!("e{i}"), t0() - Duration::hours(5 - i), LOGIN, EventKind::Login, Outcome::success())
            })
            .collect();
        World {
            account,
            rules: vec![InboxRule::forwarding("rule-1", ".", vec!["attacker@evil.example".into()])],
            events,
            journal: Vec::new(),
            comments: Vec::new(),
            approvals: 0,
            log: Vec::new(),
            disable_timeout: None,
            comment_failures: 0,
        }
    }
}

type Shared = Arc<Mutex<World>>;

fn log(w: &Shared, entry: impl Into<String>) {
    w.lock().unwrap().log.push(entry.into());
}

fn check_user(_: &World, login: &UserId) -> Result<(), ConnectorError> {
    if login.as_str() == LOGIN {
        Ok(())
    } else {
        Err(ConnectorError::new(ErrorKind::NotFound, "idp").with_detail(login.to_string()))
    }
}

fn siem(w: &Shared) -> MockSiem {
    let mut m = MockSiem::new();
    let w1 = w.clone();
    m.expect_search_events().returning(move |q: &EventQuery, _| {
        let w = w1.lock().unwrap();
        Ok(EventPage::new(w.events.iter().filter(|e| q.matches(e)).cloned().collect(), None))
    });
    let w2 = w.clone();
    m.expect_entity_summary().returning(move |user, _| {
        let w = w2.lock().unwrap();
        Ok(EntitySummary::from_events(user, w.events.iter()))
    });
    m.expect_health_check().returning(|| Ok(Health::new("mock-siem", "ok")));
    m
}

fn soar(w: &Shared) -> MockSoar {
    let mut m = MockSoar::new();
    m.expect_get_case().returning(|id| {
        Ok(serde_json::from_value::<Case>(serde_json::json!({
            "id": id.as_str(), "title": "Impossible travel: alice", "user": LOGIN, "status": "open",
            "alert_ids": ["travel:alice"], "description": null, "created_at": "2024-05-01T09:30:00Z"
        }))
        .unwrap())
    });
    m.expect_find_similar_cases().returning(|_| Ok(Vec::new()));
    m.expect_find_related_open_cases().returning(|_| Ok(Vec::new()));
    let wc = w.clone();
    m.expect_post_comment().returning(move |_, body, _| {
        let mut w = wc.lock().unwrap();
        if w.comment_failures > 0 {
            w.comment_failures -= 1;
            w.log.push("soar.post_comment failed".into());
            return Err(ConnectorError::new(ErrorKind::Server, "soar.post_comment").with_status(503));
        }
        w.comments.push(body.to_owned());
        w.log.push("soar.post_comment".into());
        Ok(CommentId(format!("c{}", w.comments.len())))
    });
    let wa = w.clone();
    m.expect_record_approval().returning(move |_| {
        wa.lock().unwrap().approvals += 1;
        Ok(())
    });
    let wj = w.clone();
    m.expect_append_journal().returning(move |entry: &JournalEntry| {
        let mut w = wj.lock().unwrap();
        let kind = entry.action["kind"].as_str().unwrap_or_default().to_owned();
        w.log.push(format!("journal.{}.{kind}", entry.status.name()));
        w.journal.push(entry.clone());
        Ok(w.journal.len() as u64)
    });
    let wr = w.clone();
    m.expect_journal().returning(move |_| Ok(wr.lock().unwrap().journal.clone()));
    m.expect_health_check().returning(|| Ok(Health::new("mock-soar", "ok")));
    m
}

fn idp(w: &Shared) -> MockIdentityProvider {
    let mut m = MockIdentityProvider::new();
    let wg = w.clone();
    m.expect_get_user().returning(move |login| {
        let w = wg.lock().unwrap();
        check_user(&w, login)?;
        Ok(w.account.clone())
    });
    let wd = w.clone();
    m.expect_disable_user().returning(move |login| {
        let mut w = wd.lock().unwrap();
        check_user(&w, login)?;
        w.log.push(format!("idp.disable_user {login}"));
        match w.disable_timeout.take() {
            Some(applied) => {
                if applied {
                    w.account.status = AccountStatus::Suspended;
                }
                Err(ConnectorError::new(ErrorKind::Timeout, "idp.disable_user"))
            }
            None => {
                w.account.status = AccountStatus::Suspended;
                Ok(())
            }
        }
    });
    let we = w.clone();
    m.expect_enable_user().returning(move |login| {
        let mut w = we.lock().unwrap();
        check_user(&w, login)?;
        w.log.push(format!("idp.enable_user {login}"));
        w.account.status = AccountStatus::Active;
        Ok(())
    });
    let wp = w.clone();
    m.expect_reset_password().returning(move |login| {
        let mut w = wp.lock().unwrap();
        check_user(&w, login)?;
        w.log.push(format!("idp.reset_password {login}"));
        w.account.password_change_required = true;
        w.account.credential_version += 1;
        Ok(Default::default())
    });
    let ws = w.clone();
    m.expect_terminate_sessions().returning(move |login, _| {
        let mut w = ws.lock().unwrap();
        check_user(&w, login)?;
        w.log.push(format!("idp.terminate_sessions {login}"));
        w.account.sessions.clear();
        w.account.tokens.clear();
        Ok(0)
    });
    let wt = w.clone();
    m.expect_revoke_tokens().returning(move |login| {
        let mut w = wt.lock().unwrap();
        check_user(&w, login)?;
        w.log.push(format!("idp.revoke_tokens {login}"));
        w.account.tokens.clear();
        Ok(0)
    });
    let wl = w.clone();
    m.expect_list_grants().returning(move |_| Ok(wl.lock().unwrap().account.grants.clone()));
    let wf = w.clone();
    m.expect_list_factors().returning(move |_| Ok(wf.lock().unwrap().account.factors.clone()));
    m.expect_health_check().returning(|| Ok(Health::new("mock-idp", "ok")));
    m
}

fn mailbox(w: &Shared) -> MockMailbox {
    let mut m = MockMailbox::new();
    let wl = w.clone();
    m.expect_list_inbox_rules().returning(move |_| Ok(wl.lock().unwrap().rules.clone()));
    let wd = w.clone();
    m.expect_delete_inbox_rule().returning(move |login, id| {
        let mut w = wd.lock().unwrap();
        w.log.push(format!("mailbox.delete_inbox_rule {login} {id}"));
        w.rules.retain(|r| r.id != id);
        Ok(())
    });
    m.expect_get_forwarding().returning(|_| Ok(None));
    m.expect_health_check().returning(|| Ok(Health::new("mock-mailbox", "ok")));
    m
}

struct Outbox(Shared);

#[async_trait]
impl Notifier for Outbox {
    async fn notify(&self, user: &UserId, _message: &str) -> irp_connectors::error::Result<()> {
        log(&self.0, format!("notify {user}"));
        Ok(())
    }
}

fn ports(w: &Shared) -> Ports {
    ports_with_siem(w, Arc::new(siem(w)))
}

fn ports_with_siem(w: &Shared, siem: Arc<dyn Siem>) -> Ports {
    Ports::new(siem, Arc::new(soar(w)), Arc::new(idp(w)), Arc::new(mailbox(w)))
        .with_absent_persistence([
            irp_core::runbook::PersistenceKind::Delegate,
            irp_core::runbook::PersistenceKind::AppPassword,
            irp_core::runbook::PersistenceKind::RecoveryMethod,
        ])
        .with_notifier(Arc::new(Outbox(w.clone())))
}

fn approve_all(request: &ApprovalRequest<'_>) -> ApprovalResponse {
    let actions = request.pending.iter().map(|p| p.action);
    ApprovalResponse {
        approvals: vec![Approval::of("bob@example.com", actions, request.now, request.now + Duration::hours(1))],
        refusals: Vec::new(),
    }
}

fn responder(w: &Shared, ports: Ports) -> (Responder, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(t0()));
    let r = Responder::new(ports, Arc::new(FnApprover(approve_all)), clock.clone()).with_waiter(clock.clone());
    let _ = w;
    (r, clock)
}

fn inputs(case: &str) -> IncidentInputs {
    IncidentInputs {
        user_id: UserId::new(LOGIN),
        case_id: CaseId(case.into()),
        alert_group_identifiers: vec!["travel:alice".into()],
        initial_alert_details: None,
    }
}

/// A run whose analyst raised the likelihood to `likelihood` (the events alone are benign).
fn runbook(r: &Responder, case: &str, likelihood: Likelihood) -> Runbook {
    let mut rb = r.start(inputs(case), Policy::default(), RunOptions::default());
    let decision = AnalystDecision {
        analyst: UserId::new("lead@example.com"),
        likelihood,
        reason: "user confirmed they were not travelling".into(),
        at: t0(),
    };
    rb.record_analyst_decision(decision, t0()).unwrap();
    rb
}

fn position(log: &[String], entry: &str) -> usize {
    log.iter().position(|l| l == entry).unwrap_or_else(|| panic!("{entry} not in {log:#?}"))
}

fn count(log: &[String], entry: &str) -> usize {
    log.iter().filter(|l| *l == entry).count()
}

fn statuses(f: &Finished) -> BTreeMap<String, ActionStatus> {
    f.runbook.incident().actions().iter().map(|a| (a.kind.name().to_owned(), a.status)).collect()
}

#[tokio::test]
async fn high_run_journals_before_and_after_every_action_and_verifies() {
    let w: Shared = Arc::new(Mutex::new(World::new()));
    let (r, _) = responder(&w, ports(&w));
    let done = r.run(runbook(&r, CASE, Likelihood::High)).await.unwrap();
    assert_eq!(done.summary.outcome, RunOutcome::Completed, "{:#?}", done.summary);

    let w = w.lock().unwrap();
    let log = &w.log;
    let executed: Vec<(String, ActionStatus)> =
        done.runbook.incident().actions().iter().map(|a| (a.kind.name().to_owned(), a.status)).collect();
    assert!(executed.iter().all(|(_, s)| *s == ActionStatus::Verified), "{executed:?}");
    let kinds: Vec<&str> = executed.iter().map(|(k, _)| k.as_str()).collect();
    for expected in ["disable_account", "reset_password", "terminate_sessions", "delete_inbox_rule", "enable_account"] {
        assert!(kinds.contains(&expected), "{expected} missing from {kinds:?}");
    }
    // Per action: started (before the call), the call, succeeded, verified; each exactly once.
    let calls = [
        ("disable_account", format!("idp.disable_user {LOGIN}")),
        ("reset_password", format!("idp.reset_password {LOGIN}")),
        // Each its own port call: revoke_tokens no longer re-sends the sessions call.
        ("terminate_sessions", format!("idp.terminate_sessions {LOGIN}")),
        ("revoke_tokens", format!("idp.revoke_tokens {LOGIN}")),
        ("delete_inbox_rule", format!("mailbox.delete_inbox_rule {LOGIN} rule-1")),
        ("enable_account", format!("idp.enable_user {LOGIN}")),
    ];
    for (kind, call) in &calls {
        let started = position(log, &format!("journal.started.{kind}"));
        let called = position(log, call);
        let succeeded = position(log, &format!("journal.succeeded.{kind}"));
        let verified = position(log, &format!("journal.verified.{kind}"));
        assert!(started < called && called < succeeded && succeeded < verified, "{kind}: {log:#?}");
        assert_eq!(count(log, call), 1, "{call} sent more than once");
        assert_eq!(count(log, &format!("journal.started.{kind}")), 1);
    }
    // The journal entries carry the states: before on `started`, after on `succeeded`.
    let started = w.journal.iter().find(|e| e.status == JournalStatus::Started).unwrap();
    assert_eq!(started.state_before.as_ref().unwrap()["status"], "active");
    assert_eq!(started.action["target"]["account"], OKTA_ID);
    let succeeded = w.journal.iter().find(|e| e.status == JournalStatus::Succeeded).unwrap();
    assert_eq!(succeeded.state_after.as_ref().unwrap()["status"], "suspended");
    // Re-enabled only after the rule's removal was verified (hard rule 2), then the user notified.
    assert!(position(log, "journal.verified.delete_inbox_rule") < position(log, "journal.started.enable_account"));
    assert_eq!(count(log, &format!("notify {LOGIN}")), 1);
    assert_eq!(w.account.status, AccountStatus::Active);
    assert!(w.rules.is_empty());
    // Every decision went into the case; every phase was documented.
    assert_eq!(w.approvals, kinds.len());
    assert_eq!(w.comments.len(), 7, "one comment per phase");
}

#[tokio::test]
async fn mixed_case_okta_id_reaches_the_plan_and_the_port_checks_verbatim() {
    let w: Shared = Arc::new(Mutex::new(World::new()));
    let (r, _) = responder(&w, ports(&w));
    let done = r.run(runbook(&r, CASE, Likelihood::High)).await.unwrap();
    let disable = done.summary.plan.iter().find(|p| p.kind == "disable_account").unwrap();
    assert_eq!(disable.planned_call, format!("POST /api/v1/users/{OKTA_ID}/lifecycle/suspend"));
    assert_eq!(disable.target, OKTA_ID);
    let action = done.runbook.incident().actions().iter().find(|a| a.kind.name() == "disable_account").unwrap();
    assert_eq!(action.target.account.as_ref().unwrap().as_str(), OKTA_ID);
    assert_eq!(action.target.user.as_str(), LOGIN);
    // The port was called for the account the IdP holds under exactly that id.
    assert_eq!(count(&w.lock().unwrap().log, &format!("idp.disable_user {LOGIN}")), 1);
}

#[tokio::test]
async fn an_account_id_that_no_longer_matches_is_not_acted_on() {
    let w: Shared = Arc::new(Mutex::new(World::new()));
    let (r, _) = responder(&w, ports(&w));
    let rb = runbook(&r, CASE, Likelihood::High);
    // The login is re-pointed at another account between Identification and Containment: the
    // approved id (case included) no longer matches, so nothing is sent.
    let observer = {
        let w = w.clone();
        move |_: &Runbook, p: &Progress<'_>| {
            if let Progress::CommentPosted { phase: irp_core::phase::Phase::Identification } = p {
                w.lock().unwrap().account.id = OKTA_ID.to_lowercase();
            }
        }
    };
    let r = r.with_observer(Arc::new(observer));
    let done = r.run(rb).await.unwrap();
    let log = &w.lock().unwrap().log;
    assert!(!log.iter().any(|l| l.starts_with("idp.disable_user")), "{log:#?}");
    assert!(!log.iter().any(|l| l.starts_with("journal.started")), "{log:#?}");
    assert_eq!(statuses(&done)["disable_account"], ActionStatus::Failed);
}

#[tokio::test]
async fn unknown_outcome_is_verified_not_sent_again() {
    let w: Shared = Arc::new(Mutex::new(World::new()));
    w.lock().unwrap().disable_timeout = Some(true);
    let (r, _) = responder(&w, ports(&w));
    let done = r.run(runbook(&r, CASE, Likelihood::High)).await.unwrap();
    let w = w.lock().unwrap();
    assert_eq!(count(&w.log, &format!("idp.disable_user {LOGIN}")), 1, "{:#?}", w.log);
    let unknown = position(&w.log, "journal.unknown.disable_account");
    let verified = position(&w.log, "journal.verified.disable_account");
    assert!(unknown < verified);
    assert_eq!(count(&w.log, "journal.started.disable_account"), 1);
    assert_eq!(statuses(&done)["disable_account"], ActionStatus::Verified);
}

#[tokio::test]
async fn unknown_outcome_that_did_not_apply_fails_verification_and_is_still_not_resent() {
    let w: Shared = Arc::new(Mutex::new(World::new()));
    w.lock().unwrap().disable_timeout = Some(false);
    let (r, _) = responder(&w, ports(&w));
    let done = r.run(runbook(&r, CASE, Likelihood::High)).await.unwrap();
    let w = w.lock().unwrap();
    assert_eq!(count(&w.log, &format!("idp.disable_user {LOGIN}")), 1, "{:#?}", w.log);
    assert!(w.log.contains(&"journal.not_verified.disable_account".to_owned()));
    assert_eq!(statuses(&done)["disable_account"], ActionStatus::VerificationFailed);
}

#[tokio::test]
async fn refused_approval_executes_nothing() {
    let w: Shared = Arc::new(Mutex::new(World::new()));
    let clock = Arc::new(ManualClock::new(t0()));
    let refuse = |request: &ApprovalRequest<'_>| ApprovalResponse {
        approvals: Vec::new(),
        refusals: vec![Refusal {
            approver: UserId::new("bob@example.com"),
            action_ids: request.pending.iter().map(|p| p.action.id.clone()).collect(),
            at: request.now,
            reason: "not without talking to alice".into(),
        }],
    };
    let r = Responder::new(ports(&w), Arc::new(FnApprover(refuse)), clock.clone()).with_waiter(clock);
    let done = r.run(runbook(&r, CASE, Likelihood::High)).await.unwrap();
    let w = w.lock().unwrap();
    assert!(!w.log.iter().any(|l| l.starts_with("idp.") || l.starts_with("mailbox.")), "{:#?}", w.log);
    assert!(w.journal.is_empty(), "nothing ran, so nothing was journalled");
    assert!(w.approvals > 0, "the refusals are recorded in the case");
    assert!(statuses(&done).values().all(|s| *s == ActionStatus::Refused), "{:?}", statuses(&done));
    assert_eq!(w.account.status, AccountStatus::Active);
}

#[tokio::test]
async fn a_failing_comment_is_retried_until_it_posts() {
    let w: Shared = Arc::new(Mutex::new(World::new()));
    w.lock().unwrap().comment_failures = 1;
    let (r, _) = responder(&w, ports(&w));
    let done = r.run(runbook(&r, CASE, Likelihood::High)).await.unwrap();
    assert_eq!(done.summary.outcome, RunOutcome::Completed);
    let w = w.lock().unwrap();
    let failed = position(&w.log, "soar.post_comment failed");
    assert!(w.log[failed + 1..].first().is_some_and(|l| l == "soar.post_comment"), "{:#?}", w.log);
    assert_eq!(w.comments.len(), 7);
}

/// Records every checkpoint; fails (simulating a crash) when the count reaches `crash_at`.
struct Saves {
    states: Mutex<Vec<String>>,
    crash_at: Option<usize>,
}

impl Checkpoint for Saves {
    fn save(&self, case: &CaseId, state: &str) -> Result<(), CheckpointError> {
        assert_eq!(case.as_str(), CASE);
        let mut states = self.states.lock().unwrap();
        states.push(state.to_owned());
        if Some(states.len()) == self.crash_at {
            return Err(CheckpointError("disk full".into()));
        }
        Ok(())
    }
}

fn outcome_view(f: &Finished) -> (RunOutcome, Vec<(String, ActionStatus)>) {
    let actions = f.runbook.incident().actions().iter().map(|a| (a.kind.name().to_owned(), a.status)).collect();
    (f.summary.outcome.clone(), actions)
}

#[tokio::test]
async fn resuming_from_any_checkpoint_reaches_the_same_end_without_repeating_an_action() {
    let w: Shared = Arc::new(Mutex::new(World::new()));
    let saves = Arc::new(Saves { states: Mutex::new(Vec::new()), crash_at: None });
    let (r, _) = responder(&w, ports(&w));
    let r = r.with_checkpoint(saves.clone());
    let reference = r.run(runbook(&r, CASE, Likelihood::High)).await.unwrap();
    let total = saves.states.lock().unwrap().len();
    assert!(total > 20, "a checkpoint after every step: {total}");
    // The last checkpoint is the finished state: `irp respond` leaves nothing unsaved.
    assert_eq!(saves.states.lock().unwrap().last(), Some(&reference.runbook.to_json().unwrap()));
    let expected = outcome_view(&reference);
    let port_calls = |log: &[String]| -> Vec<String> {
        log.iter().filter(|l| l.starts_with("idp.") || l.starts_with("mailbox.")).cloned().collect()
    };
    let expected_calls = port_calls(&w.lock().unwrap().log);

    for crash_at in 1..=total {
        let w: Shared = Arc::new(Mutex::new(World::new()));
        let saves = Arc::new(Saves { states: Mutex::new(Vec::new()), crash_at: Some(crash_at) });
        let (r, _) = responder(&w, ports(&w));
        let crashing = r.clone().with_checkpoint(saves.clone());
        let err = crashing.run(runbook(&r, CASE, Likelihood::High)).await;
        assert!(err.is_err(), "crash {crash_at} did not stop the run");
        let saved = saves.states.lock().unwrap().last().unwrap().clone();
        let resumed = r.resume(&saved).await.unwrap_or_else(|e| panic!("resume at {crash_at}: {e}"));
        assert_eq!(outcome_view(&resumed), expected, "resumed at checkpoint {crash_at}");
        // Every port call made exactly as often as in the uninterrupted run: nothing re-sent.
        assert_eq!(port_calls(&w.lock().unwrap().log), expected_calls, "resumed at checkpoint {crash_at}");
    }
}

/// A SIEM whose searches take `delay` (on the tokio clock) and count how many runs search at once.
struct SlowSiem {
    inner: MockSiem,
    delay: StdDuration,
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

#[async_trait]
impl Siem for SlowSiem {
    async fn search_events(
        &self,
        q: &EventQuery,
        c: Option<irp_connectors::Cursor>,
    ) -> irp_connectors::error::Result<EventPage> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.inner.search_events(q, c).await
    }
    async fn entity_summary(&self, user: &UserId, window: TimeWindow) -> irp_connectors::error::Result<EntitySummary> {
        tokio::time::sleep(self.delay).await;
        self.inner.entity_summary(user, window).await
    }
    async fn health_check(&self) -> irp_connectors::error::Result<Health> {
        self.inner.health_check().await
    }
}

#[tokio::test(start_paused = true)]
async fn run_many_keeps_at_most_limit_incidents_in_flight_and_finishes_them_all() {
    let w: Shared = Arc::new(Mutex::new(World::new()));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let slow = SlowSiem {
        inner: siem(&w),
        delay: StdDuration::from_secs(1),
        in_flight: in_flight.clone(),
        peak: peak.clone(),
    };
    // Runs in flight: from RunStarted to RunFinished, as the observer sees them.
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let observer = {
        let (running, most) = (running.clone(), most.clone());
        move |_: &Runbook, p: &Progress<'_>| match p {
            Progress::RunStarted => {
                let n = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(n, Ordering::SeqCst);
            }
            Progress::RunFinished { .. } => {
                running.fetch_sub(1, Ordering::SeqCst);
            }
            _ => {}
        }
    };
    let (r, _) = responder(&w, ports_with_siem(&w, Arc::new(slow)));
    let r = r.with_observer(Arc::new(observer));
    // Low likelihood: no action, so eight runs on one shared account do not interfere.
    let runbooks: Vec<Runbook> = (0..8).map(|i| runbook(&r, &format!("case-{i}"), Likelihood::Low)).collect();
    let results = r.run_many(runbooks, 2).await;
    assert_eq!(results.len(), 8);
    for (i, result) in results.iter().enumerate() {
        let done = result.as_ref().unwrap_or_else(|e| panic!("case-{i}: {e}"));
        assert_eq!(done.runbook.incident().case_id().as_str(), format!("case-{i}"), "results keep their order");
    }
    assert_eq!(most.load(Ordering::SeqCst), 2, "never more than 2 incidents in flight, and 2 did overlap");
    assert!(peak.load(Ordering::SeqCst) <= 2);
    assert_eq!(running.load(Ordering::SeqCst), 0);
}

/// A SIEM whose first event search takes `slow` (the incident that makes it stalls, as one
/// waiting for an approval would) and every other one no time.
struct FirstSearchSlow {
    inner: MockSiem,
    first: std::sync::atomic::AtomicBool,
    slow: StdDuration,
}

#[async_trait]
impl Siem for FirstSearchSlow {
    async fn search_events(
        &self,
        q: &EventQuery,
        c: Option<irp_connectors::Cursor>,
    ) -> irp_connectors::error::Result<EventPage> {
        if self.first.swap(false, Ordering::SeqCst) {
            tokio::time::sleep(self.slow).await;
        }
        self.inner.search_events(q, c).await
    }
    async fn entity_summary(&self, user: &UserId, window: TimeWindow) -> irp_connectors::error::Result<EntitySummary> {
        self.inner.entity_summary(user, window).await
    }
    async fn health_check(&self) -> irp_connectors::error::Result<Health> {
        self.inner.health_check().await
    }
}

#[tokio::test(start_paused = true)]
async fn run_many_does_not_hold_back_incidents_behind_a_slow_one() {
    let w: Shared = Arc::new(Mutex::new(World::new()));
    let slow = StdDuration::from_secs(3600);
    let siem = FirstSearchSlow { inner: siem(&w), first: std::sync::atomic::AtomicBool::new(true), slow };
    let finished: Arc<Mutex<Vec<(String, tokio::time::Instant)>>> = Arc::new(Mutex::new(Vec::new()));
    let observer = {
        let finished = finished.clone();
        move |runbook: &Runbook, p: &Progress<'_>| {
            if let Progress::RunFinished { .. } = p {
                let case = runbook.incident().case_id().as_str().to_owned();
                finished.lock().unwrap().push((case, tokio::time::Instant::now()));
            }
        }
    };
    let (r, _) = responder(&w, ports_with_siem(&w, Arc::new(siem)));
    let r = r.with_observer(Arc::new(observer));
    let start = tokio::time::Instant::now();
    let runbooks: Vec<Runbook> = (0..5).map(|i| runbook(&r, &format!("case-{i}"), Likelihood::Low)).collect();
    let results = r.run_many(runbooks, 2).await;
    let cases: Vec<String> =
        results.iter().map(|r| r.as_ref().unwrap().runbook.incident().case_id().as_str().to_owned()).collect();
    assert_eq!(cases, ["case-0", "case-1", "case-2", "case-3", "case-4"], "results keep their order");
    let finished = finished.lock().unwrap().clone();
    let early = finished.iter().filter(|(_, at)| *at - start < slow).count();
    assert_eq!(early, 4, "the other four went through the second slot meanwhile: {finished:?}");
}

#[tokio::test(start_paused = true)]
async fn identification_lookups_run_concurrently() {
    let w: Shared = Arc::new(Mutex::new(World::new()));
    let delay = StdDuration::from_secs(10);
    let slow = SlowSiem {
        inner: siem(&w),
        delay,
        in_flight: Arc::new(AtomicUsize::new(0)),
        peak: Arc::new(AtomicUsize::new(0)),
    };
    let (r, _) = responder(&w, ports_with_siem(&w, Arc::new(slow)));
    let started = tokio::time::Instant::now();
    let done = r.run(runbook(&r, CASE, Likelihood::Low)).await.unwrap();
    let elapsed = started.elapsed();
    // The entity summary and the event search both take 10 s: together, not one after the other.
    let searches =
        done.runbook.effect_log().iter().filter(|e| e.effect == "search_events" || e.effect == "lookup_entity").count();
    assert!(searches >= 2, "{searches}");
    assert!(elapsed >= delay && elapsed < delay * 2, "identification took {elapsed:?}");
}

#[tokio::test]
async fn an_action_in_flight_at_the_crash_is_verified_on_resume_not_re_sent() {
    // Find the checkpoint saved with the disable handed out but not yet reported back.
    let w: Shared = Arc::new(Mutex::new(World::new()));
    let saves = Arc::new(Saves { states: Mutex::new(Vec::new()), crash_at: None });
    let (r, _) = responder(&w, ports(&w));
    r.clone().with_checkpoint(saves.clone()).run(runbook(&r, CASE, Likelihood::High)).await.unwrap();
    let states = saves.states.lock().unwrap().clone();
    let in_flight = states
        .iter()
        .position(|s| {
            Runbook::from_json(s).unwrap().pending().iter().any(|e| {
                matches!(&e.kind, irp_core::runbook::EffectKind::ExecuteAction { action } if action.kind.name() == "disable_account")
            })
        })
        .expect("a checkpoint with the disable in flight");

    // Crash right after the disable was sent and journalled, before its outcome was saved.
    let w: Shared = Arc::new(Mutex::new(World::new()));
    let saves = Arc::new(Saves { states: Mutex::new(Vec::new()), crash_at: Some(in_flight + 2) });
    let (r, _) = responder(&w, ports(&w));
    assert!(r.clone().with_checkpoint(saves).run(runbook(&r, CASE, Likelihood::High)).await.is_err());
    assert_eq!(count(&w.lock().unwrap().log, &format!("idp.disable_user {LOGIN}")), 1);

    let done = r.resume(&states[in_flight]).await.unwrap();
    let w = w.lock().unwrap();
    assert_eq!(count(&w.log, &format!("idp.disable_user {LOGIN}")), 1, "re-sent after resume: {:#?}", w.log);
    assert_eq!(count(&w.log, "journal.started.disable_account"), 1);
    assert!(w.log.iter().any(|l| l == "journal.verified.disable_account"));
    assert_eq!(statuses(&done)["disable_account"], ActionStatus::Verified);
    assert_eq!(done.summary.outcome, RunOutcome::Completed);
}

/// Approves everything, and meanwhile someone deletes the inbox rule by hand.
struct ApproveWhileRuleVanishes(Shared);

#[async_trait]
impl irp_connectors::responder::Approver for ApproveWhileRuleVanishes {
    async fn decide(
        &self,
        request: &ApprovalRequest<'_>,
    ) -> Result<ApprovalResponse, irp_connectors::responder::ApproverError> {
        if request.pending.iter().any(|p| p.action.kind.name() == "delete_inbox_rule") {
            self.0.lock().unwrap().rules.clear();
        }
        Ok(approve_all(request))
    }
}

#[tokio::test]
async fn an_action_already_in_its_post_state_sends_no_call_and_is_verified() {
    let w: Shared = Arc::new(Mutex::new(World::new()));
    let clock = Arc::new(ManualClock::new(t0()));
    let r = Responder::new(ports(&w), Arc::new(ApproveWhileRuleVanishes(w.clone())), clock.clone())
        .with_waiter(clock.clone());
    let done = r.run(runbook(&r, CASE, Likelihood::High)).await.unwrap();
    assert_eq!(statuses(&done)["delete_inbox_rule"], ActionStatus::Verified);
    let w = w.lock().unwrap();
    assert_eq!(count(&w.log, "mailbox.delete_inbox_rule alice@example.com rule-1"), 0, "{:#?}", w.log);
    let succeeded = w
        .journal
        .iter()
        .find(|e| e.status == JournalStatus::Succeeded && e.action["kind"] == "delete_inbox_rule")
        .unwrap();
    assert_eq!(succeeded.detail.as_deref(), Some("already in the expected post-state: no call sent"));
}
