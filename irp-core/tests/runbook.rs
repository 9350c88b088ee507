//! The runbook engine against a scripted fake world: every phase and branch, the three hard
//! rules, and resuming from JSON.

mod support;

use chrono::Duration;
use irp_core::action::{ActionStatus, Recommendation};
use irp_core::evidence::{Outcome, UserId};
use irp_core::incident::AnalystDecision;
use irp_core::phase::{NoActionReason, Phase};
use irp_core::policy::Policy;
use irp_core::report::{html, markdown};
use irp_core::runbook::{
    ConnectorRole, EffectId, EffectKind, EffectOutcome, EngineError, Failure, RunOutcome, Runbook, StateError, Step,
};
use irp_core::score::Likelihood;
use support::*;

fn statuses(rb: &Runbook) -> Vec<(&'static str, ActionStatus)> {
    rb.incident().actions().iter().map(|a| (a.kind.name(), a.status)).collect()
}

fn comments_posted(rb: &Runbook) -> Vec<Phase> {
    rb.comments().iter().filter(|c| c.posted).map(|c| c.phase).collect()
}

fn posted_markdown(world: &World, phase: Phase) -> String {
    world
        .issued
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EffectKind::PostComment { phase: p, markdown, .. } if *p == phase => Some(markdown.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

#[test]
fn duplicate_case_stops_with_a_comment() {
    let mut world = World::new();
    world.duplicates = vec![irp_core::runbook::CaseRef {
        id: irp_core::incident::CaseId("case-7".into()),
        title: "same".into(),
        status: None,
    }];
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    assert_eq!(summary.outcome, RunOutcome::ClosedNoAction { reason: NoActionReason::Duplicate });
    assert_eq!(phase_of(&rb), Phase::ClosedNoAction(NoActionReason::Duplicate));
    assert!(!world.issued_kinds().contains(&"search_events"), "no search is spent on a duplicate");
    assert!(rb.incident().actions().is_empty());
    assert!(posted_markdown(&world, Phase::Identification).contains("case-7"));
    assert_eq!(comments_posted(&rb), vec![Phase::Preparation, Phase::Identification]);
}

#[test]
fn other_accounts_events_from_the_users_sources_reveal_a_spray_but_are_not_assessed() {
    // A SIEM may return every account's events from the IPs the user signed in from: twelve
    // accounts failing from one IP, then the user's success from it, is a password spray.
    let mut world = World::new();
    let spray_at = t0() - Duration::minutes(30);
    let mut success = login("spray-ok", spray_at, "203.0.113.77", 44.43, 26.10, "RO");
    success.id = irp_core::evidence::EventId("spray-ok".into());
    world.events.push(success);
    for i in 0..12 {
        let mut failure =
            login(&format!("spray-{i}"), spray_at - Duration::minutes(i), "203.0.113.77", 44.43, 26.10, "RO");
        failure.user = UserId::new(&format!("victim{i}@example.com"));
        failure.outcome = Outcome::failure("INVALID_CREDENTIALS");
        world.events.push(failure);
    }
    let mut rb = world.runbook(Policy::default(), true);
    drive(&mut rb, &mut world);
    let assessment = rb.incident().assessment().unwrap();
    assert!(
        assessment.signals.iter().any(|s| s.kind.name() == "password_spray_success"),
        "{:?}",
        assessment.signals.iter().map(|s| s.kind.name()).collect::<Vec<_>>()
    );
    // Only the user's five events are theirs: the others taught the population, nothing more.
    assert_eq!(rb.findings().events_found, 5);
    assert_eq!(assessment.events_considered, 5);
    assert!(rb.findings().logins.iter().all(|p| !p.event.0.starts_with("spray-") || p.event.0 == "spray-ok"));
}

#[test]
fn low_closes_with_justification_and_no_containment() {
    let mut world = World::new();
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    assert_eq!(summary.outcome, RunOutcome::ClosedNoAction { reason: NoActionReason::Benign });
    assert_eq!(summary.likelihood, Some(Likelihood::Low));
    assert!(rb.incident().actions().is_empty());
    assert!(world.executed.is_empty());
    let comment = posted_markdown(&world, Phase::Identification);
    assert!(comment.contains("close without containment") && comment.contains("Justification"), "{comment}");
    // The matrix's "consider" actions are listed, not proposed.
    assert!(comment.contains("reset_password"));
    assert_eq!(rb.findings().events_found, 4);
    assert_eq!(rb.findings().logins.len(), 4);
}

#[test]
fn missing_siem_downgrades_to_inconclusive_not_a_crash() {
    let mut world = World::new();
    world.roles = vec![ConnectorRole::CaseStore, ConnectorRole::IdentityProvider];
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    assert_eq!(summary.outcome, RunOutcome::ClosedNoAction { reason: NoActionReason::Inconclusive });
    assert!(!world.issued_kinds().contains(&"search_events"));
    assert!(rb.findings().gaps.iter().any(|g| g.role == Some(ConnectorRole::Siem)));
    assert!(summary.problems.iter().any(|p| p.contains("siem")));
}

#[test]
fn medium_resets_and_terminates_but_does_not_disable() {
    let mut world = World::new();
    world.decision = Some(Likelihood::Medium);
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    assert_eq!(summary.outcome, RunOutcome::Completed);
    assert_eq!(
        statuses(&rb),
        vec![
            ("reset_password", ActionStatus::Verified),
            ("terminate_sessions", ActionStatus::Verified),
            ("revoke_tokens", ActionStatus::Verified)
        ]
    );
    assert_eq!(rb.incident().considered()[0].kind.name(), "disable_account");
    assert!(!world.executed_kinds().contains(&"enable_account"), "nothing to re-enable");
    assert_eq!(
        comments_posted(&rb),
        vec![
            Phase::Preparation,
            Phase::Identification,
            Phase::Containment,
            Phase::Eradication,
            Phase::Recovery,
            Phase::LessonsLearned,
            Phase::RunbookFeedback
        ]
    );
    assert_eq!(phase_of(&rb), Phase::Closed);
}

#[test]
fn high_recommends_disable_and_recovers() {
    let mut world = World::new();
    world.decision = Some(Likelihood::High);
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    assert_eq!(summary.outcome, RunOutcome::Completed);
    assert_eq!(rb.incident().actions()[0].recommendation, Recommendation::Recommended);
    assert_eq!(
        world.executed_kinds(),
        vec!["disable_account", "reset_password", "terminate_sessions", "revoke_tokens", "enable_account"]
    );
}

#[test]
fn confirmed_full_run_with_persistence_found_and_removed() {
    let mut world = World::confirmed();
    world.persistence = vec![old_rule(), forwarding_rule()];
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    assert_eq!(summary.outcome, RunOutcome::Completed, "{:?}", summary.problems);
    assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    // Disable first; the old rule is kept; the forwarding rule is removed before re-enabling.
    assert_eq!(
        world.executed_kinds(),
        vec![
            "disable_account",
            "reset_password",
            "terminate_sessions",
            "revoke_tokens",
            "delete_inbox_rule",
            "enable_account"
        ]
    );
    let rule = rb.incident().actions().iter().find(|a| a.kind.name() == "delete_inbox_rule").unwrap();
    assert_eq!(rule.target.object_id.as_deref(), Some("rule-1"));
    assert_eq!(rule.status, ActionStatus::Verified);
    assert!(rule.record.state_before.is_some(), "the before-state is kept so a human can restore it");
    assert_eq!(rule.inverse, None);
    let disable = &rb.incident().actions()[0];
    assert_eq!(disable.planned_call, "POST /api/v1/users/00u1alice/lifecycle/suspend");
    let sweep = rb.findings().sweep.as_ref().unwrap();
    assert_eq!(sweep.items.iter().filter(|i| i.suspicious).count(), 1);
    assert!(rb.findings().user_notified);
    assert!(rb.findings().monitoring.is_some());
    // Every action's idempotency key was applied exactly once.
    let mut keys = world.executed.clone();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), world.executed.len());
    // The analyst's decision is in the timeline.
    assert!(rb.incident().timeline().iter().any(|e| e.what.contains("recorded likelihood confirmed")));

    // Each phase comment documents what it did.
    let containment = posted_markdown(&world, Phase::Containment);
    assert!(containment.contains("`POST /api/v1/users/00u1alice/lifecycle/suspend`"), "{containment}");
    assert!(containment.contains("verified: account status SUSPENDED"));
    let eradication = posted_markdown(&world, Phase::Eradication);
    assert!(eradication.contains("`rule-1`") && eradication.contains("**yes**") && eradication.contains("`rule-0`"));
    let identification = posted_markdown(&world, Phase::Identification);
    assert!(
        identification.contains("Likelihood: confirmed") && identification.contains("Analyst decision by soc-lead")
    );

    // Reports: escaped, self-contained, with metrics.
    let view = rb.view();
    let md = markdown::final_report(&view);
    assert!(md.contains("time to contain: 1"), "{md}");
    assert!(md.contains("&lt;b&gt;fwd&lt;/b&gt; \\| invoices"), "rule name escaped in Markdown");
    let page = html::final_report(&view);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<svg") && page.contains("sign-in map") && page.contains("aria-label=\"timeline\""));
    assert!(!page.contains("<b>fwd</b>"), "user-controlled text is escaped");
    assert!(page.contains("&lt;b&gt;fwd&lt;/b&gt;"));
    for external in ["src=", "href=", "<link", "@import", "url(", "<script"] {
        assert!(!page.contains(external), "no external asset or script: {external}");
    }
    let m = irp_core::report::metrics::metrics(&view);
    assert!(m.time_to_contain.unwrap() > Duration::zero());
    assert!(m.time_to_recover.unwrap() >= m.time_to_eradicate.unwrap());
}

#[test]
fn approval_refused_action_never_runs() {
    let mut world = World::confirmed();
    world.approver = Approver::Refuse(vec!["disable_account"]);
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    assert_eq!(summary.outcome, RunOutcome::Completed);
    assert_eq!(rb.incident().actions()[0].status, ActionStatus::Refused);
    assert!(!world.executed_kinds().contains(&"disable_account"));
    assert!(!world.executed_kinds().contains(&"enable_account"), "never disabled, so never re-enabled");
    assert!(summary.problems.iter().any(|p| p.contains("refused by bob@example.com")));
}

#[test]
fn expired_approvals_never_authorise() {
    let mut world = World::confirmed();
    world.approver = Approver::Expired;
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    assert!(world.executed.is_empty());
    assert!(rb.incident().actions().iter().all(|a| a.status == ActionStatus::Skipped));
    // Three approval rounds (the policy's bound), then skipped.
    assert_eq!(world.approval_rounds, 3, "the policy's bound; eradication found nothing to approve");
    assert!(rb.incident().timeline().iter().any(|e| e.detail.as_deref().is_some_and(|d| d.contains("expired"))));
    assert_eq!(summary.outcome, RunOutcome::Completed);
}

#[test]
fn self_approval_and_self_refusal_are_ignored() {
    let mut world = World::confirmed();
    world.approver = Approver::SelfApprove;
    let mut rb = world.runbook(Policy::default(), false);
    drive(&mut rb, &mut world);
    assert!(world.executed.is_empty());
    assert!(rb.incident().actions().iter().all(|a| a.status == ActionStatus::Skipped), "not Refused either");
    assert!(rb.incident().timeline().iter().any(|e| e.what.contains("refusal by alice@example.com ignored")));
    assert!(rb
        .incident()
        .timeline()
        .iter()
        .any(|e| e.detail.as_deref().is_some_and(|d| d.contains("cannot approve actions on their own account"))));
}

#[test]
fn approval_with_changed_arguments_is_refused() {
    let mut world = World::confirmed();
    world.approver = Approver::WrongKey;
    let mut rb = world.runbook(Policy::default(), false);
    drive(&mut rb, &mut world);
    assert!(world.executed.is_empty());
    assert!(rb.incident().timeline().iter().any(|e| e.detail.as_deref().is_some_and(|d| d.contains("changed since"))));
}

#[test]
fn protected_account_needs_a_second_distinct_approver() {
    let policy = Policy { protected_accounts: vec![UserId::new(USER)], ..Policy::default() };
    // One approver, twice: never enough.
    let mut world = World::confirmed();
    world.approver = Approver::SameTwice;
    let mut rb = world.runbook(policy.clone(), false);
    drive(&mut rb, &mut world);
    assert!(world.executed.is_empty());
    assert!(rb.plan().iter().all(|p| p.approvers_required == 2));

    // The second approver answers the second request: everything runs.
    let mut world = World::confirmed();
    world.approver = Approver::SecondLater;
    let mut rb = world.runbook(policy, false);
    let summary = drive(&mut rb, &mut world);
    assert_eq!(summary.outcome, RunOutcome::Completed);
    assert!(world.executed_kinds().contains(&"disable_account"));
    let a1 = &rb.incident().actions()[0];
    assert_eq!(a1.record.note.as_deref(), Some("approved by bob@example.com, carol@example.com"));
}

#[test]
fn privileged_user_in_idp_is_protected() {
    let mut world = World::confirmed();
    world.user_privileged = true;
    let mut rb = world.runbook(Policy::default(), false);
    drive(&mut rb, &mut world);
    assert!(world.executed.is_empty(), "one approver is not enough for an admin");
}

#[test]
fn failed_action_is_reported_not_verified() {
    let mut world = World::confirmed();
    world.exec.insert("reset_password", Exec::Fail);
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    let reset = rb.incident().actions().iter().find(|a| a.kind.name() == "reset_password").unwrap();
    assert_eq!(reset.status, ActionStatus::Failed);
    // Disable, terminate and revoke are verified; the failed reset is not (and nothing is re-enabled).
    assert_eq!(world.issued_kinds().iter().filter(|k| **k == "verify_action").count(), 3);
    // Hard rule 2 consequence: no verified password reset, no re-enable.
    assert!(!world.executed_kinds().contains(&"enable_account"));
    assert!(rb.findings().reenable_withheld.iter().any(|r| r.contains("password reset")));
    assert!(summary.problems.iter().any(|p| p.contains("403 forbidden")));
}

#[test]
fn unknown_outcome_is_verified_never_resent() {
    let mut world = World::confirmed();
    world.exec.insert("disable_account", Exec::Unknown { applied: true });
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    assert_eq!(summary.outcome, RunOutcome::Completed);
    let disable = &rb.incident().actions()[0];
    assert_eq!(disable.status, ActionStatus::Verified);
    assert_eq!(world.executed_kinds().iter().filter(|k| **k == "disable_account").count(), 1);
    // The effect right after the unknown execute is its verification.
    let pos = world
        .issued
        .iter()
        .position(|e| matches!(&e.kind, EffectKind::ExecuteAction { action } if action.id == disable.id))
        .unwrap();
    assert!(matches!(&world.issued[pos + 1].kind, EffectKind::VerifyAction { action } if action.id == disable.id));
    assert!(markdown::final_report(&rb.view()).contains("outcome was unknown"));

    // Not applied: verification says so, and it is still not re-sent.
    let mut world = World::confirmed();
    world.exec.insert("disable_account", Exec::Unknown { applied: false });
    let mut rb = world.runbook(Policy::default(), false);
    drive(&mut rb, &mut world);
    assert_eq!(rb.incident().actions()[0].status, ActionStatus::VerificationFailed);
    assert_eq!(world.executed_kinds().iter().filter(|k| **k == "disable_account").count(), 1);
}

#[test]
fn comment_failure_is_retried_then_posted_and_reported() {
    let mut world = World::confirmed();
    world.comment_failures.insert("containment".into(), 2);
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    assert_eq!(summary.outcome, RunOutcome::Completed);
    let c = rb.comments().iter().find(|c| c.phase == Phase::Containment).unwrap();
    assert_eq!((c.attempts, c.posted, c.errors.len()), (3, true, 2));
    assert!(markdown::final_report(&rb.view()).contains("Containment comment: 2 failed attempt(s), then posted"));
}

#[test]
fn comment_failing_for_good_blocks_the_phase() {
    let mut world = World::confirmed();
    world.comment_failures.insert("containment".into(), 99);
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    assert!(matches!(summary.outcome, RunOutcome::Blocked { phase: Phase::Containment, .. }), "{:?}", summary.outcome);
    assert_eq!(phase_of(&rb), Phase::Containment, "the phase never completes");
    assert!(!world.issued_kinds().contains(&"list_persistence"));
    assert!(summary.problems.iter().any(|p| p.contains("Containment comment not posted after 3 attempt(s)")));
    assert!(html::final_report(&rb.view()).contains("never posted"));
}

#[test]
fn reenable_refused_while_persistence_remains() {
    let mut world = World::confirmed();
    world.persistence = vec![forwarding_rule()];
    world.approver = Approver::Refuse(vec!["delete_inbox_rule"]);
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    assert!(!world.executed_kinds().contains(&"enable_account"));
    assert!(!rb.incident().actions().iter().any(|a| a.kind.name() == "enable_account"));
    assert!(
        rb.findings().reenable_withheld.iter().any(|r| r.contains("not removed (refused)")),
        "{:?}",
        rb.findings().reenable_withheld
    );
    assert!(summary.problems.iter().any(|p| p.starts_with("re-enable withheld")));

    // Removal executed but verification fails: still withheld.
    let mut world = World::confirmed();
    world.persistence = vec![forwarding_rule()];
    world.verify_false = vec!["delete_inbox_rule"];
    let mut rb = world.runbook(Policy::default(), false);
    drive(&mut rb, &mut world);
    assert!(!world.executed_kinds().contains(&"enable_account"));
}

#[test]
fn no_persistence_connector_means_no_reenable() {
    let mut world = World::confirmed();
    let mut rb = world.runbook(Policy::default(), false);
    // Health check says only the SIEM and case store exist: actions cannot run either.
    world.roles = vec![ConnectorRole::Siem, ConnectorRole::CaseStore];
    drive(&mut rb, &mut world);
    assert!(world.executed.is_empty());
    assert!(rb.findings().sweep.is_none());
    assert!(rb.incident().actions().iter().all(|a| a.status == ActionStatus::Skipped));
}

/// Hard rule 1, attacked through the saved state: an action marked approved with no approval.
#[test]
fn tampered_approved_status_does_not_execute() {
    let mut world = World::confirmed();
    let mut rb = world.runbook(Policy::default(), false);
    // Run until the first approval request is handed out.
    let request = loop {
        let Step::Effects(effects) = rb.poll(world.now) else { panic!("no approval request") };
        let mut found = None;
        for e in effects {
            if matches!(e.kind, EffectKind::RequestApproval { .. }) {
                found = Some(e);
                break;
            }
            let out = world.answer(&e, &rb);
            rb.resolve(e.id, out, world.now).unwrap();
        }
        if let Some(e) = found {
            break e;
        }
    };
    let mut state: serde_json::Value = serde_json::from_str(&rb.to_json().unwrap()).unwrap();
    for a in state["incident"]["actions"].as_array_mut().unwrap() {
        a["status"] = "approved".into();
    }
    let mut tampered = Runbook::from_json(&state.to_string()).unwrap();
    // The approval comes back empty: nothing may run.
    tampered.resolve(request.id, EffectOutcome::Approvals { response: Default::default() }, world.now).unwrap();
    for _ in 0..10 {
        match tampered.poll(world.now) {
            Step::Effects(effects) => {
                for e in effects {
                    assert!(!matches!(e.kind, EffectKind::ExecuteAction { .. }), "executed without approval: {e:?}");
                    let out = match &e.kind {
                        EffectKind::RequestApproval { .. } => EffectOutcome::Approvals { response: Default::default() },
                        _ => world.answer(&e, &tampered),
                    };
                    tampered.resolve(e.id, out, world.now).unwrap();
                }
            }
            _ => break,
        }
    }
    assert!(tampered.incident().actions().iter().all(|a| !a.status.was_sent()));
}

/// Hard rule 1 at execution time: an approval valid when given but lapsed before execution.
#[test]
fn approval_lapsing_before_execution_is_rechecked() {
    let mut world = World::confirmed();
    let mut rb = world.runbook(Policy::default(), false);
    let mut queue = std::collections::VecDeque::new();
    loop {
        if let Step::Effects(effects) = rb.poll(world.now) {
            queue.extend(effects);
        }
        let e = queue.pop_front().unwrap();
        if let EffectKind::RequestApproval { action_ids, .. } = &e.kind {
            let actions: Vec<_> = action_ids.iter().map(|id| rb.incident().action(id).unwrap().clone()).collect();
            let a = irp_core::approval::Approval::of("bob", &actions, world.now, world.now + Duration::minutes(5));
            let resp = irp_core::approval::ApprovalResponse { approvals: vec![a], refusals: vec![] };
            rb.resolve(e.id, EffectOutcome::Approvals { response: resp }, world.now).unwrap();
            break;
        }
        let out = world.answer(&e, &rb);
        rb.resolve(e.id, out, world.now).unwrap();
    }
    assert!(rb.incident().actions().iter().all(|a| a.status == ActionStatus::Approved));
    // Ten minutes later the approval has lapsed: the engine asks again instead of executing.
    let later = world.now + Duration::minutes(10);
    let Step::Effects(effects) = rb.poll(later) else { panic!() };
    assert_eq!(effects.len(), 1);
    assert!(matches!(effects[0].kind, EffectKind::RequestApproval { .. }), "{:?}", effects[0].kind);
    assert_eq!(rb.incident().actions()[0].status, ActionStatus::Proposed);
}

/// Hard rule 2, attacked through the saved state: a forged, validly approved EnableAccount
/// while a suspicious rule is still in place.
#[test]
fn tampered_enable_account_is_refused_while_persistence_remains() {
    let mut world = World::confirmed();
    world.persistence = vec![forwarding_rule()];
    world.approver = Approver::Refuse(vec!["delete_inbox_rule"]);
    let mut rb = world.runbook(Policy::default(), false);
    // Drive until Recovery is entered.
    while phase_of(&rb) != Phase::Recovery {
        let Step::Effects(effects) = rb.poll(world.now) else { panic!("ended before recovery") };
        for e in effects {
            let out = world.answer(&e, &rb);
            world.now += world.step;
            rb.resolve(e.id, out, world.now).unwrap();
        }
    }
    let mut state: serde_json::Value = serde_json::from_str(&rb.to_json().unwrap()).unwrap();
    let mut enable = state["incident"]["actions"][0].clone();
    enable["id"] = "a99".into();
    enable["kind"] = serde_json::json!({"kind": "enable_account"});
    enable["phase"] = "recovery".into();
    enable["status"] = "approved".into();
    enable["idempotency_key"] = "irp1-forged".into();
    state["incident"]["actions"].as_array_mut().unwrap().push(enable);
    let approval = serde_json::json!({
        "approver": "bob@example.com",
        "actions": [{"action_id": "a99", "idempotency_key": "irp1-forged"}],
        "approved_at": world.now.to_rfc3339(),
        "expires_at": (world.now + Duration::hours(1)).to_rfc3339(),
    });
    state["incident"]["approvals"].as_array_mut().unwrap().push(approval);
    let mut rb = Runbook::from_json(&state.to_string()).unwrap();
    let summary = drive(&mut rb, &mut world);
    assert!(!world.executed_kinds().contains(&"enable_account"));
    let forged = rb.incident().actions().iter().find(|a| a.id.as_str() == "a99").unwrap();
    assert_eq!(forged.status, ActionStatus::Skipped);
    assert!(forged.record.note.as_deref().unwrap().contains("hard rule 2"));
    assert_eq!(summary.outcome, RunOutcome::Completed);
}

#[test]
fn dry_run_plans_everything_and_executes_nothing() {
    let mut world = World::confirmed();
    world.persistence = vec![forwarding_rule()];
    let mut rb = world.runbook(Policy::default(), true);
    let summary = drive(&mut rb, &mut world);
    assert_eq!(summary.outcome, RunOutcome::DryRun);
    for forbidden in ["execute_action", "request_approval", "post_comment", "notify_user"] {
        assert!(!world.issued_kinds().contains(&forbidden), "{forbidden} in a dry run");
    }
    let kinds: Vec<&str> = summary.plan.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            "disable_account",
            "reset_password",
            "terminate_sessions",
            "revoke_tokens",
            "delete_inbox_rule",
            "enable_account"
        ]
    );
    assert!(summary.plan.iter().all(|p| p.status == ActionStatus::Proposed && !p.planned_call.is_empty()));
    assert_eq!(summary.plan[0].target, "00u1alice");
    let plan = markdown::dry_run_plan(&rb.view());
    assert!(plan.contains("POST /api/v1/users/00u1alice/lifecycle/suspend"), "{plan}");
}

#[test]
fn wrong_effect_id_or_outcome_type_is_a_typed_error() {
    let world = World::new();
    let mut rb = world.runbook(Policy::default(), false);
    let Step::Effects(effects) = rb.poll(world.now) else { panic!() };
    let id = effects[0].id;
    let before = rb.clone();
    assert_eq!(
        rb.resolve(EffectId(999), EffectOutcome::Done, world.now),
        Err(EngineError::UnknownEffect(EffectId(999)))
    );
    assert!(matches!(
        rb.resolve(id, EffectOutcome::Done, world.now),
        Err(EngineError::WrongOutcome { expected: "readiness", got: "done", .. })
    ));
    assert_eq!(rb, before, "a refused resolution changes nothing");
    rb.resolve(id, EffectOutcome::Failed { failure: Failure::refused("down") }, world.now).unwrap();
    assert_eq!(rb.resolve(id, EffectOutcome::Done, world.now), Err(EngineError::UnknownEffect(id)), "resolved twice");
}

#[test]
fn identification_lookups_are_handed_out_together() {
    let mut world = World::new();
    let mut rb = world.runbook(Policy::default(), false);
    let mut batches = Vec::new();
    while !rb.is_done() {
        let Step::Effects(effects) = rb.poll(world.now) else { break };
        batches.push(effects.iter().map(|e| e.kind.name()).collect::<Vec<_>>());
        for e in effects {
            let out = world.answer(&e, &rb);
            rb.resolve(e.id, out, world.now).unwrap();
        }
    }
    assert!(batches.contains(&vec!["fetch_case", "find_duplicate_cases"]));
    assert!(batches.contains(&vec!["lookup_user", "lookup_entity", "search_events", "find_related_cases"]));
    let search = world.issued.iter().find_map(|e| match &e.kind {
        EffectKind::SearchEvents { from, to, .. } => Some(*to - *from),
        _ => None,
    });
    assert_eq!(search, Some(Duration::hours(96) + Duration::days(30)), "window + baseline look-back from the policy");
}

#[test]
fn analyst_decision_only_raises_and_only_early() {
    let mut world = World::new();
    let mut rb = world.runbook(Policy::default(), false);
    drive(&mut rb, &mut world);
    let d = AnalystDecision {
        analyst: UserId::new("lead"),
        likelihood: Likelihood::Confirmed,
        reason: "late".into(),
        at: world.now,
    };
    assert!(matches!(rb.record_analyst_decision(d, world.now), Err(EngineError::DecisionRejected { .. })));
}

#[test]
fn abandoned_execute_is_verified_not_resent() {
    let mut world = World::confirmed();
    let mut rb = world.runbook(Policy::default(), false);
    let mut queue = std::collections::VecDeque::new();
    let exec = loop {
        if let Step::Effects(effects) = rb.poll(world.now) {
            queue.extend(effects);
        }
        let e = queue.pop_front().unwrap();
        if matches!(e.kind, EffectKind::ExecuteAction { .. }) {
            break e;
        }
        let out = world.answer(&e, &rb);
        rb.resolve(e.id, out, world.now).unwrap();
    };
    // The driver died mid-call; another process resumes from the saved state.
    let mut resumed = Runbook::from_json(&rb.to_json().unwrap()).unwrap();
    assert_eq!(resumed.pending().len(), 1);
    assert_eq!(resumed.abandon_pending(world.now), vec![exec.id]);
    let Step::Effects(next) = resumed.poll(world.now) else { panic!() };
    assert!(matches!(&next[0].kind, EffectKind::VerifyAction { .. }), "{:?}", next[0].kind);
}

#[test]
fn unknown_schema_version_is_refused() {
    let world = World::new();
    let rb = world.runbook(Policy::default(), false);
    let mut v: serde_json::Value = serde_json::from_str(&rb.to_json().unwrap()).unwrap();
    assert_eq!(v["schema_version"], 1);
    v["schema_version"] = 2.into();
    assert_eq!(Runbook::from_json(&v.to_string()), Err(StateError::UnsupportedVersion { found: 2, supported: 1 }));
    v.as_object_mut().unwrap().remove("schema_version");
    assert_eq!(Runbook::from_json(&v.to_string()), Err(StateError::MissingVersion));
    assert!(matches!(Runbook::from_json("{"), Err(StateError::Invalid(_))));
}

#[test]
fn resume_at_every_effect_boundary_gives_the_same_run() {
    let scenario = || {
        let mut w = World::confirmed();
        w.persistence = vec![old_rule(), forwarding_rule()];
        w.exec.insert("terminate_sessions", Exec::Unknown { applied: true });
        w.comment_failures.insert("eradication".into(), 1);
        w
    };
    let mut world = scenario();
    let mut rb = world.runbook(Policy::default(), false);
    drive(&mut rb, &mut world);
    let reference = rb.to_json().unwrap();
    let total = world.issued.len();
    for k in 1..=total {
        let mut w = scenario();
        let mut r = w.runbook(Policy::default(), false);
        drive_with(&mut r, &mut w, |n| n == k);
        assert_eq!(r.to_json().unwrap(), reference, "resumed after effect {k} differs");
        assert_eq!(w.executed, world.executed);
    }
}

#[test]
fn missing_case_store_blocks_at_the_first_comment() {
    // Without a case store nothing can be documented, so no phase may complete (hard rule 3).
    let mut world = World::confirmed();
    world.roles = vec![ConnectorRole::Siem, ConnectorRole::IdentityProvider, ConnectorRole::Mailbox];
    let mut rb = world.runbook(Policy::default(), false);
    let summary = drive(&mut rb, &mut world);
    assert!(matches!(summary.outcome, RunOutcome::Blocked { phase: Phase::Preparation, .. }));
    assert!(world.executed.is_empty());
    assert!(summary.problems.iter().any(|p| p.contains("case_store")));
    assert!(!world.issued_kinds().contains(&"post_comment"), "no comment sent to a store that is not there");
}
