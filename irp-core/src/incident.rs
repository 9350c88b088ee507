//! The [`Incident`]: the runbook's inputs, where it is, what it found, what it did, and a
//! timeline of every step with caller-supplied timestamps.

use crate::id::string_id;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::action::{Action, ActionId, Consideration};
use crate::approval::{Approval, Refusal};
use crate::evidence::UserId;
use crate::phase::{Phase, PhaseMachine, Transition, TransitionError};
use crate::score::{Assessment, Likelihood};

string_id! {
    /// Id of the case in the case store (SOAR), as the store spells it.
    CaseId
}

string_id! {
    /// Id of one incident: `<case id>/<user id>` (one case may concern several users).
    IncidentId
}

impl IncidentId {
    /// The id of the incident about `user` in `case`.
    pub fn of(case: &CaseId, user: &UserId) -> Self {
        IncidentId(format!("{}/{}", case.as_str(), user.as_str()))
    }
}

/// The runbook's inputs, as a SOAR playbook passes them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentInputs {
    /// `USER_ID`: the account under investigation.
    pub user_id: UserId,
    /// `CASE_ID`: the case the alert lives in.
    pub case_id: CaseId,
    /// `ALERT_GROUP_IDENTIFIERS`: alert grouping keys, used to find duplicate cases.
    #[serde(default)]
    pub alert_group_identifiers: Vec<String>,
    /// `INITIAL_ALERT_DETAILS`: the triggering alert as the SOAR has it, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_alert_details: Option<serde_json::Value>,
}

/// What kind of step a [`TimelineEntry`] records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TimelineKind {
    /// The run started.
    Started,
    /// A phase was entered.
    PhaseEntered,
    /// An effect was handed to the driver.
    EffectIssued,
    /// An effect's outcome came back.
    EffectResolved,
    /// An effect failed (and may be retried).
    EffectFailed,
    /// The assessment was made.
    Assessed,
    /// An analyst recorded a decision.
    AnalystDecision,
    /// Actions were proposed.
    Proposed,
    /// An approval or refusal was recorded (valid or not).
    Approval,
    /// An action changed status.
    ActionStatus,
    /// Persistence was listed.
    Persistence,
    /// A connector was missing or a step was skipped for lack of one.
    Downgraded,
    /// A hard rule stopped something.
    Blocked,
    /// Anything else worth recording.
    Note,
}

/// One step, with the caller-supplied time it happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When (the `now` passed to the engine).
    pub at: DateTime<Utc>,
    /// The phase it happened in.
    pub phase: Phase,
    /// What kind of step.
    pub kind: TimelineKind,
    /// One line.
    pub what: String,
    /// More detail, when useful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// An analyst's recorded verdict. It can only raise the likelihood (lowering it on a word would
/// let a wrong click stop containment); the timeline records who decided what and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalystDecision {
    /// Who decided.
    pub analyst: UserId,
    /// The likelihood they recorded (typically Confirmed).
    pub likelihood: Likelihood,
    /// Why.
    pub reason: String,
    /// When they decided.
    pub at: DateTime<Utc>,
}

/// One incident: one user in one case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Its id.
    pub id: IncidentId,
    /// The inputs.
    pub inputs: IncidentInputs,
    /// When the run started (the `now` of the first call).
    pub started_at: DateTime<Utc>,
    pub(crate) phase: PhaseMachine,
    pub(crate) assessment: Option<Assessment>,
    pub(crate) analyst_decision: Option<AnalystDecision>,
    pub(crate) actions: Vec<Action>,
    pub(crate) considered: Vec<Consideration>,
    pub(crate) approvals: Vec<Approval>,
    pub(crate) refusals: Vec<Refusal>,
    pub(crate) timeline: Vec<TimelineEntry>,
}

impl Incident {
    /// A new incident in Preparation, started at `now`.
    pub fn new(inputs: IncidentInputs, now: DateTime<Utc>) -> Self {
        let id = IncidentId::of(&inputs.case_id, &inputs.user_id);
        let mut incident = Incident {
            id,
            inputs,
            started_at: now,
            phase: PhaseMachine::new(now),
            assessment: None,
            analyst_decision: None,
            actions: Vec::new(),
            considered: Vec::new(),
            approvals: Vec::new(),
            refusals: Vec::new(),
            timeline: Vec::new(),
        };
        let what = format!("incident {} started for {}", incident.id, incident.inputs.user_id);
        incident.record(now, TimelineKind::Started, what, None);
        incident
    }

    /// The account under investigation.
    pub fn user(&self) -> &UserId {
        &self.inputs.user_id
    }

    /// The case.
    pub fn case_id(&self) -> &CaseId {
        &self.inputs.case_id
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase.current()
    }

    /// The phase machine (entry and exit times of every phase).
    pub fn phases(&self) -> &PhaseMachine {
        &self.phase
    }

    /// The assessment, once Identification made it.
    pub fn assessment(&self) -> Option<&Assessment> {
        self.assessment.as_ref()
    }

    /// The likelihood in force: the assessment's, raised by the analyst's decision if any.
    pub fn likelihood(&self) -> Option<Likelihood> {
        let assessed = self.assessment.as_ref().map(|a| a.likelihood);
        let decided = self.analyst_decision.as_ref().map(|d| d.likelihood);
        match (assessed, decided) {
            (Some(a), Some(d)) => Some(a.max(d)),
            (a, d) => a.or(d),
        }
    }

    /// The analyst's recorded decision, if any.
    pub fn analyst_decision(&self) -> Option<&AnalystDecision> {
        self.analyst_decision.as_ref()
    }

    /// Every action proposed, in proposal order.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The action with id `id`.
    pub fn action(&self, id: &ActionId) -> Option<&Action> {
        self.actions.iter().find(|a| a.id == *id)
    }

    /// Actions the matrix said to consider, not proposed.
    pub fn considered(&self) -> &[Consideration] {
        &self.considered
    }

    /// Every approval received (valid or not; the timeline says which were rejected and why).
    pub fn approvals(&self) -> &[Approval] {
        &self.approvals
    }

    /// Every refusal received.
    pub fn refusals(&self) -> &[Refusal] {
        &self.refusals
    }

    /// The timeline, in the order things happened.
    pub fn timeline(&self) -> &[TimelineEntry] {
        &self.timeline
    }

    /// Appends a timeline entry in the current phase.
    pub(crate) fn record(&mut self, at: DateTime<Utc>, kind: TimelineKind, what: String, detail: Option<String>) {
        let phase = self.phase.current();
        self.timeline.push(TimelineEntry { at, phase, kind, what, detail });
    }

    /// Moves to `to` (through [`crate::phase::check`]) and records it.
    pub(crate) fn advance(&mut self, to: Phase, now: DateTime<Utc>) -> Result<Transition, TransitionError> {
        let t = self.phase.advance(to, now)?;
        self.record(now, TimelineKind::PhaseEntered, format!("entered {}", to.title()), None);
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_incident_starts_in_preparation_with_a_timeline() {
        let now = DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z").unwrap().with_timezone(&Utc);
        let inputs = IncidentInputs {
            user_id: UserId::new("Alice@Example.com"),
            case_id: CaseId("42".into()),
            alert_group_identifiers: vec!["grp-1".into()],
            initial_alert_details: None,
        };
        let mut inc = Incident::new(inputs, now);
        assert_eq!(inc.id.as_str(), "42/alice@example.com");
        assert_eq!(inc.phase(), Phase::Preparation);
        assert_eq!(inc.timeline().len(), 1);
        assert_eq!(inc.timeline()[0].at, now);
        assert!(inc.advance(Phase::Recovery, now).is_err());
        inc.advance(Phase::Identification, now).unwrap();
        assert_eq!(inc.timeline().last().unwrap().kind, TimelineKind::PhaseEntered);
        assert_eq!(inc.likelihood(), None);
    }
}
