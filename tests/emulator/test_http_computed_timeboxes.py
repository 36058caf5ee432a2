"""Iterations' and releases' computed totals over HTTP (issue 8, item 1, review): before,
every iteration read ``TaskEstimateTotal`` 0.0 (summed over tasks whose *WorkProduct* was the
iteration) and ``PlanEstimate`` null."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from conftest import Wsapi

TOTALS = ("PlanEstimate", "TaskEstimateTotal", "TaskRemainingTotal", "TaskActualTotal")


def _oid(obj: dict[str, Any]) -> int:
    return int(obj["ObjectID"])


def _box(wsapi: Wsapi, path: str, oid: int) -> dict[str, Any]:
    body = wsapi.get(f"{path}/{oid}", {"fetch": "true"})
    return next(iter(body.values()))


def _totals(wsapi: Wsapi, path: str, oid: int) -> tuple[float, ...]:
    found = _box(wsapi, path, oid)
    return tuple(found[name] for name in TOTALS)


def _iteration(wsapi: Wsapi, name: str) -> dict[str, Any]:
    return wsapi.create(
        "Iteration",
        {"Name": name, "StartDate": "2026-05-01", "EndDate": "2026-05-14", "State": "Planning"},
    )


def test_iteration_totals_follow_scheduled_items_and_tasks(wsapi: Wsapi) -> None:
    it1, it2 = _iteration(wsapi, "box one"), _iteration(wsapi, "box two")
    assert _totals(wsapi, "iteration", _oid(it1)) == (0.0, 0.0, 0.0, 0.0)
    iref = f"iteration/{_oid(it1)}"
    story = wsapi.create(
        "HierarchicalRequirement", {"Name": "s", "PlanEstimate": 3, "Iteration": iref}
    )
    sref = f"hierarchicalrequirement/{_oid(story)}"
    defect = wsapi.create("Defect", {"Name": "d", "PlanEstimate": 2, "Iteration": iref})
    task = wsapi.create("Task", {"Name": "t", "WorkProduct": sref, "Estimate": 5, "ToDo": 4})
    wsapi.create("Task", {"Name": "u", "WorkProduct": sref, "Estimate": 1, "Actuals": 2})
    assert _totals(wsapi, "iteration", _oid(it1)) == (5.0, 6.0, 4.0, 2.0)
    # queryable and sortable like any attribute
    found = wsapi.get(
        "iteration",
        {
            "query": f"((TaskEstimateTotal = 6) AND (ObjectID = {_oid(it1)}))",
            "order": "PlanEstimate desc",
        },
    )["QueryResult"]
    assert found["TotalResultCount"] == 1
    # a task update, then the story moving to the other iteration (its tasks follow)
    wsapi.post(f"task/{_oid(task)}", {"Task": {"ToDo": 1}})
    assert _totals(wsapi, "iteration", _oid(it1))[2] == 1.0
    wsapi.post(sref, {"HierarchicalRequirement": {"Iteration": f"iteration/{_oid(it2)}"}})
    assert _totals(wsapi, "iteration", _oid(it1)) == (2.0, 0.0, 0.0, 0.0)
    assert _totals(wsapi, "iteration", _oid(it2)) == (3.0, 6.0, 1.0, 2.0)
    # deleting the story sends it and its tasks to the recycle bin
    assert wsapi.delete(sref)["OperationResult"]["Errors"] == []
    assert _totals(wsapi, "iteration", _oid(it2)) == (0.0, 0.0, 0.0, 0.0)
    wsapi.post(f"defect/{_oid(defect)}", {"Defect": {"PlanEstimate": 8}})
    assert _totals(wsapi, "iteration", _oid(it1))[0] == 8.0


def test_a_parent_story_is_not_counted_twice(wsapi: Wsapi) -> None:
    it = _iteration(wsapi, "box parent")
    iref = f"iteration/{_oid(it)}"
    parent = wsapi.create(
        "HierarchicalRequirement", {"Name": "p", "PlanEstimate": 5, "Iteration": iref}
    )
    assert _totals(wsapi, "iteration", _oid(it))[0] == 5.0
    pref = f"hierarchicalrequirement/{_oid(parent)}"
    wsapi.create(
        "HierarchicalRequirement",
        {"Name": "c", "PlanEstimate": 2, "Parent": pref, "Iteration": iref},
    )
    assert _totals(wsapi, "iteration", _oid(it))[0] == 2.0


def test_release_accepted_and_totals(wsapi: Wsapi) -> None:
    release = wsapi.create(
        "Release",
        {
            "Name": "rel box",
            "ReleaseStartDate": "2026-05-01",
            "ReleaseDate": "2026-07-01",
            "State": "Planning",
        },
    )
    rref = f"release/{_oid(release)}"
    done = wsapi.create(
        "HierarchicalRequirement",
        {"Name": "a", "PlanEstimate": 3, "Release": rref, "ScheduleState": "Accepted"},
    )
    wsapi.create("HierarchicalRequirement", {"Name": "b", "PlanEstimate": 5, "Release": rref})
    wsapi.create(
        "Task", {"Name": "t", "WorkProduct": f"hierarchicalrequirement/{_oid(done)}", "Estimate": 2}
    )
    found = _box(wsapi, "release", _oid(release))
    assert (found["PlanEstimate"], found["Accepted"], found["TaskEstimateTotal"]) == (8.0, 3.0, 2.0)
    wsapi.post(
        f"hierarchicalrequirement/{_oid(done)}",
        {"HierarchicalRequirement": {"ScheduleState": "Completed"}},
    )
    assert _box(wsapi, "release", _oid(release))["Accepted"] == 0.0


def test_demo_iterations_add_up_their_tasks(wsapi: Wsapi) -> None:
    """The seed's iterations carry their tasks' sums (before: 0.0 on every iteration)."""
    iterations = wsapi.get(
        "iteration", {"fetch": "ObjectID,TaskEstimateTotal,PlanEstimate", "pagesize": 200}
    )
    some = 0
    for it in iterations["QueryResult"]["Results"]:
        tasks = wsapi.get(
            "task",
            {
                "query": f"(Iteration = iteration/{it['ObjectID']})",
                "fetch": "Estimate",
                "pagesize": 2000,
            },
        )["QueryResult"]["Results"]
        assert it["TaskEstimateTotal"] == pytest.approx(sum(t["Estimate"] or 0 for t in tasks))
        assert it["PlanEstimate"] is not None
        some += bool(tasks)
    assert some > 0


def test_concurrent_task_writes_keep_the_iteration_total(wsapi: Wsapi) -> None:
    it = _iteration(wsapi, "box busy")
    iref = f"iteration/{_oid(it)}"
    stories = [
        wsapi.create("HierarchicalRequirement", {"Name": f"busy {n}", "Iteration": iref})
        for n in range(4)
    ]
    failures: list[BaseException] = []

    def worker(story: dict[str, Any]) -> None:
        client = Wsapi(wsapi.server, apikey=wsapi.http.headers["ZSESSIONID"])
        try:
            for _ in range(5):
                client.create(
                    "Task",
                    {
                        "Name": "w",
                        "WorkProduct": f"hierarchicalrequirement/{_oid(story)}",
                        "Estimate": 1,
                    },
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(s,)) for s in stories]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert _totals(wsapi, "iteration", _oid(it))[1] == 20.0


def test_batch_entries_refresh_rollups_and_a_failed_entry_adds_nothing(wsapi: Wsapi) -> None:
    it = _iteration(wsapi, "box batch")
    story = wsapi.create(
        "HierarchicalRequirement", {"Name": "batchy", "Iteration": f"iteration/{_oid(it)}"}
    )
    sref = story["_ref"]

    def entry(name: str, estimate: int, state: str) -> dict[str, Any]:
        task = {"Name": name, "WorkProduct": sref, "Estimate": estimate, "State": state}
        return {"Entry": {"Path": "/task/create", "Method": "PUT", "Body": {"Task": task}}}

    batch = {
        "Batch": [entry("a", 2, "Completed"), entry("b", 3, "Bogus"), entry("c", 4, "Completed")]
    }
    results = wsapi.post("batch", batch)["BatchResult"]["Results"]
    assert [bool(r["Errors"]) for r in results] == [False, True, False]
    read = wsapi.get(sref, {"fetch": "TaskEstimateTotal,TaskStatus"})["HierarchicalRequirement"]
    assert (read["TaskEstimateTotal"], read["TaskStatus"]) == (6.0, "COMPLETED")
    assert _totals(wsapi, "iteration", _oid(it))[1] == 6.0


def test_a_story_has_a_parent_story_or_a_portfolio_item_not_both(wsapi: Wsapi) -> None:
    """Rally refuses both links (one story would count under two features otherwise)."""
    from pyral.emulator import errors

    feature = wsapi.create("PortfolioItem/Feature", {"Name": "one parent"})
    parent = wsapi.create("HierarchicalRequirement", {"Name": "parent story"})
    both = {"Name": "both", "Parent": parent["_ref"], "PortfolioItem": feature["_ref"]}
    made = wsapi.put("hierarchicalrequirement/create", {"HierarchicalRequirement": both})
    assert made["CreateResult"]["Errors"] == [errors.STORY_TWO_PARENTS]
    linked = wsapi.create(
        "HierarchicalRequirement", {"Name": "linked", "PortfolioItem": feature["_ref"]}
    )
    moved = wsapi.post(linked["_ref"], {"HierarchicalRequirement": {"Parent": parent["_ref"]}})
    assert moved["OperationResult"]["Errors"] == [errors.STORY_TWO_PARENTS]
    assert wsapi.get(linked["_ref"])["HierarchicalRequirement"]["Parent"] is None
    assert wsapi.get(feature["_ref"], {"fetch": "LeafStoryCount"})["Feature"]["LeafStoryCount"] == 1
    assert (
        wsapi.get(parent["_ref"], {"fetch": "DirectChildrenCount"})["HierarchicalRequirement"][
            "DirectChildrenCount"
        ]
        == 0
    )
