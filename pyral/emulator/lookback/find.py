"""The ``find`` language (a subset of MongoDB filters) compiled to SQL over ``snapshots s``.

Supported: a bare value (equality; on a list-valued field, "contains"), ``$in``, ``$nin``,
``$ne``, ``$gt``, ``$gte``, ``$lt``, ``$lte``, ``$exists``, ``$and``, ``$or``, the
``__At`` pseudo-field, and the hierarchy fields.  Null follows Mongo: ``{"F": null}`` also
matches snapshots without ``F``, and ``$ne`` / ``$nin`` match them too.  Comparisons only
match values of the same kind (numbers with numbers, text with text).  Timestamps in values
may be written in any ISO 8601 form; they are normalised to the stored one, so text order is
time order.

Anything else (an unknown ``$`` operator, a list where a value belongs, a non-object
``find``) raises :class:`~pyral.emulator.errors.LookbackError`: the caller gets a 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pyral.emulator import errors
from pyral.emulator.errors import LookbackError
from pyral.emulator.store import to_iso

from .storage import END_OF_TIME

__all__ = ["FindScope", "compile_find", "field_sql", "normalise", "parse_instant"]

_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)

#: Fields with a column of their own (indexed, compared without JSON).
COLUMNS = {
    "ObjectID": "s.oid",
    "_ValidFrom": "s.valid_from",
    "_ValidTo": "s.valid_to",
    "_SnapshotNumber": "s.number",
    "_SnapshotType": "s.kind",
    "Project": "s.project",
}

_COMPARE = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
_OPERATORS = {"$in", "$nin", "$ne", "$exists", *_COMPARE}


@dataclass
class FindScope:
    """What the compiler needs to know beyond the filter: how to expand type and project
    hierarchy values (both depend on the workspace)."""

    #: a type name or TypeDefinition ObjectID -> the stored type names it covers, or None
    types: Callable[[Any], list[str] | None]
    #: a project ObjectID -> it and its descendants
    projects: Callable[[int], list[int]]


def parse_instant(value: Any) -> str | None:
    """An ISO 8601 text in the stored form (UTC, milliseconds, ``Z``), or None."""
    if not isinstance(value, str) or not _ISO.match(value.strip()):
        return None
    text = value.strip().replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return to_iso(moment)


def normalise(value: Any) -> Any:
    """Timestamps to the stored form; everything else as given."""
    found = parse_instant(value)
    return found if found is not None else value


def check_field(name: Any) -> str:
    if not isinstance(name, str) or not _FIELD.match(name):
        raise LookbackError(errors.lookback_bad_field(str(name)))
    return name


def field_sql(name: str) -> str:
    """The SQL reading field ``name`` (dotted names reach into objects)."""
    column = COLUMNS.get(name)
    if column is not None:
        return column
    return f"json_extract(s.data, '$.{check_field(name)}')"


def _json_path(name: str) -> str:
    return f"'$.{check_field(name)}'"


class _Compiler:
    def __init__(self, scope: FindScope) -> None:
        self.scope = scope
        self.params: list[Any] = []

    # -- structure -------------------------------------------------------------------

    def document(self, find: Any) -> str:
        if not isinstance(find, dict):
            raise LookbackError(errors.lookback_bad_key_type("find", "a JSON object", find))
        parts = [self.clause(key, value) for key, value in find.items()]
        return " AND ".join(f"({p})" for p in parts) if parts else "1"

    def clause(self, key: Any, value: Any) -> str:
        if not isinstance(key, str):
            raise LookbackError(errors.lookback_bad_field(str(key)))
        if key in ("$and", "$or"):
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, dict) for v in value)
            ):
                raise LookbackError(
                    errors.lookback_operator_value(key, "a non-empty list of objects", value)
                )
            joined = f" {key[1:].upper()} ".join(f"({self.document(v)})" for v in value)
            return joined
        if key.startswith("$"):
            raise LookbackError(errors.lookback_unknown_operator(key))
        if key == "__At":
            return self.at(value)
        check_field(key)
        if isinstance(value, dict):
            if not value:
                raise LookbackError(errors.lookback_bad_value(key, value))
            ops = []
            for op, operand in value.items():
                if not isinstance(op, str) or not op.startswith("$"):
                    raise LookbackError(errors.lookback_bad_value(key, value))
                if op not in _OPERATORS:
                    raise LookbackError(errors.lookback_unknown_operator(op))
                ops.append(self.operator(key, op, operand))
            return " AND ".join(f"({o})" for o in ops)
        return self.operator(key, "$eq", value)

    def at(self, value: Any) -> str:
        if value == "current":
            self.params.append(END_OF_TIME)
            return "s.valid_to = ?"
        instant = parse_instant(value)
        if instant is None:
            raise LookbackError(errors.lookback_bad_at(value))
        self.params.extend([instant, instant])
        return "s.valid_from <= ? AND s.valid_to > ?"

    # -- operators -------------------------------------------------------------------

    def operator(self, name: str, op: str, operand: Any) -> str:
        if op in ("$in", "$nin"):
            if not isinstance(operand, list):
                raise LookbackError(errors.lookback_operator_value(op, "a list", operand))
            for item in operand:
                self.scalar(name, item)
            sql = self.member(name, [normalise(v) for v in operand])
            return sql if op == "$in" else f"NOT IFNULL(({sql}), 0)"
        if op == "$exists":
            if not isinstance(operand, bool):
                raise LookbackError(errors.lookback_operator_value(op, "true or false", operand))
            if name in COLUMNS or name in _HIERARCHY:
                return "1" if operand else "0"
            return f"json_type(s.data, {_json_path(name)}) IS {'NOT ' if operand else ''}NULL"
        self.scalar(name, operand)
        value = normalise(operand)
        if op == "$eq":
            return self.member(name, [value])
        if op == "$ne":
            return f"NOT IFNULL(({self.member(name, [value])}), 0)"
        return self.compare(name, _COMPARE[op], op, value)

    def scalar(self, name: str, value: Any) -> None:
        if isinstance(value, (dict, list)):
            raise LookbackError(errors.lookback_bad_value(name, value))

    def compare(self, name: str, sign: str, op: str, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise LookbackError(errors.lookback_operator_value(op, "a number or a text", value))
        if name in _HIERARCHY:
            raise LookbackError(errors.lookback_operator_value(op, "a plain field", name))
        self.params.append(value)
        column = COLUMNS.get(name)
        if column is not None:
            return f"{column} {sign} ?"
        path = _json_path(name)
        kind = "('integer', 'real')" if not isinstance(value, str) else "('text')"
        return f"json_type(s.data, {path}) IN {kind} AND json_extract(s.data, {path}) {sign} ?"

    def member(self, name: str, values: list[Any]) -> str:
        """Equal to one of ``values`` (on a list-valued field: contains one of them)."""
        special = _HIERARCHY.get(name)
        if special is not None:
            return special(self, values)
        nulls = any(v is None for v in values)
        bools = [v for v in values if isinstance(v, bool)]
        plain = [v for v in values if v is not None and not isinstance(v, bool)]
        parts: list[str] = []
        column = COLUMNS.get(name)
        if column is not None:
            if plain:
                parts.append(f"{column} IN ({','.join('?' * len(plain))})")
                self.params.extend(plain)
            if nulls:
                parts.append(f"{column} IS NULL")
            return " OR ".join(parts) or "0"
        path = _json_path(name)
        if plain:
            marks = ",".join("?" * len(plain))
            parts.append(
                f"json_extract(s.data, {path}) IN ({marks}) OR (json_type(s.data, {path}) = 'array'"
                f" AND EXISTS (SELECT 1 FROM json_each(s.data, {path}) WHERE value IN ({marks})))"
            )
            self.params.extend(plain + plain)
        for b in bools:
            parts.append(f"json_type(s.data, {path}) = '{'true' if b else 'false'}'")
        if nulls:
            parts.append(f"IFNULL(json_type(s.data, {path}), 'null') = 'null'")
        return " OR ".join(f"({p})" for p in parts) or "0"

    # -- hierarchy fields --------------------------------------------------------------

    def types(self, values: list[Any]) -> str:
        names: set[str] = set()
        for value in values:
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise LookbackError(errors.lookback_unknown_type(value))
            found = self.scope.types(value)
            if found is None:
                raise LookbackError(errors.lookback_unknown_type(value))
            names.update(found)
        if not names:
            return "0"
        self.params.extend(sorted(names))
        return f"s.type IN ({','.join('?' * len(names))})"

    def items(self, values: list[Any]) -> str:
        oids = self._oids("_ItemHierarchy", values)
        self.params.extend(oids)
        return (
            "EXISTS (SELECT 1 FROM json_each(s.data, '$._ItemHierarchy')"
            f" WHERE value IN ({','.join('?' * len(oids))}))"
        )

    def projects(self, values: list[Any]) -> str:
        chosen: set[int] = set()
        for oid in self._oids("_ProjectHierarchy", values):
            chosen.update(self.scope.projects(oid))
        if not chosen:
            return "0"
        self.params.extend(sorted(chosen))
        return f"s.project IN ({','.join('?' * len(chosen))})"

    @staticmethod
    def _oids(name: str, values: list[Any]) -> list[int]:
        for value in values:
            if isinstance(value, bool) or not isinstance(value, int):
                raise LookbackError(errors.lookback_bad_value(name, value))
        return [int(v) for v in values] or [0]


_HIERARCHY: dict[str, Callable[[_Compiler, list[Any]], str]] = {
    "_TypeHierarchy": _Compiler.types,
    "_ItemHierarchy": _Compiler.items,
    "_ProjectHierarchy": _Compiler.projects,
}


def compile_find(find: Any, scope: FindScope) -> tuple[str, list[Any]]:
    """``(sql, params)`` selecting the snapshots ``find`` describes (``s`` is the alias)."""
    compiler = _Compiler(scope)
    try:
        sql = compiler.document(find)
    except RecursionError:
        raise LookbackError(errors.lookback_bad_value("find", "nested too deeply")) from None
    return sql, compiler.params
