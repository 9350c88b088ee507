//! Scoring: combines a user's signals into a [`Likelihood`] with a breakdown of what
//! contributed, following the runbook's rubric (DESIGN §1) and the vendor-derived translation in
//! `detection-anchors.md` §2.14.
//!
//! How a score is built (every step is a [`Contribution`], so the breakdown explains every point):
//!
//! 1. **Signals.** Each signal is worth `severity points × kind weight` ([`ScorePolicy`]).
//!    Info signals are context and worth 0.
//! 2. **Diminishing returns.** Signals of one *family* (a kind, or the location-novelty family
//!    `new_country`/`new_asn`/`new_device`, which are facets of one odd sign-in) are ranked by
//!    points; the n-th counts `repeat_decay^(n-1)`. One burst that a detector reports ten times is
//!    one finding, not ten, and a trip abroad (new country + new network + hotel browser) stays a
//!    single anomalous event.
//! 3. **Correlation.** An anomalous *access* signal ([`is_access_anomaly`]) followed within
//!    `chain_window_hours` by an *attacker action* ([`SignalKind::is_attacker_action`]) from the same
//!    IP or the same session is a chain, worth `chain_bonus` (with the same diminishing returns).
//! 4. **Likelihood.** By points: `medium_at`, `high_at`. Floors: any High-severity signal makes it
//!    at least High ("clear malicious pattern"); a chain whose access and action are both at least
//!    Medium is Confirmed ("attacker actions visible ... from the suspicious session").
//! 5. **Bands.** The score is kept inside its likelihood's band (`[confirmed_at, 100]` for
//!    Confirmed, below `confirmed_at` otherwise, at least `high_at` for High), so ranking users by
//!    score never contradicts their likelihood. Floors and caps are contributions too.
//!
//! The function is pure and deterministic: signals are put in a canonical order first, so any
//! permutation of the same signals gives the same result byte for byte, and adding a signal never
//! lowers the likelihood or the score.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::detect::{Severity, Signal, SignalKind, ATTACK_VERSION};
use crate::evidence::{Event, EventId, EventKind, UserId};

/// The runbook's answer to "is this account compromised?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Likelihood {
    /// A single anomalous event, or the user confirmed it was them.
    Low,
    /// Several anomalies, unverified.
    Medium,
    /// Clear malicious patterns.
    High,
    /// Attacker actions visible, known credential theft, or an analyst's recorded decision.
    Confirmed,
}

impl Likelihood {
    /// Stable lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Likelihood::Low => "low",
            Likelihood::Medium => "medium",
            Likelihood::High => "high",
            Likelihood::Confirmed => "confirmed",
        }
    }
}

impl std::fmt::Display for Likelihood {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Likelihood thresholds and signal weights (`[score]` in a policy file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScorePolicy {
    /// Score at or above which the likelihood is at least Medium. 30: above one Medium signal
    /// (20), so a single anomalous event stays Low as the rubric says, while two independent
    /// anomalies (40) are "several anomalies, unverified".
    pub medium_at: f64,
    /// Score at or above which the likelihood is at least High. 60: one High signal, or three
    /// independent Medium anomalies; below that the evidence is circumstantial.
    pub high_at: f64,
    /// Lowest score of a Confirmed assessment; scores of other likelihoods stay below it. 90:
    /// leaves High a wide band (60–89.9) for ranking while Confirmed users always sort first.
    pub confirmed_at: f64,
    /// Points of a Low-severity signal. 10: weak on its own; it takes three to make Medium.
    pub low_points: f64,
    /// Points of a Medium-severity signal. 20: a clear anomaly with ambiguous intent (new country,
    /// forwarding rule, consent grant; anchors §2.14) is Low alone and Medium with another.
    pub medium_points: f64,
    /// Points of a High-severity signal. 60 (= `high_at`): a pattern vendors rate as likely
    /// malicious (push approved after denials, success after a spray) is High on its own.
    pub high_points: f64,
    /// Multiplier of the n-th signal of one family, ranked by points: `repeat_decay^(n-1)`.
    /// 0.5: repeats are corroboration but mostly the same finding; the series sums to at most
    /// twice the strongest signal, so no detector can reach High by repetition of Medium signals.
    pub repeat_decay: f64,
    /// Hours within which an attacker action must follow an anomalous access signal to form a
    /// chain. 24: anchors §2.14 "followed by a persistence action ... within hours"; BEC actors
    /// usually add the forwarding rule or consent within the first session or the next day.
    pub chain_window_hours: u32,
    /// Points of a correlated access → action chain (diminishing with `repeat_decay` across chains).
    /// 40: the link between a suspicious sign-in and what was done from it is the strongest evidence
    /// there is; it outweighs either signal alone.
    pub chain_bonus: f64,
    /// Per-kind multipliers of the severity points.
    pub weights: KindWeights,
}

impl Default for ScorePolicy {
    fn default() -> Self {
        ScorePolicy {
            medium_at: 30.0,
            high_at: 60.0,
            confirmed_at: 90.0,
            low_points: 10.0,
            medium_points: 20.0,
            high_points: 60.0,
            repeat_decay: 0.5,
            chain_window_hours: 24,
            chain_bonus: 40.0,
            weights: KindWeights::default(),
        }
    }
}

/// How much each signal kind counts, as a multiplier of its severity points (`[score.weights]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KindWeights {
    /// 1.0: a physical impossibility is direct evidence of shared credentials or a proxy.
    pub impossible_travel: f64,
    /// 1.0: the strongest location-novelty signal (Entra and MDA rate it as a primary factor).
    pub new_country: f64,
    /// 0.75: new networks are common (mobile carriers, hotel and café Wi-Fi, ISP changes).
    pub new_asn: f64,
    /// 0.5: new browsers and devices are routine (updates, new phone); context more than evidence.
    pub new_device: f64,
    /// 1.0: anonymisers are how attackers hide origin; legitimate users rarely sign in through Tor.
    pub anonymizing_proxy: f64,
    /// 1.0: a success after many failures (T1110.001).
    pub brute_force_success: f64,
    /// 1.0: a success from a tenant-wide spraying IP (T1110.003).
    pub password_spray_success: f64,
    /// 1.0: a push approved after repeated denials (T1621).
    pub mfa_fatigue: f64,
    /// 1.0: a new factor is persistence (T1098.005) when the attacker adds it.
    pub mfa_factor_change: f64,
    /// 1.0: a changed recovery channel lets the attacker take the account back after a reset.
    pub recovery_change: f64,
    /// 0.5: password changes are routine hygiene; they matter mainly in a chain.
    pub password_change: f64,
    /// 1.0: external forwarding or hiding rules are the classic BEC persistence (T1114.003).
    pub forwarding_rule: f64,
    /// 1.0: consent phishing and mail-reading apps survive a password reset (T1528).
    pub oauth_grant: f64,
    /// 1.0: a session token replayed from elsewhere defeats MFA (T1550.004 / T1539).
    pub session_hijack: f64,
    /// 1.0: collection / exfiltration (T1530, T1114.002).
    pub mass_download: f64,
    /// 1.0: privilege escalation (T1098.003).
    pub privilege_grant: f64,
    /// 1.0: the IdP's own risk engine, which sees signals we do not.
    pub idp_risk: f64,
}

impl Default for KindWeights {
    fn default() -> Self {
        KindWeights {
            impossible_travel: 1.0,
            new_country: 1.0,
            new_asn: 0.75,
            new_device: 0.5,
            anonymizing_proxy: 1.0,
            brute_force_success: 1.0,
            password_spray_success: 1.0,
            mfa_fatigue: 1.0,
            mfa_factor_change: 1.0,
            recovery_change: 1.0,
            password_change: 0.5,
            forwarding_rule: 1.0,
            oauth_grant: 1.0,
            session_hijack: 1.0,
            mass_download: 1.0,
            privilege_grant: 1.0,
            idp_risk: 1.0,
        }
    }
}

impl KindWeights {
    /// The multiplier of `kind`.
    pub fn of(&self, kind: SignalKind) -> f64 {
        match kind {
            SignalKind::ImpossibleTravel => self.impossible_travel,
            SignalKind::NewCountry => self.new_country,
            SignalKind::NewAsn => self.new_asn,
            SignalKind::NewDevice => self.new_device,
            SignalKind::AnonymizingProxy => self.anonymizing_proxy,
            SignalKind::BruteForceSuccess => self.brute_force_success,
            SignalKind::PasswordSpraySuccess => self.password_spray_success,
            SignalKind::MfaFatigue => self.mfa_fatigue,
            SignalKind::MfaFactorChange => self.mfa_factor_change,
            SignalKind::RecoveryChange => self.recovery_change,
            SignalKind::PasswordChange => self.password_change,
            SignalKind::ForwardingRule => self.forwarding_rule,
            SignalKind::OauthGrant => self.oauth_grant,
            SignalKind::SessionHijack => self.session_hijack,
            SignalKind::MassDownload => self.mass_download,
            SignalKind::PrivilegeGrant => self.privilege_grant,
            SignalKind::IdpRisk => self.idp_risk,
        }
    }
}

/// True for signals that say the *sign-in* was anomalous (where from, how it got in): the first
/// half of an access → action chain.
pub fn is_access_anomaly(kind: SignalKind) -> bool {
    matches!(
        kind,
        SignalKind::ImpossibleTravel
            | SignalKind::NewCountry
            | SignalKind::NewAsn
            | SignalKind::AnonymizingProxy
            | SignalKind::BruteForceSuccess
            | SignalKind::PasswordSpraySuccess
            | SignalKind::MfaFatigue
            | SignalKind::SessionHijack
            | SignalKind::IdpRisk
    )
}

/// What one signal (or one correlation between signals) added to the score, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// The signal kind, or `None` for a correlation bonus, a floor or a cap.
    pub kind: Option<SignalKind>,
    /// Points added (negative for a cap).
    pub points: f64,
    /// Why, in one line.
    pub reason: String,
    /// The evidence events this contribution rests on (the signal's, or both signals' for a chain).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventId>,
}

impl Contribution {
    /// What the row is: the signal kind's name, or `correlation`, `floor` or `cap` for the
    /// score's own adjustments (whose reasons start with that word).
    pub fn label(&self) -> &str {
        if let Some(kind) = self.kind {
            return kind.name();
        }
        match self.reason.split_once(':') {
            Some((head @ ("correlation" | "floor" | "cap"), _)) => head,
            _ => "adjustment",
        }
    }
}

/// The Identification phase's verdict on one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// Who.
    pub user: UserId,
    /// The verdict.
    pub likelihood: Likelihood,
    /// Sum of contributions (0–100, capped), for ranking users.
    pub score: f64,
    /// Every signal, in time order.
    pub signals: Vec<Signal>,
    /// How the score was built.
    pub breakdown: Vec<Contribution>,
    /// Events of this user that were considered (window and baseline).
    pub events_considered: u64,
}

impl Assessment {
    /// The `irp assess` JSON contract view of this assessment (DESIGN §3), with stable key order:
    /// `user, likelihood, score, signals[kind, severity, techniques, summary, events, time],
    /// events_considered, breakdown, attack_version`.
    pub fn contract(&self) -> ContractView<'_> {
        ContractView {
            user: self.user.as_str(),
            likelihood: self.likelihood,
            score: self.score,
            signals: self
                .signals
                .iter()
                .map(|s| ContractSignal {
                    kind: s.kind,
                    severity: s.severity,
                    techniques: &s.techniques,
                    summary: &s.summary,
                    events: &s.events,
                    time: s.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                })
                .collect(),
            events_considered: self.events_considered,
            breakdown: &self.breakdown,
            attack_version: ATTACK_VERSION,
        }
    }

    /// The contract view as one line of JSON.
    pub fn to_contract_json(&self) -> String {
        // Serialising plain structs of strings and finite numbers into a String cannot fail.
        serde_json::to_string(&self.contract()).unwrap_or_default()
    }
}

/// The `irp assess` JSON object (DESIGN §3). Field order is the contract's key order.
#[derive(Debug, Clone, Serialize)]
pub struct ContractView<'a> {
    /// Normalised user id.
    pub user: &'a str,
    /// `low`, `medium`, `high` or `confirmed`.
    pub likelihood: Likelihood,
    /// 0–100, one decimal.
    pub score: f64,
    /// Signals in time order.
    pub signals: Vec<ContractSignal<'a>>,
    /// Events of the user that were considered.
    pub events_considered: u64,
    /// How the score was built.
    pub breakdown: &'a [Contribution],
    /// The ATT&CK release the technique ids refer to.
    pub attack_version: &'static str,
}

/// One signal in the `irp assess` JSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct ContractSignal<'a> {
    /// Stable snake_case kind.
    pub kind: SignalKind,
    /// `info`, `low`, `medium` or `high`.
    pub severity: Severity,
    /// ATT&CK technique ids.
    pub techniques: &'a [std::borrow::Cow<'static, str>],
    /// One-line explanation.
    pub summary: &'a str,
    /// Evidence event ids in time order.
    pub events: &'a [EventId],
    /// RFC 3339 UTC time of the decisive evidence event.
    pub time: String,
}

/// Rounds to one decimal place, so output is stable across platforms and summation orders.
fn round1(x: f64) -> f64 {
    let r = (x * 10.0).round() / 10.0;
    // Normalise -0.0 so it prints as 0.0.
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Diminishing-returns family: novelty kinds share one (they describe one odd sign-in).
fn family(kind: SignalKind) -> SignalKind {
    match kind {
        SignalKind::NewAsn | SignalKind::NewDevice => SignalKind::NewCountry,
        other => other,
    }
}

fn severity_points(severity: Severity, policy: &ScorePolicy) -> f64 {
    match severity {
        Severity::Info => 0.0,
        Severity::Low => policy.low_points,
        Severity::Medium => policy.medium_points,
        Severity::High => policy.high_points,
    }
}

/// A total order on signal content: the canonical order every step iterates in.
fn canonical(a: &Signal, b: &Signal) -> Ordering {
    a.time
        .cmp(&b.time)
        .then(a.kind.cmp(&b.kind))
        .then(a.events.cmp(&b.events))
        .then(a.severity.cmp(&b.severity))
        .then(a.summary.cmp(&b.summary))
        .then(a.techniques.cmp(&b.techniques))
}

/// Finite, non-negative policy number (a policy typo such as `-1` or `nan` must not poison scores).
fn sane(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        0.0
    }
}

/// The decisive evidence event of an access signal: the one at the signal's time (the success after
/// failures, the second login of an impossible pair), falling back to the last evidence event. Only
/// that event says where the *suspicious* session came from: the other half of an impossible pair
/// is usually the real user.
fn decisive<'e>(signal: &Signal, events: &Index<'e>) -> Option<&'e Event> {
    let found: Vec<&Event> = signal.events.iter().filter_map(|id| events.get(id).copied()).collect();
    found.iter().rev().find(|e| e.time == signal.time).or(found.last()).copied()
}

/// Window events by id (a `BTreeMap`, so nothing depends on hash order).
type Index<'e> = BTreeMap<&'e EventId, &'e Event>;

/// How an action is tied to an access signal, for the explanation.
fn link(access: &Event, action: &Signal, events: &Index<'_>) -> Option<String> {
    // Only the events that *are* the action count: detectors may cite the sign-in an action
    // followed as context, and that sign-in trivially shares its own IP and session.
    let action_events: Vec<&Event> = action
        .events
        .iter()
        .filter_map(|id| events.get(id).copied())
        .filter(|e| e.id != access.id && !is_sign_in(&e.kind))
        .collect();
    if let Some(sid) = access.session_id.as_deref().filter(|s| !s.is_empty()) {
        if action_events.iter().any(|e| e.session_id.as_deref() == Some(sid)) {
            return Some("the same session".to_owned());
        }
    }
    let ip = access.network.ip?;
    action_events.iter().any(|e| e.network.ip == Some(ip)).then(|| format!("the same IP {ip}"))
}

/// Sign-in and MFA steps: how someone got in, never what they did once in.
fn is_sign_in(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Login
            | EventKind::Logout
            | EventKind::TokenRefresh
            | EventKind::MfaChallengeSent { .. }
            | EventKind::MfaApproved { .. }
            | EventKind::MfaDenied { .. }
    )
}

struct Chain<'s> {
    access: &'s Signal,
    action: &'s Signal,
    how: String,
    confirms: bool,
}

/// Finds, for each attacker action, the strongest anomalous access signal that precedes it within
/// the chain window and shares its IP or session.
fn chains<'s>(signals: &[&'s Signal], events: &Index<'_>, policy: &ScorePolicy) -> Vec<Chain<'s>> {
    let window = Duration::hours(i64::from(policy.chain_window_hours));
    let mut out = Vec::new();
    for action in signals.iter().filter(|s| s.kind.is_attacker_action() && s.severity > Severity::Info) {
        let mut best: Option<Chain<'s>> = None;
        for access in signals.iter().filter(|s| is_access_anomaly(s.kind) && s.severity > Severity::Info) {
            if action.time < access.time || action.time - access.time > window {
                continue;
            }
            let Some(how) = decisive(access, events).and_then(|ev| link(ev, action, events)) else {
                continue;
            };
            // `signals` is canonical, so the first strongest access wins deterministically.
            if best.as_ref().is_none_or(|b| access.severity > b.access.severity) {
                let confirms = access.severity >= Severity::Medium && action.severity >= Severity::Medium;
                best = Some(Chain { access, action, how, confirms });
            }
        }
        out.extend(best);
    }
    out
}

/// Scores one user's signals. `events` are the user's window events (sorted), for correlation
/// by IP and session. Returns the likelihood, the score (0–100, one decimal) and the breakdown,
/// whose points sum to the score.
pub fn score(signals: &[Signal], events: &[Event], policy: &ScorePolicy) -> (Likelihood, f64, Vec<Contribution>) {
    let mut ordered: Vec<&Signal> = signals.iter().collect();
    ordered.sort_by(|a, b| canonical(a, b));
    let decay = sane(policy.repeat_decay).min(1.0);

    // Rank each signal inside its family: strongest first, canonical order between equals.
    let base: Vec<f64> =
        ordered.iter().map(|s| sane(severity_points(s.severity, policy)) * sane(policy.weights.of(s.kind))).collect();
    let mut rank_order: Vec<usize> = (0..ordered.len()).collect();
    rank_order.sort_by(|&a, &b| {
        family(ordered[a].kind).cmp(&family(ordered[b].kind)).then(base[b].total_cmp(&base[a])).then(a.cmp(&b))
    });
    let mut rank = vec![0i32; ordered.len()];
    for pair in rank_order.windows(2) {
        if family(ordered[pair[0]].kind) == family(ordered[pair[1]].kind) {
            rank[pair[1]] = rank[pair[0]] + 1;
        }
    }

    let mut breakdown = Vec::with_capacity(ordered.len() + 2);
    for (i, s) in ordered.iter().enumerate() {
        let factor = decay.powi(rank[i]);
        let points = round1(base[i] * factor);
        let mut reason = format!(
            "{} {} ({} points x weight {})",
            s.severity.name(),
            s.kind.name(),
            severity_points(s.severity, policy),
            policy.weights.of(s.kind)
        );
        if s.severity == Severity::Info {
            reason = format!("info {}: context only, no points", s.kind.name());
        } else if rank[i] > 0 {
            reason.push_str(&format!(", repeat #{} of its family counted at {}%", rank[i] + 1, round1(factor * 100.0)));
        }
        breakdown.push(Contribution { kind: Some(s.kind), points, reason, events: s.events.clone() });
    }

    let index: Index<'_> = events.iter().map(|e| (&e.id, e)).collect();
    let found = chains(&ordered, &index, policy);
    let mut confirmed = None;
    for (n, chain) in found.iter().enumerate() {
        let factor = decay.powi(i32::try_from(n).unwrap_or(i32::MAX));
        let points = round1(sane(policy.chain_bonus) * factor);
        let hours = (chain.action.time - chain.access.time).num_minutes() as f64 / 60.0;
        let mut reason = format!(
            "correlation: {} {} then {} {} from {} {} h later",
            chain.access.severity.name(),
            chain.access.kind.name(),
            chain.action.severity.name(),
            chain.action.kind.name(),
            chain.how,
            round1(hours)
        );
        if n > 0 {
            reason.push_str(&format!(" (chain #{} counted at {}%)", n + 1, round1(factor * 100.0)));
        }
        let mut evidence: Vec<EventId> = chain.access.events.iter().chain(&chain.action.events).cloned().collect();
        evidence.sort();
        evidence.dedup();
        breakdown.push(Contribution { kind: None, points, reason: reason.clone(), events: evidence });
        if chain.confirms && confirmed.is_none() {
            confirmed = Some(reason);
        }
    }

    let raw = round1(breakdown.iter().map(|c| c.points).sum());
    let mut likelihood = if raw >= policy.high_at {
        Likelihood::High
    } else if raw >= policy.medium_at {
        Likelihood::Medium
    } else {
        Likelihood::Low
    };
    let strongest_high = ordered.iter().find(|s| s.severity == Severity::High);
    if strongest_high.is_some() {
        likelihood = likelihood.max(Likelihood::High);
    }
    if confirmed.is_some() {
        likelihood = Likelihood::Confirmed;
    }

    // Keep the score inside its likelihood's band so ranking by score agrees with likelihood.
    let (low, high) = match likelihood {
        Likelihood::Confirmed => (policy.confirmed_at, 100.0),
        Likelihood::High => (policy.high_at, policy.confirmed_at - 0.1),
        _ => (0.0, policy.confirmed_at - 0.1),
    };
    let target = round1(raw.clamp(low.min(high), high.max(low)).clamp(0.0, 100.0));
    if target > raw {
        let why = match (likelihood, strongest_high) {
            (Likelihood::Confirmed, _) => "floor: Confirmed by an access -> action chain".to_owned(),
            (_, Some(s)) => format!("floor: high-severity {} is a clear malicious pattern (High)", s.kind.name()),
            _ => "floor".to_owned(),
        };
        breakdown.push(Contribution { kind: None, points: round1(target - raw), reason: why, events: Vec::new() });
    } else if target < raw {
        let why = if likelihood == Likelihood::Confirmed {
            "cap: scores stop at 100".to_owned()
        } else {
            format!("cap: without a confirmed access -> action chain the score stays below {}", policy.confirmed_at)
        };
        breakdown.push(Contribution { kind: None, points: round1(target - raw), reason: why, events: Vec::new() });
    }
    (likelihood, target, breakdown)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use chrono::{DateTime, TimeZone, Utc};
    use proptest::prelude::*;

    use super::*;
    use crate::evidence::{EventKind, Outcome, RuleChange};

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap() + Duration::minutes(minutes)
    }

    fn ev(id: &str, minutes: i64, ip: &str, session: Option<&str>) -> Event {
        let mut e = Event::new(id, at(minutes), "alice@example.com", EventKind::Login, Outcome::success());
        e.network.ip = ip.parse().ok();
        e.session_id = session.map(Into::into);
        e
    }

    /// An attacker action: an inbox rule created.
    fn act(id: &str, minutes: i64, ip: &str, session: Option<&str>) -> Event {
        let mut e = ev(id, minutes, ip, session);
        e.kind =
            EventKind::InboxRule { change: RuleChange::Created, name: None, forward_to: Vec::new(), hides_mail: true };
        e
    }

    fn sig(kind: SignalKind, severity: Severity, minutes: i64, events: &[&str]) -> Signal {
        Signal {
            kind,
            severity,
            time: at(minutes),
            events: events.iter().map(|e| EventId((*e).to_owned())).collect(),
            techniques: vec![Cow::Borrowed("T1078")],
            summary: format!("{} test", kind.name()),
        }
    }

    fn run(signals: &[Signal], events: &[Event]) -> (Likelihood, f64, Vec<Contribution>) {
        score(signals, events, &ScorePolicy::default())
    }

    fn sum(breakdown: &[Contribution]) -> f64 {
        round1(breakdown.iter().map(|c| c.points).sum())
    }

    #[test]
    fn nothing_is_low_zero() {
        assert_eq!(run(&[], &[]), (Likelihood::Low, 0.0, Vec::new()));
    }

    #[test]
    fn info_contributes_nothing_but_is_explained() {
        let (l, s, b) = run(&[sig(SignalKind::PasswordChange, Severity::Info, 0, &["e1"])], &[]);
        assert_eq!((l, s), (Likelihood::Low, 0.0));
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].points, 0.0);
        assert!(b[0].reason.contains("context only"), "{}", b[0].reason);
    }

    #[test]
    fn single_anomaly_is_low() {
        let (l, s, b) = run(&[sig(SignalKind::NewCountry, Severity::Medium, 0, &["e1"])], &[]);
        assert_eq!((l, s), (Likelihood::Low, 20.0));
        assert_eq!(b[0].kind, Some(SignalKind::NewCountry));
    }

    #[test]
    fn one_trip_abroad_is_one_anomalous_event() {
        // New country, new network and a hotel browser on one sign-in: one family, diminishing.
        let signals = [
            sig(SignalKind::NewCountry, Severity::Medium, 0, &["e1"]),
            sig(SignalKind::NewAsn, Severity::Medium, 0, &["e1"]),
            sig(SignalKind::NewDevice, Severity::Low, 0, &["e1"]),
        ];
        let (l, s, b) = run(&signals, &[]);
        assert_eq!(l, Likelihood::Low);
        assert_eq!(s, 20.0 + 7.5 + 1.3);
        assert!(b[1].reason.contains("repeat #2"), "{}", b[1].reason);
        assert_eq!(sum(&b), s);
    }

    #[test]
    fn several_anomalies_are_medium() {
        let signals = [
            sig(SignalKind::NewCountry, Severity::Medium, 0, &["e1"]),
            sig(SignalKind::AnonymizingProxy, Severity::Medium, 60, &["e2"]),
        ];
        assert_eq!(run(&signals, &[]).0, Likelihood::Medium);
        assert_eq!(run(&signals, &[]).1, 40.0);
    }

    #[test]
    fn three_independent_anomalies_are_high_by_points() {
        let signals = [
            sig(SignalKind::NewCountry, Severity::Medium, 0, &["e1"]),
            sig(SignalKind::AnonymizingProxy, Severity::Medium, 60, &["e2"]),
            sig(SignalKind::IdpRisk, Severity::Medium, 120, &["e3"]),
        ];
        let (l, s, b) = run(&signals, &[]);
        assert_eq!((l, s), (Likelihood::High, 60.0));
        assert!(b.iter().all(|c| c.kind.is_some()), "no floor needed: {b:?}");
    }

    #[test]
    fn repeats_of_one_kind_diminish() {
        let signals: Vec<Signal> =
            (0..4).map(|i| sig(SignalKind::BruteForceSuccess, Severity::Medium, i * 60, &[&format!("e{i}")])).collect();
        let (l, s, _) = run(&signals, &[]);
        // 20 + 10 + 5 + 2.5: four repeats never reach High on their own.
        assert_eq!((l, s), (Likelihood::Medium, 37.5));
    }

    #[test]
    fn high_access_signal_alone_is_high() {
        let (l, s, b) = run(&[sig(SignalKind::MfaFatigue, Severity::High, 0, &["e1"])], &[]);
        assert_eq!((l, s), (Likelihood::High, 60.0));
        // With a higher threshold the floor keeps it High and explains the extra points.
        let policy = ScorePolicy { high_at: 70.0, ..ScorePolicy::default() };
        let (l, s, b2) = score(&[sig(SignalKind::MfaFatigue, Severity::High, 0, &["e1"])], &[], &policy);
        assert_eq!((l, s), (Likelihood::High, 70.0));
        assert!(b2.last().unwrap().reason.starts_with("floor"), "{b2:?}");
        assert_eq!(b.len(), 1);
    }

    fn takeover(rule_ip: &str, rule_session: Option<&str>, rule_minutes: i64) -> (Vec<Signal>, Vec<Event>) {
        let events = vec![
            ev("home", 0, "198.51.100.7", Some("s-home")),
            ev("login", 600, "203.0.113.9", Some("s-evil")),
            act("rule", rule_minutes, rule_ip, rule_session),
        ];
        let signals = vec![
            sig(SignalKind::NewCountry, Severity::Medium, 600, &["login"]),
            sig(SignalKind::ForwardingRule, Severity::Medium, rule_minutes, &["rule"]),
        ];
        (signals, events)
    }

    #[test]
    fn chain_from_the_same_ip_is_confirmed() {
        let (signals, events) = takeover("203.0.113.9", None, 700);
        let (l, s, b) = run(&signals, &events);
        assert_eq!(l, Likelihood::Confirmed);
        assert!((90.0..=100.0).contains(&s), "{s}");
        let chain = b.iter().find(|c| c.reason.starts_with("correlation")).unwrap();
        assert!(chain.reason.contains("the same IP 203.0.113.9"), "{}", chain.reason);
        assert_eq!(chain.events, vec![EventId("login".into()), EventId("rule".into())]);
        assert_eq!(sum(&b), s);
    }

    #[test]
    fn chain_from_the_same_session_is_confirmed() {
        let (signals, events) = takeover("192.0.2.44", Some("s-evil"), 700);
        let (l, _, b) = run(&signals, &events);
        assert_eq!(l, Likelihood::Confirmed);
        assert!(b.iter().any(|c| c.reason.contains("the same session")));
    }

    #[test]
    fn action_from_another_ip_is_not_a_chain() {
        let (signals, events) = takeover("198.51.100.7", Some("s-home"), 700);
        let (l, s, b) = run(&signals, &events);
        assert_eq!((l, s), (Likelihood::Medium, 40.0));
        assert!(b.iter().all(|c| c.kind.is_some()));
    }

    #[test]
    fn chain_needs_order_and_window() {
        // The rule came before the sign-in: not done from it.
        let (signals, events) = takeover("203.0.113.9", None, 500);
        assert_eq!(run(&signals, &events).0, Likelihood::Medium);
        // 25 hours later: outside the default 24 h window.
        let (signals, events) = takeover("203.0.113.9", None, 600 + 25 * 60);
        assert_eq!(run(&signals, &events).0, Likelihood::Medium);
        let wide = ScorePolicy { chain_window_hours: 48, ..ScorePolicy::default() };
        assert_eq!(score(&signals, &events, &wide).0, Likelihood::Confirmed);
    }

    #[test]
    fn the_sign_in_an_action_cites_as_context_is_not_the_link() {
        // The rule's signal cites the suspicious sign-in as context; the rule itself came from home.
        let (mut signals, events) = takeover("198.51.100.7", Some("s-home"), 700);
        signals[1].events = vec![EventId("login".into()), EventId("rule".into())];
        assert_eq!(run(&signals, &events).0, Likelihood::Medium);
    }

    #[test]
    fn weak_chain_adds_points_but_does_not_confirm() {
        let (mut signals, events) = takeover("203.0.113.9", None, 700);
        signals[0].severity = Severity::Low;
        let (l, s, b) = run(&signals, &events);
        assert_eq!(l, Likelihood::High);
        assert_eq!(s, 10.0 + 20.0 + 40.0);
        assert!(b.iter().any(|c| c.kind.is_none() && c.points == 40.0));
    }

    #[test]
    fn impossible_travel_chain_uses_the_decisive_login_not_the_users_own() {
        // The impossible pair's first login is the real user at home; a rule from home is theirs.
        let events = vec![
            ev("home", 0, "198.51.100.7", None),
            ev("far", 30, "203.0.113.9", None),
            act("rule", 90, "198.51.100.7", None),
        ];
        let signals = vec![
            sig(SignalKind::ImpossibleTravel, Severity::High, 30, &["home", "far"]),
            sig(SignalKind::ForwardingRule, Severity::Medium, 90, &["rule"]),
        ];
        assert_eq!(run(&signals, &events).0, Likelihood::High);
    }

    #[test]
    fn contract_json_has_the_documented_keys_in_order() {
        let (signals, events) = takeover("203.0.113.9", None, 700);
        let (likelihood, score, breakdown) = run(&signals, &events);
        let a = Assessment {
            user: UserId::new("Alice@Example.com"),
            likelihood,
            score,
            signals,
            breakdown,
            events_considered: 3,
        };
        let json = a.to_contract_json();
        let keys = ["\"user\":", "\"likelihood\":", "\"score\":", "\"signals\":", "\"events_considered\":"];
        let positions: Vec<usize> = keys.iter().map(|k| json.find(k).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
        assert!(json.starts_with("{\"user\":\"alice@example.com\",\"likelihood\":\"confirmed\""), "{json}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["signals"][1]["kind"], "forwarding_rule");
        assert_eq!(v["signals"][1]["severity"], "medium");
        assert_eq!(v["signals"][1]["events"][0], "rule");
        assert_eq!(v["signals"][0]["techniques"][0], "T1078");
        assert_eq!(v["attack_version"], ATTACK_VERSION);
    }

    #[test]
    fn score_policy_from_toml() {
        let p =
            crate::policy::Policy::from_toml_str("[score]\nmedium_at = 25\n[score.weights]\nnew_asn = 1.0\n").unwrap();
        assert_eq!(p.score.medium_at, 25.0);
        assert_eq!(p.score.weights.new_asn, 1.0);
        assert_eq!(p.score.high_at, 60.0);
        assert!(crate::policy::Policy::from_toml_str("[score]\nmedium = 25\n").is_err());
        assert!(crate::policy::Policy::from_toml_str("[score.weights]\nnew_asm = 1.0\n").is_err());
    }

    // --- properties ---

    const IDS: [&str; 6] = ["a", "b", "c", "d", "e", "f"];
    const IPS: [&str; 3] = ["198.51.100.7", "203.0.113.9", "2001:db8::1"];

    fn arb_signal() -> impl Strategy<Value = Signal> {
        (0..SignalKind::ALL.len(), 0..4usize, 0..3000i64, proptest::collection::vec(0..IDS.len(), 0..3)).prop_map(
            |(k, s, t, ids)| {
                let severity = [Severity::Info, Severity::Low, Severity::Medium, Severity::High][s];
                let ids: Vec<&str> = ids.into_iter().map(|i| IDS[i]).collect();
                sig(SignalKind::ALL[k], severity, t, &ids)
            },
        )
    }

    fn arb_events() -> impl Strategy<Value = Vec<Event>> {
        proptest::collection::vec((0..3000i64, 0..IPS.len(), proptest::option::of(0..2usize)), IDS.len()).prop_map(
            |specs| {
                specs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (t, ip, s))| {
                        let session = s.map(|s| ["s1", "s2"][s]);
                        if i % 2 == 0 {
                            ev(IDS[i], t, IPS[ip], session)
                        } else {
                            act(IDS[i], t, IPS[ip], session)
                        }
                    })
                    .collect()
            },
        )
    }

    proptest! {
        #[test]
        fn never_panics_and_stays_in_range(signals in proptest::collection::vec(arb_signal(), 0..12), events in arb_events()) {
            let (_, s, b) = run(&signals, &events);
            prop_assert!((0.0..=100.0).contains(&s));
            prop_assert!((sum(&b) - s).abs() < 0.05, "breakdown {} != score {}", sum(&b), s);
        }

        #[test]
        fn permutation_invariant(
            signals in proptest::collection::vec(arb_signal(), 0..10),
            events in arb_events(),
            seed in any::<u64>(),
        ) {
            let mut shuffled = signals.clone();
            // A deterministic Fisher-Yates from the seed.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(run(&signals, &events), run(&shuffled, &events));
        }

        #[test]
        fn adding_a_signal_never_lowers(
            signals in proptest::collection::vec(arb_signal(), 0..10),
            extra in arb_signal(),
            events in arb_events(),
        ) {
            let (l0, s0, _) = run(&signals, &events);
            let mut more = signals.clone();
            more.push(extra);
            let (l1, s1, _) = run(&more, &events);
            prop_assert!(l1 >= l0, "{:?} -> {:?}", l0, l1);
            prop_assert!(s1 >= s0, "{} -> {}", s0, s1);
        }
    }
}
