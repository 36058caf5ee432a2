"""Ranking and ``/batch`` over HTTP, as any WSAPI client sees them (no pyral client involved)."""

from __future__ import annotations

from typing import Any

import pytest


def _oid(ref: str) -> int:
    return int(ref.rstrip("/").rsplit("/", 1)[1])


def _ranked(wsapi: Any, ws: str, type_path: str, oids: list[int], order: str = "Rank") -> list:
    """The given objects' oids in ``order`` (a query across the whole workspace)."""
    # WSAPI wants binary OR groups: ((a OR b) OR c) ...
    expr = f"(ObjectID = {oids[0]})"
    for o in oids[1:]:
        expr = f"({expr} OR (ObjectID = {o}))"
    page = wsapi.get(
        type_path,
        {"query": expr, "order": order, "fetch": "ObjectID,DragAndDropRank", "workspace": ws},
    )["QueryResult"]
    assert page["Errors"] == [], page
    return [r["ObjectID"] for r in page["Results"]]


@pytest.fixture
def stories(wsapi: Any, context: dict[str, Any]) -> list[int]:
    """Three fresh stories in the default project, created in order (so ranked a, b, c)."""
    params = {"workspace": context["workspace"], "project": context["project"]}
    return [
        _oid(wsapi.create("HierarchicalRequirement", {"Name": f"rank {n}"}, params)["_ref"])
        for n in "abc"
    ]


def _rank(wsapi: Any, ws: str, path: str, **param: str) -> dict:
    """POST as pyral does: ``?&rankAbove=...&workspace=...&key=None`` and a one-ref body."""
    ((name, value),) = param.items()
    url = f"{path}?&{name}={value}&workspace={ws}&key=None"
    type_key = path.rsplit("/", 1)[0]
    return wsapi.post(url, {type_key: {"_ref": path}})["OperationResult"]


def test_new_items_go_to_the_bottom_and_moves_keep_strict_order(wsapi, context, stories):
    ws = context["workspace"]
    a, b, c = stories
    assert _ranked(wsapi, ws, "HierarchicalRequirement", stories) == [a, b, c]
    result = _rank(
        wsapi, ws, f"hierarchicalrequirement/{c}", rankAbove=f"hierarchicalrequirement/{a}"
    )
    assert result["Errors"] == [] and result["Object"]["ObjectID"] == c
    assert _ranked(wsapi, ws, "HierarchicalRequirement", stories) == [c, a, b]
    _rank(wsapi, ws, f"hierarchicalrequirement/{c}", rankBelow=f"/hierarchicalrequirement/{b}")
    assert _ranked(wsapi, ws, "HierarchicalRequirement", stories) == [a, b, c]
    _rank(wsapi, ws, f"hierarchicalrequirement/{b}", rankTo="TOP")
    _rank(wsapi, ws, f"hierarchicalrequirement/{a}", rankTo="BOTTOM")
    assert _ranked(wsapi, ws, "HierarchicalRequirement", stories) == [b, c, a]
    assert _ranked(wsapi, ws, "HierarchicalRequirement", stories, "Rank desc") == [a, c, b]
    ranks = [
        wsapi.get(f"hierarchicalrequirement/{o}")["HierarchicalRequirement"]["DragAndDropRank"]
        for o in (b, c, a)
    ]
    assert ranks == sorted(ranks) and len(set(ranks)) == 3
    # b is top of the whole workspace (ranks are shared by every rankable type)
    top = wsapi.get(
        "Defect", {"order": "Rank", "fetch": "DragAndDropRank", "workspace": ws, "pagesize": 1}
    )["QueryResult"]["Results"][0]["DragAndDropRank"]
    assert ranks[0] < top


def test_rank_relative_to_another_project_is_allowed(wsapi, context, stories):
    """Rally's rank order is per workspace: a project boundary does not matter."""
    ws = context["workspace"]
    other = wsapi.get(
        "Project", {"query": '(Name = "Mobile Team")', "fetch": "ObjectID", "workspace": ws}
    )["QueryResult"]["Results"][0]["ObjectID"]
    assert other != context["project_oid"]
    stranger = _oid(
        wsapi.create(
            "Defect", {"Name": "elsewhere"}, {"workspace": ws, "project": f"project/{other}"}
        )["_ref"]
    )
    mine = stories[2]
    result = _rank(wsapi, ws, f"hierarchicalrequirement/{mine}", rankAbove=f"defect/{stranger}")
    assert result["Errors"] == []
    below_stranger = wsapi.get(f"defect/{stranger}")["Defect"]["DragAndDropRank"]
    assert result["Object"]["DragAndDropRank"] < below_stranger


def test_rank_relative_to_another_workspace_is_refused(wsapi, context, stories):
    sandbox = wsapi.get("Workspace", {"query": '(Name = "Sandbox Workspace")', "fetch": "ObjectID"})
    sb_ws = sandbox["QueryResult"]["Results"][0]["ObjectID"]
    foreign = wsapi.get(
        "HierarchicalRequirement", {"workspace": f"workspace/{sb_ws}", "fetch": "ObjectID"}
    )["QueryResult"]["Results"][0]["ObjectID"]
    ws = context["workspace"]
    before = wsapi.get(f"hierarchicalrequirement/{stories[0]}")["HierarchicalRequirement"]
    result = _rank(
        wsapi,
        ws,
        f"hierarchicalrequirement/{stories[0]}",
        rankAbove=f"hierarchicalrequirement/{foreign}",
    )
    assert result["Errors"] and "another workspace" in result["Errors"][0]
    after = wsapi.get(f"hierarchicalrequirement/{stories[0]}")["HierarchicalRequirement"]
    assert after["DragAndDropRank"] == before["DragAndDropRank"]
    assert after["_objectVersion"] == before["_objectVersion"]


@pytest.mark.parametrize(
    ("param", "value", "needle"),
    [
        ("rankAbove", "hierarchicalrequirement/999999999", "no such rankable object"),
        ("rankBelow", "nonsense", "no such rankable object"),
        ("rankTo", "MIDDLE", "TOP or BOTTOM"),
    ],
)
def test_rank_errors(wsapi, context, stories, param, value, needle):
    result = _rank(
        wsapi, context["workspace"], f"hierarchicalrequirement/{stories[0]}", **{param: value}
    )
    assert result["Errors"] and needle in result["Errors"][0]


def test_rank_unknown_target_and_unrankable_type(wsapi, context, stories):
    ws = context["workspace"]
    missing = _rank(wsapi, ws, "hierarchicalrequirement/999999999", rankTo="TOP")
    assert missing["Errors"] == ["Cannot find object to update"]
    project = context["project"]
    unrankable = _rank(wsapi, ws, project, rankTo="TOP")
    assert unrankable["Errors"] and "Cannot rank" in unrankable["Errors"][0]


def test_portfolio_items_rank_by_type_path_including_custom_levels(wsapi, context):
    ws = context["workspace"]
    params = {"workspace": ws, "project": context["project"]}
    f1 = _oid(wsapi.create("PortfolioItem/Feature", {"Name": "pf1"}, params)["_ref"])
    f2 = _oid(wsapi.create("PortfolioItem/Feature", {"Name": "pf2"}, params)["_ref"])
    p1 = _oid(wsapi.create("PortfolioItem/Program", {"Name": "pp1"}, params)["_ref"])
    result = _rank(
        wsapi, ws, f"portfolioitem/feature/{f2}", rankAbove=f"portfolioitem/feature/{f1}"
    )
    assert result["Errors"] == []
    assert _ranked(wsapi, ws, "PortfolioItem/Feature", [f1, f2]) == [f2, f1]
    result = _rank(wsapi, ws, f"portfolioitem/program/{p1}", rankTo="TOP")
    assert result["Errors"] == [] and result["Object"]["_type"] == "PortfolioItem/Program"
    assert _ranked(wsapi, ws, "PortfolioItem", [f1, f2, p1]) == [p1, f2, f1]


# -- batch ----------------------------------------------------------------------------------------


def _batch(wsapi: Any, context: dict[str, Any], entries: list, fetch: str = "FormattedID,Name"):
    ws, project = context["workspace"], context["project"]
    body = wsapi.post(
        f"batch?key=None&workspace=/{ws}&project=/{project}&fetch={fetch}", {"Batch": entries}
    )
    return body["BatchResult"]


def _put(type_key: str, attrs: dict) -> dict:
    return {"Entry": {"Path": f"/{type_key}/create", "Method": "PUT", "Body": {type_key: attrs}}}


def test_batch_with_one_bad_item_applies_the_others_and_reports_it(wsapi, context):
    marker = "batch-one-bad"
    before = wsapi.count("Defect", f'(Name contains "{marker}")')
    result = _batch(
        wsapi,
        context,
        [
            _put("defect", {"Name": f"{marker} 1"}),
            _put("defect", {"Name": f"{marker} 2", "Severity": "Apocalyptic"}),
            _put("defect", {"Name": f"{marker} 3"}),
        ],
    )
    assert result["Errors"] == []
    good1, bad, good3 = result["Results"]
    assert good1["Errors"] == [] and good3["Errors"] == []
    assert good1["Object"]["Name"] == f"{marker} 1" and good3["Object"]["Name"] == f"{marker} 3"
    assert "Object" not in bad and "Apocalyptic" in bad["Errors"][0]
    assert wsapi.count("Defect", f'(Name contains "{marker}")') == before + 2


def test_batch_failed_update_is_not_half_applied(wsapi, context):
    params = {"workspace": context["workspace"], "project": context["project"]}
    d = wsapi.create("Defect", {"Name": "half", "Priority": "Low"}, params)
    oid = _oid(d["_ref"])
    result = _batch(
        wsapi,
        context,
        [
            {
                "Entry": {
                    "Path": f"/defect/{oid}",
                    "Method": "POST",
                    # a valid change next to an invalid one: neither may stick
                    "Body": {"defect": {"Name": "renamed", "Severity": "Apocalyptic"}},
                }
            },
            {"Path": f"/defect/{oid}", "Method": "PUT", "Body": {"defect": {"Priority": "Normal"}}},
        ],
    )
    first, second = result["Results"]
    assert first["Errors"] and second["Errors"] == []
    now = wsapi.get(f"defect/{oid}")["Defect"]
    assert now["Name"] == "half" and now["Priority"] == "Normal"


def test_batch_entry_forms_methods_fetch_and_ranking(wsapi, context):
    params = {"workspace": context["workspace"], "project": context["project"]}
    a = _oid(wsapi.create("HierarchicalRequirement", {"Name": "bx a"}, params)["_ref"])
    b = _oid(wsapi.create("HierarchicalRequirement", {"Name": "bx b"}, params)["_ref"])
    result = _batch(
        wsapi,
        context,
        [
            {"Path": f"/hierarchicalrequirement/{b}?&rankAbove=hierarchicalrequirement/{a}",
             "Method": "POST", "Body": {"hierarchicalrequirement": {"_ref": f"hierarchicalrequirement/{b}"}}},
            {"Entry": {"Path": f"/slm/webservice/v2.0/HierarchicalRequirement/{a}.js", "Method": "GET"}},
            {"Entry": {"Path": f"/hierarchicalrequirement/{a}", "Method": "DELETE"}},
            {"Entry": {"Path": "/hierarchicalrequirement", "Method": "GET"}},
        ],
        fetch="Name",
    )["Results"]  # fmt: skip
    assert [r["Errors"] == [] for r in result] == [True, True, True, False]
    assert result[1]["Object"]["Name"] == "bx a" and "FormattedID" not in result[1]["Object"]
    assert "Object" not in result[2]
    assert wsapi.get(f"hierarchicalrequirement/{a}")["OperationResult"]["Errors"]
    ranked = _ranked(wsapi, context["workspace"], "HierarchicalRequirement", [b])
    assert ranked == [b]


def test_batch_body_for_another_type_is_refused(wsapi, context):
    marker = "batch-wrong-key"
    wrong = {
        "Entry": {"Path": "/defect/create", "Method": "PUT", "Body": {"Task": {"Name": marker}}}
    }
    result = _batch(wsapi, context, [wrong])
    assert result["Results"][0]["Errors"]
    assert wsapi.count("Task", f'(Name = "{marker}")') == 0
    assert wsapi.count("Defect", f'(Name = "{marker}")') == 0


def test_batch_golden_request_shape(wsapi, context):
    """The CustomAgile capture: PUT updates keyed by a lower-case PI TypePath."""
    params = {"workspace": context["workspace"], "project": context["project"]}
    f = _oid(wsapi.create("PortfolioItem/Feature", {"Name": "golden"}, params)["_ref"])
    entry = {
        "Entry": {
            "Path": f"/portfolioitem/feature/{f}",
            "Method": "PUT",
            "Body": {"portfolioitem/feature": {"Name": "golden 2"}},
        }
    }
    result = _batch(wsapi, context, [entry], fetch="true")["Results"][0]
    assert result["Errors"] == [] and result["Object"]["_type"] == "PortfolioItem/Feature"
    assert result["Object"]["Name"] == "golden 2" and "Description" in result["Object"]


def test_batch_path_may_name_the_object_by_uuid(wsapi, context):
    params = {"workspace": context["workspace"], "project": context["project"]}
    made = wsapi.create("Defect", {"Name": "by uuid"}, params)
    entry = {
        "Entry": {
            "Path": f"/defect/{made['ObjectUUID']}",
            "Method": "POST",
            "Body": {"defect": {"Name": "by uuid 2"}},
        }
    }
    result = _batch(wsapi, context, [entry])["Results"][0]
    assert result["Errors"] == [] and result["Object"]["Name"] == "by uuid 2"
    assert result["Object"]["_ref"] == made["_ref"]
