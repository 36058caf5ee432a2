"""Schema methods of ``Rally``: typedef, allowed values, attribute-name validation, states.

They delegate to the client's own :class:`pyral._schema.WorkspaceSchema`; this module only
shapes the answers the way pyral 1.7.0 returned them.
"""

from __future__ import annotations

import copy
from typing import Any

from pyral._rally_support import _STORY_ALIASES
from pyral.exceptions import InvalidRallyTypeNameError


class AllowedValue(str):
    """An allowed value: a plain string that also answers ``.Name`` / ``.StringValue``.

    pyral returned bare strings, while its user guide iterates ``val.Name``; a ``str``
    subclass satisfies both (comparisons and joins still see a string).
    """

    @property
    def Name(self) -> str:  # noqa: N802 - Rally attribute name
        return str(self)

    StringValue = Name
    value = Name


# Scripts know it as pyral.restapi.AllowedValue (re-exported there, where it used to live).
AllowedValue.__module__ = "pyral.restapi"


class SchemaMethodsMixin:
    """Mixed into :class:`pyral.restapi.Rally` (``self`` is the client)."""

    # -- schema delegation -----------------------------------------------------------------------
    def typedef(self: Any, target_type: str) -> Any:
        """The type definition of an entity in the current workspace, or None if unknown."""
        schema = self._schema_for()
        name = _STORY_ALIASES.get(target_type, target_type)
        try:
            return schema.typedef(name, self._load_collection)
        except InvalidRallyTypeNameError:
            return None

    def getSchemaInfo(
        self: Any, workspace: Any = None, project: Any = None
    ) -> list[dict[str, Any]]:
        """The raw type definitions of the current workspace (arguments ignored, as in pyral).

        Served from this client's per-workspace cache (pyral downloaded it again); a deep
        copy, so a caller editing the dicts cannot corrupt the cache.
        """
        ws = self._ws_target()
        self._schema_for(ws)
        return copy.deepcopy(self._schema_raw[ws.oid])

    def validateAttributeNames(
        self: Any, entity_name: str, itemData: dict[str, Any]
    ) -> dict[str, Any]:
        """Rename keys to Rally ElementNames (adds ``c_``, fixes case, accepts display names)."""
        return self._schema_for().validate_attribute_names(
            self._official_name(entity_name), itemData
        )

    def getAllowedValues(self: Any, entityName: str, attributeName: str, **kwargs: Any) -> Any:
        """Allowed values of an attribute: list of strings, [] if none, None if unknown."""
        try:
            official = self._official_name(entityName)
        except InvalidRallyTypeNameError:
            return None
        values = self._schema_for().allowed_values(official, attributeName, self._load_collection)
        if not values or values == [True]:
            return values
        return [AllowedValue(v) if isinstance(v, str) else v for v in values]

    @staticmethod
    def _state_type_name(entity: str) -> str:
        """States hang off the level's TypeDefinition Name: ``PortfolioItem/Feature`` -> ``Feature``."""
        return entity.rsplit("/", 1)[-1] if isinstance(entity, str) else entity

    def getState(self: Any, entity: str, state_name: str) -> Any:
        """The State named ``state_name`` of a portfolio-item level.

        One hit -> that State; otherwise the response (as pyral).  ``project=None`` is
        passed for this request only; the client's current project is left alone (Q9).
        """
        return self.get(
            "State",
            fetch=True,
            query=[f'TypeDef.Name = "{self._state_type_name(entity)}"', f'Name = "{state_name}"'],
            project=None,
            instance=True,
        )

    def getStates(self: Any, entity: str) -> list[Any]:
        """The States of a portfolio-item level in OrderIndex order (duplicates by name dropped)."""
        response = self.get(
            "State",
            fetch=True,
            query=f'TypeDef.Name = "{self._state_type_name(entity)}"',
            order="OrderIndex,ObjectID",
            project=None,
        )
        unique: dict[tuple[Any, Any], Any] = {}
        for state in response:
            unique[(getattr(state, "OrderIndex", None), getattr(state, "Name", None))] = state
        return sorted(unique.values(), key=lambda s: getattr(s, "OrderIndex", 0) or 0)
