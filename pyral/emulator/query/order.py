"""The ``order`` parameter: parsing against the schema, and the SQL ``ORDER BY`` list.

Choices (spec d leaves them open):

* ``Rank`` (and ``DragAndDropRank``) sort by the ``rank`` column, ``FormattedID`` by its number
  (``fid_num``), ``ObjectID`` by ``oid``;
* an OBJECT attribute sorts by the target's name as Rally shows it in ``_refObjectName``:
  ``Name``, else ``DisplayName``, else ``UserName`` (users have no Name);
* RATING / STATE attributes with allowed values sort in the defined order of those values
  (``ScheduleState``: Defined < In-Progress < Completed < Accepted), unknown values first;
* dotted keys through OBJECT attributes (``Iteration.StartDate``) are allowed; collections are not;
* SQLite's NULL placement is kept: nulls first ascending, last descending;
* the list always ends with ``oid`` ascending unless ``ObjectID`` is already a key, so pages
  cut from the same query never overlap or skip (pyral fetches pages in parallel).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyral.emulator.errors import QueryError, bad_order, cannot_sort_on

from .compiler import ENUMERATED_TYPES, attr_type, column, ranked_values
from .resolve import Resolver, Step, is_collection, is_object

if TYPE_CHECKING:
    from pyral.emulator.schema import AttrDef, Schema, TypeDef

_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_RANK_NAMES = ("Rank", "DragAndDropRank")


@dataclass(frozen=True)
class OrderKey:
    path: tuple[str, ...]
    descending: bool = False


def parse_order(raw: str | None, typedef: TypeDef, schema: Schema) -> list[OrderKey]:
    """``'Name desc,ObjectID'`` -> keys; every attribute must exist on the type."""
    if raw is None:
        return []
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    resolver = Resolver(schema)
    keys: list[OrderKey] = []
    for part in text.split(","):
        words = part.split()
        if not words:
            continue  # tolerate "Name," and ",,"
        if len(words) > 2 or not _KEY_RE.match(words[0]):
            raise QueryError(bad_order(part.strip()))
        descending = False
        if len(words) == 2:
            direction = words[1].lower()
            if direction not in ("asc", "desc"):
                raise QueryError(bad_order(part.strip()))
            descending = direction == "desc"
        path = tuple(words[0].split("."))
        if path[-1] not in _RANK_NAMES or len(path) > 1:
            _check_path(resolver, typedef.element_name, path)
        keys.append(OrderKey(path, descending))
    return keys


def _check_path(resolver: Resolver, root: str, path: tuple[str, ...]) -> list[Step]:
    steps = resolver.path(root, path, ".".join(path))
    for step in steps:
        if is_collection(step.attr):
            raise QueryError(cannot_sort_on(step.attr.name))
    return steps


def compile_order(
    keys: list[OrderKey], typedef: TypeDef, schema: Schema, *, alias: str = "o"
) -> str:
    """``ORDER BY`` list (without the keywords); always total thanks to the oid tie-breaker."""
    resolver = Resolver(schema)
    parts: list[str] = []
    unique = False
    for n, key in enumerate(keys):
        if key.path in (("Rank",), ("DragAndDropRank",)):
            expr = f"{alias}.rank"
        else:
            steps = _check_path(resolver, typedef.element_name, key.path)
            expr = _value(steps, alias, f"{alias}_s{n}")
            unique = unique or key.path == ("ObjectID",)
        parts.append(f"{expr} {'DESC' if key.descending else 'ASC'}")
        if unique:
            break  # keys after a unique one can never matter
    if not unique:
        parts.append(f"{alias}.oid ASC")
    return ", ".join(parts)


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _leaf_expr(attr: AttrDef, a: str, prefix: str) -> str:
    if attr.name == "FormattedID":
        return f"{a}.fid_num"
    if is_object(attr):
        t = f"{prefix}_t"
        return (
            f"(SELECT coalesce(json_extract({t}.data, '$.Name'), "
            f"json_extract({t}.data, '$.DisplayName'), json_extract({t}.data, '$.UserName')) "
            f"FROM objects {t} WHERE {t}.oid = {column(a, attr.name)})"
        )
    order = ranked_values(attr) if attr_type(attr) in ENUMERATED_TYPES else []
    if order:
        # Allowed values come from the schema, not the request, and an ORDER BY list carries
        # no parameters: inline them as escaped SQL literals.
        whens = " ".join(f"WHEN {_sql_literal(v)} THEN {i}" for i, v in enumerate(order))
        return f"CASE {column(a, attr.name)} {whens} END"
    return column(a, attr.name)


def _value(steps: list[Step], alias: str, prefix: str) -> str:
    """Scalar SQL for a path of OBJECT hops ending in a sortable attribute."""
    *hops, last = steps
    aliases = [alias] + [f"{prefix}_{i}" for i in range(1, len(hops) + 1)]
    expr = _leaf_expr(last.attr, aliases[-1], prefix)
    for i in range(len(hops) - 1, -1, -1):  # wrap from the innermost hop outwards
        t = aliases[i + 1]
        expr = (
            f"(SELECT {expr} FROM objects {t} WHERE {t}.oid = "
            f"{column(aliases[i], hops[i].attr.name)} AND {t}.recycled = 0)"
        )
    return expr
