//! The containment matrix (DESIGN §1): which actions to propose for a likelihood.
//!
//! | likelihood | disable | reset password | terminate sessions + revoke tokens |
//! |---|---|---|---|
//! | Confirmed | yes, first | yes | yes |
//! | High | recommended | yes | yes |
//! | Medium | consider | yes | yes |
//! | Low | no | consider | consider (or force MFA re-enrolment) |
//!
//! "Consider" is not proposed: it is listed for the analyst as a [`Consideration`]. Every
//! proposed action still needs approval.

use crate::action::{ActionKind, Consideration, Proposal, Recommendation};
use crate::score::Likelihood;

/// What to propose, in execution order, and what only to consider.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainmentPlan {
    /// Proposed, in the order they should run.
    pub proposals: Vec<Proposal>,
    /// Listed, not proposed.
    pub considered: Vec<Consideration>,
}

/// The containment proposals for `likelihood`.
pub fn propose_containment(likelihood: Likelihood) -> ContainmentPlan {
    let why = |what: &str| format!("likelihood {likelihood}: {what}");
    let required = |kind: ActionKind, what: &str| Proposal {
        kind,
        recommendation: Recommendation::Required,
        rationale: why(what),
    };
    let lockout = |plan: &mut ContainmentPlan| {
        plan.proposals.push(required(ActionKind::ResetPassword, "the password must be assumed known"));
        plan.proposals.push(required(ActionKind::TerminateSessions, "end every live session and its OAuth tokens"));
        plan.proposals.push(required(ActionKind::RevokeTokens, "revoke refresh tokens that outlive sessions"));
    };
    let mut plan = ContainmentPlan::default();
    match likelihood {
        Likelihood::Confirmed => {
            // Disable first: it stops new sign-ins before the resets tip the attacker off.
            plan.proposals.push(required(ActionKind::DisableAccount, "lock the attacker out first"));
            lockout(&mut plan);
        }
        Likelihood::High => {
            plan.proposals.push(Proposal {
                kind: ActionKind::DisableAccount,
                recommendation: Recommendation::Recommended,
                rationale: why("clear malicious patterns; disabling is recommended"),
            });
            lockout(&mut plan);
        }
        Likelihood::Medium => {
            lockout(&mut plan);
            plan.considered.push(Consideration {
                kind: ActionKind::DisableAccount,
                reason: why("several unverified anomalies; disable if the user cannot confirm the activity"),
            });
        }
        _ => {
            for kind in [ActionKind::ResetPassword, ActionKind::TerminateSessions, ActionKind::ResetFactors] {
                plan.considered.push(Consideration {
                    kind,
                    reason: why("a single anomaly; consider if the user does not recognise it"),
                });
            }
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(p: &ContainmentPlan) -> Vec<(&'static str, Recommendation)> {
        p.proposals.iter().map(|p| (p.kind.name(), p.recommendation)).collect()
    }

    #[test]
    fn matrix() {
        use Recommendation::*;
        let c = propose_containment(Likelihood::Confirmed);
        assert_eq!(
            kinds(&c),
            vec![
                ("disable_account", Required),
                ("reset_password", Required),
                ("terminate_sessions", Required),
                ("revoke_tokens", Required)
            ]
        );
        let h = propose_containment(Likelihood::High);
        assert_eq!(kinds(&h)[0], ("disable_account", Recommended));
        assert_eq!(kinds(&h).len(), 4);
        let m = propose_containment(Likelihood::Medium);
        assert_eq!(
            kinds(&m),
            vec![("reset_password", Required), ("terminate_sessions", Required), ("revoke_tokens", Required)]
        );
        assert_eq!(m.considered[0].kind, ActionKind::DisableAccount);
        let l = propose_containment(Likelihood::Low);
        assert!(l.proposals.is_empty());
        assert_eq!(l.considered.len(), 3);
    }
}
