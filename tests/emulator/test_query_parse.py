"""Query text -> AST, Rally's refusals, canonical rendering and the fetch parameter."""

from __future__ import annotations

import pytest

from pyral.emulator.errors import QueryError
from pyral.emulator.query import (
    BoolOp,
    Comparison,
    Fetch,
    Null,
    Range,
    Scalar,
    ValueList,
    parse_fetch,
    parse_query,
    parse_query_param,
    render,
)


def C(path: str, op: str, value) -> Comparison:  # noqa: N802 - reads like the grammar
    if isinstance(value, str):
        value = Scalar(value)
    return Comparison(tuple(path.split(".")), op, value)


A, B, D = C("A", "=", "1"), C("B", "=", "2"), C("D", "=", "3")

ACCEPTED = [
    ("(State = Submitted)", C("State", "=", "Submitted")),
    ('(State = "Submitted")', C("State", "=", "Submitted")),
    ("  (State = Open)  ", C("State", "=", "Open")),
    ("( State  =   Open )", C("State", "=", "Open")),
    ("((State = Open))", C("State", "=", "Open")),
    ("(((State = Open)))", C("State", "=", "Open")),
    ("((A = 1) AND (B = 2))", BoolOp("AND", A, B)),
    ("((A = 1) and (B = 2))", BoolOp("AND", A, B)),
    ("((A = 1) Or (B = 2))", BoolOp("OR", A, B)),
    ("(((A = 1) AND (B = 2)) OR (D = 3))", BoolOp("OR", BoolOp("AND", A, B), D)),
    ("((A = 1) AND ((B = 2) AND (D = 3)))", BoolOp("AND", A, BoolOp("AND", B, D))),
    ("(((A = 1) AND (B = 2)))", BoolOp("AND", A, B)),
    ("((A = 1)AND(B = 2))", BoolOp("AND", A, B)),
    ('(Name = "8.5 (Blah and Stuff)")', C("Name", "=", "8.5 (Blah and Stuff)")),
    ('(Name = "a & b")', C("Name", "=", "a & b")),
    ('(Name = "say \\"hi\\" \\\\ bye")', C("Name", "=", 'say "hi" \\ bye')),
    ('(Name = "")', C("Name", "=", "")),
    ('(Name = "null")', C("Name", "=", "null")),
    ("(Iteration = null)", C("Iteration", "=", Null())),
    ("(Project != NULL)", C("Project", "!=", Null())),
    ("(Ready = false)", C("Ready", "=", "false")),
    ("(FormattedID < DE22)", C("FormattedID", "<", "DE22")),
    ("(Name contains with)", C("Name", "contains", "with")),
    ("(Name CONTAINS with)", C("Name", "contains", "with")),
    ('(Name !contains "oo")', C("Name", "!contains", "oo")),
    ("(Name !CONTAINS oo)", C("Name", "!contains", "oo")),
    ("(PlanEstimate >= 2)", C("PlanEstimate", ">=", "2")),
    ("(PlanEstimate <= 2.5)", C("PlanEstimate", "<=", "2.5")),
    ("(PlanEstimate > -1)", C("PlanEstimate", ">", "-1")),
    ("(Owner.UserName = x@y.com)", C("Owner.UserName", "=", "x@y.com")),
    ('(Project.Parent.Name = "A B")', C("Project.Parent.Name", "=", "A B")),
    ("(c_MyField = x)", C("c_MyField", "=", "x")),
    ("(Owner = /user/123)", C("Owner", "=", "/user/123")),
    (
        "(Parent = https://rally1.rallydev.com/slm/webservice/v2.0/project/456)",
        C("Parent", "=", "https://rally1.rallydev.com/slm/webservice/v2.0/project/456"),
    ),
    (
        "(CreationDate > 2016-09-30T00:00:00.000Z)",
        C("CreationDate", ">", "2016-09-30T00:00:00.000Z"),
    ),
    ("(StartDate <= today+3)", C("StartDate", "<=", "today+3")),
    (
        "(ScheduleState In Defined,In-Progress)",
        C("ScheduleState", "in", ValueList(("Defined", "In-Progress"))),
    ),
    (
        '(ScheduleState In "Defined,In-Progress")',
        C("ScheduleState", "in", ValueList(("Defined", "In-Progress"))),
    ),
    (
        "(Severity in High, Burning, Explosive)",
        C("Severity", "in", ValueList(("High", "Burning", "Explosive"))),
    ),
    (
        '(State in "Closed Declined", Open)',
        C("State", "in", ValueList(("Closed Declined", "Open"))),
    ),
    ("(Priority IN Low)", C("Priority", "in", ValueList(("Low",)))),
    ("(State !in Open,Fixed)", C("State", "!in", ValueList(("Open", "Fixed")))),
    (
        "(CreationDate between 2016-09-30T00:00:00Z and 2016-10-04T23:59:59Z)",
        C("CreationDate", "between", Range("2016-09-30T00:00:00Z", "2016-10-04T23:59:59Z")),
    ),
    ("(D BETWEEN 2018 AND 2022)", C("D", "between", Range("2018", "2022"))),
    ('(Name !between "a b" and z)', C("Name", "!between", Range("a b", "z"))),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted_queries_parse_to_the_expected_tree(text, expected):
    assert parse_query(text) == expected


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_canonical_text_parses_back_to_the_same_tree(text, expected):
    assert parse_query(render(expected)) == expected


def test_render_is_canonical():
    tree = parse_query('(((a.B = "x y") and (C !in p,"q r")) or (D between 1 and "2 3"))')
    assert render(tree) == '(((a.B = "x y") AND (C !in p,"q r")) OR (D between 1 and "2 3"))'
    assert render(C("N", "=", "null")) == '(N = "null")'
    assert render(C("N", "=", Null())) == "(N = null)"
    assert render(C("N", "=", "")) == '(N = "")'


def test_render_refuses_list_items_the_parser_would_change():
    with pytest.raises(ValueError):
        render(C("S", "in", ValueList(("a,b",))))
    with pytest.raises(ValueError):
        render(C("S", "in", ValueList((" a",))))


EXPECTED_RIGHT_PAREN_SAW_AND = (
    'Could not parse: Error parsing expression -- expected ")" but saw "AND" instead.'
)

REJECTED = [
    ("((A = 1) AND (B = 2) AND (D = 3))", EXPECTED_RIGHT_PAREN_SAW_AND),
    ("((State = Open) AND (B = 2) AND (D = 3))", EXPECTED_RIGHT_PAREN_SAW_AND),
    ("(A = 1 AND B = 2)", EXPECTED_RIGHT_PAREN_SAW_AND),
    ('(Name="value")', 'Could not parse: Unknown operator ")"'),
    ("(Name=value)", 'Could not parse: Unknown operator ")"'),
    ("(Name zobolts 9)", 'Could not parse: Unknown operator "zobolts"'),
    ("(Name =x)", 'Could not parse: Unknown operator "=x"'),
    ("(Name == x)", 'Could not parse: Unknown operator "=="'),
    ("(Name)", 'Could not parse: Unknown operator ")"'),
    ("(Name", 'Could not parse: Unknown operator "end of query"'),
    (
        "(Name = x y)",
        'Could not parse: Error parsing expression -- expected ")" but saw "y" instead.',
    ),
    (
        '(Name = "x"y)',
        'Could not parse: Error parsing expression -- expected ")" but saw "y" instead.',
    ),
    (
        "((A = 1) XOR (B = 2))",
        'Could not parse: Error parsing expression -- expected ")" but saw "XOR" instead.',
    ),
    (
        "((A = 1) AND B = 2)",
        'Could not parse: Error parsing expression -- expected "(" but saw "B" instead.',
    ),
    (
        "State = Open",
        'Could not parse: Error parsing expression -- expected "(" but saw "State" instead.',
    ),
    (
        "(A = 1) AND (B = 2)",
        'Could not parse: Error parsing expression -- expected end of query but saw "AND" instead.',
    ),
    (
        "(A = 1))",
        'Could not parse: Error parsing expression -- expected end of query but saw ")" instead.',
    ),
    (
        "((A = 1)",
        'Could not parse: Error parsing expression -- expected ")" but saw "end of query" instead.',
    ),
    ("(Name = )", 'Could not parse: Error parsing expression -- missing value for "Name"'),
    ("(Name =", 'Could not parse: Error parsing expression -- missing value for "Name"'),
    ("(S in )", 'Could not parse: Error parsing expression -- missing value for "S"'),
    ("(S in a,)", 'Could not parse: Error parsing expression -- missing value for "S"'),
    ('(S in "")', 'Could not parse: Error parsing expression -- missing value for "S"'),
    (
        "(D between 1)",
        'Could not parse: Error parsing expression -- expected "and" but saw ")" instead.',
    ),
    (
        "(D between 1 or 2)",
        'Could not parse: Error parsing expression -- expected "and" but saw "or" instead.',
    ),
    ('(Name = "abc)', "Could not parse: Error parsing expression -- unterminated quoted string"),
    (
        "(Na-me = x)",
        'Could not parse: Error parsing expression -- "Na-me" is not an attribute name',
    ),
    (
        "(Owner..Name = x)",
        'Could not parse: Error parsing expression -- "Owner..Name" is not an attribute name',
    ),
    (
        "()",
        'Could not parse: Error parsing expression -- expected "attribute name" but saw ")" instead.',
    ),
    ("", "Could not parse: Error parsing expression -- the query is empty"),
    ("   ", "Could not parse: Error parsing expression -- the query is empty"),
    (
        "(" * 500 + "A = 1" + ")" * 500,
        "Could not parse: Error parsing expression -- nested deeper than 200 levels",
    ),
]


@pytest.mark.parametrize(("text", "message"), REJECTED)
def test_rejected_queries_give_rally_like_errors(text, message):
    with pytest.raises(QueryError) as info:
        parse_query(text)
    assert info.value.errors == [message]


def test_query_errors_are_reported_in_the_envelope_not_as_http_errors():
    with pytest.raises(QueryError) as info:
        parse_query("(Name zobolts 9)")
    assert info.value.http_status == 200


def test_query_param_blank_means_no_filter():
    assert parse_query_param(None) is None
    assert parse_query_param("") is None
    assert parse_query_param("  ") is None
    assert parse_query_param("(A = 1)") == A


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, Fetch("none")),
        ("", Fetch("none")),
        ("false", Fetch("none")),
        ("FALSE", Fetch("none")),
        ("true", Fetch("all")),
        (" True ", Fetch("all")),
        ('"true"', Fetch("all")),
        ("Name", Fetch("list", ("Name",))),
        ("FormattedID,Name,State", Fetch("list", ("FormattedID", "Name", "State"))),
        ("FormattedID, Name", Fetch("list", ("FormattedID", "Name"))),
        ('"ObjectID,Name,State"', Fetch("list", ("ObjectID", "Name", "State"))),
        ("Name,,Name, ", Fetch("list", ("Name",))),
        (",", Fetch("none")),
    ],
)
def test_fetch_parameter(raw, expected):
    assert parse_fetch(raw) == expected
