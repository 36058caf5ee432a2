"""The version string both command lines print for ``--version``.

The installed distribution's metadata is the truth (it carries pre-release tags such as
``2.0.0.dev0``); a source tree that was never installed falls back to ``pyral.__version__``.
"""

from __future__ import annotations

import platform
from importlib import metadata


def package_version() -> str:
    try:
        return metadata.version("pyral")
    except metadata.PackageNotFoundError:
        from pyral import __version__

        return ".".join(str(part) for part in __version__)


def version_text(prog: str) -> str:
    """``<prog> <version> (Python <x.y.z>)``: what a bug report needs first."""
    return f"{prog} {package_version()} (Python {platform.python_version()})"
