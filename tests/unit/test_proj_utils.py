"""proj_utils: walking an in-memory project hierarchy (no requests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from pyral.proj_utils import flatten, projectAncestors, projectDescendants, projeny


@dataclass(eq=False)
class Proj:
    """Stands in for a Project entity: Parent may be a full object or just a ref."""

    Name: str
    ObjectID: int
    Parent: Any = None
    Children: list[Any] = field(default_factory=list)

    def __repr__(self) -> str:
        return self.Name


def tree() -> dict[str, Proj]:
    root = Proj("Root", 1)
    a = Proj("Alpha", 2, Parent=root)
    b = Proj(
        "Beta",
        3,
        Parent={"_ref": "https://h/slm/webservice/v2.0/project/1", "_refObjectName": "Root"},
    )
    a1 = Proj("Alpha-1", 4, Parent=Proj("shell", 2))  # a shell: only the ObjectID is right
    a2 = Proj("Alpha-2", 5, Parent="https://h/slm/webservice/v2.0/project/2")
    b1 = Proj("Beta-1", 6, Parent=b)
    root.Children = [a, b]
    a.Children = [a1, a2]
    b.Children = [b1]
    return {p.Name: p for p in (root, b, a, a2, a1, b1)}  # pool order deliberately shuffled


def names(projects: list[Any]) -> list[str]:
    return [p.Name if isinstance(p, Proj) else p[0] for p in projects]


def test_ancestors_resolve_refs_through_the_pool() -> None:
    pool = tree()
    assert names(projectAncestors(pool["Alpha-1"], pool.values())) == ["Alpha", "Root"]
    assert names(projectAncestors(pool["Beta-1"], list(pool.values()))) == ["Beta", "Root"]
    assert projectAncestors(pool["Root"], pool.values()) == []


def test_ancestors_accumulate_into_given_list() -> None:
    pool = tree()
    acc: list[Any] = ["x"]
    assert projectAncestors(pool["Alpha-2"], pool.values(), acc) is acc
    assert acc[0] == "x" and names(acc[1:]) == ["Alpha", "Root"]


def test_ancestor_outside_the_pool_ends_the_chain_with_the_parent_value() -> None:
    orphan = Proj("Orphan", 9, Parent={"_ref": "/project/77", "_refObjectName": "Gone"})
    assert projectAncestors(orphan, []) == [{"_ref": "/project/77", "_refObjectName": "Gone"}]


def test_descendants_depth_first_in_pool_order() -> None:
    pool = tree()
    assert names(projectDescendants(pool["Root"], pool.values())) == [
        "Beta",
        "Beta-1",
        "Alpha",
        "Alpha-2",
        "Alpha-1",
    ]
    assert projectDescendants(pool["Beta-1"], pool.values()) == []


def test_descendants_follow_children_without_a_pool() -> None:
    pool = tree()
    assert names(projectDescendants(pool["Root"], [])) == [
        "Alpha",
        "Alpha-1",
        "Alpha-2",
        "Beta",
        "Beta-1",
    ]


def test_projeny_nested_tree_and_flatten_sorted() -> None:
    pool = tree()
    lineage = projeny(pool["Root"], pool.values())
    root, alpha, beta = pool["Root"], pool["Alpha"], pool["Beta"]
    assert lineage == {
        root: {
            beta: {pool["Beta-1"]: {}},
            alpha: {pool["Alpha-2"]: {}, pool["Alpha-1"]: {}},
        }
    }
    assert names(flatten(lineage, "Name")) == [
        "Root",
        "Alpha",
        "Alpha-1",
        "Alpha-2",
        "Beta",
        "Beta-1",
    ]
    assert names(flatten(lineage, None)) == [
        "Root",
        "Beta",
        "Beta-1",
        "Alpha",
        "Alpha-2",
        "Alpha-1",
    ]


def test_projeny_fills_given_lineage_and_flatten_appends() -> None:
    pool = tree()
    lineage: dict[Any, Any] = {}
    assert projeny(pool["Beta"], pool.values(), lineage) is lineage
    things: list[Any] = ["start"]
    assert flatten(lineage, "Name", things) is things
    assert things == ["start", pool["Beta"], pool["Beta-1"]]


def test_name_parent_pairs() -> None:
    pool = [("Root", None), ("B", "Root"), ("A", "Root"), ("A1", "A")]
    assert names(projectAncestors("A1", pool)) == ["A", "Root"]
    assert names(projectDescendants("Root", pool)) == ["B", "A", "A1"]
    assert names(flatten(projeny(("Root", None), pool), "Name")) == ["Root", "A", "A1", "B"]


def test_cycles_raise_instead_of_looping() -> None:
    pool = [("X", "Y"), ("Y", "X")]
    with pytest.raises(ValueError, match="cycle"):
        projectAncestors("X", pool)
    with pytest.raises(ValueError, match="cycle"):
        projeny("X", pool)
