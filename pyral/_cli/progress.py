"""A one-line progress report on stderr while a long query streams out.

Only when stderr is a terminal and the result needs more than one page: a person watching an
export of thousands of items wants to know it is moving and when it will end, while a pipe or
a log file must get nothing but the data and the final count.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO, TypeVar

T = TypeVar("T")


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class Progress:
    """Counts items as they pass through :meth:`wrap` and redraws one status line."""

    def __init__(
        self,
        stream: TextIO,
        total: int,
        pagesize: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = 0.2,
        settle: float = 1.0,
    ) -> None:
        self.stream = stream
        self.total = max(0, total)
        self.pagesize = max(1, pagesize)
        self.clock = clock
        self.interval = interval
        self.settle = settle
        self.enabled = _is_terminal(stream) and self.total > self.pagesize
        self.count = 0
        self._started = 0.0
        self._drawn_at: float | None = None
        self._width = 0

    def line(self, now: float) -> str:
        """The status text after ``self.count`` items at time ``now``."""
        pages = -(-self.total // self.pagesize)
        page = min(pages, self.count // self.pagesize + 1)
        elapsed = now - self._started
        text = f"pyral: {self.count}/{self.total} items, page {page}/{pages}"
        if elapsed >= self.settle and self.count:  # earlier, one page skews the rate
            rate = self.count / elapsed
            left = (self.total - self.count) / rate
            text += f", {rate:.0f} items/s, ETA {_duration(left)}"
        return text

    def wrap(self, items: Iterable[T]) -> Iterator[T]:
        if not self.enabled:
            yield from items
            return
        self._started = self.clock()
        try:
            for item in items:
                self.count += 1
                now = self.clock()
                if self._drawn_at is None or now - self._drawn_at >= self.interval:
                    self._draw(self.line(now))
                    self._drawn_at = now
                yield item
        finally:
            self._clear()

    def _draw(self, text: str) -> None:
        pad = " " * max(0, self._width - len(text))
        self.stream.write(f"\r{text}{pad}")
        self.stream.flush()
        self._width = len(text)

    def _clear(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # closed or detached stream
        return False
