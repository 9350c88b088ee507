//! `ExecuteAction` and `VerifyAction` through the ports, with the action journal written around
//! every call: `started` (with the state before) before the call, `succeeded` / `failed` /
//! `unknown` (with the state after) after it, `verified` / `not_verified` after each check.

use chrono::{DateTime, Utc};
use irp_core::action::{Action, ActionKind};
use irp_core::incident::CaseId;
use irp_core::runbook::{EffectOutcome, Failure};
use serde_json::{json, Value};

use super::lookups::failed;
use super::ports::Ports;
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::ports::{JournalEntry, JournalStatus};

/// Kinds no port operation performs: refused before anything is sent or journalled.
fn unsupported(kind: &ActionKind) -> Option<EffectOutcome> {
    match kind {
        ActionKind::RemoveDelegate { .. }
        | ActionKind::RevokeAppPassword { .. }
        | ActionKind::RemoveRoleAssignment { .. } => {
            Some(EffectOutcome::Failed { failure: Failure::refused(format!("no connector port can {}", kind.name())) })
        }
        _ => None,
    }
}

/// The part of the account an action changes, read fresh. For account-level actions the IdP's
/// id must be the one the action was planned (and approved) for, verbatim: a login that now
/// names another account is refused rather than acted on.
async fn snapshot(p: &Ports, action: &Action) -> Result<Value> {
    let user = &action.target.user;
    let account = p.idp.get_user(user).await?;
    if let Some(planned) = &action.target.account {
        if account.id != planned.as_str() {
            return Err(ConnectorError::new(ErrorKind::Conflict, "responder.snapshot").with_detail(format!(
                "{user} is account {} at the identity provider, the action was approved for {planned}",
                account.id
            )));
        }
    }
    Ok(match &action.kind {
        ActionKind::DisableAccount | ActionKind::EnableAccount | ActionKind::ResetPassword => json!({
            "status": account.status,
            "password_change_required": account.password_change_required,
            "credential_version": account.credential_version,
        }),
        ActionKind::TerminateSessions | ActionKind::RevokeTokens => json!({
            "sessions": account.sessions.iter().map(|s| json!({"id": s.id, "ip": s.ip})).collect::<Vec<_>>(),
            "tokens": account.tokens.iter().map(|t| json!({"id": t.id, "client_id": t.client_id})).collect::<Vec<_>>(),
        }),
        ActionKind::RevokeGrant { grant_id, .. } => {
            let grants = p.idp.list_grants(user).await?;
            json!({ "grant": grants.iter().find(|g| g.id == *grant_id) })
        }
        ActionKind::RemoveFactor { factor_id, .. } => {
            let factors = p.idp.list_factors(user).await?;
            json!({ "factor": factors.iter().find(|f| f.id == *factor_id) })
        }
        ActionKind::ResetFactors => json!({ "factors": p.idp.list_factors(user).await? }),
        // Only the two methods the sweep lists; any other id reads as nothing (never as absent).
        ActionKind::RemoveRecoveryMethod { method_id, .. } => match method_id.as_str() {
            "recovery_email" => json!({ "method": account.recovery_email }),
            "recovery_phone" => json!({ "method": account.recovery_phone }),
            _ => Value::Null,
        },
        ActionKind::DeleteInboxRule { rule_id, .. } => {
            let rules = p.mailbox.list_inbox_rules(user).await?;
            json!({ "rule": rules.iter().find(|r| r.id == *rule_id) })
        }
        ActionKind::RemoveMailboxForwarding { .. } => json!({ "forwarding": p.mailbox.get_forwarding(user).await? }),
        _ => Value::Null,
    })
}

/// True when `observed` is the action's expected post-state. A missing key is never proof of
/// absence.
pub(crate) fn holds(kind: &ActionKind, observed: &Value, before: Option<&Value>) -> bool {
    let absent = |key: &str| observed.get(key).is_some_and(Value::is_null);
    let empty = |key: &str| observed.get(key).and_then(Value::as_array).is_some_and(Vec::is_empty);
    match kind {
        ActionKind::DisableAccount => observed["status"] == "suspended",
        // A pending reset (Okta `RECOVERY` / `PASSWORD_EXPIRED`, after the unsuspend + reset
        // pair) is not disabled: the user signs in again by completing the reset.
        ActionKind::EnableAccount => observed["status"] == "active" || observed["status"] == "password_reset",
        ActionKind::ResetPassword => {
            let bumped = match (
                before.and_then(|b| b["credential_version"].as_u64()),
                observed["credential_version"].as_u64(),
            ) {
                (Some(b), Some(a)) => a > b,
                _ => true,
            };
            observed["password_change_required"] == true && bumped
        }
        ActionKind::TerminateSessions => empty("sessions") && empty("tokens"),
        ActionKind::RevokeTokens => empty("tokens"),
        ActionKind::RevokeGrant { .. } => absent("grant"),
        ActionKind::RemoveFactor { .. } => absent("factor"),
        ActionKind::ResetFactors => empty("factors"),
        ActionKind::RemoveRecoveryMethod { .. } => absent("method"),
        ActionKind::DeleteInboxRule { .. } => absent("rule"),
        ActionKind::RemoveMailboxForwarding { .. } => absent("forwarding"),
        _ => false,
    }
}

/// The port call. Ports address users by login; [`snapshot`] has checked the login still names
/// the planned account.
async fn call(p: &Ports, action: &Action) -> Result<()> {
    let user = &action.target.user;
    match &action.kind {
        ActionKind::DisableAccount => p.idp.disable_user(user).await,
        ActionKind::EnableAccount => p.idp.enable_user(user).await,
        // The reset link / temporary password are secrets: dropped here, never journalled.
        ActionKind::ResetPassword => p.idp.reset_password(user).await.map(drop),
        ActionKind::TerminateSessions => p.idp.terminate_sessions(user, true).await.map(drop),
        // Its own port call: on Okta, per client and only for live tokens, so the sessions
        // call (which takes the tokens with it) is not sent a second time.
        ActionKind::RevokeTokens => p.idp.revoke_tokens(user).await.map(drop),
        ActionKind::RemoveRecoveryMethod { method_id, .. } => p.idp.remove_recovery_method(user, method_id).await,
        ActionKind::RevokeGrant { grant_id, .. } => p.idp.revoke_grant(user, grant_id).await,
        ActionKind::RemoveFactor { factor_id, .. } => p.idp.remove_factor(user, factor_id).await,
        ActionKind::ResetFactors => {
            for factor in p.idp.list_factors(user).await? {
                p.idp.remove_factor(user, &factor.id).await?;
            }
            Ok(())
        }
        ActionKind::DeleteInboxRule { rule_id, .. } => p.mailbox.delete_inbox_rule(user, rule_id).await,
        ActionKind::RemoveMailboxForwarding { .. } => p.mailbox.clear_forwarding(user).await,
        other => Err(ConnectorError::new(ErrorKind::Unsupported, "responder.execute").with_detail(other.name())),
    }
}

/// One journal line about `action`.
pub(crate) struct Line {
    pub(crate) status: JournalStatus,
    pub(crate) before: Option<Value>,
    pub(crate) after: Option<Value>,
    pub(crate) detail: Option<String>,
}

impl Line {
    fn status(status: JournalStatus) -> Self {
        Line { status, before: None, after: None, detail: None }
    }
}

/// The action as the journal records it: its kind with arguments, id and target.
fn action_json(action: &Action) -> Value {
    let mut value = serde_json::to_value(&action.kind).unwrap_or_else(|_| json!({ "kind": action.kind.name() }));
    if let Value::Object(map) = &mut value {
        map.insert("action_id".into(), json!(action.id));
        map.insert("target".into(), json!(action.target));
    }
    value
}

pub(crate) async fn journal(p: &Ports, case: &CaseId, action: &Action, line: Line, at: DateTime<Utc>) -> Result<()> {
    let case = case.clone();
    let mut entry = JournalEntry::new(case, action.idempotency_key.as_str(), action_json(action), line.status, at);
    entry.state_before = line.before;
    entry.state_after = line.after;
    entry.detail = line.detail;
    p.soar.append_journal(&entry).await.map(drop)
}

/// A failure that certainly sent nothing (a read or a journal write failed).
fn not_sent(what: &str, e: &ConnectorError) -> EffectOutcome {
    EffectOutcome::Failed { failure: Failure::refused(format!("{what}: {e}")) }
}

/// Actions whose post-state a read proves: an account status, or an object's absence.
fn skippable(kind: &ActionKind) -> bool {
    matches!(
        kind,
        ActionKind::DisableAccount
            | ActionKind::EnableAccount
            | ActionKind::RevokeGrant { .. }
            | ActionKind::DeleteInboxRule { .. }
            | ActionKind::RemoveFactor { .. }
            | ActionKind::RemoveRecoveryMethod { .. }
            | ActionKind::RemoveMailboxForwarding { .. }
    )
}

/// `ExecuteAction`: journal `started` with the state before, call, journal the result with the
/// state after. A journal write that fails stops the action before the call: an action with no
/// record of having started must not run.
pub(crate) async fn execute(p: &Ports, case: &CaseId, action: &Action, now: DateTime<Utc>) -> EffectOutcome {
    if let Some(refused) = unsupported(&action.kind) {
        return refused;
    }
    let before = match snapshot(p, action).await {
        Ok(state) => state,
        Err(e) => return not_sent("reading the state before, nothing sent", &e),
    };
    let started = Line { before: Some(before.clone()), ..Line::status(JournalStatus::Started) };
    if let Err(e) = journal(p, case, action, started, now).await {
        return not_sent("journal write failed, nothing sent", &e);
    }
    // Already in the expected post-state (the rule was deleted by hand, the account is already
    // suspended): nothing to send. Only where the read is authoritative: sessions and tokens
    // cannot be listed everywhere (Okta has no per-user session list, Graph none at all), so an
    // empty list proves nothing; a password reset needs a new credential relative to before.
    if skippable(&action.kind) && holds(&action.kind, &before, Some(&before)) {
        let detail = Some("already in the expected post-state: no call sent".to_owned());
        let done = Line { after: Some(before.clone()), detail, ..Line::status(JournalStatus::Succeeded) };
        return match journal(p, case, action, done, now).await {
            Ok(()) => EffectOutcome::Executed { before: Some(before.clone()), after: Some(before) },
            Err(e) => not_sent("journal write failed, nothing sent", &e),
        };
    }
    if let Err(e) = call(p, action).await {
        let status = if e.maybe_executed() { JournalStatus::Unknown } else { JournalStatus::Failed };
        // The call's own error is what matters; a second journal failure adds nothing to it.
        let _ = journal(p, case, action, Line { detail: Some(e.to_string()), ..Line::status(status) }, now).await;
        return failed(&e);
    }
    let after = snapshot(p, action).await.ok();
    let done = Line { after: after.clone(), ..Line::status(JournalStatus::Succeeded) };
    match journal(p, case, action, done, now).await {
        Ok(()) => EffectOutcome::Executed { before: Some(before), after },
        // The call went through: say so, and let verification establish the state.
        Err(e) => EffectOutcome::Failed { failure: Failure::unknown(format!("applied, journal write failed: {e}")) },
    }
}

/// `VerifyAction`: re-read the target, compare with the expected post-state, journal the result.
pub(crate) async fn verify(p: &Ports, case: &CaseId, action: &Action, now: DateTime<Utc>) -> EffectOutcome {
    let observed = match snapshot(p, action).await {
        Ok(state) => state,
        Err(e) => return not_sent("re-reading the target", &e),
    };
    let ok = holds(&action.kind, &observed, action.record.state_before.as_ref());
    let status = if ok { JournalStatus::Verified } else { JournalStatus::NotVerified };
    if let Err(e) = journal(p, case, action, Line { after: Some(observed.clone()), ..Line::status(status) }, now).await
    {
        return not_sent("journal write failed", &e);
    }
    EffectOutcome::Verification { holds: ok, observed: Some(observed) }
}

/// True when the journal shows `action` was (or may have been) sent: a `started` entry exists.
pub(crate) async fn was_started(p: &Ports, case: &CaseId, action: &Action) -> Result<bool> {
    let entries = p.soar.journal(case).await?;
    Ok(entries.iter().any(|e| e.idempotency_key == action.idempotency_key.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_states() {
        assert!(holds(&ActionKind::DisableAccount, &json!({"status": "suspended"}), None));
        assert!(!holds(&ActionKind::DisableAccount, &json!({"status": "active"}), None));
        let reset = json!({"password_change_required": true, "credential_version": 2});
        assert!(holds(&ActionKind::ResetPassword, &reset, Some(&json!({"credential_version": 1}))));
        assert!(!holds(&ActionKind::ResetPassword, &reset, Some(&json!({"credential_version": 2}))));
        let sessions = json!({"sessions": [{"id": "idx1"}], "tokens": []});
        assert!(!holds(&ActionKind::TerminateSessions, &sessions, None));
        assert!(holds(&ActionKind::TerminateSessions, &json!({"sessions": [], "tokens": []}), None));
        let rule = ActionKind::DeleteInboxRule { rule_id: "r1".into(), name: ".".into() };
        assert!(holds(&rule, &json!({"rule": null}), None));
        assert!(!holds(&rule, &json!({"rule": {"id": "r1"}}), None));
        assert!(!holds(&rule, &json!({}), None), "a missing key is not proof of absence");
        // Okta's RECOVERY after the unsuspend + reset pair: enabled, not suspended.
        assert!(holds(&ActionKind::EnableAccount, &json!({"status": "password_reset"}), None));
        assert!(!holds(&ActionKind::EnableAccount, &json!({"status": "suspended"}), None));
        assert!(!holds(&ActionKind::DisableAccount, &json!({"status": "password_reset"}), None));
        let email =
            ActionKind::RemoveRecoveryMethod { method_id: "recovery_email".into(), channel: "x@evil.test".into() };
        assert!(holds(&email, &json!({"method": null}), None));
        assert!(!holds(&email, &json!({"method": "x@evil.test"}), None));
        assert!(!holds(&email, &Value::Null, None));
    }
}
