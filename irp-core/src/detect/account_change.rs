//! Changes to how the account authenticates or what it may do: `mfa_factor_change`,
//! `recovery_change`, `password_change`, `privilege_grant`.
//!
//! A change is raised when it follows a *suspicious* sign-in (Tor / proxy, or a network the
//! user never used, colleagues do not share, with a mature baseline) within
//! `change_after_suspicious_login_hours`: that is the attacker setting up persistence.

use super::net::place;
use super::{happened, latest_before, suspicious_logins, Severity, Signal, SignalKind, UserContext};
use crate::evidence::{Event, EventKind, RecoveryChannel, UserId};

/// Who made the change, when it was not the user.
fn other_actor<'a>(ctx: &UserContext<'_>, e: &'a Event) -> Option<&'a UserId> {
    e.actor.as_ref().filter(|a| *a != ctx.user)
}

/// "by admin bob@x.com" / "" .
fn by(actor: Option<&UserId>) -> String {
    actor.map(|a| format!(" by {a}")).unwrap_or_default()
}

/// The suspicious sign-in a change follows, as text for the summary, with the sign-in.
fn after<'a>(ctx: &UserContext<'_>, logins: &[&'a Event], e: &Event) -> Option<(&'a Event, String)> {
    let hours = ctx.policy.detect.change_after_suspicious_login_hours;
    latest_before(logins, e.time, hours).map(|l| {
        let mins = (e.time - l.time).num_minutes();
        let gap = if mins < 120 { format!("{mins} min") } else { format!("{:.1} h", mins as f64 / 60.0) };
        (l, format!("{gap} after a suspicious sign-in from {}", place(l)))
    })
}

/// An MFA factor enrolled, removed or reset. Enrolment Low (users add phones), removal and
/// reset Medium (Sigma: medium); either High when it follows a suspicious sign-in and the user
/// made it. Changes made by another account (help desk, admin) are never High on their own:
/// they are the response itself as often as an attack.
pub(crate) fn mfa_factor_change(ctx: &UserContext<'_>) -> Vec<Signal> {
    let logins = suspicious_logins(ctx);
    let mut out = Vec::new();
    for e in ctx.events.iter().filter(|e| happened(e)) {
        let (what, factor, base, techniques): (&str, Option<&str>, Severity, &[&str]) = match &e.kind {
            EventKind::MfaFactorEnrolled { factor } => {
                ("enrolled", factor.as_deref(), Severity::Low, &["T1098.005", "T1556.006"])
            }
            EventKind::MfaFactorRemoved { factor } => ("removed", factor.as_deref(), Severity::Medium, &["T1556.006"]),
            EventKind::MfaFactorReset => ("reset (all factors)", None, Severity::Medium, &["T1556.006"]),
            _ => continue,
        };
        let actor = other_actor(ctx, e);
        let factor = factor.map(|f| format!(" {f}")).unwrap_or_default();
        let mut summary = format!("MFA factor{factor} {what}{}", by(actor));
        let mut severity = base;
        let mut evidence = vec![e];
        match (actor, after(ctx, &logins, e)) {
            (None, Some((l, text))) => {
                severity = Severity::High;
                summary.push_str(&format!(" {text}"));
                evidence.push(l);
            }
            (Some(_), _) => summary.push_str(" (help desk or the response itself? confirm it was requested)"),
            (None, None) => {}
        }
        out.push(Signal::new(SignalKind::MfaFactorChange, severity, e.time, evidence, techniques, summary));
    }
    out
}

/// A recovery e-mail / phone changed: Medium (rarely changed, and an attacker's favourite way
/// back in); High after a suspicious sign-in; Low when an admin did it.
pub(crate) fn recovery_change(ctx: &UserContext<'_>) -> Vec<Signal> {
    let logins = suspicious_logins(ctx);
    let mut out = Vec::new();
    for e in ctx.events.iter().filter(|e| happened(e)) {
        let EventKind::RecoveryChange { channel } = &e.kind else { continue };
        let channel = match channel {
            RecoveryChannel::Email => "e-mail",
            RecoveryChannel::Phone => "phone",
            _ => "channel",
        };
        let actor = other_actor(ctx, e);
        let mut summary = format!("recovery {channel} changed{}", by(actor));
        let (severity, evidence) = match (actor, after(ctx, &logins, e)) {
            (Some(_), _) => (Severity::Low, vec![e]),
            (None, Some((l, text))) => {
                summary.push_str(&format!(" {text}"));
                (Severity::High, vec![l, e])
            }
            (None, None) => (Severity::Medium, vec![e]),
        };
        out.push(Signal::new(SignalKind::RecoveryChange, severity, e.time, evidence, &["T1098"], summary));
    }
    out
}

/// The password changed or was reset. Low alone; Medium after a suspicious sign-in (locking the
/// owner out); Info when another account reset it: an admin reset during the response is
/// expected and must not feed back into the likelihood.
pub(crate) fn password_change(ctx: &UserContext<'_>) -> Vec<Signal> {
    let logins = suspicious_logins(ctx);
    let mut out = Vec::new();
    for e in ctx.events.iter().filter(|e| happened(e)) {
        let what = match e.kind {
            EventKind::PasswordChange => "password changed",
            EventKind::PasswordReset => "password reset",
            _ => continue,
        };
        let actor = other_actor(ctx, e);
        let mut summary = format!("{what}{}", by(actor));
        let (severity, evidence) = match (actor, after(ctx, &logins, e)) {
            (Some(_), _) => {
                summary.push_str(" (expected when the responder or help desk resets it)");
                (Severity::Info, vec![e])
            }
            (None, Some((l, text))) => {
                summary.push_str(&format!(" {text}"));
                (Severity::Medium, vec![l, e])
            }
            (None, None) => (Severity::Low, vec![e]),
        };
        out.push(Signal::new(SignalKind::PasswordChange, severity, e.time, evidence, &["T1098"], summary));
    }
    out
}

/// True for role names that carry administrative power across vendors (Entra "... Administrator",
/// Okta `SUPER_ADMIN`, Workspace `_SEED_ADMIN_ROLE`, "Owner").
fn is_admin_role(role: &str) -> bool {
    let r = role.to_ascii_lowercase();
    ["admin", "owner", "super", "privileged", "root"].iter().any(|k| r.contains(k))
}

/// A role granted to or by the user. High when it is an admin role, self-granted, or made
/// after a suspicious sign-in; Medium otherwise (a role is still new power).
pub(crate) fn privilege_grant(ctx: &UserContext<'_>) -> Vec<Signal> {
    let logins = suspicious_logins(ctx);
    let mut out = Vec::new();
    for e in ctx.events.iter().filter(|e| happened(e)) {
        let EventKind::PrivilegeGrant { role } = &e.kind else { continue };
        let role_name = role
            .as_deref()
            .or_else(|| e.targets.iter().find(|t| t.kind.as_deref() == Some("Role")).and_then(|t| t.name.as_deref()));
        let grantee = e
            .targets
            .iter()
            .filter(|t| t.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("user")))
            .find_map(|t| t.name.as_deref().or(t.id.as_deref()));
        let self_granted = e.actor.as_ref() == Some(ctx.user)
            && grantee.map_or(true, |g| ctx.user.as_str().eq_ignore_ascii_case(g.trim()));
        let gave = e.actor.as_ref() == Some(ctx.user) && !self_granted;
        let admin = role_name.is_some_and(is_admin_role);
        let role_txt = role_name.map(|r| format!("role {r}")).unwrap_or_else(|| "a role".to_owned());
        let mut summary = if gave {
            format!("{} granted {role_txt} to {}", ctx.user, grantee.unwrap_or("another account"))
        } else if self_granted {
            format!("{} granted themselves {role_txt}", ctx.user)
        } else {
            format!("{} was granted {role_txt}{}", ctx.user, by(other_actor(ctx, e)))
        };
        let mut severity = if admin || self_granted { Severity::High } else { Severity::Medium };
        let mut evidence = vec![e];
        let user_did_it = e.actor.as_ref().map_or(true, |a| a == ctx.user);
        if let Some((l, text)) = after(ctx, &logins, e).filter(|_| user_did_it) {
            summary.push_str(&format!(" {text}"));
            evidence.push(l);
            severity = Severity::High;
        }
        if admin {
            summary.push_str(" (administrative)");
        }
        out.push(Signal::new(SignalKind::PrivilegeGrant, severity, e.time, evidence, &["T1098.003"], summary));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::evidence::Target;

    fn lagos(id: &str, m: i64) -> Event {
        login(id, m).ip("102.89.1.1").geo("NG", 6.45, 3.39).city("Lagos").asn(37148).build()
    }

    #[test]
    fn mfa_enrol_after_suspicious_login_is_high() {
        let enrol = ev("enrol", 14, EventKind::MfaFactorEnrolled { factor: Some("push".into()) }).build();
        let s = run(mfa_factor_change, &home_history(), &[lagos("l", 0), enrol.clone()]);
        assert_eq!((s[0].severity, ids(&s[0])), (Severity::High, vec!["l", "enrol"]));
        assert_eq!(
            s[0].summary,
            "MFA factor push enrolled 14 min after a suspicious sign-in from Lagos, NG (AS 37148)"
        );
        // From home: Low. Too long after: Low.
        assert_eq!(
            run(mfa_factor_change, &home_history(), &[home("h", 0).build(), enrol.clone()])[0].severity,
            Severity::Low
        );
        let late = ev("enrol", 25 * 60, EventKind::MfaFactorEnrolled { factor: None }).build();
        assert_eq!(run(mfa_factor_change, &home_history(), &[lagos("l", 0), late])[0].severity, Severity::Low);
        // No baseline: an unknown network is not suspicious yet.
        assert_eq!(run(mfa_factor_change, &[], &[lagos("l", 0), enrol])[0].severity, Severity::Low);
    }

    #[test]
    fn factor_reset_by_admin_is_medium_never_high() {
        let reset = ev("r", 5, EventKind::MfaFactorReset).actor("helpdesk@example.com").build();
        let s = run(mfa_factor_change, &home_history(), &[lagos("l", 0), reset]);
        assert_eq!(s[0].severity, Severity::Medium);
        assert!(s[0].summary.contains("by helpdesk@example.com"));
        let failed = ev("x", 5, EventKind::MfaFactorRemoved { factor: None }).failed().build();
        assert!(run(mfa_factor_change, &home_history(), &[failed]).is_empty());
    }

    #[test]
    fn recovery_and_password_levels() {
        let rec = ev("rec", 30, EventKind::RecoveryChange { channel: RecoveryChannel::Email }).build();
        assert_eq!(run(recovery_change, &home_history(), &[lagos("l", 0), rec.clone()])[0].severity, Severity::High);
        assert_eq!(run(recovery_change, &home_history(), std::slice::from_ref(&rec))[0].severity, Severity::Medium);
        let pw = ev("pw", 30, EventKind::PasswordChange).build();
        assert_eq!(run(password_change, &home_history(), std::slice::from_ref(&pw))[0].severity, Severity::Low);
        assert_eq!(run(password_change, &home_history(), &[lagos("l", 0), pw])[0].severity, Severity::Medium);
        let reset = ev("rs", 30, EventKind::PasswordReset).actor("responder@example.com").build();
        let s = run(password_change, &home_history(), &[lagos("l", 0), reset]);
        assert_eq!(s[0].severity, Severity::Info);
    }

    #[test]
    fn privilege_levels() {
        let got = ev("g", 0, EventKind::PrivilegeGrant { role: Some("Global Administrator".into()) })
            .actor("admin@example.com")
            .build();
        let s = run(privilege_grant, &home_history(), &[got]);
        assert_eq!(s[0].severity, Severity::High);
        assert_eq!(
            s[0].summary,
            "alice@example.com was granted role Global Administrator by admin@example.com (administrative)"
        );
        let minor =
            ev("m", 0, EventKind::PrivilegeGrant { role: Some("Reports Reader".into()) }).actor("admin@example.com");
        assert_eq!(run(privilege_grant, &home_history(), &[minor.build()])[0].severity, Severity::Medium);
        let mut gave = ev("v", 0, EventKind::PrivilegeGrant { role: Some("SUPER_ADMIN".into()) }).actor(USER).build();
        gave.targets.push(Target { kind: Some("User".into()), id: None, name: Some("mallory@example.com".into()) });
        let s = run(privilege_grant, &home_history(), &[gave]);
        assert_eq!(s[0].severity, Severity::High);
        assert!(s[0].summary.starts_with("alice@example.com granted role SUPER_ADMIN to mallory@example.com"));
    }
}
