"""Entity classes a script can see, run unchanged under pyral 1.7.0 and under this project.

Issue 7 asks for drop-in behaviour wherever a class name is observable.  This scenario reads
portfolio items of every kind the demo workspace has -- standard levels (Theme, Initiative,
Feature) and levels pyral 1.7.0 did not know (Epic, the workspace's own Program) -- by every
route a script takes: ``get`` by TypePath, by bare level name and as ``PortfolioItem``, a
story's ``PortfolioItem`` / ``Feature`` reference (a shell, then loaded), ``Parent``,
``Children``, ``getCollection``, and the values ``create`` / ``update`` return.  For each it
prints the class name, the class's ancestry, ``isinstance`` against pyral's classes, the type
fields (``_type``, ``typePath``), the missing-attribute message and the ``details()`` head.
Story aliases and the ``classFor`` table are printed too.  Deliberate additions (ranking of
custom levels, pickling) are left out: they differ on purpose (docs/compatibility.md).

    python oracle_scenario_classes.py HOST:PORT APIKEY USER PASSWORD
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Callable
from typing import Any

warnings.filterwarnings("ignore")  # urllib3's InsecureRequestWarning for the self-signed cert

import pyral.entity as entity  # noqa: E402
from pyral import Rally  # noqa: E402

# pyral's classes a script might test an item against.
PROBE_CLASSES = (
    "PortfolioItem",
    "PortfolioItem_Feature",
    "PortfolioItem_Theme",
    "Artifact",
    "WorkspaceDomainObject",
    "HierarchicalRequirement",
)
OID = re.compile(r"\b\d{5,}\b")


def show(label: str, value: object) -> None:
    print(f"{label}: {OID.sub('<oid>', str(value))}")


def outcome(label: str, make: Callable[[], Any]) -> Any:
    """Print a call's value, or the class name and message of what it raised."""
    try:
        value = make()
    except Exception as exc:  # noqa: BLE001 - printing what each library raises is the point
        show(label, f"{type(exc).__name__} | {exc}")
        return None
    show(label, value)
    return value


def describe(label: str, item: Any) -> None:
    """Everything class-shaped a script can look at, without loading anything."""
    cls = type(item)
    state = item.__dict__
    show(f"{label} class", (cls.__name__, cls.__qualname__, cls.__module__))
    show(f"{label} mro", [k.__name__ for k in cls.__mro__])
    show(
        f"{label} isinstance",
        {name: isinstance(item, getattr(entity, name)) for name in PROBE_CLASSES},
    )
    show(
        f"{label} type fields",
        (state.get("_type"), state.get("typePath", "<absent>"), state.get("_hydrated")),
    )


def probe_loaded(label: str, item: Any) -> None:
    """describe(), then what a loaded item answers: messages, details() head, ref."""
    describe(label, item)
    outcome(f"{label} missing attribute", lambda: item.NoSuchAttribute)
    outcome(f"{label} details head", lambda: item.details().splitlines()[0])
    outcome(f"{label} ref shape", lambda: item.ref.split("/")[0])
    lines = item.details().splitlines()
    show(
        f"{label} details references",
        [line.strip() for line in lines if ".ref " in line and "Parent" in line],
    )


def first(rally: Rally, type_name: str, **kwargs: Any) -> Any:
    return rally.get(type_name, fetch=True, project=None, order="FormattedID", **kwargs).next()


def reads(rally: Rally) -> None:
    for name in (
        "PortfolioItem/Feature",
        "Feature",
        "PortfolioItem/Initiative",
        "Theme",
        "PortfolioItem",
        "PortfolioItem/Epic",
        "Epic",
        "PortfolioItem/Program",
    ):
        probe_loaded(f"get({name!r})", first(rally, name))
        shell = rally.get(name, project=None, order="FormattedID").next()
        describe(f"get({name!r}) no fetch", shell)

    feature = first(rally, "PortfolioItem/Feature")
    epic = feature.Parent
    describe("feature.Parent (shell)", epic)
    outcome("feature.Parent.Name", lambda: epic.Name)
    show("feature.Parent FormattedID", epic.FormattedID)
    describe("feature.Parent (loaded)", epic)
    initiative = epic.Parent
    describe("epic.Parent", initiative)
    show("initiative.Parent.typePath", initiative.Parent.typePath)
    for i, child in enumerate(epic.Children):
        describe(f"epic.Children[{i}]", child)
    for i, child in enumerate(initiative.Children):
        describe(f"initiative.Children[{i}]", child)
    for i, child in enumerate(rally.getCollection(initiative._ref + "/Children")):
        describe(f"getCollection(initiative Children)[{i}]", child)
    for i, child in enumerate(rally.getCollection(epic._ref + "/Children")):
        describe(f"getCollection(epic Children)[{i}]", child)


def story_references(rally: Rally) -> None:
    story = first(rally, "HierarchicalRequirement", query='FormattedID = "US1"')
    describe("story", story)
    describe("story.PortfolioItem", story.PortfolioItem)
    describe("story.Feature", story.Feature)
    show("story.Feature is story.PortfolioItem", story.Feature is story.PortfolioItem)
    show("story.PortfolioItem FormattedID", story.PortfolioItem.FormattedID)
    describe("story.PortfolioItem (loaded)", story.PortfolioItem)
    show(
        "story details PI lines",
        [
            line.strip()
            for line in story.details().splitlines()
            if line.strip().startswith(("Feature ", "PortfolioItem "))
        ],
    )
    narrow = rally.get(
        "HierarchicalRequirement",
        fetch="FormattedID,PortfolioItem",
        query='FormattedID = "US1"',
        project=None,
    ).next()
    describe("narrow story.PortfolioItem", narrow.PortfolioItem)
    describe("narrow story.PortfolioItem.Parent", narrow.PortfolioItem.Parent)


def story_aliases(rally: Rally) -> None:
    for name in ("UserStory", "Story", "HierarchicalRequirement"):
        describe(f"get({name!r})", first(rally, name))


def writes(rally: Rally) -> None:
    project = rally.getProject()
    for level in ("Feature", "PortfolioItem/Theme", "PortfolioItem/Epic", "Epic", "Program"):
        created = outcome(
            f"create {level}",
            lambda level=level: (
                type(
                    rally.create(level, {"Name": f"classes {level}", "Project": project.ref})
                ).__name__
            ),
        )
        if created is None:
            continue
        item = first(rally, level, query=f'Name = "classes {level}"')
        made = rally.update(level, {"ObjectID": item.oid, "Name": f"classes {level} 2"})
        describe(f"update {level} returns", made)
        show(f"delete {level}", rally.delete(level, item.oid))


def tables(rally: Rally) -> None:
    for name in (
        "PortfolioItem",
        "PortfolioItem_Feature",
        "PortfolioItem_Initiative",
        "PortfolioItem_Theme",
        "PortfolioItem_Strategy",
        "UserStory",
        "Story",
        "Program",
    ):
        cls = entity.classFor.get(name)
        show(f"classFor[{name!r}]", cls.__name__ if cls is not None else None)
    show("classFor has Feature", "Feature" in entity.classFor)
    show("classFor has PortfolioItem_Epic", "PortfolioItem_Epic" in entity.classFor)
    show("PortfolioItem_Feature mro", [k.__name__ for k in entity.PortfolioItem_Feature.__mro__])
    for name in ("Feature", "PortfolioItem/Initiative", "PortfolioItem", "Program"):
        outcome(
            f"typedef({name!r}).inheritanceChain",
            lambda n=name: rally.typedef(n).inheritanceChain(),
        )


def main() -> None:
    server, apikey = sys.argv[1], sys.argv[2]
    rally = Rally(server, apikey=apikey, verify_ssl_cert=False)
    for step in (tables, reads, story_references, story_aliases, writes):
        print(f"\n=== {step.__name__}")
        step(rally)


if __name__ == "__main__":
    main()
