"""Reading WSAPI response bodies.

Every WSAPI body has a single root key: one of the ``*Result`` wrappers, or (for a read by
ObjectID) the entity's ElementName.  The rest of the client only wants to know the errors,
warnings, paging numbers and the items, so this module turns any of those shapes into one
``Envelope`` and never lets a malformed body escape as a ``KeyError``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pyral.exceptions import RallyResponseError

#: root key -> the request type name pyral reports in ``RallyRESTResponse.request_type``
RESULT_KINDS = {
    "QueryResult": "Query",
    "CreateResult": "Create",
    "UpdateResult": "Update",
    "DeleteResult": "Delete",
    "OperationResult": "Operation",
    "BatchResult": "Batch",
}


@dataclass
class Envelope:
    """The parts of a WSAPI body the client acts on."""

    kind: str  # 'Query', 'Create', 'Update', 'Delete', 'Operation', 'Batch', 'ImpliedQuery'
    root_key: str
    data: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    total: int = 0
    start: int = 0
    page_size: int = 0
    results: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def object(self) -> dict[str, Any] | None:
        """The object a CreateResult/OperationResult carries, or the single object of a read."""
        if self.kind == "ImpliedQuery":
            return self.data
        obj = self.data.get("Object")
        return obj if isinstance(obj, dict) else None


def _text_list(value: Any) -> list[str]:
    """Rally sends lists of strings; anything else is normalised so callers can join them."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)):
        value = [value]
    out = []
    for item in value:
        if isinstance(item, bytes):
            item = item.decode("utf-8", "replace")
        out.append(item if isinstance(item, str) else str(item))
    return out


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def decode_body(raw: bytes | str, url: str) -> Any:
    """JSON-decode a body, turning garbage into pyral's ``RallyResponseError`` text."""
    try:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RallyResponseError(
            f"Response for request: {url} either was not JSON content or was an "
            "invalidly formed/incomplete JSON structure",
            url=url,
        ) from exc


def parse_envelope(content: Any, target: str | None = None) -> Envelope:
    """Classify a decoded body.

    ``target`` is the entity name of the request (last path element); a single-object body
    must be keyed by it (case-insensitively, with PortfolioItem sub-types keyed by the sub-type
    name), which is how a read of ``Defect/123`` is told apart from an unexpected body.
    """
    if not isinstance(content, dict) or not content:
        raise RallyResponseError(f"unexpected WSAPI body: {str(content)[:200]}")
    for root_key, kind in RESULT_KINDS.items():
        inner = content.get(root_key)
        if isinstance(inner, dict):
            env = Envelope(
                kind=kind,
                root_key=root_key,
                data=inner,
                errors=_text_list(inner.get("Errors")),
                warnings=_text_list(inner.get("Warnings")),
            )
            if kind == "Query" or "Results" in inner:
                results = inner.get("Results") or []
                env.results = list(results) if isinstance(results, list) else []
                env.total = _int(inner.get("TotalResultCount", len(env.results)))
                env.start = _int(inner.get("StartIndex"))
                env.page_size = _int(inner.get("PageSize"))
            return env
    object_key = _single_object_key(content, target)
    if object_key is None:
        raise RallyResponseError(
            f"missing _Xx_Result specifier for target {target} in following:\n"
            f"{json.dumps(content)[:500]}\n"
        )
    inner = content[object_key]
    obj = {k: v for k, v in inner.items() if k not in ("Errors", "Warnings")}
    return Envelope(
        kind="ImpliedQuery",
        root_key=object_key,
        data=obj,
        errors=_text_list(inner.get("Errors")),
        warnings=_text_list(inner.get("Warnings")),
        total=1,
        start=1,
        page_size=1,
        results=[obj],
    )


def _single_object_key(content: dict[str, Any], target: str | None) -> str | None:
    candidates = [k for k, v in content.items() if isinstance(v, dict)]
    if not candidates:
        return None
    if target:
        wanted = target.split("/")[-1].lower()
        for key in candidates:
            if key.lower() == wanted or key.split("/")[-1].lower() == wanted:
                return key
    # a read through a ref whose type segment differs from the wrapper (e.g. an alias):
    # a body with exactly one object root is still unambiguous
    return candidates[0] if len(candidates) == 1 else None


def error_text(status: int, errors: list[str], limit: int | None = None) -> str:
    """``'<status> <first error>'``: the shape of pyral's failure messages."""
    first = errors[0] if errors else ""
    if limit is not None:
        first = first[:limit]
    return f"{status} {first}".rstrip()
