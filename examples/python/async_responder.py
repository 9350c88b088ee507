#!/usr/bin/env python3
"""The whole runbook for one case from asyncio, against the embedded connectors.

Copies the bundled demo scenario (Okta and Office 365 exports, a local JSON directory) into a
temporary folder, points an `irp.Responder` at it with the same tables an `irp.toml` has, and
runs the case with an asynchronous approver, as a chat-ops approval step would be: each request
is shown (the exact calls), and the approver decides after "asking" (an `await`). The state is
checkpointed after every step in the folder's `state/`; the run parks at the post-recovery
monitoring check, which `Responder.resume()` would finish three days later. The notice to the
user at Recovery goes through a `notifier` (here it is printed; a real one sends mail or chat).

With `--all-users`, every account of the demo directory gets its own case, run with
`Responder.run_many()` at most three at a time: John's case is confirmed and handled as above,
the other accounts (only hit by the failed password spray) are closed without action.

    python examples/python/async_responder.py                  # approve everything
    python examples/python/async_responder.py --refuse         # refuse: nothing is executed
    python examples/python/async_responder.py --all-users      # one case per account, concurrently
    python examples/python/async_responder.py --keep /tmp/ir   # keep the folder to look at

Exit status: 0 when every approved action was executed and verified, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import irp

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"


def stage(folder: Path) -> dict[str, object]:
    """The demo data in `folder`, and the connector tables that use it."""
    for name in ["okta.ndjson", "o365.ndjson", "directory.json"]:
        shutil.copy(DEMO / name, folder / name)
    return {
        "siem": {"type": "files", "paths": [str(folder / "okta.ndjson"), str(folder / "o365.ndjson")]},
        "soar": {"type": "sqlite", "path": str(folder / "cases.sqlite")},
        "idp": {"type": "local", "path": str(folder / "directory.json")},
        "mailbox": {"type": "local", "path": str(folder / "directory.json")},
    }


def make_approver(name: str, refuse: bool) -> Callable[[irp.ApprovalRequest], Awaitable[irp.Decision]]:
    async def approver(request: irp.ApprovalRequest) -> irp.Decision:
        print(f"approval requested for case {request.case_id} ({request.subject}):")
        for action in request.actions:
            print(f"  {action.id} {action.kind}: {action.planned_call}")
        await asyncio.sleep(0.05)  # a real approver waits for a person in a chat or ticket here
        if refuse:
            return irp.Decision.refuse_all(request, name, "not before talking to the user")
        return irp.Decision.approve_all(request, name, comment="approved from async_responder.py")

    return approver


async def notify(user_id: str, message: str) -> None:
    """The runbook's notice to the user; raise irp.ConnectorError if it cannot be delivered."""
    print(f"notice to {user_id}: {message}")


async def respond(folder: Path, approver_name: str, refuse: bool, all_users: bool) -> irp.RunResult:
    phases: dict[str, list[str]] = {}

    def on_progress(progress: irp.Progress) -> None:
        if progress.kind == "phase_started" and progress.phase is not None:
            phases.setdefault(progress.case_id, []).append(progress.phase)

    responder = irp.Responder(
        stage(folder),
        approver=make_approver(approver_name, refuse),
        state_dir=folder / "state",
        on_progress=on_progress,
        notifier=notify,
    )
    john: irp.Incident = {
        "user_id": "jdoe@example.com",
        "case_id": "4821",
        "alert_group_ids": ["okta-threatinsight-password-spray-203.0.113.77-20261116"],
    }
    if not all_users:
        result = await responder.run(**john)
        print("phases: " + " -> ".join(phases["4821"]))
        return result
    users = [u["login"] for u in json.loads((folder / "directory.json").read_text())["users"]]
    others = [u for u in users if u != john["user_id"]]
    incidents: list[irp.Incident] = [john]
    incidents += [{"user_id": u, "case_id": str(4822 + i)} for i, u in enumerate(others)]
    results = await responder.run_many(incidents, limit=3)
    for incident, outcome in zip(incidents, results):
        if isinstance(outcome, BaseException):
            print(f"case {incident['case_id']} ({incident['user_id']}): failed: {outcome!r}")
        else:
            print(f"case {outcome.case_id} ({outcome.user_id}): {outcome.outcome}")
    first = results[0]
    if isinstance(first, BaseException):
        raise first
    print("phases: " + " -> ".join(phases["4821"]))
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--approver", default="soc.lead@example.com", help="who approves (default soc.lead)")
    parser.add_argument("--refuse", action="store_true", help="refuse every action instead")
    parser.add_argument("--all-users", action="store_true", help="one case per account, with run_many")
    parser.add_argument("--keep", type=Path, help="stage the data in this folder and keep it")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="irp-responder-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        result = asyncio.run(respond(folder, args.approver, args.refuse, args.all_users))
        for item in result.plan:
            print(f"{item['action_id']} {item['kind']}: {item['status']}")
        for problem in result.problems:
            print(f"problem: {problem}")
        likelihood = result.likelihood.value if result.likelihood is not None else "not assessed"
        print(f"outcome: {result.outcome}, likelihood: {likelihood}")
        if result.resume_after is not None:
            print(f"monitoring check due {result.resume_after:%Y-%m-%d %H:%M} UTC: resume() the state after that")
        print(f"state: {result.state_path}")
    approved = [item for item in result.plan if item["status"] != "refused"]
    done = bool(approved) and all(item["status"] == "verified" for item in approved)
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
