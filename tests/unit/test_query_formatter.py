"""The query formatter against every row of pyral-surface.md table 4.3, plus the quirk fixes.

Expected values are pyral 1.7.0's observed output wherever pyral was right, and the fixed
output where section 11 (Q3, Q4, Q5) says to fix it; the ``why`` column names which.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyral._query import (
    INVALID_QUERY_PREFIX,
    InvalidQueryError,
    build_query_params,
    encode_passthrough,
    format_query,
    join_query_params,
)
from pyral.exceptions import RallyError
from pyral.query_builder import RallyQueryFormatter


def pyral_encoding(decoded: str) -> str:
    """How pyral encoded a non-passthrough expression: quote(safe='/'), parentheses restored."""
    return quote(decoded, safe="/()")


# (input, expected parenGroups output, why) -- every row of table 4.3 that does not raise.
TABLE_4_3 = [
    ('State = "Submitted"', "State%20%3D%20%22Submitted%22", "pyral"),
    ("State = Submitted", "State%20%3D%20Submitted", "pyral"),
    ("(State = Submitted)", "State%20=%20Submitted", "pyral: passthrough, only spaces encoded"),
    ("Name = foo bar", "Name%20%3D%20%22foo%20bar%22", "pyral: unquoted value with spaces quoted"),
    (
        "State = Submitted AND FormattedID != US100",
        "(State%20%3D%20Submitted)%20AND%20(FormattedID%20%21%3D%20US100)",
        "pyral",
    ),
    (
        "State = Submitted and Priority = High",
        "(State%20%3D%20Submitted)%20and%20(Priority%20%3D%20High)",
        "pyral: lower-case conjunction kept",
    ),
    (
        ["State = Submitted", "FormattedID != DE100", "Severity != UltraMegaHurt"],
        "(State%20%3D%20Submitted)%20AND%20((FormattedID%20%21%3D%20DE100)%20AND%20"
        "(Severity%20%21%3D%20UltraMegaHurt))",
        "pyral: right-nested",
    ),
    (
        [
            "State = Submitted",
            "FormattedID < DE22",
            "Resolution != Architecture",
            'Priority = "High Attention"',
            "Severity != Cosmetic",
        ],
        pyral_encoding(
            "(State = Submitted) AND ((FormattedID < DE22) AND ((Resolution != Architecture) AND "
            '((Priority = "High Attention") AND (Severity != Cosmetic))))'
        ),
        "pyral",
    ),
    (
        "Aa = 1 AND Bb = 2 OR Cc = 3",
        pyral_encoding("(Aa = 1) AND ((Bb = 2) OR (Cc = 3))"),
        "pyral: no precedence",
    ),
    ("A = 1", "A%20%3D%201", "Q5 fix: one-letter field names allowed (pyral raised)"),
    (["A = 1"], "A%20%3D%201", "Q5 fix"),
    ({"State": "Submitted"}, "State%20=%20Submitted", "pyral: one-entry dict shortcut"),
    ({"Name": "two words"}, 'Name%20=%20"two%20words"', "Q5 fix: value quoted (pyral: not)"),
    (
        {"State": "Submitted", "Ready": "False"},
        "(State%20%3D%20Submitted)%20AND%20(Ready%20%3D%20False)",
        "pyral",
    ),
    (
        {"Name": "foo bar", "State": "Open"},
        pyral_encoding('(Name = "foo bar") AND (State = Open)'),
        "pyral",
    ),
    ({"PlanEstimate": 3}, "PlanEstimate%20=%203", "pyral"),
    (
        "((State = Submitted) AND (FormattedID != US100))",
        "(State%20=%20Submitted)%20AND%20(FormattedID%20!=%20US100)",
        "pyral: outer parens stripped, passthrough",
    ),
    (
        '((((Name = "Brazen%20Milliwogs") OR (Name = "Jenkins")) OR (Name = "Refusnik")) '
        'OR (Name = "Salamandra"))',
        '(((Name%20=%20"Brazen%20Milliwogs")%20OR%20(Name%20=%20"Jenkins"))%20OR%20'
        '(Name%20=%20"Refusnik"))%20OR%20(Name%20=%20"Salamandra")',
        "pyral: passthrough; the script's own %20 escape is kept",
    ),
    (
        "(State = Open) AND (Name = x)",
        "(State%20=%20Open)%20AND%20(Name%20=%20x)",
        "pyral stripped a pair that was not one group; Rally refused its (A) AND (B): kept whole",
    ),
    (
        'Name = "8.5 (Blah and Stuff)"',
        "Name%20%3D%20%228.5%20(Blah%20and%20Stuff)%22",
        "pyral: parens and 'and' inside quotes",
    ),
    (
        'Project.Name = "Operations and Support Group"',
        "Project.Name%20%3D%20%22Operations%20and%20Support%20Group%22",
        "pyral",
    ),
    (
        'Name = "Operations and Support" AND State = Open',
        "(Name%20%3D%20%22Operations%20and%20Support%22)%20AND%20(State%20%3D%20Open)",
        "Q3 fix: the State condition is no longer lost",
    ),
    (
        ["State != Open", 'Name !contains "Henry Hudson and Company"'],
        "(State%20%21%3D%20Open)%20AND%20(Name%20%21contains%20%22Henry%20Hudson%20and%20Company%22)",
        "pyral",
    ),
    (
        "ScheduleState In Defined,In-Progress",
        "ScheduleState%20In%20Defined%2CIn-Progress",
        "pyral: `in` passthrough",
    ),
    (
        "Severity in High, Burning, Explosive",
        "Severity%20in%20High%2C%20Burning%2C%20Explosive",
        "pyral",
    ),
    (
        "ScheduleState !in Defined,Completed",
        pyral_encoding('(ScheduleState != "Defined") AND (ScheduleState != "Completed")'),
        "pyral",
    ),
    (
        "ScheduleState !in Defined,Completed,Accepted",
        pyral_encoding(
            '((ScheduleState != "Defined") AND (ScheduleState != "Completed")) AND '
            '(ScheduleState != "Accepted")'
        ),
        "pyral: further values nest leftwards",
    ),
    ("Priority !in Moribund", "Priority%20%21%3D%20%22Moribund%22", "pyral"),
    (
        ["PlanEstimate > 2", "ScheduleState !in Defined,Completed", 'Name !contains "oo"'],
        pyral_encoding(
            '(PlanEstimate > 2) AND (((ScheduleState != "Defined") AND '
            '(ScheduleState != "Completed")) AND (Name !contains "oo"))'
        ),
        "pyral",
    ),
    (
        "CreationDate between 2016-09-30T00:00:00Z and 2016-10-04T23:59:59Z",
        "(CreationDate%20%3E%3D%202016-09-30T00%3A00%3A00Z)%20AND%20"
        "(CreationDate%20%3C%3D%202016-10-04T23%3A59%3A59Z)",
        "pyral",
    ),
    (
        "CreationDate !between 2016-09-30T00:00:00Z and 2016-11-01T00:00:00Z",
        pyral_encoding(
            "(CreationDate < 2016-09-30T00:00:00Z) OR (CreationDate > 2016-11-01T00:00:00Z)"
        ),
        "pyral",
    ),
    (
        "State = Open AND CreationDate between 2018 and 2022",
        pyral_encoding("(State = Open) AND ((CreationDate >= 2018) AND (CreationDate <= 2022))"),
        "pyral",
    ),
    (
        [
            "Iteration = null",
            "CreationDate between 2016-09-30T00:00:00Z and 2016-10-04T23:59:59Z",
            "Project != null",
            "Name contains with",
        ],
        pyral_encoding(
            "(Iteration = null) AND (((CreationDate >= 2016-09-30T00:00:00Z) AND "
            "(CreationDate <= 2016-10-04T23:59:59Z)) AND ((Project != null) AND "
            "(Name contains with)))"
        ),
        "pyral",
    ),
    (
        'LastUpdateDate > "2020-01-01T00:00:00.000Z"',
        "LastUpdateDate%20%3E%20%222020-01-01T00%3A00%3A00.000Z%22",
        "pyral: dates are not special",
    ),
    ('Name = "a & b"', "Name%20%3D%20%22a%20%26%20b%22", "pyral: & encoded here"),
    (
        '((Name = "a & b") OR (Name = "c"))',
        '(Name%20=%20"a%20%26%20b")%20OR%20(Name%20=%20"c")',
        "Q4 fix: & no longer raw in passthrough text",
    ),
    (
        'Name = "Special chars:/!@#$%^*-=+[]{};:,.<>? in the name field"',
        "Name%20%3D%20%22Special%20chars%3A/%21%40%23%24%25%5E%2A-%3D%2B%5B%5D%7B%7D%3B%3A%2C."
        "%3C%3E%3F%20in%20the%20name%20field%22",
        "pyral: / not encoded",
    ),
    (
        "Parent = https://rally1.rallydev.com/slm/webservice/v2.0/project/123",
        "Parent%20%3D%20https%3A//rally1.rallydev.com/slm/webservice/v2.0/project/123",
        "pyral",
    ),
    ('Name = ""', "Name%20%3D%20%22%22", "Q5 fix: empty quoted value allowed (pyral raised)"),
    (" State = Open ", "State%20%3D%20Open", "pyral: trimmed"),
]

# Rows of table 4.3 that must raise (pyral raised too, except the Q3 garbage row).
TABLE_4_3_ERRORS = [
    ("(State = Open) AND Name = x", "(State = Open) AND Name = x"),
    ("State=Open", "State=Open"),
    ('Name = "a"b"', 'Name = "a"b"'),
    ("garbage", "garbage"),
    # Q3: pyral sent the garbage `(Name = Ops) and`; we refuse and name the stray piece.
    (["Name = Ops and Support", "State = Open"], "Support"),
]


@pytest.mark.parametrize(
    ("criteria", "expected", "why"), TABLE_4_3, ids=[repr(r[0])[:60] for r in TABLE_4_3]
)
def test_table_4_3(criteria: object, expected: str, why: str) -> None:
    assert format_query(criteria) == expected, why  # type: ignore[arg-type]
    assert RallyQueryFormatter.parenGroups(criteria) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("criteria", "offending"), TABLE_4_3_ERRORS)
def test_table_4_3_errors_name_the_offending_text(criteria: object, offending: str) -> None:
    with pytest.raises(InvalidQueryError) as info:
        format_query(criteria)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith(INVALID_QUERY_PREFIX + offending)
    assert info.value.text == offending
    assert isinstance(info.value, Exception) and isinstance(info.value, RallyError)


def test_decoded_forms_of_the_table() -> None:
    """The decoded column of the table, checked on the rows whose output it abbreviates."""
    assert (
        unquote(format_query("Aa = 1 AND Bb = 2 OR Cc = 3"))
        == "(Aa = 1) AND ((Bb = 2) OR (Cc = 3))"
    )
    assert (
        unquote(format_query({"Name": "foo bar", "State": "Open"}))
        == '(Name = "foo bar") AND (State = Open)'
    )


@pytest.mark.parametrize(
    "criteria",
    [
        "",
        "   ",
        [],
        {},
        ["State = Open", 3],
        42,
        "AND State = Open",
        "State = Open AND AND Name = x",
        "State = Open AND (Name = x)",
        "Name = x) AND (State = Open",
        "((State = Open)",
        "(State = Open))",
        "Name !in ,",
        "Name in",
        "1Name = x",
        "Name. = x",
        'Name = foo"bar',
        {"Name": 'say "hi"'},
        {"Bad Key": "x"},
        {"Name": ["a", "b"]},
    ],
)
def test_invalid_criteria_raise(criteria: object) -> None:
    with pytest.raises(InvalidQueryError):
        format_query(criteria)  # type: ignore[arg-type]


def test_no_condition_is_dropped_after_a_quoted_conjunction() -> None:
    text = 'Name = "Ops and Support" AND State = Open OR Owner.Name = "Tom or Jerry"'
    assert unquote(format_query(text)) == (
        '(Name = "Ops and Support") AND ((State = Open) OR (Owner.Name = "Tom or Jerry"))'
    )


def test_dict_values_are_data_not_structure() -> None:
    criteria = {"Name": "Ops and Support (EU)", "State": "Open", "Iteration": None, "Ready": True}
    assert unquote(format_query(criteria)) == (
        '(Name = "Ops and Support (EU)") AND ((State = Open) AND ((Iteration = null) AND (Ready = True)))'
    )
    assert (
        format_query({"Name": "100% & #1 + more"})
        == 'Name%20=%20"100%25%20%26%20%231%20%2B%20more"'
    )
    assert format_query({"Name": b"x y"}) == 'Name%20=%20"x%20y"'
    assert format_query({"Name": ""}) == 'Name%20=%20""'
    assert format_query({"E": 1.5}) == "E%20=%201.5"


def test_unquoted_values_with_parentheses_are_quoted() -> None:
    assert unquote(format_query("Name = 8.5(beta)")) == 'Name = "8.5(beta)"'


def test_trailing_conjunction_word_is_data() -> None:
    """pyral's rule quotes an unquoted value holding spaces, so a dangling word stays in the value."""
    assert unquote(format_query("State = Open AND")) == 'State = "Open AND"'


def test_operators_and_conjunctions_keep_their_case() -> None:
    assert (
        unquote(format_query("Name CONTAINS x or State = Open"))
        == "(Name CONTAINS x) or (State = Open)"
    )
    assert unquote(format_query("Name  =   x")) == "Name = x"  # extra spaces normalised


def test_passthrough_encodes_url_breaking_characters() -> None:
    out = format_query('((Name = "C# + C++ 100%") OR (Name = "x;y"))')
    assert out == '(Name%20=%20"C%23%20%2B%20C%2B%2B%20100%25")%20OR%20(Name%20=%20"x%3By")'
    assert unquote(out) == '(Name = "C# + C++ 100%") OR (Name = "x;y")'
    for char in "&#+; ":
        assert char not in out
    # parentheses inside quoted values do not count towards the balance check
    assert unquote(format_query('(Name = "a (b")')) == 'Name = "a (b"'


def test_encode_passthrough_escape_handling() -> None:
    assert encode_passthrough("a%20b %zz") == "a%20b%20%25zz"
    assert encode_passthrough("a%20b", keep_escapes=False) == "a%2520b"


def test_list_of_parenthesised_groups_becomes_one_group() -> None:
    # pyral sent ``(State = Open) AND (Name = x)`` at the top level, which Rally refuses.
    assert (
        format_query(["(State = Open)", "(Name = x)"])
        == "(State%20=%20Open)%20AND%20(Name%20=%20x)"
    )
    assert unquote(format_query(["((A = 1) OR (B = 2))", "C = 3", "(D = 4)"])) == (
        "((A = 1) OR (B = 2)) AND ((C = 3) AND (D = 4))"
    )


def test_formatter_helpers() -> None:
    fmt = RallyQueryFormatter
    assert fmt.constructRangefulExpression("X", "between", "1", "2") == "(X >= 1) AND (X <= 2)"
    assert fmt.constructRangefulExpression("X", "!between", "1", "2") == "(X < 1) OR (X > 2)"
    assert fmt.constructSubsetExpression("S", "!in", "a, b") == '(S != "a") AND (S != "b")'
    assert fmt.constructSubsetExpression("S", "in", ["a", "b"]) == "S in a,b"
    assert fmt.validatePartsSyntax(["A = x y", "and", "B != 2"]) == ['A = "x y"', "and", "B != 2"]
    with pytest.raises(InvalidQueryError):
        fmt.validatePartsSyntax(["A = 1", "AND", "oops"])
    with pytest.raises(InvalidQueryError):
        fmt.constructRangefulExpression("X", "within", "1", "2")
    assert fmt.QUERY_CRITERIA_PATTERN.match("Name = x")
    assert not fmt.QUERY_CRITERIA_PATTERN.match("Name=x")


def test_build_query_params_order_and_encoding() -> None:
    params = build_query_params(
        fetch=True,
        query=["State = Open", 'Name contains "bug"'],
        order="Name,ObjectID desc",
        workspace="workspace/200",
        project="project/301",
        scope_up=False,
        scope_down=True,
        pagesize=3,
        start=4,
    )
    assert join_query_params(params) == (
        "fetch=true&query=((State%20%3D%20Open)%20AND%20(Name%20contains%20%22bug%22))"
        "&order=Name%2CObjectID%20desc&workspace=workspace/200&project=project/301"
        "&projectScopeUp=false&projectScopeDown=true&pagesize=3&start=4"
    )
    assert build_query_params() == [("fetch", "false"), ("pagesize", "1000"), ("start", "1")]
    assert build_query_params(fetch="A, B", pretty=True)[0] == ("fetch", "A, B")
    assert build_query_params(pretty=True)[-1] == ("pretty", "true")


# --------------------------------------------------------------------------------------------
# property: whatever the formatter accepts, the emulator's parser reads back condition by
# condition -- nothing lost, nothing invented.
# --------------------------------------------------------------------------------------------

_attr = st.from_regex(
    r"[A-Za-z_][A-Za-z0-9_]{0,6}(\.[A-Za-z_][A-Za-z0-9_]{0,6}){0,2}", fullmatch=True
)
_op = st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "contains", "!contains"])
_value_chars = st.sampled_from(
    list("abcXYZ019 &%#+,.:/-_'!=<>?@$*[]{}~^|;()\té") + [" and ", " OR ", "%41"]
)
_value = st.lists(_value_chars, max_size=8).map("".join)
_bare_token = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9:.\-]{0,8}", fullmatch=True).filter(
    lambda t: t.lower() not in ("and", "or", "null")
)
_conj = st.sampled_from(["AND", "OR", "and", "or"])


def _needs_quotes(value: str) -> bool:
    """When a script must quote a value: spaces, parentheses, empty, or a bare conjunction word."""
    return (
        value == ""
        or value.lower() in ("and", "or")
        or any(ch.isspace() or ch in "()" for ch in value)
    )


@st.composite
def _condition(draw: st.DrawFn) -> tuple[str, list[object]]:
    """A condition as a script would write it, and the comparisons it must become."""
    attr = draw(_attr)
    kind = draw(st.sampled_from(["scalar", "scalar", "scalar", "in", "between", "!in"]))
    if kind == "in":
        items = draw(st.lists(_bare_token, min_size=1, max_size=3))
        return f"{attr} in {','.join(items)}", [(attr, "in", tuple(items))]
    if kind == "between":
        low, high = draw(_bare_token), draw(_bare_token)
        return f"{attr} between {low} and {high}", [(attr, ">=", low), "AND", (attr, "<=", high)]
    if kind == "!in":
        items = draw(st.lists(_bare_token, min_size=1, max_size=3))
        expected: list[object] = []
        for item in items:
            if expected:
                expected.append("AND")
            expected.append((attr, "!=", item))
        return f"{attr} !in {','.join(items)}", expected
    op = draw(_op)
    value = draw(_value)
    if _needs_quotes(value):
        return f'{attr} {op} "{value}"', [(attr, op, value)]
    return f"{attr} {op} {value}", [(attr, op, None if value.lower() == "null" else value)]


def _flatten_tree(expr: object) -> list[object]:
    """In-order comparisons and conjunctions of a parsed tree, in comparable form."""
    query_ast = pytest.importorskip("pyral.emulator.query.ast")
    if isinstance(expr, query_ast.BoolOp):
        return [*_flatten_tree(expr.left), expr.op.upper(), *_flatten_tree(expr.right)]
    value = expr.value  # type: ignore[attr-defined]
    if isinstance(value, query_ast.Null):
        shown: object = None
    elif isinstance(value, query_ast.ValueList):
        shown = tuple(value.items)
    else:
        shown = value.text
    return [(".".join(expr.path), expr.op, shown)]  # type: ignore[attr-defined]


def _parse(encoded: str) -> object:
    parser = pytest.importorskip("pyral.emulator.query.parser")
    return parser.parse_query("(" + unquote(encoded) + ")")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conditions=st.lists(_condition(), min_size=1, max_size=5), data=st.data())
def test_property_string_and_list_criteria_round_trip(
    conditions: list[tuple[str, list[object]]], data: st.DataObject
) -> None:
    conjs = [data.draw(_conj) for _ in conditions[1:]]
    text = conditions[0][0]
    expected: list[object] = list(conditions[0][1])
    for conj, (piece, comparisons) in zip(conjs, conditions[1:], strict=True):
        text += f" {conj} {piece}"
        expected += [conj.upper(), *comparisons]
    assert _flatten_tree(_parse(format_query(text))) == expected
    # the list form ANDs its items
    listed = [piece for piece, _ in conditions]
    expected_list: list[object] = []
    for _, comparisons in conditions:
        if expected_list:
            expected_list.append("AND")
        expected_list += comparisons
    assert _flatten_tree(_parse(format_query(listed))) == expected_list


_dict_value = st.one_of(_value, st.integers(-5, 10**6), st.none(), st.booleans())


@settings(max_examples=300, deadline=None)
@given(criteria=st.dictionaries(_attr, _dict_value, min_size=1, max_size=5))
def test_property_dict_criteria_round_trip(criteria: dict[str, object]) -> None:
    expected: list[object] = []
    for attr, raw in criteria.items():
        if expected:
            expected.append("AND")
        if raw is None or (isinstance(raw, str) and raw.lower() == "null"):
            shown: object = None
        else:
            shown = str(raw)
        expected.append((attr, "=", shown))
    assert _flatten_tree(_parse(format_query(criteria))) == expected


@settings(max_examples=200, deadline=None)
@given(values=st.lists(_value, min_size=1, max_size=4))
def test_property_passthrough_decodes_to_what_was_written(values: list[str]) -> None:
    """Parenthesised text (no ``%``, which the script may have pre-encoded) survives unchanged."""
    values = [v.replace("%", "") for v in values]
    inner = ") OR (".join(f'Name = "{v}"' for v in values)
    text = f"(({inner}))"
    encoded = format_query(text)
    assert unquote(encoded) == text[1:-1]
    for char in "&#+; \t":
        assert char not in encoded
