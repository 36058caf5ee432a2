#!/usr/bin/env python3
"""One client benchmark scenario, run in its own process by ``run.py``.

Runs under whichever interpreter and ``pyral`` the parent chose (this project's, or pyral
1.7.0 from another environment), so it only uses the public API both share and the standard
library.  Reads one JSON argument, prints one JSON line of results.  The server counts the
requests; this side only measures wall time and memory.

Scenarios: ``connect``, ``stream``, ``hydrate``, ``memory``, ``lazy`` (through ``pyral.Rally``)
and ``floor`` (a plain ``requests`` paging loop: the same pages, JSON decoding only).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import tracemalloc
import warnings
from typing import Any


def _rally(cfg: dict[str, Any]) -> Any:
    from pyral import Rally

    return Rally(
        cfg["server"],
        apikey=cfg["apikey"],
        workspace=cfg["workspace"],
        project=cfg["project"],
        verify_ssl_cert=False,
    )


def _query(rally: Any, cfg: dict[str, Any], **extra: Any) -> Any:
    kwargs = {"fetch": cfg.get("fetch", "FormattedID,Name,State"), "pagesize": cfg["pagesize"],
              "projectScopeDown": True, "threads": cfg.get("threads", 1)}  # fmt: skip
    if cfg.get("limit"):
        kwargs["limit"] = cfg["limit"]
    kwargs.update(extra)
    return rally.get("Defect", **kwargs)


def _touch(item: Any, names: list[str]) -> int:
    """Read attributes the way a script would; returns a checksum so nothing is optimised away."""
    total = 0
    for name in names:
        value = getattr(item, name)
        total += len(str(value)) if value is not None else 0
    return total


def connect(cfg: dict[str, Any]) -> dict[str, Any]:
    times = []
    for _ in range(cfg["repeat"]):
        t0 = time.perf_counter()
        _rally(cfg)
        times.append(time.perf_counter() - t0)
    return {"seconds": statistics.median(times), "runs": len(times)}


def stream(cfg: dict[str, Any]) -> dict[str, Any]:
    rally = _rally(cfg)
    names = cfg.get("touch", ["FormattedID", "Name", "State"])
    times, cpu, items = [], [], 0
    for _ in range(cfg["repeat"]):
        t0, c0 = time.perf_counter(), time.process_time()
        items = 0
        for item in _query(rally, cfg):
            _touch(item, names)
            items += 1
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"seconds": statistics.median(times), "cpu_seconds": statistics.median(cpu),
            "items": items, "runs": len(times)}  # fmt: skip


def memory(cfg: dict[str, Any]) -> dict[str, Any]:
    """Peak traced memory while serving ``limit`` items, streamed or materialised by list()."""
    rally = _rally(cfg)
    names = ["FormattedID", "Name", "State"]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    response = _query(rally, cfg)
    items = 0
    if cfg["mode"] == "list":
        kept = list(response)
        items = len(kept)
        for item in kept:
            _touch(item, names)
    else:
        for item in response:
            _touch(item, names)
            items += 1
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return {"peak_bytes": peak, "items": items}


def lazy(cfg: dict[str, Any]) -> dict[str, Any]:
    """Shell items (fetch=False): the first attribute read per item hydrates it, once."""
    rally = _rally(cfg)
    t0 = time.perf_counter()
    items = 0
    for item in _query(rally, cfg, fetch=False):
        _touch(item, ["State"])
        _touch(item, ["Name", "Severity", "State"])
        items += 1
    return {"seconds": time.perf_counter() - t0, "items": items}


def floor(cfg: dict[str, Any]) -> dict[str, Any]:
    """The same pages with bare ``requests``: what paging costs with no client library."""
    import requests

    session = requests.Session()
    session.verify = False
    session.headers["ZSESSIONID"] = cfg["apikey"]
    base = (
        f"{cfg['service']}/Defect?fetch={cfg.get('fetch', 'FormattedID,Name,State')}"
        f"&workspace=workspace/{cfg['workspace_oid']}&project=project/{cfg['project_oid']}"
        f"&projectScopeUp=false&projectScopeDown=true&pagesize={cfg['pagesize']}"
    )
    limit = cfg.get("limit") or 10**9
    times, cpu, items = [], [], 0
    for _ in range(cfg["repeat"]):
        t0, c0 = time.perf_counter(), time.process_time()
        items, start, total = 0, 1, None
        while items < limit and (total is None or start <= total):
            body = session.get(f"{base}&start={start}").json()["QueryResult"]
            total = body["TotalResultCount"]
            for raw in body["Results"][: limit - items]:
                _ = (raw.get("FormattedID"), raw.get("Name"), raw.get("State"))
                items += 1
            if not body["Results"]:
                break
            start += len(body["Results"])
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"seconds": statistics.median(times), "cpu_seconds": statistics.median(cpu),
            "items": items, "runs": len(times)}  # fmt: skip


SCENARIOS = {
    "connect": connect,
    "stream": stream,
    "hydrate": stream,
    "memory": memory,
    "lazy": lazy,
    "floor": floor,
}


def main() -> int:
    cfg = json.loads(sys.argv[1])
    warnings.simplefilter("ignore")  # InsecureRequestWarning on every https request
    result = SCENARIOS[cfg["scenario"]](cfg)
    if cfg["scenario"] != "floor":
        import pyral

        result["pyral"] = ".".join(str(p) for p in getattr(pyral, "__version__", ("?",)))
    result["python"] = sys.version.split()[0]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
