"""RallyUrlBuilder: the URL text pyral 1.7.0 built (spec 4.1 and the wire trace, section 3)."""

from __future__ import annotations

import pytest

from pyral._query import InvalidQueryError
from pyral.query_builder import RallyUrlBuilder

AUGMENTS = [
    "workspace=workspace/200",
    "project=project/301",
    "projectScopeUp=false",
    "projectScopeDown=false",
]


def test_parts_class_attribute() -> None:
    assert RallyUrlBuilder.parts == [
        "fetch",
        "query",
        "order",
        "workspace",
        "project",
        "projectScopeUp",
        "projectScopeDown",
        "pagesize",
        "start",
        "pretty",
    ]


def test_observed_build_with_pretty() -> None:
    builder = RallyUrlBuilder("HierarchicalRequirement")
    builder.qualify("Name,FormattedID", ["A1 = 1", "B2 != x"], "Rank desc", 200, 5)
    assert builder.build(pretty=True) == (
        "HierarchicalRequirement?fetch=Name,FormattedID"
        "&query=((A1%20%3D%201)%20AND%20(B2%20%21%3D%20x))&order=Rank%20desc&pagesize=200&start=5&pretty=true"
    )


def test_full_read_url_matches_the_wire_trace() -> None:
    builder = RallyUrlBuilder("Defect")
    builder.qualify(
        "FormattedID,Name,State", ["State = Open", 'Name contains "bug"'], "FormattedID desc", 3, 1
    )
    builder.augmentWorkspace(AUGMENTS, "workspace/999")
    builder.augmentProject(AUGMENTS, "project/999")
    builder.augmentScoping(AUGMENTS)
    assert builder.build() == (
        "Defect?fetch=FormattedID,Name,State"
        "&query=((State%20%3D%20Open)%20AND%20(Name%20contains%20%22bug%22))&order=FormattedID%20desc"
        "&workspace=workspace/200&project=project/301&projectScopeUp=false&projectScopeDown=false"
        "&pagesize=3&start=1"
    )


@pytest.mark.parametrize(
    ("fetch", "query", "order", "expected"),
    [
        (True, None, None, "Defect?fetch=True&pagesize=1000&start=1"),
        ("false", "", "", "Defect?fetch=false&pagesize=1000&start=1"),
        ("FormattedID, Name", None, None, "Defect?fetch=FormattedID, Name&pagesize=1000&start=1"),
        (
            "true",
            {"Name": "x y"},
            None,
            'Defect?fetch=true&query=(Name%20=%20"x%20y")&pagesize=1000&start=1',
        ),
        (
            "true",
            '(Name = "x y")',
            None,
            'Defect?fetch=true&query=(Name%20=%20"x%20y")&pagesize=1000&start=1',
        ),
        (
            "true",
            None,
            "Name,ObjectID desc",
            "Defect?fetch=true&order=Name%2CObjectID%20desc&pagesize=1000&start=1",
        ),
        (
            "true",
            None,
            "OrderIndex,ObjectID",
            "Defect?fetch=true&order=OrderIndex%2CObjectID&pagesize=1000&start=1",
        ),
    ],
)
def test_qualify_values_are_emitted_as_given(
    fetch: object, query: object, order: object, expected: str
) -> None:
    builder = RallyUrlBuilder("Defect")
    builder.qualify(fetch, query, order, 1000, 1)  # type: ignore[arg-type]
    assert builder.build() == expected


def test_refs_are_used_when_augments_do_not_name_them() -> None:
    builder = RallyUrlBuilder("Task")
    builder.qualify("true", None, None, 200, 1)
    builder.augmentWorkspace([], "workspace/7")
    builder.augmentProject(["projectScopeUp=true"], "project/8")
    builder.augmentScoping(["projectScopeUp=true", "projectScopeDown=false"])
    assert builder.build() == (
        "Task?fetch=true&workspace=workspace/7&project=project/8"
        "&projectScopeUp=true&projectScopeDown=false&pagesize=200&start=1"
    )


def test_no_context_means_no_workspace_project_or_scoping() -> None:
    builder = RallyUrlBuilder("Defect")
    builder.qualify("false", None, None, 1000, 1)
    builder.augmentWorkspace(None, None)
    builder.augmentProject(None, None)
    builder.augmentScoping(None)
    assert builder.build() == "Defect?fetch=false&pagesize=1000&start=1"


def test_mapping_augments_are_accepted() -> None:
    builder = RallyUrlBuilder("Defect")
    builder.qualify("false", None, None, 1000, 1)
    builder.augmentWorkspace({"workspace": "workspace/1"}, "workspace/2")
    assert "&workspace=workspace/1&" in builder.build()


def test_beautify_response_adds_pretty() -> None:
    builder = RallyUrlBuilder("Defect")
    builder.qualify("false", None, None, 1000, 1)
    assert not builder.build().endswith("pretty=true")
    builder.beautifyResponse()
    assert builder.build().endswith("&start=1&pretty=true")


def test_bad_query_raises_at_build() -> None:
    builder = RallyUrlBuilder("Defect")
    builder.qualify("false", "garbage", None, 1000, 1)
    with pytest.raises(InvalidQueryError, match="^Invalid query expression syntax in: garbage"):
        builder.build()
