"""Shared seed and helpers for the backend tests (no tests here).

The seed is small but has everything the backend's rules depend on: two workspaces with
different grants, a project tree three levels deep, a closed workspace, work items in
several projects, a task under a story, a tag, a feature and a milestone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyral.emulator.backend import Backend
from pyral.emulator.schema import Schema
from pyral.emulator.seed import SeedResult, load_seed
from pyral.emulator.store import Row, Store

SEED: dict[str, Any] = {
    "users": [
        {
            "UserName": "ann@example.com",
            "DisplayName": "Ann",
            "Password": "ann-pw",
            "ApiKey": "_annkey",
            "DefaultWorkspace": "Alpha",
            "DefaultProject": "Root // Team A",
        },
        {
            "UserName": "bob@example.com",
            "DisplayName": "Bob",
            "Password": "bob-pw",
            "ApiKey": "_bobkey",
            "Workspaces": ["Beta"],
        },
        {"UserName": "dis@example.com", "ApiKey": "_diskey", "Password": "x", "Disabled": True},
    ],
    "workspaces": [
        {
            "Name": "Alpha",
            "projects": [
                {
                    "Name": "Root",
                    "Children": [
                        {"Name": "Team A"},
                        {"Name": "Team B", "Children": [{"Name": "Team B1"}]},
                    ],
                }
            ],
            "objects": [
                {"_type": "HierarchicalRequirement", "_key": "s1", "Name": "Story one", "Project": "Team A"},
                {"_type": "HierarchicalRequirement", "_key": "s2", "Name": "Story two", "Project": "Team B"},
                {"_type": "Defect", "_key": "d1", "Name": "Defect one", "Project": "Team B1"},
                {"_type": "Task", "_key": "t1", "Name": "Task one", "WorkProduct": {"_key": "s1"}},
                {"_type": "Tag", "_key": "tag1", "Name": "urgent"},
                {"_type": "Tag", "_key": "tag2", "Name": "later"},
                {"_type": "PortfolioItem/Feature", "_key": "f1", "Name": "Feature one", "Project": "Root"},
                {"_type": "Iteration", "_key": "it1", "Name": "Sprint 1", "StartDate": "2024-01-01",
                 "EndDate": "2024-01-14", "State": "Planning", "Project": "Team A"},
                {"_type": "Milestone", "_key": "m1", "Name": "Launch"},
            ],
        },
        {
            "Name": "Beta",
            "projects": [{"Name": "Beta Root"}],
            "objects": [{"_type": "Defect", "_key": "bd1", "Name": "Beta defect"}],
        },
        {"Name": "Gamma", "State": "Closed", "projects": [{"Name": "Gamma Root"}]},
    ],
}  # fmt: skip


@dataclass
class World:
    """A loaded store with its backend and the handy rows of the seed."""

    store: Store
    backend: Backend
    seed: SeedResult

    def row(self, oid: int) -> Row:
        found = self.store.get(oid)
        assert found is not None
        return found

    def key(self, name: str) -> Row:
        return self.row(self.seed.keys[name])

    def user(self, name: str) -> Row:
        return self.row(self.seed.users[name])

    @property
    def ann(self) -> Row:
        return self.user("ann@example.com")

    @property
    def bob(self) -> Row:
        return self.user("bob@example.com")

    def ws(self, name: str) -> Row:
        return self.row(self.seed.workspaces[name])

    def project(self, ws: str, path: str) -> Row:
        return self.row(self.seed.projects[ws][path])

    def typedef(self, name: str, ws: str = "Alpha") -> Any:
        return self.backend.lookup_type(name, self.seed.workspaces[ws])

    def count(self, type_name: str) -> int:
        return self.store.count("o.type = ?", [type_name])

    def snapshot(self) -> list[tuple[Any, ...]]:
        """Every row and counter, to prove a failed write stored nothing."""
        conn = self.store.connection()
        rows = conn.execute("SELECT * FROM objects ORDER BY oid").fetchall()
        counters = conn.execute("SELECT * FROM counters ORDER BY name").fetchall()
        return rows + counters

    def query(
        self, type_name: str, *, user: Row | None = None, ws: str = "Alpha", **kw: Any
    ) -> tuple[int, list[Row]]:
        args: dict[str, Any] = {
            "query": None,
            "order": None,
            "start": 1,
            "pagesize": 200,
            "workspace": self.ws(ws),
            "project": None,
            "scope_up": False,
            "scope_down": True,
        }
        args.update(kw)
        return self.backend.query(user or self.ann, self.typedef(type_name, ws), **args)

    def create(
        self,
        type_name: str,
        body: dict[str, Any],
        *,
        user: Row | None = None,
        ws: str = "Alpha",
        project: Row | None = None,
    ) -> tuple[Row, list[str]]:
        td = self.typedef(type_name, ws)
        return self.backend.create(
            user or self.ann, td, body, body_key=type_name, workspace=self.ws(ws), project=project
        )

    def update(
        self, type_name: str, oid: int, body: dict[str, Any], **kw: Any
    ) -> tuple[Row, list[str]]:
        user = kw.pop("user", None) or self.ann
        return self.backend.update(
            user, self.typedef(type_name), oid, body, body_key=type_name, **kw
        )


def make_world(tmp_path: Any) -> World:
    store = Store(str(tmp_path / "backend.sqlite3"))
    schema = Schema.load_default()
    seed = load_seed(store, schema, SEED)
    return World(store, Backend(store, schema), seed)
