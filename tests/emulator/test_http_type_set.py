"""The full type set (issue 8, item 2): every type of Rally's digest has a TypeDefinition
with its standard attributes, the listed types are creatable and queryable over HTTP, and
collection summaries (AllowedValues included) carry ``_type`` and ``Count``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Wsapi

from pyral.emulator.schema import Schema

_DIGEST = Path("/work/shared/wsapi/types.json")


def _all_typedefs(wsapi: Wsapi) -> list[dict[str, Any]]:
    got = wsapi.get(
        "typedefinition", {"fetch": "ElementName,TypePath,Creatable,Queryable", "pagesize": 2000}
    )
    result = got["QueryResult"]
    assert result["Errors"] == []
    assert result["TotalResultCount"] == len(result["Results"])
    return result["Results"]


def test_typedefinition_lists_rallys_breadth(wsapi: Wsapi) -> None:
    names = {t["ElementName"] for t in _all_typedefs(wsapi)}
    assert len(names) > 120
    for name in ("PullRequest", "Build", "BuildDefinition", "Changeset", "Change", "Risk",
                 "TestFolderStatus", "VSMProduct", "VSMOutcome", "SCMRepository", "Scope",
                 "Slice", "ProjectPermission", "ScheduleState"):  # fmt: skip
        assert name in names, name


_NAMES = Path(__file__).resolve().parents[1] / "data" / "wsapi_type_names.json"


def test_every_digest_type_has_a_typedefinition() -> None:
    """Against the shared digest when present, else its element names kept in tests/data
    (so a fresh clone's CI checks the type set too)."""
    if _DIGEST.exists():
        digest = json.loads(_DIGEST.read_text())["types"]
        assert sorted(digest) == json.loads(_NAMES.read_text())["types"]
    else:
        digest = dict.fromkeys(json.loads(_NAMES.read_text())["types"])
    schema = Schema.load_default()
    served = {t.element_name for t in schema.types()}
    # The digest customer's own portfolio level is not a standard Rally type.
    missing = set(digest) - served - {"BusinessInitiative", "Investment"}
    assert missing == set()
    for td in schema.types():
        assert not any(a.startswith("c_") for a in td.attributes), td.element_name


_CREATABLE: list[tuple[str, dict[str, Any]]] = [
    ("BuildDefinition", {"Name": "nightly"}),
    ("SCMRepository", {"Name": "repo", "SCMType": "git"}),
    ("Risk", {"Name": "a risk"}),
    ("PreliminaryEstimate", {"Name": "XXL", "Value": 40}),
    ("TestFolder", {"Name": "folder"}),
    ("TestFolderStatus", {}),
    ("Milestone", {"Name": "m1"}),
    ("VSMProduct", {"Name": "product", "Active": True, "SubclassType": "VSMProduct"}),
    ("VSMOutcome", {"Name": "outcome", "Category": "Revenue"}),
    ("VSMComponent", {"Name": "component"}),
]


@pytest.mark.parametrize(("type_name", "attrs"), _CREATABLE, ids=[t for t, _ in _CREATABLE])
def test_listed_types_are_creatable_and_queryable(
    wsapi: Wsapi, type_name: str, attrs: dict[str, Any]
) -> None:
    made = wsapi.put(f"{type_name.lower()}/create", {type_name: attrs})["CreateResult"]
    assert made["Errors"] == [], made
    oid = made["Object"]["ObjectID"]
    found = wsapi.get(type_name.lower(), {"query": f"(ObjectID = {oid})", "fetch": "ObjectID"})
    assert found["QueryResult"]["Errors"] == []
    assert [r["ObjectID"] for r in found["QueryResult"]["Results"]] == [oid]


def test_scm_build_and_pull_request_chain(wsapi: Wsapi) -> None:
    story = wsapi.create("HierarchicalRequirement", {"Name": "scm story"})
    repo = wsapi.create("SCMRepository", {"Name": "r", "SCMType": "git"})
    changeset = wsapi.create(
        "Changeset",
        {"SCMRepository": repo["_ref"], "Revision": "abc123", "CommitTimestamp": "2026-01-02T03:04:05Z",
         "Artifacts": [story["_ref"]]},
    )  # fmt: skip
    wsapi.create("Change", {"Changeset": changeset["_ref"], "PathAndFilename": "a/b.py"})
    definition = wsapi.create("BuildDefinition", {"Name": "ci"})
    wsapi.create("Build", {"BuildDefinition": definition["_ref"], "Status": "SUCCESS", "Number": "7",
                           "Changesets": [changeset["_ref"]]})  # fmt: skip
    wsapi.create("PullRequest", {"Name": "pr", "ExternalID": "1", "ExternalFormattedId": "#1",
                                 "Url": "https://example.com/pr/1", "Artifact": story["_ref"]})  # fmt: skip
    read = wsapi.get(changeset["_ref"], {"fetch": "true"})["Changeset"]
    assert read["Changes"]["Count"] == 1 and read["Changes"]["_type"] == "Change"
    assert read["Builds"]["Count"] == 1
    assert (
        wsapi.get(definition["_ref"], {"fetch": "true"})["BuildDefinition"]["Builds"]["Count"] == 1
    )
    s = wsapi.get(story["_ref"], {"fetch": "Changesets,Connections"})["HierarchicalRequirement"]
    assert s["Changesets"]["Count"] == 1 and s["Changesets"]["_type"] == "Changeset"
    assert s["Connections"]["Count"] == 1
    missing = wsapi.put("pullrequest/create", {"PullRequest": {"Name": "no url"}})["CreateResult"]
    assert missing["Errors"], "ExternalID/Url are required as in Rally"


def test_reference_allowed_values_is_a_full_collection_summary(wsapi: Wsapi) -> None:
    sch = wsapi.get("/slm/schema/v2.0/workspace/" + _ws(wsapi))["QueryResult"]["Results"]
    defect = next(t for t in sch if t["ElementName"] == "Defect")
    for attr in defect["Attributes"]:
        av = attr["AllowedValues"]
        if isinstance(av, dict):
            assert av["_type"] == "AllowedAttributeValue", attr["ElementName"]
            listed = wsapi.get(av["_ref"], {"pagesize": 200})["QueryResult"]
            assert av["Count"] == listed["TotalResultCount"], attr["ElementName"]
    tags = next(a for a in defect["Attributes"] if a["ElementName"] == "Tags")
    before = tags["AllowedValues"]["Count"]
    wsapi.create("Tag", {"Name": "fresh tag for count"})
    sch = wsapi.get("/slm/schema/v2.0/workspace/" + _ws(wsapi))["QueryResult"]["Results"]
    defect = next(t for t in sch if t["ElementName"] == "Defect")
    tags = next(a for a in defect["Attributes"] if a["ElementName"] == "Tags")
    assert tags["AllowedValues"]["Count"] == before + 1


def _ws(wsapi: Wsapi) -> str:
    user = wsapi.get("user")["User"]
    profile = wsapi.get(user["UserProfile"]["_ref"])["UserProfile"]
    return profile["DefaultWorkspace"]["_ref"].rsplit("/", 1)[1]
