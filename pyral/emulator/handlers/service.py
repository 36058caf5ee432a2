"""Handlers for the non-CRUD endpoints: token, singletons, schema, allowed values, batch.

Batch semantics (entry forms, paths, per-entry transactions) live in one place,
``backend/batch.py``; the handler here only adds the request context and the envelopes.
"""

from __future__ import annotations

from typing import Any

from .. import errors, serializer
from . import typedefs
from .base import (
    HandlerContext,
    Request,
    fetch_spec,
    json_body,
    narrowing,
    paging,
)
from .objects import Reply, query, read_reply
from .typedefs import allowed_value_texts


def security_token(ctx: HandlerContext, req: Request) -> Reply:
    """GET /security/authorize: a token for ``key=`` on writes (issued for API keys too)."""
    token = ctx.backend.issue_security_token(req.user)
    return 200, serializer.operation_result(SecurityToken=token)


def subscription(ctx: HandlerContext, req: Request, type: str) -> Reply:
    """GET /subscription: the caller's subscription as a singleton; with ``query``, a query."""
    if req.param("query") is not None:
        return query(ctx, req, type)
    fetch = narrowing(fetch_spec(req))
    td = ctx.backend.lookup_type("Subscription", None)
    oid = req.user.data.get("Subscription")
    if oid is None:
        _, rows = ctx.backend.query(
            req.user, td, query=None, order=None, start=1, pagesize=1,
            workspace=None, project=None, scope_up=False, scope_down=True,
        )  # fmt: skip
        if not rows:
            raise errors.NotFoundError(errors.CANNOT_FIND_TO_READ)
        row = rows[0]
    else:
        row = ctx.backend.get_row(req.user, td, int(oid))
    return 200, read_reply(ctx, req, row, fetch)


def current_user(ctx: HandlerContext, req: Request, type: str) -> Reply:
    """GET /user: the authenticated user as a singleton; with ``query``, an ordinary query."""
    if req.param("query") is not None:
        return query(ctx, req, type)
    return 200, read_reply(ctx, req, req.user, narrowing(fetch_spec(req)))


# --- schema -------------------------------------------------------------------------------------


def schema(
    ctx: HandlerContext, req: Request, scope: str, oid: str, hash: str | None = None
) -> Reply:
    """GET /slm/schema/v2.0/(workspace|project)/<oid>[/<hash>]: every TypeDefinition inline."""
    try:
        number = int(oid)
    except ValueError:
        raise errors.NotFoundError(errors.CANNOT_FIND_TO_READ) from None
    if scope.lower() == "project":
        td = ctx.backend.lookup_type("Project", None)
        project = ctx.backend.get_row(req.user, td, number)
        ws = ctx.backend.resolve_workspace(req.user, f"workspace/{project.workspace}")
    else:
        ws = ctx.backend.resolve_workspace(req.user, f"workspace/{number}")
    sch = ctx.schema(ws.oid)
    service = req.base.rstrip("/") + serializer.SERVICE_PATH
    # Tags are the only allowed values that change while serving; their number is in the key
    # so the AllowedValues Counts stay true.
    tags = ctx.backend.store.count(
        "o.type = 'Tag' AND o.recycled = 0 AND o.workspace = ?"
        " AND coalesce(json_extract(o.data, '$.Archived'), 0) = 0",
        [ws.oid],
    )
    key = (id(sch), service, tags)
    results = ctx.schema_cache.get(key)
    if results is None:
        counts = typedefs.allowed_counter(ctx, ws)
        results = [serializer.typedef_json(service, td, sch.lookup, counts) for td in sch.types()]
        ctx.schema_cache[key] = results
    return 200, serializer.query_result(results, total=len(results), start=1, pagesize=len(results))


def _find_attribute(sch: Any, attr_oid: int) -> tuple[Any, Any] | None:
    for td in sch.types():
        for attr in td.attributes.values():
            if serializer.attrdef_oid(td, attr) == attr_oid:
                return td, attr
    return None


def allowed_values(ctx: HandlerContext, req: Request, oid: str) -> Reply:
    """GET /attributedefinition/<oid>/AllowedValues: items carrying ``StringValue``."""
    start, pagesize = paging(req)
    try:
        number = int(oid)
    except ValueError:
        raise errors.QueryError(errors.CANNOT_FIND_TO_READ) from None
    ws = ctx.workspace(req)
    found = _find_attribute(ctx.schema(ws.oid), number)
    if found is None:
        raise errors.QueryError(errors.CANNOT_FIND_TO_READ)
    td, attr = found
    values = allowed_value_texts(ctx, ws, td, attr)
    service = req.base.rstrip("/") + serializer.SERVICE_PATH
    items = [
        serializer.allowed_value_item(v, service=service, attr_oid=number, index=i)
        for i, v in enumerate(values)
    ]
    page = items[start - 1 : start - 1 + pagesize]
    return 200, serializer.query_result(page, total=len(items), start=start, pagesize=pagesize)


# --- batch --------------------------------------------------------------------------------------

BATCH_SHAPE = 'Cannot parse input: a batch body must be {"Batch": [{"Entry": {"Path": ..., "Method": ..., "Body": ...}}, ...]}'


def batch(ctx: HandlerContext, req: Request) -> Reply:
    """POST /batch: entries run in order, each in its own transaction (``Backend.batch``).

    The backend owns the batch semantics; this handler only resolves the request's
    workspace/project and applies the URL's ``fetch`` to every returned ``Object``.
    """
    body = json_body(req)
    entries = body.get("Batch") if isinstance(body, dict) and len(body) <= 2 else None
    if not isinstance(entries, list):
        raise errors.ValidationError(BATCH_SHAPE)
    fetch = narrowing(fetch_spec(req))
    ws = ctx.workspace(req)
    project = ctx.project(req, ws)
    outcomes = ctx.backend.batch(req.user, entries, workspace=ws, project=project)
    ser = ctx.serializer(req)
    results = [
        serializer.batch_entry(
            ser.obj(row, fetch) if row is not None and not errs else None,
            errors=errs,
            warnings=warns,
        )
        for row, errs, warns in outcomes
    ]
    return 200, serializer.batch_result(results)
