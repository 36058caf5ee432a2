"""Injected faults: answer the next matching requests with an error instead of serving them.

Why this exists: code that talks to Rally has to survive throttling (429), gateways timing out
(502/503/504) and dropped connections, but a healthy emulator never produces any of those.  A
test queues a :class:`FaultRule`; the app asks :meth:`FaultInjector.take` before touching the
backend, so a faulted request changes no data, exactly like a proxy refusing it upstream.

Everything here is pure (no sockets, no backend) and :class:`FaultInjector` is safe to share
between server threads: ``take`` finds a rule and consumes one of its uses under one lock, so
``count=2`` means exactly two faulted requests however many arrive at once.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from . import serializer

#: statuses a gateway in front of Rally produces: their bodies are HTML, not WSAPI JSON.
GATEWAY_STATUSES = frozenset({502, 503, 504})
#: methods a rule may name (the ones the emulator serves).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
#: the keys a rule accepts; anything else is refused so that a typo is not silently ignored.
RULE_KEYS = ("status", "count", "retry_after", "method", "path_contains", "body", "disconnect")


class FaultRuleError(ValueError):
    """A fault rule that cannot be used; the message says which field is wrong and why."""


@dataclass(frozen=True)
class FaultRule:
    """What to answer (``status`` or ``disconnect``) and which requests to answer that way.

    ``method`` and ``path_contains`` narrow the match (``None`` matches anything; the path
    test ignores case because Rally type names do).  ``count`` is how many requests the rule
    answers before it is used up.
    """

    status: int | None = None
    count: int = 1
    retry_after: float | None = None
    method: str | None = None
    path_contains: str | None = None
    body: str | None = None
    disconnect: bool = False

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and method.upper() != self.method:
            return False
        return self.path_contains is None or self.path_contains.lower() in path.lower()

    def describe(self) -> dict[str, Any]:
        """The rule as JSON-ready data (same keys :func:`parse_rule` accepts)."""
        return {
            "status": self.status,
            "count": self.count,
            "retry_after": self.retry_after,
            "method": self.method,
            "path_contains": self.path_contains,
            "body": self.body,
            "disconnect": self.disconnect,
        }


def parse_rule(data: Any) -> FaultRule:
    """Validate a rule given as a mapping (the JSON body of ``POST /_emulator/faults``)."""
    if not isinstance(data, Mapping):
        raise FaultRuleError("a fault rule must be a JSON object")
    unknown = sorted(str(k) for k in data if k not in RULE_KEYS)
    if unknown:
        raise FaultRuleError(
            f"unknown fault rule field(s) {', '.join(unknown)}; known: {', '.join(RULE_KEYS)}"
        )
    return make_rule(**dict(data))


def make_rule(
    status: Any = None,
    count: Any = 1,
    retry_after: Any = None,
    method: Any = None,
    path_contains: Any = None,
    body: Any = None,
    disconnect: Any = False,
) -> FaultRule:
    """Build a checked :class:`FaultRule`; bad values raise :class:`FaultRuleError`."""
    if not isinstance(disconnect, bool):
        raise FaultRuleError(f"disconnect must be true or false, not {disconnect!r}")
    if disconnect:
        if status is not None:
            raise FaultRuleError("give either status or disconnect=true, not both")
    elif not _is_int(status) or not 400 <= status <= 599:
        raise FaultRuleError(f"status must be an HTTP error status from 400 to 599, not {status!r}")
    if not _is_int(count) or count < 1:
        raise FaultRuleError(f"count must be a whole number of at least 1, not {count!r}")
    if retry_after is not None and not (
        isinstance(retry_after, (int, float))
        and not isinstance(retry_after, bool)
        and math.isfinite(retry_after)
        and retry_after >= 0
    ):
        raise FaultRuleError(f"retry_after must be a number of seconds >= 0, not {retry_after!r}")
    if method is not None:
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise FaultRuleError(
                f"method must be one of {', '.join(sorted(METHODS))}, not {method!r}"
            )
        method = method.upper()
    if path_contains is not None and (not isinstance(path_contains, str) or not path_contains):
        raise FaultRuleError(f"path_contains must be a non-empty string, not {path_contains!r}")
    if body is not None and not isinstance(body, str):
        raise FaultRuleError(f"body must be a string, not {body!r}")
    return FaultRule(
        status=None if disconnect else int(status),
        count=int(count),
        retry_after=retry_after,
        method=method,
        path_contains=path_contains,
        body=body,
        disconnect=disconnect,
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class FaultInjector:
    """The queue of rules; the oldest rule that matches a request answers it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[list[Any]] = []  # [id, rule, remaining]
        self._next_id = 1

    def add(self, rule: FaultRule) -> int:
        """Queue ``rule``; returns its id (shown by :meth:`rules`)."""
        with self._lock:
            rule_id = self._next_id
            self._next_id += 1
            self._rules.append([rule_id, rule, rule.count])
            return rule_id

    def take(self, method: str, path: str) -> FaultRule | None:
        """The rule that answers this request (one of its uses consumed), or None."""
        with self._lock:
            for index, entry in enumerate(self._rules):
                rule: FaultRule = entry[1]
                if rule.matches(method, path):
                    entry[2] -= 1
                    if entry[2] <= 0:
                        del self._rules[index]
                    return rule
        return None

    def clear(self) -> int:
        """Drop every queued rule; returns how many there were."""
        with self._lock:
            dropped = len(self._rules)
            self._rules.clear()
            return dropped

    def rules(self) -> list[dict[str, Any]]:
        """Queued rules, oldest first, each with its ``id`` and ``remaining`` uses."""
        with self._lock:
            return [
                {"id": rule_id, **rule.describe(), "remaining": remaining}
                for rule_id, rule, remaining in self._rules
            ]

    def __len__(self) -> int:
        with self._lock:
            return len(self._rules)


def default_message(status: int) -> str:
    """The ``Errors`` text of a JSON fault; clients put the status in front themselves."""
    return f"{reason_phrase(status)}: injected by the WSAPI emulator"


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def fault_response(rule: FaultRule) -> tuple[int, list[tuple[str, str]], bytes]:
    """``(status, headers, body)`` for a status rule.

    Gateway statuses get an HTML page (``body`` replaces it verbatim when given), because a
    proxy in front of Rally answers before WSAPI does; other statuses get a WSAPI
    ``OperationResult`` whose ``Errors`` holds ``body`` or a default text naming the status.
    """
    if rule.status is None:
        raise ValueError("a disconnect rule has no response")
    status = rule.status
    if status in GATEWAY_STATUSES:
        text = rule.body if rule.body is not None else _gateway_page(status)
        payload = text.encode("utf-8")
        content_type = "text/html; charset=utf-8"
    else:
        message = rule.body if rule.body is not None else default_message(status)
        envelope = serializer.operation_result(errors=[message])
        payload = serializer.dumps(envelope)
        content_type = "application/json; charset=utf-8"
    headers = [("Content-Type", content_type)]
    if rule.retry_after is not None:
        headers.append(("Retry-After", format_seconds(rule.retry_after)))
    headers.append(("Content-Length", str(len(payload))))
    return status, headers, payload


def format_seconds(value: float) -> str:
    """``1`` rather than ``1.0``: integral delays are written the way servers write them."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _gateway_page(status: int) -> str:
    title = f"{status} {reason_phrase(status)}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>WSAPI emulator</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
