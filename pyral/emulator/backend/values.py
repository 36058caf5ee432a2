"""Refusing text that could not be stored and served back as valid UTF-8 JSON.

JSON lets a client escape a lone UTF-16 surrogate (``"\\ud800"``); Python parses it into a
string that has no UTF-8 form, so storing it would make every later answer that contains it
fail to encode.  NUL characters are refused too: Rally's text columns do not keep them
(GUESS: it answers with an error rather than truncating).  The whole body is checked --
attribute values, nested ``_ref`` dicts, collection items and the field names themselves --
before a write looks at anything else, so a refused write stores nothing.
"""

from __future__ import annotations

import re
from typing import Any

from pyral.emulator import errors
from pyral.emulator.errors import ValidationError

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def text_fault(text: str) -> str | None:
    """'surrogate' or 'nul' when ``text`` cannot be stored, else None."""
    if _LONE_SURROGATE.search(text):
        return "surrogate"
    if "\x00" in text:
        return "nul"
    return None


def shown(text: str) -> str:
    """``text`` with unencodable characters escaped, safe to quote in a message."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def body_problems(where: str, body: Any, *, limit: int = 10) -> list[str]:
    """Messages for every unstorable string in ``body`` (keys included), at most ``limit``.

    ``where`` names the body (a type name) so each message says which field is bad.
    """
    found: list[str] = []
    stack: list[tuple[str, Any]] = [(where, body)]
    while stack and len(found) < limit:
        path, value = stack.pop()
        if isinstance(value, str):
            fault = text_fault(value)
            if fault is not None:
                found.append(errors.unstorable_text(shown(path), fault))
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                key_text = str(key)
                if text_fault(key_text) is not None:
                    found.append(errors.unstorable_name(shown(path), shown(key_text)))
                    continue
                stack.append((f"{path}.{key_text}", item))
        elif isinstance(value, list):
            for index in reversed(range(len(value))):
                stack.append((f"{path}[{index}]", value[index]))
    return found


def check_body(where: str, body: Any) -> None:
    """Raise :class:`ValidationError` when ``body`` holds text that cannot be stored."""
    problems = body_problems(where, body)
    if problems:
        raise ValidationError(*problems)
