"""The printed forms scripts print: ``entity.details()`` and a type definition's text.

pyral 1.7.0's example scripts print both, and users diff or parse that output, so the layout
is pyral's to the character (issue 7, item 9): 24-column attribute names followed by two
spaces and a colon, reference lines such as ``Workspace.ref          (OID  100023  Name: Demo
Workspace)`` at the head and ``Project.ref                 (OID  100449  Name Checkout)``
below it, a user reference without its closing parenthesis, pending collections shown under
their ``__collection_ref_for_<Name>`` marker, and the type definition's attribute blocks.

What is deliberately ours: the text of a value that is a list of entities, or an object
without a printed form of its own, is its ``repr`` (pyral printed memory addresses there).

Values are read with ``getattr``, exactly as pyral did: a shell entity loads itself, a fully
loaded one never does.
"""

from __future__ import annotations

from typing import Any

from pyral._entity_base import (
    _DETAILS_HEAD,
    COLLECTION_MARKER,
    PORTFOLIO_ITEM_SUB_TYPES,
    Persistable,
    settle,
)
from pyral.exceptions import UnreferenceableOIDError

#: pyral's head of ``details()`` for workspace-scoped entities (``_type`` is the title line).
COMMON_ATTRIBUTES = ("_type", *_DETAILS_HEAD)

#: pyral's ``details()`` of a User, in its order (pyral skipped the first entry, ``oid``).
USER_ATTRIBUTES = (
    "oid",
    "ref",
    "ObjectID",
    "ObjectUUID",
    "_ref",
    "_CreatedAt",
    "_hydrated",
    "UserName",
    "DisplayName",
    "EmailAddress",
    "FirstName",
    "MiddleName",
    "LastName",
    "ShortDisplayName",
    "SubscriptionAdmin",
    "Role",
    "UserPermissions",
)

#: pyral's ``details()`` of a UserProfile, in its order (``oid`` skipped as well).
USER_PROFILE_ATTRIBUTES = (
    "oid",
    "ref",
    "ObjectID",
    "ObjectUUID",
    "_ref",
    "_CreatedAt",
    "_hydrated",
    "DefaultWorkspace",
    "DefaultProject",
    "TimeZone",
    "DateFormat",
    "DateTimeFormat",
    "SessionTimeoutSeconds",
    "SessionTimeoutWarning",
    "EmailNotificationEnabled",
    "WelcomePageHidden",
)

#: What ``details()`` lists of a Connection (pull request ...), as a list of lines.
CONNECTION_ATTRIBUTES = (
    "_type",
    "oid",
    "_ref",
    "_CreatedAt",
    "_hydrated",
    "Name",
    "Artifact",
    "Description",
    "ExternalFormattedId",
    "ExternalId",
    "Url",
)

# Instance attributes that are plumbing, never shown (pyral hid its ``_context``).
_PLUMBING = frozenset(("_context", "_client"))
_MISSING = object()


def _is_a(value: Any, class_name: str) -> bool:
    """isinstance by class name: the entity classes are defined in modules that import this."""
    return any(klass.__name__ == class_name for klass in type(value).__mro__)


def _standard_portfolio_item(value: Any) -> bool:
    name = type(value).__name__
    return name.startswith("PortfolioItem_") and name[14:] in PORTFOLIO_ITEM_SUB_TYPES


def _custom_portfolio_item(value: Any) -> bool:
    name = type(value).__name__
    return name.startswith("PortfolioItem_") and not _standard_portfolio_item(value)


def class_label(value: Any) -> str:
    """The class name pyral showed for an entity.

    pyral hydrated the standard portfolio-item levels into plain ``PortfolioItem`` and made a
    class ``PortfolioItem_<Level>`` for a custom level, so those are the names shown.
    """
    return "PortfolioItem" if _standard_portfolio_item(value) else type(value).__name__


def _lookup(entity: Any, name: str) -> Any:
    try:
        return getattr(entity, name)
    except AttributeError:
        return _MISSING


def _head_line(name: str, value: Any) -> str:
    if isinstance(value, Persistable):
        label = class_label(value) + ".ref"
        return f"    {name:<24}  : {label:<20.20}   (OID  {value.oid}  Name: {value.Name})"
    return f"    {name:<24}  : {value}"


def _head(entity: Any, names: tuple[str, ...], skip_none: bool = True) -> list[str]:
    lines = []
    for name in names:
        value = _lookup(entity, name)
        if value is _MISSING or (skip_none and value is None):
            continue
        lines.append(_head_line(name, value))
    return lines


def _shown_state(entity: Any) -> dict[str, Any]:
    """The instance attributes pyral would hold, under pyral's names.

    A revision history not loaded yet is held here as a reference entity; pyral held it as a
    pending collection, ``__collection_ref_for_RevisionHistory``, and that is what is shown.
    """
    shown: dict[str, Any] = {}
    settle(entity)  # a query result's references are built on first use: use them now
    for key, value in entity.__dict__.items():
        if key in _PLUMBING:
            continue
        if (
            key == "RevisionHistory"
            and _is_a(value, "RevisionHistory")
            and not value.__dict__.get("_hydrated")
        ):
            shown[COLLECTION_MARKER + key] = value.__dict__.get("_ref")
            continue
        shown[key] = value
    return shown


def _rest_line(name: str, value: Any) -> str:
    if not isinstance(value, Persistable):
        return f"    {name:<24}  : {value}"
    label = class_label(value)
    start = f"    {name:<24}  : {label + '.ref':<27.27}"
    # pyral's classes for custom portfolio-item levels were not Artifacts: no FormattedID.
    if _is_a(value, "Artifact") and not _custom_portfolio_item(value):
        return f"{start} (OID  {value.oid}  FormattedID  {value.FormattedID})"
    if _is_a(value, "User"):
        try:
            user_name, display_name = value.UserName, value.DisplayName
        except UnreferenceableOIDError:
            user_name, display_name = "UnreferenceableOIDError", "NOT AVAILABLE"
        # pyral's line has no closing parenthesis; scripts parsing it expect none.
        return (
            f"    {name:<24}  : {label}.ref  (OID  {value.oid}  "
            f"UserName {user_name}  DisplayName {display_name}"
        )
    return f"{start} (OID  {value.oid}  Name {value.Name})"


def entity_details(entity: Any) -> str:
    """``details()`` of a workspace-scoped entity: the common head, a blank line, the rest.

    The rest is every other attribute the entity holds, sorted by its raw name (so custom
    fields, shown without ``c_``, come last, after ``_``-names, as in pyral).
    """
    lines = [str(entity.__dict__.get("_type"))]
    lines.extend(_head(entity, COMMON_ATTRIBUTES[1:]))
    lines.append("")
    state = _shown_state(entity)
    for key in sorted(set(state) - set(COMMON_ATTRIBUTES)):
        if key in entity.__dict__:
            value = _lookup(entity, key)
            if value is _MISSING:
                continue
        else:
            value = state[key]
        shown = key[2:] if key.startswith("c_") else key
        lines.append(_rest_line(shown, value))
    return "\n".join(lines)


def user_details(entity: Any) -> str:
    """``details()`` of a User: pyral's fixed list, values that are None left out."""
    lines = [str(entity.__dict__.get("_type"))]
    lines.extend(_head(entity, USER_ATTRIBUTES[1:]))
    return "\n".join(lines)


def user_profile_details(entity: Any) -> str:
    """``details()`` of a UserProfile: pyral's fixed list, None values shown."""
    lines = [str(entity.__dict__.get("_type"))]
    lines.extend(_head(entity, USER_PROFILE_ATTRIBUTES[1:], skip_none=False))
    return "\n".join(lines)


def connection_details(entity: Any) -> list[str]:
    """``details()`` of a Connection: pyral returned the lines as a list, a blank one last."""
    lines = [str(entity.__dict__.get("_type"))]
    lines.extend(_head(entity, CONNECTION_ATTRIBUTES[1:]))
    lines.append("")
    return lines


# ------------------------------------------------------------------------ type definitions
def _allowed_value_texts(values: list[Any]) -> list[str]:
    """The text of each resolved allowed value: its StringValue, as pyral printed."""
    texts = []
    for value in values:
        fields = value if isinstance(value, dict) else getattr(value, "__dict__", {})
        text: Any = value
        if isinstance(fields, dict):
            for key in ("StringValue", "LocalizedStringValue", "value", "Name"):
                if fields.get(key) is not None:
                    text = fields[key]
                    break
        texts.append(str(text))
    return texts


def schema_attribute_text(attr: Any) -> str:
    """One attribute block of a type definition's text (two or three lines)."""
    name = "" if attr.Name is None else str(attr.Name)
    element = "" if attr.ElementName is None else str(attr.ElementName)
    display = f"|{name}|" if name != element else ""
    custom = "Custom" if attr.Custom else ""
    required = "Required" if attr.Required else "Optional"
    lines = [
        f"         {element:<24.24}  {custom:<6.6}  {str(attr.AttributeType):>10.10}  "
        f"{required:>8.8}  {display}",
        "             {}  {}  {}  {}".format(
            "ReadOnly" if attr.ReadOnly else "Updatable",
            "Filterable" if attr.Filterable else "",
            "Hidden" if attr.Hidden else "",
            "Constrained" if attr.Constrained else "",
        ),
    ]
    allowed = attr.AllowedValues
    if attr.AllowedValueType and not attr.resolved and isinstance(allowed, str):
        lines.append("             AllowedValues: " + "/".join(allowed.split("/")[-3:]))
    elif attr.resolved and isinstance(allowed, list) and allowed:
        lines.append(f"             AllowedValues: {_allowed_value_texts(allowed)}")
    return "\n".join(lines)


def schema_item_text(item: Any) -> str:
    """A type definition's text: title, operations, then one block per attribute.

    Each block is followed by a blank line, and the text ends with a newline, as pyral's.
    """
    type_path = "" if item.TypePath is None else str(item.TypePath)
    path = f"TypePath: {type_path}" if "/" in type_path else ""
    head = f"{item.ElementName}  DisplayName: {item.DisplayName}  IDPrefix: {item.IDPrefix}  {path}"
    operations = "      {}  {}  {}  {}  {}".format(
        "Creatable" if item.Creatable else "Non-Creatable",
        "ReadOnly" if item.ReadOnly else "Updatable",
        "Queryable" if item.Queryable else "Non-Queryable",
        "Deletable" if item.Deletable else "Non-Deletable",
        "Restorable" if item.Restorable else "Non-Restorable",
    )
    general = "\n".join([head, operations, "", "      Attributes:"])
    blocks = [schema_attribute_text(attr) + "\n" for attr in item.Attributes]
    return general + "\n" + "\n".join(blocks)


__all__ = [
    "class_label",
    "connection_details",
    "entity_details",
    "schema_attribute_text",
    "schema_item_text",
    "user_details",
    "user_profile_details",
]
