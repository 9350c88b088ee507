"""Type stubs for the native module ``irp._irp`` (checked by ``python -m mypy.stubtest irp._irp``)."""

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Union, final, overload

__all__ = [
    "assess",
    "Assessment",
    "Contribution",
    "Likelihood",
    "Severity",
    "Signal",
    "SkippedRecordsWarning",
    "Policy",
    "Effect",
    "Runbook",
    "__version__",
    "IrpError",
    "ParseError",
    "PolicyError",
    "InvalidTransitionError",
    "ApprovalRefusedError",
    "ConnectorError",
    "RateLimitedError",
    "ConfigError",
    "ResponderCore",
    "RunResult",
    "ApprovalRequest",
    "PendingAction",
    "Decision",
    "Progress",
]

__version__: str

_PathLike = Union[str, os.PathLike[str]]
_Events = Union[
    _PathLike,
    Sequence[_PathLike],
    bytes,
    bytearray,
    Mapping[str, Any],
    Iterable[Mapping[str, Any]],
]
_PolicyArg = Union[Policy, str, Mapping[str, Any], None]
_Time = Union[datetime, str, None]

# Exceptions -----------------------------------------------------------------------------------

class IrpError(Exception):
    """Base class of every error irp raises."""

class ParseError(IrpError):
    """Evidence could not be read: `source`, `line`, `column` and `field` say where."""

    source: str | None
    line: int | None
    column: int | None
    field: str | None

class SkippedRecordsWarning(UserWarning):
    """Valid JSON records that could not become events were skipped; ``strict=True`` fails instead."""

class PolicyError(IrpError):
    """A policy is malformed or has an unknown key."""

class InvalidTransitionError(IrpError):
    """The runbook engine refused a call (unknown effect, wrong outcome, step not allowed now); its state is unchanged."""

class ApprovalRefusedError(IrpError):
    """An action was refused, or its approval does not match it."""

class ConnectorError(IrpError):
    """A connector call failed: `retryable`, `maybe_executed` and `status` say what to do next."""

    retryable: bool
    maybe_executed: bool
    status: int | None
    operation: str | None
    """The connector operation that failed (``"okta.users.get"``, ``"config.siem"``, ...)."""
    kind: str | None
    """``"timeout"``, ``"not_found"``, ``"storage"``, ``"rate_limited"``, ``"unauthenticated"``, ..."""

class RateLimitedError(ConnectorError):
    """The vendor rate-limited the call; see `retry_after` (seconds)."""

    retry_after: float | None

class ConfigError(IrpError):
    """A connector configuration (the irp.toml tables, as a dict, TOML text or a file) is invalid."""

# Enums ----------------------------------------------------------------------------------------

@final
class Likelihood:
    """The runbook's answer to "is this account compromised?", ordered LOW < MEDIUM < HIGH < CONFIRMED."""

    LOW: ClassVar[Likelihood]
    MEDIUM: ClassVar[Likelihood]
    HIGH: ClassVar[Likelihood]
    CONFIRMED: ClassVar[Likelihood]

    @property
    def value(self) -> str:
        """The stable lower-case name used in JSON (``"high"``), as a ``StrEnum`` member's value."""

    @property
    def name(self) -> str:
        """The member name (``"HIGH"``), as an ``Enum`` member's name."""

    @staticmethod
    def parse(name: str) -> Likelihood:
        """Parses a lower-case name as found in JSON (``"high"``)."""

    def __int__(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __lt__(self, other: Likelihood, /) -> bool: ...
    def __le__(self, other: Likelihood, /) -> bool: ...
    def __gt__(self, other: Likelihood, /) -> bool: ...
    def __ge__(self, other: Likelihood, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Severity:
    """How strong a single signal is on its own, ordered INFO < LOW < MEDIUM < HIGH."""

    INFO: ClassVar[Severity]
    LOW: ClassVar[Severity]
    MEDIUM: ClassVar[Severity]
    HIGH: ClassVar[Severity]

    @property
    def value(self) -> str:
        """The stable lower-case name used in JSON (``"medium"``)."""

    def __int__(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __lt__(self, other: Severity, /) -> bool: ...
    def __le__(self, other: Severity, /) -> bool: ...
    def __gt__(self, other: Severity, /) -> bool: ...
    def __ge__(self, other: Severity, /) -> bool: ...
    def __hash__(self) -> int: ...

# Results --------------------------------------------------------------------------------------

@final
class Signal:
    """One finding, with its evidence event ids and ATT&CK techniques."""

    @property
    def kind(self) -> str:
        """Stable snake_case kind (``"impossible_travel"``, ``"forwarding_rule"``, ...)."""

    @property
    def severity(self) -> Severity:
        """How strong the signal is on its own."""

    @property
    def time(self) -> datetime:
        """When it happened (timezone-aware, UTC)."""

    @property
    def techniques(self) -> tuple[str, ...]:
        """ATT&CK technique ids."""

    @property
    def summary(self) -> str:
        """One line a human can act on."""

    @property
    def events(self) -> tuple[str, ...]:
        """Evidence event ids, in time order."""

    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Contribution:
    """What one signal, or one correlation between signals, added to the score."""

    @property
    def kind(self) -> str | None:
        """The signal kind, or ``None`` for a correlation bonus."""

    @property
    def points(self) -> float:
        """Points added."""

    @property
    def reason(self) -> str:
        """Why, in one line."""

    @property
    def events(self) -> tuple[str, ...]:
        """The evidence event ids this contribution rests on."""

    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Assessment:
    """The Identification phase's verdict on one user."""

    @property
    def user(self) -> str:
        """The user, as the logs name them (lower-cased)."""

    @property
    def likelihood(self) -> Likelihood:
        """The verdict."""

    @property
    def score(self) -> float:
        """0-100, for ranking users."""

    @property
    def signals(self) -> tuple[Signal, ...]:
        """Every signal, in time order."""

    @property
    def breakdown(self) -> tuple[Contribution, ...]:
        """How the score was built."""

    @property
    def events_considered(self) -> int:
        """The user's events that were considered (assessment window and baseline)."""

    def to_dict(self) -> dict[str, Any]:
        """The assessment as plain JSON-compatible Python objects (the ``irp assess --json`` object)."""

    def to_json(self, indent: int | None = None) -> str:
        """The assessment as JSON text (the ``irp assess --json`` object); ``indent`` pretty-prints."""

    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

# Policy ---------------------------------------------------------------------------------------

@final
class Policy:
    """An immutable policy: thresholds, allow-lists and protected accounts."""

    def __new__(cls) -> Policy:
        """The default policy (same as ``Policy.default()``)."""

    @staticmethod
    def default() -> Policy:
        """The default policy."""

    @staticmethod
    def from_toml(text: str) -> Policy:
        """Parses a policy from TOML text; raises ``PolicyError``."""

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Policy:
        """Builds a policy from a dict shaped like the TOML file; raises ``PolicyError``."""

    def to_toml(self) -> str:
        """The policy as TOML text (round-trips through ``from_toml``)."""

    def to_dict(self) -> dict[str, Any]:
        """The policy as plain Python objects (round-trips through ``from_dict``)."""

    @property
    def window_hours(self) -> int:
        """Length of the assessment window in hours, ending at the user's last event."""

    @property
    def trusted_networks(self) -> tuple[str, ...]:
        """Trusted networks in CIDR notation."""

    @property
    def protected_accounts(self) -> tuple[str, ...]:
        """Accounts that need extra care before containment."""

    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

# Runbook --------------------------------------------------------------------------------------

@final
class Effect:
    """One call for the driver to make, then report with ``Runbook.resolve(effect.id, ...)``."""

    @property
    def id(self) -> int:
        """Sequence number within the run; ``resolve`` names it."""

    @property
    def kind(self) -> str:
        """What to do (``"fetch_case"``, ``"search_events"``, ``"request_approval"``, ``"execute_action"``, ...)."""

    @property
    def phase(self) -> str:
        """The phase that asked for it (``"identification"``, ``"containment"``, ...)."""

    @property
    def issued_at(self) -> datetime:
        """When it was handed out."""

    @property
    def not_before(self) -> datetime | None:
        """Do not run before this time (monitoring checks); ``None``: run now."""

    @property
    def attempt(self) -> int:
        """Attempt number, from 1 (comments and verifications are retried)."""

    @property
    def expected_outcome(self) -> str:
        """The ``"outcome"`` this effect accepts besides ``"failed"`` (``"case"``, ``"events"``, ...)."""

    @property
    def role(self) -> str | None:
        """The connector role that serves it (``"siem"``, ``"case_store"``, ``"identity_provider"``, ``"mailbox"``)."""

    @property
    def args(self) -> dict[str, Any]:
        """The effect's arguments (``case_id``, ``user``, ``from``/``to``, ``markdown``, ``action``, ...)."""

    def to_dict(self) -> dict[str, Any]:
        """The whole effect as the engine serialises it."""

    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Runbook:
    """One incident's runbook run: poll it for effects, run them with your own integrations, feed back their outcomes."""

    def __new__(
        cls,
        user_id: str,
        case_id: str,
        alert_group_ids: Sequence[str] = ...,
        initial_alert_details: Mapping[str, Any] | None = None,
        policy: _PolicyArg = None,
        dry_run: bool = False,
        now: _Time = None,
    ) -> Runbook: ...
    def next_effects(self, now: _Time = None) -> list[Effect]:
        """Every newly runnable effect (empty when waiting for outcomes or done)."""

    def next_effect(self, now: _Time = None) -> Effect | None:
        """The oldest effect awaiting its outcome, else the first newly runnable one; ``None`` when the run is over."""

    @property
    def pending(self) -> list[Effect]:
        """Effects handed out and not yet resolved, oldest first."""

    def resolve(self, effect_id: int, outcome: Mapping[str, Any], now: _Time = None) -> None:
        """Feeds the outcome of an effect, in the engine's JSON shape (``{"outcome": "case", "case": {...}}``)."""

    def resolve_events(self, effect_id: int, events: _Events, format: str = "auto", now: _Time = None) -> None:
        """Resolves a ``search_events`` / ``check_monitoring`` effect with vendor records (as ``irp.assess`` reads them)."""

    def approve(
        self,
        effect_id: int,
        approvers: str | Sequence[str],
        now: _Time = None,
        expires_at: _Time = None,
        comment: str | None = None,
    ) -> None:
        """Resolves a ``request_approval`` effect: each approver approves every action it names, as they are now."""

    def refuse(self, effect_id: int, approver: str, reason: str, now: _Time = None) -> None:
        """Resolves a ``request_approval`` effect with a refusal of every action it names."""

    def fail(
        self,
        effect_id: int,
        message: str,
        may_have_been_applied: bool = False,
        connector_missing: bool = False,
        now: _Time = None,
    ) -> None:
        """Resolves any effect as failed."""

    def record_decision(self, analyst: str, likelihood: Likelihood, reason: str, now: _Time = None) -> None:
        """Records an analyst's decision (it can only raise the likelihood)."""

    def abandon_pending(self, now: _Time = None) -> list[int]:
        """Forgets effects in flight after a resume (an in-flight action is verified, never re-sent)."""

    @property
    def phase(self) -> str:
        """The current phase."""

    @property
    def likelihood(self) -> Likelihood | None:
        """The likelihood in force, once assessed."""

    @property
    def assessment(self) -> Assessment | None:
        """The Identification assessment, once made."""

    @property
    def is_done(self) -> bool:
        """True once the run is over."""

    def plan(self) -> list[dict[str, Any]]:
        """Every proposed action with its target, exact call and status."""

    def summary(self) -> dict[str, Any] | None:
        """How the run ended, or ``None`` while it is still running."""

    def incident(self) -> dict[str, Any]:
        """The incident: inputs, phase, assessment, actions, approvals and timeline."""

    def report_markdown(self) -> str:
        """The final report as Markdown."""

    def report_html(self) -> str:
        """The final report as self-contained HTML."""

    def to_json(self) -> str:
        """The whole state as versioned JSON."""

    @staticmethod
    def from_json(text: str) -> Runbook:
        """Resumes a state written by ``to_json``."""

    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

# Responder ------------------------------------------------------------------------------------

_Config = Union[Mapping[str, Any], str, os.PathLike[str]]
_Approver = Callable[["ApprovalRequest"], Union["Decision", Awaitable["Decision"]]]

@final
class PendingAction:
    """One action awaiting a decision, exactly as it will run."""

    @property
    def id(self) -> str:
        """Action id (what a ``Decision`` names)."""
    @property
    def kind(self) -> str:
        """``"disable_account"``, ``"revoke_sessions"``, ..."""
    @property
    def phase(self) -> str:
        """The phase that proposed it."""
    @property
    def target(self) -> str:
        """Whom it acts on."""
    @property
    def planned_call(self) -> str:
        """The exact vendor call."""
    @property
    def rationale(self) -> str:
        """Why it is proposed."""
    @property
    def expected_post_state(self) -> str:
        """The state the target is expected in afterwards."""
    @property
    def idempotency_key(self) -> str:
        """Key the action journal knows it by."""
    @property
    def approvers_required(self) -> int:
        """How many distinct approvers the policy requires."""
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class ApprovalRequest:
    """What an approver is asked."""

    @property
    def case_id(self) -> str:
        """The case."""
    @property
    def subject(self) -> str:
        """The account under investigation: it cannot approve actions on itself."""
    @property
    def actions(self) -> tuple[PendingAction, ...]:
        """The actions awaiting a decision, in the engine's order."""
    @property
    def action_ids(self) -> tuple[str, ...]:
        """The ids of ``actions``."""
    @property
    def plan_markdown(self) -> str:
        """The plan as the engine wrote it for approvers (Markdown)."""
    @property
    def now(self) -> datetime:
        """The responder's clock at the request; approvals are stamped with it."""
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Decision:
    """``approver`` approves ``approved`` and refuses ``refused`` (with ``reason``); actions in
    neither stay unapproved and do not run."""

    def __new__(
        cls,
        approver: str,
        approved: Sequence[str] = ...,
        refused: Sequence[str] = ...,
        reason: str | None = None,
        comment: str | None = None,
    ) -> Decision: ...
    @staticmethod
    def approve_all(request: ApprovalRequest, approver: str, comment: str | None = None) -> Decision:
        """Approves every action of ``request``."""
    @staticmethod
    def refuse_all(request: ApprovalRequest, approver: str, reason: str) -> Decision:
        """Refuses every action of ``request``."""
    @property
    def approver(self) -> str: ...
    @property
    def approved(self) -> tuple[str, ...]: ...
    @property
    def refused(self) -> tuple[str, ...]: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def comment(self) -> str | None: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Progress:
    """One step of a run, as ``on_progress`` sees it."""

    @property
    def kind(self) -> str:
        """``"run_started"``, ``"phase_started"``, ``"phase_ended"``, ``"effect_started"``,
        ``"effect_finished"``, ``"action_executed"``, ``"action_verified"``, ``"comment_posted"``,
        ``"run_finished"``, or ``"run_waiting"`` (parked at the monitoring check)."""
    @property
    def case_id(self) -> str:
        """The case of the run the event belongs to."""
    @property
    def user_id(self) -> str: ...
    @property
    def phase(self) -> str | None: ...
    @property
    def effect(self) -> Effect | None: ...
    @property
    def action_id(self) -> str | None: ...
    @property
    def holds(self) -> bool | None: ...

@final
class RunResult:
    """How a ``Responder`` run ended."""

    @property
    def outcome(self) -> str:
        """``"completed"``, ``"closed_no_action"``, ``"dry_run"``, ``"blocked"``, or ``"waiting"``
        (parked at the monitoring check: ``resume()`` the state after ``resume_after``)."""
    @property
    def case_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def resume_after(self) -> datetime | None: ...
    @property
    def phase(self) -> str: ...
    @property
    def likelihood(self) -> Likelihood | None: ...
    @property
    def plan(self) -> list[dict[str, Any]]: ...
    @property
    def problems(self) -> tuple[str, ...]: ...
    @property
    def summary(self) -> dict[str, Any] | None: ...
    @property
    def state_json(self) -> str: ...
    @property
    def state_path(self) -> Path | None: ...
    def report_markdown(self) -> str: ...
    def report_html(self) -> str: ...

@final
class ResponderCore:
    """The native half of ``irp.Responder``; ``run``/``resume`` must be called in a running loop."""

    def __new__(
        cls,
        config: _Config,
        *,
        approver: _Approver,
        policy: _PolicyArg = None,
        state_dir: str | os.PathLike[str] | None = None,
        on_progress: Callable[[Progress], object] | None = None,
        notifier: Callable[[str, str], object] | None = None,
        wait_for_monitoring: bool = False,
    ) -> ResponderCore: ...
    def run(
        self,
        *,
        user_id: str,
        case_id: str,
        alert_group_ids: Sequence[str] = ...,
        initial_alert_details: Any = None,
        dry_run: bool = False,
    ) -> asyncio.Future[RunResult]: ...
    def run_many(
        self, incidents: Sequence[Mapping[str, Any]], *, limit: int = 4
    ) -> asyncio.Future[list[RunResult | BaseException]]: ...
    def resume(self, state_json: str) -> asyncio.Future[RunResult]: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def state_dir(self) -> Path | None: ...

# Functions ------------------------------------------------------------------------------------

@overload
def assess(
    events: _Events,
    user: str,
    policy: _PolicyArg = None,
    format: str = "auto",
    since: _Time = None,
    until: _Time = None,
    strict: bool = False,
    threads: int | None = None,
) -> Assessment: ...
@overload
def assess(
    events: _Events,
    user: None = None,
    policy: _PolicyArg = None,
    format: str = "auto",
    since: _Time = None,
    until: _Time = None,
    strict: bool = False,
    threads: int | None = None,
) -> list[Assessment]: ...
