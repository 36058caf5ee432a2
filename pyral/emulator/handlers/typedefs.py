"""TypeDefinition and AttributeDefinition endpoints, served from the schema.

Type definitions are not rows in the store: they are the workspace schema.  These handlers
render the same JSON as the schema endpoint and filter it with the ordinary query parser, so
``typedefinition?query=(TypePath = "defect")&fetch=true`` (rally_api's lookup) works.  Only
plain attributes of the definition (``ElementName``, ``TypePath``, ``Name``, ``Abstract``...)
and ``Parent.Name`` can be filtered on; anything else is refused explicitly.
"""

from __future__ import annotations

from typing import Any

from pyral.emulator.errors import unsupported_filter

from .. import errors, serializer
from .base import HandlerContext, Request, fetch_spec, narrowing, paging
from .objects import Reply

_META = ("_rallyAPIMajor", "_rallyAPIMinor", "_ref", "_refObjectName")


def _service(req: Request) -> str:
    return req.base.rstrip("/") + serializer.SERVICE_PATH


def _typedefs(ctx: HandlerContext, req: Request) -> tuple[Any, list[tuple[Any, dict]]]:
    ws = ctx.workspace(req)
    sch = ctx.schema(ws.oid)
    service = _service(req)
    counts = allowed_counter(ctx, ws)
    return sch, [
        (td, serializer.typedef_json(service, td, sch.lookup, counts)) for td in sch.types()
    ]


def allowed_counter(ctx: HandlerContext, ws: Any) -> Any:
    """``(td, attr) -> int``: how many items a reference attribute's AllowedValues lists."""
    cache: dict[tuple[str, str], int] = {}

    def count(td: Any, attr: Any) -> int:
        key = (td.element_name, attr.name)
        if key not in cache:
            cache[key] = len(allowed_value_texts(ctx, ws, td, attr))
        return cache[key]

    return count


def _summarise(service: str, item: dict) -> dict:
    """A query/read TypeDefinition carries Attributes as a collection summary, not inline."""
    out = dict(item)
    count = len(item["Attributes"])
    out["Attributes"] = {
        "_rallyAPIMajor": serializer.API_MAJOR,
        "_rallyAPIMinor": serializer.API_MINOR,
        "_ref": f"{service}/TypeDefinition/{item['ObjectID']}/Attributes",
        "_type": "AttributeDefinition",
        "Count": count,
    }
    out["_type"] = out.pop("_type")
    return out


def _shape(item: dict, fetch: serializer.FetchSpec | None, *, full_default: bool) -> dict:
    if fetch is None:
        fetch = serializer.FULL if full_default else serializer.SHALLOW
    if fetch.mode == "all":
        return item
    if fetch.mode == "none":
        return {**{k: item[k] for k in _META}, "_type": item["_type"]}
    wanted = {f.split(":", 1)[0].strip() for f in fetch.fields}
    out = {k: item[k] for k in _META}
    out.update({k: v for k, v in item.items() if k in wanted and not k.startswith("_")})
    out["_type"] = item["_type"]
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return value.get("_refObjectName")
    return str(value)


def _matches(expr: Any, item: dict) -> bool:
    from ..query import BoolOp, Null, Scalar, ValueList

    if isinstance(expr, BoolOp):
        left = _matches(expr.left, item)
        return (
            (left and _matches(expr.right, item))
            if expr.op.upper() == "AND"
            else (left or _matches(expr.right, item))
        )
    path = expr.path
    if len(path) == 2 and path[0] == "Parent" and path[1] in {"Name", "ElementName"}:
        value = _text(item.get("Parent"))
    elif len(path) == 1 and path[0] in item and not isinstance(item[path[0]], list):
        value = _text(item[path[0]])
    else:
        raise errors.QueryError(unsupported_filter(".".join(path)))
    op = expr.op.lower()
    if isinstance(expr.value, Null) and op in {"=", "!="}:
        return (value is None) == (op == "=")
    if isinstance(expr.value, Scalar) and op in {"=", "!="}:
        return (value == expr.value.text) == (op == "=")
    if isinstance(expr.value, Scalar) and op in {"contains", "!contains"}:
        hit = value is not None and expr.value.text.lower() in value.lower()
        return hit == (op == "contains")
    if isinstance(expr.value, ValueList) and op in {"in", "!in"}:
        return (value in expr.value.items) == (op == "in")
    raise errors.QueryError(unsupported_filter(f'the operator "{expr.op}"'))


def query(ctx: HandlerContext, req: Request, **_: str) -> Reply:
    """GET /typedefinition: the workspace's types, filtered and paged."""
    from ..query import parse_query_param

    start, pagesize = paging(req)
    fetch = fetch_spec(req)
    expr = parse_query_param(req.param("query"))
    _, items = _typedefs(ctx, req)
    service = _service(req)
    chosen = [item for _, item in items if expr is None or _matches(expr, item)]
    page = chosen[start - 1 : start - 1 + pagesize]
    results = [_shape(_summarise(service, item), fetch, full_default=False) for item in page]
    return 200, serializer.query_result(results, total=len(chosen), start=start, pagesize=pagesize)


def _object_id(oid: str) -> int:
    """Schema objects are addressed by number only; anything else cannot name one."""
    try:
        return int(oid)
    except ValueError:
        raise errors.NotFoundError(errors.CANNOT_FIND_TO_READ) from None


def _find(ctx: HandlerContext, req: Request, oid: str) -> dict:
    number = _object_id(oid)
    _, items = _typedefs(ctx, req)
    for _, item in items:
        if item["ObjectID"] == number:
            return item
    # Stored objects (State.TypeDef, RecycleBinEntry.Type) point at the workspace's
    # TypeDefinition rows; a ref to such a row reads as the same type from the schema.
    row = ctx.backend.store.get(number)
    ws = ctx.workspace(req)
    if row is not None and row.type == "TypeDefinition" and row.workspace in (None, ws.oid):
        for key in ("TypePath", "ElementName"):
            wanted = row.data.get(key)
            for _, item in items:
                if wanted and item.get(key) == wanted:
                    return item
    raise errors.NotFoundError(errors.CANNOT_FIND_TO_READ)


def read(ctx: HandlerContext, req: Request, oid: str) -> Reply:
    """GET /typedefinition/<oid>."""
    item = _summarise(_service(req), _find(ctx, req, oid))
    body = _shape(item, narrowing(fetch_spec(req)), full_default=True)
    return 200, serializer.read_result("TypeDefinition", body)


def attributes(ctx: HandlerContext, req: Request, oid: str) -> Reply:
    """GET /typedefinition/<oid>/Attributes: full AttributeDefinitions unless fetch narrows."""
    start, pagesize = paging(req)
    fetch = fetch_spec(req)
    found = _find(ctx, req, oid)["Attributes"]
    page = [_shape(a, fetch, full_default=True) for a in found[start - 1 : start - 1 + pagesize]]
    return 200, serializer.query_result(page, total=len(found), start=start, pagesize=pagesize)


def attribute(ctx: HandlerContext, req: Request, oid: str) -> Reply:
    """GET /attributedefinition/<oid>."""
    number = _object_id(oid)
    _, items = _typedefs(ctx, req)
    for _, item in items:
        for attr in item["Attributes"]:
            if attr["ObjectID"] == number:
                body = _shape(attr, narrowing(fetch_spec(req)), full_default=True)
                return 200, serializer.read_result("AttributeDefinition", body)
    raise errors.NotFoundError(errors.CANNOT_FIND_TO_READ)


def allowed_value_texts(ctx: HandlerContext, ws: Any, td: Any, attr: Any) -> list[str]:
    """The values ``/attributedefinition/<oid>/AllowedValues`` lists, in order.

    Scalar attributes list their schema values.  For references the schema holds no list:
    the values are objects of the workspace (a level's States, the Tags), read from the
    store on each request so renamed or added ones show at once.
    """
    if attr.is_reference or attr.is_collection:
        return list(ctx.backend.reference_allowed_values(ws, td, attr))
    return [str(v) for v in attr.allowed_values or ()]
