"""``Rally.enableLogging`` / ``disableLogging`` on top of the standard ``logging`` module.

Logger names (all below ``pyral``):

* ``pyral.rally.<n>``: one per client, carrying pyral 1.7.0's lines (a request line per
  request, an outcome line per response).  ``enableLogging`` attaches a handler here, so two
  clients in one process can log to different places; without it, an application that sets
  ``pyral`` to INFO receives the same records through normal propagation.
* ``pyral.transport``: the low-level transport's own records (retries, failures).

Why a wrapper around the transport (:class:`LoggingTransport`) rather than logging inside
it: the outcome line pyral wrote depends on the *body* (``TotalResultCount 7``,
``created Defect OID: 5000``, ``Defect deleted``), which only exists after the response is
read, and every caller of ``client.transport.send`` (mixins included) should get the same
lines without doing anything.

Secrets never reach a record: every line goes through :func:`mask` (``key=``, ``apikey=``,
``password=``... values) and the formatter also blanks the client's API key and security
token wherever they appear literally.  Headers are never logged.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import sys
from collections.abc import Callable, Iterable
from typing import IO, Any

from pyral import config
from pyral._secrets import MASK, mask, redact

ROOT_LOGGER = "pyral"
CLIENT_LOGGER = "pyral.rally"
TRANSPORT_LOGGER = "pyral.transport"
PAYLOAD_INDENT = " " * 28
UNWRITABLE_DEST_WARNING = (
    "WARNING: Logging dest arg cannot be written to, proceeding with logging disabled.\n"
)
_MASK = MASK
# A library logs; the application decides where records go.  Without a handler of its own,
# Python's last-resort handler would print WARNING records of ``pyral.*`` on stderr, text
# pyral 1.7.0 never wrote (issue 7: print only what pyral printed).
logging.getLogger(ROOT_LOGGER).addHandler(logging.NullHandler())
_counter = itertools.count(1)


def new_client_logger() -> logging.Logger:
    return logging.getLogger(f"{CLIENT_LOGGER}.{next(_counter)}")


class _Formatter(logging.Formatter):
    """pyral's line shape: ``<ts> <message>``; payload lines carry no timestamp."""

    def __init__(self, secrets: Callable[[], Iterable[str | None]]) -> None:
        super().__init__()
        self._secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        text = redact(record.getMessage(), self._secrets())
        if getattr(record, "pyral_payload", False):
            return text
        return f"{config.timestamp()} {text}"


class _AttrGetFilter(logging.Filter):
    """Drops lazy-load / collection traffic unless ``attrget=True`` was asked for."""

    def __init__(self, attrget: bool) -> None:
        super().__init__()
        self.attrget = attrget

    def filter(self, record: logging.LogRecord) -> bool:
        return self.attrget or not getattr(record, "attrget", False)


class LogSink:
    """The destination ``enableLogging`` attached to one client's logger."""

    def __init__(
        self,
        logger: logging.Logger,
        secrets: Callable[[], Iterable[str | None]] = tuple,
    ) -> None:
        self.logger = logger
        self.secrets = secrets
        self.handler: logging.Handler | None = None
        self.dest: Any = None
        self.attrget = False
        self._owned: IO[str] | None = None  # a file we opened ourselves (only this is closed)
        self._saved: tuple[int, bool] = (logger.level, logger.propagate)

    @property
    def enabled(self) -> bool:
        return self.handler is not None

    def enable(self, dest: Any, attrget: bool, append: bool, header: str) -> bool:
        """Start logging to ``dest`` (stream or file name); False when it cannot be written.

        Returns False (after pyral's WARNING line on stderr) for anything that is neither a
        writable object nor a file name that can be opened; logging then stays off.
        """
        self.disable()
        stream: Any = None
        owned = None
        if isinstance(dest, str):
            try:
                stream = owned = open(dest, "a" if append else "w", encoding="utf-8")  # noqa: SIM115
            except OSError:
                stream = None
        elif callable(getattr(dest, "write", None)) and not getattr(dest, "closed", False):
            stream = dest
        if stream is None:
            sys.stderr.write(UNWRITABLE_DEST_WARNING)
            return False
        handler = logging.StreamHandler(stream)
        handler.setFormatter(_Formatter(self.secrets))
        handler.addFilter(_AttrGetFilter(attrget))
        handler.setLevel(logging.INFO)
        self.handler = handler
        self.dest = dest
        self.attrget = bool(attrget)
        self._owned = owned
        self._saved = (self.logger.level, self.logger.propagate)
        # While a destination is attached the lines go there only: a caller who asked for a
        # file does not also want them on whatever the application's root logger prints.
        self.logger.setLevel(logging.INFO)
        self.logger.propagate = False
        self.logger.addHandler(handler)
        self.logger.info(header)
        return True

    def disable(self) -> None:
        """Stop logging; close the destination only if we opened it (callers own their streams)."""
        if self.handler is None:
            return
        self.logger.removeHandler(self.handler)
        level, propagate = self._saved
        self.logger.setLevel(level)
        self.logger.propagate = propagate
        with contextlib.suppress(OSError, ValueError):
            self.handler.flush()
        if self._owned is not None:
            with contextlib.suppress(OSError):
                self._owned.close()
        self.handler = None
        self._owned = None
        self.dest = None
        self.attrget = False


# ------------------------------------------------------------------------------- outcome lines
def _proper_type_name(segment: str) -> str:
    """``defect`` -> ``Defect``, ``hierarchicalrequirement`` -> ``HierarchicalRequirement``."""
    try:
        from pyral.entity import classFor

        for name in classFor:
            if name.lower() == segment.lower():
                return name
    except Exception:  # entity module unavailable: keep the text as sent
        pass
    return segment[:1].upper() + segment[1:]


def type_name_from_path(label: str) -> str:
    """The entity named by a write URL (``defect/create``, ``portfolioitem/feature/12``)."""
    segments = [s for s in label.split("?", 1)[0].split("/") if s]
    while segments and (segments[-1].lower() == "create" or segments[-1].lstrip("-").isdigit()):
        segments.pop()
    if not segments:
        return "Object"
    if len(segments) >= 2 and segments[-2].lower() == "portfolioitem":
        level = _proper_type_name(segments[-1])
        level = level.split("_", 1)[-1] if level.startswith("PortfolioItem_") else level
        return f"PortfolioItem/{level}"
    return _proper_type_name(segments[-1])


def describe_outcome(method: str, label: str, status: int, content: bytes) -> str:
    """pyral's outcome line for one response (without the timestamp)."""
    try:
        body = json.loads(content.decode("utf-8")) if content else None
    except (UnicodeDecodeError, ValueError):
        body = None
    if not isinstance(body, dict) or len(body) != 1:
        if status == 200 and body is not None:
            return f"{status} {label}"
        snippet = content[:200]
        return f"{status} {snippet!r}{' ...' if len(content) > 200 else ''}"
    key, env = next(iter(body.items()))
    env = env if isinstance(env, dict) else {}
    errors = [str(e) for e in env.get("Errors") or []]
    if errors:
        return f"{status} {label} Errors: {'; '.join(errors)}"
    if key == "QueryResult":
        return f"{status} {label} TotalResultCount {env.get('TotalResultCount')}"
    if key == "CreateResult":
        obj = env.get("Object") or {}
        oid = obj.get("ObjectID") or str(obj.get("_ref", "")).rstrip("/").rsplit("/", 1)[-1]
        return f"{status} created {obj.get('_type') or type_name_from_path(label)} OID: {oid}"
    if method == "DELETE" and key == "OperationResult":
        return f"{status} {type_name_from_path(label)} deleted"
    return f"{status} {label}"


class LoggingTransport:
    """A transport that writes pyral's request and outcome lines to a client's logger.

    Everything other than ``send`` (``session``, ``security_token``, ``timeout``...) is the
    wrapped transport's own.  Bodies are parsed for the outcome line only when the logger
    would emit it, so logging costs nothing while it is off.
    """

    def __init__(self, transport: Any, logger: logging.Logger) -> None:
        self._transport = transport
        self._logger = logger

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def send(
        self,
        method: str,
        url: str,
        *,
        body: str | None = None,
        timeout: Any = None,
        log_as: str | None = None,
        attrget: bool = False,
        stream: bool = False,
    ) -> Any:
        method = method.upper()
        logger = self._logger
        if not logger.isEnabledFor(logging.INFO):
            return self._transport.send(
                method,
                url,
                body=body,
                timeout=timeout,
                log_as=log_as,
                attrget=attrget,
                stream=stream,
            )
        label = mask(log_as or url)
        extra = {"attrget": attrget}
        logger.info("%s %s", method, label, extra=extra)
        if body is not None and method in ("PUT", "POST"):
            logger.info("%s%s", PAYLOAD_INDENT, body, extra={**extra, "pyral_payload": True})
        try:
            # not streamed: the outcome line needs the body as text anyway
            response = self._transport.send(
                method, url, body=body, timeout=timeout, log_as=log_as, attrget=attrget
            )
        except Exception as exc:
            logger.info("%s %s failed: %s", method, label, mask(str(exc)), extra=extra)
            raise
        logger.info(
            "%s",
            describe_outcome(method, label, response.status_code, response.content or b""),
            extra=extra,
        )
        return response


__all__ = [
    "CLIENT_LOGGER",
    "ROOT_LOGGER",
    "TRANSPORT_LOGGER",
    "LogSink",
    "LoggingTransport",
    "describe_outcome",
    "mask",
    "new_client_logger",
    "redact",
    "type_name_from_path",
]
