#!/usr/bin/env python3
"""Emulator scale check: typical WSAPI requests over HTTP against a big workspace.

Each request is timed (median of ``--repeat`` runs after one warm-up) on a workspace holding
``--artifacts`` generated work items, and again on a ``--baseline``-sized one built the same
way in the same run; the ratio shows how each request scales.  The target is "interactive":
every request under about a second at 100,000 artifacts.

    python benchmarks/emulator_scale.py --artifacts 100000
    python benchmarks/emulator_scale.py --artifacts 20000 --explain   # print SQLite plans

``--explain`` records the SQL the store runs for each request and prints SQLite's
``EXPLAIN QUERY PLAN`` for it: the quickest way to see a full scan where an index should be.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import requests  # noqa: E402
from harness import Emulator, emulator, fmt, median_ms, ratio, table  # noqa: E402

from pyral.emulator.demo import DEMO_APIKEY  # noqa: E402

TARGET_MS = 1000.0
#: issue 9's targets at 100,000 artifacts: a deep page, and a filter on an indexed attribute
DEEP_PAGE = "Artifact page 50 of 2000-size pages"
DEEP_PAGE_TARGET_MS = 150.0
INDEXED_TARGET_MS = 30.0
#: create at full size against create on the baseline workspace
CREATE_RATIO_TARGET = 1.5


@dataclass
class Probe:
    """One timed request: ``send(session, base, ws_ref)`` performs it once."""

    name: str
    send: Callable[[requests.Session], requests.Response]
    #: a filter the store has an index for: held to INDEXED_TARGET_MS at full size
    indexed: bool = False


def _check(resp: requests.Response) -> dict[str, Any]:
    """Fail loudly: a benchmark of error responses would measure nothing useful."""
    if resp.status_code != 200:
        raise RuntimeError(
            f"{resp.request.method} {resp.url} -> {resp.status_code}: {resp.text[:300]}"
        )
    body = resp.json()
    env = next(iter(body.values()))
    if isinstance(env, dict) and env.get("Errors"):
        raise RuntimeError(f"{resp.request.method} {resp.url} -> {env['Errors']}")
    return body


def _pick(emu: Emulator, sql: str, *params: Any) -> Any:
    found = emu.store.connection().execute(sql, params).fetchone()
    if found is None:
        raise RuntimeError(f"benchmark data lacks a row for: {sql}")
    return found[0]


def probes(emu: Emulator) -> list[Probe]:
    """The request mix, with targets chosen from the loaded data (the same rule at every size)."""
    base = emu.server.service_url
    ws = emu.data.workspace
    wsq = {"workspace": f"{base}/workspace/{ws}"}
    stories = _pick(
        emu,
        "SELECT COUNT(*) FROM objects WHERE type = 'HierarchicalRequirement' AND workspace = ?",
        ws,
    )
    fid = 12345 if stories > 12345 else stories // 2
    # a generated story in the middle of the data that has tasks
    story = _pick(
        emu,
        "SELECT json_extract(data, '$.WorkProduct') FROM objects WHERE type = 'Task' "
        "AND workspace = ? ORDER BY oid LIMIT 1 OFFSET ?",
        ws,
        _pick(emu, "SELECT COUNT(*) / 2 FROM objects WHERE type = 'Task' AND workspace = ?", ws),
    )
    defect = _pick(
        emu,
        "SELECT oid FROM objects WHERE type = 'Defect' AND workspace = ? ORDER BY oid DESC LIMIT 1",
        ws,
    )
    project = _pick(emu, "SELECT project FROM objects WHERE oid = ?", defect)
    owner = _pick(
        emu,
        "SELECT json_extract(data, '$.Owner') FROM objects WHERE type = 'Defect' AND workspace = ?"
        " AND json_extract(data, '$.Owner') IS NOT NULL ORDER BY oid LIMIT 1",
        ws,
    )
    iteration = _pick(
        emu,
        "SELECT json_extract(data, '$.Iteration') FROM objects WHERE type = 'HierarchicalRequirement'"
        " AND workspace = ? AND json_extract(data, '$.Iteration') IS NOT NULL ORDER BY oid LIMIT 1",
        ws,
    )
    release = _pick(
        emu,
        "SELECT json_extract(data, '$.Release') FROM objects WHERE type = 'HierarchicalRequirement'"
        " AND workspace = ? AND json_extract(data, '$.Release') IS NOT NULL ORDER BY oid LIMIT 1",
        ws,
    )
    loaded_at = _pick(
        emu,
        "SELECT MAX(json_extract(data, '$.LastUpdateDate')) FROM objects WHERE type = 'Defect'"
        " AND workspace = ?",
        ws,
    )
    states = itertools.cycle(["Open", "Fixed"])
    counter = itertools.count(1)

    def get(path: str, **params: Any) -> Callable[[requests.Session], requests.Response]:
        return lambda s: s.get(f"{base}/{path}", params={**params, **wsq})

    fields = "FormattedID,Name,State,Owner"
    mix = [
        Probe("Defect (State = Open) pagesize=200",
              get("Defect", query="(State = Open)", fetch=fields, pagesize=200), indexed=True),
        Probe('Story (Owner.UserName = "alice@...")',
              get("HierarchicalRequirement", query='(Owner.UserName = "alice@example.com")',
                  fetch="FormattedID,Name,ScheduleState", pagesize=200)),
        Probe('Story (Tags.Name = "urgent")',
              get("HierarchicalRequirement", query='(Tags.Name = "urgent")',
                  fetch="FormattedID,Name", pagesize=200)),
        Probe('Defect (Name contains "checkout")',
              get("Defect", query='(Name contains "checkout")', fetch=fields, pagesize=200)),
        Probe('Story (Tasks.State = "Completed")',
              get("HierarchicalRequirement", query='(Tasks.State = "Completed")',
                  fetch="FormattedID,Name", pagesize=200)),
        Probe("Story order=Rank pagesize=200",
              get("HierarchicalRequirement", order="Rank", fetch="FormattedID,Name", pagesize=200)),
        Probe("Story (FormattedID = US<n>)",
              get("HierarchicalRequirement", query=f'(FormattedID = "US{fid}")',
                  fetch="FormattedID,Name"), indexed=True),
        Probe("Story (FormattedID = US<n>) fetch=true",
              get("HierarchicalRequirement", query=f'(FormattedID = "US{fid}")', fetch="true")),
        Probe("Story Tasks collection",
              get(f"HierarchicalRequirement/{story}/Tasks", fetch="FormattedID,Name,State")),
        Probe("Defect fetch=true pagesize=200",
              get("Defect", fetch="true", pagesize=200)),
        Probe(DEEP_PAGE,
              get("Artifact", fetch="FormattedID,Name", pagesize=2000, start=98001)),
        Probe('Story (ScheduleState = "Accepted")',
              get("HierarchicalRequirement", query='(ScheduleState = "Accepted")',
                  fetch="FormattedID,Name", pagesize=200), indexed=True),
        Probe("Defect (Owner = user/<oid>)",
              get("Defect", query=f"(Owner = {base}/user/{owner})", fetch=fields, pagesize=200),
              indexed=True),
        Probe("Story (Iteration = iteration/<oid>)",
              get("HierarchicalRequirement", query=f"(Iteration = {base}/iteration/{iteration})",
                  fetch="FormattedID,Name", pagesize=200), indexed=True),
        Probe("Story (Release = release/<oid>)",
              get("HierarchicalRequirement", query=f"(Release = {base}/release/{release})",
                  fetch="FormattedID,Name", pagesize=200), indexed=True),
        Probe("Defect (Project = project/<oid>)",
              get("Defect", query=f"(Project = {base}/project/{project})", fetch=fields,
                  pagesize=200), indexed=True),
        Probe("create Defect",
              lambda s: s.post(f"{base}/Defect/create", params=wsq, json={"Defect": {
                  "Name": f"bench defect {next(counter)}", "Project": f"{base}/project/{project}"}})),
        Probe("update Defect State",
              lambda s: s.post(f"{base}/Defect/{defect}", params=wsq,
                               json={"Defect": {"State": next(states)}})),
        # after the writes above: "what changed since the data was loaded"
        Probe("Defect (LastUpdateDate > load time)",
              get("Defect", query=f'(LastUpdateDate > "{loaded_at}")', fetch=fields,
                  pagesize=200), indexed=True),
    ]  # fmt: skip
    return mix


def session() -> requests.Session:
    s = requests.Session()
    s.headers["ZSESSIONID"] = DEMO_APIKEY
    s.headers["Content-Type"] = "application/json"
    return s


class _SqlRecorder:
    """Wraps a store's ``select``/``count`` to keep the SQL they ran (for ``--explain``)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.seen: list[tuple[str, list[Any]]] = []
        self._select, self._count = store.select, store.count

        def select(where_sql: str, params: Any, **kw: Any) -> Any:
            order = kw.get("order_sql", "o.oid")
            self.seen.append((f"SELECT o.oid FROM objects o WHERE {where_sql} ORDER BY {order}",
                              list(params)))  # fmt: skip
            return self._select(where_sql, params, **kw)

        def count(where_sql: str, params: Any) -> Any:
            self.seen.append((f"SELECT COUNT(*) FROM objects o WHERE {where_sql}", list(params)))
            return self._count(where_sql, params)

        store.select, store.count = select, count

    def plans(self) -> list[str]:
        out, done = [], set()
        conn = self.store.connection()
        for sql, params in self.seen:
            if sql in done:
                continue
            done.add(sql)
            rows = conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
            out.append(sql[:400] + "\n" + "\n".join(f"    {r[-1]}" for r in rows))
        self.seen.clear()
        return out


def measure(artifacts: int, repeat: int, explain: bool) -> tuple[dict[str, float], dict[str, Any]]:
    """Time every probe against a fresh emulator with ``artifacts`` generated items."""
    t0 = time.perf_counter()
    with emulator(artifacts) as emu:
        info: dict[str, Any] = {
            "load_s": time.perf_counter() - t0,
            "objects": _pick(emu, "SELECT COUNT(*) FROM objects"),
            "indexed": [],
        }
        recorder = _SqlRecorder(emu.store) if explain else None
        results: dict[str, float] = {}
        http = session()
        for probe in probes(emu):
            results[probe.name] = median_ms(lambda p=probe: _check(p.send(http)), repeat)
            if probe.indexed:
                info["indexed"].append(probe.name)
            if recorder is not None:
                print(f"\n## {probe.name} ({artifacts} artifacts)")
                for plan in recorder.plans():
                    print(plan)
        http.close()
    return results, info


def issue9_targets(
    big: dict[str, float], base: dict[str, float], indexed: list[str]
) -> list[tuple[str, bool]]:
    """Issue 9's emulator rows: (description with the measured value, met?)."""
    out = []
    deep = big[DEEP_PAGE]
    out.append(
        (f"deep page <= {DEEP_PAGE_TARGET_MS:.0f} ms ({deep:.1f})", deep <= DEEP_PAGE_TARGET_MS)
    )
    worst = max(indexed, key=lambda name: big[name])
    out.append((
        f"every indexed filter <= {INDEXED_TARGET_MS:.0f} ms (slowest: {worst}, {big[worst]:.1f})",
        big[worst] <= INDEXED_TARGET_MS,
    ))  # fmt: skip
    create = big["create Defect"] / base["create Defect"]
    out.append((f"create at full size / baseline <= {CREATE_RATIO_TARGET}x ({create:.2f}x)",
                create <= CREATE_RATIO_TARGET))  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--artifacts", type=int, default=100_000)
    parser.add_argument(
        "--baseline",
        type=int,
        default=1_000,
        help="artifacts in the baseline workspace (same requests)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per request")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN QUERY PLAN")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)  # fmt: skip
    started = time.perf_counter()
    base, base_info = measure(args.baseline, args.repeat, args.explain)
    big, big_info = measure(args.artifacts, args.repeat, args.explain)
    rows = []
    slow = []
    for name, ms in big.items():
        rows.append([name, fmt(ms), fmt(base[name]), ratio(ms, base[name])])
        if ms > TARGET_MS:
            slow.append(name)
    print(
        f"\nEmulator scale check: {args.artifacts} vs {args.baseline} generated artifacts "
        f"(Demo Workspace; {big_info['objects']} vs {base_info['objects']} rows in the store; "
        f"load {big_info['load_s']:.1f}s vs {base_info['load_s']:.1f}s); "
        f"median of {args.repeat} runs, ms per request\n"
    )
    print(table(["request", f"ms @{args.artifacts}", f"ms @{args.baseline}", "ratio"], rows))
    verdict = "all under" if not slow else f"{len(slow)} over"
    print(f"\ntarget: every request < {TARGET_MS:.0f} ms at {args.artifacts}: {verdict}")
    for line, ok in issue9_targets(big, base, big_info["indexed"]):
        print(f"target: {line}: {'met' if ok else 'MISSED'}")
        if not ok:
            slow.append(line)
    print(f"total run time {time.perf_counter() - started:.0f}s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"artifacts": args.artifacts, "baseline": args.baseline, "big": big,
                       "base": base, "big_info": big_info, "base_info": base_info}, fh, indent=2)  # fmt: skip
    return 0 if not slow else 1


if __name__ == "__main__":
    sys.exit(main())
