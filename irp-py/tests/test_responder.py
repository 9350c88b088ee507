"""The async responder against the embedded connectors, on the bundled demo scenario.

Each test copies the demo's Okta and Office 365 exports and its local directory into a temporary
folder; the SQLite case store is created there. The story: jdoe@example.com is taken over by a
password spray and push bombing, so the run is Confirmed and proposes four containment actions,
three eradication actions and the re-enable at Recovery, then parks at the 72 h monitoring check.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import irp
from conftest import REPO

DEMO = REPO / "scenarios" / "demo"
USER = "jdoe@example.com"
CASE = "4821"
LEAD = "soc.lead@example.com"
CONTAINMENT = ["disable_account", "reset_password", "terminate_sessions", "revoke_tokens"]
ERADICATION = ["delete_inbox_rule", "revoke_grant", "remove_factor"]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    for name in ["okta.ndjson", "o365.ndjson", "directory.json"]:
        shutil.copy(DEMO / name, tmp_path / name)
    return tmp_path


def config(folder: Path) -> dict[str, Any]:
    return {
        "siem": {"type": "files", "paths": [str(folder / "okta.ndjson"), str(folder / "o365.ndjson")]},
        "soar": {"type": "sqlite", "path": str(folder / "cases.sqlite")},
        "idp": {"type": "local", "path": str(folder / "directory.json")},
        "mailbox": {"type": "local", "path": str(folder / "directory.json")},
    }


def journal(folder: Path) -> list[tuple[str, str]]:
    """(idempotency key, status) of every journal entry, in order."""
    with sqlite3.connect(folder / "cases.sqlite") as db:
        return [(k, s) for k, s in db.execute("SELECT idempotency_key, status FROM journal ORDER BY seq")]


def approvals(folder: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(folder / "cases.sqlite") as db:
        return [(a, d) for a, d in db.execute("SELECT approver, decision FROM approvals ORDER BY id")]


def jdoe(folder: Path) -> dict[str, Any]:
    users: list[dict[str, Any]] = json.loads((folder / "directory.json").read_text())["users"]
    return next(u for u in users if u["login"] == USER)


def approve_all(request: irp.ApprovalRequest) -> irp.Decision:
    return irp.Decision.approve_all(request, LEAD, comment="approved by the test")


def run(responder: irp.Responder, **kwargs: Any) -> irp.RunResult:
    args: dict[str, Any] = {"user_id": USER, "case_id": CASE, "alert_group_ids": ["spray-20261116"]}
    args.update(kwargs)
    return asyncio.run(responder.run(**args))


def assert_fully_responded(result: irp.RunResult, folder: Path, interrupted: bool = False) -> None:
    """Confirmed, every action executed once and verified, parked at the monitoring check.

    After an interruption an action may have been re-verified (a verification is a read), or
    verified instead of recorded as succeeded (its outcome was unknown), but never sent twice.
    """
    assert result.outcome == "waiting"
    assert result.phase == "recovery"
    assert result.likelihood == irp.Likelihood.CONFIRMED
    assert result.resume_after is not None and result.resume_after.tzinfo is not None
    kinds = [item["kind"] for item in result.plan]
    assert kinds == CONTAINMENT + ERADICATION + ["enable_account"]
    assert {item["status"] for item in result.plan} == {"verified"}
    entries = journal(folder)
    keys = list(dict.fromkeys(k for k, _ in entries))
    assert len(keys) == 8
    for key in keys:
        statuses = [s for k, s in entries if k == key]
        if interrupted:
            assert statuses.count("started") == 1 and statuses[0] == "started", (key, statuses)
            assert statuses.count("succeeded") <= 1 and statuses[-1] == "verified", (key, statuses)
        else:
            assert statuses == ["started", "succeeded", "verified"], (key, statuses)
    user = jdoe(folder)
    assert user["status"] == "active"  # disabled at Containment, re-enabled at Recovery
    assert [f["kind"] for f in user["factors"]] == ["push"]  # the attacker's TOTP is gone
    assert user["sessions"] == []


def test_a_sync_approver_drives_a_confirmed_run(demo: Path) -> None:
    requests: list[irp.ApprovalRequest] = []
    progress: list[irp.Progress] = []

    def approver(request: irp.ApprovalRequest) -> irp.Decision:
        requests.append(request)
        return approve_all(request)

    responder = irp.Responder(config(demo), approver=approver, state_dir=demo / "state", on_progress=progress.append)
    result = run(responder)

    assert_fully_responded(result, demo)
    assert [[a.kind for a in r.actions] for r in requests] == [CONTAINMENT, ERADICATION, ["enable_account"]]
    first = requests[0]
    assert (first.case_id, first.subject) == (CASE, USER)
    assert isinstance(first.now, datetime) and first.now.tzinfo is not None
    assert first.action_ids == ("a1", "a2", "a3", "a4")
    disable = first.actions[0]
    assert disable.planned_call == "POST /api/v1/users/00un8nOz27vGPuKaGmSa/lifecycle/suspend"
    assert disable.target == "00un8nOz27vGPuKaGmSa"
    assert disable.approvers_required == 1
    assert disable.rationale and disable.expected_post_state and disable.idempotency_key.startswith("irp1-")
    assert "disable_account" in first.plan_markdown or "Disable" in first.plan_markdown
    assert approvals(demo) == [(LEAD, "approved")] * 8
    # Checkpointed after every step, atomically: the file is the result's state, nothing else left.
    assert result.state_path == demo / "state" / f"{CASE}.state.json"
    assert (demo / "state" / f"{CASE}.state.json").read_text() == result.state_json
    assert sorted(p.name for p in (demo / "state").iterdir()) == [f"{CASE}.state.json"]
    assert irp.Runbook.from_json(result.state_json).phase == "recovery"
    kinds = [p.kind for p in progress]
    assert kinds[0] == "run_started"
    assert kinds.count("action_executed") == 8 and kinds.count("action_verified") == 8
    assert all(p.holds for p in progress if p.kind == "action_verified")
    assert {p.phase for p in progress if p.kind == "comment_posted"} >= {"identification", "containment"}
    assert "jdoe@example.com" in result.report_markdown()
    # Without a notifier the user notice is recorded as not sent.
    assert "notify\\_user failed: no notifier configured" in result.report_markdown()
    assert result.report_html().lstrip().lower().startswith("<!doctype html")


def test_an_async_approver_drives_the_same_run_from_an_irp_toml(demo: Path) -> None:
    (demo / "irp.toml").write_text(
        '[run]\nstate_dir = "state"\n\n'
        '[siem]\ntype = "files"\npaths = ["okta.ndjson", "o365.ndjson"]\n\n'
        '[soar]\ntype = "sqlite"\npath = "cases.sqlite"\n\n'
        '[idp]\ntype = "local"\npath = "directory.json"\n\n'
        '[mailbox]\ntype = "local"\npath = "directory.json"\n'
    )
    asked: list[str] = []

    async def approver(request: irp.ApprovalRequest) -> irp.Decision:
        # Really suspends: the decision comes back through the event loop.
        await asyncio.sleep(0.01)
        task = asyncio.current_task()
        asked.append(task.get_name() if task is not None else "")
        return approve_all(request)

    # A path: relative paths in the file resolve against its directory, not the CWD.
    responder = irp.Responder(demo / "irp.toml", approver=approver)
    assert responder.state_dir == demo / "state"
    result = run(responder)

    assert_fully_responded(result, demo)
    assert len(asked) == 3
    assert (demo / "state" / f"{CASE}.state.json").read_text() == result.state_json


def test_a_refusal_executes_nothing(demo: Path) -> None:
    before = (demo / "directory.json").read_bytes()

    def refuse(request: irp.ApprovalRequest) -> irp.Decision:
        return irp.Decision.refuse_all(request, LEAD, "not without talking to John first")

    result = run(irp.Responder(config(demo), approver=refuse))

    assert journal(demo) == []
    assert (demo / "directory.json").read_bytes() == before
    assert [item["kind"] for item in result.plan] == CONTAINMENT + ERADICATION
    assert {item["status"] for item in result.plan} == {"refused"}
    assert approvals(demo) == [(LEAD, "rejected")] * 7


def test_a_partial_decision_runs_only_what_was_approved(demo: Path) -> None:
    def approve_disable(request: irp.ApprovalRequest) -> irp.Decision:
        if "a1" in request.action_ids:
            rest = [i for i in request.action_ids if i != "a1"]
            return irp.Decision(LEAD, approved=["a1"], refused=rest, reason="disable only, for now")
        return irp.Decision.refuse_all(request, LEAD, "no")

    result = run(irp.Responder(config(demo), approver=approve_disable))

    statuses = {item["kind"]: item["status"] for item in result.plan}
    assert statuses["disable_account"] == "verified"
    assert statuses["reset_password"] == "refused"
    assert len({k for k, _ in journal(demo)}) == 1
    assert jdoe(demo)["status"] == "suspended"


def test_self_approval_is_refused_by_the_engine(demo: Path) -> None:
    before = (demo / "directory.json").read_bytes()

    def attacker(request: irp.ApprovalRequest) -> irp.Decision:
        return irp.Decision.approve_all(request, request.subject)

    result = run(irp.Responder(config(demo), approver=attacker))

    assert journal(demo) == []
    assert (demo / "directory.json").read_bytes() == before
    assert [item["kind"] for item in result.plan] == CONTAINMENT + ERADICATION
    assert {item["status"] for item in result.plan} == {"skipped"}
    assert f"a1 not approved: {USER} cannot approve actions on their own account" in result.state_json
    assert jdoe(demo)["status"] == "active"


def test_a_dry_run_changes_nothing(demo: Path) -> None:
    before = (demo / "directory.json").read_bytes()
    asked: list[irp.ApprovalRequest] = []

    def approver(request: irp.ApprovalRequest) -> irp.Decision:
        asked.append(request)
        return approve_all(request)

    responder = irp.Responder(config(demo), approver=approver, state_dir=demo / "state")
    result = run(responder, dry_run=True)

    assert result.outcome == "dry_run"
    assert result.likelihood == irp.Likelihood.CONFIRMED
    assert [item["kind"] for item in result.plan][:4] == CONTAINMENT
    assert {item["status"] for item in result.plan} == {"proposed"}
    assert asked == []
    assert journal(demo) == [] and approvals(demo) == []
    assert (demo / "directory.json").read_bytes() == before
    assert not (demo / "state").exists()
    assert result.state_path is None


def test_a_cancelled_run_resumes_to_the_same_end_without_repeating_an_action(demo: Path) -> None:
    state_dir = demo / "state"
    state_file = state_dir / f"{CASE}.state.json"

    async def cancel_after_first_action() -> None:
        loop = asyncio.get_running_loop()

        def on_progress(progress: irp.Progress) -> None:
            # Called on a runtime thread: cancel the asyncio task from the loop's thread.
            if progress.kind == "action_executed":
                loop.call_soon_threadsafe(task.cancel)

        responder = irp.Responder(config(demo), approver=approve_all, state_dir=state_dir, on_progress=on_progress)
        task = asyncio.ensure_future(responder.run(user_id=USER, case_id=CASE))
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_after_first_action())
    executed_before = {k for k, s in journal(demo) if s == "started"}
    assert 1 <= len(executed_before) < 8, "the run must stop mid-way"
    saved = state_file.read_text()
    assert irp.Runbook.from_json(saved).phase == "containment"

    # A fresh responder (a new process, in practice) continues from the file.
    result = asyncio.run(irp.Responder(config(demo), approver=approve_all, state_dir=state_dir).resume(saved))

    assert_fully_responded(result, demo, interrupted=True)  # every key: started exactly once
    assert state_file.read_text() == result.state_json
    # Starting the case over instead is refused: its state is in the way.
    with pytest.raises(irp.ConfigError, match="resume"):
        run(irp.Responder(config(demo), approver=approve_all, state_dir=state_dir))


def test_an_approver_exception_stops_the_run_and_is_re_raised(demo: Path) -> None:
    def broken(request: irp.ApprovalRequest) -> irp.Decision:
        raise RuntimeError("chat workflow unavailable")

    responder = irp.Responder(config(demo), approver=broken, state_dir=demo / "state")
    with pytest.raises(RuntimeError, match="chat workflow unavailable"):
        run(responder)
    assert journal(demo) == []
    # The request is on record as in flight: resuming asks again.
    saved = (demo / "state" / f"{CASE}.state.json").read_text()
    assert [e.kind for e in irp.Runbook.from_json(saved).pending] == ["request_approval"]
    result = asyncio.run(irp.Responder(config(demo), approver=approve_all).resume(saved))
    assert_fully_responded(result, demo)


def test_an_on_progress_exception_stops_the_run_at_its_next_step(demo: Path) -> None:
    def on_progress(progress: irp.Progress) -> None:
        if progress.kind == "phase_started" and progress.phase == "containment":
            raise KeyError("dashboard down")

    responder = irp.Responder(config(demo), approver=approve_all, state_dir=demo / "state", on_progress=on_progress)
    with pytest.raises(KeyError, match="dashboard down"):
        run(responder)
    assert journal(demo) == []
    saved = (demo / "state" / f"{CASE}.state.json").read_text()
    result = asyncio.run(irp.Responder(config(demo), approver=approve_all).resume(saved))
    assert_fully_responded(result, demo)


def test_an_approver_must_answer_with_a_decision(demo: Path) -> None:
    def wrong_type(request: irp.ApprovalRequest) -> Any:
        return True

    with pytest.raises(TypeError, match=r"irp\.Decision, not `bool`"):
        run(irp.Responder(config(demo), approver=wrong_type))
    assert journal(demo) == []


def test_a_decision_must_name_requested_actions(demo: Path) -> None:
    async def unknown_action(request: irp.ApprovalRequest) -> irp.Decision:
        return irp.Decision(LEAD, approved=["a99"])

    with pytest.raises(ValueError, match="a99, which is not in the request"):
        run(irp.Responder(config(demo), approver=unknown_action))
    assert journal(demo) == []


def test_decisions_are_checked_when_made() -> None:
    with pytest.raises(ValueError, match="both approved and refused"):
        irp.Decision(LEAD, approved=["a1"], refused=["a1"], reason="x")
    with pytest.raises(ValueError, match="reason"):
        irp.Decision(LEAD, refused=["a1"])
    with pytest.raises(ValueError, match="approver"):
        irp.Decision(" ", approved=["a1"])
    decision = irp.Decision(LEAD, approved=["a1", "a2"], refused=["a3"], reason="later", comment="ok")
    assert (decision.approved, decision.refused, decision.reason, decision.comment) == (("a1", "a2"), ("a3",), "later", "ok")
    assert decision == irp.Decision(LEAD, approved=("a1", "a2"), refused=("a3",), reason="later", comment="ok")
    with pytest.raises(AttributeError):
        decision.approver = "x"  # type: ignore[misc]


def test_toml_text_resolves_against_the_cwd_and_may_carry_the_policy(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo)
    text = (
        '[policy]\nwindow_hours = 24\n\n'
        '[siem]\ntype = "files"\npaths = ["okta.ndjson", "o365.ndjson"]\n'
        '[soar]\ntype = "sqlite"\npath = "cases.sqlite"\n'
        '[idp]\ntype = "local"\npath = "directory.json"\n'
    )
    responder = irp.Responder(text, approver=approve_all)
    assert responder.policy.window_hours == 24 and responder.state_dir is None
    assert (demo / "cases.sqlite").exists()
    # An explicit policy wins over the file's.
    assert irp.Responder(text, approver=approve_all, policy={"window_hours": 48}).policy.window_hours == 48
    with pytest.raises(irp.ConfigError, match="not both"):
        irp.Responder('policy_file = "p.toml"\n' + text, approver=approve_all)
    with pytest.raises(irp.PolicyError, match="unknown field `window_hour`"):
        irp.Responder(text.replace("window_hours", "window_hour"), approver=approve_all)


def test_connector_config_errors_are_config_errors(demo: Path) -> None:
    good = config(demo)
    unknown_type = {**good, "idp": {"type": "ldap", "path": "x"}}
    with pytest.raises(irp.ConfigError, match="unknown variant `ldap`") as err:
        irp.Responder(unknown_type, approver=approve_all)
    assert isinstance(err.value, irp.IrpError)
    typo = {**good, "soar": {"type": "sqlite", "file": "x.sqlite"}}
    with pytest.raises(irp.ConfigError, match="unknown field `file`"):
        irp.Responder(typo, approver=approve_all)
    with pytest.raises(irp.ConfigError, match="missing field `siem`"):
        irp.Responder({k: v for k, v in good.items() if k != "siem"}, approver=approve_all)
    with pytest.raises(irp.ConfigError, match="line 2"):
        irp.Responder('[siem]\ntype = "files\n', approver=approve_all)
    (demo / "bad.toml").write_text('[siem]\ntype = "files"\npaths = []\n[soar]\ntype = "sqlite"\npath = "c.sqlite"\n'
                                   '[idp]\ntype = "local"\npath = "directory.json"\n[siems]\n')
    with pytest.raises(irp.ConfigError, match="(?s)bad.toml: TOML parse error at line 10.*unknown field `siems`"):
        irp.Responder(demo / "bad.toml", approver=approve_all)
    with pytest.raises(FileNotFoundError):
        irp.Responder(demo / "missing.toml", approver=approve_all)
    with pytest.raises(TypeError, match="config"):
        irp.Responder(42, approver=approve_all)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="approver"):
        irp.Responder(good, approver="soc.lead")  # type: ignore[arg-type]
    with pytest.raises(irp.ConnectorError, match="unknown event format `splunk`"):
        irp.Responder({**good, "siem": {"type": "files", "paths": [], "format": "splunk"}}, approver=approve_all)


def test_a_connector_that_cannot_be_created_raises_connector_error_with_attributes(demo: Path) -> None:
    missing = {**config(demo), "idp": {"type": "local", "path": str(demo / "nope.json")}}
    with pytest.raises(irp.ConnectorError) as err:
        irp.Responder(missing, approver=approve_all)
    e = err.value
    assert isinstance(e, irp.IrpError) and not isinstance(e, irp.RateLimitedError)
    assert (e.kind, e.operation, e.status) == ("not_found", "local_directory.open", None)
    assert e.retryable is False and e.maybe_executed is False
    assert "nope.json" in str(e)


def test_a_vendor_secret_from_a_missing_env_var_is_a_connector_error(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IRP_TEST_OKTA_TOKEN", raising=False)
    okta = {"type": "okta", "base_url": "https://example.okta.com", "token": {"env": "IRP_TEST_OKTA_TOKEN"}}
    with pytest.raises(irp.ConnectorError, match="environment variable IRP_TEST_OKTA_TOKEN is not set") as err:
        irp.Responder({**config(demo), "idp": okta}, approver=approve_all)
    assert (err.value.kind, err.value.operation, err.value.retryable) == ("invalid", "okta.config", False)
    # A bare string is never taken as a secret.
    with pytest.raises(irp.ConfigError) as config_err:
        irp.Responder({**config(demo), "idp": {**okta, "token": "00abc-secret"}}, approver=approve_all)
    assert "00abc-secret" not in str(config_err.value)


def test_a_playbook_may_hand_over_a_secret_value_but_a_config_file_may_not(demo: Path) -> None:
    # From the SOAR platform's vault, as a value: accepted in a dict, never shown.
    okta = {"type": "okta", "base_url": "https://example.okta.com", "token": {"value": "00abc-vault-secret"}}
    responder = irp.Responder({**config(demo), "idp": okta}, approver=approve_all)
    assert "00abc-vault-secret" not in repr(responder)
    # The same in TOML text (a config file's content) is refused, without echoing it.
    text = (
        "[siem]\ntype = \"files\"\npaths = []\n[soar]\ntype = \"sqlite\"\npath = \"c.sqlite\"\n"
        "[idp]\ntype = \"okta\"\nbase_url = \"https://example.okta.com\"\ntoken = { value = \"00abc-vault-secret\" }\n"
    )
    with pytest.raises(irp.ConfigError, match="written as a value") as err:
        irp.Responder(text, approver=approve_all)
    assert "00abc-vault-secret" not in str(err.value)


# run_many ------------------------------------------------------------------------------------


OTHERS = ["asmith@example.com", "bchen@example.com", "mgarcia@example.com", "kpatel@example.com", "lnguyen@example.com"]


def test_run_many_keeps_the_input_order_and_never_runs_more_than_limit_at_once(demo: Path) -> None:
    # John's case first: its approver waits until the five others are done, which only happens
    # if the incident waiting for a decision does not hold back the ones behind it.
    incidents: list[irp.Incident] = [{"user_id": USER, "case_id": CASE, "alert_group_ids": ["spray-20261116"]}]
    incidents += [{"user_id": user, "case_id": f"case-{i}"} for i, user in enumerate(OTHERS)]
    cases = [i["case_id"] for i in incidents]
    running: set[str] = set()
    peak = 0
    finished: list[str] = []
    progress: list[irp.Progress] = []
    asked: list[tuple[str, str]] = []

    async def main() -> list[irp.RunResult | BaseException]:
        loop = asyncio.get_running_loop()
        others_done = asyncio.Event()

        def on_progress(event: irp.Progress) -> None:
            # Called on a runtime thread, one event at a time.
            nonlocal peak
            progress.append(event)
            if event.kind == "run_started":
                running.add(event.case_id)
                peak = max(peak, len(running))
            elif event.kind in ("run_finished", "run_waiting"):
                running.remove(event.case_id)
                finished.append(event.case_id)
                if len(finished) == len(OTHERS) and CASE not in finished:
                    loop.call_soon_threadsafe(others_done.set)

        async def refuse(request: irp.ApprovalRequest) -> irp.Decision:
            asked.append((request.case_id, request.subject))
            await asyncio.wait_for(others_done.wait(), timeout=60)
            return irp.Decision.refuse_all(request, LEAD, "not without talking to John first")

        responder = irp.Responder(config(demo), approver=refuse, state_dir=demo / "state", on_progress=on_progress)
        return await responder.run_many(incidents, limit=2)

    results = asyncio.run(main())

    assert [r.case_id for r in results if isinstance(r, irp.RunResult)] == cases
    assert [r.user_id for r in results if isinstance(r, irp.RunResult)] == [USER] + OTHERS
    # Two at a time (John's and one other), never more; John's ended last, at the monitoring check.
    assert peak == 2 and running == set()
    assert finished[-1] == CASE and sorted(finished) == sorted(cases)
    john = results[0]
    assert isinstance(john, irp.RunResult) and john.outcome == "waiting"
    assert [p.phase for p in progress if p.kind == "run_waiting"] == ["recovery"]
    assert [item["kind"] for item in john.plan] == CONTAINMENT + ERADICATION
    assert {item["status"] for item in john.plan} == {"refused"}
    for result in results:
        assert isinstance(result, irp.RunResult)
        assert (demo / "state" / f"{result.case_id}.state.json").read_text() == result.state_json
    assert [(r.outcome, r.plan) for r in results[1:] if isinstance(r, irp.RunResult)] == [("closed_no_action", [])] * 5
    # Every approval request and progress event says which incident it is about.
    assert asked == [(CASE, USER), (CASE, USER)]
    started = [p.case_id for p in progress if p.kind == "run_started"]
    assert set(started[:2]) == {CASE, "case-0"} and sorted(started) == sorted(cases)
    assert {(p.case_id, p.user_id) for p in progress} == set(zip(cases, [USER] + OTHERS))
    assert journal(demo) == []
    assert approvals(demo) == [(LEAD, "rejected")] * 7


def test_run_many_one_failing_incident_leaves_the_others_intact(demo: Path) -> None:
    state_dir = demo / "state"
    state_dir.mkdir()
    (state_dir / "77.state.json").write_text("{}")

    def on_progress(event: irp.Progress) -> None:
        if event.case_id == "2" and event.kind == "phase_started" and event.phase == "identification":
            raise KeyError("dashboard down")

    async def approver(request: irp.ApprovalRequest) -> irp.Decision:
        await asyncio.sleep(0.01)
        return approve_all(request)

    incidents: list[Any] = [
        {"user_id": USER, "case_id": CASE, "alert_group_ids": ["spray-20261116"]},
        {"user_id": "asmith@example.com", "case_id": "2"},
        {"user_id": "bchen@example.com", "case_id": "3"},
        {"user_id": " ", "case_id": "4"},
        {"user_id": "kpatel@example.com", "case_id": CASE},
        "jdoe@example.com",
        {"user_id": "kpatel@example.com", "case_id": "5", "alert_group_id": ["typo"]},
        {"user_id": "kpatel@example.com", "case_id": "77"},
        {"case_id": "6"},
        {"user_id": "kpatel@example.com", "case_id": "7", "dry_run": "no"},
        {"user_id": " ASmith@Example.com", "case_id": "8"},
    ]
    responder = irp.Responder(config(demo), approver=approver, state_dir=state_dir, on_progress=on_progress)
    results = asyncio.run(responder.run_many(incidents, limit=2))

    assert len(results) == len(incidents)
    first, failed, benign = results[:3]
    assert isinstance(first, irp.RunResult)
    assert_fully_responded(first, demo)
    assert isinstance(failed, KeyError) and "dashboard down" in str(failed)
    saved = irp.Runbook.from_json((state_dir / "2.state.json").read_text())
    assert saved.phase == "identification" and saved.pending
    assert isinstance(benign, irp.RunResult) and benign.outcome == "closed_no_action"
    assert (state_dir / "3.state.json").read_text() == benign.state_json
    expected: list[tuple[type[BaseException], str]] = [
        (ValueError, r"^incidents\[3\]: user_id and case_id must not be empty$"),
        (ValueError, r"^incidents\[4\]: case 4821 is already in this run_many"),
        (TypeError, r"^incidents\[5\]: expected a dict with the keyword arguments of run\(\), found `str`$"),
        (TypeError, r"^incidents\[6\]: unexpected key 'alert_group_id'$"),
        (irp.ConfigError, r"77\.state\.json exists: a run for case 77 was started before"),
        (TypeError, r"^incidents\[8\]: missing key 'user_id'$"),
        (TypeError, r"^incidents\[9\]: dry_run: expected a bool"),
        (ValueError, r"^incidents\[10\]: user asmith@example\.com is already in this run_many \(two open cases"),
    ]
    assert len(expected) == len(results) - 3
    for result, (kind, pattern) in zip(results[3:], expected):
        assert type(result) is kind, result
        assert re.search(pattern, str(result)), str(result)
    assert (state_dir / "77.state.json").read_text() == "{}"
    assert sorted(p.name for p in state_dir.iterdir()) == ["2.state.json", "3.state.json", "4821.state.json", "77.state.json"]


def test_run_many_returns_a_parked_incident_without_holding_back_the_others(demo: Path) -> None:
    notified: list[tuple[str, str]] = []
    started: list[str] = []

    async def notifier(user_id: str, message: str) -> None:
        await asyncio.sleep(0.01)
        notified.append((user_id, message))

    def on_progress(event: irp.Progress) -> None:
        if event.kind == "run_started":
            started.append(event.case_id)

    incidents: list[irp.Incident] = [{"user_id": USER, "case_id": CASE, "alert_group_ids": ["spray-20261116"]}]
    incidents += [{"user_id": user, "case_id": f"case-{i}"} for i, user in enumerate(OTHERS[:3])]
    responder = irp.Responder(
        config(demo), approver=approve_all, state_dir=demo / "state", notifier=notifier, on_progress=on_progress
    )

    async def main() -> list[irp.RunResult | BaseException]:
        # One at a time: the parked first incident must free its slot, not wait 72 hours.
        return await asyncio.wait_for(responder.run_many(incidents, limit=1), timeout=120)

    results = asyncio.run(main())

    parked = results[0]
    assert isinstance(parked, irp.RunResult)
    assert_fully_responded(parked, demo)
    assert "User notified: yes." in parked.report_markdown()
    assert [(r.case_id, r.outcome) for r in results[1:] if isinstance(r, irp.RunResult)] == [
        ("case-0", "closed_no_action"),
        ("case-1", "closed_no_action"),
        ("case-2", "closed_no_action"),
    ]
    assert started == [CASE, "case-0", "case-1", "case-2"]
    # Only the incident that reached Recovery notifies its user, once.
    assert len(notified) == 1 and notified[0][0] == USER
    assert "case 4821" in notified[0][1] and "password" in notified[0][1]
    assert sorted(p.name for p in (demo / "state").iterdir()) == [
        f"{CASE}.state.json", "case-0.state.json", "case-1.state.json", "case-2.state.json"
    ]


def test_run_many_checks_its_arguments(demo: Path) -> None:
    responder = irp.Responder(config(demo), approver=approve_all)

    async def main() -> None:
        assert await responder.run_many([]) == []
        with pytest.raises(ValueError, match="limit must be at least 1"):
            await responder.run_many([{"user_id": USER, "case_id": CASE}], limit=0)

    asyncio.run(main())
    assert journal(demo) == []


# notifier ------------------------------------------------------------------------------------


def test_a_notifier_delivers_the_user_notice(demo: Path) -> None:
    notified: list[tuple[str, str]] = []

    def notifier(user_id: str, message: str) -> None:
        notified.append((user_id, message))

    result = run(irp.Responder(config(demo), approver=approve_all, notifier=notifier))

    assert_fully_responded(result, demo)
    assert notified == [(USER, notified[0][1])] and "case 4821" in notified[0][1]
    report = result.report_markdown()
    assert "User notified: yes." in report and "no notifier configured" not in report
    with pytest.raises(TypeError, match="notifier"):
        irp.Responder(config(demo), approver=approve_all, notifier="mail")  # type: ignore[arg-type]


def test_a_notifier_connector_error_fails_the_notice_and_the_run_goes_on(demo: Path) -> None:
    calls: list[str] = []

    async def notifier(user_id: str, message: str) -> None:
        calls.append(user_id)
        raise irp.ConnectorError("smtp relay down")

    result = run(irp.Responder(config(demo), approver=approve_all, notifier=notifier))

    assert_fully_responded(result, demo)
    assert calls == [USER]
    report = result.report_markdown()
    assert "User notified: no." in report
    assert "notify\\_user failed: notifier: server error: smtp relay down" in report


def test_a_notifier_exception_stops_the_run_and_resume_notifies_again(demo: Path) -> None:
    calls: list[str] = []

    def notifier(user_id: str, message: str) -> None:
        calls.append(user_id)
        if len(calls) == 1:
            raise RuntimeError("mail API key revoked")

    state_dir = demo / "state"
    responder = irp.Responder(config(demo), approver=approve_all, state_dir=state_dir, notifier=notifier)
    with pytest.raises(RuntimeError, match="mail API key revoked"):
        run(responder)
    saved = (state_dir / f"{CASE}.state.json").read_text()
    # Every action ran and was verified; the notice is still in flight in the saved state.
    assert [e.kind for e in irp.Runbook.from_json(saved).pending] == ["notify_user", "start_monitoring"]
    assert sorted({s for _, s in journal(demo)}) == ["started", "succeeded", "verified"]

    result = asyncio.run(responder.resume(saved))

    assert_fully_responded(result, demo)
    assert calls == [USER, USER]
    assert "User notified: yes." in result.report_markdown()
