"""Hydration of WSAPI JSON (golden Rally bodies) into entities, with a recording fake client."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import pyral.entity as E
from pyral._schema import WorkspaceSchema
from pyral.exceptions import RallyRESTAPIError, UnreferenceableOIDError
from pyral.hydrate import MAX_NESTING, EntityHydrator

SVC = "https://rally1.rallydev.com/slm/webservice/v2.0"
GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
DATA = Path(__file__).parent / "data"


def golden(name):
    path = GOLDEN / name
    if not path.exists():  # the shared facts are not shipped with the package
        pytest.skip(f"golden file {name} not available")
    return json.loads(path.read_text())


def load_schema():
    doc = json.loads((DATA / "schema_fixture.json").read_text())
    return WorkspaceSchema(doc["workspace_ref"], doc["QueryResult"]["Results"])


class FakeClient:
    """Records every hook call; serves objects, collections and one schema."""

    def __init__(self, objects=None, collections=None, schema=None, schema_error=None):
        self.objects = objects or {}
        self.collections = collections or {}
        self.schema = schema
        self.schema_error = schema_error
        self.calls: list[tuple] = []

    def _load_object(self, ref):
        self.calls.append(("object", ref))
        if ref not in self.objects:
            raise UnreferenceableOIDError(ref)
        return copy.deepcopy(self.objects[ref])

    def _load_collection(self, url):
        self.calls.append(("collection", url))
        hydrator = EntityHydrator(self, "full")
        return [hydrator.hydrateInstance(i) for i in self.collections[url]]

    def _schema_for(self, workspace_ref=None):
        self.calls.append(("schema", workspace_ref))
        if self.schema_error:
            raise self.schema_error
        return self.schema


# ---------------------------------------------------------------------------- golden bodies
def test_golden_testcase_read_full():
    raw = golden("testcase_read.json")["TestCase"]
    before = copy.deepcopy(raw)
    client = FakeClient()
    tc = EntityHydrator(client, "full").hydrateInstance(raw)
    assert raw == before, "the caller's dict must not be modified"
    assert type(tc) is E.TestCase
    assert tc._type == "TestCase"  # recovered from _ref: single reads carry no _type
    assert tc.oid == 99091370752 and tc.ref == "testcase/99091370752"
    assert tc._hydrated is True and tc._client is client
    assert tc.FormattedID == "TC183867"
    assert tc.Priority == "None" and tc.LastBuild is None
    assert tc.Tags == [] and tc.Milestones == [] and tc.c_Component == []
    assert tc.Component == []
    assert isinstance(tc.c_WeblinkJira, E.CustomField) and tc.WeblinkJira.attributes() == []
    assert isinstance(tc.Owner, E.User) and tc.Owner.Name == "Amiya Pattnaik"
    assert tc.Owner._hydrated is False and tc.Owner._client is client
    assert isinstance(tc.RevisionHistory, E.RevisionHistory)
    assert "Errors" not in tc.attributes() and "Warnings" not in tc.attributes()
    assert client.calls == []


def test_golden_testcase_survives_copy_and_pickle():
    import pickle

    client = FakeClient()
    tc = EntityHydrator(client, "full").hydrateInstance(golden("testcase_read.json")["TestCase"])
    for clone in (copy.deepcopy(tc), pickle.loads(pickle.dumps(tc))):
        assert clone.FormattedID == "TC183867"
        assert clone.c_WeblinkJira == tc.c_WeblinkJira
        assert clone.Owner.Name == "Amiya Pattnaik"
    assert client.calls == []


def test_golden_tag_shells():
    client = FakeClient()
    hydrator = EntityHydrator(client, "shell")
    tags = [hydrator.hydrateInstance(i) for i in golden("query_tags_result_items_shallow.json")]
    assert [t.Name for t in tags] == ["UAT", "PRE", "PRO", "NOT TO DEPLOY"]
    assert all(type(t) is E.Tag and t._hydrated is False for t in tags)
    assert tags[0].oid == 55550759656
    assert client.calls == []


def test_golden_timeentryitem_fetch_list():
    raw = golden("query_timeentryitem_result_item_fetch_list.json")
    client = FakeClient(
        collections={
            f"{SVC}/TimeEntryItem/<OBJECT_OID>/Values": [
                {"_ref": f"{SVC}/timeentryvalue/1", "_type": "TimeEntryValue", "Hours": 2.0},
                {"_ref": f"{SVC}/timeentryvalue/2", "_type": "TimeEntryValue", "Hours": 3.5},
            ]
        }
    )
    item = EntityHydrator(client, "full").hydrateInstance(raw)
    assert type(item) is E.TimeEntryItem
    assert item.oid == "<OBJECT_OID>"  # not convertible -> kept as is
    assert item.Name == "Unknown"  # no _refObjectName in a fetch-list result
    assert item.TaskDisplayString == "TA1: ta1"
    with pytest.raises(AttributeError):
        _ = item.WorkProduct  # outside the fetch list: no lazy load
    assert client.calls == []
    assert [v.Hours for v in item.Values] == [2.0, 3.5]
    assert len(client.calls) == 1


def test_golden_batch_portfolio_items():
    results = golden("batch_result_update_portfolioitems.json")["BatchResult"]["Results"]
    client = FakeClient()  # no schema available: fallback classes still carry the name
    hydrator = EntityHydrator(client, "full")
    objs = [hydrator.hydrateInstance(r["Object"]) for r in results]
    engr = objs[0]
    assert type(engr).__name__ == "PortfolioItem_EngrFeature"
    # pyral 1.7.0's class for a level it did not know: a WorkspaceDomainObject, no typePath
    assert type(engr).__bases__ == (E.WorkspaceDomainObject,)
    assert not isinstance(engr, E.PortfolioItem) and not isinstance(engr, E.Artifact)
    assert engr._type == "PortfolioItem/EngrFeature"
    assert engr.typePath is None
    assert engr.ref == "engrfeature/49796003010"
    assert engr.Workspace.Name == "CSG"
    assert engr.Project.Parent.Workspace.Name == "CSG"
    assert "__collection_ref_for_Milestones" in engr.attributes()
    assert all(type(o) is type(engr) for o in objs), "one hydrator, one fallback class"
    parent = engr.Parent  # nested standard level
    assert type(parent) is E.PortfolioItem
    assert parent._type == "PortfolioItem" and parent.typePath == "PortfolioItem/Feature"
    assert parent._hydrated is False
    assert objs[1].Parent is None and objs[1].c_Status is None and objs[1].Status is None
    assert not hasattr(E, "PortfolioItem_EngrFeature")


# ---------------------------------------------------------------------------- value rules
def test_missing_api_version_keys_are_tolerated():
    item = {"_ref": f"{SVC}/defect/5", "_type": "Defect", "Name": "x"}
    d = EntityHydrator(None, "full").hydrateInstance(item)
    assert d.Name == "x" and d.oid == 5


def test_no_type_no_ref_gives_custom_field():
    cf = EntityHydrator(None, "full").hydrateInstance({"LinkID": "J-1", "DisplayString": "J"})
    assert isinstance(cf, E.CustomField) and cf.LinkID == "J-1"


def test_lists_of_typed_dicts_become_shells_and_others_stay():
    item = {
        "_ref": f"{SVC}/hierarchicalrequirement/9",
        "_type": "HierarchicalRequirement",
        "Things": [
            {"_ref": f"{SVC}/task/1", "_type": "Task", "_refObjectName": "t1"},
            {"Name": "plain", "_ref": "/milestone/4"},
            "text",
            3,
        ],
    }
    s = EntityHydrator(None, "full").hydrateInstance(item)
    task, plain, text, num = s.Things
    assert isinstance(task, E.Task) and task.Name == "t1" and task._hydrated is False
    assert plain == {"Name": "plain", "_ref": "/milestone/4"}
    assert (text, num) == ("text", 3)


def test_depth_limit_keeps_deep_dicts():
    def wrap(level):
        node = {"_ref": f"{SVC}/project/{level}", "_type": "Project", "Name": f"p{level}"}
        if level < 6:
            node["Parent"] = wrap(level + 1)
        return node

    top = EntityHydrator(None, "full").hydrateInstance(wrap(0))
    node = top
    for _ in range(MAX_NESTING):
        node = node.Parent
        assert isinstance(node, E.Project)
    assert isinstance(node.Parent, dict) and node.Parent["Name"] == f"p{MAX_NESTING + 1}"


def test_allowed_attribute_value_and_operator():
    h = EntityHydrator(None, "full")
    v = h.hydrateInstance(
        {
            "_ref": f"{SVC}/allowedattributevalue/1",
            "_type": "AllowedAttributeValue",
            "StringValue": "Crash",
        }
    )
    assert v.Name == "AllowedValue" and v.value == "Crash" and v.StringValue == "Crash"
    op = h.hydrateInstance(
        {
            "_ref": f"{SVC}/allowedqueryoperator/2",
            "_type": "AllowedQueryOperator",
            "OperatorName": "contains",
        }
    )
    assert op.Name == "contains"


def test_hydration_modes_and_bad_input():
    item = {"_ref": f"{SVC}/defect/1", "_type": "Defect", "_refObjectName": "d"}
    assert EntityHydrator(None, "full").hydrateInstance(item)._hydrated is True
    assert EntityHydrator(None, "shell").hydrateInstance(item)._hydrated is False
    with pytest.raises(ValueError):
        EntityHydrator(None, "partial")
    with pytest.raises(TypeError):
        EntityHydrator(None).hydrateInstance(["not", "a", "dict"])


def test_existing_instance_is_filled_in_place():
    d = E.Defect(1, "old", f"{SVC}/defect/1")
    out = EntityHydrator(None, "full").hydrateInstance(
        {"_ref": f"{SVC}/defect/1", "Name": "new", "State": "Open"}, existingInstance=d
    )
    assert out is d and d.Name == "new" and d.State == "Open" and d._hydrated is True


# ---------------------------------------------------------------------------- lazy chain
def test_lazy_chain_like_pyral_trace():
    d_ref, u_ref, tags_url = f"{SVC}/defect/1001", f"{SVC}/user/400", f"{SVC}/Defect/1001/Tags"
    client = FakeClient(
        objects={
            d_ref: {
                "_ref": d_ref,
                "_type": "Defect",
                "State": "Open",
                "Owner": {"_ref": u_ref, "_type": "User", "_refObjectName": "Ann"},
                "Tags": {"_ref": tags_url, "_type": "Tag", "Count": 1},
                "Errors": [],
                "Warnings": [],
            },
            u_ref: {"_ref": u_ref, "_type": "User", "UserName": "ann@example.com"},
        },
        collections={tags_url: [{"_ref": f"{SVC}/tag/6000", "_type": "Tag", "Name": "UAT"}]},
    )
    item = EntityHydrator(client, "shell").hydrateInstance(
        {
            "_rallyAPIMajor": "2",
            "_rallyAPIMinor": "0",
            "_ref": d_ref,
            "_type": "Defect",
            "_refObjectName": "Login fails",
        }
    )
    assert item.State == "Open"
    assert item.Owner.UserName == "ann@example.com"
    assert [t.Name for t in item.Tags] == ["UAT"]
    assert client.calls == [("object", d_ref), ("object", u_ref), ("collection", tags_url)]
    assert item.Owner._client is client


# ---------------------------------------------------------------------------- classes / schema
def test_standard_portfolio_item_class_and_observables():
    f = EntityHydrator(None, "full").hydrateInstance(
        {
            "_ref": f"{SVC}/portfolioitem/feature/7700",
            "_type": "PortfolioItem/Feature",
            "Name": "F1",
        }
    )
    assert type(f) is E.PortfolioItem and not isinstance(f, E.PortfolioItem_Feature)
    assert f._type == "PortfolioItem" and f.typePath == "PortfolioItem/Feature"
    assert f.ref == "feature/7700"


def test_custom_portfolio_level_from_given_schema():
    schema = load_schema()
    epic = EntityHydrator(None, "full", schema=schema).hydrateInstance(
        {"_ref": f"{SVC}/portfolioitem/epic/8800", "_type": "PortfolioItem/Epic", "Name": "E1"}
    )
    assert type(epic) is schema.entity_class("Epic")
    assert type(epic).__name__ == "PortfolioItem_Epic"
    assert [k.__name__ for k in type(epic).__mro__][1:] == [
        "WorkspaceDomainObject",
        "DomainObject",
        "Persistable",
        "object",
    ]
    assert epic._type == "PortfolioItem/Epic" and epic.typePath is None


def test_schema_fetched_from_client_with_item_workspace():
    schema = load_schema()
    client = FakeClient(schema=schema)
    ws = {"_ref": f"{SVC}/workspace/201", "_type": "Workspace", "_refObjectName": "Beta"}
    w = EntityHydrator(client, "full").hydrateInstance(
        {"_ref": f"{SVC}/widget/12", "_type": "Widget", "Name": "w", "Workspace": ws}
    )
    assert type(w) is schema.entity_class("Widget") and isinstance(w, E.Artifact)
    assert client.calls == [("schema", f"{SVC}/workspace/201")]
    plain = EntityHydrator(client, "full").hydrateInstance(
        {"_ref": f"{SVC}/defect/1", "_type": "Defect"}
    )
    assert type(plain) is E.Defect
    assert len(client.calls) == 1, "static types never need the schema"


def test_schema_failure_falls_back_to_named_class():
    client = FakeClient(schema_error=RallyRESTAPIError("schema down"))
    w = EntityHydrator(client, "full").hydrateInstance(
        {"_ref": f"{SVC}/widget/12", "_type": "Widget", "Name": "w"}
    )
    assert type(w).__name__ == "Widget" and isinstance(w, E.WorkspaceDomainObject)


def test_type_recovered_from_ref_through_schema():
    schema = load_schema()
    epic = EntityHydrator(None, "full", schema=schema).hydrateInstance(
        {"_ref": f"{SVC}/portfolioitem/epic/8800", "Name": "E1"}
    )
    assert type(epic).__name__ == "PortfolioItem_Epic"
    assert epic._type == "PortfolioItem/Epic" and epic.typePath is None


def test_two_clients_do_not_share_runtime_classes():
    a, b = FakeClient(schema=load_schema()), FakeClient(schema=load_schema())
    raw = {"_ref": f"{SVC}/portfolioitem/epic/8800", "_type": "PortfolioItem/Epic"}
    ea = EntityHydrator(a, "full").hydrateInstance(raw)
    eb = EntityHydrator(b, "full").hydrateInstance(raw)
    assert type(ea).__name__ == type(eb).__name__ == "PortfolioItem_Epic"
    assert type(ea) is not type(eb)
    assert ea._client is a and eb._client is b
    assert type(ea) is type(EntityHydrator(a, "full").hydrateInstance(raw))
    assert "PortfolioItem_Epic" not in E.classFor and not hasattr(E, "PortfolioItem_Epic")


def test_hydration_mode_does_not_leak_between_hydrators():
    item = {"_ref": f"{SVC}/defect/1", "_type": "Defect"}
    shell_h, full_h = EntityHydrator(None, "shell"), EntityHydrator(None, "full")
    assert shell_h.hydrateInstance(item)._hydrated is False
    assert full_h.hydrateInstance(item)._hydrated is True
    assert shell_h.hydrateInstance(item)._hydrated is False
