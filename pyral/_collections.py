"""Collection operations of ``Rally``: read a collection, add members to it, remove them.

``getCollection`` pages a ``<ref>/<Collection>`` URL like a query; ``addCollectionItems`` /
``dropCollectionItems`` post to Rally's ``/add`` and ``/remove`` endpoints and can infer the
collection from the items' type through the workspace schema.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import requests

from pyral._envelope import error_text
from pyral._pagination import normalize_limit, normalize_pagesize, normalize_start
from pyral._query import format_query
from pyral._rally_support import KILO_PAGESIZE, _order_text
from pyral.exceptions import RallyRESTAPIError
from pyral.rallyresp import ErrorResponse, RallyRESTResponse


class CollectionsMixin:
    """Mixed into :class:`pyral.restapi.Rally` (``self`` is the client)."""

    def getCollection(self: Any, collection_url: str, **kwargs: Any) -> RallyRESTResponse:
        """A collection (``<ref>/Tasks`` ...) as a lazily paged ``RallyRESTResponse``.

        Like pyral, a URL without parameters gets ``pagesize`` and the current workspace
        and project (unless ``_disableAugments=True``); parameters already in the URL win.
        ``fetch``, ``query``, ``order``, ``pagesize``, ``start`` and ``limit`` keywords
        narrow, filter, sort and page the collection on the server.
        """
        base_url = self._absolute(collection_url)
        path, _, given = base_url.partition("?")
        params = [p for p in given.split("&") if p]
        present = {p.split("=", 1)[0] for p in params}
        start = normalize_start(kwargs.get("start", 1))
        for p in [p for p in params if p.startswith("start=")]:
            start = normalize_start(p.split("=", 1)[1])
            params.remove(p)
        fetch_text = self._collection_fetch(kwargs.get("fetch"))
        if fetch_text is not None and "fetch" not in present:
            params.append(f"fetch={fetch_text}")
        if kwargs.get("query") and "query" not in present:
            params.append(f"query=({format_query(kwargs['query'])})")
        if kwargs.get("order") and "order" not in present:
            params.append(f"order={quote(_order_text(kwargs['order']))}")
        if "pagesize" not in present:
            params.append(f"pagesize={normalize_pagesize(kwargs.get('pagesize', KILO_PAGESIZE))}")
        if not kwargs.get("_disableAugments") and "workspace" not in present:
            params.extend(self._resolver.augments(scoping=False))
        base = f"{path}?{'&'.join(params)}"
        # Without a fetch, members that still arrive with their fields count as loaded (pyral).
        hydration = "auto" if fetch_text is None else "full"
        limit = normalize_limit(kwargs.get("limit"))
        return self._query(base, start, limit, hydration, 1, self._target_of(path))

    @staticmethod
    def _collection_fetch(fetch: Any) -> str | None:
        """``fetch=`` text for getCollection; None keeps the read shallow (refs only)."""
        if fetch is None or fetch is False or str(fetch).lower() == "false":
            return None
        if isinstance(fetch, str):
            return fetch
        return "true" if fetch is True else ",".join(fetch)

    # -- collections ---------------------------------------------------------------------------
    @staticmethod
    def _type_path_of(target: Any) -> str:
        state = getattr(target, "__dict__", {})
        return state.get("typePath") or state.get("_type") or type(target).__name__

    def addCollectionItems(
        self: Any,
        target: Any,
        collection_name: Any = None,
        items: list[Any] | None = None,
        *,
        _removing: bool = False,
    ) -> Any:
        """Add entities to a writable collection (Tags, Milestones, TestCases ...).

        Returns the target re-read with that collection.  Both the 1.7.0 call
        ``(target, 'Tags', items)`` and the older ``(target, items)`` are accepted; the
        latter infers the collection from the items' type through the workspace schema
        (Tag -> Tags, Milestone -> Milestones ...), refusing ambiguous cases such as a story
        added to a story (Predecessors or Successors?).  ``dropCollectionItems`` shares this
        preparation through ``_removing``.
        """
        caller = "dropCollectionItems" if _removing else "addCollectionItems"
        if items is None and not isinstance(collection_name, str):
            collection_name, items = None, collection_name  # the older two-argument call
        if items is None:
            raise RallyRESTAPIError(
                f"{caller}: no items given for the {collection_name} collection"
            )
        items = [items] if not isinstance(items, (list, tuple)) else list(items)
        if not items:
            return None
        kinds = {item.__dict__.get("_type") or type(item).__name__ for item in items}
        if len(kinds) > 1:
            raise RallyRESTAPIError(f"{caller}: all items must be of the same type")
        type_path = self._type_path_of(target)
        if collection_name is None:
            collection_name = self._infer_collection(caller, type_path, items[0])
        refs = [{"_ref": f"{item.__dict__.get('_type')}/{item.oid}"} for item in items]
        token_params = self._write_params([])
        url = f"{self.service_url}/{type_path}/{target.oid}/{collection_name}"
        if _removing:
            url += "/remove" + ("?" + "&".join(token_params) if token_params else "")
            return self._remove_members(url, refs)
        url += "/add?" + "&".join(["fetch=Name", *token_params])
        env, status = self._write("POST", url, json.dumps({collection_name: refs}))
        if status != 200 or env.errors:
            raise RallyRESTAPIError(
                error_text(422 if status == 200 else status, env.errors),
                status_code=status,
                errors=env.errors,
            )
        return self.get(
            self._official_name(type_path),
            fetch=f"ObjectID,Name,FormattedID,{collection_name}",
            query=f"ObjectID = {target.oid}",
            project=None,
            instance=True,
        )

    def _infer_collection(self: Any, caller: str, type_path: str, item: Any) -> str:
        """The one collection of ``type_path`` that holds items like ``item``, or an error.

        Writable collections win over read-only ones, and the plain plural of the item's
        type breaks a tie (a Tag goes to Tags even if another collection also holds Tags).
        """
        names = {c.__name__ for c in type(item).__mro__}
        names.update(str(item.__dict__.get(k) or "") for k in ("_type", "typePath"))
        names.update(n.split("/")[-1] for n in list(names))
        typedef = self._schema_for().typedef(type_path)
        found = [
            a
            for a in (typedef.Attributes if typedef is not None else [])
            if a.AttributeType == "COLLECTION" and a.SchemaType in names
        ]
        writable = [a.ElementName for a in found if not a.ReadOnly] or [
            a.ElementName for a in found
        ]
        plural = f"{item.__dict__.get('_type')}s"
        if len(writable) > 1 and plural in writable:
            writable = [plural]
        if len(writable) != 1:
            choice = " or ".join(writable) if writable else "no collection"
            raise RallyRESTAPIError(
                f"{caller}: cannot tell which collection of {type_path} holds "
                f"{item.__dict__.get('_type')} items ({choice}); pass the collection name, "
                f"e.g. {caller}(target, '<Collection>', items)"
            )
        return writable[0]

    def _remove_members(self: Any, url: str, refs: list[dict[str, str]]) -> RallyRESTResponse:
        """POST a removal; as in pyral a refusal is reported in the response, never raised."""
        body = json.dumps({"CollectionItems": refs})
        try:
            raw: Any = self.transport.send("POST", url, body=body, log_as=self._relative(url))
        except requests.RequestException as exc:
            raw = ErrorResponse(404, str(self._unreachable(exc, url, "POST")))
        return RallyRESTResponse(
            self.session, self.contextHelper.currentContext(), url, raw, "full", None
        )

    def dropCollectionItems(
        self: Any, target: Any, collection_name: Any = None, items: list[Any] | None = None
    ) -> Any:
        """Remove entities from a collection; returns the operation's ``RallyRESTResponse``.

        As in pyral nothing is raised for a refused removal: look at ``.errors``.  The older
        ``(target, items)`` call infers the collection like ``addCollectionItems``.
        """
        return self.addCollectionItems(target, collection_name, items, _removing=True)
