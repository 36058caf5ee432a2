"""Let a pyral-style script run against the embedded emulator when it is given no settings.

The examples (and users' own scripts under test) keep the usual pyral preamble::

    options = [arg for arg in sys.argv[1:] if arg.startswith("--")]
    with demo_options(options) as options:
        server, user, password, apikey, workspace, project = rallyWorkset(options)

With Rally settings on the command line, in ``RALLY_SERVER`` / ``RALLY_CONFIG`` or in a
``rally-v2.0.cfg`` file, nothing changes.  Without any, an emulator with the demo data is
started for the duration of the block and the options point at it, so the same script runs
offline.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = ["demo_options", "has_rally_settings"]

DEMO_PROJECT = "Online Store"


def has_rally_settings(options: list[str]) -> bool:
    """True when the script was told where Rally is (options, environment or config file)."""
    if options:
        return True
    if os.environ.get("RALLY_SERVER") or os.environ.get("RALLY_CONFIG"):
        return True
    return Path("rally-v2.0.cfg").exists()


@contextlib.contextmanager
def demo_options(options: list[str], *, announce: bool = True) -> Iterator[list[str]]:
    """Yield ``options`` unchanged, or options for a freshly started demo emulator."""
    if has_rally_settings(options):
        yield options
        return
    from pyral.emulator.demo import DEMO_APIKEY, DEMO_WORKSPACE
    from pyral.emulator.server import EmulatorServer

    with EmulatorServer(demo=True, quiet=True) as emulator:
        if announce:
            print(
                f"No Rally settings given: using the embedded emulator at {emulator.url} (demo data)"
            )
            sys.stdout.flush()
        yield [
            f"--server={emulator.url}",
            f"--apikey={DEMO_APIKEY}",
            f"--workspace={DEMO_WORKSPACE}",
            f"--project={DEMO_PROJECT}",
        ]
