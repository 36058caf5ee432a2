"""Computed fields over HTTP: boolean defaults, task and defect roll-ups on work products,
story counts, portfolio-item leaf-story roll-ups on every level, queries and sorts on them,
re-parenting and deletion, and concurrent child writes (issue 8, item 1)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from conftest import Wsapi


def _oid(obj: dict[str, Any]) -> int:
    return int(obj["ObjectID"])


def _read(wsapi: Wsapi, path: str, oid: int) -> dict[str, Any]:
    body = wsapi.get(f"{path}/{oid}", {"fetch": "true"})
    return next(iter(v for k, v in body.items() if isinstance(v, dict) and "ObjectID" in v))


def _story(wsapi: Wsapi, name: str, **extra: Any) -> dict[str, Any]:
    return wsapi.create("HierarchicalRequirement", {"Name": name, **extra})


def _task(wsapi: Wsapi, story: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return wsapi.create(
        "Task", {"Name": "t", "WorkProduct": f"hierarchicalrequirement/{_oid(story)}", **extra}
    )


def test_booleans_default_to_false_on_create(wsapi: Wsapi) -> None:
    story = _story(wsapi, "bools")
    for name in ("Blocked", "Ready", "Expedite", "HasParent", "Recycled"):
        assert story[name] is False, name
    feature = wsapi.create("PortfolioItem/Feature", {"Name": "bools feature"})
    assert feature["Ready"] is False
    assert feature["Expedite"] is False
    # Queryable as false, since false is stored, not null.
    found = wsapi.get(
        "hierarchicalrequirement",
        {"query": f'((Blocked = false) AND (ObjectID = "{_oid(story)}"))'},
    )["QueryResult"]
    assert found["TotalResultCount"] == 1


def test_boolean_set_to_null_reads_false(wsapi: Wsapi) -> None:
    story = _story(wsapi, "null bool", Blocked=True)
    assert story["Blocked"] is True
    wsapi.post(
        f"hierarchicalrequirement/{_oid(story)}", {"HierarchicalRequirement": {"Blocked": None}}
    )
    assert _read(wsapi, "hierarchicalrequirement", _oid(story))["Blocked"] is False


def test_demo_data_has_no_null_booleans(wsapi: Wsapi) -> None:
    rows = wsapi.get(
        "hierarchicalrequirement", {"fetch": "Blocked,Ready,HasParent", "pagesize": 200}
    )
    results = rows["QueryResult"]["Results"]
    assert results
    for row in results:
        assert row["Blocked"] in (True, False)
        assert row["Ready"] in (True, False)
        assert row["HasParent"] in (True, False)


def test_story_without_tasks_has_zero_totals(wsapi: Wsapi) -> None:
    story = _story(wsapi, "no tasks")
    assert story["TaskEstimateTotal"] == 0.0
    assert story["TaskRemainingTotal"] == 0.0
    assert story["TaskActualTotal"] == 0.0
    assert story["TaskStatus"] == "NONE"
    assert story["DefectStatus"] == "NONE"
    assert story["DirectChildrenCount"] == 0


def test_task_totals_and_status_follow_task_writes(wsapi: Wsapi) -> None:
    story = _story(wsapi, "with tasks")
    a = _task(wsapi, story, Estimate=3, ToDo=2, Actuals=1)
    _task(wsapi, story, Estimate=5.5, ToDo=4)
    now = _read(wsapi, "hierarchicalrequirement", _oid(story))
    assert (now["TaskEstimateTotal"], now["TaskRemainingTotal"], now["TaskActualTotal"]) == (
        8.5,
        6.0,
        1.0,
    )
    assert now["TaskStatus"] == "DEFINED"
    wsapi.post(f"task/{_oid(a)}", {"Task": {"State": "In-Progress", "ToDo": 0.5}})
    now = _read(wsapi, "hierarchicalrequirement", _oid(story))
    assert now["TaskStatus"] == "IN_PROGRESS"
    assert now["TaskRemainingTotal"] == 4.5
    wsapi.post(f"task/{_oid(a)}", {"Task": {"Blocked": True}})
    assert _read(wsapi, "hierarchicalrequirement", _oid(story))["TaskStatus"] == (
        "IN_PROGRESS_BLOCKED"
    )
    for t in wsapi.get(f"hierarchicalrequirement/{_oid(story)}/Tasks")["QueryResult"]["Results"]:
        wsapi.post(t["_ref"], {"Task": {"State": "Completed", "Blocked": False}})
    assert _read(wsapi, "hierarchicalrequirement", _oid(story))["TaskStatus"] == "COMPLETED"
    wsapi.delete(f"task/{_oid(a)}")
    now = _read(wsapi, "hierarchicalrequirement", _oid(story))
    assert now["TaskEstimateTotal"] == 5.5
    assert now["TaskActualTotal"] == 0.0


def test_moving_a_task_recomputes_both_work_products(wsapi: Wsapi) -> None:
    one, two = _story(wsapi, "from"), _story(wsapi, "to")
    task = _task(wsapi, one, Estimate=7)
    wsapi.post(
        f"task/{_oid(task)}", {"Task": {"WorkProduct": f"hierarchicalrequirement/{_oid(two)}"}}
    )
    assert _read(wsapi, "hierarchicalrequirement", _oid(one))["TaskEstimateTotal"] == 0.0
    assert _read(wsapi, "hierarchicalrequirement", _oid(one))["TaskStatus"] == "NONE"
    assert _read(wsapi, "hierarchicalrequirement", _oid(two))["TaskEstimateTotal"] == 7.0


def test_defect_tasks_roll_up_too(wsapi: Wsapi) -> None:
    defect = wsapi.create("Defect", {"Name": "tasked defect"})
    wsapi.create("Task", {"Name": "fix", "WorkProduct": f"defect/{_oid(defect)}", "Estimate": 2})
    now = _read(wsapi, "defect", _oid(defect))
    assert now["TaskEstimateTotal"] == 2.0
    assert now["TaskStatus"] == "DEFINED"


def test_defect_status_of_story_and_test_case(wsapi: Wsapi) -> None:
    story = _story(wsapi, "buggy")
    tc = wsapi.create("TestCase", {"Name": "tc"})
    assert tc["DefectStatus"] == "NONE"
    ref = f"hierarchicalrequirement/{_oid(story)}"
    d1 = wsapi.create(
        "Defect", {"Name": "d1", "Requirement": ref, "TestCase": f"testcase/{_oid(tc)}"}
    )
    wsapi.create("Defect", {"Name": "d2", "Requirement": ref})
    assert _read(wsapi, "hierarchicalrequirement", _oid(story))["DefectStatus"] == "NONE_CLOSED"
    wsapi.post(f"defect/{_oid(d1)}", {"Defect": {"State": "Closed"}})
    assert _read(wsapi, "hierarchicalrequirement", _oid(story))["DefectStatus"] == "SOME_CLOSED"
    assert _read(wsapi, "testcase", _oid(tc))["DefectStatus"] == "ALL_CLOSED"


def test_story_children_count_and_has_parent_follow_reparenting(wsapi: Wsapi) -> None:
    p1, p2 = _story(wsapi, "parent one"), _story(wsapi, "parent two")
    child = _story(wsapi, "child", Parent=f"hierarchicalrequirement/{_oid(p1)}")
    assert child["HasParent"] is True
    assert _read(wsapi, "hierarchicalrequirement", _oid(p1))["DirectChildrenCount"] == 1
    wsapi.post(
        f"hierarchicalrequirement/{_oid(child)}",
        {"HierarchicalRequirement": {"Parent": f"hierarchicalrequirement/{_oid(p2)}"}},
    )
    assert _read(wsapi, "hierarchicalrequirement", _oid(p1))["DirectChildrenCount"] == 0
    assert _read(wsapi, "hierarchicalrequirement", _oid(p2))["DirectChildrenCount"] == 1
    wsapi.post(
        f"hierarchicalrequirement/{_oid(child)}", {"HierarchicalRequirement": {"Parent": None}}
    )
    assert _read(wsapi, "hierarchicalrequirement", _oid(child))["HasParent"] is False
    assert _read(wsapi, "hierarchicalrequirement", _oid(p2))["DirectChildrenCount"] == 0


def _pi(wsapi: Wsapi, level: str, name: str, parent: dict[str, Any] | None = None) -> dict:
    attrs: dict[str, Any] = {"Name": name}
    if parent is not None:
        attrs["Parent"] = parent["_ref"]
    return wsapi.create(f"PortfolioItem/{level}", attrs)


def test_portfolio_rollups_across_levels(wsapi: Wsapi) -> None:
    initiative = _pi(wsapi, "Initiative", "init")
    epic = _pi(wsapi, "Epic", "epic", initiative)
    feature = _pi(wsapi, "Feature", "feat", epic)
    assert feature["LeafStoryCount"] == 0
    assert feature["PercentDoneByStoryCount"] == 0.0
    fref = f"portfolioitem/feature/{_oid(feature)}"
    top = _story(wsapi, "top", PortfolioItem=fref, PlanEstimate=100)
    leaf1 = _story(wsapi, "leaf1", Parent=f"hierarchicalrequirement/{_oid(top)}", PlanEstimate=3)
    _story(wsapi, "leaf2", Parent=f"hierarchicalrequirement/{_oid(top)}", PlanEstimate=5)
    _story(wsapi, "direct", PortfolioItem=fref, PlanEstimate=2, ScheduleState="Accepted")
    now = _read(wsapi, "portfolioitem/feature", _oid(feature))
    # The parent story "top" is not a leaf: leaves are leaf1, leaf2 and direct.
    assert now["LeafStoryCount"] == 3
    assert now["LeafStoryPlanEstimateTotal"] == 10.0
    assert now["AcceptedLeafStoryCount"] == 1
    assert now["AcceptedLeafStoryPlanEstimateTotal"] == 2.0
    assert now["PercentDoneByStoryCount"] == pytest.approx(1 / 3)
    assert now["PercentDoneByStoryPlanEstimate"] == pytest.approx(0.2)
    assert now["DirectChildrenCount"] == 2
    wsapi.post(
        f"hierarchicalrequirement/{_oid(leaf1)}",
        {"HierarchicalRequirement": {"ScheduleState": "Accepted"}},
    )
    for path, item in (
        ("portfolioitem/feature", feature),
        ("portfolioitem/epic", epic),
        ("portfolioitem/initiative", initiative),
    ):
        now = _read(wsapi, path, _oid(item))
        assert now["LeafStoryCount"] == 3, path
        assert now["AcceptedLeafStoryCount"] == 2, path
        assert now["AcceptedLeafStoryPlanEstimateTotal"] == 5.0, path
        assert now["PercentDoneByStoryPlanEstimate"] == pytest.approx(0.5), path
    assert _read(wsapi, "portfolioitem/epic", _oid(epic))["DirectChildrenCount"] == 1
    # Move the feature under another epic: both epics (and the initiative) follow.
    other = _pi(wsapi, "Epic", "other epic")
    wsapi.post(f"portfolioitem/feature/{_oid(feature)}", {"Feature": {"Parent": other["_ref"]}})
    assert _read(wsapi, "portfolioitem/epic", _oid(epic))["LeafStoryCount"] == 0
    assert _read(wsapi, "portfolioitem/initiative", _oid(initiative))["LeafStoryCount"] == 0
    assert _read(wsapi, "portfolioitem/epic", _oid(other))["LeafStoryCount"] == 3
    # Deleting a leaf story lowers the counts.
    wsapi.delete(f"hierarchicalrequirement/{_oid(leaf1)}")
    assert _read(wsapi, "portfolioitem/epic", _oid(other))["LeafStoryCount"] == 2
    assert _read(wsapi, "portfolioitem/feature", _oid(feature))["AcceptedLeafStoryCount"] == 1


def test_rollups_are_queryable_and_sortable(wsapi: Wsapi) -> None:
    feature = _pi(wsapi, "Feature", "sortable feature")
    fref = f"portfolioitem/feature/{_oid(feature)}"
    _story(wsapi, "s1", PortfolioItem=fref, PlanEstimate=1)
    _story(wsapi, "s2", PortfolioItem=fref, PlanEstimate=1)
    found = wsapi.get(
        "portfolioitem/feature",
        {
            "query": "(LeafStoryCount >= 2)",
            "fetch": "ObjectID,LeafStoryCount",
            "order": "LeafStoryCount desc",
        },
    )["QueryResult"]
    assert found["Errors"] == []
    counts = [r["LeafStoryCount"] for r in found["Results"]]
    assert counts and all(c >= 2 for c in counts)
    assert counts == sorted(counts, reverse=True)
    assert _oid(feature) in [_oid(r) for r in found["Results"]]
    story = _story(wsapi, "query me")
    _task(wsapi, story, Estimate=42)
    hits = wsapi.get(
        "hierarchicalrequirement", {"query": "(TaskEstimateTotal = 42)", "fetch": "ObjectID"}
    )["QueryResult"]["Results"]
    assert _oid(story) in [_oid(r) for r in hits]


def test_demo_data_carries_computed_values(wsapi: Wsapi) -> None:
    """The demo's items (seeded, not created over HTTP) have their roll-ups computed."""
    stories = wsapi.get(
        "hierarchicalrequirement",
        {"fetch": "TaskEstimateTotal,TaskStatus,DirectChildrenCount,Tasks", "pagesize": 200},
    )["QueryResult"]["Results"]
    for s in stories:
        assert s["TaskStatus"] in ("NONE", "DEFINED", "IN_PROGRESS", "COMPLETED")
        assert isinstance(s["TaskEstimateTotal"], float)
        assert isinstance(s["DirectChildrenCount"], int)
    features = wsapi.get(
        "portfolioitem/feature", {"fetch": "LeafStoryCount,UserStories", "pagesize": 200}
    )["QueryResult"]["Results"]
    for f in features:
        assert isinstance(f["LeafStoryCount"], int)
        assert f["LeafStoryCount"] >= 0


def test_concurrent_task_writes_leave_right_totals(wsapi: Wsapi) -> None:
    """Threads create and update tasks of one story at once; the totals are exact after."""
    story = _story(wsapi, "busy story")
    errors: list[BaseException] = []
    threads_n, per_thread = 6, 5

    def work(n: int) -> None:
        client = Wsapi(wsapi.server, apikey=wsapi.http.headers["ZSESSIONID"])
        try:
            for i in range(per_thread):
                task = _task(wsapi=client, story=story, Estimate=1, ToDo=2)
                if i % 2 == 0:
                    client.post(f"task/{_oid(task)}", {"Task": {"Estimate": 3, "Actuals": 1}})
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    updated = (per_thread + 1) // 2
    now = _read(wsapi, "hierarchicalrequirement", _oid(story))
    tasks = threads_n * per_thread
    assert now["TaskEstimateTotal"] == float(threads_n * (updated * 3 + (per_thread - updated)))
    assert now["TaskRemainingTotal"] == float(tasks * 2)
    assert now["TaskActualTotal"] == float(threads_n * updated)
    listed = wsapi.get(
        f"hierarchicalrequirement/{_oid(story)}/Tasks", {"fetch": "Estimate", "pagesize": 200}
    )
    assert listed["QueryResult"]["TotalResultCount"] == tasks
    assert sum(t["Estimate"] for t in listed["QueryResult"]["Results"]) == now["TaskEstimateTotal"]


def test_test_case_results_and_work_product_test_rollups(wsapi: Wsapi) -> None:
    story = _story(wsapi, "tested story")
    sref = f"hierarchicalrequirement/{_oid(story)}"
    assert story["TestCaseStatus"] == "NONE" and story["TestCaseCount"] == 0
    tc1 = wsapi.create("TestCase", {"Name": "tc1", "WorkProduct": sref})
    tc2 = wsapi.create("TestCase", {"Name": "tc2", "WorkProduct": sref})
    now = _read(wsapi, "hierarchicalrequirement", _oid(story))
    assert (now["TestCaseCount"], now["TestCaseStatus"]) == (2, "NONE_RUN")
    tset = wsapi.create("TestSet", {"Name": "set", "TestCases": [tc1["_ref"], tc2["_ref"]]})
    assert tset["TestCaseCount"] == 2

    def result(tc: dict, verdict: str, date: str) -> dict:
        return wsapi.create(
            "TestCaseResult",
            {"TestCase": tc["_ref"], "Verdict": verdict, "Build": "b" + date[-2:], "Date": date},
        )

    result(tc1, "Fail", "2026-01-01")
    latest = result(tc1, "Pass", "2026-01-05")
    result(tc1, "Fail", "2026-01-03")  # older than the Pass: not the last verdict
    got = _read(wsapi, "testcase", _oid(tc1))
    assert got["LastVerdict"] == "Pass" and got["LastBuild"] == "b05"
    assert got["LastResult"]["_ref"].endswith(f"/{_oid(latest)}")
    now = _read(wsapi, "hierarchicalrequirement", _oid(story))
    assert (now["PassingTestCaseCount"], now["TestCaseStatus"]) == (1, "SOME_RUN_ALL_PASSING")
    result(tc2, "Fail", "2026-01-06")
    now = _read(wsapi, "hierarchicalrequirement", _oid(story))
    assert now["TestCaseStatus"] == "ALL_RUN_SOME_NOT_PASSING"
    assert _read(wsapi, "testset", _oid(tset))["PassingTestCaseCount"] == 1
    wsapi.delete(f"testcaseresult/{_oid(latest)}")
    assert _read(wsapi, "testcase", _oid(tc1))["LastVerdict"] == "Fail"
    now = _read(wsapi, "hierarchicalrequirement", _oid(story))
    assert now["TestCaseStatus"] == "ALL_RUN_NONE_PASSING"


def test_defect_suite_counts(wsapi: Wsapi) -> None:
    suite = wsapi.create("DefectSuite", {"Name": "suite"})
    assert (suite["TotalDefectCount"], suite["ClosedDefectCount"]) == (0, 0)
    d1 = wsapi.create("Defect", {"Name": "s1", "DefectSuites": [suite["_ref"]]})
    wsapi.create("Defect", {"Name": "s2", "DefectSuites": [suite["_ref"]], "State": "Closed"})
    now = _read(wsapi, "defectsuite", _oid(suite))
    assert (now["TotalDefectCount"], now["ClosedDefectCount"]) == (2, 1)
    wsapi.post(f"defect/{_oid(d1)}", {"Defect": {"DefectSuites": []}})
    now = _read(wsapi, "defectsuite", _oid(suite))
    assert (now["TotalDefectCount"], now["ClosedDefectCount"]) == (1, 1)


def test_custom_portfolio_level_rolls_up(wsapi: Wsapi) -> None:
    """The demo workspace adds a Program level above Theme: roll-ups reach it too."""
    program = _pi(wsapi, "Program", "program")
    theme = _pi(wsapi, "Theme", "theme", program)
    initiative = _pi(wsapi, "Initiative", "initiative", theme)
    epic = _pi(wsapi, "Epic", "epic", initiative)
    feature = _pi(wsapi, "Feature", "feature", epic)
    assert program["LeafStoryCount"] == 0 and program["Ready"] is False
    fref = f"portfolioitem/feature/{_oid(feature)}"
    _story(wsapi, "p1", PortfolioItem=fref, PlanEstimate=4, ScheduleState="Accepted")
    _story(wsapi, "p2", PortfolioItem=fref, PlanEstimate=4)
    now = _read(wsapi, "portfolioitem/program", _oid(program))
    assert (now["LeafStoryCount"], now["AcceptedLeafStoryCount"]) == (2, 1)
    assert now["PercentDoneByStoryPlanEstimate"] == pytest.approx(0.5)
    assert now["DirectChildrenCount"] == 1


def test_concurrent_story_writes_under_one_feature(wsapi: Wsapi) -> None:
    feature = _pi(wsapi, "Feature", "busy feature")
    fref = f"portfolioitem/feature/{_oid(feature)}"
    errors: list[BaseException] = []

    def work() -> None:
        client = Wsapi(wsapi.server, apikey=wsapi.http.headers["ZSESSIONID"])
        try:
            for i in range(4):
                story = _story(client, "c", PortfolioItem=fref, PlanEstimate=2)
                if i % 2:
                    client.post(
                        f"hierarchicalrequirement/{_oid(story)}",
                        {"HierarchicalRequirement": {"ScheduleState": "Accepted"}},
                    )
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=work) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    now = _read(wsapi, "portfolioitem/feature", _oid(feature))
    assert (now["LeafStoryCount"], now["AcceptedLeafStoryCount"]) == (20, 10)
    assert now["LeafStoryPlanEstimateTotal"] == 40.0
    assert now["PercentDoneByStoryCount"] == pytest.approx(0.5)


def test_collection_add_and_remove_refresh_rollups(wsapi: Wsapi) -> None:
    suite = wsapi.create("DefectSuite", {"Name": "suite via add"})
    defect = wsapi.create("Defect", {"Name": "joins", "State": "Closed"})
    added = wsapi.post(
        f"defect/{_oid(defect)}/DefectSuites/add", {"CollectionItems": [{"_ref": suite["_ref"]}]}
    )
    assert added["OperationResult"]["Errors"] == []
    now = _read(wsapi, "defectsuite", _oid(suite))
    assert (now["TotalDefectCount"], now["ClosedDefectCount"]) == (1, 1)
    tset = wsapi.create("TestSet", {"Name": "set via add"})
    tc = wsapi.create("TestCase", {"Name": "member"})
    wsapi.post(f"testset/{_oid(tset)}/TestCases/add", {"CollectionItems": [{"_ref": tc["_ref"]}]})
    assert _read(wsapi, "testset", _oid(tset))["TestCaseCount"] == 1
    wsapi.post(
        f"testset/{_oid(tset)}/TestCases/remove", {"CollectionItems": [{"_ref": tc["_ref"]}]}
    )
    assert _read(wsapi, "testset", _oid(tset))["TestCaseCount"] == 0
