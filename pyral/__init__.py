"""pyral: a drop-in toolkit for the Rally Web Services API (WSAPI v2.0).

The names scripts import from ``pyral`` are bound here, and the legacy submodules are
imported so they are reachable as attributes (``pyral.entity.classFor``,
``pyral.context.RallyRESTAPIError`` ...), which scripts written for pyral 1.7.0 rely on.
"""

from __future__ import annotations

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
