"""Shared fixtures: the bundled public sample events (testdata/samples, see SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "testdata" / "samples"
SCENARIOS = SAMPLES / "panther_scenarios"

#: The victim of the okta-add-administrator scenario: normal US logins, then nine failures from
#: four countries, a success from France, and an admin privilege granted from that IP.
VICTIM = "jack.naglieri@runpanther.io"
#: Up to (not including) the follow-up user creation six days later, so the attack is inside the
#: default 96 h window that ends at the user's last event.
ATTACK_UNTIL = "2021-06-27T00:00:00Z"


@pytest.fixture
def attack_files() -> list[Path]:
    """The okta-add-administrator scenario as exported files, baseline first."""
    names = ["legit_login", "brute_force_logins", "admin_privs_assigned"]
    return [SCENARIOS / f"okta-add-administrator__{name}.jsonl" for name in names]


@pytest.fixture
def attack_ndjson(attack_files: list[Path]) -> bytes:
    """The same scenario as one NDJSON export in memory."""
    return b"".join(p.read_bytes() for p in attack_files)


@pytest.fixture
def attack_records(attack_files: list[Path]) -> list[dict[str, Any]]:
    """The same scenario as the dicts a SOAR integration would return from the Okta API."""
    return [json.loads(line) for p in attack_files for line in p.read_text().splitlines() if line.strip()]
