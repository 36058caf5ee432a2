"""pyral 1.7.0 shipped a stale ``search_utils`` module (a copy of the project helpers plus a
mock response); scripts that imported it keep working against the maintained helpers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pyral.proj_utils import flatten, projectAncestors, projectDescendants, projeny

__version__ = (1, 6, 0)

__all__ = ["MockRallyRESTResponse", "flatten", "projectAncestors", "projectDescendants", "projeny"]


class MockRallyRESTResponse:
    """An iterable stand-in for a ``RallyRESTResponse`` over already-fetched items."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = list(items)
        self.resultCount = len(self.items)
        self.status_code = 200
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self._iter: Iterator[Any] = iter(self.items)

    def __iter__(self) -> MockRallyRESTResponse:
        return self

    def __next__(self) -> Any:
        return next(self._iter)

    def next(self) -> Any:
        return self.__next__()
