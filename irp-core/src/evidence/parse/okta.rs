//! Okta System Log (`/api/v1/logs` LogEvent) in the shapes it is exported in:
//!
//! * the API shape (camelCase, RFC 3339 `published`);
//! * Panther-normalised (some top-level keys lower-cased, `p_*` fields, `published` as
//!   `2022-12-14 19:16:32.015`), absorbed by the case-insensitive [`fields`] helpers;
//! * Sentinel's flattened `Okta_CL` table (`eventType_s`, `client_geographicalContext_city_s`,
//!   stringified `target_s`), rebuilt into the API shape by [`fields::unflatten_columns`].
//!
//! Attribution: sign-ins and actions the account performed belong to the actor
//! (`actor.alternateId`); changes made *to* another user (an admin resetting someone's factors or
//! password) belong to the target user, with the admin as [`Event::actor`]. Role grants are the
//! exception: they belong to the account that made them (see `parse`).
//! A record with no usable user (ThreatInsight before the username is read, a system principal
//! acting on no user) is `Ok(None)`.

use std::borrow::Cow;

use serde_json::Value;

use chrono::{DateTime, Utc};

use super::fields::{self, array_at, bool_at, f64_at, path, str_at};
use super::{FieldError, ParseResult};
use crate::evidence::{
    Event, EventKind, Format, Geo, Network, Outcome, OutcomeResult, RecoveryChannel, RiskLevel, Target, Text, UserId,
    VendorRef,
};

/// True when `record` is an Okta LogEvent: an Okta `eventType` with `published`, `actor` or `uuid`
/// beside it, a Sentinel `Okta_CL` row, or a Panther `Okta.SystemLog` row.
pub fn looks_like(record: &Value) -> bool {
    let Some(obj) = record.as_object() else { return false };
    if obj.contains_key("eventType_s") {
        return true;
    }
    if matches!(fields::get_in_map(obj, "p_log_type"), Some(Value::String(t)) if t == "Okta.SystemLog") {
        return fields::get_in_map(obj, "eventType").is_some();
    }
    let Some(Value::String(event_type)) = fields::get_in_map(obj, "eventType") else { return false };
    // Okta types are dotted (`user.session.start`); the anchor keys rule out look-alikes.
    event_type.contains('.') && ["published", "actor", "uuid"].iter().any(|k| fields::get_in_map(obj, k).is_some())
}

/// Parses one Okta record.
pub fn parse(record: &Value) -> ParseResult {
    if let Some(obj) = record.as_object() {
        if obj.contains_key("eventType_s") {
            return parse_api(&fields::unflatten_columns(obj));
        }
    }
    parse_api(record)
}

fn parse_api(r: &Value) -> ParseResult {
    let event_type = str_at(r, &["eventType"]).ok_or_else(|| FieldError::new("eventType", "missing event type"))?;
    // Panther keeps its own copy of the event time when a test fixture drops `published`.
    let time = fields::required_time(r, &[&["published"], &["p_event_time"]])?;
    // Sentinel stores the target list as JSON text: only `targets` and the profile-change check
    // read it then; attribution and the typed lookups go by a real array.
    let (listed, owned);
    let items: &[Value] = match path(r, &["target"]) {
        Some(Value::Array(items)) => {
            listed = true;
            items
        }
        _ => {
            listed = false;
            owned = array_at(r, &["target"]);
            &owned
        }
    };
    let first_hop = match path(r, &["request", "ipChain"]) {
        Some(Value::Array(hops)) => hops.first(),
        _ => None,
    };
    let dbg = path(r, &["debugContext", "debugData"]);
    let debug = |key: &str| str_at(r, &["debugContext", "debugData", key]);
    let fields = Fields {
        event_type,
        time,
        outcome_result: str_at(r, &["outcome", "result"]),
        outcome_reason: str_at(r, &["outcome", "reason"]),
        actor_id: str_at(r, &["actor", "alternateId"]),
        actor_type: str_at(r, &["actor", "type"]),
        actor_display_name: str_at(r, &["actor", "displayName"]),
        uuid: str_at(r, &["uuid"]),
        raw_user_agent: str_at(r, &["client", "userAgent", "rawUserAgent"]),
        device_id: str_at(r, &["device", "id"]),
        external_session_id: str_at(r, &["authenticationContext", "externalSessionId"]),
        credential_type: str_at(r, &["authenticationContext", "credentialType"]),
        debug: DebugFields {
            factor: debug("factor"),
            factor_type: debug("factorType"),
            privilege_granted: debug("privilegeGranted"),
            grant_type: debug("grantType"),
            client_id: debug("clientId"),
            granted_scopes: debug("grantedScopes"),
            changed_attributes: debug("changedAttributes"),
            dt_hash: debug("dtHash"),
        },
        targets: items.iter().map(target_fields).collect(),
        targets_listed: listed,
        client_ip: str_at(r, &["client", "ipAddress"]),
        client_geo: path(r, &["client", "geographicalContext"]).map(geo_fields),
        hop_ip: first_hop.and_then(|h| str_at(h, &["ip"])),
        hop_geo: first_hop.and_then(|h| path(h, &["geographicalContext"])).map(geo_fields),
        as_number: f64_at(r, &["securityContext", "asNumber"]),
        as_org: str_at(r, &["securityContext", "asOrg"]),
        isp: str_at(r, &["securityContext", "isp"]),
        is_proxy: bool_at(r, &["securityContext", "isProxy"]),
        risk_debug: risk_source(dbg.and_then(|d| fields::get(d, "risk"))),
        risk_log_only: risk_source(dbg.and_then(|d| fields::get(d, "logOnlySecurityData"))),
        risk_security: str_at(r, &["securityContext", "risk", "level"]),
    };
    Ok(build(&fields))
}

fn target_fields(t: &Value) -> TargetFields<'_> {
    let mut changed_keys = Vec::new();
    for side in ["from", "to"] {
        if let Some(Value::Object(m)) = path(t, &["changeDetails", side]) {
            changed_keys.extend(m.keys().map(String::as_str));
        }
    }
    TargetFields {
        kind: str_at(t, &["type"]),
        id: str_at(t, &["id"]),
        alternate_id: str_at(t, &["alternateId"]),
        display_name: str_at(t, &["displayName"]),
        public_client_app: str_at(t, &["detailEntry", "publicclientapp"]),
        changed_keys,
    }
}

fn geo_fields(g: &Value) -> GeoFields<'_> {
    GeoFields {
        lat: f64_at(g, &["geolocation", "lat"]),
        lon: f64_at(g, &["geolocation", "lon"]),
        city: str_at(g, &["city"]),
        state: str_at(g, &["state"]),
        country: str_at(g, &["country"]),
    }
}

fn risk_source(v: Option<&Value>) -> RiskSource<'_> {
    match v {
        Some(Value::String(s)) => RiskSource::Text(s),
        Some(v @ Value::Object(_)) => {
            RiskSource::Object { risk_level: str_at(v, &["risk", "level"]), level: str_at(v, &["level"]) }
        }
        _ => RiskSource::Absent,
    }
}

/// What the parser reads from one LogEvent, however it was decoded: the `Value` path above and
/// the typed fast path ([`super::okta_fast`]) both fill it and [`build`] makes the [`Event`], so
/// the two cannot drift apart. Strings follow [`fields::str_at`] (empty and `"null"` are absent),
/// numbers [`fields::f64_at`], booleans [`fields::bool_at`].
pub(super) struct Fields<'a> {
    pub event_type: &'a str,
    pub time: DateTime<Utc>,
    pub outcome_result: Option<&'a str>,
    pub outcome_reason: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub actor_type: Option<&'a str>,
    pub actor_display_name: Option<&'a str>,
    pub uuid: Option<&'a str>,
    pub raw_user_agent: Option<&'a str>,
    pub device_id: Option<&'a str>,
    pub external_session_id: Option<&'a str>,
    pub credential_type: Option<&'a str>,
    pub debug: DebugFields<'a>,
    pub targets: Vec<TargetFields<'a>>,
    /// `target` is a JSON array (not JSON text): only then do attribution, the factor, the app
    /// and the consent read the targets.
    pub targets_listed: bool,
    pub client_ip: Option<&'a str>,
    /// `client.geographicalContext` when present and not null (even if empty).
    pub client_geo: Option<GeoFields<'a>>,
    /// `ip` of the first hop of `request.ipChain`.
    pub hop_ip: Option<&'a str>,
    pub hop_geo: Option<GeoFields<'a>>,
    pub as_number: Option<f64>,
    pub as_org: Option<&'a str>,
    pub isp: Option<&'a str>,
    pub is_proxy: Option<bool>,
    /// `debugContext.debugData.risk` and `.logOnlySecurityData`.
    pub risk_debug: RiskSource<'a>,
    pub risk_log_only: RiskSource<'a>,
    /// `securityContext.risk.level`.
    pub risk_security: Option<&'a str>,
}

/// The `debugContext.debugData` entries the parser reads.
#[derive(Default)]
pub(super) struct DebugFields<'a> {
    pub factor: Option<&'a str>,
    pub factor_type: Option<&'a str>,
    pub privilege_granted: Option<&'a str>,
    pub grant_type: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub granted_scopes: Option<&'a str>,
    pub changed_attributes: Option<&'a str>,
    pub dt_hash: Option<&'a str>,
}

/// One element of `target`.
pub(super) struct TargetFields<'a> {
    pub kind: Option<&'a str>,
    pub id: Option<&'a str>,
    pub alternate_id: Option<&'a str>,
    pub display_name: Option<&'a str>,
    /// `detailEntry.publicclientapp` (consent grants).
    pub public_client_app: Option<&'a str>,
    /// The keys of `changeDetails.from` and `.to` (profile changes).
    pub changed_keys: Vec<&'a str>,
}

/// A `geographicalContext`.
#[derive(Clone, Copy, Default)]
pub(super) struct GeoFields<'a> {
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub city: Option<&'a str>,
    pub state: Option<&'a str>,
    pub country: Option<&'a str>,
}

/// A risk entry of `debugData`: text (`{level=HIGH}`), an object (`{"risk": {"level": ..}}` or
/// `{"level": ..}`), or anything else (absent).
#[derive(Clone, Copy)]
pub(super) enum RiskSource<'a> {
    Absent,
    Text(&'a str),
    Object { risk_level: Option<&'a str>, level: Option<&'a str> },
}

fn not_unknown(s: &&str) -> bool {
    !s.eq_ignore_ascii_case("unknown")
}

/// The [`Event`] of one LogEvent (`None` when it names no user).
pub(super) fn build(f: &Fields<'_>) -> Option<Event> {
    build_for(f, None)
}

/// [`build`], except that with `only`, another user's event comes out reduced to what the
/// tenant-wide facts read (time, kind, result, IP, AS number: see `Population::observe`). An
/// assessment of one user then does not build thousands of other users' events only to drop
/// them; `build` has no error path, so nothing it would report is skipped.
pub(super) fn build_for(f: &Fields<'_>, only: Option<&UserId>) -> Option<Event> {
    let event_type = f.event_type;
    let outcome = outcome(f);
    let kind = kind(f, event_type, &outcome);

    // `actor.alternateId` names someone unless Okta logged `unknown` (username never read).
    let actor = f.actor_id.filter(not_unknown);
    let target_user = target_user(f);
    let actor_is_user = f.actor_type.is_none_or(|t| t == "User");
    let (user, actor) = match (subject_is_target(event_type, &kind), target_user, actor) {
        // A role grant is filed under the account that *made* it (with itself as actor, so the
        // detector can tell "gave" from "received"): a compromised admin creating a backdoor
        // admin is the pattern to catch, and the grantee is still named in the targets.
        (_, _, Some(actor)) if matches!(kind, EventKind::PrivilegeGrant { .. }) && actor_is_user => {
            (actor, Some(UserId::new(actor)))
        }
        (true, Some(target), actor) => {
            let actor = actor.or(f.actor_display_name);
            let actor = actor.filter(|a| !a.eq_ignore_ascii_case(target)).map(UserId::new);
            (target, actor)
        }
        (_, _, Some(actor)) if actor_is_user => (actor, None),
        // A system principal or client app acting on no user is attributable to nobody.
        _ => return None,
    };
    if let Some(only) = only {
        let user = UserId::new(user);
        if user != *only {
            return Some(Event::tenant_fact(f.time, user, kind, outcome.result, client_ip(f).0, as_number(f)));
        }
    }

    let interactive = match &kind {
        EventKind::TokenRefresh => Some(false),
        EventKind::Login | EventKind::MfaApproved { .. } | EventKind::MfaDenied { .. } => Some(true),
        _ if event_type.starts_with("app.oauth2.") && event_type.contains(".token.") => Some(false),
        _ => None,
    };
    let uuid = f.uuid;
    let mut event = Event::new(uuid.unwrap_or_default(), f.time, user, kind, outcome);
    event.network = network(f);
    event.user_agent = f.raw_user_agent.filter(not_unknown).map(Text::from);
    event.device_id = f.device_id.or(f.debug.dt_hash).map(Text::from);
    event.session_id = f.external_session_id.filter(not_unknown).map(Text::from);
    event.targets = f.targets.iter().map(target).collect();
    event.app = match &event.kind {
        EventKind::OAuthGrant { app, .. } => Some(app.clone()),
        _ => app_target(f).map(Text::from),
    };
    event.interactive = interactive;
    event.risk = risk(f);
    event.actor = actor;
    event.vendor = VendorRef { format: Format::Okta, event_type: event_type.into(), event_id: uuid.map(Text::from) };
    Some(event)
}

/// The targets attribution and the typed lookups read (see [`Fields::targets_listed`]).
fn listed<'f, 'a>(f: &'f Fields<'a>) -> &'f [TargetFields<'a>] {
    if f.targets_listed {
        &f.targets
    } else {
        &[]
    }
}

/// The first `User` target's login.
fn target_user<'a>(f: &Fields<'a>) -> Option<&'a str> {
    listed(f).iter().filter(|t| t.kind == Some("User")).find_map(|t| t.alternate_id.filter(not_unknown))
}

/// Kinds that change a user account: done by an admin, they concern the target user.
fn subject_is_target(event_type: &str, kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::MfaFactorEnrolled { .. }
            | EventKind::MfaFactorRemoved { .. }
            | EventKind::MfaFactorReset
            | EventKind::PasswordChange
            | EventKind::PasswordReset
            | EventKind::RecoveryChange { .. }
            | EventKind::PrivilegeGrant { .. }
            | EventKind::AccountLocked
    ) || event_type.starts_with("user.lifecycle.")
        || event_type.starts_with("user.account.")
}

/// SUCCESS / ALLOW succeed; FAILURE / DENY fail; CHALLENGE challenges; the rest
/// (SKIPPED, UNKNOWN, RATE_LIMIT, UNANSWERED, ...) is unknown.
fn outcome(f: &Fields<'_>) -> Outcome {
    let is = |names: &[&str]| f.outcome_result.is_some_and(|r| names.iter().any(|n| r.eq_ignore_ascii_case(n)));
    let result = if is(&["SUCCESS", "ALLOW"]) {
        OutcomeResult::Success
    } else if is(&["FAILURE", "DENY"]) {
        OutcomeResult::Failure
    } else if is(&["CHALLENGE"]) {
        OutcomeResult::Challenge
    } else {
        OutcomeResult::Unknown
    };
    Outcome { result, reason: f.outcome_reason.map(Text::from) }
}

/// The factor an MFA event concerns, as Okta names it (`OKTA_VERIFY_PUSH`, `SMS_FACTOR`, ...).
fn factor(f: &Fields<'_>) -> Option<Text> {
    if let Some(factor) = f.debug.factor.or(f.debug.factor_type) {
        return Some(factor.into());
    }
    let enrollment =
        listed(f).iter().find(|t| matches!(t.kind, Some("AuthenticatorEnrollment" | "Factor" | "Authenticator")));
    if let Some(name) = enrollment.and_then(|t| t.display_name) {
        return Some(name.into());
    }
    // `User reset FIDO_WEBAUTHN factor`: the word before "factor".
    let reason = f.outcome_reason?;
    let mut words = reason.split_whitespace().peekable();
    while let Some(word) = words.next() {
        let before_factor = words.peek().is_some_and(|next| next.eq_ignore_ascii_case("factor"));
        if before_factor && word.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
            return Some(word.into());
        }
    }
    None
}

fn kind(f: &Fields<'_>, event_type: &str, outcome: &Outcome) -> EventKind {
    // Okta writes event types in lower case; only a record that does not pays for a copy.
    let et: Cow<'_, str> = if event_type.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(event_type.to_ascii_lowercase())
    } else {
        Cow::Borrowed(event_type)
    };
    let mfa_verdict = |factor: Option<Text>| match outcome.result {
        OutcomeResult::Success => EventKind::MfaApproved { factor },
        OutcomeResult::Failure => EventKind::MfaDenied { factor },
        _ => EventKind::MfaChallengeSent { factor },
    };
    match &*et {
        "user.session.start"
        | "user.authentication.sso"
        | "user.authentication.authenticate"
        | "user.authentication.auth_via_idp"
        | "user.authentication.auth_via_social"
        | "user.authentication.auth_via_radius"
        | "user.authentication.auth_via_ad_agent"
        | "user.authentication.auth_via_ldap_agent"
        | "user.authentication.auth_via_iwa"
        | "user.authentication.auth_via_richclient" => EventKind::Login,
        // Both also record password checks; those are sign-in attempts, not MFA.
        "user.authentication.auth_via_mfa" | "user.authentication.verify" => match factor(f) {
            Some(factor) if factor.to_ascii_uppercase().contains("PASSWORD") => EventKind::Login,
            None if et == "user.authentication.verify"
                && f.credential_type.is_some_and(|c| c.eq_ignore_ascii_case("PASSWORD")) =>
            {
                EventKind::Login
            }
            factor => mfa_verdict(factor),
        },
        "user.session.end" | "logout" => EventKind::Logout,
        "system.push.send_factor_verify_push" => EventKind::MfaChallengeSent { factor: Some("push".into()) },
        "system.sms.send_factor_verify_message" => EventKind::MfaChallengeSent { factor: Some("sms".into()) },
        "system.voice.send_mfa_challenge_call" | "system.voice.send_call" => {
            EventKind::MfaChallengeSent { factor: Some("call".into()) }
        }
        "user.mfa.okta_verify.deny_push" | "user.mfa.okta_verify.deny_push_upgrade_needed" => {
            EventKind::MfaDenied { factor: Some("push".into()) }
        }
        // `update` changes a factor's details (a new phone number): as good as a new factor.
        "user.mfa.factor.activate" | "user.mfa.factor.update" => EventKind::MfaFactorEnrolled { factor: factor(f) },
        "user.mfa.factor.deactivate" | "system.mfa.factor.deactivate" => {
            EventKind::MfaFactorRemoved { factor: factor(f) }
        }
        "user.mfa.factor.reset_all" => EventKind::MfaFactorReset,
        "user.account.update_password" => EventKind::PasswordChange,
        "user.account.reset_password" => EventKind::PasswordReset,
        "user.account.update_secondary_email" => EventKind::RecoveryChange { channel: RecoveryChannel::Email },
        "user.account.update_phone" => EventKind::RecoveryChange { channel: RecoveryChannel::Phone },
        "user.account.update_profile" => match recovery_channel(f) {
            Some(channel) => EventKind::RecoveryChange { channel },
            None => EventKind::Other,
        },
        "user.account.privilege.grant" | "group.privilege.grant" => EventKind::PrivilegeGrant {
            role: f
                .debug
                .privilege_granted
                .or_else(|| targets_of(f, &["Group", "UserGroup"]).find_map(|t| t.display_name))
                .map(Text::from),
        },
        "user.account.lock" | "user.account.lock.limit" => EventKind::AccountLocked,
        "app.oauth2.as.consent.grant" | "app.oauth2.consent.grant" => oauth_grant(f),
        _ if et.contains("refresh_token") || f.debug.grant_type == Some("refresh_token") => EventKind::TokenRefresh,
        "security.threat.detected"
        | "security.request.blocked"
        | "security.session.detect_client_roaming"
        | "security.attack.start"
        | "app.oauth2.token.detect_reuse"
        | "app.token.reuse"
        | "user.account.report_suspicious_activity_by_enduser"
        | "user.risk.detect"
        | "user.risk.change" => EventKind::RiskDetected { detection: event_type.into() },
        // Okta support was given (or used) the right to sign in as an admin: a privilege grant,
        // not a risk detection by the vendor.
        "user.session.impersonation.grant" | "user.session.impersonation.extend" => {
            EventKind::PrivilegeGrant { role: Some("Okta support impersonation".into()) }
        }
        _ => EventKind::Other,
    }
}

/// Which recovery channel a profile update touched, when the log shows it
/// (`debugData.changedAttributes`, or a target's `changeDetails`).
fn recovery_channel(f: &Fields<'_>) -> Option<RecoveryChannel> {
    let mut changed = String::new();
    if let Some(attrs) = f.debug.changed_attributes {
        changed.push_str(attrs);
    }
    for key in f.targets.iter().flat_map(|t| &t.changed_keys) {
        changed.push(',');
        changed.push_str(key);
    }
    let changed = changed.to_ascii_lowercase();
    if changed.contains("secondemail") {
        Some(RecoveryChannel::Email)
    } else if changed.contains("mobilephone") || changed.contains("primaryphone") {
        Some(RecoveryChannel::Phone)
    } else if changed.contains("recovery_question") || changed.contains("recoveryquestion") {
        Some(RecoveryChannel::Other)
    } else {
        None
    }
}

fn targets_of<'f, 'a>(
    f: &'f Fields<'a>,
    kinds: &'static [&'static str],
) -> impl Iterator<Item = &'f TargetFields<'a>> + 'f {
    listed(f).iter().filter(move |t| t.kind.is_some_and(|k| kinds.contains(&k)))
}

/// Consent: the app is the client the user consented to; each `ConsentGrant` target is one scope.
fn oauth_grant(f: &Fields<'_>) -> EventKind {
    let app = targets_of(f, &["AppInstance", "PublicClientApp", "Application"])
        .find_map(|t| t.display_name.or(t.alternate_id))
        .or(f.debug.client_id)
        .or_else(|| targets_of(f, &["ConsentGrant"]).find_map(|t| t.public_client_app))
        .unwrap_or("unknown")
        .into();
    let mut scopes: Vec<Text> =
        targets_of(f, &["ConsentGrant"]).filter_map(|t| t.display_name).map(Text::from).collect();
    if scopes.is_empty() {
        if let Some(granted) = f.debug.granted_scopes {
            scopes = granted.split([',', ' ']).filter(|s| !s.is_empty()).map(Text::from).collect();
        }
    }
    EventKind::OAuthGrant { app, scopes, admin_consent: false }
}

/// The app a sign-in or SSO went to.
fn app_target<'a>(f: &Fields<'a>) -> Option<&'a str> {
    targets_of(f, &["AppInstance"]).find_map(|t| t.display_name.or(t.alternate_id))
}

fn target(t: &TargetFields<'_>) -> Target {
    Target {
        kind: t.kind.map(Text::from),
        id: t.id.map(Text::from),
        name: t.alternate_id.filter(not_unknown).or(t.display_name).map(Text::from),
    }
}

/// The client IP (else the first hop's) and the geolocation that goes with it.
/// `client.ipAddress` is the address Okta attributes the request to; the first hop of
/// `request.ipChain` stands in when it is missing.
fn client_ip<'a>(f: &Fields<'a>) -> (Option<std::net::IpAddr>, Option<GeoFields<'a>>) {
    match f.client_ip.and_then(fields::parse_ip) {
        Some(ip) => (Some(ip), f.client_geo.or(f.hop_geo)),
        None => (f.hop_ip.and_then(fields::parse_ip), f.hop_geo),
    }
}

/// A whole-number, non-zero AS fitting in u32, as `fields::u32_at` reads it.
fn as_number(f: &Fields<'_>) -> Option<u32> {
    f.as_number
        .filter(|x| x.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(x))
        .map(|x| x as u32)
        .filter(|&n| n != 0)
}

/// Client IP, geo and AS.
fn network(f: &Fields<'_>) -> Network {
    let (ip, geo_src) = client_ip(f);
    let geo = geo_src.map(|g| Geo {
        lat: g.lat,
        lon: g.lon,
        city: g.city.map(Text::from),
        region: g.state.map(Text::from),
        country: g.country.map(Text::from),
        accuracy_radius_km: None,
    });
    let asn = as_number(f);
    Network {
        ip,
        geo: geo.filter(|g| g != &Geo::default()),
        asn,
        as_org: f.as_org.or(f.isp).map(Text::from),
        is_proxy: f.is_proxy,
        is_tor: None,
        is_hosting: None,
    }
}

/// Okta's own risk rating: `debugData.risk` (`{reasons=..., level=HIGH}`), `logOnlySecurityData`
/// (an object or JSON text with `risk.level`), or `securityContext.risk.level`.
fn risk(f: &Fields<'_>) -> Option<RiskLevel> {
    let from = |s: RiskSource<'_>| match s {
        RiskSource::Text(t) => risk_from_text(t),
        RiskSource::Object { risk_level, level } => risk_level.or(level).and_then(risk_from_text),
        RiskSource::Absent => None,
    };
    from(f.risk_debug).or_else(|| from(f.risk_log_only)).or_else(|| f.risk_security.and_then(risk_from_text))
}

/// Reads the level out of Okta's text forms: `HIGH`, `{level=HIGH, reasons=...}`,
/// `{"risk":{"level":"LOW"}}`.
fn risk_from_text(s: &str) -> Option<RiskLevel> {
    // The first word after "level" (any case), or the first word; compared without copies, as
    // `logOnlySecurityData` comes with every sign-in.
    let rest = match s.as_bytes().windows(5).position(|w| w.eq_ignore_ascii_case(b"level")) {
        // `level` is ASCII, so `i + 5` is a character boundary.
        Some(i) => &s[i + 5..],
        None => s,
    };
    let rest = rest.trim_start_matches(|c: char| !c.is_ascii_alphabetic());
    let word = &rest[..rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len())];
    [("none", RiskLevel::None), ("low", RiskLevel::Low), ("medium", RiskLevel::Medium), ("high", RiskLevel::High)]
        .into_iter()
        .find_map(|(name, level)| word.eq_ignore_ascii_case(name).then_some(level))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::EventId;
    use serde_json::json;

    #[test]
    fn risk_text_forms() {
        assert_eq!(risk_from_text("{reasons=Anomalous Device, level=HIGH}"), Some(RiskLevel::High));
        assert_eq!(risk_from_text(r#"{"risk":{"level":"LOW"},"behaviors":{}}"#), Some(RiskLevel::Low));
        assert_eq!(risk_from_text("MEDIUM"), Some(RiskLevel::Medium));
        assert_eq!(risk_from_text("{}"), None);
        assert_eq!(risk_from_text("risk LEVEL = hIgH, reasons=x"), Some(RiskLevel::High));
        assert_eq!(risk_from_text("Köln level: none"), Some(RiskLevel::None));
        assert_eq!(risk_from_text("level=lowest"), None);
    }

    #[test]
    fn admin_reset_is_the_targets_event() {
        let r = json!({"uuid": "u1", "published": "2024-05-01T09:00:00Z", "eventType": "user.mfa.factor.reset_all",
            "actor": {"alternateId": "Admin@Example.com", "type": "User"},
            "target": [{"type": "User", "alternateId": "Bob@example.com", "id": "00u2"}],
            "outcome": {"result": "SUCCESS"}});
        let e = parse(&r).unwrap().unwrap();
        assert_eq!(e.user.as_str(), "bob@example.com");
        assert_eq!(e.actor.as_ref().map(UserId::as_str), Some("admin@example.com"));
        assert_eq!(e.kind, EventKind::MfaFactorReset);
        assert_eq!(e.id, EventId("u1".into()));
    }

    #[test]
    fn threat_without_user_is_unattributed() {
        let r = json!({"published": "2024-05-01T09:00:00Z", "eventType": "security.threat.detected",
            "actor": {"alternateId": "unknown", "type": "User"}, "outcome": {"result": "DENY"}});
        assert_eq!(parse(&r), Ok(None));
        let sys = json!({"published": "2024-05-01T09:00:00Z", "eventType": "system.org.rate_limit.warning",
            "actor": {"alternateId": "system@okta.com", "type": "SystemPrincipal"}});
        assert_eq!(parse(&sys), Ok(None));
    }

    #[test]
    fn missing_published_names_the_field() {
        let r = json!({"eventType": "user.session.start", "actor": {"alternateId": "a@b.c"}});
        assert_eq!(parse(&r).unwrap_err().field, "published");
        let bad = json!({"eventType": "user.session.start", "published": "soon", "actor": {"alternateId": "a@b.c"}});
        let err = parse(&bad).unwrap_err();
        assert_eq!((err.field.as_str(), err.message.as_str()), ("published", "not a timestamp: \"soon\""));
    }

    #[test]
    fn looks_like_is_specific() {
        assert!(looks_like(&json!({"eventType": "user.session.start", "published": "x"})));
        assert!(!looks_like(&json!({"eventType": "logout"})));
        assert!(!looks_like(&json!({"eventType": "USER_LOGIN", "metadata": {}})));
        assert!(!looks_like(&json!({"Operation": "New-InboxRule", "eventType": "x.y"})));
    }
}
