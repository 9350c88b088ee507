"""irp: compromised-account incident response.

Assess exported identity-provider and audit logs, or the records a SOAR integration returns,
and get a typed, immutable verdict per user::

    import irp

    verdict = irp.assess("okta-export.jsonl.gz", user="alice@example.com")
    if verdict.likelihood >= irp.Likelihood.HIGH:
        for signal in verdict.signals:
            print(signal.time, signal.kind, signal.techniques, signal.summary)

The work happens in Rust (the ``irp._irp`` extension module) with the interpreter released.
"""

from irp._irp import (
    ApprovalRefusedError,
    ApprovalRequest,
    ConfigError,
    Decision,
    PendingAction,
    Progress,
    RunResult,
    Assessment,
    ConnectorError,
    Contribution,
    Effect,
    InvalidTransitionError,
    IrpError,
    Likelihood,
    ParseError,
    Policy,
    PolicyError,
    RateLimitedError,
    Runbook,
    Severity,
    Signal,
    SkippedRecordsWarning,
    __version__,
    assess,
)
from irp._responder import Incident, Responder

__all__ = [
    "ApprovalRefusedError",
    "ApprovalRequest",
    "ConfigError",
    "Decision",
    "Incident",
    "PendingAction",
    "Progress",
    "Responder",
    "RunResult",
    "Assessment",
    "ConnectorError",
    "Contribution",
    "Effect",
    "InvalidTransitionError",
    "IrpError",
    "Likelihood",
    "ParseError",
    "Policy",
    "PolicyError",
    "RateLimitedError",
    "Runbook",
    "Severity",
    "Signal",
    "SkippedRecordsWarning",
    "__version__",
    "assess",
]
