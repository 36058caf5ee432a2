"""Large emulator data sets for the benchmarks: a seed generator and a fast bulk loader.

The generated data has the demo subscription's shape (``pyral.emulator.demo``): the demo
users, projects, sprints, releases and tags, plus ``artifacts`` extra work items in the
*Demo Workspace* — stories (some with tags, all with an owner and a sprint), their tasks,
and defects.  Two ways to load it:

* :func:`big_seed` returns an ordinary seed document; ``load_seed`` accepts it and checks
  every value, but spends ~0.2 ms per object on that (about 25 s for 100,000 artifacts);
* :func:`load_big` loads the same document with the structural part through ``load_seed``
  and the generated artifacts through one ``executemany`` per table, reproducing the rows
  ``load_seed`` would have written (ids, FormattedIDs, ranks, defaults, derived fields,
  revision histories).  ``tests/emulator/test_scale_smoke.py`` holds the two paths to
  identical stores, so the fast path cannot silently drift from the real loader.

The Demo Workspace is listed *last* in the generated seed, so its generated artifacts are
the very last objects ``load_seed`` creates: that is what lets the bulk path continue the
id counters exactly where the structural load stopped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pyral.emulator.backend import computed
from pyral.emulator.demo import DEMO_WORKSPACE, TEAMS, demo_seed
from pyral.emulator.schema import Schema
from pyral.emulator.seed import SeedResult, load_seed, workspace_schema
from pyral.emulator.store import Row, Store, make_uuid, rank_between

__all__ = [
    "BULK_TYPES",
    "BigData",
    "big_seed",
    "generated_objects",
    "load_big",
]

#: the only types the bulk path knows how to write (everything the generator emits).
BULK_TYPES = ("HierarchicalRequirement", "Task", "Defect")

_OWNERS = ["demo@example.com", "alice@example.com", "bob@example.com", "carol@example.com"]
_TAGS = ["urgent", "regression", "ux", "performance", "security", "tech-debt"]
_SCHEDULE = ["Defined", "In-Progress", "Completed", "Accepted"]
_TASK_STATES = ["Defined", "In-Progress", "Completed"]
_DEFECT_STATES = ["Submitted", "Open", "Fixed", "Closed"]
_SEVERITIES = ["Crash/Data Loss", "Major Problem", "Minor Problem", "Cosmetic", "None"]
_PRIORITIES = ["Resolve Immediately", "High Attention", "Normal", "Low", "None"]
_ROOT_CAUSES = ["Code", "Configuration", "Requirements", "Environment", "Third Party"]
_AREAS = ["checkout", "search", "cart", "login", "catalog", "payment", "profile", "shipping",
          "wishlist", "reviews", "coupons", "inventory"]  # fmt: skip
_VERBS = ["Improve", "Fix", "Speed up", "Redesign", "Localise", "Audit", "Simplify"]
_TASK_VERBS = ["Design", "Implement", "Write tests", "Code review"]
#: per ten artifacts: three stories with 2, 1 and 1 tasks, then three defects.
_PATTERN = (("S", 2), ("S", 1), ("S", 1), ("D", 0), ("D", 0), ("D", 0))


def _team_key(path: str) -> str:
    return path.rsplit(" // ", 1)[-1].lower().replace(" ", "-")


def generated_objects(artifacts: int, *, defects_only: bool = False) -> Iterator[dict[str, Any]]:
    """Seed ``objects`` entries for ``artifacts`` work items, deterministic for a given count.

    Mixed mode keeps Rally's usual proportions (30 % stories, 40 % tasks, 30 % defects);
    ``defects_only`` makes every item a defect (the client benchmarks stream one type).
    """
    if artifacts < 0:
        raise ValueError("artifacts must be >= 0")
    made = 0
    n = 0  # running item number, drives every attribute choice
    while made < artifacts:
        for kind, tasks in _PATTERN if not defects_only else (("D", 0),):
            if made >= artifacts:
                return
            n += 1
            team = TEAMS[n % len(TEAMS)]
            tkey = _team_key(team)
            area = _AREAS[n % len(_AREAS)]
            owner = _OWNERS[n % len(_OWNERS)]
            if kind == "S":
                key = f"big-us-{n}"
                state = _SCHEDULE[n % 4]
                story: dict[str, Any] = {
                    "_type": "HierarchicalRequirement", "_key": key,
                    "Name": f"{_VERBS[n % len(_VERBS)]} {area} flow #{n}",
                    "Project": team, "Owner": owner, "ScheduleState": state,
                    "PlanEstimate": [1, 2, 3, 5, 8][n % 5],
                    "Iteration": {"_key": f"it-{tkey}-{1 + n % 3}"},
                    "Release": {"_key": "rel-1"},
                    "Description": f"Generated story {n} about the {area} area.",
                }  # fmt: skip
                if n % 7 == 0:
                    story["Tags"] = [{"_key": f"tag-{_TAGS[(n // 7) % len(_TAGS)]}"}]
                yield story
                made += 1
                for k in range(tasks):
                    if made >= artifacts:
                        return
                    yield {
                        "_type": "Task", "Name": f"{_TASK_VERBS[k]}: {area} #{n}",
                        "WorkProduct": {"_key": key}, "Owner": _OWNERS[(n + k) % len(_OWNERS)],
                        "State": _TASK_STATES[(n + k) % 3], "Estimate": 2 + k, "ToDo": 1 + k,
                        "TaskIndex": k,
                    }  # fmt: skip
                    made += 1
            else:
                state = _DEFECT_STATES[n % 4]
                defect: dict[str, Any] = {
                    "_type": "Defect",
                    "Name": f"{['Crash', 'Wrong total', 'Slow page', 'Typo'][n % 4]} in {area} #{n}",
                    "Project": team, "Owner": owner, "State": state,
                    "Severity": _SEVERITIES[n % 5], "Priority": _PRIORITIES[(n // 5) % 5],
                    "ScheduleState": "Accepted" if state == "Closed" else _SCHEDULE[n % 3],
                    "c_RootCause": _ROOT_CAUSES[n % 5],
                }  # fmt: skip
                if n % 11 == 0:
                    defect["Tags"] = [{"_key": f"tag-{_TAGS[(n // 11) % len(_TAGS)]}"}]
                yield defect
                made += 1


def big_seed(artifacts: int, *, defects_only: bool = False) -> dict[str, Any]:
    """The demo seed plus ``artifacts`` generated work items in the Demo Workspace (last)."""
    seed = demo_seed()
    workspaces = seed["workspaces"]
    demo = next(w for w in workspaces if w["Name"] == DEMO_WORKSPACE)
    workspaces.remove(demo)
    workspaces.append(demo)
    demo["objects"].extend(generated_objects(artifacts, defects_only=defects_only))
    return seed


@dataclass
class BigData:
    """What :func:`load_big` built: the seed result plus load timings (seconds)."""

    result: SeedResult
    workspace: int
    artifacts: int
    seconds_structure: float
    seconds_bulk: float


def load_big(store: Store, schema: Schema, seed: dict[str, Any], *, bulk: bool = True) -> BigData:
    """Load a :func:`big_seed` document; ``bulk=False`` uses ``load_seed`` for everything.

    The generated tail (every entry of the last workspace whose ``_type`` is a bulk type and
    that comes after the last non-bulk entry) goes through the bulk path.
    """
    objects = seed["workspaces"][-1]["objects"]
    cut = len(objects)
    while cut > 0 and objects[cut - 1].get("_type") in BULK_TYPES:
        cut -= 1
    # keep the demo's own hand-written stories and defects on the normal path
    structural, generated = (objects, []) if not bulk else (objects[:cut], objects[cut:])
    t0 = time.perf_counter()
    seed["workspaces"][-1]["objects"] = structural
    try:
        result = load_seed(store, schema, seed)
    finally:
        seed["workspaces"][-1]["objects"] = objects
    t1 = time.perf_counter()
    ws = result.workspaces[seed["workspaces"][-1]["Name"]]
    if generated:
        _BulkWriter(store, schema, seed, result, ws).write(generated)
    t2 = time.perf_counter()
    return BigData(result, ws, len(generated) if bulk else 0, t1 - t0, t2 - t1)


class _BulkWriter:
    """Writes generated artifacts the way the seed loader would, minus per-row round trips."""

    def __init__(
        self, store: Store, base: Schema, seed: dict[str, Any], result: SeedResult, ws: int
    ) -> None:
        self.store = store
        self.schema = workspace_schema(store, base, ws)
        self.result = result
        self.ws = ws
        self.ws_name = seed["workspaces"][-1]["Name"]
        self.now = seed["now"]
        self.subscription = result.subscription
        self.creator = result.users[seed["users"][0]["UserName"]]
        self.users = {name.lower(): oid for name, oid in result.users.items()}
        self.projects = result.projects[self.ws_name]
        self.rows: dict[int, Row] = {}

    def _project(self, path: str) -> int:
        if path in self.projects:
            return self.projects[path]
        tail = [p for p in self.projects if p.endswith(" // " + path)]
        if len(tail) != 1:
            raise ValueError(f"bulk load: project {path!r} is unknown or ambiguous")
        return self.projects[tail[0]]

    def _ref(self, value: Any, what: str) -> int:
        if isinstance(value, dict) and set(value) == {"_key"}:
            oid = self.result.keys.get(value["_key"])
            if oid is None:
                raise ValueError(f"bulk load: {what}: unknown _key {value['_key']!r}")
            return oid
        if isinstance(value, str) and value.lower() in self.users:
            return self.users[value.lower()]
        raise ValueError(f"bulk load: {what}: cannot resolve {value!r}")

    def _base(self, td: Any, oid: int, data: dict[str, Any]) -> dict[str, Any]:
        """The bookkeeping attributes every seeded row starts with (as the loader sets them)."""
        base: dict[str, Any] = {
            "ObjectID": oid,
            "ObjectUUID": make_uuid(oid),
            "VersionId": "1",
            "CreationDate": data.pop("CreationDate", None) or self.now,
        }
        if td.attribute("Subscription"):
            base["Subscription"] = self.subscription
        if td.attribute("Workspace"):
            base["Workspace"] = self.ws
        if td.attribute("LastUpdateDate"):
            base["LastUpdateDate"] = base["CreationDate"]
        base.update(data)
        computed.fill_booleans(td, base)
        return base

    def write(self, entries: list[dict[str, Any]]) -> None:
        schema = self.schema
        rh_td, rev_td = schema.get("RevisionHistory"), schema.get("Revision")
        conn_counters = self.store.connection().execute("SELECT name, value FROM counters")
        counters = dict(conn_counters.fetchall())
        next_oid = counters["oid"] + 1
        fids: dict[str, int] = {}
        bottom = (
            self.store.connection()
            .execute(
                "SELECT MAX(rank) FROM objects WHERE workspace = ? AND rank IS NOT NULL",
                (self.ws,),
            )
            .fetchone()[0]
        )
        out: list[tuple[Any, ...]] = []
        for n, entry in enumerate(entries):
            tname = entry["_type"]
            td = schema.get(tname)
            data: dict[str, Any] = {}
            for name, value in entry.items():
                if name in ("_type", "_key"):
                    continue
                attr = td.attribute(name)
                if attr is None:
                    raise ValueError(f"bulk load: entry {n}: {tname} has no attribute {name!r}")
                if name == "Project":
                    data[name] = self._project(value)
                elif attr.attr_type == "COLLECTION":
                    data[name] = [self._ref(v, name) for v in value]
                elif attr.attr_type == "OBJECT":
                    data[name] = None if value is None else self._ref(value, name)
                else:
                    data[name] = value
            for attr in td.attributes.values():
                if attr.default is not None and attr.name not in data:
                    data[attr.name] = attr.default
            project = self._derive(tname, data)
            oid = next_oid
            next_oid += 1
            row = Row(oid, tname, self.ws, project, None, None, False, 1, self._base(td, oid, data))
            if td.id_prefix:
                fids[tname] = fids.get(tname) or counters.get(f"fid:{self.ws}:{tname}", 0)
                fids[tname] += 1
                row.fid_num = fids[tname]
                row.data["FormattedID"] = f"{td.id_prefix}{row.fid_num}"
            if "DragAndDropRank" in td.attributes:  # as the seed loader (tasks too)
                bottom = row.rank = rank_between(bottom, None)
                row.data["DragAndDropRank"] = row.rank
            if row.data.get("CreatedBy") is None:
                row.data["CreatedBy"] = self.creator
            rh_oid, rev_oid = next_oid, next_oid + 1
            next_oid += 2
            rh = self._base(rh_td, rh_oid, {})
            rev = self._base(
                rev_td,
                rev_oid,
                {
                    "RevisionHistory": rh_oid,
                    "RevisionNumber": 0,
                    "Description": "Original revision",
                    "User": row.data.get("CreatedBy") or self.creator,
                    "CreationDate": row.data.get("CreationDate"),
                },
            )
            row.data["RevisionHistory"] = rh_oid
            out.append((oid, tname, self.ws, project, row.fid_num, row.rank, row.data))
            out.append((rh_oid, "RevisionHistory", self.ws, None, None, None, rh))
            out.append((rev_oid, "Revision", self.ws, None, None, None, rev))
            self.rows[oid] = row
            if "_key" in entry:
                self.result.keys[entry["_key"]] = oid
        dumps = json.JSONEncoder(separators=(",", ":")).encode
        with self.store.write() as conn:
            conn.executemany(
                "INSERT INTO objects(oid, type, workspace, project, fid_num, rank, recycled,"
                " version, data) VALUES(?, ?, ?, ?, ?, ?, 0, 1, ?)",
                ((*t[:6], dumps(t[6])) for t in out),
            )
            final = {"oid": next_oid - 1}
            final.update({f"fid:{self.ws}:{t}": v for t, v in fids.items()})
            conn.executemany(
                "INSERT INTO counters(name, value) VALUES(?, ?)"
                " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                list(final.items()),
            )
            computed.recompute_workspace(computed.StoreEnv(self.store, conn, schema), self.ws)

    def _derive(self, tname: str, data: dict[str, Any]) -> int | None:
        """Rally-derived values for the bulk types (the seed loader's ``_derive`` subset)."""
        project = data.get("Project")
        if tname == "Task":
            wp = self.rows.get(data.get("WorkProduct"))  # type: ignore[arg-type]
            if wp is None:
                raise ValueError("bulk load: a Task's WorkProduct must be a generated story")
            project = wp.project
            data["Iteration"] = wp.data.get("Iteration")
            data["Release"] = wp.data.get("Release")
        if project is None:
            project = next(iter(self.projects.values()))
        data["Project"] = project
        if tname == "HierarchicalRequirement":
            data["HasParent"] = data.get("Parent") is not None
            data["Feature"] = data.get("PortfolioItem")
        if tname != "Task":  # stories and defects are schedulable
            state = data.get("ScheduleState")
            if state in ("In-Progress", "Completed", "Accepted"):
                data.setdefault("InProgressDate", self.now)
            if state == "Accepted":
                data.setdefault("AcceptedDate", self.now)
        if tname == "Defect" and data.get("State") == "Closed":
            data.setdefault("ClosedDate", self.now)
        return project


if __name__ == "__main__":
    # Write a seed file for the emulator CLI: python benchmarks/bigseed.py 100000 big.json
    # (python -m pyral.emulator --seed big.json then loads it through load_seed: slower.)
    import sys

    if len(sys.argv) != 3 or not sys.argv[1].isdigit():
        sys.exit("usage: python benchmarks/bigseed.py ARTIFACTS OUTPUT.json")
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        json.dump(big_seed(int(sys.argv[1])), out)
