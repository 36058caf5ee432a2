"""Paging ahead by default, checked over HTTP against the emulator's own counts.

* items come out in server order even when every request takes a random time;
* one ``Rally`` never has more than 12 requests in flight, however many of its queries
  iterate at once (the emulator counts concurrent requests itself);
* the window is bounded: the server never sees more page requests than the pages served
  plus the window;
* breaking out of the loop stops requests (the emulator's request log);
* ``limit`` and ``start`` read no page they do not need.

Nothing here asserts a duration: latency only makes requests overlap.
"""

from __future__ import annotations

import gc
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pyral import Rally
from pyral._pagination import auto_window
from pyral.emulator import EmulatorServer
from pyral.emulator.demo import DEMO_APIKEY

#: the demo workspace's tasks (project=None): enough for many small pages
TASKS = 71


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(demo=True, quiet=True) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _clean(server: EmulatorServer) -> Iterator[None]:
    server.latency = 0.0
    server.app.clear_request_log()
    yield
    server.latency = 0.0
    server.app.__dict__.pop("_serve", None)  # undo random_latency


def random_latency(server: EmulatorServer, low: float, high: float, seed: int) -> None:
    """Delay every WSAPI request by a random time in [low, high) before serving it, so the
    answers to pages requested together arrive in a shuffled order."""
    app = server.app
    serve = type(app)._serve
    rng = random.Random(seed)
    lock = threading.Lock()

    def slow_serve(*args: Any, **kwargs: Any) -> Any:
        with lock:
            delay = rng.uniform(low, high)
        time.sleep(delay)
        return serve(app, *args, **kwargs)

    app._serve = slow_serve  # type: ignore[method-assign]


def connect(server: EmulatorServer) -> Rally:
    return Rally(server.url, apikey=DEMO_APIKEY)


def task_pages(server: EmulatorServer) -> list[Any]:
    return [r for r in server.app.request_log if r.path.endswith("/Task")]


def oids(rally: Rally, **kwargs: Any) -> list[int]:
    found = rally.get("Task", fetch="ObjectID", order="ObjectID", project=None, **kwargs)
    return [task.oid for task in found]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_default_paging_is_parallel_and_keeps_order_under_random_latency(server, seed):
    rally = connect(server)
    expected = oids(rally, pagesize=200, threads=1)
    assert len(expected) == TASKS
    random_latency(server, 0.0, 0.04, seed)
    server.app.clear_request_log()
    assert oids(rally, pagesize=3) == expected  # no threads= given
    pages = task_pages(server)
    assert sorted(int(r.query.split("start=")[1].split("&")[0]) for r in pages) == list(
        range(1, TASKS + 1, 3)
    )
    assert server.app.peak_in_flight > 1, "later pages were not fetched concurrently"


def test_explicit_threads_keep_order_under_random_latency(server):
    rally = connect(server)
    expected = oids(rally, pagesize=200, threads=1)
    random_latency(server, 0.0, 0.03, 7)
    for threads in (2, 5, 12):
        server.app.clear_request_log()
        assert oids(rally, pagesize=4, threads=threads) == expected
        assert 1 < server.app.peak_in_flight <= threads


def test_several_iterations_of_one_client_share_the_12_request_cap(server):
    rally = connect(server)
    server.latency = 0.03
    server.app.clear_request_log()
    results: list[list[int]] = []
    failures: list[BaseException] = []
    gate = threading.Barrier(4)

    def iterate(threads: Any) -> None:
        try:
            gate.wait(timeout=10)
            results.append(oids(rally, pagesize=2, threads=threads))
        except BaseException as exc:  # asserted below
            failures.append(exc)

    workers = [threading.Thread(target=iterate, args=(t,)) for t in (None, None, 12, 8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert failures == []
    assert len(results) == 4 and all(r == results[0] for r in results)
    assert len(results[0]) == TASKS
    # four windows of 8-12 pages want ~40 requests at once; the client lets 12 through
    assert 8 < server.app.peak_in_flight <= 12


def test_the_window_bounds_what_is_requested_ahead(server):
    rally = connect(server)
    random_latency(server, 0.0, 0.02, 11)
    found = rally.get("Task", fetch="Name", pagesize=3, project=None)
    pager = found._pager
    window = pager.window
    assert window == min(auto_window(3), -(-(TASKS - 3) // 3))
    served = 0
    for _ in found:
        served += 1
        assert pager.in_flight <= window
        assert len(task_pages(server)) <= -(-served // 3) + window
        time.sleep(0.001)  # a slow consumer: the window must not run further ahead
    assert server.app.peak_in_flight <= window
    assert served == TASKS


def test_breaking_out_of_the_loop_stops_requests(server):
    rally = connect(server)
    server.latency = 0.02
    found = rally.get("Task", fetch="Name", pagesize=2, project=None)
    window = found._pager.window
    for served, _ in enumerate(found, 1):
        if served == 5:  # in the third page
            break
    pool = found._pager._pool
    assert pool is not None
    del found  # the loop's response goes away: pages not yet sent are cancelled
    gc.collect()
    pool.shutdown(wait=True)  # requests already sent may complete
    seen = len(task_pages(server))
    # the first page, the two taken, and at most one window beyond them; 35 pages exist
    assert seen <= 3 + window < TASKS // 2
    time.sleep(0.1)
    assert len(task_pages(server)) == seen, "pages were still requested after the break"


@pytest.mark.parametrize("threads", [None, 1, 6])
def test_limit_and_start_read_no_page_they_do_not_need(server, threads):
    rally = connect(server)
    everything = oids(rally, pagesize=200)
    server.app.clear_request_log()
    assert oids(rally, pagesize=5, limit=7, threads=threads) == everything[:7]
    starts = sorted(int(r.query.split("start=")[1].split("&")[0]) for r in task_pages(server))
    assert starts == [1, 6]
    server.app.clear_request_log()
    assert oids(rally, pagesize=4, start=9, limit=10, threads=threads) == everything[8:18]
    starts = sorted(int(r.query.split("start=")[1].split("&")[0]) for r in task_pages(server))
    assert starts == [9, 13, 17]
