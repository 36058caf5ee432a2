"""Fixtures: a real emulator over HTTP (demo data) and clients connected to it."""

from __future__ import annotations

import pytest

from pyral import Rally
from pyral.emulator import EmulatorServer
from pyral.emulator.demo import DEMO_APIKEY, DEMO_PASSWORD, DEMO_USER


@pytest.fixture(scope="session")
def server():
    """Shared read-mostly server; tests that write use ``fresh_server``."""
    srv = EmulatorServer(demo=True, quiet=True).start()
    yield srv
    srv.stop()


@pytest.fixture
def fresh_server():
    srv = EmulatorServer(demo=True, quiet=True).start()
    yield srv
    srv.stop()


@pytest.fixture
def rally(server):
    return Rally(server.url, apikey=DEMO_APIKEY)


@pytest.fixture
def wrally(fresh_server):
    """A client on a private server, free to create/update/delete."""
    return Rally(fresh_server.url, DEMO_USER, DEMO_PASSWORD)


class Wire:
    """What the server saw since the last ``reset()``."""

    def __init__(self, srv: EmulatorServer) -> None:
        self.srv = srv

    def reset(self) -> None:
        self.srv.app.clear_request_log()

    @property
    def requests(self) -> list:
        return self.srv.app.request_log

    def count(self) -> int:
        return len(self.requests)

    def lines(self) -> list[str]:
        return [f"{r.method} {r.path}?{r.query}" for r in self.requests]


@pytest.fixture
def wire(server):
    w = Wire(server)
    w.reset()
    return w


@pytest.fixture
def fresh_wire(fresh_server):
    w = Wire(fresh_server)
    w.reset()
    return w
