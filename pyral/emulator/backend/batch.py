"""``POST /batch``: several creates, updates, deletes and reads in one request.

This module is the one implementation of batch semantics; the HTTP handler only parses the
request, calls :meth:`Backend.batch` and serializes what comes back.

Guarantee (spec i leaves transactions open; Rally documents entries as independent): entries
run in order, each in its own transaction.  An entry that fails stores nothing of its own --
no half-applied update, no orphan create -- and neither undoes nor stops the entries around
it; its errors are reported in its own result.  Entries may come wrapped in
``{"Entry": {...}}`` (pyral, CustomAgile) or bare (the OpenAPI document's form).  An entry's
``Path`` may be relative (``/defect/create``), carry the service prefix or a whole URL, end in
``.js``, and carry ``rankAbove`` / ``rankBelow`` / ``rankTo`` parameters like a plain update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from pyral.emulator import errors
from pyral.emulator.errors import WsapiError
from pyral.emulator.errors import batch_body_type_mismatch as body_type_mismatch
from pyral.emulator.errors import batch_entry_body as bad_entry_body
from pyral.emulator.schema import Schema, TypeDef
from pyral.emulator.store import Row

from . import values
from .refs import typed_body

if TYPE_CHECKING:
    from . import Backend

_PREFIXES = ("/slm/webservice/", "slm/webservice/")
_METHODS = frozenset({"GET", "PUT", "POST", "DELETE"})

#: entries one batch may carry; a longer batch is refused whole, before any entry runs
#: (GUESS: Rally documents no number; this keeps one request from holding the writer long).
MAX_BATCH_ENTRIES = errors.MAX_BATCH_ENTRIES

EntryResult = tuple[Row | None, list[str], list[str]]


@dataclass
class EntryPath:
    """An entry's ``Path`` taken apart: type text, the id segment (or 'create'), parameters."""

    type_part: str
    ident: str | None
    params: dict[str, str] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        value = self.params.get(name.lower())
        return value if value not in (None, "") else None


def split_path(path: str) -> EntryPath:
    """``/defect/create`` -> ('defect', 'create'); ``/portfolioitem/feature/12?rankTo=TOP`` ->
    ('portfolioitem/feature', '12', {'rankto': 'TOP'})."""
    text = path.strip()
    if "://" in text:
        parts = urlsplit(text)
        text, query = parts.path, parts.query
    else:
        text, _, query = text.partition("?")
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        key = name.strip().lower()
        if key and key not in params:  # pyral's '?&' gives an empty name: dropped
            params[key] = value
    for prefix in _PREFIXES:
        if prefix in text:
            text = text.split(prefix, 1)[1]
            text = text.split("/", 1)[1] if "/" in text else ""  # drop the version segment
            break
    segments = [s for s in text.split("/") if s]
    if segments and segments[-1].lower().endswith(".js"):
        segments[-1] = segments[-1][:-3]
    if not segments:
        return EntryPath("", None, params)
    last = segments[-1]
    if len(segments) >= 2 and _is_ident(last, segments):
        return EntryPath("/".join(segments[:-1]), last, params)
    return EntryPath("/".join(segments), None, params)


def _is_ident(last: str, segments: list[str]) -> bool:
    """Is the final segment an id ('create', a number, a UUID) rather than part of the type?"""
    if last.lower() == "create" or last.lstrip("-").isdigit():
        return True
    # 'portfolioitem/feature' is a type; 'portfolioitem/feature/<uuid>' and 'defect/<uuid>'
    # end in an id.  A UUID has dashes or 32 hex digits, which no type name has.
    compact = last.replace("-", "")
    looks_uuid = len(compact) == 32 and all(c in "0123456789abcdefABCDEF" for c in compact)
    return looks_uuid and not (len(segments) == 2 and segments[0].lower() == "portfolioitem")


def _unwrap(schema: Schema, typedef: TypeDef, body: Any, *, allow_empty: bool) -> tuple[dict, str]:
    """The attributes inside ``{"<type>": {...}}`` and the key they came under.

    The key must name the entry's type, or a parent/child of it (pyral ranks a Feature with
    a ``portfolioitem`` key): a body for another type is refused, never applied.
    """
    if body is None or body == {}:
        if allow_empty:
            return {}, typedef.element_name
        raise WsapiError(errors.NOT_JSON)
    found = typed_body(body)
    sent = schema.lookup(found[0]) if found is not None else None
    if found is None or sent is None:
        raise WsapiError(bad_entry_body(typedef.element_name))
    key, attrs = found
    if not schema.related(sent.element_name, typedef.element_name):
        raise WsapiError(body_type_mismatch(key, typedef.type_path))
    return attrs, key


def _oid(backend: Backend, type_part: str, ident: str) -> int:
    try:
        return int(ident)
    except ValueError:
        pass
    oid = backend.ref_to_oid(f"{type_part}/{ident}")
    if oid is None:
        raise WsapiError(errors.CANNOT_FIND_TO_READ)
    return int(oid)


def run_entry(
    backend: Backend, user: Row, index: int, entry: Any, workspace: Row, project: Row | None
) -> EntryResult:
    """Run one entry; every failure comes back as that entry's errors, never raised."""
    if isinstance(entry, dict) and isinstance(entry.get("Entry"), dict):
        entry = entry["Entry"]
    problems = values.body_problems(f"Batch entry {index}", entry)
    if problems:
        return None, problems, []
    if not isinstance(entry, dict) or not isinstance(entry.get("Path"), str):
        return None, [errors.batch_bad_entry(index, "needs a Path and a Method")], []
    method = str(entry.get("Method") or "GET").strip().upper()
    if method not in _METHODS:
        return None, [errors.batch_bad_entry(index, f'bad Method "{method}"')], []
    where = split_path(entry["Path"])
    if where.type_part.lower() == "batch":
        return None, [errors.batch_bad_entry(index, "a batch cannot contain a batch")], []
    schema = backend.schema_for(workspace.oid)
    typedef = schema.lookup(where.type_part) if where.type_part else None
    if typedef is None:
        return None, [errors.unknown_type(where.type_part)], []
    try:
        return _execute(
            backend, index, user, schema, typedef, method, where, entry, workspace, project
        )
    except WsapiError as exc:
        return None, list(exc.errors), list(exc.warnings)


def _execute(
    backend: Backend,
    index: int,
    user: Row,
    schema: Schema,
    typedef: TypeDef,
    method: str,
    where: EntryPath,
    entry: dict[str, Any],
    workspace: Row,
    project: Row | None,
) -> EntryResult:
    ident = where.ident
    if ident is None:
        detail = f"{method} {entry['Path']}: queries are not allowed in a batch"
        return None, [errors.batch_bad_entry(index, detail)], []
    if ident.lower() == "create":
        if method not in ("PUT", "POST"):
            detail = f"{method} {entry['Path']} is not supported"
            return None, [errors.batch_bad_entry(index, detail)], []
        attrs, key = _unwrap(schema, typedef, entry.get("Body"), allow_empty=False)
        row, warnings = backend.create(
            user, typedef, attrs, body_key=key, workspace=workspace, project=project
        )
        return row, [], warnings
    oid = _oid(backend, where.type_part, ident)
    if method == "GET":
        return backend.get_row(user, typedef, oid), [], []
    if method == "DELETE":
        backend.delete(user, typedef, oid)
        return None, [], []
    above, below, to = (where.param(p) for p in ("rankAbove", "rankBelow", "rankTo"))
    reranks = any(v is not None for v in (above, below, to))
    attrs, key = _unwrap(schema, typedef, entry.get("Body"), allow_empty=reranks)
    row, warnings = backend.update(
        user, typedef, oid, attrs, body_key=key, rank_above=above, rank_below=below, rank_to=to
    )
    return row, [], warnings


def run_batch(
    backend: Backend, user: Row, entries: list[Any], workspace: Row, project: Row | None
) -> list[EntryResult]:
    """One result per entry, in order (see the module docstring for the guarantee)."""
    if not isinstance(entries, list):
        raise WsapiError(errors.batch_bad_entry(0, "Batch must be a list of entries"))
    if len(entries) > MAX_BATCH_ENTRIES:
        raise WsapiError(errors.batch_too_large(len(entries), MAX_BATCH_ENTRIES))
    return [run_entry(backend, user, i, e, workspace, project) for i, e in enumerate(entries)]
