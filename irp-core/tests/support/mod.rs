//! A scripted fake world for driving the runbook engine in tests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use irp_core::action::{ActionId, ActionKind, IdempotencyKey};
use irp_core::approval::{Approval, ApprovalResponse, Refusal};
use irp_core::evidence::{Event, EventKind, Geo, Network, Outcome, UserId};
use irp_core::incident::{AnalystDecision, CaseId, IncidentInputs};
use irp_core::phase::Phase;
use irp_core::policy::Policy;
use irp_core::runbook::{
    CaseInfo, CaseRef, ConnectorRole, ConnectorStatus, Effect, EffectKind, EffectOutcome, Failure, PersistenceItem,
    PersistenceKind, RunOptions, RunSummary, Runbook, Step, UserInfo,
};
use irp_core::score::Likelihood;

pub const USER: &str = "alice@example.com";

pub fn t0() -> DateTime<Utc> {
    "2024-05-01T10:00:00Z".parse().unwrap()
}

pub fn inputs() -> IncidentInputs {
    IncidentInputs {
        user_id: UserId::new(USER),
        case_id: CaseId("case-42".into()),
        alert_group_identifiers: vec!["impossible_travel:alice".into()],
        initial_alert_details: Some(serde_json::json!({"rule": "impossible travel"})),
    }
}

/// How approvers answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Approver {
    /// One approver (`bob`) approves everything asked, valid for an hour.
    All,
    /// `bob` and `carol` approve everything.
    Two,
    /// `bob` approves in round 1, `carol` in round 2 (a second approver arriving late).
    SecondLater,
    /// `bob` approves everything twice (same person twice).
    SameTwice,
    /// The user under investigation approves.
    SelfApprove,
    /// The approval has already lapsed.
    Expired,
    /// The approval names the action with a stale key.
    WrongKey,
    /// `bob` refuses actions of these kinds and approves the rest.
    Refuse(Vec<&'static str>),
}

/// How the vendor answers an execute call for a kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Exec {
    Ok,
    Fail,
    /// Timeout; `applied` says whether it really reached the vendor.
    Unknown {
        applied: bool,
    },
}

pub struct World {
    pub now: DateTime<Utc>,
    pub roles: Vec<ConnectorRole>,
    pub duplicates: Vec<CaseRef>,
    pub events: Vec<Event>,
    pub persistence: Vec<PersistenceItem>,
    pub approver: Approver,
    pub exec: BTreeMap<&'static str, Exec>,
    /// Fail the next N comment posts of a phase.
    pub comment_failures: BTreeMap<String, u32>,
    pub decision: Option<Likelihood>,
    pub user_privileged: bool,
    /// Keys the vendor applied, in order (a key twice = executed twice).
    pub executed: Vec<IdempotencyKey>,
    pub applied: Vec<IdempotencyKey>,
    /// Verification of these kinds reports "does not hold".
    pub verify_false: Vec<&'static str>,
    pub issued: Vec<Effect>,
    pub approval_rounds: u32,
    pub step: Duration,
}

impl World {
    pub fn new() -> Self {
        World {
            now: t0(),
            roles: ConnectorRole::ALL.to_vec(),
            duplicates: Vec::new(),
            events: normal_events(),
            persistence: Vec::new(),
            approver: Approver::All,
            exec: BTreeMap::new(),
            comment_failures: BTreeMap::new(),
            decision: None,
            user_privileged: false,
            executed: Vec::new(),
            applied: Vec::new(),
            verify_false: Vec::new(),
            issued: Vec::new(),
            approval_rounds: 0,
            step: Duration::minutes(1),
        }
    }

    pub fn confirmed() -> Self {
        let mut w = World::new();
        w.decision = Some(Likelihood::Confirmed);
        w
    }

    pub fn runbook(&self, policy: Policy, dry_run: bool) -> Runbook {
        let mut rb = Runbook::new(inputs(), policy, RunOptions { dry_run }, self.now);
        if let Some(l) = self.decision {
            rb.record_analyst_decision(
                AnalystDecision {
                    analyst: UserId::new("soc-lead@example.com"),
                    likelihood: l,
                    reason: "user confirmed they were not travelling".into(),
                    at: self.now,
                },
                self.now,
            )
            .unwrap();
        }
        rb
    }

    pub fn issued_kinds(&self) -> Vec<&'static str> {
        self.issued.iter().map(|e| e.kind.name()).collect()
    }

    pub fn executed_kinds(&self) -> Vec<&'static str> {
        self.issued
            .iter()
            .filter_map(|e| match &e.kind {
                EffectKind::ExecuteAction { action } => Some(action.kind.name()),
                _ => None,
            })
            .collect()
    }

    /// The outcome this world gives to `effect`.
    pub fn answer(&mut self, effect: &Effect, rb: &Runbook) -> EffectOutcome {
        self.issued.push(effect.clone());
        let now = self.now;
        match &effect.kind {
            EffectKind::CheckConnectors { .. } => EffectOutcome::Readiness {
                connectors: self
                    .roles
                    .iter()
                    .map(|r| ConnectorStatus {
                        role: *r,
                        vendor: "fake".into(),
                        ready: true,
                        detail: None,
                        call_style: None,
                        planned_calls: Default::default(),
                    })
                    .collect(),
            },
            EffectKind::FetchCase { case_id } => EffectOutcome::Case {
                case: CaseInfo {
                    id: case_id.clone(),
                    title: "Impossible travel".into(),
                    status: Some("open".into()),
                    created_at: Some(t0() - Duration::minutes(30)),
                    detail: None,
                },
            },
            EffectKind::FindDuplicateCases { case_id, .. } => {
                let mut cases = self.duplicates.clone();
                // The store also returns the case itself: the engine must not call it a duplicate.
                cases.push(CaseRef { id: case_id.clone(), title: "self".into(), status: None });
                EffectOutcome::Cases { cases }
            }
            EffectKind::FindRelatedCases { .. } => EffectOutcome::Cases { cases: Vec::new() },
            EffectKind::LookupUser { user } => EffectOutcome::User {
                user: UserInfo {
                    id: "00u1alice".into(),
                    login: user.clone(),
                    display_name: Some("Alice".into()),
                    status: Some("ACTIVE".into()),
                    privileged: self.user_privileged,
                    detail: None,
                },
            },
            EffectKind::LookupEntity { .. } => EffectOutcome::Entity { summary: serde_json::json!({"risk": 12}) },
            EffectKind::SearchEvents { .. } | EffectKind::CheckMonitoring { .. } => {
                EffectOutcome::Events { events: self.events.clone() }
            }
            EffectKind::PostComment { phase, .. } => {
                let left = self.comment_failures.entry(phase.name().to_owned()).or_insert(0);
                if *left > 0 {
                    *left -= 1;
                    EffectOutcome::Failed { failure: Failure::refused("SOAR returned 503") }
                } else {
                    EffectOutcome::CommentPosted { comment_id: Some(format!("c{}", effect.id.0)) }
                }
            }
            EffectKind::RequestApproval { action_ids, .. } => {
                self.approval_rounds += 1;
                EffectOutcome::Approvals { response: self.approve(action_ids, rb, now) }
            }
            EffectKind::ExecuteAction { action } => {
                let mode = self.exec.get(action.kind.name()).copied().unwrap_or(Exec::Ok);
                self.executed.push(action.idempotency_key.clone());
                match mode {
                    Exec::Ok => {
                        self.applied.push(action.idempotency_key.clone());
                        EffectOutcome::Executed {
                            before: Some(serde_json::json!({"status": "ACTIVE"})),
                            after: Some(serde_json::json!({"done": action.kind.name()})),
                        }
                    }
                    Exec::Fail => EffectOutcome::Failed { failure: Failure::refused("403 forbidden") },
                    Exec::Unknown { applied } => {
                        if applied {
                            self.applied.push(action.idempotency_key.clone());
                        }
                        EffectOutcome::Failed { failure: Failure::unknown("timeout after sending") }
                    }
                }
            }
            EffectKind::VerifyAction { action } => {
                let holds =
                    self.applied.contains(&action.idempotency_key) && !self.verify_false.contains(&action.kind.name());
                EffectOutcome::Verification { holds, observed: Some(serde_json::json!({"holds": holds})) }
            }
            EffectKind::ListPersistence { .. } => {
                EffectOutcome::Persistence { items: self.persistence.clone(), not_listed: Vec::new() }
            }
            EffectKind::NotifyUser { .. } | EffectKind::StartMonitoring { .. } => EffectOutcome::Done,
            _ => EffectOutcome::Failed { failure: Failure::missing("not scripted") },
        }
    }

    fn approve(&self, ids: &[ActionId], rb: &Runbook, now: DateTime<Utc>) -> ApprovalResponse {
        let actions: Vec<_> = ids.iter().filter_map(|id| rb.incident().action(id)).collect();
        let ok = |who: &str, acts: &[&irp_core::action::Action]| {
            Approval::of(who, acts.iter().copied(), now, now + Duration::hours(1))
        };
        let mut resp = ApprovalResponse::default();
        match &self.approver {
            Approver::All => resp.approvals.push(ok("bob@example.com", &actions)),
            Approver::Two => {
                resp.approvals.push(ok("bob@example.com", &actions));
                resp.approvals.push(ok("carol@example.com", &actions));
            }
            Approver::SecondLater => {
                let who = if self.approval_rounds <= 1 { "bob@example.com" } else { "carol@example.com" };
                resp.approvals.push(ok(who, &actions));
            }
            Approver::SameTwice => {
                resp.approvals.push(ok("bob@example.com", &actions));
                resp.approvals.push(ok("BOB@example.com", &actions));
            }
            Approver::SelfApprove => {
                resp.approvals.push(ok(USER, &actions));
                resp.refusals.push(Refusal {
                    approver: UserId::new(USER),
                    action_ids: ids.to_vec(),
                    at: now,
                    reason: "it was me".into(),
                });
            }
            Approver::Expired => {
                resp.approvals.push(Approval::of(
                    "bob@example.com",
                    actions.iter().copied(),
                    now - Duration::hours(2),
                    now - Duration::hours(1),
                ));
            }
            Approver::WrongKey => {
                let mut a = ok("bob@example.com", &actions);
                for e in &mut a.actions {
                    e.idempotency_key = IdempotencyKey("irp1-stale".into());
                }
                resp.approvals.push(a);
            }
            Approver::Refuse(kinds) => {
                let (refused, approved): (Vec<_>, Vec<_>) =
                    actions.iter().partition(|a| kinds.contains(&a.kind.name()));
                if !approved.is_empty() {
                    resp.approvals.push(ok("bob@example.com", &approved));
                }
                if !refused.is_empty() {
                    resp.refusals.push(Refusal {
                        approver: UserId::new("bob@example.com"),
                        action_ids: refused.iter().map(|a| a.id.clone()).collect(),
                        at: now,
                        reason: "business critical".into(),
                    });
                }
            }
        }
        resp
    }
}

/// Drives `rb` against `world` until done, resolving effects one at a time in the order handed
/// out. `interrupt(n)` says whether to save and reload the state after the n-th resolution.
pub fn drive_with(rb: &mut Runbook, world: &mut World, mut interrupt: impl FnMut(usize) -> bool) -> RunSummary {
    let mut queue: std::collections::VecDeque<Effect> = Default::default();
    let mut n = 0;
    for _ in 0..10_000 {
        match rb.poll(world.now) {
            Step::Effects(effects) => queue.extend(effects),
            Step::Waiting(_) => {}
            Step::Done(summary) => return summary,
            _ => unreachable!(),
        }
        let effect = queue.pop_front().expect("waiting with nothing in flight");
        let outcome = world.answer(&effect, rb);
        world.now += world.step;
        rb.resolve(effect.id, outcome, world.now).unwrap();
        n += 1;
        if interrupt(n) {
            let json = rb.to_json().unwrap();
            *rb = Runbook::from_json(&json).unwrap();
        }
    }
    panic!("run did not finish");
}

pub fn drive(rb: &mut Runbook, world: &mut World) -> RunSummary {
    drive_with(rb, world, |_| false)
}

pub fn login(id: &str, at: DateTime<Utc>, ip: &str, lat: f64, lon: f64, country: &str) -> Event {
    let mut e = Event::new(id, at, USER, EventKind::Login, Outcome::success());
    e.network = Network {
        ip: Some(ip.parse().unwrap()),
        geo: Some(Geo { lat: Some(lat), lon: Some(lon), country: Some(country.into()), ..Geo::default() }),
        ..Network::default()
    };
    e
}

/// A user's ordinary sign-ins from one city.
pub fn normal_events() -> Vec<Event> {
    (0..4)
        .map(|i| login(&format!("ev-{i}"), t0() - Duration::hours(10 - i), "198.51.100.7", 48.85, 2.35, "FR"))
        .collect()
}

/// An inbox rule forwarding outside, created after the alert window opened.
pub fn forwarding_rule() -> PersistenceItem {
    PersistenceItem {
        kind: PersistenceKind::InboxRule,
        id: "rule-1".into(),
        name: "<b>fwd</b> | invoices".into(),
        created_at: Some(t0() - Duration::hours(2)),
        flagged: true,
        forward_to: vec!["attacker@evil.example".into()],
        detail: Some(serde_json::json!({"id": "rule-1", "forwardTo": ["attacker@evil.example"]})),
    }
}

/// A legitimate old rule.
pub fn old_rule() -> PersistenceItem {
    PersistenceItem {
        kind: PersistenceKind::InboxRule,
        id: "rule-0".into(),
        name: "newsletters".into(),
        created_at: Some(t0() - Duration::days(400)),
        flagged: false,
        forward_to: Vec::new(),
        detail: None,
    }
}

pub fn phase_of(rb: &Runbook) -> Phase {
    rb.incident().phase()
}

pub fn kind_of(rb: &Runbook, id: &ActionId) -> ActionKind {
    rb.incident().action(id).unwrap().kind.clone()
}
