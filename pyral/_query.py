"""The query formatter: criteria as scripts write them -> the text inside ``query=( ... )``.

Scripts hand ``Rally.get`` a criteria string, a list of condition strings, or a dict of
field -> value.  Rally only understands fully parenthesised, strictly binary expressions
(``((A) AND (B)) AND (C)``-style, every comparison in its own parentheses), so something has to
turn the casual forms into that shape and percent-encode the result for the URL.

The output is byte-for-byte what pyral 1.7.0 produced for every input it handled correctly
(URLs are compared in tests and logs), with these deliberate differences (spec section 11):

* Q3 -- conjunction words inside double-quoted values never split a condition, and a piece of
  text that is not a condition raises instead of being silently dropped together with every
  condition after it;
* Q4 -- a pre-parenthesised ("passthrough") query is no longer sent raw: characters that would
  corrupt the URL (``&``, ``#``, ``+``, a stray ``%``, ``;``, control characters) are
  percent-encoded, while ``( ) = " !`` stay as they are and spaces become ``%20`` as before.
  Valid ``%XX`` escapes a script already wrote are left alone, since pyral sent them as escapes;
* Q5 -- dict values containing spaces are double-quoted (also in the one-entry shortcut),
  one-letter field names are allowed, and ``Name = ""`` is a valid condition;
* unquoted values containing parentheses are double-quoted (Rally reads a bare ``)`` as the end
  of the group), ``None`` dict values become ``null`` and ``bytes`` values are decoded as UTF-8;
* errors carry the offending text (pyral's message ended after ``in: ``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from pyral._hints import query_hint
from pyral.exceptions import RallyError

__all__ = [
    "InvalidQueryError",
    "INVALID_QUERY_PREFIX",
    "format_query",
    "normalise_condition",
    "encode_passthrough",
    "build_query_params",
    "join_query_params",
]

INVALID_QUERY_PREFIX = "Invalid query expression syntax in: "

#: An attribute path: ``Name``, ``Owner.UserName``, ``c_Custom``, ``A`` (one letter is fine).
ATTR_PATH = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"

#: Plain comparison operators; longer spellings first so ``!=`` is not read as ``!`` + ``=``.
SCALAR_OPERATORS: tuple[str, ...] = ("!=", ">=", "<=", "=", ">", "<", "!contains", "contains")

_OP_ALTERNATION = "|".join(re.escape(op) for op in SCALAR_OPERATORS)
_SCALAR_RE = re.compile(
    rf"(?P<attr>{ATTR_PATH}) +(?P<op>{_OP_ALTERNATION}) +(?P<value>.*)", re.I | re.S
)
_IN_RE = re.compile(rf"(?P<attr>{ATTR_PATH}) +(?P<op>!?in) +(?P<values>\S.*)", re.I | re.S)
_BETWEEN_RE = re.compile(
    rf"(?P<attr>{ATTR_PATH}) +(?P<op>!?between) +(?P<low>\S+) +and +(?P<high>\S+)", re.I | re.S
)
#: ``X between A`` -- the first half of a range the conjunction splitter cut at its ``and``.
_BETWEEN_HEAD_RE = re.compile(rf"{ATTR_PATH} +!?between +\S+", re.I)
_CONJUNCTION_RE = re.compile(r"\s+(AND|OR)\s+", re.I)
_ATTR_RE = re.compile(ATTR_PATH)
_QUOTED_RE = re.compile(r'"[^"]*"', re.S)
_NEEDS_QUOTES_RE = re.compile(r"[\s()]")
_VALID_ESCAPE_RE = re.compile(r"(%[0-9A-Fa-f]{2})")

#: Characters a passthrough query may carry raw: the ones pyral left raw that cannot end or
#: split a URL query parameter.  ``&``, ``#``, ``+``, ``%``, ``;`` and everything else get encoded.
PASSTHROUGH_SAFE = "()=!\"/,:$'*@?[]<>~"
#: pyral quoted conditions with ``safe='/'`` and then put the parentheses back.
CONDITION_SAFE = "/()"


class InvalidQueryError(RallyError, ValueError):
    """Criteria that cannot be turned into a WSAPI query expression.

    Raised before any request is made.  ``args[0]`` starts with ``INVALID_QUERY_PREFIX`` (the
    text pyral used, which scripts match on); ``text`` is the offending piece and ``criteria``
    the whole input, so nothing the caller wrote is lost from the report.
    """

    def __init__(self, text: str, criteria: object = None) -> None:
        message = INVALID_QUERY_PREFIX + text
        if criteria is not None and str(criteria).strip() != text:
            message += f"  (criteria: {criteria!r})"
        message += query_hint(text)  # the usual cause: State=Open instead of State = Open
        super().__init__(message)
        self.text = text
        self.criteria = criteria


Criteria = str | Sequence[str] | Mapping[str, object]


# --------------------------------------------------------------------------------------------
# public entry points
# --------------------------------------------------------------------------------------------


def format_query(criteria: Criteria) -> str:
    """Return the percent-encoded expression that goes inside ``query=( ... )``.

    The caller adds the outermost parentheses; a single condition therefore comes back without
    any, and a chain comes back as ``(A) AND ((B) AND (C))`` -- folded to the right because
    Rally's grammar is strictly binary and that is the shape pyral always sent.
    """
    if isinstance(criteria, Mapping):
        return _format_mapping(criteria)
    if isinstance(criteria, bytes):
        criteria = criteria.decode("utf-8")
    if isinstance(criteria, str):
        return _format_text(criteria, criteria)
    if isinstance(criteria, (list, tuple)):
        if not criteria:
            raise InvalidQueryError("", criteria)
        for item in criteria:
            if not isinstance(item, str):
                raise InvalidQueryError(repr(item), criteria)
        items = [item.strip() for item in criteria]
        if len(items) > 1 and any(item.startswith("(") or _has_or(item) for item in items):
            # pyral joined these too, which put ``(A) AND (B)`` at the top level where Rally
            # wants one group, and turned ``['A OR B', 'C']`` into ``A OR (B AND C)``: each
            # item becomes its own group instead, ANDed right-nested (list items are conjuncts).
            return _fold_groups([_format_text(item, criteria) for item in items])
        # pyral joined the conditions with AND and treated the result as one string; doing
        # the same keeps its exact output (and its right-nesting) for plain conditions.
        return _format_text(" AND ".join(items), criteria)
    raise InvalidQueryError(repr(criteria), criteria)


def encode_passthrough(text: str, *, keep_escapes: bool = True) -> str:
    """Percent-encode an already-shaped expression without changing what it decodes to.

    ``keep_escapes`` leaves valid ``%XX`` sequences alone: pyral sent passthrough text raw, so a
    script that wrote ``"Brazen%20Milliwogs"`` meant a space.  Data coming from a dict value is
    not pre-encoded and is encoded completely (``keep_escapes=False``).
    """
    if not keep_escapes:
        return quote(text, safe=PASSTHROUGH_SAFE)
    pieces = _VALID_ESCAPE_RE.split(text)
    # split() with a capturing group puts the escapes at the odd indexes
    return "".join(
        piece if index % 2 else quote(piece, safe=PASSTHROUGH_SAFE)
        for index, piece in enumerate(pieces)
    )


def build_query_params(
    *,
    fetch: str | bool | None = False,
    query: Criteria | None = None,
    order: str | None = None,
    workspace: str | None = None,
    project: str | None = None,
    scope_up: bool | None = None,
    scope_down: bool | None = None,
    pagesize: int = 1000,
    start: int = 1,
    pretty: bool = False,
) -> list[tuple[str, str]]:
    """The query-string parameters of a WSAPI read, in pyral's fixed order, values URL-ready.

    Order matters because pyral's URLs are compared verbatim (fetch, query, order, workspace,
    project, projectScopeUp, projectScopeDown, pagesize, start, pretty).  ``fetch`` booleans
    become ``true``/``false``; other fetch text is passed through unencoded, as pyral did.
    A falsy ``query``/``order``/``workspace``/``project`` and a ``None`` scope are omitted.
    """
    if fetch is True:
        fetch_text = "true"
    elif fetch is False or fetch is None:
        fetch_text = "false"
    else:
        fetch_text = str(fetch)
    params: list[tuple[str, str]] = [("fetch", fetch_text)]
    if query:
        params.append(("query", f"({format_query(query)})"))
    if order:
        params.append(("order", quote(str(order))))
    if workspace:
        params.append(("workspace", str(workspace)))
    if project:
        params.append(("project", str(project)))
    if scope_up is not None:
        params.append(("projectScopeUp", "true" if scope_up else "false"))
    if scope_down is not None:
        params.append(("projectScopeDown", "true" if scope_down else "false"))
    params.append(("pagesize", str(pagesize)))
    params.append(("start", str(start)))
    if pretty:
        params.append(("pretty", "true"))
    return params


def join_query_params(params: Sequence[tuple[str, str]]) -> str:
    """``name=value&...``; values are already encoded, so no further quoting happens here."""
    return "&".join(f"{name}={value}" for name, value in params)


# --------------------------------------------------------------------------------------------
# text criteria
# --------------------------------------------------------------------------------------------


def _format_text(text: str, criteria: object) -> str:
    text = text.strip()
    if not text:
        raise InvalidQueryError(text, criteria)
    if text.startswith("("):
        return _format_passthrough(text, criteria)
    return _fold(_parse_chain(text, criteria))


def _format_passthrough(text: str, criteria: object) -> str:
    """A script that wrote its own parentheses gets them back; only the encoding is ours.

    pyral stripped the first and last character and let the builder put the outer pair back.
    That is right when one group spans the text (``((A) AND (B))``), but turned ``(A) AND (B)``
    into ``(A) AND (B)`` again, which Rally refuses (its query must be one group): such text is
    kept whole so the builder's pair makes it ``((A) AND (B))``.  Text that opens a group but
    does not end one, or whose parentheses do not balance, can never be valid and is refused.
    """
    if not text.endswith(")") or not _parens_balance(text):
        raise InvalidQueryError(text, criteria)
    if not _one_group(text):
        return encode_passthrough(text)
    return encode_passthrough(text[1:-1])


def _one_group(text: str) -> bool:
    """True when the opening parenthesis is closed by the last character (balanced text)."""
    outside = _QUOTED_RE.sub("", text) if text.count('"') % 2 == 0 else text
    depth = 0
    for index, char in enumerate(outside):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index == len(outside) - 1
    return False


def _parens_balance(text: str) -> bool:
    """Parentheses outside double-quoted values must pair up (quotes are trusted when paired)."""
    outside = _QUOTED_RE.sub("", text) if text.count('"') % 2 == 0 else text
    depth = 0
    for char in outside:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


@dataclass(frozen=True)
class _Conjunction:
    word: str  # as written: AND / and / OR / or


def _split_outside_quotes(text: str) -> list[str | _Conjunction]:
    """Split at `` AND `` / `` OR `` that are not inside a double-quoted value (Q3)."""
    items: list[str | _Conjunction] = []
    last = 0
    for match in _CONJUNCTION_RE.finditer(text):
        if text.count('"', 0, match.start()) % 2:
            continue  # inside a quoted value
        items.append(text[last : match.start()])
        items.append(_Conjunction(match.group(1)))
        last = match.end()
    items.append(text[last:])
    return items


def _has_or(text: str) -> bool:
    """True when ``text`` joins conditions with OR outside quoted values."""
    return any(
        isinstance(item, _Conjunction) and item.word.lower() == "or"
        for item in _split_outside_quotes(text)
    )


def _rejoin_ranges(items: list[str | _Conjunction]) -> list[str | _Conjunction]:
    """Undo the split of ``X between A and B``: its ``and`` belongs to the range."""
    out: list[str | _Conjunction] = []
    index = 0
    while index < len(items):
        item = items[index]
        following = items[index + 1 : index + 3]
        if isinstance(item, str) and _BETWEEN_HEAD_RE.fullmatch(item) and len(following) == 2:
            conjunction, high = following
            if (
                isinstance(conjunction, _Conjunction)
                and conjunction.word.lower() == "and"
                and isinstance(high, str)
                and high
                and not re.search(r"\s", high)
            ):
                out.append(f"{item} and {high}")
                index += 3
                continue
        out.append(item)
        index += 1
    return out


def _parse_chain(text: str, criteria: object) -> list[str | _Conjunction]:
    """Conditions (normalised, unencoded) alternating with conjunctions; anything else raises."""
    items = _rejoin_ranges(_split_outside_quotes(text))
    chain: list[str | _Conjunction] = []
    for item in items:
        if isinstance(item, _Conjunction):
            chain.append(item)
        else:
            chain.append(normalise_condition(item.strip(), criteria))
    return chain


def normalise_condition(piece: str, criteria: object = None) -> str:
    """One condition in the form Rally wants, with pyral's ``!in`` / ``between`` rewrites."""
    match = _BETWEEN_RE.fullmatch(piece)
    if match:
        return range_expression(match["attr"], match["op"], match["low"], match["high"])
    match = _IN_RE.fullmatch(piece)
    if match:
        if match["op"].startswith("!"):
            values = [_unquote_value(v.strip()) for v in match["values"].split(",")]
            if not all(values):
                raise InvalidQueryError(piece, criteria)
            return subset_exclusion(match["attr"], values)
        return piece  # Rally supports `in` natively; pyral sent it verbatim
    match = _SCALAR_RE.fullmatch(piece)
    if match:
        value = _shape_value(match["value"])
        if value is not None:
            return f"{match['attr']} {match['op']} {value}"
    raise InvalidQueryError(piece, criteria)


def _unquote_value(value: str) -> str:
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        return value[1:-1]
    return value


def _shape_value(value: str) -> str | None:
    """A value as Rally must see it, or None when it cannot be written at all.

    Values are quoted exactly when Rally needs it (spaces or parentheses) or when the script
    quoted them itself; a double quote anywhere else cannot be expressed and is refused.
    """
    if _QUOTED_RE.fullmatch(value):
        return value
    if '"' in value or value == "":
        return None
    if _NEEDS_QUOTES_RE.search(value):
        return f'"{value}"'
    return value


def range_expression(attr: str, op: str, low: str, high: str) -> str:
    """``between`` as two comparisons (inclusive), ``!between`` as its complement."""
    if op.startswith("!"):
        return f"({attr} < {low}) OR ({attr} > {high})"
    return f"({attr} >= {low}) AND ({attr} <= {high})"


def subset_exclusion(attr: str, values: Sequence[str]) -> str:
    """``!in`` as ANDed ``!=`` comparisons, nested leftwards like pyral sent them."""
    conditions = [f'{attr} != "{value}"' for value in values]
    if len(conditions) == 1:
        return conditions[0]
    expression = f"({conditions[0]}) AND ({conditions[1]})"
    for condition in conditions[2:]:
        expression = f"({expression}) AND ({condition})"
    return expression


def _encode_condition(condition: str) -> str:
    return quote(condition, safe=CONDITION_SAFE)


def _fold(chain: list[str | _Conjunction]) -> str:
    """Fold ``A c1 B c2 C`` into ``(A) c1 ((B) c2 (C))`` -- right-nested, no precedence."""
    if not chain or isinstance(chain[0], _Conjunction) or isinstance(chain[-1], _Conjunction):
        raise InvalidQueryError(_render_chain(chain))
    for left, right in zip(chain, chain[1:], strict=False):
        if isinstance(left, _Conjunction) == isinstance(right, _Conjunction):
            raise InvalidQueryError(_render_chain(chain))
    last = chain[-1]
    assert isinstance(last, str)
    accumulated = _encode_condition(last)
    for item in reversed(chain[:-1]):
        if isinstance(item, _Conjunction):
            accumulated = f"{item.word}%20({accumulated})"
        else:
            accumulated = f"({_encode_condition(item)})%20{accumulated}"
    return accumulated


def _fold_groups(expressions: list[str]) -> str:
    """Already-encoded expressions ANDed as ``(e1) AND ((e2) AND (e3))``, like ``_fold``."""
    accumulated = expressions[-1]
    for expression in reversed(expressions[:-1]):
        accumulated = f"({expression})%20AND%20({accumulated})"
    return accumulated


def _render_chain(chain: list[str | _Conjunction]) -> str:
    return " ".join(item.word if isinstance(item, _Conjunction) else item for item in chain)


# --------------------------------------------------------------------------------------------
# dict criteria
# --------------------------------------------------------------------------------------------


def _format_mapping(criteria: Mapping[str, object]) -> str:
    """``{field: value}`` means field = value for every entry, ANDed.

    Conditions are built directly rather than re-parsed from text, so a value holding
    `` and `` or parentheses cannot be mistaken for structure.  The one-entry form keeps pyral's
    distinct encoding (``State%20=%20Submitted``: ``=`` raw) because URLs are compared verbatim.
    """
    if not criteria:
        raise InvalidQueryError("", criteria)
    conditions: list[str | _Conjunction] = []
    for field, raw_value in criteria.items():
        if not isinstance(field, str) or not _ATTR_RE.fullmatch(field):
            raise InvalidQueryError(repr(field), criteria)
        value = _dict_value(raw_value)
        if value is None:
            raise InvalidQueryError(f"{field} = {raw_value!r}", criteria)
        if conditions:
            conditions.append(_Conjunction("AND"))
        conditions.append(f"{field} = {value}")
    if len(conditions) == 1:
        only = conditions[0]
        assert isinstance(only, str)
        return encode_passthrough(only, keep_escapes=False)
    return _fold(conditions)


def _dict_value(raw: object) -> str | None:
    if raw is None:
        return "null"
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    if isinstance(raw, bool):
        return str(raw)  # pyral sent True/False; Rally reads booleans case-insensitively
    if isinstance(raw, (str, int, float)):
        text = str(raw)
        return '""' if text == "" else _shape_value(text)
    return None
