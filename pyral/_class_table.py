"""Type names to entity classes: ``classFor``, ``validRallyType``, ``getEntityName``.

Only the static classes are in these tables; a workspace's own types are resolved by its
:class:`pyral._schema.WorkspaceSchema`.  Re-exported by :mod:`pyral.entity`.
"""

from __future__ import annotations

from pyral._entity_base import (
    _STATIC_CLASSES,
    PORTFOLIO_ITEM_SUB_TYPES,
    CustomField,
    Persistable,
    present_as_entity_module,
)
from pyral._entity_types import HierarchicalRequirement, ObjectiveConversationPost
from pyral.exceptions import InvalidRallyTypeNameError


# ===================================================================== lookup tables
def _entity_classes() -> dict[str, type[Persistable]]:
    return dict(_STATIC_CLASSES)


_ENTITY_CLASSES: dict[str, type[Persistable]] = _entity_classes()

classFor: dict[str, type] = dict(_ENTITY_CLASSES)
classFor.update(
    {
        "UserStory": HierarchicalRequirement,
        "Story": HierarchicalRequirement,
        # pyral's misspelled key, kept so lookups written against it still work.
        "OjbectiveConversationPost": ObjectiveConversationPost,
        "CustomField": CustomField,
    }
)

# Standard portfolio-item levels by TypePath.  Their items are plain ``PortfolioItem``s, as in
# pyral 1.7.0 (``type(x).__name__ == 'PortfolioItem'``); the level is in ``x.typePath``.  The
# ``PortfolioItem_<Level>`` classes stay in ``classFor`` (pyral had them there) but no item
# is made of them.
_STANDARD_PI_BY_PATH: dict[str, type[Persistable]] = {
    f"PortfolioItem/{level}": _ENTITY_CLASSES["PortfolioItem"] for level in PORTFOLIO_ITEM_SUB_TYPES
}

_STORY_ALIASES = ("UserStory", "Story", "User Story")


def static_class_for(type_name: str) -> type[Persistable] | None:
    """The static class for a wire ``_type`` / type name, or None if only a schema can tell."""
    if type_name in _STANDARD_PI_BY_PATH:
        return _STANDARD_PI_BY_PATH[type_name]
    if type_name in _STORY_ALIASES:
        return HierarchicalRequirement
    cls = classFor.get(type_name)
    if isinstance(cls, type) and issubclass(cls, Persistable):
        return cls
    return None


def validRallyType(candidate: str) -> str:
    """Official name for a type known without a schema; anything else is an error.

    Standard portfolio-item levels are given as their TypePath (``Feature`` ->
    ``PortfolioItem/Feature``).  Workspace-specific types are validated by the schema
    (:meth:`pyral._schema.WorkspaceSchema.official_name`).
    """
    name = candidate
    if not isinstance(name, str):
        raise InvalidRallyTypeNameError(name)
    if name in PORTFOLIO_ITEM_SUB_TYPES:
        return f"PortfolioItem/{name}"
    if name.startswith("PortfolioItem_") and name in _ENTITY_CLASSES:
        return "PortfolioItem/" + name[len("PortfolioItem_") :]
    if name in _STANDARD_PI_BY_PATH or name in _STORY_ALIASES:
        return name
    if name in _ENTITY_CLASSES and name != "Persistable":
        return name
    raise InvalidRallyTypeNameError(name)


def getEntityName(candidate: str) -> str:
    """Canonical entity name: story aliases become ``HierarchicalRequirement``.

    ``PortfolioItem_Feature`` style class names become their TypePath; other names are
    returned unchanged (validation is :func:`validRallyType`'s job).
    """
    name = candidate
    if name in _STORY_ALIASES:
        return "HierarchicalRequirement"
    if name.startswith("PortfolioItem_"):
        return "PortfolioItem/" + name[len("PortfolioItem_") :]
    return name


present_as_entity_module(globals())
