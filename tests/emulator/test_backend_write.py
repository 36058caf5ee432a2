"""Backend writes: create/update validation and coercion, defaults, derived values, ranking."""

from __future__ import annotations

import pytest
from test_backend_support import World  # the `world` fixture is in conftest.py

from pyral.emulator import errors
from pyral.emulator.errors import NotFoundError, ValidationError, WsapiError

# -- create ------------------------------------------------------------------------------------


def test_create_defect_defaults_and_server_values(world: World) -> None:
    row, warnings = world.create("Defect", {"Name": "Crash"})
    assert warnings == []
    d = row.data
    assert d["FormattedID"] == "DE2" and row.fid_num == 2  # DE1 was seeded
    assert d["State"] == "Submitted" and d["ScheduleState"] == "Defined"
    assert d["CreatedBy"] == world.ann.oid and d["SubmittedBy"] == world.ann.oid
    assert d["Workspace"] == world.ws("Alpha").oid
    assert (
        d["Project"] == world.project("Alpha", "Root // Team A").oid == row.project
    )  # default project
    assert d["ObjectID"] == row.oid and d["VersionId"] == "1" and d["ObjectUUID"]
    assert d["CreationDate"].endswith("Z") and d["LastUpdateDate"] == d["CreationDate"]
    # bottom of the rank
    ranks = [r.rank for r in world.query("Artifact")[1] if r.rank]
    assert row.rank == max(ranks)
    # revision 0
    history = world.row(d["RevisionHistory"])
    assert history.type == "RevisionHistory"


def test_formatted_ids_count_per_workspace_and_type(world: World) -> None:
    a, _ = world.create("HierarchicalRequirement", {"Name": "a"})
    b, _ = world.create("HierarchicalRequirement", {"Name": "b"})
    c, _ = world.create("Defect", {"Name": "c"}, user=world.bob, ws="Beta")
    assert (a.data["FormattedID"], b.data["FormattedID"], c.data["FormattedID"]) == (
        "US3",
        "US4",
        "DE2",
    )


def test_project_from_param_and_body(world: World) -> None:
    team_b = world.project("Alpha", "Root // Team B")
    row, _ = world.create("Defect", {"Name": "x"}, project=team_b)
    assert row.project == team_b.oid
    root = world.project("Alpha", "Root")
    row, _ = world.create(
        "Defect", {"Name": "y", "project": f"/project/{root.oid}"}, project=team_b
    )
    assert row.project == root.oid and row.data["Project"] == root.oid


def test_project_from_another_workspace_is_refused(world: World) -> None:
    beta_root = world.project("Beta", "Beta Root")
    before = world.snapshot()
    with pytest.raises(ValidationError) as err:
        world.create("Defect", {"Name": "x", "Project": f"project/{beta_root.oid}"})
    assert "belongs to another workspace" in err.value.errors[0]
    assert world.snapshot() == before


def test_unknown_attributes_warn_and_read_only_are_ignored(world: World) -> None:
    row, warnings = world.create(
        "defect",
        {
            "Name": "x",
            "Nane": "typo",
            "ObjectID": 5,
            "FormattedID": "DE99",
            "CreationDate": "2000-01-01",
            "_ref": "x",
        },
    )
    assert warnings == [errors.ignored_element("defect", "Nane")]
    assert row.oid != 5 and row.data["FormattedID"] != "DE99"
    assert row.data["CreationDate"] != "2000-01-01T00:00:00.000Z"
    assert "Nane" not in row.data


def test_keys_match_case_insensitively(world: World) -> None:
    row, warnings = world.create("Defect", {"name": "lower", "PRIORITY": "Low"})
    assert warnings == [] and row.data["Name"] == "lower" and row.data["Priority"] == "Low"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, errors.not_null("Defect", "Name")),
        ({"Name": ""}, errors.not_null("Defect", "Name")),
        (
            {"Name": "x", "PlanEstimate": "lots"},
            errors.bad_number("Defect", "PlanEstimate", "lots"),
        ),
        ({"Name": "x", "Blocked": "maybe"}, errors.bad_boolean("Defect", "Blocked", "maybe")),
        (
            {"Name": "x", "TargetDate": "2017-04-29 20:23:51.188960"},
            errors.bad_date("2017-04-29 20:23:51.188960"),
        ),
        ({"Name": "x", "TargetDate": "2017-02-30"}, errors.bad_date("2017-02-30")),
        ({"Name": "x", "Notes": "x" * 32769}, errors.max_length("Defect", "Notes", 32768)),
        ({"Name": "x", "Owner": "InfinityDrain"}, errors.bad_reference("InfinityDrain")),
        ({"Name": "x", "Owner": 12345}, errors.bad_reference(12345)),
        ({"Name": "x", "Owner": "user/1"}, errors.ref_not_found("Defect", "Owner", "user/1")),
        ({"Name": "x", "Tags": "tag/1"}, errors.not_a_collection("Defect", "Tags")),
    ],
)
def test_create_validation_errors_store_nothing(world: World, body: dict, message: str) -> None:
    before = world.snapshot()
    with pytest.raises(ValidationError) as err:
        world.create("Defect", body)
    assert message in err.value.errors
    assert world.snapshot() == before


def test_invalid_allowed_value(world: World) -> None:
    with pytest.raises(ValidationError) as err:
        world.create("Defect", {"Name": "x", "Severity": "Apocalyptic"})
    text = err.value.errors[0]
    assert '"Apocalyptic" is an invalid value' in text and "Cosmetic" in text


def test_reference_of_wrong_type(world: World) -> None:
    with pytest.raises(ValidationError) as err:
        world.create("Defect", {"Name": "x", "Owner": f"tag/{world.key('tag1').oid}"})
    assert err.value.errors == [
        errors.ref_wrong_type("Defect", "Owner", f"tag/{world.key('tag1').oid}", "Tag", "User")
    ]


def test_all_errors_reported_together_with_warnings(world: World) -> None:
    with pytest.raises(ValidationError) as err:
        world.create("Defect", {"Bogus": 1, "PlanEstimate": "x"})
    assert len(err.value.errors) == 2
    assert err.value.warnings == [errors.ignored_element("Defect", "Bogus")]


def test_coercion_of_strings(world: World) -> None:
    row, _ = world.create(
        "Defect",
        {
            "Name": 42,
            "PlanEstimate": "3",
            "Blocked": "TRUE",
            "TargetDate": "2024-05-06",
            "Ready": False,
        },
    )
    d = row.data
    assert (
        d["Name"] == "42"
        and d["PlanEstimate"] == 3.0
        and d["Blocked"] is True
        and d["Ready"] is False
    )
    assert d["TargetDate"] == "2024-05-06T00:00:00.000Z"
    row, _ = world.create("Defect", {"Name": "tz", "TargetDate": "2024-05-06T10:00:00+02:00"})
    assert row.data["TargetDate"] == "2024-05-06T08:00:00.000Z"


def test_not_creatable_and_abstract(world: World) -> None:
    with pytest.raises(WsapiError) as err:
        world.create("Artifact", {"Name": "x"})
    assert err.value.errors == [errors.abstract_type("Artifact")]
    with pytest.raises(WsapiError) as err:
        world.create("RecycleBinEntry", {"Name": "x"})
    assert err.value.errors == [errors.not_creatable("RecycleBinEntry")]


def test_task_derives_from_work_product(world: World) -> None:
    story = world.key("s1")
    it1 = world.key("it1")
    world.update("HierarchicalRequirement", story.oid, {"Iteration": f"iteration/{it1.oid}"})
    task, _ = world.create(
        "Task",
        {
            "Name": "t",
            "WorkProduct": f"hierarchicalrequirement/{story.oid}",
            "Project": f"project/{world.project('Alpha', 'Root').oid}",
        },
    )
    assert task.data["State"] == "Defined" and task.data["FormattedID"].startswith("TA")
    assert task.project == story.project and task.data["Project"] == story.project
    assert task.data["Iteration"] == it1.oid and task.data["TaskIndex"] == 1
    # moving the story drags its tasks along
    team_b = world.project("Alpha", "Root // Team B")
    world.update(
        "HierarchicalRequirement",
        story.oid,
        {"Project": f"project/{team_b.oid}", "Iteration": None},
    )
    moved = world.row(task.oid)
    assert moved.project == team_b.oid and moved.data["Iteration"] is None
    assert moved.version == task.version + 1


def test_task_needs_work_product(world: World) -> None:
    with pytest.raises(ValidationError) as err:
        world.create("Task", {"Name": "t"})
    assert errors.not_null("Task", "WorkProduct") in err.value.errors


def test_portfolio_item_state_must_belong_to_its_type(world: World) -> None:
    feature_state = world.query("State", query='(TypeDef.Name = "Feature")', order="OrderIndex")[1][
        1
    ]
    epic_state = world.query("State", query='(TypeDef.Name = "Epic")')[1][0]
    row, _ = world.create(
        "PortfolioItem/Feature", {"Name": "F", "State": f"state/{feature_state.oid}"}
    )
    assert row.data["State"] == feature_state.oid
    assert row.data["PortfolioItemType"] == world.seed.typedefs[world.ws("Alpha").oid]["Feature"]
    assert row.data["FormattedID"].startswith("F")
    with pytest.raises(ValidationError) as err:
        world.create("PortfolioItem/Feature", {"Name": "F", "State": f"state/{epic_state.oid}"})
    assert "is not a State of the Feature type" in err.value.errors[0]


def test_story_feature_mirrors_portfolio_item(world: World) -> None:
    f1 = world.key("f1")
    row, _ = world.create(
        "HierarchicalRequirement", {"Name": "s", "PortfolioItem": f"feature/{f1.oid}"}
    )
    assert row.data["PortfolioItem"] == row.data["Feature"] == f1.oid


def test_milestone_target_project_joins_projects(world: World) -> None:
    team_a = world.project("Alpha", "Root // Team A")
    row, _ = world.create("Milestone", {"Name": "M", "TargetProject": f"project/{team_a.oid}"})
    assert row.data["Projects"] == [team_a.oid]
    assert row.data["FormattedID"].startswith("MI")


def test_schedule_state_dates(world: World) -> None:
    row, _ = world.create("HierarchicalRequirement", {"Name": "s", "ScheduleState": "Accepted"})
    assert row.data["AcceptedDate"] and row.data["InProgressDate"]
    row, _ = world.update("HierarchicalRequirement", row.oid, {"ScheduleState": "Defined"})
    assert row.data["AcceptedDate"] is None and row.data["InProgressDate"] is None
    row, _ = world.update("Defect", world.key("d1").oid, {"State": "Closed"})
    assert row.data["ClosedDate"]


# -- update ------------------------------------------------------------------------------------


def test_update_bumps_version_and_keeps_read_only(world: World) -> None:
    d1 = world.key("d1")
    row, warnings = world.update(
        "Defect",
        d1.oid,
        {
            "ObjectID": d1.oid,
            "FormattedID": "DE77",
            "Name": "renamed",
            "Owner": f"user/{world.ann.oid}",
        },
    )
    assert warnings == []
    assert row.version == d1.version + 1 and row.data["VersionId"] == str(row.version)
    assert row.data["FormattedID"] == "DE1" and row.data["Name"] == "renamed"
    assert row.data["LastUpdateDate"] >= d1.data["LastUpdateDate"]
    attr = world.typedef("RevisionHistory").attributes["Revisions"]
    _, revs = world.backend.collection(
        world.ann,
        world.row(row.data["RevisionHistory"]),
        attr,
        query=None,
        order=None,
        start=1,
        pagesize=5,
    )
    assert (
        revs[0].data["Description"]
        == "NAME changed from [Defect one] to [renamed], OWNER added [Ann]"
    )
    assert revs[0].data["User"] == world.ann.oid


def test_update_errors(world: World) -> None:
    d1 = world.key("d1")
    before = world.snapshot()
    with pytest.raises(ValidationError):
        world.update("Defect", d1.oid, {"Name": None})
    with pytest.raises(ValidationError):
        world.update("Defect", d1.oid, {"Name": "ok", "Severity": "nope"})
    with pytest.raises(NotFoundError):
        world.update("Defect", 42, {"Name": "x"})
    with pytest.raises(NotFoundError):
        world.update("Defect", d1.oid, {"Name": "x"}, user=world.bob)
    with pytest.raises(NotFoundError):
        world.update("HierarchicalRequirement", d1.oid, {"Name": "x"})
    assert world.snapshot() == before


def test_update_not_updatable_type(world: World) -> None:
    content, _ = world.create("AttachmentContent", {"Content": "aGk="})
    with pytest.raises(WsapiError) as err:
        world.backend.update(
            world.ann,
            world.typedef("AttachmentContent"),
            content.oid,
            {"Content": "aGk="},
            body_key="AttachmentContent",
        )
    assert err.value.errors == [errors.not_updatable("AttachmentContent")]


def test_collection_write_replaces(world: World) -> None:
    tag1, tag2 = world.key("tag1"), world.key("tag2")
    row, _ = world.update(
        "Defect", world.key("d1").oid, {"Tags": [f"tag/{tag1.oid}", f"tag/{tag1.oid}"]}
    )
    assert row.data["Tags"] == [tag1.oid]
    row, _ = world.update("Defect", row.oid, {"Tags": [{"_ref": f"tag/{tag2.oid}"}]})
    assert row.data["Tags"] == [tag2.oid]
    row, _ = world.update("Defect", row.oid, {"Tags": []})
    assert row.data["Tags"] == []


def test_inverse_collection_write_sets_back_pointers(world: World) -> None:
    m1, s1, d1 = world.key("m1"), world.key("s1"), world.key("d1")
    world.update(
        "Milestone",
        m1.oid,
        {"Artifacts": [f"defect/{d1.oid}", f"hierarchicalrequirement/{s1.oid}"]},
    )
    assert world.row(d1.oid).data["Milestones"] == [m1.oid]
    attr = world.typedef("Milestone").attributes["Artifacts"]
    assert world.backend.collection_count(world.row(m1.oid), attr) == 2
    world.update("Milestone", m1.oid, {"Artifacts": [f"defect/{d1.oid}"]})
    assert world.row(s1.oid).data["Milestones"] == []
    assert world.backend.collection_count(world.row(m1.oid), attr) == 1


def test_read_only_inverse_collection_ignored(world: World) -> None:
    s2 = world.key("s2")
    row, warnings = world.update(
        "HierarchicalRequirement", s2.oid, {"Tasks": [f"task/{world.key('t1').oid}"]}
    )
    assert (
        warnings == [] and world.row(world.key("t1").oid).data["WorkProduct"] == world.key("s1").oid
    )


# -- ranking -----------------------------------------------------------------------------------


def ranked(world: World) -> list[str]:
    return [r.data["Name"] for r in world.query("SchedulableArtifact", order="Rank")[1]]


def test_rank_moves(world: World) -> None:
    s1, s2, d1 = world.key("s1"), world.key("s2"), world.key("d1")
    assert ranked(world) == ["Story one", "Story two", "Defect one"]
    body = {"_ref": f"defect/{d1.oid}"}
    world.update("Defect", d1.oid, body, rank_above=f"hierarchicalrequirement/{s1.oid}")
    assert ranked(world) == ["Defect one", "Story one", "Story two"]
    world.update("Defect", d1.oid, body, rank_below=f"/hierarchicalrequirement/{s1.oid}")
    assert ranked(world) == ["Story one", "Defect one", "Story two"]
    world.update("HierarchicalRequirement", s2.oid, {}, rank_to="top")
    assert ranked(world) == ["Story two", "Story one", "Defect one"]
    world.update("HierarchicalRequirement", s2.oid, {}, rank_to="BOTTOM")
    assert ranked(world) == ["Story one", "Defect one", "Story two"]
    row = world.row(s2.oid)
    assert row.data["DragAndDropRank"] == row.rank


def test_rank_errors(world: World) -> None:
    d1, bd1 = world.key("d1"), world.key("bd1")
    before = world.snapshot()
    cases = [
        ({"rank_above": "defect/1"}, errors.rank_reference_missing("defect/1")),
        (
            {"rank_above": f"tag/{world.key('tag1').oid}"},
            errors.rank_reference_missing(f"tag/{world.key('tag1').oid}"),
        ),
        (
            {"rank_below": f"defect/{bd1.oid}"},
            errors.rank_reference_elsewhere(f"defect/{bd1.oid}"),
        ),
        ({"rank_to": "MIDDLE"}, errors.bad_rank_to("MIDDLE")),
    ]
    for kw, message in cases:
        with pytest.raises(WsapiError) as err:
            world.update("Defect", d1.oid, {"Name": "changed"}, **kw)
        assert err.value.errors == [message]
    with pytest.raises(WsapiError) as err:
        world.update("Tag", world.key("tag1").oid, {}, rank_to="TOP")
    assert err.value.errors == [errors.cannot_rank("Tag")]
    assert world.snapshot() == before
