"""Compiled queries and orderings run against a real SQLite ``objects`` table.

The rows follow the storage contract of docs/architecture.md: OBJECT attributes hold oids,
stored collections oid arrays, inverse collections nothing, dates millisecond UTC text.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from pyral.emulator.errors import QueryError
from pyral.emulator.query import compile_order, compile_query, parse_order, parse_query
from pyral.emulator.schema import Schema

TODAY = dt.date(2024, 2, 1)

DDL = """
CREATE TABLE objects (
  oid INTEGER PRIMARY KEY, type TEXT NOT NULL, workspace INTEGER, project INTEGER,
  fid_num INTEGER, rank TEXT, recycled INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL)
"""

# (oid, type, recycled, data) -- fid_num/rank/project derived below.
ROWS = [
    (10, "User", 0, {"UserName": "alice@x.com", "DisplayName": "Alice"}),
    (11, "User", 0, {"UserName": "bob@x.com", "DisplayName": "Bob"}),
    (12, "User", 1, {"UserName": "carol@x.com", "DisplayName": "Carol"}),
    (20, "Project", 0, {"Name": "Root", "Parent": None}),
    (21, "Project", 0, {"Name": "Child A", "Parent": 20}),
    (22, "Project", 0, {"Name": "Child B", "Parent": 21}),
    (30, "Tag", 0, {"Name": "urgent"}),
    (31, "Tag", 0, {"Name": "UI"}),
    (32, "Tag", 1, {"Name": "backend"}),
    (40, "Iteration", 0, {"Name": "Sprint 1", "StartDate": "2024-01-01T07:00:00.000Z",
                          "EndDate": "2024-01-14T06:59:59.000Z"}),
    (41, "Iteration", 0, {"Name": "Sprint 2", "StartDate": "2024-01-15T07:00:00.000Z",
                          "EndDate": "2024-01-28T06:59:59.000Z"}),
    (50, "Milestone", 0, {"Name": "M1", "FormattedID": "MI1"}),
    (51, "Milestone", 0, {"Name": "M2", "FormattedID": "MI2"}),
    (100, "HierarchicalRequirement", 0, {
        "FormattedID": "US1", "Name": "Login page", "Owner": 10, "Project": 21, "Iteration": 40,
        "ScheduleState": "Defined", "PlanEstimate": 3, "Tags": [30], "Milestones": [50],
        "CreationDate": "2024-01-01T10:00:00.000Z", "DragAndDropRank": "b", "Parent": None}),
    (101, "HierarchicalRequirement", 0, {
        "FormattedID": "US2", "Name": "Logout", "Owner": 11, "Project": 20, "Iteration": 41,
        "ScheduleState": "Accepted", "PlanEstimate": 5.5, "Tags": [31, 32], "Milestones": [],
        "CreationDate": "2024-02-15T00:00:00.000Z", "DragAndDropRank": "a", "Parent": 100}),
    (102, "HierarchicalRequirement", 0, {
        "FormattedID": "US10", "Name": "Search 100% fast", "Owner": 12, "Project": 21,
        "ScheduleState": "In-Progress", "PlanEstimate": None, "Tags": [32],
        "CreationDate": "2023-12-31T23:59:59.999Z", "Parent": 100}),
    (200, "Defect", 0, {
        "FormattedID": "DE1", "Name": "Crash on login", "State": "Open",
        "Severity": "Crash/Data Loss", "Priority": "High Attention", "Requirement": 100,
        "Owner": 10, "Blocked": True, "Tags": [31], "Project": 22, "Description": "",
        "CreationDate": "2024-01-01T00:00:00.000Z", "ScheduleState": "Defined"}),
    (201, "Defect", 0, {
        "FormattedID": "DE22", "Name": "UI glitch", "State": "Fixed", "Severity": "Cosmetic",
        "Priority": "None", "Owner": None, "Blocked": False, "Tags": [], "Project": 21,
        "Description": "a_b", "CreationDate": "2024-03-01T12:00:00.000Z",
        "ScheduleState": "Completed"}),
    (202, "Defect", 0, {
        "FormattedID": "DE5", "Name": "Data_loss 50%", "State": "Submitted",
        "Severity": "Major Problem", "Owner": 11, "Requirement": 101, "Project": 21,
        "CreationDate": "2023-06-01T08:00:00.000Z", "ScheduleState": "Accepted"}),
    (203, "Defect", 1, {"FormattedID": "DE7", "Name": "Recycled defect", "State": "Open"}),
    (300, "Task", 0, {"FormattedID": "TA1", "Name": "Write tests", "WorkProduct": 100,
                      "State": "Defined", "Project": 21}),
    (301, "Task", 0, {"FormattedID": "TA2", "Name": "Fix it", "WorkProduct": 200,
                      "State": "Completed", "Project": 22}),
    (302, "Task", 1, {"FormattedID": "TA3", "Name": "Old", "WorkProduct": 100,
                      "State": "In-Progress", "Project": 21}),
]  # fmt: skip


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema.load_default()


@pytest.fixture(scope="module")
def db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(DDL)
    for oid, type_name, recycled, data in ROWS:
        fid = data.get("FormattedID")
        fid_num = int("".join(ch for ch in fid if ch.isdigit())) if fid else None
        data = {"ObjectID": oid, **data}
        conn.execute(
            "INSERT INTO objects (oid, type, project, fid_num, rank, recycled, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (oid, type_name, data.get("Project"), fid_num, data.get("DragAndDropRank"),
             recycled, json.dumps(data)),
        )  # fmt: skip
    return conn


def matching(db, schema, type_name: str, query: str) -> list[int]:
    typedef = schema.get(type_name)
    sql, params = compile_query(parse_query(query), typedef, schema, today=TODAY)
    assert "?" in sql or not params
    types = [t.element_name for t in schema.concrete_types(type_name)]
    rows = db.execute(
        f"SELECT o.oid FROM objects o WHERE o.type IN ({','.join('?' * len(types))}) "
        f"AND o.recycled = 0 AND ({sql}) ORDER BY o.oid",
        [*types, *params],
    ).fetchall()
    return [r[0] for r in rows]


CASES = [
    # plain values, case rules
    ("Defect", "(State = Open)", [200]),
    ("Defect", "(State = open)", []),
    ("Defect", '(Name = "UI glitch")', [201]),
    ("Defect", "(Name contains LOGIN)", [200]),
    ("Defect", '(Name contains "_")', [202]),
    ("Defect", '(Name contains "%")', [202]),
    ("Defect", "(Name !contains crash)", [201, 202]),
    ("Defect", "(Description = null)", [200, 202]),
    ("Defect", '(Description = "")', [200, 202]),
    ("Defect", "(Description != null)", [201]),
    ("Defect", "(Description !contains a)", [200, 202]),
    # refs and object hops
    ("Defect", "(Owner = /user/10)", [200]),
    ("Defect", "(Owner = user/10)", [200]),
    ("Defect", "(Owner = https://rally1.rallydev.com/slm/webservice/v2.0/user/10)", [200]),
    ("Defect", "(Owner = /user/10.js)", [200]),
    ("Defect", "(Owner in /user/10,/user/11)", [200, 202]),
    ("Defect", "(Owner !in /user/10)", [201, 202]),
    ("Defect", "(Owner = null)", [201]),
    ("Defect", "(Owner != null)", [200, 202]),
    ("Defect", "(Owner != /user/10)", [201, 202]),
    ("Defect", '(Owner.UserName = "alice@x.com")', [200]),
    ("Defect", "(Owner.UserName = ALICE@X.COM)", []),
    ("Defect", '(Owner.UserName != "alice@x.com")', [201, 202]),
    ("Defect", "(Owner.DisplayName contains BO)", [202]),
    ("Defect", "(Owner.UserName = null)", [201]),
    ("Defect", '(Requirement.Owner.UserName = "alice@x.com")', [200]),
    ("Defect", '(Project.Parent.Name = "Child A")', [200]),
    ("Defect", "(Project.Parent.Parent.Name = Root)", [200]),
    ("Defect", "(Project.Parent = /project/20)", [201, 202]),
    ("Defect", "(Requirement.FormattedID = US2)", [202]),
    ("HierarchicalRequirement", "(Parent.FormattedID = US1)", [101, 102]),
    ("HierarchicalRequirement", "(Owner.UserName = carol@x.com)", []),  # recycled target
    ("HierarchicalRequirement", "(Owner.UserName = null)", [102]),
    ("HierarchicalRequirement", "(Owner = null)", []),  # the stored value is not null
    ("Task", '(WorkProduct.Name = "Crash on login")', [301]),
    ("Task", "(WorkProduct.FormattedID = DE1)", [301]),
    ("Task", "(WorkProduct.FormattedID = US1)", [300]),
    ("Task", "(WorkProduct.ScheduleState = Defined)", [300, 301]),
    ("Task", "(WorkProduct.Severity = Cosmetic)", []),
    # stored collections
    ("Defect", "(Tags.Name = UI)", [200]),
    ("Defect", "(Tags.Name contains u)", [200]),
    ("Defect", "(Tags.Name != UI)", []),
    ("Defect", "(Tags = null)", [201, 202]),
    ("Defect", "(Tags != null)", [200]),
    ("Defect", "(Tags = /tag/31)", [200]),
    ("Defect", "(Tags != /tag/31)", [201, 202]),
    ("Defect", '(Requirement.Tags.Name = "urgent")', [200]),
    ("HierarchicalRequirement", "(Tags.Name = backend)", []),  # recycled member
    ("HierarchicalRequirement", "(Tags = null)", [102]),  # only a recycled member
    ("HierarchicalRequirement", "(Tags in /tag/30,/tag/31)", [100, 101]),
    ("HierarchicalRequirement", "(Milestones.Name = M1)", [100]),
    # inverse collections (back-pointer OBJECT and back-pointer stored COLLECTION)
    ("Defect", "(Tasks.State = Completed)", [200]),
    ("Defect", "(Tasks = null)", [201, 202]),
    ("HierarchicalRequirement", "(Tasks.Name contains WRITE)", [100]),
    ("HierarchicalRequirement", "(Tasks.Name = Old)", []),  # recycled task
    ("HierarchicalRequirement", "(Tasks = /task/300)", [100]),
    ("HierarchicalRequirement", "(Children.Name = Logout)", [100]),
    ("HierarchicalRequirement", "(Children = null)", [101, 102]),
    ("HierarchicalRequirement", "(Defects.Severity = Cosmetic)", []),
    ("Project", '(Children.Name = "Child B")', [21]),
    ("Project", '(Children.Children.Name = "Child B")', [20]),
    ("Milestone", '(Artifacts.Name = "Login page")', [50]),
    ("Milestone", "(Artifacts = null)", [51]),
    # ratings and states by allowed-value order
    ("Defect", '(Severity < "Major Problem")', [200]),
    ("Defect", '(Severity >= "Major Problem")', [201, 202]),
    ("Defect", '(Severity between "Crash/Data Loss" and "Major Problem")', [200, 202]),
    ("Defect", "(Priority = None)", [201, 202]),
    ("Defect", "(Priority = null)", [201, 202]),
    ("Defect", "(Priority != null)", [200]),
    ("Defect", '(Priority = "High Attention")', [200]),
    ("HierarchicalRequirement", "(ScheduleState < Accepted)", [100, 102]),
    ("HierarchicalRequirement", "(ScheduleState > Defined)", [101, 102]),
    # in / !in
    ("Defect", "(State in Open,Fixed)", [200, 201]),
    ("Defect", '(State in "Open,Fixed")', [200, 201]),
    ("Defect", "(State IN Open, Fixed)", [200, 201]),
    ("Defect", "(State !in Open,Fixed)", [202]),
    # FormattedID, numerically and by prefix
    ("Defect", "(FormattedID = DE22)", [201]),
    ("Defect", '(FormattedID = "de22")', [201]),
    ("Defect", "(FormattedID = 22)", [201]),
    ("Defect", "(FormattedID < DE22)", [200, 202]),
    ("Defect", "(FormattedID > DE2)", [201, 202]),
    ("Defect", "(FormattedID = US22)", []),
    ("Defect", "(FormattedID != US22)", [200, 201, 202]),
    ("Defect", "(FormattedID != DE5)", [200, 201]),
    ("Defect", "(FormattedID between DE2 and DE10)", [202]),
    ("Defect", "(FormattedID in DE1,DE5)", [200, 202]),
    ("Defect", "(FormattedID !in DE1,DE5)", [201]),
    ("Defect", "(FormattedID contains 2)", [201]),
    ("Artifact", "(FormattedID = US1)", [100]),
    ("Artifact", "(FormattedID = DE1)", [200]),
    ("Artifact", "(FormattedID < 2)", [100, 200, 300]),
    ("Artifact", "(FormattedID <= US2)", [100, 101]),
    # booleans and numbers
    ("Defect", "(Blocked = true)", [200]),
    ("Defect", "(Blocked = TRUE)", [200]),
    ("Defect", "(Blocked = false)", [201, 202]),
    ("Defect", "(Blocked != true)", [201, 202]),
    ("Defect", "(ObjectID = 201)", [201]),
    ("Defect", "(ObjectID > 200)", [201, 202]),
    ("HierarchicalRequirement", "(PlanEstimate > 3)", [101]),
    ("HierarchicalRequirement", "(PlanEstimate = 5.5)", [101]),
    ("HierarchicalRequirement", "(PlanEstimate = 3.0)", [100]),
    ("HierarchicalRequirement", "(PlanEstimate = null)", [102]),
    ("HierarchicalRequirement", "(PlanEstimate != 3)", [101, 102]),
    ("HierarchicalRequirement", "(PlanEstimate between 1 and 4)", [100]),
    ("HierarchicalRequirement", "(PlanEstimate !between 1 and 4)", [101, 102]),
    # dates: a date-only literal names the whole UTC day
    ("Defect", "(CreationDate = 2024-01-01)", [200]),
    ("Defect", "(CreationDate != 2024-01-01)", [201, 202]),
    ("Defect", "(CreationDate > 2024-01-01)", [201]),
    ("Defect", "(CreationDate >= 2024-01-01)", [200, 201]),
    ("Defect", "(CreationDate < 2024-01-01)", [202]),
    ("Defect", "(CreationDate <= 2024-01-01)", [200, 202]),
    ("Defect", '(CreationDate = "2024-01-01T00:00:00Z")', [200]),
    ("Defect", "(CreationDate = 2024-01-01T00:00:00.000Z)", [200]),
    ("Defect", "(CreationDate = 2024-01-01T01:00:00+01:00)", [200]),
    ("Defect", "(CreationDate > 2023-12-31T23:00:00-01:00)", [201]),
    ("Defect", "(CreationDate between 2024-01-01 and 2024-02-01)", [200]),
    ("Defect", "(CreationDate between 2023 and 2024-01)", [200, 202]),
    ("Defect", "(CreationDate = 2024-03)", [201]),
    ("Defect", "(CreationDate in 2024-01-01,2024-03-01)", [200, 201]),
    ("Defect", "(CreationDate !in 2024-01-01,2024-03-01)", [202]),
    ("Defect", "(CreationDate > today)", [201]),
    ("Defect", "(CreationDate < today-31)", [202]),
    ("Defect", "(CreationDate = TODAY-31)", [200]),
    ("Defect", "(CreationDate > today+100)", []),
    ("Defect", "(CreationDate contains 2024-03)", [201]),
    ("Defect", "(Iteration.StartDate = null)", [200, 201, 202]),
    (
        "HierarchicalRequirement",
        "((Iteration.StartDate <= 2024-01-01) AND (Iteration.EndDate >= 2024-01-01))",
        [100],
    ),
    (
        "HierarchicalRequirement",
        "((Iteration.StartDate <= 2024-01-15) AND (Iteration.EndDate >= 2024-01-15))",
        [101],
    ),
    ("Iteration", "((StartDate <= 2024-01-14) AND (EndDate >= 2024-01-14))", [40]),
    # boolean structure
    ("Defect", "(((State = Open) OR (State = Fixed)) AND (Owner != null))", [200]),
    ("Defect", "((State = Open) OR ((State = Fixed) OR (Name contains data)))", [200, 201, 202]),
    ("Defect", "((State = Open) AND (State = Fixed))", []),
    ("Defect", '((Name = "Crash on login") OR (Name = "a & b"))', [200]),
    ("Defect", '((Name contains "on login") AND (Owner.DisplayName = "Alice"))', [200]),
]


@pytest.mark.parametrize(("type_name", "query", "expected"), CASES)
def test_query_matches(db, schema, type_name, query, expected):
    assert matching(db, schema, type_name, query) == expected


def test_default_today_is_the_current_utc_day(db, schema):
    typedef = schema.get("Defect")
    now = dt.datetime.now(dt.timezone.utc).date()
    sql, params = compile_query(parse_query("(CreationDate < today)"), typedef, schema)
    assert f"{now.isoformat()}T00:00:00.000Z" in params


ERRORS = [
    ("Defect", "(Bogus = 1)", 'Could not parse: Could not find attribute "Bogus" on type Defect in the query segment "Bogus"'),
    ("Defect", "(name = x)", 'Could not parse: Could not find attribute "name" on type Defect in the query segment "name"'),
    ("Defect", "(Owner.Bogus = 1)", 'Could not parse: Could not find attribute "Bogus" on type User in the query segment "Owner.Bogus"'),
    ("Defect", "(c_Nothing = 1)", 'Could not parse: Could not find attribute "c_Nothing" on type Defect in the query segment "c_Nothing"'),
    ("Defect", "(Name.Foo = x)", 'Could not parse: Attribute "Name" on type Defect is not an object or collection, so it cannot be followed in the query segment "Name.Foo"'),
    ("Defect", "(Owner = alice)", 'Could not parse: Cannot parse object reference from "alice"'),
    ("Defect", "(Owner = 10)", 'Could not parse: Cannot parse object reference from "10"'),
    ("Defect", "(Owner contains /user/10)", 'Could not parse: Operator "contains" cannot be used with OBJECT attribute "Owner"'),
    ("Defect", "(Owner > /user/10)", 'Could not parse: Operator ">" cannot be used with OBJECT attribute "Owner"'),
    ("Defect", "(Tags < /tag/1)", 'Could not parse: Operator "<" cannot be used with COLLECTION attribute "Tags"'),
    ("Defect", "(Tags = UI)", 'Could not parse: Cannot parse object reference from "UI"'),
    ("Defect", "(Blocked = maybe)", 'Could not parse: Cannot convert "maybe" into a boolean; use true or false.'),
    ("HierarchicalRequirement", "(PlanEstimate = abc)", 'Could not parse: Cannot convert "abc" into a number.'),
    ("HierarchicalRequirement", "(PlanEstimate > nan)", 'Could not parse: Cannot convert "nan" into a number.'),
    ("HierarchicalRequirement", "(PlanEstimate in 1,x)", 'Could not parse: Cannot convert "x" into a number.'),
    ("Defect", "(CreationDate = 2024-13-01)", 'Could not parse: Cannot convert "2024-13-01" into a date.  You must use the ISO8601 date+time format.'),
    ("Defect", "(CreationDate > yesterday)", 'Could not parse: Cannot convert "yesterday" into a date.  You must use the ISO8601 date+time format.'),
    ("Defect", "(CreationDate > 9999)", 'Could not parse: Cannot convert "9999" into a date.  You must use the ISO8601 date+time format.'),
    ("Defect", "(Severity < Bogus)", 'Could not parse: "Bogus" is not an allowed value of "Severity", so it has no order'),
    ("Defect", "(Name > null)", 'Could not parse: Operator ">" cannot be used with STRING attribute "Name"'),
]  # fmt: skip


@pytest.mark.parametrize(("type_name", "query", "message"), ERRORS)
def test_query_errors(db, schema, type_name, query, message):
    with pytest.raises(QueryError) as info:
        matching(db, schema, type_name, query)
    assert info.value.errors == [message]


def test_values_never_reach_the_sql_text(schema):
    hostile = "x'); DROP TABLE objects; --"
    q = parse_query(f'((Name = "{hostile}") OR (Tags.Name contains "{hostile}"))')
    sql, params = compile_query(q, schema.get("Defect"), schema)
    assert hostile not in sql
    assert params.count(hostile) == 1


def test_alias_is_respected(db, schema):
    sql, params = compile_query(
        parse_query("((Owner.UserName = bob@x.com) AND (Tags = null))"),
        schema.get("Defect"),
        schema,
        alias="d",
    )
    assert "o." not in sql.replace("d.", "")
    rows = db.execute(
        f"SELECT d.oid FROM objects d WHERE d.type = 'Defect' AND {sql}", params
    ).fetchall()
    assert rows == [(202,)]


# --- ordering -----------------------------------------------------------------------------


def ordered(db, schema, type_name: str, order: str | None, where: str = "1") -> list[int]:
    typedef = schema.get(type_name)
    order_sql = compile_order(parse_order(order, typedef, schema), typedef, schema)
    types = [t.element_name for t in schema.concrete_types(type_name)]
    rows = db.execute(
        f"SELECT o.oid FROM objects o WHERE o.type IN ({','.join('?' * len(types))}) "
        f"AND o.recycled = 0 AND {where} ORDER BY {order_sql}",
        types,
    ).fetchall()
    return [r[0] for r in rows]


ORDERS = [
    ("Defect", None, [200, 201, 202]),
    ("Defect", "", [200, 201, 202]),
    ("Defect", "ObjectID desc", [202, 201, 200]),
    ("Defect", "FormattedID", [200, 202, 201]),
    ("Defect", "FormattedID DESC", [201, 202, 200]),
    ("Defect", "FormattedID desc,", [201, 202, 200]),
    ("Defect", "Severity", [200, 202, 201]),
    ("Defect", "Severity desc", [201, 202, 200]),
    ("Defect", "Priority", [201, 202, 200]),  # 'None' and missing first, oid breaks the tie
    ("Defect", "Priority desc,ObjectID desc", [200, 202, 201]),
    ("Defect", "Owner", [201, 200, 202]),  # no owner, Alice, Bob
    ("Defect", "Owner.UserName desc", [202, 200, 201]),
    ("Defect", "Name", [200, 202, 201]),
    ("Defect", "Name desc", [201, 202, 200]),
    ("Defect", "CreationDate", [202, 200, 201]),
    ("Defect", " State asc , Name ", [202, 200, 201]),  # Submitted < Open < Fixed by allowed order
    ("HierarchicalRequirement", "Rank", [102, 101, 100]),
    ("HierarchicalRequirement", "Rank ASC", [102, 101, 100]),
    ("HierarchicalRequirement", "DragAndDropRank desc", [100, 101, 102]),
    ("HierarchicalRequirement", "ScheduleState", [100, 102, 101]),
    ("HierarchicalRequirement", "PlanEstimate desc", [101, 100, 102]),
    ("HierarchicalRequirement", "Iteration.StartDate", [102, 100, 101]),
    ("Artifact", "FormattedID", [100, 200, 300, 101, 301, 202, 102, 201]),
]


@pytest.mark.parametrize(("type_name", "order", "expected"), ORDERS)
def test_order(db, schema, type_name, order, expected):
    assert ordered(db, schema, type_name, order) == expected


def test_order_always_ends_with_a_unique_tie_breaker(schema):
    typedef = schema.get("Defect")
    assert compile_order([], typedef, schema) == "o.oid ASC"
    assert compile_order(parse_order("Name", typedef, schema), typedef, schema).endswith(
        "o.oid ASC"
    )
    assert compile_order(parse_order("Name", typedef, schema), typedef, schema, alias="x").endswith(
        "x.oid ASC"
    )
    assert (
        compile_order(parse_order("ObjectID desc,Name", typedef, schema), typedef, schema)
        == "o.oid DESC"
    )


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ("Bogus", 'Could not parse: Could not find attribute "Bogus" on type Defect in the query segment "Bogus"'),
        ("name", 'Could not parse: Could not find attribute "name" on type Defect in the query segment "name"'),
        ("Name sideways", 'Could not parse: Invalid order "Name sideways": use "<attribute> [asc|desc]", comma separated'),
        ("Name desc now", 'Could not parse: Invalid order "Name desc now": use "<attribute> [asc|desc]", comma separated'),
        ("Na-me", 'Could not parse: Invalid order "Na-me": use "<attribute> [asc|desc]", comma separated'),
        ("Tags", 'Could not parse: Cannot sort on the collection "Tags"'),
        ("Owner.Bogus", 'Could not parse: Could not find attribute "Bogus" on type User in the query segment "Owner.Bogus"'),
    ],
)  # fmt: skip
def test_order_errors(schema, order, message):
    with pytest.raises(QueryError) as info:
        parse_order(order, schema.get("Defect"), schema)
    assert info.value.errors == [message]


def test_order_allowed_values_with_quotes_are_escaped(db, schema):
    # Resolution has "Can't Reproduce" / "Won't Fix" in Rally's lists; the SQL must stay valid.
    typedef = schema.get("Defect")
    order_sql = compile_order(parse_order("Resolution", typedef, schema), typedef, schema)
    db.execute(f"SELECT o.oid FROM objects o ORDER BY {order_sql}").fetchall()
