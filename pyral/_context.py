"""Workspace / project resolution and the per-call scoping parameters.

pyral 1.7.0 loaded every workspace and every project list at start-up (9 requests) and then
mutated one shared context object whenever a call named another workspace or project, so a
later lazy load silently used the wrong scope.  Here:

* start-up asks only for what it must validate (2 requests when workspace and project are
  both named or both defaulted, 3 when mixed); everything else is loaded on first use and
  cached on the client;
* ``augments()`` computes the ``workspace= / project= / projectScope*`` parameters of one
  call from its keyword arguments and never changes the current workspace or project.

Decision on pyral quirk Q11: ``workspace='Other'`` without ``project=`` queries the whole of
that workspace (no ``project`` parameter, hence no scoping parameters) instead of sending the
current workspace's project.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pyral._envelope import Envelope
from pyral.exceptions import RallyRESTAPIError

PROJECT_PATH_ELEMENT_SEPARATOR = " // "
LIST_PAGESIZE = 2000
_OPEN_QUERY = quote('(State = "Open")', safe="()/")
_TRUE_SCOPE = (1, True, "true", "True")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass
class Target:
    """A workspace or project the client knows by name and ObjectID."""

    kind: str  # 'workspace' | 'project'
    name: str
    oid: int
    state: str | None = None
    parent_oid: int | None = None
    full_ref: str | None = None

    @property
    def ref(self) -> str:
        """Short ref, the form pyral sends in ``workspace=`` / ``project=``."""
        return f"{self.kind}/{self.oid}"


@dataclass
class ProjectDirectory:
    """Projects of one workspace by name; duplicates keep the lowest ObjectID (as pyral)."""

    by_name: dict[str, Target] = field(default_factory=dict)
    by_oid: dict[int, Target] = field(default_factory=dict)
    complete: bool = False

    def add(self, project: Target, by_name: bool = True) -> None:
        """Record a project; ``by_name`` only for results of a name query or a full listing,
        because a project learnt any other way may hide a same-named one with a lower OID."""
        self.by_oid.setdefault(project.oid, project)
        if not by_name:
            return
        known = self.by_name.get(project.name)
        if known is None or project.oid < known.oid:
            self.by_name[project.name] = project


def oid_of(ref: str) -> int | None:
    """ObjectID at the end of a ref or URL (``.../project/123`` -> 123)."""
    tail = ref.rstrip("/").split("?")[0].split("/")[-1]
    try:
        return int(tail)
    except ValueError:
        return None


def _q(text: str) -> str:
    """Percent-encode a WSAPI query expression for the URL (parens and slashes stay)."""
    return quote(text, safe="()/")


def name_condition(attr: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{attr} = "{escaped}"'


def and_all(conditions: list[str]) -> str:
    """Right-nested binary AND, the only form WSAPI parses: ``(A) AND ((B) AND (C))``."""
    if len(conditions) == 1:
        return f"({conditions[0]})"
    return f"(({conditions[0]}) AND {and_all(conditions[1:])})"


def scope_flag(value: Any) -> str:
    """pyral's truthiness for scoping flags: only 1, True, 'true', 'True' mean true."""
    try:
        return "true" if value in _TRUE_SCOPE else "false"
    except TypeError:
        return "false"


def _target_from_ref(kind: str, value: Any) -> Target | None:
    """A Target from a ``{"_ref": ..., "_refObjectName": ...}`` value; None when unset."""
    if not isinstance(value, dict) or not value.get("_ref"):
        return None
    ref = value["_ref"]
    return Target(kind, value.get("_refObjectName", ""), oid_of(ref) or 0, full_ref=ref)


class ContextResolver:
    """What one ``Rally`` knows about its workspaces and projects, and how to learn more.

    ``fetch(url) -> Envelope`` is the client's GET; it raises ``RallyRESTAPIError`` for HTTP
    failures, so this class holds no transport logic.
    """

    def __init__(
        self, service_url: str, fetch: Callable[[str], Envelope], isolated: bool = False
    ) -> None:
        self.service_url = service_url
        self._fetch = fetch
        self.isolated = isolated
        self._lock = threading.RLock()
        self.workspaces: dict[str, Target] = {}
        self.workspaces_by_oid: dict[int, Target] = {}
        self.all_workspaces_loaded = False
        self.projects: dict[int, ProjectDirectory] = {}
        self.workspace: Target | None = None  # current
        self.project: Target | None = None  # current
        self.user: dict[str, Any] | None = None
        self.user_oid: int | None = None
        self.profile: dict[str, Any] | None = None
        self.subscription_ref: str | None = None
        self.subscription_name: str | None = None

    # -- connect ------------------------------------------------------------------------
    def connect(self, workspace: str | None, project: str | None) -> None:
        """Establish the current workspace and project with as few requests as possible."""
        if workspace:
            ws = self._query_workspace(workspace, connecting=True)
            if ws is None:
                raise RallyRESTAPIError(
                    f"Specified workspace of '{workspace}' either does not exist or the user "
                    "does not have permission to access that workspace"
                )
            self.workspace = ws
            if project:
                self.project = self._connect_project(ws, project)
                return
            self.project = self._project_named_like_default(ws)
            return
        self._load_user_and_profile()
        default_ws, default_proj = self._profile_defaults()
        if default_ws is None:
            raise RallyRESTAPIError(
                "No Workspace was specified and there is no DefaultWorkspace setting for the user"
            )
        self._remember_workspace(default_ws)
        self.workspace = self.workspaces.get(default_ws.name, default_ws)
        if project:
            self.project = self._connect_project(self.workspace, project)
        elif default_proj is not None:
            self.project = self._remember_project(self.workspace, default_proj, by_name=False)
        else:
            first = self.first_project(self.workspace)
            if first is None:
                raise RallyRESTAPIError(
                    f"No accessible Projects found in the Workspace '{self.workspace.name}'"
                )
            self.project = first

    def _connect_project(self, ws: Target, project: str) -> Target:
        if PROJECT_PATH_ELEMENT_SEPARATOR in project:
            return self.resolve_path(ws, project)
        found = self._query_project_by_name(ws, project)
        if found is None:
            raise RallyRESTAPIError(
                f"The current Workspace '{ws.name}' does not contain an accessible Project "
                f"with the name of '{project}'"
            )
        return found

    def _project_named_like_default(self, ws: Target) -> Target:
        """pyral 1.7.0's choice for ``workspace=`` without ``project=``.

        The project of ``ws`` whose name equals the user's default project's name (observed
        with pyral 1.7.0, isolated or not); with none of that name, or no default project,
        pyral's "name of 'None'" error.  Among same-named projects the user's own default
        project wins, then the lowest ObjectID.  Two requests: the user (whose
        ``DefaultProject`` carries the name, so the profile is not needed) and one Project
        query -- three with the workspace query.
        """
        self._load_user()
        default = _target_from_ref("project", (self.user or {}).get("DefaultProject"))
        hits = self._query_projects_by_name(ws, default.name) if default is not None else []
        if not hits:
            raise RallyRESTAPIError(
                f"The current Workspace '{ws.name}' does not contain a Project with the name of 'None'"
            )
        assert default is not None
        own = [hit for hit in hits if hit.oid == default.oid]
        return (own or hits)[0]

    def _load_user(self) -> None:
        """The authenticated user (one request); the profile is read separately, on demand."""
        env = self._fetch(
            f"{self.service_url}/user?fetch=ObjectID,UserName,DisplayName,UserProfile,"
            "DefaultProject,Subscription"
        )
        user = (
            env.object if env.kind == "ImpliedQuery" else (env.results[0] if env.results else None)
        )
        if not user:
            raise RallyRESTAPIError("Invalid credentials")
        self.user = user
        self.user_oid = user.get("ObjectID") or oid_of(user.get("_ref", ""))
        sub = user.get("Subscription")
        if isinstance(sub, dict) and sub.get("_ref") and not self.subscription_ref:
            # free with the user: contexts show the subscription name as pyral's did
            self.subscription_ref = sub["_ref"]
            self.subscription_name = sub.get("_refObjectName") or None

    def _load_user_and_profile(self) -> None:
        if self.user is None:
            self._load_user()
        user = self.user or {}
        profile_ref = (user.get("UserProfile") or {}).get("_ref")
        if not profile_ref:
            self.profile = {}
            return
        prof_oid = oid_of(profile_ref)
        env = self._fetch(
            f"{self.service_url}/userprofile/{prof_oid}?fetch=DefaultWorkspace,DefaultProject"
        )
        self.profile = env.object or {}

    def default_project_in(self, ws: Target) -> Target | None:
        """The user's default project when it lies in ``ws`` (profile loaded on first use)."""
        if self.profile is None:
            self._load_user_and_profile()
        default_ws, default_proj = self._profile_defaults()
        if default_ws is not None and default_proj is not None and default_ws.oid == ws.oid:
            return default_proj
        return None

    def _profile_defaults(self) -> tuple[Target | None, Target | None]:
        profile = self.profile or {}
        return (
            _target_from_ref("workspace", profile.get("DefaultWorkspace")),
            _target_from_ref("project", profile.get("DefaultProject")),
        )

    def _all_results(self, url_for_start: Callable[[int], str]) -> Iterator[dict[str, Any]]:
        """Every result of a paged query, one page per request, until the total is reached."""
        start = 1
        while True:
            env = self._fetch(url_for_start(start))
            yield from env.results
            start += len(env.results)
            if not env.results or start > env.total:
                return

    # -- workspaces ---------------------------------------------------------------------
    def _remember_workspace(self, ws: Target) -> Target:
        with self._lock:
            known = self.workspaces_by_oid.get(ws.oid)
            if known is not None:
                return known
            self.workspaces_by_oid[ws.oid] = ws
            self.workspaces.setdefault(ws.name, ws)
            return ws

    def _workspace_from(self, item: dict[str, Any]) -> Target:
        oid = item.get("ObjectID") or oid_of(item.get("_ref", "")) or 0
        ws = Target(
            "workspace",
            item.get("Name") or item.get("_refObjectName", ""),
            int(oid),
            state=item.get("State"),
            full_ref=item.get("_ref"),
        )
        sub = item.get("Subscription")
        if isinstance(sub, dict) and sub.get("_ref") and not self.subscription_ref:
            self.subscription_ref = sub["_ref"]
            self.subscription_name = sub.get("_refObjectName") or None
        return ws

    def _query_workspace(self, name: str, connecting: bool = False) -> Target | None:
        cond = and_all([name_condition("Name", name), 'State = "Open"'])
        url = (
            f"{self.service_url}/Workspace?fetch=ObjectID,Name,State,Subscription"
            f"&query={_q(cond)}&order=ObjectID&pagesize=200&start=1"
        )
        env = self._fetch(url)
        hits = [self._workspace_from(item) for item in env.results]
        if len(hits) > 1:
            raise RallyRESTAPIError(
                f"Multiple workspaces ({len(hits)}) found with the same name of '{name}'.\n"
                "You must specify a workspace with a unique name."
            )
        return self._remember_workspace(hits[0]) if hits else None

    def load_workspaces(self) -> list[Target]:
        """Every open workspace the user can see (one paged query); isolated -> just the current."""
        if self.isolated:
            return [self.workspace] if self.workspace else []
        if not self.all_workspaces_loaded:
            base = (
                f"{self.service_url}/Workspace?fetch=ObjectID,Name,State,Subscription"
                f"&query={_OPEN_QUERY}&order=ObjectID&pagesize={LIST_PAGESIZE}"
            )
            for item in self._all_results(lambda start: f"{base}&start={start}"):
                self._remember_workspace(self._workspace_from(item))
            self.all_workspaces_loaded = True
        return sorted(self.workspaces_by_oid.values(), key=lambda w: w.name)

    def find_workspace(self, name: str) -> Target | None:
        """A workspace by name (query on first use); isolated clients only know their own."""
        if self.workspace is not None and name == self.workspace.name:
            return self.workspace
        if self.isolated:
            return None
        with self._lock:
            known = self.workspaces.get(name)
        if known is not None or self.all_workspaces_loaded:
            return known
        return self._query_workspace(name)

    # -- projects -----------------------------------------------------------------------
    def directory(self, ws: Target) -> ProjectDirectory:
        with self._lock:
            return self.projects.setdefault(ws.oid, ProjectDirectory())

    def _project_from(self, item: dict[str, Any], name: str | None = None) -> Target:
        oid = item.get("ObjectID") or oid_of(item.get("_ref", "")) or 0
        parent = item.get("Parent")
        parent_oid = (
            oid_of(parent["_ref"]) if isinstance(parent, dict) and parent.get("_ref") else None
        )
        return Target(
            "project",
            name or item.get("Name") or item.get("_refObjectName", ""),
            int(oid),
            state=item.get("State"),
            parent_oid=parent_oid,
            full_ref=item.get("_ref"),
        )

    def _remember_project(self, ws: Target, project: Target, by_name: bool = True) -> Target:
        directory = self.directory(ws)
        with self._lock:
            directory.add(project, by_name)
        return project

    def _project_query_url(
        self, ws: Target, query: str | None, pagesize: int, start: int, order: str = "ObjectID"
    ) -> str:
        parts = [f"{self.service_url}/Project?fetch=ObjectID,Name,State,Parent"]
        if query:
            parts.append(f"query={_q(query)}")
        parts.append(f"order={quote(order)}")
        parts.append(f"workspace={ws.ref}")
        parts.append(f"pagesize={pagesize}")
        parts.append(f"start={start}")
        return "&".join(parts)

    def _query_projects_by_name(self, ws: Target, name: str) -> list[Target]:
        """Every project of ``ws`` called ``name``, lowest ObjectID first (one request)."""
        env = self._fetch(self._project_query_url(ws, f"({name_condition('Name', name)})", 200, 1))
        hits = sorted((self._project_from(item) for item in env.results), key=lambda p: p.oid)
        for hit in hits:
            self._remember_project(ws, hit)
        return hits

    def _query_project_by_name(self, ws: Target, name: str) -> Target | None:
        hits = self._query_projects_by_name(ws, name)
        return hits[0] if hits else None

    def first_project(self, ws: Target) -> Target | None:
        env = self._fetch(self._project_query_url(ws, None, 1, 1, order="Name"))
        if not env.results:
            return None
        return self._remember_project(ws, self._project_from(env.results[0]), by_name=False)

    def load_projects(self, ws: Target) -> ProjectDirectory:
        """The full project list of a workspace (paged query, cached)."""
        directory = self.directory(ws)
        if directory.complete:
            return directory
        pages = self._all_results(
            lambda start: self._project_query_url(ws, None, LIST_PAGESIZE, start)
        )
        for item in pages:
            self._remember_project(ws, self._project_from(item))
        directory.complete = True
        return directory

    def find_project(self, ws: Target, name: str) -> Target | None:
        """Resolve a project name, ``A // B`` path or ``.../project/<oid>`` ref inside ``ws``."""
        if PROJECT_PATH_ELEMENT_SEPARATOR in name:
            return self.resolve_path(ws, name)
        tail = name.rstrip("/").split("/")
        if len(tail) >= 2 and tail[-2].lower() == "project" and tail[-1].isdigit():
            oid = int(tail[-1])
            return self.directory(ws).by_oid.get(oid) or Target("project", name, oid)
        directory = self.directory(ws)
        with self._lock:
            known = directory.by_name.get(name)
        if known is not None or directory.complete:
            return known
        return self._query_project_by_name(ws, name)

    def resolve_path(self, ws: Target, path: str) -> Target:
        """``'A // B // C'``: one Project query constraining the whole Parent chain.

        Only when nothing matches are extra queries made, to say which element is missing.
        """
        elements = [e.strip() for e in path.split(PROJECT_PATH_ELEMENT_SEPARATOR)]
        hits = self._path_hits(ws, elements)
        if not hits:
            self._explain_path_failure(ws, path, elements)
        best = min(hits, key=lambda p: p.oid)
        project = Target(
            "project",
            path,
            best.oid,
            state=best.state,
            parent_oid=best.parent_oid,
            full_ref=best.full_ref,
        )
        self._remember_project(
            ws,
            Target("project", best.name, best.oid, best.state, best.parent_oid, best.full_ref),
            by_name=False,
        )
        return project

    def _path_hits(self, ws: Target, elements: list[str]) -> list[Target]:
        conditions = []
        for depth, element in enumerate(reversed(elements)):
            conditions.append(name_condition("Parent." * depth + "Name", element))
        env = self._fetch(self._project_query_url(ws, and_all(conditions), 200, 1))
        return [self._project_from(item) for item in env.results]

    def _explain_path_failure(self, ws: Target, path: str, elements: list[str]) -> None:
        """pyral 1.7.0's two messages: the missing base project by name, else the path up to the
        first element that matched nothing."""
        if not self._path_hits(ws, elements[:1]):
            raise RallyRESTAPIError(
                f'Project specified: "{elements[0]}" (in workspace: "{ws.name}") '
                "not accessible with current credentials"
            )
        for depth in range(2, len(elements) + 1):
            if not self._path_hits(ws, elements[:depth]):
                partial = PROJECT_PATH_ELEMENT_SEPARATOR.join(elements[:depth])
                raise RallyRESTAPIError(f"No such accessible Project found: '{partial}'")
        raise RallyRESTAPIError(f"No such accessible Project found: '{path}'")  # pragma: no cover

    # -- per-call augments ----------------------------------------------------------------
    def augments(
        self,
        workspace: Any = UNSET,
        project: Any = UNSET,
        scope_up: Any = None,
        scope_down: Any = None,
        scoping: bool = True,
    ) -> list[str]:
        """``workspace=... project=... projectScopeUp=... projectScopeDown=...`` for one call.

        ``workspace=None`` drops every context parameter; ``project=None`` drops the project
        and the scoping flags.  Nothing here changes the current workspace or project.
        """
        if workspace is None:
            return []
        ws = self.resolve_workspace_arg(workspace)
        params = [f"workspace={ws.ref}"]
        proj = self.resolve_project_arg(ws, project, workspace_given=workspace is not UNSET)
        if proj is None:
            return params
        params.append(f"project={proj.ref}")
        if scoping:
            params.append(f"projectScopeUp={scope_flag(scope_up)}")
            params.append(f"projectScopeDown={scope_flag(scope_down)}")
        return params

    def resolve_workspace_arg(self, workspace: Any) -> Target:
        assert self.workspace is not None
        if workspace is UNSET or workspace == "current":
            return self.workspace
        if isinstance(workspace, str) and not workspace.strip():
            return self.workspace  # pyral 1.7.0 read a blank workspace as "the current one"
        if isinstance(workspace, str):
            tail = workspace.rstrip("/").split("/")
            if len(tail) >= 2 and tail[-2].lower() == "workspace" and tail[-1].isdigit():
                oid = int(tail[-1])
                return self.workspaces_by_oid.get(oid) or Target("workspace", workspace, oid)
            ws = self.find_workspace(workspace)
            if ws is not None:
                return ws
        elif hasattr(workspace, "oid") and getattr(workspace, "_type", "") == "Workspace":
            return self._remember_workspace(
                Target("workspace", getattr(workspace, "Name", ""), int(workspace.oid))
            )
        raise RallyRESTAPIError(
            f'Workspace specified: "{workspace}" not accessible with current credentials'
        )

    def resolve_project_arg(
        self, ws: Target, project: Any, workspace_given: bool = False
    ) -> Target | None:
        if project is None or (isinstance(project, str) and not project.strip()):
            return None  # a blank project, as in pyral 1.7.0, means no project parameter
        if project is UNSET or project == "current":
            if workspace_given and self.workspace is not None and ws.oid != self.workspace.oid:
                return None  # Q11: another workspace, no project named -> the whole workspace
            return self.project
        if isinstance(project, str):
            found = self.find_project(ws, project) if project else None
            if found is not None:
                return found
        elif hasattr(project, "oid") and getattr(project, "_type", "") == "Project":
            return Target("project", getattr(project, "Name", ""), int(project.oid))
        raise RallyRESTAPIError(
            f'Project specified: "{project}" (in workspace: "{ws.name}") not accessible with current credentials'
        )

    def status(self) -> str | bool:
        """pyral's ``_wpCacheStatus`` vocabulary."""
        if self.workspace is None:
            return False
        if self.all_workspaces_loaded:
            return "wide"
        if any(d.complete for d in self.projects.values()):
            return "narrow"
        return "minimal"
