#!/usr/bin/env bash
# Builds the Python package into a virtualenv and checks it: pytest suite (including JSON parity
# with the `irp` CLI), stub check (mypy.stubtest against the compiled module), strict mypy over
# the package, tests and examples, and the examples on bundled sample data (offline assessment,
# SOAR-style runbook, async responder over the embedded connectors).
#
# Needs only python3 (with venv and pip), cargo, and network access to PyPI and crates.io on
# the first run. Idempotent: the venv and cargo's build cache are reused; the pinned tools are
# reinstalled only when irp-py/requirements-dev.txt changes.
#
#   IRP_VENV=/path/to/venv scripts/test-python.sh [extra pytest args]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

venv="${IRP_VENV:-$root/.venv}"
requirements="irp-py/requirements-dev.txt"

if [ ! -x "$venv/bin/python" ]; then
    echo "==> creating $venv"
    python3 -m venv "$venv"
fi
python="$venv/bin/python"

stamp="$venv/.irp-requirements-dev.txt"
if ! cmp -s "$requirements" "$stamp"; then
    echo "==> installing pinned tools"
    "$python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
fi

echo "==> maturin develop (debug build)"
VIRTUAL_ENV="$venv" "$venv/bin/maturin" develop --quiet -m irp-py/Cargo.toml

echo "==> cargo build --bin irp (for the CLI/binding JSON parity test)"
cargo build --quiet --bin irp
export IRP_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/irp"

echo "==> pytest"
"$python" -m pytest -q irp-py/tests "$@"

echo "==> stubtest"
"$python" -m mypy.stubtest irp._irp

echo "==> mypy --strict (package, tests, examples)"
"$python" -m mypy --strict --no-error-summary \
    irp-py/python/irp irp-py/tests examples/python

echo "==> example: assess_exported_logs.py on the okta-add-administrator attack"
# Exit status 1 means "someone is High or Confirmed", which is what this attack must give.
status=0
output="$("$python" examples/python/assess_exported_logs.py --top 3 --until 2021-06-27T00:00:00Z \
    testdata/samples/panther_scenarios/okta-add-administrator__*.jsonl)" || status=$?
printf '%s\n' "$output" | head -n 12
if [ "$status" -ne 1 ] || ! grep -q '^jack.naglieri@runpanther.io: \(high\|confirmed\)' <<<"$output"; then
    echo "example: expected jack.naglieri@runpanther.io to be high or confirmed (exit 1), got exit $status" >&2
    exit 1
fi

echo "==> example: soar_runbook.py (full run, one effect per block, state through JSON)"
output="$("$python" examples/python/soar_runbook.py --user alice@example.com --case case-42 \
    --events tests/scenarios/impossible_travel/okta.jsonl --now 2024-05-20T15:00:00Z \
    --approve-as bob@example.com)"
printf '%s\n' "$output" | tail -n 7
grep -q '^outcome: completed, likelihood: high$' <<<"$output" || {
    echo "example: expected a completed run at likelihood high" >&2
    exit 1
}

echo "==> example: async_responder.py (embedded connectors on the demo scenario, async approver)"
output="$("$python" examples/python/async_responder.py)"
printf '%s\n' "$output" | tail -n 4
grep -q '^outcome: waiting, likelihood: confirmed$' <<<"$output" && grep -q '^a8 enable_account: verified$' <<<"$output" || {
    echo "example: expected a confirmed run with every action verified, parked at the monitoring check" >&2
    exit 1
}

echo "==> example: async_responder.py --all-users (run_many: one case per demo account, three at a time)"
output="$("$python" examples/python/async_responder.py --all-users)"
printf '%s\n' "$output" | grep '^case '
[ "$(grep -c '^case 48[0-9]* ([a-z]*@example.com): closed_no_action$' <<<"$output")" -eq 5 ] \
    && grep -q '^case 4821 (jdoe@example.com): waiting$' <<<"$output" \
    && grep -q '^notice to jdoe@example.com: ' <<<"$output" || {
    echo "example: expected John's case waiting (notified) and five cases closed without action" >&2
    exit 1
}

echo "==> python: all checks passed"
