#!/usr/bin/env python3
"""The plain-Python baseline: what a SOAR engineer writes without irp.

Reads Okta System Log NDJSON with the standard `json` module, keeps a list of small dicts per
user, and runs four detectors: impossible travel, failures then success (brute force), MFA push
fatigue and new country. Prints one JSON line per user with at least one signal, in the same
shape as `irp assess --json` (`{"user": ..., "signals": [{"kind": ...}, ...]}`) so that
`bench/recall.py` scores both the same way.

    python3 bench/baseline.py FILE [FILE...]
"""

import gzip
import json
import math
import sys
from datetime import datetime, timedelta

LOGIN_TYPES = {"user.session.start", "user.authentication.sso", "user.authentication.auth_via_mfa"}
MFA_REJECT = {"system.push.send_factor_verify_push", "user.mfa.okta_verify.deny_push"}
WINDOW = timedelta(hours=96)


def parse_time(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def distance_km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def summarise(e, users):
    """Files the fields the detectors need from one Okta LogEvent dict under its user."""
    user = ((e.get("actor") or {}).get("alternateId") or "").lower()
    if not user or user == "unknown":
        return
    client = e.get("client") or {}
    geo = client.get("geographicalContext") or {}
    loc = geo.get("geolocation") or {}
    users.setdefault(user, []).append({
        "time": parse_time(e["published"]),
        "type": e.get("eventType"),
        "result": (e.get("outcome") or {}).get("result"),
        "ip": client.get("ipAddress"),
        "country": geo.get("country"),
        "lat": loc.get("lat"),
        "lon": loc.get("lon"),
        "factor": ((e.get("debugContext") or {}).get("debugData") or {}).get("factor"),
        "id": e.get("uuid"),
    })


def read(paths):
    users = {}
    for path in paths:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    summarise(json.loads(line), users)
    return users


def is_login(e):
    if e["type"] == "user.authentication.auth_via_mfa":
        return False
    return e["type"] in LOGIN_TYPES or (e["type"] == "user.authentication.verify" and "PASSWORD" in (e["factor"] or ""))


def impossible_travel(events):
    out = []
    prev = None
    for e in events:
        if not (is_login(e) and e["result"] == "SUCCESS" and e["lat"] is not None):
            continue
        if prev is not None:
            km = distance_km(prev["lat"], prev["lon"], e["lat"], e["lon"])
            hours = max((e["time"] - prev["time"]).total_seconds() / 3600, 1 / 60)
            if km > 500 and km / hours > 900:
                out.append({"kind": "impossible_travel", "time": e["time"].isoformat(), "events": [prev["id"], e["id"]]})
        prev = e
    return out


def failures_then_success(events):
    out = []
    failures = []
    for e in events:
        if not is_login(e):
            continue
        if e["result"] == "FAILURE":
            failures.append(e)
        elif e["result"] == "SUCCESS":
            recent = [f for f in failures if e["time"] - f["time"] <= timedelta(minutes=30)]
            if len(recent) >= 5:
                out.append({"kind": "brute_force_success", "time": e["time"].isoformat(),
                            "events": [f["id"] for f in recent] + [e["id"]]})
            failures = []
    return out


def mfa_fatigue(events):
    out = []
    rejects = []
    for e in events:
        if e["type"] in MFA_REJECT:
            rejects.append(e)
        elif e["type"] == "user.authentication.auth_via_mfa" and e["result"] == "SUCCESS":
            denies = [r for r in rejects if r["type"] == "user.mfa.okta_verify.deny_push"
                      and e["time"] - r["time"] <= timedelta(minutes=10)]
            if len(denies) >= 5:
                out.append({"kind": "mfa_fatigue", "time": e["time"].isoformat(),
                            "events": [r["id"] for r in denies] + [e["id"]]})
            rejects = []
    return out


def new_country(events):
    if not events:
        return []
    start = events[-1]["time"] - WINDOW
    seen = {e["country"] for e in events if e["time"] < start and e["country"]}
    out = []
    if not seen:
        return out
    for e in events:
        if e["time"] >= start and is_login(e) and e["result"] == "SUCCESS" and e["country"] and e["country"] not in seen:
            out.append({"kind": "new_country", "time": e["time"].isoformat(), "events": [e["id"]]})
            seen.add(e["country"])
    return out


def detect(users):
    """One `{"user", "signals"}` dict per user with at least one signal, by user."""
    out = []
    for user in sorted(users):
        events = sorted(users[user], key=lambda e: (e["time"], e["id"] or ""))
        signals = impossible_travel(events) + failures_then_success(events) + mfa_fatigue(events) + new_country(events)
        if signals:
            out.append({"user": user, "signals": signals})
    return out


def main(paths):
    for result in detect(read(paths)):
        print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
