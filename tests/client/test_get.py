"""Rally.get against the emulator: URL shape, paging, scoping, hydration, errors."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from pyral import RallyResponseError, RallyRESTResponse
from pyral.exceptions import InvalidRallyTypeNameError, RallyAttributeNameError, RallyRESTAPIError

STORY_COUNT_SCOPE_DOWN = None  # computed from the server in the tests


def _query_of(wire, n=-1) -> str:
    return unquote(wire.requests[n].query)


def test_param_order_and_defaults(rally, wire):
    resp = rally.get(
        "Defect", fetch="FormattedID,Name", query="State = Open", order="FormattedID desc"
    )
    assert isinstance(resp, RallyRESTResponse)
    q = wire.requests[-1].query
    keys = [part.split("=", 1)[0] for part in q.split("&")]
    assert keys == [
        "fetch",
        "query",
        "order",
        "workspace",
        "project",
        "projectScopeUp",
        "projectScopeDown",
        "pagesize",
        "start",
    ]
    assert "pagesize=500" in q and "start=1" in q
    assert "projectScopeUp=false&projectScopeDown=false" in q
    assert "order=FormattedID%20desc" in q


def test_fetch_and_query_filter(rally):
    resp = rally.get(
        "Defect", fetch="FormattedID,Name,State", query='State = "Open"', projectScopeDown=True
    )
    items = list(resp)
    assert resp.resultCount == len(items) > 0
    assert all(d.State == "Open" for d in items)
    assert all(d._hydrated for d in items)
    with pytest.raises(AttributeError):
        items[0].Severity  # not fetched, fully hydrated: no lazy load  # noqa: B018


def test_list_and_dict_queries(rally):
    a = list(
        rally.get(
            "Defect",
            fetch="FormattedID",
            query=["State = Open", "Severity != Cosmetic"],
            projectScopeDown=True,
        )
    )
    b = list(
        rally.get(
            "Defect",
            fetch="FormattedID",
            query={"State": "Open", "Severity": "Major Problem"},
            projectScopeDown=True,
        )
    )
    assert {d.FormattedID for d in b} <= {d.FormattedID for d in a} or b == []


def test_paging_is_lazy(rally, wire):
    resp = rally.get(
        "HierarchicalRequirement",
        fetch="FormattedID",
        order="ObjectID",
        pagesize=5,
        projectScopeDown=True,
        threads=1,
    )
    total = resp.resultCount
    assert total > 12
    assert wire.count() == 1
    seen = [next(resp) for _ in range(5)]
    assert wire.count() == 1
    seen.append(next(resp))
    assert wire.count() == 2
    assert "start=6" in wire.requests[-1].query
    seen.extend(resp)
    assert len(seen) == total
    assert wire.count() == (total + 4) // 5  # one request per page
    assert len({s.oid for s in seen}) == total


def _story_oids(rally, **kwargs) -> list[int]:
    """ObjectIDs of the stories one ``get`` serves, in ObjectID order, whole project tree."""
    stories = rally.get(
        "HierarchicalRequirement",
        fetch="ObjectID",
        order="ObjectID",
        projectScopeDown=True,
        **kwargs,
    )
    return [s.oid for s in stories]


def test_limit_and_start(rally, wire):
    everything = _story_oids(rally)
    wire.reset()
    some = _story_oids(rally, pagesize=5, limit=7)
    assert some == everything[:7]
    assert wire.count() == 2  # start=1 and start=6; start=11 never requested
    later = _story_oids(rally, pagesize=4, start=3, limit=5)
    assert later == everything[2:7]


def test_pagesize_clamped(rally, wire):
    rally.get("Defect", pagesize=5000, limit=2)
    assert "pagesize=2000" in wire.requests[-1].query


def test_threads_keep_order(rally, wire):
    plain = _story_oids(rally, pagesize=3)
    wire.reset()
    threaded = _story_oids(rally, pagesize=3, threads=4)
    assert threaded == plain
    starts = sorted(int(r.query.split("start=")[1]) for r in wire.requests)
    assert starts == list(range(1, len(plain) + 1, 3))


def test_instance_true(rally):
    one = rally.get(
        "Defect", fetch=True, query='FormattedID = "DE1"', projectScopeDown=True, instance=True
    )
    assert one.FormattedID == "DE1"
    many = rally.get("Defect", fetch=True, projectScopeDown=True, instance=True)
    assert isinstance(many, RallyRESTResponse)
    bad = rally.get("Defect", query="Bogus = 1", instance=True)
    assert isinstance(bad, RallyRESTResponse) and not bad


def test_project_none_and_workspace_none(rally, wire):
    rally.get("Project", fetch="Name", project=None)
    q = wire.requests[-1].query
    assert "workspace=workspace/" in q and "project=" not in q and "projectScope" not in q
    rally.get("Workspace", fetch="Name", workspace=None)
    q = wire.requests[-1].query
    assert "workspace=" not in q and "project=" not in q


def test_scoping_kwargs(rally, wire):
    down = rally.get("Defect", fetch="Name", projectScopeDown=True)
    flat = rally.get("Defect", fetch="Name")
    assert down.resultCount > flat.resultCount
    rally.get("Defect", projectScopeUp="yes", projectScopeDown="True")
    assert "projectScopeUp=false&projectScopeDown=true" in wire.requests[-1].query


def test_named_project_and_path_and_ref(rally, wire):
    search = rally.get("HierarchicalRequirement", fetch="Project", project="Search")
    assert all(s.Project.Name == "Search" for s in search)
    path = rally.get("Defect", fetch="Name", project="Online Store // Web Team // Checkout")
    assert path.resultCount > 0
    proj = rally.getProject("Search")
    rally.get("Defect", project=f"project/{proj.oid}")
    assert f"project=project/{proj.oid}" in wire.requests[-1].query
    with pytest.raises(
        RallyRESTAPIError,
        match=r'Project specified: "Nope" \(in workspace: "Demo Workspace"\) not accessible',
    ):
        rally.get("Defect", project="Nope")


def test_other_workspace_does_not_change_current_context(rally, wire):
    resp = rally.get("HierarchicalRequirement", fetch="Name", workspace="Sandbox Workspace")
    assert [s.Name for s in resp] == ["Try the emulator"]
    q = wire.requests[-1].query
    assert "project=" not in q  # Q11: no stray project of the current workspace
    assert rally.getWorkspace().Name == "Demo Workspace"
    wire.reset()
    rally.get("Defect")
    assert f"workspace=workspace/{rally.getWorkspace().oid}" in wire.requests[-1].query
    with pytest.raises(
        RallyRESTAPIError,
        match='Workspace specified: "Nope" not accessible with current credentials',
    ):
        rally.get("Defect", workspace="Nope")


def test_hydration_is_per_call(rally, wire):
    shell = rally.get("Defect", fetch=False, limit=1, projectScopeDown=True).next()
    assert shell._hydrated is False
    full = rally.get("Defect", fetch="Name", limit=1, projectScopeDown=True).next()
    assert full._hydrated is True
    again = rally.get("Defect", limit=1, projectScopeDown=True).next()
    assert again._hydrated is False


def test_lazy_hydration_one_get(rally, wire):
    item = rally.get("Defect", fetch=False, limit=1, projectScopeDown=True).next()
    wire.reset()
    assert item.State in ("Submitted", "Open", "Fixed", "Closed")
    assert item.Severity is not None
    assert wire.count() == 1
    assert wire.requests[0].path.lower().endswith(f"/defect/{item.oid}")


def test_collection_attribute(rally):
    story = rally.get(
        "HierarchicalRequirement",
        fetch="FormattedID,Name,Tasks",
        query='Name = "Guest checkout"',
        project="Checkout",
        instance=True,
    )
    tasks = story.Tasks
    expected = rally.get(
        "Task", fetch="ObjectID", query=f"WorkProduct.ObjectID = {story.oid}", project=None
    )
    assert sorted(t.oid for t in tasks) == sorted(t.oid for t in expected)
    assert len(tasks) > 0
    assert all(t.WorkProduct.oid == story.oid for t in tasks)


def test_fetch_list_is_validated(rally, wire):
    resp = rally.get(
        "Defect", fetch=["formattedid", "name", "Root Cause"], limit=1, projectScopeDown=True
    )
    assert "fetch=FormattedID,Name,c_RootCause" in wire.requests[-1].query
    assert resp.next().RootCause is not None or True
    wire.reset()
    with pytest.raises(RallyAttributeNameError) as info:
        rally.get("Defect", fetch=["FormattedID", "Bogus", "Nope"])
    assert str(info.value) == "Bogus, Nope"
    assert wire.count() == 0


def test_bad_entity_name(rally, wire):
    with pytest.raises(InvalidRallyTypeNameError) as info:
        rally.get("Payjammas")
    assert info.value.args[0] == "Payjammas"


def test_story_alias_and_pi_path(rally, wire):
    rally.get("Story", fetch="Name", limit=1)
    assert wire.requests[-1].path.endswith("/HierarchicalRequirement")
    feats = rally.get("Feature", fetch="Name", projectScopeDown=True)
    assert wire.requests[-1].path.endswith("/PortfolioItem/Feature")
    assert feats.resultCount > 0
    assert (
        rally.get("PortfolioItem/Feature", fetch="Name", projectScopeDown=True).resultCount
        == feats.resultCount
    )


def test_query_error_response(rally):
    resp = rally.get("Defect", fetch=True, query="(InvalidField = x)")
    assert not resp
    assert resp.status_code == 422
    assert resp.resultCount == 0
    assert resp.errors and isinstance(resp.errors[0], str)
    assert "InvalidField" in resp.errors[0]
    assert list(resp) == []
    assert repr(resp).startswith("422 ")


def test_http_error_response_is_falsy_and_decoded(rally):
    resp = rally.getCollection(rally.service_url + "/nosuchtype/123/Tasks")
    assert not resp
    assert resp.resultCount == 0
    assert all(isinstance(e, str) for e in resp.errors)
    assert list(resp) == []


def test_page_failure_raises_response_error():
    from pyral import Rally
    from pyral.emulator import EmulatorServer
    from pyral.emulator.demo import DEMO_APIKEY

    server = EmulatorServer(demo=True, quiet=True).start()
    rally = Rally(server.url, apikey=DEMO_APIKEY, retries=0)
    resp = rally.get(
        "HierarchicalRequirement", fetch="Name", pagesize=3, projectScopeDown=True, threads=1
    )
    for _ in range(3):
        next(resp)
    server.stop()  # the next page cannot be fetched any more
    with pytest.raises(RallyResponseError, match="Unable to retrieve the page at start=4"):
        next(resp)


def test_page_error_body_raises_response_error(rally):
    resp = rally.get(
        "HierarchicalRequirement", fetch="Name", pagesize=3, projectScopeDown=True, threads=1
    )
    for _ in range(3):
        next(resp)
    resp._pager._fetch_page = lambda start: (_ for _ in ()).throw(
        RallyResponseError(f"page {start}")
    )
    with pytest.raises(RallyResponseError):
        next(resp)


def test_response_attributes(rally):
    resp = rally.get("Defect", fetch="Name", projectScopeDown=True, pagesize=4)
    assert resp.status_code == 200
    assert resp.request_type == "Query"
    assert resp.startIndex == 1 and resp.pageSize == 4
    assert resp.data["TotalResultCount"] == resp.resultCount
    assert resp.content["QueryResult"]["PageSize"] == 4
    assert resp.errors == [] and resp.warnings == []
    assert resp.resource.startswith(rally.service_url + "/Defect?")
    assert "result set, totalResultSetSize" in repr(resp)
    assert resp.next().Name
    assert iter(resp) is resp
