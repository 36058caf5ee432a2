"""Handlers for the non-CRUD endpoints: token, singletons, schema, allowed values, batch.

Batch is served by re-dispatching each entry through the same route table as a top-level
request, so an entry's path accepts exactly what a real URL accepts (``portfolioitem/<sub>``,
``.js``, case-insensitive types) and answers in exactly the same shapes.
"""

from __future__ import annotations

import json
from typing import Any

from .. import errors, serializer
from .base import (
    HandlerContext,
    Request,
    fetch_spec,
    json_body,
    narrowing,
    paging,
    parse_params,
)
from .objects import Reply, query, read_reply


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
    key = (id(sch), service)
    results = ctx.schema_cache.get(key)
    if results is None:
        results = [serializer.typedef_json(service, td, sch.lookup) for td in sch.types()]
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
    _, attr = found
    values = list(attr.allowed_values or [])
    service = req.base.rstrip("/") + serializer.SERVICE_PATH
    items = [
        serializer.allowed_value_item(v, service=service, attr_oid=number, index=i)
        for i, v in enumerate(values)
    ]
    page = items[start - 1 : start - 1 + pagesize]
    return 200, serializer.query_result(page, total=len(items), start=start, pagesize=pagesize)


# --- batch --------------------------------------------------------------------------------------

BATCH_SHAPE = 'Cannot parse input: a batch body must be {"Batch": [{"Entry": {"Path": ..., "Method": ..., "Body": ...}}, ...]}'
BATCH_METHODS = frozenset({"GET", "PUT", "POST", "DELETE"})


def batch_entry_invalid(index: int, detail: str) -> str:
    return f"Batch entry {index}: {detail}"


def batch(ctx: HandlerContext, req: Request) -> Reply:
    """POST /batch: each entry runs on its own (not transactional), results in order."""
    body = json_body(req)
    entries = body.get("Batch") if isinstance(body, dict) and len(body) <= 2 else None
    if not isinstance(entries, list):
        raise errors.ValidationError(BATCH_SHAPE)
    results = [_run_entry(req, ctx.dispatch, i, entry) for i, entry in enumerate(entries)]
    return 200, serializer.batch_result(results)


def _run_entry(req: Request, dispatch: Any, index: int, entry: Any) -> dict:
    if isinstance(entry, dict) and isinstance(entry.get("Entry"), dict):
        entry = entry["Entry"]
    if not isinstance(entry, dict):
        return serializer.batch_entry(None, errors=[batch_entry_invalid(index, "not an object")])
    path = entry.get("Path")
    method = str(entry.get("Method") or "").upper()
    if not isinstance(path, str) or not path.strip():
        return serializer.batch_entry(None, errors=[batch_entry_invalid(index, "missing Path")])
    if method not in BATCH_METHODS:
        return serializer.batch_entry(
            None, errors=[batch_entry_invalid(index, f'bad Method "{method}"')]
        )
    path, _, query_string = path.partition("?")
    params = dict(req.params)
    params.update(parse_params(query_string))
    sub = Request(
        method=method,
        path=path if path.startswith("/") else "/" + path,
        query_string=query_string,
        headers=req.headers,
        body=b"" if entry.get("Body") is None else json.dumps(entry.get("Body")).encode("utf-8"),
        base=req.base,
        params=params,
        auth=req.auth,
    )
    _, reply = dispatch(sub, nested=True)
    return _entry_from_reply(reply)


def _entry_from_reply(reply: dict) -> dict:
    root_key, root = next(iter(reply.items()))
    errs = root.get("Errors", [])
    warns = root.get("Warnings", [])
    if root_key in {"CreateResult", "OperationResult"}:
        obj = root.get("Object")
    elif root_key == "QueryResult":
        obj = None
        if not errs:
            errs = [batch_entry_invalid(0, "queries are not allowed in a batch")]
    else:  # a read wrapper: the object itself, minus the envelope keys
        obj = {k: v for k, v in root.items() if k not in {"Errors", "Warnings"}}
    return serializer.batch_entry(obj, errors=errs, warnings=warns)
