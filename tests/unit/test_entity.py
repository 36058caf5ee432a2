"""Entity classes: class tree, names, attribute rules and lazy loading (no network)."""

from __future__ import annotations

import copy
import pickle

import pytest

import pyral.entity as E
from pyral.exceptions import (
    InvalidRallyTypeNameError,
    RallyError,
    UnreferenceableOIDError,
)
from pyral.hydrate import EntityHydrator

SVC = "https://rally1.rallydev.com/slm/webservice/v2.0"


class FakeClient:
    """Stands in for Rally: serves canned objects/collections and records every call."""

    def __init__(self, objects=None, collections=None):
        self.objects = objects or {}
        self.collections = collections or {}
        self.calls: list[tuple[str, str]] = []

    def _load_object(self, ref):
        self.calls.append(("object", ref))
        if ref not in self.objects:
            raise UnreferenceableOIDError(f"cannot load {ref}")
        return copy.deepcopy(self.objects[ref])

    def _load_collection(self, url):
        self.calls.append(("collection", url))
        hydrator = EntityHydrator(self, "full")
        return [hydrator.hydrateInstance(item) for item in self.collections[url]]


def ref_dict(kind, oid, name=None, type_name=None):
    d = {
        "_rallyAPIMajor": "2",
        "_rallyAPIMinor": "0",
        "_ref": f"{SVC}/{kind}/{oid}",
        "_type": type_name or kind.capitalize(),
    }
    if name is not None:
        d["_refObjectName"] = name
    return d


def defect_full(oid=1001):
    return {
        "_rallyAPIMajor": "2",
        "_rallyAPIMinor": "0",
        "_ref": f"{SVC}/defect/{oid}",
        "_refObjectUUID": "5c2b8b0e-0000-4000-8000-000000001001",
        "_objectVersion": "3",
        "_refObjectName": "Login fails",
        "_CreatedAt": "today",
        "ObjectID": oid,
        "FormattedID": "DE7",
        "Name": "Login fails",
        "State": "Open",
        "Owner": ref_dict("user", 400, "Ann Example", "User"),
        "Workspace": ref_dict("workspace", 200, "Alpha Workspace", "Workspace"),
        "Tags": {
            "_rallyAPIMajor": "2",
            "_rallyAPIMinor": "0",
            "_ref": f"{SVC}/Defect/{oid}/Tags",
            "_type": "Tag",
            "_tagsNameArray": [{"Name": "UAT", "_ref": "/tag/6000"}],
            "Count": 1,
        },
        "Tasks": {"_ref": f"{SVC}/Defect/{oid}/Tasks", "_type": "Task", "Count": 0},
        "c_CustomText": "hello",
        "c_Component": {
            "_ref": f"{SVC}/Defect/{oid}/c_Component",
            "_type": "AllowedAttributeValue",
            "Count": 2,
        },
        "Errors": [],
        "Warnings": [],
    }


def shell(client, oid=1001):
    item = {
        "_rallyAPIMajor": "2",
        "_rallyAPIMinor": "0",
        "_ref": f"{SVC}/defect/{oid}",
        "_refObjectUUID": "5c2b8b0e-0000-4000-8000-000000001001",
        "_refObjectName": "Login fails",
        "_type": "Defect",
    }
    return EntityHydrator(client, "shell").hydrateInstance(item)


def tag_items():
    return [
        {**ref_dict("tag", 6000, "UAT", "Tag"), "Name": "UAT"},
    ]


def component_items():
    return [
        {
            "_ref": f"{SVC}/allowedattributevalue/1",
            "_type": "AllowedAttributeValue",
            "StringValue": "UI",
        },
        {
            "_ref": f"{SVC}/allowedattributevalue/2",
            "_type": "AllowedAttributeValue",
            "StringValue": "DB",
        },
    ]


# ---------------------------------------------------------------------------- class tree
@pytest.mark.parametrize(
    ("name", "parent"),
    [
        ("Subscription", "Persistable"),
        ("AllowedAttributeValue", "Persistable"),
        ("DomainObject", "Persistable"),
        ("User", "DomainObject"),
        ("WorkspacePermission", "UserPermission"),
        ("WorkspaceDomainObject", "DomainObject"),
        ("Project", "WorkspaceDomainObject"),
        ("RevisionHistory", "WorkspaceDomainObject"),
        ("WebLinkDefinition", "AttributeDefinition"),
        ("Investment", "Slice"),
        ("IterationCumulativeFlowData", "CumulativeFlowData"),
        ("PublishedCapacityPlan", "CapacityPlan"),
        ("Objective", "BaseRankable"),
        ("Objective_TeamObjective", "Objective"),
        ("KeyResult", "BaseRankable"),
        ("KeyResultInterimTarget", "KeyResultData"),
        ("PullRequest", "Connection"),
        ("Defect", "Artifact"),
        ("Task", "Artifact"),
        ("TestCase", "Artifact"),
        ("PortfolioItem", "Artifact"),
        ("PortfolioItem_Feature", "PortfolioItem"),
        ("PortfolioItem_Strategy", "PortfolioItem"),
        ("HierarchicalRequirement", "Requirement"),
        ("Requirement", "SchedulableArtifact"),
        ("DefectSuite", "SchedulableArtifact"),
        ("ExternalContribution", "RankableArtifact"),
        ("VSMOutcome", "WorkspaceDomainObject"),
    ],
)
def test_class_tree_parents(name, parent):
    cls = getattr(E, name)
    assert cls.__bases__ == (getattr(E, parent),)
    assert E.classFor[name] is cls


def test_aliases_and_class_for_specials():
    assert E.UserStory is E.HierarchicalRequirement
    assert E.Story is E.HierarchicalRequirement
    assert E.classFor["UserStory"] is E.HierarchicalRequirement
    assert E.classFor["Story"] is E.HierarchicalRequirement
    assert E.classFor["OjbectiveConversationPost"] is E.ObjectiveConversationPost
    assert E.classFor["CustomField"] is E.CustomField
    assert not issubclass(E.CustomField, E.Persistable)


def test_module_constants():
    assert E.VERSION_ATTRIBUTES == ["_rallyAPIMajor", "_rallyAPIMinor", "_objectVersion"]
    assert E.MINIMAL_ATTRIBUTES == ["_type", "_ref", "_refObjectName"]
    assert E.PORTFOLIO_ITEM_SUB_TYPES == ["Strategy", "Theme", "Initiative", "Feature"]


def test_star_import_works_and_all_is_strings():
    assert all(isinstance(n, str) for n in E.__all__)
    namespace: dict = {}
    exec("from pyral.entity import *", namespace)
    for name in ("Defect", "classFor", "validRallyType", "InvalidRallyTypeNameError", "Story"):
        assert name in namespace


def test_legacy_exception_names_are_the_shared_classes():
    import pyral.exceptions as X

    assert E.InvalidRallyTypeNameError is X.InvalidRallyTypeNameError
    assert E.UnreferenceableOIDError is X.UnreferenceableOIDError
    assert E.UnrecognizedAllowedValuesReference is X.UnrecognizedAllowedValuesReference


# ---------------------------------------------------------------------------- names
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Defect", "Defect"),
        ("HierarchicalRequirement", "HierarchicalRequirement"),
        ("UserStory", "UserStory"),
        ("Story", "Story"),
        ("Feature", "PortfolioItem/Feature"),
        ("Initiative", "PortfolioItem/Initiative"),
        ("PortfolioItem/Theme", "PortfolioItem/Theme"),
        ("PortfolioItem_Strategy", "PortfolioItem/Strategy"),
        ("PortfolioItem", "PortfolioItem"),
        ("Artifact", "Artifact"),
        ("TestCaseResult", "TestCaseResult"),
    ],
)
def test_valid_rally_type(name, expected):
    assert E.validRallyType(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "defect",
        "Defect,Task",
        "Bogus",
        "SchemaItem",
        "CustomField",
        "Persistable",
        "InvalidRallyTypeNameError",
        "",
        "PortfolioItem/Epic",
    ],
)
def test_invalid_rally_type(name):
    with pytest.raises(InvalidRallyTypeNameError) as info:
        E.validRallyType(name)
    assert info.value.args[0] == name
    assert isinstance(info.value, RallyError)


def test_get_entity_name():
    assert E.getEntityName("UserStory") == "HierarchicalRequirement"
    assert E.getEntityName("User Story") == "HierarchicalRequirement"
    assert E.getEntityName("PortfolioItem_Feature") == "PortfolioItem/Feature"
    assert E.getEntityName("Defect") == "Defect"


# ---------------------------------------------------------------------------- basic state
def test_constructor_signature_and_oid_conversion():
    d = E.Defect("1001", "Login fails", f"{SVC}/defect/1001")
    assert d.oid == 1001 and isinstance(d.oid, int)
    assert d.Name == "Login fails"
    assert d._ref == f"{SVC}/defect/1001"
    assert d._hydrated is False
    assert E.Defect("<OID>", "x", None).oid == "<OID>"
    ctx = object()
    assert E.Defect(1, "x", "defect/1", ctx)._context is ctx


def test_ref_is_last_two_segments_and_pi_drops_portfolioitem():
    assert E.Defect(1001, "x", f"{SVC}/defect/1001").ref == "defect/1001"
    feature = E.PortfolioItem_Feature(7700, "f", f"{SVC}/portfolioitem/feature/7700")
    assert feature.ref == "feature/7700"
    with pytest.raises(AttributeError):
        _ = E.Defect(1, "x", None).ref


def test_context_attribute_is_refused():
    with pytest.raises(AttributeError, match="Unsupported attempt to retrieve context"):
        _ = E.Defect(1, "x", "defect/1").context


def test_attributes_hides_client_plumbing():
    client = FakeClient()
    d = EntityHydrator(client, "full").hydrateInstance(defect_full())
    names = d.attributes()
    assert names == sorted(names)
    assert "_client" not in names and "_context" not in names
    for expected in (
        "oid",
        "Name",
        "_ref",
        "_type",
        "_hydrated",
        "FormattedID",
        "typePath",
        "_refObjectUUID",
        "_CreatedAt",
        "c_CustomText",
        "__collection_ref_for_Tags",
    ):
        assert expected in names
    for dropped in ("_rallyAPIMajor", "_objectVersion", "_refObjectName", "Errors", "Warnings"):
        assert dropped not in names


# ---------------------------------------------------------------------------- lazy loading
def test_shell_loads_exactly_once_in_place():
    client = FakeClient(objects={f"{SVC}/defect/1001": {**defect_full(), "_type": "Defect"}})
    d = shell(client)
    assert d.Name == "Login fails"  # from _refObjectName, no I/O
    assert client.calls == []
    assert d.State == "Open"
    assert client.calls == [("object", f"{SVC}/defect/1001")]
    assert d._hydrated is True
    assert d.FormattedID == "DE7"
    with pytest.raises(AttributeError, match="Defect instance has no attribute: 'Nope'"):
        _ = d.Nope
    assert client.calls == [("object", f"{SVC}/defect/1001")]


def test_shell_typo_after_load_costs_one_get_only():
    client = FakeClient(objects={f"{SVC}/defect/1001": defect_full()})
    d = shell(client)
    assert not hasattr(d, "Severityy")
    assert not hasattr(d, "Severityy")
    assert len(client.calls) == 1


@pytest.mark.parametrize(
    "probe",
    [
        lambda d: hasattr(d, "__len__"),
        lambda d: getattr(d, "__deepcopy__", None),
        lambda d: hasattr(d, "_x"),
        lambda d: hasattr(d, "_repr_html_"),
        lambda d: hasattr(d, "__iter__"),
        lambda d: copy.copy(d),
        lambda d: copy.deepcopy(d),
        lambda d: pickle.dumps(d),
        lambda d: repr(d),
        lambda d: d.attributes(),
        lambda d: d.ref,
    ],
)
def test_probes_never_load(probe):
    client = FakeClient()
    d = shell(client)
    probe(d)
    assert client.calls == []


def test_private_name_raises_attribute_error():
    d = shell(FakeClient())
    with pytest.raises(AttributeError):
        _ = d._nothing
    with pytest.raises(AttributeError):
        _ = d.__wrapped__


def test_full_hydration_never_loads_missing_fields():
    client = FakeClient()
    d = EntityHydrator(client, "full").hydrateInstance(defect_full())
    with pytest.raises(AttributeError) as info:
        _ = d.Severity
    assert str(info.value) == "Defect instance has no attribute: 'Severity'"
    assert client.calls == []


def test_portfolio_item_names_in_message():
    # pyral 1.7.0: a standard level is a PortfolioItem; a custom level loses its prefix
    item = {**ref_dict("portfolioitem/feature", 7700, "F", "PortfolioItem/Feature"), "Name": "F"}
    f = EntityHydrator(FakeClient(), "full").hydrateInstance(item)
    with pytest.raises(AttributeError) as info:
        _ = f.Bogus
    assert str(info.value) == "PortfolioItem instance has no attribute: 'Bogus'"
    item = {**ref_dict("portfolioitem/epic", 7701, "E", "PortfolioItem/Epic"), "Name": "E"}
    e = EntityHydrator(FakeClient(), "full").hydrateInstance(item)
    with pytest.raises(AttributeError) as info:
        _ = e.Bogus
    assert str(info.value) == "Epic instance has no attribute: 'Bogus'"


def test_load_failure_raises_unreferenceable():
    client = FakeClient()
    d = shell(client)
    with pytest.raises(UnreferenceableOIDError):
        _ = d.State
    assert d._hydrated is False


def test_shell_without_client_gives_attribute_error():
    d = E.Defect(1001, "x", f"{SVC}/defect/1001")
    with pytest.raises(AttributeError, match="no Rally client"):
        _ = d.State


def test_custom_field_without_prefix_and_with_spaces():
    d = EntityHydrator(FakeClient(), "full").hydrateInstance(defect_full())
    assert d.CustomText == "hello"
    assert d.c_CustomText == "hello"
    assert getattr(d, "Custom Text") == "hello"


def test_custom_field_alias_on_shell_needs_no_load():
    client = FakeClient()
    d = shell(client)
    d.__dict__["c_Flag"] = True
    assert d.Flag is True
    assert client.calls == []


def test_collections_load_once_and_are_cached():
    url = f"{SVC}/Defect/1001/Tags"
    client = FakeClient(collections={url: tag_items()})
    d = EntityHydrator(client, "full").hydrateInstance(defect_full())
    assert d.Tasks == []
    assert "__collection_ref_for_Tags" in d.attributes()
    tags = d.Tags
    assert [t.Name for t in tags] == ["UAT"]
    assert isinstance(tags[0], E.Tag)
    assert d.Tags is tags
    assert client.calls == [("collection", url)]
    assert "__collection_ref_for_Tags" not in d.attributes()
    assert "Tags" in d.attributes()


def test_custom_collection_readable_without_prefix():
    url = f"{SVC}/Defect/1001/c_Component"
    client = FakeClient(collections={url: component_items()})
    d = EntityHydrator(client, "full").hydrateInstance(defect_full())
    assert [v.value for v in d.Component] == ["UI", "DB"]
    assert [v.Name for v in d.c_Component] == ["AllowedValue", "AllowedValue"]
    assert client.calls == [("collection", url)]


def test_collection_marker_without_client():
    d = EntityHydrator(None, "full").hydrateInstance(defect_full())
    with pytest.raises(AttributeError, match="collection not loaded"):
        _ = d.Tags


# ---------------------------------------------------------------------------- copy / pickle
def test_copy_shares_client_and_deepcopy_copies_data():
    client = FakeClient()
    d = EntityHydrator(client, "full").hydrateInstance(defect_full())
    c = copy.copy(d)
    dc = copy.deepcopy(d)
    assert c._client is client and dc._client is client
    assert dc.Owner is not d.Owner and dc.Owner.Name == "Ann Example"
    assert dc.Owner._client is client
    assert client.calls == []


def test_pickle_round_trip_drops_client():
    d = EntityHydrator(FakeClient(), "full").hydrateInstance(defect_full())
    back = pickle.loads(pickle.dumps(d))
    assert type(back) is E.Defect
    assert back.FormattedID == "DE7" and back.Owner.Name == "Ann Example"
    assert back._client is None
    with pytest.raises(AttributeError, match="no Rally client"):
        _ = back.Owner.UserName


def test_pickle_runtime_class_keeps_name_and_base():
    cls = E.make_entity_class("PortfolioItem_Epic", E.PortfolioItem)
    epic = cls(5, "e", f"{SVC}/portfolioitem/epic/5")
    back = pickle.loads(pickle.dumps(epic))
    assert type(back).__name__ == "PortfolioItem_Epic"
    assert isinstance(back, E.PortfolioItem)
    assert not hasattr(E, "PortfolioItem_Epic")


def test_make_entity_class_rejects_non_entity_parent():
    with pytest.raises(TypeError):
        E.make_entity_class("X", dict)


# ---------------------------------------------------------------------------- presentation
def test_details_layout_is_pyrals():
    client = FakeClient()
    d = EntityHydrator(client, "full").hydrateInstance(defect_full())
    assert d.details().splitlines() == [
        "Defect",
        "    oid                       : 1001",
        "    ref                       : defect/1001",
        "    ObjectID                  : 1001",
        f"    _ref                      : {SVC}/defect/1001",
        "    _CreatedAt                : today",
        "    _hydrated                 : True",
        "    Name                      : Login fails",
        "    Workspace                 : Workspace.ref          (OID  200  Name: Alpha Workspace)",
        "    FormattedID               : DE7",
        "",
        # The owner cannot be loaded here: pyral's fallback text, and no closing parenthesis.
        "    Owner                     : User.ref  (OID  400  UserName UnreferenceableOIDError"
        "  DisplayName NOT AVAILABLE",
        "    State                     : Open",
        "    Tasks                     : []",
        f"    __collection_ref_for_Tags  : {SVC}/Defect/1001/Tags",
        f"    __collection_ref_for_c_Component  : {SVC}/Defect/1001/c_Component",
        "    _refObjectUUID            : 5c2b8b0e-0000-4000-8000-000000001001",
        "    CustomText                : hello",
        "    typePath                  : None",
    ]
    assert client.calls == [("object", f"{SVC}/user/400")]  # the owner, once


def test_details_of_a_shell_loads_it_as_pyral_did():
    full = defect_full()
    full["Owner"] = None
    client = FakeClient(objects={f"{SVC}/defect/1001": full})
    d = shell(client)
    lines = d.details().splitlines()
    assert client.calls == [("object", f"{SVC}/defect/1001")]
    assert "    _hydrated                 : True" in lines
    assert "    State                     : Open" in lines


def test_schema_item_text_layout():
    item = E.SchemaItem(
        {
            "_ref": f"{SVC}/typedefinition/7",
            "_refObjectName": "Feature",
            "ElementName": "Feature",
            "Name": "Feature",
            "DisplayName": "Feature",
            "TypePath": "PortfolioItem/Feature",
            "IDPrefix": "F",
            "Creatable": True,
            "ReadOnly": False,
            "Queryable": True,
            "Deletable": True,
            "Restorable": False,
            "Attributes": [
                {
                    "ElementName": "LatestDiscussionAgeInMinutes",
                    "Name": "Latest Discussion Age In Minutes",
                    "AttributeType": "INTEGER",
                    "ReadOnly": True,
                    "Filterable": True,
                },
                {
                    "ElementName": "c_Risk",
                    "Name": "Risk",
                    "AttributeType": "RATING",
                    "Custom": True,
                    "Required": True,
                    "Constrained": True,
                    "Hidden": True,
                    "AllowedValueType": {"_ref": f"{SVC}/allowedattributevalue/1"},
                    "AllowedValues": [{"StringValue": "Low"}, {"StringValue": "High"}],
                },
                {
                    "ElementName": "Owner",
                    "Name": "Owner",
                    "AttributeType": "OBJECT",
                    "AllowedValueType": {"_ref": f"{SVC}/typedefinition/9"},
                    "AllowedValues": {"_ref": f"{SVC}/AttributeDefinition/-5/AllowedValues"},
                },
            ],
        }
    )
    assert str(item) == "\n".join(
        [
            "Feature  DisplayName: Feature  IDPrefix: F  TypePath: PortfolioItem/Feature",
            "      Creatable  Updatable  Queryable  Deletable  Non-Restorable",
            "",
            "      Attributes:",
            "         LatestDiscussionAgeInMin             INTEGER  Optional  "
            "|Latest Discussion Age In Minutes|",
            "             ReadOnly  Filterable    ",
            "",
            "         c_Risk                    Custom      RATING  Required  |Risk|",
            "             Updatable    Hidden  Constrained",
            "             AllowedValues: ['Low', 'High']",
            "",
            "         Owner                                 OBJECT  Optional  ",
            "             Updatable      ",
            "             AllowedValues: AttributeDefinition/-5/AllowedValues",
            "",
        ]
    )


def test_connection_details_is_a_list():
    pr = E.PullRequest(9, "PR 9", f"{SVC}/pullrequest/9")
    pr._hydrated = True
    assert pr.details() == [
        "PullRequest",
        "    oid                       : 9",
        f"    _ref                      : {SVC}/pullrequest/9",
        "    _hydrated                 : True",
        "    Name                      : PR 9",
        "",
    ]


def test_revision_info():
    rev = E.Revision(1, "r", f"{SVC}/revision/1")
    rev.RevisionNumber = 3
    rev.CreationDate = "2024-01-02T03:04:05.000Z"
    rev.Description = "NAME changed"
    rev.User = E.User(400, "Ann Example", f"{SVC}/user/400")
    rev._hydrated = True
    assert (
        rev.info() == "     3 on 2024-01-02T03:04:05.000Z by Ann Example\n             NAME changed"
    )


def test_custom_field_bag():
    cf = E.CustomField({"LinkID": "ABC-1", "DisplayString": "ABC"})
    assert cf.LinkID == "ABC-1"
    assert cf.attributes() == ["DisplayString", "LinkID"]
    assert cf == E.CustomField({"LinkID": "ABC-1", "DisplayString": "ABC"})
    with pytest.raises(AttributeError):
        _ = cf.Nope


# ---------------------------------------------------------------------------- schema items
def test_schema_item_attribute_ref_is_fixed():
    attr = E.SchemaItemAttribute(
        {
            "_ref": f"{SVC}/AttributeDefinition/-55501",
            "ElementName": "Severity",
            "AttributeType": "RATING",
            "AllowedValues": [],
        }
    )
    assert attr.ref == "attributedefinition/-55501"
    assert attr._type == "AttributeDefinition"


def test_schema_item_static_inheritance_chain():
    item = E.SchemaItem(
        {
            "_ref": f"{SVC}/typedefinition/70006",
            "ElementName": "Defect",
            "Name": "Defect",
            "TypePath": "Defect",
            "Parent": {"_refObjectName": "Schedulable Artifact"},
            "Attributes": [],
        }
    )
    assert item.ref == "typedefinition/70006"
    assert item.Parent == "Schedulable Artifact"
    assert item.inheritanceChain() == [
        "Persistable",
        "DomainObject",
        "WorkspaceDomainObject",
        "Artifact",
        "Defect",
    ]
    assert item._type == "TypeDefinition"
