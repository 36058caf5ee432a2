"""Authentication over HTTP: API key (header any case, Bearer), Basic, 401s, security tokens."""

from __future__ import annotations

import base64
import socket

import requests


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _get(emulator, path: str, headers: dict[str, str]) -> requests.Response:
    response = requests.get(f"{emulator.service_url}/{path}", headers=headers, timeout=10)
    assert response.status_code < 500
    return response


def test_apikey_header_any_case_and_bearer(emulator, demo_login):
    key = demo_login["apikey"]
    for headers in (
        {"ZSESSIONID": key},
        {"zsessionid": key},
        {"ZSessionID": key},
        {"Authorization": f"Bearer {key}"},
    ):
        response = _get(emulator, "user", headers)
        assert response.status_code == 200
        assert response.json()["User"]["UserName"] == demo_login["user"]


def test_basic_auth(emulator, demo_login):
    response = _get(emulator, "user", _basic(demo_login["user"], demo_login["password"]))
    assert response.status_code == 200 and response.json()["User"]["UserName"] == demo_login["user"]


def test_unauthenticated_requests_get_a_401_challenge(emulator, demo_login):
    cases = [
        ({}, "An Authentication object was not found in the SecurityContext"),
        ({"ZSESSIONID": "_nope"}, "Not authorized to perform action: Invalid key"),
        ({"Authorization": "Bearer _nope"}, "Not authorized to perform action: Invalid key"),
        (
            _basic(demo_login["user"], "wrong"),
            "Error 401 The username or password you entered is incorrect.",
        ),
        (
            _basic("nobody@example.com", "x"),
            "Error 401 The username or password you entered is incorrect.",
        ),
        (
            {"Authorization": "Basic %%%"},
            "Error 401 The username or password you entered is incorrect.",
        ),
    ]
    for headers, text in cases:
        for path in ("user", "Defect", "security/authorize", "/../slm/schema/v2.0/workspace/1"):
            response = _get(emulator, path, headers)
            assert response.status_code == 401, (headers, path)
            assert response.headers["WWW-Authenticate"] == 'Basic realm="Rally ALM"'
            assert response.json()["OperationResult"]["Errors"] == [text]


def test_basic_writes_need_the_security_token(basic_wsapi, context):
    ws = context["workspace"]
    before = basic_wsapi.count("Defect", '(Name = "token test")')
    for key in (None, "None", "not-a-token"):
        params = {"workspace": ws} if key is None else {"workspace": ws, "key": key}
        result = basic_wsapi.put("defect/create", {"Defect": {"Name": "token test"}}, params)[
            "CreateResult"
        ]
        assert (
            result["Errors"] == ["Not authorized to perform action: Invalid key"]
            and "Object" not in result
        )
    assert basic_wsapi.count("Defect", '(Name = "token test")') == before
    token = basic_wsapi.get("security/authorize")["OperationResult"]["SecurityToken"]
    created = basic_wsapi.put(
        "defect/create", {"Defect": {"Name": "token test"}}, {"workspace": ws, "key": token}
    )
    assert created["CreateResult"]["Errors"] == []
    oid = created["CreateResult"]["Object"]["ObjectID"]
    refused = basic_wsapi.delete(f"defect/{oid}", {"key": "bad"})["OperationResult"]
    assert refused["Errors"] == ["Not authorized to perform action: Invalid key"]
    assert basic_wsapi.delete(f"defect/{oid}", {"key": token})["OperationResult"]["Errors"] == []
    batch = basic_wsapi.post("batch", {"Batch": []}, {"key": "bad"})["BatchResult"]
    assert batch["Errors"] == ["Not authorized to perform action: Invalid key"]


def test_apikey_ignores_key_parameter(wsapi, context):
    for key in ("None", "garbage", ""):
        created = wsapi.put(
            "defect/create",
            {"Defect": {"Name": "apikey write"}},
            {"workspace": context["workspace"], "key": key},
        )
        assert created["CreateResult"]["Errors"] == []


def test_reads_need_no_token_under_basic(basic_wsapi):
    assert basic_wsapi.get("Project")["QueryResult"]["Errors"] == []


def test_non_ascii_bytes_in_a_basic_header_get_a_401_not_a_500(emulator):
    """A header is read as Latin-1: bytes above 127 in ``Authorization: Basic`` must be an
    authentication failure, not a crash of the base64 decoder."""
    host, port = emulator.host, emulator.port
    for value in (b"\xff\xfe", b"abc\xe9==", b"\xed\xa0\x80"):
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(
                b"GET /slm/webservice/v2.0/defect HTTP/1.1\r\nHost: h\r\n"
                b"Authorization: Basic " + value + b"\r\nConnection: close\r\n\r\n"
            )
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
        assert b"OperationResult" in answer
