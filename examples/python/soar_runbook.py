#!/usr/bin/env python3
"""Drive the irp runbook the way a SOAR playbook does: one effect per block, state in between.

irp's runbook engine never calls anything itself. It hands out effects ("fetch the case",
"search the user's events", "ask for approval", "disable the account", "verify it", ...) and
is fed their outcomes. Here every effect is answered by small offline stand-ins for your SOAR
integrations, and the whole state goes through JSON after each one, as it would between
playbook blocks (or processes, or machines).

    # Plan only (dry run): what would be done, with the exact vendor calls.
    python examples/python/soar_runbook.py --user alice@example.com --case case-42 \\
        --events tests/scenarios/impossible_travel/okta.jsonl --now 2024-05-20T15:00:00Z

    # Full run, approved by bob (the stand-in vendor "executes" and "verifies" everything).
    python examples/python/soar_runbook.py ... --approve-as bob@example.com --report report.md

Exit status: 0 when the run completed, closed or planned; 1 when a hard rule blocked it.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import irp


class OfflineIntegrations:
    """Stand-ins for SOAR integrations: replace each method with a real API call."""

    def __init__(self, user: str, events: Path) -> None:
        self.user = user
        self.events = events

    def check_connectors(self, effect: irp.Effect) -> dict[str, Any]:
        roles = effect.args["roles"]
        return {"outcome": "readiness", "connectors": [{"role": r, "vendor": "offline", "ready": True} for r in roles]}

    def fetch_case(self, effect: irp.Effect) -> dict[str, Any]:
        return {"outcome": "case", "case": {"id": effect.args["case_id"], "title": "Suspicious sign-in"}}

    def find_duplicate_cases(self, effect: irp.Effect) -> dict[str, Any]:
        return {"outcome": "cases", "cases": []}

    find_related_cases = find_duplicate_cases

    def lookup_user(self, effect: irp.Effect) -> dict[str, Any]:
        return {"outcome": "user", "user": {"id": "00u-offline", "login": effect.args["user"], "status": "ACTIVE"}}

    def lookup_entity(self, effect: irp.Effect) -> dict[str, Any]:
        return {"outcome": "entity", "summary": {}}

    def post_comment(self, effect: irp.Effect) -> dict[str, Any]:
        first_line = effect.args["markdown"].splitlines()[0] if effect.args["markdown"] else ""
        print(f"      case comment: {first_line}")
        return {"outcome": "comment_posted", "comment_id": f"comment-{effect.id}"}

    def execute_action(self, effect: irp.Effect) -> dict[str, Any]:
        print(f"      vendor call: {effect.args['action']['planned_call']}")
        return {"outcome": "executed"}

    def verify_action(self, effect: irp.Effect) -> dict[str, Any]:
        return {"outcome": "verification", "holds": True}

    def list_persistence(self, effect: irp.Effect) -> dict[str, Any]:
        return {"outcome": "persistence", "items": []}

    def notify_user(self, effect: irp.Effect) -> dict[str, Any]:
        return {"outcome": "done"}

    start_monitoring = notify_user


def run_block(state: str, integrations: OfflineIntegrations, approver: str | None, now: datetime) -> tuple[str, bool]:
    """One playbook block: load the state, run one effect, return the new state and whether the run is over."""
    rb = irp.Runbook.from_json(state)
    effect = rb.next_effect(now=now)
    if effect is None:
        return rb.to_json(), True
    print(f"#{effect.id:<3} {effect.phase:<16} {effect.kind}")
    if effect.kind == "search_events":
        rb.resolve_events(effect.id, integrations.events, now=now)
    elif effect.kind == "check_monitoring":
        rb.resolve_events(effect.id, [], now=now)  # nothing new since containment
    elif effect.kind == "request_approval":
        if approver is None:
            rb.refuse(effect.id, "nobody@example.com", "no approver configured", now=now)
        else:
            rb.approve(effect.id, approver, now=now, comment="approved from the example driver")
    else:
        handler = getattr(integrations, effect.kind, None)
        if handler is None:
            rb.fail(effect.id, f"no integration for {effect.kind}", connector_missing=True, now=now)
        else:
            rb.resolve(effect.id, handler(effect), now=now)
    return rb.to_json(), False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", required=True)
    parser.add_argument("--case", required=True)
    parser.add_argument("--events", type=Path, required=True, help="the user's exported sign-in / audit events")
    parser.add_argument("--now", help="RFC 3339 start time (default: the current time)")
    parser.add_argument("--approve-as", help="approve every action as this user (otherwise: dry run)")
    parser.add_argument("--report", type=Path, help="write the final Markdown report here")
    args = parser.parse_args(argv)

    now = datetime.fromisoformat(args.now.replace("Z", "+00:00")) if args.now else None
    rb = irp.Runbook(args.user, args.case, dry_run=args.approve_as is None, now=now)
    clock = now or datetime.now().astimezone()
    integrations = OfflineIntegrations(args.user, args.events)
    state, finished = rb.to_json(), False
    while not finished:
        clock += timedelta(seconds=30)  # each block takes a little while
        state, finished = run_block(state, integrations, args.approve_as, clock)

    done = irp.Runbook.from_json(state)
    summary = done.summary() or {}
    outcome = summary.get("outcome", {}).get("outcome")
    print(f"\noutcome: {outcome}, likelihood: {summary.get('likelihood')}")
    for item in summary.get("plan", []):
        print(f"  {item['action_id']:<4} {item['kind']:<20} {item['status']:<10} {item['planned_call']}")
    for problem in summary.get("problems", []):
        print(f"  problem: {problem}")
    if args.report:
        args.report.write_text(done.report_markdown())
    return 1 if outcome == "blocked" else 0


if __name__ == "__main__":
    sys.exit(main())
