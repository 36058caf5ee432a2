"""Text -> AST for Rally's query grammar, with Rally's error texts.

A hand-written scanner rather than a regex: Rally's grammar is context sensitive in small ways
(``in`` lists split on commas, ``between`` wants a bare ``and``, a quoted value may hold
parentheses and conjunction words), and the error messages must name the token where parsing
stopped, which is easiest to know when the parser walks the text itself.

Shape accepted (see spec c): every comparison sits alone in its own parentheses and every
conjunction joins exactly two parenthesised groups, so ``((A) AND (B) AND (C))`` is refused the
way Rally refuses it.  Extra wrapping parentheses are harmless because a group may hold a group.
"""

from __future__ import annotations

import re

from pyral.emulator.errors import (
    QueryError,
    bad_attribute_name,
    could_not_parse,
    empty_query,
    expected_but_saw,
    missing_value,
    too_deep,
    trailing_text,
    unknown_operator,
    unterminated_string,
)

from .ast import (
    COMPARISON_OPS,
    LIST_OPS,
    RANGE_OPS,
    BoolOp,
    Comparison,
    Expr,
    Null,
    Range,
    Scalar,
    Value,
    ValueList,
)

#: Nesting deeper than this is refused instead of exhausting Python's recursion limit; real
#: clients fold long condition lists into a few dozen levels at most.
MAX_DEPTH = 200

#: Shown in messages when the text stops where more was expected.
END_OF_QUERY = "end of query"

_PATH_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_OPS = frozenset(COMPARISON_OPS)


# Texts Rally is not known to produce verbatim; kept here (errors.py is not ours to extend).
def parse_query(text: str) -> Expr:
    """Parse one WSAPI ``query`` value (already URL-decoded) into an AST.

    An empty or blank query is an error here; the backend treats an absent/empty ``query``
    parameter as "no filter" before calling this (see :func:`parse_query_param`).
    """
    if not isinstance(text, str):
        raise QueryError(could_not_parse(f"query must be text, not {type(text).__name__}"))
    return _Parser(text).parse()


def parse_query_param(raw: str | None) -> Expr | None:
    """The ``query`` request parameter: ``None`` when absent or blank (pyral sends ``query=``)."""
    if raw is None or not raw.strip():
        return None
    return parse_query(raw)


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.n = len(text)

    # --- scanning helpers ------------------------------------------------------------------
    def _peek(self) -> str:
        return self.s[self.i] if self.i < self.n else ""

    def _skip_ws(self) -> bool:
        start = self.i
        while self.i < self.n and self.s[self.i].isspace():
            self.i += 1
        return self.i > start

    def _word(self, stops: str = "()") -> str:
        """A run of characters up to whitespace or one of ``stops``."""
        start = self.i
        while self.i < self.n and not self.s[self.i].isspace() and self.s[self.i] not in stops:
            self.i += 1
        return self.s[start : self.i]

    def _preview(self) -> str:
        """What the text holds at the current position, for error messages."""
        if self.i >= self.n:
            return END_OF_QUERY
        ch = self.s[self.i]
        if ch in "()":
            return ch
        save = self.i
        word = self._word()
        self.i = save
        return word

    def _expect(self, ch: str) -> None:
        if self._peek() != ch:
            raise QueryError(expected_but_saw(ch, self._preview()))
        self.i += 1

    # --- grammar ---------------------------------------------------------------------------
    def parse(self) -> Expr:
        self._skip_ws()
        if self.i >= self.n:
            raise QueryError(empty_query())
        expr = self._group(1)
        self._skip_ws()
        if self.i < self.n:
            raise QueryError(trailing_text(self._preview()))
        return expr

    def _group(self, depth: int) -> Expr:
        """``'(' comparison ')'`` or ``'(' group [CONJ group] ')'``."""
        if depth > MAX_DEPTH:
            raise QueryError(too_deep(MAX_DEPTH))
        self._expect("(")
        self._skip_ws()
        if self._peek() != "(":
            expr: Expr = self._comparison()
            self._skip_ws()
            self._expect(")")
            return expr
        left = self._group(depth + 1)
        self._skip_ws()
        if self._peek() == ")":
            self.i += 1
            return left
        save = self.i
        conj = self._word().upper()
        if conj not in ("AND", "OR"):
            self.i = save
            raise QueryError(expected_but_saw(")", self._preview()))
        self._skip_ws()
        if self._peek() != "(":
            raise QueryError(expected_but_saw("(", self._preview()))
        right = self._group(depth + 1)
        self._skip_ws()
        self._expect(")")
        return BoolOp(conj, left, right)

    def _comparison(self) -> Comparison:
        attr = self._word()
        if not attr:
            raise QueryError(expected_but_saw("attribute name", self._preview()))
        self._skip_ws()
        op_text = self._word()
        if not op_text:
            raise QueryError(unknown_operator(self._preview()))
        op = op_text.lower()
        if op not in _OPS:
            raise QueryError(unknown_operator(op_text))
        if not _PATH_RE.match(attr):
            raise QueryError(bad_attribute_name(attr))
        if not self._skip_ws() or self.i >= self.n or self._peek() == ")":
            raise QueryError(missing_value(attr))
        value: Value
        if op in LIST_OPS:
            value = self._list_value(attr)
        elif op in RANGE_OPS:
            value = self._range_value(attr)
        else:
            value = self._scalar_value(attr)
        return Comparison(tuple(attr.split(".")), op, value)

    def _quoted(self) -> str:
        """A double-quoted string; ``\\"`` and ``\\\\`` are the only escapes."""
        self.i += 1  # opening quote
        out: list[str] = []
        while self.i < self.n:
            ch = self.s[self.i]
            if ch == '"':
                self.i += 1
                return "".join(out)
            if ch == "\\" and self.i + 1 < self.n and self.s[self.i + 1] in '"\\':
                out.append(self.s[self.i + 1])
                self.i += 2
                continue
            out.append(ch)
            self.i += 1
        raise QueryError(unterminated_string())

    def _single(self, attr: str) -> str | None:
        """One quoted or bare value; ``None`` stands for the bare keyword ``null``."""
        if self._peek() == '"':
            return self._quoted()
        word = self._word()
        if not word:
            raise QueryError(missing_value(attr))
        return None if word.lower() == "null" else word

    def _scalar_value(self, attr: str) -> Value:
        text = self._single(attr)
        return Null() if text is None else Scalar(text)

    def _list_value(self, attr: str) -> ValueList:
        """``Open,Fixed`` / ``High, Burning`` / ``"Defined,In-Progress"``: commas split items."""
        items: list[str] = []
        while True:
            self._skip_ws()
            if self._peek() == '"':
                items.extend(p.strip() for p in self._quoted().split(",") if p.strip())
            else:
                word = self._word("(),")
                if not word:
                    raise QueryError(missing_value(attr))
                items.append(word)
            save = self.i
            self._skip_ws()
            if self._peek() == ",":
                self.i += 1
                continue
            self.i = save
            break
        if not items:
            raise QueryError(missing_value(attr))
        return ValueList(tuple(items))

    def _range_value(self, attr: str) -> Range:
        low = self._single(attr)
        if not self._skip_ws():
            raise QueryError(expected_but_saw("and", self._preview()))
        save = self.i
        if self._word().lower() != "and":
            self.i = save
            raise QueryError(expected_but_saw("and", self._preview()))
        if not self._skip_ws() or self.i >= self.n or self._peek() == ")":
            raise QueryError(missing_value(attr))
        high = self._single(attr)
        if low is None or high is None:
            raise QueryError(
                could_not_parse(
                    f'Error parsing expression -- "between" needs two values for "{attr}", not null'
                )
            )
        return Range(low, high)
