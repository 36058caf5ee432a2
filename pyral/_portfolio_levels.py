"""Portfolio-item levels as pyral 1.7.0 showed them: one class for the standard levels,
a class per custom level, and the type fields each carries.

What a script can observe, pinned with pyral 1.7.0 against the emulator
(``tools/oracle_scenario_classes.py``):

* an item of a standard level (Strategy, Theme, Initiative, Feature) is a plain
  ``PortfolioItem``, with ``_type == 'PortfolioItem'`` and the level in
  ``typePath == 'PortfolioItem/Feature'``;
* an item of any other level (``PortfolioItem/Epic``, a workspace's own ``Program`` ...) is of
  a class ``PortfolioItem_<Level>`` made for the workspace, derived from
  ``WorkspaceDomainObject`` (not ``Artifact``), with ``_type == 'PortfolioItem/Epic'`` and
  ``typePath`` None.

Those are kept exactly.  What this project adds works from the type fields, never from the
class: :func:`is_portfolio_item` lets ranking accept custom levels (pyral refused them as
"not an Artifact").
"""

from __future__ import annotations

from typing import Any

from pyral._entity_base import PORTFOLIO_ITEM_SUB_TYPES, Persistable, make_entity_class
from pyral._entity_types import PortfolioItem, WorkspaceDomainObject

PI_PREFIX = "PortfolioItem/"
_STANDARD_PATHS = frozenset(PI_PREFIX + level for level in PORTFOLIO_ITEM_SUB_TYPES)


def is_standard_level(type_path: str) -> bool:
    """Is ``type_path`` one of the levels pyral 1.7.0 knew (``PortfolioItem/Feature`` ...)?"""
    return type_path in _STANDARD_PATHS


def custom_level_class(type_path: str) -> type[Persistable]:
    """A new class for a level pyral did not know: ``PortfolioItem/Epic`` ->
    ``PortfolioItem_Epic``, derived from ``WorkspaceDomainObject`` as pyral made it."""
    level = type_path[len(PI_PREFIX) :] if type_path.startswith(PI_PREFIX) else type_path
    return make_entity_class("PortfolioItem_" + level.replace("/", "_"), WorkspaceDomainObject)


def type_fields(type_name: str) -> tuple[str, str | None]:
    """``(_type, typePath)`` an item of wire ``_type`` ``type_name`` carries.

    Only meaningful for ``PortfolioItem/<Level>`` names; any other name is its own ``_type``
    and has no ``typePath``.
    """
    if not type_name.startswith(PI_PREFIX):
        return type_name, None
    if is_standard_level(type_name):
        return "PortfolioItem", type_name
    return type_name, None


def is_portfolio_item(entity: Any) -> bool:
    """Any portfolio item, of a standard or a custom level (by its type fields)."""
    if isinstance(entity, PortfolioItem):
        return True
    state = getattr(entity, "__dict__", {})
    kind = state.get("_type")
    return isinstance(kind, str) and kind.startswith(PI_PREFIX)


__all__ = [
    "PI_PREFIX",
    "custom_level_class",
    "is_portfolio_item",
    "is_standard_level",
    "type_fields",
]
