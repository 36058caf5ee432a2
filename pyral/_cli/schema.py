"""Type questions answered from one download of the workspace schema.

The commands need the raw type definitions (FormattedID prefixes, attribute types, the target
type of a reference) rather than entity classes, and reading them through
``Rally.getSchemaInfo`` costs one request per process: the client caches the download.
"""

from __future__ import annotations

from typing import Any

from .errors import CliError

_STORY_ALIASES = {"story": "HierarchicalRequirement", "userstory": "HierarchicalRequirement"}


class SchemaView:
    """Lookups over the workspace's TypeDefinitions (dicts exactly as WSAPI sends them)."""

    def __init__(self, typedefs: list[dict[str, Any]], workspace: str = "") -> None:
        self.typedefs = typedefs
        self.workspace = workspace
        self._by_key: dict[str, dict[str, Any]] = {}
        for td in typedefs:
            for key in (td.get("ElementName"), td.get("TypePath"), td.get("Name")):
                if isinstance(key, str) and key:
                    self._by_key.setdefault(key.lower().replace(" ", ""), td)

    @classmethod
    def of(cls, rally: Any) -> SchemaView:
        ws = rally.getWorkspace()
        return cls(rally.getSchemaInfo(), getattr(ws, "Name", "") or "")

    def find(self, name: str) -> dict[str, Any] | None:
        """The typedef for a type name (ElementName, TypePath, display name, any case)."""
        key = name.strip().lower().replace(" ", "")
        key = _STORY_ALIASES.get(key, key).lower()
        return self._by_key.get(key)

    def names(self) -> list[str]:
        """Every name a type can be given by (for suggestions): ElementName, TypePath, Story."""
        found = ["Story"]
        for td in self.typedefs:
            found += [n for n in (td.get("ElementName"), td.get("TypePath")) if isinstance(n, str)]
        return found

    def require(self, name: str) -> dict[str, Any]:
        td = self.find(name)
        if td is None:
            from pyral._hints import did_you_mean

            raise CliError(
                f"unknown type {name!r}{did_you_mean(name, self.names())} in workspace "
                f"{self.workspace!r} (see: pyral types)"
            )
        return td

    def type_for_prefix(self, prefix: str) -> dict[str, Any] | None:
        """The concrete type whose FormattedIDs start with ``prefix`` (case-insensitive)."""
        wanted = prefix.upper()
        for td in self.typedefs:
            if (td.get("IDPrefix") or "").upper() == wanted and not td.get("Abstract"):
                return td
        return None

    @staticmethod
    def attributes(td: dict[str, Any]) -> list[dict[str, Any]]:
        return [a for a in td.get("Attributes") or [] if isinstance(a, dict)]

    def attribute(self, td: dict[str, Any], element_name: str) -> dict[str, Any] | None:
        for attr in self.attributes(td):
            if attr.get("ElementName") == element_name:
                return attr
        return None

    @classmethod
    def unknown_fields(cls, td: dict[str, Any], unknown: list[str]) -> CliError:
        """The error for field names the type does not have, each with its likely spelling."""
        from pyral._hints import did_you_mean

        names = [a.get("ElementName", "") for a in cls.attributes(td)]
        listed = ", ".join(f"{name}{did_you_mean(name, names)}" for name in unknown)
        element = td.get("ElementName", "")
        return CliError(f"unknown field(s) for {element}: {listed} (see: pyral fields {element})")

    @staticmethod
    def has_attribute(td: dict[str, Any], element_name: str) -> bool:
        return any(a.get("ElementName") == element_name for a in td.get("Attributes") or [])
