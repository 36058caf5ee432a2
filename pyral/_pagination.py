"""The pager: which pages to ask for, and serving their items lazily and in order.

Paging arithmetic is kept in pure functions so it can be tested without a server; the
``Pager`` only decides *when* to call the page fetcher it is given.

Why pages are fetched ahead by default: against a remote Rally most of a large export is
spent waiting for round trips, so a query that spans several pages keeps a *sliding window*
of follow-up pages requested while the caller consumes the current one.  Each time a page is
taken from the window, the next page still needed is requested, so the server always has
work and the caller never waits for a whole group (pyral 1.7.0 fetched lock-step groups).

What bounds it:

* **Requests in flight**: at most the window (never more than 12) per query, and the
  transport's own cap of 12 for everything one ``Rally`` does, however many queries iterate
  at once.
* **Memory**: the window's pages, in whatever form the fetcher returns them (``Rally``'s
  are the compressed bytes that came over the wire, about a tenth of the decoded page;
  ``decode_page`` decodes each when iteration reaches it), plus the page being served.
  Results are never accumulated: a page is dropped once served.
* **Pages asked for**: only pages holding items iteration can serve (``limit``/``start``
  are honoured), and only while iteration goes on: pages are requested from ``__next__``,
  so a loop that stops early requests nothing more (requests already sent may complete and
  are then dropped; :meth:`Pager.close` cancels those not yet sent).  The first follow-up
  requests go out when iteration begins, not when the query returns, so reading only
  ``resultCount`` costs one request.

``threads`` keeps pyral's meaning as an explicit setting: ``threads=1`` is strictly
sequential (a page is requested when iteration reaches it), ``threads=N`` (2..12) is a window
of N.  Absent (or 0, or junk) means *automatic*: sequential when the result fits one page,
else a window that adapts to the server, at most :func:`auto_window` pages (sized from the
page size).

Why the automatic window adapts: more requests in flight only help while the server answers
them side by side (Rally's farm does).  A server that works on one request at a time, or is
saturated, answers N requests in flight each about N times later: pages then arrive late
and in bunches, and the caller waits longer than with fewer.  So the window starts at
:data:`AUTO_START_WINDOW` pages and, page by page, compares how long each took with the
quickest round trip seen (the first page's, which was alone): within
:data:`GROW_BELOW` times of it the server had room and the window grows by one; beyond
:data:`SHRINK_ABOVE` times it was queueing and the window shrinks by one (never below
:data:`AUTO_MIN_WINDOW`).  On a server that scales the window reaches its maximum within a
few pages; on one that does not, it settles where the server stays busy without queueing.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

DEFAULT_PAGESIZE = 500
MAX_PAGESIZE = 2000
MAX_ITEMS = 1000000
MAX_START = 1000000
#: never more requests in flight for one Rally than Rally tolerates per user
MAX_THREADS = 12
#: ``threads`` value meaning "choose the window from the page size"
AUTO_THREADS = 0
#: the automatic window aims to keep about this many items requested ahead of iteration ...
AUTO_AHEAD_ITEMS = 16000
#: ... in at least two pages (so one is always in flight while another is served) and at
#: most eight, which leaves a third of the client's 12 requests to whatever else it does.
AUTO_MIN_WINDOW = 2
AUTO_MAX_WINDOW = 8
#: pages the automatic window starts with (pyral 1.7.0's group for ~20,000 items)
AUTO_START_WINDOW = 4
#: a page answered within this factor of the quickest round trip: the window grows by one
GROW_BELOW = 1.5
#: a page answered beyond this factor of it: the server is queueing, the window shrinks by one
SHRINK_ABOVE = 3.0

_log = logging.getLogger("pyral.pager")

#: fetches the page starting at the given 1-based index; returns its items, or (when the
#: pager was given a ``decode_page``) the raw page that function turns into items.
PageFetcher = Callable[[int], Any]
PageDecoder = Callable[[Any], list[dict[str, Any]]]


def _whole_number(value: Any) -> int | None:
    """``int(value)``; None for None, booleans and values that are not numbers.

    Paging options arrive from scripts as ints, numeric strings or junk; junk falls back to
    the option's default rather than failing the query (as pyral).
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def normalize_pagesize(value: Any) -> int:
    """Default 500, clamped to 1..2000 (WSAPI v2.0 refuses bigger pages)."""
    size = _whole_number(value)
    if size is None or size < 1:
        return DEFAULT_PAGESIZE
    return min(size, MAX_PAGESIZE)


def normalize_start(value: Any) -> int:
    """1-based start index; out-of-range or non-integer values fall back to 1 (as pyral)."""
    start = _whole_number(value)
    return start if start is not None and 0 < start < MAX_START else 1


def normalize_limit(value: Any) -> int | None:
    """Client-side cap on items served; ``None``/0/garbage mean 'no limit'."""
    limit = _whole_number(value)
    if limit is None or limit <= 0:
        return None
    return min(limit, MAX_ITEMS)


def normalize_threads(value: Any) -> int:
    """``threads=`` as the pager uses it: 1..12 as given (more is capped at 12), anything
    else (absent, 0, negative, junk) :data:`AUTO_THREADS`, as pyral treated those values."""
    threads = _whole_number(value)
    if threads is None or threads < 1:
        return AUTO_THREADS
    return min(threads, MAX_THREADS)


def auto_window(page_size: int) -> int:
    """Pages kept requested ahead when ``threads`` is not given: enough to hold
    :data:`AUTO_AHEAD_ITEMS` items, within :data:`AUTO_MIN_WINDOW`..:data:`AUTO_MAX_WINDOW`."""
    pages = -(-AUTO_AHEAD_ITEMS // max(page_size, 1))
    return max(AUTO_MIN_WINDOW, min(pages, AUTO_MAX_WINDOW))


def window_size(threads: int, page_size: int, pages_left: int) -> int:
    """Follow-up pages requested at once: 1 means strictly sequential paging."""
    window = auto_window(page_size) if threads == AUTO_THREADS else threads
    return max(1, min(window, MAX_THREADS, pages_left))


def servable(total: int, start_index: int, limit: int | None) -> int:
    """How many items iteration will hand out.

    The server counts ``total`` over the whole result set; starting at ``start_index``
    leaves ``total - (start_index - 1)`` of them, and ``limit`` counts items served (it is
    not an end index).
    """
    remaining = total - (start_index - 1) if start_index > 1 else total
    remaining = max(remaining, 0)
    if limit:
        remaining = min(remaining, limit)
    return remaining


class Pager:
    """Serves raw item dicts from a first page plus follow-up pages, in order.

    ``fetch_page(start)`` is called on worker threads when the window is wider than one
    page, so it must be thread-safe; ``decode_page`` (optional) always runs on the thread
    that iterates, in page order.
    """

    def __init__(
        self,
        first_page: list[dict[str, Any]],
        *,
        total: int,
        start_index: int,
        page_size: int,
        limit: int | None,
        fetch_page: PageFetcher | None,
        threads: int = AUTO_THREADS,
        decode_page: PageDecoder | None = None,
        first_rtt: float | None = None,
    ) -> None:
        self.total = total
        self.start_index = start_index if start_index > 0 else 1
        self.page_size = page_size if page_size > 0 else max(len(first_page), 1)
        self.limit = limit
        self.servable = servable(total, self.start_index, limit)
        self.threads = normalize_threads(threads)
        self._fetch_page = fetch_page
        self._decode_page = decode_page
        self._buffer: list[dict[str, Any]] = list(first_page)
        self._pos = 0
        self._next_start = self.start_index + self.page_size  # first page not yet requested
        self._fetched = len(first_page)  # items of the pages served so far
        self.served = 0
        self.pages_fetched = 1
        pages_left = -(-max(self.servable - len(first_page), 0) // self.page_size)
        # the most pages ever requested ahead; the automatic window moves below it (_adapt)
        self.window = window_size(self.threads, self.page_size, pages_left)
        self._adaptive = self.threads == AUTO_THREADS and self.window > AUTO_MIN_WINDOW
        self.target = min(self.window, AUTO_START_WINDOW) if self._adaptive else self.window
        self._quickest = first_rtt if first_rtt is not None and first_rtt > 0 else None
        self._pool: ThreadPoolExecutor | None = None
        # pages requested ahead of iteration, in page order: (start index, pending page)
        self._ahead: deque[tuple[int, Future[Any]]] = deque()
        # the window is first filled when iteration begins
        self._kick = self.window > 1 and fetch_page is not None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self

    def __next__(self) -> dict[str, Any]:
        if self.served >= self.servable:
            raise StopIteration
        if self._kick:
            self._kick = False
            self._fill()
        pos = self._pos
        if pos >= len(self._buffer):
            self._advance()  # (no local reference to the old page may outlive this call)
            pos = self._pos
            if pos >= len(self._buffer):
                raise StopIteration
        self._pos = pos + 1
        self.served += 1
        return self._buffer[pos]

    @property
    def in_flight(self) -> int:
        """Pages requested ahead and not yet served (sent, or waiting for a worker)."""
        return len(self._ahead)

    def close(self) -> None:
        """Stop fetching: pages not yet sent are cancelled, pages in flight are dropped."""
        self._kick = False
        for _, future in self._ahead:
            future.cancel()
        self._ahead.clear()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def __del__(self) -> None:
        if self.__dict__.get("_pool") is not None:
            self.close()

    # ------------------------------------------------------------------ fetching
    def _wanted(self, start: int) -> bool:
        """Does the page at ``start`` hold an item iteration may still serve?"""
        return start - self.start_index < self.servable

    def _fill(self) -> None:
        """Request pages until the window is full or no page is left to ask for."""
        while len(self._ahead) < self.target and self._wanted(self._next_start):
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.window, thread_name_prefix="pyral-page"
                )
            start = self._next_start
            self._ahead.append((start, self._pool.submit(self._timed_fetch, start)))
            self._next_start += self.page_size
        if not self._ahead and self._pool is not None:
            self.close()  # nothing left to fetch: let the worker threads go

    def _timed_fetch(self, start: int) -> tuple[Any, float]:
        """The page at ``start`` and the seconds its round trip took (on a worker thread)."""
        assert self._fetch_page is not None
        began = time.monotonic()
        page = self._fetch_page(start)
        return page, time.monotonic() - began

    def _adapt(self, seconds: float) -> None:
        """Move the automatic window by one page after a page that took ``seconds``."""
        if not self._adaptive:
            return  # threads=N: the window the caller chose
        quickest = self._quickest
        if quickest is None or seconds < quickest:
            self._quickest = quickest = seconds
        if quickest <= 0 or seconds <= quickest * GROW_BELOW:
            self.target = min(self.target + 1, self.window)
        elif seconds > quickest * SHRINK_ABOVE:
            self.target = max(self.target - 1, AUTO_MIN_WINDOW)

    def _take(self) -> tuple[int, Any] | None:
        """The next page in order (waiting for it if needed), or None when none is left."""
        if self.window > 1:
            self._fill()
            if not self._ahead:
                return None
            start, future = self._ahead.popleft()
            try:
                page, seconds = future.result()
            except BaseException:
                self.servable = self.served  # iteration ends with this error
                self.close()
                raise
            self._adapt(seconds)
            self._fill()  # a slot is free: keep the server busy while this page is served
            return start, page
        start = self._next_start
        if not self._wanted(start):
            return None
        self._next_start += self.page_size
        return start, self._fetch_page(start)  # type: ignore[misc]

    def _advance(self) -> None:
        """Move to the next page once the current one is exhausted."""
        if self._fetch_page is None:
            return
        # the page just served is released before the next one arrives (peak memory)
        self._buffer = []
        self._pos = 0
        taken = self._take()
        if taken is None:
            return
        page_start, raw = taken
        page: list[dict[str, Any]] = (
            self._decode_page(raw) if self._decode_page is not None else raw
        )
        del raw
        self.pages_fetched += 1
        self._fetched += len(page)
        if len(page) < self.page_size and self._fetched < self.servable:
            # the result set shrank under us; what we have is all there is
            _log.warning(
                "page at start=%d held %d items, fewer than the page size %d; "
                "stopping after %d of %d items",
                page_start,
                len(page),
                self.page_size,
                self._fetched,
                self.servable,
            )
            self.servable = self.served + len(page)
            self.close()
        self._buffer = page
