//! Markdown: one case comment per phase, the approval plan, the user notice, and the final
//! report. Every string that came from logs, vendors or approvers goes through [`escape`] (or
//! [`code`]) so it cannot break a table, inject a link or smuggle HTML into the SOAR's renderer.

use std::fmt::Write as _;

use crate::action::{Action, ActionStatus};
use crate::detect::SignalKind;
use crate::phase::Phase;
use crate::report::metrics::{human, metrics, slow_effects};
use crate::report::EVIDENCE_SHOWN;
use crate::runbook::{RunOutcome, RunView};
use crate::score::Likelihood;

/// Escapes text for inline Markdown (table cells included): neutralises emphasis, links, code,
/// HTML and table pipes, and folds newlines.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Inline code that survives any content: backticks are replaced (a code span cannot escape
/// them) and pipes are escaped for tables.
pub fn code(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| match c {
            '`' => '\'',
            '\n' | '\r' | '\t' => ' ',
            c => c,
        })
        .filter(|c| !c.is_control())
        .collect();
    format!("`{}`", cleaned.replace('|', "\\|"))
}

fn json_cell(v: Option<&serde_json::Value>) -> String {
    match v {
        None => "–".to_owned(),
        Some(v) => {
            let mut s = v.to_string();
            if s.len() > 160 {
                let cut = (0..=160).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
                s.truncate(cut);
                s.push('…');
            }
            code(&s)
        }
    }
}

/// The comment that documents `phase` (hard rule 3).
pub fn phase_comment(view: &RunView<'_>, phase: Phase) -> String {
    let inc = view.incident;
    let mut out = format!("## irp · {} · {}\n\n", phase.title(), escape(inc.user().as_str()));
    match phase {
        Phase::Preparation => readiness(view, &mut out),
        Phase::Identification => identification(view, &mut out),
        Phase::Containment => actions_section(view, Phase::Containment, &mut out),
        Phase::Eradication => {
            persistence(view, &mut out);
            actions_section(view, Phase::Eradication, &mut out);
        }
        Phase::Recovery => recovery(view, &mut out),
        Phase::LessonsLearned => return final_report(view),
        Phase::RunbookFeedback => feedback(view, &mut out),
        _ => {}
    }
    out
}

fn readiness(view: &RunView<'_>, out: &mut String) {
    match &view.findings.readiness {
        None => out.push_str("Connector health check failed; every connector will be tried.\n"),
        Some(list) => {
            out.push_str("| role | vendor | ready | detail |\n|---|---|---|---|\n");
            for c in list {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    c.role.name(),
                    escape(&c.vendor),
                    if c.ready { "yes" } else { "**no**" },
                    escape(c.detail.as_deref().unwrap_or(""))
                );
            }
        }
    }
    gaps(view, out);
}

fn gaps(view: &RunView<'_>, out: &mut String) {
    if view.findings.gaps.is_empty() {
        return;
    }
    out.push_str("\n**Downgraded:**\n");
    for g in &view.findings.gaps {
        let _ = writeln!(out, "- {}", escape(&g.what));
    }
}

fn identification(view: &RunView<'_>, out: &mut String) {
    let f = view.findings;
    if !f.duplicates.is_empty() {
        out.push_str("**Duplicate.** This alert is already handled in:\n\n");
        for c in &f.duplicates {
            let _ = writeln!(out, "- case {} — {}", code(c.id.as_str()), escape(&c.title));
        }
        out.push_str("\nThis run stops here; no action was taken. Continue in the linked case.\n");
        return;
    }
    assessment(view, out);
    if !f.related.is_empty() {
        out.push_str("\n**Related cases:** ");
        let list: Vec<String> =
            f.related.iter().map(|c| format!("{} ({})", code(c.id.as_str()), escape(&c.title))).collect();
        out.push_str(&list.join(", "));
        out.push('\n');
    }
    let inc = view.incident;
    match inc.likelihood() {
        Some(Likelihood::Low) | None => {
            out.push_str("\n**Decision: close without containment.** ");
            if f.events_searched {
                out.push_str("Justification: the evidence amounts to at most a single anomaly (likelihood Low); ");
                out.push_str("nothing shows attacker activity.\n");
            } else {
                out.push_str("The user's activity could not be searched, so the assessment is inconclusive; ");
                out.push_str("no action is taken on no evidence. Re-run when the SIEM connector is available.\n");
            }
        }
        Some(l) => {
            let _ = writeln!(out, "\n**Decision: contain** (likelihood {l}). Proposed next, each needing approval:");
            for p in crate::runbook::propose_containment(l).proposals {
                let _ = writeln!(out, "- {} ({})", p.kind.name(), escape(&p.rationale));
            }
        }
    }
    // The matrix's "consider" column, listed for the analyst but not proposed.
    let considered = crate::runbook::propose_containment(inc.likelihood().unwrap_or(Likelihood::Low)).considered;
    if !considered.is_empty() {
        out.push_str("\nTo consider (not proposed):\n");
        for c in considered {
            let _ = writeln!(out, "- {} — {}", c.kind.name(), escape(&c.reason));
        }
    }
    gaps(view, out);
}

/// The assessment breakdown: likelihood, signals with evidence and ATT&CK, score contributions.
fn assessment(view: &RunView<'_>, out: &mut String) {
    let inc = view.incident;
    let f = view.findings;
    let Some(a) = inc.assessment() else {
        out.push_str("No assessment yet.\n");
        return;
    };
    let shown = inc.likelihood().unwrap_or(a.likelihood);
    let _ = writeln!(out, "**Likelihood: {shown}** (assessed {}, score {:.0})", a.likelihood, a.score);
    if let Some(d) = inc.analyst_decision() {
        let _ = writeln!(
            out,
            "\nAnalyst decision by {} at {}: {} — {}",
            escape(d.analyst.as_str()),
            d.at.to_rfc3339(),
            d.likelihood,
            escape(&d.reason)
        );
    }
    match f.search_window {
        Some((from, to)) => {
            let _ = writeln!(
                out,
                "\nSearched {} to {}: {} event(s), {} considered.",
                from.to_rfc3339(),
                to.to_rfc3339(),
                f.events_found,
                a.events_considered
            );
        }
        None => out.push_str("\nThe user's activity could not be searched.\n"),
    }
    if let Some(u) = &f.user {
        let _ = writeln!(
            out,
            "\nIdP: {} ({}), status {}{}.",
            escape(u.login.as_str()),
            code(&u.id),
            escape(u.status.as_deref().unwrap_or("unknown")),
            if u.privileged { ", **privileged**" } else { "" }
        );
    }
    if a.signals.is_empty() {
        out.push_str("\nNo signal fired.\n");
    } else {
        out.push_str("\n| signal | severity | time | ATT&CK | evidence | summary |\n|---|---|---|---|---|---|\n");
        for s in &a.signals {
            let techniques: Vec<String> = s.techniques.iter().map(|t| code(t)).collect();
            let mut events: Vec<String> = s.events.iter().take(EVIDENCE_SHOWN).map(|e| code(e.as_str())).collect();
            if s.events.len() > EVIDENCE_SHOWN {
                events.push(format!("+{} more", s.events.len() - EVIDENCE_SHOWN));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                s.kind.name(),
                s.severity.name(),
                s.time.to_rfc3339(),
                techniques.join(" "),
                events.join(" "),
                escape(&s.summary)
            );
        }
        let _ = writeln!(out, "\nATT&CK {}.", crate::detect::ATTACK_VERSION);
    }
    if !a.breakdown.is_empty() {
        out.push_str("\n| contribution | points | reason |\n|---|---|---|\n");
        for c in &a.breakdown {
            let _ = writeln!(out, "| {} | {:+.0} | {} |", c.label(), c.points, escape(&c.reason));
        }
    }
}

fn actions_section(view: &RunView<'_>, phase: Phase, out: &mut String) {
    let actions: Vec<&Action> = view.incident.actions().iter().filter(|a| a.phase == phase).collect();
    if actions.is_empty() {
        out.push_str("No action proposed.\n");
        return;
    }
    out.push_str("| id | action | target | planned call | status | before | after | verification |\n");
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    for a in actions {
        let verification = match a.status {
            ActionStatus::Verified => format!("verified: {}", escape(&a.expected_post_state)),
            ActionStatus::VerificationFailed => {
                format!("**failed**: {}", escape(a.record.note.as_deref().unwrap_or("")))
            }
            _ => escape(&a.verification),
        };
        let status = match &a.record.note {
            Some(n) if !matches!(a.status, ActionStatus::Verified | ActionStatus::VerificationFailed) => {
                format!("{} — {}", a.status, escape(n))
            }
            _ => a.status.to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            a.id,
            a.kind.name(),
            escape(&a.target.to_string()),
            code(&a.planned_call),
            status,
            json_cell(a.record.state_before.as_ref()),
            json_cell(a.record.state_after.as_ref().or(a.record.observed.as_ref())),
            verification
        );
    }
}

fn persistence(view: &RunView<'_>, out: &mut String) {
    let Some(sweep) = &view.findings.sweep else {
        out.push_str("**The persistence check did not run**: the account will not be re-enabled.\n\n");
        return;
    };
    let _ = writeln!(
        out,
        "Persistence sweep at {} (compromise window from {}):\n",
        sweep.at.to_rfc3339(),
        sweep.since.to_rfc3339()
    );
    if sweep.items.is_empty() {
        out.push_str("Nothing listed.\n");
    } else {
        out.push_str("| kind | name | id | created | suspicious | removal |\n|---|---|---|---|---|---|\n");
        for i in &sweep.items {
            let removal = match i.action.as_ref().and_then(|id| view.incident.action(id)) {
                Some(a) => format!("{} {}", a.id, a.status),
                None => "–".to_owned(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                i.item.kind.name(),
                escape(&i.item.name),
                code(&i.item.id),
                i.item.created_at.map_or("unknown".to_owned(), |t| t.to_rfc3339()),
                if i.suspicious { "**yes**" } else { "no" },
                removal
            );
        }
    }
    if !sweep.not_listed.is_empty() {
        let kinds: Vec<&str> = sweep.not_listed.iter().map(|k| k.name()).collect();
        let _ = writeln!(out, "\nNot listed: {}.", kinds.join(", "));
    }
    out.push('\n');
}

fn recovery(view: &RunView<'_>, out: &mut String) {
    let f = view.findings;
    if !f.reenable_withheld.is_empty() {
        out.push_str("**Re-enable withheld** (hard rule 2):\n");
        for r in &f.reenable_withheld {
            let _ = writeln!(out, "- {}", escape(r));
        }
        out.push('\n');
    }
    actions_section(view, Phase::Recovery, out);
    let _ = writeln!(out, "\nUser notified: {}.", if f.user_notified { "yes" } else { "no" });
    if let Some((from, until)) = f.monitoring_window {
        let _ = writeln!(out, "Monitoring from {} until {}.", from.to_rfc3339(), until.to_rfc3339());
    }
    if let Some(m) = &f.monitoring {
        let _ = writeln!(out, "Monitoring check: {} event(s), {} suspicious.", m.events, m.suspicious.len());
        for e in &m.suspicious {
            let _ = writeln!(out, "- {}", code(e.as_str()));
        }
    }
}

/// The plan shown to approvers: each action, its target, its exact call and key.
pub fn approval_plan(actions: &[&Action], required: &[u8]) -> String {
    let mut out = String::from("| id | action | target | planned call | approvers | idempotency key | why |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for (i, a) in actions.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            a.id,
            a.kind.name(),
            escape(&a.target.to_string()),
            code(&a.planned_call),
            required.get(i).copied().unwrap_or(1),
            code(a.idempotency_key.as_str()),
            escape(&a.rationale)
        );
    }
    out
}

/// The dry-run plan: everything that would be proposed, with exact calls.
pub fn dry_run_plan(view: &RunView<'_>) -> String {
    let inc = view.incident;
    let mut out = format!("## irp · plan (dry run) · {}\n\n", escape(inc.user().as_str()));
    assessment(view, &mut out);
    let actions: Vec<&Action> = inc.actions().iter().collect();
    if actions.is_empty() {
        out.push_str("\nNo action would be proposed.\n");
    } else {
        out.push_str("\nWould propose, in order (each needs approval):\n\n");
        let f = view.findings;
        let protected = view.policy.is_protected(inc.user())
            || f.user.as_ref().is_some_and(|u| u.privileged || view.policy.is_protected(&u.login));
        let required: Vec<u8> = actions
            .iter()
            .map(|a| crate::approval::required_approvers(&a.kind, protected, &view.policy.runbook))
            .collect();
        out.push_str(&approval_plan(&actions, &required));
    }
    if view.findings.sweep.is_some() {
        out.push('\n');
        persistence(view, &mut out);
    }
    gaps(view, &mut out);
    out
}

/// The message sent to the user at recovery.
pub fn user_notice(view: &RunView<'_>) -> String {
    let case = view.incident.case_id();
    format!(
        "Your account was secured after suspicious activity (case {}). Set a new password, \
         register your MFA factors again, and report any sign-in or mail rule you do not recognise.",
        case.as_str()
    )
}

/// The final report in Markdown.
pub fn final_report(view: &RunView<'_>) -> String {
    let inc = view.incident;
    let mut out =
        format!("# Incident report · {} · case {}\n\n", escape(inc.user().as_str()), escape(inc.case_id().as_str()));
    let outcome = match view.outcome {
        Some(RunOutcome::Completed) | None => "runbook completed".to_owned(),
        Some(RunOutcome::ClosedNoAction { reason }) => format!("closed without action ({})", reason.name()),
        Some(RunOutcome::DryRun) => "dry run (nothing executed)".to_owned(),
        Some(RunOutcome::Blocked { phase, reason }) => format!("**blocked** in {phase}: {}", escape(reason)),
    };
    let _ = writeln!(out, "Status: {outcome}. Started {}.\n", inc.started_at.to_rfc3339());
    out.push_str("## Response times\n\n");
    let m = metrics(view);
    for (name, v, def) in [
        ("time to detect", m.time_to_detect, "first evidence event → incident start"),
        ("time to contain", m.time_to_contain, "incident start → last containment action verified"),
        ("time to eradicate", m.time_to_eradicate, "incident start → last removal verified (or clean sweep)"),
        ("time to recover", m.time_to_recover, "incident start → re-enable verified (or end of recovery)"),
    ] {
        let _ = writeln!(out, "- {name}: {} ({def})", v.map_or("–".to_owned(), human));
    }
    out.push_str("\n## Assessment\n\n");
    assessment(view, &mut out);
    for phase in [Phase::Containment, Phase::Eradication, Phase::Recovery] {
        let _ = writeln!(out, "\n## {}\n", phase.title());
        match phase {
            Phase::Eradication => {
                persistence(view, &mut out);
                actions_section(view, phase, &mut out);
            }
            Phase::Recovery => recovery(view, &mut out),
            _ => actions_section(view, phase, &mut out),
        }
    }
    out.push_str("\n## Detection gaps\n\n");
    let g = detection_gaps(view);
    if g.is_empty() {
        out.push_str("None found.\n");
    }
    for line in g {
        let _ = writeln!(out, "- {}", escape(&line));
    }
    out.push_str("\n## Recommendations\n\n");
    for line in recommendations(view) {
        let _ = writeln!(out, "- {}", escape(&line));
    }
    out.push_str("\n## Timeline\n\n| time | phase | what |\n|---|---|---|\n");
    for e in inc.timeline() {
        let what = match &e.detail {
            Some(d) => format!("{} — {}", escape(&e.what), escape(d)),
            None => escape(&e.what),
        };
        let _ = writeln!(out, "| {} | {} | {} |", e.at.to_rfc3339(), e.phase.name(), what);
    }
    out.push_str("\n## Runbook feedback\n\n");
    feedback(view, &mut out);
    out
}

/// Detection and prevention gaps: attacker actions the alert did not catch in time, persistence
/// the logs did not show, connectors that were missing.
pub fn detection_gaps(view: &RunView<'_>) -> Vec<String> {
    let inc = view.incident;
    let mut out = Vec::new();
    if let Some(a) = inc.assessment() {
        for s in a.signals.iter().filter(|s| s.kind.is_attacker_action() && s.time < inc.started_at) {
            out.push(format!(
                "{} at {} was visible {} before the response started, yet no alert fired on it",
                s.kind.name(),
                s.time.to_rfc3339(),
                human(inc.started_at - s.time)
            ));
        }
    }
    if let Some(sweep) = &view.findings.sweep {
        let seen: Vec<SignalKind> =
            inc.assessment().map(|a| a.signals.iter().map(|s| s.kind).collect()).unwrap_or_default();
        for i in sweep.items.iter().filter(|i| i.suspicious) {
            let signal = match i.item.kind {
                crate::runbook::PersistenceKind::InboxRule | crate::runbook::PersistenceKind::MailboxForwarding => {
                    SignalKind::ForwardingRule
                }
                crate::runbook::PersistenceKind::OauthGrant => SignalKind::OauthGrant,
                crate::runbook::PersistenceKind::MfaFactor => SignalKind::MfaFactorChange,
                crate::runbook::PersistenceKind::RecoveryMethod => SignalKind::RecoveryChange,
                crate::runbook::PersistenceKind::AdminRole => SignalKind::PrivilegeGrant,
                _ => continue,
            };
            if !seen.contains(&signal) {
                out.push(format!(
                    "{} `{}` was found by the sweep but no {} signal saw it in the logs (log source missing?)",
                    i.item.kind.name(),
                    i.item.name,
                    signal.name()
                ));
            }
        }
    }
    for g in &view.findings.gaps {
        out.push(g.what.clone());
    }
    out
}

/// Recommendations derived from what was found and what went wrong.
pub fn recommendations(view: &RunView<'_>) -> Vec<String> {
    let inc = view.incident;
    let mut out = Vec::new();
    let kinds: Vec<SignalKind> =
        inc.assessment().map(|a| a.signals.iter().map(|s| s.kind).collect()).unwrap_or_default();
    let has = |k: SignalKind| kinds.contains(&k);
    if has(SignalKind::MfaFatigue) {
        out.push("Enable number matching / phishing-resistant MFA to stop push fatigue".to_owned());
    }
    if has(SignalKind::ForwardingRule) {
        out.push("Block automatic external forwarding at the mail transport layer".to_owned());
    }
    if has(SignalKind::OauthGrant) {
        out.push("Restrict user consent to verified publishers and low-risk scopes".to_owned());
    }
    if has(SignalKind::ImpossibleTravel) || has(SignalKind::NewCountry) || has(SignalKind::AnonymizingProxy) {
        out.push("Add conditional-access location / anonymiser policies for this population".to_owned());
    }
    if has(SignalKind::PasswordSpraySuccess) || has(SignalKind::BruteForceSuccess) {
        out.push("Enforce MFA on every sign-in path and smart lockout against spraying".to_owned());
    }
    for a in inc.actions() {
        match a.status {
            ActionStatus::VerificationFailed | ActionStatus::OutcomeUnknown | ActionStatus::Failed => {
                out.push(format!("Check {} ({}) on {} by hand: {}", a.id, a.kind.name(), a.target, a.status));
            }
            _ => {}
        }
    }
    if !view.findings.reenable_withheld.is_empty() {
        out.push("Finish eradication, then re-enable the account through the runbook (it stays disabled)".to_owned());
    }
    if view.findings.gaps.iter().any(|g| g.role.is_some()) {
        out.push(
            "Configure, authorise or repair the connectors named under runbook feedback before the next incident"
                .to_owned(),
        );
    }
    if inc.likelihood().is_some_and(|l| l >= Likelihood::Medium) {
        out.push("Have the user re-register MFA and review their mailbox rules and app consents".to_owned());
    }
    if out.is_empty() {
        out.push("No change recommended".to_owned());
    }
    out
}

/// The runbook feedback, as plain text lines: comments that needed retries, actions whose
/// outcome was unknown, failed effects, slow effects and connector gaps.
pub fn runbook_feedback(view: &RunView<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    for c in view.comments.iter().filter(|c| !c.errors.is_empty()) {
        lines.push(format!(
            "{} comment: {} failed attempt(s), {} — {}",
            c.phase.title(),
            c.errors.len(),
            if c.posted { "then posted" } else { "never posted" },
            c.errors.join("; ")
        ));
    }
    for a in view.incident.actions() {
        if a.record.note.as_deref().is_some_and(|n| n.contains("outcome unknown") || n.contains("outcome was unknown"))
        {
            lines.push(format!(
                "{} {}: execution outcome was unknown (timeout); verified instead of re-sent",
                a.id,
                a.kind.name()
            ));
        }
    }
    for l in view.effect_log.iter().filter(|l| l.error.is_some() && l.effect != "post_comment") {
        lines.push(format!("{} {} failed: {}", l.id, l.effect, l.error.as_deref().unwrap_or("")));
    }
    for l in slow_effects(view) {
        lines.push(format!("{} {} took {}", l.id, l.effect, human(l.resolved_at - l.issued_at)));
    }
    for g in &view.findings.gaps {
        if let Some(role) = g.role {
            // A gap is a connector that was missing, not ready, or failed a call: name the role.
            lines.push(format!("{} connector: {}", role.name(), g.what));
        }
    }
    lines
}

fn feedback(view: &RunView<'_>, out: &mut String) {
    let lines = runbook_feedback(view);
    if lines.is_empty() {
        out.push_str("Nothing failed and nothing was slow.\n");
    }
    for l in lines {
        let _ = writeln!(out, "- {}", escape(&l));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markdown_and_html() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("[x](http://evil)"), "\\[x\\](http://evil)");
        assert_eq!(escape("<script>"), "&lt;script&gt;");
        assert_eq!(escape("line1\nline2"), "line1 line2");
        assert_eq!(code("a`b|c"), "`a'b\\|c`");
    }
}
