#!/usr/bin/env python3
"""Client benchmarks: issue 9's targets, each as a ratio against pyral 1.7.0 and the floor.

One emulator (TLS: pyral 1.7.0 only speaks https) holds ``--defects`` generated defects plus
the demo's 15.  Every client scenario runs in a fresh subprocess (``client_worker.py``) while
the emulator serves from this process.  Baselines are measured in the same run, against the
same server, interleaved with ours (ours, pyral, ours, pyral, ...) so that a change in the
machine's load hits both sides alike:

* the *floor*: bare ``requests`` + ``json`` over the same pages;
* pyral 1.7.0, when ``--baseline-python`` names an interpreter that has it installed.  It
  runs with ``PYTHONPATH`` unset, from ``/``, and without ``REQUESTS_CA_BUNDLE`` /
  ``CURL_CA_BUNDLE`` (pyral 1.7.0 lets those override ``verify_ssl_cert=False``).

Measurements:

* **export**: every defect, ``pagesize=2000``, 8 fields, each read per item, with
  ``--latency`` (default 100 ms) injected by the emulator before every answer to stand for a
  WAN round trip.  Default settings on both sides, and ours with each explicit ``threads=``
  of ``--threads`` (the best is reported).  Wall time, client RSS growth (peak minus the size
  before the export, in the export's own fresh process) and the peak number of requests in
  flight as the *emulator* counted them.
* **client CPU**: the same query's pages recorded once and replayed from memory (no server,
  TLS or socket in the measurement; minimum of ``--repeat``), 30 fields and ``fetch=True``,
  against the floor replaying the same bytes.
* **create**: ``rally.create`` ``--creates`` times at the same latency: requests per create
  (the emulator's log) and the median wall time.
* **emulator create at scale**: the median time of a create over HTTP on a workspace with
  ``--scale-artifacts`` generated artifacts against the demo data alone.

    python benchmarks/run.py
    python benchmarks/run.py --baseline-python /work/oracle/bin/python --repeat 3
    python benchmarks/run.py --baseline-python /work/oracle/bin/python --cpu-only  # ~1 min
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import requests  # noqa: E402
from harness import Emulator, emulator, fmt, ratio, table  # noqa: E402

from pyral.emulator.demo import DEMO_APIKEY, DEMO_WORKSPACE, ROOT  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "client_worker.py")

_DEFECT_QUERY = re.compile(r"/defect$", re.IGNORECASE)
_DEFECT_ANY = re.compile(r"/defect(/|$)", re.IGNORECASE)

#: the ten attributes the fetch=True scenarios read per item
HYDRATE_NAMES = ["FormattedID", "Name", "State", "Severity", "Priority", "Environment",
                 "ScheduleState", "CreationDate", "Description", "c_RootCause"]  # fmt: skip
#: the export's fetch list: 8 fields, every one read per item
EXPORT_FIELDS = ["FormattedID", "Name", "State", "Severity", "Priority", "Owner",
                 "CreationDate", "LastUpdateDate"]  # fmt: skip
#: the 30-field fetch of the client-CPU row (scalars, references and a collection)
FIELDS_30 = ["FormattedID", "Name", "State", "Severity", "Priority", "ScheduleState", "Owner",
             "Project", "Workspace", "Subscription", "CreatedBy", "SubmittedBy", "Iteration",
             "Release", "Requirement", "FlowState", "RevisionHistory", "CreationDate",
             "LastUpdateDate", "OpenedDate", "ClosedDate", "Environment", "Resolution",
             "Description", "Notes", "Blocked", "Ready", "PlanEstimate", "c_RootCause",
             "Tags"]  # fmt: skip
#: what the client-CPU rows read per item
CPU_TOUCH = ["FormattedID", "Name", "State", "Severity", "Priority"]


class Runner:
    """Runs worker scenarios for one side and counts the requests each one made."""

    def __init__(self, emu: Emulator, python: str, *, ours: bool, tls: bool, timeout: float):
        self.emu = emu
        self.python = os.path.abspath(python) if os.sep in python else python
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
        self, scenario: str, counted: Callable[[str], Any] | None = None, **cfg: Any
    ) -> dict[str, Any]:
        """One worker run; adds the server's view: ``requests`` (paths matching ``counted``,
        else all), ``requests_all`` and ``peak_in_flight``."""
        app = self.emu.server.app
        app.clear_request_log()  # also restarts the peak-in-flight count
        config = {**self.base_cfg, **cfg, "scenario": scenario}
        done = subprocess.run(
            [self.python, WORKER, json.dumps(config)],
            capture_output=True, text=True, env=self.env, cwd="/", timeout=self.timeout,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{scenario} failed under {self.python}:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        log = app.request_log
        result["requests"] = sum(1 for r in log if counted is None or counted(r.path))
        result["requests_all"] = len(log)
        result["peak_in_flight"] = app.peak_in_flight
        if cfg.get("profile"):
            result["stderr"] = done.stderr
        return result


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def measure_cpu(sides: dict[str, Runner], repeat: int, pagesize: int) -> dict[str, Any]:
    """Client CPU per item on replayed pages: 30 fields and fetch=True, each side + floor."""
    out: dict[str, Any] = {}
    cases = {
        "cpu30": {"fetch": ",".join(FIELDS_30), "touch": CPU_TOUCH},
        "cpu_true": {"fetch": "true", "touch": CPU_TOUCH},
    }
    for case, cfg in cases.items():
        extra = {**cfg, "repeat": repeat, "pagesize": pagesize}
        for name, side in sides.items():
            # ours replays the floor in its own process, alternating with itself
            out[(case, name)] = side.run("replay", with_floor=name == "ours", **extra)
        ours = out[(case, "ours")]
        out[(case, "floor")] = {"cpu_seconds": ours["floor_cpu_seconds"], "items": ours["items"]}
    return out


def measure_latency(
    sides: dict[str, Runner],
    repeat: int,
    pagesize: int,
    threads: list[int],
    creates: int,
    latency: float,
) -> dict[Any, Any]:
    """Export and create rows with ``latency`` injected; each run in a fresh process."""
    server = sides["ours"].emu.server
    server.latency = latency
    q = _DEFECT_QUERY.search
    export = {"fetch": ",".join(EXPORT_FIELDS), "touch": EXPORT_FIELDS, "pagesize": pagesize}
    runs: dict[Any, list[dict[str, Any]]] = {}
    try:
        for _ in range(repeat):  # interleaved: load drift hits every variant alike
            for name, side in sides.items():
                runs.setdefault(("export", name), []).append(side.run("export", q, **export))
            for n in threads:
                runs.setdefault(("export_t", n), []).append(
                    sides["ours"].run("export", q, threads=n, **export)
                )
            for name, side in sides.items():
                runs.setdefault(("create", name), []).append(
                    side.run("create", _DEFECT_ANY.search, count=creates)
                )
        runs[("export", "floor")] = [sides["ours"].run("floor", q, repeat=1, **export)]
    finally:
        server.latency = 0.0
    return runs


def measure_scale(artifacts: int, creates: int) -> dict[str, float]:
    """Median create (ms, over HTTP) on the demo data alone and with ``artifacts`` more."""
    out = {}
    for size in (0, artifacts):
        with emulator(size) as emu:
            http = requests.Session()
            http.headers.update({"ZSESSIONID": DEMO_APIKEY, "Content-Type": "application/json"})
            base = emu.server.service_url
            project = emu.data.result.projects[DEMO_WORKSPACE][ROOT]
            params = {"workspace": f"{base}/workspace/{emu.data.workspace}"}
            times = []
            for n in range(creates + 1):
                body = {"Defect": {"Name": f"scale {n}", "Project": f"{base}/project/{project}"}}
                t0 = time.perf_counter()
                resp = http.post(f"{base}/Defect/create", params=params, json=body)
                elapsed = (time.perf_counter() - t0) * 1000
                if resp.status_code != 200 or resp.json()["CreateResult"]["Errors"]:
                    raise RuntimeError(f"create failed: {resp.text[:300]}")
                if n:  # the first one warms up
                    times.append(elapsed)
            http.close()
        out[str(size)] = statistics.median(times)
    return out


def _best_threads(runs: dict[Any, list[dict[str, Any]]], threads: list[int]) -> int:
    return min(threads, key=lambda n: _median(runs[("export_t", n)], "seconds"))


def cpu_rows(cpu: dict[Any, Any], row: Callable[..., None]) -> None:
    """The two client-CPU rows (per item, replayed pages), through ``row``."""
    for case, label, target in (("cpu30", "client CPU per item, 30 fields (replayed)", 1.15),
                                ("cpu_true", "client CPU per item, fetch=True (replayed)", 1.20)):  # fmt: skip
        per = {name: cpu[(case, name)]["cpu_seconds"] / cpu[(case, name)]["items"] * 1e6
               for name in ("ours", "base", "floor") if (case, name) in cpu}  # fmt: skip
        row(f"{label} ({cpu[(case, 'ours')]['items']} items)", per["ours"], per.get("base"),
            per["floor"], " us", f"<= {target:.2f}x floor", per["ours"] <= target * per["floor"])  # fmt: skip


def report(
    cpu: dict[Any, Any],
    runs: dict[Any, list[dict[str, Any]]],
    scale: dict[str, float] | None,
    threads: list[int],
    has_base: bool,
    latency_ms: float,
) -> tuple[list[list[str]], list[bool]]:
    """The table rows and, per target row, whether it is met."""
    rows: list[list[str]] = []
    verdicts: list[bool] = []

    def row(metric: str, ours: float | None, base: float | None, floor: float | None,
            unit: str, target: str, met: bool | None) -> None:  # fmt: skip
        rows.append([metric, fmt(ours, unit), fmt(base, unit), ratio(ours, base),
                     fmt(floor, unit), ratio(ours, floor), target,
                     "-" if met is None else ("yes" if met else "NO")])  # fmt: skip
        if met is not None:
            verdicts.append(met)

    def m(key: Any, field: str) -> float | None:
        return _median(runs[key], field) if key in runs else None

    items = runs[("export", "ours")][0]["items"]
    ours_wall = m(("export", "ours"), "seconds")
    base_wall = m(("export", "base"), "seconds")
    best = _best_threads(runs, threads)
    best_wall = m(("export_t", best), "seconds")
    assert ours_wall is not None and best_wall is not None
    wall_ok = ours_wall <= 1.10 * best_wall and (base_wall is None or ours_wall <= 0.80 * base_wall)
    row(f"export {items}, default, {latency_ms:.0f} ms latency: wall", ours_wall, base_wall,
        m(("export", "floor"), "seconds"), " s", "<= 0.80x pyral", wall_ok if has_base else None)  # fmt: skip
    row(f"  ours with threads={best} (best of {threads})", best_wall, None, None, " s",
        "default <= 1.10x this", ours_wall <= 1.10 * best_wall)  # fmt: skip
    for n in threads:
        if n != best:
            row(
                f"  ours with threads={n}",
                m(("export_t", n), "seconds"),
                None,
                None,
                " s",
                "",
                None,
            )
    ours_rss = m(("export", "ours"), "rss_growth_kib")
    base_rss = m(("export", "base"), "rss_growth_kib")
    assert ours_rss is not None
    row("  client RSS growth (fresh process)", ours_rss / 1024,
        base_rss / 1024 if base_rss is not None else None, None, " MiB", "<= 0.50x pyral",
        ours_rss <= 0.5 * base_rss if base_rss is not None else None)  # fmt: skip
    peaks = [r["peak_in_flight"] for key, rs in runs.items() if key[0] in ("export", "export_t")
             and key != ("export", "base") for r in rs]  # fmt: skip
    peak_ours = max(peaks)
    row("  peak requests in flight (server count, max of all our runs)", peak_ours,
        max(r["peak_in_flight"] for r in runs[("export", "base")]) if has_base else None,
        None, "", "<= 12", peak_ours <= 12)  # fmt: skip
    row("  requests", m(("export", "ours"), "requests"), m(("export", "base"), "requests"),
        m(("export", "floor"), "requests"), "", "", None)  # fmt: skip

    cpu_rows(cpu, row)

    creates = runs[("create", "ours")][0]["creates"]
    per_create = m(("create", "ours"), "requests")
    assert per_create is not None
    per_create /= creates
    base_reqs = m(("create", "base"), "requests")
    row("HTTP requests per create", per_create,
        base_reqs / creates if base_reqs is not None else None, None, "", "1", per_create == 1)  # fmt: skip
    c_ours = m(("create", "ours"), "seconds")
    c_base = m(("create", "base"), "seconds")
    assert c_ours is not None
    row(f"create wall, {latency_ms:.0f} ms latency (median of {creates})", c_ours * 1000,
        c_base * 1000 if c_base is not None else None, None, " ms", "<= 0.60x pyral",
        c_ours <= 0.6 * c_base if c_base is not None else None)  # fmt: skip
    if scale:
        small, big = scale["0"], max(v for k, v in scale.items() if k != "0")
        size = max(int(k) for k in scale)
        rows.append([f"emulator create: {size} artifacts vs demo data", fmt(big, " ms"),
                     fmt(small, " ms"), ratio(big, small), "", "", "<= 1.5x",
                     "yes" if big <= 1.5 * small else "NO"])  # fmt: skip
        verdicts.append(big <= 1.5 * small)
    return rows, verdicts


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} CPUs"


def _report_cpu_only(
    cpu: dict[Any, Any], args: argparse.Namespace, started: float, load_before: str
) -> int:
    """``--cpu-only``: the client-CPU rows alone (the quick loop while working on them)."""
    rows: list[list[str]] = []
    verdicts: list[bool] = []

    def row(metric: str, ours: float | None, base: float | None, floor: float | None,
            unit: str, target: str, met: bool) -> None:  # fmt: skip
        rows.append([metric, fmt(ours, unit), fmt(base, unit), ratio(ours, base),
                     fmt(floor, unit), ratio(ours, floor), target, "yes" if met else "NO"])  # fmt: skip
        verdicts.append(met)

    cpu_rows(cpu, row)
    info = cpu[("cpu30", "ours")]
    print(
        f"\nClient CPU rows: {args.defects} generated defects (+15 demo), pagesize "
        f"{args.pagesize}; ours: pyral {info['pyral']} on Python {info['python']}; minimum of "
        f"{max(args.repeat, 3)} replays\nmachine: {load_before} before, {_load()} after\n"
    )
    headers = ["metric", "ours", "pyral 1.7.0", "ours/base", "floor", "ours/floor", "target"]
    print(table(headers + ["met"], rows))
    print(f"\ntargets met: {sum(verdicts)} of {len(verdicts)}")
    print(f"total run time {time.perf_counter() - started:.0f}s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"cpu": {"/".join(k): v for k, v in cpu.items()}}, fh, indent=2)
    return 0 if all(verdicts) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--defects", type=int, default=20_000)
    parser.add_argument("--pagesize", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--threads", default="2,4,8,12", help="explicit threads= to compare")
    parser.add_argument("--creates", type=int, default=10, help="creates per create run")
    parser.add_argument("--scale-artifacts", type=int, default=100_000,
                        help="artifacts for the emulator create row (0: skip it)")  # fmt: skip
    parser.add_argument(
        "--baseline-python",
        metavar="PATH",
        help="interpreter with pyral 1.7.0 installed (e.g. /work/oracle/bin/python)",
    )
    parser.add_argument(
        "--ours-python",
        metavar="PATH",
        help="interpreter for this project's pyral (default: the baseline's, else this one)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per timed variant")
    parser.add_argument(
        "--no-tls", action="store_true", help="plain http (ours only; 1.7.0 needs https)"
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per worker run")
    parser.add_argument("--json", metavar="FILE", help="also write the raw results as JSON")
    parser.add_argument(
        "--cpu-only",
        action="store_true",
        help="only the two client-CPU rows (replayed pages; about a minute)",
    )
    args = parser.parse_args(argv)
    if args.no_tls and args.baseline_python:
        parser.error("pyral 1.7.0 only speaks https: drop --no-tls")
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    ours_python = args.ours_python or args.baseline_python or sys.executable
    tls = not args.no_tls
    started = time.perf_counter()
    load_before = _load()
    with emulator(args.defects, defects_only=True, tls=tls) as emu:
        sides = {"ours": Runner(emu, ours_python, ours=True, tls=tls, timeout=args.timeout)}
        if args.baseline_python:
            sides["base"] = Runner(
                emu, args.baseline_python, ours=False, tls=tls, timeout=args.timeout
            )
        cpu = measure_cpu(sides, max(args.repeat, 3), args.pagesize)
        if args.cpu_only:
            return _report_cpu_only(cpu, args, started, load_before)
        runs = measure_latency(
            sides, args.repeat, args.pagesize, threads, args.creates, args.latency
        )
    scale = measure_scale(args.scale_artifacts, 20) if args.scale_artifacts else None
    load_after = _load()
    rows, verdicts = report(cpu, runs, scale, threads, "base" in sides, args.latency * 1000)
    ours_info = runs[("export", "ours")][0]
    base_label = "pyral 1.7.0"
    print(
        f"\nClient benchmarks: {args.defects} generated defects (+15 demo), "
        f"{'https' if tls else 'http'}, pagesize {args.pagesize}; "
        f"ours: pyral {ours_info['pyral']} on Python {ours_info['python']}"
        + (
            f"; baseline: pyral {runs[('export', 'base')][0]['pyral']} on Python "
            f"{runs[('export', 'base')][0]['python']}"
            if "base" in sides
            else ""
        )
        + f"\ntimed rows are medians of {args.repeat} interleaved runs (fresh process each); "
        f"CPU rows the minimum of {max(args.repeat, 3)} replays\n"
        f"machine: {load_before} before, {load_after} after\n"
    )
    print(
        table(
            ["metric", "ours", base_label, "ours/base", "floor", "ours/floor", "target", "met"],
            rows,
        )
    )
    print(f"\ntargets met: {sum(verdicts)} of {len(verdicts)}")
    print(f"total run time {time.perf_counter() - started:.0f}s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(
                {
                    "cpu": {"/".join(k): v for k, v in cpu.items()},
                    "runs": {"/".join(map(str, k)): v for k, v in runs.items()},
                    "scale": scale,
                    "load": [load_before, load_after],
                },
                fh,
                indent=2,
            )
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
