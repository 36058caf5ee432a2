"""Hostile HTTP against the emulator: fuzzers plus regressions for what they found.

The rules under attack: bad input never gets a 5xx (an 'Internal emulator error' is always a
bug), never stores anything, and is answered in a Rally-shaped envelope (one root key holding
``Errors`` and ``Warnings``) on HTTP 200 -- 401 only for authentication, 404/405 only for paths
and methods WSAPI does not have, 413 for an oversized body.  The fuzzers are bounded so the
whole file runs in well under a minute.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyral.emulator.__main__ import main as emulator_main
from pyral.emulator.demo import DEMO_APIKEY
from pyral.emulator.server import EmulatorServer

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
HUGE = "99999999999999999999999"


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(demo=True, quiet=True) as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server: EmulatorServer) -> Iterator[requests.Session]:
    session = requests.Session()
    session.headers["ZSESSIONID"] = DEMO_APIKEY
    yield session
    session.close()


def url(server: EmulatorServer, path: str) -> str:
    return path if path.startswith("http") else f"{server.service_url}/{path.lstrip('/')}"


def snapshot(server: EmulatorServer) -> tuple:
    """Everything a write could change: row count, every version, every byte of data."""
    conn = server.backend.store.connection()
    return conn.execute(
        "SELECT count(*), total(version), total(length(data)), max(oid) FROM objects"
    ).fetchone()


def defect_rows(server: EmulatorServer) -> int:
    conn = server.backend.store.connection()
    return conn.execute("SELECT count(*) FROM objects WHERE type = 'Defect'").fetchone()[0]


def assert_envelope(response: requests.Response, method: str = "GET") -> dict:
    assert response.status_code < 500, (response.status_code, response.text[:1000])
    assert response.status_code in (200, 401, 404, 405, 413), response.status_code
    if method == "HEAD":
        return {}
    body = response.json()
    assert isinstance(body, dict) and len(body) == 1, body
    root = next(iter(body.values()))
    assert isinstance(root["Errors"], list) and isinstance(root["Warnings"], list), body
    return root


def raw_exchange(server: EmulatorServer, request: bytes) -> bytes:
    """Send bytes as they are (no client fixes them up) and read the whole answer."""
    host, port = server.host_port.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def raw_envelope(answer: bytes) -> tuple[int, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)


def created(http: requests.Session, server: EmulatorServer, type_path: str, attrs: dict) -> dict:
    result = http.put(
        url(server, f"{type_path.lower()}/create"), json={type_path.split("/")[-1]: attrs}
    ).json()["CreateResult"]
    assert result["Errors"] == [], result
    return result["Object"]


# --- regressions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"defect/{HUGE}"),
        ("GET", f"defect/-{HUGE}"),
        ("POST", f"defect/{HUGE}"),
        ("DELETE", f"defect/{HUGE}"),
        ("GET", f"defect/{HUGE}/Tasks"),
        ("POST", f"defect/{HUGE}/Tags/add"),
        ("GET", f"typedefinition/{HUGE}"),
        ("DELETE", f"recyclebinentry/{HUGE}"),
        ("HEAD", f"hierarchicalrequirement/{HUGE}"),
    ],
)
def test_object_id_beyond_64_bits_is_not_found(server, http, method, path):
    """An ObjectID SQLite cannot bind used to raise OverflowError -> HTTP 500."""
    body = {"CollectionItems": []} if path.endswith("/add") else {"Defect": {"Name": "x"}}
    before = snapshot(server)
    response = http.request(method, url(server, path), json=body)
    root = assert_envelope(response, method)
    assert response.status_code == 200
    if method != "HEAD":
        assert len(root["Errors"]) == 1, root
        assert "Cannot find object" in root["Errors"][0] or (
            root["Errors"][0] == "Object to delete cannot be null"
        ), root
    assert snapshot(server) == before


@pytest.mark.parametrize(
    "query",
    [
        f"(ObjectID > {HUGE})",
        f"(ObjectID = -{HUGE})",
        f"(Iteration = /iteration/{HUGE})",
        f"(FormattedID = DE{HUGE})",
        f"(PlanEstimate < {'9' * 5000})",
        f"(Owner in /user/{HUGE},/user/1)",
    ],
    ids=["oid-gt", "oid-eq-neg", "ref", "formatted-id", "5000-digits", "ref-list"],
)
def test_integer_literals_beyond_64_bits_in_queries(server, http, query):
    response = http.get(url(server, "defect"), params={"query": query, "pagesize": 5})
    root = assert_envelope(response)
    assert response.status_code == 200
    assert root["Errors"] == [], root


def test_huge_object_id_beyond_bounds_still_compares(server, http):
    everything = http.get(url(server, "defect"), params={"pagesize": 1}).json()["QueryResult"]
    below = http.get(
        url(server, "defect"), params={"query": f"(ObjectID < {HUGE})", "pagesize": 1}
    ).json()["QueryResult"]
    assert below["TotalResultCount"] == everything["TotalResultCount"] > 0


@pytest.mark.parametrize("callback", ["日本", "ÿ", "a b", "1;alert(1)", "cb("])
def test_jsonp_callback_that_is_not_an_ascii_identifier_is_ignored(server, http, callback):
    """A non-ASCII callback passed str.isalnum() and then failed to encode -> 500 after
    the request had already been served (so a write was stored yet reported as failed)."""
    name = f"jsonp write {callback}"
    response = http.put(
        url(server, "defect/create"), params={"jsonp": callback}, json={"Defect": {"Name": name}}
    )
    root = assert_envelope(response)
    assert response.status_code == 200 and root["Errors"] == []
    assert response.headers["Content-Type"].startswith("application/json")
    found = http.get(url(server, "defect"), params={"query": f'(Name = "{name}")'}).json()
    assert found["QueryResult"]["TotalResultCount"] == 1  # stored once, reported as stored


def test_jsonp_callback_still_wraps(server, http):
    response = http.get(url(server, "security/authorize"), params={"jsonp": "my.cb_1"})
    assert response.status_code == 200
    assert response.text.startswith("my.cb_1(") and response.text.endswith(")")


def test_declared_body_over_limit_is_refused_before_reading(server):
    """A Content-Length far over the limit made the server allocate it and drop the
    connection with no answer at all."""
    before = snapshot(server)
    answer = raw_exchange(
        server,
        (
            "PUT /slm/webservice/v2.0/defect/create HTTP/1.1\r\nHost: x\r\n"
            f"ZSESSIONID: {DEMO_APIKEY}\r\nContent-Length: 999999999999999\r\n\r\n{{}}"
        ).encode(),
    )
    status, body = raw_envelope(answer)
    assert status == 413
    assert "too large" in body["OperationResult"]["Errors"][0]
    assert snapshot(server) == before


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET / too many HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /slm/webservice/v2.0/defect?" + b"x" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /slm/webservice/v2.0/defect HTTP/1.1\r\nX: " + b"x" * 70000 + b"\r\n\r\n", 431),
        (
            b"PUT /slm/webservice/v2.0/defect/create HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
            400,
        ),
        (
            b"PUT /slm/webservice/v2.0/defect/create HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n-5\r\nabc\r\n0\r\n\r\n",
            400,
        ),
    ],
    ids=["bad-request-line", "uri-too-long", "header-too-long", "chunk-size-zz", "chunk-size-neg"],
)
def test_protocol_errors_answer_rally_envelopes_not_html(server, request_bytes, status):
    got, body = raw_envelope(raw_exchange(server, request_bytes))
    assert got == status
    assert body["OperationResult"]["Errors"] and body["OperationResult"]["Warnings"] == []


def test_unknown_http_method_is_405_not_501(server):
    answer = raw_exchange(
        server,
        (
            "BREW /slm/webservice/v2.0/defect HTTP/1.1\r\nHost: x\r\n"
            f"ZSESSIONID: {DEMO_APIKEY}\r\nConnection: close\r\n\r\n"
        ).encode(),
    )
    status, body = raw_envelope(answer)
    assert status == 405
    assert "BREW" in next(iter(body.values()))["Errors"][0]


def test_bad_collection_items_are_echoed_as_json(server, http):
    story = created(http, server, "HierarchicalRequirement", {"Name": "tag target"})
    errors = http.post(story["_ref"] + "/Tags/add", json={"CollectionItems": [None]}).json()
    assert errors["OperationResult"]["Errors"] == ['Cannot parse object reference from "null"']


@pytest.mark.parametrize("path", ["defect/create", "batch", "defect/{oid}/Tags/add"])
def test_json_nested_deeper_than_the_parser_follows_is_a_parse_error(server, http, path):
    """json.loads raised RecursionError (not a ValueError) -> HTTP 500."""
    story = created(http, server, "Defect", {"Name": "deep target"})
    before = snapshot(server)
    deep = '{"Defect": {"Name": "deep", "Description": ' + "[" * 100000 + "]" * 100000 + "}}"
    response = http.post(url(server, path.format(oid=story["ObjectID"])), data=deep)
    root = assert_envelope(response)
    assert response.status_code == 200
    assert root["Errors"] == [
        "Cannot parse input stream due to I/O error as JSON document: Parse error"
    ]
    assert snapshot(server) == before


def test_admin_fault_rule_nested_too_deep_is_400(server):
    response = requests.post(server.url + "/_emulator/faults", data="[" * 100000)
    assert response.status_code == 400
    assert "invalid JSON" in response.json()["OperationResult"]["Errors"][0]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(server, http, constant):
    """Python's parser takes them; they were stored as the text "nan" / "inf"."""
    before = snapshot(server)
    data = '{"Defect": {"Name": ' + constant + "}}"
    result = http.put(url(server, "defect/create"), data=data).json()["CreateResult"]
    assert result["Errors"] == [
        "Cannot parse input stream due to I/O error as JSON document: Parse error"
    ]
    assert snapshot(server) == before


@pytest.mark.parametrize("argv", [["--port", "99999"], ["--port", "-1"], ["--port", "x"]])
def test_cli_bad_port_is_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        emulator_main(argv)
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_unusable_db_is_one_line_and_status_2(tmp_path, capsys):
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("this is not SQLite\n" * 100)
    for db in (str(tmp_path / "missing" / "x.db"), str(not_a_db), str(tmp_path)):
        assert emulator_main(["--db", db, "--quiet"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("pyral-emulator: ") and "Traceback" not in err
    assert not_a_db.read_text() == "this is not SQLite\n" * 100


# --- fuzzers ----------------------------------------------------------------------------------

TYPE_NAMES = [
    "defect", "Defect", "DEFECTS", "hierarchicalrequirement", "task", "portfolioitem",
    "portfolioitem/feature", "portfolioitem/x", "feature", "user", "users", "project",
    "workspace", "subscription", "tag", "iteration", "release", "milestone", "testcase",
    "attachment", "attachmentcontent", "recyclebinentry", "typedefinition", "revision",
    "conversationpost", "artifact", "nonsense", "defect.js", "batch", "security",
]  # fmt: skip
IDS = [
    "-1", "0", HUGE, "-" + HUGE, "1e5", "abc", "1.5", "create", "%20",
    "00000000-0000-0000-0000-000000000000", "ffffffffffffffffffffffffffffffff",
]  # fmt: skip
COLLECTIONS = ["Tasks", "tasks", "Tags", "Discussion", "Children", "Nope", "Attributes"]
BODIES = [
    None, b"{", b"[]", b"null", b"1", b'"x"', b'{"Defect":1}', b'{"Defect":{"Name":null}}',
    b'{"x":{"Name":"q"}}', b'{"CollectionItems":"x"}', b'{"CollectionItems":[1,null,{}]}',
    b"\xff\xfe", b'{"Defect":{"Name":"\\ud800"}}',
]  # fmt: skip
METHODS = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"]

paths = st.builds(
    lambda t, i, c, op: "/".join(p for p in (t, i, c, op) if p),
    st.sampled_from(TYPE_NAMES),
    st.one_of(st.none(), st.sampled_from(IDS), st.integers(-(2**70), 2**70).map(str)),
    st.one_of(st.none(), st.sampled_from(COLLECTIONS)),
    st.one_of(st.none(), st.sampled_from(["add", "remove", "copy"])),
)


@FUZZ
@given(method=st.sampled_from(METHODS), path=paths, body=st.sampled_from(BODIES))
def test_fuzz_paths_methods_bodies(server, http, method, path, body):
    before = snapshot(server)
    response = http.request(method, url(server, path), data=body, timeout=30)
    root = assert_envelope(response, method)
    if root.get("Errors") or response.status_code != 200:
        assert snapshot(server) == before, (method, path, body, root)


GARBAGE = st.one_of(
    st.sampled_from(
        [
            "", "(", "((", ")", '"', "\\", "1e400", HUGE, "NaN", "null", "日本", "\x00",
            "(Name = )", "((Name = a) AND (x))", f"(ObjectID > {HUGE})", "(Owner.Name = null)",
            '(CreationDate > "garbage")', "(Tags.Name contains x)", "(Rank > 5)",
            "(Blocked = maybe)", "(Project = /project/abc)", "(Name in a,b)",
            "(PlanEstimate between 1 and x)", "(Parent.Parent.Parent.Name = x)",
            "(LastUpdateDate >= 2020-13-45)", "(PlanEstimate = 1e309)", "Name,Owner desc",
            "FormattedID,Nope asc desc", "Tasks:summary[Owner]", "/workspace/1", "/project/-1",
        ]
    ),
    st.text(max_size=40),
)  # fmt: skip
PARAM_NAMES = [
    "fetch", "query", "order", "start", "pagesize", "workspace", "project", "projectScopeUp",
    "projectScopeDown", "pretty", "jsonp", "compact", "shallowFetch", "types",
]  # fmt: skip


@FUZZ
@given(
    type_name=st.sampled_from([t for t in TYPE_NAMES if t not in ("batch", "security")]),
    params=st.lists(st.tuples(st.sampled_from(PARAM_NAMES), GARBAGE), max_size=6),
)
def test_fuzz_query_parameters(server, http, type_name, params):
    response = http.get(url(server, type_name), params=params, timeout=30)
    if response.headers.get("Content-Type", "").startswith("application/javascript"):
        return  # a valid jsonp callback wrapped the envelope
    assert_envelope(response)
    assert response.status_code in (200, 404)


ATTRIBUTE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**80), 2**80),
    st.floats(),  # NaN and Infinity too: Python's json (the server's parser) accepts them
    st.text(max_size=30),
    st.sampled_from(
        [
            "2020-13-45", "today", "Infinity", "/user/-1", f"/defect/{HUGE}", "/tag/abc",
            {"_ref": None}, {"_ref": []}, {"_ref": {}}, [None], [{"x": 1}], {"_ref": "x"},
            "a" * 40000,
        ]
    ),
    st.lists(st.text(max_size=5), max_size=3),
)  # fmt: skip
DEFECT_ATTRIBUTES = [
    "Name", "Owner", "Project", "Iteration", "Release", "Tags", "Milestones", "PlanEstimate",
    "Blocked", "Severity", "Priority", "State", "ScheduleState", "Requirement", "TargetDate",
    "AcceptedDate", "Description", "TaskIndex", "Duplicates", "FormattedID", "ObjectID",
    "Rank", "DragAndDropRank", "c_Nothing", "Workspace", "Discussion", "Attachments",
]  # fmt: skip


@FUZZ
@given(
    attrs=st.dictionaries(st.sampled_from(DEFECT_ATTRIBUTES), ATTRIBUTE_VALUES, max_size=4),
    update=st.booleans(),
)
def test_fuzz_write_values_store_nothing_on_error(server, http, attrs, update):
    target = fuzz_target(server, http)
    before = snapshot(server)
    data = json.dumps({"Defect": attrs})
    if update:
        response = http.post(target, data=data, timeout=30)
    else:
        response = http.put(url(server, "defect/create"), data=data, timeout=30)
    root = assert_envelope(response)
    assert response.status_code == 200
    if root["Errors"]:
        assert snapshot(server) == before, (attrs, root["Errors"])


_TARGET: dict[str, str] = {}


def fuzz_target(server: EmulatorServer, http: requests.Session) -> str:
    if "ref" not in _TARGET:
        _TARGET["ref"] = created(http, server, "Defect", {"Name": "fuzz target"})["_ref"]
    return _TARGET["ref"]


ENTRY: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(
        [
            1, None, "x", [], {}, {"Entry": "x"}, {"Entry": {}},
            {"Entry": {"Path": None, "Method": None}},
            {"Entry": {"Path": "/batch", "Method": "POST", "Body": {"Batch": []}}},
            {"Entry": {"Path": f"/defect/{HUGE}", "Method": "GET"}},
            {"Entry": {"Path": "/defect/abc", "Method": "DELETE"}},
            {"Entry": {"Path": "/defect?query=((", "Method": "GET"}},
            {"Entry": {"Path": "/defect/create", "Method": "PATCH", "Body": {}}},
            {"Entry": {"Path": ["x"], "Method": 1, "Body": 1}},
            {"Entry": {"Path": "/defect/create", "Method": "PUT", "Body": "x"}},
            {"Entry": {"Path": "/defect/create", "Method": "PUT", "Body": {"defect": {}}}},
        ]
    ),
    st.builds(
        lambda attrs: {"Entry": {"Path": "/defect/create", "Method": "PUT", "Body": {"defect": attrs}}},
        st.dictionaries(st.sampled_from(DEFECT_ATTRIBUTES), ATTRIBUTE_VALUES, max_size=3),
    ),
)  # fmt: skip


@settings(FUZZ, max_examples=100)
@given(entries=st.lists(ENTRY, max_size=6), wrapped=st.booleans())
def test_fuzz_batch_entries_are_independent(server, http, entries, wrapped):
    before = snapshot(server)
    defects = defect_rows(server)
    body: Any = {"Batch": entries} if wrapped else entries
    data = json.dumps(body)
    response = http.post(url(server, "batch"), data=data, params={"fetch": "Name"}, timeout=30)
    root = assert_envelope(response)
    assert response.status_code == 200
    if root["Errors"]:
        assert snapshot(server) == before
        return
    assert len(root["Results"]) == len(entries)
    stored = sum(1 for r in root["Results"] if not r["Errors"] and "Object" in r)
    creates = [
        r for e, r in zip(entries, root["Results"], strict=True)
        if isinstance(e, dict) and isinstance(e.get("Entry"), dict)
        and e["Entry"].get("Path") == "/defect/create"
    ]  # fmt: skip
    assert defect_rows(server) == defects + sum(1 for r in creates if not r["Errors"])
    assert stored >= sum(1 for r in creates if not r["Errors"])


# --- concurrency ------------------------------------------------------------------------------


def test_concurrent_creates_updates_and_deletes(server):
    local = threading.local()
    failures: list[tuple] = []

    def call(method: str, target: str, **kw: Any) -> dict:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers["ZSESSIONID"] = DEMO_APIKEY
        response = local.session.request(method, url(server, target), timeout=60, **kw)
        if response.status_code != 200:
            failures.append((method, target, response.status_code, response.text[:300]))
        return response.json()

    with ThreadPoolExecutor(20) as pool:
        made = list(
            pool.map(
                lambda i: call("PUT", "defect/create", json={"Defect": {"Name": f"conc {i}"}}),
                range(60),
            )
        )
        objects = [m["CreateResult"]["Object"] for m in made]
        fids = [o["FormattedID"] for o in objects]
        assert len(set(fids)) == len(fids) == 60

        target = objects[0]["_ref"]
        start = int(objects[0]["_objectVersion"])
        updates = list(
            pool.map(lambda i: call("POST", target, json={"Defect": {"Notes": f"n{i}"}}), range(40))
        )
        assert all(u["OperationResult"]["Errors"] == [] for u in updates)
        final = call("GET", target)["Defect"]
        assert int(final["_objectVersion"]) == start + 40  # no update lost

        fields = ["Notes", "Description", "FoundInBuild", "FixedInBuild"]
        list(pool.map(lambda f: call("POST", target, json={"Defect": {f: f"set {f}"}}), fields))
        final = call("GET", target)["Defect"]
        assert all(final[f] == f"set {f}" for f in fields)

        refs = [o["_ref"] for o in objects[1:30]]

        def storm(i: int) -> dict:
            a, b = refs[i % len(refs)], refs[(i * 7 + 3) % len(refs)]
            key = ("rankAbove", "rankBelow", "rankTo")[i % 3]
            return call("POST", a, params={key: b if key != "rankTo" else "TOP"}, json={})

        list(pool.map(storm, range(120)))
        ranked = call(
            "GET",
            "defect",
            params={
                "query": '(Name contains "conc ")',
                "fetch": "DragAndDropRank",
                "pagesize": 200,
            },
        )["QueryResult"]["Results"]
        ranks = [r["DragAndDropRank"] for r in ranked]
        assert len(ranks) == 60 and len(set(ranks)) == 60

        list(
            pool.map(
                lambda i: call(("DELETE", "POST", "GET")[i % 3], refs[i % 10], json={}),
                range(90),
            )
        )
    assert failures == []
    for ref in refs[:10]:
        gone = requests.get(ref, headers={"ZSESSIONID": DEMO_APIKEY}).json()["OperationResult"]
        assert gone["Errors"] == ["Cannot find object to read"]


# --- poisoning: text that cannot be stored and served as UTF-8 JSON (issue 8) -----------------

POISONS = ["\ud800", "\udfff", "\x00"]
POISON_TEXT = st.builds(
    lambda head, poison, tail: head + poison + tail,
    st.text(max_size=4),
    st.sampled_from(POISONS),
    st.text(max_size=4),
)


def _poisoned_body(kind: str, text: str, ref: str) -> dict[str, Any]:
    """A Defect body with ``text`` in one field kind (``ref`` is a valid object ref)."""
    return {
        "name": {"Name": text},
        "text": {"Name": "ok", "Description": text},
        "dropdown": {"Name": "ok", "Severity": text},
        "date": {"Name": "ok", "TargetDate": "2026-01-0" + text},
        "number": {"Name": "ok", "PlanEstimate": "3" + text},
        "boolean": {"Name": "ok", "Blocked": "tru" + text},
        "ref": {"Name": "ok", "Owner": ref + text},
        "ref_dict": {"Name": "ok", "Owner": {"_ref": ref + text}},
        "collection": {"Name": "ok", "Tags": [{"_ref": "/tag/1" + text}]},
        "field_name": {"Name": "ok", "Na" + text: "x"},
        "meta_name": {"Name": "ok", "_r" + text: "x"},
        "custom": {"Name": "ok", "c_Nothing" + text: text},
    }[kind]


POISON_KINDS = [
    "name", "text", "dropdown", "date", "number", "boolean", "ref", "ref_dict", "collection",
    "field_name", "meta_name", "custom",
]  # fmt: skip
POISON_PATHS = [
    "create", "update", "batch_create", "batch_update", "batch_path", "collection_add",
    "collection_remove",
]  # fmt: skip


def _send_poison(server, http, path: str, body: dict, target: str, text: str) -> requests.Response:
    data = json.dumps({"Defect": body})  # ensure_ascii: lone surrogates travel as \ud800
    if path == "create":
        return http.put(url(server, "defect/create"), data=data, timeout=30)
    if path == "update":
        return http.post(target, data=data, timeout=30)
    if path.startswith("collection_"):
        items = [{"_ref": "/tag/1" + text}, "/tag/2" + text]
        action = "add" if path == "collection_add" else "remove"
        return http.post(f"{target}/Tags/{action}", data=json.dumps({"CollectionItems": items}))
    if path == "batch_path":
        entry = {"Path": "/defect/create" + text, "Method": "PUT", "Body": {"Defect": body}}
        return http.post(url(server, "batch"), data=json.dumps({"Batch": [{"Entry": entry}]}))
    oid = target.rsplit("/", 1)[1]
    entry_path = "/defect/create" if path == "batch_create" else f"/defect/{oid}"
    batch = {"Batch": [{"Entry": {"Path": entry_path, "Method": "POST", "Body": {"Defect": body}}}]}
    return http.post(url(server, "batch"), data=json.dumps(batch), timeout=30)


@FUZZ
@given(
    kind=st.sampled_from(POISON_KINDS),
    path=st.sampled_from(POISON_PATHS),
    text=POISON_TEXT,
)
def test_fuzz_unstorable_text_is_refused_and_stores_nothing(server, http, kind, path, text):
    target = fuzz_target(server, http)
    user = http.get(url(server, "user")).json()["User"]["_ref"]
    before = snapshot(server)
    response = _send_poison(server, http, path, _poisoned_body(kind, text, user), target, text)
    root = assert_envelope(response)
    assert response.status_code == 200
    if path.startswith("batch"):
        assert root["Errors"] == []
        problems = root["Results"][0]["Errors"]
    else:
        problems = root["Errors"]
    assert problems, (kind, path, root)
    assert any("cannot be stored" in p for p in problems), problems
    assert snapshot(server) == before, (kind, path, problems)
    # and the listing containing the target still answers
    listing = http.get(url(server, "defect"), params={"fetch": "true", "pagesize": 5}, timeout=30)
    assert listing.status_code == 200


def test_a_poisoned_stored_value_never_makes_a_read_answer_500(server, http):
    """Defence in depth: a row stored before the checks existed is served with U+FFFD."""
    defect = created(http, server, "Defect", {"Name": "to be poisoned"})
    store = server.backend.store
    row = store.get(defect["ObjectID"])
    assert row is not None
    row.data["Name"] = "bad \ud800 name"
    store.save(row)
    one = http.get(defect["_ref"], timeout=30)
    assert one.status_code == 200
    assert one.json()["Defect"]["Name"] == "bad \ufffd name"
    listing = http.get(
        url(server, "defect"),
        params={"query": f"(ObjectID = {defect['ObjectID']})", "fetch": "Name"},
        timeout=30,
    )
    assert listing.status_code == 200
    assert listing.json()["QueryResult"]["Results"][0]["Name"] == "bad \ufffd name"


def test_paired_surrogates_and_plain_unicode_are_stored(server, http):
    text = "emoji \U0001f600 日本 é"
    defect = created(http, server, "Defect", {"Name": text})
    assert http.get(defect["_ref"]).json()["Defect"]["Name"] == text


DAMAGED_VALUES = st.one_of(
    st.sampled_from(["\ud800", "\x00", "", "x", "2026-13-45", -1, 2**70, 1.5, True, None]),
    st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(FUZZ, max_examples=150)
@given(data=st.data(), value=DAMAGED_VALUES)
def test_fuzz_one_damaged_stored_value_never_fails_a_read(server, http, data, value):
    """Whatever one stored attribute holds, reads, listings and collections still answer."""
    story = _TARGET.get("story") or created(http, server, "HierarchicalRequirement", {"Name": "s"})
    _TARGET["story"] = story
    store = server.backend.store
    row = store.get(story["ObjectID"])
    assert row is not None
    attr = data.draw(st.sampled_from(sorted(server.backend.typedef_of(row).attributes)))
    if attr == "ObjectID":
        return
    original = row.data.get(attr, None)
    row.data[attr] = value
    store.save(row)
    try:
        checks = [
            (story["_ref"], {"fetch": "true"}),
            (url(server, "hierarchicalrequirement"), {"fetch": "true", "order": attr,
                                                      "query": f"(ObjectID = {row.oid})"}),
            (url(server, "milestone"), {"fetch": "Artifacts", "pagesize": 5}),
            (url(server, "portfolioitem/feature"), {"fetch": "UserStories", "pagesize": 5}),
        ]  # fmt: skip
        for target, params in checks:
            response = http.get(target, params=params, timeout=30)
            assert response.status_code == 200, (attr, value, target, response.text[:300])
    finally:
        fresh = store.get(row.oid)
        assert fresh is not None
        fresh.data[attr] = original
        store.save(fresh)


@pytest.mark.parametrize("member", [2**63, -1, True, 1.5])
def test_a_stored_collection_member_that_is_no_objectid_counts_as_nothing(server, http, member):
    """Found by the fuzzer above: an integer past 64 bits in a stored collection (Milestones)
    reached SQLite as a parameter and every read of the story answered 500."""
    story = created(http, server, "HierarchicalRequirement", {"Name": "damaged milestones"})
    store = server.backend.store
    row = store.get(story["ObjectID"])
    assert row is not None
    row.data["Milestones"] = [member]
    store.save(row)
    response = http.get(story["_ref"], params={"fetch": "true"}, timeout=30)
    assert response.status_code == 200, response.text[:300]
    milestones = response.json()["HierarchicalRequirement"]["Milestones"]
    assert milestones["Count"] == 0
