"""Attribute-path resolution against the schema, shared by the filter and order compilers.

Names are matched case-sensitively (Rally's rule).  When the type in hand is abstract or a
polymorphic hop target (``WorkProduct`` -> ``Artifact``), an attribute missing from the type
itself is looked up on its concrete subtypes: ``WorkProduct.ScheduleState`` means "the
ScheduleState of whatever the work product is"; rows of subtypes lacking it just hold nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyral.emulator.errors import QueryError, could_not_parse, not_a_reference, unknown_attribute

if TYPE_CHECKING:  # the schema module is only needed for type names here
    from pyral.emulator.schema import AttrDef, Schema

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def is_object(attr: Any) -> bool:
    return attr.attr_type == "OBJECT"


def is_collection(attr: Any) -> bool:
    return attr.attr_type == "COLLECTION" or bool(getattr(attr, "is_collection", False))


@dataclass(frozen=True)
class Step:
    """One segment of a path: the type it was looked up on and the attribute found."""

    owner: str
    attr: AttrDef


class Resolver:
    """Schema look-ups with the small caches one compilation needs."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self._concrete: dict[str, list[str]] = {}

    def typedef(self, name: str) -> Any:
        """``get`` by ElementName, falling back to the alias-tolerant ``lookup``."""
        try:
            return self.schema.get(name)
        except Exception:  # noqa: BLE001 - whatever get raises for a miss, try the aliases
            td = self.schema.lookup(name)
            if td is None:
                raise QueryError(could_not_parse(f'Unknown type "{name}"')) from None
            return td

    def type_name(self, name: str) -> str:
        return self.typedef(name).element_name

    def concrete_names(self, type_name: str) -> list[str]:
        """Concrete ElementNames a row "of type ``type_name``" can have (itself when concrete)."""
        if type_name not in self._concrete:
            names: list[str] = []
            td = self.typedef(type_name)
            if not getattr(td, "abstract", False):
                names.append(td.element_name)
            for sub in self.schema.concrete_types(type_name):
                if sub.element_name not in names:
                    names.append(sub.element_name)
            self._concrete[type_name] = names
        return self._concrete[type_name]

    def id_prefix(self, type_name: str) -> str:
        return (getattr(self.typedef(type_name), "id_prefix", None) or "").upper()

    def attribute(self, type_name: str, name: str) -> AttrDef | None:
        found = self.typedef(type_name).attribute(name)
        if found is not None:
            return found
        for sub in self.schema.concrete_types(type_name):
            found = sub.attribute(name)
            if found is not None:
                return found
        return None

    def path(self, root: str, path: tuple[str, ...], segment: str) -> list[Step]:
        """Resolve every segment; only the last may be a non-reference attribute."""
        steps: list[Step] = []
        owner = root
        for i, name in enumerate(path):
            attr = self.attribute(owner, name) if _NAME_RE.match(name) else None
            if attr is None:
                raise QueryError(unknown_attribute(name, owner, segment))
            steps.append(Step(owner, attr))
            if i < len(path) - 1:
                if not (is_object(attr) or is_collection(attr)) or not attr.target:
                    raise QueryError(not_a_reference(name, owner, segment))
                owner = self.type_name(attr.target)
        return steps
