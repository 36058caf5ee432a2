"""pyral 1.7.0's module-level schema functions in ``pyral.entity`` work, without global leaks."""

from __future__ import annotations

import json
from pathlib import Path

import pyral.entity as entity

FIXTURE = json.loads((Path(__file__).parent / "data" / "schema_fixture.json").read_text())
TYPEDEFS = FIXTURE["QueryResult"]["Results"]


def test_process_then_get_schema_item() -> None:
    schema = entity.processSchemaInfo("https://h/slm/webservice/v2.0/workspace/991", TYPEDEFS)
    item = entity.getSchemaItem("workspace/991", "Defect")
    assert item is not None and item.ElementName == "Defect"
    assert schema.typedef("Defect") is item
    assert entity.getSchemaItem("workspace/992", "Defect") is None
    assert entity.getSchemaItem("workspace/991", "NoSuchType") is None


def test_pull_request_item_added_once() -> None:
    entity.processSchemaInfo("workspace/993", TYPEDEFS)
    first = entity.augmentSchemaWithPullRequestInfo("workspace/993")
    assert first.ElementName == "PullRequest"
    assert [a.ElementName for a in first.Attributes][:2] == ["Artifact", "Description"]
    assert entity.augmentSchemaWithPullRequestInfo("workspace/993") is first
    assert entity.augmentSchemaWithPullRequestInfo("workspace/994") is None


def test_add_entity_registers_a_subclass() -> None:
    cls = entity.addEntity("Gizmo", entity.Artifact)
    try:
        assert entity.classFor["Gizmo"] is cls
        assert issubclass(cls, entity.Artifact) and cls.__name__ == "Gizmo"
    finally:
        del entity.classFor["Gizmo"]


def test_hydrate_module_names() -> None:
    import pyral.hydrate as hydrate

    assert hydrate.classFor is entity.classFor
    assert hydrate.MINIMAL_ATTRIBUTES == ["_type", "_ref", "_refObjectName"]
