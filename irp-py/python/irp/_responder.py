"""``irp.Responder``: the async responder with coroutine methods over the native ``ResponderCore``.

The native ``run``/``run_many``/``resume`` hand a Rust future to the *running* event loop, so they must be
called from inside it; these ``async def`` wrappers make that automatic (``asyncio.run``,
``asyncio.create_task`` and ``await`` all work) and add nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypedDict, Union

from irp._irp import ApprovalRequest, Decision, Policy, Progress, ResponderCore, RunResult

#: ``config=``: the irp.toml connector tables as a dict, TOML text (a ``str`` with a newline),
#: or the path of an irp.toml.
Config = Union[Mapping[str, Any], str, "os.PathLike[str]"]
#: ``approver=``: a plain function or a coroutine function of the request.
Approver = Callable[[ApprovalRequest], Union[Decision, Awaitable[Decision]]]
#: ``notifier=``: a plain function or a coroutine function of ``(user_id, message)``.
Notifier = Callable[[str, str], object]


class _IncidentKeys(TypedDict):
    user_id: str
    case_id: str


class Incident(_IncidentKeys, total=False):
    """One item of ``Responder.run_many(incidents)``: the keyword arguments of ``run()``."""

    alert_group_ids: Sequence[str]
    initial_alert_details: Any
    dry_run: bool


class Responder:
    """Runs the whole runbook for a case against the connectors an irp.toml configures.

    ``config`` holds the ``[siem]``, ``[soar]``, ``[idp]`` and ``[mailbox]`` tables (and
    optionally ``[run] state_dir`` and ``[policy]`` / ``policy_file``); relative paths resolve
    against the file's directory, or the current directory for a dict or text. Connectors are
    created here: a bad config raises ``irp.ConfigError``, a connector that cannot be created
    (a missing directory file) ``irp.ConnectorError``.

    ``approver`` is asked for every approval with an ``ApprovalRequest`` and returns a
    ``Decision`` (or a coroutine of one). With ``state_dir`` the engine state is written to
    ``<state_dir>/<case>.state.json`` after every step (atomically). Unless
    ``wait_for_monitoring``, a run ends at its post-recovery monitoring check with
    ``outcome == "waiting"``; ``resume()`` its state after ``resume_after``.

    ``notifier``, if given, delivers the runbook's user notification (at Recovery): it is called
    as ``notifier(user_id, message)`` (a plain or coroutine function; returning means
    delivered). Without it the notification is recorded as not sent ("no notifier configured").
    To report a failed delivery and let the run go on, raise ``irp.ConnectorError``: the report
    records the failure.

    Any other exception raised by ``approver``, ``on_progress`` or ``notifier`` stops the run
    and is re-raised by ``run()``; the saved state resumes it (a notification in flight is sent
    again). Cancelling the task is just as safe.

    ``Progress`` and ``ApprovalRequest`` carry the ``case_id`` (and the user) they concern, so
    one set of callbacks serves the concurrent runs of ``run_many()``.
    """

    def __init__(
        self,
        config: Config,
        *,
        approver: Approver,
        policy: Policy | str | Mapping[str, Any] | None = None,
        state_dir: str | os.PathLike[str] | None = None,
        on_progress: Callable[[Progress], object] | None = None,
        notifier: Notifier | None = None,
        wait_for_monitoring: bool = False,
    ) -> None:
        self._core = ResponderCore(
            config,
            approver=approver,
            policy=policy,
            state_dir=state_dir,
            on_progress=on_progress,
            notifier=notifier,
            wait_for_monitoring=wait_for_monitoring,
        )

    async def run(
        self,
        *,
        user_id: str,
        case_id: str,
        alert_group_ids: Sequence[str] = (),
        initial_alert_details: Any = None,
        dry_run: bool = False,
    ) -> RunResult:
        """Starts a run for ``user_id`` in ``case_id`` (opened in the embedded case store if
        new) and drives it to its end or to the monitoring check. ``dry_run``: plan only,
        nothing approved, executed or written."""
        return await self._core.run(
            user_id=user_id,
            case_id=case_id,
            alert_group_ids=list(alert_group_ids),
            initial_alert_details=initial_alert_details,
            dry_run=dry_run,
        )

    async def run_many(self, incidents: Iterable[Incident], *, limit: int = 4) -> list[RunResult | BaseException]:
        """Runs one incident per item of ``incidents`` (dicts with the keyword arguments of
        ``run()``), at most ``limit`` at a time, each exactly as ``run()`` runs it: its own
        state file, and a run that parks at its monitoring check returns ``"waiting"`` and
        frees its slot.

        Returns one entry per incident, in the order of ``incidents``: its ``RunResult``, or
        the exception its ``run()`` would have raised (as ``asyncio.gather(...,
        return_exceptions=True)`` does). Bad input (``TypeError``/``ValueError`` naming
        ``incidents[i]``), a state file in the way (``irp.ConfigError``), a case id or a user given
        twice (``ValueError``, the later ones: two open cases of one account would close each
        other as duplicates) or a callback's exception fail that incident only. A
        ``limit`` below 1 raises ``ValueError``. Cancelling the task stops every run in
        flight, each resumable from its state file."""
        return await self._core.run_many(list(incidents), limit=limit)

    async def resume(self, state_json: str) -> RunResult:
        """Continues a run from its saved state; an action that may have run is verified, never
        re-sent."""
        return await self._core.resume(state_json)

    @property
    def policy(self) -> Policy:
        """The policy new runs start with."""
        return self._core.policy

    @property
    def state_dir(self) -> Path | None:
        """Where ``<case>.state.json`` is written, if anywhere."""
        return self._core.state_dir

    def __repr__(self) -> str:
        return f"Responder(state_dir={self.state_dir!r})"
