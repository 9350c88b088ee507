//! Graph's JSON shapes (lenient: unknown fields ignored, nulls allowed) and their mapping to
//! irp's port types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::ports::{AccountStatus, Factor, FactorKind, InboxRule, OAuthGrant};

/// The user properties irp reads (`$select`, so no more personal data than needed is fetched).
pub(crate) const USER_SELECT: &str =
    "id,userPrincipalName,displayName,accountEnabled,lastPasswordChangeDateTime,passwordProfile,mobilePhone,otherMails";

/// A collection page: `{"value": [...], "@odata.nextLink": "..."}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    #[serde(default, rename = "@odata.nextLink")]
    pub next_link: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User {
    pub id: String,
    #[serde(default)]
    pub user_principal_name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub account_enabled: Option<bool>,
    #[serde(default)]
    pub last_password_change_date_time: Option<DateTime<Utc>>,
    /// `forceChangePasswordNextSignIn` after a reset (the password itself always reads `null`).
    #[serde(default)]
    pub password_profile: Option<PasswordProfile>,
    #[serde(default)]
    pub mobile_phone: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub other_mails: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PasswordProfile {
    #[serde(default)]
    pub force_change_password_next_sign_in: Option<bool>,
    #[serde(default)]
    pub force_change_password_next_sign_in_with_mfa: Option<bool>,
}

fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

impl User {
    pub fn account_status(&self) -> AccountStatus {
        match self.account_enabled {
            Some(false) => AccountStatus::Suspended,
            Some(true) => AccountStatus::Active,
            // `$select` asked for it; absence means an object Graph would not describe.
            None => AccountStatus::Other("unknown".into()),
        }
    }
}

/// One authentication method, dispatched on `@odata.type`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthMethod {
    #[serde(rename = "@odata.type", default)]
    pub odata_type: String,
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub phone_type: Option<String>,
    #[serde(default)]
    pub email_address: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub device_tag: Option<String>,
    // Graph spells it both ways across method types.
    #[serde(default)]
    pub created_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub creation_date_time: Option<DateTime<Utc>>,
}

/// Keeps the last four characters: enough to recognise a phone or mailbox, not to use it.
fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let keep = chars.len().min(4);
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("…{tail}")
}

/// The method type without the `#microsoft.graph.` prefix and `AuthenticationMethod` suffix.
pub(crate) fn method_type(odata_type: &str) -> &str {
    let t = odata_type.trim_start_matches('#').trim_start_matches("microsoft.graph.");
    t.strip_suffix("AuthenticationMethod").unwrap_or(t)
}

/// The per-type collection a method is deleted from, or `None` where Graph offers no delete
/// (the password method).
pub(crate) fn method_collection(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "phone" => "phoneMethods",
        "email" => "emailMethods",
        "microsoftAuthenticator" => "microsoftAuthenticatorMethods",
        "fido2" => "fido2Methods",
        "softwareOath" => "softwareOathMethods",
        "windowsHelloForBusiness" => "windowsHelloForBusinessMethods",
        "temporaryAccessPass" => "temporaryAccessPassMethods",
        "platformCredential" => "platformCredentialMethods",
        _ => return None,
    })
}

impl AuthMethod {
    pub fn is_password(&self) -> bool {
        method_type(&self.odata_type) == "password"
    }

    pub fn into_factor(self) -> Factor {
        let t = method_type(&self.odata_type).to_owned();
        let kind = match t.as_str() {
            "microsoftAuthenticator" => FactorKind::Push,
            "softwareOath" => FactorKind::Totp,
            "phone" if self.phone_type.as_deref() == Some("office") => FactorKind::Call,
            "phone" => FactorKind::Sms,
            "email" => FactorKind::Email,
            "fido2" => FactorKind::Webauthn,
            _ => FactorKind::Other(t.clone()),
        };
        let detail = self
            .phone_number
            .as_deref()
            .or(self.email_address.as_deref())
            .map(mask)
            .or_else(|| self.display_name.clone().or(self.model.clone()).or(self.device_tag.clone()));
        let mut f = Factor::new(self.id, kind, self.created_date_time.or(self.creation_date_time));
        f.detail = detail;
        f
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Recipient {
    #[serde(default, rename = "emailAddress")]
    pub email_address: Option<EmailAddress>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EmailAddress {
    #[serde(default)]
    pub address: Option<String>,
}

/// `redirectTo` is a collection in current docs and a single recipient in an old revision.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Recipients {
    Many(Vec<Recipient>),
    One(Recipient),
}

impl Recipients {
    fn addresses(self) -> Vec<String> {
        let list = match self {
            Recipients::Many(v) => v,
            Recipients::One(r) => vec![r],
        };
        list.into_iter().filter_map(|r| r.email_address.and_then(|e| e.address)).collect()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RuleActions {
    #[serde(default)]
    pub forward_to: Option<Recipients>,
    #[serde(default)]
    pub forward_as_attachment_to: Option<Recipients>,
    #[serde(default)]
    pub redirect_to: Option<Recipients>,
    #[serde(default)]
    pub delete: Option<bool>,
    #[serde(default)]
    pub permanent_delete: Option<bool>,
    #[serde(default)]
    pub mark_as_read: Option<bool>,
    #[serde(default)]
    pub move_to_folder: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageRule {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub is_enabled: Option<bool>,
    #[serde(default)]
    pub actions: Option<RuleActions>,
}

impl MessageRule {
    pub fn into_rule(self) -> InboxRule {
        let a = self.actions.unwrap_or_default();
        let mut forward: Vec<String> = a.forward_to.map(Recipients::addresses).unwrap_or_default();
        forward.extend(a.forward_as_attachment_to.map(Recipients::addresses).unwrap_or_default());
        let redirect = a.redirect_to.map(Recipients::addresses).unwrap_or_default();
        let hides = a.delete == Some(true)
            || a.permanent_delete == Some(true)
            || a.mark_as_read == Some(true)
            || a.move_to_folder.as_deref().is_some_and(|f| !f.is_empty());
        let mut rule = InboxRule::forwarding(self.id, self.display_name.unwrap_or_default(), forward);
        rule.redirect_to = redirect;
        rule.enabled = self.is_enabled.unwrap_or(true);
        rule.hides_mail = hides;
        rule
    }
}

/// A delegated permission grant.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PermissionGrant {
    pub id: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub consent_type: Option<String>,
    #[serde(default)]
    pub principal_id: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
}

impl PermissionGrant {
    /// True for a consent of this one user (`Principal` for `user_id`), never a tenant-wide one.
    pub fn belongs_to(&self, user_id: &str) -> bool {
        self.consent_type.as_deref() == Some("Principal")
            && self.principal_id.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(user_id))
    }

    pub fn into_grant(self, app: Option<&str>) -> OAuthGrant {
        // `scope` is space-separated and may start with a space.
        let scopes = self.scope.as_deref().unwrap_or("").split_whitespace().map(str::to_owned).collect();
        let app = app.map(str::to_owned).unwrap_or_else(|| self.client_id.clone());
        OAuthGrant::new(self.id, self.client_id, app, scopes)
    }
}

/// A `directoryAudit`, as far as dating a consent needs.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConsentAudit {
    pub activity_date_time: DateTime<Utc>,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub target_resources: Vec<AuditTarget>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AuditTarget {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DirectoryRole {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServicePrincipal {
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `POST .../resetPassword` answer: `{}` or `{"newPassword": "..."}`. No `Debug`: it may hold a
/// generated password.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PasswordResetResponse {
    #[serde(default)]
    pub new_password: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_map_and_mask() {
        let v: Page<AuthMethod> = serde_json::from_value(serde_json::json!({"value": [
            {"@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "id": "-2_GRUg2-HYz6_1YG4YRAQ2",
             "displayName": "Red key", "creationDateTime": "2020-08-10T06:44:09Z", "model": "NFC key"},
            {"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", "id": "3179e48a-750b-4051-897c-87b9720928f7",
             "phoneNumber": "+1 2065555555", "phoneType": "mobile", "smsSignInState": "ready"},
            {"@odata.type": "#microsoft.graph.passwordAuthenticationMethod", "id": "28c10230-6103-485e-b985-444c60001490",
             "password": null, "createdDateTime": null}
        ]}))
        .unwrap();
        let mut it = v.value.into_iter();
        let key = it.next().unwrap();
        assert_eq!(method_collection(method_type(&key.odata_type)), Some("fido2Methods"));
        let key = key.into_factor();
        assert_eq!(key.kind, FactorKind::Webauthn);
        assert_eq!(key.detail.as_deref(), Some("Red key"));
        assert_eq!(key.enrolled_at.unwrap().to_rfc3339(), "2020-08-10T06:44:09+00:00");
        let phone = it.next().unwrap().into_factor();
        assert_eq!((phone.kind, phone.detail.as_deref()), (FactorKind::Sms, Some("…5555")));
        let pw = it.next().unwrap();
        assert!(pw.is_password());
        assert_eq!(method_collection(method_type(&pw.odata_type)), None);
    }

    #[test]
    fn rules_collect_every_target_and_redirect_in_either_shape() {
        let r: MessageRule = serde_json::from_value(serde_json::json!({
            "id": "AQAAAJ5dZqA=", "displayName": ".", "sequence": 1, "isEnabled": true,
            "actions": {"forwardTo": [{"emailAddress": {"name": "x", "address": "a@evil.example"}}],
                        "forwardAsAttachmentTo": [{"emailAddress": {"address": "b@evil.example"}}],
                        "redirectTo": {"emailAddress": {"address": "c@evil.example"}},
                        "markAsRead": true, "stopProcessingRules": true}}))
        .unwrap();
        let rule = r.into_rule();
        assert_eq!(rule.forward_to, ["a@evil.example", "b@evil.example"]);
        assert_eq!(rule.redirect_to, ["c@evil.example"]);
        assert!(rule.hides_mail && rule.enabled && rule.sends_mail_out());
    }
}
