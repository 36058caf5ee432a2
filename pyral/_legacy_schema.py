"""pyral 1.7.0's module-level schema functions, for scripts that call them directly.

pyral kept every workspace's type definitions in a process-wide dictionary and let any code
read it.  Our ``Rally`` never does that (each client owns its schema), but a few scripts call
``processSchemaInfo`` / ``getSchemaItem`` / ``addEntity`` themselves.  This module gives them a
registry of their own: it is filled only by those explicit calls, and nothing in the client
reads it, so two ``Rally`` objects stay independent.
"""

from __future__ import annotations

import threading
from typing import Any

from pyral._class_table import classFor
from pyral._entity_base import make_entity_class
from pyral._schema import WorkspaceSchema
from pyral._schema_items import SchemaItem

_registry: dict[str, Any] = {}
_lock = threading.Lock()

#: Attributes of the synthetic ``PullRequest`` type pyral added to every schema (Rally's
#: schema endpoint does not describe it, although the type can be queried).
_PULL_REQUEST_ATTRIBUTES = (
    ("Artifact", "OBJECT", True),
    ("Description", "TEXT", False),
    ("ExternalFormattedId", "STRING", True),
    ("ExternalId", "STRING", True),
    ("Name", "STRING", True),
    ("Url", "WEB_LINK", True),
)


def _workspace_key(workspace: Any) -> str:
    ref = getattr(workspace, "ref", None) or getattr(workspace, "_ref", None) or workspace
    text = str(ref)
    parts = [p for p in text.split("/") if p]
    if len(parts) >= 2 and parts[-1].lstrip("-").isdigit():
        return f"{parts[-2].lower()}/{parts[-1]}"
    return text


def processSchemaInfo(workspace: Any, schema_info: list[dict]) -> Any:  # noqa: N802 - pyral name
    """Build (and remember, for :func:`getSchemaItem`) the schema of ``workspace``.

    ``schema_info`` is the ``QueryResult.Results`` list of the schema endpoint.  Returns the
    :class:`pyral._schema.WorkspaceSchema`.
    """
    key = _workspace_key(workspace)
    schema = WorkspaceSchema(key, schema_info)
    with _lock:
        _registry[key] = schema
    return schema


def getSchemaItem(workspace: Any, entity_name: str) -> Any:  # noqa: N802 - pyral name
    """The type definition of ``entity_name`` in a schema given to :func:`processSchemaInfo`.

    ``None`` when the workspace's schema was never processed or the type is unknown.
    """
    with _lock:
        schema = _registry.get(_workspace_key(workspace))
    return None if schema is None else schema.typedef(entity_name)


def augmentSchemaWithPullRequestInfo(workspace: Any) -> Any:  # noqa: N802 - pyral name
    """Add the ``PullRequest`` type to a processed workspace schema (as pyral did); returns it."""
    with _lock:
        schema = _registry.get(_workspace_key(workspace))
    if schema is None:
        return None
    existing = schema.typedef("PullRequest")
    if existing is not None:
        return existing
    base = _workspace_key(workspace)
    raw: dict[str, Any] = {
        "_ref": f"{base}/typedefinition/-1",
        "_refObjectName": "Pull Request",
        "ElementName": "PullRequest",
        "Name": "Pull Request",
        "DisplayName": "Pull Request",
        "TypePath": "PullRequest",
        "IDPrefix": None,
        "Abstract": False,
        "Parent": {"_refObjectName": "Connection"},
        "Creatable": True,
        "Queryable": True,
        "ReadOnly": False,
        "Deletable": True,
        "Restorable": False,
        "Ordinal": -1,
        "RevisionHistory": None,
        "Attributes": [
            {
                "_ref": f"{base}/attributedefinition/-{index}",
                "_refObjectName": name,
                "ElementName": name,
                "Name": name,
                "AttributeType": attr_type,
                "Custom": False,
                "Required": required,
                "ReadOnly": False,
                "Filterable": True,
                "Hidden": False,
                "SchemaType": attr_type,
                "Constrained": False,
                "AllowedValueType": None,
                "AllowedValues": [],
                "MaxLength": 0,
                "MaxFractionalDigits": -1,
            }
            for index, (name, attr_type, required) in enumerate(_PULL_REQUEST_ATTRIBUTES, 1)
        ],
    }
    item = SchemaItem(raw)
    schema._add(item)
    return item


def addEntity(name: str, parentClass: type) -> type:  # noqa: N802,N803 - pyral names
    """Create an entity class ``name`` deriving from ``parentClass`` and register it in ``classFor``.

    This is the one place the client mutates the shared class table, and only because the
    caller asked for it by name.
    """
    cls = make_entity_class(name.replace("/", "_"), parentClass)
    classFor[name] = cls
    return cls


# They are part of ``pyral.entity``'s public API (where pyral defined them).
for _function in (processSchemaInfo, getSchemaItem, augmentSchemaWithPullRequestInfo, addEntity):
    _function.__module__ = "pyral.entity"
