//! Typed response actions: what will be done, to what, with which exact vendor call, how it is
//! checked afterwards, how it is undone, and what actually happened.
//!
//! An [`Action`] is created `Proposed` with a deterministic [`IdempotencyKey`] (a hash of the
//! incident id, the action kind with its arguments, and the target: no randomness), so the same
//! proposal made again on a resumed run is recognisably the same action, and an approval bound
//! to the key is void as soon as any argument changes.

use crate::id::string_id;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::evidence::UserId;
use crate::incident::IncidentId;
use crate::phase::Phase;

string_id! {
    /// Short, stable id of an action within one incident (`a1`, `a2`, ...): what approvers name.
    ActionId
}

string_id! {
    /// An account's id at the vendor (Okta `00uN8nOz27...`, an Entra object id), kept verbatim:
    /// vendor ids are case-sensitive, so unlike [`UserId`] it is never normalised.
    AccountId
}

string_id! {
    /// Deterministic idempotency key: `irp1-` and 32 hex digits of a 128-bit FNV-1a hash over the
    /// incident id, the action kind with its arguments (canonical JSON) and the target.
    ///
    /// FNV is not a cryptographic hash; the key identifies a request for idempotency and binds an
    /// approval to exact arguments. Approval checks also compare the full action, so a collision
    /// alone cannot authorise anything.
    IdempotencyKey
}

impl IdempotencyKey {
    /// Computes the key of `kind` on `target` in incident `incident`.
    pub fn derive(incident: &IncidentId, kind: &ActionKind, target: &ActionTarget) -> Self {
        // serde_json writes struct fields in declaration order, so this is canonical for our types.
        let kind_json = serde_json::to_string(kind).unwrap_or_else(|_| kind.name().to_owned());
        let mut h = Fnv128::new();
        for part in [
            "irp-action-v1",
            incident.as_str(),
            &kind_json,
            target.user.as_str(),
            target.account.as_ref().map_or("", AccountId::as_str),
            target.object_id.as_deref().unwrap_or(""),
        ] {
            // Length-prefix every part so ("ab","c") and ("a","bc") hash differently.
            h.write(&(part.len() as u64).to_le_bytes());
            h.write(part.as_bytes());
        }
        IdempotencyKey(format!("irp1-{:032x}", h.finish()))
    }
}

/// 128-bit FNV-1a (offset basis and prime from the FNV specification).
struct Fnv128(u128);

impl Fnv128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;

    fn new() -> Self {
        Fnv128(Self::OFFSET)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u128::from(*b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u128 {
        self.0
    }
}

/// What an action does, with the arguments that identify the object it acts on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ActionKind {
    /// Suspend the account so nobody can sign in (sessions stay until terminated).
    DisableAccount,
    /// Re-enable a disabled account (the inverse of [`ActionKind::DisableAccount`]).
    EnableAccount,
    /// Force a password reset; the current password stops working.
    ResetPassword,
    /// End every IdP session, including OAuth / OIDC tokens issued from them.
    TerminateSessions,
    /// Revoke every refresh token the user holds for every client.
    RevokeTokens,
    /// Revoke one OAuth consent grant of this user (not the app tenant-wide).
    RevokeGrant {
        /// Grant id.
        grant_id: String,
        /// App / client id or name, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        app: Option<String>,
    },
    /// Delete one inbox rule.
    DeleteInboxRule {
        /// Rule id.
        rule_id: String,
        /// Rule display name.
        name: String,
    },
    /// Remove mailbox-level forwarding.
    RemoveMailboxForwarding {
        /// The forwarding addresses found.
        forward_to: Vec<String>,
    },
    /// Remove a mailbox delegate / full-access permission.
    RemoveDelegate {
        /// Delegate login or id.
        delegate: String,
    },
    /// Unenrol one MFA factor.
    RemoveFactor {
        /// Factor id.
        factor_id: String,
        /// Factor type (`sms`, `push`, ...), when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        factor_type: Option<String>,
    },
    /// Reset every MFA factor: the user must enrol again.
    ResetFactors,
    /// Remove a recovery e-mail / phone the attacker added.
    RemoveRecoveryMethod {
        /// Method id.
        method_id: String,
        /// Channel (`email`, `phone`, ...).
        channel: String,
    },
    /// Revoke an app password.
    RevokeAppPassword {
        /// App password id.
        password_id: String,
    },
    /// Remove an admin role assignment.
    RemoveRoleAssignment {
        /// Role assignment id.
        assignment_id: String,
        /// Role name, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<String>,
    },
}

/// Which vendor's API the planned-call text is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallStyle {
    /// Okta Management API (the default).
    #[default]
    Okta,
    /// Microsoft Graph v1.0.
    Graph,
}

impl ActionKind {
    /// Stable snake_case name (used in policy files and JSON).
    pub fn name(&self) -> &'static str {
        match self {
            ActionKind::DisableAccount => "disable_account",
            ActionKind::EnableAccount => "enable_account",
            ActionKind::ResetPassword => "reset_password",
            ActionKind::TerminateSessions => "terminate_sessions",
            ActionKind::RevokeTokens => "revoke_tokens",
            ActionKind::RevokeGrant { .. } => "revoke_grant",
            ActionKind::DeleteInboxRule { .. } => "delete_inbox_rule",
            ActionKind::RemoveMailboxForwarding { .. } => "remove_mailbox_forwarding",
            ActionKind::RemoveDelegate { .. } => "remove_delegate",
            ActionKind::RemoveFactor { .. } => "remove_factor",
            ActionKind::ResetFactors => "reset_factors",
            ActionKind::RemoveRecoveryMethod { .. } => "remove_recovery_method",
            ActionKind::RevokeAppPassword { .. } => "revoke_app_password",
            ActionKind::RemoveRoleAssignment { .. } => "remove_role_assignment",
        }
    }

    /// The object id this kind acts on inside the user, if any (rule id, grant id, ...).
    pub fn object_id(&self) -> Option<&str> {
        match self {
            ActionKind::RevokeGrant { grant_id, .. } => Some(grant_id),
            ActionKind::DeleteInboxRule { rule_id, .. } => Some(rule_id),
            ActionKind::RemoveDelegate { delegate } => Some(delegate),
            ActionKind::RemoveFactor { factor_id, .. } => Some(factor_id),
            ActionKind::RemoveRecoveryMethod { method_id, .. } => Some(method_id),
            ActionKind::RevokeAppPassword { password_id } => Some(password_id),
            ActionKind::RemoveRoleAssignment { assignment_id, .. } => Some(assignment_id),
            _ => None,
        }
    }

    /// True when the action takes something away from the account (everything but a re-enable).
    /// Every action, destructive or not, still needs an approval.
    pub fn is_destructive(&self) -> bool {
        !matches!(self, ActionKind::EnableAccount)
    }

    /// The action that undoes this one, when there is one. Deletions have none: their
    /// before-state is kept in the [`ActionRecord`] so a human can restore it.
    pub fn inverse(&self) -> Option<ActionKind> {
        match self {
            ActionKind::DisableAccount => Some(ActionKind::EnableAccount),
            ActionKind::EnableAccount => Some(ActionKind::DisableAccount),
            _ => None,
        }
    }

    /// The exact vendor call this kind makes, as shown in the dry-run plan. `{id}` is the user.
    pub fn default_call(&self, style: CallStyle, user: &str) -> String {
        use ActionKind as K;
        match style {
            CallStyle::Okta => match self {
                K::DisableAccount => format!("POST /api/v1/users/{user}/lifecycle/suspend"),
                K::EnableAccount => format!("POST /api/v1/users/{user}/lifecycle/unsuspend"),
                // The Okta connector's default (`password_reset = "email"`), with the unsuspend it
                // sends first when the account is suspended (Okta resets no SUSPENDED user).
                K::ResetPassword => okta_reset_call(user, "reset_password?sendEmail=true"),
                K::TerminateSessions => format!("DELETE /api/v1/users/{user}/sessions?oauthTokens=true"),
                // Per client, and only where a live refresh token is left after the sessions call.
                K::RevokeTokens => format!(
                    "GET /api/v1/users/{user}/clients and each client's tokens, then DELETE /api/v1/users/{user}/clients/{{clientId}}/tokens for each client with a live refresh token"
                ),
                K::RevokeGrant { grant_id, .. } => format!("DELETE /api/v1/users/{user}/grants/{grant_id}"),
                K::DeleteInboxRule { rule_id, .. } => {
                    format!("DELETE /v1.0/users/{user}/mailFolders/inbox/messageRules/{rule_id}")
                }
                K::RemoveMailboxForwarding { .. } => {
                    format!("Set-Mailbox -Identity {user} -ForwardingSmtpAddress $null -DeliverToMailboxAndForward $false")
                }
                K::RemoveDelegate { delegate } => {
                    format!("Remove-MailboxPermission -Identity {user} -User {delegate} -AccessRights FullAccess")
                }
                K::RemoveFactor { factor_id, .. } => format!("DELETE /api/v1/users/{user}/factors/{factor_id}"),
                K::ResetFactors => format!("POST /api/v1/users/{user}/lifecycle/reset_factors"),
                // The sweep's `recovery_email` is the profile's `secondEmail` (partial update).
                K::RemoveRecoveryMethod { method_id, .. } if method_id == "recovery_email" => {
                    format!("POST /api/v1/users/{user} {{\"profile\":{{\"secondEmail\":null}}}}")
                }
                K::RemoveRecoveryMethod { method_id, .. } => {
                    format!("DELETE /api/v1/users/{user}/factors/{method_id}")
                }
                K::RevokeAppPassword { password_id } => {
                    format!("DELETE /api/v1/users/{user}/app-passwords/{password_id}")
                }
                K::RemoveRoleAssignment { assignment_id, .. } => {
                    format!("DELETE /api/v1/users/{user}/roles/{assignment_id}")
                }
            },
            CallStyle::Graph => match self {
                K::DisableAccount => format!("PATCH /v1.0/users/{user} {{\"accountEnabled\":false}}"),
                K::EnableAccount => format!("PATCH /v1.0/users/{user} {{\"accountEnabled\":true}}"),
                // What the Graph connector sends: Entra generates the password (none is ever
                // chosen, logged or written into the case). Delegated permission only.
                K::ResetPassword => format!(
                    "GET /v1.0/users/{user}/authentication/passwordMethods, then POST /v1.0/users/{user}/authentication/methods/{{passwordMethodId}}/resetPassword"
                ),
                K::TerminateSessions | K::RevokeTokens => format!("POST /v1.0/users/{user}/revokeSignInSessions"),
                K::RevokeGrant { grant_id, .. } => format!("DELETE /v1.0/oauth2PermissionGrants/{grant_id}"),
                K::DeleteInboxRule { rule_id, .. } => {
                    format!("DELETE /v1.0/users/{user}/mailFolders/inbox/messageRules/{rule_id}")
                }
                K::RemoveMailboxForwarding { .. } => {
                    format!("Set-Mailbox -Identity {user} -ForwardingSmtpAddress $null -DeliverToMailboxAndForward $false")
                }
                K::RemoveDelegate { delegate } => {
                    format!("Remove-MailboxPermission -Identity {user} -User {delegate} -AccessRights FullAccess")
                }
                K::RemoveFactor { factor_id, .. } | K::RemoveRecoveryMethod { method_id: factor_id, .. } => {
                    format!("DELETE /v1.0/users/{user}/authentication/methods/{factor_id}")
                }
                K::ResetFactors => {
                    format!("GET /v1.0/users/{user}/authentication/methods, then DELETE each non-password method")
                }
                K::RevokeAppPassword { password_id } => {
                    format!("DELETE /beta/users/{user}/authentication/passwordMethods/{password_id}")
                }
                K::RemoveRoleAssignment { assignment_id, .. } => {
                    format!("DELETE /v1.0/roleManagement/directory/roleAssignments/{assignment_id}")
                }
            },
        }
    }

    /// The state the target must be in afterwards, in words.
    pub fn expected_post_state(&self) -> String {
        use ActionKind as K;
        match self {
            K::DisableAccount => "account status SUSPENDED / accountEnabled=false".into(),
            K::EnableAccount => {
                "account status ACTIVE, or RECOVERY / PASSWORD_EXPIRED (not suspended: the user sets a new password) / accountEnabled=true".into()
            }
            K::ResetPassword => "password reset pending (status RECOVERY or PASSWORD_EXPIRED)".into(),
            K::TerminateSessions => "no active IdP session; OAuth tokens issued from them revoked".into(),
            K::RevokeTokens => "no active refresh token for any client".into(),
            K::RevokeGrant { grant_id, .. } => format!("grant {grant_id} absent or REVOKED"),
            K::DeleteInboxRule { rule_id, .. } => format!("inbox rule {rule_id} absent"),
            K::RemoveMailboxForwarding { .. } => "no mailbox-level forwarding address".into(),
            K::RemoveDelegate { delegate } => format!("{delegate} holds no permission on the mailbox"),
            K::RemoveFactor { factor_id, .. } => format!("factor {factor_id} absent"),
            K::ResetFactors => "no enrolled MFA factor".into(),
            K::RemoveRecoveryMethod { method_id, .. } => format!("recovery method {method_id} absent"),
            K::RevokeAppPassword { password_id } => format!("app password {password_id} absent"),
            K::RemoveRoleAssignment { assignment_id, .. } => format!("role assignment {assignment_id} absent"),
        }
    }

    /// How the post-state is checked, in words (the connector implements it).
    pub fn verification(&self) -> String {
        use ActionKind as K;
        match self {
            K::DisableAccount | K::EnableAccount | K::ResetPassword => "re-read the user and compare its status".into(),
            K::TerminateSessions => "list the user's sessions: none may be active".into(),
            K::RevokeTokens => "list the user's refresh tokens per client: none may be ACTIVE".into(),
            K::RevokeGrant { .. } => "list the user's grants: the grant id must be absent or REVOKED".into(),
            K::DeleteInboxRule { .. } => "list inbox rules: the rule id must be absent".into(),
            K::RemoveMailboxForwarding { .. } => "read mailbox forwarding: it must be empty".into(),
            K::RemoveDelegate { .. } => "list mailbox permissions: the delegate must be absent".into(),
            K::RemoveFactor { .. } | K::ResetFactors | K::RemoveRecoveryMethod { .. } => {
                "list the user's factors / methods and compare".into()
            }
            K::RevokeAppPassword { .. } => "list app passwords: the id must be absent".into(),
            K::RemoveRoleAssignment { .. } => "list the user's role assignments: the id must be absent".into(),
        }
    }
}

/// The Okta reset call text: `reset` (`reset_password?sendEmail=true`, `expire_password`, ...)
/// after the unsuspend the connector sends first for a suspended user, with the re-suspend it
/// sends if the reset then fails. Connectors build their planned calls with it too.
pub fn okta_reset_call(user: &str, reset: &str) -> String {
    let base = format!("/api/v1/users/{user}/lifecycle");
    format!("POST {base}/unsuspend (only if SUSPENDED), then POST {base}/{reset} (if it fails after the unsuspend: POST {base}/suspend)")
}

/// Whom an action acts on: the user, and the object inside the user when there is one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ActionTarget {
    /// The account's login, normalised: how people and ports name it.
    pub user: UserId,
    /// The account's id at the identity provider, verbatim, when the IdP lookup returned one:
    /// what the vendor call addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountId>,
    /// The object (rule id, grant id, factor id), for object-level actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
}

impl ActionTarget {
    /// The id the vendor call addresses: the IdP's account id verbatim when known, else the login.
    pub fn vendor_id(&self) -> &str {
        self.account.as_ref().map_or(self.user.as_str(), AccountId::as_str)
    }
}

impl fmt::Display for ActionTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.object_id {
            Some(o) => write!(f, "{} / {}", self.vendor_id(), o),
            None => f.write_str(self.vendor_id()),
        }
    }
}

/// How strongly the runbook recommends an action (DESIGN §1 containment matrix). Both kinds need
/// approval; actions the matrix only says to "consider" are not proposed at all but listed as
/// [`Consideration`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Recommendation {
    /// The matrix says "yes".
    Required,
    /// The matrix says "recommended".
    Recommended,
}

/// What to propose, before it becomes an [`Action`] with an id and a key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The action.
    pub kind: ActionKind,
    /// How strongly.
    pub recommendation: Recommendation,
    /// Why.
    pub rationale: String,
}

/// An action the matrix says to consider but that is not proposed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consideration {
    /// The action.
    pub kind: ActionKind,
    /// Why it is only considered.
    pub reason: String,
}

/// Where an action is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ActionStatus {
    /// Proposed, waiting for approval.
    Proposed,
    /// Approved by enough valid approvals; not yet run.
    Approved,
    /// An approver refused it; it will not run.
    Refused,
    /// The execute call was handed to the driver.
    Executing,
    /// The vendor confirmed the call; not yet verified.
    Executed,
    /// The call may or may not have reached the vendor (timeout): must be verified, never re-run.
    OutcomeUnknown,
    /// Verified: the target is in the expected post-state.
    Verified,
    /// Verification found the target not in the expected post-state.
    VerificationFailed,
    /// The vendor refused the call; nothing changed.
    Failed,
    /// Not run: no valid approval, a connector missing, a precondition unmet, or dry run.
    Skipped,
}

impl ActionStatus {
    /// Stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            ActionStatus::Proposed => "proposed",
            ActionStatus::Approved => "approved",
            ActionStatus::Refused => "refused",
            ActionStatus::Executing => "executing",
            ActionStatus::Executed => "executed",
            ActionStatus::OutcomeUnknown => "outcome_unknown",
            ActionStatus::Verified => "verified",
            ActionStatus::VerificationFailed => "verification_failed",
            ActionStatus::Failed => "failed",
            ActionStatus::Skipped => "skipped",
        }
    }

    /// True once nothing more will happen to the action.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ActionStatus::Refused
                | ActionStatus::Verified
                | ActionStatus::VerificationFailed
                | ActionStatus::Failed
                | ActionStatus::Skipped
        )
    }

    /// True when the execute call was (or may have been) sent: it must never be sent again.
    pub fn was_sent(self) -> bool {
        matches!(
            self,
            ActionStatus::Executing
                | ActionStatus::Executed
                | ActionStatus::OutcomeUnknown
                | ActionStatus::Verified
                | ActionStatus::VerificationFailed
        )
    }
}

impl fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What happened when the action ran.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct ActionRecord {
    /// The target's state read before the call (kept so deletions can be restored by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_before: Option<serde_json::Value>,
    /// The target's state after the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_after: Option<serde_json::Value>,
    /// What verification observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<serde_json::Value>,
    /// When approval was complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<DateTime<Utc>>,
    /// When the execute call was handed out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executing_at: Option<DateTime<Utc>>,
    /// When the execute result came back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executed_at: Option<DateTime<Utc>>,
    /// When verification succeeded or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<DateTime<Utc>>,
    /// Error or reason for the current status (refusal reason, vendor error, skip reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One response action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// Short id approvers name.
    pub id: ActionId,
    /// What it does.
    pub kind: ActionKind,
    /// Whom it acts on.
    pub target: ActionTarget,
    /// Deterministic key: incident + kind with arguments + target.
    pub idempotency_key: IdempotencyKey,
    /// The phase that proposed it.
    pub phase: Phase,
    /// How strongly it is recommended.
    pub recommendation: Recommendation,
    /// Why it is proposed (likelihood, persistence item found).
    pub rationale: String,
    /// The exact vendor call, as text (default per kind; a connector may override it before
    /// approval is requested).
    pub planned_call: String,
    /// The expected post-state.
    pub expected_post_state: String,
    /// How it is verified.
    pub verification: String,
    /// The undo, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inverse: Option<ActionKind>,
    /// Current status.
    pub status: ActionStatus,
    /// Execution record.
    #[serde(default)]
    pub record: ActionRecord,
}

impl Action {
    /// A proposed action on `user` (no IdP account id known) with the defaults of its kind.
    pub fn propose(
        incident: &IncidentId,
        id: ActionId,
        user: UserId,
        phase: Phase,
        proposal: Proposal,
        style: CallStyle,
    ) -> Self {
        Self::propose_on(incident, id, user, None, phase, proposal, style)
    }

    /// A proposed action on `user`, whose IdP account id is `account` (kept verbatim in the
    /// target and the planned call), with the defaults of its kind filled in.
    pub fn propose_on(
        incident: &IncidentId,
        id: ActionId,
        user: UserId,
        account: Option<AccountId>,
        phase: Phase,
        proposal: Proposal,
        style: CallStyle,
    ) -> Self {
        let Proposal { kind, recommendation, rationale } = proposal;
        let target = ActionTarget { user, account, object_id: kind.object_id().map(str::to_owned) };
        let idempotency_key = IdempotencyKey::derive(incident, &kind, &target);
        Action {
            id,
            planned_call: kind.default_call(style, target.vendor_id()),
            expected_post_state: kind.expected_post_state(),
            verification: kind.verification(),
            inverse: kind.inverse(),
            kind,
            target,
            idempotency_key,
            phase,
            recommendation,
            rationale,
            status: ActionStatus::Proposed,
            record: ActionRecord::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inc(s: &str) -> IncidentId {
        IncidentId(s.to_owned())
    }

    #[test]
    fn idempotency_key_is_deterministic_and_argument_bound() {
        let user = UserId::new("alice@example.com");
        let target = ActionTarget { user: user.clone(), account: None, object_id: None };
        let k1 = IdempotencyKey::derive(&inc("case-1/alice"), &ActionKind::DisableAccount, &target);
        let k2 = IdempotencyKey::derive(&inc("case-1/alice"), &ActionKind::DisableAccount, &target);
        assert_eq!(k1, k2);
        assert!(k1.as_str().starts_with("irp1-") && k1.as_str().len() == 37);
        assert_ne!(k1, IdempotencyKey::derive(&inc("case-2/alice"), &ActionKind::DisableAccount, &target));
        assert_ne!(k1, IdempotencyKey::derive(&inc("case-1/alice"), &ActionKind::ResetPassword, &target));
        let rule = |name: &str| ActionKind::DeleteInboxRule { rule_id: "r1".into(), name: name.into() };
        let t = ActionTarget { user, account: None, object_id: Some("r1".into()) };
        assert_ne!(
            IdempotencyKey::derive(&inc("c"), &rule("a"), &t),
            IdempotencyKey::derive(&inc("c"), &rule("b"), &t),
            "changing any argument changes the key"
        );
    }

    #[test]
    fn vendor_account_id_is_kept_verbatim() {
        let a = Action::propose_on(
            &inc("c/u"),
            ActionId("a1".into()),
            UserId::new("Alice@Example.com"),
            Some(AccountId("00uN8nOz27vGPuKaGmSa".into())),
            Phase::Containment,
            Proposal {
                kind: ActionKind::DisableAccount,
                recommendation: Recommendation::Required,
                rationale: "confirmed".into(),
            },
            CallStyle::Okta,
        );
        assert_eq!(a.planned_call, "POST /api/v1/users/00uN8nOz27vGPuKaGmSa/lifecycle/suspend");
        assert_eq!(a.target.user.as_str(), "alice@example.com", "the login stays normalised for matching");
        assert_eq!(a.target.to_string(), "00uN8nOz27vGPuKaGmSa");
        let json = serde_json::to_string(&a).unwrap();
        let back: Action = serde_json::from_str(&json).unwrap();
        assert_eq!(back.target.vendor_id(), "00uN8nOz27vGPuKaGmSa", "saved state keeps the case");
    }

    #[test]
    fn fnv128_known_vector() {
        // FNV-1a 128 of the empty string is the offset basis; of "a" it is the published value.
        let mut h = Fnv128::new();
        assert_eq!(h.finish(), 0x6c62272e07bb014262b821756295c58d);
        h.write(b"a");
        assert_eq!(h.finish(), 0xd228cb696f1a8caf78912b704e4a8964);
    }

    #[test]
    fn proposal_fills_defaults_per_kind() {
        let a = Action::propose(
            &inc("c/u"),
            ActionId("a1".into()),
            UserId::new("00u1"),
            Phase::Containment,
            Proposal {
                kind: ActionKind::DisableAccount,
                recommendation: Recommendation::Required,
                rationale: "confirmed".into(),
            },
            CallStyle::Okta,
        );
        assert_eq!(a.planned_call, "POST /api/v1/users/00u1/lifecycle/suspend");
        assert_eq!(a.inverse, Some(ActionKind::EnableAccount));
        assert_eq!(a.status, ActionStatus::Proposed);
        let g = ActionKind::RevokeGrant { grant_id: "g9".into(), app: None };
        assert_eq!(g.default_call(CallStyle::Graph, "u"), "DELETE /v1.0/oauth2PermissionGrants/g9");
        assert_eq!(g.inverse(), None);
        assert_eq!(g.object_id(), Some("g9"));
        // Okta: the reset names the unsuspend sent first for a suspended user and the undo.
        assert_eq!(
            ActionKind::ResetPassword.default_call(CallStyle::Okta, "00u1"),
            "POST /api/v1/users/00u1/lifecycle/unsuspend (only if SUSPENDED), then POST /api/v1/users/00u1/lifecycle/reset_password?sendEmail=true (if it fails after the unsuspend: POST /api/v1/users/00u1/lifecycle/suspend)"
        );
        let email = ActionKind::RemoveRecoveryMethod { method_id: "recovery_email".into(), channel: "a@b.c".into() };
        assert_eq!(
            email.default_call(CallStyle::Okta, "00u1"),
            r#"POST /api/v1/users/00u1 {"profile":{"secondEmail":null}}"#
        );
    }
}
