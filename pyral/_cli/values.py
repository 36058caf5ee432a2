"""``Field=Value`` arguments (and ``--json`` documents) into a create/update body.

Everything typed on a command line is text.  Rally converts text itself for most attribute
types, so values are only changed where the schema makes the intent certain: whole numbers
for INTEGER, numbers for QUANTITY/DECIMAL, true/false for BOOLEAN, and references -- which
Rally only accepts as refs -- resolved from FormattedIDs or names.  Text that does not parse
is sent unchanged so that Rally's own validation message reaches the user.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pyral.config import FALSEY_VALUES, TRUTHY_VALUES
from pyral.exceptions import RallyAttributeNameError

from .errors import CliError, UsageError
from .locate import resolve_reference
from .schema import SchemaView

_NULLS = ("", "null", "none")


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """``["Name=Fix it", "Owner=bob"]`` -> ``{"Name": "Fix it", ...}`` (split at the first ``=``)."""
    data: dict[str, str] = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        if not sep or not field.strip():
            raise UsageError(f"expected Field=Value, got {pair!r}")
        data[field.strip()] = value
    return data


def load_json_document(source: str) -> dict[str, Any]:
    """A JSON object of field values from a file, or from stdin when ``source`` is ``-``."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {source}: {exc}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{'stdin' if source == '-' else source} is not valid JSON: {exc}"
        ) from exc
    if not isinstance(document, dict):
        raise UsageError("the --json document must be an object of Field: value pairs")
    return document


def gather(pairs: list[str], json_source: str | None) -> tuple[dict[str, Any], set[str]]:
    """The merged fields (command-line pairs win) and which of them were typed as text."""
    data: dict[str, Any] = load_json_document(json_source) if json_source else {}
    typed = parse_assignments(pairs)
    data.update(typed)
    return data, set(typed)


def _number(text: str, integer: bool) -> Any:
    for parse in (int,) if integer else (int, float):
        try:
            return parse(text.strip())
        except ValueError:
            continue
    return text


def _boolean(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in TRUTHY_VALUES:
        return True
    if lowered in FALSEY_VALUES:
        return False
    return text


def convert(
    rally: Any,
    schema: SchemaView,
    td: dict[str, Any],
    data: dict[str, Any],
    typed: set[str],
    project_ref: str | None = None,
) -> dict[str, Any]:
    """``data`` with official field names and values Rally will accept.

    Names are normalised by the client (case, ``c_`` prefix, display names) and unknown
    names fail there, all together, before anything is sent.  References given by name are
    looked up near ``project_ref`` (the item's project) or the ``Project`` being set.
    """
    official: dict[str, Any] = {}
    typed_official: set[str] = set()
    unknown: list[str] = []
    for key, value in data.items():
        try:
            (name,) = rally.validateAttributeNames(td["TypePath"], {key: value})
        except RallyAttributeNameError:
            unknown.append(key)
            continue
        official[name] = value
        if key in typed:
            typed_official.add(name)
    if unknown:
        raise SchemaView.unknown_fields(td, unknown)
    if "Project" in official:  # resolved first: it decides where other names are looked up
        official = {"Project": official.pop("Project"), **official}
    body: dict[str, Any] = {}
    for name, value in official.items():
        near = body.get("Project") if isinstance(body.get("Project"), str) else project_ref
        attr = schema.attribute(td, name) or {}
        kind = attr.get("AttributeType")
        target = str(attr.get("SchemaType") or "")
        if kind == "OBJECT" and isinstance(value, str):
            body[name] = (
                None
                if value.strip().lower() in _NULLS
                else resolve_reference(rally, schema, value, target, near, td["ElementName"])
            )
        elif kind == "COLLECTION" and isinstance(value, str):
            items = [v for v in (p.strip() for p in value.split(",")) if v]
            body[name] = [
                {"_ref": resolve_reference(rally, schema, v, target, near, td["ElementName"])}
                for v in items
            ]
        elif kind == "COLLECTION" and isinstance(value, list):
            body[name] = [
                {"_ref": resolve_reference(rally, schema, v, target, near, td["ElementName"])}
                if isinstance(v, str)
                else v
                for v in value
            ]
        elif name not in typed_official or not isinstance(value, str):
            body[name] = value
        elif kind == "INTEGER":
            body[name] = _number(value, integer=True)
        elif kind in ("QUANTITY", "DECIMAL"):
            body[name] = _number(value, integer=False)
        elif kind == "BOOLEAN":
            body[name] = _boolean(value)
        else:
            body[name] = value
    if not body:
        raise CliError("no fields given")
    return body
