"""Issue 8 items 6 and 9: plain HTTP on the HTTPS port, and the admin controls off loopback."""

from __future__ import annotations

import socket

import pytest
import requests
import urllib3

from pyral.emulator import errors
from pyral.emulator.server import EmulatorServer, is_loopback
from pyral.emulator.tls import redirect_target

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


def test_plain_http_to_tls_port_is_redirected_to_https(tls_emulator):
    plain = tls_emulator.url.replace("https://", "http://")
    response = requests.get(
        plain + "/slm/webservice/v2.0/defect?query=(Name%20=%20x)",
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 301
    assert response.headers["Location"] == (
        tls_emulator.url + "/slm/webservice/v2.0/defect?query=(Name%20=%20x)"
    )


def test_following_the_redirect_reaches_the_https_service(tls_emulator, demo_login):
    plain = tls_emulator.url.replace("https://", "http://")
    response = requests.get(
        plain + "/slm/webservice/v2.0/subscription",
        headers={"ZSESSIONID": demo_login["apikey"]},
        verify=False,
        timeout=30,
    )
    assert response.status_code == 200
    assert response.url.startswith("https://")
    assert response.json()["Subscription"]["_type"] == "Subscription"


def test_tls_port_still_serves_tls_after_a_plain_request(tls_emulator, demo_login):
    host, port = tls_emulator.host, tls_emulator.port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n")
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 301")
    assert b"Location: https://example/\r\n" in answer
    response = requests.get(
        tls_emulator.service_url + "/user",
        headers={"ZSESSIONID": demo_login["apikey"]},
        verify=False,
        timeout=30,
    )
    assert response.status_code == 200


def test_head_over_plain_http_gets_the_redirect_too(tls_emulator):
    plain = tls_emulator.url.replace("https://", "http://")
    response = requests.head(plain + "/slm/webservice/v2.0/user", timeout=30)
    assert response.status_code == 301
    assert response.headers["Location"] == tls_emulator.url + "/slm/webservice/v2.0/user"


def test_a_write_over_plain_http_is_redirected_with_its_body(tls_emulator, demo_login):
    """A 301 turns a followed POST into a body-less GET: the update would be lost while the
    client sees HTTP 200.  The redirect for writes keeps the method and the body (308)."""
    plain = tls_emulator.url.replace("https://", "http://") + "/slm/webservice/v2.0"
    session = requests.Session()
    session.headers["ZSESSIONID"] = demo_login["apikey"]
    opts = {"verify": False, "timeout": 30}  # per call: REQUESTS_CA_BUNDLE beats Session.verify
    made = session.put(
        plain + "/defect/create", json={"Defect": {"Name": "sent over http"}}, **opts
    ).json()["CreateResult"]
    assert made["Errors"] == [] and made["Object"]["Name"] == "sent over http"
    ref = made["Object"]["_ref"]
    updated = session.post(
        ref.replace("https://", "http://"), json={"Defect": {"Name": "renamed"}}, **opts
    )
    assert updated.url.startswith("https://")
    assert updated.json()["OperationResult"]["Errors"] == []
    assert session.get(ref, **opts).json()["Defect"]["Name"] == "renamed"


def test_a_large_body_over_plain_http_still_gets_the_redirect(tls_emulator):
    """The body is read and dropped before the close, so the client reads the answer
    instead of a connection reset."""
    with socket.create_connection((tls_emulator.host, tls_emulator.port), timeout=10) as sock:
        body = b"x" * (4 << 20)
        head = "POST /slm/webservice/v2.0/defect/create HTTP/1.1\r\nHost: h\r\n"
        sock.sendall(head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode())
        sock.sendall(body)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 308")
    assert b"Location: https://h/slm/webservice/v2.0/defect/create\r\n" in answer


def test_redirect_target_keeps_header_injection_out():
    head = b"GET /a\r\nx HTTP/1.1\r\nHost: evil\r\n\r\n"
    assert "\r" not in redirect_target(head, "h:1")
    assert redirect_target(b"GET http://h:2/p?q=1 HTTP/1.1\r\n\r\n", "h:1") == "https://h:1/p?q=1"


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False), ("", False)],
)
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


def test_admin_controls_refused_on_a_non_loopback_bind():
    with EmulatorServer(demo=True, quiet=True, host="0.0.0.0") as server:
        base = f"http://127.0.0.1:{server.port}/_emulator"
        assert requests.get(base + "/health", timeout=30).status_code == 200
        for method, path in (("POST", "/reset"), ("GET", "/faults"), ("GET", "/stats")):
            response = requests.request(method, base + path, timeout=30)
            assert response.status_code == 403, (method, path)
            assert response.json()["OperationResult"]["Errors"] == [errors.ADMIN_REMOTE_REFUSED]
        # nothing was injected by the refused call
        assert server.faults == []


def test_admin_controls_allowed_off_loopback_when_asked():
    with EmulatorServer(demo=True, quiet=True, host="0.0.0.0", allow_remote_admin=True) as server:
        response = requests.get(f"http://127.0.0.1:{server.port}/_emulator/stats", timeout=30)
        assert response.status_code == 200
