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

pub use baseline::{Baseline, BaselineBuilder, GeoCell};
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
        let mut ids: Vec<(DateTime<Utc>, &EventId)> = events.into_iter().map(|e| (e.time, &e.id)).collect();
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::testkit::*;
    use super::*;
    use crate::evidence::{EventKind, Outcome, RecoveryChannel, RiskLevel, RuleChange};

    #[test]
    fn registry_matches_kinds_in_order() {
        let kinds: Vec<SignalKind> = detectors().iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, SignalKind::ALL);
    }

    #[test]
    fn run_all_orders_and_tags_signals() {
        let w = [
            home("a", 0).build(),
            login("b", 41).ip("102.89.1.1").geo("NG", 6.45, 3.39).city("Lagos").asn(37148).ua(FIREFOX_LINUX).build(),
        ];
        let user = UserId::new(USER);
        let (baseline, population, policy) =
            (Baseline::build(&home_history()), Population::default(), Policy::default());
        let ctx =
            UserContext { user: &user, events: &w, baseline: &baseline, population: &population, policy: &policy };
        let kinds: Vec<(SignalKind, Severity)> = run_all(&ctx).iter().map(|s| (s.kind, s.severity)).collect();
        assert_eq!(
            kinds,
            [
                (SignalKind::ImpossibleTravel, Severity::High),
                (SignalKind::NewCountry, Severity::Medium),
                (SignalKind::NewAsn, Severity::Low),
                (SignalKind::NewDevice, Severity::Medium),
            ]
        );
    }

    /// One arbitrary event from small pools, so that collisions (same IP, session, object,
    /// time) are frequent and detectors actually fire.
    fn arb_event() -> impl Strategy<Value = (i64, u8, u8, u8, u8, u8, (f64, f64, f64))> {
        (
            -3000i64..3000,
            0u8..22,
            0u8..6,
            0u8..4,
            0u8..4,
            0u8..5,
            (-100.0f64..100.0, -200.0f64..200.0, prop_oneof![Just(f64::NAN), Just(-5.0), 0.0f64..2000.0]),
        )
    }

    fn make(
        i: usize,
        (m, kind, ip, outcome, sess, ua, (lat, lon, r)): (i64, u8, u8, u8, u8, u8, (f64, f64, f64)),
    ) -> Event {
        let kind = match kind {
            0..=5 => EventKind::Login,
            6 => EventKind::MfaChallengeSent { factor: None },
            7 => EventKind::MfaDenied { factor: None },
            8 => EventKind::MfaApproved { factor: None },
            9 => EventKind::MfaFactorEnrolled { factor: Some("push".into()) },
            10 => EventKind::MfaFactorReset,
            11 => EventKind::PasswordChange,
            12 => EventKind::RecoveryChange { channel: RecoveryChannel::Phone },
            13 => EventKind::InboxRule {
                change: RuleChange::Created,
                name: None,
                forward_to: vec!["x@evil.example".into()],
                hides_mail: true,
            },
            14 => EventKind::MailboxForwarding { forward_to: vec!["bob@example.com".into()] },
            15 => EventKind::OAuthGrant {
                app: format!("app{ip}").into(),
                scopes: vec!["Mail.Read".into()],
                admin_consent: false,
            },
            16 | 17 => EventKind::FileDownload { object: Some(format!("f{}", i % 40).into()) },
            18 => EventKind::PrivilegeGrant { role: Some("Global Administrator".into()) },
            19 => EventKind::RiskDetected { detection: "leakedCredentials".into() },
            20 => EventKind::TokenRefresh,
            _ => EventKind::FileAccess { object: None },
        };
        let outcome = match outcome {
            0 | 1 => Outcome::success(),
            2 => Outcome::failure("x"),
            _ => Outcome::default(),
        };
        let mut b = B(Event::new(format!("e{i:04}"), t(m), USER, kind, outcome));
        b = match ip {
            0 => b.ip("203.0.113.10").asn(7922),
            1 => b.ip("203.0.113.99").asn(7922).tor(),
            2 => b.ip("2001:db8::1").proxy(),
            3 => b.ip("102.89.1.1").asn(37148).hosting(),
            4 => b,
            _ => b.ip("::ffff:198.51.100.1"),
        };
        b = b.geo(["US", "NG", "DE", ""][usize::from(ua % 4)], lat, lon).radius(r);
        if sess > 0 {
            b = b.session(&format!("s{sess}"));
        }
        b = match ua {
            0 => b.ua(CHROME_WIN),
            1 => b.ua(SAFARI_IOS).device("d1"),
            2 => b.ua("python-requests/2"),
            3 => b.ua("").device(""),
            _ => b.risk(RiskLevel::High).interactive(false),
        };
        b.build()
    }

    fn signals(events: &[Event], population_order: &[Event]) -> Vec<Signal> {
        let mut population = Population::default();
        for e in population_order {
            population.observe(e);
        }
        let policy = Policy::default();
        crate::assess::assess_user(&UserId::new(USER), events.to_vec(), &population, &policy).signals
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn detectors_never_panic_and_ignore_input_order(
            raw in prop::collection::vec(arb_event(), 0..120),
            seed in any::<u64>(),
        ) {
            let events: Vec<Event> = raw.into_iter().enumerate().map(|(i, r)| make(i, r)).collect();
            // A deterministic shuffle driven by the seed.
            let mut shuffled = events.clone();
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let a = signals(&events, &events);
            let b = signals(&shuffled, &shuffled);
            prop_assert_eq!(&a, &b);
            for s in &a {
                prop_assert!(!s.events.is_empty() && s.events.len() <= MAX_EVIDENCE);
                prop_assert!(!s.summary.is_empty() && !s.techniques.is_empty());
            }
        }
    }
}
