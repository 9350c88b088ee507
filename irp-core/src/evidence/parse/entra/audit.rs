//! Graph `directoryAudit` resources and their diagnostic / Sentinel `AuditLogs` forms.
//!
//! The activity name decides the kind ([`directory_change_kind`], shared with the Office 365
//! `AzureActiveDirectory` workload, which logs the same activities with a trailing dot). The event's
//! user is the user the change was made to (the `User` target) with the initiator as `actor`; for
//! consents and grants, which the initiator makes for themselves or the tenant, it is the initiator.
//! Activities this crate does not model (service-principal credentials, policy edits, ...) stay
//! [`EventKind::Other`] with the activity kept as the vendor event type.

use serde_json::Value;

use super::super::fields::{self, array_at, path, str_at, string_at};
use super::super::ParseResult;
use super::{factor_name, object_at};
use crate::evidence::{
    Event, EventKind, Format, Network, Outcome, OutcomeResult, RecoveryChannel, Target, Text, UserId, VendorRef,
};

/// One entry of `modifiedProperties` (Graph: `displayName`/`oldValue`/`newValue`; Office 365:
/// `Name`/`OldValue`/`NewValue`), with the values' JSON string quoting removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModifiedProperty {
    /// Property name (`Role.DisplayName`, `ConsentAction.Permissions`, ...).
    pub name: String,
    /// Value before the change, when given.
    pub old: Option<String>,
    /// Value after the change, when given.
    pub new: Option<String>,
}

impl ModifiedProperty {
    /// Reads a `modifiedProperties` / `ModifiedProperties` array (either vendor casing).
    pub(crate) fn list(items: &[Value]) -> Vec<ModifiedProperty> {
        items
            .iter()
            .filter_map(|p| {
                let name = str_at(p, &["displayName"]).or_else(|| str_at(p, &["Name"]))?;
                Some(ModifiedProperty {
                    name: name.to_owned(),
                    old: str_at(p, &["oldValue"]).map(unquote),
                    new: str_at(p, &["newValue"]).map(unquote),
                })
            })
            .collect()
    }
}

/// Graph encodes each modified value as JSON text (`"\"User.Read\""`, `"[\"a@b.c\"]"`): a JSON string
/// is unwrapped, anything else is kept as written.
fn unquote(raw: &str) -> String {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::String(s)) => s,
        _ => raw.to_owned(),
    }
}

fn prop<'a>(props: &'a [ModifiedProperty], name: &str) -> Option<&'a ModifiedProperty> {
    props.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

fn new_value<'a>(props: &'a [ModifiedProperty], name: &str) -> Option<&'a str> {
    prop(props, name).and_then(|p| p.new.as_deref()).map(str::trim).filter(|v| !v.is_empty())
}

/// What the caller could tell from the targets, for the activities that need it.
#[derive(Debug, Default, Clone)]
pub(crate) struct ChangeContext<'a> {
    /// The client application a consent or grant concerns.
    pub app: Option<Text>,
    /// The role a role assignment concerns.
    pub role: Option<Text>,
    /// Free-text detail naming an authentication method (`resultReason`, `additionalDetails`).
    pub detail: Option<&'a str>,
}

/// The event kind of a directory activity (Graph `activityDisplayName`, Office 365 `Operation`).
pub(crate) fn directory_change_kind(activity: &str, props: &[ModifiedProperty], ctx: &ChangeContext<'_>) -> EventKind {
    let a = activity.trim().trim_end_matches('.').trim().to_ascii_lowercase();
    let factor = || ctx.detail.and_then(method_from_detail);
    match a.as_str() {
        "user registered security info"
        | "user registered all required security info"
        | "admin registered security info"
        | "register security info" => EventKind::MfaFactorEnrolled { factor: factor() },
        "user deleted security info" | "admin deleted security info" | "disable strong authentication" => {
            EventKind::MfaFactorRemoved { factor: factor() }
        }
        _ if a.starts_with("delete") && a.contains("authentication method") => {
            EventKind::MfaFactorRemoved { factor: factor() }
        }
        "reset password (by admin)" | "reset user password" | "reset password (self-service)" => {
            EventKind::PasswordReset
        }
        "change user password" | "change password (self-service)" => EventKind::PasswordChange,
        "consent to application" => EventKind::OAuthGrant {
            app: app_name(props, ctx),
            scopes: new_value(props, "ConsentAction.Permissions").map(consent_scopes).unwrap_or_default(),
            admin_consent: new_value(props, "ConsentContext.IsAdminConsent")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        },
        "add delegated permission grant" => EventKind::OAuthGrant {
            app: app_name(props, ctx),
            scopes: new_value(props, "DelegatedPermissionGrant.Scope").map(split_scopes).unwrap_or_default(),
            admin_consent: new_value(props, "DelegatedPermissionGrant.ConsentType")
                .is_some_and(|v| v.eq_ignore_ascii_case("AllPrincipals")),
        },
        // Application permissions (app roles) always need an admin's consent.
        "add app role assignment to service principal" => EventKind::OAuthGrant {
            app: app_name(props, ctx),
            scopes: new_value(props, "AppRole.Value").map(split_scopes).unwrap_or_default(),
            admin_consent: true,
        },
        _ if a.starts_with("add ") && a.contains("member to role") && !a.contains("request") => {
            EventKind::PrivilegeGrant {
                role: new_value(props, "Role.DisplayName").map(Text::from).or(ctx.role.clone()),
            }
        }
        "update user" => user_update_kind(props),
        _ => EventKind::Other,
    }
}

/// The app a grant is for: `ServicePrincipal.DisplayName` when the record names it, else the caller's.
fn app_name(props: &[ModifiedProperty], ctx: &ChangeContext<'_>) -> Text {
    new_value(props, "ServicePrincipal.DisplayName")
        .map(Text::from)
        .or_else(|| ctx.app.clone())
        .unwrap_or_else(|| "unknown application".into())
}

/// `ConsentAction.Permissions` reads like
/// `[] => [[Id: ..., ClientId: ..., ConsentType: Principal, Scope: Mail.Read offline_access, CreatedDateTime: ...]];`.
/// Scopes are read from the part after `=>` (the new grant) when there is one.
fn consent_scopes(text: &str) -> Vec<Text> {
    let new_part = text.rsplit_once("=>").map_or(text, |(_, after)| after);
    let mut scopes = Vec::new();
    for piece in new_part.split("Scope:").skip(1) {
        let end = piece.find([',', ']']).unwrap_or(piece.len());
        for s in split_scopes(&piece[..end]) {
            if !scopes.contains(&s) {
                scopes.push(s);
            }
        }
    }
    scopes
}

/// Space-separated OAuth scopes (Graph `scope` strings may have a leading space).
fn split_scopes(text: &str) -> Vec<Text> {
    text.split_whitespace().map(Text::from).collect()
}

/// `User registered Authenticator App with Notification and Code` -> `push`.
fn method_from_detail(detail: &str) -> Option<Text> {
    let d = detail.trim();
    let lower = d.to_ascii_lowercase();
    let start = ["registered ", "deleted ", "removed "].iter().find_map(|w| lower.find(w).map(|i| i + w.len()));
    let method = start.map_or(d, |i| &d[i..]).trim();
    (!method.is_empty()).then(|| factor_name(method))
}

/// `Update user` is only interesting when it touched an authentication or recovery property.
fn user_update_kind(props: &[ModifiedProperty]) -> EventKind {
    let count = |v: Option<&String>| match v.map(|s| s.trim()) {
        None | Some("") => 0,
        Some(s) => serde_json::from_str::<Value>(s).ok().and_then(|j| j.as_array().map(Vec::len)).unwrap_or(1),
    };
    for (name, factor) in [("StrongAuthenticationMethod", None), ("StrongAuthenticationPhoneAppDetail", Some("push"))] {
        if let Some(p) = prop(props, name) {
            let (old, new) = (count(p.old.as_ref()), count(p.new.as_ref()));
            let factor = factor.map(Text::from);
            if new > old {
                return EventKind::MfaFactorEnrolled { factor };
            }
            if new < old {
                return EventKind::MfaFactorRemoved { factor };
            }
        }
    }
    if let Some(p) = prop(props, "StrongAuthenticationUserDetails") {
        let email = |v: &Option<String>| {
            v.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()).and_then(|j| string_at(&j, &["Email"]))
        };
        let channel = if email(&p.old) != email(&p.new) { RecoveryChannel::Email } else { RecoveryChannel::Phone };
        return EventKind::RecoveryChange { channel };
    }
    if prop(props, "OtherMail").is_some() || prop(props, "AlternateEmailAddress").is_some() {
        return EventKind::RecoveryChange { channel: RecoveryChannel::Email };
    }
    EventKind::Other
}

/// Parses a directory audit; `outer` is the diagnostic wrapper when there is one.
pub(super) fn parse(res: &Value, outer: Option<&Value>) -> ParseResult {
    let activity = str_at(res, &["activityDisplayName"])
        .or_else(|| str_at(res, &["OperationName"]))
        .or_else(|| outer.and_then(|o| str_at(o, &["operationName"])))
        .unwrap_or("directoryAudit")
        .trim();
    let time = match fields::required_time(res, &[&["activityDateTime"], &["TimeGenerated"]]) {
        Ok(t) => t,
        Err(e) => outer.and_then(|o| path(o, &["time"])).and_then(fields::parse_time).ok_or(e)?,
    };
    let initiated = object_at(res, &["initiatedBy"]);
    let initiator_user = initiated.as_deref().and_then(|i| {
        str_at(i, &["user", "userPrincipalName"]).or_else(|| str_at(i, &["user", "displayName"])).map(Text::from)
    });
    let initiator_app = initiated.as_deref().and_then(|i| {
        str_at(i, &["app", "displayName"]).or_else(|| str_at(i, &["app", "servicePrincipalName"])).map(Text::from)
    });
    let targets = array_at(res, &["targetResources"]);
    let props: Vec<ModifiedProperty> =
        targets.iter().flat_map(|t| ModifiedProperty::list(&array_at(t, &["modifiedProperties"]))).collect();
    let details = array_at(res, &["additionalDetails"]);
    let detail_value = |key: &str| {
        details
            .iter()
            .find(|d| str_at(d, &["key"]).is_some_and(|k| k.eq_ignore_ascii_case(key)))
            .and_then(|d| str_at(d, &["value"]))
    };
    let ctx = ChangeContext {
        app: grant_client(&targets, &props),
        role: targets.iter().find(|t| type_is(t, "Role")).and_then(|t| str_at(t, &["displayName"])).map(Text::from),
        detail: detail_value("AuthenticationMethod")
            .or_else(|| detail_value("Method"))
            .or_else(|| str_at(res, &["resultReason"])),
    };
    let kind = directory_change_kind(activity, &props, &ctx);

    let target_user = targets
        .iter()
        .find(|t| type_is(t, "User"))
        .and_then(|t| str_at(t, &["userPrincipalName"]).or_else(|| str_at(t, &["displayName"])).map(Text::from));
    // Grants are made by the initiator, for themselves or the tenant; other changes are made to a user.
    let (user, actor) = match (&kind, target_user, initiator_user.or(initiator_app)) {
        (EventKind::OAuthGrant { .. }, _, Some(init)) => (init, None),
        (_, Some(target), init) => (target, init),
        (_, None, Some(init)) => (init, None),
        (_, None, None) => return Ok(None),
    };

    let outcome = match str_at(res, &["result"]).map(str::to_ascii_lowercase).as_deref() {
        Some("success") => Outcome::success(),
        Some("failure" | "failed") => Outcome::failure(str_at(res, &["resultReason"]).unwrap_or("failure")),
        _ => Outcome::default(),
    };
    let mut event = Event::new(string_at(res, &["id"]).unwrap_or_default(), time, &user, kind, outcome);
    event.actor = actor.map(|a| UserId::new(&a)).filter(|a| *a != event.user);
    let ip = initiated
        .as_deref()
        .and_then(|i| str_at(i, &["user", "ipAddress"]).or_else(|| str_at(i, &["app", "ipAddress"])))
        .or_else(|| outer.and_then(|o| str_at(o, &["callerIpAddress"]).or_else(|| str_at(o, &["ipAddress"]))))
        .or_else(|| detail_value("ipaddr"))
        .and_then(fields::parse_ip);
    event.network = Network { ip, ..Network::default() };
    event.user_agent = detail_value("User-Agent").or_else(|| str_at(res, &["UserAgent"])).map(Text::from);
    if let EventKind::OAuthGrant { app, .. } = &event.kind {
        event.app = Some(app.clone());
    }
    event.targets = targets
        .iter()
        .map(|t| Target {
            kind: str_at(t, &["type"]).map(Text::from),
            id: str_at(t, &["id"]).map(Text::from),
            name: str_at(t, &["userPrincipalName"]).or_else(|| str_at(t, &["displayName"])).map(Text::from),
        })
        .collect();
    event.vendor = VendorRef { format: Format::Entra, event_type: activity.into(), event_id: string_at(res, &["id"]) };
    if event.outcome.result == OutcomeResult::Unknown {
        if let Some(r) = str_at(res, &["result"]) {
            event.outcome.reason = Some(r.into());
        }
    }
    Ok(Some(event))
}

fn type_is(target: &Value, kind: &str) -> bool {
    str_at(target, &["type"]).is_some_and(|t| t.eq_ignore_ascii_case(kind))
}

/// The client of a grant: the target whose id `ServicePrincipal.ObjectID` names (its name, or the
/// id when the log leaves the name empty), else the first service principal or application target.
fn grant_client(targets: &[Value], props: &[ModifiedProperty]) -> Option<Text> {
    if let Some(id) = new_value(props, "ServicePrincipal.ObjectID") {
        let named = targets
            .iter()
            .find(|t| str_at(t, &["id"]).is_some_and(|t_id| t_id.eq_ignore_ascii_case(id)))
            .and_then(|t| str_at(t, &["displayName"]));
        return Some(named.unwrap_or(id).into());
    }
    targets
        .iter()
        .find(|t| type_is(t, "ServicePrincipal") || type_is(t, "Application"))
        .and_then(|t| str_at(t, &["displayName"]).or_else(|| str_at(t, &["id"])))
        .map(Text::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::parse::entra;
    use serde_json::json;

    fn audit(activity: &str, target: Value) -> Value {
        json!({
            "id": "Directory_0b0c7ee4-1c5a-4f8a-9d7e-6b1e1b9f0c11_ABC12_123456",
            "category": "ApplicationManagement",
            "correlationId": "0b0c7ee4-1c5a-4f8a-9d7e-6b1e1b9f0c11",
            "result": "success",
            "resultReason": "",
            "activityDisplayName": activity,
            "activityDateTime": "2024-03-05T09:01:02.345Z",
            "loggedByService": "Core Directory",
            "operationType": "Assign",
            "initiatedBy": {"user": {"id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "displayName": null, "userPrincipalName": "AdeleV@contoso.com", "ipAddress": "203.0.113.9"}},
            "targetResources": [target],
            "additionalDetails": [{"key": "User-Agent", "value": "EvoSTS"}]
        })
    }

    #[test]
    fn user_consent_with_mail_read() {
        let target = json!({
            "id": "4a1d5a36-2f8c-4a8b-9b2d-8f7a1c3e5d21", "displayName": "Mail Helper", "type": "ServicePrincipal",
            "modifiedProperties": [
                {"displayName": "ConsentContext.IsAdminConsent", "oldValue": null, "newValue": "\"False\""},
                {"displayName": "ConsentContext.IsAppOnly", "oldValue": null, "newValue": "\"False\""},
                {"displayName": "ConsentAction.Permissions", "oldValue": null, "newValue": "\"[] => [[Id: NlodSowqi0qbLY96HD5dIQ, ClientId: 4a1d5a36-2f8c-4a8b-9b2d-8f7a1c3e5d21, PrincipalId: 87d349ed-44d7-43e1-9a83-5f2406dee5bd, ResourceId: 0d2f5969-011b-460d-ac74-3291d227d49f, ConsentType: Principal, Scope: Mail.Read offline_access, CreatedDateTime: , LastModifiedDateTime ]]; \""},
                {"displayName": "TargetId.ServicePrincipalNames", "oldValue": null, "newValue": "\"4a1d5a36-2f8c-4a8b-9b2d-8f7a1c3e5d21\""}
            ]
        });
        let e = entra::parse(&audit("Consent to application", target)).unwrap().unwrap();
        assert_eq!(
            e.kind,
            EventKind::OAuthGrant {
                app: "Mail Helper".into(),
                scopes: vec!["Mail.Read".into(), "offline_access".into()],
                admin_consent: false
            }
        );
        assert_eq!(e.user.as_str(), "adelev@contoso.com");
        assert_eq!(e.actor, None);
        assert_eq!(e.user_agent.as_deref(), Some("EvoSTS"));
        assert_eq!(e.network.ip, Some("203.0.113.9".parse().unwrap()));
    }

    #[test]
    fn admin_adds_role_to_user() {
        let target = json!({
            "id": "e3c8a1b4-0000-4f4f-9f9f-123456789abc", "displayName": null, "type": "User", "userPrincipalName": "mallory@contoso.com",
            "modifiedProperties": [
                {"displayName": "Role.ObjectID", "oldValue": null, "newValue": "\"62e90394-69f5-4237-9190-012177145e10\""},
                {"displayName": "Role.DisplayName", "oldValue": null, "newValue": "\"Global Administrator\""},
                {"displayName": "Role.WellKnownObjectName", "oldValue": null, "newValue": "\"TenantAdmins\""}
            ]
        });
        let e = entra::parse(&audit("Add member to role", target)).unwrap().unwrap();
        assert_eq!(e.kind, EventKind::PrivilegeGrant { role: Some("Global Administrator".into()) });
        assert_eq!(e.user.as_str(), "mallory@contoso.com");
        assert_eq!(e.actor.as_ref().map(UserId::as_str), Some("adelev@contoso.com"));
    }

    #[test]
    fn security_info_and_passwords() {
        let me = json!({"id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "displayName": "Adele Vance", "type": "User", "userPrincipalName": "AdeleV@contoso.com", "modifiedProperties": []});
        let mut rec = audit("User registered security info", me.clone());
        rec["resultReason"] = json!("User registered Authenticator App with Notification and Code");
        let e = entra::parse(&rec).unwrap().unwrap();
        assert_eq!(e.kind, EventKind::MfaFactorEnrolled { factor: Some("push".into()) });
        assert_eq!(e.actor, None, "self-service: actor is the user");
        let e = entra::parse(&audit("User deleted security info", me.clone())).unwrap().unwrap();
        assert!(matches!(e.kind, EventKind::MfaFactorRemoved { .. }));
        let e = entra::parse(&audit("Reset password (by admin)", me.clone())).unwrap().unwrap();
        assert_eq!(e.kind, EventKind::PasswordReset);
        let e = entra::parse(&audit("Change password (self-service)", me)).unwrap().unwrap();
        assert_eq!(e.kind, EventKind::PasswordChange);
    }

    #[test]
    fn update_user_strong_auth_methods() {
        let props = ModifiedProperty::list(&[
            json!({"Name": "StrongAuthenticationMethod", "OldValue": "[]", "NewValue": "[{\"Default\": true,\"MethodType\": 7}]"}),
        ]);
        assert!(matches!(
            directory_change_kind("Update user.", &props, &ChangeContext::default()),
            EventKind::MfaFactorEnrolled { .. }
        ));
        let props = ModifiedProperty::list(&[
            json!({"displayName": "OtherMail", "oldValue": "[]", "newValue": "[\"x@evil.example\"]"}),
        ]);
        assert_eq!(
            directory_change_kind("Update user", &props, &ChangeContext::default()),
            EventKind::RecoveryChange { channel: RecoveryChannel::Email }
        );
        let props = ModifiedProperty::list(&[
            json!({"displayName": "DisplayName", "oldValue": "[\"a\"]", "newValue": "[\"b\"]"}),
        ]);
        assert_eq!(directory_change_kind("Update user", &props, &ChangeContext::default()), EventKind::Other);
    }

    #[test]
    fn consent_scopes_ignore_the_old_grant() {
        let text = "[[Id: a, Scope: User.Read, CreatedDateTime: ]] => [[Id: a, Scope: User.Read Mail.Send, CreatedDateTime: ]];";
        assert_eq!(consent_scopes(text), vec!["User.Read", "Mail.Send"]);
    }
}
