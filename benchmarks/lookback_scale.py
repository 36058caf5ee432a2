#!/usr/bin/env python3
"""Lookback scale check: snapshot queries over HTTP against ``--snapshots`` generated snapshots.

An emulator with the demo data is started; its demo workspace then gets ``--items`` synthetic
stories with ``--snapshots / --items`` snapshots each (chained intervals, one current), written
straight into the snapshot table.  Each probe is timed (median of ``--repeat`` runs after one
warm-up).  The target: an ``__At`` query answers well under a second at 100,000 snapshots.

    python benchmarks/lookback_scale.py --snapshots 100000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone

import requests

from pyral.emulator.demo import DEMO_APIKEY
from pyral.emulator.lookback.storage import END_OF_TIME
from pyral.emulator.server import EmulatorServer
from pyral.emulator.store import to_iso

STATES = ["Defined", "In-Progress", "Completed", "Accepted"]


def fill(server: EmulatorServer, items: int, per_item: int) -> tuple[int, int]:
    """Write the synthetic history; return (workspace oid, a project oid)."""
    store = server.backend.store
    conn = store.connection()
    ws, project = conn.execute(
        "SELECT workspace, project FROM objects WHERE type = 'HierarchicalRequirement' LIMIT 1"
    ).fetchone()
    start = datetime(2025, 6, 1, tzinfo=timezone.utc)
    rows = []
    for i in range(items):
        oid = 10_000_000 + i
        moments = [start + timedelta(hours=i % 500 + 37 * k) for k in range(per_item)]
        for k in range(per_item):
            data = {
                "Name": f"Synthetic {i}",
                "ScheduleState": STATES[min(k, 3)],
                "PlanEstimate": i % 8,
                "Project": project,
                "_PreviousValues": {"ScheduleState": STATES[min(k - 1, 3)]} if k else {},
                "_TypeHierarchy": ["Artifact", "Requirement", "HierarchicalRequirement"],
                "_ItemHierarchy": [oid],
                "_ProjectHierarchy": [project],
            }
            valid_to = to_iso(moments[k + 1]) if k + 1 < per_item else END_OF_TIME
            rows.append(
                (oid, ws, project, "HierarchicalRequirement", k, to_iso(moments[k]), valid_to,
                 "Create" if k == 0 else "Update", json.dumps(data))
            )  # fmt: skip
    with store.write() as w:
        w.executemany(
            "INSERT INTO snapshots(oid, workspace, project, type, number, valid_from, valid_to,"
            " kind, data) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        w.execute("ANALYZE")
    return ws, project


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    per_item = max(1, args.snapshots // args.items)
    with EmulatorServer(demo=True, quiet=True) as server:
        t0 = time.perf_counter()
        ws, project = fill(server, args.items, per_item)
        print(f"wrote {args.items * per_item} snapshots in {time.perf_counter() - t0:.1f} s")
        url = f"{server.url}/analytics/v2.0/service/rally/workspace/{ws}/artifact/snapshot/query.js"
        http = requests.Session()
        http.headers["ZSESSIONID"] = DEMO_APIKEY
        probes = {
            "__At instant, count only (pagesize 1)": {
                "find": {"__At": "2025-06-08T00:00:00Z"}, "pagesize": 1},
            "__At instant + type + state, 200 rows": {
                "find": {"__At": "2025-06-08T00:00:00Z", "_TypeHierarchy": "HierarchicalRequirement",
                         "ScheduleState": "In-Progress"}, "fields": ["ObjectID", "ScheduleState"],
                "pagesize": 200},
            "__At current + project hierarchy, 2000 rows": {
                "find": {"__At": "current", "_ProjectHierarchy": project},
                "fields": ["ObjectID", "ScheduleState", "PlanEstimate"], "pagesize": 2000},
            "one item's history": {"find": {"ObjectID": 10_000_123}},
        }  # fmt: skip
        worst = 0.0
        for label, keys in probes.items():
            timings = []
            total = 0
            for _ in range(args.repeat + 1):
                began = time.perf_counter()
                body = http.post(url, json=keys, timeout=60).json()
                timings.append((time.perf_counter() - began) * 1000)
                assert body["Errors"] == [], body["Errors"]
                total = body["TotalResultCount"]
            ms = statistics.median(timings[1:])
            worst = max(worst, ms)
            print(f"{label:48s} {ms:8.1f} ms  (TotalResultCount {total})")
        http.close()
    return 0 if worst < 1000 else 1


if __name__ == "__main__":
    sys.exit(main())
