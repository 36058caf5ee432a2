"""pyral 1.7.0's public query-building names, kept as a thin layer over :mod:`pyral._query`.

Scripts (and pyral's own tests) import ``RallyUrlBuilder`` and ``RallyQueryFormatter`` from
here and compare the strings they produce, so the method names and output shapes are those of
1.7.0; the actual formatting logic lives in ``_query`` where the client uses it directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from pyral._query import (
    ATTR_PATH,
    SCALAR_OPERATORS,
    Criteria,
    InvalidQueryError,
    format_query,
    normalise_condition,
    range_expression,
    subset_exclusion,
)

__all__ = ["RallyQueryFormatter", "RallyUrlBuilder", "InvalidQueryError"]


class RallyQueryFormatter:
    """Namespace of pyral's formatter entry points (all static; instances carry nothing)."""

    #: Pattern of an attribute path on the left of a condition.
    ATTR_IDENTIFIER = ATTR_PATH
    #: Pattern of a value: double-quoted (no inner quotes) or a run without spaces and quotes.
    ATTR_VALUE = r'"[^"]*"|[^" ]+'
    CONJUNCTIONS = ["and", "AND", "or", "OR"]
    CONJUNCTION_PATT = re.compile(r"\s+(AND|OR)\s+", re.I)
    #: Pattern of the relational operators a plain condition may use.
    RELATIONSHIP = "|".join(re.escape(op) for op in SCALAR_OPERATORS)
    QUERY_CRITERIA_PATTERN = re.compile(
        rf"^(?P<attr>{ATTR_PATH}) (?P<op>{RELATIONSHIP}) (?P<value>{ATTR_VALUE})$", re.I
    )

    @staticmethod
    def parenGroups(criteria: Criteria) -> str:
        """The encoded text that goes inside ``query=( ... )`` (see :func:`format_query`)."""
        return format_query(criteria)

    @staticmethod
    def validatePartsSyntax(parts: Sequence[str]) -> list[str]:
        """Check pieces of a split criteria string; conditions come back in the shape Rally wants.

        Bare ``AND``/``OR`` pieces pass through unchanged.  The first piece that is neither a
        conjunction nor a condition raises :class:`InvalidQueryError` naming it.
        """
        checked: list[str] = []
        for part in parts:
            text = part.strip()
            if text.upper() in ("AND", "OR"):
                checked.append(text)
            else:
                checked.append(normalise_condition(text, list(parts)))
        return checked

    @staticmethod
    def constructRangefulExpression(attr_name: str, cond: str, lesser: str, greater: str) -> str:
        """``between`` / ``!between`` rewritten as two comparisons (unencoded)."""
        if cond.lower() not in ("between", "!between"):
            raise InvalidQueryError(f"{attr_name} {cond} {lesser} and {greater}")
        return range_expression(attr_name, cond, lesser, greater)

    @staticmethod
    def constructSubsetExpression(field: str, relation: str, values: str | Sequence[str]) -> str:
        """``in`` kept as Rally's native form; ``!in`` rewritten as ANDed ``!=`` (unencoded)."""
        items = values.split(",") if isinstance(values, str) else list(values)
        items = [item.strip() for item in items if item.strip()]
        if not items or relation.lower() not in ("in", "!in"):
            raise InvalidQueryError(f"{field} {relation} {values}")
        if relation.startswith("!"):
            return subset_exclusion(field, [item.strip('"') for item in items])
        return f"{field} {relation} {','.join(items)}"


def _augment_value(augments: Any, name: str) -> str | None:
    """Find ``name`` in pyral-style augments: ``['workspace=workspace/1', ...]`` or a mapping."""
    if not augments:
        return None
    if isinstance(augments, Mapping):
        value = augments.get(name)
        return None if value is None else str(value)
    prefix = f"{name}="
    for augment in augments:
        if isinstance(augment, str) and augment.startswith(prefix):
            return augment[len(prefix) :]
    return None


class RallyUrlBuilder:
    """Accumulates the pieces of one WSAPI read URL (relative to the service root).

    The stateful qualify/augment/build sequence is pyral's; values are stored as given
    (``qualify(True, ...)`` yields ``fetch=True``), because scripts compare the output text.
    """

    parts = [
        "fetch",
        "query",
        "order",
        "workspace",
        "project",
        "projectScopeUp",
        "projectScopeDown",
        "pagesize",
        "start",
        "pretty",
    ]

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.fetch: Any = None
        self.query: Criteria | None = None
        self.order: str | None = None
        self.workspace: str | None = None
        self.project: str | None = None
        self.scopeUp: str | None = None
        self.scopeDown: str | None = None
        self.pagesize: Any = None
        self.startIndex: Any = None
        self.pretty = False

    def qualify(
        self,
        fetch: Any,
        query: Criteria | None,
        order: str | None,
        pagesize: Any,
        startIndex: Any,
    ) -> None:
        self.fetch = fetch
        self.query = query
        self.order = order
        self.pagesize = pagesize
        self.startIndex = startIndex

    def augmentWorkspace(self, augments: Any, workspace_ref: str | None) -> None:
        """An explicit ``workspace=`` augment wins over the context's ref."""
        self.workspace = _augment_value(augments, "workspace") or workspace_ref or None

    def augmentProject(self, augments: Any, project_ref: str | None) -> None:
        """An explicit ``project=`` augment wins over the context's ref."""
        self.project = _augment_value(augments, "project") or project_ref or None

    def augmentScoping(self, augments: Any) -> None:
        up = _augment_value(augments, "projectScopeUp")
        down = _augment_value(augments, "projectScopeDown")
        if up is not None:
            self.scopeUp = up
        if down is not None:
            self.scopeDown = down

    def beautifyResponse(self) -> None:
        """Ask the server for indented JSON (``pretty=true``), handy when reading raw output."""
        self.pretty = True

    def build(self, pretty: bool | None = None) -> str:
        """``<entity>?fetch=...[&query=(...)][&order=...]...&pagesize=...&start=...``."""
        qualifiers = [f"fetch={self.fetch}"]
        if self.query:
            qualifiers.append(f"query=({format_query(self.query)})")
        if self.order:
            qualifiers.append(f"order={quote(str(self.order))}")
        if self.workspace:
            qualifiers.append(f"workspace={self.workspace}")
        if self.project:
            qualifiers.append(f"project={self.project}")
        if self.scopeUp is not None:
            qualifiers.append(f"projectScopeUp={self.scopeUp}")
        if self.scopeDown is not None:
            qualifiers.append(f"projectScopeDown={self.scopeDown}")
        qualifiers.append(f"pagesize={self.pagesize}")
        qualifiers.append(f"start={self.startIndex}")
        if pretty or self.pretty:
            qualifiers.append("pretty=true")
        return f"{self.entity}?" + "&".join(qualifiers)
