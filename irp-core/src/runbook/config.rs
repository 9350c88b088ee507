//! Runbook settings: the `[runbook]` table of a policy file, and per-run options.

use serde::{Deserialize, Serialize};

/// Runbook settings (`[runbook]` in a policy file). Every default has its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunbookPolicy {
    /// An approval lapses this many minutes after it was given, whatever expiry it claims.
    /// 240 (4 h): containment happens within the shift that approved it; an older approval was
    /// given on a picture of the account (sessions, rules) that has since changed.
    pub approval_max_age_minutes: u32,
    /// Two distinct approvers for actions on protected accounts (policy `protected_accounts`, or
    /// privileged in the IdP). `true`: disabling a break-glass or executive account by mistake is
    /// an outage, so a second person looks.
    pub two_approvers_for_protected: bool,
    /// Action kinds (snake_case names) that always need two approvers. Default `reset_factors`
    /// (forces a re-enrolment an attacker holding the password could win) and
    /// `remove_role_assignment` (can cut production admin access).
    pub two_approver_actions: Vec<String>,
    /// How many times an approval is requested for actions still lacking a valid one (expired,
    /// one approver of two) before they are skipped. 3: enough for a second approver to answer,
    /// bounded so a driver returning the same invalid approval cannot loop forever.
    pub approval_rounds: u32,
    /// How many times a case comment is attempted before the failure blocks the run. 3: rides
    /// out a transient SOAR error; a persistent one needs a human (hard rule 3).
    pub comment_attempts: u32,
    /// How many times a verification is attempted when the verify call itself fails. 3, as above.
    pub verify_attempts: u32,
    /// Hours the account is watched after recovery. 72: covers the attacker retrying stolen
    /// tokens or a second phishing round over a weekend.
    pub monitoring_hours: u32,
    /// An effect slower than this many seconds is reported in the runbook feedback. 120: a
    /// search or call that takes longer is worth tuning in an incident.
    pub slow_effect_seconds: u32,
}

impl Default for RunbookPolicy {
    fn default() -> Self {
        RunbookPolicy {
            approval_max_age_minutes: 240,
            two_approvers_for_protected: true,
            two_approver_actions: vec!["reset_factors".into(), "remove_role_assignment".into()],
            approval_rounds: 3,
            comment_attempts: 3,
            verify_attempts: 3,
            monitoring_hours: 72,
            slow_effect_seconds: 120,
        }
    }
}

/// Options of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunOptions {
    /// Plan only: run every read-only step, propose every action with its planned call, and stop
    /// before anything is approved, executed or written to the case.
    pub dry_run: bool,
}
