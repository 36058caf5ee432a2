"""Seed loader: turn a seed document (format in docs/emulator-seed-format.md) into rows.

A seed describes people, workspaces, project trees and work items in the terms a Rally
user would use (project paths, user names, state names).  Loading it also materialises
everything a real subscription carries implicitly and that clients read at connect time:
the Subscription, WorkspaceConfiguration, one TypeDefinition per type and workspace,
AttributeDefinitions with their AllowedAttributeValues, portfolio-item States,
PreliminaryEstimates, UserProfiles, RevisionHistories and credentials.

The whole seed loads in one write transaction: a bad seed raises :class:`SeedError`
naming the offending entry and leaves the store untouched.  Identifiers are allocated in
document order, so the same seed always yields the same ObjectIDs and FormattedIDs.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .lookback import seeding as lookback_seeding
from .lookback import storage as lookback_storage
from .schema import AttrDef, Schema, SchemaError, TypeDef
from .store import FIRST_OID, Row, Store, make_uuid, now_iso, rank_between, to_iso

__all__ = [
    "PATH_SEPARATOR",
    "SeedError",
    "SeedResult",
    "load_seed",
    "load_seed_file",
    "schema_meta_key",
    "workspace_schema",
]

PATH_SEPARATOR = " // "

DEFAULT_PI_STATES = ["Discovering", "Developing", "Measuring", "Done"]
DEFAULT_PRELIMINARY_ESTIMATES = [("XS", 1), ("S", 3), ("M", 5), ("L", 8), ("XL", 13)]

# Types a seed describes through dedicated sections, never through "objects".
_STRUCTURAL = {
    "Subscription",
    "Workspace",
    "WorkspaceConfiguration",
    "Project",
    "User",
    "UserProfile",
    "TypeDefinition",
    "AttributeDefinition",
    "AllowedAttributeValue",
    "RevisionHistory",
    "Revision",
    "RecycleBinEntry",
}
# Maintained by the loader; a seed may not set them.
_SYSTEM_ATTRS = {
    "ObjectID",
    "ObjectUUID",
    "VersionId",
    "FormattedID",
    "DragAndDropRank",
    "Workspace",
    "Subscription",
    "RevisionHistory",
    "LastUpdateDate",
}
# Read-only attributes a seed may still set, to describe history realistically.
_SEEDABLE_READ_ONLY = {
    "CreationDate",
    "CreatedBy",
    "AcceptedDate",
    "InProgressDate",
    "ClosedDate",
    "OpenedDate",
    "LastVerdict",
    "LastRun",
    "LastBuild",
    "User",
}

_TOP_KEYS = {"subscription", "users", "workspaces", "now"}
_USER_SPECIAL = {
    "Password",
    "ApiKey",
    "DefaultWorkspace",
    "DefaultProject",
    "Workspaces",
    "TeamMemberships",
    "WorkspaceAdmin",
    "ProjectPermissions",
    "ObjectID",
}
_WS_KEYS = {
    "Name",
    "State",
    "Description",
    "Notes",
    "Owner",
    "configuration",
    "custom_fields",
    "portfolio_item_types",
    "portfolio_item_order",
    "ObjectID",
    "projects",
    "objects",
}
_PROJECT_KEYS = {"Name", "Children", "Description", "Notes", "State", "Owner", "ObjectID"}

#: object directives that put a seeded artifact in the recycle bin.
_RECYCLE_DIRECTIVES = frozenset({"_recycled", "_deleted_by", "_deletion_date"})

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_END_OF_DAY_ATTRS = {"EndDate", "ReleaseDate"}


class SeedError(ValueError):
    """The seed document is invalid; the message names the offending entry."""


@dataclass
class SeedResult:
    """Where the seed's named things ended up (handy for tests and the CLI)."""

    subscription: int
    workspaces: dict[str, int] = field(default_factory=dict)
    projects: dict[str, dict[str, int]] = field(default_factory=dict)  # ws name -> path -> oid
    users: dict[str, int] = field(default_factory=dict)  # UserName -> oid
    keys: dict[str, int] = field(default_factory=dict)  # seed _key -> oid
    typedefs: dict[int, dict[str, int]] = field(
        default_factory=dict
    )  # ws oid -> ElementName -> oid


def schema_meta_key(workspace_oid: int) -> str:
    """The ``meta`` key holding a workspace's schema additions (JSON)."""
    return f"schema:{workspace_oid}"


_SCHEMA_CACHE: weakref.WeakKeyDictionary[Schema, dict[str, Schema]] = weakref.WeakKeyDictionary()


def workspace_schema(store: Store, base_schema: Schema, workspace_oid: int) -> Schema:
    """The schema in force in a workspace: the base plus that workspace's seed additions.

    Built schemas are cached per (base schema, additions) so per-request calls are cheap.
    """
    text = store.get_meta(schema_meta_key(workspace_oid))
    if not text:
        return base_schema
    per_base = _SCHEMA_CACHE.setdefault(base_schema, {})
    found = per_base.get(text)
    if found is None:
        extra = json.loads(text)
        found = base_schema.extended(
            extra.get("custom_fields"),
            extra.get("portfolio_item_types"),
            extra.get("portfolio_item_order"),
        )
        per_base[text] = found
    return found


def load_seed_file(store: Store, schema: Schema, path: str | Path) -> SeedResult:
    """Load a seed from a JSON file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"cannot read seed file {path}: {exc}") from exc
    try:
        seed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SeedError(f"seed file {path} is not valid JSON: {exc}") from exc
    return load_seed(store, schema, seed)


def load_seed(store: Store, schema: Schema, seed: dict[str, Any]) -> SeedResult:
    """Load ``seed`` into ``store`` atomically (all or nothing)."""
    if not isinstance(seed, dict):
        raise SeedError("a seed must be a JSON object")
    unknown = set(seed) - _TOP_KEYS
    if unknown:
        raise SeedError(f"unknown top-level seed key(s): {', '.join(sorted(unknown))}")
    from .backend.values import body_problems

    problems = body_problems("seed", seed, limit=1)
    if problems:
        raise SeedError(problems[0])
    with store.write() as conn:
        lookback_storage.install(conn)
        loader = _Loader(store, schema, seed, conn)
        result = loader.run()
        lookback_seeding.finish(loader)
        return result


def _as_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedError(f"{what} must be a list")
    return value


def _as_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SeedError(f"{what} must be an object")
    return value


def _schema_version(*parts: Any) -> str:
    return hashlib.md5(
        json.dumps(parts, sort_keys=True).encode(), usedforsecurity=False
    ).hexdigest()


def _real_attribute_type(attr: AttrDef) -> str:
    if attr.attr_type == "STRING" and attr.allowed_values is not None:
        return "DROP_DOWN"
    if attr.attr_type == "OBJECT" and attr.target == "User":
        return "USER"
    return attr.attr_type


_SCHEMA_TYPES = {
    "STRING": "string",
    "TEXT": "string",
    "BOOLEAN": "boolean",
    "INTEGER": "integer",
    "QUANTITY": "decimal",
    "DECIMAL": "decimal",
    "DATE": "date",
    "RATING": "string",
    "STATE": "string",
    "WEB_LINK": "WebLink",
    "RAW": "raw",
    "BINARY_DATA": "binary",
    "MAP": "map",
}


def _reserve_oid(conn: sqlite3.Connection, oid: int) -> None:
    """Make the store's ObjectID counter allocate above ``oid`` from now on."""
    found = conn.execute("SELECT value FROM counters WHERE name = 'oid'").fetchone()
    floor = found[0] if found is not None else FIRST_OID - 1
    if oid > floor:
        conn.execute(
            "INSERT INTO counters(name, value) VALUES('oid', ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (oid,),
        )
    elif found is None:
        conn.execute("INSERT INTO counters(name, value) VALUES('oid', ?)", (floor,))


def _pi_order(value: Any, where: str) -> list[str]:
    """A workspace's ``portfolio_item_order``: level names, lowest first (empty: Rally's)."""
    if value is None:
        return []
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SeedError(f"{where}: portfolio_item_order must be a non-empty list of level names")
    return list(value)


class _Loader:
    """One seed load (one transaction)."""

    def __init__(
        self, store: Store, schema: Schema, seed: dict[str, Any], conn: sqlite3.Connection
    ):
        self.store = store
        self.base = schema
        self.seed = seed
        self.conn = conn
        self.now = self._clock(seed.get("now"))
        self.result = SeedResult(subscription=0)
        self.user_rows: dict[str, Row] = {}
        self.rows: dict[int, Row] = {}  # everything created in this load, for lookups
        self.by_name: dict[tuple[int, str], dict[str, list[int]]] = {}  # (ws, type) -> name -> oids
        self.last_rank: dict[int, str | None] = {}
        self.creator: int | None = None

    # -- helpers ---------------------------------------------------------------------

    def _clock(self, value: Any) -> str:
        if value is None:
            return now_iso()
        try:
            return self._date(value, "now")
        except SeedError as exc:
            raise SeedError(f"seed 'now': {exc}") from None

    @staticmethod
    def _date(value: Any, attr: str) -> str:
        if not isinstance(value, str):
            raise SeedError(f"{attr}: a date must be a string, got {value!r}")
        text = value.strip()
        if _DATE_ONLY.match(text):
            suffix = "T23:59:59.000Z" if attr in _END_OF_DAY_ATTRS else "T00:00:00.000Z"
            try:
                datetime.strptime(text, "%Y-%m-%d")
            except ValueError:
                raise SeedError(f"{attr}: {value!r} is not a valid date") from None
            return text + suffix
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise SeedError(
                f"{attr}: cannot convert {value!r} into a date; use YYYY-MM-DD or ISO 8601"
            ) from None
        return to_iso(moment)

    def _new_row(
        self,
        td: TypeDef,
        workspace: int | None,
        project: int | None,
        data: dict[str, Any],
        *,
        oid: int | None = None,
    ) -> Row:
        oid = oid if oid is not None else self.store.new_oid(self.conn)
        base = {
            "ObjectID": oid,
            "ObjectUUID": make_uuid(oid),
            "VersionId": "1",
            "CreationDate": data.pop("CreationDate", None) or self.now,
        }
        if td.attribute("Subscription"):
            base["Subscription"] = self.result.subscription or None
        if td.attribute("Workspace") and workspace is not None and td.element_name != "Workspace":
            base["Workspace"] = workspace
        if td.attribute("LastUpdateDate"):
            base["LastUpdateDate"] = base["CreationDate"]
        base.update(data)
        from .backend import computed  # late: the backend package imports this module

        computed.fill_booleans(td, base)
        return Row(oid, td.element_name, workspace, project, None, None, False, 1, base)

    def _explicit_oid(self, value: Any, where: str) -> int | None:
        """A seed-given ObjectID, checked and reserved (later ids are allocated above it)."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**53:
            raise SeedError(f"{where}: ObjectID must be a positive integer, got {value!r}")
        if value in self.rows or self.store_has(value):
            raise SeedError(f"{where}: ObjectID {value} is already used")
        _reserve_oid(self.conn, value)
        return value

    def _insert(self, row: Row, name_key: str | None = "Name") -> Row:
        self.store.insert(row, self.conn)
        self.rows[row.oid] = row
        if name_key and isinstance(row.data.get(name_key), str):
            bucket = self.by_name.setdefault((row.workspace or 0, row.type), {})
            bucket.setdefault(row.data[name_key], []).append(row.oid)
        return row

    def _history(self, row: Row, ws: int | None, user: int | None) -> None:
        """Give ``row`` a RevisionHistory with the initial revision, as Rally does."""
        rh_td = self.base.get("RevisionHistory")
        rev_td = self.base.get("Revision")
        rh = self._new_row(rh_td, ws, None, {})
        self.store.insert(rh, self.conn)
        rev = self._new_row(
            rev_td,
            ws,
            None,
            {
                "RevisionHistory": rh.oid,
                "RevisionNumber": 0,
                "Description": "Original revision",
                "User": user,
                "CreationDate": row.data.get("CreationDate"),
            },
        )
        self.store.insert(rev, self.conn)
        row.data["RevisionHistory"] = rh.oid

    # -- top level -------------------------------------------------------------------

    def run(self) -> SeedResult:
        sub = _as_dict(self.seed.get("subscription") or {"Name": "Subscription"}, "subscription")
        self._subscription(sub)
        users = _as_list(self.seed.get("users"), "users")
        for i, user in enumerate(users):
            self._user(_as_dict(user, f"users[{i}]"), i)
        self.creator = next(iter(self.user_rows.values())).oid if self.user_rows else None
        workspaces = _as_list(self.seed.get("workspaces"), "workspaces")
        if not workspaces:
            raise SeedError("a seed needs at least one workspace")
        names = [w.get("Name") if isinstance(w, dict) else None for w in workspaces]
        for i, ws in enumerate(workspaces):
            ws = _as_dict(ws, f"workspaces[{i}]")
            if names.count(ws.get("Name")) > 1:
                raise SeedError(f"workspace name {ws.get('Name')!r} is used twice")
            self._workspace(ws, i)
        for i, user in enumerate(users):
            self._user_links(user, i)
        self.store.set_meta("subscription", str(self.result.subscription), self.conn)
        return self.result

    def _subscription(self, sub: dict[str, Any]) -> None:
        td = self.base.get("Subscription")
        data: dict[str, Any] = {
            "Name": "Subscription",
            "SubscriptionID": 1,
            "SubscriptionType": "Unlimited",
            "StoryHierarchyEnabled": True,
            "StoryHierarchyType": "Unlimited",
            "ProjectHierarchyEnabled": True,
            "MaximumProjects": -1,
            "MaximumWorkspaces": -1,
            "ExpirationDate": None,
        }
        data.update(self._plain_attrs(td, sub, "subscription"))
        row = self._new_row(td, None, None, data)
        self.result.subscription = row.oid
        self._history(row, None, None)
        self._insert(row)

    def _plain_attrs(self, td: TypeDef, values: dict[str, Any], where: str) -> dict[str, Any]:
        """Validate scalar attributes given for a structural object."""
        out = {}
        for name, value in values.items():
            attr = td.attribute(name)
            if attr is None:
                raise SeedError(f"{where}: {td.element_name} has no attribute {name!r}")
            if attr.attr_type in ("OBJECT", "COLLECTION") or name in _SYSTEM_ATTRS:
                raise SeedError(f"{where}: attribute {name!r} cannot be set here")
            out[name] = self._scalar(attr, value, where)
        return out

    def _user(self, user: dict[str, Any], i: int) -> None:
        td = self.base.get("User")
        username = user.get("UserName")
        if not isinstance(username, str) or not username.strip():
            raise SeedError(f"users[{i}]: UserName is required")
        where = f"user {username!r}"
        if username.lower() in {u.lower() for u in self.user_rows}:
            raise SeedError(f"{where}: UserName is used twice")
        attrs = {k: v for k, v in user.items() if k not in _USER_SPECIAL}
        data: dict[str, Any] = {
            "UserName": username,
            "DisplayName": user.get("DisplayName") or username,
            "EmailAddress": username if "@" in username else None,
            "Disabled": False,
            "Deleted": False,
            "SubscriptionAdmin": False,
            "TeamMemberships": [],
        }
        data.update(self._plain_attrs(td, attrs, where))
        if not data.get("EmailAddress"):
            data.pop("EmailAddress")
        row = self._new_row(
            td, None, None, data, oid=self._explicit_oid(user.get("ObjectID"), where)
        )
        profile_td = self.base.get("UserProfile")
        profile = self._new_row(
            profile_td,
            None,
            None,
            {
                "DefaultWorkspace": None,
                "DefaultProject": None,
                "TimeZone": "UTC",
                "EmailNotificationEnabled": False,
                "DateFormat": "yyyy-MM-dd",
                "DateTimeFormat": "yyyy-MM-dd hh:mm a z",
                "SessionTimeoutSeconds": None,
                "WelcomePageHidden": True,
            },
        )
        row.data["UserProfile"] = profile.oid
        self._history(row, None, row.oid)
        self._insert(row, "UserName")
        self._insert(profile, None)
        password, apikey = user.get("Password"), user.get("ApiKey")
        if password is not None and not isinstance(password, str):
            raise SeedError(f"{where}: Password must be a string")
        if apikey is not None and not isinstance(apikey, str):
            raise SeedError(f"{where}: ApiKey must be a string")
        try:
            self.store.set_credentials(row.oid, username, password, apikey, self.conn)
        except sqlite3.IntegrityError:
            raise SeedError(f"{where}: ApiKey is already used by another user") from None
        self.user_rows[username] = row
        self.result.users[username] = row.oid

    def _user_links(self, user: dict[str, Any], i: int) -> None:
        """Workspace access, defaults and memberships: needs workspaces and projects."""
        username = user["UserName"]
        where = f"user {username!r}"
        row = self.user_rows[username]
        allowed = user.get("Workspaces")
        if allowed is None:
            ws_oids = list(self.result.workspaces.values())
        else:
            ws_oids = []
            for name in _as_list(allowed, f"{where}: Workspaces"):
                if name not in self.result.workspaces:
                    raise SeedError(f"{where}: unknown workspace {name!r} in Workspaces")
                ws_oids.append(self.result.workspaces[name])
        ws_oids += [w for w in self._user_roles(user, row, where) if w not in ws_oids]
        for ws in ws_oids:
            self.store.grant(row.oid, ws, self.conn)
        default_ws = user.get("DefaultWorkspace")
        no_default = "DefaultWorkspace" in user and default_ws is None
        ws_oid: int | None = None
        if default_ws is not None:
            if default_ws not in self.result.workspaces:
                raise SeedError(f"{where}: unknown DefaultWorkspace {default_ws!r}")
            ws_oid = self.result.workspaces[default_ws]
            if ws_oid not in ws_oids:
                raise SeedError(f"{where}: DefaultWorkspace {default_ws!r} is not in Workspaces")
        elif ws_oids and not no_default:
            ws_oid = ws_oids[0]
        proj_oid: int | None = None
        default_proj = user.get("DefaultProject")
        if "DefaultProject" in user and default_proj is None:
            pass  # a user with no default project, as real subscriptions have
        elif default_proj is not None:
            if ws_oid is None:
                raise SeedError(f"{where}: DefaultProject needs a workspace")
            proj_oid = self._project_ref(ws_oid, default_proj, f"{where}: DefaultProject")
        elif ws_oid is not None:
            proj_oid = self._first_root_project(ws_oid)
        profile = self.rows[row.data["UserProfile"]]
        profile.data["DefaultWorkspace"] = ws_oid
        profile.data["DefaultProject"] = proj_oid
        self.store.save(profile, self.conn)
        memberships = []
        for path in _as_list(user.get("TeamMemberships"), f"{where}: TeamMemberships"):
            memberships.append(self._project_anywhere(path, f"{where}: TeamMemberships"))
        row.data["TeamMemberships"] = memberships
        row.data["DefaultProject"] = proj_oid
        self.store.save(row, self.conn)

    def _user_roles(self, user: dict[str, Any], row: Row, where: str) -> list[int]:
        """Store ``WorkspaceAdmin`` and ``ProjectPermissions``; return the workspaces they name.

        Both are optional: a user granted a workspace without them is Editor on all its
        projects (see :mod:`pyral.emulator.backend.permissions`).
        """
        from .backend import permissions

        admin = user.get("WorkspaceAdmin")
        declared = user.get("ProjectPermissions")
        if admin is None and declared is None:
            return []
        roles = permissions.UserRoles()
        named: list[int] = []
        for name in _as_list(admin, f"{where}: WorkspaceAdmin"):
            if name not in self.result.workspaces:
                raise SeedError(f"{where}: unknown workspace {name!r} in WorkspaceAdmin")
            roles.workspace_admin.add(self.result.workspaces[name])
            named.append(self.result.workspaces[name])
        for ws_name, projects in _as_dict(declared or {}, f"{where}: ProjectPermissions").items():
            if ws_name not in self.result.workspaces:
                raise SeedError(f"{where}: unknown workspace {ws_name!r} in ProjectPermissions")
            ws = self.result.workspaces[ws_name]
            chosen = roles.projects.setdefault(ws, {})
            label = f"{where}: ProjectPermissions[{ws_name!r}]"
            for path, role_name in _as_dict(projects, label).items():
                role = permissions.role_from_name(role_name)
                if role is None:
                    raise SeedError(
                        f"{label}: role {role_name!r} is not one of "
                        "'No Access', 'Viewer', 'Editor', 'Project Admin'"
                    )
                chosen[self._project_ref(ws, path, label)] = role
            named.append(ws)
        permissions.save_roles(self.store, row.oid, roles, self.conn)
        return named

    # -- workspaces ------------------------------------------------------------------

    def _workspace(self, ws: dict[str, Any], i: int) -> None:
        name = ws.get("Name")
        if not isinstance(name, str) or not name.strip():
            raise SeedError(f"workspaces[{i}]: Name is required")
        where = f"workspace {name!r}"
        unknown = set(ws) - _WS_KEYS
        if unknown:
            raise SeedError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        ws_td = self.base.get("Workspace")
        ws_oid = self._explicit_oid(ws.get("ObjectID"), where) or self.store.new_oid(self.conn)
        # Schema additions first: custom fields get their AttributeDefinition oids here.
        custom = _as_dict(ws.get("custom_fields") or {}, f"{where}: custom_fields")
        custom_fields: dict[str, list[dict[str, Any]]] = {}
        for tname, fields in custom.items():
            td = self.base.lookup(tname)
            if td is None:
                raise SeedError(f"{where}: custom_fields names unknown type {tname!r}")
            entries = []
            for f in _as_list(fields, f"{where}: custom_fields[{tname!r}]"):
                f = dict(_as_dict(f, f"{where}: custom field of {tname}"))
                f["ObjectID"] = self.store.new_oid(self.conn)
                entries.append(f)
            custom_fields.setdefault(td.element_name, []).extend(entries)
        pi_types = [
            dict(_as_dict(p, f"{where}: portfolio_item_types entry"))
            for p in _as_list(ws.get("portfolio_item_types"), f"{where}: portfolio_item_types")
        ]
        for p in pi_types:
            if self.base.lookup(str(p.get("Name", "")).replace(" ", "")) is not None:
                raise SeedError(
                    f"{where}: portfolio item type {p.get('Name')!r} clashes with a built-in type"
                )
            states = p.get("States")
            if states is not None and (
                not isinstance(states, list) or not all(isinstance(s, str) for s in states)
            ):
                raise SeedError(f"{where}: States of {p.get('Name')!r} must be a list of names")
        pi_order = _pi_order(ws.get("portfolio_item_order"), where)
        try:
            schema = (
                self.base.extended(custom_fields, pi_types, pi_order)
                if custom_fields or pi_types or pi_order
                else self.base
            )
        except SchemaError as exc:
            raise SeedError(f"{where}: {exc}") from None
        if custom_fields or pi_types or pi_order:
            additions: dict[str, Any] = {
                "custom_fields": custom_fields,
                "portfolio_item_types": pi_types,
            }
            if pi_order:
                additions["portfolio_item_order"] = pi_order
            self.store.set_meta(schema_meta_key(ws_oid), json.dumps(additions), self.conn)
        version = _schema_version(
            ws_oid, custom_fields, pi_types, *([pi_order] if pi_order else [])
        )
        cfg_td = self.base.get("WorkspaceConfiguration")
        cfg_data: dict[str, Any] = {
            "DateFormat": "yyyy-MM-dd",
            "DateTimeFormat": "yyyy-MM-dd hh:mm a z",
            "DragDropRankingEnabled": True,
            "HierarchicalRequirementPrefix": "US",
            "DefectPrefix": "DE",
            "DefectSuitePrefix": "DS",
            "TaskPrefix": "TA",
            "TestCasePrefix": "TC",
            "IterationEstimateUnitName": "Points",
            "ReleaseEstimateUnitName": "Points",
            "TaskUnitName": "Hours",
            "TimeTrackerEnabled": True,
            "TimeZone": "UTC",
            "WorkDays": "Monday,Tuesday,Wednesday,Thursday,Friday",
            "PurgeRecycleBinAfterNumberOfDays": 30,
            "BuildandChangesetEnabled": False,
        }
        cfg_data.update(
            self._plain_attrs(
                cfg_td, _as_dict(ws.get("configuration") or {}, f"{where}: configuration"), where
            )
        )
        cfg = self._new_row(cfg_td, ws_oid, None, cfg_data)
        ws_data = {
            "Name": name,
            "State": ws.get("State", "Open"),
            "Description": ws.get("Description", ""),
            "Notes": ws.get("Notes", ""),
            "SchemaVersion": version,
            "WorkspaceConfiguration": cfg.oid,
            "Owner": None,
        }
        ws_data["State"] = self._scalar(ws_td.attributes["State"], ws_data["State"], where)
        if ws.get("Owner") is not None:
            ws_data["Owner"] = self._user_ref(ws["Owner"], f"{where}: Owner")
        ws_row = self._new_row(ws_td, None, None, ws_data, oid=ws_oid)
        self._history(ws_row, None, self.creator)
        self._insert(ws_row)
        self._insert(cfg, None)
        self.result.workspaces[name] = ws_oid
        self.result.projects[name] = {}
        self._typedefs(schema, ws_oid)
        self._pi_states(schema, ws_oid, pi_types)
        self._estimates(ws_oid)
        projects = _as_list(ws.get("projects"), f"{where}: projects")
        if not projects:
            raise SeedError(f"{where}: needs at least one project")
        for p in projects:
            self._project(ws_oid, name, version, _as_dict(p, f"{where}: project"), None, "")
        for n, obj in enumerate(_as_list(ws.get("objects"), f"{where}: objects")):
            self._object(schema, ws_oid, name, _as_dict(obj, f"{where}: objects[{n}]"), n)
        from .backend import computed  # late: the backend package imports this module

        computed.recompute_workspace(computed.StoreEnv(self.store, self.conn, schema), ws_oid)

    def _typedefs(self, schema: Schema, ws: int) -> None:
        td_td = schema.get("TypeDefinition")
        oids: dict[str, int] = {}
        for td in schema.types():
            oids[td.element_name] = self.store.new_oid(self.conn)
        self.result.typedefs[ws] = oids
        for td in schema.types():
            attr_oids = [self._attribute_definition(a, ws) for a in td.attributes.values()]
            data = {
                "ElementName": td.element_name,
                "Name": td.name,
                "DisplayName": td.name,
                "TypePath": td.type_path,
                "IDPrefix": td.id_prefix,
                "Abstract": td.abstract,
                "Parent": oids.get(td.parent) if td.parent else None,
                "Creatable": td.creatable,
                "Queryable": td.queryable,
                "ReadOnly": not (td.creatable or td.updatable),
                "Deletable": td.deletable,
                "Restorable": td.deletable and schema.is_a(td.element_name, "Artifact"),
                "Copyable": False,
                "Ordinal": td.ordinal,
                "Note": "",
                "UserListable": False,
                "Attributes": attr_oids,
                "RevisionHistory": None,
            }
            self._insert(
                self._new_row(td_td, ws, None, data, oid=oids[td.element_name]), "ElementName"
            )

    def _attribute_definition(self, attr: AttrDef, ws: int) -> int:
        """Insert an AttributeDefinition (built-ins once, shared; custom ones per workspace)."""
        if attr.oid in self.rows or self.store_has(attr.oid):
            return attr.oid
        owner_ws = ws if attr.custom else None
        ad_td = self.base.get("AttributeDefinition")
        data = {
            "ElementName": attr.name,
            "Name": attr.display_name,
            "AttributeType": attr.attr_type,
            "RealAttributeType": _real_attribute_type(attr),
            "Custom": attr.custom,
            "Required": attr.required,
            "ReadOnly": attr.read_only,
            "Filterable": attr.attr_type not in ("TEXT", "RAW", "BINARY_DATA"),
            "Sortable": attr.attr_type not in ("COLLECTION", "TEXT", "RAW", "BINARY_DATA"),
            "Hidden": attr.hidden,
            "Constrained": attr.allowed_values is not None,
            "SchemaType": attr.target
            if attr.target
            else _SCHEMA_TYPES.get(attr.attr_type, "string"),
            "AllowedValueType": None,
            "MaxLength": attr.max_length if attr.max_length is not None else -1,
            "MaxFractionalDigits": 2 if attr.attr_type in ("QUANTITY", "DECIMAL") else -1,
            "Note": "",
            "TypeDefinition": None,
        }
        self._insert(self._new_row(ad_td, owner_ws, None, data, oid=attr.oid), None)
        av_td = self.base.get("AllowedAttributeValue")
        for index, value in enumerate(attr.allowed_values or ()):
            av = self._new_row(
                av_td,
                owner_ws,
                None,
                {
                    "StringValue": value,
                    "LocalizedStringValue": value,
                    "IntegerValue": None,
                    "ValueIndex": index,
                    "AttributeDefinition": attr.oid,
                },
            )
            self._insert(av, None)
        return attr.oid

    def store_has(self, oid: int) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM objects WHERE oid = ?", (oid,)).fetchone() is not None
        )

    def _pi_states(self, schema: Schema, ws: int, pi_types: list[dict[str, Any]]) -> None:
        custom_states = {str(p.get("Name", "")).replace(" ", ""): p.get("States") for p in pi_types}
        state_td = schema.get("State")
        for td in schema.portfolio_item_types():
            names = custom_states.get(td.element_name) or DEFAULT_PI_STATES
            for index, name in enumerate(names, start=1):
                row = self._new_row(
                    state_td,
                    ws,
                    None,
                    {
                        "Name": name,
                        "OrderIndex": index,
                        "Enabled": True,
                        "TypeDef": self.result.typedefs[ws][td.element_name],
                        "WIPLimit": 0,
                        "Description": "",
                        "InProgressMarker": 1 < index < len(names),
                        "AcceptedMarker": index == len(names),
                    },
                )
                self._history(row, ws, self.creator)
                self._insert(row)

    def _estimates(self, ws: int) -> None:
        td = self.base.get("PreliminaryEstimate")
        for name, value in DEFAULT_PRELIMINARY_ESTIMATES:
            row = self._new_row(
                td,
                ws,
                None,
                {"Name": name, "Value": value, "CountValue": 1, "Enabled": True, "Description": ""},
            )
            self._history(row, ws, self.creator)
            self._insert(row)

    def _project(
        self,
        ws: int,
        ws_name: str,
        version: str,
        p: dict[str, Any],
        parent: int | None,
        prefix: str,
    ) -> None:
        name = p.get("Name")
        if not isinstance(name, str) or not name.strip():
            raise SeedError(
                f"workspace {ws_name!r}: a project needs a Name (under {prefix or 'the root'!r})"
            )
        path = prefix + PATH_SEPARATOR + name if prefix else name
        where = f"project {path!r}"
        unknown = set(p) - _PROJECT_KEYS
        if unknown:
            raise SeedError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        if path in self.result.projects[ws_name]:
            raise SeedError(f"{where}: two sibling projects share this name")
        td = self.base.get("Project")
        data: dict[str, Any] = {
            "Name": name,
            "Description": p.get("Description", ""),
            "Notes": p.get("Notes", ""),
            "State": self._scalar(td.attributes["State"], p.get("State", "Open"), where),
            "Parent": parent,
            "Owner": self._user_ref(p["Owner"], f"{where}: Owner") if p.get("Owner") else None,
            "SchemaVersion": version,
        }
        row = self._new_row(td, ws, None, data, oid=self._explicit_oid(p.get("ObjectID"), where))
        self._history(row, ws, self.creator)
        self._insert(row)
        self.result.projects[ws_name][path] = row.oid
        for child in _as_list(p.get("Children"), f"{where}: Children"):
            self._project(ws, ws_name, version, _as_dict(child, f"{where}: child"), row.oid, path)

    # -- references ------------------------------------------------------------------

    def _ws_name(self, ws: int) -> str:
        return next(n for n, o in self.result.workspaces.items() if o == ws)

    def _first_root_project(self, ws: int) -> int | None:
        projects = self.result.projects.get(self._ws_name(ws), {})
        return next(iter(projects.values()), None)

    def _project_ref(self, ws: int, value: Any, where: str) -> int:
        if isinstance(value, dict) and "_key" in value:
            return self._key_ref(value, where)
        if not isinstance(value, str):
            raise SeedError(f"{where}: a project is named by its path string, got {value!r}")
        projects = self.result.projects[self._ws_name(ws)]
        path = PATH_SEPARATOR.join(part.strip() for part in value.split("//"))
        if path in projects:
            return projects[path]
        # A trailing part of a path ("Team B // Team A", or just "Team A") is enough when
        # it identifies one project.
        leaf = [p for p in projects if p.endswith(PATH_SEPARATOR + path)]
        if len(leaf) == 1:
            return projects[leaf[0]]
        if len(leaf) > 1:
            raise SeedError(
                f"{where}: project name {value!r} is ambiguous ({'; '.join(leaf)}); give the full path"
            )
        raise SeedError(f"{where}: unknown project {value!r} in workspace {self._ws_name(ws)!r}")

    def _project_anywhere(self, value: Any, where: str) -> int:
        found = []
        for ws in self.result.workspaces.values():
            try:
                found.append(self._project_ref(ws, value, where))
            except SeedError:
                continue
        if len(found) != 1:
            raise SeedError(f"{where}: project {value!r} must match exactly one project")
        return found[0]

    def _user_ref(self, value: Any, where: str) -> int:
        if isinstance(value, str):
            for name, row in self.user_rows.items():
                if name.lower() == value.lower():
                    return row.oid
            raise SeedError(f"{where}: unknown user {value!r}")
        raise SeedError(f"{where}: a user is named by UserName, got {value!r}")

    def _key_ref(self, value: dict[str, Any], where: str) -> int:
        key = value.get("_key")
        if set(value) != {"_key"} or not isinstance(key, str):
            raise SeedError(f'{where}: a reference object must be {{"_key": "..."}}, got {value!r}')
        if key not in self.result.keys:
            raise SeedError(
                f"{where}: unknown _key {key!r} (keys must be declared earlier in the seed)"
            )
        return self.result.keys[key]

    def _ref(
        self, schema: Schema, ws: int, attr: AttrDef, value: Any, where: str, owner: TypeDef
    ) -> int:
        target = attr.target or ""
        if schema.is_a(target, "Project") or target == "Project":
            oid = self._project_ref(ws, value, where)
        elif target == "User":
            oid = (
                self._key_ref(value, where)
                if isinstance(value, dict)
                else self._user_ref(value, where)
            )
        elif isinstance(value, dict):
            oid = self._key_ref(value, where)
        elif isinstance(value, str):
            oid = self._by_name(schema, ws, target, value, where, owner)
        else:
            raise SeedError(f'{where}: expected {{"_key": ...}} or a name, got {value!r}')
        row = self.rows.get(oid)
        if row is None or not schema.is_a(row.type, target):
            got = row.type if row else "nothing"
            raise SeedError(f"{where}: expected a {target}, but the reference is a {got}")
        return oid

    def _by_name(
        self, schema: Schema, ws: int, target: str, name: str, where: str, owner: TypeDef
    ) -> int:
        candidates: list[int] = []
        for td in schema.concrete_types(target) if target else []:
            candidates += self.by_name.get((ws, td.element_name), {}).get(name, [])
        if target == "State" and owner.is_portfolio_item():
            typedef = self.result.typedefs[ws][owner.element_name]
            candidates = [c for c in candidates if self.rows[c].data.get("TypeDef") == typedef]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise SeedError(f"{where}: no {target} named {name!r} in this workspace")
        raise SeedError(
            f"{where}: {len(candidates)} objects of type {target} are named {name!r}; use a _key"
        )

    # -- values ----------------------------------------------------------------------

    def _scalar(self, attr: AttrDef, value: Any, where: str) -> Any:
        label = f"{where}: {attr.name}"
        if value is None:
            if attr.required:
                raise SeedError(f"{label} is required")
            return None
        kind = attr.attr_type
        if kind in ("STRING", "TEXT", "RATING", "STATE", "WEB_LINK"):
            if not isinstance(value, str):
                raise SeedError(f"{label} must be a string, got {value!r}")
            if attr.allowed_values is not None and value not in attr.allowed_values:
                raise SeedError(
                    f"{label}: {value!r} is not one of {', '.join(repr(v) for v in attr.allowed_values)}"
                )
            if attr.max_length and attr.max_length > 0 and len(value) > attr.max_length:
                raise SeedError(f"{label} is longer than {attr.max_length} characters")
            return value
        if kind == "BOOLEAN":
            if not isinstance(value, bool):
                raise SeedError(f"{label} must be true or false, got {value!r}")
            return value
        if kind == "INTEGER":
            if isinstance(value, bool) or not isinstance(value, int):
                raise SeedError(f"{label} must be an integer, got {value!r}")
            return value
        if kind in ("QUANTITY", "DECIMAL"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SeedError(f"{label} must be a number, got {value!r}")
            return value
        if kind == "DATE":
            try:
                return self._date(value, attr.name)
            except SeedError as exc:
                raise SeedError(f"{where}: {exc}") from None
        raise SeedError(f"{label}: attributes of type {kind} cannot be seeded")

    # -- objects ---------------------------------------------------------------------

    def _object(self, schema: Schema, ws: int, ws_name: str, obj: dict[str, Any], n: int) -> None:
        tname = obj.get("_type")
        label = obj.get("Name") or obj.get("_key") or f"#{n}"
        where = f"workspace {ws_name!r}, objects[{n}] ({tname} {label!r})"
        if not isinstance(tname, str):
            raise SeedError(f"workspace {ws_name!r}, objects[{n}]: _type is required")
        td = schema.lookup(tname)
        if td is None:
            raise SeedError(f"{where}: unknown type {tname!r}")
        if td.abstract:
            raise SeedError(f"{where}: {td.element_name} is abstract; name a concrete type")
        if td.element_name in _STRUCTURAL:
            raise SeedError(
                f"{where}: {td.element_name} objects cannot be seeded through 'objects'"
            )
        key = obj.get("_key")
        if key is not None and (not isinstance(key, str) or key in self.result.keys):
            raise SeedError(f"{where}: _key must be a unique string")
        data: dict[str, Any] = {}
        for name, value in obj.items():
            if name in ("_type", "_key", "_history", "ObjectID") or name in _RECYCLE_DIRECTIVES:
                continue
            if name.startswith("_"):
                raise SeedError(f"{where}: unknown directive {name!r}")
            attr = td.attribute(name)
            if attr is None:
                raise SeedError(f"{where}: {td.element_name} has no attribute {name!r}")
            if name in _SYSTEM_ATTRS or (name == "Project" and attr.read_only):
                raise SeedError(
                    f"{where}: {name} is maintained by the emulator and cannot be seeded"
                )
            if attr.is_collection and not attr.is_stored:
                raise SeedError(
                    f"{where}: {name} is computed; set {attr.target}.{attr.inverse_of} on the members instead"
                )
            if attr.read_only and name not in _SEEDABLE_READ_ONLY:
                raise SeedError(f"{where}: {name} is read-only")
            if attr.attr_type == "COLLECTION":
                items = _as_list(value, f"{where}: {name}")
                data[name] = [self._ref(schema, ws, attr, v, f"{where}: {name}", td) for v in items]
            elif attr.attr_type == "OBJECT":
                data[name] = (
                    None
                    if value is None
                    else self._ref(schema, ws, attr, value, f"{where}: {name}", td)
                )
            else:
                data[name] = self._scalar(attr, value, where)
        for attr in td.attributes.values():
            if attr.default is not None and attr.name not in data:
                data[attr.name] = attr.default
        project = self._derive(schema, td, ws, data, where)
        for attr in td.attributes.values():
            if attr.required and data.get(attr.name) in (None, "") and attr.name != "Project":
                raise SeedError(f"{where}: {attr.name} is required")
        recycled = self._recycle_directives(schema, td, obj, where)
        row = self._new_row(
            td, ws, project, data, oid=self._explicit_oid(obj.get("ObjectID"), where)
        )
        if td.id_prefix:
            row.fid_num = self.store.next_fid(ws, td.element_name, self.conn)
            row.data["FormattedID"] = f"{td.id_prefix}{row.fid_num}"
        if "DragAndDropRank" in td.attributes:  # as backend.ranking.is_rankable (tasks too)
            row.rank = rank_between(self._bottom_rank(ws), None)
            self.last_rank[ws] = row.rank
            row.data["DragAndDropRank"] = row.rank
        if td.attribute("CreatedBy") and row.data.get("CreatedBy") is None:
            row.data["CreatedBy"] = self.creator
        if td.attribute("RevisionHistory"):
            self._history(row, ws, row.data.get("CreatedBy") or self.creator)
        if recycled is not None:
            row.recycled = True
            row.data["Recycled"] = True
        self._insert(row)
        lookback_seeding.note_object(self, schema, ws, td, row, obj.get("_history"), where)
        if key is not None:
            self.result.keys[key] = row.oid
        if td.element_name == "TestCaseResult":
            self._update_last_result(row)
        if recycled is not None:
            self._bin_entry(schema, td, ws, row, *recycled)

    def _recycle_directives(
        self, schema: Schema, td: TypeDef, obj: dict[str, Any], where: str
    ) -> tuple[int | None, str] | None:
        """``_recycled`` (with ``_deleted_by``, ``_deletion_date``): (deleter, date) or None."""
        flag = obj.get("_recycled")
        extra = [k for k in ("_deleted_by", "_deletion_date") if k in obj]
        if flag is None or flag is False:
            if extra:
                raise SeedError(f'{where}: {", ".join(extra)} needs "_recycled": true')
            return None
        if flag is not True:
            raise SeedError(f"{where}: _recycled must be true or false")
        if not schema.is_a(td.element_name, "Artifact"):
            raise SeedError(f"{where}: only artifacts go to the recycle bin")
        by = obj.get("_deleted_by")
        deleter = self._user_ref(by, f"{where}: _deleted_by") if by is not None else self.creator
        date = obj.get("_deletion_date")
        when = self._date(date, "_deletion_date") if date is not None else self.now
        return deleter, when

    def _bin_entry(
        self, schema: Schema, td: TypeDef, ws: int, row: Row, deleter: int | None, when: str
    ) -> None:
        """The RecycleBinEntry Rally shows for a seeded recycled artifact."""
        entry_td = schema.get("RecycleBinEntry")
        entry = self._new_row(
            entry_td,
            ws,
            None,
            {
                "ID": row.data.get("FormattedID"),
                "Name": row.data.get("Name"),
                "Type": self.result.typedefs[ws].get(td.element_name),
                "DeletedBy": deleter,
                "DeletionDate": when,
                "ItemOID": row.oid,
            },
        )
        self._insert(entry, None)

    def _bottom_rank(self, ws: int) -> str | None:
        if ws not in self.last_rank:
            found = self.conn.execute(
                "SELECT MAX(rank) FROM objects WHERE workspace = ? AND rank IS NOT NULL", (ws,)
            ).fetchone()
            self.last_rank[ws] = found[0] if found else None
        return self.last_rank[ws]

    def _derive(
        self, schema: Schema, td: TypeDef, ws: int, data: dict[str, Any], where: str
    ) -> int | None:
        """Fill attributes Rally derives from related objects; return the row's project."""
        name = td.element_name

        def parent_of(attr: str) -> Row | None:
            oid = data.get(attr)
            return self.rows.get(oid) if oid is not None else None

        project = data.get("Project")
        if name == "Task":
            wp = parent_of("WorkProduct")
            if wp is not None:
                project = wp.project
                data["Iteration"] = wp.data.get("Iteration")
                data["Release"] = wp.data.get("Release")
        elif name in ("TestCaseResult", "TestCaseStep"):
            tc = parent_of("TestCase")
            if tc is not None:
                project = tc.project
                if name == "TestCaseResult":
                    data["WorkProduct"] = tc.data.get("WorkProduct")
        elif name in ("Attachment", "ConversationPost"):
            owner = parent_of("Artifact") or parent_of("TestCaseResult")
            project = owner.project if owner is not None else None
            if name == "Attachment" and data.get("Content") is not None:
                content = self.rows.get(data["Content"])
                if content is not None and data.get("Size") is None:
                    data["Size"] = len(str(content.data.get("Content", ""))) * 3 // 4
        elif name == "Milestone":
            target = data.get("TargetProject")
            if target is not None:
                projects = data.setdefault("Projects", [])
                if target not in projects:
                    projects.append(target)
            project = target
        if td.project_scoped and project is None:
            project = self._first_root_project(ws)
        if td.attribute("Project") is not None:
            data["Project"] = project
        if td.is_portfolio_item():
            data["PortfolioItemType"] = self.result.typedefs[ws][name]
            data["PortfolioItemTypeName"] = td.name
        if name == "HierarchicalRequirement":
            data["HasParent"] = data.get("Parent") is not None
            pi = data.get("PortfolioItem")
            data["Feature"] = pi
            if data.get("Parent") is not None and pi is not None:
                raise SeedError(f"{where}: a story cannot have both Parent and PortfolioItem")
        if schema.is_a(name, "SchedulableArtifact"):
            state = data.get("ScheduleState")
            if (
                state in ("In-Progress", "Completed", "Accepted")
                and "InProgressDate" in td.attributes
            ):
                data.setdefault("InProgressDate", self.now)
            if state == "Accepted":
                data.setdefault("AcceptedDate", self.now)
        if name == "Defect" and data.get("State") == "Closed":
            data.setdefault("ClosedDate", self.now)
        return project if td.project_scoped else None

    def _update_last_result(self, result: Row) -> None:
        """Keep TestCase.LastResult/LastVerdict/LastRun/LastBuild on the newest result."""
        tc_oid = result.data.get("TestCase")
        tc = self.rows.get(tc_oid) if isinstance(tc_oid, int) else None
        date = result.data.get("Date")
        if tc is None or date is None or (tc.data.get("LastRun") or "") > date:
            return
        tc.data["LastResult"] = result.oid
        tc.data["LastVerdict"] = result.data.get("Verdict")
        tc.data["LastRun"] = date
        tc.data["LastBuild"] = result.data.get("Build")
        self.store.save(tc, self.conn)
