"""One function per subcommand: ``run_<name>(ns, session) -> exit status``.

A :class:`Session` connects on first use, so usage errors are reported before any request and
commands that never need Rally (none today besides ``emulator``) stay offline.  Commands
raise :class:`~pyral._cli.errors.CliError` for failures; ``pyral.cli.main`` prints them.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, TextIO

from pyral._hints import attribute_hint, did_you_mean, query_hint
from pyral.exceptions import InvalidRallyTypeNameError, RallyAttributeNameError, RallyError

from .connection import Settings, connect
from .errors import CliError, UsageError
from .locate import check_response, find_item, parse_ident, raw_items
from .lookback import run_lookback
from .progress import Progress
from .render import clean, columns_of, has_value, projection, write_record, write_rows
from .schema import SchemaView
from .values import convert, gather

#: Default query columns, in this order, when the type has them.
DEFAULT_COLUMNS = ("FormattedID", "Name", "UserName", "ScheduleState", "State", "Owner")
_PLAIN_NAME = re.compile(r"^\w+$")
_ALL_FIELDS = ("true", "all", "*")


class Session:
    """The connection and schema one invocation shares, plus where output goes."""

    def __init__(self, settings: Settings, out: TextIO, err: TextIO) -> None:
        self.settings = settings
        self.out = out
        self.err = err
        self._rally: Any = None
        self._schema: SchemaView | None = None

    @property
    def rally(self) -> Any:
        if self._rally is None:
            self._rally = connect(self.settings)
        return self._rally

    @property
    def schema(self) -> SchemaView:
        if self._schema is None:
            self._schema = SchemaView.of(self.rally)
        return self._schema

    def warn(self, message: str) -> None:
        self.err.write(f"pyral: warning: {message}\n")


# ------------------------------------------------------------------------------ fields
def validated_fields(session: Session, td: dict[str, Any], names: list[str]) -> list[str]:
    """Field names as Rally spells them; every unknown name reported at once."""
    official: list[str] = []
    unknown: list[str] = []
    for name in names:
        try:
            (found,) = session.rally.validateAttributeNames(td["TypePath"], {name: None})
        except RallyAttributeNameError:
            unknown.append(name)
            continue
        if found not in official:
            official.append(found)
    if unknown:
        raise SchemaView.unknown_fields(td, unknown)
    return official


def fetch_plan(
    session: Session, td: dict[str, Any] | None, fetch: str | None
) -> tuple[str, list[str] | None]:
    """(fetch text for WSAPI, output columns or None for "whatever comes back")."""
    if fetch is not None and fetch.strip().lower() in _ALL_FIELDS:
        return "true", None
    if fetch is None:
        if td is None:
            return "true", None
        columns = [c for c in DEFAULT_COLUMNS if SchemaView.has_attribute(td, c)] or ["ObjectID"]
        return ",".join(columns), columns
    names = [n.strip() for n in fetch.split(",") if n.strip()]
    if not names:
        raise UsageError("--fetch needs at least one field name")
    if td is not None and all(_PLAIN_NAME.match(n) for n in names):
        columns = validated_fields(session, td, names)
        return ",".join(columns), columns
    # summaries (Tasks:summary[State]) and the like go to Rally untouched
    return ",".join(names), [re.split(r"[:\[]", n, maxsplit=1)[0] for n in names]


def _query_text(queries: list[str] | None) -> Any:
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else list(queries)


# ------------------------------------------------------------------------------ commands
def run_query(ns: Any, session: Session) -> int:
    td = session.schema.find(ns.type)
    fetch, columns = fetch_plan(session, td, ns.fetch)
    kwargs: dict[str, Any] = {}
    if ns.limit is not None:
        kwargs["limit"] = ns.limit
    if ns.pagesize is not None:
        kwargs["pagesize"] = ns.pagesize
    if ns.all_projects:
        kwargs["project"] = None
    if ns.scope_down:
        kwargs["projectScopeDown"] = True
    if ns.scope_up:
        kwargs["projectScopeUp"] = True
    entity = td["TypePath"] if td is not None else ns.type
    try:
        response = session.rally.get(
            entity, fetch=fetch, query=_query_text(ns.query), order=ns.order, **kwargs
        )
    except InvalidRallyTypeNameError:
        raise CliError(
            f"unknown type {ns.type!r}{did_you_mean(ns.type, session.schema.names())} "
            "(see: pyral types)"
        ) from None
    except RallyError as exc:  # the client checks query syntax before sending
        hint = query_hint(ns.query or [])
        if not hint or hint in str(exc):
            raise
        raise CliError(f"{' '.join(str(exc).split())}{hint}") from None
    try:
        check_response(response)
    except CliError as exc:
        names = [a.get("ElementName", "") for a in SchemaView.attributes(td or {})]
        hint = query_hint(ns.query or []) or attribute_hint(str(exc), names)
        raise CliError(f"{exc}{hint}") from None
    for warning in response.warnings:
        session.warn(str(warning))
    total = response.resultCount if ns.limit is None else min(ns.limit, response.resultCount)
    progress = Progress(session.err, total, ns.pagesize or getattr(response, "pageSize", 0) or 200)
    count = write_rows(session.out, ns.format, columns, progress.wrap(raw_items(response)))
    if ns.format == "table":
        session.err.write(f"{count} of {response.resultCount} item(s)\n")
    if not response.resultCount and not (ns.scope_down or ns.all_projects):
        _explain_empty(session, entity, ns, kwargs)
    return 0


def _explain_empty(session: Session, entity: str, ns: Any, kwargs: dict[str, Any]) -> None:
    """Nothing in the project itself: say so when its child projects do hold matches.

    pyral leaves projectScopeDown off, so a project whose items all live in team projects
    below it answers with nothing; one count request tells the user which option they need.
    """
    kwargs = {**kwargs, "projectScopeDown": True, "pagesize": 1, "limit": 1}
    below = session.rally.get(entity, fetch="ObjectID", query=_query_text(ns.query), **kwargs)
    if below.errors or not below.resultCount:
        return
    project = getattr(session.rally.getProject(), "Name", None) or "the current project"
    session.err.write(
        f"pyral: no {ns.type} in {project!r} itself, but {below.resultCount} in the projects "
        "below it: add --project-scope-down (or --all-projects for the whole workspace)\n"
    )


def run_show(ns: Any, session: Session) -> int:
    td, _, _ = parse_ident(ns.ident, session.schema)
    fetch, columns = fetch_plan(session, td, ns.fetch or "true")
    _, item = find_item(session.rally, session.schema, ns.ident, fetch=fetch)
    if ns.format == "json":
        shown = projection(item, columns) if columns is not None else clean(item)
        session.out.write(json.dumps(shown, indent=2) + "\n")
    else:
        if columns is None:  # everything was fetched: leave out the unset fields
            columns = [k for k in columns_of(item) if has_value(item[k])]
        write_record(session.out, item, columns)
    return 0


def _report(session: Session, verb: str, td: dict[str, Any], entity: Any, fmt: str) -> None:
    """What a write produced: enough to find the item again (FormattedID / ref)."""
    fields = {
        "_ref": getattr(entity, "_ref", None),
        "_type": td["ElementName"],
        "ObjectID": getattr(entity, "ObjectID", None) or getattr(entity, "oid", None),
        "FormattedID": getattr(entity, "FormattedID", None),
        "Name": getattr(entity, "Name", None),
    }
    if fmt == "json":
        shown = {"result": verb, **{k: v for k, v in fields.items() if v is not None}}
        session.out.write(json.dumps(shown, indent=2) + "\n")
        return
    label = fields["FormattedID"] or (
        f'"{fields["Name"]}"' if fields["Name"] else fields["ObjectID"]
    )
    session.out.write(f"{verb} {td['ElementName']} {label} {fields['_ref']}\n")


def run_create(ns: Any, session: Session) -> int:
    data, typed = gather(ns.fields, ns.json)
    if not data:
        raise UsageError("nothing to create: give Field=Value pairs or --json FILE")
    td = session.schema.require(ns.type)
    body = convert(session.rally, session.schema, td, data, typed)
    entity = session.rally.create(td["TypePath"], body)
    _report(session, "created", td, entity, ns.format)
    return 0


def run_update(ns: Any, session: Session) -> int:
    data, typed = gather(ns.fields, ns.json)
    if not data:
        raise UsageError("nothing to update: give Field=Value pairs or --json FILE")
    td, item = find_item(
        session.rally, session.schema, ns.ident, fetch="ObjectID,FormattedID,Project"
    )
    project = item.get("Project")
    project_ref = project.get("_ref") if isinstance(project, dict) else None
    body = convert(session.rally, session.schema, td, data, typed, project_ref)
    body["ObjectID"] = item["ObjectID"]
    entity = session.rally.update(td["TypePath"], body)
    _report(session, "updated", td, entity, ns.format)
    return 0


def run_delete(ns: Any, session: Session) -> int:
    td, item = find_item(session.rally, session.schema, ns.ident, fetch="ObjectID,FormattedID,Name")
    label = item.get("FormattedID") or f"{td['ElementName']}/{item['ObjectID']}"
    if not ns.yes:
        stdin = sys.stdin
        if stdin is None or not stdin.isatty():
            raise UsageError(f"refusing to delete {label} without --yes (input is not a terminal)")
        session.err.write(f"Delete {td['ElementName']} {label} {item.get('Name', '')!r}? [y/N] ")
        session.err.flush()
        if stdin.readline().strip().lower() not in ("y", "yes"):
            raise CliError(f"not confirmed: {label} was not deleted")
    if not session.rally.delete(td["TypePath"], item["ObjectID"]):
        raise CliError(f"Rally did not delete {label}")
    session.out.write(f"deleted {td['ElementName']} {label} {item.get('_ref', '')}\n")
    return 0


def run_types(ns: Any, session: Session) -> int:
    rows = [td for td in session.schema.typedefs if ns.all or not td.get("Abstract")]
    columns = ["TypePath", "IDPrefix", "Name", "Creatable", "Queryable", "Abstract"]
    write_rows(session.out, ns.format, columns, rows)
    return 0


def run_fields(ns: Any, session: Session) -> int:
    td = session.schema.require(ns.type)
    rows = []
    for attr in SchemaView.attributes(td):
        if attr.get("Hidden") and not ns.all:
            continue
        kind = attr.get("AttributeType")
        rows.append(
            {
                "ElementName": attr.get("ElementName"),
                "Name": attr.get("Name"),
                "Type": kind,
                "Target": attr.get("SchemaType") if kind in ("OBJECT", "COLLECTION") else "",
                "Required": attr.get("Required"),
                "ReadOnly": attr.get("ReadOnly"),
                "Custom": attr.get("Custom"),
                "Constrained": attr.get("Constrained"),
            }
        )
    columns = [
        "ElementName",
        "Name",
        "Type",
        "Target",
        "Required",
        "ReadOnly",
        "Custom",
        "Constrained",
    ]
    write_rows(session.out, ns.format, columns, rows)
    return 0


def run_allowed(ns: Any, session: Session) -> int:
    td = session.schema.require(ns.type)
    (field,) = validated_fields(session, td, [ns.field])
    values = session.rally.getAllowedValues(td["TypePath"], field)
    if values == [True]:  # first answer for some standard collections (pyral quirk Q16)
        values = session.rally.getAllowedValues(td["TypePath"], field)
    if values is None:
        raise CliError(f"{td['ElementName']}.{field} has no allowed values")
    attr = session.schema.attribute(td, field) or {}
    if not values and attr.get("SchemaType") == "State":
        # portfolio-item states are objects of their own, listed per level
        values = [s.Name for s in session.rally.getStates(td["TypePath"])]
    texts = [str(v) for v in values]
    if ns.format == "json":
        session.out.write(json.dumps(texts) + "\n")
    else:
        for text in texts:
            session.out.write((text if text else '""') + "\n")
    if not texts:
        session.err.write(f"{td['ElementName']}.{field} takes any value (no fixed list)\n")
    return 0


def _current_user(rally: Any) -> dict[str, Any]:
    """The user the credentials belong to (``GET /user`` answers with that user)."""
    response = rally.get("User", fetch="ObjectID,UserName,DisplayName,EmailAddress")
    check_response(response)
    if response.request_type == "ImpliedQuery":
        for item in raw_items(response):
            return item
    oid = rally.contextHelper.user_oid
    user = rally.getUserInfo(oid=oid) if oid else None
    if user is None:
        return {}
    return {k: getattr(user, k, None) for k in ("UserName", "DisplayName", "EmailAddress")}


def run_whoami(ns: Any, session: Session) -> int:
    rally = session.rally
    user = _current_user(rally)
    workspace = rally.getWorkspace()
    project = rally.getProject()
    info = {
        "server": rally.server,
        "auth": "apikey" if session.settings.apikey else "password",
        "user": user.get("UserName"),
        "display_name": user.get("DisplayName"),
        "subscription": rally.subscriptionName(),
        "workspace": workspace.Name,
        "workspace_ref": workspace._ref,
        "project": project.Name,
        "project_ref": project._ref,
    }
    if ns.format == "json":
        session.out.write(json.dumps(info, indent=2) + "\n")
    else:
        write_record(session.out, info, [k for k in info if not k.endswith("_ref")])
    return 0


COMMANDS = {
    "query": run_query,
    "show": run_show,
    "create": run_create,
    "update": run_update,
    "delete": run_delete,
    "types": run_types,
    "fields": run_fields,
    "allowed": run_allowed,
    "whoami": run_whoami,
    "lookback": run_lookback,
}
