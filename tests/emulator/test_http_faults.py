"""Fault injection, latency and concurrency statistics of the emulator.

Rule checking and matching are pure (``faults.py``) and tested directly; everything a client
can observe (statuses, headers, bodies, dropped connections, timings, the admin API and the
``--latency`` option) is tested over HTTP against a running emulator.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from pyral.emulator import faults
from pyral.emulator.app import RESET_UNAVAILABLE, make_app
from pyral.emulator.server import EmulatorServer

# --- pure: rules ---------------------------------------------------------------------------------


def test_rule_defaults_and_normalisation():
    rule = faults.parse_rule({"status": 429, "method": "get", "path_contains": "/Defect"})
    assert rule == faults.FaultRule(status=429, count=1, method="GET", path_contains="/Defect")
    assert faults.parse_rule({"disconnect": True}).status is None


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ({}, "status must be"),
        ({"status": 200}, "status must be"),
        ({"status": 600}, "status must be"),
        ({"status": "429"}, "status must be"),
        ({"status": True}, "status must be"),
        ({"status": 429, "count": 0}, "count must be"),
        ({"status": 429, "count": 1.5}, "count must be"),
        ({"status": 429, "retry_after": -1}, "retry_after must be"),
        ({"status": 429, "retry_after": "soon"}, "retry_after must be"),
        ({"status": 429, "method": "FETCH"}, "method must be"),
        ({"status": 429, "path_contains": ""}, "path_contains must be"),
        ({"status": 429, "body": 5}, "body must be"),
        ({"status": 429, "disconnect": True}, "not both"),
        ({"status": 429, "disconnect": "yes"}, "disconnect must be"),
        ({"status": 429, "cout": 2}, "unknown fault rule field(s) cout"),
        ([429], "must be a JSON object"),
    ],
)
def test_bad_rules_are_refused_with_the_reason(data, complaint):
    with pytest.raises(faults.FaultRuleError) as caught:
        faults.parse_rule(data)
    assert complaint in str(caught.value)


def test_matching_by_method_and_path_ignores_case():
    rule = faults.make_rule(status=503, method="POST", path_contains="/defect")
    assert rule.matches("post", "/slm/webservice/v2.0/Defect/create")
    assert not rule.matches("GET", "/slm/webservice/v2.0/Defect")
    assert not rule.matches("POST", "/slm/webservice/v2.0/HierarchicalRequirement")
    anything = faults.make_rule(status=503)
    assert anything.matches("DELETE", "/whatever")


def test_injector_consumes_counts_oldest_rule_first():
    injector = faults.FaultInjector()
    first = injector.add(faults.make_rule(status=429, count=2, path_contains="/defect"))
    injector.add(faults.make_rule(status=503))
    assert [r["id"] for r in injector.rules()] == [first, first + 1]
    assert injector.take("GET", "/task") == faults.make_rule(status=503)
    assert injector.take("GET", "/defect") == faults.make_rule(
        status=429, count=2, path_contains="/defect"
    )
    assert injector.rules()[0]["remaining"] == 1
    assert injector.take("GET", "/defect") is not None
    assert injector.take("GET", "/defect") is None
    assert len(injector) == 0
    injector.add(faults.make_rule(status=500))
    assert injector.clear() == 1 and injector.rules() == []


def test_injector_count_is_exact_under_concurrency():
    injector = faults.FaultInjector()
    injector.add(faults.make_rule(status=429, count=50))
    hits: list[int] = []
    gate = threading.Barrier(16)

    def grab() -> None:
        gate.wait()
        got = sum(injector.take("GET", "/x") is not None for _ in range(20))
        hits.append(got)

    threads = [threading.Thread(target=grab) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(hits) == 50


def test_fault_responses_json_html_and_headers():
    status, headers, body = faults.fault_response(faults.make_rule(status=429, retry_after=2))
    assert status == 429
    assert ("Retry-After", "2") in headers
    assert ("Content-Type", "application/json; charset=utf-8") in headers
    envelope = json.loads(body)["OperationResult"]
    assert envelope["Errors"] == ["Too Many Requests: injected by the WSAPI emulator"]
    assert envelope["_rallyAPIMajor"] == "2"

    status, headers, body = faults.fault_response(faults.make_rule(status=502, retry_after=0.5))
    assert ("Retry-After", "0.5") in headers
    assert ("Content-Type", "text/html; charset=utf-8") in headers
    assert b"<h1>502 Bad Gateway</h1>" in body
    assert ("Content-Length", str(len(body))) in headers

    _, headers, body = faults.fault_response(faults.make_rule(status=503, body="down for upkeep"))
    assert body == b"down for upkeep"
    assert not any(name == "Retry-After" for name, _ in headers)
    _, _, body = faults.fault_response(faults.make_rule(status=400, body="no <way>"))
    assert json.loads(body)["OperationResult"]["Errors"] == ["no <way>"]


# --- over HTTP -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(demo=True, quiet=True) as srv:
        yield srv


@pytest.fixture
def emu(server: EmulatorServer) -> Iterator[EmulatorServer]:
    server.clear_faults()
    server.latency = 0.0
    server.app.clear_request_log()
    yield server
    server.clear_faults()
    server.latency = 0.0


@pytest.fixture
def headers(demo_login) -> dict[str, str]:
    return {"ZSESSIONID": demo_login["apikey"]}


def admin(emu: EmulatorServer, method: str, name: str, **kw) -> requests.Response:
    return requests.request(method, f"{emu.url}/_emulator/{name}", timeout=10, **kw)


def wsapi(emu: EmulatorServer, method: str, path: str, headers, **kw) -> requests.Response:
    return requests.request(method, f"{emu.service_url}/{path}", headers=headers, timeout=10, **kw)


def test_admin_fault_api_round_trip(emu):
    rule = {
        "status": 429,
        "count": 2,
        "retry_after": 1,
        "method": "GET",
        "path_contains": "/defect",
    }
    added = admin(emu, "POST", "faults", json=rule)  # no Rally credentials needed
    assert added.status_code == 200
    body = added.json()["Emulator"]
    assert body["Errors"] == []
    expected = {"id": body["Id"], **rule, "body": None, "disconnect": False, "remaining": 2}
    assert body["Faults"] == [expected]
    listed = admin(emu, "GET", "faults").json()["Emulator"]["Faults"]
    assert listed == body["Faults"] == emu.faults
    cleared = admin(emu, "DELETE", "faults").json()["Emulator"]
    assert cleared["Cleared"] == 1 and cleared["Faults"] == []
    assert emu.faults == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{not json", "Cannot parse fault rule: invalid JSON"),
        (b"", "Cannot parse fault rule: a fault rule must be a JSON object"),
        (b'{"status": 200}', "Cannot parse fault rule: status must be"),
        (b'{"status": 429, "counts": 2}', "unknown fault rule field(s) counts"),
    ],
)
def test_admin_refuses_bad_rules_with_400(emu, raw, expected):
    answer = admin(emu, "POST", "faults", data=raw)
    assert answer.status_code == 400
    errors = answer.json()["OperationResult"]["Errors"]
    assert expected in errors[0], errors
    assert emu.faults == []


def test_admin_wrong_method_and_unknown_endpoint(emu):
    assert admin(emu, "PUT", "faults").status_code == 405
    assert admin(emu, "GET", "reset").status_code == 405
    missing = admin(emu, "GET", "nothing-here")
    assert missing.status_code == 404
    assert missing.json()["OperationResult"]["Errors"]


def test_admin_endpoints_are_not_reachable_under_slm(emu, headers):
    for prefix in ("/slm/webservice/v2.0/_emulator/faults", "/slm/_emulator/faults"):
        anonymous = requests.post(emu.url + prefix, json={"status": 503}, timeout=10)
        assert anonymous.status_code in (401, 404)
        signed = requests.post(emu.url + prefix, json={"status": 503}, headers=headers, timeout=10)
        assert signed.status_code != 503
        assert emu.faults == []


def test_fault_answers_before_authentication_and_backend(emu, headers):
    count = wsapi(emu, "GET", "Defect?pagesize=1", headers).json()["QueryResult"]
    before = count["TotalResultCount"]
    emu.inject_fault(500, method="PUT", path_contains="/defect/create", body="boom")
    created = wsapi(emu, "PUT", "defect/create", headers, json={"Defect": {"Name": "x"}})
    assert created.status_code == 500
    assert created.json()["OperationResult"]["Errors"] == ["boom"]
    after = wsapi(emu, "GET", "Defect?pagesize=1", headers).json()["QueryResult"]
    assert after["TotalResultCount"] == before
    emu.inject_fault(429)
    anonymous = requests.get(f"{emu.service_url}/Defect", timeout=10)  # would be a 401
    assert anonymous.status_code == 429
    record = emu.app.request_log[-1]
    assert (record.status, record.injected) == (429, True)


def test_rules_match_method_path_and_count(emu, headers):
    emu.inject_fault(503, count=2, method="GET", path_contains="/defect", retry_after=3)
    assert wsapi(emu, "GET", "HierarchicalRequirement?pagesize=1", headers).status_code == 200
    assert wsapi(emu, "POST", "defect/1", headers, json={"Defect": {}}).status_code == 200
    first = wsapi(emu, "GET", "Defect", headers)
    assert first.status_code == 503
    assert first.headers["Retry-After"] == "3"
    assert first.headers["Content-Type"].startswith("text/html")
    assert "503 Service Unavailable" in first.text
    assert wsapi(emu, "GET", "DEFECT?pagesize=1", headers).status_code == 503
    assert wsapi(emu, "GET", "Defect?pagesize=1", headers).status_code == 200
    statuses = [(r.method, r.status, r.injected) for r in emu.app.request_log]
    assert statuses == [
        ("GET", 200, False),
        ("POST", 200, False),
        ("GET", 503, True),
        ("GET", 503, True),
        ("GET", 200, False),
    ]


def test_429_is_a_wsapi_json_error_without_retry_after_unless_asked(emu, headers):
    emu.inject_fault(429)
    answer = wsapi(emu, "GET", "Defect", headers)
    assert answer.status_code == 429
    assert "Retry-After" not in answer.headers
    assert answer.json()["OperationResult"]["Errors"] == [
        "Too Many Requests: injected by the WSAPI emulator"
    ]


def test_head_request_gets_the_status_without_a_body(emu, headers):
    emu.inject_fault(429, method="HEAD", retry_after=1)
    answer = wsapi(emu, "HEAD", "Defect", headers)
    assert answer.status_code == 429 and answer.content == b""
    assert answer.headers["Retry-After"] == "1"


def test_disconnect_drops_the_connection_unanswered(emu, headers):
    emu.inject_fault(disconnect=True, path_contains="/defect")
    with requests.Session() as http:
        http.headers.update(headers)
        assert http.get(f"{emu.service_url}/Project?pagesize=1", timeout=10).status_code == 200
        with pytest.raises(requests.ConnectionError):
            http.get(f"{emu.service_url}/Defect?pagesize=1", timeout=10)
        assert http.get(f"{emu.service_url}/Defect?pagesize=1", timeout=10).status_code == 200
    dropped = [r for r in emu.app.request_log if r.injected]
    assert [(r.path.rsplit("/", 1)[-1], r.status) for r in dropped] == [("Defect", 0)]


def test_disconnect_under_a_plain_wsgi_server_falls_back_to_502(emu):
    app = make_app(emu.backend, quiet=True)
    app.faults.add(faults.make_rule(disconnect=True))
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/slm/webservice/v2.0/Defect",
        "QUERY_STRING": "",
        "wsgi.input": __import__("io").BytesIO(b""),
    }
    seen: list[str] = []
    body = b"".join(app(environ, lambda status, headers: seen.append(status)))
    assert seen == ["502 Bad Gateway"] and b"502 Bad Gateway" in body
    assert environ["pyral.emulator.disconnect"] is True


def test_python_api_validates_like_the_admin_endpoint(emu):
    with pytest.raises(ValueError, match="status must be"):
        emu.inject_fault(302)
    with pytest.raises(ValueError, match="count must be"):
        emu.inject_fault(503, count=0)
    assert emu.faults == []
    rule = emu.inject_fault(504, count=3)
    assert rule.count == 3 and emu.faults[0]["remaining"] == 3
    assert emu.clear_faults() == 1


# --- latency and statistics -----------------------------------------------------------------------


def test_latency_delays_wsapi_answers_not_admin(emu, headers):
    emu.latency = 0.2
    with requests.Session() as http:
        http.headers.update(headers)
        began = time.monotonic()
        assert http.get(f"{emu.service_url}/Project?pagesize=1", timeout=10).status_code == 200
        assert time.monotonic() - began >= 0.2
        record = emu.app.request_log[-1]
        assert record.ended - record.started >= 0.2 and record.ms >= 200
    # the admin endpoints are not slowed down: with a latency far beyond admin()'s 10 s
    # timeout, a delayed answer would raise (no upper bound on wall-clock time to trip on)
    emu.latency = 60
    assert admin(emu, "GET", "health").status_code == 200
    emu.latency = 0.2
    with pytest.raises(ValueError, match="latency"):
        emu.latency = -1
    assert emu.latency == 0.2


def test_latency_keeps_connections_alive(emu, headers):
    emu.latency = 0.05
    with requests.Session() as http:
        http.headers.update(headers)
        first = http.get(f"{emu.service_url}/Project?pagesize=1", timeout=10, stream=True)
        sock = first.raw._connection.sock
        first.content  # noqa: B018 - read the body so the connection goes back to the pool
        second = http.get(f"{emu.service_url}/Project?pagesize=1", timeout=10, stream=True)
        assert second.raw._connection.sock is sock
        second.content  # noqa: B018


def test_latency_option_of_the_constructor(demo_login):
    with EmulatorServer(demo=True, quiet=True, latency=0.1) as slow:
        assert slow.app.latency == 0.1
        answer = requests.get(
            f"{slow.service_url}/Project?pagesize=1",
            headers={"ZSESSIONID": demo_login["apikey"]},
            timeout=10,
        )
        assert answer.status_code == 200
        assert answer.elapsed.total_seconds() >= 0.1
    with pytest.raises(ValueError):
        EmulatorServer(demo=True, quiet=True, latency=float("nan"))


def test_peak_in_flight_counts_concurrent_wsapi_requests(emu, headers):
    # a long latency, so all six overlap even when a busy machine starts the threads slowly
    emu.latency = 1.5
    gate = threading.Barrier(6)
    statuses: list[int] = []

    def call() -> None:
        gate.wait()
        statuses.append(wsapi(emu, "GET", "Project?pagesize=1", headers).status_code)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 6
    assert emu.app.peak_in_flight == 6  # all six overlap inside the 1.5 s sleep
    assert emu.app.in_flight == 0
    records = emu.app.request_log
    assert max(r.started for r in records) < min(r.ended for r in records)
    stats = admin(emu, "GET", "stats").json()["Emulator"]
    assert stats == {
        "Errors": [],
        "Warnings": [],
        "InFlight": 0,
        "PeakInFlight": 6,
        "Requests": 6,
        "Latency": 1.5,
    }
    assert admin(emu, "DELETE", "stats").json()["Emulator"]["PeakInFlight"] == 0
    assert emu.app.peak_in_flight == 0
    wsapi(emu, "GET", "Project?pagesize=1", headers)
    assert emu.app.peak_in_flight == 1
    emu.app.clear_request_log()
    assert emu.app.peak_in_flight == 0 and emu.app.request_log == []
    emu.app.reset_stats()
    assert emu.app.peak_in_flight == 0


# --- reset -----------------------------------------------------------------------------------------


def test_reset_of_a_given_backend_is_a_clear_409(emu):
    with EmulatorServer(emu.backend, quiet=True) as borrowed:
        answer = requests.post(f"{borrowed.url}/_emulator/reset", timeout=10)
        assert answer.status_code == 409
        assert answer.json()["OperationResult"]["Errors"] == [RESET_UNAVAILABLE]
    bare = make_app(emu.backend, quiet=True)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/_emulator/reset",
        "QUERY_STRING": "",
        "wsgi.input": __import__("io").BytesIO(b""),
    }
    seen: list[str] = []
    bare(environ, lambda status, headers: seen.append(status))
    assert seen == ["409 Conflict"]


def test_reset_of_an_own_store_also_clears_faults(demo_login):
    with EmulatorServer(demo=True, quiet=True) as own:
        own.inject_fault(503, count=5)
        assert requests.post(f"{own.url}/_emulator/reset", timeout=30).status_code == 200
        assert own.faults == []


# --- command line ---------------------------------------------------------------------------------


def test_cli_latency_option(demo_login):
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyral.emulator", "--demo", "--quiet", "--latency", "250"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        hints = [proc.stdout.readline() for _ in range(3)]  # server, demo login, latency
        assert "latency: every WSAPI answer is delayed by 250 ms" in hints[2], hints
        stats = requests.get(f"{url}/_emulator/stats", timeout=10).json()["Emulator"]
        assert stats["Latency"] == 0.25
        answer = requests.get(
            f"{url}/slm/webservice/v2.0/Project?pagesize=1",
            headers={"ZSESSIONID": demo_login["apikey"]},
            timeout=10,
        )
        assert answer.status_code == 200 and answer.elapsed.total_seconds() >= 0.25
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


@pytest.mark.parametrize("value", ["-1", "soon", "inf"])
def test_cli_refuses_bad_latency(value):
    done = subprocess.run(
        [sys.executable, "-m", "pyral.emulator", "--latency", value],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "--latency: expected milliseconds >= 0" in done.stderr
