"""Lookback snapshots through the backend: transactions, cascades, seeded history, visibility."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest
from test_backend_support import SEED, World

from pyral.emulator.backend import reading
from pyral.emulator.errors import LookbackError, WsapiError
from pyral.emulator.lookback.find import FindScope, compile_find, parse_instant
from pyral.emulator.lookback.service import run_query
from pyral.emulator.schema import Schema
from pyral.emulator.seed import SeedError, load_seed
from pyral.emulator.store import Store

END = "9999-01-01T00:00:00.000Z"


def history(world: World, oid: int) -> list[dict[str, Any]]:
    rows = world.store.connection().execute(
        "SELECT number, valid_from, valid_to, data FROM snapshots WHERE oid = ? ORDER BY number",
        (oid,),
    )
    return [{"n": n, "from": f, "to": t, **json.loads(d)} for n, f, t, d in rows]


def query(world: World, keys: dict[str, Any], user: Any = None) -> dict[str, Any]:
    return run_query(world.backend, user or world.ann, str(world.ws("Alpha").oid), keys)


def test_seeded_artifacts_have_one_current_snapshot(world: World) -> None:
    snaps = history(world, world.key("s1").oid)
    assert len(snaps) == 1 and snaps[0]["to"] == END and snaps[0]["n"] == 0
    assert snaps[0]["_ItemHierarchy"] == [world.key("s1").oid]
    root, team_a = world.project("Alpha", "Root"), world.project("Alpha", "Root // Team A")
    assert snaps[0]["_ProjectHierarchy"] == [root.oid, team_a.oid]
    assert history(world, world.key("tag1").oid) == []  # not an artifact
    task = history(world, world.key("t1").oid)[0]
    assert task["_ItemHierarchy"] == [world.key("s1").oid, world.key("t1").oid]


def test_failed_write_leaves_history_alone(world: World) -> None:
    oid = world.key("s1").oid
    before = history(world, oid)
    with pytest.raises(WsapiError):
        world.update("HierarchicalRequirement", oid, {"ScheduleState": "Pondering"})
    assert history(world, oid) == before


def test_update_chains_and_task_cascade(world: World) -> None:
    story, task = world.key("s1"), world.key("t1")
    world.update(
        "HierarchicalRequirement", story.oid, {"Iteration": f"iteration/{world.key('it1').oid}"}
    )
    snaps = history(world, story.oid)
    assert [s["n"] for s in snaps] == [0, 1]
    assert snaps[0]["to"] == snaps[1]["from"] and snaps[1]["to"] == END
    assert snaps[1]["_PreviousValues"] == {"Iteration": None}
    # the task followed its story's iteration: that is a change of the task too
    task_snaps = history(world, task.oid)
    assert task_snaps[-1]["Iteration"] == world.key("it1").oid and len(task_snaps) == 2


def test_rank_only_change_adds_no_snapshot(world: World) -> None:
    oid = world.key("s2").oid
    world.update("HierarchicalRequirement", oid, {}, rank_to="TOP")
    assert len(history(world, oid)) == 1


def test_same_millisecond_changes_stay_ordered(world: World, monkeypatch) -> None:
    from pyral.emulator.backend import context

    monkeypatch.setattr(context, "now_iso", lambda: "2030-01-01T00:00:00.000Z")
    story, _ = world.create("HierarchicalRequirement", {"Name": "fast"})
    world.update("HierarchicalRequirement", story.oid, {"ScheduleState": "In-Progress"})
    world.update("HierarchicalRequirement", story.oid, {"ScheduleState": "Completed"})
    snaps = history(world, story.oid)
    assert [s["ScheduleState"] for s in snaps] == ["Defined", "In-Progress", "Completed"]
    assert snaps[0]["from"] < snaps[1]["from"] < snaps[2]["from"]
    assert snaps[0]["to"] == snaps[1]["from"] and snaps[1]["to"] == snaps[2]["from"]


def test_child_story_changes_parent_children(world: World) -> None:
    parent = world.key("s2")
    child, _ = world.create(
        "HierarchicalRequirement",
        {"Name": "child", "Parent": f"hierarchicalrequirement/{parent.oid}"},
    )
    parent_snaps = history(world, parent.oid)
    assert parent_snaps[-1]["Children"] == [child.oid]
    assert history(world, child.oid)[0]["_ItemHierarchy"] == [parent.oid, child.oid]


def test_unauthorized_projects(world: World, monkeypatch) -> None:
    hidden = world.project("Alpha", "Root // Team B")
    real = reading.visible
    monkeypatch.setattr(
        reading,
        "visible",
        lambda b, u, row: row is not None and row.oid != hidden.oid and real(b, u, row),
    )
    find = {"_TypeHierarchy": "HierarchicalRequirement", "__At": "current"}
    body = query(world, {"find": find, "fields": ["Name"]})
    assert [r["Name"] for r in body["Results"]] == ["Story one"]
    assert body["UnauthorizedProjects"] == [f"/project/{hidden.oid}"] and body["Warnings"]
    quiet = query(world, {"find": find, "fields": ["Name"], "removeUnauthorizedSnapshots": True})
    assert [r["Name"] for r in quiet["Results"]] == ["Story one"]
    assert "UnauthorizedProjects" not in quiet and quiet["Warnings"] == []


def test_other_workspace_is_refused(world: World) -> None:
    with pytest.raises(LookbackError) as caught:
        run_query(world.backend, world.bob, str(world.ws("Alpha").oid), {"find": {}})
    assert caught.value.http_status == 404


def test_parse_instant() -> None:
    assert parse_instant("2026-02-01") == "2026-02-01T00:00:00.000Z"
    assert parse_instant("2026-02-01T10:00:00+02:00") == "2026-02-01T08:00:00.000Z"
    assert parse_instant("yesterday") is None and parse_instant(5) is None


def test_compile_is_parameterised() -> None:
    scope = FindScope(types=lambda v: ["Defect"], projects=lambda oid: [oid])
    sql, params = compile_find({"Name": "x'); DROP TABLE snapshots; --"}, scope)
    assert "DROP" not in sql and params[0].startswith("x')")


# -- seeded history --------------------------------------------------------------------


def seeded(objects: list[dict[str, Any]], tmp_path) -> tuple[Store, dict[str, int]]:
    seed = copy.deepcopy(SEED)
    seed["workspaces"][0]["objects"] = [*seed["workspaces"][0]["objects"], *objects]
    store = Store(str(tmp_path / f"h{time.monotonic_ns()}.sqlite3"))
    result = load_seed(store, Schema.load_default(), seed)
    return store, result.keys


STORY = {"_type": "HierarchicalRequirement", "_key": "h1", "Name": "With history", "Project": "Team A",
         "ScheduleState": "Accepted", "Iteration": {"_key": "it1"}}  # fmt: skip


def test_seed_history(tmp_path) -> None:
    story = {**STORY, "_history": [
        {"at": "2024-01-01T09:00:00Z", "ScheduleState": "Defined", "Iteration": None},
        {"at": "2024-01-02", "Iteration": {"_key": "it1"}},
        {"at": "2024-01-03T10:00:00Z", "ScheduleState": "In-Progress"},
        {"at": "2024-01-05T10:00:00Z", "ScheduleState": "Accepted"},
    ]}  # fmt: skip
    store, keys = seeded([story], tmp_path)
    rows = (
        store.connection()
        .execute(
            "SELECT number, valid_from, valid_to, data FROM snapshots WHERE oid = ? ORDER BY number",
            (keys["h1"],),
        )
        .fetchall()
    )
    docs = [json.loads(r[3]) for r in rows]
    assert [d["ScheduleState"] for d in docs] == ["Defined", "Defined", "In-Progress", "Accepted"]
    assert [r[1] for r in rows] == [
        "2024-01-01T09:00:00.000Z", "2024-01-02T00:00:00.000Z",
        "2024-01-03T10:00:00.000Z", "2024-01-05T10:00:00.000Z",
    ]  # fmt: skip
    assert [r[2] for r in rows][:-1] == [r[1] for r in rows][1:] and rows[-1][2] == END
    assert docs[3]["_PreviousValues"] == {"ScheduleState": "In-Progress", "AcceptedDate": None}
    assert "AcceptedDate" not in docs[2] and "InProgressDate" in docs[2]
    live = store.get(keys["h1"])
    assert live is not None
    assert live.data["CreationDate"] == "2024-01-01T09:00:00.000Z"
    assert live.data["AcceptedDate"] == "2024-01-05T10:00:00.000Z"
    assert live.data["ScheduleState"] == "Accepted"


@pytest.mark.parametrize(
    ("history", "text"),
    [
        ([], "_history must be a non-empty list"),
        ("soon", "_history must be a non-empty list"),
        ([{"ScheduleState": "Defined"}], "an 'at' date"),
        ([{"at": "2024-01-02"}, {"at": "2024-01-01"}], "later than the entry before"),
        ([{"at": "2024-01-01", "ScheduleState": "Defined"}], "ends with ScheduleState = 'Defined'"),
        ([{"at": "2024-01-01", "NoSuchField": 1}], "has no attribute 'NoSuchField'"),
        ([{"at": "2024-01-01", "ScheduleState": "Pondering"}], "is not one of"),
        ([{"at": "next week"}], "cannot convert"),
    ],
)
def test_bad_seed_history(tmp_path, history: Any, text: str) -> None:
    with pytest.raises(SeedError, match=text.replace("(", r"\(")):
        seeded([{**STORY, "_history": history}], tmp_path)


def test_history_only_for_artifacts(tmp_path) -> None:
    with pytest.raises(SeedError, match="only artifacts"):
        seeded([{"_type": "Tag", "Name": "t", "_history": [{"at": "2024-01-01"}]}], tmp_path)


def test_hydrate_dotted_name_inside_objects(world: World) -> None:
    story = world.key("s1")
    world.update(
        "HierarchicalRequirement",
        story.oid,
        {"Project": f"project/{world.project('Alpha', 'Root // Team B').oid}"},
    )
    body = query(
        world,
        {
            "find": {"ObjectID": story.oid, "__At": "current"},
            "hydrate": ["Project", "_PreviousValues.Project"],
        },
    )
    (snap,) = body["Results"]
    assert snap["Project"] == "Team B" and snap["_PreviousValues"]["Project"] == "Team A"
