"""Pure pieces of the backend: ref parsing, date parsing, project-tree scoping, rank model."""

from __future__ import annotations

import random

import pytest
from test_backend_support import World  # the `world` fixture is in conftest.py

from pyral.emulator.backend.coercion import parse_date
from pyral.emulator.backend.refs import ParsedRef, parse_ref
from pyral.emulator.backend.scoping import scoped_projects


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://h/slm/webservice/v2.0/defect/123", ParsedRef("defect", oid=123)),
        (
            "https://h/slm/webservice/v2.0/PortfolioItem/Feature/9?fetch=true",
            ParsedRef("portfolioitem/feature", oid=9),
        ),
        ("/hierarchicalrequirement/5.js", ParsedRef("hierarchicalrequirement", oid=5)),
        ({"_ref": "Tag/6000"}, ParsedRef("tag", oid=6000)),
        ("attributedefinition/-7", ParsedRef("attributedefinition", oid=-7)),
        (
            "defect/0123456789abcdef0123456789ABCDEF",
            ParsedRef("defect", uuid="01234567-89ab-cdef-0123-456789abcdef"),
        ),
        ("InfinityDrain", None),
        ("", None),
        (None, None),
        ({"Name": "x"}, None),
        ("projectpermission/300378604376u288874995968p1", None),
        ("https://h/slm/webservice/v2.0/123", None),
    ],
)
def test_parse_ref(value, expected) -> None:
    assert parse_ref(value) == expected


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2013-09-01", "2013-09-01T00:00:00.000Z"),
        ("2016-09-30T00:00:00Z", "2016-09-30T00:00:00.000Z"),
        ("2025-12-04T08:13:23.201Z", "2025-12-04T08:13:23.201Z"),
        ("2025-12-04T08:13:23.2019Z", "2025-12-04T08:13:23.201Z"),
        ("2025-12-04T01:00:00-0730", "2025-12-04T08:30:00.000Z"),
        ("2025-01-01T00:30:00+01:00", "2024-12-31T23:30:00.000Z"),
    ],
)
def test_parse_date(text: str, stored: str) -> None:
    assert parse_date(text) == stored


@pytest.mark.parametrize(
    "text", ["2017-04-29 20:23:51.188960", "29/04/2017", "2017-13-01", "yesterday", "", 20170429]
)
def test_parse_date_refuses(text) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


def test_scoped_projects(world: World) -> None:
    ws = world.ws("Alpha").oid
    root, a, b, b1 = (world.project("Alpha", p).oid for p in
                      ("Root", "Root // Team A", "Root // Team B", "Root // Team B // Team B1"))  # fmt: skip
    assert scoped_projects(world.store, ws, b, up=False, down=False) == [b]
    assert scoped_projects(world.store, ws, b, up=False, down=True) == sorted([b, b1])
    assert scoped_projects(world.store, ws, b1, up=True, down=False) == sorted([root, b, b1])
    assert scoped_projects(world.store, ws, root, up=True, down=True) == sorted([root, a, b, b1])


def test_random_rank_moves_match_a_list_model(world: World) -> None:
    """Any sequence of moves keeps ranks strictly ordered and equal to the modelled order."""
    rnd = random.Random(1234)
    names = [f"item {i}" for i in range(6)]
    rows = [world.create("HierarchicalRequirement", {"Name": n})[0] for n in names]
    model = [r.data["Name"] for r in world.query("SchedulableArtifact", order="Rank")[1]]
    oid = {r.data["Name"]: r.oid for r in world.query("SchedulableArtifact")[1]}
    assert model[-6:] == names and len(rows) == 6
    for _ in range(60):
        mover, other = rnd.sample(model, 2)
        op = rnd.choice(["above", "below", "top", "bottom"])
        typed = world.row(oid[mover]).type
        kw = {
            "above": {"rank_above": f"x/{oid[other]}"},
            "below": {"rank_below": f"x/{oid[other]}"},
            "top": {"rank_to": "TOP"},
            "bottom": {"rank_to": "BOTTOM"},
        }[op]
        world.update(typed, oid[mover], {}, **kw)
        model.remove(mover)
        if op == "above":
            model.insert(model.index(other), mover)
        elif op == "below":
            model.insert(model.index(other) + 1, mover)
        elif op == "top":
            model.insert(0, mover)
        else:
            model.append(mover)
        ranked = world.query("SchedulableArtifact", order="Rank")[1]
        assert [r.data["Name"] for r in ranked] == model
        ranks = [r.rank for r in ranked]
        assert len(set(ranks)) == len(ranks)
