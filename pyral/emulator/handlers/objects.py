"""Handlers for typed objects: query, read, create, update (with ranking), delete, collections.

Each returns ``(http_status, body)``; failures are raised as :class:`errors.WsapiError` and the
app renders them in the envelope of the route's kind.
"""

from __future__ import annotations

from typing import Any

from .. import errors, serializer
from .base import (
    HandlerContext,
    Request,
    fetch_spec,
    flag,
    json_body,
    narrowing,
    paging,
    parse_oid,
    ref_param,
    unwrap_typed_body,
)

Reply = tuple[int, dict]


def _ws_and_type(ctx: HandlerContext, req: Request, type_name: str) -> tuple[Any, Any]:
    ws = ctx.workspace(req)
    return ws, ctx.backend.lookup_type(type_name, ws.oid)


def query(ctx: HandlerContext, req: Request, type: str) -> Reply:
    """GET /<type>: a QueryResult page, shallow items unless fetch asks for more."""
    start, pagesize = paging(req)
    fetch = fetch_spec(req)
    ws, td = _ws_and_type(ctx, req, type)
    project = ctx.project(req, ws)
    total, rows = ctx.backend.query(
        req.user,
        td,
        query=(req.param("query") or "").strip() or None,
        order=(req.param("order") or "").strip() or None,
        start=start,
        pagesize=pagesize,
        workspace=ws,
        project=project,
        scope_up=flag(req, "projectScopeUp", False),
        scope_down=flag(req, "projectScopeDown", True),
        workspace_named=ref_param(req, "workspace") is not None,
    )
    ser = ctx.serializer(req)
    items = [ser.item(row, fetch) for row in rows]
    return 200, serializer.query_result(items, total=total, start=start, pagesize=pagesize)


def empty_query(ctx: HandlerContext, req: Request, type: str) -> Reply:
    """GET /attachmentcontent: Rally has no query over contents; pyral notes it comes back empty."""
    start, pagesize = paging(req)
    ctx.backend.lookup_type(type, None)
    return 200, serializer.query_result([], total=0, start=start, pagesize=pagesize)


def read(ctx: HandlerContext, req: Request, type: str, oid: str) -> Reply:
    """GET /<type>/<oid>: the full object in a wrapper keyed by its concrete ElementName."""
    fetch = narrowing(fetch_spec(req))
    ws, td = _ws_and_type(ctx, req, type)
    row = ctx.backend.get_row(req.user, td, parse_oid(ctx, oid))
    return 200, read_reply(ctx, req, row, fetch)


def read_reply(ctx: HandlerContext, req: Request, row: Any, fetch: Any) -> dict:
    ser = ctx.serializer(req)
    concrete = ser.source.typedef_of(row)
    return serializer.read_result(concrete.element_name, ser.obj(row, fetch))


def create(ctx: HandlerContext, req: Request, type: str) -> Reply:
    """PUT or POST /<type>/create with ``{"<Type>": {...}}``; CreateResult with the object."""
    fetch = narrowing(fetch_spec(req))
    ws, td = _ws_and_type(ctx, req, type)
    key, attrs = unwrap_typed_body(ctx, json_body(req), td, ws.oid)
    project = ctx.project(req, ws)
    row, warnings = ctx.backend.create(
        req.user, td, attrs, body_key=key, workspace=ws, project=project
    )
    ser = ctx.serializer(req)
    return 200, serializer.create_result(ser.obj(row, fetch), warnings=warnings)


def update(ctx: HandlerContext, req: Request, type: str, oid: str) -> Reply:
    """POST or PUT /<type>/<oid>: update and/or rank; OperationResult with the object."""
    fetch = narrowing(fetch_spec(req))
    ws, td = _ws_and_type(ctx, req, type)
    target = parse_oid(ctx, oid)
    rank_above = req.param("rankAbove") or None
    rank_below = req.param("rankBelow") or None
    rank_to = req.param("rankTo") or None
    ranking = any((rank_above, rank_below, rank_to))
    body = json_body(req, allow_empty=ranking)
    key, attrs = (td.element_name, {}) if body is None else unwrap_typed_body(ctx, body, td, ws.oid)
    explicit_ws = ws if req.param("workspace") else None
    row, warnings = ctx.backend.update(
        req.user,
        td,
        target,
        attrs,
        body_key=key,
        workspace=explicit_ws,
        rank_above=rank_above,
        rank_below=rank_below,
        rank_to=rank_to,
    )
    ser = ctx.serializer(req)
    return 200, serializer.operation_result(warnings=warnings, Object=ser.obj(row, fetch))


def delete(ctx: HandlerContext, req: Request, type: str, oid: str) -> Reply:
    """DELETE /<type>/<oid>: artifacts go to the recycle bin; an empty OperationResult."""
    ws, td = _ws_and_type(ctx, req, type)
    try:
        target = parse_oid(ctx, oid)
    except errors.NotFoundError:
        raise errors.NotFoundError(errors.DELETE_NULL) from None
    ctx.backend.delete(req.user, td, target)
    return 200, serializer.operation_result()


def copy(ctx: HandlerContext, req: Request, type: str, oid: str) -> Reply:
    """POST /<type>/<oid>/copy is in Rally's spec only; refuse it explicitly."""
    raise errors.WsapiError(errors.not_supported("copy"))


def _owner(ctx: HandlerContext, req: Request, type: str, oid: str, attr: str) -> tuple[Any, Any]:
    """The owner row and the AttrDef of its collection ``attr`` (name matched any case)."""
    ws, td = _ws_and_type(ctx, req, type)
    owner = ctx.backend.get_row(req.user, td, parse_oid(ctx, oid))
    concrete = ctx.serializer(req).source.typedef_of(owner)
    found = concrete.attributes.get(attr)
    if found is None:
        lowered = attr.lower()
        found = next((a for n, a in concrete.attributes.items() if n.lower() == lowered), None)
    if found is None or not found.is_collection:
        raise errors.WsapiError(errors.no_such_collection(concrete.element_name, attr))
    return owner, found


def collection(ctx: HandlerContext, req: Request, type: str, oid: str, attr: str) -> Reply:
    """GET /<type>/<oid>/<Collection>: a QueryResult; full objects when no fetch is given."""
    start, pagesize = paging(req)
    fetch = fetch_spec(req)
    owner, attrdef = _owner(ctx, req, type, oid, attr)
    total, rows = ctx.backend.collection(
        req.user,
        owner,
        attrdef,
        query=(req.param("query") or "").strip() or None,
        order=(req.param("order") or "").strip() or None,
        start=start,
        pagesize=pagesize,
    )
    ser = ctx.serializer(req)
    items = [ser.item(row, fetch if fetch is not None else serializer.FULL) for row in rows]
    return 200, serializer.query_result(items, total=total, start=start, pagesize=pagesize)


def _collection_refs(body: Any, attr: str) -> list[Any]:
    """Items of ``{"CollectionItems": [...]}`` or ``{"<Attr>": [...]}`` (pyral's add body)."""
    expected = '{"CollectionItems": [{"_ref": "..."}, ...]}'
    if not isinstance(body, dict) or len(body) != 1:
        raise errors.ValidationError(_shape(expected))
    key, items = next(iter(body.items()))
    if key.lower() not in {"collectionitems", attr.lower()} or not isinstance(items, list):
        raise errors.ValidationError(_shape(expected))
    refs: list[Any] = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("_ref"), str):
            refs.append(item["_ref"])
        elif isinstance(item, str):
            refs.append(item)
        else:
            raise errors.ValidationError(errors.bad_reference(item))
    return refs


def _shape(expected: str) -> str:
    from ..errors import body_shape

    return body_shape(expected)


def collection_add(ctx: HandlerContext, req: Request, type: str, oid: str, attr: str) -> Reply:
    return _modify(ctx, req, type, oid, attr, adding=True)


def collection_remove(ctx: HandlerContext, req: Request, type: str, oid: str, attr: str) -> Reply:
    return _modify(ctx, req, type, oid, attr, adding=False)


def _modify(
    ctx: HandlerContext, req: Request, type: str, oid: str, attr: str, *, adding: bool
) -> Reply:
    """POST .../<Collection>/add|remove: OperationResult with ``Results`` (the items touched)."""
    fetch = fetch_spec(req)
    refs = _collection_refs(json_body(req), attr)
    owner, attrdef = _owner(ctx, req, type, oid, attr)
    change = ctx.backend.collection_add if adding else ctx.backend.collection_remove
    rows = change(req.user, owner, attrdef, refs)
    ser = ctx.serializer(req)
    results = [ser.item(row, fetch) for row in rows or []]
    return 200, serializer.operation_result(Results=results)
