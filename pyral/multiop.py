"""Batch create/update: ``createMultiple`` / ``updateMultiple`` over one ``POST /batch``.

pyral 1.7.0 shipped these as "experimental" and they had sharp edges (quirk Q25): entities
were not accepted as items, DATE checking crashed, INTEGER checking rejected ints, the
``workspace``/``project`` arguments were ignored and failed items vanished silently.  This
module keeps pyral's request shape and return shape (a list of ``{"_ref", "ObjectID",
"FormattedID", "Name"}`` dicts, ObjectID as a string) and fixes the rest:

* items are checked against the workspace's type definition *before* anything is sent, and
  every problem of every item is reported at once in one ``MultipleOperationError``;
* the returned list is a :class:`BatchResults`, so whatever Rally refused is not lost: its
  ``failures`` name each failed item by position with Rally's own error texts;
* a request Rally refuses as a whole (bad credentials, not JSON, ...) raises
  ``RallyRESTAPIError`` rather than returning an empty list that looks like "nothing to do".
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timezone
from typing import Any

import requests

from pyral._context import UNSET
from pyral._entity_base import settled_state
from pyral._envelope import decode_body, error_text, parse_envelope
from pyral.exceptions import (
    InvalidRallyTypeNameError,
    MultipleOperationError,
    RallyResponseError,
    RallyRESTAPIError,
)

__version__ = (1, 7, 0)

__all__ = [
    "MultipleOperationError",
    "BatchResults",
    "BatchFailure",
    "createMultiple",
    "updateMultiple",
    "batchPacker",
    "doBatchOperation",
    "vetSuppliedAttributes",
    "prepItemsForUpdate",
    "transformToRallyValue",
    "looksLikeDataInstance",
    "ITEM_TYPE_INCONSISTENCY_ERROR",
]

ITEM_TYPE_INCONSISTENCY_ERROR = (
    "All items must be consistent, ie., all dicts or all data-like instances"
)
VALIDATION_ERROR_PREFIX = "Invalid or insufficient attributes for data items"

#: Required attributes the server fills in itself, so a create may leave them out.
SERVER_DEFAULTED = frozenset({"FlowState", "ScheduleState", "Project", "Workspace"})
#: Item keys that identify the object to update; never sent in an update body.
IDENTIFIERS = ("ObjectID", "FormattedID")
#: What pyral's own entities (and dataclasses modelled on them) carry besides Rally data: their
#: identity and bookkeeping.  A data item may hold these; they are never sent as attributes.
PYRAL_IDENTITY = frozenset(
    {
        "oid",
        "ref",
        "_ref",
        "_type",
        "_refObjectName",
        "_refObjectUUID",
        "_objectVersion",
        "_hydrated",
        "_CreatedAt",
        "_context",
        "_client",
        "typePath",
    }
)
#: The order pyral 1.7.0 picks the one group its message names, per operation; groups of our
#: own (UNKNOWN, and MISSING for an update without ObjectID) come after pyral's.
_CREATE_GROUPS = ("INVALIDS", "MISSING", "MISTYPED", "UNKNOWN", "COLLECTION")
_UPDATE_GROUPS = ("READ_ONLY", "COLLECTION", "MISTYPED", "MISSING", "UNKNOWN")
BATCH_FETCH = "FormattedID,Name"

# ISO 8601 as Rally accepts it (a 'T' between date and time, never a space).
_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_REF_LIKE = re.compile(r"^(?:https?://[^?#]*/)?/?[A-Za-z][\w/]*/-?[\w-]+$")


# --------------------------------------------------------------------------- results
@dataclasses.dataclass(frozen=True)
class BatchFailure:
    """One item Rally (or the batch response) refused.

    ``index`` is the item's position in the list the caller passed; ``item`` is that item
    unchanged, so a caller can fix and resubmit exactly the failed ones.
    """

    index: int
    item: Any
    errors: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"item {self.index}: {'; '.join(self.errors)}"


class BatchResults(list):
    """The successful items, as pyral returned them, plus what happened to the others.

    It *is* the list pyral returned (``{"_ref", "ObjectID", "FormattedID", "Name"}`` per
    created/updated item, in input order), so existing scripts keep working.  Extra members:

    * ``failures``: a :class:`BatchFailure` per refused item (empty when all succeeded);
    * ``indexes``: the input position of each success, parallel to the list itself;
    * ``warnings``: ``(index, text)`` pairs for warnings Rally attached to any item;
    * ``errors``: the failures as one string each (``"item 2: <Rally's error>"``);
    * ``ok``: True when no item failed.
    """

    def __init__(self, successes: Iterable[dict[str, Any]] = ()) -> None:
        super().__init__(successes)
        self.failures: list[BatchFailure] = []
        self.indexes: list[int] = []
        self.warnings: list[tuple[int, str]] = []

    @property
    def errors(self) -> list[str]:
        return [str(f) for f in self.failures]

    @property
    def ok(self) -> bool:
        return not self.failures

    # No __repr__ of its own: ``print(rally.createMultiple(...))`` shows the list, exactly as
    # under pyral 1.7.0; what failed is in ``failures`` / ``errors``.


# --------------------------------------------------------------------------- item shapes
def looksLikeDataInstance(target: Any) -> bool:
    """True for the non-dict item forms: dataclass instances, pyral entities, and any other
    object carrying its attributes in ``__dict__`` (pyral 1.7.0 took those as well)."""
    from pyral.entity import Persistable

    if isinstance(target, Persistable):
        return True
    if isinstance(target, (type, dict, str, bytes)):
        return False
    return dataclasses.is_dataclass(target) or isinstance(getattr(target, "__dict__", None), dict)


def _item_kind(items: Sequence[Any]) -> str:
    """'dict' or 'data'; mixing the two (or anything else) is refused up front."""
    kinds = set()
    for item in items:
        if isinstance(item, dict):
            kinds.add("dict")
        elif looksLikeDataInstance(item):
            kinds.add("data")
        else:
            raise MultipleOperationError(
                f"{ITEM_TYPE_INCONSISTENCY_ERROR}; got a {type(item).__name__}"
            )
    if len(kinds) > 1:
        raise MultipleOperationError(ITEM_TYPE_INCONSISTENCY_ERROR)
    return kinds.pop()


def _entity_values(entity: Any, attrs: dict[str, Any], fields: Sequence[str] | None) -> dict:
    """The attributes of a pyral entity worth sending back.

    An entity carries everything Rally sent, read-only attributes included; those (and
    collections, unless ``fields`` names them) are left out silently because the caller did
    not *supply* them, Rally did.  Its ObjectID always comes along as the identifier.
    """
    from pyral.entity import CustomField

    state = settled_state(entity)
    resolve = _resolver(attrs)
    wanted = {resolve(f) or f for f in fields} if fields else None
    out: dict[str, Any] = {}
    for key, value in state.items():
        if key.startswith("_") or key in ("oid", "ref", "typePath", "ObjectID"):
            continue
        attr = attrs.get(key)
        if attr is None or isinstance(value, CustomField):
            continue
        if wanted is not None:
            if key not in wanted:
                continue
        elif attr.ReadOnly or attr.AttributeType == "COLLECTION":
            continue
        out[key] = value
    if state.get("oid") is not None:
        out["ObjectID"] = state["oid"]
    return out


def _object_values(item: Any) -> dict[str, Any]:
    """A data object's attributes; its pyral identity (``oid``) becomes the ObjectID.

    A dataclass gives its fields, any other object its ``__dict__`` (names starting with
    ``_`` are its own bookkeeping, never Rally attributes).  ``None`` means "not given" (use
    a dict item to clear a field).  pyral 1.7.0 took the object to update from ``oid`` when
    the item has one, else from ``ObjectID``; so does this.
    """
    if dataclasses.is_dataclass(item):
        values = {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
    else:
        values = {k: v for k, v in vars(item).items() if not k.startswith("_")}
    out = {k: v for k, v in values.items() if v is not None and k not in PYRAL_IDENTITY}
    if values.get("oid") is not None:
        out["ObjectID"] = values["oid"]
    return out


def _as_dicts(items: Sequence[Any], attrs: dict[str, Any], fields: Sequence[str] | None) -> list:
    from pyral.entity import Persistable

    out = []
    for item in items:
        if isinstance(item, dict):
            out.append(dict(item))
        elif isinstance(item, Persistable):
            out.append(_entity_values(item, attrs, fields))
        else:
            out.append(_object_values(item))
    return out


# --------------------------------------------------------------------------- values
def _ref_of(value: Any) -> str | None:
    from pyral.entity import Persistable

    if isinstance(value, Persistable):
        ref = value.__dict__.get("_ref")
        return ref if isinstance(ref, str) and ref else None
    if isinstance(value, dict) and isinstance(value.get("_ref"), str):
        return value["_ref"]
    if isinstance(value, str) and _REF_LIKE.match(value.strip()):
        return value.strip()
    return None


def _date_text(value: Any) -> str:
    if isinstance(value, datetime):
        moment = value.astimezone(timezone.utc) if value.tzinfo else value
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        text = value.strip()
        try:  # the shape is right; is it a real calendar date?
            date.fromisoformat(text[:10])
        except ValueError:
            raise ValueError(f"{value!r} is not a valid date") from None
        return text
    raise ValueError(f"{value!r} is not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)")


def transformToRallyValue(attr_name: str, attr_value: Any, avt: str) -> Any:
    """``attr_value`` as Rally wants it for an attribute of type ``avt``; ValueError if unusable.

    Accepted: BOOLEAN as bool or 'true'/'false'; INTEGER as int or a digit string;
    QUANTITY/DECIMAL as numbers or numeric strings; DATE as ``datetime``/``date`` (naive
    datetimes are taken as UTC) or ISO 8601 text; OBJECT as an entity, ``{"_ref": ...}`` or a
    ref string; COLLECTION as a list of those; text types as strings (numbers for STRING/TEXT).
    ``None`` stays ``None`` (clears the value).
    """
    if attr_value is None:
        return None
    kind = (avt or "").upper()
    value = attr_value
    if kind == "BOOLEAN":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise ValueError(f"{attr_name}: {value!r} is not a BOOLEAN (true/false)")
    if kind == "INTEGER":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            return int(value)
        raise ValueError(f"{attr_name}: {value!r} is not an INTEGER")
    if kind in ("QUANTITY", "DECIMAL"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                pass
            else:
                return int(number) if re.fullmatch(r"\s*-?\d+\s*", value) else number
        raise ValueError(f"{attr_name}: {value!r} is not a {kind} (a number)")
    if kind == "DATE":
        try:
            return _date_text(value)
        except ValueError as exc:
            raise ValueError(f"{attr_name}: {exc}") from None
    if kind == "OBJECT":
        ref = _ref_of(value)
        if ref is None:
            raise ValueError(
                f"{attr_name}: {value!r} is not a reference (entity, ref or _ref dict)"
            )
        return value if isinstance(value, dict) else ref
    if kind == "COLLECTION":
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{attr_name}: a COLLECTION needs a list of references")
        refs = []
        for member in value:
            ref = _ref_of(member)
            if ref is None:
                raise ValueError(f"{attr_name}: {member!r} is not a reference")
            refs.append({"_ref": ref})
        return refs
    if kind in ("STRING", "TEXT"):
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise ValueError(f"{attr_name}: {value!r} is not text")
    if kind in ("RATING", "STATE"):
        if isinstance(value, str):
            return value
        raise ValueError(f"{attr_name}: {value!r} is not an allowed-value string")
    return value  # WEB_LINK, RAW, BINARY_DATA ...: Rally judges


# --------------------------------------------------------------------------- validation
def _attr_index(entity_attrs: Any) -> dict[str, Any]:
    """ElementName -> attribute, from a typedef, its ``Attributes`` list or a ready dict."""
    if isinstance(entity_attrs, dict):
        return dict(entity_attrs)
    attributes = getattr(entity_attrs, "Attributes", entity_attrs)
    return {a.ElementName: a for a in attributes if getattr(a, "ElementName", None)}


def _resolver(attrs: dict[str, Any]) -> Any:
    """Caller's attribute spelling -> ElementName (exact, ``c_`` added, any case, display name)."""
    folded = {name.lower(): name for name in attrs}
    display = {str(a.Name).replace(" ", "").lower(): name for name, a in attrs.items() if a.Name}

    def resolve(key: Any) -> str | None:
        if not isinstance(key, str) or not key:
            return None
        for candidate in (key, "c_" + key):
            if candidate in attrs:
                return candidate
            if candidate.lower() in folded:
                return folded[candidate.lower()]
        return display.get(key.replace(" ", "").lower())

    return resolve


class _Problems:
    """Every problem of every item, by group, in the order found."""

    def __init__(self, creating: bool) -> None:
        self.creating = creating
        self.found: dict[str, list[tuple[int | None, str, Any, str]]] = {}

    def add(
        self, group: str, index: int | None, name: str, value: Any = None, detail: str = ""
    ) -> None:
        self.found.setdefault(group, []).append((index, name, value, detail or name))

    def raise_any(self) -> None:
        """Raise pyral's message for the first group found, with every problem in ``errors``.

        The text is pyral 1.7.0's own (one group, each attribute named once; a list for an
        update, a set for a create, ``(name, value)`` pairs for MISTYPED), so scripts matching
        it keep working; ``errors`` lists every problem of every item by position.
        """
        if not self.found:
            return
        order = _CREATE_GROUPS if self.creating else _UPDATE_GROUPS
        group = next(g for g in order if g in self.found)
        named: list[Any] = []
        for _, name, value, _ in self.found[group]:
            entry = (name, value) if group == "MISTYPED" else name
            if all(repr(entry) != repr(seen) for seen in named):
                named.append(entry)
        shown = ", ".join(repr(entry) for entry in named)
        listing = f"{{{shown}}}" if self.creating else f"[{shown}]"
        flat = [
            f"{g}: {'fields' if index is None else f'item {index}'}: {detail}"
            for g in order
            for index, _, _, detail in self.found.get(g, ())
        ]
        raise MultipleOperationError(
            f"{VALIDATION_ERROR_PREFIX}: {group} ==> {listing}", errors=flat
        )


def _vet(
    entity_name: str,
    attrs: dict[str, Any],
    items: list[dict[str, Any]],
    fields: Sequence[str] | None,
    creating: bool,
) -> list[dict[str, Any]]:
    """Rename, check and convert every item; all problems of all items are raised together."""
    resolve = _resolver(attrs)
    wanted = None
    problems = _Problems(creating)
    ro_status = "INVALIDS" if creating else "READ_ONLY"
    # pyral counted an attribute the type does not have as read-only in an update.
    unknown_status = "UNKNOWN" if creating else "READ_ONLY"
    if fields:
        wanted = set()
        for name in fields:
            official = resolve(name)
            if official is None:
                problems.add(unknown_status, None, str(name))
            else:
                wanted.add(official)
    vetted = []
    for index, item in enumerate(items):
        out: dict[str, Any] = {}
        given: set[str] = set()
        for key, value in item.items():
            if not creating and key == "ObjectID":
                out[key] = value
                continue
            official = resolve(key)
            if wanted is not None and (official or key) not in wanted:
                continue
            if official is None:
                problems.add(unknown_status, index, str(key))
                continue
            given.add(official)
            attr = attrs[official]
            if attr.ReadOnly:
                problems.add(ro_status, index, official)
                continue
            if not creating and attr.AttributeType == "COLLECTION":
                problems.add("COLLECTION", index, official)
                continue
            try:
                out[official] = transformToRallyValue(official, value, attr.AttributeType)
            except ValueError as exc:
                problems.add("MISTYPED", index, official, value, str(exc))
        if not creating and _object_id(item.get("ObjectID")) is None:
            problems.add("MISSING", index, "ObjectID")
        if creating:
            for name, attr in attrs.items():
                if (
                    attr.Required
                    and not attr.ReadOnly
                    and attr.AttributeType != "COLLECTION"
                    and name not in SERVER_DEFAULTED
                    and (name not in given or out.get(name, "?") in (None, ""))
                ):
                    problems.add("MISSING", index, name)
        vetted.append(out)
    problems.raise_any()
    return vetted


def vetSuppliedAttributes(
    entity_name: str, entity_attrs: Any, items: list[dict[str, Any]], fields: Any = None
) -> list[dict[str, Any]]:
    """Check items meant for *creation*; returns them with Rally names and values.

    ``entity_attrs`` is the type definition (or its ``Attributes``).  Problems, grouped as
    UNKNOWN / INVALIDS (read-only given) / MISSING (required absent) / MISTYPED, raise one
    ``MultipleOperationError`` naming each item by position.
    """
    return _vet(entity_name, _attr_index(entity_attrs), list(items), fields, creating=True)


def prepItemsForUpdate(
    entity_name: str, entity_attrs: Any, item_type: str, items: list[Any], fields: Any = None
) -> list[tuple[Any, dict[str, Any]]]:
    """Check items meant for *update*; returns ``(ObjectID, body attributes)`` pairs.

    ``item_type`` is 'dict' or 'data' (entities / dataclasses); with ``fields`` only those
    attributes are sent.  Every item needs an ObjectID (entities have one); problems are
    READ_ONLY (read-only or unknown attribute), COLLECTION, MISTYPED and MISSING (no id).
    """
    attrs = _attr_index(entity_attrs)
    rows = items if item_type == "dict" else _as_dicts(items, attrs, fields)
    vetted = _vet(entity_name, attrs, [dict(r) for r in rows], fields, creating=False)
    out = []
    for body in vetted:
        oid = _object_id(body.pop("ObjectID", None))
        body.pop("FormattedID", None)
        out.append((oid, body))
    return out


def _object_id(value: Any) -> int | None:
    """An ObjectID given as int or digit string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


# --------------------------------------------------------------------------- the request
def batchPacker(entity_name: str, operation: str, items: list[Any]) -> dict[str, Any]:
    """The ``{"Batch": [...]}`` body: PUT ``/<type>/create`` or POST ``/<type>/<oid>`` entries.

    ``items`` are attribute dicts for 'create' and ``(oid, attributes)`` pairs for 'update';
    ``entity_name`` is the official name (TypePath for portfolio items), lower-cased here.
    """
    segment = entity_name.lower()
    entries = []
    for item in items:
        if operation == "create":
            path, method, body = f"/{segment}/create", "PUT", item
        elif operation == "update":
            oid, body = item
            path, method = f"/{segment}/{oid}", "POST"
        else:
            raise ValueError(f"batch operation must be 'create' or 'update', not {operation!r}")
        entries.append({"Entry": {"Path": path, "Method": method, "Body": {segment: body}}})
    return {"Batch": entries}


def _success(obj: dict[str, Any]) -> dict[str, Any]:
    ref = obj.get("_ref", "")
    return {
        "_ref": ref,
        "ObjectID": ref.rstrip("/").rsplit("/", 1)[-1] if ref else str(obj.get("ObjectID", "")),
        "FormattedID": obj.get("FormattedID"),
        "Name": obj.get("_refObjectName", obj.get("Name")),
    }


def doBatchOperation(
    self: Any,
    entity: str,
    items: list[Any],
    operation: str,
    *,
    originals: Sequence[Any] | None = None,
    workspace: Any = None,
    project: Any = None,
) -> BatchResults:
    """Send one batch and sort the answers into successes and :class:`BatchFailure` s.

    ``workspace`` / ``project`` are the resolved targets (``Target`` with ``.ref``); None
    means the client's current workspace and no project.  ``originals`` are the caller's
    items, reported back in failures.
    """
    ws = workspace if workspace is not None else self._resolver.workspace
    params = list(self._write_params([]))
    if ws is not None:
        params.append(f"workspace=/{ws.ref}")
    if project is not None:
        params.append(f"project=/{project.ref}")
    params.append(f"fetch={BATCH_FETCH}")
    url = f"{self.service_url}/batch?" + "&".join(params)
    body = json.dumps(batchPacker(entity, operation, items))
    try:
        response = self.transport.send("POST", url, body=body, log_as=self._relative(url))
    except requests.RequestException as exc:
        raise self._unreachable(exc, url, "POST") from exc
    status = response.status_code
    if status != 200:
        errors = self._errors_of(response)
        raise RallyRESTAPIError(
            f"Batch {operation} of {entity} refused: {error_text(status, errors)}",
            status_code=status,
            errors=errors,
            url=url,
        )
    env = parse_envelope(decode_body(response.content, url))
    if env.kind != "Batch":
        raise RallyResponseError(f"expected a BatchResult from {url}, got {env.root_key}", url=url)
    if env.errors:
        raise RallyRESTAPIError(
            f"Batch {operation} of {entity} refused: {error_text(422, env.errors)}",
            status_code=422,
            errors=env.errors,
            warnings=env.warnings,
            url=url,
        )
    callers = list(originals) if originals is not None else list(items)
    results = _sort_answers(env.results, callers)
    self._logger.info(
        "%s batch %s %s: %d succeeded, %d failed",
        status,
        operation,
        entity,
        len(results),
        len(results.failures),
    )
    return results


def _sort_answers(answers: list[Any], callers: list[Any]) -> BatchResults:
    """Pair Rally's per-entry answers with the caller's items, in order.

    An answer that is missing or carries no object is a failure of that item, so nothing
    the caller sent can disappear from the result.
    """
    results = BatchResults()
    for index, item in enumerate(callers):
        answer = answers[index] if index < len(answers) else None
        if not isinstance(answer, dict):
            results.failures.append(
                BatchFailure(index, item, ("Rally returned no result for this item",))
            )
            continue
        errors = [str(e) for e in answer.get("Errors") or []]
        warnings = [str(w) for w in answer.get("Warnings") or []]
        results.warnings.extend((index, w) for w in warnings)
        obj = answer.get("Object")
        if errors or not isinstance(obj, dict):
            results.failures.append(
                BatchFailure(index, item, tuple(errors or ["no object returned"]), tuple(warnings))
            )
            continue
        results.append(_success(obj))
        results.indexes.append(index)
    return results


# --------------------------------------------------------------------------- public entry points
def _prepare(
    self: Any, entityName: str, workspace: Any, project: Any
) -> tuple[str, Any, Any, dict[str, Any]]:
    """Official name, workspace and project targets, and the type's attributes by name."""
    official = self._official_name(entityName)
    if official == "RecycleBinEntry":
        raise RallyRESTAPIError("batch operations are unsupported for RecycleBinEntry")
    resolver = self._resolver
    ws_arg = UNSET if workspace == "current" else workspace
    proj_arg = UNSET if project == "current" else project
    if ws_arg is None:
        ws_target, proj_target = resolver.workspace, None
    else:
        ws_target = resolver.resolve_workspace_arg(ws_arg)
        proj_target = resolver.resolve_project_arg(
            ws_target, proj_arg, workspace_given=ws_arg is not UNSET
        )
    typedef = self._schema_for(ws_target).typedef(official, self._load_collection)
    if typedef is None:
        raise InvalidRallyTypeNameError(entityName)
    return official, ws_target, proj_target, _attr_index(typedef)


def createMultiple(
    self: Any,
    entityName: str,
    items: list[Any],
    fields: Any = None,
    workspace: Any = "current",
    project: Any = "current",
    **kwargs: Any,
) -> BatchResults:
    """Create several items of one type in one request; see :class:`BatchResults`.

    Items are all dicts, or all dataclass instances / pyral entities.  ``fields`` limits
    which attributes are sent.  Nothing is sent when any item fails validation.
    """
    if not items:
        return BatchResults()
    items = list(items)
    kind = _item_kind(items)
    official, ws, proj, attrs = _prepare(self, entityName, workspace, project)
    rows = items if kind == "dict" else _as_dicts(items, attrs, fields)
    if kind == "data":  # an entity's own identity never goes into a create
        rows = [{k: v for k, v in r.items() if k not in IDENTIFIERS} for r in rows]
    vetted = vetSuppliedAttributes(official, attrs, rows, fields)
    return doBatchOperation(
        self, official, vetted, "create", originals=items, workspace=ws, project=proj
    )


def updateMultiple(
    self: Any,
    entityName: str,
    items: list[Any],
    fields: Any = None,
    workspace: Any = "current",
    project: Any = "current",
    **kwargs: Any,
) -> BatchResults:
    """Update several items of one type in one request; see :class:`BatchResults`.

    Each item names its object by ``ObjectID`` (entities by their own oid; a dict with only
    a ``FormattedID`` is looked up first).  With ``fields`` only those attributes are sent.
    """
    if not items:
        return BatchResults()
    items = list(items)
    kind = _item_kind(items)
    official, ws, proj, attrs = _prepare(self, entityName, workspace, project)
    if kind == "dict":
        items_for_prep: list[Any] = [_with_oid(self, official, i, ws) for i in items]
    else:
        items_for_prep = items
    prepared = prepItemsForUpdate(official, attrs, kind, items_for_prep, fields)
    return doBatchOperation(
        self, official, prepared, "update", originals=items, workspace=ws, project=proj
    )


def _with_oid(self: Any, official: str, item: dict, ws: Any) -> dict:
    """A dict item identified only by FormattedID gets its ObjectID looked up (pyral failed).

    A FormattedID *next to* an ObjectID is an attribute to update, and read-only: pyral
    1.7.0 refused it (READ_ONLY) before sending, and so does :func:`_vet`.

    FormattedIDs are unique in a workspace, so the lookup spans the whole workspace rather
    than the current project (a task lives in its story's project, not necessarily ours).
    """
    if item.get("ObjectID") or not item.get("FormattedID"):
        return item
    fid = str(item["FormattedID"])
    found = self.get(
        official, fetch="ObjectID", query=f'FormattedID = "{fid}"', workspace=ws.ref, project=None
    )
    hit = next(iter(found), None) if found and found.resultCount else None
    if hit is None:
        raise MultipleOperationError(
            f"{VALIDATION_ERROR_PREFIX}: MISSING ==> ['{official} {fid} could not be located']",
            errors=[f"MISSING: {official} {fid} could not be located"],
        )
    # The FormattedID served as the identifier here; it is read-only, so it is not sent.
    return {**{k: v for k, v in item.items() if k != "FormattedID"}, "ObjectID": hit.oid}
