//! Response times computed from the recorded timeline, and the runbook feedback facts.
//!
//! Definitions (every instant is one the engine recorded from the `now` it was given):
//! - **time to detect**: earliest evidence event (an event a signal cites) to the incident start
//!   (the first call of the run);
//! - **time to contain**: incident start to the last containment action verified;
//! - **time to eradicate**: incident start to the last eradication removal verified, or to the
//!   persistence sweep when it found nothing to remove;
//! - **time to recover**: incident start to the re-enable verified, or, when the account was
//!   never disabled, to the end of the Recovery phase.
//!
//! A metric is `None` when its end point never happened (nothing verified, phase not reached).

use chrono::{DateTime, Duration, Utc};

use crate::action::{ActionKind, ActionStatus};
use crate::phase::Phase;
use crate::runbook::{EffectLog, RunView};

/// The four response times.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Metrics {
    /// First evidence event to incident start.
    pub time_to_detect: Option<Duration>,
    /// Incident start to last containment action verified.
    pub time_to_contain: Option<Duration>,
    /// Incident start to last eradication removal verified (or a clean sweep).
    pub time_to_eradicate: Option<Duration>,
    /// Incident start to re-enable verified (or end of Recovery).
    pub time_to_recover: Option<Duration>,
}

/// Computes [`Metrics`] from a run.
pub fn metrics(view: &RunView<'_>) -> Metrics {
    let inc = view.incident;
    let start = inc.started_at;
    let first_evidence = view.findings.evidence.iter().map(|e| e.time).min();
    let last_verified = |phase: Phase| -> Option<DateTime<Utc>> {
        inc.actions()
            .iter()
            .filter(|a| a.phase == phase && a.status == ActionStatus::Verified)
            .filter_map(|a| a.record.verified_at)
            .max()
    };
    let contain = last_verified(Phase::Containment);
    let eradicate = last_verified(Phase::Eradication)
        .or_else(|| view.findings.sweep.as_ref().filter(|s| s.items.iter().all(|i| !i.suspicious)).map(|s| s.at));
    let reenabled = inc
        .actions()
        .iter()
        .filter(|a| a.kind == ActionKind::EnableAccount && a.status == ActionStatus::Verified)
        .filter_map(|a| a.record.verified_at)
        .max();
    let disabled = inc.actions().iter().any(|a| a.kind == ActionKind::DisableAccount && a.status.was_sent());
    let recover = if disabled { reenabled } else { inc.phases().left_at(Phase::Recovery) };
    Metrics {
        time_to_detect: first_evidence.map(|t| start - t),
        time_to_contain: contain.map(|t| t - start),
        time_to_eradicate: eradicate.map(|t| t - start),
        time_to_recover: recover.map(|t| t - start),
    }
}

/// Effects slower than the policy's threshold, slowest first.
pub fn slow_effects<'a>(view: &RunView<'a>) -> Vec<&'a EffectLog> {
    let limit = Duration::seconds(i64::from(view.policy.runbook.slow_effect_seconds));
    let mut slow: Vec<&EffectLog> = view.effect_log.iter().filter(|l| l.resolved_at - l.issued_at > limit).collect();
    slow.sort_by(|a, b| (b.resolved_at - b.issued_at).cmp(&(a.resolved_at - a.issued_at)).then(a.id.cmp(&b.id)));
    slow
}

/// `1h 05m`, `3m 20s`, `-2m` style.
pub fn human(d: Duration) -> String {
    let neg = d < Duration::zero();
    let s = d.num_seconds().abs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    let body = if h >= 48 {
        format!("{}d {}h", h / 24, h % 24)
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {sec:02}s")
    } else {
        format!("{sec}s")
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::{Action, ActionId, CallStyle, Proposal, Recommendation};
    use crate::evidence::{Event, EventKind, Outcome, UserId};
    use crate::incident::{CaseId, Incident, IncidentInputs};
    use crate::policy::Policy;
    use crate::runbook::{Findings, RunOptions, Sweep};

    #[test]
    fn metrics_follow_their_definitions() {
        let t0: DateTime<Utc> = "2024-05-01T10:00:00Z".parse().unwrap();
        let inputs = IncidentInputs {
            user_id: UserId::new("alice"),
            case_id: CaseId("1".into()),
            alert_group_identifiers: vec![],
            initial_alert_details: None,
        };
        let mut inc = Incident::new(inputs, t0);
        let mut reset = Action::propose(
            &inc.id,
            ActionId("a1".into()),
            UserId::new("alice"),
            Phase::Containment,
            Proposal {
                kind: ActionKind::ResetPassword,
                recommendation: Recommendation::Required,
                rationale: String::new(),
            },
            CallStyle::Okta,
        );
        reset.status = ActionStatus::Verified;
        reset.record.verified_at = Some(t0 + Duration::minutes(20));
        inc.actions.push(reset);
        for (phase, min) in [
            (Phase::Identification, 1),
            (Phase::Containment, 5),
            (Phase::Eradication, 25),
            (Phase::Recovery, 30),
            (Phase::LessonsLearned, 45),
        ] {
            inc.advance(phase, t0 + Duration::minutes(min)).unwrap();
        }
        let findings = Findings {
            evidence: vec![Event::new("e1", t0 - Duration::hours(3), "alice", EventKind::Login, Outcome::success())],
            sweep: Some(Sweep { at: t0 + Duration::minutes(28), since: t0, items: vec![], not_listed: vec![] }),
            ..Findings::default()
        };
        let policy = Policy::default();
        let view = RunView {
            incident: &inc,
            findings: &findings,
            comments: &[],
            effect_log: &[],
            policy: &policy,
            options: &RunOptions::default(),
            outcome: None,
        };
        let m = metrics(&view);
        assert_eq!(m.time_to_detect, Some(Duration::hours(3)));
        assert_eq!(m.time_to_contain, Some(Duration::minutes(20)));
        assert_eq!(m.time_to_eradicate, Some(Duration::minutes(28)), "clean sweep ends eradication");
        assert_eq!(m.time_to_recover, Some(Duration::minutes(45)), "never disabled: end of recovery");
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::seconds(42)), "42s");
        assert_eq!(human(Duration::seconds(200)), "3m 20s");
        assert_eq!(human(Duration::minutes(65)), "1h 05m");
        assert_eq!(human(Duration::hours(50)), "2d 2h");
        assert_eq!(human(Duration::seconds(-120)), "-2m 00s");
    }
}
