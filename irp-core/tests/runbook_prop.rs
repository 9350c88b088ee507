//! Property: interrupting a run (save to JSON, load) at random effect boundaries changes
//! nothing, and no action is ever executed twice.

mod support;

use irp_core::policy::Policy;
use irp_core::score::Likelihood;
use proptest::prelude::*;
use support::*;

fn exec_mode() -> impl Strategy<Value = Exec> {
    prop_oneof![
        4 => Just(Exec::Ok),
        1 => Just(Exec::Fail),
        1 => any::<bool>().prop_map(|applied| Exec::Unknown { applied }),
    ]
}

#[derive(Debug, Clone)]
struct Scenario {
    likelihood: Likelihood,
    persistence: bool,
    refuse_rule: bool,
    disable: Exec,
    reset: Exec,
    terminate: Exec,
    comment_failures: u32,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop_oneof![Just(Likelihood::Medium), Just(Likelihood::High), Just(Likelihood::Confirmed)],
        any::<bool>(),
        any::<bool>(),
        exec_mode(),
        exec_mode(),
        exec_mode(),
        0u32..4,
    )
        .prop_map(|(likelihood, persistence, refuse_rule, disable, reset, terminate, comment_failures)| Scenario {
            likelihood,
            persistence,
            refuse_rule,
            disable,
            reset,
            terminate,
            comment_failures,
        })
}

fn world(s: &Scenario) -> World {
    let mut w = World::new();
    w.decision = Some(s.likelihood);
    if s.persistence {
        w.persistence = vec![old_rule(), forwarding_rule()];
    }
    if s.refuse_rule {
        w.approver = Approver::Refuse(vec!["delete_inbox_rule"]);
    }
    w.exec.insert("disable_account", s.disable);
    w.exec.insert("reset_password", s.reset);
    w.exec.insert("terminate_sessions", s.terminate);
    w.comment_failures.insert("eradication".into(), s.comment_failures);
    w
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn interrupted_runs_equal_the_uninterrupted_run(s in scenario(), cuts in proptest::collection::vec(1usize..80, 0..12)) {
        let mut w = world(&s);
        let mut rb = w.runbook(Policy::default(), false);
        let reference_summary = drive(&mut rb, &mut w);
        let reference = rb.to_json().unwrap();

        let mut w2 = world(&s);
        let mut rb2 = w2.runbook(Policy::default(), false);
        let summary = drive_with(&mut rb2, &mut w2, |n| cuts.contains(&n));
        prop_assert_eq!(summary, reference_summary);
        prop_assert_eq!(rb2.to_json().unwrap(), reference);
        prop_assert_eq!(&w2.executed, &w.executed);
        // No idempotency key was sent twice.
        let mut keys = w2.executed.clone();
        keys.sort();
        keys.dedup();
        prop_assert_eq!(keys.len(), w2.executed.len());
        // Nothing is re-enabled unless the persistence check came back clean.
        if s.persistence && s.refuse_rule {
            prop_assert!(!w2.executed_kinds().contains(&"enable_account"));
        }
    }
}
