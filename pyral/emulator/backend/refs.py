"""Reading object references in every spelling clients send.

Clients write refs as full URLs (any host, any API version), as ``/defect/123``, as
``defect/123``, as ``feature/123`` (pyral's short form of a portfolio item), as
``portfolioitem/feature/123``, or wrapped in ``{"_ref": ...}``.  Only the last segments
matter: the final one is the identity, the one(s) before it name the type.  A bare number
is refused on purpose (the spec's GUESS): accepting it would let a mistyped scalar silently
become a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: keys of a body that describe an object (as a read returned it) rather than set its
#: attributes: clients echo them back on updates, so they are dropped without a warning
META_KEYS = frozenset(
    {
        "_ref",
        "_type",
        "_refObjectName",
        "_refObjectUUID",
        "_objectVersion",
        "_rallyAPIMajor",
        "_rallyAPIMinor",
        "_CreatedAt",
        "Errors",
        "Warnings",
    }
)

_OID = re.compile(r"-?\d+\Z")
_UUID_DASHED = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
)
_UUID_COMPACT = re.compile(r"[0-9a-fA-F]{32}\Z")


@dataclass(frozen=True)
class ParsedRef:
    """A ref split into its type hint (lowercase, may be ``portfolioitem/feature``) and identity.

    Exactly one of ``oid`` / ``uuid`` is set.
    """

    type_hint: str
    oid: int | None = None
    uuid: str | None = None


def ref_text(value: Any) -> str | None:
    """The string form of a ref value (unwrapping ``{"_ref": ...}``), or None if it has none."""
    if isinstance(value, dict):
        value = value.get("_ref")
    if isinstance(value, str):
        return value
    return None


def parse_ref(value: Any) -> ParsedRef | None:
    """Split a ref; None when the value is not a ref (numbers, names, permission ids...)."""
    text = ref_text(value)
    if text is None:
        return None
    text = text.strip().split("?", 1)[0].split("#", 1)[0]
    if text.lower().endswith(".js"):
        text = text[:-3]
    segments = [s for s in text.split("/") if s]
    if len(segments) < 2:
        return None
    ident, type_seg = segments[-1], segments[-2]
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", type_seg):
        return None
    hint = type_seg.lower()
    if len(segments) >= 3 and segments[-3].lower() == "portfolioitem":
        hint = f"portfolioitem/{hint}"
    if _OID.match(ident):
        return ParsedRef(hint, oid=int(ident))
    uuid = canonical_uuid(ident)
    return ParsedRef(hint, uuid=uuid) if uuid is not None else None


def canonical_uuid(text: str) -> str | None:
    """An ObjectUUID as stored (lowercase, dashed), from either spelling; None otherwise.

    Rally takes an ObjectUUID wherever an ObjectID may go, dashed or as 32 compact hex
    digits, so both spellings must name the same object.
    """
    ident = text.strip()
    if _UUID_DASHED.match(ident):
        return ident.lower()
    if _UUID_COMPACT.match(ident):
        h = ident.lower()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return None


def typed_body(body: Any) -> tuple[str, dict[str, Any]] | None:
    """``{"<Type>": {...}}`` -> (the key as sent, its attributes less META_KEYS).

    None for any other shape; callers word the error for their own request.
    """
    if not isinstance(body, dict) or len(body) != 1:
        return None
    key, inner = next(iter(body.items()))
    if not isinstance(inner, dict):
        return None
    return str(key), {k: v for k, v in inner.items() if k not in META_KEYS}
