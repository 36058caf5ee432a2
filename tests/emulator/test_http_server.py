"""The server itself: CLI, TLS, keep-alive, concurrency, request log, gzip, admin reset."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from pyral.emulator import EmulatorServer, make_app

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def test_tls_mode_serves_https(tls_emulator, demo_login):
    assert tls_emulator.url.startswith("https://127.0.0.1:")
    response = requests.get(
        f"{tls_emulator.service_url}/user",
        headers={"ZSESSIONID": demo_login["apikey"]},
        verify=False,
        timeout=10,
    )
    assert response.status_code == 200 and response.json()["User"]["UserName"] == demo_login["user"]
    assert response.json()["User"]["_ref"].startswith(
        tls_emulator.url + "/slm/webservice/v2.0/user/"
    )
    verified = requests.get(
        f"{tls_emulator.service_url}/user",
        headers={"ZSESSIONID": demo_login["apikey"]},
        verify=tls_emulator.certificate_file,
        timeout=10,
    )
    assert verified.status_code == 200  # the generated certificate is valid for 127.0.0.1


def test_host_port_and_url(emulator):
    assert emulator.url == f"http://{emulator.host_port}"
    assert emulator.host_port == f"127.0.0.1:{emulator.port}" and emulator.port > 0


def test_keep_alive_and_request_log(emulator, demo_login):
    emulator.app.clear_request_log()
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
    try:  # three requests over one TCP connection: the server keeps it open (HTTP/1.1)
        for _ in range(3):
            connection.request(
                "GET",
                "/slm/webservice/v2.0/Project?fetch=Name",
                headers={"ZSESSIONID": demo_login["apikey"]},
            )
            response = connection.getresponse()
            assert response.status == 200 and response.version == 11
            assert json.loads(response.read())["QueryResult"]["Errors"] == []
    finally:
        connection.close()
    log = emulator.app.request_log
    assert [(r.method, r.path, r.query, r.status) for r in log] == [
        ("GET", "/slm/webservice/v2.0/Project", "fetch=Name", 200)
    ] * 3
    assert all(r.ms >= 0 for r in log)
    emulator.app.clear_request_log()
    assert emulator.app.request_log == []


def test_log_line_format(emulator, demo_login):
    lines: list[str] = []
    app = make_app(emulator.backend, log=lines.append)
    with EmulatorServer(emulator.backend, quiet=True) as server:
        server.app = app
        server._server.app = app  # route this server through the logging app
        requests.get(
            f"{server.service_url}/Project?pagesize=1",
            headers={"ZSESSIONID": demo_login["apikey"]},
            timeout=10,
        )
    method, target, status, ms = lines[0].split(" ")
    assert (method, target, status) == ("GET", "/slm/webservice/v2.0/Project?pagesize=1", "200")
    assert "." in ms and len(ms.split(".")[1]) == 1


def test_concurrent_requests(emulator, demo_login):
    errors: list[object] = []
    barrier = threading.Barrier(16)

    def worker(i: int) -> None:
        try:
            with requests.Session() as http:
                http.headers["ZSESSIONID"] = demo_login["apikey"]
                barrier.wait(timeout=10)
                for _ in range(5):
                    r = http.get(
                        f"{emulator.service_url}/Project",
                        params={"fetch": "true", "start": 1 + i % 3},
                        timeout=30,
                    )
                    assert r.status_code == 200 and r.json()["QueryResult"]["Errors"] == []
                made = http.put(
                    f"{emulator.service_url}/defect/create",
                    json={"Defect": {"Name": f"concurrent {i}"}},
                    timeout=30,
                )
                assert made.json()["CreateResult"]["Errors"] == []
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert all(r.status < 500 for r in emulator.app.request_log)


def test_gzip_when_accepted(emulator, demo_login, context):
    response = requests.get(
        f"{emulator.url}/slm/schema/v2.0/workspace/{context['workspace_oid']}",
        headers={"ZSESSIONID": demo_login["apikey"], "Accept-Encoding": "gzip"},
        timeout=30,
    )
    assert response.headers.get("Content-Encoding") == "gzip"
    assert response.json()["QueryResult"]["Errors"] == []
    plain = requests.get(
        f"{emulator.service_url}/user",
        headers={"ZSESSIONID": demo_login["apikey"], "Accept-Encoding": "identity"},
        timeout=10,
    )
    assert "Content-Encoding" not in plain.headers and int(plain.headers["Content-Length"]) == len(
        plain.content
    )


def test_admin_reset_reloads_seed(demo_login):
    with EmulatorServer(demo=True, quiet=True) as server:
        headers = {"ZSESSIONID": demo_login["apikey"]}
        base = server.service_url
        before = requests.get(f"{base}/Defect?pagesize=1", headers=headers, timeout=10).json()[
            "QueryResult"
        ]["TotalResultCount"]
        requests.put(
            f"{base}/defect/create", json={"Defect": {"Name": "temp"}}, headers=headers, timeout=10
        )
        assert (
            requests.get(f"{base}/Defect?pagesize=1", headers=headers, timeout=10).json()[
                "QueryResult"
            ]["TotalResultCount"]
            == before + 1
        )
        assert requests.post(f"{server.url}/_emulator/reset", timeout=30).status_code == 200
        assert (
            requests.get(f"{base}/Defect?pagesize=1", headers=headers, timeout=10).json()[
                "QueryResult"
            ]["TotalResultCount"]
            == before
        )


def _start_cli(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyral.emulator", "--port", "0", "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    first = proc.stdout.readline().strip()
    return proc, first


def test_cli_prints_url_first_and_exits_cleanly(demo_login):
    proc, first = _start_cli("--demo")
    try:
        assert first.startswith("http://127.0.0.1:"), first
        response = requests.get(
            f"{first}/slm/webservice/v2.0/user",
            headers={"ZSESSIONID": demo_login["apikey"]},
            timeout=10,
        )
        assert response.json()["User"]["UserName"] == demo_login["user"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_cli_tls_and_credentials(tmp_path):
    db = tmp_path / "emu.sqlite3"
    proc, first = _start_cli(
        "--demo",
        "--tls",
        "--apikey",
        "_mykey",
        "--user",
        "me@example.com",
        "--password",
        "pw",
        "--db",
        str(db),
    )
    try:
        assert first.startswith("https://127.0.0.1:"), first
        user = requests.get(
            f"{first}/slm/webservice/v2.0/user",
            headers={"ZSESSIONID": "_mykey"},
            verify=False,
            timeout=10,
        ).json()
        assert user["User"]["UserName"] == "me@example.com"
        basic = requests.get(
            f"{first}/slm/webservice/v2.0/user",
            auth=("me@example.com", "pw"),
            verify=False,
            timeout=10,
        )
        assert basic.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    assert db.exists()


def test_cli_reports_bad_options():
    done = subprocess.run(
        [sys.executable, "-m", "pyral.emulator", "--port", "0", "--keyfile", "/nonexistent.pem"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (
        done.returncode == 2
        and "--keyfile needs --certfile" in done.stderr
        and "Traceback" not in done.stderr
    )
    done = subprocess.run(
        [sys.executable, "-m", "pyral.emulator", "--certfile", "/nonexistent.pem"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "not found" in done.stderr


def test_in_process_server_without_tls_is_fast_to_start():
    began = time.perf_counter()
    with EmulatorServer(demo=True, quiet=True) as server:
        assert (
            requests.get(server.url + "/_emulator/health", timeout=5).json()["Emulator"]["Status"]
            == "ok"
        )
    assert time.perf_counter() - began < 30
