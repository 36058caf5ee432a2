"""pyral: a drop-in toolkit for the Rally Web Services API (WSAPI v2.0).

The names scripts import from ``pyral`` and the legacy submodules (``pyral.entity.classFor``,
``pyral.context.RallyRESTAPIError`` ...), which scripts written for pyral 1.7.0 reach as
attributes, are all available here.  They are loaded on first use (PEP 562) rather than when
the package is imported: pytest imports ``pyral.pytest_plugin`` in every project where pyral is
installed, and that must not cost every unrelated test run the import of ``requests`` and the
whole client.  ``from pyral import Rally`` and ``pyral.restapi.Rally`` work exactly as before.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ loads these
    from pyral import (
        cargotruck,
        config,
        context,
        entity,
        hydrate,
        multiop,
        proj_utils,
        query_builder,
        rallyresp,
        restapi,
        search_utils,
    )
    from pyral.config import rallySettings, rallyWorkset
    from pyral.exceptions import RallyRESTAPIError
    from pyral.query_builder import RallyUrlBuilder
    from pyral.rallyresp import RallyResponseError, RallyRESTResponse
    from pyral.restapi import Rally

__version__ = (2, 0, 0)

#: submodules reachable as attributes of the package, as in pyral 1.7.0
_SUBMODULES = frozenset(
    {
        "cargotruck",
        "config",
        "context",
        "entity",
        "hydrate",
        "multiop",
        "proj_utils",
        "query_builder",
        "rallyresp",
        "restapi",
        "search_utils",
    }
)
#: names bound in the package, and the submodule each comes from
_NAMES = {
    "Rally": "restapi",
    "RallyRESTAPIError": "exceptions",
    "RallyRESTResponse": "rallyresp",
    "RallyResponseError": "rallyresp",
    "RallyUrlBuilder": "query_builder",
    "rallySettings": "config",
    "rallyWorkset": "config",
}

__all__ = [
    "Rally",
    "RallyRESTAPIError",
    "RallyRESTResponse",
    "RallyResponseError",
    "RallyUrlBuilder",
    "__version__",
    "cargotruck",
    "config",
    "context",
    "entity",
    "hydrate",
    "multiop",
    "proj_utils",
    "query_builder",
    "rallySettings",
    "rallyWorkset",
    "rallyresp",
    "restapi",
    "search_utils",
]


def _load(module: str) -> Any:
    """Import a submodule for :func:`__getattr__`.

    An ``AttributeError`` raised while the submodule runs would leave ``__getattr__`` as
    "no attribute", which ``from pyral import Rally`` reports as a bare "cannot import
    name": the real cause must stay visible.
    """
    try:
        return importlib.import_module(f"{__name__}.{module}")
    except AttributeError as exc:
        raise ImportError(f"importing {__name__}.{module} failed: {exc}") from exc


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        value: Any = _load(name)
    elif name in _NAMES:
        value = getattr(_load(_NAMES[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
