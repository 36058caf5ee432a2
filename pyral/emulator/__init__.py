"""A local Rally WSAPI v2.0 emulator: real HTTP server, SQLite storage.

Usage in-process::

    from pyral.emulator import EmulatorServer
    with EmulatorServer(demo=True, tls=True) as server:
        rally = Rally(server=server.host_port, apikey=..., verify_ssl_cert=False)

Names are imported lazily so that ``import pyral.emulator.errors`` (or the CLI's ``--help``)
does not pull in the whole server.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Backend", "EmulatorApp", "EmulatorServer", "make_app"]


def __getattr__(name: str) -> Any:
    if name == "EmulatorServer":
        from .server import EmulatorServer

        return EmulatorServer
    if name in {"make_app", "EmulatorApp"}:
        from . import app

        return getattr(app, name)
    if name == "Backend":
        from .backend import Backend

        return Backend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
