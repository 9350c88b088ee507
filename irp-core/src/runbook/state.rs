//! The engine's whole state, as serialised between effects.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::action::ActionId;
use crate::evidence::{Event, EventId};
use crate::incident::Incident;
use crate::phase::Phase;
use crate::policy::Policy;
use crate::runbook::config::RunOptions;
use crate::runbook::outcome::{
    CaseInfo, CaseRef, ConnectorRole, ConnectorStatus, PersistenceItem, PersistenceKind, UserInfo,
};
use crate::runbook::summary::RunOutcome;
use crate::runbook::Effect;

/// Version of the JSON written by [`crate::runbook::Runbook::to_json`].
pub const SCHEMA_VERSION: u32 = 1;

/// Which runbook step an effect serves: at most one effect per slot is pending at a time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "slot", rename_all = "snake_case")]
pub(crate) enum Slot {
    CheckConnectors,
    FetchCase,
    FindDuplicates,
    LookupUser,
    LookupEntity,
    SearchEvents,
    FindRelated,
    Comment { phase: Phase },
    Approval { phase: Phase, round: u32 },
    Execute { action: ActionId },
    Verify { action: ActionId },
    ListPersistence,
    NotifyUser,
    StartMonitoring,
    CheckMonitoring,
}

/// An issued effect and the slot it serves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub slot: Slot,
    pub effect: Effect,
}

/// One resolved effect, for the runbook feedback (what failed, what was slow).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EffectLog {
    /// The effect id.
    pub id: crate::runbook::EffectId,
    /// Effect kind name.
    pub effect: String,
    /// Phase.
    pub phase: Phase,
    /// Attempt number.
    pub attempt: u32,
    /// Issued.
    pub issued_at: DateTime<Utc>,
    /// Resolved.
    pub resolved_at: DateTime<Utc>,
    /// Outcome name (`failed` for failures).
    pub outcome: String,
    /// Failure message, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The documentation of one phase (hard rule 3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommentRecord {
    /// The phase documented.
    pub phase: Phase,
    /// Attempts made.
    pub attempts: u32,
    /// Posted successfully.
    pub posted: bool,
    /// The store's comment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<String>,
    /// Every failure message, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// A gap in what the run could see or do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// Phase it was found in.
    pub phase: Phase,
    /// The connector role concerned, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<ConnectorRole>,
    /// What was missed.
    pub what: String,
}

/// A sign-in placed on the map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoginPoint {
    /// Event id.
    pub event: EventId,
    /// When.
    pub time: DateTime<Utc>,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// IP, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Country / city label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Evidence of a signal (drawn as attacker).
    pub suspicious: bool,
    /// Successful.
    pub success: bool,
}

/// What the identification searches returned.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Findings {
    /// Connector health, from Preparation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness: Option<Vec<ConnectorStatus>>,
    /// The case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<CaseInfo>,
    /// Duplicate cases found.
    #[serde(default)]
    pub duplicates: Vec<CaseRef>,
    /// The user as the IdP has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// The SIEM entity summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<serde_json::Value>,
    /// The search window, once searched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Events the search returned.
    #[serde(default)]
    pub events_found: u64,
    /// True when the events could actually be searched.
    #[serde(default)]
    pub events_searched: bool,
    /// Every event a signal cites, in time order.
    #[serde(default)]
    pub evidence: Vec<Event>,
    /// Sign-ins with coordinates, for the map.
    #[serde(default)]
    pub logins: Vec<LoginPoint>,
    /// Related cases.
    #[serde(default)]
    pub related: Vec<CaseRef>,
    /// The eradication sweep, once run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
    /// What the monitoring check saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<Monitoring>,
    /// When monitoring started, and until when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring_window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// The user was notified.
    #[serde(default)]
    pub user_notified: bool,
    /// Why re-enabling was withheld, when it was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reenable_withheld: Vec<String>,
    /// Gaps: missing connectors, failed lookups.
    #[serde(default)]
    pub gaps: Vec<Gap>,
}

/// The eradication sweep's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// When it ran.
    pub at: DateTime<Utc>,
    /// Start of the compromise window used to judge items.
    pub since: DateTime<Utc>,
    /// Every item listed, with the engine's judgement and the removal action proposed.
    pub items: Vec<SweptItem>,
    /// Kinds that could not be listed (the check is then not clean).
    #[serde(default)]
    pub not_listed: Vec<PersistenceKind>,
}

/// One listed item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweptItem {
    /// The item.
    pub item: PersistenceItem,
    /// Judged attacker-made (flagged, or created inside the compromise window).
    pub suspicious: bool,
    /// Its removal action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionId>,
}

/// The monitoring check's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Monitoring {
    /// Window start.
    pub from: DateTime<Utc>,
    /// Window end.
    pub to: DateTime<Utc>,
    /// Events seen.
    pub events: u64,
    /// Events from the attacker's IPs, or cited by a new signal.
    pub suspicious: Vec<EventId>,
}

/// Everything the engine knows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct State {
    pub schema_version: u32,
    pub incident: Incident,
    pub policy: Policy,
    pub options: RunOptions,
    pub next_effect: u64,
    pub next_action: u32,
    pub pending: Vec<Pending>,
    /// Slots finished for good (read-only lookups and sweeps; comments and actions track
    /// their own completion).
    pub done: Vec<Slot>,
    pub findings: Findings,
    pub comments: Vec<CommentRecord>,
    /// Phases whose actions have been proposed.
    pub proposed: Vec<Phase>,
    pub verify_attempts: BTreeMap<ActionId, u32>,
    pub effect_log: Vec<EffectLog>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<RunOutcome>,
}
