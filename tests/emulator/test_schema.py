"""Unit tests for the emulator schema (pure logic, no HTTP)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from pyral.emulator.schema import Schema, SchemaError, builtin_attr_oid

ROOT = Path(__file__).resolve().parents[2]
# The shared facts live beside the repository (as on developer machines and in CI); the
# regeneration check is skipped where they are not.
TYPES_JSON = next(
    (
        candidate
        for candidate in (
            ROOT.parent / "shared" / "wsapi" / "types.json",
            Path("/work/shared/wsapi/types.json"),
        )
        if candidate.exists()
    ),
    ROOT.parent / "shared" / "wsapi" / "types.json",
)

EXPECTED_TYPES = [
    "PersistableObject",
    "DomainObject",
    "WorkspaceDomainObject",
    "Artifact",
    "SchedulableArtifact",
    "Requirement",
    "RankableArtifact",
    "HierarchicalRequirement",
    "Defect",
    "Task",
    "TestCase",
    "TestCaseStep",
    "TestSet",
    "DefectSuite",
    "PortfolioItem",
    "Theme",
    "Initiative",
    "Feature",
    "Epic",
    "TestCaseResult",
    "TestFolder",
    "Iteration",
    "Release",
    "Milestone",
    "Tag",
    "User",
    "UserProfile",
    "Subscription",
    "Workspace",
    "Project",
    "Attachment",
    "AttachmentContent",
    "TypeDefinition",
    "AttributeDefinition",
    "AllowedAttributeValue",
    "State",
    "FlowState",
    "PreliminaryEstimate",
    "RecycleBinEntry",
    "RevisionHistory",
    "Revision",
    "ConversationPost",
    "WorkspaceConfiguration",
]


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema.load_default()


def test_every_required_type_is_present(schema: Schema) -> None:
    names = {t.element_name for t in schema.types()}
    assert set(EXPECTED_TYPES) <= names


def test_abstract_types(schema: Schema) -> None:
    for name in (
        "Artifact",
        "SchedulableArtifact",
        "Requirement",
        "RankableArtifact",
        "PortfolioItem",
    ):
        assert schema.get(name).abstract, name
        assert schema.get(name).queryable, name
    assert not schema.get("Defect").abstract


@pytest.mark.parametrize(
    "alias, expected",
    [
        ("defect", "Defect"),
        ("DEFECT", "Defect"),
        ("HierarchicalRequirement", "HierarchicalRequirement"),
        ("hierarchicalrequirement.js", "HierarchicalRequirement"),
        ("PortfolioItem/Feature", "Feature"),
        ("portfolioitem/feature", "Feature"),
        ("feature", "Feature"),
        ("/portfolioitem/epic", "Epic"),
        ("portfolioitem", "PortfolioItem"),
        ("users", "User"),
        ("subscriptions", "Subscription"),
        ("Tags", "Tag"),
        ("TestCaseResults", "TestCaseResult"),
        ("typedefinition", "TypeDefinition"),
    ],
)
def test_lookup_aliases(schema: Schema, alias: str, expected: str) -> None:
    td = schema.lookup(alias)
    assert td is not None and td.element_name == expected


def test_lookup_unknown(schema: Schema) -> None:
    assert schema.lookup("frobnicator") is None
    assert schema.lookup("") is None


def test_type_metadata(schema: Schema) -> None:
    hr = schema.get("HierarchicalRequirement")
    assert (hr.name, hr.type_path, hr.url_segment, hr.id_prefix) == (
        "Hierarchical Requirement",
        "HierarchicalRequirement",
        "hierarchicalrequirement",
        "US",
    )
    feature = schema.get("Feature")
    assert (feature.name, feature.type_path, feature.url_segment) == (
        "Feature",
        "PortfolioItem/Feature",
        "portfolioitem/feature",
    )
    assert feature.is_portfolio_item() and not hr.is_portfolio_item()
    ordinals = {t.element_name: (t.ordinal, t.id_prefix) for t in schema.portfolio_item_types()}
    assert ordinals == {
        "Feature": (0, "F"),
        "Epic": (1, "E"),
        "Initiative": (2, "I"),
        "Theme": (3, "T"),
    }
    assert hr.project_scoped and hr.workspace_scoped
    assert schema.get("Tag").workspace_scoped and not schema.get("Tag").project_scoped
    for name in ("User", "Workspace", "Subscription"):
        assert not schema.get(name).workspace_scoped


def test_inheritance(schema: Schema) -> None:
    defect, story = schema.get("Defect"), schema.get("HierarchicalRequirement")
    for attr in (
        "ObjectID",
        "Name",
        "Tags",
        "Workspace",
        "Subscription",
        "ScheduleState",
        "CreationDate",
    ):
        assert defect.attribute(attr) is not None, attr
    # An inherited attribute is one AttributeDefinition shared by all types.
    assert defect.attribute("Name").oid == story.attribute("Name").oid < 0
    assert defect.attribute("Name").oid == builtin_attr_oid("Artifact", "Name")
    # Names are case-sensitive.
    assert defect.attribute("name") is None
    assert schema.get("Theme").attribute("Predecessors") is not None


def test_no_customer_fields(schema: Schema) -> None:
    for td in schema.types():
        assert not [a for a in td.attributes if a.startswith("c_")], td.element_name


def test_default_value_lists(schema: Schema) -> None:
    def values(t: str, a: str) -> tuple[str, ...] | None:
        return schema.get(t).attribute(a).allowed_values

    assert values("HierarchicalRequirement", "ScheduleState") == (
        "Defined",
        "In-Progress",
        "Completed",
        "Accepted",
    )
    assert values("Defect", "State") == ("Submitted", "Open", "Fixed", "Closed")
    assert values("Task", "State") == ("Defined", "In-Progress", "Completed")
    assert values("Defect", "Priority") == (
        "None",
        "Resolve Immediately",
        "High Attention",
        "Normal",
        "Low",
    )
    assert values("Defect", "Severity") == (
        "None",
        "Crash/Data Loss",
        "Major Problem",
        "Minor Problem",
        "Cosmetic",
    )
    assert values("Iteration", "State") == ("Planning", "Committed", "Accepted")
    assert values("Release", "State") == ("Planning", "Active", "Accepted")
    assert values("TestCaseResult", "Verdict") == (
        "Pass",
        "Fail",
        "Blocked",
        "Error",
        "Inconclusive",
    )
    assert values("Defect", "FoundInBuild") is None
    assert schema.get("Defect").attribute("State").default == "Submitted"
    assert schema.get("Defect").attribute("ScheduleState").default == "Defined"


def test_required_fields(schema: Schema) -> None:
    def required(t: str) -> set[str]:
        return {a.name for a in schema.get(t).attributes.values() if a.required}

    assert required("Defect") == {"Name"}
    assert required("Task") == {"Name", "WorkProduct"}
    assert required("TestCaseResult") == {"TestCase", "Build", "Date", "Verdict"}
    assert required("Iteration") == {"Name", "StartDate", "EndDate", "State"}
    assert required("Release") == {"Name", "ReleaseStartDate", "ReleaseDate", "State"}
    assert required("Attachment") == {"Content", "Name", "ContentType"}


def test_collections_and_back_pointers(schema: Schema) -> None:
    story = schema.get("HierarchicalRequirement")
    tasks = story.attribute("Tasks")
    assert tasks.is_collection and not tasks.is_stored
    assert (tasks.target, tasks.inverse_of, tasks.read_only) == ("Task", "WorkProduct", True)
    tags = story.attribute("Tags")
    assert tags.is_stored and not tags.read_only
    assert schema.get("TypeDefinition").attribute("Attributes").is_stored
    assert schema.get("TestSet").attribute("TestCases").is_stored
    assert schema.get("TestCase").attribute("TestSets").inverse_of == "TestCases"
    assert schema.get("Milestone").attribute("Artifacts").inverse_of == "Milestones"
    assert schema.get("Task").attribute("WorkProduct").is_reference
    # Every inverse collection names a stored attribute on (a concrete type of) its target.
    for td in schema.types():
        for attr in td.attributes.values():
            if attr.inverse_of is None:
                continue
            back = schema.get(attr.target).attribute(attr.inverse_of)
            assert back is not None and back.is_stored, (td.element_name, attr.name)
            assert back.attr_type in ("OBJECT", "COLLECTION")


def test_portfolio_levels_are_linked(schema: Schema) -> None:
    assert schema.get("Feature").attribute("Parent").target == "Epic"
    assert schema.get("Feature").attribute("Children") is None
    assert schema.get("Feature").attribute("UserStories").inverse_of == "PortfolioItem"
    assert schema.get("Epic").attribute("Children").target == "Feature"
    assert schema.get("Initiative").attribute("Parent").target == "Theme"
    assert schema.get("Theme").attribute("Parent") is None


def test_concrete_types_and_is_a(schema: Schema) -> None:
    assert [t.element_name for t in schema.concrete_types("Defect")] == ["Defect"]
    pis = {t.element_name for t in schema.concrete_types("PortfolioItem")}
    assert pis == {"Feature", "Epic", "Initiative", "Theme"}
    artifacts = {t.element_name for t in schema.concrete_types("Artifact")}
    assert {"HierarchicalRequirement", "Defect", "Task", "TestCase", "Feature"} <= artifacts
    assert "Iteration" not in artifacts
    assert schema.is_a("Feature", "Artifact") and not schema.is_a("Artifact", "Feature")


def test_builtin_oids_are_unique(schema: Schema) -> None:
    seen: dict[int, tuple[str, str]] = {}
    for td in schema.types():
        for attr in td.attributes.values():
            key = (attr.name, attr.display_name + attr.attr_type + str(attr.target))
            if attr.oid in seen:
                assert seen[attr.oid][0] == attr.name
            seen[attr.oid] = key


def test_extended_custom_fields_propagate(schema: Schema) -> None:
    ext = schema.extended(
        {
            "Artifact": [{"Name": "c_Team", "AttributeType": "STRING", "ObjectID": 777}],
            "Defect": [
                {
                    "Name": "c_RootCause",
                    "DisplayName": "Root Cause",
                    "AllowedValues": ["Code", "Config"],
                }
            ],
        }
    )
    for name in ("Task", "Defect", "Feature", "HierarchicalRequirement"):
        attr = ext.get(name).attribute("c_Team")
        assert attr is not None and attr.custom and attr.oid == 777
    rc = ext.get("Defect").attribute("c_RootCause")
    assert (
        rc.allowed_values == ("Code", "Config") and rc.display_name == "Root Cause" and rc.oid > 0
    )
    assert ext.get("HierarchicalRequirement").attribute("c_RootCause") is None
    # The original schema is untouched and extensions accumulate.
    assert schema.get("Task").attribute("c_Team") is None
    again = ext.extended({"Task": [{"Name": "c_Extra"}]})
    assert again.get("Task").attribute("c_Team") and again.get("Task").attribute("c_Extra")


def test_extended_portfolio_type(schema: Schema) -> None:
    ext = schema.extended(portfolio_item_types=[{"Name": "Program", "IDPrefix": "P", "Ordinal": 4}])
    program = ext.lookup("portfolioitem/program")
    assert program is not None and program.element_name == "Program" and program.ordinal == 4
    assert program.id_prefix == "P" and program.attribute("Name") is not None
    assert ext.get("Theme").attribute("Parent").target == "Program"
    assert program.attribute("Children").target == "Theme"
    assert program.attribute("Parent") is None
    assert schema.lookup("portfolioitem/program") is None


@pytest.mark.parametrize(
    "fields, pis",
    [
        ({"Defect": [{"Name": "RootCause"}]}, None),
        ({"Defect": [{"Name": "c_X", "AttributeType": "OBJECT"}]}, None),
        ({"Nope": [{"Name": "c_X"}]}, None),
        ({"Defect": [{"Name": "c_X"}, {"Name": "c_X"}]}, None),
        (None, [{"Name": "Program", "Ordinal": 2}]),
        (None, [{"Name": "Bad Name!", "Ordinal": 5}]),
        (None, [{"Name": "Program"}]),
    ],
)
def test_extended_rejects_bad_additions(schema: Schema, fields, pis) -> None:
    with pytest.raises(SchemaError):
        schema.extended(fields, pis)


def test_schemas_are_independent() -> None:
    a, b = Schema.load_default(), Schema.load_default()
    a.get("Defect").attributes.pop("Name")
    assert b.get("Defect").attribute("Name") is not None


@pytest.mark.skipif(not TYPES_JSON.exists(), reason="shared facts not available")
def test_committed_schema_matches_generator(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("derive_schema", ROOT / "tools/derive_schema.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "schema.json"
    assert module.main([str(TYPES_JSON), "-o", str(out)]) == 0
    committed = (ROOT / "pyral/emulator/data/schema.json").read_text(encoding="utf-8")
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(committed)
