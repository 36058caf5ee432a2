"""Unit tests for the seed loader and the demo data set."""

from __future__ import annotations

import copy
import json

import pytest

from pyral.emulator.demo import DEMO_APIKEY, DEMO_PASSWORD, DEMO_USER, demo_seed
from pyral.emulator.schema import Schema
from pyral.emulator.seed import SeedError, load_seed, load_seed_file, workspace_schema
from pyral.emulator.store import Store


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema.load_default()


@pytest.fixture()
def store():
    s = Store()
    yield s
    s.close()


def _minimal() -> dict:
    return {
        "subscription": {"Name": "Acme"},
        "users": [{"UserName": "ann@example.com", "Password": "pw", "ApiKey": "_ann"}],
        "workspaces": [
            {
                "Name": "Alpha",
                "projects": [
                    {
                        "Name": "Root",
                        "Children": [
                            {"Name": "Team A"},
                            {"Name": "Team B", "Children": [{"Name": "Team A"}]},
                        ],
                    }
                ],
                "objects": [
                    {"_type": "Tag", "_key": "t1", "Name": "urgent"},
                    {
                        "_type": "HierarchicalRequirement",
                        "_key": "s1",
                        "Name": "Story",
                        "Project": "Root // Team A",
                    },
                ],
            }
        ],
    }


def _load(store: Store, schema: Schema, extra_objects: list[dict] | None = None, mutate=None):
    seed = _minimal()
    seed["workspaces"][0]["objects"] += extra_objects or []
    if mutate:
        mutate(seed)
    return load_seed(store, schema, seed)


def test_demo_loads_and_is_deterministic(schema: Schema) -> None:
    a, b = Store(), Store()
    try:
        ra, rb = load_seed(a, schema, demo_seed()), load_seed(b, schema, demo_seed())
        assert ra == rb
        rows_a = [
            (r.oid, r.type, r.workspace, r.project, r.fid_num, r.rank) for r in a.select("1", [])
        ]
        rows_b = [
            (r.oid, r.type, r.workspace, r.project, r.fid_num, r.rank) for r in b.select("1", [])
        ]
        assert rows_a == rows_b
        data_a = [r.data for r in a.select("1", [])]
        data_b = [r.data for r in b.select("1", [])]
        assert data_a == data_b  # the demo pins its clock, so even dates match
    finally:
        a.close()
        b.close()


def test_demo_content(store: Store, schema: Schema) -> None:
    result = load_seed(store, schema, demo_seed())
    demo = result.users[DEMO_USER]
    assert store.user_for_apikey(DEMO_APIKEY) == demo
    assert store.user_for_password(DEMO_USER, DEMO_PASSWORD) == demo
    assert store.get(demo).data["DisplayName"] == "Demo User"
    assert store.get(demo).data["SubscriptionAdmin"] is True
    assert store.workspaces_of(demo) == set(result.workspaces.values())
    assert store.workspaces_of(result.users["dave@example.com"]) == {
        result.workspaces["Sandbox Workspace"]
    }
    ws = result.workspaces["Demo Workspace"]
    profile = store.get(store.get(demo).data["UserProfile"])
    assert profile.data["DefaultWorkspace"] == ws and profile.data["DefaultProject"] is not None
    paths = result.projects["Demo Workspace"]
    assert "Online Store // Web Team // Checkout" in paths
    assert sum(1 for p in paths if p.endswith("// Integration")) == 2
    ws_schema = workspace_schema(store, schema, ws)
    artifacts = [
        r for r in store.select("o.workspace = ?", [ws]) if ws_schema.is_a(r.type, "Artifact")
    ]
    assert len(artifacts) >= 100
    types = {r.type for r in artifacts}
    assert {
        "HierarchicalRequirement",
        "Task",
        "Defect",
        "TestCase",
        "TestSet",
        "Feature",
        "Epic",
    } <= types
    fids = {r.data["FormattedID"] for r in artifacts}
    assert {"US1", "DE1", "TA1", "TC1", "TS1", "F1", "E1", "I1", "T1", "P1"} <= fids
    ranks = [r.rank for r in artifacts if ws_schema.is_a(r.type, "RankableArtifact")]
    assert all(ranks) and len(set(ranks)) == len(ranks)
    assert store.count("o.type = 'TestCaseResult'", []) >= 3
    assert store.count("o.type = 'Milestone'", []) >= 1


def test_schema_rows(store: Store, schema: Schema) -> None:
    result = load_seed(store, schema, demo_seed())
    ws = result.workspaces["Demo Workspace"]
    typedefs = {
        r.data["ElementName"]: r
        for r in store.select("o.type = 'TypeDefinition' AND o.workspace = ?", [ws])
    }
    hr = typedefs["HierarchicalRequirement"]
    for key in ("ElementName", "Name", "DisplayName", "TypePath", "IDPrefix", "Abstract", "Parent",
                "Creatable", "Queryable", "ReadOnly", "Deletable", "Restorable", "Ordinal",
                "RevisionHistory", "Attributes"):  # fmt: skip
        assert key in hr.data, key
    assert hr.data["Name"] == "Hierarchical Requirement" and hr.data["IDPrefix"] == "US"
    assert store.get(hr.data["Parent"]).data["ElementName"] == "Requirement"
    assert typedefs["Program"].data["TypePath"] == "PortfolioItem/Program"
    assert typedefs["Program"].data["Ordinal"] == 4
    attrs = store.get_many(typedefs["Defect"].data["Attributes"])
    by_name = {a.data["ElementName"]: a for a in attrs.values()}
    priority = by_name["Priority"]
    assert priority.oid < 0 and priority.workspace is None
    values = store.select(
        "o.type = 'AllowedAttributeValue' AND json_extract(o.data, '$.AttributeDefinition') = ?",
        [priority.oid],
        order_sql="json_extract(o.data, '$.ValueIndex')",
    )
    assert [v.data["StringValue"] for v in values] == [
        "None",
        "Resolve Immediately",
        "High Attention",
        "Normal",
        "Low",
    ]
    root_cause = by_name["c_RootCause"]
    assert root_cause.oid > 0 and root_cause.data["Custom"] is True and root_cause.workspace == ws
    states = store.select(
        "o.type = 'State' AND json_extract(o.data, '$.TypeDef') = ?",
        [typedefs["Feature"].oid],
        order_sql="json_extract(o.data, '$.OrderIndex')",
    )
    assert [s.data["Name"] for s in states][:2] == ["Discovering", "Developing"]
    ext = workspace_schema(store, schema, ws)
    assert ext.get("Defect").attribute("c_RootCause").oid == root_cause.oid
    assert ext.get("Theme").attribute("Parent").target == "Program"
    sandbox = workspace_schema(store, schema, result.workspaces["Sandbox Workspace"])
    assert sandbox.get("Defect").attribute("c_RootCause") is None


def test_references_and_derived_values(store: Store, schema: Schema) -> None:
    result = _load(
        store,
        schema,
        [
            {
                "_type": "Defect",
                "Name": "Bug",
                "Requirement": {"_key": "s1"},
                "Tags": ["urgent"],
                "Owner": "ANN@example.com",
                "Project": "Team B // Team A",
            },
            {"_type": "Task", "_key": "ta", "Name": "Do it", "WorkProduct": {"_key": "s1"}},
            {"_type": "PortfolioItem/Feature", "_key": "f", "Name": "F", "State": "Developing"},
        ],  # fmt: skip
    )
    story = store.get(result.keys["s1"])
    assert story.project == result.projects["Alpha"]["Root // Team A"]
    assert story.data["ScheduleState"] == "Defined" and story.data["FormattedID"] == "US1"
    defect = store.select("o.type = 'Defect'", [])[0]
    assert defect.data["Tags"] == [result.keys["t1"]]
    assert defect.data["Owner"] == result.users["ann@example.com"]
    assert defect.project == result.projects["Alpha"]["Root // Team B // Team A"]
    assert defect.data["State"] == "Submitted" and defect.data["Priority"] == "None"
    task = store.get(result.keys["ta"])
    assert task.project == story.project and task.data["Project"] == story.project
    feature = store.get(result.keys["f"])
    state = store.get(feature.data["State"])
    assert state.type == "State" and state.data["Name"] == "Developing"
    history = store.get(story.data["RevisionHistory"])
    assert history.type == "RevisionHistory"
    assert (
        store.count(
            "o.type = 'Revision' AND json_extract(o.data, '$.RevisionHistory') = ?", [history.oid]
        )
        == 1
    )


@pytest.mark.parametrize(
    "objects, message",
    [
        ([{"_type": "Widget", "Name": "x"}], "unknown type 'Widget'"),
        ([{"_type": "Artifact", "Name": "x"}], "abstract"),
        ([{"_type": "Defect", "Name": "x", "Nmae": "y"}], "no attribute 'Nmae'"),
        (
            [{"_type": "Defect", "Name": "x", "Requirement": {"_key": "nope"}}],
            "unknown _key 'nope'",
        ),
        (
            [{"_type": "Defect", "Name": "x", "Requirement": {"_key": "t1"}}],
            "expected a HierarchicalRequirement",
        ),
        ([{"_type": "Defect", "Name": "x", "Project": "Team A"}], "ambiguous"),
        ([{"_type": "Defect", "Name": "x", "Project": "Nowhere"}], "unknown project"),
        ([{"_type": "Defect", "Name": "x", "Owner": "zed@example.com"}], "unknown user"),
        ([{"_type": "Defect", "Name": "x", "Severity": "Critical"}], "'Critical' is not one of"),
        ([{"_type": "Defect"}], "Name is required"),
        ([{"_type": "Task", "Name": "t"}], "WorkProduct is required"),
        (
            [
                {
                    "_type": "Iteration",
                    "Name": "S",
                    "StartDate": "2026-13-01",
                    "EndDate": "2026-01-02",
                    "State": "Planning",
                }
            ],
            "not a valid date",
        ),
        ([{"_type": "Defect", "Name": "x", "FormattedID": "DE9"}], "maintained by the emulator"),
        ([{"_type": "HierarchicalRequirement", "Name": "x", "Tasks": []}], "computed"),
        ([{"_type": "Defect", "Name": "x", "PlanEstimate": "three"}], "must be a number"),
        ([{"_type": "Tag", "_key": "t1", "Name": "dup"}], "_key must be a unique"),
        ([{"_type": "User", "UserName": "x"}], "cannot be seeded"),
    ],  # fmt: skip
)
def test_bad_objects_are_rejected_atomically(
    store: Store, schema: Schema, objects, message
) -> None:
    with pytest.raises(SeedError) as info:
        _load(store, schema, objects)
    assert message in str(info.value)
    assert "objects[" in str(info.value) or "workspace" in str(info.value)
    assert store.count("1", []) == 0
    assert store.user_for_apikey("_ann") is None


def _set(path: list, value):
    def mutate(seed: dict) -> None:
        target = seed
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


@pytest.mark.parametrize(
    "mutate, message",
    [
        (_set(["extra"], 1), "unknown top-level"),
        (_set(["workspaces"], []), "at least one workspace"),
        (_set(["workspaces", 0, "projects"], []), "at least one project"),
        (_set(["workspaces", 0, "Colour"], "red"), "unknown key"),
        (_set(["users", 0, "DefaultWorkspace"], "Beta"), "unknown DefaultWorkspace"),
        (_set(["users", 0, "Workspaces"], ["Beta"]), "unknown workspace 'Beta'"),
        (_set(["users", 0, "Shoe"], 1), "no attribute 'Shoe'"),
        (
            _set(["workspaces", 0, "custom_fields"], {"Defect": [{"Name": "RootCause"}]}),
            "c_SomeName",
        ),
        (
            _set(["workspaces", 0, "portfolio_item_types"], [{"Name": "Feature", "Ordinal": 7}]),
            "clashes",
        ),
        (
            _set(["workspaces", 0, "portfolio_item_types"], [{"Name": "Program", "Ordinal": 1}]),
            "share Ordinal",
        ),
    ],
)
def test_bad_structure_is_rejected(store: Store, schema: Schema, mutate, message) -> None:
    with pytest.raises(SeedError) as info:
        _load(store, schema, mutate=mutate)
    assert message in str(info.value)
    assert store.count("1", []) == 0


def test_duplicate_api_key(store: Store, schema: Schema) -> None:
    def mutate(seed: dict) -> None:
        seed["users"].append({"UserName": "bob@example.com", "ApiKey": "_ann"})

    with pytest.raises(SeedError, match="ApiKey is already used"):
        _load(store, schema, mutate=mutate)


def test_missing_workspaces_list_means_all(store: Store, schema: Schema) -> None:
    def mutate(seed: dict) -> None:
        second = copy.deepcopy(seed["workspaces"][0])
        second["Name"] = "Beta"
        for obj in second["objects"]:
            obj["_key"] = "b-" + obj["_key"]
        seed["workspaces"].append(second)

    result = _load(store, schema, mutate=mutate)
    assert store.workspaces_of(result.users["ann@example.com"]) == set(result.workspaces.values())
    # FormattedIDs count per workspace.
    stories = store.select("o.type = 'HierarchicalRequirement'", [])
    assert [s.data["FormattedID"] for s in stories] == ["US1", "US1"]


def test_load_seed_file(tmp_path, store: Store, schema: Schema) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(_minimal()), encoding="utf-8")
    assert load_seed_file(store, schema, path).workspaces["Alpha"] > 0
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SeedError, match="not valid JSON"):
        load_seed_file(Store(), schema, bad)
    with pytest.raises(SeedError, match="cannot read"):
        load_seed_file(Store(), schema, tmp_path / "missing.json")
