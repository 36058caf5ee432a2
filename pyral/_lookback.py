"""Rally's Lookback API (analytics v2.0 snapshots) for the client.

``Rally.lookback(find, ...)`` posts a snapshot query to
``/analytics/v2.0/service/rally/workspace/<oid>/artifact/snapshot/query.js`` and returns a
:class:`LookbackResponse`: the first page is read at once (so a bad ``find`` raises
:class:`~pyral.exceptions.RallyRESTAPIError` right away), later pages when iteration reaches
them.  Paging reuses the WSAPI pager, so ``threads=N`` fetches pages in parallel, and every
request goes through the client's transport, whose semaphore keeps at most 12 requests in
flight per client, WSAPI and Lookback together.

Lookback's ``start`` is 0-based (WSAPI's is 1-based) and pages may hold up to 20000
snapshots; both are handled here, the caller only says where to start and how many it wants.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import requests

from pyral._failures import connection_failure
from pyral._pagination import Pager, normalize_limit, normalize_threads
from pyral.exceptions import RallyRESTAPIError

if TYPE_CHECKING:
    from pyral.restapi import Rally

__all__ = [
    "DEFAULT_PAGESIZE",
    "MAX_PAGESIZE",
    "LookbackMixin",
    "LookbackResponse",
    "Snapshot",
    "lookback",
    "lookback_url",
]

MAX_PAGESIZE = 20000
DEFAULT_PAGESIZE = 2000
END_OF_TIME = "9999-01-01T00:00:00.000Z"


class Snapshot:
    """One snapshot: ``snap.ScheduleState``, ``snap['_ValidFrom']``, ``snap.previous('State')``.

    Attribute and item access read the same fields; a dotted name (``'_PreviousValues.State'``)
    reaches inside ``_PreviousValues`` whether the server sent it nested or, when it was asked
    for in ``fields``, as one flat key.  A field the snapshot does not carry reads as ``None``
    through attributes (Lookback leaves null fields out) and raises ``KeyError`` through items.
    """

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @property
    def data(self) -> dict[str, Any]:
        """The snapshot as the server sent it."""
        return self._data

    def __getitem__(self, name: str) -> Any:
        if name in self._data:
            return self._data[name]
        current: Any = self._data
        for part in name.split("."):
            if not isinstance(current, dict) or part not in current:
                raise KeyError(name)
            current = current[part]
        return current

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._data.get(name)

    def __contains__(self, name: object) -> bool:
        try:
            self[str(name)]
        except KeyError:
            return False
        return True

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default

    def keys(self) -> list[str]:
        return list(self._data)

    @property
    def previous_values(self) -> dict[str, Any]:
        """The fields this snapshot changed, with their values before the change."""
        nested = self._data.get("_PreviousValues")
        out = dict(nested) if isinstance(nested, dict) else {}
        prefix = "_PreviousValues."
        out.update({k[len(prefix) :]: v for k, v in self._data.items() if k.startswith(prefix)})
        return out

    def previous(self, name: str, default: Any = None) -> Any:
        """The value ``name`` had before this snapshot (``default`` when it did not change)."""
        return self.previous_values.get(name, default)

    def changed(self, name: str) -> bool:
        """Did this snapshot change ``name``?"""
        return name in self.previous_values

    @property
    def is_current(self) -> bool:
        return self._data.get("_ValidTo") == END_OF_TIME

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Snapshot) and other._data == self._data

    def __hash__(self) -> int:
        return hash(self._data.get("_id") or id(self))

    def __repr__(self) -> str:
        shown = {
            k: self._data[k]
            for k in ("ObjectID", "_SnapshotNumber", "_ValidFrom")
            if k in self._data
        }
        return f"Snapshot({shown})"


def lookback_url(rally: Any, workspace_oid: int) -> str:
    """The snapshot query URL of a workspace, on the server ``rally`` is connected to."""
    root = str(rally.service_url).split("/slm/", 1)[0]
    return (
        f"{root}/analytics/v2.0/service/rally/workspace/{workspace_oid}/artifact/snapshot/query.js"
    )


def _workspace_oid(rally: Any, workspace: Any) -> int:
    """The ObjectID of ``workspace``: None (current), an ObjectID, a name or a Workspace."""
    if workspace is None:
        workspace = rally.getWorkspace()
    oid = getattr(workspace, "oid", None) or getattr(workspace, "ObjectID", None)
    if oid is not None:
        return int(oid)
    if isinstance(workspace, int) and not isinstance(workspace, bool):
        return workspace
    text = str(workspace).strip()
    if text.isdigit():
        return int(text)
    for ws in rally.getWorkspaces():
        if getattr(ws, "Name", None) == text:
            return int(ws.oid)
    raise RallyRESTAPIError(f"Lookback: no workspace named {text!r} is available to you")


def _pagesize(value: Any) -> int:
    if value is None:
        return DEFAULT_PAGESIZE
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGESIZE:
        raise RallyRESTAPIError(
            f"Lookback pagesize must be an integer from 1 to {MAX_PAGESIZE}, got {value!r}"
        )
    return value


def _start(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RallyRESTAPIError(f"Lookback start must be an integer >= 0 (0-based), got {value!r}")
    return value


class LookbackResponse:
    """The snapshots a query matched, read page by page as iteration goes.

    ``resultCount`` is the server's ``TotalResultCount`` (how many snapshots match, whatever
    ``start`` and ``limit`` say); ``errors``, ``warnings`` and ``unauthorizedProjects`` come
    from the first page.  Iterating yields :class:`Snapshot` objects; iterate once.
    """

    def __init__(
        self,
        rally: Any,
        url: str,
        keys: dict[str, Any],
        *,
        limit: int | None,
        threads: int,
    ) -> None:
        self._rally = rally
        self.url = url
        self.keys = keys
        first = self._post(keys)
        self.raw = first
        self.errors: list[str] = list(first.get("Errors") or [])
        self.warnings: list[str] = list(first.get("Warnings") or [])
        self.resultCount = int(first.get("TotalResultCount") or 0)
        self.startIndex = int(first.get("StartIndex") or keys.get("start", 0))
        self.pageSize = int(first.get("PageSize") or keys["pagesize"])
        self.etlDate: str | None = first.get("ETLDate")
        self.unauthorizedProjects: list[Any] = list(first.get("UnauthorizedProjects") or [])
        self.generatedQuery = first.get("GeneratedQuery")
        start = int(keys.get("start", 0))
        self._pager = Pager(
            list(first.get("Results") or []),
            total=self.resultCount,
            start_index=start + 1,  # the pager counts from 1; Lookback from 0
            page_size=self.pageSize,
            limit=limit,
            fetch_page=self._page,
            threads=threads,
        )

    # -- HTTP ---------------------------------------------------------------------------
    def _post(self, keys: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(keys)
        try:
            response = self._rally.transport.send(
                "POST", self.url, body=body, log_as="lookback snapshot/query"
            )
        except requests.RequestException as exc:
            failure = connection_failure(
                exc, self._rally.server, self.url, self._rally.transport.timeout
            )
            raise RallyRESTAPIError(
                f"Lookback request to {self.url} failed: {failure}",
                url=self.url,
                reason=failure.reason,
                secrets=self._rally._secrets(),
            ) from exc
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise RallyRESTAPIError(
                f"{response.status_code} Lookback answered without a JSON envelope",
                status_code=response.status_code,
                url=self.url,
            )
        errors = [str(e) for e in payload.get("Errors") or []]
        if response.status_code != 200 or errors:
            detail = "; ".join(errors) or response.reason
            raise RallyRESTAPIError(
                f"{response.status_code} Lookback query failed: {detail}",
                status_code=response.status_code,
                errors=errors,
                warnings=[str(w) for w in payload.get("Warnings") or []],
                url=self.url,
            )
        return payload

    def _page(self, start_index: int) -> list[dict[str, Any]]:
        page = self._post({**self.keys, "start": start_index - 1})
        return list(page.get("Results") or [])

    # -- iteration ----------------------------------------------------------------------
    def __iter__(self) -> Iterator[Snapshot]:
        for item in self._pager:
            yield Snapshot(item)

    def next(self) -> Snapshot:
        """pyral-style single step (``StopIteration`` at the end)."""
        return Snapshot(next(self._pager))

    __next__ = next

    def __len__(self) -> int:
        """How many snapshots iteration serves (``start`` and ``limit`` applied)."""
        return self._pager.servable

    def close(self) -> None:
        self._pager.close()

    def __repr__(self) -> str:
        return f"LookbackResponse(resultCount={self.resultCount}, url={self.url!r})"


def lookback(
    rally: Rally | Any,
    find: dict[str, Any],
    fields: list[str] | bool | None = None,
    hydrate: list[str] | None = None,
    sort: dict[str, int] | None = None,
    pagesize: int | None = None,
    start: int = 0,
    limit: int | None = None,
    workspace: Any = None,
    removeUnauthorizedSnapshots: bool | None = None,
    compress: bool | None = None,
    threads: int | None = None,
) -> LookbackResponse:
    """Run a snapshot query for ``rally``; see :meth:`pyral.Rally.lookback`."""
    if not isinstance(find, dict):
        raise RallyRESTAPIError(
            f"Lookback find must be a dict (a Mongo-style filter), got {find!r}"
        )
    if (
        fields is not None
        and fields is not True
        and not (isinstance(fields, (list, tuple)) and all(isinstance(f, str) for f in fields))
    ):
        raise RallyRESTAPIError(f"Lookback fields must be a list of names or True, got {fields!r}")
    cap = normalize_limit(limit)
    size = _pagesize(pagesize)
    if cap is not None and cap < size:
        size = cap  # a caller who wants 5 snapshots should not download 2000
    keys: dict[str, Any] = {"find": find, "pagesize": size, "start": _start(start)}
    if fields is not None:
        keys["fields"] = fields if fields is True else list(fields)
    if hydrate:
        keys["hydrate"] = list(hydrate)
    if sort:
        keys["sort"] = dict(sort)
    if removeUnauthorizedSnapshots is not None:
        keys["removeUnauthorizedSnapshots"] = bool(removeUnauthorizedSnapshots)
    if compress is not None:
        keys["compress"] = bool(compress)
    url = lookback_url(rally, _workspace_oid(rally, workspace))
    return LookbackResponse(rally, url, keys, limit=cap, threads=normalize_threads(threads))


class LookbackMixin:
    """Gives :class:`pyral.Rally` its ``lookback`` method."""

    def lookback(
        self,
        find: dict[str, Any],
        fields: list[str] | bool | None = None,
        hydrate: list[str] | None = None,
        sort: dict[str, int] | None = None,
        pagesize: int | None = DEFAULT_PAGESIZE,
        start: int = 0,
        limit: int | None = None,
        workspace: Any = None,
        removeUnauthorizedSnapshots: bool | None = None,
        compress: bool | None = None,
        threads: int | None = None,
    ) -> LookbackResponse:
        """Query Rally's snapshot history (Lookback API, analytics v2.0).

        ``find`` is the Mongo-style filter (``{"ObjectID": 123}``, ``{"_TypeHierarchy":
        "Defect", "__At": "current"}``); ``fields`` a list of names (dotted allowed) or
        ``True``; ``hydrate`` the reference fields to return as names; ``sort`` e.g.
        ``{"_ValidFrom": 1}``; ``start`` is 0-based; ``pagesize`` up to 20000; ``limit``
        caps the snapshots served; ``threads`` fetches pages in parallel (never more than 12
        requests in flight per client).  ``workspace`` defaults to the current one (name,
        ObjectID or Workspace).  Returns a lazy :class:`LookbackResponse`; a refused query
        raises :class:`~pyral.exceptions.RallyRESTAPIError` with the server's ``errors``.
        """
        return lookback(
            self,
            find,
            fields=fields,
            hydrate=hydrate,
            sort=sort,
            pagesize=pagesize,
            start=start,
            limit=limit,
            workspace=workspace,
            removeUnauthorizedSnapshots=removeUnauthorizedSnapshots,
            compress=compress,
            threads=threads,
        )
