//! The PICERL phase state machine.
//!
//! Every legal move between phases is in [`check`]; nothing else in the crate decides whether
//! a phase may follow another. The current phase of an incident lives in a [`PhaseMachine`],
//! whose only mutator, [`PhaseMachine::advance`], goes through [`check`] and records when each
//! phase was entered (the timestamps the lessons-learned metrics are computed from).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A phase of the runbook (PICERL plus runbook feedback), or a terminal state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Phase {
    /// Connectors checked, readiness reported.
    Preparation,
    /// Case fetched, duplicates checked, user and activity looked up, likelihood assessed.
    Identification,
    /// Account locked down: disable, reset password, terminate sessions, revoke tokens.
    Containment,
    /// Persistence the attacker left behind found and removed.
    Eradication,
    /// Account given back, user notified, monitoring started.
    Recovery,
    /// Timeline, metrics, gaps and the final report.
    LessonsLearned,
    /// What in the runbook, tools and connectors failed or was slow.
    RunbookFeedback,
    /// Terminal: the whole runbook ran.
    Closed,
    /// Terminal: closed at identification without containment (duplicate, benign, inconclusive).
    ClosedNoAction(NoActionReason),
}

/// Why an incident was closed without containment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoActionReason {
    /// Another open case already covers this alert group; this run stopped and linked to it.
    Duplicate,
    /// Likelihood Low: a single anomaly or a user-confirmed event, closed with a justification.
    Benign,
    /// Likelihood Low but the evidence could not be searched (SIEM missing or failing): nothing
    /// to act on, and the report says the assessment is incomplete.
    Inconclusive,
}

impl NoActionReason {
    /// Stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            NoActionReason::Duplicate => "duplicate",
            NoActionReason::Benign => "benign",
            NoActionReason::Inconclusive => "inconclusive",
        }
    }
}

impl Phase {
    /// The seven working phases in runbook order.
    pub const WORKING: [Phase; 7] = [
        Phase::Preparation,
        Phase::Identification,
        Phase::Containment,
        Phase::Eradication,
        Phase::Recovery,
        Phase::LessonsLearned,
        Phase::RunbookFeedback,
    ];

    /// Stable snake_case name (`closed_no_action` for every early close).
    pub fn name(self) -> &'static str {
        match self {
            Phase::Preparation => "preparation",
            Phase::Identification => "identification",
            Phase::Containment => "containment",
            Phase::Eradication => "eradication",
            Phase::Recovery => "recovery",
            Phase::LessonsLearned => "lessons_learned",
            Phase::RunbookFeedback => "runbook_feedback",
            Phase::Closed => "closed",
            Phase::ClosedNoAction(_) => "closed_no_action",
        }
    }

    /// Human title, for case comments and reports.
    pub fn title(self) -> &'static str {
        match self {
            Phase::Preparation => "Preparation",
            Phase::Identification => "Identification",
            Phase::Containment => "Containment",
            Phase::Eradication => "Eradication",
            Phase::Recovery => "Recovery",
            Phase::LessonsLearned => "Lessons learned",
            Phase::RunbookFeedback => "Runbook feedback",
            Phase::Closed => "Closed",
            Phase::ClosedNoAction(_) => "Closed without action",
        }
    }

    /// True for the states no transition leaves.
    pub fn is_terminal(self) -> bool {
        matches!(self, Phase::Closed | Phase::ClosedNoAction(_))
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Phase::ClosedNoAction(r) => write!(f, "closed_no_action({})", r.name()),
            p => f.write_str(p.name()),
        }
    }
}

/// An illegal phase change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    /// `to` may not follow `from` (skipping or going back).
    #[error("illegal phase transition {from} -> {to}")]
    Illegal {
        /// Current phase.
        from: Phase,
        /// Requested phase.
        to: Phase,
    },
    /// The incident is already closed.
    #[error("incident already closed ({from}); cannot move to {to}")]
    Terminal {
        /// The terminal phase.
        from: Phase,
        /// Requested phase.
        to: Phase,
    },
}

/// The one table of legal transitions: each working phase moves to the next one, and only
/// Identification may close early (duplicate, benign, inconclusive).
pub fn check(from: Phase, to: Phase) -> Result<(), TransitionError> {
    if from.is_terminal() {
        return Err(TransitionError::Terminal { from, to });
    }
    let legal = matches!(
        (from, to),
        (Phase::Preparation, Phase::Identification)
            | (Phase::Identification, Phase::Containment)
            | (Phase::Identification, Phase::ClosedNoAction(_))
            | (Phase::Containment, Phase::Eradication)
            | (Phase::Eradication, Phase::Recovery)
            | (Phase::Recovery, Phase::LessonsLearned)
            | (Phase::LessonsLearned, Phase::RunbookFeedback)
            | (Phase::RunbookFeedback, Phase::Closed)
    );
    if legal {
        Ok(())
    } else {
        Err(TransitionError::Illegal { from, to })
    }
}

/// A completed transition, as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// Phase left.
    pub from: Phase,
    /// Phase entered.
    pub to: Phase,
    /// When.
    pub at: DateTime<Utc>,
}

/// The current phase plus when each phase was entered. The phase can only change through
/// [`PhaseMachine::advance`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseMachine {
    current: Phase,
    started_at: DateTime<Utc>,
    transitions: Vec<Transition>,
}

impl PhaseMachine {
    /// A machine in [`Phase::Preparation`], entered at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        PhaseMachine { current: Phase::Preparation, started_at: now, transitions: Vec::new() }
    }

    /// The current phase.
    pub fn current(&self) -> Phase {
        self.current
    }

    /// Every transition so far, in order.
    pub fn transitions(&self) -> &[Transition] {
        &self.transitions
    }

    /// When `phase` was entered, if it was.
    pub fn entered_at(&self, phase: Phase) -> Option<DateTime<Utc>> {
        if phase == Phase::Preparation {
            return Some(self.started_at);
        }
        self.transitions.iter().find(|t| t.to == phase).map(|t| t.at)
    }

    /// When `phase` was left, if it was.
    pub fn left_at(&self, phase: Phase) -> Option<DateTime<Utc>> {
        self.transitions.iter().find(|t| t.from == phase).map(|t| t.at)
    }

    /// Moves to `to` at `now`, if [`check`] allows it.
    pub fn advance(&mut self, to: Phase, now: DateTime<Utc>) -> Result<Transition, TransitionError> {
        check(self.current, to)?;
        let t = Transition { from: self.current, to, at: now };
        self.transitions.push(t);
        self.current = to;
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Phase> {
        let mut v = Phase::WORKING.to_vec();
        v.push(Phase::Closed);
        v.push(Phase::ClosedNoAction(NoActionReason::Duplicate));
        v.push(Phase::ClosedNoAction(NoActionReason::Benign));
        v.push(Phase::ClosedNoAction(NoActionReason::Inconclusive));
        v
    }

    #[test]
    fn every_legal_transition_and_only_those() {
        let legal: Vec<(Phase, Phase)> = vec![
            (Phase::Preparation, Phase::Identification),
            (Phase::Identification, Phase::Containment),
            (Phase::Identification, Phase::ClosedNoAction(NoActionReason::Duplicate)),
            (Phase::Identification, Phase::ClosedNoAction(NoActionReason::Benign)),
            (Phase::Identification, Phase::ClosedNoAction(NoActionReason::Inconclusive)),
            (Phase::Containment, Phase::Eradication),
            (Phase::Eradication, Phase::Recovery),
            (Phase::Recovery, Phase::LessonsLearned),
            (Phase::LessonsLearned, Phase::RunbookFeedback),
            (Phase::RunbookFeedback, Phase::Closed),
        ];
        let mut n_ok = 0;
        for from in all() {
            for to in all() {
                let r = check(from, to);
                if legal.contains(&(from, to)) {
                    assert_eq!(r, Ok(()), "{from} -> {to} should be legal");
                    n_ok += 1;
                } else if from.is_terminal() {
                    assert_eq!(r, Err(TransitionError::Terminal { from, to }));
                } else {
                    assert_eq!(r, Err(TransitionError::Illegal { from, to }), "{from} -> {to} should be illegal");
                }
            }
        }
        assert_eq!(n_ok, legal.len());
    }

    #[test]
    fn machine_records_entry_times_and_refuses_skips() {
        let t0 = DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z").unwrap().with_timezone(&Utc);
        let mut m = PhaseMachine::new(t0);
        assert_eq!(m.current(), Phase::Preparation);
        assert_eq!(
            m.advance(Phase::Containment, t0),
            Err(TransitionError::Illegal { from: Phase::Preparation, to: Phase::Containment })
        );
        assert_eq!(m.current(), Phase::Preparation, "a refused transition changes nothing");
        let t1 = t0 + chrono::Duration::minutes(5);
        m.advance(Phase::Identification, t1).unwrap();
        assert_eq!(m.entered_at(Phase::Identification), Some(t1));
        assert_eq!(m.left_at(Phase::Preparation), Some(t1));
        m.advance(Phase::ClosedNoAction(NoActionReason::Duplicate), t1).unwrap();
        assert!(m.current().is_terminal());
        assert!(matches!(m.advance(Phase::Containment, t1), Err(TransitionError::Terminal { .. })));
        assert_eq!(m.transitions().len(), 2);
    }

    #[test]
    fn serde_names_are_stable() {
        assert_eq!(serde_json::to_string(&Phase::LessonsLearned).unwrap(), "\"lessons_learned\"");
        assert_eq!(
            serde_json::to_string(&Phase::ClosedNoAction(NoActionReason::Benign)).unwrap(),
            "{\"closed_no_action\":\"benign\"}"
        );
    }
}
