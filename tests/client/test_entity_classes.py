"""Entity classes of portfolio items, as pyral 1.7.0 made them, over HTTP against the emulator.

Pinned with pyral 1.7.0 on the same demo data (tools/oracle_scenario_classes.py replays it
under both clients): items of the standard levels are plain ``PortfolioItem``s whatever route
they come by, with the level in ``typePath``; items of other levels (the seed's Epic and
Program) are ``PortfolioItem_<Level>`` classes derived from ``WorkspaceDomainObject`` with
``typePath`` None.  What this project adds (ranking such items, pickling) is checked too.
"""

from __future__ import annotations

import copy
import pickle

import pytest

import pyral.entity as E
from pyral import Rally
from pyral.emulator.demo import DEMO_APIKEY

CUSTOM_MRO = ["WorkspaceDomainObject", "DomainObject", "Persistable", "object"]


def _first(rally, type_name, **kwargs):
    return rally.get(type_name, fetch=True, project=None, order="FormattedID", **kwargs).next()


def _assert_standard(item, level):
    assert type(item) is E.PortfolioItem
    assert type(item).__name__ == "PortfolioItem"
    assert not isinstance(item, E.PortfolioItem_Feature)
    assert isinstance(item, E.Artifact)
    assert item.__dict__["_type"] == "PortfolioItem"
    assert item.__dict__["typePath"] == f"PortfolioItem/{level}"


def _assert_custom(item, level):
    cls = type(item)
    assert cls.__name__ == f"PortfolioItem_{level}"
    assert cls.__module__ == "pyral.entity"
    assert [k.__name__ for k in cls.__mro__][1:] == CUSTOM_MRO
    assert not isinstance(item, (E.PortfolioItem, E.Artifact))
    assert item.__dict__["_type"] == f"PortfolioItem/{level}"
    assert item.__dict__["typePath"] is None


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("PortfolioItem/Feature", "Feature"),
        ("Feature", "Feature"),
        ("PortfolioItem/Initiative", "Initiative"),
        ("Initiative", "Initiative"),
        ("PortfolioItem/Theme", "Theme"),
        ("PortfolioItem", "Theme"),  # the abstract type: the seed's first by FormattedID
    ],
)
def test_standard_levels_are_plain_portfolio_items(rally, name, level):
    loaded = _first(rally, name)
    _assert_standard(loaded, level)
    assert loaded._hydrated
    shell = rally.get(name, project=None, order="FormattedID").next()
    _assert_standard(shell, level)
    assert shell.__dict__["_hydrated"] is False
    with pytest.raises(AttributeError) as info:
        _ = loaded.NoSuchAttribute
    assert str(info.value) == "PortfolioItem instance has no attribute: 'NoSuchAttribute'"
    assert loaded.details().splitlines()[0] == "PortfolioItem"


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("PortfolioItem/Epic", "Epic"),
        ("Epic", "Epic"),
        ("PortfolioItem/Program", "Program"),
        ("Program", "Program"),  # the seed's custom level, not the legacy Program type
    ],
)
def test_custom_levels_have_pyral_classes(rally, name, level):
    item = _first(rally, name)
    _assert_custom(item, level)
    with pytest.raises(AttributeError) as info:
        _ = item.NoSuchAttribute
    assert str(info.value) == f"{level} instance has no attribute: 'NoSuchAttribute'"
    assert item.details().splitlines()[0] == f"PortfolioItem/{level}"
    assert item.ref.split("/")[0] == level.lower()


def test_references_parents_and_children(rally):
    feature = _first(rally, "PortfolioItem/Feature")
    epic = feature.Parent
    _assert_custom(epic, "Epic")
    assert epic.__dict__["_hydrated"] is False
    assert epic.FormattedID.startswith("E")  # loads in place, class unchanged
    _assert_custom(epic, "Epic")
    initiative = epic.Parent
    _assert_standard(initiative, "Initiative")
    _assert_standard(initiative.Parent, "Theme")
    children = epic.Children
    assert children and all(type(c) is E.PortfolioItem for c in children)
    assert {c.typePath for c in children} == {"PortfolioItem/Feature"}
    epics = list(rally.getCollection(initiative._ref + "/Children"))
    assert epics
    for child in epics:
        _assert_custom(child, "Epic")
    assert type(epics[0]) is type(epic), "one class per level per client"
    parent_line = next(
        line for line in feature.details().splitlines() if line.strip().startswith("Parent ")
    )
    assert ": PortfolioItem_Epic.ref " in parent_line


def test_story_portfolio_item_reference(rally):
    story = _first(rally, "HierarchicalRequirement", query='FormattedID = "US1"')
    shell = story.PortfolioItem
    _assert_standard(shell, "Feature")
    assert shell.__dict__["_hydrated"] is False
    assert shell.FormattedID == "F1"
    _assert_standard(shell, "Feature")
    _assert_standard(story.Feature, "Feature")
    assert story.Feature is not story.PortfolioItem  # two references, as in pyral
    narrow = rally.get(
        "HierarchicalRequirement",
        fetch="FormattedID,PortfolioItem",
        query='FormattedID = "US1"',
        project=None,
    ).next()
    _assert_standard(narrow.PortfolioItem, "Feature")
    _assert_custom(narrow.PortfolioItem.Parent, "Epic")


@pytest.mark.parametrize("name", ["UserStory", "Story", "HierarchicalRequirement"])
def test_story_aliases_are_hierarchical_requirements(rally, name):
    story = _first(rally, name)
    assert type(story) is E.HierarchicalRequirement
    assert story._type == "HierarchicalRequirement" and story.typePath is None


@pytest.mark.parametrize(
    ("name", "level", "standard"),
    [
        ("Feature", "Feature", True),
        ("PortfolioItem/Theme", "Theme", True),
        ("PortfolioItem/Epic", "Epic", False),
        ("Program", "Program", False),
    ],
)
def test_create_and_update_return_pyral_classes(wrally, name, level, standard):
    check = _assert_standard if standard else _assert_custom
    created = wrally.create(name, {"Name": f"classes {level}"})
    check(created, level)
    updated = wrally.update(name, {"ObjectID": created.oid, "Name": f"classes {level} 2"})
    check(updated, level)
    assert updated.Name == f"classes {level} 2"


def test_custom_levels_still_rank(wrally):
    """Added: pyral 1.7.0 refused these as 'not an Artifact'; Rally ranks them."""
    a = wrally.create("PortfolioItem/Epic", {"Name": "rank a"})
    b = wrally.create("PortfolioItem/Epic", {"Name": "rank b"})
    _assert_custom(b, "Epic")
    response = wrally.rankAbove(a, b)
    assert response.status_code == 200 and response.errors == []
    order = [
        x.FormattedID
        for x in wrally.get("PortfolioItem/Epic", fetch="FormattedID", order="Rank", project=None)
        if x.FormattedID in (a.FormattedID, b.FormattedID)
    ]
    assert order == [b.FormattedID, a.FormattedID]
    wrally.rankToBottom(b)
    order = [
        x.FormattedID
        for x in wrally.get("PortfolioItem/Epic", fetch="FormattedID", order="Rank", project=None)
        if x.FormattedID in (a.FormattedID, b.FormattedID)
    ]
    assert order == [a.FormattedID, b.FormattedID]


def test_pickle_and_copy_keep_classes(rally):
    """Added: pyral 1.7.0 hit a RecursionError; here the class and type fields survive."""
    for item in (_first(rally, "PortfolioItem/Feature"), _first(rally, "PortfolioItem/Epic")):
        for clone in (pickle.loads(pickle.dumps(item)), copy.copy(item), copy.deepcopy(item)):
            assert type(clone).__name__ == type(item).__name__
            assert [k.__name__ for k in type(clone).__mro__] == [
                k.__name__ for k in type(item).__mro__
            ]
            assert clone._type == item._type and clone.typePath == item.typePath
            assert clone.FormattedID == item.FormattedID


def test_two_clients_own_their_custom_classes(server, rally):
    other = Rally(server.url, apikey=DEMO_APIKEY)
    mine, theirs = _first(rally, "Epic"), _first(other, "Epic")
    assert type(mine).__name__ == type(theirs).__name__ == "PortfolioItem_Epic"
    assert type(mine) is not type(theirs)
    assert type(_first(rally, "Feature")) is type(_first(other, "Feature")) is E.PortfolioItem


def test_inheritance_chains_as_pyral(rally):
    assert rally.typedef("Feature").inheritanceChain()[-3:] == [
        "Artifact",
        "PortfolioItem",
        "PortfolioItem_Feature",
    ]
    # pyral 1.7.0 answered from its static class of the same name
    assert rally.typedef("Program").inheritanceChain() == [
        "Persistable",
        "DomainObject",
        "WorkspaceDomainObject",
        "Program",
    ]
    assert rally.typedef("Epic").inheritanceChain()[-2:] == [
        "WorkspaceDomainObject",
        "PortfolioItem_Epic",
    ]
