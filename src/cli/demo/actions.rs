//! `ExecuteAction` and `VerifyAction` against the local directory, with a journal entry written
//! to the case store before the call (with the state before) and after it (with the state after),
//! and one for each verification.

use chrono::{DateTime, Utc};
use irp::connectors::{
    CaseId as PortCaseId, ConnectorError, IdentityProvider, JournalEntry, JournalStatus, Mailbox, Soar,
};
use irp::core::action::{Action, ActionKind};
use irp::core::evidence::UserId;
use irp::core::runbook::{EffectOutcome, Failure};
use serde_json::{json, Value};

use super::connectors::{failed, Connectors};

/// What the local directory cannot do (it models no delegates, recovery-method ids, app
/// passwords or role-assignment ids): refused before anything is sent.
fn unsupported(kind: &ActionKind) -> Option<EffectOutcome> {
    match kind {
        ActionKind::RemoveDelegate { .. }
        | ActionKind::RemoveRecoveryMethod { .. }
        | ActionKind::RevokeAppPassword { .. }
        | ActionKind::RemoveRoleAssignment { .. } => Some(EffectOutcome::Failed {
            failure: Failure::refused(format!("the local directory cannot {}", kind.name())),
        }),
        _ => None,
    }
}

/// The part of the account an action changes, read fresh from the directory.
async fn snapshot(c: &Connectors, user: &UserId, kind: &ActionKind) -> Result<Value, ConnectorError> {
    let account = c.directory.get_user(user).await?;
    Ok(match kind {
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
            json!({ "grant": account.grants.iter().find(|g| g.id == *grant_id) })
        }
        ActionKind::RemoveFactor { factor_id, .. } => {
            json!({ "factor": account.factors.iter().find(|f| f.id == *factor_id) })
        }
        ActionKind::ResetFactors => json!({ "factors": account.factors }),
        ActionKind::DeleteInboxRule { rule_id, .. } => {
            let rules = c.directory.list_inbox_rules(user).await?;
            json!({ "rule": rules.iter().find(|r| r.id == *rule_id) })
        }
        ActionKind::RemoveMailboxForwarding { .. } => json!({ "forwarding": c.directory.get_forwarding(user).await? }),
        _ => Value::Null,
    })
}

/// True when `observed` is the action's expected post-state.
fn holds(kind: &ActionKind, observed: &Value, before: Option<&Value>) -> bool {
    let absent = |key: &str| observed.get(key).is_some_and(Value::is_null);
    let empty = |key: &str| observed.get(key).and_then(Value::as_array).is_some_and(Vec::is_empty);
    match kind {
        ActionKind::DisableAccount => observed["status"] == "suspended",
        ActionKind::EnableAccount => observed["status"] == "active",
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
        ActionKind::DeleteInboxRule { .. } => absent("rule"),
        ActionKind::RemoveMailboxForwarding { .. } => absent("forwarding"),
        _ => false,
    }
}

async fn call(c: &Connectors, user: &UserId, kind: &ActionKind) -> Result<(), ConnectorError> {
    match kind {
        ActionKind::DisableAccount => c.directory.disable_user(user).await,
        ActionKind::EnableAccount => c.directory.enable_user(user).await,
        // The reset link / temporary password are secrets: dropped here, never journalled.
        ActionKind::ResetPassword => c.directory.reset_password(user).await.map(drop),
        ActionKind::TerminateSessions | ActionKind::RevokeTokens => {
            c.directory.terminate_sessions(user, true).await.map(drop)
        }
        ActionKind::RevokeGrant { grant_id, .. } => c.directory.revoke_grant(user, grant_id).await,
        ActionKind::RemoveFactor { factor_id, .. } => c.directory.remove_factor(user, factor_id).await,
        ActionKind::ResetFactors => {
            for factor in c.directory.list_factors(user).await? {
                c.directory.remove_factor(user, &factor.id).await?;
            }
            Ok(())
        }
        ActionKind::DeleteInboxRule { rule_id, .. } => c.directory.delete_inbox_rule(user, rule_id).await,
        ActionKind::RemoveMailboxForwarding { .. } => c.directory.clear_forwarding(user).await,
        _ => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn journal(
    c: &Connectors,
    case: &str,
    action: &Action,
    status: JournalStatus,
    at: DateTime<Utc>,
    before: Option<Value>,
    after: Option<Value>,
    detail: Option<String>,
) -> Result<(), ConnectorError> {
    let case = PortCaseId(case.to_owned());
    let kind = serde_json::to_value(&action.kind)
        .map_err(|e| ConnectorError::new(irp::connectors::ErrorKind::Decode, "journal").with_source(e))?;
    let mut entry = JournalEntry::new(case, action.idempotency_key.as_str(), kind, status, at);
    if let Some(before) = before {
        entry = entry.with_state_before(before);
    }
    if let Some(after) = after {
        entry = entry.with_state_after(after);
    }
    if let Some(detail) = detail {
        entry = entry.with_detail(detail);
    }
    c.store.append_journal(&entry).await.map(drop)
}

/// The login the local directory knows for an action's target. The engine addresses actions
/// to the IdP id when it has one, and carries it as a (lower-cased) `UserId`; Okta ids are
/// case-sensitive, so the id is matched case-insensitively against the incident's account.
async fn login_of(c: &Connectors, target: &UserId, incident_user: &UserId) -> Result<UserId, ConnectorError> {
    if target == incident_user {
        return Ok(target.clone());
    }
    let account = c.directory.get_user(incident_user).await?;
    if account.id.eq_ignore_ascii_case(target.as_str()) {
        return Ok(account.login);
    }
    // Another account entirely: let the directory say whether it knows it.
    Ok(c.directory.get_user(target).await?.login)
}

/// `ExecuteAction`: journal (started, state before), call, journal (succeeded, state after).
/// A journal write that fails stops the action before the call: an action with no record of
/// having started must not run.
pub async fn execute(
    c: &Connectors,
    case: &str,
    incident_user: &UserId,
    action: &Action,
    now: DateTime<Utc>,
) -> EffectOutcome {
    if let Some(refused) = unsupported(&action.kind) {
        return refused;
    }
    let user = match login_of(c, &action.target.user, incident_user).await {
        Ok(login) => login,
        Err(e) => return failed(&e),
    };
    let user = &user;
    let before = match snapshot(c, user, &action.kind).await {
        Ok(state) => state,
        Err(e) => return failed(&e),
    };
    if let Err(e) = journal(c, case, action, JournalStatus::Started, now, Some(before.clone()), None, None).await {
        return failed(&e);
    }
    if let Err(e) = call(c, user, &action.kind).await {
        let status = if e.maybe_executed() { JournalStatus::Unknown } else { JournalStatus::Failed };
        // The call's own error is what matters; a second journal failure adds nothing to it.
        let _ = journal(c, case, action, status, now, None, None, Some(e.to_string())).await;
        return failed(&e);
    }
    let after = snapshot(c, user, &action.kind).await.ok();
    match journal(c, case, action, JournalStatus::Succeeded, now, None, after.clone(), None).await {
        Ok(()) => EffectOutcome::Executed { before: Some(before), after },
        // The call went through: say so, and let verification establish the state.
        Err(e) => EffectOutcome::Failed { failure: Failure::unknown(format!("applied, journal write failed: {e}")) },
    }
}

/// `VerifyAction`: re-read the target and compare with the expected post-state.
pub async fn verify(
    c: &Connectors,
    case: &str,
    incident_user: &UserId,
    action: &Action,
    now: DateTime<Utc>,
) -> EffectOutcome {
    let user = match login_of(c, &action.target.user, incident_user).await {
        Ok(login) => login,
        Err(e) => return failed(&e),
    };
    let observed = match snapshot(c, &user, &action.kind).await {
        Ok(state) => state,
        Err(e) => return failed(&e),
    };
    let ok = holds(&action.kind, &observed, action.record.state_before.as_ref());
    let status = if ok { JournalStatus::Verified } else { JournalStatus::NotVerified };
    if let Err(e) = journal(c, case, action, status, now, None, Some(observed.clone()), None).await {
        return failed(&e);
    }
    EffectOutcome::Verification { holds: ok, observed: Some(observed) }
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
    }
}
