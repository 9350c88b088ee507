#!/usr/bin/env python3
"""Offline assessment of exported identity logs: who looks compromised, and why.

Reads any mix of exports irp understands (Okta System Log, Microsoft Graph / Entra sign-ins and
audits, Office 365 Management Activity, Google Workspace, Chronicle UDM; NDJSON or JSON, `.gz`
transparently), assesses every user and prints the riskiest first with the evidence behind
each verdict.

    python examples/python/assess_exported_logs.py okta-*.jsonl.gz --top 5
    python examples/python/assess_exported_logs.py export.jsonl --user alice@example.com --json
    python examples/python/assess_exported_logs.py export.jsonl --until 2021-06-27T00:00:00Z

Exit status: 0 when nobody is High or Confirmed, 1 when someone is, 2 on unreadable input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import irp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", type=Path, help="exported log files")
    parser.add_argument("--user", help="assess only this user")
    parser.add_argument("--policy", type=Path, help="policy TOML file (defaults otherwise)")
    parser.add_argument("--format", default="auto", help="auto, okta, entra, o365, workspace or udm")
    parser.add_argument("--since", help="ignore events before this RFC 3339 time")
    parser.add_argument("--until", help="ignore events at or after this RFC 3339 time (e.g. the alert)")
    parser.add_argument("--top", type=int, default=10, help="show at most this many users (default 10)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line (the `irp assess` contract)")
    args = parser.parse_args(argv)

    try:
        policy = irp.Policy.from_toml(args.policy.read_text()) if args.policy else None
        if args.user:
            verdicts = [
                irp.assess(
                    args.paths,
                    user=args.user,
                    policy=policy,
                    format=args.format,
                    since=args.since,
                    until=args.until,
                )
            ]
        else:
            verdicts = irp.assess(args.paths, policy=policy, format=args.format, since=args.since, until=args.until)
    except (irp.IrpError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

    shown = verdicts[: max(args.top, 0)]
    for verdict in shown:
        if args.json:
            print(verdict.to_json())
        else:
            print_verdict(verdict)
    if not args.json and len(verdicts) > len(shown):
        print(f"... and {len(verdicts) - len(shown)} more users")
    return 1 if any(v.likelihood >= irp.Likelihood.HIGH for v in verdicts) else 0


def print_verdict(verdict: irp.Assessment) -> None:
    print(f"{verdict.user}: {verdict.likelihood} (score {verdict.score:.1f}, {verdict.events_considered} events)")
    for signal in verdict.signals:
        when = signal.time.strftime("%Y-%m-%d %H:%M:%SZ")
        techniques = ", ".join(signal.techniques)
        print(f"  {when}  {signal.severity!s:<6}  {signal.kind:<22} [{techniques}] {signal.summary}")
    print()


if __name__ == "__main__":
    sys.exit(main())
