"""Pure-logic tests of the HTTP layer: serializer, auth parsing, routing, parameters.

These use the real schema and hand-made rows (no store, no server), so a shape regression is
pinned down here even before the end-to-end tests run.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest

from pyral.emulator import errors, routes, serializer
from pyral.emulator.auth import AuthContext, authenticate, check_write_token, parse_credentials
from pyral.emulator.handlers import objects, service
from pyral.emulator.handlers.base import Request, fetch_spec, paging, parse_params
from pyral.emulator.schema import Schema
from pyral.emulator.store import Row

SCHEMA = Schema.load_default()
BASE = "https://127.0.0.1:9"
SVC = BASE + "/slm/webservice/v2.0"


class FakeSource:
    def __init__(self, rows: list[Row], counts: dict[tuple[int, str], int] | None = None):
        self.by_oid = {r.oid: r for r in rows}
        self.counts = counts or {}

    def typedef_of(self, row: Row):
        return SCHEMA.lookup(row.type)

    def rows(self, oids):
        return {o: self.by_oid[o] for o in oids if o in self.by_oid}

    def collection_count(self, row, attr):
        if attr.is_stored:
            return len(row.data.get(attr.name) or [])
        return self.counts.get((row.oid, attr.name), 0)


def row(oid: int, type_: str, **data) -> Row:
    return Row(oid, type_, 1, None, None, None, False, 3, {"ObjectUUID": f"uuid-{oid}", **data})


USER = row(10, "User", UserName="jo@example.com", DisplayName="", Password="secret")
TAG = row(20, "Tag", Name="UAT")
MILESTONE = row(
    21, "Milestone", Name="M1", DisplayColor="#848689", TargetDate="2016-01-29T08:00:00.000Z"
)
DEFECT = row(
    30,
    "Defect",
    Name="Crash <b>now</b>",
    Owner=10,
    Tags=[20],
    Milestones=[21],
    CreationDate="2020-01-01T10:00:00.000Z",
    Severity="Cosmetic",
)
FEATURE = row(40, "Feature", Name="F", CreationDate="2020-01-01T10:00:00.000Z")


@pytest.fixture
def ser() -> serializer.Serializer:
    source = FakeSource([USER, TAG, MILESTONE, DEFECT, FEATURE], {(30, "Tasks"): 2})
    return serializer.Serializer(BASE, source)


def test_shallow_ref_has_exactly_the_golden_keys(ser):
    ref = ser.shallow(TAG)
    assert list(ref) == [
        "_rallyAPIMajor",
        "_rallyAPIMinor",
        "_ref",
        "_refObjectUUID",
        "_refObjectName",
        "_type",
    ]
    assert ref["_ref"] == SVC + "/tag/20"
    assert ref["_rallyAPIMajor"] == "2" and ref["_rallyAPIMinor"] == "0"


def test_full_object_meta_refs_collections(ser):
    obj = ser.obj(DEFECT)
    assert obj["_ref"] == SVC + "/defect/30"
    assert obj["_objectVersion"] == "3" and obj["VersionId"] == "3"
    assert obj["_refObjectName"] == "Crash <b>now</b>"
    assert obj["_type"] == "Defect" and list(obj)[-1] == "_type"
    assert obj["ObjectID"] == 30
    assert obj["Owner"]["_ref"] == SVC + "/user/10"
    assert obj["Owner"]["_refObjectName"] == "jo@example.com"  # no DisplayName -> UserName
    assert obj["Tasks"] == {
        "_rallyAPIMajor": "2",
        "_rallyAPIMinor": "0",
        "_ref": SVC + "/Defect/30/Tasks",
        "_type": "Task",
        "Count": 2,
    }
    assert obj["Tags"]["_tagsNameArray"] == [{"Name": "UAT", "_ref": "/tag/20"}]
    assert obj["Milestones"]["_tagsNameArray"] == [
        {
            "Name": "M1",
            "_ref": "/milestone/21",
            "DisplayColor": "#848689",
            "TargetDate": "2016-01-29T08:00:00.000Z",
        }
    ]
    assert obj["Milestones"]["Count"] == 1
    assert obj["Iteration"] is None
    assert (
        "_CreatedAt" in obj and list(obj).index("_CreatedAt") == list(obj).index("CreationDate") + 1
    )


def test_credentials_are_never_serialized(ser):
    obj = ser.obj(USER)
    assert "Password" not in obj
    assert "secret" not in json.dumps(obj)


def test_portfolio_item_refs_and_type(ser):
    obj = ser.obj(FEATURE)
    assert obj["_ref"] == SVC + "/portfolioitem/feature/40"
    assert obj["_type"] == "PortfolioItem/Feature"
    assert obj["UserStories"]["_ref"] == SVC + "/PortfolioItem/Feature/40/UserStories"
    assert serializer.read_result("Feature", obj)["Feature"]["Errors"] == []


def test_fetch_list_keeps_meta_and_listed_fields_only(ser):
    obj = ser.item(DEFECT, serializer.FetchSpec("list", ("Name", "severity", "Bogus")))
    assert set(obj) == {
        "_rallyAPIMajor",
        "_rallyAPIMinor",
        "_ref",
        "_refObjectUUID",
        "_objectVersion",
        "_refObjectName",
        "Name",
        "Severity",
        "_type",
    }
    assert ser.item(DEFECT, None) == ser.shallow(DEFECT)
    assert ser.item(DEFECT, serializer.FetchSpec("none")) == ser.shallow(DEFECT)


def test_dumps_escapes_angle_brackets():
    text = serializer.dumps({"Description": "<p>x</p>"}).decode()
    assert "<" not in text and json.loads(text) == {"Description": "<p>x</p>"}


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=5), "just now"),
        (timedelta(minutes=1, seconds=3), "1 minute ago"),
        (timedelta(minutes=27), "27 minutes ago"),
    ],
)
def test_created_at_recent(delta, expected):
    now = datetime(2024, 5, 6, 20, 0, tzinfo=timezone.utc)
    created = (now - delta).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert serializer.created_at_text(created, now) == expected


def test_created_at_older():
    now = datetime(2024, 5, 6, 20, 0, tzinfo=timezone.utc)
    assert serializer.created_at_text("2024-05-06T08:15:00.000Z", now) == "today at 8:15 am"
    assert serializer.created_at_text("2024-05-05T13:05:00.000Z", now) == "yesterday at 1:05 pm"
    assert serializer.created_at_text("2008-09-08T08:15:00.000Z", now) == "Sep 8, 2008"
    assert serializer.created_at_text("garbage", now) is None


def test_envelopes():
    q = serializer.query_result([], total=0, start=5, pagesize=200)["QueryResult"]
    assert list(q) == [
        "_rallyAPIMajor",
        "_rallyAPIMinor",
        "Errors",
        "Warnings",
        "TotalResultCount",
        "StartIndex",
        "PageSize",
        "Results",
    ]
    assert "Object" not in serializer.create_result({"a": 1}, errors=["x"])["CreateResult"]
    token = serializer.operation_result(SecurityToken="t")["OperationResult"]
    assert token["SecurityToken"] == "t" and token["Errors"] == []
    b = serializer.batch_result([serializer.batch_entry(None, errors=["e"])])["BatchResult"]
    assert set(b) == {"Errors", "Warnings", "Results"} and "Object" not in b["Results"][0]
    for kind, root in [
        ("query", "QueryResult"),
        ("create", "CreateResult"),
        ("batch", "BatchResult"),
        ("operation", "OperationResult"),
    ]:
        assert serializer.error_body(kind, ["boom"])[root]["Errors"] == ["boom"]


def test_schema_typedef_has_every_key_pyral_reads():
    service_url = SVC
    td = SCHEMA.lookup("Defect")
    out = serializer.typedef_json(service_url, td, SCHEMA.lookup)
    for key in [
        "_ref",
        "_refObjectName",
        "ElementName",
        "Name",
        "DisplayName",
        "TypePath",
        "IDPrefix",
        "Abstract",
        "Parent",
        "Creatable",
        "Queryable",
        "ReadOnly",
        "Deletable",
        "Restorable",
        "Ordinal",
        "RevisionHistory",
        "Attributes",
    ]:
        assert key in out, key
    assert out["Parent"]["_refObjectName"]
    attrs = {a["ElementName"]: a for a in out["Attributes"]}
    for key in [
        "_ref",
        "_refObjectName",
        "ElementName",
        "Name",
        "AttributeType",
        "Custom",
        "Required",
        "ReadOnly",
        "Filterable",
        "Hidden",
        "SchemaType",
        "Constrained",
        "AllowedValueType",
        "AllowedValues",
        "MaxLength",
        "MaxFractionalDigits",
    ]:
        assert key in attrs["Severity"], key
    assert {"StringValue": "Cosmetic"} in attrs["Severity"]["AllowedValues"]
    assert attrs["Tags"]["AllowedValues"]["_ref"].startswith(SVC + "/AttributeDefinition/")
    assert attrs["Tags"]["AllowedValues"]["_ref"].endswith("/AllowedValues")
    feature = serializer.typedef_json(service_url, SCHEMA.lookup("feature"), SCHEMA.lookup)
    assert feature["TypePath"] == "PortfolioItem/Feature" and feature["Name"] == "Feature"


# --- auth ---------------------------------------------------------------------------------------


def _basic(user: str, pw: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()


def test_parse_credentials_forms():
    assert parse_credentials({"zsessionid": "_k"}).apikey == "_k"
    assert parse_credentials({"ZSESSIONID": "_k"}).kind == "apikey"
    assert parse_credentials({"Authorization": "Bearer _k"}).apikey == "_k"
    basic = parse_credentials({"authorization": _basic("a@b.c", "p:w")})
    assert (basic.kind, basic.username, basic.password) == ("basic", "a@b.c", "p:w")
    assert parse_credentials({"Authorization": _basic("", "_sess")}).apikey == "_sess"
    assert parse_credentials({"Authorization": "Basic !!!"}).kind == "basic"
    assert parse_credentials({}).kind == "none"


class FakeAuthBackend:
    user = object()

    def authenticate_apikey(self, key):
        return self.user if key == "_good" else None

    def authenticate_password(self, u, p):
        return self.user if (u, p) == ("u", "p") else None

    def check_security_token(self, user, token):
        return token == "tok"


def test_authenticate_errors_carry_rally_texts():
    backend = FakeAuthBackend()
    assert authenticate(backend, {"ZSESSIONID": "_good"}).kind == "apikey"
    cases = [
        ({"ZSESSIONID": "_bad"}, errors.INVALID_KEY),
        ({"Authorization": _basic("u", "x")}, errors.BAD_CREDENTIALS),
        ({}, errors.NO_AUTHENTICATION),
    ]
    for headers, text in cases:
        with pytest.raises(errors.AuthError) as info:
            authenticate(backend, headers)
        assert info.value.errors == [text] and info.value.http_status == 401


def test_write_token_only_for_basic_writes():
    backend = FakeAuthBackend()
    basic = AuthContext(backend.user, "basic")
    apikey = AuthContext(backend.user, "apikey")
    check_write_token(backend, apikey, "POST", "None")
    check_write_token(backend, basic, "GET", None)
    check_write_token(backend, basic, "PUT", "tok")
    for key in (None, "None", "wrong"):
        with pytest.raises(errors.WsapiError) as info:
            check_write_token(backend, basic, "DELETE", key)
        assert info.value.errors == [errors.INVALID_KEY] and info.value.http_status == 200


# --- routing and parameters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "handler", "groups"),
    [
        ("GET", "Defect", objects.query, {"type": "Defect"}),
        ("GET", "PortfolioItem/Feature", objects.query, {"type": "PortfolioItem/Feature"}),
        (
            "GET",
            "portfolioitem/feature/7",
            objects.read,
            {"type": "portfolioitem/feature", "oid": "7"},
        ),
        ("POST", "portfolioitem/7700", objects.update, {"type": "portfolioitem", "oid": "7700"}),
        ("PUT", "portfolioitem/feature/create", objects.create, {"type": "portfolioitem/feature"}),
        ("PUT", "portfolioitem/create", objects.create, {"type": "portfolioitem"}),
        (
            "GET",
            "Defect/1/Tags",
            objects.collection,
            {"type": "Defect", "oid": "1", "attr": "Tags"},
        ),
        (
            "POST",
            "Defect/1/Tags/add",
            objects.collection_add,
            {"type": "Defect", "oid": "1", "attr": "Tags"},
        ),
        (
            "POST",
            "Defect/1/Tags/remove",
            objects.collection_remove,
            {"type": "Defect", "oid": "1", "attr": "Tags"},
        ),
        (
            "GET",
            "AttributeDefinition/-55501/AllowedValues",
            service.allowed_values,
            {"oid": "-55501"},
        ),
        ("GET", "security/authorize", service.security_token, {}),
        ("POST", "batch", service.batch, {}),
        ("GET", "Subscription", service.subscription, {"type": "Subscription"}),
        ("GET", "user", service.current_user, {"type": "user"}),
        ("GET", "users", objects.query, {"type": "users"}),
        ("DELETE", "defect/5", objects.delete, {"type": "defect", "oid": "5"}),
    ],
)
def test_routes(method, path, handler, groups):
    match = routes.resolve(method, "service", path)
    assert match.handler is handler
    assert match.groups == groups


def test_route_errors_and_kinds():
    assert routes.resolve("DELETE", "service", "Defect").status == 405
    assert routes.resolve("GET", "service", "a/b/c/d/e").status == 404
    assert routes.resolve("GET", "service", "user").kind == "operation"
    assert routes.resolve("GET", "service", "user", has_query=True).kind == "query"
    assert routes.resolve("PUT", "service", "defect/create").kind == "create"
    schema = routes.resolve("GET", "schema", "workspace/5/abcdef")
    assert schema.handler is service.schema and schema.groups["hash"] == "abcdef"
    assert routes.split_service_path("/slm/webservice/v2.0/defect") == ("service", "defect")
    assert routes.split_service_path("/slm/schema/v2.0/workspace/1") == ("schema", "workspace/1")
    assert routes.split_service_path("/elsewhere") is None


def test_params_paging_fetch():
    assert parse_params("&rankAbove=defect/1&key=None") == {"rankabove": "defect/1", "key": "None"}
    assert paging(Request("GET", "/", "pagesize=5000&start=0")) == (1, 2000)
    assert paging(Request("GET", "/", "")) == (1, 20)
    for bad in ("pagesize=0", "pagesize=x", "start=abc", "pagesize=-3"):
        with pytest.raises(errors.QueryError):
            paging(Request("GET", "/", bad))
    quoted = fetch_spec(Request("GET", "/", "fetch=%22ObjectID,Name,State%22"))
    assert quoted.mode == "list" and quoted.fields == ("ObjectID", "Name", "State")
    assert fetch_spec(Request("GET", "/", "")) is None
    assert fetch_spec(Request("GET", "/", "fetch=false")).mode == "none"
    assert fetch_spec(Request("GET", "/", "fetch=true")).mode == "all"
