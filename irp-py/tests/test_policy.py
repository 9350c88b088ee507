"""Policies as objects, TOML text and dicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Union

import pytest

import irp
from conftest import VICTIM


def test_default_policy_round_trips() -> None:
    default = irp.Policy.default()
    assert default == irp.Policy()
    assert default.window_hours == 96
    assert default.trusted_networks == ()
    assert irp.Policy.from_toml(default.to_toml()) == default
    assert irp.Policy.from_dict(default.to_dict()) == default


def test_from_toml_overrides_only_given_keys() -> None:
    policy = irp.Policy.from_toml(
        'window_hours = 24\ntrusted_networks = ["192.0.2.0/24"]\nprotected_accounts = ["ceo@example.com"]\n'
    )
    assert policy.window_hours == 24
    assert policy.trusted_networks == ("192.0.2.0/24",)
    assert policy.protected_accounts == ("ceo@example.com",)
    assert policy.to_dict()["score"] == irp.Policy.default().to_dict()["score"]


def test_unknown_key_is_a_policy_error() -> None:
    with pytest.raises(irp.PolicyError, match="window_hour"):
        irp.Policy.from_toml("window_hour = 24")
    with pytest.raises(irp.PolicyError, match="window_hour"):
        irp.Policy.from_dict({"window_hour": 24})
    with pytest.raises(irp.PolicyError):
        irp.Policy.from_dict({"trusted_networks": ["not-an-ip"]})
    assert issubclass(irp.PolicyError, irp.IrpError)


def test_policy_is_immutable() -> None:
    with pytest.raises(AttributeError):
        irp.Policy.default().window_hours = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    "policy",
    [
        None,
        irp.Policy.default(),
        irp.Policy.default().to_toml(),
        "",
        {},
        irp.Policy.default().to_dict(),
    ],
    ids=["none", "object", "toml", "empty-toml", "empty-dict", "dict"],
)
def test_every_policy_form_gives_the_default_verdict(
    attack_files: list[Path], policy: Union[irp.Policy, str, dict[str, Any], None]
) -> None:
    expected = irp.assess(attack_files, user=VICTIM)
    assert irp.assess(attack_files, user=VICTIM, policy=policy) == expected


def test_policy_changes_the_verdict(attack_files: list[Path]) -> None:
    default = irp.assess(attack_files, user=VICTIM)
    assert default.likelihood == irp.Likelihood.CONFIRMED
    # Trusting the attacker's egress (as if it were the corporate VPN) silences the location
    # signal; the failures before the success and the admin grant still confirm it.
    trusted = irp.assess(attack_files, user=VICTIM, policy='trusted_networks = ["194.88.246.0/24"]')
    assert [s.kind for s in trusted.signals] == ["brute_force_success", "privilege_grant"]
    assert trusted.score < default.score or trusted.signals != default.signals
    # Nine failures are below a threshold of ten: no brute-force finding at all.
    lenient = irp.assess(attack_files, user=VICTIM, policy={"detect": {"brute_force_min_failures": 10}})
    assert "brute_force_success" not in {s.kind for s in lenient.signals}
    assert lenient.likelihood < default.likelihood


def test_bad_policy_argument_type() -> None:
    with pytest.raises(TypeError, match="policy: expected a Policy, TOML text or a dict"):
        irp.assess([], policy=3)  # type: ignore[call-overload]
    with pytest.raises(irp.PolicyError):
        irp.assess([], policy="window_hours = 'many'")
