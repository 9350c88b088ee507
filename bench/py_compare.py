#!/usr/bin/env python3
"""`irp.assess` from Python against the plain-Python baseline (bench/baseline.py), two ways:

* on a file: `irp.assess(path)` against reading it with `json` and running the four detectors;
* on a list of dicts (what a SOAR integration hands a playbook): the first N records of the file,
  parsed beforehand (not timed), given to `irp.assess(list)` and to the baseline detectors.

Needs the `irp` package (scripts/test-python.sh or `maturin develop --release -m irp-py/Cargo.toml`).

    python bench/py_compare.py FILE [--records 100000] [--reps 3] [--threads N] [--out-irp PATH] [--mode file|list|both]

Prints one line per measurement: `name<TAB>median seconds<TAB>events`.
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import baseline  # noqa: E402
import irp  # noqa: E402


def timed(fn, reps):
    times, result = [], None
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def baseline_on_list(records):
    users = {}
    for r in records:
        baseline.summarise(r, users)
    return baseline.detect(users)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None, help="irp.assess threads (default: one per core)")
    ap.add_argument("--out-irp", help="write irp.assess(file) results here as JSON lines")
    ap.add_argument("--mode", choices=["file", "list", "both"], default="both")
    args = ap.parse_args()

    if args.mode in ("file", "both"):
        t, results = timed(lambda: irp.assess(args.file, threads=args.threads), args.reps)
        print(f"irp.assess(file)\t{t:.3f}\t{sum(r.events_considered for r in results)}", flush=True)
        if args.out_irp:
            with open(args.out_irp, "w", encoding="utf-8") as f:
                for r in results:
                    f.write(r.to_json() + "\n")

    if args.mode in ("list", "both"):
        records = []
        with open(args.file, encoding="utf-8") as f:
            for line in f:
                records.append(json.loads(line))
                if len(records) >= args.records:
                    break
        t_irp, _ = timed(lambda: irp.assess(records, threads=args.threads), args.reps)
        t_py, _ = timed(lambda: baseline_on_list(records), args.reps)
        print(f"irp.assess(list)\t{t_irp:.3f}\t{len(records)}", flush=True)
        print(f"python baseline(list)\t{t_py:.3f}\t{len(records)}", flush=True)


if __name__ == "__main__":
    main()
