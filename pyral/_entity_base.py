"""The entity base: ``Persistable`` (identity, lazy loading, copying, ``details()``) and
``CustomField``, with the helpers they share.

Split out of :mod:`pyral.entity`, which stays the public façade; the class tree is in
:mod:`pyral._entity_types`, the name tables in :mod:`pyral._class_table`, the schema
items in :mod:`pyral._schema_items`.
"""

from __future__ import annotations

import copy as _copy
import inspect
import threading
from collections.abc import Callable
from typing import Any

from pyral.exceptions import UnreferenceableOIDError

#: The module scripts know these names by (pyral 1.7.0 defined them all there).
ENTITY_MODULE = "pyral.entity"

VERSION_ATTRIBUTES = ["_rallyAPIMajor", "_rallyAPIMinor", "_objectVersion"]
MINIMAL_ATTRIBUTES = ["_type", "_ref", "_refObjectName"]
PORTFOLIO_ITEM_SUB_TYPES = ["Strategy", "Theme", "Initiative", "Feature"]

# Prefix of the instance attribute that stands for a not-yet-loaded collection.  The name is
# pyral's (it shows up in attributes()); the value is the collection URL.
COLLECTION_MARKER = "__collection_ref_for_"

# Attributes shown first by details(), in this order.
_DETAILS_HEAD = (
    "oid",
    "ref",
    "ObjectID",
    "ObjectUUID",
    "_ref",
    "_CreatedAt",
    "_hydrated",
    "Name",
    "Subscription",
    "Workspace",
    "FormattedID",
)

# Instance attributes that are plumbing, not Rally data.  ``_pending`` holds the values of a
# query result not yet turned into entities: ``(hydrator, {attribute: JSON value})``, or as
# the hydrator first stores it, ``(hydrator, (attribute, ...), (JSON value, ...))``.
_PRIVATE_STATE = ("_client", "_context", "_pending")
PENDING = "_pending"


def settle(entity: Any, names: Any = None) -> bool:
    """Turn an entity's pending values into what its attributes hold (all, or ``names``).

    The hydrator leaves references, collection summaries and nested objects of a query
    result in their JSON form until they are asked for (see ``EntityHydrator._build_top``).
    Anything that reads an entity's ``__dict__`` directly must settle it first; attribute
    access does so by itself.  A name the entity already holds is left alone (a script may
    have assigned it).  Returns whether anything was placed.  No I/O happens here.
    """
    state = _raw_state(entity)
    if not state:
        return False
    pending = state.get(PENDING)
    if pending is None:
        return False
    placed = False
    with _SETTLING:  # two threads touching a fresh entity must not see a value half-placed
        pending = state.get(PENDING)
        if pending is None:
            return False
        if len(pending) == 3:
            # as built: the keys (shared by every item of the layout) and a tuple of values
            hydrator, keys, found = pending
            values = dict(zip(keys, found, strict=True))
            state[PENDING] = (hydrator, values)
        else:
            hydrator, values = pending
        for key in list(values) if names is None else names:
            value = values.pop(key, _NOTHING)
            if value is _NOTHING:
                continue
            if key not in state:
                hydrator.settle_value(state, key, value)
                placed = True
        if not values:
            state.pop(PENDING, None)
    return placed


def settled_state(entity: Any) -> dict[str, Any]:
    """``entity.__dict__`` with nothing pending (``{}`` for objects without one)."""
    settle(entity)
    return _raw_state(entity) or {}


def _raw_state(entity: Any) -> dict[str, Any] | None:
    """The instance dict as it is, pending values included (``Persistable``'s own
    ``__dict__`` descriptor; entities' public ``__dict__`` settles first, see
    :class:`SettlingDict`)."""
    if isinstance(entity, Persistable):
        return _INSTANCE_DICT.__get__(entity, type(entity))
    return getattr(entity, "__dict__", None)


_NOTHING = object()
#: settling is rare (first use of a value) and short: one lock for all entities is enough
_SETTLING = threading.RLock()


def _display_class_name(cls: type) -> str:
    """Class name as shown in messages: portfolio-item subtypes lose their prefix."""
    name = cls.__name__
    return name[len("PortfolioItem_") :] if name.startswith("PortfolioItem_") else name


def _ref_tail(ref: str, parts: int = 2) -> str:
    segments = [s for s in ref.split("?", 1)[0].split("/") if s]
    return "/".join(segments[-parts:])


def _as_oid(value: Any) -> Any:
    """OIDs are ints whenever they can be: scripts compare ``x.oid == 1234``."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


# The classes written in this package's source (``Persistable`` and the tree in
# ``pyral._entity_types``), by name.  Pickling tells them apart from run-time classes
# (which are rebuilt from their nearest static base when unpickled).
_STATIC_CLASSES: dict[str, type] = {}

# Fills a shell in place from its JSON: ``(client, data, entity)``.  Hydration needs the whole
# class table, which needs this module, so ``pyral.hydrate`` installs it here on import
# rather than this module importing the hydrator.
_shell_filler: Callable[[Any, dict, Any], Any] | None = None


def install_shell_filler(filler: Callable[[Any, dict, Any], Any]) -> None:
    """Called once by :mod:`pyral.hydrate`: how ``Persistable`` loads a shell."""
    global _shell_filler
    _shell_filler = filler


def register_static_classes(namespace: dict[str, Any]) -> None:
    """Record the entity classes bound under their own name in a module's ``namespace``."""
    for name, obj in list(namespace.items()):
        if isinstance(obj, type) and issubclass(obj, Persistable) and obj.__name__ == name:
            _STATIC_CLASSES[name] = obj


def present_as_entity_module(namespace: dict[str, Any]) -> None:
    """Give the classes and functions a private module defines the public module name.

    They are pyral 1.7.0's ``pyral.entity`` names (pickles, ``repr`` of classes and help
    texts name that module), whichever private module now holds their code.
    """
    module = namespace["__name__"]
    for obj in list(namespace.values()):
        if not (isinstance(obj, type) or inspect.isfunction(obj)) or obj.__module__ != module:
            continue
        obj.__module__ = ENTITY_MODULE
        for member in vars(obj).values() if isinstance(obj, type) else ():
            if inspect.isfunction(member) and member.__module__ == module:
                member.__module__ = ENTITY_MODULE


class Persistable:
    """Base of every Rally entity: identity, lazy loading and the attribute rules.

    Fields are attributes spelled as in WSAPI (``item.FormattedID``, ``item.Owner``, a custom
    ``item.c_RootCause``).  An item from a query with a ``fetch`` list holds exactly those
    fields, and any other name raises ``AttributeError``, as in pyral 1.7.0.  An item that
    knows only its ref and name (a query without ``fetch``, or a reference such as
    ``item.Owner``) loads its fields with one request when one of them is first read.
    Collections are lists of entities.

    Attributes:
        oid: the ObjectID, an ``int``.
        ref: the last two parts of the item's URL, e.g. ``"defect/12345"`` (pyral 1.7.0's
            short reference, accepted wherever a reference is).
        Name: the item's name.
        typePath: for portfolio items the type path (``"PortfolioItem/Feature"``), else
            ``None``.
    """

    def __init__(self, oid: Any, name: Any, resource_url: str | None, context: Any = None) -> None:
        self.oid = _as_oid(oid)
        self.Name = name
        self._ref = resource_url
        self._type = type(self).__name__
        self._hydrated = False
        self._context = context
        self._client = None
        self.typePath = None

    # ----------------------------------------------------------------- attribute lookup
    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup failed.  Private and dunder names are answered
        # from what is already here: probing them must never cost a request.
        if name.startswith("_"):
            raise AttributeError(name)
        state = _INSTANCE_DICT.__get__(self, type(self))
        if PENDING in state:
            squeezed = name.replace(" ", "")
            settle(self, (name, squeezed, "c_" + squeezed))
            if name in state:  # (placed here, or by another thread just before)
                return state[name]
        if name == "ref":
            ref = state.get("_ref")
            if not ref:
                raise AttributeError(self._missing(name))
            return _ref_tail(ref)
        if name == "context":
            raise AttributeError("Unsupported attempt to retrieve context attribute")
        found, value = self._local_lookup(name)
        if found:
            return value
        if not state.get("_hydrated", False):
            self._inflate(name)
            if name in state:
                return state[name]
            found, value = self._local_lookup(name)
            if found:
                return value
        raise AttributeError(self._missing(name))

    def __delattr__(self, name: str) -> None:
        if PENDING in self.__dict__:
            settle(self, (name,))  # a pending value is deleted like any other
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        settle(self)  # pending values are attributes too
        return list(super().__dir__())

    def _missing(self, name: str) -> str:
        return f"{_display_class_name(type(self))} instance has no attribute: '{name}'"

    def _local_lookup(self, name: str) -> tuple[bool, Any]:
        """Aliases that need no load: custom fields without ``c_`` and pending collections."""
        state = self.__dict__
        squeezed = name.replace(" ", "")
        custom = "c_" + squeezed
        for candidate in (squeezed, custom):
            if candidate != name and candidate in state:
                return True, state[candidate]
        for candidate in (squeezed, custom):
            marker = COLLECTION_MARKER + candidate
            if marker in state:
                return True, self._load_collection(candidate, marker)
        return False, None

    def _load_collection(self, attr: str, marker: str) -> list:
        client = self.__dict__.get("_client")
        if client is None:
            raise AttributeError(
                f"{self._missing(attr)} (collection not loaded and no Rally client to load it)"
            )
        items = list(client._load_collection(self.__dict__[marker]))
        self.__dict__[attr] = items
        del self.__dict__[marker]
        return items

    def _inflate(self, wanted: str) -> None:
        """Turn a shell into a full entity with one GET of its own ``_ref``."""
        state = self.__dict__
        client = state.get("_client")
        ref = state.get("_ref")
        if client is None or not ref:
            raise AttributeError(
                f"{self._missing(wanted)} (not loaded, and no Rally client/_ref to load it)"
            )
        settle(self)
        data = client._load_object(ref)
        if not isinstance(data, dict):
            raise UnreferenceableOIDError(f"{_display_class_name(type(self))} OID {self.oid}")
        if _shell_filler is None:
            raise RuntimeError("pyral.hydrate is not loaded: import pyral.entity or pyral.hydrate")
        _shell_filler(client, data, self)
        state["_hydrated"] = True

    # ----------------------------------------------------------------- copying / pickling
    def __copy__(self) -> Persistable:
        settle(self)
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def __deepcopy__(self, memo: dict) -> Persistable:
        settle(self)
        clone = object.__new__(type(self))
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            # The client (sessions, locks) is shared, not duplicated.
            clone.__dict__[key] = value if key in _PRIVATE_STATE else _copy.deepcopy(value, memo)
        return clone

    def __reduce_ex__(self, protocol: Any) -> tuple:
        # The client is left behind: a pickled entity is data, it cannot lazy-load later.
        settle(self)
        state = {k: v for k, v in self.__dict__.items() if k not in _PRIVATE_STATE}
        cls = type(self)
        if _is_static_class(cls):
            return (_restore_entity, (cls, state))
        return (_restore_runtime_entity, (cls.__name__, _nearest_static_base(cls), state))

    # ----------------------------------------------------------------- presentation
    def __repr__(self) -> str:
        state = self.__dict__
        label = state.get("FormattedID") or state.get("Name")
        return f"<{type(self).__name__} {label!r} oid={state.get('oid')!r}>"

    def attributes(self) -> list[str]:
        """Sorted instance attribute names, without the client plumbing."""
        settle(self)
        return sorted(k for k in self.__dict__ if k not in _PRIVATE_STATE)

    def _detail_lines(self) -> list[str]:
        settle(self)
        state = self.__dict__
        head = [n for n in _DETAILS_HEAD if n == "ref" or n in state]
        rest = sorted(
            (k for k in state if k not in _DETAILS_HEAD and k not in _PRIVATE_STATE),
            key=_shown_name,
        )
        width = max([len(_shown_name(n)) for n in head + rest] or [4])
        lines = [type(self).__name__]
        for n in head:
            value = _ref_tail(state["_ref"]) if n == "ref" and state.get("_ref") else state.get(n)
            lines.append(_detail_line(_shown_name(n), value, width))
        lines.append("")
        for n in rest:
            lines.append(_detail_line(_shown_name(n), state[n], width))
        return lines

    def details(self) -> str:
        """Multi-line dump of what is loaded, without triggering any load."""
        return "\n".join(self._detail_lines())


def _shown_name(name: str) -> str:
    if name.startswith(COLLECTION_MARKER):
        name = name[len(COLLECTION_MARKER) :]
    return name[2:] if name.startswith("c_") else name


def _render(value: Any, indent: str) -> str:
    if isinstance(value, Persistable):
        d = value.__dict__
        return f"{_display_class_name(type(value))}.ref (OID {d.get('oid')}  Name {d.get('Name')})"
    if isinstance(value, list):
        if not value:
            return "[]"
        return ("\n" + indent).join(_render(v, indent) for v in value)
    if isinstance(value, CustomField):
        return repr(value)
    return str(value)


def _detail_line(name: str, value: Any, width: int) -> str:
    indent = " " * (4 + width + 3)
    if isinstance(value, str) and value.startswith(("http://", "https://")) and name != "_ref":
        rendered = value
    else:
        rendered = _render(value, indent)
    return f"    {name:<{width}} : {rendered}"


def _restore_entity(cls: type, state: dict) -> Persistable:
    obj: Persistable = object.__new__(cls)
    obj.__dict__.update(state)
    obj.__dict__.setdefault("_client", None)
    obj.__dict__.setdefault("_context", None)
    return obj


def _restore_runtime_entity(name: str, base: type, state: dict) -> Persistable:
    return _restore_entity(make_entity_class(name, base), state)


def _is_static_class(cls: type) -> bool:
    return _STATIC_CLASSES.get(cls.__name__) is cls


def _nearest_static_base(cls: type) -> type:
    for klass in cls.__mro__:
        if _is_static_class(klass):
            return klass
    return _STATIC_CLASSES.get("WorkspaceDomainObject", Persistable)


def make_entity_class(name: str, parent: type[Persistable]) -> type[Persistable]:
    """Create an entity class at run time for a type only the workspace schema knows.

    The class is not added to this module: the caller (one workspace schema of one client)
    owns it, so classes never leak between clients.
    """
    if not isinstance(parent, type) or not issubclass(parent, Persistable):
        raise TypeError(f"parent of {name!r} must be a Persistable subclass, not {parent!r}")
    return type(
        name,
        (parent,),
        {
            "__module__": ENTITY_MODULE,
            "__qualname__": name,
            "__doc__": f"Run-time entity class for the workspace type {name!r}.",
        },
    )


class CustomField:
    """A nested JSON object without ``_type`` (web links, maps): a plain attribute bag.

    It is not a Persistable: it has no identity and nothing to load.
    """

    def __init__(
        self, oid: Any = None, name: Any = None, resource_url: Any = None, context: Any = None
    ) -> None:
        # The hydrator passes the object's fields as one dict; pyral's positional signature
        # (oid, name, resource_url, context) is accepted too.
        if isinstance(oid, dict) and name is None and resource_url is None:
            self.__dict__.update(oid)
            return
        self.__dict__.update({"oid": oid, "Name": name, "_ref": resource_url})

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"CustomField instance has no attribute: '{name}'")

    def attributes(self) -> list[str]:
        """Sorted field names."""
        return sorted(self.__dict__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CustomField) and other.__dict__ == self.__dict__

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CustomField({self.__dict__!r})"


#: the interpreter's own ``__dict__`` descriptor of entities (Persistable adds the dict)
_INSTANCE_DICT: Any = Persistable.__dict__["__dict__"]


class SettlingDict:
    """The ``__dict__`` of entity classes: the instance dict, with pending values placed.

    pyral 1.7.0 filled an entity's ``__dict__`` when it built it, and scripts read it
    directly (``vars(story)``, ``story.__dict__['__collection_ref_for_Tasks']``).  Ours
    turns references into entities on first use; reading ``__dict__`` counts as a use, so
    those scripts see what they saw under pyral, while attribute access (which never goes
    through this descriptor) keeps the lazy fast path.  Python refuses to replace
    ``__dict__`` on an existing class, so the first subclasses of Persistable name it in
    their class bodies (``__dict__ = SETTLING_DICT``).
    """

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return _INSTANCE_DICT.__get__(instance, owner)
        state = _INSTANCE_DICT.__get__(instance, owner)
        if PENDING in state:
            settle(instance)
        return state

    def __set__(self, instance: Any, value: dict[str, Any]) -> None:
        _INSTANCE_DICT.__set__(instance, value)

    def __delete__(self, instance: Any) -> None:
        _INSTANCE_DICT.__delete__(instance)


SETTLING_DICT = SettlingDict()

register_static_classes({"Persistable": Persistable})
present_as_entity_module(globals())
