"""The one place that turns stored rows and outcomes into WSAPI JSON.

Clients are picky about shapes in ways that are easy to break by accident: pyral deletes
``_rallyAPIMajor`` from every query item, requires ``Errors``/``Warnings`` *inside* a read
wrapper, splits ``_ref`` on ``/slm/webservice/v2.0/`` and hydrates collections from ``Count``.
Keeping every envelope and every object body in this module means those rules are written
once, next to the golden captures they were copied from, instead of being re-derived in each
handler.

The serializer never touches SQL: it asks an :class:`ObjectSource` for type definitions,
referenced rows and collection sizes, so tests can drive it with small fakes.
"""

from __future__ import annotations

import functools
import json
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from .store import make_uuid

#: a UTF-16 surrogate left unpaired in a Python string (paired ones are already combined).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

API_MAJOR = "2"
API_MINOR = "0"
SERVICE_PATH = "/slm/webservice/v2.0"
SCHEMA_PATH = "/slm/schema/v2.0"

#: attribute names that may hold secrets; never written, whatever the schema says.
SECRET_ATTRIBUTES = frozenset(
    {"Password", "PasswordHash", "ApiKey", "APIKey", "ApiKeys", "SecurityToken", "Token"}
)

#: collections whose summaries carry the ``_tagsNameArray`` preview (golden: Milestones).
NAME_ARRAY_COLLECTIONS = frozenset({"Tags", "Milestones"})

#: meta attributes emitted right after the ``_`` keys, in this order (golden read bodies).
_LEADING_ATTRIBUTES = (
    "CreationDate",
    "ObjectID",
    "ObjectUUID",
    "VersionId",
    "Subscription",
    "Workspace",
)

_VERSION = {"_rallyAPIMajor": API_MAJOR, "_rallyAPIMinor": API_MINOR}


class ObjectSource(Protocol):
    """What the serializer needs to know beyond the row it is writing."""

    def typedef_of(self, row: Any) -> Any:
        """The TypeDef of a row's concrete type (in the row's workspace)."""

    def rows(self, oids: Iterable[int]) -> dict[int, Any]:
        """Rows for the given oids; missing or recycled ones are simply absent."""

    def collection_count(self, row: Any, attr: Any) -> int:
        """How many live items a collection attribute of ``row`` holds."""


@dataclass(frozen=True)
class FetchSpec:
    """How much of each object to write: ``none`` (shallow), ``all`` or a ``list`` of fields."""

    mode: str = "none"
    fields: tuple[str, ...] = ()

    @classmethod
    def coerce(cls, value: Any) -> FetchSpec | None:
        """Accept ``None``, a FetchSpec or any object with ``mode``/``fields`` (query.Fetch)."""
        if value is None or isinstance(value, FetchSpec):
            return value
        return cls(str(value.mode), tuple(value.fields))


FULL = FetchSpec("all")
SHALLOW = FetchSpec("none")


# --- time and text helpers ------------------------------------------------------------------------


def parse_iso(text: str) -> datetime | None:
    """Parse the stored ``YYYY-MM-DDTHH:MM:SS.mmmZ`` form (lenient about the fraction)."""
    if not isinstance(text, str):  # a damaged stored value must not fail the whole read
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None


def created_at_text(created: str | None, now: datetime | None = None) -> str | None:
    """Rally's human ``_CreatedAt``: 'just now', 'N minutes ago', 'today at 8:15 am', 'Sep 8, 2008'.

    Rally renders it in the user's time zone; the emulator has no user time zones, so UTC.
    """
    when = parse_iso(created) if created else None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        minutes = int(seconds // 60)
        return "1 minute ago" if minutes == 1 else f"{minutes} minutes ago"
    clock = f"{when.hour % 12 or 12}:{when.minute:02d} {'am' if when.hour < 12 else 'pm'}"
    days = (now.date() - when.date()).days
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"yesterday at {clock}"
    return f"{when.strftime('%b')} {when.day}, {when.year}"


def dumps(body: Any, *, pretty: bool = False) -> bytes:
    """JSON text as Rally writes it: ``<`` escaped as ``\\u003C`` so HTML never leaks raw.

    Replacing after encoding is safe because ``<`` can only occur inside JSON strings.
    """
    text = json.dumps(body, indent=2 if pretty else None, ensure_ascii=False)
    try:
        return text.replace("<", "\\u003C").encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate stored before writes were checked (or echoed from a refused
        # request) must not turn a whole listing into a 500: show it as U+FFFD.
        return _LONE_SURROGATE.sub("\ufffd", text).replace("<", "\\u003C").encode("utf-8")


def _display_name(name: str) -> str:
    """'PlanEstimate' -> 'Plan Estimate' (fallback when the schema has no display name)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return spaced[2:] if spaced.startswith("c_") else spaced


def stable_negative_oid(*parts: str) -> int:
    """A deterministic negative id for schema items that have none (built-ins are negative)."""
    return -(zlib.crc32("/".join(parts).encode("utf-8")) % 900_000_000 + 1)


# --- envelopes ------------------------------------------------------------------------------------


def query_result(
    results: Sequence[dict],
    *,
    total: int,
    start: int,
    pagesize: int,
    errors: Sequence[str] = (),
    warnings: Sequence[str] = (),
) -> dict:
    """``QueryResult`` with the page size echoed exactly (pyral pages on that echo)."""
    return {
        "QueryResult": {
            **_VERSION,
            "Errors": list(errors),
            "Warnings": list(warnings),
            "TotalResultCount": total,
            "StartIndex": start,
            "PageSize": pagesize,
            "Results": list(results),
        }
    }


def read_result(element_name: str, obj: dict, warnings: Sequence[str] = ()) -> dict:
    """Single-object read: the wrapper key is the ElementName; Errors/Warnings sit inside it."""
    return {element_name: {**obj, "Errors": [], "Warnings": list(warnings)}}


def create_result(
    obj: dict | None, *, errors: Sequence[str] = (), warnings: Sequence[str] = ()
) -> dict:
    """``CreateResult``; ``Object`` is present only on success (golden create errors)."""
    body: dict[str, Any] = {**_VERSION, "Errors": list(errors), "Warnings": list(warnings)}
    if obj is not None and not errors:
        body["Object"] = obj
    return {"CreateResult": body}


def operation_result(
    *, errors: Sequence[str] = (), warnings: Sequence[str] = (), **extra: Any
) -> dict:
    """``OperationResult`` for update (``Object``), delete, token (``SecurityToken``) and errors."""
    body: dict[str, Any] = {**_VERSION, "Errors": list(errors), "Warnings": list(warnings)}
    body.update({key: value for key, value in extra.items() if value is not None})
    return {"OperationResult": body}


def batch_entry(
    obj: dict | None, *, errors: Sequence[str] = (), warnings: Sequence[str] = ()
) -> dict:
    """One item of ``BatchResult.Results``; ``Object`` only when the entry succeeded."""
    body: dict[str, Any] = {**_VERSION, "Errors": list(errors), "Warnings": list(warnings)}
    if obj is not None and not errors:
        body["Object"] = obj
    return body


def batch_result(
    results: Sequence[dict], *, errors: Sequence[str] = (), warnings: Sequence[str] = ()
) -> dict:
    """``BatchResult``: the golden capture has no version keys on this root, so none here."""
    return {
        "BatchResult": {
            "Errors": list(errors),
            "Warnings": list(warnings),
            "Results": list(results),
        }
    }


def error_body(
    kind: str,
    errors: Sequence[str],
    warnings: Sequence[str] = (),
    *,
    start: int = 1,
    pagesize: int = 20,
) -> dict:
    """The failure envelope a client expects for the kind of request it made."""
    if kind == "query":
        return query_result(
            [], total=0, start=start, pagesize=pagesize, errors=errors, warnings=warnings
        )
    if kind == "create":
        return create_result(None, errors=errors, warnings=warnings)
    if kind == "batch":
        return batch_result([], errors=errors, warnings=warnings)
    return operation_result(errors=errors, warnings=warnings)


# --- objects --------------------------------------------------------------------------------------


def ref_segment(td: Any) -> str:
    """Lower-case type segment of an object ``_ref`` ('defect', 'portfolioitem/feature')."""
    segment = getattr(td, "url_segment", None) or td.type_path
    if td.is_portfolio_item() and "/" not in segment:
        segment = td.type_path
    return str(segment).lower()


def type_label(td: Any) -> str:
    """``_type``: ElementName, or the TypePath for portfolio items (golden batch result)."""
    return td.type_path if td.is_portfolio_item() else td.element_name


@dataclass
class Serializer:
    """Writes objects for one request; ``base`` is ``scheme://host`` of that request."""

    base: str
    source: ObjectSource
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    _row_cache: dict[int, Any] = field(default_factory=dict, repr=False)
    # (id of a typedef, fetch) -> the attribute names obj() writes, in order: a page of 2,000
    # items of one type asks the same question 2,000 times
    _order_cache: dict[tuple[int, FetchSpec | None], list[str]] = field(
        default_factory=dict, repr=False
    )

    @functools.cached_property
    def service(self) -> str:
        return self.base.rstrip("/") + SERVICE_PATH

    # refs ----------------------------------------------------------------------------------

    def ref_url(self, row: Any, td: Any | None = None) -> str:
        td = td or self.source.typedef_of(row)
        return f"{self.service}/{ref_segment(td)}/{row.oid}"

    def _uuid(self, row: Any) -> str | None:
        value = row.data.get("ObjectUUID") if isinstance(row.data, dict) else None
        if value:
            return str(value)
        return make_uuid(row.oid)

    def ref_name(self, row: Any, td: Any) -> str | None:
        """``_refObjectName``: Name; for users DisplayName, else UserName. None: type has none."""
        data = row.data
        if td.element_name == "User":
            return data.get("DisplayName") or data.get("UserName") or data.get("EmailAddress") or ""
        if "Name" in td.attributes:
            name = data.get("Name")
            return "" if name is None else str(name)
        return None

    def _meta(self, row: Any, td: Any, *, version: bool) -> dict:
        out: dict[str, Any] = {**_VERSION, "_ref": self.ref_url(row, td)}
        uuid = self._uuid(row)
        if uuid:
            out["_refObjectUUID"] = uuid
        if version:
            out["_objectVersion"] = str(row.version)
        name = self.ref_name(row, td)
        if name is not None:
            out["_refObjectName"] = name
        return out

    def shallow(self, row: Any, td: Any | None = None) -> dict:
        """A shallow ref: version keys, _ref, _refObjectUUID, _refObjectName, _type."""
        td = td or self.source.typedef_of(row)
        out = self._meta(row, td, version=False)
        out["_type"] = type_label(td)
        return out

    # full and narrowed objects -------------------------------------------------------------

    def item(self, row: Any, fetch: FetchSpec | None) -> dict:
        """A query/collection item: shallow unless fetch asks for attributes."""
        fetch = FetchSpec.coerce(fetch)
        if fetch is None or fetch.mode == "none":
            return self.shallow(row)
        return self.obj(row, fetch)

    def obj(self, row: Any, fetch: FetchSpec | None = None) -> dict:
        """A whole object (``fetch`` None or 'all'/'none') or meta + the listed attributes."""
        fetch = FetchSpec.coerce(fetch)
        td = self.source.typedef_of(row)
        out = self._meta(row, td, version=True)
        key = (id(td), fetch)
        ordered = self._order_cache.get(key)
        if ordered is None:
            names = self._selected(td, fetch)
            ordered = [n for n in _LEADING_ATTRIBUTES if n in names]
            ordered += sorted(n for n in names if n not in _LEADING_ATTRIBUTES)
            self._order_cache[key] = ordered
        for name in ordered:
            out[name] = self._value(row, td, name)
            if name == "CreationDate":
                created = created_at_text(out[name], self.now)
                if created is not None:
                    out["_CreatedAt"] = created
        out["_type"] = type_label(td)
        return out

    def _selected(self, td: Any, fetch: FetchSpec | None) -> set[str]:
        known = {n for n in td.attributes if n not in SECRET_ATTRIBUTES and not n.startswith("_")}
        known |= {"ObjectID", "VersionId"}
        if fetch is None or fetch.mode != "list":
            return known
        lower = {n.lower(): n for n in known}
        chosen = set()
        for raw in fetch.fields:
            name = raw.split(":", 1)[0].strip()
            if name in known:
                chosen.add(name)
            elif name.lower() in lower:
                chosen.add(lower[name.lower()])
            else:
                custom = td.attribute_any_case(name) if hasattr(td, "attribute_any_case") else None
                if custom is not None and custom.name in known:
                    chosen.add(custom.name)
        return chosen

    def _value(self, row: Any, td: Any, name: str) -> Any:
        if name == "ObjectID":
            return row.oid
        if name == "VersionId":
            return str(row.version)
        if name == "ObjectUUID":
            return self._uuid(row)
        attr = td.attributes.get(name)
        value = row.data.get(name)
        if attr is None:
            return value
        if attr.is_collection:
            return self.collection_summary(row, td, attr)
        if attr.is_reference:
            return self._reference(value)
        return value

    def _reference(self, value: Any) -> dict | None:
        if value is None:
            return None
        try:
            oid = int(value)
        except (TypeError, ValueError):
            return None
        target = self._rows([oid]).get(oid)
        return None if target is None else self.shallow(target)

    def _rows(self, oids: Iterable[int]) -> dict[int, Any]:
        wanted = [o for o in oids if o not in self._row_cache]
        if wanted:
            self._row_cache.update(self.source.rows(wanted))
        return {o: self._row_cache[o] for o in oids if o in self._row_cache}

    def collection_summary(self, row: Any, td: Any, attr: Any) -> dict:
        """``{_ref: <base>/<TypePath>/<oid>/<Attr>, _type, Count}`` (+ name preview for Tags)."""
        out: dict[str, Any] = {
            **_VERSION,
            "_ref": f"{self.service}/{td.type_path}/{row.oid}/{attr.name}",
            "_type": attr.target or "",
        }
        count = self.source.collection_count(row, attr)
        if attr.name in NAME_ARRAY_COLLECTIONS:
            stored = row.data.get(attr.name)
            stored = stored if isinstance(stored, list) else []
            oids = [int(o) for o in stored if isinstance(o, int) or str(o).isdigit()]
            found = self._rows(oids)
            out["_tagsNameArray"] = [self._name_preview(found[o]) for o in oids if o in found]
        out["Count"] = count
        return out

    def _name_preview(self, row: Any) -> dict:
        td = self.source.typedef_of(row)
        item: dict[str, Any] = {
            "Name": row.data.get("Name"),
            "_ref": f"/{ref_segment(td)}/{row.oid}",
        }
        if td.element_name == "Milestone":
            item["DisplayColor"] = row.data.get("DisplayColor")
            item["TargetDate"] = row.data.get("TargetDate")
        return item


# --- schema endpoint ------------------------------------------------------------------------------

_SCHEMA_TYPES = {
    "BOOLEAN": "xsd:boolean",
    "DATE": "xsd:dateTime",
    "DECIMAL": "xsd:double",
    "QUANTITY": "xsd:double",
    "INTEGER": "xsd:long",
    "STRING": "xsd:string",
    "TEXT": "xsd:string",
    "RATING": "xsd:string",
    "STATE": "xsd:string",
    "WEB_LINK": "xsd:string",
    "RAW": "xsd:string",
    "BINARY_DATA": "xsd:base64Binary",
    "MAP": "xsd:string",
}


def typedef_oid(td: Any) -> int:
    oid = getattr(td, "oid", None)
    return int(oid) if oid is not None else stable_negative_oid("typedef", td.element_name)


def attrdef_oid(td: Any, attr: Any) -> int:
    oid = getattr(attr, "oid", None)
    return int(oid) if oid is not None else stable_negative_oid("attr", td.element_name, attr.name)


def _typedef_ref(service: str, td: Any) -> dict:
    return {
        **_VERSION,
        "_ref": f"{service}/typedefinition/{typedef_oid(td)}",
        "_refObjectName": td.name,
        "_type": "TypeDefinition",
    }


def attrdef_json(
    service: str, td: Any, attr: Any, lookup: Any = None, allowed_count: Any = None
) -> dict:
    """One inline AttributeDefinition of the schema endpoint (keys pyral reads, all present).

    A reference attribute's AllowedValues is a collection summary like every other one
    (``_ref``, ``_type``, ``Count``); ``allowed_count(td, attr)`` gives the number of items
    its URL lists (0 when not given: most references list none).
    """
    oid = attrdef_oid(td, attr)
    kind = str(attr.attr_type)
    allowed = list(attr.allowed_values or [])
    avt: dict | None = None
    if attr.is_reference or attr.is_collection:
        target = lookup(attr.target) if (lookup and attr.target) else None
        if target is not None:
            avt = _typedef_ref(service, target)
        allowed_values: Any = {
            **_VERSION,
            "_ref": f"{service}/AttributeDefinition/{oid}/AllowedValues",
            "_type": "AllowedAttributeValue",
            "Count": int(allowed_count(td, attr)) if allowed_count is not None else 0,
        }
    else:
        allowed_values = [{"StringValue": str(v)} for v in allowed]
    display = getattr(attr, "display_name", None) or _display_name(attr.name)
    max_length = getattr(attr, "max_length", None)
    return {
        **_VERSION,
        "_ref": f"{service}/attributedefinition/{oid}",
        "_refObjectName": display,
        "ObjectID": oid,
        "ElementName": attr.name,
        "Name": display,
        "AttributeType": kind,
        "Custom": attr.name.startswith("c_"),
        "Required": bool(getattr(attr, "required", False)),
        "ReadOnly": bool(attr.read_only),
        "Filterable": kind not in {"TEXT", "BINARY_DATA", "RAW"},
        "Hidden": False,
        "SchemaType": _SCHEMA_TYPES.get(kind, attr.target or "xsd:string"),
        "Constrained": bool(allowed) and not (attr.is_reference or attr.is_collection),
        "AllowedValueType": avt,
        "AllowedValues": allowed_values,
        "MaxLength": int(max_length) if max_length is not None else -1,
        "MaxFractionalDigits": 2 if kind in {"DECIMAL", "QUANTITY"} else -1,
        "_type": "AttributeDefinition",
    }


def typedef_json(service: str, td: Any, lookup: Any = None, allowed_count: Any = None) -> dict:
    """One TypeDefinition with inline Attributes, as pyral's schema loader needs it."""
    parent = getattr(td, "parent", None)
    if isinstance(parent, str):
        parent = lookup(parent) if lookup else None
    oid = typedef_oid(td)
    attributes = [
        attrdef_json(service, td, attr, lookup, allowed_count)
        for name, attr in sorted(td.attributes.items())
        if name not in SECRET_ATTRIBUTES and not name.startswith("_")
    ]
    display = getattr(td, "display_name", None) or td.name
    return {
        **_VERSION,
        "_ref": f"{service}/typedefinition/{oid}",
        "_refObjectName": td.name,
        "ObjectID": oid,
        "ElementName": td.element_name,
        "Name": td.name,
        "DisplayName": display,
        "TypePath": td.type_path,
        "IDPrefix": getattr(td, "id_prefix", None),
        "Abstract": bool(td.abstract),
        "Parent": _typedef_ref(service, parent) if parent is not None else None,
        "Creatable": bool(getattr(td, "creatable", not td.abstract)),
        "Queryable": bool(getattr(td, "queryable", True)),
        "ReadOnly": not bool(getattr(td, "updatable", True)),
        "Deletable": bool(getattr(td, "deletable", not td.abstract)),
        "Restorable": bool(getattr(td, "restorable", td.is_portfolio_item() or _is_artifact(td))),
        "Ordinal": getattr(td, "ordinal", None) if getattr(td, "ordinal", None) is not None else -1,
        "RevisionHistory": {
            **_VERSION,
            "_ref": f"{service}/revisionhistory/{stable_negative_oid('typedef-rh', td.element_name)}",
            "_type": "RevisionHistory",
        },
        "Attributes": attributes,
        "_type": "TypeDefinition",
    }


def _is_artifact(td: Any) -> bool:
    return "FormattedID" in td.attributes


def allowed_value_item(value: Any, *, service: str, attr_oid: int, index: int) -> dict:
    """An ``AllowedAttributeValue`` (pyral hydration reads ``StringValue``)."""
    return {
        **_VERSION,
        "_ref": f"{service}/allowedattributevalue/{stable_negative_oid('av', str(attr_oid), str(index))}",
        "_refObjectName": str(value),
        "StringValue": str(value),
        "LocalizedStringValue": str(value),
        "_type": "AllowedAttributeValue",
    }
