"""Hiding secrets in text: the one rule shared by log lines and exceptions.

Kept apart from ``_log`` (which knows entities and clients) so that ``exceptions`` can mask
what it carries without importing half the client.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "****"
_SECRET_PARAM = re.compile(r"(?i)\b(key|apikey|api_key|password|zsessionid)=[^&\s'\"]*")
# Shorter values could be ordinary words (a password "demo" inside "demo@example.com").
_MIN_LITERAL_SECRET = 8


def mask(text: str) -> str:
    """Hide the values of secret-bearing query parameters (security token ``key=`` etc.)."""
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}={MASK}", text)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``mask`` plus literal removal of known secret values (API key, security token)."""
    text = mask(text)
    for secret in secrets:
        if secret and len(secret) >= _MIN_LITERAL_SECRET and secret in text:
            text = text.replace(secret, MASK)
    return text
