"""Valid but huge queries and orders hit SQLite's own limits (parser stack, ORDER BY terms):
they are answered as a query error in the QueryResult, never a 500 (issue 8, item 8:
reads never answer 500)."""

from __future__ import annotations

import pytest
from conftest import Wsapi


def _nested_and(depth: int) -> str:
    text = "(Name = x)"
    for _ in range(depth):
        text = f"({text} AND (Name = y))"
    return text


CASES = {
    "nested AND groups": {"query": _nested_and(150)},
    "a long dotted path": {"query": "(" + ".".join(["Parent"] * 30) + ".Name = x)"},
    "a long dotted order": {"order": ".".join(["Parent"] * 30) + ".Name"},
    "thousands of order keys": {"order": ",".join(["Name"] * 5000)},
}


@pytest.mark.parametrize("params", CASES.values(), ids=list(CASES))
def test_too_complex_queries_are_query_errors(wsapi: Wsapi, params: dict[str, str]) -> None:
    result = wsapi.get("hierarchicalrequirement", params)["QueryResult"]  # no 5xx (Wsapi.call)
    assert len(result["Errors"]) == 1
    assert "too complex" in result["Errors"][0]
    assert result["Results"] == []


def test_too_complex_collection_reads_too(wsapi: Wsapi) -> None:
    story = wsapi.create("HierarchicalRequirement", {"Name": "limits"})
    tasks = wsapi.get(
        f"hierarchicalrequirement/{story['ObjectID']}/Tasks", {"query": _nested_and(150)}
    )
    assert "too complex" in tasks["QueryResult"]["Errors"][0]
    # and ordinary reads still work
    assert wsapi.count("hierarchicalrequirement", "(Parent.Parent.Name = x)") == 0
