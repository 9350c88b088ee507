"""Every way of handing evidence to `irp.assess` gives the same verdict."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import irp
from conftest import SAMPLES, VICTIM

GRAPH_DOCS = SAMPLES / "msgraph_docs"


def _reference(attack_files: list[Path]) -> irp.Assessment:
    return irp.assess(attack_files, user=VICTIM)


def test_path_str_and_pathlike_agree(attack_files: list[Path], tmp_path: Path, attack_ndjson: bytes) -> None:
    export = tmp_path / "okta.jsonl"
    export.write_bytes(attack_ndjson)
    by_path = irp.assess(export, user=VICTIM)
    by_str = irp.assess(str(export), user=VICTIM)
    assert by_path == by_str
    assert by_path == _reference(attack_files)
    # Ten brute-force attempts, the five baseline logins (the synthetic records share one Okta
    # uuid but not a time: only the same id at the same time is a duplicate) and the admin grant.
    assert by_path.events_considered == 16


def test_gzip_file_is_read_transparently(attack_files: list[Path], tmp_path: Path, attack_ndjson: bytes) -> None:
    export = tmp_path / "okta.jsonl.gz"
    export.write_bytes(gzip.compress(attack_ndjson))
    assert irp.assess(export, user=VICTIM) == _reference(attack_files)


def test_gzip_is_recognised_by_content_not_name(attack_files: list[Path], tmp_path: Path, attack_ndjson: bytes) -> None:
    export = tmp_path / "renamed.log"
    export.write_bytes(gzip.compress(attack_ndjson))
    assert irp.assess(export, user=VICTIM) == _reference(attack_files)


def test_bytes_plain_gzip_and_bytearray(attack_files: list[Path], attack_ndjson: bytes) -> None:
    expected = _reference(attack_files)
    assert irp.assess(attack_ndjson, user=VICTIM) == expected
    assert irp.assess(gzip.compress(attack_ndjson), user=VICTIM) == expected
    assert irp.assess(bytearray(attack_ndjson), user=VICTIM) == expected


def test_list_of_dicts(attack_files: list[Path], attack_records: list[dict[str, Any]]) -> None:
    assert irp.assess(attack_records, user=VICTIM) == _reference(attack_files)


def test_generator_of_dicts_is_consumed_once(attack_files: list[Path], attack_records: list[dict[str, Any]]) -> None:
    pulled = 0

    def page_through() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for record in attack_records:
            pulled += 1
            yield record

    assert irp.assess(page_through(), user=VICTIM) == _reference(attack_files)
    assert pulled == len(attack_records) == 16


def test_many_dicts_stream_to_the_same_result(attack_ndjson: bytes, attack_records: list[dict[str, Any]]) -> None:
    # Several of the 1 MiB parts the dicts are written in while another thread reads them.
    records = attack_records * 1500
    assert len(attack_ndjson) * 1500 > 3 * 1024 * 1024
    from_bytes = irp.assess(attack_ndjson * 1500)
    assert from_bytes and irp.assess(records) == from_bytes
    assert irp.assess(iter(records), threads=1) == from_bytes


def test_the_first_bad_record_in_order_is_the_one_raised(attack_records: list[dict[str, Any]]) -> None:
    unconvertible = {"client": io.BytesIO()}
    not_a_record = {"eventType": "user.session.start", "published": "soon", "actor": {"alternateId": "a@b.c"}}
    many = attack_records * 1500
    # A record that cannot be written as JSON, after many good ones (several parts are read first).
    with pytest.raises(TypeError, match=r"events\[24000\]\.client: cannot convert a `BytesIO`"):
        irp.assess([*many, unconvertible])
    # A record the reader rejects, before one that cannot be written: the reader's error.
    with pytest.raises(irp.ParseError) as caught:
        irp.assess([*many[:10], not_a_record, *many, unconvertible], strict=True)
    assert (caught.value.source, caught.value.line, caught.value.field) == ("<records>", 11, "published")
    # And the other way round.
    with pytest.raises(TypeError, match=r"events\[10\]\.client"):
        irp.assess([*many[:10], unconvertible, *many, not_a_record], strict=True)


def test_an_exception_from_the_iterable_propagates(attack_records: list[dict[str, Any]]) -> None:
    def failing() -> Iterator[dict[str, Any]]:
        yield from attack_records * 1000
        raise RuntimeError("page 3 failed")

    with pytest.raises(RuntimeError, match="page 3 failed"):
        irp.assess(failing())


def test_record_order_does_not_matter(attack_files: list[Path], attack_records: list[dict[str, Any]]) -> None:
    assert irp.assess(tuple(reversed(attack_records)), user=VICTIM) == _reference(attack_files)


def test_explicit_format(attack_files: list[Path]) -> None:
    assert irp.assess(attack_files, user=VICTIM, format="okta") == _reference(attack_files)
    assert irp.assess(attack_files, user=VICTIM, format="OKTA") == _reference(attack_files)


def test_unknown_format_is_a_value_error(attack_files: list[Path]) -> None:
    with pytest.raises(ValueError, match="unknown format `splunk`"):
        irp.assess(attack_files, format="splunk")


def test_unsupported_events_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="events: expected a path"):
        irp.assess(42)  # type: ignore[call-overload]


def test_unconvertible_record_value_names_the_field() -> None:
    with pytest.raises(TypeError, match=r"events\[0\]\.client: cannot convert a `BytesIO`"):
        irp.assess([{"client": io.BytesIO()}])


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.jsonl"):
        irp.assess(tmp_path / "nope.jsonl")


def test_empty_input_gives_no_assessments_or_an_empty_low_one() -> None:
    assert irp.assess([]) == []
    assert irp.assess(b"") == []
    empty = irp.assess([], user="Nobody@Example.com")
    assert (empty.user, empty.likelihood, empty.score, empty.events_considered) == (
        "nobody@example.com",
        irp.Likelihood.LOW,
        0.0,
        0,
    )
    assert empty.signals == ()


def test_graph_page_dict_is_one_document() -> None:
    # A Graph list response as a SOAR integration returns it: `{"@odata.context": ..., "value": [...]}`.
    export = GRAPH_DOCS / "signin-list_example1_response.repaired.json"
    page = json.loads(export.read_text())
    from_dict = irp.assess(page)
    assert [a.user for a in from_dict] == ["testaccount1@contoso.com"]
    assert from_dict == irp.assess(export)


def test_json_array_export() -> None:
    # A recorded Okta /api/v1/logs response: one JSON array, pretty-printed.
    export = SAMPLES / "vets_api_okta" / "okta_connection_logs.consent_grant.json"
    from_file = irp.assess(export)
    assert sum(a.events_considered for a in from_file) == 8
    assert irp.assess(export.read_bytes()) == from_file
    assert irp.assess(json.loads(export.read_text())) == from_file


def test_the_gil_is_released_while_rust_assesses(attack_ndjson: bytes) -> None:
    """A Python thread keeps running while another thread's `irp.assess` parses and detects."""
    import threading
    import time

    big = attack_ndjson * 4000  # ~ tens of thousands of records, a few hundred ms of Rust work
    done = threading.Event()
    took: list[float] = []

    def work() -> None:
        start = time.perf_counter()
        irp.assess(big, user=VICTIM)
        took.append(time.perf_counter() - start)
        done.set()

    ticks: list[float] = []
    worker = threading.Thread(target=work)
    worker.start()
    while not done.is_set():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    assert took and took[0] > 0.05, f"the assessment was too quick to tell ({took})"
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    # Holding the GIL would stall this loop for the whole assessment; released, it never waits
    # for more than a fraction of it.
    assert len(ticks) > 10
    assert max(gaps) < took[0] / 2, f"longest stall {max(gaps):.3f}s of {took[0]:.3f}s"


def test_any_number_of_threads_gives_the_same_result(attack_ndjson: bytes) -> None:
    # Several of the reader's 1 MiB parts, so that the parts really are read on several threads.
    big = attack_ndjson * 2000
    assert len(big) > 3 * 1024 * 1024
    one = irp.assess(big, threads=1)
    assert one and irp.assess(big, threads=2) == one
    assert irp.assess(big, threads=5) == one
    assert irp.assess(big, user=VICTIM, threads=3) == irp.assess(big, user=VICTIM, threads=1)


def test_zero_threads_is_a_value_error(attack_ndjson: bytes) -> None:
    with pytest.raises(ValueError, match="threads"):
        irp.assess(attack_ndjson, threads=0)
