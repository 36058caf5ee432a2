"""The query AST: plain frozen dataclasses so trees compare by value.

Value equality is what the round-trip property tests lean on (``parse(render(e)) == e``), and
frozen nodes can be cached or shared between threads without copying.  The parser keeps values
as *text*: whether ``"5"`` is a number, a date, a ref or a FormattedID depends on the attribute
it is compared with, which only the compiler knows (it has the schema).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Operators in their canonical (lower-case) spelling.
COMPARISON_OPS: tuple[str, ...] = (
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "contains",
    "!contains",
    "in",
    "!in",
    "between",
    "!between",
)
LIST_OPS = frozenset({"in", "!in"})
RANGE_OPS = frozenset({"between", "!between"})
#: Operators that also hold when the attribute is empty ("is not X" is true of nothing).
NEGATED_OPS = frozenset({"!=", "!contains", "!in", "!between"})


@dataclass(frozen=True)
class Scalar:
    """One literal, quoted or bare (``Open``, ``"High Attention"``, ``2024-01-01``, ``/user/5``)."""

    text: str


@dataclass(frozen=True)
class Null:
    """The bare keyword ``null`` (a quoted ``"null"`` is the four-letter string)."""


@dataclass(frozen=True)
class ValueList:
    """The right-hand side of ``in`` / ``!in``."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Range:
    """The right-hand side of ``between`` / ``!between`` (both ends inclusive)."""

    low: str
    high: str


Value = Scalar | Null | ValueList | Range


@dataclass(frozen=True)
class Comparison:
    path: tuple[str, ...]
    op: str
    value: Value


@dataclass(frozen=True)
class BoolOp:
    op: str  # 'AND' | 'OR'
    left: Expr
    right: Expr


Expr = Comparison | BoolOp
