//! Okta's JSON shapes (lenient: unknown fields ignored, nulls allowed) and their mapping to
//! irp's port types.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::ports::{AccountStatus, Factor, FactorKind, FactorStatus, OAuthGrant, OAuthToken};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub password_changed: Option<DateTime<Utc>>,
    #[serde(default)]
    pub profile: Profile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Profile {
    #[serde(default)]
    pub login: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub second_email: Option<String>,
    #[serde(default)]
    pub mobile_phone: Option<String>,
}

impl User {
    pub fn account_status(&self) -> AccountStatus {
        match self.status.as_str() {
            "ACTIVE" => AccountStatus::Active,
            "SUSPENDED" => AccountStatus::Suspended,
            "LOCKED_OUT" => AccountStatus::LockedOut,
            "RECOVERY" | "PASSWORD_EXPIRED" => AccountStatus::PasswordReset,
            "STAGED" | "PROVISIONED" => AccountStatus::Staged,
            "DEPROVISIONED" => AccountStatus::Deprovisioned,
            other => AccountStatus::Other(other.to_owned()),
        }
    }

    pub fn display_name(&self) -> Option<String> {
        match (&self.profile.first_name, &self.profile.last_name) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(n), None) | (None, Some(n)) => Some(n.clone()),
            (None, None) => None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OktaFactor {
    pub id: String,
    pub factor_type: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub created: Option<DateTime<Utc>>,
    #[serde(default)]
    pub profile: Option<serde_json::Value>,
}

/// Keeps the last four characters: enough to recognise a phone, not enough to call it.
fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let keep = chars.len().min(4);
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("…{tail}")
}

impl OktaFactor {
    pub fn into_factor(self) -> Factor {
        let kind = match self.factor_type.as_str() {
            "push" => FactorKind::Push,
            "token:software:totp" | "token:hotp" => FactorKind::Totp,
            "sms" => FactorKind::Sms,
            "call" => FactorKind::Call,
            "email" => FactorKind::Email,
            "webauthn" | "u2f" => FactorKind::Webauthn,
            other => FactorKind::Other(other.to_owned()),
        };
        let status = match self.status.as_deref() {
            Some("ACTIVE") => FactorStatus::Active,
            Some("PENDING_ACTIVATION") | Some("ENROLLED") => FactorStatus::PendingActivation,
            _ => FactorStatus::Inactive,
        };
        let profile = self.profile.unwrap_or_default();
        let detail =
            ["phoneNumber", "email"].iter().find_map(|k| profile.get(*k).and_then(|v| v.as_str())).map(mask).or_else(
                || {
                    ["name", "deviceType", "credentialId"]
                        .iter()
                        .find_map(|k| profile.get(*k).and_then(|v| v.as_str()))
                        .filter(|_| kind != FactorKind::Totp)
                        .map(str::to_owned)
                },
            );
        let mut factor = Factor::new(self.id, kind, self.created);
        factor.status = status;
        factor.detail = detail;
        factor
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Grant {
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub created: Option<DateTime<Utc>>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub scope_id: Option<String>,
}

impl Grant {
    pub fn is_active(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s == "ACTIVE")
    }

    pub fn into_grant(self, app: Option<&str>) -> OAuthGrant {
        let client_id = self.client_id.unwrap_or_default();
        let app = app.map(str::to_owned).unwrap_or_else(|| client_id.clone());
        let mut g = OAuthGrant::new(self.id, client_id, app, self.scope_id.into_iter().collect());
        g.granted_at = self.created;
        g
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Client {
    pub client_id: String,
    #[serde(default)]
    pub client_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RefreshToken {
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl RefreshToken {
    pub fn into_token(self, client_id: &str) -> Option<OAuthToken> {
        if self.status.as_deref().is_some_and(|s| s != "ACTIVE") {
            return None;
        }
        let mut t = OAuthToken::new(self.id, self.client_id.unwrap_or_else(|| client_id.to_owned()));
        t.expires_at = self.expires_at;
        Some(t)
    }
}

/// `{"resetPasswordUrl": "..."}`. Deliberately no `Debug`: the URL is a credential.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResetPasswordToken {
    #[serde(default)]
    pub reset_password_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_examples_map() {
        let user: User = serde_json::from_str(include_str!("../../tests/data/okta_example_user.json")).unwrap();
        assert_eq!(user.account_status(), AccountStatus::Active);
        assert_eq!(user.profile.login.as_deref(), Some("isaac.brock@example.com"));
        let factors: Vec<OktaFactor> =
            serde_json::from_str(include_str!("../../tests/data/okta_example_factors.json")).unwrap();
        let mapped: Vec<Factor> = factors.into_iter().map(OktaFactor::into_factor).collect();
        let sms = mapped.iter().find(|f| f.kind == FactorKind::Sms).unwrap();
        assert_eq!(sms.detail.as_deref(), Some("…1337"));
        assert!(mapped.iter().all(|f| !f.detail.as_deref().unwrap_or("").contains("555-415")));
    }
}
