"""The end-to-end incident scenarios of tests/scenarios (see its README), through Python.

The same files and expectations as the CLI's tests/cli_assess.rs: the binding must give the
same verdicts, and, when the `irp` binary is built, byte-identical JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import irp
from conftest import REPO

SCENARIOS = REPO / "tests" / "scenarios"

CASES = [
    # (folder, files, victim, likelihood, kinds that must be present)
    ("impossible_travel", ["okta.jsonl"], "alice@example.com", irp.Likelihood.HIGH, {"impossible_travel", "new_country"}),
    ("password_spray", ["okta.jsonl"], "alice@example.com", irp.Likelihood.HIGH, {"password_spray_success"}),
    ("mfa_fatigue", ["okta.jsonl"], "alice@example.com", irp.Likelihood.HIGH, {"mfa_fatigue"}),
    ("session_hijack", ["okta.jsonl"], "alice@example.com", irp.Likelihood.HIGH, {"session_hijack"}),
    (
        "takeover",
        ["entra_signins.json", "o365.jsonl"],
        "erin@contoso.com",
        irp.Likelihood.CONFIRMED,
        {"new_country", "forwarding_rule", "oauth_grant"},
    ),
]


def _paths(folder: str, files: list[str]) -> list[Path]:
    return [SCENARIOS / folder / name for name in files]


@pytest.mark.parametrize(("folder", "files", "victim", "likelihood", "kinds"), CASES, ids=[c[0] for c in CASES])
def test_victim_verdict(folder: str, files: list[str], victim: str, likelihood: irp.Likelihood, kinds: set[str]) -> None:
    verdict = irp.assess(_paths(folder, files), user=victim)
    assert verdict.likelihood == likelihood, verdict.to_json(indent=2)
    assert kinds <= {s.kind for s in verdict.signals}, verdict.to_json(indent=2)


@pytest.mark.parametrize(("folder", "files", "victim", "likelihood", "kinds"), CASES, ids=[c[0] for c in CASES])
def test_everyone_else_is_low(folder: str, files: list[str], victim: str, likelihood: irp.Likelihood, kinds: set[str]) -> None:
    everyone = irp.assess(_paths(folder, files))
    assert everyone[0].user == victim
    assert all(a.likelihood == irp.Likelihood.LOW for a in everyone[1:]), [repr(a) for a in everyone]


def test_mfa_fatigue_technique() -> None:
    verdict = irp.assess(_paths("mfa_fatigue", ["okta.jsonl"]), user="alice@example.com")
    fatigue = next(s for s in verdict.signals if s.kind == "mfa_fatigue")
    assert fatigue.techniques[0] == "T1621"


def test_takeover_correlation_names_the_attacker_ip() -> None:
    verdict = irp.assess(_paths("takeover", ["entra_signins.json", "o365.jsonl"]), user="erin@contoso.com")
    chain = [c for c in verdict.breakdown if c.reason.startswith("correlation")]
    assert chain and "203.0.113.66" in chain[0].reason
    assert chain[0].kind is None
    assert verdict.score >= 90.0


def test_benign_traveller_with_trusted_vpn_is_low() -> None:
    policy = irp.Policy.from_toml((SCENARIOS / "benign" / "policy.toml").read_text())
    assert policy.trusted_networks
    verdict = irp.assess(SCENARIOS / "benign" / "okta.jsonl", user="Dana.Park@Example.com", policy=policy)
    assert verdict.user == "dana.park@example.com"
    assert verdict.likelihood == irp.Likelihood.LOW
    assert all(s.severity < irp.Severity.HIGH for s in verdict.signals)
    assert verdict.events_considered > 50


def _irp_binary() -> Path | None:
    # Only an explicitly named binary: a stale target/debug/irp would compare against old code.
    named = os.environ.get("IRP_BIN")
    return Path(named) if named and os.access(named, os.X_OK) else None


@pytest.mark.skipif(_irp_binary() is None, reason="set IRP_BIN to a freshly built `irp` binary (scripts/test-python.sh does)")
@pytest.mark.parametrize(("folder", "files", "victim", "likelihood", "kinds"), CASES, ids=[c[0] for c in CASES])
def test_json_is_byte_identical_to_the_cli(
    folder: str, files: list[str], victim: str, likelihood: irp.Likelihood, kinds: set[str]
) -> None:
    binary = _irp_binary()
    assert binary is not None
    paths = [str(p) for p in _paths(folder, files)]
    cli = subprocess.run(
        [str(binary), "assess", "--json", "--user", victim, *paths], capture_output=True, text=True, check=True
    )
    assert cli.stdout.strip() == irp.assess(paths, user=victim).to_json()
    everyone = subprocess.run([str(binary), "assess", "--json", *paths], capture_output=True, text=True, check=True)
    assert [json.loads(line) for line in everyone.stdout.splitlines()] == [a.to_dict() for a in irp.assess(paths)]
