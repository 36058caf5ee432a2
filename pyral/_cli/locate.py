"""Finding one item from what a user types: ``US12``, ``defect/1234`` or a full ref URL.

FormattedIDs are unique per workspace, not per project, so lookups ignore the current project
(``project=None``); otherwise an item in a sibling project would be reported as missing.
Results are read as the raw WSAPI dicts (see :func:`raw_items`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .errors import CliError, UsageError
from .schema import SchemaView

FORMATTED_ID = re.compile(r"^([A-Za-z]{1,8})(\d+)$")
# Optional scheme/host and service prefix, a type path (one or two segments), an ObjectID.
REF = re.compile(
    r"^(?:https?://[^/]+)?/?(?:slm/webservice/v2\.0/)?"
    r"(?P<type>[A-Za-z]\w*(?:/[A-Za-z]\w*)?)/(?P<oid>\d+)/?$"
)


def raw_items(response: Any) -> Iterator[dict[str, Any]]:
    """The items of a ``get`` response as WSAPI dicts, still paged lazily.

    Entities would turn every reference into an object that loads itself on attribute
    access; output wants the reference's name and URL as sent, with no extra requests.
    A response without a hydrator yields the dicts it pages through.
    """
    response.hydrator = None
    yield from response


def check_response(response: Any) -> None:
    """Rally's own error text for a failed query (the client does not raise for those)."""
    if response.errors:
        raise CliError("; ".join(str(e) for e in response.errors))


def parse_ident(ident: str, schema: SchemaView) -> tuple[dict[str, Any], str, str]:
    """(typedef, WSAPI query condition, display label) for an item identifier."""
    text = ident.strip()
    match = FORMATTED_ID.match(text)
    if match:
        prefix, number = match.groups()
        td = schema.type_for_prefix(prefix)
        if td is None:
            raise CliError(
                f"no type in workspace {schema.workspace!r} uses the FormattedID prefix "
                f"{prefix.upper()!r} (see: pyral types)"
            )
        fid = f"{td['IDPrefix']}{int(number)}"
        return td, f'FormattedID = "{fid}"', fid
    match = REF.match(text)
    if match:
        td = schema.require(match.group("type"))
        oid = match.group("oid")
        return td, f"ObjectID = {oid}", f"{td['TypePath']}/{oid}"
    raise UsageError(f"{ident!r} is neither a FormattedID (US12) nor a TYPE/OID ref (defect/1234)")


def find_item(
    rally: Any, schema: SchemaView, ident: str, fetch: str = "true"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(typedef, raw item) for ``ident``; a clear error when nothing matches."""
    td, condition, label = parse_ident(ident, schema)
    response = rally.get(td["TypePath"], fetch=fetch, query=condition, project=None, limit=1)
    check_response(response)
    for item in raw_items(response):
        return td, item
    raise CliError(f"{label} not found in workspace {schema.workspace!r}")


def looks_like_ref(text: str) -> bool:
    return bool(REF.match(text.strip()))


def resolve_reference(
    rally: Any,
    schema: SchemaView,
    text: str,
    target_type: str,
    near_project: str | None = None,
    owner_type: str | None = None,
) -> str:
    """A ref for what the user wrote for a reference attribute.

    Accepted: a ref (``user/123``, full URL) as is; a FormattedID (``US12``); otherwise a
    name -- ``UserName`` for users, ``Name`` for everything else.  Names such as iteration
    and release names repeat from project to project, so the lookup widens step by step:
    the item's own project (``near_project``), the current project, the whole workspace;
    the first step with exactly one match wins, and several matches are an error.
    A ``State`` name is looked up among the states of ``owner_type`` only (portfolio levels
    share state names such as "Done").
    """
    value = text.strip()
    if looks_like_ref(value):
        return value
    fid = FORMATTED_ID.match(value)
    if fid and schema.type_for_prefix(fid.group(1)):
        _, item = find_item(rally, schema, value, fetch="ObjectID")
        return str(item["_ref"])
    td = schema.find(target_type)
    if td is None or not td.get("Queryable", True):
        raise CliError(f"cannot look up {value!r}: give a ref such as {target_type.lower()}/1234")
    key = "UserName" if td.get("ElementName") == "User" else "Name"
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    condition: Any = f'{key} = "{quoted}"'
    if td.get("ElementName") == "State" and owner_type:
        condition = [condition, f'TypeDef.Name = "{owner_type}"']
    steps: list[tuple[Any, dict[str, Any]]] = [(condition, {}), (condition, {"project": None})]
    if near_project and SchemaView.has_attribute(td, "Project"):
        near = [*([condition] if isinstance(condition, str) else condition)]
        steps.insert(0, ([*near, f'Project = "{near_project}"'], {"project": None}))
    for query, scope in steps:
        response = rally.get(td["TypePath"], fetch=f"ObjectID,{key}", query=query, **scope)
        check_response(response)
        found = list(raw_items(response))
        if len(found) == 1:
            return str(found[0]["_ref"])
        if len(found) > 1:
            refs = ", ".join(str(f.get("_ref", "")).split("/v2.0/")[-1] for f in found[:5])
            raise CliError(
                f"{td['ElementName']} {key} {value!r} is ambiguous ({refs}); give a ref instead"
            )
    raise CliError(f"no {td['ElementName']} with {key} {value!r} in workspace {schema.workspace!r}")
