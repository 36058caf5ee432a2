"""Name the likely cause of a failure, so the error message says what to type instead.

Each helper returns a short clause to append to an error message, or "" when it has nothing
better than Rally's own text.  Used by the client (query syntax) and the ``pyral`` CLI.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

# An operator of the WSAPI query language, with whatever spacing the user typed around it.
_OPERATOR = re.compile(r"\s*(!=|<=|>=|=|<|>)\s*")
_QUOTED = re.compile(r'("[^"]*"|\'[^\']*\')')


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the closest candidate names, case-insensitively."""
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        if candidate:
            by_lower.setdefault(candidate.lower(), candidate)
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    if not close:
        return ""
    names = [by_lower[c] for c in close]
    if len(names) == 1:
        return f" (did you mean {names[0]}?)"
    return f" (did you mean {', '.join(names[:-1])} or {names[-1]}?)"


def spaced_query(text: str) -> str:
    """``text`` with one space on each side of every operator outside quoted values."""
    parts = _QUOTED.split(text)
    for i in range(0, len(parts), 2):  # even indexes lie outside quotes
        parts[i] = _OPERATOR.sub(r" \1 ", parts[i])
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", "".join(parts))).strip()


def query_hint(queries: Iterable[str] | str) -> str:
    """Why Rally could not parse a condition, when the usual cause is visible in it.

    WSAPI reads ``State=Open`` as one word: operators need a space on each side.
    """
    for query in [queries] if isinstance(queries, str) else queries:
        fixed = spaced_query(query)
        squeezed = " ".join(query.split())
        if fixed != squeezed:
            return f"; operators need spaces around them: {fixed}"
    return ""


# Rally's text for a query naming an attribute the type does not have.
_UNKNOWN_ATTRIBUTE = re.compile(r'Could not find attribute "([^"]+)"')


def attribute_hint(message: str, names: Iterable[str]) -> str:
    """`` (did you mean X?)`` when Rally refused a query over a misspelt attribute name."""
    found = _UNKNOWN_ATTRIBUTE.search(message)
    return did_you_mean(found.group(1), names) if found else ""
