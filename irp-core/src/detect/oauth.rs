//! `oauth_grant`: consent to an OAuth app the user never granted before.

use super::{happened, Severity, Signal, SignalKind, UserContext};
use crate::evidence::EventKind;

/// How much a scope exposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Exposure {
    /// Sign-in only: who the user is.
    Identity,
    /// Some data (calendar, contacts, one file the user picks).
    Data,
    /// Mail, all files, or the directory: what consent-phishing apps ask for.
    Sensitive,
}

/// Microsoft Graph / EWS permissions that read or send mail, read all files or control the
/// tenant (compared case-insensitively, after any resource URL prefix).
const SENSITIVE_GRAPH: &[&str] = &[
    "mail.read",
    "mail.readwrite",
    "mail.send",
    "mail.read.shared",
    "mail.readwrite.shared",
    "mail.send.shared",
    "mailboxsettings.readwrite",
    "files.read.all",
    "files.readwrite.all",
    "sites.read.all",
    "sites.readwrite.all",
    "sites.fullcontrol.all",
    "full_access_as_user",
    "ews.accessasuser.all",
    "imap.accessasuser.all",
    "pop.accessasuser.all",
    "smtp.send",
    "directory.readwrite.all",
    "directory.accessasuser.all",
    "user.readwrite.all",
    "application.readwrite.all",
    "approleassignment.readwrite.all",
    "rolemanagement.readwrite.directory",
    "user_impersonation",
];

/// Google scopes (prefixes) with the same power.
const SENSITIVE_GOOGLE: &[&str] = &[
    "https://mail.google.com/",
    "https://www.googleapis.com/auth/gmail.",
    "https://www.googleapis.com/auth/admin.",
    "https://www.googleapis.com/auth/cloud-platform",
];

/// Sign-in-only scopes.
const IDENTITY: &[&str] = &["openid", "profile", "email", "offline_access", "user.read", "user.readbasic.all"];

fn exposure(scope: &str) -> Exposure {
    let s = scope.trim();
    if SENSITIVE_GOOGLE.iter().any(|p| s.len() >= p.len() && s[..p.len()].eq_ignore_ascii_case(p)) {
        return Exposure::Sensitive;
    }
    // Google Drive: the whole drive is sensitive, `drive.file` (files the user picks) is not.
    if let Some(rest) = s.strip_prefix("https://www.googleapis.com/auth/drive") {
        return if rest.is_empty() || rest == ".readonly" { Exposure::Sensitive } else { Exposure::Data };
    }
    if s.contains("googleapis.com/auth/userinfo.") {
        return Exposure::Identity;
    }
    // `https://graph.microsoft.com/Mail.Read` -> `Mail.Read`.
    let name = if s.starts_with("http") { s.rsplit('/').next().unwrap_or(s) } else { s };
    if SENSITIVE_GRAPH.iter().any(|k| name.eq_ignore_ascii_case(k)) {
        Exposure::Sensitive
    } else if IDENTITY.iter().any(|k| name.eq_ignore_ascii_case(k)) {
        Exposure::Identity
    } else {
        Exposure::Data
    }
}

/// A grant of an app absent from the baseline. High when a scope reads mail / all files /
/// the directory, Medium for other data scopes or unknown scopes, Low for sign-in-only
/// scopes. Tenant-wide admin consent raises one step: it exposes every user.
pub(crate) fn oauth_grant(ctx: &UserContext<'_>) -> Vec<Signal> {
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for e in ctx.events.iter().filter(|e| happened(e)) {
        let EventKind::OAuthGrant { app, scopes, admin_consent } = &e.kind else { continue };
        let key = app.trim().to_lowercase();
        if ctx.baseline.oauth_apps.contains(&key) || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let scopes: Vec<&str> = scopes.iter().flat_map(|s| s.split_whitespace()).collect();
        let worst = scopes.iter().map(|s| exposure(s)).max();
        let offline = scopes.iter().any(|s| s.eq_ignore_ascii_case("offline_access"));
        let mut severity = match worst {
            Some(Exposure::Sensitive) => Severity::High,
            Some(Exposure::Data) | None => Severity::Medium,
            Some(Exposure::Identity) => Severity::Low,
        };
        let mut summary = format!("first consent to app \"{}\"", app.trim());
        let sensitive: Vec<&str> = scopes.iter().copied().filter(|s| exposure(s) == Exposure::Sensitive).collect();
        match worst {
            None => summary.push_str(" (scopes not logged)"),
            Some(Exposure::Sensitive) => {
                summary.push_str(&format!(" with mail/file/directory access: {}", sensitive.join(", ")))
            }
            Some(_) => summary.push_str(&format!(" with scopes {}", scopes.join(", "))),
        }
        if offline && worst > Some(Exposure::Identity) {
            summary.push_str("; offline_access keeps it working after a password reset");
        }
        if *admin_consent {
            severity = severity.raised();
            summary.push_str("; tenant-wide admin consent");
        }
        out.push(Signal::new(SignalKind::OauthGrant, severity, e.time, [e], &["T1528"], summary));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    fn grant(id: &str, app: &str, scopes: &[&str], admin: bool) -> crate::evidence::Event {
        ev(
            id,
            0,
            EventKind::OAuthGrant {
                app: app.into(),
                scopes: scopes.iter().map(|s| s.to_string().into()).collect(),
                admin_consent: admin,
            },
        )
        .build()
    }

    #[test]
    fn scope_classes() {
        assert_eq!(exposure("https://graph.microsoft.com/Mail.Read"), Exposure::Sensitive);
        assert_eq!(exposure("full_access_as_user"), Exposure::Sensitive);
        assert_eq!(exposure("https://mail.google.com/"), Exposure::Sensitive);
        assert_eq!(exposure("https://www.googleapis.com/auth/drive"), Exposure::Sensitive);
        assert_eq!(exposure("https://www.googleapis.com/auth/drive.file"), Exposure::Data);
        assert_eq!(exposure("Calendars.Read"), Exposure::Data);
        assert_eq!(exposure("openid"), Exposure::Identity);
    }

    #[test]
    fn levels() {
        let s = run(oauth_grant, &[], &[grant("g", "Mail Helper", &["offline_access Mail.Read", "User.Read"], false)]);
        assert_eq!(s[0].severity, Severity::High);
        assert_eq!(
            s[0].summary,
            "first consent to app \"Mail Helper\" with mail/file/directory access: Mail.Read; offline_access keeps it working after a password reset"
        );
        let s = run(oauth_grant, &[], &[grant("g", "Zoom", &["openid", "profile", "email"], false)]);
        assert_eq!(s[0].severity, Severity::Low);
        let s = run(oauth_grant, &[], &[grant("g", "Cal", &["Calendars.Read"], true)]);
        assert_eq!(s[0].severity, Severity::High, "admin consent raises a data scope");
        let s = run(oauth_grant, &[], &[grant("g", "X", &[], false)]);
        assert_eq!(s[0].severity, Severity::Medium);
    }

    #[test]
    fn apps_granted_before_do_not_fire() {
        let before = [grant("old", "mail helper", &["Mail.Read"], false)];
        assert!(run(oauth_grant, &before, &[grant("g", "Mail Helper", &["Mail.Read"], false)]).is_empty());
        let twice = [grant("a", "New", &["Mail.Read"], false), grant("b", "new", &["Mail.Read"], false)];
        assert_eq!(run(oauth_grant, &[], &twice).len(), 1);
    }
}
