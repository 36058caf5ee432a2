"""Schema items: ``SchemaItem`` (a TypeDefinition) and ``SchemaItemAttribute``, with the
completion of their allowed values.  Re-exported by :mod:`pyral.entity`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from pyral import _printing
from pyral._class_table import static_class_for
from pyral._entity_base import (
    VERSION_ATTRIBUTES,
    CustomField,
    Persistable,
    _as_oid,
    _ref_tail,
    present_as_entity_module,
)
from pyral._entity_types import AllowedAttributeValue
from pyral.exceptions import UnrecognizedAllowedValuesReference


# ===================================================================== schema items
def _collection_loader(context: Any, getCollection: Any) -> Callable[[str], Iterable[Any]]:  # noqa: N803
    """Normalise the two calling conventions of the completion methods to ``f(url)``."""
    if getCollection is None:
        if not callable(context):
            raise TypeError("a collection loader (a function of the URL) is required")
        return context
    return lambda url: list(getCollection(context, url))


_ALLOWED_VALUES_REF = re.compile(r"^https?://.*/\w+/-?\d+/AllowedValues$")

# Standard collections pyral never resolves while completing a type definition.
INELIGIBLE_COLLECTIONS = frozenset(
    [
        "Artifacts",
        "Attachments",
        "Changesets",
        "Children",
        "Collaborators",
        "Defects",
        "DefectSuites",
        "Discussion",
        "Duplicates",
        "Milestones",
        "Iteration",
        "Release",
        "Project",
        "Owner",
        "SubmittedBy",
        "Predecessors",
        "Successors",
        "Tasks",
        "TestCases",
        "TestSets",
        "Results",
        "Steps",
        "Tags",
    ]
)

_COMPLETABLE_TYPES = ("RATING", "STATE", "COLLECTION")


def allowed_value_text(value: Any) -> Any:
    """The display text of one allowed value, whatever shape it arrived in."""
    fields = value.__dict__ if isinstance(value, (Persistable, CustomField)) else value
    if not isinstance(fields, dict):
        return value
    for key in ("LocalizedStringValue", "StringValue", "value"):
        if fields.get(key) is not None:
            return fields[key]
    return fields.get("Name", fields.get("_refObjectName"))


def _inline_allowed_value(raw: Any) -> Any:
    """An inline allowed value (schema endpoint) as an AllowedAttributeValue entity."""
    if not isinstance(raw, dict):
        return raw
    ref = raw.get("_ref")
    item = AllowedAttributeValue(_ref_tail(ref, 1) if ref else None, "AllowedValue", ref)
    for key, val in raw.items():
        if key not in VERSION_ATTRIBUTES and key not in ("_ref", "_type"):
            item.__dict__[key] = val
    item._type = "AllowedAttributeValue"
    item.__dict__["value"] = raw.get("StringValue")
    item.Name = "AllowedValue"
    item._hydrated = True  # nothing more to learn about it
    return item


class SchemaItemAttribute:
    """One AttributeDefinition of a type, as delivered by the schema endpoint."""

    _type = "AttributeDefinition"

    def __init__(self, attr_info: dict[str, Any]) -> None:
        raw = attr_info
        self._ref = raw.get("_ref")
        self.ref = self._short_ref(self._ref)
        self.ObjectName = raw.get("_refObjectName")
        self.ElementName = raw.get("ElementName")
        self.Name = raw.get("Name")
        self.AttributeType = raw.get("AttributeType")
        self.Subscription = raw.get("Subscription")
        self.Workspace = raw.get("Workspace")
        self.Custom = bool(raw.get("Custom", False))
        self.Required = raw.get("Required")
        self.ReadOnly = raw.get("ReadOnly")
        self.Filterable = raw.get("Filterable")
        self.Hidden = raw.get("Hidden")
        self.SchemaType = raw.get("SchemaType")
        self.Constrained = raw.get("Constrained")
        self.AllowedValueType = raw.get("AllowedValueType")
        self.MaxLength = raw.get("MaxLength")
        self.MaxFractionalDigits = raw.get("MaxFractionalDigits")
        allowed = raw.get("AllowedValues")
        self._allowed_ref: str | None = None
        self.resolved = True
        if isinstance(allowed, dict) and "_ref" in allowed:
            self._allowed_ref = allowed["_ref"]
            self.AllowedValues: Any = allowed["_ref"]
            self.resolved = False
        elif isinstance(allowed, list):
            self.AllowedValues = [_inline_allowed_value(v) for v in allowed]
        else:
            self.AllowedValues = []

    @staticmethod
    def _short_ref(ref: str | None) -> str | None:
        # pyral joined the last two *characters* (quirk Q15); this is the real short ref.
        if not ref:
            return None
        tail = _ref_tail(ref).split("/")
        if len(tail) == 2:
            return f"{tail[0].lower()}/{tail[1]}"
        return tail[-1]

    def resolveAllowedValues(self, context: Any = None, getCollection: Any = None) -> list:  # noqa: N803
        """Fetch the AllowedValues collection once; the list of values replaces the ref.

        Called as ``resolveAllowedValues(load_collection)`` (a function of the URL), or with
        pyral's ``(context, getCollection)`` pair where ``getCollection(context, url)``
        returns an iterable response.
        """
        load_collection = _collection_loader(context, getCollection)
        if self.resolved:
            return self.AllowedValues
        ref = self._allowed_ref or ""
        if not _ALLOWED_VALUES_REF.match(ref):
            raise UnrecognizedAllowedValuesReference(
                f"Unrecognized AllowedValues reference for {self.ElementName}: {ref!r}"
            )
        self.AllowedValues = list(load_collection(ref))
        self.resolved = True
        return self.AllowedValues

    def value_texts(self) -> list:
        """The allowed values as strings (resolved values only)."""
        if not self.resolved:
            return []
        return [allowed_value_text(v) for v in self.AllowedValues]

    def __str__(self) -> str:
        """pyral 1.7.0's block: name, type, required, then flags and allowed values."""
        return _printing.schema_attribute_text(self)

    def __repr__(self) -> str:
        return f"<SchemaItemAttribute {self.ElementName} {self.AttributeType}>"


class SchemaItem:
    """One TypeDefinition of a workspace schema, with its attribute definitions."""

    _type = "TypeDefinition"

    def __init__(self, raw_info: dict[str, Any]) -> None:
        raw = raw_info
        self._ref = raw.get("_ref")
        self.ref = f"typedefinition/{_ref_tail(self._ref, 1)}" if self._ref else None
        self.oid = _as_oid(_ref_tail(self._ref, 1)) if self._ref else None
        self.ObjectName = raw.get("_refObjectName")
        self.ElementName: str = raw.get("ElementName") or ""
        self.Name = raw.get("Name")
        self.DisplayName = raw.get("DisplayName")
        self.TypePath: str = raw.get("TypePath") or self.ElementName
        self.IDPrefix = raw.get("IDPrefix")
        self.Abstract = bool(raw.get("Abstract", False))
        parent = raw.get("Parent")
        self.Parent = parent.get("_refObjectName") if isinstance(parent, dict) else parent
        self.ParentRef = parent.get("_ref") if isinstance(parent, dict) else None
        self.Creatable = raw.get("Creatable")
        self.Queryable = raw.get("Queryable")
        self.ReadOnly = raw.get("ReadOnly")
        self.Deletable = raw.get("Deletable")
        self.Restorable = raw.get("Restorable")
        self.Ordinal = raw.get("Ordinal")
        self.RevisionHistory = raw.get("RevisionHistory")
        self.Attributes = [SchemaItemAttribute(a) for a in raw.get("Attributes") or []]
        self.completed = False
        self._owner: Any = None  # the WorkspaceSchema, set by it

    def attribute(self, name: str) -> SchemaItemAttribute | None:
        """Attribute by ElementName, or by name without its ``c_`` prefix."""
        for attr in self.Attributes:
            if attr.ElementName == name or attr.ElementName == "c_" + name:
                return attr
        return None

    def complete(self, context: Any = None, getCollection: Any = None) -> None:  # noqa: N803
        """Resolve once the allowed values of rating/state/collection attributes.

        Takes a loader (a function of the collection URL) or pyral's
        ``(context, getCollection)`` pair, as :meth:`SchemaItemAttribute.resolveAllowedValues`.
        """
        load_collection = _collection_loader(context, getCollection)
        if self.completed:
            return
        for attr in self.Attributes:
            if (
                attr.AttributeType in _COMPLETABLE_TYPES
                and attr.ElementName not in INELIGIBLE_COLLECTIONS
                and not attr.resolved
            ):
                attr.resolveAllowedValues(load_collection)
        self.completed = True

    def inheritanceChain(self) -> list[str]:
        """Class names from Persistable down to this type.

        A portfolio-item level is named as pyral 1.7.0 named it: a standard level by its
        ``PortfolioItem_<Level>`` class (though its items are plain ``PortfolioItem``s), a
        custom level by a static class of its ElementName if there is one (``Program``).
        """
        cls = None
        if (self.TypePath or "").startswith("PortfolioItem/") and self.ElementName:
            cls = static_class_for("PortfolioItem_" + self.ElementName) or static_class_for(
                self.ElementName
            )
        if cls is not None:
            pass
        elif self._owner is not None:
            cls = self._owner.entity_class(self.TypePath)
        else:
            cls = static_class_for(self.TypePath) or static_class_for(self.ElementName or "")
        if cls is None:
            return [self.ElementName]
        chain = [k.__name__ for k in cls.__mro__ if issubclass(k, Persistable)]
        return list(reversed(chain))

    def __str__(self) -> str:
        """pyral 1.7.0's text: title, operations, then a block per attribute."""
        return _printing.schema_item_text(self)

    def __repr__(self) -> str:
        return f"<SchemaItem {self.TypePath}>"


present_as_entity_module(globals())
