"""Small pieces shared by ``Rally`` (``pyral.restapi``) and its capability mixins.

They sit here, below every mixin module, so that no mixin has to import ``pyral.restapi``
(which imports the mixins).  ``pyral.restapi`` re-exports the public ones under their
pyral 1.7.0 names.
"""

from __future__ import annotations

import sys
from typing import Any

from pyral import config

_STORY_ALIASES = {
    "Story": "HierarchicalRequirement",
    "UserStory": "HierarchicalRequirement",
    "User Story": "HierarchicalRequirement",
}
KILO_PAGESIZE = getattr(config, "KILO_PAGESIZE", 1000)


def warning(message: str) -> None:
    sys.stderr.write(f"WARNING: {message}\n")


def _order_text(order: Any) -> str:
    """A list or tuple of sort keys is joined with commas, as ``fetch`` lists are.

    pyral 1.7.0 crashed inside ``quote`` on a list; sending ``str(list)`` would hand Rally
    brackets and quotes it cannot parse.
    """
    if isinstance(order, (list, tuple)):
        return ",".join(str(key).strip() for key in order)
    return str(order)


# pyral 1.7.0 defined it in pyral.restapi, which re-exports it; it keeps that home name.
warning.__module__ = "pyral.restapi"
