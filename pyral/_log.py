"""``Rally.enableLogging`` / ``disableLogging`` on top of the standard ``logging`` module.

Each ``Rally`` gets its own logger below ``pyral`` (``pyral.rally.<n>``), so two clients in
one process can log to different places, and applications can also just configure the
``pyral`` logger.  pyral 1.7.0 wrote one timestamped line per request and per outcome; the
same lines are emitted here as INFO records.  Secrets never reach a record: URLs are masked
before logging (``mask``), and headers are not logged at all.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
import sys
from typing import IO, Any

ROOT_LOGGER = "pyral"
_counter = itertools.count(1)

_SECRET_PARAM = re.compile(r"(?i)\b(key|apikey|password|zsessionid)=[^&\s]*")


def mask(text: str) -> str:
    """Hide the values of secret-bearing query parameters (security token ``key=`` etc.)."""
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}=****", text)


def new_client_logger() -> logging.Logger:
    return logging.getLogger(f"{ROOT_LOGGER}.rally.{next(_counter)}")


def _timestamp() -> str:
    try:
        from pyral.config import timestamp

        return timestamp()
    except Exception:  # config not importable: fall back to the same format
        import datetime

        now = datetime.datetime.now()
        return now.strftime("%Y-%m-%d %H:%M:%S.") + f"{now.microsecond // 1000:03d}"


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{_timestamp()} {mask(record.getMessage())}"


class _AttrGetFilter(logging.Filter):
    """Drops lazy-load / collection traffic unless ``attrget=True`` was asked for."""

    def __init__(self, attrget: bool) -> None:
        super().__init__()
        self.attrget = attrget

    def filter(self, record: logging.LogRecord) -> bool:
        return self.attrget or not getattr(record, "attrget", False)


class LogSink:
    """The destination ``enableLogging`` attached to one client's logger."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger
        self.handler: logging.Handler | None = None
        self.dest: Any = None
        self._owned: IO[str] | None = None  # a file we opened ourselves (only this is closed)
        self._old_level = logger.level

    @property
    def enabled(self) -> bool:
        return self.handler is not None

    def enable(self, dest: Any, attrget: bool, append: bool, header: str) -> bool:
        """Start logging to ``dest`` (stream or file name); False when it cannot be written."""
        self.disable()
        stream: Any
        if isinstance(dest, str):
            try:
                stream = open(dest, "a" if append else "w", encoding="utf-8")  # noqa: SIM115
            except OSError:
                stream = None
            self._owned = stream
        elif hasattr(dest, "write"):
            stream = dest
        else:
            stream = None
        if stream is None:
            sys.stderr.write(
                "WARNING: Logging dest arg cannot be written to, proceeding with logging disabled.\n"
            )
            return False
        handler = logging.StreamHandler(stream)
        handler.setFormatter(_Formatter())
        handler.addFilter(_AttrGetFilter(attrget))
        handler.setLevel(logging.INFO)
        self.handler = handler
        self.dest = dest
        self._old_level = self.logger.level
        self.logger.setLevel(logging.INFO)
        self.logger.addHandler(handler)
        self.logger.info(header)
        return True

    def disable(self) -> None:
        """Stop logging; close the destination only if we opened it (callers own their streams)."""
        if self.handler is None:
            return
        self.logger.removeHandler(self.handler)
        self.logger.setLevel(self._old_level)
        with contextlib.suppress(OSError, ValueError):
            self.handler.flush()
        if self._owned is not None:
            self._owned.close()
        self.handler = None
        self._owned = None
        self.dest = None
