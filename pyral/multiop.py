"""Batch create/update (pyral 1.7.0's experimental ``createMultiple`` / ``updateMultiple``).

The names are importable now; the batch implementation is a separate piece of work, so the
two operations raise ``NotImplementedError`` with a clear message rather than pretending.
"""

from __future__ import annotations

from typing import Any

from pyral.exceptions import MultipleOperationError

__version__ = (1, 7, 0)

__all__ = ["MultipleOperationError", "createMultiple", "updateMultiple"]

ITEM_TYPE_INCONSISTENCY_ERROR = (
    "All items must be consistent, ie., all dicts or all data-like instances"
)


def looksLikeDataInstance(target: Any) -> bool:
    """True for dataclass instances (the other item form besides dicts)."""
    import dataclasses

    return dataclasses.is_dataclass(target) and not isinstance(target, type)


def createMultiple(
    self: Any,
    entityName: str,
    items: list[Any],
    fields: Any = None,
    workspace: Any = "current",
    project: Any = "current",
    **kwargs: Any,
) -> list[Any]:
    if not items:
        return []
    raise NotImplementedError("createMultiple is not implemented yet in this pyral")


def updateMultiple(
    self: Any,
    entityName: str,
    items: list[Any],
    fields: Any = None,
    workspace: Any = "current",
    project: Any = "current",
    **kwargs: Any,
) -> list[Any]:
    if not items:
        return []
    raise NotImplementedError("updateMultiple is not implemented yet in this pyral")
