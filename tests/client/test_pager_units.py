"""Pager arithmetic and lazy paging without a server (the fetcher is a local function)."""

from __future__ import annotations

import threading
import time

import pytest

from pyral._pagination import (
    AUTO_MAX_WINDOW,
    AUTO_MIN_WINDOW,
    AUTO_START_WINDOW,
    AUTO_THREADS,
    GROW_BELOW,
    SHRINK_ABOVE,
    Pager,
    auto_window,
    normalize_limit,
    normalize_pagesize,
    normalize_start,
    normalize_threads,
    servable,
    window_size,
)
from pyral.cargotruck import CargoTruck, run_in_order


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, 500),
        (10, 10),
        ("200", 200),
        (2001, 2000),
        (0, 500),
        (-5, 500),
        ("junk", 500),
        (True, 500),
    ],
)
def test_pagesize_default_and_clamp(value, expected):
    assert normalize_pagesize(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(1, 1), ("3", 3), (0, 1), (2000000, 1), ("x", 1), (None, 1)]
)
def test_start(value, expected):
    assert normalize_start(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (0, None), (5, 5), ("7", 7), ("x", None), (10**9, 1000000)],
)
def test_limit(value, expected):
    assert normalize_limit(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 0), (0, 0), (-2, 0), (1, 1), (4, 4), (50, 12), ("3", 3), ("x", 0), (True, 0)],
)
def test_threads(value, expected):
    assert normalize_threads(value) == expected


def test_servable_rules():
    assert servable(25, 1, None) == 25
    assert servable(25, 5, 15) == 15  # limit counts items served, not an end index
    assert servable(25, 5, None) == 21
    assert servable(7, 3, None) == 5
    assert servable(3, 10, None) == 0


def make_source(total, page_size):
    rows = [{"n": i} for i in range(1, total + 1)]
    calls = []

    def fetch(start):
        calls.append(start)
        return rows[start - 1 : start - 1 + page_size]

    return rows, calls, fetch


def test_pages_are_fetched_lazily():
    rows, calls, fetch = make_source(23, 5)
    pager = Pager(
        rows[:5], total=23, start_index=1, page_size=5, limit=None, fetch_page=fetch, threads=1
    )
    got = [next(pager) for _ in range(5)]
    assert calls == []  # first page came with the response
    got.append(next(pager))
    assert calls == [6]
    got.extend(pager)
    assert calls == [6, 11, 16, 21]
    assert [r["n"] for r in got] == list(range(1, 24))


def test_limit_stops_before_unneeded_pages():
    rows, calls, fetch = make_source(23, 5)
    pager = Pager(rows[:5], total=23, start_index=1, page_size=5, limit=7, fetch_page=fetch)
    assert [r["n"] for r in pager] == list(range(1, 8))
    assert calls == [6]


def test_start_offset():
    rows, calls, fetch = make_source(23, 5)
    pager = Pager(rows[9:14], total=23, start_index=10, page_size=5, limit=None, fetch_page=fetch)
    assert [r["n"] for r in pager] == list(range(10, 24))
    assert calls == [15, 20]


@pytest.mark.parametrize("threads", [1, 0, 3])
def test_short_page_ends_iteration_without_error(threads):
    rows, calls, fetch = make_source(12, 5)
    # server claimed 20 rows but only 12 exist now
    pager = Pager(
        rows[:5], total=20, start_index=1, page_size=5, limit=None, fetch_page=fetch,
        threads=threads,
    )  # fmt: skip
    assert [r["n"] for r in pager] == list(range(1, 13))
    if threads == 1:
        assert calls == [6, 11]
    else:  # the window had already asked for the page after the short one
        assert sorted(calls) == [6, 11, 16]


def test_parallel_pages_keep_order_and_bound_parallelism():
    rows = [{"n": i} for i in range(1, 101)]
    active = 0
    peak = 0
    lock = threading.Lock()
    calls = []

    def fetch(start):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            calls.append(start)
        time.sleep(0.02 if start % 20 == 1 else 0.001)  # make arrival order differ
        with lock:
            active -= 1
        return rows[start - 1 : start + 9]

    pager = Pager(
        rows[:10], total=100, start_index=1, page_size=10, limit=None, fetch_page=fetch, threads=3
    )
    assert [r["n"] for r in pager] == list(range(1, 101))
    assert sorted(calls) == list(range(11, 101, 10))
    assert peak <= 3


def test_failed_page_propagates():
    def fetch(start):
        raise RuntimeError(f"page {start} failed")

    pager = Pager(
        [{"n": 1}], total=3, start_index=1, page_size=1, limit=None, fetch_page=fetch, threads=2
    )
    assert next(pager) == {"n": 1}
    with pytest.raises(RuntimeError, match="page 2 failed"):
        next(pager)


def test_run_in_order_and_cargotruck():
    assert run_in_order(lambda x: x * 2, [3, 1, 2], 3) == [6, 2, 4]

    class Agent:
        def work(self, order):
            time.sleep(0.01 * (3 - order))
            return order * 10

    truck = CargoTruck([1, 2, 3], 2)
    assert truck.orders == [1, 2, 3]
    assert truck.num_loaders == 2
    truck.load(Agent(), "work", 5)
    assert truck.dump() == [10, 20, 30]


# --- the window: sliding, bounded, stopped by the caller ------------------------------------


def test_auto_window_follows_the_page_size():
    assert auto_window(2000) == 8
    assert auto_window(500) == AUTO_MAX_WINDOW
    assert auto_window(16000) == AUTO_MIN_WINDOW
    assert window_size(AUTO_THREADS, 2000, 100) == 8
    assert window_size(AUTO_THREADS, 2000, 1) == 1  # one page left: nothing to overlap
    assert window_size(1, 10, 100) == 1
    assert window_size(12, 10, 100) == 12
    assert window_size(5, 10, 3) == 3


def _requested(pager: Pager) -> list[int]:
    return [start for start, _ in pager._ahead]


def test_window_slides_one_page_at_a_time():
    rows, calls, fetch = make_source(100, 10)
    pager = Pager(
        rows[:10], total=100, start_index=1, page_size=10, limit=None, fetch_page=fetch, threads=3
    )
    assert _requested(pager) == []  # nothing before iteration begins
    next(pager)
    assert _requested(pager) == [11, 21, 31]
    for _ in range(9):
        next(pager)
    assert _requested(pager) == [11, 21, 31]  # still serving page 1
    next(pager)  # page 2 taken: page 5 requested at once, not after a whole group
    assert _requested(pager) == [21, 31, 41]
    assert [r["n"] for r in pager] == list(range(12, 101))
    assert sorted(calls) == list(range(11, 101, 10))


def _auto_pager(first_rtt: float | None = 0.1, threads: int = AUTO_THREADS) -> Pager:
    rows, _, fetch = make_source(1000, 10)
    return Pager(rows[:10], total=1000, start_index=1, page_size=10, limit=None,
                 fetch_page=fetch, threads=threads, first_rtt=first_rtt)  # fmt: skip


def test_automatic_window_grows_while_the_server_keeps_up():
    pager = _auto_pager()
    assert (pager.window, pager.target) == (AUTO_MAX_WINDOW, AUTO_START_WINDOW)
    for _ in range(10):  # every page as quick as the first one, alone, was
        pager._adapt(0.1)
    assert pager.target == AUTO_MAX_WINDOW  # and never beyond the window


def test_automatic_window_shrinks_when_the_server_queues_and_holds_in_between():
    pager = _auto_pager()
    pager._adapt(0.1 * (GROW_BELOW + SHRINK_ABOVE) / 2)  # slower, not queueing: held
    assert pager.target == AUTO_START_WINDOW
    for _ in range(10):
        pager._adapt(0.1 * SHRINK_ABOVE * 1.5)
    assert pager.target == AUTO_MIN_WINDOW  # never below two pages
    pager._adapt(0.05)  # quicker than anything seen: the new yardstick, and room to grow
    assert (pager._quickest, pager.target) == (0.05, AUTO_MIN_WINDOW + 1)


def test_without_a_first_round_trip_the_quickest_page_is_the_yardstick():
    pager = _auto_pager(first_rtt=None)
    pager._adapt(0.4)  # the first measurement: as quick as the quickest
    assert (pager._quickest, pager.target) == (0.4, AUTO_START_WINDOW + 1)


def test_explicit_threads_are_a_fixed_window():
    pager = _auto_pager(threads=5)
    for _ in range(5):
        pager._adapt(10.0)
    assert (pager.window, pager.target) == (5, 5)
    assert [r["n"] for r in pager][-1] == 1000  # _take does not adapt a fixed window
    assert pager.target == 5


def test_requests_in_flight_follow_the_automatic_window():
    pager = _auto_pager()
    next(pager)
    assert len(_requested(pager)) == AUTO_START_WINDOW
    pager.target = AUTO_MIN_WINDOW  # as after slow pages: no new request until below it
    for _ in range(10):
        next(pager)  # page 2 taken
    assert len(_requested(pager)) == AUTO_START_WINDOW - 1
    assert [r["n"] for r in pager] == list(range(12, 1001))


def test_window_respects_limit_and_start():
    rows, calls, fetch = make_source(100, 10)
    pager = Pager(rows[20:30], total=100, start_index=21, page_size=10, limit=25, fetch_page=fetch)
    assert [r["n"] for r in pager] == list(range(21, 46))
    assert sorted(calls) == [31, 41]  # 51 holds nothing the limit lets through


def test_breaking_out_stops_requesting_pages():
    rows = [{"n": i} for i in range(1, 1001)]
    calls = []
    lock = threading.Lock()

    def fetch(start):
        with lock:
            calls.append(start)
        return rows[start - 1 : start + 9]

    pager = Pager(
        rows[:10], total=1000, start_index=1, page_size=10, limit=None, fetch_page=fetch, threads=4
    )
    for item in pager:
        if item["n"] == 25:
            break
    window = list(_requested(pager))
    assert window == [31, 41, 51, 61]
    pager.close()
    time.sleep(0.05)  # let any request already running finish
    assert set(calls) <= {11, 21, 31, 41, 51, 61}
    assert pager._pool is None and pager.in_flight == 0


def test_decode_runs_in_order_on_the_iterating_thread():
    rows = [{"n": i} for i in range(1, 51)]
    decoded = []

    def fetch(start):
        time.sleep(0.01 if start == 11 else 0)  # a later page may arrive first
        return ("raw", start)

    def decode(raw):
        decoded.append((raw[1], threading.current_thread().name))
        return rows[raw[1] - 1 : raw[1] + 9]

    pager = Pager(
        rows[:10], total=50, start_index=1, page_size=10, limit=None, fetch_page=fetch,
        decode_page=decode, threads=4,
    )  # fmt: skip
    assert [r["n"] for r in pager] == list(range(1, 51))
    me = threading.current_thread().name
    assert decoded == [(11, me), (21, me), (31, me), (41, me)]


def test_a_failed_page_ends_iteration_after_raising():
    rows, calls, fetch = make_source(30, 10)

    def failing(start):
        if start == 11:
            raise RuntimeError("boom")
        return fetch(start)

    pager = Pager(rows[:10], total=30, start_index=1, page_size=10, limit=None, fetch_page=failing)
    assert len([next(pager) for _ in range(10)]) == 10
    with pytest.raises(RuntimeError, match="boom"):
        next(pager)
    assert list(pager) == []
    assert pager._pool is None
