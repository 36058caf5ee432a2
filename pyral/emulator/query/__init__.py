"""The WSAPI query language of the emulator: ``query``, ``order`` and ``fetch`` parameters.

``parse_query`` turns text into an AST (``ast``), ``compile_query`` turns the AST into one
parameterised SQL condition over the store's ``objects`` table, ``render`` turns an AST back
into canonical text.  ``parse_order``/``compile_order`` and ``parse_fetch`` handle the other two
parameters.  Every bad input raises :class:`pyral.emulator.errors.QueryError` with a Rally-style
``Could not parse: …`` text; nothing else escapes for malformed text.

Documented semantics (choices where Rally's behaviour is unknown are marked in the modules):

* ``=`` is case-sensitive and exact; ``contains`` is a case-insensitive substring test (ASCII
  letters only: SQLite ``LIKE``); ``!=``, ``!contains``, ``!in``, ``!between`` also hold when the
  attribute is empty; for strings ``""`` and null are the same, for ratings so is ``None``;
* numbers, booleans, refs, dates and FormattedIDs are read according to the attribute compared;
  a date-only literal (or ``today``, ``today+N``, ``today-N``) names the whole UTC day;
* ``<``/``>`` on a RATING or STATE with allowed values compare positions in that list;
* paths follow OBJECT attributes (missing or recycled targets read as null) and COLLECTION
  attributes ("any member matches"), stored or inverse.
"""

from __future__ import annotations

from .ast import (
    COMPARISON_OPS,
    BoolOp,
    Comparison,
    Expr,
    Null,
    Range,
    Scalar,
    Value,
    ValueList,
)
from .compiler import compile_query
from .fetch import Fetch, parse_fetch
from .order import OrderKey, compile_order, parse_order
from .parser import parse_query, parse_query_param
from .render import render, render_text, render_value

__all__ = [
    "COMPARISON_OPS",
    "BoolOp",
    "Comparison",
    "Expr",
    "Fetch",
    "Null",
    "OrderKey",
    "Range",
    "Scalar",
    "Value",
    "ValueList",
    "compile_order",
    "compile_query",
    "parse_fetch",
    "parse_order",
    "parse_query",
    "parse_query_param",
    "render",
    "render_text",
    "render_value",
]
