//! [`IdentityProvider`] for Entra ID, plus the Identity Protection feedback
//! ([`Graph::confirm_compromised`], [`Graph::dismiss_risky_user`]).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use irp_core::evidence::UserId;
use serde_json::json;

use super::model::{
    self, AuthMethod, ConsentAudit, DirectoryRole, PasswordResetResponse, PermissionGrant, ServicePrincipal, User,
};
use super::odata::{Filter, Prop};
use super::{need, restate, user_path, Graph, GraphPasswordReset};
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::http::{Idempotency, Request};
use crate::ports::{DirectoryUser, Factor, Health, IdentityProvider, OAuthGrant, PasswordReset};
use crate::secret::Secret;

/// Pages to follow at most for one user's methods, grants or rules.
pub(super) const MAX_PAGES: usize = 20;

impl Graph {
    async fn methods_of(&self, op: &str, id: &str) -> Result<Vec<AuthMethod>> {
        let req = Request::get(op, &user_path(id, &["authentication", "methods"]));
        self.conn.collect(req, MAX_PAGES).await.map_err(need("UserAuthenticationMethod.Read.All"))
    }

    /// This user's own consents (`consentType: Principal`, `principalId` = the user). Graph's
    /// `/users/{id}/oauth2PermissionGrants` already leaves tenant-wide grants out; the filter
    /// makes sure of it.
    pub(super) async fn grants_of(&self, op: &str, id: &str) -> Result<Vec<OAuthGrant>> {
        let req = Request::get(op, &user_path(id, &["oauth2PermissionGrants"]));
        let grants: Vec<PermissionGrant> =
            self.conn.collect(req, MAX_PAGES).await.map_err(need("DelegatedPermissionGrant.Read.All"))?;
        let grants: Vec<PermissionGrant> = grants.into_iter().filter(|g| g.belongs_to(id)).collect();
        if grants.is_empty() {
            return Ok(Vec::new());
        }
        let consented = self.consent_times(op, id).await?;
        let mut names: HashMap<String, Option<String>> = HashMap::new();
        let mut out = Vec::new();
        for g in grants {
            if !names.contains_key(&g.client_id) {
                let name = self.app_name(op, &g.client_id).await?;
                names.insert(g.client_id.clone(), name);
            }
            let app = names.get(&g.client_id).cloned().flatten();
            let at = consented.get(&g.client_id.to_ascii_lowercase()).copied();
            let mut grant = g.into_grant(app.as_deref());
            grant.granted_at = at;
            out.push(grant);
        }
        Ok(out)
    }

    /// When the user last consented to each client (service principal id, lower-cased), from
    /// the directory audit log's `Consent to application` entries. Graph v1.0 grants carry no
    /// date, and without one a consent given during the compromise cannot be told from an old
    /// one. Without `AuditLog.Read.All`, or past the log's retention, the date stays unknown.
    async fn consent_times(&self, op: &str, id: &str) -> Result<HashMap<String, DateTime<Utc>>> {
        let filter =
            Filter::eq(Prop::ActivityDisplayName, "Consent to application").and(Filter::eq(Prop::InitiatedById, id));
        let req = Request::get(op, &["auditLogs", "directoryAudits"])
            .query("$filter", filter.to_string())
            .query("$top", "100");
        let audits: Vec<ConsentAudit> = match self.conn.collect(req, 5).await {
            Ok(a) => a,
            Err(e) if e.kind() == ErrorKind::Permission => return Ok(HashMap::new()),
            Err(e) => return Err(e),
        };
        let mut out: HashMap<String, DateTime<Utc>> = HashMap::new();
        for a in audits.into_iter().filter(|a| a.result.as_deref().is_none_or(|r| r.eq_ignore_ascii_case("success"))) {
            for t in a.target_resources.iter().filter(|t| t.kind.as_deref() == Some("ServicePrincipal")) {
                if let Some(sp) = &t.id {
                    let e = out.entry(sp.to_ascii_lowercase()).or_insert(a.activity_date_time);
                    *e = (*e).max(a.activity_date_time);
                }
            }
        }
        Ok(out)
    }

    async fn roles_of(&self, op: &str, id: &str) -> Result<Vec<String>> {
        let req = Request::get(op, &user_path(id, &["memberOf", "microsoft.graph.directoryRole"]))
            .query("$select", "id,displayName");
        let roles: Vec<DirectoryRole> = self.conn.collect(req, MAX_PAGES).await.map_err(need("Directory.Read.All"))?;
        Ok(roles.into_iter().map(|r| r.display_name.unwrap_or(r.id)).collect())
    }

    /// The display name of the client's service principal. Without `Application.Read.All` (or
    /// for a deleted app) the grant is still listed, under its client id.
    async fn app_name(&self, op: &str, client_id: &str) -> Result<Option<String>> {
        if client_id.is_empty() {
            return Ok(None);
        }
        let req = Request::get(op, &["servicePrincipals", client_id]).query("$select", "id,appId,displayName");
        match self.conn.send_json::<ServicePrincipal>(req).await {
            Ok(sp) => Ok(sp.display_name),
            Err(e) if matches!(e.kind(), ErrorKind::Permission | ErrorKind::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes one of `user_id`'s own grants after re-reading it: a tenant-wide
    /// (`AllPrincipals`) grant or another user's is refused, since deleting it would revoke the
    /// app for everyone. Access tokens already issued under the grant stay valid until they expire.
    pub(super) async fn revoke_grant_of(&self, op: &str, user_id: &str, grant_id: &str) -> Result<()> {
        if grant_id.is_empty() {
            return Err(ConnectorError::new(ErrorKind::Invalid, op).with_detail("empty grant id"));
        }
        let grant: PermissionGrant = self
            .conn
            .send_json(Request::get(op, &["oauth2PermissionGrants", grant_id]))
            .await
            .map_err(need("DelegatedPermissionGrant.ReadWrite.All"))?;
        if !grant.belongs_to(user_id) {
            return Err(ConnectorError::new(ErrorKind::Conflict, op).with_detail(
                "the grant is not this user's own consent (tenant-wide or another user's): refusing to delete it",
            ));
        }
        self.conn
            .send(Request::delete(op, &["oauth2PermissionGrants", grant_id]))
            .await
            .map(drop)
            .map_err(need("DelegatedPermissionGrant.ReadWrite.All"))
    }

    async fn directory_user(&self, op: &str, user: User) -> Result<DirectoryUser> {
        let login = user.user_principal_name.clone().unwrap_or_else(|| user.id.clone());
        let mut d = DirectoryUser::new(user.id.clone(), &login);
        d.display_name = user.display_name.clone();
        d.status = user.account_status();
        d.password_change_required = user.password_profile.as_ref().is_some_and(|p| {
            p.force_change_password_next_sign_in == Some(true)
                || p.force_change_password_next_sign_in_with_mfa == Some(true)
        });
        d.credential_version =
            user.last_password_change_date_time.map_or(0, |t| u64::try_from(t.timestamp_millis()).unwrap_or(0));
        d.recovery_email = user.other_mails.first().cloned();
        d.recovery_phone = user.mobile_phone.clone();
        d.factors = self
            .methods_of(op, &user.id)
            .await?
            .into_iter()
            .filter(|m| !m.is_password())
            .map(AuthMethod::into_factor)
            .collect();
        d.grants = self.grants_of(op, &user.id).await?;
        d.admin_roles = self.roles_of(op, &user.id).await?;
        // Entra lists no sessions or tokens per user; `terminate_sessions` revokes them all.
        Ok(d)
    }

    async fn set_enabled(&self, op: &str, login: &UserId, enabled: bool) -> Result<()> {
        let user = self.find_user(op, login.as_str()).await?;
        if user.account_enabled == Some(enabled) {
            return Ok(());
        }
        // Setting a value is idempotent: a PATCH that may have run is safe to repeat.
        let req = Request::new(op, reqwest::Method::PATCH, &user_path(&user.id, &[]))
            .json(json!({"accountEnabled": enabled}))
            .idempotency(Idempotency::Safe);
        self.conn.send(req).await.map(drop).map_err(need("User.EnableDisableAccount.All"))
    }

    async fn risky_user_action(&self, op: &str, login: &UserId, action: &str) -> Result<()> {
        let id = self.user_id(op, login).await?;
        let req = Request::post(op, &["identityProtection", "riskyUsers", action])
            .json(json!({"userIds": [id]}))
            .idempotency(Idempotency::Safe);
        self.conn.send(req).await.map(drop).map_err(need("IdentityRiskyUser.ReadWrite.All"))
    }

    /// Tells Entra ID Protection the account is compromised
    /// (`POST /identityProtection/riskyUsers/confirmCompromised`): the user's risk becomes high,
    /// so risk-based Conditional Access applies, and Microsoft's detections learn from it.
    /// Needs Entra ID P2.
    pub async fn confirm_compromised(&self, login: &UserId) -> Result<()> {
        self.risky_user_action("graph.confirm_compromised", login, "confirmCompromised").await
    }

    /// Dismisses the user's risk (`POST /identityProtection/riskyUsers/dismiss`), for a false
    /// positive. Needs Entra ID P2.
    pub async fn dismiss_risky_user(&self, login: &UserId) -> Result<()> {
        self.risky_user_action("graph.dismiss_risky_user", login, "dismiss").await
    }
}

fn delegated_only(cause: &ConnectorError) -> ConnectorError {
    restate(
        cause,
        ErrorKind::Permission,
        "Graph allows resetPassword only with a delegated token (signed-in administrator with \
         UserAuthenticationMethod.ReadWrite.All and an Authentication Administrator role); this \
         connector signs in app-only (client credentials), so reset the password in the Entra admin \
         center or set password_reset = \"disabled\""
            .to_owned(),
    )
}

#[async_trait]
impl IdentityProvider for Graph {
    async fn get_user(&self, login: &UserId) -> Result<DirectoryUser> {
        let op = "graph.get_user";
        let user = self.find_user(op, login.as_str()).await?;
        self.directory_user(op, user).await
    }

    async fn get_user_by_id(&self, id: &str) -> Result<DirectoryUser> {
        let op = "graph.get_user_by_id";
        let user = self.find_user(op, id).await?;
        self.directory_user(op, user).await
    }

    /// `PATCH /users/{id}` `{"accountEnabled": false}`; an already disabled account is left alone.
    async fn disable_user(&self, login: &UserId) -> Result<()> {
        self.set_enabled("graph.disable_user", login, false).await
    }

    async fn enable_user(&self, login: &UserId) -> Result<()> {
        self.set_enabled("graph.enable_user", login, true).await
    }

    /// Resets through the authentication-methods API, letting Entra generate the password. The
    /// generated password, if Graph returns one, comes back only as a [`Secret`]. The reset is a
    /// long-running operation (202 + `Location`); it is not polled.
    async fn reset_password(&self, login: &UserId) -> Result<PasswordReset> {
        let op = "graph.reset_password";
        if self.config.password_reset == GraphPasswordReset::Disabled {
            return Err(ConnectorError::new(ErrorKind::Unsupported, op)
                .with_detail("password_reset = \"disabled\": reset the password in the Entra admin center"));
        }
        let id = self.user_id(op, login).await?;
        let req = Request::get(op, &user_path(&id, &["authentication", "passwordMethods"]));
        let methods: Vec<AuthMethod> =
            self.conn.collect(req, 1).await.map_err(need("UserAuthenticationMethod.Read.All"))?;
        let method = methods.into_iter().next().ok_or_else(|| {
            ConnectorError::new(ErrorKind::Conflict, op).with_detail("the user has no password method (passwordless?)")
        })?;
        let req = Request::post(op, &user_path(&id, &["authentication", "methods", &method.id, "resetPassword"]))
            .json(json!({}));
        let resp = match self.conn.send(req).await {
            Ok(r) => r,
            Err(e) if matches!(e.kind(), ErrorKind::Permission | ErrorKind::Unauthenticated | ErrorKind::Invalid) => {
                return Err(delegated_only(&e));
            }
            Err(e) => return Err(e),
        };
        let mut reset = PasswordReset::default();
        if !resp.is_empty() {
            let body: PasswordResetResponse = resp.json()?;
            reset.temporary_password = body.new_password.map(Secret::new);
        }
        Ok(reset)
    }

    /// `POST /users/{id}/revokeSignInSessions`: refresh tokens and session cookies of every app
    /// stop working (within minutes); access tokens already issued live until they expire (about
    /// an hour). Graph counts nothing, so this returns 0. Both the documented 204 and the real
    /// 200 `{"value": true}` are success.
    async fn terminate_sessions(&self, login: &UserId, _include_oauth_tokens: bool) -> Result<u32> {
        let op = "graph.terminate_sessions";
        let id = self.user_id(op, login).await?;
        let req = Request::post(op, &user_path(&id, &["revokeSignInSessions"])).idempotency(Idempotency::Safe);
        let resp = self.conn.send(req).await.map_err(need("User.RevokeSessions.All"))?;
        if !resp.is_empty() {
            let v: serde_json::Value = resp.json()?;
            if v.get("value").and_then(serde_json::Value::as_bool) == Some(false) {
                return Err(ConnectorError::new(ErrorKind::Server, op)
                    .with_status(resp.status)
                    .with_detail("Graph answered that the sessions were not revoked"));
            }
        }
        Ok(0)
    }

    async fn list_grants(&self, login: &UserId) -> Result<Vec<OAuthGrant>> {
        let op = "graph.list_grants";
        let id = self.user_id(op, login).await?;
        self.grants_of(op, &id).await
    }

    async fn revoke_grant(&self, login: &UserId, grant_id: &str) -> Result<()> {
        let op = "graph.revoke_grant";
        let id = self.user_id(op, login).await?;
        self.revoke_grant_of(op, &id, grant_id).await
    }

    async fn list_factors(&self, login: &UserId) -> Result<Vec<Factor>> {
        let op = "graph.list_factors";
        let id = self.user_id(op, login).await?;
        Ok(self
            .methods_of(op, &id)
            .await?
            .into_iter()
            .filter(|m| !m.is_password())
            .map(AuthMethod::into_factor)
            .collect())
    }

    /// Deletes the method from its per-type collection (`/authentication/phoneMethods/{id}`,
    /// `/fido2Methods/{id}`, ...), after finding its type in the user's method list.
    async fn remove_factor(&self, login: &UserId, factor_id: &str) -> Result<()> {
        let op = "graph.remove_factor";
        let id = self.user_id(op, login).await?;
        let method = self
            .methods_of(op, &id)
            .await?
            .into_iter()
            .find(|m| m.id == factor_id)
            .ok_or_else(|| ConnectorError::not_found(op, "the user has no authentication method with that id"))?;
        let kind = model::method_type(&method.odata_type);
        let collection = model::method_collection(kind).ok_or_else(|| {
            ConnectorError::new(ErrorKind::Unsupported, op)
                .with_detail(format!("Graph cannot delete a {kind} method (reset the password instead)"))
        })?;
        self.conn
            .send(Request::delete(op, &user_path(&id, &["authentication", collection, &method.id])))
            .await
            .map(drop)
            .map_err(need("UserAuthenticationMethod.ReadWrite.All"))
    }

    async fn health_check(&self) -> Result<Health> {
        let op = "graph.health_check";
        let req = Request::get(op, &["users"]).query("$top", "1").query("$select", "id");
        let _: model::Page<serde_json::Value> = self.conn.send_json(req).await.map_err(need("User.Read.All"))?;
        Ok(Health::new("graph", format!("users readable at {}", self.conn.base())))
    }
}
