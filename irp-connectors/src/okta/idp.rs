//! [`IdentityProvider`] for Okta, plus Okta-only actions (reset factors, revoke all grants,
//! expire password).

use std::collections::HashMap;

use async_trait::async_trait;
use irp_core::evidence::UserId;

use super::filter::{Attr, Filter};
use super::model::{Client, Grant, OktaFactor, RefreshToken, ResetPasswordToken, User};
use super::{Okta, OktaPasswordReset};
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::http::pagination::collect_linked;
use crate::http::{Idempotency, Request};
use crate::ports::{DirectoryUser, Factor, Health, IdentityProvider, OAuthGrant, OAuthToken, PasswordReset};
use crate::secret::Secret;

/// Okta list pages to follow at most for one user's grants or tokens.
const MAX_PAGES: usize = 50;

fn users(id: &str) -> Vec<String> {
    vec!["api".into(), "v1".into(), "users".into(), id.into()]
}

fn users_sub(id: &str, rest: &[&str]) -> Vec<String> {
    let mut s = users(id);
    s.extend(rest.iter().map(|r| (*r).to_owned()));
    s
}

impl Okta {
    /// The Okta user for a login. Logins with `/` cannot be fetched by path, so they are
    /// searched with an escaped `profile.login eq "..."` filter.
    async fn find_user(&self, op: &str, login: &UserId) -> Result<User> {
        let login = login.as_str();
        if login.is_empty() {
            return Err(ConnectorError::new(ErrorKind::Invalid, op).with_detail("empty login"));
        }
        if !login.contains('/') {
            return self.http.send_json(Request::get(op, &users(login))).await;
        }
        let req = Request::get(op, &["api", "v1", "users"])
            .query("search", Filter::eq(Attr::ProfileLogin, login).to_string())
            .query("limit", "2");
        let found: Vec<User> = self.http.send_json(req).await?;
        let mut found = found.into_iter();
        match (found.next(), found.next()) {
            (Some(user), None) => Ok(user),
            (None, _) => Err(ConnectorError::not_found(op, "no user with that login")),
            (Some(_), Some(_)) => {
                Err(ConnectorError::new(ErrorKind::Conflict, op).with_detail("more than one user matches that login"))
            }
        }
    }

    async fn post_lifecycle(&self, op: &str, id: &str, action: &str) -> Result<crate::http::Response> {
        self.http.send(Request::post(op, &users_sub(id, &["lifecycle", action]))).await
    }

    async fn clients(&self, op: &str, id: &str) -> Result<Vec<Client>> {
        collect_linked(&self.http, Request::get(op, &users_sub(id, &["clients"])), MAX_PAGES).await
    }

    async fn grants_of(&self, op: &str, id: &str) -> Result<Vec<OAuthGrant>> {
        let names: HashMap<String, String> =
            self.clients(op, id).await?.into_iter().filter_map(|c| c.client_name.map(|n| (c.client_id, n))).collect();
        let req = Request::get(op, &users_sub(id, &["grants"])).query("expand", "scope").query("limit", "200");
        let grants: Vec<Grant> = collect_linked(&self.http, req, MAX_PAGES).await?;
        Ok(grants
            .into_iter()
            .filter(Grant::is_active)
            .map(|g| {
                let app = g.client_id.as_deref().and_then(|c| names.get(c)).map(String::as_str);
                g.into_grant(app)
            })
            .collect())
    }

    async fn tokens_of(&self, op: &str, id: &str) -> Result<Vec<OAuthToken>> {
        let mut tokens = Vec::new();
        for client in self.clients(op, id).await? {
            let req = Request::get(op, &users_sub(id, &["clients", &client.client_id, "tokens"])).query("limit", "200");
            let page: Vec<RefreshToken> = collect_linked(&self.http, req, MAX_PAGES).await?;
            tokens.extend(page.into_iter().filter_map(|t| t.into_token(&client.client_id)));
        }
        Ok(tokens)
    }

    async fn factors_of(&self, op: &str, id: &str) -> Result<Vec<Factor>> {
        let factors: Vec<OktaFactor> = self.http.send_json(Request::get(op, &users_sub(id, &["factors"]))).await?;
        Ok(factors.into_iter().map(OktaFactor::into_factor).collect())
    }

    async fn directory_user(&self, op: &str, user: User) -> Result<DirectoryUser> {
        let login = user.profile.login.clone().unwrap_or_else(|| user.id.clone());
        let mut d = DirectoryUser::new(user.id.clone(), &login);
        d.display_name = user.display_name();
        d.status = user.account_status();
        d.password_change_required = matches!(user.status.as_str(), "RECOVERY" | "PASSWORD_EXPIRED");
        // `passwordChanged` only moves when the user sets the new password, but `RECOVERY`
        // already invalidates the old one (sign-in is blocked until the reset is completed): it
        // counts as the next credential generation. `PASSWORD_EXPIRED` does not (the old password
        // still signs in, once, to choose a new one).
        let changed = user.password_changed.map_or(0, |t| u64::try_from(t.timestamp_millis()).unwrap_or(0));
        d.credential_version = changed + u64::from(user.status == "RECOVERY");
        d.recovery_email = user.profile.second_email.clone();
        d.recovery_phone = user.profile.mobile_phone.clone();
        d.factors = self.factors_of(op, &user.id).await?;
        d.grants = self.grants_of(op, &user.id).await?;
        d.tokens = self.tokens_of(op, &user.id).await?;
        // Okta's management API lists no sessions per user: `sessions` stays empty and
        // `terminate_sessions` revokes them all without counting.
        Ok(d)
    }

    /// Resets every MFA factor (`POST /lifecycle/reset_factors`). Not idempotent in effect on a
    /// user who re-enrolls in between, so never retried after it may have run.
    pub async fn reset_factors(&self, login: &UserId) -> Result<()> {
        let op = "okta.reset_factors";
        let user = self.find_user(op, login).await?;
        self.post_lifecycle(op, &user.id, "reset_factors").await.map(drop)
    }

    /// Expires the password (`POST /lifecycle/expire_password`): it must be changed at next
    /// sign-in. No temporary password is requested.
    pub async fn expire_password(&self, login: &UserId) -> Result<()> {
        let op = "okta.expire_password";
        let user = self.find_user(op, login).await?;
        self.post_lifecycle(op, &user.id, "expire_password").await.map(drop)
    }

    /// Revokes every OAuth consent of the user (`DELETE /users/{id}/grants`, safe to repeat).
    pub async fn revoke_all_grants(&self, login: &UserId) -> Result<()> {
        let op = "okta.revoke_all_grants";
        let user = self.find_user(op, login).await?;
        let req = Request::delete(op, &users_sub(&user.id, &["grants"])).idempotency(Idempotency::Safe);
        self.http.send(req).await.map(drop)
    }

    /// Revokes every refresh token the user holds for one OAuth client
    /// (`DELETE /users/{id}/clients/{clientId}/tokens`, safe to repeat).
    pub async fn revoke_client_tokens(&self, login: &UserId, client_id: &str) -> Result<()> {
        let op = "okta.revoke_client_tokens";
        let user = self.find_user(op, login).await?;
        self.revoke_tokens_of(op, &user.id, client_id).await
    }

    async fn revoke_tokens_of(&self, op: &str, id: &str, client_id: &str) -> Result<()> {
        let req = Request::delete(op, &users_sub(id, &["clients", client_id, "tokens"])).idempotency(Idempotency::Safe);
        self.http.send(req).await.map(drop)
    }

    /// The configured reset on a user Okta allows it on (not `SUSPENDED`).
    async fn reset_active(&self, op: &str, id: &str) -> Result<PasswordReset> {
        let mode = self.config.password_reset;
        if mode == OktaPasswordReset::Expire {
            self.post_lifecycle(op, id, "expire_password").await?;
            return Ok(PasswordReset::default());
        }
        let send_email = mode == OktaPasswordReset::Email;
        let mut req = Request::post(op, &users_sub(id, &["lifecycle", "reset_password"]))
            .query("sendEmail", send_email.to_string());
        if self.config.revoke_sessions_on_reset {
            req = req.query("revokeSessions", "true");
        }
        let resp = self.http.send(req).await?;
        let mut reset = PasswordReset::default();
        if !send_email && !resp.is_empty() {
            let token: ResetPasswordToken = resp.json()?;
            reset.reset_url = token.reset_password_url.map(Secret::new);
        }
        Ok(reset)
    }

    /// Undoes the unsuspend of the reset pair after the reset failed (or an unsuspend timed out):
    /// reads the user, suspends it again when it is `ACTIVE`, and returns the error saying where
    /// the account stands. Reading first also catches a timed-out reset that did go through.
    async fn resuspend_after(&self, op: &str, id: &str, reset_error: ConnectorError) -> ConnectorError {
        const LOST: &str = "the account is ACTIVE and NOT contained: suspend it by hand now";
        let status = match self.http.send_json::<User>(Request::get(op, &users(id))).await {
            Ok(user) => user.status,
            // Unknown: try the suspend anyway; Okta refuses it unless the user is ACTIVE.
            Err(_) => "ACTIVE".to_owned(),
        };
        match status.as_str() {
            "ACTIVE" => match self.post_lifecycle(op, id, "suspend").await {
                Ok(_) => reset_error.and_detail("the user was unsuspended for the reset and is SUSPENDED again"),
                Err(e) => reset_error.and_detail(format!(
                    "the user was unsuspended for the reset and suspending it again failed ({e}): {LOST}"
                )),
            },
            "SUSPENDED" => reset_error.and_detail("the user is SUSPENDED"),
            "RECOVERY" => reset_error.and_detail(
                "the reset took effect after all: the user is RECOVERY (sign-in blocked until the reset is completed)",
            ),
            other => reset_error.and_detail(format!(
                "the user was unsuspended for the reset and is now {other}, not suspended again: check it by hand"
            )),
        }
    }

    /// The user's live refresh tokens.
    pub async fn list_tokens(&self, login: &UserId) -> Result<Vec<OAuthToken>> {
        let op = "okta.list_tokens";
        let user = self.find_user(op, login).await?;
        self.tokens_of(op, &user.id).await
    }
}

fn conflict(op: &str, status: &str, wanted: &str) -> ConnectorError {
    ConnectorError::new(ErrorKind::Conflict, op)
        .with_detail(format!("the user is {status}; Okta allows this only on {wanted} users"))
}

#[async_trait]
impl IdentityProvider for Okta {
    async fn get_user(&self, login: &UserId) -> Result<DirectoryUser> {
        let op = "okta.get_user";
        let user = self.find_user(op, login).await?;
        self.directory_user(op, user).await
    }

    async fn get_user_by_id(&self, id: &str) -> Result<DirectoryUser> {
        let op = "okta.get_user_by_id";
        let user: User = self.http.send_json(Request::get(op, &users(id))).await?;
        self.directory_user(op, user).await
    }

    /// Suspends an `ACTIVE` user. `SUSPENDED` and `DEPROVISIONED` users are already disabled
    /// (no call). Any other status is a [`ErrorKind::Conflict`]: Okta suspends only active
    /// users, and deactivating (the alternative) deprovisions every app, so it is left to a human.
    async fn disable_user(&self, login: &UserId) -> Result<()> {
        let op = "okta.disable_user";
        let user = self.find_user(op, login).await?;
        match user.status.as_str() {
            "SUSPENDED" | "DEPROVISIONED" => Ok(()),
            "ACTIVE" => self.post_lifecycle(op, &user.id, "suspend").await.map(drop),
            other => Err(conflict(op, other, "ACTIVE")),
        }
    }

    /// Unsuspends a `SUSPENDED` user; an `ACTIVE`, `RECOVERY` or `PASSWORD_EXPIRED` user is not
    /// suspended (no call).
    async fn enable_user(&self, login: &UserId) -> Result<()> {
        let op = "okta.enable_user";
        let user = self.find_user(op, login).await?;
        match user.status.as_str() {
            // Not suspended: `RECOVERY` / `PASSWORD_EXPIRED` (after the reset pair) sign in again
            // once the user sets the new password, so there is nothing to lift.
            "ACTIVE" | "RECOVERY" | "PASSWORD_EXPIRED" => Ok(()),
            "SUSPENDED" => self.post_lifecycle(op, &user.id, "unsuspend").await.map(drop),
            other => Err(conflict(op, other, "SUSPENDED")),
        }
    }

    /// Resets the password in the configured mode. Okta refuses any reset on a `SUSPENDED` user
    /// (only unsuspend and deactivate are allowed), so for one (the runbook suspends first at
    /// Confirmed / High likelihood) this sends the approved pair: `lifecycle/unsuspend`, then the
    /// reset, which moves the user to `RECOVERY`, where sign-in stays blocked until the user
    /// completes the reset. If the reset fails, the user is suspended again and the error says
    /// so; if that fails too, the error says the account is ACTIVE and not contained.
    ///
    /// With `password_reset = "expire"` a suspended user is refused instead: `PASSWORD_EXPIRED`
    /// lets the current (possibly stolen) password sign in once to choose a new one, so lifting
    /// the suspension for it would hand the account back to the attacker.
    async fn reset_password(&self, login: &UserId) -> Result<PasswordReset> {
        let op = "okta.reset_password";
        let user = self.find_user(op, login).await?;
        match user.status.as_str() {
            "SUSPENDED" if self.config.password_reset == OktaPasswordReset::Expire => {
                Err(ConnectorError::new(ErrorKind::Conflict, op).with_detail(
                    "the user is SUSPENDED and password_reset = \"expire\": unsuspending for expire_password \
                     would let the current password sign in to choose a new one; use \"email\" or \"link\"",
                ))
            }
            "SUSPENDED" => {
                if let Err(e) = self.post_lifecycle(op, &user.id, "unsuspend").await {
                    if e.maybe_executed() {
                        let e = e.and_detail("the unsuspend for the password reset may have gone through");
                        return Err(self.resuspend_after(op, &user.id, e).await);
                    }
                    return Err(e.and_detail("unsuspending for the password reset failed; the user is still SUSPENDED"));
                }
                match self.reset_active(op, &user.id).await {
                    Ok(reset) => Ok(reset),
                    Err(e) => Err(self.resuspend_after(op, &user.id, e).await),
                }
            }
            "DEPROVISIONED" => Err(ConnectorError::new(ErrorKind::Conflict, op)
                .with_detail("the user is DEPROVISIONED; Okta only activates such a user")),
            _ => self.reset_active(op, &user.id).await,
        }
    }

    /// `DELETE /users/{id}/sessions?oauthTokens=…`. Okta does not say how many sessions ended,
    /// so this returns 0; verify by the System Log (`user.session.clear`).
    async fn terminate_sessions(&self, login: &UserId, include_oauth_tokens: bool) -> Result<u32> {
        let op = "okta.terminate_sessions";
        let user = self.find_user(op, login).await?;
        let req = Request::delete(op, &users_sub(&user.id, &["sessions"]))
            .query("oauthTokens", include_oauth_tokens.to_string())
            .idempotency(Idempotency::Safe);
        self.http.send(req).await?;
        Ok(0)
    }

    /// Per client: `DELETE /users/{id}/clients/{clientId}/tokens` for each client that holds a
    /// live refresh token (listed first), so nothing is sent when
    /// [`terminate_sessions`](IdentityProvider::terminate_sessions) with OAuth tokens already
    /// revoked them. Returns how many live tokens there were.
    async fn revoke_tokens(&self, login: &UserId) -> Result<u32> {
        let op = "okta.revoke_tokens";
        let user = self.find_user(op, login).await?;
        let tokens = self.tokens_of(op, &user.id).await?;
        let mut clients: Vec<&str> = Vec::new();
        for t in &tokens {
            if !clients.contains(&t.client_id.as_str()) {
                clients.push(&t.client_id);
            }
        }
        for client in clients {
            self.revoke_tokens_of(op, &user.id, client).await?;
        }
        Ok(u32::try_from(tokens.len()).unwrap_or(u32::MAX))
    }

    /// `recovery_email`: a partial profile update, `POST /users/{id}` with
    /// `{"profile":{"secondEmail":null}}` (other profile attributes are kept). `recovery_phone`
    /// (`mobilePhone`) is not removed: Okta's profile phone is not a recovery factor.
    async fn remove_recovery_method(&self, login: &UserId, method_id: &str) -> Result<()> {
        let op = "okta.remove_recovery_method";
        if method_id != "recovery_email" {
            return Err(ConnectorError::new(ErrorKind::Unsupported, op)
                .with_detail(format!("Okta removes only recovery_email (profile.secondEmail), not {method_id}")));
        }
        let user = self.find_user(op, login).await?;
        let req = Request::post(op, &users(&user.id))
            .json(serde_json::json!({"profile": {"secondEmail": null}}))
            .idempotency(Idempotency::Safe);
        self.http.send(req).await.map(drop)
    }

    async fn list_grants(&self, login: &UserId) -> Result<Vec<OAuthGrant>> {
        let op = "okta.list_grants";
        let user = self.find_user(op, login).await?;
        self.grants_of(op, &user.id).await
    }

    /// Revokes the grant, then the user's refresh tokens for the grant's client.
    async fn revoke_grant(&self, login: &UserId, grant_id: &str) -> Result<()> {
        let op = "okta.revoke_grant";
        let user = self.find_user(op, login).await?;
        let grant: Grant = self.http.send_json(Request::get(op, &users_sub(&user.id, &["grants", grant_id]))).await?;
        self.http.send(Request::delete(op, &users_sub(&user.id, &["grants", grant_id]))).await?;
        if let Some(client) = grant.client_id.as_deref() {
            self.revoke_tokens_of(op, &user.id, client).await?;
        }
        Ok(())
    }

    async fn list_factors(&self, login: &UserId) -> Result<Vec<Factor>> {
        let op = "okta.list_factors";
        let user = self.find_user(op, login).await?;
        self.factors_of(op, &user.id).await
    }

    async fn remove_factor(&self, login: &UserId, factor_id: &str) -> Result<()> {
        let op = "okta.remove_factor";
        let user = self.find_user(op, login).await?;
        self.http.send(Request::delete(op, &users_sub(&user.id, &["factors", factor_id]))).await.map(drop)
    }

    async fn health_check(&self) -> Result<Health> {
        let op = "okta.health_check";
        let _: Vec<serde_json::Value> =
            self.http.send_json(Request::get(op, &["api", "v1", "users"]).query("limit", "1")).await?;
        Ok(Health::new("okta", format!("users readable at {}", self.http.base())))
    }
}
