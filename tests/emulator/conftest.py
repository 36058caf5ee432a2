"""Fixtures: running emulators (HTTP and HTTPS) with the demo seed, and a small WSAPI client.

The servers are module-scoped (starting one loads the demo seed); tests that change data make
their own objects, so they do not depend on each other.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import urllib3
from test_backend_support import World, make_world

from pyral.emulator.server import EmulatorServer

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


class Wsapi:
    """A ``requests.Session`` bound to one emulator, speaking WSAPI paths.

    ``call`` returns the response after asserting the server did not fail (no 5xx): every
    test therefore also checks the "bad input never gives a 5xx" rule.
    """

    def __init__(
        self,
        server: EmulatorServer,
        *,
        apikey: str | None = None,
        basic: tuple[str, str] | None = None,
    ):
        self.server = server
        self.base = server.service_url
        self.http = requests.Session()
        self.http.verify = False
        self.http.headers["Content-Type"] = "application/json"
        if apikey is not None:
            self.http.headers["ZSESSIONID"] = apikey
        if basic is not None:
            token = base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
            self.http.headers["Authorization"] = f"Basic {token}"

    def url(self, path: str) -> str:
        if path.startswith("http"):
            return path
        if path.startswith("/slm/"):
            return self.server.url + path
        return f"{self.base}/{path.lstrip('/')}"

    def call(
        self,
        method: str,
        path: str,
        params: Any = None,
        body: Any = None,
        *,
        raw: Any = None,
        **kw: Any,
    ) -> requests.Response:
        if raw is not None:
            kw["data"] = raw
        elif body is not None:
            kw["json"] = body
        response = self.http.request(method, self.url(path), params=params, timeout=30, **kw)
        assert response.status_code < 500, (response.status_code, response.text[:2000])
        return response

    def get(self, path: str, params: Any = None, **kw: Any) -> dict:
        return self.call("GET", path, params, **kw).json()

    def put(self, path: str, body: Any = None, params: Any = None, **kw: Any) -> dict:
        return self.call("PUT", path, params, body, **kw).json()

    def post(self, path: str, body: Any = None, params: Any = None, **kw: Any) -> dict:
        return self.call("POST", path, params, body, **kw).json()

    def delete(self, path: str, params: Any = None, **kw: Any) -> dict:
        return self.call("DELETE", path, params, **kw).json()

    # conveniences ---------------------------------------------------------------------------

    def create(self, type_path: str, attrs: dict, params: Any = None) -> dict:
        """Create and return the CreateResult Object (asserting success)."""
        segment = type_path.lower()
        result = self.put(f"{segment}/create", {type_path: attrs}, params)["CreateResult"]
        assert result["Errors"] == [], result
        return result["Object"]

    def count(self, type_name: str, query: str | None = None) -> int:
        params = {"pagesize": 1}
        if query:
            params["query"] = query
        result = self.get(type_name, params)["QueryResult"]
        assert result["Errors"] == [], result
        return result["TotalResultCount"]

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def world(tmp_path) -> Iterator[World]:
    """The backend tests' small seeded world (see test_backend_support), closed afterwards."""
    w = make_world(tmp_path)
    yield w
    w.store.close()


def _demo():
    from pyral.emulator import demo

    return demo


@pytest.fixture(scope="module")
def demo_login() -> dict[str, str]:
    demo = _demo()
    return {"apikey": demo.DEMO_APIKEY, "user": demo.DEMO_USER, "password": demo.DEMO_PASSWORD}


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    """A plain-HTTP emulator with the demo data set."""
    with EmulatorServer(demo=True, quiet=True) as server:
        yield server


@pytest.fixture(scope="module")
def tls_emulator() -> Iterator[EmulatorServer]:
    """An HTTPS emulator (self-signed certificate) with the demo data set."""
    with EmulatorServer(demo=True, tls=True, quiet=True) as server:
        yield server


@pytest.fixture
def wsapi(emulator: EmulatorServer, demo_login: dict[str, str]) -> Iterator[Wsapi]:
    """An API-key client of ``emulator``."""
    client = Wsapi(emulator, apikey=demo_login["apikey"])
    yield client
    client.close()


@pytest.fixture
def basic_wsapi(emulator: EmulatorServer, demo_login: dict[str, str]) -> Iterator[Wsapi]:
    """A user/password client of ``emulator`` (writes need a security token)."""
    client = Wsapi(emulator, basic=(demo_login["user"], demo_login["password"]))
    yield client
    client.close()


@pytest.fixture
def anon(emulator: EmulatorServer) -> Iterator[Wsapi]:
    client = Wsapi(emulator)
    yield client
    client.close()


@pytest.fixture
def context(wsapi: Wsapi) -> dict[str, Any]:
    """The demo user's default workspace and project refs, as pyral would discover them."""
    user = wsapi.get("user")["User"]
    profile = wsapi.get(user["UserProfile"]["_ref"])["UserProfile"]
    ws = profile["DefaultWorkspace"]
    project = profile["DefaultProject"]
    ws_oid = int(ws["_ref"].rsplit("/", 1)[1])
    project_oid = int(project["_ref"].rsplit("/", 1)[1]) if project else None
    return {
        "user": user,
        "user_oid": user["ObjectID"],
        "workspace": f"workspace/{ws_oid}",
        "workspace_oid": ws_oid,
        "project": f"project/{project_oid}" if project_oid else None,
        "project_oid": project_oid,
    }
