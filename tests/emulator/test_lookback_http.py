"""The Lookback endpoint over HTTP: history of a story, __At, paging, GET form, counts, errors."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from conftest import Wsapi

END = "9999-01-01T00:00:00.000Z"


def lookback(wsapi: Wsapi, ws_oid: int, keys: dict[str, Any], *, get: bool = False) -> Any:
    url = (
        f"{wsapi.server.url}/analytics/v2.0/service/rally/workspace/{ws_oid}"
        "/artifact/snapshot/query.js"
    )
    if get:
        params = {k: json.dumps(v) for k, v in keys.items()}
        return wsapi.call("GET", url, params)
    return wsapi.call("POST", url, body=keys)


def ok(response: Any) -> dict:
    body = response.json()
    assert response.status_code == 200, body
    assert body["Errors"] == [], body
    return body


@pytest.fixture
def moved_story(wsapi: Wsapi, context: dict) -> dict:
    """A story created Defined, then moved to In-Progress, then Accepted."""
    story = wsapi.create(
        "HierarchicalRequirement", {"Name": "Lookback story"}, {"workspace": context["workspace"]}
    )
    ref = f"hierarchicalrequirement/{story['ObjectID']}"
    for state in ("In-Progress", "Accepted"):
        time.sleep(0.01)  # distinct instants, so each change opens its own interval
        result = wsapi.post(ref, {"HierarchicalRequirement": {"ScheduleState": state}})
        assert result["OperationResult"]["Errors"] == []
    return story


def test_history_of_one_story(wsapi: Wsapi, context: dict, moved_story: dict) -> None:
    ws = context["workspace_oid"]
    body = ok(lookback(wsapi, ws, {"find": {"ObjectID": moved_story["ObjectID"]}}))
    snaps = body["Results"]
    assert body["TotalResultCount"] == 3
    assert [s["_SnapshotNumber"] for s in snaps] == [0, 1, 2]
    assert [s["ScheduleState"] for s in snaps] == ["Defined", "In-Progress", "Accepted"]
    assert [s["_ValidFrom"] for s in snaps] == sorted(s["_ValidFrom"] for s in snaps)
    assert snaps[0]["_ValidTo"] == snaps[1]["_ValidFrom"]
    assert snaps[1]["_ValidTo"] == snaps[2]["_ValidFrom"]
    assert [s["_ValidTo"] == END for s in snaps] == [False, False, True]
    assert snaps[2]["_PreviousValues"]["ScheduleState"] == "In-Progress"
    assert snaps[1]["_PreviousValues"]["ScheduleState"] == "Defined"
    assert snaps[0]["_SnapshotType"] == "Create"
    assert len({s["_id"] for s in snaps}) == 3
    # __At inside the middle interval returns exactly that snapshot
    middle = snaps[1]["_ValidFrom"]
    at = ok(lookback(wsapi, ws, {"find": {"ObjectID": moved_story["ObjectID"], "__At": middle}}))
    assert [s["_SnapshotNumber"] for s in at["Results"]] == [1]
    current = ok(
        lookback(wsapi, ws, {"find": {"ObjectID": moved_story["ObjectID"], "__At": "current"}})
    )
    assert [s["_SnapshotNumber"] for s in current["Results"]] == [2]
    # paging: pagesize 1, 0-based start
    pages = [
        ok(
            lookback(
                wsapi,
                ws,
                {"find": {"ObjectID": moved_story["ObjectID"]}, "pagesize": 1, "start": i},
            )
        )
        for i in range(4)
    ]
    assert [[s["_SnapshotNumber"] for s in p["Results"]] for p in pages] == [[0], [1], [2], []]
    assert [p["HasMore"] for p in pages[:3]] == [True, True, False]
    assert all(p["TotalResultCount"] == 3 and p["PageSize"] == 1 for p in pages)
    assert [p["StartIndex"] for p in pages] == [0, 1, 2, 3]
    # the GET form answers the same
    keys = {
        "find": {"ObjectID": moved_story["ObjectID"]},
        "fields": ["ScheduleState", "_SnapshotNumber"],
    }
    got = ok(lookback(wsapi, ws, keys, get=True))
    posted = ok(lookback(wsapi, ws, keys))
    assert (
        got["Results"]
        == posted["Results"]
        == [
            {"ScheduleState": s, "_SnapshotNumber": n}
            for n, s in enumerate(["Defined", "In-Progress", "Accepted"])
        ]
    )


def test_envelope_keys(wsapi: Wsapi, context: dict) -> None:
    body = ok(
        lookback(
            wsapi,
            context["workspace_oid"],
            {"find": {"_TypeHierarchy": "Defect", "__At": "current"}, "pagesize": 2},
        )
    )
    for key in (
        "_rallyAPIMajor",
        "_rallyAPIMinor",
        "Errors",
        "Warnings",
        "GeneratedQuery",
        "TotalResultCount",
        "StartIndex",
        "PageSize",
        "ETLDate",
        "Results",
        "HasMore",
    ):
        assert key in body
    assert body["GeneratedQuery"]["find"] == {"_TypeHierarchy": "Defect", "__At": "current"}
    assert len(body["Results"]) == 2 and body["HasMore"] is True


def test_without_js_suffix(wsapi: Wsapi, context: dict) -> None:
    url = f"{wsapi.server.url}/analytics/v2.0/service/rally/workspace/{context['workspace_oid']}/artifact/snapshot/query"
    body = wsapi.call(
        "POST", url, body={"find": {"_TypeHierarchy": "Defect"}, "pagesize": 1}
    ).json()
    assert body["Errors"] == [] and body["TotalResultCount"] > 0


@pytest.mark.parametrize(
    ("type_name", "wsapi_type"),
    [
        ("HierarchicalRequirement", "hierarchicalrequirement"),
        ("Defect", "defect"),
        ("Task", "task"),
        ("PortfolioItem/Feature", "portfolioitem/feature"),
    ],
)
def test_current_counts_match_wsapi(
    wsapi: Wsapi, context: dict, type_name: str, wsapi_type: str
) -> None:
    ws = context["workspace_oid"]
    projects = wsapi.get(
        "project", {"workspace": context["workspace"], "fetch": "ObjectID,Name", "pagesize": 200}
    )
    for project in projects["QueryResult"]["Results"]:
        oid = project["ObjectID"]
        live = wsapi.get(
            wsapi_type,
            {
                "workspace": context["workspace"],
                "project": f"project/{oid}",
                "projectScopeDown": "true",
                "projectScopeUp": "false",
                "pagesize": 1,
            },
        )["QueryResult"]["TotalResultCount"]
        body = ok(
            lookback(
                wsapi,
                ws,
                {
                    "find": {
                        "_TypeHierarchy": type_name,
                        "_ProjectHierarchy": oid,
                        "__At": "current",
                    },
                    "pagesize": 1,
                },
            )
        )
        assert body["TotalResultCount"] == live, (type_name, project["Name"])


def test_demo_history_has_past(wsapi: Wsapi, context: dict) -> None:
    """The demo data carries months of history: on 1 Feb some accepted stories were not yet."""
    ws = context["workspace_oid"]
    now = ok(
        lookback(
            wsapi,
            ws,
            {
                "find": {
                    "_TypeHierarchy": "HierarchicalRequirement",
                    "ScheduleState": "Accepted",
                    "__At": "current",
                },
                "pagesize": 1,
            },
        )
    )
    past = ok(
        lookback(
            wsapi,
            ws,
            {
                "find": {
                    "_TypeHierarchy": "HierarchicalRequirement",
                    "ScheduleState": "Accepted",
                    "__At": "2026-02-01T00:00:00Z",
                },
                "pagesize": 1,
            },
        )
    )
    assert now["TotalResultCount"] > past["TotalResultCount"]
    before = ok(lookback(wsapi, ws, {"find": {"_TypeHierarchy": "Defect", "__At": "2025-11-01"}}))
    assert (
        before["TotalResultCount"]
        < ok(lookback(wsapi, ws, {"find": {"_TypeHierarchy": "Defect", "__At": "current"}}))[
            "TotalResultCount"
        ]
    )
