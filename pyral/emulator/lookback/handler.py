"""HTTP glue for ``/analytics/v2.0/service/rally/workspace/<oid>/artifact/snapshot/query[.js]``.

``POST`` sends the request keys as one JSON object; ``GET`` sends each key as a URL
parameter whose value is JSON (``find={"ObjectID":123}``).  Authentication is WSAPI's (API key
header or Basic).  Every failure is answered in the Lookback envelope with ``Errors`` filled
in and a 4xx status (400 for a bad request, 401, 404, 405): a snapshot query never gets a 5xx
for bad input.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from pyral.emulator import errors
from pyral.emulator.auth import CHALLENGE, authenticate

from .service import _KNOWN_KEYS, envelope, run_query

__all__ = ["ANALYTICS_PREFIX", "serve"]

ANALYTICS_PREFIX = "/analytics/"
_QUERY_PATH = re.compile(
    r"^/analytics/v2\.0/service/rally/workspace/(?P<ws>[^/]+)/artifact/snapshot/query(?:\.js)?/?$",
    re.IGNORECASE,
)
_CANONICAL = {k.lower(): k for k in _KNOWN_KEYS}


def _get_keys(query_string: str) -> dict[str, Any]:
    """URL parameters as request keys, each value decoded from JSON."""
    keys: dict[str, Any] = {}
    for name, text in parse_qsl(query_string, keep_blank_values=True, errors="replace"):
        key = _CANONICAL.get(name.strip().lower(), name.strip())
        if not key or key in keys:
            continue
        try:
            keys[key] = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise errors.LookbackError(errors.lookback_bad_json(key, str(exc))) from None
    return keys


def _post_keys(body: bytes, query_string: str) -> dict[str, Any]:
    if not body.strip():
        return _get_keys(query_string)
    try:
        keys = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise errors.LookbackError(errors.lookback_bad_json("the request body", str(exc))) from None
    if not isinstance(keys, dict):
        raise errors.LookbackError(errors.LOOKBACK_BODY_NOT_OBJECT)
    return {_CANONICAL.get(str(k).lower(), str(k)): v for k, v in keys.items()}


def serve(
    backend: Any,
    method: str,
    path: str,
    query_string: str,
    headers: dict[str, str],
    body: bytes,
) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
    """Answer one request under ``/analytics/``: (status, body, extra headers)."""
    found = _QUERY_PATH.match(path)
    if found is None:
        return 404, envelope(errs=[errors.lookback_unknown_endpoint(path)]), []
    if method not in ("GET", "POST"):
        return 405, envelope(errs=[errors.lookback_method(method)]), [("Allow", "GET, POST")]
    try:
        auth = authenticate(backend, headers)
    except errors.AuthError as exc:
        return 401, envelope(errs=exc.errors), [("WWW-Authenticate", CHALLENGE)]
    try:
        keys = _get_keys(query_string) if method == "GET" else _post_keys(body, query_string)
        return 200, run_query(backend, auth.user, found.group("ws"), keys), []
    except errors.LookbackError as exc:
        return exc.http_status, envelope(errs=exc.errors, warnings=exc.warnings), []
