"""Backend reads: get_row, query scoping and paging, collections and their counts."""

from __future__ import annotations

import pytest
from test_backend_support import World  # the `world` fixture is in conftest.py

from pyral.emulator import errors
from pyral.emulator.errors import NotFoundError, QueryError, WsapiError


def names(rows) -> list[str]:
    return [r.data.get("Name") for r in rows]


def test_lookup_type(world: World) -> None:
    alpha = world.seed.workspaces["Alpha"]
    assert world.backend.lookup_type("portfolioitem/feature", alpha).element_name == "Feature"
    assert (
        world.backend.lookup_type("HierarchicalRequirement", alpha).element_name
        == "HierarchicalRequirement"
    )
    with pytest.raises(WsapiError) as err:
        world.backend.lookup_type("pullrequestx", alpha)
    assert err.value.errors == [errors.unknown_type("pullrequestx")]


def test_get_row(world: World) -> None:
    d1 = world.key("d1")
    assert world.backend.get_row(world.ann, world.typedef("Defect"), d1.oid).oid == d1.oid
    # abstract type addresses its subtypes
    assert world.backend.get_row(world.ann, world.typedef("Artifact"), d1.oid).oid == d1.oid


@pytest.mark.parametrize("case", ["wrong type", "absent", "no access", "recycled"])
def test_get_row_not_found(world: World, case: str) -> None:
    d1 = world.key("d1")
    user, typedef, oid = world.ann, world.typedef("Defect"), d1.oid
    if case == "wrong type":
        typedef = world.typedef("HierarchicalRequirement")
    elif case == "absent":
        oid = 99
    elif case == "no access":
        user = world.bob
    else:
        world.backend.delete(world.ann, typedef, oid)
    with pytest.raises(NotFoundError) as err:
        world.backend.get_row(user, typedef, oid)
    assert err.value.errors == [errors.CANNOT_FIND_TO_READ]


def test_query_without_project_sees_whole_workspace(world: World) -> None:
    total, rows = world.query("Project")
    assert total == 4 and sorted(names(rows)) == ["Root", "Team A", "Team B", "Team B1"]
    total, rows = world.query("HierarchicalRequirement")
    assert names(rows) == ["Story one", "Story two"]
    # other workspace's rows never leak in
    total, rows = world.query("Defect")
    assert names(rows) == ["Defect one"]


def test_query_project_scoping(world: World) -> None:
    team_b = world.project("Alpha", "Root // Team B")
    team_b1 = world.project("Alpha", "Root // Team B // Team B1")
    _, rows = world.query("Artifact", project=team_b, scope_down=True)
    assert sorted(names(rows)) == ["Defect one", "Story two"]
    _, rows = world.query("Artifact", project=team_b, scope_down=False)
    assert names(rows) == ["Story two"]
    _, rows = world.query("Artifact", project=team_b1, scope_up=True, scope_down=False)
    assert sorted(names(rows)) == ["Defect one", "Feature one", "Story two"]
    # project scoping does not narrow types that are not project-scoped
    _, rows = world.query("Tag", project=team_b1)
    assert sorted(names(rows)) == ["later", "urgent"]


def test_query_abstract_type_returns_concrete_rows(world: World) -> None:
    _, rows = world.query("SchedulableArtifact")
    assert {r.type for r in rows} == {"HierarchicalRequirement", "Defect"}
    _, rows = world.query("PortfolioItem")
    assert [r.type for r in rows] == ["Feature"]


def test_query_filter_order_and_paging(world: World) -> None:
    total, rows = world.query("Artifact", query='(Name contains "one")', order="Name desc")
    assert total == 4
    assert names(rows) == ["Task one", "Story one", "Feature one", "Defect one"]
    total, rows = world.query("Artifact", order="Name", start=2, pagesize=2)
    assert total == 5 and names(rows) == ["Feature one", "Story one"]
    total, rows = world.query("Artifact", order="Name", start=10, pagesize=2)
    assert total == 5 and rows == []


def test_query_default_order_is_object_id(world: World) -> None:
    _, rows = world.query("Artifact")
    assert [r.oid for r in rows] == sorted(r.oid for r in rows)


def test_query_errors_are_query_errors(world: World) -> None:
    with pytest.raises(QueryError):
        world.query("Defect", query="(Name zobolts 9)")
    with pytest.raises(QueryError):
        world.query("Defect", query="((Name = a) AND (Name = b) AND (Name = c))")


def test_query_workspaces_limited_to_grants(world: World) -> None:
    _, rows = world.query("Workspace", user=world.bob, ws="Beta")
    assert names(rows) == ["Beta"]


def test_recycled_rows_leave_queries(world: World) -> None:
    world.backend.delete(world.ann, world.typedef("Defect"), world.key("d1").oid)
    total, rows = world.query("Defect")
    assert total == 0 and rows == []


def test_attachmentcontent_query_is_empty(world: World) -> None:
    world.create("AttachmentContent", {"Content": "aGVsbG8="})
    assert world.query("AttachmentContent") == (0, [])


def test_inverse_collection(world: World) -> None:
    story = world.key("s1")
    attr = world.typedef("HierarchicalRequirement").attributes["Tasks"]
    total, rows = world.backend.collection(
        world.ann, story, attr, query=None, order=None, start=1, pagesize=20
    )
    assert total == 1 and names(rows) == ["Task one"]
    assert world.backend.collection_count(story, attr) == 1
    assert world.backend.collection_count(world.key("s2"), attr) == 0


def test_stored_collection_with_query(world: World) -> None:
    story, _ = world.update(
        "HierarchicalRequirement",
        world.key("s2").oid,
        {"Tags": [f"tag/{world.key('tag1').oid}", {"_ref": f"/tag/{world.key('tag2').oid}"}]},
    )
    attr = world.typedef("HierarchicalRequirement").attributes["Tags"]
    total, rows = world.backend.collection(
        world.ann, story, attr, query="(Name = later)", order=None, start=1, pagesize=20
    )
    assert total == 1 and names(rows) == ["later"]
    assert world.backend.collection_count(story, attr) == 2


def test_subscription_workspaces_respect_grants(world: World) -> None:
    sub = world.row(world.seed.subscription)
    attr = world.backend.lookup_type("Subscription", None).attributes["Workspaces"]
    _, rows = world.backend.collection(
        world.bob, sub, attr, query="(State = Open)", order=None, start=1, pagesize=20
    )
    assert names(rows) == ["Beta"]
    _, rows = world.backend.collection(
        world.ann, sub, attr, query=None, order="Name", start=1, pagesize=20
    )
    assert names(rows) == ["Alpha", "Beta", "Gamma"]


def test_revisions_come_newest_first(world: World) -> None:
    story = world.key("s1")
    world.update("HierarchicalRequirement", story.oid, {"ScheduleState": "In-Progress"})
    history = world.row(story.data["RevisionHistory"])
    attr = world.typedef("RevisionHistory").attributes["Revisions"]
    total, rows = world.backend.collection(
        world.ann, history, attr, query=None, order=None, start=1, pagesize=20
    )
    assert [r.data["RevisionNumber"] for r in rows] == [1, 0]
    assert rows[0].data["Description"] == "SCHEDULE STATE changed from [Defined] to [In-Progress]"
    assert rows[-1].data["Description"] == "Original revision"


def test_get_rows_and_live_rows(world: World) -> None:
    d1 = world.key("d1")
    world.backend.delete(world.ann, world.typedef("Defect"), d1.oid)
    assert d1.oid in world.backend.get_rows([d1.oid, 1])
    assert world.backend.rows([d1.oid]) == {}
    assert world.backend.typedef_of(world.key("f1")).type_path == "PortfolioItem/Feature"
