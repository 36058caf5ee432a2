"""pytest plugin: test your own Rally code against the WSAPI emulator, with no conftest.

Installed with pyral (entry point ``pytest11``), so a test file needs nothing but the fixture
names::

    def test_open_defects_have_owners(rally_emulator, rally):
        found = rally.get("Defect", fetch="Owner", query='State = "Open"', projectScopeDown=True)
        assert all(d.Owner for d in found)

* ``rally_emulator`` -- a running emulator (:class:`RallyEmulator`): the demo data, or the seed
  file named by the ``rally_emulator_seed`` ini option, or the seed given to the
  ``@pytest.mark.rally_seed(...)`` marker.  One server per seed lives for the whole session and
  is reset (a fresh store loaded with the same data, about 0.1 s for the demo data) before each
  test that uses it, so tests cannot see each other's writes.
* ``rally`` -- a :class:`pyral.Rally` connected to it as the seed's main user (the demo user,
  ``Demo Workspace`` / ``Online Store`` with the demo data).
* ``@pytest.mark.rally_fault(...)`` -- for one test, queue a fault rule (the keywords of
  :meth:`pyral.emulator.EmulatorServer.inject_fault`: ``status``, ``count``, ``retry_after``,
  ``method``, ``path_contains``, ``body``, ``disconnect``) and/or slow every answer down with
  ``latency=`` (seconds).  Several markers add several rules; all are gone after the test.

A server per session instead of per test keeps a suite of hundreds of tests fast; the reset
makes that as safe as a fresh server.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["RallyEmulator"]

#: The API key the plugin gives the main user of a seed that is not the demo data.
SEED_APIKEY = "_pytestapikey".ljust(42, "0")
_FAULT_KEYS = {"status", "count", "retry_after", "method", "path_contains", "body", "disconnect"}


@dataclass
class RallyEmulator:
    """A running emulator plus the login that goes with its data.

    Attributes not defined here (``url``, ``host_port``, ``service_url``, ``app``,
    ``inject_fault``, ``clear_faults``, ``latency``...) are those of the underlying
    :class:`pyral.emulator.EmulatorServer`, available as ``server``.
    """

    server: Any
    apikey: str
    workspace: str | None = None
    project: str | None = None
    seed_key: str = "demo"
    _used: bool = field(default=False, repr=False)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.server, name)

    @property
    def request_log(self) -> list[Any]:
        """Every WSAPI request served since the last reset: what your code sent."""
        return list(self.server.app.request_log)

    def reset(self) -> None:
        """Start again from the seed: writes, faults, latency and the request log are undone."""
        self.server.app.latency = 0.0
        self.server.clear_faults()
        self.server.app.reset_hook()  # what POST /_emulator/reset does, without the round trip
        self.server.app.ctx.schema_cache.clear()
        if self.seed_key != "demo":
            from pyral.emulator.server import set_main_user_login

            set_main_user_login(
                self.server.backend.store,
                demo=False,
                apikey=self.apikey,
                username=None,
                password=None,
            )
        self.server.app.clear_request_log()

    def connect(self, **kwargs: Any) -> Any:
        """A new :class:`pyral.Rally` on this emulator (keywords go to ``Rally``)."""
        from pyral import Rally

        options: dict[str, Any] = {"apikey": self.apikey}
        if self.workspace:
            options["workspace"] = self.workspace
        if self.project:
            options["project"] = self.project
        options.update(kwargs)
        return Rally(self.server.url, **options)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "rally_emulator_seed",
        "seed file (JSON, see the emulator seed format) for the rally_emulator fixture; "
        "empty means the demo data",
        default="",
    )
    parser.addini("rally_workspace", "workspace the rally fixture connects to", default="")
    parser.addini("rally_project", "project the rally fixture connects to", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "rally_seed(path_or_dict, demo=False): the rally_emulator for this test holds this seed",
    )
    config.addinivalue_line(
        "markers",
        "rally_fault(status=None, *, count=1, retry_after=None, method=None, path_contains=None, "
        "body=None, disconnect=False, latency=None): inject emulator faults for this test",
    )


class _Servers:
    """Session-wide emulators, one per distinct seed, started on first use."""

    def __init__(self) -> None:
        self.running: dict[str, RallyEmulator] = {}

    def get(self, seed: Any, demo: bool, workspace: str, project: str) -> RallyEmulator:
        key = "demo" if seed is None else json.dumps([_seed_id(seed), demo], sort_keys=True)
        emulator = self.running.get(key)
        if emulator is None:
            from pyral.emulator.seed import SeedError

            problem = None
            try:
                emulator = self._start(key, seed, demo, workspace, project)
            except SeedError as exc:  # the user's data: say what is wrong, not where it broke
                problem = str(exc)
            if emulator is None:  # (outside the except: no chained traceback either)
                pytest.fail(f"rally_emulator: the seed cannot be loaded: {problem}", pytrace=False)
            self.running[key] = emulator
        elif emulator._used:
            emulator.reset()
        emulator._used = True
        return emulator

    @staticmethod
    def _start(key: str, seed: Any, demo: bool, workspace: str, project: str) -> RallyEmulator:
        from pyral.emulator import EmulatorServer

        if seed is None:
            from pyral.emulator.demo import DEMO_APIKEY, DEMO_WORKSPACE

            server = EmulatorServer(demo=True, quiet=True).start()
            return RallyEmulator(
                server, DEMO_APIKEY, workspace or DEMO_WORKSPACE, project or "Online Store"
            )
        server = EmulatorServer(seed=seed, demo=demo, quiet=True).start()
        emulator = RallyEmulator(server, SEED_APIKEY, workspace or None, project or None, key)
        if demo:
            from pyral.emulator.demo import DEMO_APIKEY

            emulator.apikey = DEMO_APIKEY
            emulator.seed_key = "demo"  # the demo user keeps its own key across resets
        else:
            from pyral.emulator.server import set_main_user_login

            set_main_user_login(
                server.backend.store, demo=False, apikey=SEED_APIKEY, username=None, password=None
            )
        return emulator

    def stop(self) -> None:
        for emulator in self.running.values():
            emulator.server.stop()
        self.running.clear()


def _seed_id(seed: Any) -> Any:
    return os.fspath(seed) if isinstance(seed, (str, os.PathLike)) else seed


def _resolve_seed(request: pytest.FixtureRequest) -> tuple[Any, bool]:
    marker = request.node.get_closest_marker("rally_seed")
    if marker is not None:
        if not marker.args:
            raise pytest.UsageError("rally_seed needs a seed: a file path or a dict")
        seed = marker.args[0]
        if isinstance(seed, (str, os.PathLike)):
            path = Path(seed)
            if not path.is_absolute():
                path = Path(request.node.path).parent / path
            seed = str(path)
        return seed, bool(marker.kwargs.get("demo", False))
    configured = str(request.config.getini("rally_emulator_seed") or "").strip()
    if not configured:
        return None, True
    path = Path(configured)
    if not path.is_absolute():
        base = request.config.inipath.parent if request.config.inipath else request.config.rootpath
        path = base / path
    return str(path), False


@pytest.fixture(scope="session")
def _rally_emulator_servers() -> Iterator[_Servers]:
    servers = _Servers()
    yield servers
    servers.stop()


@pytest.fixture
def rally_emulator(
    request: pytest.FixtureRequest, _rally_emulator_servers: _Servers
) -> Iterator[RallyEmulator]:
    """A running WSAPI emulator in a fresh state, with this test's faults queued."""
    seed, demo = _resolve_seed(request)
    emulator = _rally_emulator_servers.get(
        seed,
        demo,
        str(request.config.getini("rally_workspace") or ""),
        str(request.config.getini("rally_project") or ""),
    )
    if "rally" not in request.fixturenames:  # else after connecting: faults are for the test
        _apply_faults(emulator, request)
    try:
        yield emulator
    finally:
        emulator.server.app.latency = 0.0
        emulator.server.clear_faults()


def _apply_faults(emulator: RallyEmulator, request: pytest.FixtureRequest) -> None:
    for marker in reversed(list(request.node.iter_markers("rally_fault"))):  # file order
        _apply_fault(emulator, marker)


def _apply_fault(emulator: RallyEmulator, marker: pytest.Mark) -> None:
    kwargs = dict(marker.kwargs)
    latency = kwargs.pop("latency", None)
    unknown = set(kwargs) - _FAULT_KEYS
    if unknown:
        raise pytest.UsageError(f"rally_fault: unknown keyword(s) {', '.join(sorted(unknown))}")
    if latency is not None:
        emulator.server.latency = float(latency)
    if marker.args or kwargs.get("status") is not None or kwargs.get("disconnect"):
        emulator.server.inject_fault(*marker.args, **kwargs)


@pytest.fixture
def rally(rally_emulator: RallyEmulator, request: pytest.FixtureRequest) -> Any:
    """A :class:`pyral.Rally` connected to ``rally_emulator`` as the seed's main user.

    The test's ``rally_fault`` markers take effect once it is connected, so they hit the
    test's own requests rather than the handshake.
    """
    connected = rally_emulator.connect()
    rally_emulator.server.app.clear_request_log()
    _apply_faults(rally_emulator, request)
    return connected
