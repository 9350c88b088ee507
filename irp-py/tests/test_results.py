"""The verdict on real attack data, and the shape of the result objects."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import irp
from conftest import ATTACK_UNTIL, SCENARIOS, VICTIM

SUCCESS_FROM_FRANCE = "d251ee38-0d2a-4798-9f9f-5b77f110bde9"


@pytest.fixture
def verdict(attack_files: list[Path]) -> irp.Assessment:
    return irp.assess(attack_files, user=VICTIM)


def test_brute_force_success_then_an_admin_grant_is_confirmed(verdict: irp.Assessment) -> None:
    assert verdict.user == VICTIM
    assert verdict.likelihood == irp.Likelihood.CONFIRMED
    assert verdict.score == 100.0
    assert [s.kind for s in verdict.signals] == ["new_country", "brute_force_success", "privilege_grant"]
    brute = verdict.signals[1]
    assert brute.severity == irp.Severity.HIGH
    assert "T1110.001" in brute.techniques
    # Nine failures from four IPs, then the success from France, which is the decisive event.
    assert len(brute.events) == 10
    assert brute.events[-1] == SUCCESS_FROM_FRANCE
    assert brute.time == datetime(2021, 6, 25, 21, 41, 3, 490000, tzinfo=timezone.utc)
    assert verdict.signals[0].events == (SUCCESS_FROM_FRANCE,)


def test_the_grant_belongs_to_the_account_that_made_it(verdict: irp.Assessment) -> None:
    # The taken-over account granted the admin role; the grantee is named, not blamed.
    grant = verdict.signals[2]
    assert (grant.kind, grant.severity) == ("privilege_grant", irp.Severity.HIGH)
    assert grant.events == ("a87a0528-68e2-4500-a82c-de27f161f2f3",)
    assert grant.time == datetime(2021, 6, 26, 21, 27, 3, 490000, tzinfo=timezone.utc)
    assert "to thomas12223391@gmail.com" in grant.summary
    everything = sorted(SCENARIOS.glob("okta-add-administrator__*.jsonl"))
    grantee = irp.assess(everything, user="thomas12223391@gmail.com", until=ATTACK_UNTIL)
    assert (grantee.likelihood, grantee.signals) == (irp.Likelihood.LOW, ())


def test_baseline_logins_alone_are_low() -> None:
    legit = irp.assess(SCENARIOS / "okta-add-administrator__legit_login.jsonl", user=VICTIM)
    assert legit.likelihood == irp.Likelihood.LOW
    # Five records sharing one uuid on five days: five sign-ins (a duplicate has the same id
    # *and* time).
    assert legit.events_considered == 5


def test_until_assesses_as_of_the_alert(attack_files: list[Path], verdict: irp.Assessment) -> None:
    everything = sorted(SCENARIOS.glob("okta-add-administrator__*.jsonl"))
    assert len(everything) == 4
    as_of_alert = irp.assess(everything, user=VICTIM, until=ATTACK_UNTIL)
    assert as_of_alert == verdict
    same_as_datetime = irp.assess(everything, user=VICTIM, until=datetime(2021, 6, 27, 2, 0, tzinfo=timezone(timedelta(hours=2))))
    assert same_as_datetime == verdict


def test_since_drops_earlier_events(attack_files: list[Path]) -> None:
    # Only the last failure (21:36), the success (21:41) and the next day's grant are left:
    # too few failures for brute force, and no baseline to call France new.
    late = irp.assess(attack_files, user=VICTIM, since="2021-06-25T21:35:00Z")
    assert late.events_considered == 3
    assert [s.kind for s in late.signals] == ["privilege_grant"]


def test_all_users_sorted_by_score(attack_files: list[Path]) -> None:
    files = [*attack_files, SCENARIOS / "compromised-root-creds__victim_okta.jsonl"]
    everyone = irp.assess(files)
    assert isinstance(everyone, list)
    # The privilege grant belongs to the account that made it, so its grantee has no events.
    assert {a.user for a in everyone} == {VICTIM, "tracey.stone@acme.io"}
    scores = [a.score for a in everyone]
    assert scores == sorted(scores, reverse=True)
    assert everyone[0].user == VICTIM
    assert everyone[0] == irp.assess(files, user=VICTIM)


def test_results_are_immutable(verdict: irp.Assessment) -> None:
    with pytest.raises(AttributeError):
        verdict.likelihood = irp.Likelihood.LOW  # type: ignore[misc]
    with pytest.raises(AttributeError):
        verdict.signals[0].summary = "nothing to see"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        verdict.extra = 1  # type: ignore[attr-defined]
    assert isinstance(verdict.signals, tuple)
    assert isinstance(verdict.breakdown, tuple)
    assert isinstance(verdict.signals[0].techniques, tuple)
    with pytest.raises(TypeError):
        irp.Assessment()


def test_signal_time_is_timezone_aware(verdict: irp.Assessment) -> None:
    for signal in verdict.signals:
        assert signal.time.tzinfo is not None
        assert signal.time.utcoffset() == timedelta(0)


def test_breakdown_adds_up_to_the_score(verdict: irp.Assessment) -> None:
    assert verdict.breakdown
    assert all(c.reason for c in verdict.breakdown)
    assert {c.kind for c in verdict.breakdown if c.kind} <= {s.kind for s in verdict.signals}
    assert sum(c.points for c in verdict.breakdown) == pytest.approx(verdict.score, abs=0.15)


def test_json_follows_the_cli_contract(verdict: irp.Assessment) -> None:
    data = json.loads(verdict.to_json())
    assert list(data)[:5] == ["user", "likelihood", "score", "signals", "events_considered"]
    assert data["user"] == VICTIM
    assert data["likelihood"] == verdict.likelihood.value == str(verdict.likelihood)
    assert data["score"] == verdict.score
    assert data["events_considered"] == verdict.events_considered
    assert len(data["signals"]) == len(verdict.signals)
    for as_json, signal in zip(data["signals"], verdict.signals):
        assert {"kind", "severity", "techniques", "summary", "events"} <= set(as_json)
        assert as_json["kind"] == signal.kind
        assert as_json["severity"] == signal.severity.value
        assert as_json["techniques"] == list(signal.techniques)
        assert as_json["events"] == list(signal.events)
        assert datetime.fromisoformat(as_json["time"].replace("Z", "+00:00")) == signal.time
    assert verdict.to_dict() == data
    assert json.loads(verdict.to_json(indent=2)) == data
    assert "\n  " in verdict.to_json(indent=2)


def test_likelihood_is_an_ordered_enum() -> None:
    order = [irp.Likelihood.LOW, irp.Likelihood.MEDIUM, irp.Likelihood.HIGH, irp.Likelihood.CONFIRMED]
    assert sorted(reversed(order)) == order
    assert [int(level) for level in order] == [0, 1, 2, 3]
    assert [str(level) for level in order] == ["low", "medium", "high", "confirmed"]
    assert [level.name for level in order] == ["LOW", "MEDIUM", "HIGH", "CONFIRMED"]
    assert [level.value for level in order] == ["low", "medium", "high", "confirmed"]
    assert irp.Likelihood.parse("High") == irp.Likelihood.HIGH
    assert len({*order, irp.Likelihood.HIGH}) == 4
    assert repr(irp.Likelihood.HIGH) == "Likelihood.HIGH"
    with pytest.raises(ValueError, match="unknown likelihood"):
        irp.Likelihood.parse("severe")
    assert irp.Severity.INFO < irp.Severity.HIGH
    assert str(irp.Severity.MEDIUM) == "medium"


def test_repr_is_informative(verdict: irp.Assessment) -> None:
    text = repr(verdict)
    assert text.startswith(f"Assessment(user='{VICTIM}', likelihood=Likelihood.")
    assert "Signal(kind=" in repr(verdict.signals[0])
