"""pyral 1.7.0's ``pyral.context`` names, as a thin view over a client's ``ContextResolver``.

Scripts and examples reach into ``rally.contextHelper`` (``identifyContext``,
``currentWorkspaceRef`` ...) and catch ``pyral.context.RallyRESTAPIError``.  The error class
is the very same object as ``pyral.RallyRESTAPIError`` (quirk Q1 fixed), and
``identifyContext`` here only *computes* augments: it no longer changes the client's current
workspace or project as a side effect (quirk Q9 fixed).
"""

from __future__ import annotations

from typing import Any

# the separator and the error class are re-exported: pyral 1.7.0 scripts import them from here
from pyral._context import PROJECT_PATH_ELEMENT_SEPARATOR as PROJECT_PATH_ELEMENT_SEPARATOR
from pyral._context import UNSET
from pyral.exceptions import RallyRESTAPIError as RallyRESTAPIError

__version__ = (1, 7, 0)

__all__ = ["RallyContext", "RallyContextHelper"]

INITIAL_REQUEST_TIME_LIMIT = 5
SERVICE_REQUEST_TIME_LIMIT = 120


class RallyContext:
    """A snapshot of who/where a request runs: server, user, subscription, workspace, project.

    As in pyral 1.7.0, ``workspace`` and ``project`` are *names*; the refs they stand for are
    kept too (``_workspace_ref`` / ``_project_ref``), so two same-named projects never make
    two contexts equal.
    """

    def __init__(
        self,
        server: str,
        user: str | None,
        password: str | None,
        service_url: str,
        subscription: str | None = None,
        workspace: str | None = None,
        project: str | None = None,
    ) -> None:
        self.server = server
        self.user = user
        self.password = password
        self.service_url = service_url
        self.subs_name = subscription
        self.workspace = workspace
        self.project = project
        self._workspace_ref: str | None = None
        self._project_ref: str | None = None
        self._agent: Any = None

    def _masked_password(self) -> str | None:
        return "****" if self.password else self.password

    def asDict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "user": self.user,
            "password": self._masked_password(),
            "subscription": self.subs_name,
            "workspace": self.workspace,
            "project": self.project,
        }

    def serviceURL(self) -> str:
        return self.service_url

    def subscription(self) -> str | None:
        return self.subs_name

    def identity(self) -> str:
        """``server | user | password | subscription | workspace | project`` (password masked)."""
        fields = (
            self.server,
            self.user,
            self._masked_password(),
            self.subs_name,
            self.workspace,
            self.project,
        )
        return " | ".join(str(v) for v in fields)

    def __repr__(self) -> str:
        return self.identity()

    def _key(self) -> tuple[Any, ...]:
        """What a context *is*: where requests go, as whom, in which workspace and project.

        The password is left out: it is not part of where a request runs, and a hash or a
        comparison must never depend on a secret.
        """
        return (
            self.server,
            self.user,
            self.service_url,
            self.subs_name,
            self.workspace,
            self.project,
            self._workspace_ref,
            self._project_ref,
        )

    def __eq__(self, other: object) -> bool:
        """By value, so a snapshot taken twice with nothing changed compares equal."""
        if not isinstance(other, RallyContext):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


class RallyContextHelper:
    """pyral's context helper API on top of the client's resolver."""

    def __init__(self, agent: Any, server: str, user: str | None, password: str | None) -> None:
        self.agent = agent
        self.server = server
        self.user = user
        self.password = password
        # The last context handed out; given again while nothing it describes has changed
        # (pyral returned one object too).  Per helper, hence per client: never shared.
        self._last: RallyContext | None = None

    @property
    def _resolver(self) -> Any:
        return self.agent._resolver

    @property
    def user_oid(self) -> int | None:
        return self._resolver.user_oid

    @property
    def _inflated(self) -> str | bool:
        return self._resolver.status()

    def _name_of(self, ref: str | None) -> str | None:
        """The name behind a ``workspace/<oid>`` or ``project/<oid>`` ref, when known."""
        if ref is None:
            return None
        resolver = self._resolver
        kind, _, oid_text = ref.rpartition("/")
        oid = int(oid_text) if oid_text.isdigit() else None
        for current in (resolver.workspace, resolver.project):
            if current is not None and current.ref == ref:
                return str(current.name)
        if oid is not None and kind.endswith("workspace"):
            known = resolver.workspaces_by_oid.get(oid)
            return str(known.name) if known is not None else ref
        if oid is not None and kind.endswith("project"):
            for directory in list(resolver.projects.values()):
                found = directory.by_oid.get(oid)
                if found is not None:
                    return str(found.name)
        return ref

    def _context(self, workspace_ref: str | None, project_ref: str | None) -> RallyContext:
        """The context for these refs: the current one's object when it describes them."""
        last = self._last
        if (
            last is not None
            and last._workspace_ref == workspace_ref
            and last._project_ref == project_ref
            and last.workspace == self._name_of(workspace_ref)
            and last.project == self._name_of(project_ref)
            and last.subs_name == self._resolver.subscription_name
            and last.service_url == self.agent.service_url
        ):
            return last
        ctx = RallyContext(
            self.server,
            self.user,
            self.password,
            self.agent.service_url,
            self._resolver.subscription_name,
            self._name_of(workspace_ref),
            self._name_of(project_ref),
        )
        ctx._workspace_ref = workspace_ref
        ctx._project_ref = project_ref
        ctx._agent = self.agent
        return ctx

    def currentContext(self) -> RallyContext:
        """The current context; the same object until the workspace or project changes."""
        ctx = self._context(self.currentWorkspaceRef(), self.currentProjectRef())
        self._last = ctx
        return ctx

    def identifyContext(self, **kwargs: Any) -> tuple[RallyContext, list[str]]:
        """(context, augments) for a call with these ``workspace=`` / ``project=`` / scope kwargs."""
        workspace = kwargs.get("workspace", UNSET)
        project = kwargs.get("project", UNSET)
        augments = self._resolver.augments(
            workspace, project, kwargs.get("projectScopeUp"), kwargs.get("projectScopeDown")
        )
        ws_ref = next((a.split("=", 1)[1] for a in augments if a.startswith("workspace=")), None)
        proj_ref = next((a.split("=", 1)[1] for a in augments if a.startswith("project=")), None)
        return self._context(ws_ref, proj_ref), augments

    def currentWorkspaceRef(self) -> str | None:
        ws = self._resolver.workspace
        return ws.ref if ws is not None else None

    def currentProjectRef(self) -> str | None:
        proj = self._resolver.project
        return proj.ref if proj is not None else None

    def getWorkspace(self) -> tuple[str, str] | None:
        ws = self._resolver.workspace
        return (ws.name, ws.ref) if ws is not None else None

    getCurrentWorkspace = getWorkspace

    def getProject(self) -> tuple[str, str] | None:
        proj = self._resolver.project
        return (proj.name, proj.ref) if proj is not None else None

    def getAccessibleWorkspaces(self) -> list[tuple[str, str]]:
        return [(ws.name, ws.ref) for ws in self._resolver.load_workspaces()]

    def getAccessibleProjects(self, workspace: str = "default") -> list[tuple[str, str]]:
        resolver = self._resolver
        ws = (
            resolver.workspace
            if workspace in (None, "default", "current")
            else resolver.find_workspace(workspace)
        )
        if ws is None:
            return []
        directory = resolver.load_projects(ws)
        return [(p.name, p.ref) for p in sorted(directory.by_name.values(), key=lambda p: p.name)]

    def isAccessibleWorkspaceName(self, workspace_name: str) -> bool:
        return self._resolver.find_workspace(workspace_name) is not None

    def setWorkspace(self, workspace_name: str) -> None:
        self.agent.setWorkspace(workspace_name)

    def setProject(self, project_name: str, name: Any = None) -> None:
        self.agent.setProject(project_name)

    def check(
        self,
        server: str,
        workspace: Any = None,
        project: Any = None,
        isolated_workspace: bool = False,
    ) -> None:
        """Re-establish the current workspace and project (pyral ran this at construction).

        ``None`` / ``'default'`` mean the user's defaults.  The same errors as the ``Rally``
        constructor are raised; the server argument is accepted for compatibility only.
        """
        wanted_ws = None if workspace in (None, "", "default") else workspace
        wanted_proj = None if project in (None, "", "default") else project
        self._resolver.isolated = bool(isolated_workspace) or self._resolver.isolated
        self._resolver.connect(wanted_ws, wanted_proj)

    def resetDefaultProject(self) -> None:
        """Make the user's default project current again, when it is in the current workspace.

        Otherwise the alphabetically first project of the current workspace becomes current.
        """
        resolver = self._resolver
        ws = resolver.workspace
        if ws is None:
            return
        default = resolver.default_project_in(ws)
        if default is not None:
            resolver.project = resolver._remember_project(ws, default, by_name=False)
            return
        first = resolver.first_project(ws)
        if first is not None:
            resolver.project = first

    def getSchemaItem(self, entity_name: str) -> Any:
        return self.agent.typedef(entity_name)
