"""``RallyRESTResponse``: what ``Rally.get`` returns.

It wraps the first page of a query (or a single-object read) and serves hydrated entities on
iteration, asking for further pages only when iteration reaches them.  Differences from
pyral 1.7.0 are deliberate fixes: an error response still has ``resultCount`` (0), iterates
to nothing and carries decoded error strings; a failing follow-up page raises
``RallyResponseError`` instead of crashing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from pyral._envelope import Envelope, decode_body, parse_envelope
from pyral._pagination import Pager, normalize_threads
from pyral.exceptions import RallyResponseError

__version__ = (1, 7, 0)

__all__ = ["RallyRESTResponse", "ErrorResponse", "RallyResponseError"]


def errout(text: str) -> None:
    sys.stderr.write(text)


class ErrorResponse:
    """A stand-in for a ``requests.Response`` when no usable HTTP response exists."""

    SECURITY_ERROR = "An Authentication object was not found in the SecurityContext"
    INVALID_CREDENTIALS = "Error 401 The username or password you entered is incorrect."

    def __init__(self, status_code: int, problem: Any) -> None:
        self.status_code = status_code
        self.headers = {"placeholder": True}
        text = problem.decode("utf-8", "replace") if isinstance(problem, bytes) else str(problem)
        for known in (self.SECURITY_ERROR, self.INVALID_CREDENTIALS):
            if known in text:
                text = known
        self.content = {"OperationResult": {"Errors": [text], "Warnings": [], "Results": []}}
        self.errors = [text]
        self.warnings: list[str] = []


def _body_errors(response: Any) -> list[str]:
    """Best-effort error strings from a failed HTTP response (JSON or not)."""
    raw = getattr(response, "content", b"")
    if isinstance(raw, dict):  # ErrorResponse
        return list(response.errors)
    try:
        env = parse_envelope(decode_body(raw, ""))
        if env.errors:
            return env.errors
    except RallyResponseError:
        pass
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    return [str(raw).strip()] if raw else []


class RallyRESTResponse:
    """One query's results: status, errors, counts, and lazily paged hydrated items.

    ``Rally.get`` (and the other reading methods) return one.  Iterate it for the items: each
    is an entity (a :class:`pyral.entity.Persistable` subclass named after its type), and
    pages after the first are fetched as the iteration reaches them.  The response is truthy
    when Rally answered with a 2xx status; a refused query is falsy, iterates as empty and
    says why in ``errors``.

    Attributes:
        resultCount: items that matched on the server (``TotalResultCount``), whatever
            ``limit`` says.
        status_code: the HTTP status of the first page.
        errors: Rally's error texts (empty when it accepted the query).
        warnings: Rally's warning texts, e.g. about a deprecated attribute.
        startIndex: the 1-based index of the first item of the first page.
        pageSize: the page size Rally used.
        content: the decoded JSON body of the first page.
        data: the first page's result object as Rally sent it (for a query,
            ``TotalResultCount``, ``StartIndex``, ``PageSize`` and the raw ``Results``).
        headers: the HTTP headers of the first page.
        request_type: ``"Query"`` for a collection, else the single object's type.
        resource: the URL of the first request.
        threads: how many threads fetch the remaining pages (1: one after the other).
    """

    def __init__(
        self,
        session: Any,
        context: Any,
        request: str,
        response: Any,
        hydration: str,
        limit: int | None,
        **kwargs: Any,
    ) -> None:
        self.session = session
        self.context = context
        self.resource = request
        self.hydration = hydration
        self.debug = kwargs.get("debug", False)
        self.hydrator = kwargs.get("hydrator")
        # fetch_page(start) gets a later page (on a worker thread when pages are fetched ahead);
        # decode_page, when given, turns what it returned into items on the iterating thread.
        fetch_page: Callable[[int], Any] | None = kwargs.get("fetch_page")
        self._decode_page: Callable[[Any], list[dict[str, Any]]] | None = kwargs.get("decode_page")
        self.threads = normalize_threads(kwargs.get("threads"))
        self.max_threads = self.threads
        self.target = request.split("?")[0].rstrip("/").split("/")[-1]
        self._item_type = self.target
        self.status_code: int = int(getattr(response, "status_code", 404))
        self.headers = getattr(response, "headers", {"placeholder": True})
        self.content: Any = None
        self.data: dict[str, Any] | None = None
        self.request_type = "Query"
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.resultCount = 0
        self.startIndex = 0
        self.pageSize = 0
        self._page: list[dict[str, Any]] = []
        self._curIndex = 0
        self._limit = limit
        self._pager: Pager | None = None
        if isinstance(response, ErrorResponse):
            self.errors = list(response.errors)
            self.content = response.content
            return
        if not (200 <= self.status_code < 300):
            self.errors = _body_errors(response)
            return
        elapsed: Any = getattr(response, "elapsed", None)  # the first page's round trip
        self._first_rtt: float | None = (
            elapsed.total_seconds() if hasattr(elapsed, "total_seconds") else None
        )
        self.content = decode_body(response.content, request)
        envelope = parse_envelope(self.content, kwargs.get("target") or self.target)
        self._absorb(envelope, limit, fetch_page)

    def _absorb(self, env: Envelope, limit: int | None, fetch_page: Any) -> None:
        self.data = env.data
        self.request_type = env.kind
        self.errors = env.errors
        self.warnings = env.warnings
        if env.errors:
            if self.status_code == 200:
                self.status_code = 422
            return
        self.resultCount = env.total
        self.startIndex = env.start
        self.pageSize = env.page_size
        self._page = [item for item in env.results if isinstance(item, dict)]
        self._pager = Pager(
            self._page,
            total=env.total,
            start_index=env.start,
            page_size=env.page_size,
            limit=limit,
            fetch_page=fetch_page if env.kind == "Query" else None,
            threads=self.threads,
            decode_page=self._decode_page,
            first_rtt=self._first_rtt,
        )
        self.max_threads = self._pager.window

    # -- the pyral attributes scripts read --------------------------------------------
    @property
    def _servable(self) -> int:
        return self._pager.servable if self._pager else 0

    @property
    def _served(self) -> int:
        return self._pager.served if self._pager else 0

    def __bool__(self) -> bool:
        return 200 <= self.status_code < 300

    def __repr__(self) -> str:
        if self and self._page:
            first_type = self._page[0].get("_type", self.target)
            return (
                f"{first_type} result set, totalResultSetSize: {self.resultCount}, "
                f"startIndex: {self.startIndex}  pageSize: {self.pageSize}  "
                f"current Index: {self._curIndex}"
            )
        if self.errors or self.warnings:
            problem = self.errors[0] if self.errors else self.warnings[0]
            return f"{self.status_code} {problem}"
        return f"{self.status_code} QueryResult TotalResultCount: 0  Results: []"

    def __iter__(self) -> RallyRESTResponse:
        return self

    def __next__(self) -> Any:
        pager = self._pager
        if pager is None:
            raise StopIteration
        raw = pager.__next__()
        self._curIndex += 1
        hydrator = self.hydrator  # (what _hydrate does, inlined: this runs once per item)
        return raw if hydrator is None else hydrator.hydrateInstance(raw)

    def next(self) -> Any:
        """pyral 1.x spelling of ``next(response)``."""
        return self.__next__()

    def _hydrate(self, raw: dict[str, Any]) -> Any:
        if self.hydrator is None:
            return raw
        return self.hydrator.hydrateInstance(raw)

    def showNextItem(self, item: Any) -> str:
        """A one-line description of an item (kept for scripts that printed it)."""
        name = getattr(item, "Name", None) or getattr(item, "_refObjectName", "")
        return f"{getattr(item, 'oid', '')} {name}".strip()
