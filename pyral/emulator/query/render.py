"""AST -> canonical query text.

The canonical form is what the parser reads back to an equal AST (a property the tests check
with generated trees), so client-side formatters can be tested by rendering what they meant
and comparing.  Values are left bare only when that cannot change their meaning.
"""

from __future__ import annotations

import re

from .ast import BoolOp, Comparison, Expr, Null, Range, Scalar, Value, ValueList

# Characters that end or split a bare token, or that would make it read as something else.
_BARE_RE = re.compile(r'[^\s()",\\]+\Z')
_KEYWORDS = frozenset({"null", "and"})


def render_text(text: str) -> str:
    """One value, bare when safe, otherwise double-quoted with ``\\`` escapes."""
    if _BARE_RE.match(text) and text.lower() not in _KEYWORDS:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_value(value: Value) -> str:
    if isinstance(value, Null):
        return "null"
    if isinstance(value, Scalar):
        return render_text(value.text)
    if isinstance(value, ValueList):
        for item in value.items:
            if not item or item != item.strip() or "," in item:
                # The parser splits list items on commas and trims them, so such an item
                # would come back as something else: refuse rather than render a lie.
                raise ValueError(
                    f"an in-list item cannot be empty, padded or hold a comma: {item!r}"
                )
        return ",".join(render_text(item) for item in value.items)
    if isinstance(value, Range):
        return f"{render_text(value.low)} and {render_text(value.high)}"
    raise TypeError(f"not a query value: {value!r}")


def render(expr: Expr) -> str:
    """Canonical text of ``expr``: ``(A = 1)``, ``((A = 1) AND (B = 2))``."""
    if isinstance(expr, Comparison):
        return f"({'.'.join(expr.path)} {expr.op} {render_value(expr.value)})"
    if isinstance(expr, BoolOp):
        return f"({render(expr.left)} {expr.op} {render(expr.right)})"
    raise TypeError(f"not a query expression: {expr!r}")
