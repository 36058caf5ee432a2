"""The transport's promises, checked against a real emulator over HTTP.

* at most 12 requests of one ``Rally`` are in flight at once (Rally's per-user limit), and the
  limit belongs to the client: two clients together may exceed it;
* GETs are retried on 429/502/503/504 and dropped connections, honouring ``Retry-After``, and
  give up after ``retries`` more attempts; ``retries=0`` turns that off;
* writes are sent once, whatever comes back.

The emulator measures concurrency itself (``app.peak_in_flight``) and injected faults are
answered before the backend is touched, so counts and timings come from the server's side.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pyral import Rally
from pyral.emulator import EmulatorServer
from pyral.emulator.demo import DEMO_APIKEY
from pyral.exceptions import RallyError, RallyResponseError, RallyRESTAPIError, Reason

#: what the demo data holds in the whole demo workspace (project=None)
TASKS = 71
#: long enough that the requests of a burst overlap even when a busy machine starts threads late
LATENCY = 0.25


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    """This module's own emulator: latency and faults must not leak into other tests."""
    with EmulatorServer(demo=True, quiet=True) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _clean(server: EmulatorServer) -> Iterator[None]:
    server.latency = 0.0
    server.clear_faults()
    server.app.clear_request_log()
    yield
    server.latency = 0.0
    server.clear_faults()


def connect(server: EmulatorServer, **kwargs: Any) -> Rally:
    return Rally(server.url, apikey=DEMO_APIKEY, **kwargs)


def run_threads(count: int, work: Callable[[], None]) -> list[BaseException]:
    """Run ``work`` on ``count`` threads started together; returns what they raised."""
    failures: list[BaseException] = []
    gate = threading.Barrier(count)

    def body() -> None:
        try:
            gate.wait(timeout=10)
            work()
        except BaseException as exc:  # collected and asserted by the test
            failures.append(exc)

    threads = [threading.Thread(target=body) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "worker threads hung"
    return failures


def small_queries(rally: Rally, collection: str) -> Callable[[], None]:
    def work() -> None:
        found = rally.get("Task", fetch="Name", pagesize=2, project=None)
        assert found.resultCount == TASKS
        items = list(rally.getCollection(collection, fetch="Name", pagesize=2, limit=2))
        assert items

    return work


@pytest.fixture(scope="module")
def tasks_url(server: EmulatorServer) -> str:
    """The Tasks collection URL of a demo story that has tasks."""
    rally = connect(server)
    stories = rally.get("HierarchicalRequirement", fetch="Tasks", project=None, pagesize=200)
    for story in stories:
        if len(story.Tasks) >= 2:
            return f"{rally.service_url}/hierarchicalrequirement/{story.oid}/Tasks"
    raise AssertionError("the demo data has no story with two tasks")


def wsapi_records(server: EmulatorServer, path_part: str) -> list[Any]:
    return [r for r in server.app.request_log if path_part.lower() in r.path.lower()]


# --- the 12-in-flight limit -------------------------------------------------------------------


def test_one_client_keeps_at_most_12_requests_in_flight(server, tasks_url, caplog):
    rally = connect(server)
    server.latency = LATENCY
    server.app.clear_request_log()
    paged: list[int] = []

    def parallel_pages() -> None:
        found = rally.get("Task", fetch="Name", pagesize=2, project=None, threads=12)
        paged.append(len(list(found)))

    workers = small_queries(rally, tasks_url)
    with caplog.at_level(logging.WARNING, logger="urllib3"):
        helper = threading.Thread(target=parallel_pages)
        helper.start()
        failures = run_threads(30, workers)
        helper.join(timeout=60)
    assert failures == []
    assert paged == [TASKS]
    peak = server.app.peak_in_flight
    assert 4 < peak <= 12, peak
    # 30 x (query + collection) + the paged query's 35 pages
    assert len(server.app.request_log) >= 30 * 2 + TASKS // 2
    # the connection pool holds 12, so a burst of 12 does not throw connections away
    assert "Connection pool is full" not in caplog.text


def test_parallel_paging_alone_stays_within_the_limit(server):
    rally = connect(server)
    server.latency = LATENCY
    server.app.clear_request_log()
    found = rally.get("Task", fetch="Name", pagesize=2, project=None, threads=12)
    assert len(list(found)) == TASKS
    assert 4 < server.app.peak_in_flight <= 12


def test_the_limit_is_per_client(server, tasks_url):
    first, second = connect(server), connect(server)
    server.latency = LATENCY
    server.app.clear_request_log()
    work_a, work_b = small_queries(first, tasks_url), small_queries(second, tasks_url)
    turn = iter(range(60))
    lock = threading.Lock()

    def either() -> None:
        with lock:
            mine = next(turn) % 2
        (work_a if mine else work_b)()

    assert run_threads(60, either) == []
    assert 12 < server.app.peak_in_flight <= 24


# --- GET retries -------------------------------------------------------------------------------


def gaps(records: list[Any]) -> list[float]:
    """Seconds between the end of each attempt and the start of the next (server clock)."""
    return [b.started - a.ended for a, b in zip(records, records[1:], strict=False)]


def test_get_honours_retry_after_on_429(server):
    rally = connect(server)
    server.app.clear_request_log()
    server.inject_fault(429, count=2, retry_after=1, method="GET", path_contains="/task")
    found = rally.get("Task", fetch="Name", pagesize=2, project=None)
    assert found.resultCount == TASKS
    attempts = wsapi_records(server, "/task")
    assert [r.status for r in attempts] == [429, 429, 200]
    assert [r.injected for r in attempts] == [True, True, False]
    # Retry-After: 1 -> at least a second each time (the plain back-off starts at 0.5 s)
    assert all(gap >= 0.9 for gap in gaps(attempts)), gaps(attempts)
    assert server.faults == []


def test_get_backs_off_on_502_then_503(server):
    rally = connect(server)
    server.app.clear_request_log()
    server.inject_fault(502, method="GET", path_contains="/task")
    server.inject_fault(503, method="GET", path_contains="/task")
    found = rally.get("Task", fetch="Name", pagesize=2, project=None)
    assert found.resultCount == TASKS
    attempts = wsapi_records(server, "/task")
    assert [r.status for r in attempts] == [502, 503, 200]
    first, second = gaps(attempts)
    assert first >= 0.4 and second >= 0.9, (first, second)  # 0.5 s, then 1 s


def test_get_retried_on_504_with_retry_after_zero(server):
    rally = connect(server)
    server.app.clear_request_log()
    server.inject_fault(504, retry_after=0, method="GET", path_contains="/task")
    found = rally.get("Task", fetch="Name", pagesize=2, project=None)
    assert found.resultCount == TASKS
    assert [r.status for r in wsapi_records(server, "/task")] == [504, 200]


def test_get_retried_after_a_dropped_connection(server):
    rally = connect(server)
    server.app.clear_request_log()
    server.inject_fault(disconnect=True, method="GET", path_contains="/task")
    found = rally.get("Task", fetch="Name", pagesize=2, project=None)
    assert found.resultCount == TASKS
    assert [r.status for r in wsapi_records(server, "/task")] == [0, 200]


def test_get_gives_up_after_the_configured_retries(server):
    rally = connect(server, retries=1)
    server.app.clear_request_log()
    server.inject_fault(503, count=5, retry_after=0, method="GET", path_contains="/task")
    found = rally.get("Task", fetch="Name", pagesize=2, project=None)
    assert not found
    assert found.status_code == 503
    assert any("503 Service Unavailable" in e for e in found.errors), found.errors
    assert [r.status for r in wsapi_records(server, "/task")] == [503, 503]
    assert server.faults[0]["remaining"] == 3


def test_a_later_page_that_keeps_failing_raises_with_the_status(server):
    rally = connect(server)
    found = rally.get("Task", fetch="Name", pagesize=40, project=None)
    assert found.resultCount == TASKS
    server.inject_fault(429, count=3, retry_after=0, method="GET", path_contains="/task")
    with pytest.raises(RallyResponseError) as caught:
        list(found)
    assert caught.value.status_code == 429
    assert "429" in str(caught.value)
    assert server.faults == []  # 1 attempt + 2 retries used all three


def test_retries_zero_disables_get_retries(server):
    rally = connect(server, retries=0)
    server.app.clear_request_log()
    server.inject_fault(429, count=1, retry_after=0, method="GET", path_contains="/task")
    found = rally.get("Task", fetch="Name", pagesize=2, project=None)
    assert found.status_code == 429
    assert [r.status for r in wsapi_records(server, "/task")] == [429]
    again = rally.get("Task", fetch="Name", pagesize=2, project=None)
    assert again.resultCount == TASKS


# --- writes are never retried -------------------------------------------------------------------


def defect_count(rally: Rally) -> int:
    return rally.get("Defect", fetch="ObjectID", pagesize=1, project=None).resultCount


def test_create_is_not_retried_on_429(server):
    rally = connect(server)
    before = defect_count(rally)
    server.app.clear_request_log()
    server.inject_fault(429, count=2, retry_after=0, path_contains="/defect/create")
    with pytest.raises(RallyRESTAPIError) as caught:
        rally.create("Defect", {"Name": "never stored"})
    assert caught.value.status_code == 429
    assert "429" in str(caught.value)
    assert [r.method for r in wsapi_records(server, "/defect/create")] == ["PUT"]
    assert server.faults[0]["remaining"] == 1
    server.clear_faults()
    assert defect_count(rally) == before


def test_update_and_delete_are_not_retried(server):
    rally = connect(server)
    defect = rally.create("Defect", {"Name": "target of failed writes"})
    server.app.clear_request_log()
    server.inject_fault(429, count=2, retry_after=0, method="POST", path_contains="/defect/")
    with pytest.raises(RallyRESTAPIError) as caught:
        rally.update("Defect", {"ObjectID": defect.oid, "Name": "changed"})
    assert caught.value.status_code == 429
    assert "Too Many Requests" in str(caught.value)
    assert [r.method for r in wsapi_records(server, "/defect/")] == ["POST"]
    server.clear_faults()

    server.app.clear_request_log()
    server.inject_fault(429, count=2, retry_after=0, method="DELETE")
    assert rally.delete("Defect", defect.oid) is False  # pyral reports a refused delete so
    assert [r.method for r in wsapi_records(server, "/defect/")] == ["DELETE"]
    server.clear_faults()
    assert rally.get("Defect", fetch="Name", query=f"ObjectID = {defect.oid}").resultCount == 1


def test_a_write_answered_by_a_gateway_error_is_sent_once(server):
    rally = connect(server)
    server.app.clear_request_log()
    server.inject_fault(502, count=2, method="PUT")
    with pytest.raises(RallyError):
        rally.create("Defect", {"Name": "never stored"})
    assert [r.status for r in wsapi_records(server, "/defect/create")] == [502]
    assert server.faults[0]["remaining"] == 1


def test_a_write_answered_by_a_gateway_error_names_the_status(server):
    rally = connect(server)
    server.inject_fault(502, method="PUT")
    with pytest.raises(RallyRESTAPIError) as caught:
        rally.create("Defect", {"Name": "never stored"})
    assert caught.value.status_code == 502
    assert str(caught.value).startswith("502 ")


def test_a_write_on_a_dropped_connection_is_sent_once(server):
    rally = connect(server)
    before = defect_count(rally)
    server.app.clear_request_log()
    server.inject_fault(disconnect=True, count=2, method="PUT")
    with pytest.raises(RallyRESTAPIError) as caught:
        rally.create("Defect", {"Name": "never stored"})
    assert caught.value.reason == Reason.WRITE_UNCONFIRMED
    assert "may have been applied" in str(caught.value)
    assert [r.status for r in wsapi_records(server, "/defect/create")] == [0]
    server.clear_faults()
    assert defect_count(rally) == before
