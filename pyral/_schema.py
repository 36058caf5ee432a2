"""One workspace's type definitions, owned by one ``Rally`` client.

pyral 1.7.0 kept schemas and run-time classes in module globals shared by every client in
the process.  Here a :class:`WorkspaceSchema` is built from one download of
``/slm/schema/v2.0/workspace/<oid>`` and hangs off the client that downloaded it; the
classes it makes for custom types (custom portfolio-item levels, ...) live in it too.  Two
clients never share or overwrite each other's schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pyral._class_table import static_class_for, validRallyType
from pyral._entity_base import Persistable, make_entity_class
from pyral._entity_types import WorkspaceDomainObject
from pyral._portfolio_levels import custom_level_class
from pyral._schema_items import INELIGIBLE_COLLECTIONS, SchemaItem, SchemaItemAttribute
from pyral.exceptions import InvalidRallyTypeNameError, RallyAttributeNameError

_STORY_ALIASES = ("Story", "UserStory", "User Story")
_PI_PREFIX = "PortfolioItem/"

LoadCollection = Callable[[str], Iterable[Any]]


def _oid_of(ref: str | None) -> str | None:
    if not ref:
        return None
    return ref.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class WorkspaceSchema:
    """Type definitions of one workspace: lookup, name validation, allowed values, classes."""

    def __init__(self, workspace_ref: str, type_definitions: list[dict]) -> None:
        if not isinstance(type_definitions, list):
            raise TypeError(
                "type_definitions must be the list QueryResult.Results of the schema "
                f"endpoint, not {type(type_definitions).__name__}"
            )
        self.workspace_ref = workspace_ref
        self.raw = type_definitions
        self.items: list[SchemaItem] = []
        self._by_name: dict[str, SchemaItem] = {}
        self._by_oid: dict[str, SchemaItem] = {}
        self.classes: dict[str, type[Persistable]] = {}
        for position, raw in enumerate(type_definitions):
            if not isinstance(raw, dict) or not raw.get("ElementName"):
                raise ValueError(
                    f"type definition #{position} of workspace {workspace_ref} has no "
                    "ElementName; is this really the schema endpoint's Results list?"
                )
            self._add(SchemaItem(raw))
        story = self._by_name.get("HierarchicalRequirement")
        if story is not None:
            for alias in _STORY_ALIASES:
                self._by_name.setdefault(alias, story)

    def _add(self, item: SchemaItem) -> None:
        item._owner = self
        self.items.append(item)
        for key in (item.TypePath, item.ElementName):
            # The TypePath is exact; a bare ElementName belongs to the first type using it.
            if key:
                self._by_name.setdefault(key, item)
        if item.TypePath and item.TypePath.startswith(_PI_PREFIX):
            self._by_name.setdefault("PortfolioItem_" + item.TypePath[len(_PI_PREFIX) :], item)
        oid = _oid_of(item._ref)
        if oid:
            self._by_oid[oid] = item

    # ------------------------------------------------------------------ lookup
    def typedef(
        self, name: str, load_collection: LoadCollection | None = None
    ) -> SchemaItem | None:
        """The type definition for an ElementName, TypePath or story alias; None if unknown.

        With ``load_collection`` the first lookup also completes the item (fetches the
        allowed values of its rating/state/collection attributes once), as pyral does.
        """
        item = self._by_name.get(name) if isinstance(name, str) else None
        if item is not None and load_collection is not None and not item.completed:
            item.complete(load_collection)
        return item

    def official_name(self, name: str) -> str:
        """The name to put in URLs: TypePath for schema types, aliases resolved."""
        item = self.typedef(name)
        if item is not None:
            return item.TypePath
        official = validRallyType(name)  # raises InvalidRallyTypeNameError(name)
        return "HierarchicalRequirement" if official in _STORY_ALIASES else official

    def attribute(self, entity_name: str, attr_name: str) -> SchemaItemAttribute | None:
        """Attribute of a type by ElementName or by name without ``c_``; None if unknown."""
        item = self.typedef(entity_name)
        return item.attribute(attr_name) if item is not None else None

    # ------------------------------------------------------------------ names
    def validate_attribute_names(self, entity_name: str, data: dict | list) -> dict | list:
        """Rewrite user-supplied attribute names into Rally ElementNames.

        Per name, first match wins: exact ElementName; ``c_`` + name; the same two
        case-insensitively; the display Name with spaces removed (case-insensitive).
        All unknown names are reported together, before anything is sent.
        """
        item = self.typedef(entity_name)
        if item is None:
            raise InvalidRallyTypeNameError(entity_name)
        resolve = _name_resolver(item)
        if isinstance(data, dict):
            result: dict[str, Any] = {}
            bad = []
            for key, value in data.items():
                official = resolve(key)
                if official is None:
                    bad.append(str(key))
                else:
                    result[official] = value
            if bad:
                raise RallyAttributeNameError(", ".join(bad))
            return result
        if isinstance(data, (list, tuple)):
            names: list[str] = []
            bad = []
            for key in data:
                official = resolve(key)
                if official is None:
                    bad.append(str(key))
                elif official not in names:
                    names.append(official)
            if bad:
                raise RallyAttributeNameError(", ".join(bad))
            return names
        raise TypeError(f"attribute names must come in a dict or a list, not {type(data).__name__}")

    # ------------------------------------------------------------------ allowed values
    def allowed_values(
        self, entity_name: str, attribute: str, load_collection: LoadCollection
    ) -> list | None:
        """Allowed values of an attribute as strings.

        None for an unknown type or attribute, ``[]`` when the attribute is unconstrained.
        Standard collections that type completion skips (``Milestones``...) and standard
        OBJECT references answer ``[True]`` the first time, then their values (quirk Q16,
        kept: pyral's own test expects it); custom drop-downs and the rest answer values.
        """
        item = self.typedef(entity_name, load_collection)
        if item is None:
            return None
        attr = item.attribute(attribute)
        if attr is None:
            return None
        if attr.resolved:
            return attr.value_texts()
        attr.resolveAllowedValues(load_collection)
        # observed with pyral 1.7.0: standard references (OBJECT attributes: Owner, Parent,
        # FlowState, Workspace ...) answer [True] on the first call just as the skipped
        # collections do, then their (usually empty) values.  A portfolio item's State
        # answers its state names at once (a deliberate change, docs/compatibility.md).
        skipped = attr.ElementName in INELIGIBLE_COLLECTIONS or (
            attr.AttributeType == "OBJECT" and attr.ElementName != "State"
        )
        if skipped and not attr.Custom:
            return [True]
        return attr.value_texts()

    # ------------------------------------------------------------------ classes
    def entity_class(self, type_name: str) -> type[Persistable]:
        """Class for a type name or wire ``_type``, creating workspace classes on demand.

        Run-time classes are cached in this schema only.  A name unknown to the schema
        still gets a class of that name (parent WorkspaceDomainObject; ``PortfolioItem_<X>``
        for ``PortfolioItem/<X>``) so that data the server sends is never unreadable.
        """
        return self._entity_class(type_name, frozenset())

    def _entity_class(self, type_name: str, visiting: frozenset[str]) -> type[Persistable]:
        item = self.typedef(type_name)
        if item is not None and item.TypePath.startswith(_PI_PREFIX):
            # 'Program' may be a custom portfolio level here, not the legacy Program type.
            type_name = item.TypePath
        static = static_class_for(type_name)
        if static is not None:
            return static
        if type_name == "PersistableObject":
            return Persistable
        if type_name in self.classes:
            return self.classes[type_name]
        if item is not None and item.TypePath in self.classes:
            cls = self.classes[item.TypePath]
        elif item is not None:
            cls = self._make_class(item, visiting | {type_name})
        elif type_name.startswith(_PI_PREFIX):
            cls = custom_level_class(type_name)
        else:
            cls = make_entity_class(type_name.replace("/", "_"), WorkspaceDomainObject)
        self.classes[type_name] = cls
        if item is not None:
            for key in (item.TypePath, item.ElementName):
                self.classes.setdefault(key, cls)
        return cls

    def _make_class(self, item: SchemaItem, visiting: frozenset[str]) -> type[Persistable]:
        if item.TypePath.startswith(_PI_PREFIX):
            return custom_level_class(item.TypePath)
        return make_entity_class(item.ElementName, self._parent_class(item, visiting))

    def _parent_class(self, item: SchemaItem, visiting: frozenset[str]) -> type[Persistable]:
        parent_item = self._by_oid.get(_oid_of(item.ParentRef) or "")
        candidates = []
        if parent_item is not None:
            candidates += [parent_item.TypePath, parent_item.ElementName]
        if item.Parent:
            candidates.append(item.Parent.replace(" ", ""))
        for name in candidates:
            if not name or name in visiting:
                continue
            if static_class_for(name) is not None or name == "PersistableObject":
                return self._entity_class(name, visiting)
            if self.typedef(name) is not None:
                return self._entity_class(name, visiting)
        return WorkspaceDomainObject

    def __repr__(self) -> str:
        return f"<WorkspaceSchema {self.workspace_ref} types={len(self.items)}>"


def _name_resolver(item: SchemaItem) -> Callable[[Any], str | None]:
    exact = {a.ElementName: a.ElementName for a in item.Attributes if a.ElementName}
    folded: dict[str, str] = {}
    by_display: dict[str, str] = {}
    for attr in item.Attributes:
        if not attr.ElementName:
            continue
        folded.setdefault(attr.ElementName.lower(), attr.ElementName)
        if attr.Name:
            by_display.setdefault(attr.Name.replace(" ", "").lower(), attr.ElementName)

    def resolve(key: Any) -> str | None:
        if not isinstance(key, str) or not key:
            return None
        for candidate in (key, "c_" + key):
            if candidate in exact:
                return exact[candidate]
        for candidate in (key.lower(), ("c_" + key).lower()):
            if candidate in folded:
                return folded[candidate]
        return by_display.get(key.replace(" ", "").lower())

    return resolve


__all__ = ["WorkspaceSchema"]
