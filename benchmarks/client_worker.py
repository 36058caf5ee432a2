#!/usr/bin/env python3
"""One client benchmark scenario, run in its own process by ``run.py``.

Runs under whichever interpreter and ``pyral`` the parent chose (this project's, or pyral
1.7.0 from another environment), so it only uses the public API both share and the standard
library.  Reads one JSON argument, prints one JSON line of results.  The server counts the
requests; this side only measures wall time and memory.

Scenarios: ``connect``, ``stream``, ``hydrate``, ``memory``, ``lazy``, ``export`` (one
export per process, with RSS growth) and ``create`` (through ``pyral.Rally``), ``floor`` (a
plain ``requests`` paging loop: the same pages, JSON decoding only), ``replay`` (a stream
whose pages are recorded once, then served from memory: the client's own CPU cost with no
socket, TLS or server in the measurement) and ``replay_floor`` (the same for the floor).
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
              "projectScopeDown": True}  # fmt: skip
    if cfg.get("threads") is not None:  # absent: each library's default paging
        kwargs["threads"] = cfg["threads"]
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


def _touch_raw(item: dict[str, Any], names: list[str]) -> int:
    """:func:`_touch` for the floor: the item's dict read by key, the same checksum."""
    total = 0
    for name in names:
        value = item.get(name)
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


def _status_kib(field: str) -> int:
    """A ``/proc/self/status`` size in KiB (``VmRSS``: now, ``VmHWM``: the peak so far)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def export(cfg: dict[str, Any]) -> dict[str, Any]:
    """One whole export in this fresh process: wall, client CPU and RSS growth.

    RSS growth is the process's peak resident size during the export (``VmHWM``) minus its
    size just before it (after connecting), so it counts everything the export made the
    process hold at once: pages in flight, decoded pages, entities, thread stacks.
    """
    rally = _rally(cfg)
    names = cfg.get("touch", ["FormattedID", "Name", "State"])
    rss_before = _status_kib("VmRSS")
    t0, c0 = time.perf_counter(), time.process_time()
    items = 0
    for item in _query(rally, cfg):
        _touch(item, names)
        items += 1
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    growth = _status_kib("VmHWM") - rss_before
    return {"seconds": seconds, "cpu_seconds": cpu, "items": items, "rss_growth_kib": growth}


def create(cfg: dict[str, Any]) -> dict[str, Any]:
    """``rally.create`` ``count`` times: median wall per call; the server counts requests."""
    rally = _rally(cfg)
    times = []
    for n in range(cfg["count"]):
        t0 = time.perf_counter()
        made = rally.create("Defect", {"Name": f"bench create {n}", "State": "Submitted"})
        times.append(time.perf_counter() - t0)
        if not getattr(made, "FormattedID", None):
            raise RuntimeError(f"create returned no usable entity: {made!r}")
    return {"seconds": statistics.median(times), "creates": len(times)}


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


class _Replayer:
    """Records every HTTP response at the ``requests`` adapter, then serves them from memory.

    Both libraries send through ``requests.adapters.HTTPAdapter.send``, so patching it there
    keeps everything above the socket (request preparation, hooks, response objects, JSON,
    the library itself) in the measurement and takes the server, TLS and the wire out of it.
    """

    def __init__(self) -> None:
        from requests.adapters import HTTPAdapter

        self.adapter = HTTPAdapter
        self.original = HTTPAdapter.send
        self.recorded: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def record(self) -> None:
        original, recorded = self.original, self.recorded

        def send(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            response = original(adapter, request, *args, **kwargs)
            headers = {k: v for k, v in response.headers.items()
                       if k.lower() not in ("content-encoding", "transfer-encoding")}  # fmt: skip
            recorded[request.url] = (response.status_code, headers, response.content)
            return response

        self.adapter.send = send  # type: ignore[method-assign]

    def replay(self) -> None:
        import requests
        from requests.structures import CaseInsensitiveDict

        recorded = self.recorded

        def send(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            status, headers, body = recorded[request.url]
            response = requests.Response()
            response.status_code = status
            response.headers = CaseInsensitiveDict(headers)
            response._content = body
            response.url = request.url
            response.request = request
            response.reason = "OK"
            response.encoding = "utf-8"
            response.connection = adapter
            return response

        self.adapter.send = send  # type: ignore[method-assign]


def _replayed_cpu(
    run: Any, repeat: int, alongside: Any = None
) -> tuple[int, list[float], list[float]]:
    """Record ``run``'s pages once from the live server, then time ``repeat`` replays of it
    (CPU seconds each); returns the item count of the recorded run and the timings.

    ``alongside`` (the floor) replays the same recorded pages in the same process,
    alternating with ``run``: both then see the same interpreter, heap and machine state,
    which separate processes do not (their floors differed by up to 15 % from run to run).
    Its timings are the third element (empty without it).
    """
    replayer = _Replayer()
    replayer.record()
    items = run()
    replayer.replay()
    cpu, other = [], []
    for _ in range(repeat):
        c0 = time.process_time()
        run()
        cpu.append(time.process_time() - c0)
        if alongside is not None:
            c0 = time.process_time()
            alongside()
            other.append(time.process_time() - c0)
    return items, cpu, other


def replay(cfg: dict[str, Any]) -> dict[str, Any]:
    """``stream`` with the server taken out: the pages are recorded once, then replayed.

    With ``profile`` set, the last replayed run is profiled and the statistics (cumulative
    and internal time, top 30 each) go to stderr.
    """
    rally = _rally(cfg)
    names = cfg.get("touch", ["FormattedID", "Name", "State"])

    def run() -> int:
        items = 0
        for item in _query(rally, cfg):
            _touch(item, names)
            if cfg.get("lazy"):  # the lazy scenario's second round of reads
                _touch(item, ["Name", "Severity", "State"])
            items += 1
        return items

    floor_run = _floor_run(cfg) if cfg.get("with_floor") else None
    items, cpu, floor_cpu = _replayed_cpu(run, cfg["repeat"], floor_run)
    if cfg.get("profile"):
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        run()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(30)
        sys.stderr.write(out.getvalue())
    result = {"cpu_seconds": min(cpu), "items": items, "runs": len(cpu)}
    if floor_cpu:
        result["floor_cpu_seconds"] = min(floor_cpu)
    return result


def replay_floor(cfg: dict[str, Any]) -> dict[str, Any]:
    """The floor of ``replay`` in a process of its own (``replay`` with ``with_floor``
    measures it alongside instead)."""
    items, cpu, _ = _replayed_cpu(_floor_run(cfg), cfg["repeat"])
    return {"cpu_seconds": min(cpu), "items": items, "runs": len(cpu)}


def _floor_run(cfg: dict[str, Any]) -> Any:
    """The floor of ``replay``: the same pages through bare ``requests`` + ``.json()``,
    reading the same keys of each item's dict; returns the function doing one run."""
    import requests

    names = cfg.get("touch", ["FormattedID", "Name", "State"])
    session = requests.Session()
    session.verify = False
    session.headers["ZSESSIONID"] = cfg["apikey"]
    base = (
        f"{cfg['service']}/Defect?fetch={cfg.get('fetch', 'FormattedID,Name,State')}"
        f"&workspace=workspace/{cfg['workspace_oid']}&project=project/{cfg['project_oid']}"
        f"&projectScopeUp=false&projectScopeDown=true&pagesize={cfg['pagesize']}"
    )
    limit = cfg.get("limit") or 10**9

    def run() -> int:
        items, start, total = 0, 1, None
        while items < limit and (total is None or start <= total):
            body = session.get(f"{base}&start={start}").json()["QueryResult"]
            total = body["TotalResultCount"]
            for raw in body["Results"][: limit - items]:
                _touch_raw(raw, names)  # the same reads, and the same work per read, as _touch
                items += 1
            if not body["Results"]:
                break
            start += len(body["Results"])
        return items

    return run


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
    "replay": replay,
    "replay_floor": replay_floor,
    "export": export,
    "create": create,
}


def main() -> int:
    cfg = json.loads(sys.argv[1])
    warnings.simplefilter("ignore")  # InsecureRequestWarning on every https request
    result = SCENARIOS[cfg["scenario"]](cfg)
    if not cfg["scenario"].endswith("floor"):
        import pyral

        result["pyral"] = ".".join(str(p) for p in getattr(pyral, "__version__", ("?",)))
    result["python"] = sys.version.split()[0]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
