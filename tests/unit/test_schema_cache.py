"""WorkspaceSchema: typedef lookup, names, attribute validation, allowed values, classes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pyral.entity as E
from pyral._schema import WorkspaceSchema
from pyral.exceptions import (
    InvalidRallyTypeNameError,
    RallyAttributeNameError,
    UnrecognizedAllowedValuesReference,
)
from pyral.hydrate import EntityHydrator

SVC = "https://rally1.rallydev.com/slm/webservice/v2.0"
FIXTURE = Path(__file__).parent / "data" / "schema_fixture.json"


def raw_types():
    return json.loads(FIXTURE.read_text())["QueryResult"]["Results"]


@pytest.fixture
def schema():
    return WorkspaceSchema(f"{SVC}/workspace/200", raw_types())


class Loader:
    """load_collection stand-in: AllowedValues collections as hydrated entities."""

    VALUES = {
        -55501: ["Crash", "Major Problem", "Cosmetic"],
        -55777: ["Red", "Green"],
        -55778: ["UI", "DB"],
    }

    def __init__(self):
        self.urls: list[str] = []

    def __call__(self, url):
        self.urls.append(url)
        oid = int(url.rstrip("/").split("/")[-2])
        hydrator = EntityHydrator(None, "full")
        return [
            hydrator.hydrateInstance(
                {
                    "_ref": f"{SVC}/allowedattributevalue/{i}",
                    "_type": "AllowedAttributeValue",
                    "StringValue": v,
                }
            )
            for i, v in enumerate(self.VALUES.get(oid, ["M1", "M2"]))
        ]


def av_url(oid):
    return f"{SVC}/AttributeDefinition/{oid}/AllowedValues"


# ---------------------------------------------------------------------------- typedef
def test_typedef_names_and_aliases(schema):
    story = schema.typedef("HierarchicalRequirement")
    assert story is not None and story.ElementName == "HierarchicalRequirement"
    for alias in ("Story", "UserStory", "User Story"):
        assert schema.typedef(alias) is story
    assert schema.typedef("Feature") is schema.typedef("PortfolioItem/Feature")
    assert schema.typedef("Epic").TypePath == "PortfolioItem/Epic"
    assert schema.typedef("PortfolioItem_Epic") is schema.typedef("Epic")
    assert schema.typedef("Gizmo") is None
    assert schema.typedef("defect") is None
    assert schema.typedef(None) is None


def test_schema_item_fields(schema):
    defect = schema.typedef("Defect")
    assert defect._type == "TypeDefinition"
    assert defect.ref.startswith("typedefinition/")
    assert defect.IDPrefix == "DE" and defect.Parent == "Schedulable Artifact"
    assert defect.Abstract is False and defect.completed is False
    severity = defect.attribute("Severity")
    assert severity.ref == "attributedefinition/-55501"
    assert severity.AllowedValues == av_url(-55501) and severity.resolved is False
    assert defect.attribute("CustomText").ElementName == "c_CustomText"
    assert defect.inheritanceChain() == [
        "Persistable",
        "DomainObject",
        "WorkspaceDomainObject",
        "Artifact",
        "Defect",
    ]
    assert schema.typedef("Epic").inheritanceChain()[-2:] == [
        "WorkspaceDomainObject",
        "PortfolioItem_Epic",
    ]
    # pyral 1.7.0 names a standard level by its (otherwise unused) PortfolioItem_<Level> class
    assert schema.typedef("Feature").inheritanceChain()[-3:] == [
        "Artifact",
        "PortfolioItem",
        "PortfolioItem_Feature",
    ]
    assert "Severity" in str(defect)


def test_typedef_completion_fetches_eligible_refs_once(schema):
    load = Loader()
    assert schema.typedef("Defect") is not None
    assert load.urls == []  # no loader, no request
    defect = schema.typedef("Defect", load)
    assert sorted(load.urls) == sorted([av_url(-55501), av_url(-55778)])
    assert defect.completed is True
    assert defect.attribute("Severity").value_texts() == ["Crash", "Major Problem", "Cosmetic"]
    assert defect.attribute("Milestones").resolved is False  # ineligible standard collection
    schema.typedef("Defect", load)
    assert len(load.urls) == 2


# ---------------------------------------------------------------------------- names
@pytest.mark.parametrize(
    ("name", "official"),
    [
        ("Story", "HierarchicalRequirement"),
        ("UserStory", "HierarchicalRequirement"),
        ("HierarchicalRequirement", "HierarchicalRequirement"),
        ("Feature", "PortfolioItem/Feature"),
        ("PortfolioItem/Feature", "PortfolioItem/Feature"),
        ("Epic", "PortfolioItem/Epic"),
        ("Program", "PortfolioItem/Program"),
        ("Widget", "Widget"),
        ("Artifact", "Artifact"),
        ("Release", "Release"),  # not in this schema, known statically
        ("Initiative", "PortfolioItem/Initiative"),
    ],
)
def test_official_name(schema, name, official):
    assert schema.official_name(name) == official


@pytest.mark.parametrize("name", ["Gizmo", "defect", "Defect, Task", "SchemaItem", "Epics"])
def test_official_name_rejects(schema, name):
    with pytest.raises(InvalidRallyTypeNameError) as info:
        schema.official_name(name)
    assert info.value.args[0] == name


def test_attribute_lookup(schema):
    assert schema.attribute("Defect", "c_RootCause").Name == "Root Cause"
    assert schema.attribute("Defect", "RootCause").ElementName == "c_RootCause"
    assert schema.attribute("Defect", "Nope") is None
    assert schema.attribute("Gizmo", "Name") is None


# ---------------------------------------------------------------------------- validation
def test_validate_attribute_names_rules(schema):
    data = {
        "Name": 1,  # exact
        "CustomText": 2,  # c_ + key
        "scheduleSTATE": 3,  # case-insensitive
        "rootcause": 4,  # c_ + key, case-insensitive
        "Plan Estimate": 5,  # display name, spaces removed
        "number of cases": 6,  # display name, case-insensitive
    }
    original = dict(data)
    out = schema.validate_attribute_names("Defect", data)
    assert out == {
        "Name": 1,
        "c_CustomText": 2,
        "ScheduleState": 3,
        "c_RootCause": 4,
        "PlanEstimate": 5,
        "c_NumberofCases": 6,
    }
    assert data == original


def test_validate_attribute_names_collects_bad_names(schema):
    with pytest.raises(RallyAttributeNameError) as info:
        schema.validate_attribute_names("Defect", {"Name": 1, "Bogus": 2, "Nope": 3})
    assert info.value.args[0] == "Bogus, Nope"


def test_validate_attribute_names_list_dedupes(schema):
    out = schema.validate_attribute_names("Story", ["name", "Name", "MobileOS", "FormattedID"])
    assert out == ["Name", "c_MobileOS", "FormattedID"]
    with pytest.raises(RallyAttributeNameError, match="^Wat$"):
        schema.validate_attribute_names("Story", ["Name", "Wat"])


def test_validate_attribute_names_bad_input(schema):
    with pytest.raises(InvalidRallyTypeNameError):
        schema.validate_attribute_names("Gizmo", {"Name": 1})
    with pytest.raises(TypeError):
        schema.validate_attribute_names("Defect", "Name")


# ---------------------------------------------------------------------------- allowed values
def test_allowed_values_inline_and_none(schema):
    load = Loader()
    assert schema.allowed_values("Defect", "State", load) == [
        "Submitted",
        "Open",
        "Fixed",
        "Closed",
    ]
    assert schema.allowed_values("Defect", "Priority", load)[1] == "Resolve Immediately"
    assert schema.allowed_values("Defect", "RootCause", load) == [
        "Code",
        "Requirements",
        "Environment",
    ]
    assert schema.allowed_values("Defect", "Name", load) == []
    assert schema.allowed_values("Defect", "Nope", load) is None
    assert schema.allowed_values("Gizmo", "State", load) is None


def test_allowed_values_rating_by_ref(schema):
    load = Loader()
    assert schema.allowed_values("Defect", "Severity", load) == [
        "Crash",
        "Major Problem",
        "Cosmetic",
    ]
    count = len(load.urls)
    assert schema.allowed_values("Defect", "Severity", load) == [
        "Crash",
        "Major Problem",
        "Cosmetic",
    ]
    assert len(load.urls) == count


def test_allowed_values_custom_dropdown_gives_values_first_time(schema):
    load = Loader()
    assert schema.allowed_values("Defect", "CustomDrop", load) == ["Red", "Green"]
    assert load.urls.count(av_url(-55777)) == 1
    assert schema.allowed_values("Defect", "c_CustomDrop", load) == ["Red", "Green"]
    assert load.urls.count(av_url(-55777)) == 1


def test_allowed_values_ineligible_collection_true_then_values(schema):
    load = Loader()
    assert schema.allowed_values("Story", "Milestones", load) == [True]
    assert schema.allowed_values("Story", "Milestones", load) == ["M1", "M2"]
    assert load.urls.count(schema.attribute("Story", "Milestones")._allowed_ref) == 1


def test_unrecognized_allowed_values_reference():
    raw = raw_types()
    for t in raw:
        if t["ElementName"] == "Defect":
            for a in t["Attributes"]:
                if a["ElementName"] == "c_CustomDrop":
                    a["AllowedValues"] = {"_ref": "/attributedefinition/-55777/Values"}
    schema = WorkspaceSchema(f"{SVC}/workspace/200", raw)
    with pytest.raises(UnrecognizedAllowedValuesReference):
        schema.allowed_values("Defect", "CustomDrop", Loader())


# ---------------------------------------------------------------------------- classes
def test_entity_class_static_and_runtime(schema):
    assert schema.entity_class("Defect") is E.Defect
    assert schema.entity_class("Story") is E.HierarchicalRequirement
    assert schema.entity_class("PortfolioItem/Feature") is E.PortfolioItem
    assert schema.entity_class("Feature") is E.PortfolioItem
    epic = schema.entity_class("Epic")
    assert epic.__name__ == "PortfolioItem_Epic"
    assert epic.__bases__ == (E.WorkspaceDomainObject,) and not issubclass(epic, E.Artifact)
    assert schema.entity_class("PortfolioItem/Epic") is epic
    assert schema.entity_class("PortfolioItem_Epic") is epic
    program = schema.entity_class("Program")  # a custom level here, not legacy Program
    assert program.__name__ == "PortfolioItem_Program" and program is not E.Program
    widget = schema.entity_class("Widget")
    assert widget.__name__ == "Widget" and widget.__bases__ == (E.Artifact,)
    gizmo = schema.entity_class("Gizmo")
    assert gizmo.__name__ == "Gizmo" and gizmo.__bases__ == (E.WorkspaceDomainObject,)
    assert schema.entity_class("Gizmo") is gizmo
    assert schema.classes["PortfolioItem/Epic"] is epic


def test_parent_resolved_through_runtime_types():
    raw = raw_types()
    raw.append(
        {
            "_ref": f"{SVC}/typedefinition/79999",
            "_refObjectName": "Big Widget",
            "ElementName": "BigWidget",
            "Name": "Big Widget",
            "TypePath": "BigWidget",
            "Abstract": False,
            "Attributes": [],
            "Parent": {"_ref": f"{SVC}/typedefinition/70012", "_refObjectName": "Widget"},
        }
    )
    schema = WorkspaceSchema(f"{SVC}/workspace/200", raw)
    big = schema.entity_class("BigWidget")
    assert big.__bases__ == (schema.entity_class("Widget"),)


def test_schemas_are_independent():
    a = WorkspaceSchema(f"{SVC}/workspace/200", raw_types())
    b = WorkspaceSchema(f"{SVC}/workspace/200", raw_types())
    assert a.entity_class("Epic") is not b.entity_class("Epic")
    assert a.typedef("Defect") is not b.typedef("Defect")
    a.typedef("Defect", Loader())
    assert b.typedef("Defect").completed is False
    assert not hasattr(E, "PortfolioItem_Epic") and "Epic" not in E.classFor


def test_constructor_rejects_bad_input():
    with pytest.raises(TypeError, match="QueryResult.Results"):
        WorkspaceSchema("ws", {"QueryResult": {}})
    with pytest.raises(ValueError, match="no ElementName"):
        WorkspaceSchema("ws", [{"Name": "x"}])


def test_schema_without_story_type_still_works():
    raw = [t for t in raw_types() if t["ElementName"] != "HierarchicalRequirement"]
    schema = WorkspaceSchema("ws", raw)
    assert schema.typedef("Story") is None
    assert schema.official_name("Story") == "HierarchicalRequirement"  # static knowledge
