"""The sans-IO runbook driven from Python, the way a SOAR playbook would drive it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import irp
from conftest import REPO

USER = "alice@example.com"
T0 = datetime(2024, 5, 20, 15, 0, tzinfo=timezone.utc)  # after the scenario's impossible travel
EVENTS = REPO / "tests" / "scenarios" / "impossible_travel" / "okta.jsonl"
ROLES = ["siem", "case_store", "identity_provider", "mailbox"]


@dataclass
class World:
    """A scripted tenant: answers every effect; records what was run."""

    now: datetime = T0
    approve: Callable[[irp.Runbook, irp.Effect, datetime], None] | None = None
    execute: Callable[[irp.Effect], dict[str, Any]] | None = None
    issued: list[irp.Effect] = field(default_factory=list)
    executed_keys: list[str] = field(default_factory=list)

    def answer(self, rb: irp.Runbook, effect: irp.Effect) -> None:
        self.issued.append(effect)
        self.now += timedelta(minutes=1)
        kind, now = effect.kind, self.now
        if kind == "search_events":
            rb.resolve_events(effect.id, EVENTS, now=now)
        elif kind == "check_monitoring":
            rb.resolve_events(effect.id, [], now=now)
        elif kind == "request_approval":
            if self.approve is None:
                rb.approve(effect.id, "bob@example.com", now=now)
            else:
                self.approve(rb, effect, now)
        elif kind == "execute_action":
            self.executed_keys.append(effect.args["action"]["idempotency_key"])
            rb.resolve(effect.id, self.execute(effect) if self.execute else {"outcome": "executed"}, now=now)
        else:
            rb.resolve(effect.id, self.outcome(effect), now=now)

    @staticmethod
    def outcome(effect: irp.Effect) -> dict[str, Any]:
        kind = effect.kind
        if kind == "check_connectors":
            return {"outcome": "readiness", "connectors": [{"role": r, "vendor": "fake", "ready": True} for r in ROLES]}
        if kind == "fetch_case":
            return {"outcome": "case", "case": {"id": "case-42", "title": "Impossible travel"}}
        if kind in ("find_duplicate_cases", "find_related_cases"):
            return {"outcome": "cases", "cases": []}
        if kind == "lookup_user":
            return {"outcome": "user", "user": {"id": "00u1alice", "login": USER, "status": "ACTIVE"}}
        if kind == "lookup_entity":
            return {"outcome": "entity", "summary": {"risk": 12}}
        if kind == "post_comment":
            return {"outcome": "comment_posted", "comment_id": f"c{effect.id}"}
        if kind == "verify_action":
            return {"outcome": "verification", "holds": True}
        if kind == "list_persistence":
            return {"outcome": "persistence", "items": []}
        if kind in ("notify_user", "start_monitoring"):
            return {"outcome": "done"}
        raise AssertionError(f"unscripted effect {effect!r}")

    def kinds(self) -> list[str]:
        return [e.kind for e in self.issued]


def new_runbook(dry_run: bool = False, policy: Any = None) -> irp.Runbook:
    return irp.Runbook(
        user_id=USER,
        case_id="case-42",
        alert_group_ids=["impossible_travel:alice"],
        initial_alert_details={"rule": "impossible travel", "at": T0 - timedelta(minutes=30)},
        policy=policy,
        dry_run=dry_run,
        now=T0,
    )


def drive(rb: irp.Runbook, world: World, resume_every_step: bool = False) -> tuple[irp.Runbook, dict[str, Any]]:
    for _ in range(500):
        effect = rb.next_effect(now=world.now)
        if effect is None:
            summary = rb.summary()
            assert summary is not None and rb.is_done
            return rb, summary
        world.answer(rb, effect)
        if resume_every_step:
            # As between SOAR playbook blocks: the state is all there is.
            rb = irp.Runbook.from_json(rb.to_json())
    raise AssertionError("the run did not finish")


def test_full_run_contains_verifies_and_documents() -> None:
    world = World()
    rb, summary = drive(new_runbook(), world)
    assert summary["outcome"] == {"outcome": "completed"}
    assert summary["likelihood"] == "high"
    assert rb.likelihood == irp.Likelihood.HIGH
    assessment = rb.assessment
    assert assessment is not None and "impossible_travel" in {s.kind for s in assessment.signals}
    plan = {item["kind"]: item["status"] for item in summary["plan"]}
    assert plan == {
        "disable_account": "verified",
        "reset_password": "verified",
        "terminate_sessions": "verified",
        "revoke_tokens": "verified",
        "enable_account": "verified",
    }
    # Each action ran exactly once, and every phase was documented in the case.
    assert len(world.executed_keys) == len(set(world.executed_keys)) == 5
    commented = {e.phase for e in world.issued if e.kind == "post_comment"}
    assert {"identification", "containment", "eradication", "recovery", "lessons_learned"} <= commented
    assert rb.phase == "closed"
    assert USER in rb.report_markdown()
    assert "<svg" in rb.report_html()


def test_dry_run_plans_without_approving_executing_or_writing() -> None:
    world = World()
    rb, summary = drive(new_runbook(dry_run=True), world)
    assert summary["outcome"] == {"outcome": "dry_run"}
    assert not {"request_approval", "execute_action", "post_comment"} & set(world.kinds())
    planned = {item["kind"]: item["planned_call"] for item in rb.plan()}
    assert planned["disable_account"] == "POST /api/v1/users/00u1alice/lifecycle/suspend"
    assert "reset_password" in planned


def test_self_approval_never_executes() -> None:
    def alice_approves_herself(rb: irp.Runbook, effect: irp.Effect, now: datetime) -> None:
        rb.approve(effect.id, USER, now=now)

    world = World(approve=alice_approves_herself)
    _, summary = drive(new_runbook(), world)
    assert "execute_action" not in world.kinds()
    assert all(item["status"] != "verified" for item in summary["plan"])


def test_refusal_never_executes() -> None:
    def bob_refuses(rb: irp.Runbook, effect: irp.Effect, now: datetime) -> None:
        rb.refuse(effect.id, "bob@example.com", "business critical", now=now)

    world = World(approve=bob_refuses)
    _, summary = drive(new_runbook(), world)
    assert "execute_action" not in world.kinds()
    assert {item["status"] for item in summary["plan"]} == {"refused"}


def test_an_action_that_may_have_been_applied_is_verified_not_resent() -> None:
    def timeout_once(effect: irp.Effect) -> dict[str, Any]:
        if effect.args["action"]["kind"]["kind"] == "disable_account":
            return {"outcome": "failed", "failure": {"message": "timeout after sending", "may_have_been_applied": True}}
        return {"outcome": "executed"}

    world = World(execute=timeout_once)
    drive(new_runbook(), world)
    disables = [
        e.kind
        for e in world.issued
        if e.kind in ("execute_action", "verify_action") and e.args["action"]["kind"]["kind"] == "disable_account"
    ]
    assert disables == ["execute_action", "verify_action"]


def test_resuming_from_json_at_every_step_gives_the_same_run() -> None:
    straight = World()
    _, expected = drive(new_runbook(), straight)
    resumed = World()
    rb, summary = drive(new_runbook(), resumed, resume_every_step=True)
    assert summary == expected
    assert resumed.executed_keys == straight.executed_keys
    assert irp.Runbook.from_json(rb.to_json()) == rb


def test_effects_are_typed_and_immutable() -> None:
    rb = new_runbook()
    effect = rb.next_effect(now=T0)
    assert effect is not None
    assert (effect.id, effect.kind, effect.phase, effect.attempt) == (effect.id, "check_connectors", "preparation", 1)
    assert effect.issued_at == T0 and effect.not_before is None
    assert effect.expected_outcome == "readiness"
    assert "effect" not in effect.args and effect.to_dict()["kind"]["effect"] == "check_connectors"
    assert rb.pending == [effect]
    assert rb.next_effect(now=T0) == effect  # still awaiting its outcome
    with pytest.raises(AttributeError):
        effect.kind = "execute_action"  # type: ignore[misc]
    assert repr(effect).startswith(f"Effect(id={effect.id}, kind='check_connectors'")


def test_engine_refusals_leave_the_state_unchanged() -> None:
    rb = new_runbook()
    effect = rb.next_effect(now=T0)
    assert effect is not None
    before = rb.to_json()
    with pytest.raises(irp.InvalidTransitionError, match="expects outcome `readiness`, got `done`"):
        rb.resolve(effect.id, {"outcome": "done"}, now=T0)
    with pytest.raises(irp.InvalidTransitionError, match="is not pending"):
        rb.resolve(999, {"outcome": "done"}, now=T0)
    with pytest.raises(ValueError, match="not a `request_approval`"):
        rb.approve(effect.id, "bob@example.com", now=T0)
    with pytest.raises(ValueError, match="outcome: unknown variant `teleport`"):
        rb.resolve(effect.id, {"outcome": "teleport"}, now=T0)
    assert rb.to_json() == before
    assert issubclass(irp.InvalidTransitionError, irp.IrpError)


def test_times_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="now: naive datetime"):
        irp.Runbook(USER, "case-42", now=datetime(2024, 5, 20, 15, 0))
    rb = irp.Runbook(USER, "case-42", now="2024-05-20T17:00:00+02:00")
    assert rb.incident()["started_at"] == "2024-05-20T15:00:00Z"


def test_bad_saved_state_is_refused() -> None:
    with pytest.raises(irp.IrpError, match="runbook state"):
        irp.Runbook.from_json("{}")
    state = json.loads(new_runbook().to_json())
    state["schema_version"] = 999
    with pytest.raises(irp.IrpError, match="schema_version 999 is not supported"):
        irp.Runbook.from_json(json.dumps(state))


def test_analyst_decision_raises_the_likelihood() -> None:
    rb = new_runbook()
    rb.record_decision("soc-lead@example.com", irp.Likelihood.CONFIRMED, "user was not travelling", now=T0)
    world = World()
    rb, summary = drive(rb, world)
    assert summary["likelihood"] == "confirmed"
    assert rb.likelihood == irp.Likelihood.CONFIRMED
