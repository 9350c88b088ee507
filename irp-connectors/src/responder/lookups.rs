//! The read-only effects: readiness, the case, duplicate and related cases, the user, the SIEM's
//! entity summary and events, and the eradication sweep.

use chrono::{DateTime, Duration, Utc};
use irp_core::evidence::UserId;
use irp_core::incident::CaseId;
use irp_core::runbook::{
    CaseInfo, CaseRef, ConnectorRole, ConnectorStatus, EffectOutcome, Failure, PersistenceItem, PersistenceKind,
    UserInfo,
};

use super::ports::Ports;
use crate::error::{ConnectorError, Result};
use crate::ports::{CaseSummary, EventPager, EventQuery, Health, TimeWindow};

/// A connector error as the engine's failure: says whether the call may have been applied.
pub(crate) fn failed(e: &ConnectorError) -> EffectOutcome {
    let message = e.to_string();
    let failure = if e.maybe_executed() { Failure::unknown(message) } else { Failure::refused(message) };
    EffectOutcome::Failed { failure }
}

/// `CheckConnectors`: every role's health check.
pub(crate) async fn readiness(p: &Ports, roles: &[ConnectorRole]) -> EffectOutcome {
    let mut connectors = Vec::new();
    for role in roles {
        let health: Result<Health> = match role {
            ConnectorRole::Siem => p.siem.health_check().await,
            ConnectorRole::CaseStore => p.soar.health_check().await,
            ConnectorRole::IdentityProvider => p.idp.health_check().await,
            ConnectorRole::Mailbox => p.mailbox.health_check().await,
            _ => continue,
        };
        let (vendor, ready, detail) = match health {
            Ok(h) => (h.connector, true, h.detail),
            Err(e) => ("unknown".to_owned(), false, e.to_string()),
        };
        connectors.push(ConnectorStatus {
            role: *role,
            vendor,
            ready,
            detail: Some(detail),
            call_style: (*role == ConnectorRole::IdentityProvider).then_some(p.call_style),
            planned_calls: if *role == ConnectorRole::IdentityProvider {
                p.planned_calls.clone()
            } else {
                Default::default()
            },
        });
    }
    EffectOutcome::Readiness { connectors }
}

/// `FetchCase`.
pub(crate) async fn fetch_case(p: &Ports, id: &CaseId) -> EffectOutcome {
    match p.soar.get_case(id).await {
        Ok(case) => EffectOutcome::Case {
            case: CaseInfo {
                id: id.clone(),
                title: case.title.clone(),
                status: Some(case.status.name().to_owned()),
                created_at: Some(case.created_at),
                detail: serde_json::to_value(&case).ok(),
            },
        },
        Err(e) => failed(&e),
    }
}

fn refs(found: Vec<CaseSummary>, this: &CaseId) -> EffectOutcome {
    EffectOutcome::Cases {
        cases: found
            .into_iter()
            .filter(|c| c.id.as_str() != this.as_str())
            .map(|c| CaseRef { id: CaseId(c.id.0), title: c.title, status: Some(c.status.name().to_owned()) })
            .collect(),
    }
}

/// `FindDuplicateCases`: cases sharing an alert group or the user, this one excluded.
pub(crate) async fn duplicates(p: &Ports, id: &CaseId) -> EffectOutcome {
    let case = match p.soar.get_case(id).await {
        Ok(case) => case,
        Err(e) => return failed(&e),
    };
    match p.soar.find_similar_cases(&case).await {
        Ok(found) => refs(found, id),
        Err(e) => failed(&e),
    }
}

/// `FindRelatedCases`.
pub(crate) async fn related(p: &Ports, id: &CaseId, user: &UserId) -> EffectOutcome {
    match p.soar.find_related_open_cases(user).await {
        Ok(found) => refs(found, id),
        Err(e) => failed(&e),
    }
}

/// `LookupUser`. The IdP's id is passed on verbatim: vendor ids are case-sensitive.
pub(crate) async fn user(p: &Ports, login: &UserId) -> EffectOutcome {
    match p.idp.get_user(login).await {
        Ok(user) => EffectOutcome::User {
            user: UserInfo {
                id: user.id.clone(),
                login: user.login.clone(),
                display_name: user.display_name.clone(),
                status: serde_json::to_value(&user.status).ok().and_then(|v| v.as_str().map(str::to_uppercase)),
                privileged: !user.admin_roles.is_empty(),
                detail: serde_json::to_value(&user).ok(),
            },
        },
        Err(e) => failed(&e),
    }
}

/// `LookupEntity`: the SIEM's summary over the runbook's default look-back (96 h).
pub(crate) async fn entity(p: &Ports, login: &UserId, now: DateTime<Utc>) -> EffectOutcome {
    let window = TimeWindow::new(now - Duration::hours(96), now);
    match p.siem.entity_summary(login, window).await {
        Ok(summary) => EffectOutcome::Entity { summary: serde_json::to_value(summary).unwrap_or_default() },
        Err(e) => failed(&e),
    }
}

/// `CheckMonitoring`: every page of the user's events.
pub(crate) async fn events(p: &Ports, login: &UserId, from: DateTime<Utc>, to: DateTime<Utc>) -> EffectOutcome {
    // An empty or inverted window (a zero-hour monitoring period ends where it starts) holds no
    // event; the SIEMs reject such a range, so it is not sent.
    if from >= to {
        return EffectOutcome::Events { events: Vec::new() };
    }
    let query = EventQuery::new(login.clone(), TimeWindow::new(from, to));
    match EventPager::new(p.siem.as_ref(), query).collect_all().await {
        Ok(events) => EffectOutcome::Events { events },
        Err(e) => failed(&e),
    }
}

/// At most this many of the user's sign-in sources are looked up tenant-wide (the most recent).
const MAX_SOURCES: usize = 32;
/// At most this many tenant-wide events are fetched for them.
const MAX_SOURCE_EVENTS: usize = 20_000;

/// `SearchEvents`: the user's events, plus every account's events from the IPs that signed in (or
/// tried to) as the user. The engine assesses only the user's; the others are the tenant-wide
/// context that tells a password spray (one IP failing against many accounts) from one user's
/// typos. A SIEM that cannot search by source leaves that context out, nothing else.
pub(crate) async fn search(p: &Ports, login: &UserId, from: DateTime<Utc>, to: DateTime<Utc>) -> EffectOutcome {
    let window = TimeWindow::new(from, to);
    let mut events = match EventPager::new(p.siem.as_ref(), EventQuery::new(login.clone(), window)).collect_all().await
    {
        Ok(events) => events,
        Err(e) => return failed(&e),
    };
    let ips = login_sources(&events);
    if ips.is_empty() {
        return EffectOutcome::Events { events };
    }
    if let Ok(more) = p.siem.events_from_sources(&ips, window, MAX_SOURCE_EVENTS).await {
        let known: std::collections::HashSet<_> = events.iter().map(|e| e.id.clone()).collect();
        events.extend(more.into_iter().filter(|e| !known.contains(&e.id)));
    }
    EffectOutcome::Events { events }
}

/// The distinct source IPs of the user's sign-in attempts, most recent first.
fn login_sources(events: &[irp_core::evidence::Event]) -> Vec<std::net::IpAddr> {
    let mut logins: Vec<_> = events.iter().filter(|e| e.kind == irp_core::evidence::EventKind::Login).collect();
    logins.sort_by_key(|e| std::cmp::Reverse(e.time));
    let mut ips = Vec::new();
    for ip in logins.iter().filter_map(|e| e.network.ip) {
        if !ips.contains(&ip) {
            ips.push(ip);
            if ips.len() == MAX_SOURCES {
                break;
            }
        }
    }
    ips
}

/// Scopes that give standing access to mail or files without the user present.
const RISKY_SCOPES: [&str; 8] = [
    "mail.read",
    "mail.readwrite",
    "mail.send",
    "files.read.all",
    "files.readwrite.all",
    "offline_access",
    "full_access_as_user",
    "mailboxsettings.readwrite",
];

/// `ListPersistence`: everything that can keep an attacker in, each item flagged when it is
/// suspicious on its face (forwarding outside `tenant`, a hiding rule, a recent risky grant or
/// factor). Kinds no port lists are reported as not listed, unless declared absent.
pub(crate) async fn persistence(
    p: &Ports,
    login: &UserId,
    kinds: &[PersistenceKind],
    since: DateTime<Utc>,
) -> EffectOutcome {
    let sweep = Sweep { p, login, tenant: login.domain(), since };
    let mut items = Vec::new();
    let mut not_listed = Vec::new();
    for kind in kinds {
        let listed = match kind {
            // Declared absent from these products: nothing to list, and no call to fail.
            k if p.absent_persistence.contains(k) => Ok(Vec::new()),
            PersistenceKind::InboxRule => sweep.rules().await,
            PersistenceKind::MailboxForwarding => sweep.forwarding().await,
            PersistenceKind::OauthGrant => sweep.grants().await,
            PersistenceKind::MfaFactor => sweep.factors().await,
            PersistenceKind::RecoveryMethod => sweep.recovery().await,
            PersistenceKind::AdminRole => sweep.roles().await,
            _ => {
                not_listed.push(*kind);
                continue;
            }
        };
        match listed {
            Ok(found) => items.extend(found),
            Err(_) => not_listed.push(*kind),
        }
    }
    EffectOutcome::Persistence { items, not_listed }
}

struct Sweep<'a> {
    p: &'a Ports,
    login: &'a UserId,
    tenant: Option<&'a str>,
    since: DateTime<Utc>,
}

fn item(kind: PersistenceKind, id: &str, name: &str) -> PersistenceItem {
    PersistenceItem {
        kind,
        id: id.to_owned(),
        name: name.to_owned(),
        created_at: None,
        flagged: false,
        forward_to: Vec::new(),
        detail: None,
    }
}

impl Sweep<'_> {
    fn is_external(&self, address: &str) -> bool {
        let domain = address.rsplit_once('@').map(|(_, d)| d.trim().trim_end_matches('.'));
        match (domain, self.tenant) {
            (Some(d), Some(tenant)) => !d.eq_ignore_ascii_case(tenant),
            _ => true,
        }
    }

    async fn rules(&self) -> Result<Vec<PersistenceItem>> {
        let rules = self.p.mailbox.list_inbox_rules(self.login).await?;
        Ok(rules
            .into_iter()
            .map(|rule| {
                let mut forward_to = rule.forward_to.clone();
                forward_to.extend(rule.redirect_to.iter().cloned());
                let mut it = item(PersistenceKind::InboxRule, &rule.id, &rule.name);
                it.flagged = rule.hides_mail || forward_to.iter().any(|a| self.is_external(a));
                it.forward_to = forward_to;
                it.detail = serde_json::to_value(&rule).ok();
                it
            })
            .collect())
    }

    async fn forwarding(&self) -> Result<Vec<PersistenceItem>> {
        let forwarding = self.p.mailbox.get_forwarding(self.login).await?;
        Ok(forwarding
            .into_iter()
            .map(|f| {
                let mut it = item(PersistenceKind::MailboxForwarding, "forwarding", &f.forward_to);
                it.flagged = self.is_external(&f.forward_to);
                it.forward_to = vec![f.forward_to.clone()];
                it.detail = serde_json::to_value(&f).ok();
                it
            })
            .collect())
    }

    async fn grants(&self) -> Result<Vec<PersistenceItem>> {
        let grants = self.p.idp.list_grants(self.login).await?;
        Ok(grants
            .into_iter()
            .map(|g| {
                let risky = g.scopes.iter().any(|s| RISKY_SCOPES.contains(&s.to_ascii_lowercase().as_str()));
                let mut it = item(PersistenceKind::OauthGrant, &g.id, &g.app);
                it.created_at = g.granted_at;
                it.flagged = risky && g.granted_at.is_some_and(|t| t >= self.since);
                it.detail = serde_json::to_value(&g).ok();
                it
            })
            .collect())
    }

    async fn factors(&self) -> Result<Vec<PersistenceItem>> {
        let factors = self.p.idp.list_factors(self.login).await?;
        Ok(factors
            .into_iter()
            .map(|f| {
                let kind = serde_json::to_value(&f.kind).ok().and_then(|v| v.as_str().map(str::to_owned));
                let detail = f.detail.as_ref().map(|d| format!(" ({d})")).unwrap_or_default();
                let mut it = item(PersistenceKind::MfaFactor, &f.id, &(kind.unwrap_or_default() + &detail));
                it.created_at = f.enrolled_at;
                it.flagged = f.enrolled_at.is_some_and(|t| t >= self.since);
                it.detail = serde_json::to_value(&f).ok();
                it
            })
            .collect())
    }

    async fn recovery(&self) -> Result<Vec<PersistenceItem>> {
        let user = self.p.idp.get_user(self.login).await?;
        let mut items = Vec::new();
        for (id, value) in [("recovery_email", &user.recovery_email), ("recovery_phone", &user.recovery_phone)] {
            if let Some(value) = value {
                let mut it = item(PersistenceKind::RecoveryMethod, id, value);
                it.flagged = id == "recovery_email" && self.is_external(value);
                items.push(it);
            }
        }
        Ok(items)
    }

    async fn roles(&self) -> Result<Vec<PersistenceItem>> {
        let user = self.p.idp.get_user(self.login).await?;
        Ok(user.admin_roles.iter().map(|role| item(PersistenceKind::AdminRole, role, role)).collect())
    }
}
