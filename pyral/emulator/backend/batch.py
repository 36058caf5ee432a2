"""``POST /batch``: several creates, updates, deletes and reads in one request.

Entries run in order and independently (spec i, GUESS): each is its own transaction, so a
failing entry leaves the others' effects in place and reports its own errors.  Entries may
come wrapped in ``{"Entry": {...}}`` (pyral) or bare (the OpenAPI document's form).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyral.emulator import errors
from pyral.emulator.errors import WsapiError
from pyral.emulator.schema import TypeDef
from pyral.emulator.store import Row

from . import messages

if TYPE_CHECKING:
    from . import Backend

_PREFIXES = ("/slm/webservice/", "slm/webservice/")

EntryResult = tuple[Row | None, list[str], list[str]]


def _split_path(path: str) -> tuple[str, str | None]:
    """``/defect/create`` -> ("defect", "create"); ``/portfolioitem/feature/12`` -> (.., "12")."""
    text = path.split("?", 1)[0].strip()
    if "://" in text:
        text = text.split("://", 1)[1].split("/", 1)[-1]
    for prefix in _PREFIXES:
        if prefix in text:
            text = text.split(prefix, 1)[1]
            text = text.split("/", 1)[1] if "/" in text else ""  # drop the version segment
    segments = [s for s in text.split("/") if s]
    if not segments:
        return "", None
    last = segments[-1]
    if last.lower() == "create" or last.lstrip("-").isdigit():
        return "/".join(segments[:-1]), last
    return "/".join(segments), None


def _unwrap(typedef: TypeDef, body: Any) -> tuple[dict[str, Any], str]:
    """The attribute dict inside ``{"<type>": {...}}`` and the key it came under."""
    if not isinstance(body, dict):
        raise WsapiError(errors.NOT_JSON)
    wanted = {typedef.element_name.lower(), typedef.type_path.lower(), typedef.url_segment.lower()}
    for key, value in body.items():
        if isinstance(key, str) and key.lower() in wanted and isinstance(value, dict):
            return value, key
    if len(body) == 1:
        key, value = next(iter(body.items()))
        if isinstance(value, dict):
            return value, str(key)
    return body, typedef.element_name


def run_entry(
    backend: Backend, user: Row, index: int, entry: Any, workspace: Row, project: Row | None
) -> EntryResult:
    if isinstance(entry, dict) and isinstance(entry.get("Entry"), dict):
        entry = entry["Entry"]
    if not isinstance(entry, dict) or not isinstance(entry.get("Path"), str):
        return None, [messages.batch_bad_entry(index, "needs a Path and a Method")], []
    method = str(entry.get("Method") or "GET").upper()
    type_part, ident = _split_path(entry["Path"])
    typedef = backend.schema_for(workspace.oid).lookup(type_part) if type_part else None
    if typedef is None:
        return None, [errors.unknown_type(type_part)], []
    try:
        if ident is not None and ident.lower() == "create" and method in ("PUT", "POST"):
            body, key = _unwrap(typedef, entry.get("Body"))
            row, warnings = backend.create(
                user, typedef, body, body_key=key, workspace=workspace, project=project
            )
            return row, [], warnings
        if ident is not None and ident.lower() != "create":
            oid = int(ident)
            if method in ("PUT", "POST"):
                body, key = _unwrap(typedef, entry.get("Body"))
                row, warnings = backend.update(user, typedef, oid, body, body_key=key)
                return row, [], warnings
            if method == "DELETE":
                backend.delete(user, typedef, oid)
                return None, [], []
            if method == "GET":
                return backend.get_row(user, typedef, oid), [], []
        return (
            None,
            [messages.batch_bad_entry(index, f"{method} {entry['Path']} is not supported")],
            [],
        )
    except WsapiError as exc:
        return None, list(exc.errors), list(exc.warnings)


def run_batch(
    backend: Backend, user: Row, entries: list[Any], workspace: Row, project: Row | None
) -> list[EntryResult]:
    if not isinstance(entries, list):
        raise WsapiError(messages.batch_bad_entry(0, "Batch must be a list of entries"))
    return [run_entry(backend, user, i, e, workspace, project) for i, e in enumerate(entries)]
