"""Who may see and change what: Rally's project roles and admin roles.

Rally grants access per project: *No Access*, *Viewer*, *Editor* or *Project Admin*.  A
workspace admin is Project Admin on every project of the workspace, and a subscription admin
(``User.SubscriptionAdmin``) is admin everywhere.  Items of a project the user may not see
are absent from queries, counts and collections, and addressing one by ObjectID answers like
an object that does not exist; a Viewer reads but cannot write.

Storage: one ``meta`` entry per user (``permissions:<oid>``, JSON) holding the workspaces the
user administers and, per workspace, an explicit project -> role map.  A workspace the user is
granted (``workspace_access``) without such a map gives Editor on all its projects, present
and future: that is what every seed and store written before roles existed meant, so their
users keep exactly the access they had.
"""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from pyral.emulator import errors
from pyral.emulator.errors import WsapiError
from pyral.emulator.store import Row, Store

from . import identity

NO_ACCESS = 0
VIEWER = 1
EDITOR = 2
PROJECT_ADMIN = 3

#: role names a seed may use (Rally's UI names and ProjectPermission.Role values).
ROLE_NAMES = {
    "no access": NO_ACCESS,
    "none": NO_ACCESS,
    "viewer": VIEWER,
    "editor": EDITOR,
    "project admin": PROJECT_ADMIN,
    "admin": PROJECT_ADMIN,
}

_META_KEY = "permissions:{oid}"


def role_from_name(name: Any) -> int | None:
    """The role a seed names, or None when the name is not one of :data:`ROLE_NAMES`."""
    return ROLE_NAMES.get(name.strip().lower()) if isinstance(name, str) else None


@dataclass
class UserRoles:
    """One user's declared roles (the meta entry, parsed)."""

    workspace_admin: set[int] = field(default_factory=set)
    projects: dict[int, dict[int, int]] = field(default_factory=dict)  # ws -> project -> role

    def to_json(self) -> str:
        return json.dumps(
            {
                "workspace_admin": sorted(self.workspace_admin),
                "projects": {
                    str(ws): {str(p): r for p, r in sorted(roles.items())}
                    for ws, roles in sorted(self.projects.items())
                },
            }
        )

    @classmethod
    def from_json(cls, text: str | None) -> UserRoles:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(
            {int(w) for w in data.get("workspace_admin", [])},
            {
                int(ws): {int(p): int(r) for p, r in roles.items()}
                for ws, roles in data.get("projects", {}).items()
            },
        )


#: parsed roles per store and user: they are read for every collection count of a page, and
#: only :func:`save_roles` (the seed loader) changes them.
_CACHE: weakref.WeakKeyDictionary[Store, dict[int, UserRoles]] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def load_roles(store: Store, user_oid: int) -> UserRoles:
    with _CACHE_LOCK:
        found = _CACHE.get(store, {}).get(user_oid)
    if found is None:
        found = UserRoles.from_json(store.get_meta(_META_KEY.format(oid=user_oid)))
        with _CACHE_LOCK:
            _CACHE.setdefault(store, {})[user_oid] = found
    return found


def save_roles(store: Store, user_oid: int, roles: UserRoles, conn: Any = None) -> None:
    """Store ``roles``; the cache is dropped, also if the surrounding transaction rolls back."""
    store.set_meta(_META_KEY.format(oid=user_oid), roles.to_json(), conn)
    with _CACHE_LOCK:
        _CACHE.pop(store, None)


def is_subscription_admin(user: Row) -> bool:
    return user.data.get("SubscriptionAdmin") is True


def is_workspace_admin(store: Store, user: Row, workspace_oid: int | None) -> bool:
    if is_subscription_admin(user):
        return True
    if workspace_oid is None or not identity.may_access_workspace(store, user, workspace_oid):
        return False
    return workspace_oid in load_roles(store, user.oid).workspace_admin


def is_any_admin(store: Store, user: Row) -> bool:
    """Subscription admin, or admin of at least one workspace."""
    return is_subscription_admin(user) or bool(load_roles(store, user.oid).workspace_admin)


def project_role(store: Store, user: Row, workspace_oid: int | None, project_oid: int) -> int:
    if workspace_oid is None or not identity.may_access_workspace(store, user, workspace_oid):
        return NO_ACCESS
    if is_subscription_admin(user):
        return PROJECT_ADMIN
    roles = load_roles(store, user.oid)
    if workspace_oid in roles.workspace_admin:
        return PROJECT_ADMIN
    explicit = roles.projects.get(workspace_oid)
    if explicit is None:
        return EDITOR
    return explicit.get(project_oid, NO_ACCESS)


def readable_projects(store: Store, user: Row, workspace_oid: int | None) -> list[int] | None:
    """The projects of a workspace whose items ``user`` may see; None means all of them."""
    if workspace_oid is None or is_subscription_admin(user):
        return None
    roles = load_roles(store, user.oid)
    if workspace_oid in roles.workspace_admin:
        return None
    explicit = roles.projects.get(workspace_oid)
    if explicit is None:
        return None
    return sorted(p for p, r in explicit.items() if r >= VIEWER)


def best_role(store: Store, user: Row, workspace_oid: int | None) -> int:
    """The highest role the user holds on any project of the workspace."""
    if workspace_oid is None or not identity.may_access_workspace(store, user, workspace_oid):
        return NO_ACCESS
    if is_workspace_admin(store, user, workspace_oid):
        return PROJECT_ADMIN
    explicit = load_roles(store, user.oid).projects.get(workspace_oid)
    if explicit is None:
        return EDITOR
    return max(explicit.values(), default=NO_ACCESS)


def row_project(row: Row) -> int | None:
    """The project whose role governs ``row`` (a Project row governs itself)."""
    if row.type == "Project":
        return row.oid
    return row.project


def may_read(store: Store, user: Row, row: Row) -> bool:
    """Project-level visibility (the workspace check is the caller's).

    A revision history or revision has no project of its own: it is visible when the object
    it records is.
    """
    if row.type in ("RevisionHistory", "Revision"):
        recorded = _recorded_object(store, row)
        return recorded is None or may_read(store, user, recorded)
    project = row_project(row)
    if project is None:
        return True
    ws = identity.project_workspace(row) if row.type == "Project" else row.workspace
    return project_role(store, user, ws, project) >= VIEWER


def _recorded_object(store: Store, row: Row) -> Row | None:
    history = row.data.get("RevisionHistory") if row.type == "Revision" else row.oid
    if not isinstance(history, int):
        return None
    found = store.select(
        "o.workspace IS ? AND json_extract(o.data, '$.RevisionHistory') = ?"
        " AND o.type NOT IN ('Revision', 'RevisionHistory')",
        [row.workspace, history],
        limit=1,
    )
    return found[0] if found else None


def check_may_write(
    store: Store,
    user: Row,
    workspace_oid: int | None,
    project_oid: int | None,
    action: str,
    type_name: str,
    *,
    needs: int = EDITOR,
) -> None:
    """Raise unless ``user`` holds at least ``needs`` on the project (or, with no project,
    somewhere in the workspace)."""
    if project_oid is None:
        role = best_role(store, user, workspace_oid) if workspace_oid is not None else EDITOR
    else:
        role = project_role(store, user, workspace_oid, project_oid)
    if role < needs:
        raise WsapiError(errors.no_permission(action, type_name))


# --- write guards -----------------------------------------------------------------------------

#: Rally's role objects.  Roles here come from the seed (``ProjectPermissions``,
#: ``WorkspaceAdmin``, ``SubscriptionAdmin``); a write of one of these objects through WSAPI
#: is refused with a clear error, never stored as a row that changes nobody's access.
ROLE_TYPES = ("ProjectPermission", "WorkspacePermission", "UserPermission")


def _refuse_role_objects(type_name: str, action: str) -> None:
    if type_name in ROLE_TYPES:
        raise WsapiError(errors.role_objects_not_supported(f"{action} {type_name}"))


#: User attributes only a subscription admin may change, even on his own User.
_PRIVILEGED_USER_ATTRS = ("SubscriptionAdmin", "Disabled", "Deleted", "Role")


def _owns_profile(user: Row, profile: Row) -> bool:
    return user.data.get("UserProfile") == profile.oid or profile.data.get("User") == user.oid


def _check_user_write(
    store: Store, user: Row, target: Row | None, old: dict[str, Any], new: dict[str, Any]
) -> None:
    """Creating (``target`` None), changing or deleting (``new`` empty) a User.

    A user may change his own non-privileged attributes (names, e-mail...); everything else
    needs an admin, and only a subscription admin touches a subscription admin's account or
    grants the role.
    """
    if is_subscription_admin(user):
        return
    if target is not None and target.data.get("SubscriptionAdmin") is True:
        raise WsapiError(errors.ADMIN_ONLY_SUBSCRIPTION_ADMINS)
    if new.get("SubscriptionAdmin") is True:
        raise WsapiError(errors.ADMIN_ONLY_SUBSCRIPTION_ADMINS)
    deleting = target is not None and not new
    self_edit = target is not None and target.oid == user.oid and not deleting
    if self_edit and all(old.get(a) == new.get(a) for a in _PRIVILEGED_USER_ATTRS):
        return
    if not is_any_admin(store, user):
        raise WsapiError(errors.ADMIN_ONLY_USERS)


def check_create(
    store: Store,
    user: Row,
    type_name: str,
    workspace_oid: int | None,
    data: dict[str, Any],
    project_oid: int | None,
    *,
    project_scoped: bool,
) -> None:
    """Refuse a create the user's roles do not allow (raised before anything is stored)."""
    _refuse_role_objects(type_name, "creating a")
    if type_name == "User":
        _check_user_write(store, user, None, {}, data)
    elif type_name == "Project":
        parent = data.get("Parent")
        if not is_workspace_admin(store, user, workspace_oid):
            if not isinstance(parent, int):
                raise WsapiError(errors.no_permission("creating a", type_name))
            check_may_write(
                store, user, workspace_oid, parent, "creating a", type_name, needs=PROJECT_ADMIN
            )
    elif project_scoped or project_oid is not None:
        if workspace_oid is None and project_oid is not None:
            # a type outside any workspace that still names a project (Preference...):
            # the project's workspace decides, as for any write in that project
            found = store.get(project_oid)
            workspace_oid = identity.project_workspace(found) if found is not None else None
        check_may_write(store, user, workspace_oid, project_oid, "creating a", type_name)
    elif workspace_oid is not None:
        check_may_write(store, user, workspace_oid, None, "creating a", type_name)


def check_change(
    store: Store, user: Row, row: Row, old: dict[str, Any], new: dict[str, Any], action: str
) -> None:
    """Refuse an update (``new`` the data after it) or delete (``new`` {}) of ``row``."""
    kind = row.type
    _refuse_role_objects(kind, action)
    if kind == "User":
        _check_user_write(store, user, row, old, new)
    elif kind == "UserProfile":
        if not _owns_profile(user, row) and not is_any_admin(store, user):
            raise WsapiError(errors.ADMIN_ONLY_PROFILE)
    elif kind == "Subscription":
        if not is_subscription_admin(user):
            raise WsapiError(errors.ADMIN_ONLY_SUBSCRIPTION)
    elif kind in ("Workspace", "WorkspaceConfiguration"):
        ws = row.oid if kind == "Workspace" else row.workspace
        if not is_workspace_admin(store, user, ws):
            raise WsapiError(errors.ADMIN_ONLY_WORKSPACE)
    elif kind == "Project":
        ws = identity.project_workspace(row)
        if not is_workspace_admin(store, user, ws):
            check_may_write(store, user, ws, row.oid, action, kind, needs=PROJECT_ADMIN)
    elif row.project is not None:
        check_may_write(store, user, row.workspace, row.project, action, kind)
        moved = new.get("Project")
        if isinstance(moved, int) and moved != row.project:
            check_may_write(store, user, row.workspace, moved, action, kind)
    elif row.workspace is not None:
        check_may_write(store, user, row.workspace, None, action, kind)
