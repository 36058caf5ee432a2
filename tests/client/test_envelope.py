"""Unit tests for the WSAPI body parser (no server needed: pure logic)."""

from __future__ import annotations

import pytest

from pyral._envelope import decode_body, error_text, parse_envelope
from pyral.exceptions import RallyResponseError


def test_query_result_fields():
    body = {
        "QueryResult": {
            "Errors": [],
            "Warnings": ["careful"],
            "TotalResultCount": 7,
            "StartIndex": 4,
            "PageSize": 3,
            "Results": [{"_ref": "x/1"}, {"_ref": "x/2"}],
        }
    }
    env = parse_envelope(body)
    assert env.kind == "Query"
    assert env.ok
    assert (env.total, env.start, env.page_size) == (7, 4, 3)
    assert env.warnings == ["careful"]
    assert [r["_ref"] for r in env.results] == ["x/1", "x/2"]


def test_query_errors_are_strings():
    env = parse_envelope(
        {"QueryResult": {"Errors": [b"bytes error", 42], "Warnings": None, "Results": []}}
    )
    assert env.errors == ["bytes error", "42"]
    assert env.warnings == []
    assert not env.ok


def test_create_result_object():
    env = parse_envelope(
        {"CreateResult": {"Errors": [], "Warnings": [], "Object": {"_ref": "defect/5"}}}
    )
    assert env.kind == "Create"
    assert env.object == {"_ref": "defect/5"}


def test_operation_result_token():
    env = parse_envelope(
        {"OperationResult": {"Errors": [], "Warnings": [], "SecurityToken": "tok"}}
    )
    assert env.kind == "Operation"
    assert env.data["SecurityToken"] == "tok"
    assert env.object is None


def test_single_object_read_matches_target_case_insensitively():
    body = {"Defect": {"Name": "x", "Errors": [], "Warnings": ["w"]}}
    env = parse_envelope(body, "defect")
    assert env.kind == "ImpliedQuery"
    assert env.object == {"Name": "x"}  # envelope keys stripped from the object
    assert env.warnings == ["w"]
    assert env.total == 1


def test_portfolio_item_read_is_keyed_by_subtype():
    env = parse_envelope(
        {"Feature": {"Name": "f", "Errors": [], "Warnings": []}}, "PortfolioItem/Feature"
    )
    assert env.object == {"Name": "f"}


def test_unexpected_single_object_key_is_an_error():
    with pytest.raises(RallyResponseError, match="missing _Xx_Result specifier for target Defect"):
        parse_envelope({"Task": {}, "Other": {}}, "Defect")


@pytest.mark.parametrize("body", [[], "text", {}, None])
def test_non_object_bodies_are_rejected(body):
    with pytest.raises(RallyResponseError):
        parse_envelope(body)


def test_decode_body_keeps_pyral_text():
    with pytest.raises(RallyResponseError, match="either was not JSON content"):
        decode_body(b"<html>boom</html>", "http://h/x")
    assert decode_body(b'{"a": 1}', "u") == {"a": 1}


def test_error_text_shape():
    assert error_text(422, ["Validation error: Defect.Name should not be null"]) == (
        "422 Validation error: Defect.Name should not be null"
    )
    assert error_text(500, []) == "500"
    assert error_text(403, ["x" * 100], 80) == "403 " + "x" * 80
