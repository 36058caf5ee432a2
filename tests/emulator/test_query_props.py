"""Property tests: rendering round-trips, garbage never escapes as anything but QueryError,
and every query that compiles also runs in SQLite."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyral.emulator.errors import QueryError
from pyral.emulator.query import (
    BoolOp,
    Comparison,
    Null,
    Range,
    Scalar,
    ValueList,
    compile_order,
    compile_query,
    parse_order,
    parse_query,
    render,
)
from pyral.emulator.query.render import render_text
from pyral.emulator.schema import Schema

SCALAR_OPS = ["=", "!=", "<", "<=", ">", ">=", "contains", "!contains"]
WS = st.sampled_from([" ", "  ", "\t", "\n", " \r\n "])
OPT_WS = st.sampled_from(["", " ", "\n"])

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True)
paths = st.lists(names, min_size=1, max_size=3).map(tuple)
# Plain random text rarely spells the words and characters that matter to the grammar.
TRICKY = ["null", "NULL", "Null", "and", "AND", "or", "today", "", " ", '"', "\\", '\\"', "a,b",
          "(x)", ")", "a b", "x=1", "!in", "é ü", "\u00a0", "\x1c", "\u2028"]  # fmt: skip
any_text = st.one_of(st.text(max_size=12), st.sampled_from(TRICKY))
list_item = st.text(min_size=1, max_size=8).map(lambda s: s.replace(",", "").strip()).filter(bool)

values_for_op = {
    **{op: st.one_of(any_text.map(Scalar), st.just(Null())) for op in SCALAR_OPS},
    "in": st.lists(list_item, min_size=1, max_size=4).map(lambda xs: ValueList(tuple(xs))),
    "!in": st.lists(list_item, min_size=1, max_size=4).map(lambda xs: ValueList(tuple(xs))),
    "between": st.tuples(any_text, any_text).map(lambda t: Range(*t)),
    "!between": st.tuples(any_text, any_text).map(lambda t: Range(*t)),
}


@st.composite
def comparisons(draw, path_strategy=paths, value_pool=None):
    op = draw(st.sampled_from(sorted(values_for_op)))
    value = draw(value_pool(op) if value_pool is not None else values_for_op[op])
    return Comparison(draw(path_strategy), op, value)


def expressions(leaf=None):
    leaf = leaf if leaf is not None else comparisons()
    return st.recursive(
        leaf,
        lambda inner: st.builds(BoolOp, st.sampled_from(["AND", "OR"]), inner, inner),
        max_leaves=8,
    )


# --- a renderer with random (but legal) spelling ---------------------------------------------


def _random_case(draw, word: str) -> str:
    mask = draw(st.integers(0, (1 << len(word)) - 1))
    return "".join(c.upper() if mask >> i & 1 else c.lower() for i, c in enumerate(word))


def _value_text(draw, text: str) -> str:
    canonical = render_text(text)
    if canonical.startswith('"') or not draw(st.booleans()):
        return canonical
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'  # optional quoting


def _spell(draw, e) -> str:
    if isinstance(e, BoolOp):
        conj = _random_case(draw, e.op)
        inner = (
            f"{draw(OPT_WS)}{_spell(draw, e.left)}{draw(OPT_WS)}{conj}"
            f"{draw(OPT_WS)}{_spell(draw, e.right)}{draw(OPT_WS)}"
        )
    else:
        op = _random_case(draw, e.op)
        v = e.value
        if isinstance(v, Null):
            value = _random_case(draw, "null")
        elif isinstance(v, Scalar):
            value = _value_text(draw, v.text)
        elif isinstance(v, ValueList):
            seps = [draw(st.sampled_from([",", ", ", " , ", ",\t"])) for _ in v.items]
            value = "".join(
                (seps[i] if i else "") + _value_text(draw, item) for i, item in enumerate(v.items)
            )
        else:
            value = (
                f"{_value_text(draw, v.low)}{draw(WS)}{_random_case(draw, 'and')}"
                f"{draw(WS)}{_value_text(draw, v.high)}"
            )
        inner = f"{draw(OPT_WS)}{'.'.join(e.path)}{draw(WS)}{op}{draw(WS)}{value}{draw(OPT_WS)}"
    text = f"({inner})"
    for _ in range(draw(st.integers(0, 1))):
        text = f"({draw(OPT_WS)}{text}{draw(OPT_WS)})"  # Rally tolerates extra wrapping
    return text


@st.composite
def spelled(draw):
    tree = draw(expressions())
    return tree, draw(OPT_WS) + _spell(draw, tree) + draw(OPT_WS)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(expressions())
def test_canonical_rendering_round_trips(tree):
    assert parse_query(render(tree)) == tree


@settings(max_examples=250, suppress_health_check=[HealthCheck.too_slow])
@given(spelled())
def test_any_legal_spelling_parses_to_the_same_tree(case):
    tree, text = case
    assert parse_query(text) == tree


def _parse_or_query_error(text: str) -> None:
    try:
        tree = parse_query(text)
    except QueryError as err:
        assert err.errors and err.errors[0].startswith("Could not parse: ")
        return
    # Whatever was accepted must have a canonical spelling that means the same thing.
    assert parse_query(render(tree)) == tree


@settings(max_examples=1000)
@given(st.text(max_size=60))
def test_random_text_gives_a_tree_or_a_query_error(text):
    _parse_or_query_error(text)


@settings(max_examples=1000)
@given(st.text(alphabet='()"\\ ,=!<>andorANDORinbetweencontainsnull.AbC1-/', max_size=60))
def test_grammar_flavoured_noise_gives_a_tree_or_a_query_error(text):
    _parse_or_query_error(text)


@settings(max_examples=250, suppress_health_check=[HealthCheck.too_slow])
@given(spelled(), st.data())
def test_mutated_queries_give_a_tree_or_a_query_error(case, data):
    _, text = case
    chars = list(text)
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(chars)))
        if data.draw(st.booleans()) and pos < len(chars):
            del chars[pos]
        else:
            chars.insert(pos, data.draw(st.sampled_from(list('()" \\,=!<>aA.'))))
    _parse_or_query_error("".join(chars))


# --- compiled SQL always runs ----------------------------------------------------------------

SCHEMA = Schema.load_default()
DEFECT = SCHEMA.get("Defect")

DEFECT_PATHS = [
    ("Name",), ("State",), ("Severity",), ("Priority",), ("ScheduleState",), ("FormattedID",),
    ("ObjectID",), ("CreationDate",), ("PlanEstimate",), ("Blocked",), ("Description",),
    ("DragAndDropRank",), ("Owner",), ("Owner", "UserName"), ("Owner", "ObjectID"),
    ("Tags",), ("Tags", "Name"), ("Tasks",), ("Tasks", "State"), ("Tasks", "FormattedID"),
    ("Requirement", "Parent", "Name"), ("Requirement", "Tags", "Name"),
    ("Requirement", "Children", "CreationDate"), ("Project", "Parent"), ("Milestones", "Name"),
    ("Iteration", "StartDate"), ("Requirement", "ScheduleState"), ("Bogus",), ("Owner", "Bogus"),
    ("Name", "Foo"), ("c_Custom",),
]  # fmt: skip
LITERALS = st.one_of(
    st.sampled_from([
        "1", "-2.5", "abc", "true", "FALSE", "2024-01-01", "2024-01-01T10:00:00.000Z", "2024",
        "today", "today-3", "/user/10", "user/11", "https://h/slm/webservice/v2.0/project/20",
        "DE1", "US22", "22", "Cosmetic", "Major Problem", "Open", "Accepted", "None", "", "%_\\",
        "x'); DROP TABLE objects; --",
    ]),
    any_text,
)  # fmt: skip


def defect_values(op):
    if op in ("in", "!in"):
        return st.lists(
            LITERALS.map(lambda s: s.replace(",", "").strip()).filter(bool), min_size=1, max_size=3
        ).map(lambda xs: ValueList(tuple(xs)))
    if op in ("between", "!between"):
        return st.tuples(LITERALS, LITERALS).map(lambda t: Range(*t))
    return st.one_of(LITERALS.map(Scalar), st.just(Null()))


@pytest.fixture(scope="module")
def db():
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE objects (oid INTEGER PRIMARY KEY, type TEXT NOT NULL, workspace INTEGER,"
        " project INTEGER, fid_num INTEGER, rank TEXT, recycled INTEGER NOT NULL DEFAULT 0,"
        " version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL)"
    )
    rows = [
        (10, "User", None, None, 0, {"UserName": "a"}),
        (20, "Project", None, None, 0, {"Name": "P", "Parent": None}),
        (100, "HierarchicalRequirement", 1, "a", 0, {"Name": "S", "Tags": [30], "Parent": None}),
        (200, "Defect", 1, "b", 0, {"Name": "D", "Owner": 10, "Requirement": 100, "Tags": [30],
                                    "Severity": "Cosmetic", "CreationDate": "2024-01-01T00:00:00.000Z"}),
        (201, "Defect", 2, None, 1, {"Name": None, "Owner": None, "Tags": None}),
        (30, "Tag", None, None, 0, {"Name": "t"}),
        (300, "Task", 1, None, 0, {"WorkProduct": 200, "State": "Defined"}),
    ]  # fmt: skip
    for oid, type_name, fid, rank, recycled, data in rows:
        conn.execute(
            "INSERT INTO objects (oid, type, fid_num, rank, recycled, data) VALUES (?,?,?,?,?,?)",
            (oid, type_name, fid, rank, recycled, json.dumps(data)),
        )
    return conn


DEFECT_COMPARISONS = comparisons(st.sampled_from(DEFECT_PATHS), defect_values)


@settings(
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.one_of(DEFECT_COMPARISONS, expressions(DEFECT_COMPARISONS)))
def test_every_compiled_query_runs(db, tree):
    try:
        sql, params = compile_query(tree, DEFECT, SCHEMA, today=dt.date(2024, 1, 5))
    except QueryError as err:
        assert err.errors[0].startswith("Could not parse: ")
        return
    assert "DROP TABLE" not in sql
    assert sql.count("?") == len(params)
    db.execute(f"SELECT count(*) FROM objects o WHERE {sql}", params).fetchone()


ORDER_NAMES = ["Name", "Severity", "Owner", "FormattedID", "Rank", "ObjectID", "CreationDate",
               "Requirement.Parent", "Owner.UserName", "Tags", "Bogus", "State", "Resolution"]  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(ORDER_NAMES), st.sampled_from(["", " asc", " DESC", " Desc"])),
        max_size=4,
    ),
    st.sampled_from([",", ", ", " , "]),
)
def test_every_parsed_order_runs_and_is_total(db, keys, sep):
    raw = sep.join(name + direction for name, direction in keys)
    try:
        parsed = parse_order(raw, DEFECT, SCHEMA)
    except QueryError as err:
        assert err.errors[0].startswith("Could not parse: ")
        return
    order_sql = compile_order(parsed, DEFECT, SCHEMA)
    assert order_sql.endswith(("o.oid ASC", "o.oid DESC"))
    db.execute(f"SELECT o.oid FROM objects o ORDER BY {order_sql}").fetchall()
