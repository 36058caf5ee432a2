"""Who is calling, and which workspaces and projects they may work in.

Access is granted per workspace (``Store.grant``) and grants are explicit: the seed loader
grants every workspace to a user declared without a ``Workspaces`` list, and a user with no
grant sees nothing (project roles inside a granted workspace live in :mod:`.permissions`).
Closed workspaces are invisible to
the connection-time workspace list, as in Rally, but objects inside them stay readable by
reference.
"""

from __future__ import annotations

import hashlib
import secrets

from pyral.emulator import errors
from pyral.emulator.errors import WsapiError
from pyral.emulator.store import Row, Store

from .refs import parse_ref

_TOKEN_KEY = "security-token:{oid}"


def _user_row(store: Store, oid: int | None) -> Row | None:
    if oid is None:
        return None
    row = store.get(oid)
    if row is None or row.type != "User" or row.recycled or row.data.get("Disabled") is True:
        return None
    return row


def authenticate_apikey(store: Store, key: str) -> Row | None:
    return _user_row(store, store.user_for_apikey(key)) if key else None


def authenticate_password(store: Store, username: str, password: str) -> Row | None:
    if not username:
        return None
    return _user_row(store, store.user_for_password(username, password or ""))


def issue_security_token(store: Store, user: Row) -> str:
    """The user's token, created on first request and then stable.

    One stable token per user (rather than one per call) keeps several clients of the same
    user working side by side, which is how Rally behaves within a session.
    """
    key = _TOKEN_KEY.format(oid=user.oid)
    token = store.get_meta(key)
    if token:
        return token
    with store.write() as conn:
        token = store.get_meta(key)
        if not token:
            seed = f"{user.oid}:{secrets.token_hex(16)}".encode()
            token = hashlib.sha256(seed).hexdigest()[:40]
            store.set_meta(key, token, conn)
    return token


def check_security_token(store: Store, user: Row, token: str | None) -> bool:
    if not token:
        return False
    stored = store.get_meta(_TOKEN_KEY.format(oid=user.oid))
    if not stored:
        return False
    return secrets.compare_digest(stored, token)


def granted_workspace_oids(store: Store, user: Row) -> set[int]:
    """The oids of the workspaces granted to ``user``."""
    return store.workspaces_of(user.oid)


def may_access_workspace(store: Store, user: Row, workspace_oid: int | None) -> bool:
    """Subscription-level objects (no workspace) are visible to every user."""
    return workspace_oid is None or workspace_oid in granted_workspace_oids(store, user)


def permitted_users_condition(workspace_oid: int) -> tuple[str, list[int]]:
    """SQL over ``objects o`` keeping the users with permission in one workspace.

    A permission here is an explicit workspace grant, the same rule that decides what a
    user may read (:func:`may_access_workspace`), so "who is in this workspace" and "who
    can see it" never disagree.
    """
    return (
        "o.oid IN (SELECT a.user_oid FROM workspace_access a WHERE a.workspace_oid = ?)",
        [workspace_oid],
    )


def user_workspaces(store: Store, user: Row) -> list[Row]:
    granted = granted_workspace_oids(store, user)
    rows = store.select("o.type = 'Workspace' AND o.recycled = 0", [])
    visible = [r for r in rows if r.oid in granted and (r.data.get("State") or "Open") == "Open"]
    return sorted(visible, key=lambda r: (str(r.data.get("Name") or "").lower(), r.oid))


def default_workspace(store: Store, user: Row) -> Row | None:
    """The profile's default workspace when still usable, else the first by name (kb 47750)."""
    workspaces = user_workspaces(store, user)
    profile = _profile(store, user)
    wanted = profile.data.get("DefaultWorkspace") if profile else None
    for ws in workspaces:
        if ws.oid == wanted:
            return ws
    return workspaces[0] if workspaces else None


def default_project(store: Store, user: Row, workspace: Row) -> Row | None:
    """The profile's default project if it lives in ``workspace``; else None."""
    profile = _profile(store, user)
    wanted = profile.data.get("DefaultProject") if profile else None
    if not isinstance(wanted, int):
        return None
    row = store.get(wanted)
    if (
        row
        and row.type == "Project"
        and not row.recycled
        and project_workspace(row) == workspace.oid
    ):
        return row
    return None


def first_project(store: Store, workspace: Row) -> Row | None:
    rows = store.select(
        "o.type = 'Project' AND o.recycled = 0 AND o.workspace = ?",
        [workspace.oid],
        order_sql="json_extract(o.data, '$.Name'), o.oid",
        limit=1,
    )
    return rows[0] if rows else None


def _profile(store: Store, user: Row) -> Row | None:
    oid = user.data.get("UserProfile")
    row = store.get(oid) if isinstance(oid, int) else None
    if row is not None and row.type == "UserProfile":
        return row
    # Fall back to a profile pointing at the user, should the seed link it the other way.
    rows = store.select(
        "o.type = 'UserProfile' AND json_extract(o.data, '$.User') = ?", [user.oid], limit=1
    )
    return rows[0] if rows else None


def project_workspace(row: Row) -> int | None:
    ws = row.workspace
    return ws if ws is not None else row.data.get("Workspace")


def _is_null_ref(ref: str | None) -> bool:
    return ref is None or ref.strip().lower() in ("", "null", "none")


def resolve_workspace(store: Store, user: Row, ref: str | None) -> Row:
    if _is_null_ref(ref):
        ws = default_workspace(store, user)
        if ws is None:
            raise WsapiError(errors.NO_WORKSPACE)
        return ws
    parsed = parse_ref(ref)
    if parsed is None and ref is not None and ref.strip().isdigit():
        oid: int | None = int(ref.strip())
    else:
        oid = parsed.oid if parsed else None
    row = store.get(oid) if oid is not None else None
    if row is None or row.type != "Workspace" or row.recycled:
        raise WsapiError(errors.no_workspace_access(ref))
    if not may_access_workspace(store, user, row.oid):
        raise WsapiError(errors.no_workspace_access(ref))
    return row


def resolve_project(store: Store, user: Row, workspace: Row, ref: str | None) -> Row | None:
    if _is_null_ref(ref):
        return None
    assert ref is not None
    parsed = parse_ref(ref)
    if parsed is None and ref.strip().isdigit():
        oid: int | None = int(ref.strip())
    else:
        oid = parsed.oid if parsed else None
    row = store.get(oid) if oid is not None else None
    name = str(workspace.data.get("Name") or workspace.oid)
    if row is None or row.type != "Project" or row.recycled:
        raise WsapiError(errors.unknown_project(ref, name))
    if project_workspace(row) != workspace.oid:
        raise WsapiError(errors.unknown_project(ref, name))
    return row
