"""Shared benchmark plumbing: an emulator over a generated data set, timing, tables.

Kept apart from the scripts so ``emulator_scale.py`` and ``run.py`` build their servers the
same way (bulk-loaded temp store, quiet app) and print results in the same table form.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bigseed import BigData, big_seed, load_big  # noqa: E402

from pyral.emulator.backend import Backend  # noqa: E402
from pyral.emulator.schema import Schema  # noqa: E402
from pyral.emulator.server import EmulatorServer  # noqa: E402
from pyral.emulator.store import Store  # noqa: E402


@dataclass
class Emulator:
    """A running emulator over a generated store, and what was loaded into it."""

    server: EmulatorServer
    store: Store
    data: BigData

    @property
    def request_log(self) -> list[Any]:
        return self.server.app.request_log


@contextlib.contextmanager
def emulator(
    artifacts: int, *, defects_only: bool = False, tls: bool = False
) -> Iterator[Emulator]:
    """Start an emulator whose Demo Workspace holds ``artifacts`` generated work items.

    The store lives in a private temp directory removed on exit, so runs never share state.
    """
    folder = tempfile.mkdtemp(prefix="pyral-bench-")
    store = Store(os.path.join(folder, "bench.sqlite3"))
    server = None
    try:
        data = load_big(
            store, Schema.load_default(), big_seed(artifacts, defects_only=defects_only)
        )
        server = EmulatorServer(Backend(store), quiet=True, tls=tls).start()
        yield Emulator(server, store, data)
    finally:
        if server is not None:
            server.stop()
        store.close()
        shutil.rmtree(folder, ignore_errors=True)


#: a warm-up slower than this (seconds) is followed by one timed run only, so a pathological
#: request cannot stretch a benchmark run past its few-minute budget.
SLOW_WARMUP = 2.0


def median_ms(action: Callable[[], Any], repeat: int, *, warmup: int = 1) -> float:
    """Median wall time of ``action`` in milliseconds (after ``warmup`` untimed calls)."""
    t0 = time.perf_counter()
    for _ in range(warmup):
        action()
    if warmup and time.perf_counter() - t0 > SLOW_WARMUP * warmup:
        repeat = 1
    times = []
    for _ in range(max(repeat, 1)):
        t0 = time.perf_counter()
        action()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def ratio(ours: float | None, base: float | None) -> str:
    if ours is None or base is None or base == 0:
        return "-"
    return f"{ours / base:.2f}x"


def fmt(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value}{unit}"
    if value >= 100:
        return f"{value:.0f}{unit}"
    return f"{value:.1f}{unit}" if value >= 10 else f"{value:.2f}{unit}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table, left-aligned first column, right-aligned numbers."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for n, r in enumerate([headers, *rows]):
        cells = [
            str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i]) for i, c in enumerate(r)
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
