//! The normalised event: one shape for every vendor's sign-in, audit and activity record.

use super::Text;
use crate::id::string_id;
use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A user identity as the logs name it, normalised to lower case.
///
/// Okta's `actor.alternateId`, Graph's `userPrincipalName`, Workspace's `actor.email` and O365's
/// `UserId` are all login names; we compare them case-insensitively because every one of those
/// vendors does.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UserId(Text);

/// Deserialising normalises too, so ids from a policy file or saved state compare like parsed ones.
impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(UserId::new(&raw))
    }
}

impl UserId {
    /// Normalises `raw` (trims, lower-cases) into a user id.
    pub fn new(raw: &str) -> Self {
        let trimmed = raw.trim();
        if trimmed.is_ascii() {
            UserId(Text::ascii_lowercase(trimmed))
        } else {
            UserId(Text::from(trimmed.to_lowercase()))
        }
    }

    /// The normalised id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `@`, if the id is an e-mail-like login.
    pub fn domain(&self) -> Option<&str> {
        self.0.rsplit_once('@').map(|(_, d)| d).filter(|d| !d.is_empty())
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_id! {
    /// A stable identifier of one event: the vendor's id when it has one (Okta `uuid`, Graph `id`,
    /// O365 `Id`, Workspace `id.uniqueQualifier`), otherwise `<source>:<line>` assigned by the reader.
    EventId
}

/// Which vendor shape a record was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Format {
    /// Sniff every record (the default).
    Auto,
    /// Okta System Log: API shape, Panther-normalised and Sentinel `Okta_CL` variants.
    Okta,
    /// Microsoft Graph `signIn` / `directoryAudit`, and their Azure Monitor diagnostic wrapper.
    Entra,
    /// Office 365 Management Activity (Exchange, SharePoint/OneDrive, Azure AD workloads).
    O365,
    /// Google Workspace Reports API activities (login, admin, token, drive).
    Workspace,
    /// Google SecOps / Chronicle UDM events.
    Udm,
}

impl Format {
    /// Stable lower-case name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Okta => "okta",
            Format::Entra => "entra",
            Format::O365 => "o365",
            Format::Workspace => "workspace",
            Format::Udm => "udm",
        }
    }

    /// Parses a `--format` value.
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "auto" => Format::Auto,
            "okta" => Format::Okta,
            "entra" | "graph" | "azure" => Format::Entra,
            "o365" | "m365" => Format::O365,
            "workspace" | "gworkspace" | "gsuite" => Format::Workspace,
            "udm" | "chronicle" | "secops" => Format::Udm,
            _ => return None,
        })
    }
}

/// Whether the action the event records succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutcomeResult {
    /// It worked (Okta `SUCCESS`, Graph `errorCode == 0`, O365 `ResultStatus` Succeeded/True).
    Success,
    /// It was refused or failed.
    Failure,
    /// It was stopped for a further challenge (Okta `CHALLENGE`, Graph interrupts such as 50074).
    Challenge,
    /// The vendor did not say.
    #[default]
    Unknown,
}

/// The outcome of the recorded action, with the vendor's reason when it gave one.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// Success, failure, challenge or unknown.
    pub result: OutcomeResult,
    /// The vendor's reason or error code, verbatim (`INVALID_CREDENTIALS`, `50126`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Text>,
}

impl Outcome {
    /// A successful outcome without a reason.
    pub fn success() -> Self {
        Outcome { result: OutcomeResult::Success, reason: None }
    }

    /// A failed outcome with a reason.
    pub fn failure(reason: impl Into<Text>) -> Self {
        Outcome { result: OutcomeResult::Failure, reason: Some(reason.into()) }
    }

    /// True when the action succeeded.
    pub fn is_success(&self) -> bool {
        self.result == OutcomeResult::Success
    }

    /// True when the action failed.
    pub fn is_failure(&self) -> bool {
        self.result == OutcomeResult::Failure
    }
}

/// Where an IP address is, as the vendor's geo-IP lookup placed it.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Geo {
    /// Latitude in degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude in degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// City name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<Text>,
    /// State or region name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Text>,
    /// Country: an ISO 3166 alpha-2 code when the vendor gives one, otherwise its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Text>,
    /// Radius in km within which the vendor is ~67% confident the client is (MaxMind semantics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_radius_km: Option<f64>,
}

impl Geo {
    /// Both coordinates, when known and not the (0, 0) placeholder some vendors emit.
    pub fn coordinates(&self) -> Option<(f64, f64)> {
        match (self.lat, self.lon) {
            (Some(lat), Some(lon)) if !(lat == 0.0 && lon == 0.0) && lat.is_finite() && lon.is_finite() => {
                Some((lat, lon))
            }
            _ => None,
        }
    }
}

/// The network the client came from.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Network {
    /// Client IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    /// Geolocation of `ip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<Geo>,
    /// Autonomous system number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// Organisation owning the AS (or the ISP when that is all the vendor gives).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_org: Option<Text>,
    /// The vendor flagged the IP as a proxy or anonymising VPN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_proxy: Option<bool>,
    /// The vendor flagged the IP as a Tor exit node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_tor: Option<bool>,
    /// The vendor flagged the IP as a hosting / cloud provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hosting: Option<bool>,
}

/// An object the event acted on: a user, an app, a rule, a file, a role.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Target {
    /// Vendor type (`User`, `AppInstance`, `Role`, `File`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Text>,
    /// Vendor id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    /// Human name or login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
}

/// The vendor's own risk rating attached to the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RiskLevel {
    /// No risk / none detected.
    None,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

/// What sort of recovery channel changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecoveryChannel {
    /// Recovery / secondary e-mail.
    Email,
    /// Recovery phone.
    Phone,
    /// Security question or another channel.
    Other,
}

/// Whether a mailbox rule was created or changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RuleChange {
    /// `New-InboxRule`, `UpdateInboxRules` add.
    Created,
    /// `Set-InboxRule`, `UpdateInboxRules` modify.
    Changed,
    /// `Remove-InboxRule`.
    Removed,
}

/// What happened, with the details detectors need for that kind of event.
///
/// Success or failure lives in [`Event::outcome`], not in the kind: a failed login is
/// `Login` with a `Failure` outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// An interactive or non-interactive sign-in / session start.
    Login,
    /// Sign-out.
    Logout,
    /// An MFA challenge (push, SMS, call) was sent to the user.
    MfaChallengeSent {
        /// Factor type (`push`, `sms`, ...), when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        factor: Option<Text>,
    },
    /// The user approved / passed an MFA challenge.
    MfaApproved {
        /// Factor type, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        factor: Option<Text>,
    },
    /// The user denied (or failed) an MFA challenge.
    MfaDenied {
        /// Factor type, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        factor: Option<Text>,
    },
    /// A new MFA factor / authentication method was enrolled.
    MfaFactorEnrolled {
        /// Factor type, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        factor: Option<Text>,
    },
    /// An MFA factor was removed or deactivated.
    MfaFactorRemoved {
        /// Factor type, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        factor: Option<Text>,
    },
    /// All factors were reset.
    MfaFactorReset,
    /// The user changed their own password.
    PasswordChange,
    /// Someone (admin, help desk, self-service) reset the password.
    PasswordReset,
    /// A recovery e-mail / phone / question changed.
    RecoveryChange {
        /// Which channel.
        channel: RecoveryChannel,
    },
    /// An inbox rule was created, changed or removed.
    InboxRule {
        /// Created / changed / removed.
        change: RuleChange,
        /// Rule name, when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<Text>,
        /// `ForwardTo`, `ForwardAsAttachmentTo`, `RedirectTo` and similar addresses.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        forward_to: Vec<Text>,
        /// The rule deletes, moves to an obscure folder, or marks as read (hiding, T1564.008).
        #[serde(default)]
        hides_mail: bool,
    },
    /// Mailbox-level forwarding (`Set-Mailbox -ForwardingSmtpAddress`, Workspace auto-forward).
    MailboxForwarding {
        /// Forwarding targets.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        forward_to: Vec<Text>,
    },
    /// The user (or an admin for them) consented to / granted an OAuth app.
    OAuthGrant {
        /// App display name or id.
        app: Text,
        /// Granted scopes.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        scopes: Vec<Text>,
        /// Tenant-wide admin consent rather than a user consent.
        #[serde(default)]
        admin_consent: bool,
    },
    /// A token refresh or use of an existing session (non-interactive).
    TokenRefresh,
    /// A file was downloaded / synced.
    FileDownload {
        /// File name or path, when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        object: Option<Text>,
    },
    /// A file or mail item was accessed (viewed, `MailItemsAccessed`).
    FileAccess {
        /// File name or path, when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        object: Option<Text>,
    },
    /// An admin role or privilege was granted to someone.
    PrivilegeGrant {
        /// Role name, when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<Text>,
    },
    /// The vendor itself raised a risk or threat detection (Okta ThreatInsight, Entra ID Protection).
    RiskDetected {
        /// The vendor's detection name (`unlikelyTravel`, `security.threat.detected`, ...).
        detection: Text,
    },
    /// The account was locked out.
    AccountLocked,
    /// Any other valid event: kept and counted, never dropped.
    Other,
}

impl EventKind {
    /// Stable snake_case name, used in counts, JSON and docs.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Login => "login",
            EventKind::Logout => "logout",
            EventKind::MfaChallengeSent { .. } => "mfa_challenge_sent",
            EventKind::MfaApproved { .. } => "mfa_approved",
            EventKind::MfaDenied { .. } => "mfa_denied",
            EventKind::MfaFactorEnrolled { .. } => "mfa_factor_enrolled",
            EventKind::MfaFactorRemoved { .. } => "mfa_factor_removed",
            EventKind::MfaFactorReset => "mfa_factor_reset",
            EventKind::PasswordChange => "password_change",
            EventKind::PasswordReset => "password_reset",
            EventKind::RecoveryChange { .. } => "recovery_change",
            EventKind::InboxRule { .. } => "inbox_rule",
            EventKind::MailboxForwarding { .. } => "mailbox_forwarding",
            EventKind::OAuthGrant { .. } => "oauth_grant",
            EventKind::TokenRefresh => "token_refresh",
            EventKind::FileDownload { .. } => "file_download",
            EventKind::FileAccess { .. } => "file_access",
            EventKind::PrivilegeGrant { .. } => "privilege_grant",
            EventKind::RiskDetected { .. } => "risk_detected",
            EventKind::AccountLocked => "account_locked",
            EventKind::Other => "other",
        }
    }
}

/// The vendor-side identity of a record: where it came from and what the vendor called it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorRef {
    /// The shape it was parsed from.
    pub format: Format,
    /// The vendor's event type / operation (`user.session.start`, `New-InboxRule`, ...).
    pub event_type: Text,
    /// The vendor's own event id, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<Text>,
}

/// One normalised event.
///
/// Built by the parsers in [`crate::evidence::parse`]; detectors only ever see this type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Stable id, used as evidence in signals.
    pub id: EventId,
    /// When it happened, as a UTC instant.
    pub time: DateTime<Utc>,
    /// Whose account it concerns (the actor for sign-ins; the affected user for changes made to them).
    pub user: UserId,
    /// What happened.
    pub kind: EventKind,
    /// Whether it worked.
    pub outcome: Outcome,
    /// Client network.
    #[serde(default)]
    pub network: Network,
    /// Raw user agent string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<Text>,
    /// Device identifier (Okta `device.id`/`dtHash`, Graph `deviceDetail.deviceId`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Text>,
    /// Session identifier (Okta `externalSessionId`, Graph `correlationId`/session id), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Text>,
    /// Application the event concerns (Graph `appDisplayName`, Okta target app), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<Text>,
    /// Interactive sign-in (`true`), token refresh / background (`false`), unknown (`None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactive: Option<bool>,
    /// Objects acted on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
    /// The vendor's risk rating of this event, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskLevel>,
    /// Who performed it, when that is not `user` (an admin changing the user's MFA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<UserId>,
    /// Vendor identity of the record.
    pub vendor: VendorRef,
}

impl Event {
    /// An event reduced to what the tenant-wide facts read (`Population::observe`): time, user,
    /// kind, result, IP and AS number. Other users' events take this form when only one user is
    /// assessed, so that nothing else is built or kept for them.
    pub(crate) fn tenant_fact(
        time: DateTime<Utc>,
        user: UserId,
        kind: EventKind,
        result: OutcomeResult,
        ip: Option<IpAddr>,
        asn: Option<u32>,
    ) -> Self {
        let mut e = Event::new(String::new(), time, "", kind, Outcome { result, reason: None });
        e.user = user;
        e.network.ip = ip;
        e.network.asn = asn;
        e
    }

    /// A minimal event: handy for tests and for connectors that build events themselves.
    pub fn new(id: impl Into<String>, time: DateTime<Utc>, user: &str, kind: EventKind, outcome: Outcome) -> Self {
        Event {
            id: EventId(id.into()),
            time,
            user: UserId::new(user),
            kind,
            outcome,
            network: Network::default(),
            user_agent: None,
            device_id: None,
            session_id: None,
            app: None,
            interactive: None,
            targets: Vec::new(),
            risk: None,
            actor: None,
            vendor: VendorRef { format: Format::Auto, event_type: Text::default(), event_id: None },
        }
    }

    /// A successful sign-in.
    pub fn is_login_success(&self) -> bool {
        self.kind == EventKind::Login && self.outcome.is_success()
    }

    /// A failed sign-in (bad password, blocked, locked).
    pub fn is_login_failure(&self) -> bool {
        self.kind == EventKind::Login && self.outcome.is_failure()
    }

    /// Country of the client, when known.
    pub fn country(&self) -> Option<&str> {
        self.network.geo.as_ref().and_then(|g| g.country.as_deref())
    }
}
