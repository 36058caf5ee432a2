"""The pager: which pages to ask for, and serving their items lazily and in order.

Paging arithmetic is kept in pure functions so it can be tested without a server; the
``Pager`` only decides *when* to call the page fetcher it is given.

Sequential mode (the default) is strictly lazy: a page is requested when iteration reaches
it, and the page just served is let go before the next one is asked for, so memory holds one
page.  Parallel mode (``threads=N``) fetches pages in groups of N and keeps *one group ahead*:
as soon as iteration starts on a group, the next group is requested in the background, so
the server works on it while the caller consumes the current one.  Memory is then bounded by
two groups, at most N requests are in flight, and the pages requested are exactly the ones
sequential iteration would ask for (a caller that stops early may have caused one group to
be fetched speculatively).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

DEFAULT_PAGESIZE = 500
MAX_PAGESIZE = 2000
MAX_ITEMS = 1000000
MAX_START = 1000000
#: never more requests in flight for one Rally than Rally tolerates per user
MAX_THREADS = 12

_log = logging.getLogger("pyral.pager")

PageFetcher = Callable[[int], list[dict[str, Any]]]


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
    """Parallel page fetches; 0/1/absent mean sequential, capped at 12."""
    threads = _whole_number(value)
    if threads is None:
        return 1
    return max(1, min(threads, MAX_THREADS))


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


def next_starts(
    current_start: int, page_size: int, served_through: int, wanted: int, count: int
) -> list[int]:
    """Start indexes of the next ``count`` pages still needed.

    ``served_through`` is how many servable items the pages fetched so far hold; ``wanted``
    is the total servable.  Pages are contiguous: page k starts at
    ``current_start + k * page_size``.
    """
    starts: list[int] = []
    have = served_through
    start = current_start
    while len(starts) < count and have < wanted:
        start += page_size
        starts.append(start)
        have += page_size
    return starts


class Pager:
    """Serves raw item dicts from a first page plus lazily fetched follow-up pages."""

    def __init__(
        self,
        first_page: list[dict[str, Any]],
        *,
        total: int,
        start_index: int,
        page_size: int,
        limit: int | None,
        fetch_page: PageFetcher | None,
        threads: int = 1,
    ) -> None:
        self.total = total
        self.start_index = start_index if start_index > 0 else 1
        self.page_size = page_size if page_size > 0 else max(len(first_page), 1)
        self.limit = limit
        self.servable = servable(total, self.start_index, limit)
        self.threads = max(1, min(threads, MAX_THREADS))
        self._fetch_page = fetch_page
        self._buffer: list[dict[str, Any]] = list(first_page)
        self._pos = 0
        self._page_start = self.start_index  # start index of the last page requested
        self._fetched = len(first_page)  # items received so far (all pages)
        self.served = 0
        self.pages_fetched = 1
        self._pool: ThreadPoolExecutor | None = None
        # the group requested ahead of iteration: (start indexes, their futures)
        self._ahead: tuple[list[int], list[Future[list[dict[str, Any]]]]] | None = None
        # parallel mode asks for the first follow-up group when iteration begins
        self._kick = self.threads > 1 and fetch_page is not None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self

    def __next__(self) -> dict[str, Any]:
        if self.served >= self.servable:
            raise StopIteration
        if self._kick:
            self._kick = False
            self._prefetch()
        pos = self._pos
        if pos >= len(self._buffer):
            self._refill()  # (no local reference to the old page may outlive this call)
            pos = self._pos
            if pos >= len(self._buffer):
                raise StopIteration
        self._pos = pos + 1
        self.served += 1
        return self._buffer[pos]

    def close(self) -> None:
        """Drop a group requested ahead and stop the page threads (parallel mode)."""
        self._ahead = None
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def __del__(self) -> None:
        if self.__dict__.get("_pool") is not None:
            self.close()

    # ------------------------------------------------------------------ fetching
    def _next_group(self) -> list[int]:
        return next_starts(
            self._page_start, self.page_size, self._fetched, self.servable, self.threads
        )

    def _submit(self, starts: list[int]) -> list[Future[list[dict[str, Any]]]]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self.threads, thread_name_prefix="pyral-page"
            )
        assert self._fetch_page is not None
        return [self._pool.submit(self._fetch_page, start) for start in starts]

    @staticmethod
    def _collect(futures: list[Future[list[dict[str, Any]]]]) -> list[list[dict[str, Any]]]:
        """Pages in request order; the first failure (in page order) propagates once every
        request of the group has finished, so no request outlives the error unnoticed."""
        wait(futures)
        return [future.result() for future in futures]

    def _prefetch(self) -> None:
        """Request the next group in the background, or release the threads if none is left."""
        starts = self._next_group()
        if not starts:
            self.close()
            return
        self._ahead = (starts, self._submit(starts))

    def _refill(self) -> None:
        """Take the next page (or group of pages) once the buffer is exhausted."""
        if self._fetch_page is None:
            return
        # the page just served is released before the next one arrives (peak memory)
        self._buffer = []
        self._pos = 0
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            starts, futures = ahead
            pages = self._collect(futures)
        else:
            starts = self._next_group()
            if not starts:
                return
            if len(starts) == 1:
                pages = [self._fetch_page(starts[0])]
            else:
                pages = self._collect(self._submit(starts))
        self.pages_fetched += len(starts)
        buffer: list[dict[str, Any]] = []
        for page_start, page in zip(starts, pages, strict=False):
            buffer.extend(page)
            self._fetched += len(page)
            self._page_start = page_start
            if len(page) < self.page_size:
                # the result set shrank under us; what we have is all there is
                if self._fetched < self.servable:
                    _log.warning(
                        "page at start=%d held %d items, fewer than the page size %d; "
                        "stopping after %d of %d items",
                        page_start,
                        len(page),
                        self.page_size,
                        self._fetched,
                        self.servable,
                    )
                    self.servable = min(self.servable, self.served + len(buffer))
                break
        self._buffer = buffer
        if self.threads > 1:
            self._prefetch()
