#!/usr/bin/env python3
"""Client benchmarks: this project's pyral against one emulator holding 10,000 defects.

Every scenario runs in a fresh subprocess (``client_worker.py``) while the emulator serves
from this process, so client and server each get a core and nothing is cached between
scenarios.  Baselines are measured in the same run, against the same server:

* the *floor*: a bare ``requests`` loop over the same pages (JSON decoding only);
* pyral 1.7.0, when ``--baseline-python`` names an interpreter that has it installed.  It
  runs with ``PYTHONPATH`` unset, outside the repository, and without ``REQUESTS_CA_BUNDLE``
  / ``CURL_CA_BUNDLE`` (pyral 1.7.0 lets those override ``verify_ssl_cert=False``).

Our side runs with ``PYTHONPATH`` set to the repository, by default under the baseline's
interpreter when one is given, so both libraries run on the same Python.  HTTP requests are
counted by the emulator (``app.request_log``), not by the clients.

    python benchmarks/run.py
    python benchmarks/run.py --baseline-python /work/oracle-venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Emulator, emulator, fmt, ratio, table  # noqa: E402

from pyral.emulator.demo import DEMO_APIKEY, DEMO_WORKSPACE, ROOT  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "client_worker.py")

_DEFECT_QUERY = re.compile(r"/defect$", re.IGNORECASE)
_DEFECT_READ = re.compile(r"/defect/\d+$", re.IGNORECASE)

#: the ten attributes the fetch=True scenarios read per item
HYDRATE_NAMES = ["FormattedID", "Name", "State", "Severity", "Priority", "Environment",
                 "ScheduleState", "CreationDate", "Description", "c_RootCause"]  # fmt: skip


class Runner:
    """Runs worker scenarios for one side and counts the requests each one made."""

    def __init__(self, emu: Emulator, python: str, *, ours: bool, tls: bool, timeout: float):
        self.emu = emu
        self.python = python
        self.ours = ours
        self.timeout = timeout
        server = emu.server
        ws = emu.data.workspace
        self.base_cfg = {
            "server": server.host_port if tls else server.url,
            "service": server.service_url,
            "apikey": DEMO_APIKEY,
            "workspace": DEMO_WORKSPACE,
            "project": ROOT,
            "workspace_oid": ws,
            "project_oid": emu.data.result.projects[DEMO_WORKSPACE][ROOT],
            "pagesize": 500,
            "repeat": 1,
        }
        env = dict(os.environ)
        for name in ("PYTHONPATH", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            env.pop(name, None)
        if ours:
            env["PYTHONPATH"] = REPO
        self.env = env

    def run(
        self, scenario: str, counted: Callable[[str], bool] | None = None, **cfg: Any
    ) -> dict[str, Any]:
        """One worker run; adds ``requests`` (matching ``counted``, else all) to its result."""
        self.emu.server.app.clear_request_log()
        config = {**self.base_cfg, **cfg, "scenario": scenario}
        done = subprocess.run(
            [self.python, WORKER, json.dumps(config)],
            capture_output=True, text=True, env=self.env, cwd="/", timeout=self.timeout,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{scenario} failed under {self.python}:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        log = self.emu.server.app.request_log
        result["requests"] = sum(1 for r in log if counted is None or counted(r.path))
        result["requests_all"] = len(log)
        if cfg.get("profile"):
            result["stderr"] = done.stderr
        return result


def scenarios(side: Runner, defects: int, repeat: int) -> dict[str, dict[str, Any]]:
    """Every measurement for one side (ours or pyral 1.7.0)."""
    q, rd = _DEFECT_QUERY.search, _DEFECT_READ.search
    out: dict[str, dict[str, Any]] = {}
    out["connect"] = side.run("connect", repeat=repeat)
    out["connect"]["requests"] //= repeat
    out["stream_seq"] = side.run("stream", q, threads=1, repeat=repeat)
    out["stream_t4"] = side.run("stream", q, threads=4, repeat=repeat)
    out["hydrate"] = side.run("hydrate", q, fetch="true", limit=2000, threads=1,
                              touch=HYDRATE_NAMES, repeat=repeat)  # fmt: skip
    small = max(defects // 5, 500)
    out["mem_stream_all"] = side.run("memory", q, mode="stream", pagesize=200)
    out["mem_stream_small"] = side.run("memory", q, mode="stream", pagesize=200, limit=small)
    out["mem_list_all"] = side.run("memory", q, mode="list", pagesize=200)
    out["lazy"] = side.run("lazy", rd, limit=100, pagesize=100)
    for name in ("stream_seq", "stream_t4", "hydrate"):
        out[name]["requests"] //= repeat  # per run, like the timings
    return out


def floors(side: Runner, repeat: int) -> dict[str, dict[str, Any]]:
    q = _DEFECT_QUERY.search
    out = {
        "stream": side.run("floor", q, repeat=repeat),
        "hydrate": side.run("floor", q, fetch="true", limit=2000, repeat=repeat),
    }
    for result in out.values():
        result["requests"] //= repeat
    return out


def report(
    ours: dict[str, Any], base: dict[str, Any] | None, floor: dict[str, Any], defects: int
) -> list[list[str]]:
    def pair(metric: str, get: Callable[[dict[str, Any]], float | int | None], unit: str,
             floor_value: float | None = None) -> list[str]:  # fmt: skip
        o = get(ours)
        b = get(base) if base else None
        return [metric, fmt(o, unit), fmt(b, unit), ratio(o, b), fmt(floor_value, unit),
                ratio(o, floor_value)]  # fmt: skip

    items = ours["stream_seq"]["items"]
    hyd_items = ours["hydrate"]["items"]
    rows = [
        pair("connect: wall", lambda d: d["connect"]["seconds"] * 1000, " ms"),
        pair("connect: requests", lambda d: d["connect"]["requests"], ""),
        pair(f"stream {items} (3 fields), sequential", lambda d: d["stream_seq"]["seconds"], " s",
             floor["stream"]["seconds"]),
        pair("  requests", lambda d: d["stream_seq"]["requests"], "", floor["stream"]["requests"]),
        pair(f"stream {items} (3 fields), threads=4", lambda d: d["stream_t4"]["seconds"], " s",
             floor["stream"]["seconds"]),
        pair("  requests", lambda d: d["stream_t4"]["requests"], "", floor["stream"]["requests"]),
        pair("  client CPU per item (sequential)", lambda d: d["stream_seq"]["cpu_seconds"] / items * 1e6,
             " us", floor["stream"]["cpu_seconds"] / floor["stream"]["items"] * 1e6),
        pair(f"fetch=True, {hyd_items} items, 10 attrs: wall per item",
             lambda d: d["hydrate"]["seconds"] / d["hydrate"]["items"] * 1e6, " us",
             floor["hydrate"]["seconds"] / floor["hydrate"]["items"] * 1e6),
        pair("  client CPU per item (hydration + decoding)",
             lambda d: d["hydrate"]["cpu_seconds"] / d["hydrate"]["items"] * 1e6, " us",
             floor["hydrate"]["cpu_seconds"] / floor["hydrate"]["items"] * 1e6),
        pair(f"peak memory, stream {items}", lambda d: d["mem_stream_all"]["peak_bytes"] / 1024,
             " KiB"),
        pair(f"peak memory, stream {ours['mem_stream_small']['items']}",
             lambda d: d["mem_stream_small"]["peak_bytes"] / 1024, " KiB"),
        pair(f"peak memory, list() of {items}", lambda d: d["mem_list_all"]["peak_bytes"] / 1024,
             " KiB"),
        pair("lazy shells: 100 items, 4 reads each: wall", lambda d: d["lazy"]["seconds"] * 1000,
             " ms"),
        pair("  item reads (GET /defect/<oid>)", lambda d: d["lazy"]["requests"], ""),
    ]  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--defects", type=int, default=10_000)
    parser.add_argument(
        "--baseline-python",
        metavar="PATH",
        help="interpreter with pyral 1.7.0 installed (e.g. /work/oracle-venv/bin/python)",
    )
    parser.add_argument(
        "--ours-python",
        metavar="PATH",
        help="interpreter for this project's pyral (default: the baseline's, else this one)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per timing scenario")
    parser.add_argument(
        "--no-tls", action="store_true", help="plain http (ours only; 1.7.0 needs https)"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per worker run")
    parser.add_argument("--json", metavar="FILE", help="also write the raw results as JSON")
    args = parser.parse_args(argv)  # fmt: skip
    if args.no_tls and args.baseline_python:
        parser.error("pyral 1.7.0 only speaks https: drop --no-tls")
    ours_python = args.ours_python or args.baseline_python or sys.executable
    tls = not args.no_tls
    started = time.perf_counter()
    with emulator(args.defects, defects_only=True, tls=tls) as emu:
        load = emu.data.seconds_structure + emu.data.seconds_bulk
        ours_side = Runner(emu, ours_python, ours=True, tls=tls, timeout=args.timeout)
        floor = floors(ours_side, args.repeat)
        ours = scenarios(ours_side, args.defects, args.repeat)
        base = None
        if args.baseline_python:
            base_side = Runner(emu, args.baseline_python, ours=False, tls=tls, timeout=args.timeout)
            base = scenarios(base_side, args.defects, args.repeat)
    rows = report(ours, base, floor, args.defects)
    base_label = f"pyral {base['connect']['pyral']}" if base else "pyral 1.7.0"
    print(
        f"\nClient benchmarks: {args.defects} generated defects (+15 demo), "
        f"{'https' if tls else 'http'}, pagesize 500 (memory: 200); data loaded in {load:.1f}s\n"
        f"ours: pyral {ours['connect']['pyral']} on Python {ours['connect']['python']}"
        + (f"; baseline: {base_label} on Python {base['connect']['python']}" if base else "")
        + f"; timings are medians of {args.repeat} runs\n"
    )
    print(table(["metric", "ours", base_label, "ours/base", "floor", "ours/floor"], rows))
    stream_all = ours["mem_stream_all"]["peak_bytes"]
    stream_small = ours["mem_stream_small"]["peak_bytes"]
    bounded = stream_all <= 1.5 * stream_small
    print(
        f"\nstreaming memory bounded by page size: {'yes' if bounded else 'NO'} "
        f"(peak for {ours['mem_stream_all']['items']} items is "
        f"{stream_all / max(stream_small, 1):.2f}x the peak for {ours['mem_stream_small']['items']})"
    )
    print(f"total run time {time.perf_counter() - started:.0f}s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"ours": ours, "baseline": base, "floor": floor}, fh, indent=2)
    return 0 if bounded else 1


if __name__ == "__main__":
    sys.exit(main())
