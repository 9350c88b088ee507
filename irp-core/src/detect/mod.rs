//! Detectors: small pure functions over one user's time-ordered events, a baseline built from
//! the look-back before the window, and tenant-wide population facts, each returning
//! [`Signal`]s with their evidence, severity, ATT&CK techniques and a one-line explanation.
//!
//! Every detector has the signature `fn(&UserContext) -> Vec<Signal>` and lives in its own
//! module; [`run_all`] runs them in a fixed order so output is deterministic.

mod account_change;
pub mod baseline;
pub mod config;
mod credential;
mod exfil;
mod idp_risk;
mod mail;
pub mod net;
mod novelty;
mod oauth;
pub mod population;
mod proxy;
mod session;
#[cfg(test)]
mod testkit;
mod travel;
pub mod ua;

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use baseline::Baseline;
pub use config::DetectPolicy;
pub use population::Population;

use crate::evidence::{Event, EventId, UserId};
use crate::policy::Policy;

/// The ATT&CK release the technique ids below were checked against (see `docs/DETECTIONS.md`).
pub const ATTACK_VERSION: &str = "v19";

/// What a signal says happened. Names are stable snake_case and part of the JSON contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SignalKind {
    /// Two sign-ins too far apart for the time between them.
    ImpossibleTravel,
    /// A sign-in from a country the user has not used in the baseline.
    NewCountry,
    /// A sign-in from an autonomous system the user has not used.
    NewAsn,
    /// A sign-in from a device / user agent the user has not used.
    NewDevice,
    /// A sign-in through Tor, an anonymising VPN or a proxy.
    AnonymizingProxy,
    /// Many failures, then a success.
    BruteForceSuccess,
    /// A success from an IP that also failed against many other users.
    PasswordSpraySuccess,
    /// Many MFA pushes denied or ignored, then one approved.
    MfaFatigue,
    /// An MFA factor was enrolled, removed or reset.
    MfaFactorChange,
    /// A recovery e-mail or phone changed.
    RecoveryChange,
    /// The password was changed or reset.
    PasswordChange,
    /// Mail is forwarded outside the user's domain, or hidden by a rule.
    ForwardingRule,
    /// An OAuth app was granted access (first grant of that app, risky scopes).
    OauthGrant,
    /// One session used from a new IP / ASN / user agent.
    SessionHijack,
    /// An unusual burst of downloads or mail access.
    MassDownload,
    /// An admin role or privilege was granted.
    PrivilegeGrant,
    /// The identity provider itself flagged risk.
    IdpRisk,
}

impl SignalKind {
    /// Every kind, in the order detectors run.
    pub const ALL: [SignalKind; 17] = [
        SignalKind::ImpossibleTravel,
        SignalKind::NewCountry,
        SignalKind::NewAsn,
        SignalKind::NewDevice,
        SignalKind::AnonymizingProxy,
        SignalKind::BruteForceSuccess,
        SignalKind::PasswordSpraySuccess,
        SignalKind::MfaFatigue,
        SignalKind::MfaFactorChange,
        SignalKind::RecoveryChange,
        SignalKind::PasswordChange,
        SignalKind::ForwardingRule,
        SignalKind::OauthGrant,
        SignalKind::SessionHijack,
        SignalKind::MassDownload,
        SignalKind::PrivilegeGrant,
        SignalKind::IdpRisk,
    ];

    /// Stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            SignalKind::ImpossibleTravel => "impossible_travel",
            SignalKind::NewCountry => "new_country",
            SignalKind::NewAsn => "new_asn",
            SignalKind::NewDevice => "new_device",
            SignalKind::AnonymizingProxy => "anonymizing_proxy",
            SignalKind::BruteForceSuccess => "brute_force_success",
            SignalKind::PasswordSpraySuccess => "password_spray_success",
            SignalKind::MfaFatigue => "mfa_fatigue",
            SignalKind::MfaFactorChange => "mfa_factor_change",
            SignalKind::RecoveryChange => "recovery_change",
            SignalKind::PasswordChange => "password_change",
            SignalKind::ForwardingRule => "forwarding_rule",
            SignalKind::OauthGrant => "oauth_grant",
            SignalKind::SessionHijack => "session_hijack",
            SignalKind::MassDownload => "mass_download",
            SignalKind::PrivilegeGrant => "privilege_grant",
            SignalKind::IdpRisk => "idp_risk",
        }
    }

    /// True for signals that show the attacker *acting* on the account (persistence, collection,
    /// privilege): the ones that can make a likelihood Confirmed when tied to a suspicious session.
    pub fn is_attacker_action(self) -> bool {
        matches!(
            self,
            SignalKind::ForwardingRule
                | SignalKind::OauthGrant
                | SignalKind::MfaFactorChange
                | SignalKind::RecoveryChange
                | SignalKind::PrivilegeGrant
                | SignalKind::MassDownload
        )
    }
}

impl std::fmt::Display for SignalKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How strong a single signal is on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// Context only; never raises likelihood on its own.
    Info,
    /// Weak anomaly.
    Low,
    /// Clear anomaly, ambiguous intent.
    Medium,
    /// Pattern vendors rate as likely malicious.
    High,
}

impl Severity {
    /// Stable lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// One finding, with everything needed to explain and check it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// What was found.
    pub kind: SignalKind,
    /// How strong it is.
    pub severity: Severity,
    /// When it happened: the time of the decisive evidence event (the success after the
    /// failures, the second login of an impossible pair, the rule creation).
    pub time: DateTime<Utc>,
    /// Evidence event ids, in time order.
    pub events: Vec<EventId>,
    /// ATT&CK technique ids (see [`ATTACK_VERSION`]).
    pub techniques: Vec<Cow<'static, str>>,
    /// One line a human can act on: what, from where, why it is odd.
    pub summary: String,
}

/// Everything a detector may look at for one user.
#[derive(Debug, Clone, Copy)]
pub struct UserContext<'a> {
    /// The user being assessed.
    pub user: &'a UserId,
    /// The user's events inside the assessment window, sorted by (time, id).
    pub events: &'a [Event],
    /// What was normal for the user before the window.
    pub baseline: &'a Baseline,
    /// Tenant-wide facts (which IPs failed against many users).
    pub population: &'a Population,
    /// Thresholds and allow-lists.
    pub policy: &'a Policy,
}

/// A detector: pure, deterministic, order of `events` is time order.
pub type Detector = fn(&UserContext<'_>) -> Vec<Signal>;

/// Every detector, in [`SignalKind::ALL`] order.
pub fn detectors() -> &'static [(SignalKind, Detector)] {
    &[
        (SignalKind::ImpossibleTravel, travel::impossible_travel),
        (SignalKind::NewCountry, novelty::new_country),
        (SignalKind::NewAsn, novelty::new_asn),
        (SignalKind::NewDevice, novelty::new_device),
        (SignalKind::AnonymizingProxy, proxy::anonymizing_proxy),
        (SignalKind::BruteForceSuccess, credential::brute_force_success),
        (SignalKind::PasswordSpraySuccess, credential::password_spray_success),
        (SignalKind::MfaFatigue, credential::mfa_fatigue),
        (SignalKind::MfaFactorChange, account_change::mfa_factor_change),
        (SignalKind::RecoveryChange, account_change::recovery_change),
        (SignalKind::PasswordChange, account_change::password_change),
        (SignalKind::ForwardingRule, mail::forwarding_rule),
        (SignalKind::OauthGrant, oauth::oauth_grant),
        (SignalKind::SessionHijack, session::session_hijack),
        (SignalKind::MassDownload, exfil::mass_download),
        (SignalKind::PrivilegeGrant, account_change::privilege_grant),
        (SignalKind::IdpRisk, idp_risk::idp_risk),
    ]
}

/// Runs every detector and returns their signals sorted by (time, kind).
pub fn run_all(ctx: &UserContext<'_>) -> Vec<Signal> {
    let mut signals: Vec<Signal> = detectors().iter().flat_map(|(_, detect)| detect(ctx)).collect();
    signals.sort_by(|a, b| a.time.cmp(&b.time).then(a.kind.cmp(&b.kind)).then(a.events.cmp(&b.events)));
    signals
}

/// At most this many evidence ids are attached to one signal (the first ones, in time order);
/// the summary gives the full count. Keeps a 10,000-file burst from bloating every report.
pub const MAX_EVIDENCE: usize = 50;

impl Severity {
    /// One step lower (Info stays Info).
    pub fn demoted(self) -> Severity {
        match self {
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        }
    }

    /// One step higher (High stays High).
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium | Severity::High => Severity::High,
        }
    }
}

impl Signal {
    /// A signal whose evidence is `events` (time-ordered, capped at [`MAX_EVIDENCE`]) and whose
    /// time is `time`.
    pub(crate) fn new<'e>(
        kind: SignalKind,
        severity: Severity,
        time: DateTime<Utc>,
        events: impl IntoIterator<Item = &'e Event>,
        techniques: &[&'static str],
        summary: String,
    ) -> Signal {
        let mut ids: Vec<(DateTime<Utc>, &EventId)> =
            events.into_iter().map(|e| (e.time, &e.id)).collect();
        ids.sort();
        ids.dedup_by(|a, b| a.1 == b.1);
        Signal {
            kind,
            severity,
            time,
            events: ids.into_iter().take(MAX_EVIDENCE).map(|(_, id)| id.clone()).collect(),
            techniques: techniques.iter().map(|t| Cow::Borrowed(*t)).collect(),
            summary,
        }
    }
}

/// A successful sign-in that is not known to be background (`interactive != Some(false)`):
/// token refreshes egress from cloud regions unrelated to the user (Elastic).
pub(crate) fn is_interactive_success(e: &Event) -> bool {
    e.is_login_success() && e.interactive != Some(false)
}

/// True when the event came from a trusted network of the policy.
pub(crate) fn is_trusted(ctx: &UserContext<'_>, e: &Event) -> bool {
    e.network.ip.is_some_and(|ip| ctx.policy.is_trusted_ip(ip))
}

/// True when many other users of the tenant sign in from the event's network (corporate
/// egress, the company VPN). Anonymisers and hosting never count: an attacker who took over
/// several accounts from one VPS must not make that VPS look corporate.
pub(crate) fn is_shared_network(ctx: &UserContext<'_>, e: &Event) -> bool {
    !net::NetClass::of(&e.network).hides_location()
        && ctx.population.other_users_on_network(e, ctx.user) >= ctx.policy.detect.shared_network_min_users
}

/// A successful sign-in an account change can be blamed on: through Tor or a proxy, or (once
/// the baseline is mature) from a network the user never used and colleagues do not share.
pub(crate) fn is_suspicious_login(ctx: &UserContext<'_>, e: &Event) -> bool {
    if !e.is_login_success() || is_trusted(ctx, e) {
        return false;
    }
    match net::NetClass::of(&e.network) {
        net::NetClass::Tor | net::NetClass::Proxy => true,
        net::NetClass::PrivateRelay | net::NetClass::InFlight => false,
        net::NetClass::Hosting | net::NetClass::Plain => {
            (e.network.ip.is_some() || e.network.asn.is_some())
                && !ctx.baseline.is_learning(e.time, 0, &ctx.policy.detect)
                && !ctx.baseline.knows_network(e)
                && !is_shared_network(ctx, e)
        }
    }
}

/// The user's suspicious sign-ins in the window, in time order.
pub(crate) fn suspicious_logins<'a>(ctx: &UserContext<'a>) -> Vec<&'a Event> {
    ctx.events.iter().filter(|e| is_suspicious_login(ctx, e)).collect()
}

/// The latest of `logins` (time-ordered) at or before `at` and at most `hours` before it.
pub(crate) fn latest_before<'a>(logins: &[&'a Event], at: DateTime<Utc>, hours: i64) -> Option<&'a Event> {
    let idx = logins.partition_point(|e| e.time <= at);
    let e = *logins.get(idx.checked_sub(1)?)?;
    (at - e.time <= chrono::Duration::hours(hours)).then_some(e)
}

/// True for the kinds an account-change detector looks at having failed: a refused change did
/// not happen.
pub(crate) fn happened(e: &Event) -> bool {
    !e.outcome.is_failure()
}
