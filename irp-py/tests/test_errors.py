"""One exception hierarchy; parse errors say where; times must be timezone-aware."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import irp
from conftest import SAMPLES, VICTIM

GOOD = (
    '{"uuid": "e1", "published": "2024-05-01T09:00:00.000Z", "eventType": "user.session.start", '
    '"actor": {"id": "00u1", "alternateId": "alice@example.com", "type": "User"}, '
    '"outcome": {"result": "SUCCESS"}, "client": {"ipAddress": "198.51.100.7"}}'
)


def test_hierarchy() -> None:
    for exc in (
        irp.ParseError,
        irp.PolicyError,
        irp.InvalidTransitionError,
        irp.ApprovalRefusedError,
        irp.ConnectorError,
    ):
        assert issubclass(exc, irp.IrpError)
    assert issubclass(irp.RateLimitedError, irp.ConnectorError)
    assert issubclass(irp.IrpError, Exception)
    assert irp.ParseError.__module__ == "irp"


def test_invalid_json_in_a_file_names_file_line_and_column(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    export.write_text(f"{GOOD}\n\n{{not json\n")
    with pytest.raises(irp.ParseError) as caught:
        irp.assess(export)
    err = caught.value
    assert (err.source, err.line, err.column, err.field) == (str(export), 3, 2, None)
    assert str(err).startswith(f"{export}:3:2: invalid JSON")


def test_upstream_invalid_json_is_located() -> None:
    # Microsoft's own docs example has a trailing comma (kept verbatim in the samples).
    export = SAMPLES / "msgraph_docs" / "signin-list_example1_response.verbatim.json.txt"
    with pytest.raises(irp.ParseError, match="trailing comma") as caught:
        irp.assess(export)
    assert (caught.value.source, caught.value.line, caught.value.column) == (str(export), 63, 18)


def test_invalid_field_names_the_field(tmp_path: Path) -> None:
    bad = json.loads(GOOD)
    bad["published"] = "yesterday"
    export = tmp_path / "export.jsonl"
    export.write_text(f"{GOOD}\n{json.dumps(bad)}\n")
    with pytest.raises(irp.ParseError) as caught:
        irp.assess(export, user="alice@example.com", strict=True)
    err = caught.value
    assert (err.source, err.line, err.field) == (str(export), 2, "published")
    assert str(err).startswith(f"{export}:2: field `published`")


def test_unusable_records_are_skipped_with_one_warning_by_default(tmp_path: Path) -> None:
    bad = json.loads(GOOD)
    bad["published"] = "yesterday"
    export = tmp_path / "export.jsonl"
    export.write_text(f"{GOOD}\n{json.dumps(bad)}\n{json.dumps(bad)}\n")
    with pytest.warns(irp.SkippedRecordsWarning) as caught:
        verdict = irp.assess(export, user="alice@example.com")
    assert verdict.events_considered == 1
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message.startswith("2 record(s) skipped")
    assert f"{export}:2: field `published`" in message
    assert issubclass(irp.SkippedRecordsWarning, UserWarning)


def test_errors_in_records_are_located_by_position() -> None:
    good: dict[str, Any] = json.loads(GOOD)
    with pytest.raises(irp.ParseError) as caught:
        irp.assess([good, good, {"hello": "world"}], strict=True)
    err = caught.value
    assert (err.source, err.line) == ("<records>", 3)


def test_errors_in_bytes_are_named_bytes() -> None:
    with pytest.raises(irp.ParseError) as caught:
        irp.assess(b"[1, 2")
    assert caught.value.source == "<bytes>"
    assert caught.value.line == 1


def test_a_bad_source_keeps_nothing_half_read(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    export.write_text(f"{GOOD}\n{{oops\n")
    with pytest.raises(irp.ParseError):
        irp.assess([export], user="alice@example.com")


def test_exceptions_raised_from_python_have_default_attributes() -> None:
    err = irp.ParseError("by hand")
    assert (err.source, err.line, err.column, err.field) == (None, None, None, None)
    conn = irp.RateLimitedError("slow down")
    assert (conn.retryable, conn.maybe_executed, conn.status, conn.retry_after) == (False, True, None, None)


def test_naive_datetime_is_refused(attack_files: list[Path]) -> None:
    with pytest.raises(ValueError, match="until: naive datetime 2021-06-27 00:00:00; pass a timezone-aware one"):
        irp.assess(attack_files, user=VICTIM, until=datetime(2021, 6, 27))
    with pytest.raises(ValueError, match="naive datetime"):
        irp.assess([{"published": datetime(2021, 6, 27)}])


def test_bad_time_string_and_type(attack_files: list[Path]) -> None:
    with pytest.raises(ValueError, match="since: `2021-06-27` is not an RFC 3339 time"):
        irp.assess(attack_files, since="2021-06-27")
    with pytest.raises(TypeError, match="since: expected a timezone-aware datetime or an RFC 3339 string"):
        irp.assess(attack_files, since=1624752000)  # type: ignore[call-overload]
