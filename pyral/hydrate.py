"""Turning WSAPI JSON objects into entity instances.

The hydrator is created per call (per response, per lazy load) and keeps no state beyond
that call, so hydration mode can never leak from one request to the next (quirk Q21).

Value rules (see docs of pyral 1.7.0, kept on purpose so scripts see the same shapes):

* ``null`` -> ``None``; scalars unchanged;
* a collection summary ``{"_ref": ..., "Count": n}`` -> ``[]`` when ``n == 0``; otherwise a
  marker attribute ``__collection_ref_for_<Name>`` holding the URL; the entity loads the list
  on first access;
* a list -> its dict elements that carry ``_type`` become (shell) entities;
* a dict with ``_type`` -> a nested entity (a shell: touching a field it lacks loads it once).
  ``RevisionHistory`` is such a reference too; its ``Revisions`` load lazily through it;
* a dict without ``_type`` (web links, maps) -> :class:`~pyral.entity.CustomField`;
* nesting deeper than :data:`MAX_NESTING` is left as plain dicts.

The caller's dict is never modified.

Speed: a streamed query hydrates every item of every page, so the common case has a fast
path (``_build``) that produces exactly the state the general path (``_build_general`` /
``_fill`` / ``_assign``) would: the instance dict is assembled in one go, in the same key
order, without calling ``__init__``; the class and derived type fields are resolved once per
wire ``_type`` per hydrator; keys already seen to be ordinary skip the per-key checks; values
are dispatched on their exact JSON type.  Anything unusual (a class with its own
``__init__``, AllowedAttributeValue / AllowedQueryOperator, a key that is not a plain string
or that looks like a collection marker, a dict/list subclass) takes the general path, so the
two can only differ in speed.  ``tests/unit/test_hydrate_fastpath.py`` holds them equal.

A top-level result (``hydrateInstance`` without an existing instance: query results, reads,
write answers) goes one step further (``_build_top``, issue 9): its scalars are copied into
the entity with one ``dict.copy`` and everything else (references, collection summaries,
nested objects, lists) waits in the entity's ``_pending`` slot until it is first asked for;
:func:`pyral._entity_base.settle` then places it through ``_assign``, as the eager paths
would have.  Settled, the state equals theirs (key order aside), which the same tests check.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from pyral._class_table import classFor as _class_for_table
from pyral._class_table import classFor as classFor  # noqa: F401 - pyral 1.7.0 name
from pyral._class_table import static_class_for
from pyral._entity_base import (  # noqa: F401 - the *_ATTRIBUTES and *_TYPES names are pyral 1.7.0 names of this module
    _INSTANCE_DICT,
    COLLECTION_MARKER,
    MINIMAL_ATTRIBUTES,
    PORTFOLIO_ITEM_SUB_TYPES,
    VERSION_ATTRIBUTES,
    CustomField,
    Persistable,
    install_shell_filler,
    make_entity_class,
    settle,
)
from pyral._entity_types import (
    AllowedAttributeValue,
    AllowedQueryOperator,
    WorkspaceDomainObject,
)
from pyral._portfolio_levels import custom_level_class, type_fields
from pyral.exceptions import RallyError

MAX_NESTING = 3

# Keys that describe the JSON object rather than the Rally object.
_META_KEYS = frozenset(
    ("_type", "_ref", "_refObjectName", "_rallyAPIMajor", "_rallyAPIMinor", "_objectVersion")
)
# Envelope keys a single-object read carries inside the object.
_ENVELOPE_KEYS = frozenset(("Errors", "Warnings"))

_HYDRATION_MODES = ("full", "shell", "auto")

# Keys a top-level item brings that the entity does not keep (meta and envelope keys).
_DROPPED_AT_TOP = frozenset(
    ("_rallyAPIMajor", "_rallyAPIMinor", "_objectVersion", "_refObjectName", "Errors", "Warnings")
)
# The entity's own state keys: a non-scalar value under one of them takes the eager path.
_RESERVED = frozenset(
    ("oid", "Name", "_ref", "_type", "_hydrated", "_context", "_client", "typePath")
)

# Value types copied as they are (what json.loads produces for scalars).
_SCALAR_TYPES = frozenset((str, int, float, bool, type(None)))

# Key classes for the fast path (see EntityHydrator._classify).
_PLAIN, _SKIP, _ENVELOPE, _SPECIAL = 0, 1, 2, 3

#: at most this many distinct keys are remembered as ordinary per hydrator
_PLAIN_KEYS_LIMIT = 4096

_PERSISTABLE_INIT = Persistable.__init__
# An entity class's public ``__dict__`` is a Python descriptor that settles pending values
# (``SettlingDict``); a fresh entity has nothing to settle, so the builders go straight to
# the interpreter's own descriptor (a Python call per item saved).
_get_state = _INSTANCE_DICT.__get__
_set_state = _INSTANCE_DICT.__set__
_ABSENT = object()

# What a top-level key is known to hold, learned per wire type (see _Layout).
_SCALAR_KIND, _OBJECT_KIND = 1, 2
#: a hydrator that had to relearn its layouts this often stops using them (items whose key
#: sets keep changing are built by the scanning path, which needs no layout)
_RELEARN_LIMIT = 256

# Names a _ref path segment may stand for, without a schema (aliases left out).
_STATIC_TYPE_NAMES = tuple(
    [f"PortfolioItem/{level}" for level in ("Strategy", "Theme", "Initiative", "Feature")]
    + [
        name
        for name, cls in _class_for_table.items()
        if isinstance(cls, type) and issubclass(cls, Persistable) and cls.__name__ == name
    ]
)


def _oid_from(item: dict[str, Any]) -> Any:
    if item.get("ObjectID") is not None:
        return item["ObjectID"]
    return _ref_oid_text(item.get("_ref"))


def _ref_oid_text(ref: Any) -> Any:
    """Last path segment of a ref (query text and trailing slashes ignored), or None."""
    if type(ref) is str and ref and "?" not in ref and ref[-1] != "/":
        return ref.rpartition("/")[2]  # the usual ``.../defect/123``
    if isinstance(ref, str) and ref.strip("/"):
        return ref.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return None


def _workspace_ref(item: dict[str, Any]) -> str | None:
    ws = item.get("Workspace")
    return ws.get("_ref") if isinstance(ws, dict) else None


def _getter(keys: tuple[str, ...]) -> Any:
    """``item -> tuple of item[k] for k in keys``: one C call for two keys or more (an
    ``itemgetter`` of one key gives the value itself, not a tuple)."""
    if len(keys) > 1:
        return itemgetter(*keys)
    if keys:
        return lambda item, _key=keys[0]: (item[_key],)
    return lambda item: ()


def _oid_value(oid: Any, ref: Any) -> Any:
    """The entity's oid: ``ObjectID`` (an int when it reads as one), else the last part of
    ``_ref``."""
    if oid is None:
        oid = _ref_oid_text(ref)
    if oid is not None and type(oid) is not int:
        oid = _int_or(oid)
    return oid


class _Layout:
    """How the items of one wire ``_type`` in one response are built without looking at
    each of their values (issue 9: entity building at the JSON floor).

    Rally answers every item of one type in one response with the same keys (the fetch
    list, nulls included), and a field's JSON shape is fixed by its attribute type: a
    string field holds a string or ``null``, a reference an object or ``null``.  So the
    hydrator learns, per type and key, whether the key holds plain values (seen with a
    non-null scalar) or objects (seen with a dict or a list); a key seen only as ``null`` so
    far is checked on every item, all such keys in one C call.  An item is built by the
    layout when it has exactly the layout's keys; otherwise, or when a null-so-far key
    holds something, the layout is learned again from that item (at most
    :data:`_RELEARN_LIMIT` times per response, then items are scanned one by one).

    The trust this takes: a key the layout has seen with a plain value is not looked at
    again.  A server that sent an object under a key where an earlier item of the same type
    in the same response had a string would have that object show up as a plain dict.
    Rally's fields are typed by the schema, so its answers never do that.
    """

    __slots__ = (
        "cls", "size", "keys", "nulls", "null_count", "drop", "pending_keys", "take", "own",
        "name_from_ref", "auto_hydrated",
    )  # fmt: skip

    cls: type[Persistable]
    size: int
    keys: frozenset[str]
    nulls: Any  # item -> tuple of the null-so-far values, or None when there are none
    null_count: int
    drop: tuple[str, ...]
    pending_keys: tuple[str, ...]
    take: Any  # item -> tuple of the values pending_keys name
    own: dict[str, Any]
    name_from_ref: bool
    auto_hydrated: bool

    def __init__(self, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(self, name, value)


class EntityHydrator:
    """Builds entities from WSAPI dicts for one client.

    ``hydration='full'`` marks top-level results as loaded (a fetch was asked for, so what is
    missing is missing); ``'shell'`` leaves them to load on first use; ``'auto'`` (collection
    reads without a fetch) marks loaded a result that arrived with its fields (it carries its
    ObjectID), as pyral did, and leaves a bare reference a shell.
    """

    def __init__(
        self,
        context: Any = None,
        hydration: str = "full",
        schema: Any = None,
        *,
        client: Any = None,
    ) -> None:
        # pyral named the first parameter ``context``; here it is the client that lazy loads
        # go through (``client=`` is the same thing, by its real name).
        client = client if client is not None else context
        if hydration not in _HYDRATION_MODES:
            raise ValueError(f"hydration must be one of {_HYDRATION_MODES}, not {hydration!r}")
        self.client = client
        self.hydration = hydration
        self.schema = schema
        self._fallback_classes: dict[str, type[Persistable]] = {}
        # wire _type -> (class, _type value, typePath value, fast path allowed)
        self._types: dict[str, tuple[type[Persistable], str, str | None, bool]] = {}
        self._plain_keys: set[str] = set()
        # keys _build_top may copy as they are: ordinary ones, meta keys, the envelope keys
        self._known_keys: set[Any] = set(_META_KEYS | _ENVELOPE_KEYS)
        # keys whose non-scalar values are never left pending
        self._eager_keys: set[Any] = set(_RESERVED)
        # wire _type -> the layout of its items, and what each key of that type was seen to
        # hold (_SCALAR_KIND / _OBJECT_KIND); types in _scanned_types never get a layout
        self._layouts: dict[str, _Layout] = {}
        self._kinds: dict[str, dict[str, int]] = {}
        self._scanned_types: set[str] = set()
        self._relearned = 0

    # ------------------------------------------------------------------ public
    def hydrateInstance(self, item: dict, existingInstance: Persistable | None = None) -> Any:
        """Entity for ``item``; with ``existingInstance``, fill that entity in place."""
        if existingInstance is None and type(item) is dict and item.get("_type"):
            return self._build_top(item)  # the usual case, checks inlined
        if not isinstance(item, dict):
            raise TypeError(f"cannot hydrate a {type(item).__name__}; expected a JSON object")
        if existingInstance is not None:
            settle(existingInstance)  # values still pending would outlive the refill
            if self._fast_refill_ok(existingInstance, item):
                self._fill(existingInstance, item, depth=0, top=True, fast=True)
            else:
                self._fill(existingInstance, item, depth=0, top=True)
            existingInstance.__dict__["_hydrated"] = True
            return existingInstance
        if not item.get("_type"):
            # Rally's single-object reads ({"TestCase": {...}}) carry no _type at the top;
            # the type is then recovered from the _ref path.
            inferred = self._type_from_ref(item)
            if inferred is None:
                return CustomField(self._plain_fields(item, depth=0))
            item = {**item, "_type": inferred}
        return self._build_top(item)

    def _type_from_ref(self, item: dict[str, Any]) -> str | None:
        ref = item.get("_ref")
        if not isinstance(ref, str):
            return None
        segments = [s for s in ref.split("?", 1)[0].split("/") if s]
        if len(segments) < 2:
            return None
        wanted = segments[-2].lower()
        if len(segments) >= 3 and segments[-3].lower() == "portfolioitem":
            wanted = f"portfolioitem/{wanted}"
        for name in _STATIC_TYPE_NAMES:
            if name.lower() == wanted:
                return name
        schema = self.schema if self.schema is not None else self._client_schema(item)
        for typedef in getattr(schema, "items", ()):
            if typedef.TypePath and typedef.TypePath.lower() == wanted:
                return typedef.TypePath
        return None

    # ------------------------------------------------------------------ classes
    def class_for(self, type_name: str, item: dict[str, Any] | None = None) -> type[Persistable]:
        """Class for a wire ``_type``: static tree first, then the workspace schema."""
        cls = static_class_for(type_name)
        if cls is not None:
            return cls
        schema = self.schema if self.schema is not None else self._client_schema(item)
        if schema is not None:
            return schema.entity_class(type_name)
        return self._fallback_class(type_name)

    def _client_schema(self, item: dict[str, Any] | None) -> Any:
        loader = getattr(self.client, "_schema_for", None) if self.client is not None else None
        if loader is None:
            return None
        try:
            schema = loader(_workspace_ref(item) if item else None)
        except RallyError:
            # A schema that cannot be loaded must not make the data unreadable: the
            # entity still gets a class of the right name, just a generic parent.
            return None
        self.schema = schema
        return schema

    def _fallback_class(self, type_name: str) -> type[Persistable]:
        if type_name not in self._fallback_classes:
            if type_name.startswith("PortfolioItem/"):
                self._fallback_classes[type_name] = custom_level_class(type_name)
            else:
                name = type_name.replace("/", "_")
                self._fallback_classes[type_name] = make_entity_class(name, WorkspaceDomainObject)
        return self._fallback_classes[type_name]

    # ------------------------------------------------------------------ building
    def _type_info(
        self, type_name: str, item: dict[str, Any]
    ) -> tuple[type[Persistable], str, str | None, bool]:
        """Class and derived type fields for a wire ``_type``, cached for this hydrator.

        A fallback class (no schema could be loaded) is not cached, so the next item retries
        the schema exactly as the general path does.
        """
        cls = self.class_for(type_name, item)
        state_type, type_path = type_fields(type_name)
        fast = (
            cls.__init__ is _PERSISTABLE_INIT
            and cls.__setattr__ is object.__setattr__
            and cls.__new__ is object.__new__
            and not issubclass(cls, (AllowedAttributeValue, AllowedQueryOperator))
            and type_name != "AllowedQueryOperator"
        )
        info = (cls, state_type, type_path, fast)
        if self._fallback_classes.get(type_name) is not cls:
            self._types[type_name] = info
        return info

    def _classify(self, key: Any) -> int:
        if key in _META_KEYS:
            return _SKIP
        if key in _ENVELOPE_KEYS:
            return _ENVELOPE
        if type(key) is not str or key.startswith(COLLECTION_MARKER):
            return _SPECIAL
        if len(self._plain_keys) < _PLAIN_KEYS_LIMIT:
            self._plain_keys.add(key)
        return _PLAIN

    def _build(self, item: dict[str, Any], depth: int, top: bool) -> Persistable:
        type_name = item["_type"]
        info = self._types.get(type_name)
        if info is None:
            info = self._type_info(type_name, item)
        cls, state_type, type_path, fast = info
        if not fast or type(item) is not dict:
            return self._build_general(item, depth, top, cls)
        ref = item.get("_ref")
        oid = _oid_value(item.get("ObjectID"), ref)
        name = item.get("_refObjectName", _ABSENT)
        if name is _ABSENT:
            name = item.get("Name", "Unknown")
        hydrated = top and self._loaded(item)
        # The entity's own (key-sharing) dict is filled in __init__'s key order: CPython then
        # stores only the values, which is most of what an entity costs in memory.
        instance = object.__new__(cls)
        state = _get_state(instance, cls)
        state["oid"] = oid
        state["Name"] = name
        state["_ref"] = ref
        state["_type"] = state_type
        state["_hydrated"] = hydrated
        state["_context"] = None
        state["_client"] = self.client
        state["typePath"] = type_path
        if not self._fill_fast(state, item, depth, top):
            # a key that can interact with collection markers: the general path, exactly
            return self._build_general(item, depth, top, cls)
        state["_hydrated"] = hydrated
        return instance

    def _build_top(self, item: dict[str, Any]) -> Persistable:
        """A query result or a read: scalars copied in one go, everything else left pending.

        The item's values that are not plain JSON scalars (references, collection summaries,
        lists, nested objects) are kept as they arrived, in the entity's ``_pending`` slot,
        and turned into entities, lists or collection markers by :func:`settle` the first
        time they are asked for (attribute access, ``attributes()``, ``details()``, copying,
        pickling, a lazy load).  A script that reads ``FormattedID`` and ``Name`` never pays
        for the ``Owner``, ``Project`` and ``Workspace`` entities it does not touch.  Once
        settled, the entity's state is what :meth:`_build` makes (key order aside).

        Which values are which comes from the type's :class:`_Layout`, so the common item
        costs no look at its values; the first item of a type (and any item that does not
        fit the layout) goes through :meth:`_relearn`, and what cannot have a layout through
        :meth:`_build_top_scan`.
        """
        layout = self._layouts.get(item["_type"])
        if (
            layout is not None
            and len(item) == layout.size
            and layout.keys.issuperset(item)
            # same type, same keys: it fits unless a null-so-far key holds something now
            and (layout.nulls is None or layout.nulls(item).count(None) == layout.null_count)
        ):
            found = layout.take(item)
            state = item.copy()
            for key in layout.drop:
                del state[key]
            if layout.name_from_ref:
                state["Name"] = item.get("_refObjectName", "Unknown")
            state.update(layout.own)
            if layout.auto_hydrated:
                state["_hydrated"] = item.get("ObjectID") is not None
            state["_pending"] = (self, layout.pending_keys, found)
            instance = object.__new__(layout.cls)
            _set_state(instance, state)
            return instance
        if self._relearn(item) is None:
            return self._build_top_scan(item)
        return self._build_top(item)  # fits now (a relearn is counted, so this ends)

    def _relearn(self, item: dict[str, Any]) -> _Layout | None:
        """Learn (or update) the layout of ``item``'s type from ``item``; None when items of
        this shape are better built by scanning (see :meth:`_build_top_scan`)."""
        if type(item) is not dict:
            return None
        type_name = item["_type"]
        self._layouts.pop(type_name, None)
        if self._relearned >= _RELEARN_LIMIT or type_name in self._scanned_types:
            return None
        self._relearned += 1
        info = self._types.get(type_name)
        if info is None:
            info = self._type_info(type_name, item)
        cls, state_type, type_path, fast = info
        if not fast or (not self._known_keys.issuperset(item) and not self._learn_keys(item)):
            self._scanned_types.add(type_name)
            return None
        kinds = self._kinds.setdefault(type_name, {})
        for key, value in item.items():
            if type(value) not in _SCALAR_TYPES:
                kinds[key] = _OBJECT_KIND
            elif value is not None and key not in kinds:
                kinds[key] = _SCALAR_KIND
        dropped = tuple(key for key in item if key in _DROPPED_AT_TOP)
        pending = tuple(
            key for key in item if kinds.get(key) == _OBJECT_KIND and key not in _DROPPED_AT_TOP
        )
        # The oid waits too (it is worked out from ObjectID or _ref when first read): the
        # pending entry holds the one that will give it.
        oid_source = None
        if "oid" not in item:
            oid_source = next((k for k in ("ObjectID", "_ref") if k in item), None)
        if not self._eager_keys.isdisjoint(pending):
            # values under the entity's own keys or under private names: built eagerly
            self._scanned_types.add(type_name)
            return None
        nulls = tuple(key for key in item if key not in kinds and key not in _DROPPED_AT_TOP)
        own: dict[str, Any] = {}
        for key, value in (("_ref", None), ("_context", None), ("_client", self.client),
                           ("typePath", type_path)):  # fmt: skip
            if key not in item:
                own[key] = value
        if "oid" not in item and oid_source is None:
            own["oid"] = None  # neither ObjectID nor _ref to give one
        if item["_type"] != state_type:
            own["_type"] = state_type
        mode = self.hydration
        own["_hydrated"] = mode == "full"
        taken = pending + ((oid_source,) if oid_source else ())
        layout = _Layout(
            cls=cls,
            size=len(item),
            keys=frozenset(item),
            nulls=_getter(nulls) if nulls else None,
            null_count=len(nulls),
            drop=pending + dropped,
            pending_keys=pending + (("oid",) if oid_source else ()),
            take=_getter(taken),
            own=own,
            name_from_ref="Name" not in item,
            auto_hydrated=mode == "auto",
        )
        self._layouts[type_name] = layout
        return layout

    def _build_top_scan(self, item: dict[str, Any]) -> Persistable:
        """:meth:`_build_top` for items without a layout: each value's type is looked at."""
        type_name = item["_type"]
        info = self._types.get(type_name)
        if info is None:
            info = self._type_info(type_name, item)
        cls, state_type, type_path, fast = info
        if not fast or type(item) is not dict:
            return self._build(item, 0, True)
        if not self._known_keys.issuperset(item) and not self._learn_keys(item):
            return self._build(item, 0, True)  # an unusual key: the eager paths handle it
        ref = item.get("_ref")
        oid = _oid_value(item.get("ObjectID"), ref)
        name = item.get("_refObjectName", _ABSENT)
        if name is _ABSENT:
            name = item.get("Name", "Unknown")
        pending = {k: v for k, v in item.items() if type(v) not in _SCALAR_TYPES}
        if pending:
            if not self._eager_keys.isdisjoint(pending):
                # a value under the entity's own state keys, or under a private name that
                # attribute access would never settle: built eagerly
                return self._build(item, 0, True)
            if not _DROPPED_AT_TOP.isdisjoint(pending):
                for key in _DROPPED_AT_TOP:
                    pending.pop(key, None)
        # The state starts as a copy of the item (one C-level copy); what the item says
        # about the entity's own keys wins, as in _fill.
        state = item.copy()
        pop = state.pop
        pop("_rallyAPIMajor", None)
        pop("_rallyAPIMinor", None)
        pop("_objectVersion", None)
        pop("_refObjectName", None)
        if "Errors" in state or "Warnings" in state:
            pop("Errors", None)
            pop("Warnings", None)
        for key in pending:
            del state[key]
        if pending:
            state["_pending"] = (self, pending)
        default = state.setdefault
        default("oid", oid)
        default("Name", name)
        default("_ref", ref)
        default("_context", None)
        default("_client", self.client)
        default("typePath", type_path)
        state["_type"] = state_type
        state["_hydrated"] = self._loaded(item)
        instance = object.__new__(cls)
        _set_state(instance, state)
        return instance

    def _learn_keys(self, item: dict[str, Any]) -> bool:
        """Classify the item's new keys; False when one of them needs the general path."""
        for key in item:
            if key in self._known_keys:
                continue
            if self._classify(key) == _SPECIAL:
                return False
            if len(self._known_keys) < _PLAIN_KEYS_LIMIT:
                self._known_keys.add(key)
                if key.startswith("_") and key not in _DROPPED_AT_TOP:
                    self._eager_keys.add(key)
        return self._known_keys.issuperset(item)

    def settle_value(self, state: dict[str, Any], key: str, value: Any) -> None:
        """Place one pending value of a top-level entity (see :meth:`_build_top`)."""
        if key == "oid":  # pending as the item's ObjectID or _ref (see _relearn)
            ref = state.get("_ref")
            # the item's own _ref (the same object) stands for "no ObjectID"
            state["oid"] = _oid_value(None if value is ref else value, ref)
            return
        self._assign(state, key, value, 0)

    def _fill_fast(
        self, state: dict[str, Any], item: dict[str, Any], depth: int, top: bool
    ) -> bool:
        """``_fill``'s per-key loop for a state holding no collection markers.

        Without markers in the state, ``_assign``'s marker bookkeeping can only matter for
        keys spelled like a marker; on such a key (or a non-string one) this returns False,
        with the state partly written, and the caller takes the general path instead.
        """
        plain = self._plain_keys
        nested = depth < MAX_NESTING
        for key, value in item.items():
            if key not in plain:
                if key in _META_KEYS:
                    continue
                kind = self._classify(key)
                if kind == _ENVELOPE and top:
                    continue
                if kind == _SPECIAL:
                    return False
            kind_of_value = type(value)
            if kind_of_value in _SCALAR_TYPES:
                state[key] = value
            elif kind_of_value is dict:
                if "_ref" in value and "Count" in value:
                    _place_collection(state, key, value)
                elif not nested:
                    state[key] = value
                elif value.get("_type"):
                    state[key] = self._build(value, depth + 1, False)
                else:
                    state[key] = CustomField(self._plain_fields(value, depth + 1))
            elif kind_of_value is list:
                state[key] = [self._element(v, depth) for v in value]
            else:
                self._assign(state, key, value, depth)
        return True

    def _build_general(
        self, item: dict[str, Any], depth: int, top: bool, cls: type[Persistable]
    ) -> Persistable:
        """Any item, any class: ``__init__`` then :meth:`_fill` (the reference behaviour)."""
        type_name = item["_type"]
        if type_name == "AllowedQueryOperator" or cls is AllowedQueryOperator:
            name = item.get("OperatorName", item.get("_refObjectName", "Unknown"))
        else:
            name = item.get("_refObjectName", item.get("Name", "Unknown"))
        instance = cls(_oid_from(item), name, item.get("_ref"))
        self._fill(instance, item, depth=depth, top=top)
        instance.__dict__["_hydrated"] = top and self._loaded(item)
        return instance

    def _loaded(self, item: dict[str, Any]) -> bool:
        """Is a top-level ``item`` complete, by this hydrator's mode?"""
        mode = self.hydration
        return mode == "full" or (mode == "auto" and item.get("ObjectID") is not None)

    def _fast_refill_ok(self, instance: Persistable, item: dict[str, Any]) -> bool:
        """May a lazy load fill ``instance`` through :meth:`_fill_fast`?

        Checked before anything is written, because an existing entity cannot be rebuilt:
        the item must be a plain dict with ordinary keys, and the entity must hold no
        collection markers yet.
        """
        if type(item) is not dict:
            return False
        plain = self._plain_keys
        for key in item:
            if key not in plain and key not in _META_KEYS and self._classify(key) == _SPECIAL:
                return False
        return not any(
            type(key) is not str or key.startswith(COLLECTION_MARKER) for key in instance.__dict__
        )

    def _fill(
        self,
        instance: Persistable,
        item: dict[str, Any],
        depth: int,
        top: bool,
        fast: bool = False,
    ) -> None:
        state = instance.__dict__
        type_name = item.get("_type") or state.get("_type") or type(instance).__name__
        state["_client"] = self.client
        if item.get("_ref"):
            state["_ref"] = item["_ref"]
        if item.get("_refObjectName") is not None and "Name" not in item:
            state["Name"] = item["_refObjectName"]
        if item.get("ObjectID") is not None:
            state["oid"] = _int_or(item["ObjectID"])
        if "/" in type_name and type_name.startswith("PortfolioItem/"):
            # pyral's observable values: standard levels report _type 'PortfolioItem' and
            # their TypePath; custom levels keep the slashed _type and no typePath.
            state["_type"], state["typePath"] = type_fields(type_name)
        else:
            state["_type"] = type_name
            state.setdefault("typePath", None)
        if not fast:
            for key, value in item.items():
                if key in _META_KEYS or (top and key in _ENVELOPE_KEYS):
                    continue
                self._assign(state, key, value, depth)
        elif not self._fill_fast(state, item, depth, top):
            raise AssertionError("_fast_refill_ok admitted a key _fill_fast refuses")
        if isinstance(instance, AllowedAttributeValue):
            state["Name"] = "AllowedValue"
            state["value"] = item.get("StringValue")

    def _assign(self, state: dict[str, Any], key: str, value: Any, depth: int) -> None:
        if isinstance(value, dict) and "_ref" in value and "Count" in value:
            _place_collection(state, key, value)
            return
        state.pop(COLLECTION_MARKER + key, None)
        state[key] = self._value(value, depth)

    def _value(self, value: Any, depth: int) -> Any:
        if isinstance(value, list):
            return [self._element(v, depth) for v in value]
        if isinstance(value, dict):
            if depth + 1 > MAX_NESTING:
                return value
            if value.get("_type"):
                return self._build(value, depth + 1, top=False)
            return CustomField(self._plain_fields(value, depth + 1))
        return value

    def _element(self, value: Any, depth: int) -> Any:
        if isinstance(value, dict) and value.get("_type") and depth + 1 <= MAX_NESTING:
            return self._build(value, depth + 1, top=False)
        return value

    def _plain_fields(self, item: dict[str, Any], depth: int) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for key, value in item.items():
            if key in ("_rallyAPIMajor", "_rallyAPIMinor"):
                continue
            if isinstance(value, dict) and "_ref" in value and "Count" in value:
                fields[key] = [] if not value["Count"] else value["_ref"]
            else:
                fields[key] = self._value(value, depth)
        return fields


def _place_collection(state: dict[str, Any], key: str, summary: dict[str, Any]) -> None:
    """Store a collection summary: ``[]`` when empty, else a marker holding its URL.

    Whatever the attribute held before (a loaded list or an older marker) is dropped, so a
    refill never serves a stale collection.
    """
    marker = COLLECTION_MARKER + key
    state.pop(key, None)
    state.pop(marker, None)
    if not summary["Count"]:
        state[key] = []
    else:
        state[marker] = summary["_ref"]


def _int_or(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


__all__ = ["EntityHydrator", "MAX_NESTING"]


def _fill_shell(client: Any, data: dict, entity: Any) -> None:
    EntityHydrator(client, "full").hydrateInstance(data, existingInstance=entity)


install_shell_filler(_fill_shell)
