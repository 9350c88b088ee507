#!/usr/bin/env python3
"""Recall on the injected truth: the share of injected attacks whose victim got the expected signal.

    python3 bench/recall.py TRUTH.tsv RESULTS.jsonl   ->  prints "found/total"

RESULTS is `irp assess --json` output (or bench/baseline.py's, same shape): one JSON object per
line with `user` and `signals[].kind`.
"""

import json
import sys


def main(truth_path, results_path):
    kinds = {}
    with open(results_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                kinds[r["user"]] = {s["kind"] for s in r.get("signals", [])}
    total = found = 0
    with open(truth_path, encoding="utf-8") as f:
        next(f)
        for row in f:
            user, kind, _ = row.rstrip("\n").split("\t")
            total += 1
            found += kind in kinds.get(user, set())
    print(f"{found}/{total}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
