#!/usr/bin/env python3
"""The whole runbook for one case from asyncio, against the embedded connectors.

Copies the bundled demo scenario (Okta and Office 365 exports, a local JSON directory) into a
temporary folder, points an `irp.Responder` at it with the same tables an `irp.toml` has, and
runs the case with an asynchronous approver, as a chat-ops approval step would be: each request
is shown (the exact calls), and the approver decides after "asking" (an `await`). The state is
checkpointed after every step in the folder's `state/`; the run parks at the post-recovery
monitoring check, which `Responder.resume()` would finish three days later.

    python examples/python/async_responder.py                  # approve everything
    python examples/python/async_responder.py --refuse         # refuse: nothing is executed
    python examples/python/async_responder.py --keep /tmp/ir   # keep the folder to look at

Exit status: 0 when every approved action was executed and verified, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
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


async def respond(folder: Path, approver_name: str, refuse: bool) -> irp.RunResult:
    phases: list[str] = []

    def on_progress(progress: irp.Progress) -> None:
        if progress.kind == "phase_started" and progress.phase is not None:
            phases.append(progress.phase)

    responder = irp.Responder(
        stage(folder),
        approver=make_approver(approver_name, refuse),
        state_dir=folder / "state",
        on_progress=on_progress,
    )
    result = await responder.run(
        user_id="jdoe@example.com",
        case_id="4821",
        alert_group_ids=["okta-threatinsight-password-spray-203.0.113.77-20261116"],
    )
    print("phases: " + " -> ".join(phases))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--approver", default="soc.lead@example.com", help="who approves (default soc.lead)")
    parser.add_argument("--refuse", action="store_true", help="refuse every action instead")
    parser.add_argument("--keep", type=Path, help="stage the data in this folder and keep it")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="irp-responder-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        result = asyncio.run(respond(folder, args.approver, args.refuse))
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
