"""Issue 7 item 1 and "failure modes": what each failure raises, in pyral 1.7.0's words.

Every text here was observed with pyral 1.7.0 against the emulator (replayed by
tools/oracle_scenario_errors.py).  Each failure is exactly ``RallyRESTAPIError`` -- pyral's
own tests compare ``type(e).__name__`` -- with the kind of failure on ``reason``.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from pyral import Rally, RallyRESTAPIError
from pyral.emulator import EmulatorServer
from pyral.emulator.demo import DEMO_APIKEY, DEMO_USER
from pyral.exceptions import Reason


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _failure(*args, **kwargs) -> RallyRESTAPIError:
    kwargs.setdefault("retries", 0)
    with pytest.raises(RallyRESTAPIError) as info:
        Rally(*args, **kwargs)
    assert type(info.value) is RallyRESTAPIError  # exactly, not a subclass
    assert type(info.value).__name__ == "RallyRESTAPIError"
    return info.value


@pytest.mark.parametrize(
    "kwargs",
    [
        {"user": DEMO_USER, "password": "wrong"},
        {"apikey": "_notakey"},
        {},  # no credentials: pyral sends its placeholder user, Rally refuses it
        {"user": DEMO_USER},
        {"user": DEMO_USER, "password": "x", "workspace": "Demo Workspace", "project": "Web Team"},
    ],
)
def test_rejected_or_missing_credentials(server, kwargs) -> None:
    error = _failure(server.url, **kwargs)
    assert str(error) == "Invalid credentials"
    assert error.reason == Reason.CREDENTIALS
    assert error.status_code == 401
    assert error.url and error.url.startswith(server.url)


def test_refused_port_and_unknown_host() -> None:
    host = f"127.0.0.1:{_free_port()}"
    error = _failure(host, apikey=DEMO_APIKEY)
    assert str(error) == f"Target Rally host: '{host}' non-existent or unreachable"
    assert error.reason == Reason.UNREACHABLE and error.status_code is None
    error = _failure("no-such-host.invalid", apikey=DEMO_APIKEY)
    assert str(error) == "Target Rally host: 'no-such-host.invalid' non-existent or unreachable"
    assert error.reason == Reason.UNREACHABLE


@pytest.mark.parametrize("host", ["not a host!", "host:notaport", "a..b", "[::1"])
def test_malformed_host(host: str) -> None:
    error = _failure(host, apikey=DEMO_APIKEY)
    assert str(error) == (
        f"404 Target host: '{host}' is either not reachable or doesn't support the Rally WSAPI"
    )
    assert error.reason == Reason.MALFORMED_HOST


class _NotRally(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's hook name
        body = b"<html>nothing here</html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def not_rally() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotRally)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_web_server_that_is_not_rally(not_rally: str) -> None:
    error = _failure(f"http://{not_rally}", apikey=DEMO_APIKEY)
    assert str(error) == (
        f"404 Target host: '{not_rally}' is either not reachable or doesn't support the Rally WSAPI"
    )
    assert error.reason == Reason.NOT_RALLY and error.status_code == 404


def test_untrusted_certificate() -> None:
    srv = EmulatorServer(demo=True, quiet=True, tls=True).start()
    try:
        error = _failure(srv.host_port, apikey=DEMO_APIKEY)
        assert str(error) == "SSL certificate verification failed"
        assert error.reason == Reason.TLS
    finally:
        srv.stop()


def test_plain_http_server_on_an_https_url_suggests_http(server) -> None:
    """pyral said "non-existent or unreachable"; that stays the first line, and the second
    says what is wrong and how to connect."""
    host = server.host_port
    error = _failure(host, apikey=DEMO_APIKEY)  # https by default, the server speaks HTTP
    first, hint = str(error).split("\n")
    assert first == f"Target Rally host: '{host}' non-existent or unreachable"
    assert "did not answer HTTPS" in hint and f"server='http://{host}'" in hint
    assert "certificate" not in str(error)
    assert error.reason == Reason.NOT_HTTPS
    assert Rally(f"http://{host}", apikey=DEMO_APIKEY).getWorkspace().Name == "Demo Workspace"


def test_rally_refusals_stay_rallyrestapierror(server) -> None:
    error = _failure(server.url, apikey=DEMO_APIKEY, workspace="Nope", project="x")
    assert str(error).startswith("Specified workspace of 'Nope' either does not exist")
    assert error.reason is None


# ---- writes whose answer never came ---------------------------------------------------------


def test_a_lost_write_answer_says_the_write_may_have_been_applied(fresh_server) -> None:
    rally = Rally(fresh_server.url, apikey=DEMO_APIKEY)
    fresh_server.inject_fault(disconnect=True, method="POST", path_contains="/defect/")
    defect = rally.get("Defect", fetch="FormattedID", project=None, limit=1).next()
    with pytest.raises(RallyRESTAPIError) as info:
        rally.update("Defect", {"ObjectID": defect.oid, "Name": "renamed?"})
    error = info.value
    assert type(error) is RallyRESTAPIError
    assert error.reason == Reason.WRITE_UNCONFIRMED
    assert "may have been applied" in str(error)
    assert "non-existent or unreachable" not in str(error)
    # the request did reach the server (and, there, was dropped unanswered)
    assert [r.status for r in fresh_server.app.request_log if r.method == "POST"] == [0]


def test_a_write_that_never_left_says_unreachable() -> None:
    srv = EmulatorServer(demo=True, quiet=True).start()
    rally = Rally(srv.url, apikey=DEMO_APIKEY, retries=0)
    rally.typedef("Defect")  # the schema is known, so the create goes straight to sending
    srv.stop()
    with pytest.raises(RallyRESTAPIError) as info:
        rally.create("Defect", {"Name": "never sent"})
    assert info.value.reason == Reason.UNREACHABLE
    assert str(info.value).startswith(f"Target Rally host: '{srv.host_port}' non-existent")
    assert "may have been applied" not in str(info.value)
