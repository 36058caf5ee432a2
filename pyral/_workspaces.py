"""Workspace and project context methods of ``Rally``: get/set the current ones, list them.

The resolution itself (names, paths, defaults, caches) is ``pyral._context``'s job; these
methods turn its targets into shell entities and switch the client's current context.
"""

from __future__ import annotations

from typing import Any

from pyral._context import PROJECT_PATH_ELEMENT_SEPARATOR, Target
from pyral.exceptions import RallyRESTAPIError


class WorkspacesMixin:
    """Mixed into :class:`pyral.restapi.Rally` (``self`` is the client)."""

    # -- workspaces / projects ---------------------------------------------------------------
    def _shell(self: Any, target: Target, type_name: str) -> Any:
        item = {
            "_ref": target.ref,
            "_refObjectName": target.name,
            "_type": type_name,
            "ObjectID": str(target.oid),
            "Name": target.name,
        }
        shell = self._hydrator("shell").hydrateInstance(item)
        # pyral 1.7.0's context objects carry ``ref`` as an instance attribute (in __dict__)
        shell.__dict__["ref"] = target.ref
        return shell

    def getWorkspace(self: Any) -> Any:
        """Shell Workspace for the current workspace (no request)."""
        assert self._resolver.workspace is not None
        return self._shell(self._resolver.workspace, "Workspace")

    def getWorkspaces(self: Any) -> list[Any]:
        """Shell Workspaces of every open workspace, sorted by name (isolated: just the current)."""
        return [self._shell(ws, "Workspace") for ws in self._resolver.load_workspaces()]

    def setWorkspace(self: Any, workspaceName: str) -> None:
        """Make another workspace current, choosing its project as pyral 1.7.0 does.

        Observed with pyral 1.7.0: the new workspace's project with the current project's
        name, when there is one (lowest ObjectID among same-named ones), else the
        alphabetically first project of the new workspace.
        """
        resolver = self._resolver
        current = resolver.workspace
        ws = self._switchable_workspace(workspaceName)
        if current is not None and ws.oid == current.oid:
            return
        project = None
        if resolver.project is not None and resolver.project.name:
            try:
                project = resolver.find_project(ws, resolver.project.name)
            except RallyRESTAPIError:
                project = None  # a path that does not exist in the new workspace
        if project is None:
            project = resolver.first_project(ws)
        resolver.workspace = ws
        resolver.project = project

    def _switchable_workspace(self: Any, workspaceName: str) -> Target:
        """The workspace ``setWorkspace(workspaceName)`` would make current, or pyral's error."""
        current = self._resolver.workspace
        if self.isolated_workspace and current is not None and workspaceName != current.name:
            raise RallyRESTAPIError(
                "No reset of of the Workspace is permitted when the isolated_workspace option is specified"
            )
        ws = self._resolver.find_workspace(workspaceName) if workspaceName else None
        if ws is None or (ws.state not in (None, "Open")):
            raise Exception(
                "Specified workspace not valid for your credentials or is in a Closed state"
            )
        return ws

    def getProject(self: Any, name: str | None = None) -> Any:
        """Current project (no name), or a project of the current workspace by name or path."""
        resolver = self._resolver
        if name is None:
            assert resolver.project is not None
            return self._shell(resolver.project, "Project")
        assert resolver.workspace is not None
        found = resolver.find_project(resolver.workspace, name)
        return self._shell(found, "Project") if found is not None else None

    def getProjects(self: Any, workspace: str | None = None) -> list[Any]:
        """Shell Projects (sorted by name, duplicate names once) of a workspace; [] if unknown."""
        ws = (
            self._resolver.workspace
            if workspace is None
            else self._resolver.find_workspace(workspace)
        )
        if ws is None:
            return []
        directory = self._resolver.load_projects(ws)
        return [
            self._shell(p, "Project")
            for p in sorted(directory.by_name.values(), key=lambda p: p.name)
        ]

    def setProject(self: Any, projectName: str) -> None:
        """Make a project of the current workspace current (name or ``A // B`` path)."""
        resolver = self._resolver
        assert resolver.workspace is not None
        project: Target | None
        if PROJECT_PATH_ELEMENT_SEPARATOR in str(projectName):
            project = resolver.resolve_path(resolver.workspace, projectName)
        else:
            project = (
                resolver.find_project(resolver.workspace, projectName) if projectName else None
            )
            if project is None:
                raise Exception(
                    "Specified project not valid for your current workspace or credentials"
                )
        resolver.project = project

    def subscriptionName(self: Any) -> str | None:
        """Name of the subscription (fetched on first use)."""
        resolver = self._resolver
        if resolver.subscription_name is None:
            env = self._fetch(f"{self.service_url}/subscription?fetch=Name,ObjectID")
            sub = (
                env.object
                if env.kind == "ImpliedQuery"
                else (env.results[0] if env.results else {})
            )
            resolver.subscription_name = (sub or {}).get("Name")
            resolver.subscription_ref = (sub or {}).get("_ref", resolver.subscription_ref)
        return resolver.subscription_name

    def _wpCacheStatus(self: Any) -> str | bool:
        return self._resolver.status()
