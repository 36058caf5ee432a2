"""enableLogging / disableLogging end to end, pyral's line format, and secret hygiene."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from pyral import Rally, RallyRESTAPIError
from pyral._log import UNWRITABLE_DEST_WARNING, describe_outcome, type_name_from_path
from pyral.emulator import EmulatorServer
from pyral.emulator.demo import DEMO_APIKEY

TS = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}"
USER = "erin@example.com"
PASSWORD = "Erin-Pa55word-0123456789"
APIKEY = "_erinsecretapikey".ljust(42, "7")
SEED = {
    "subscription": {"Name": "Log Co"},
    "users": [
        {
            "UserName": USER,
            "DisplayName": "Erin",
            "FirstName": "Erin",
            "LastName": "Ito",
            "EmailAddress": USER,
            "Password": PASSWORD,
            "ApiKey": APIKEY,
            "SubscriptionAdmin": True,
        }
    ],
    "workspaces": [
        {
            "Name": "Logs",
            "projects": [{"Name": "Log Root"}],
            "objects": [
                {"_type": "Defect", "Name": "Open one", "State": "Open"},
                {"_type": "Defect", "Name": "Open two", "State": "Open"},
                {"_type": "Defect", "Name": "Fixed one", "State": "Fixed"},
            ],
        }
    ],
}


@pytest.fixture
def log_server():
    srv = EmulatorServer(seed=SEED, quiet=True).start()
    yield srv
    srv.stop()


def _lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_line_format_for_reads_and_writes(log_server):
    r = Rally(log_server.url, USER, PASSWORD)
    stream = io.StringIO()
    r.enableLogging(stream)
    assert len(list(r.get("Defect", fetch="Name", query="State = Open"))) == 2
    item = r.create("Defect", {"Name": "logged"})
    r.update("Defect", {"ObjectID": item.oid, "Name": "renamed"})
    assert r.delete("Defect", item.oid) is True
    r.disableLogging()
    lines = _lines(stream)
    assert re.fullmatch(
        TS + rf" Following entries record Rally REST API interaction via "
        rf"{re.escape(r.serviceURL())} for user {re.escape(USER)}",
        lines[0],
    )
    get_line = next(x for x in lines if " GET Defect?" in x)
    assert re.fullmatch(
        TS + r" GET Defect\?fetch=Name&query=\(State = Open\)&workspace=.*", get_line
    )
    assert re.fullmatch(
        TS + r" 200 Defect\?fetch=Name&.* TotalResultCount 2", lines[lines.index(get_line) + 1]
    )
    put = next(i for i, x in enumerate(lines) if " PUT defect/create?key=" in x)
    assert lines[put + 1] == " " * 28 + json.dumps({"Defect": {"Name": "logged"}})
    assert re.fullmatch(TS + rf" 200 created Defect OID: {item.oid}", lines[put + 2])
    post = next(i for i, x in enumerate(lines) if f" POST defect/{item.oid}?key=" in x)
    assert json.loads(lines[post + 1].strip()) == {
        "Defect": {"ObjectID": item.oid, "Name": "renamed"}
    }
    delete = next(i for i, x in enumerate(lines) if f" DELETE defect/{item.oid}?key=" in x)
    assert re.fullmatch(TS + r" 200 Defect deleted", lines[delete + 1])


def test_attrget_controls_lazy_load_lines(log_server):
    r = Rally(log_server.url, apikey=APIKEY)
    for attrget in (False, True):
        stream = io.StringIO()
        r.enableLogging(stream, attrget=attrget)
        shell = r.get("Defect", fetch=False, limit=1).next()
        _ = shell.State  # lazy load of an un-fetched shell
        r.disableLogging()
        lazy = [x for x in _lines(stream) if re.search(rf" GET defect/{shell.oid}\?", x)]
        assert bool(lazy) is attrget


def test_file_destination_write_append_and_close(log_server, tmp_path):
    r = Rally(log_server.url, apikey=APIKEY)
    path = tmp_path / "rally.log"
    r.enableLogging(str(path))
    r.get("Defect", fetch="Name")
    handler_stream = r._log.handler.stream
    r.disableLogging()
    assert handler_stream.closed  # files we opened are closed
    first = path.read_text().splitlines()
    assert "Following entries record" in first[0] and any(" GET Defect?" in x for x in first)
    r.enableLogging(str(path), append=True)
    r.get("Project", fetch="Name")
    r.disableLogging()
    appended = path.read_text().splitlines()
    assert appended[: len(first)] == first and any(" GET Project?" in x for x in appended)
    r.enableLogging(str(path))  # 'w' truncates
    r.disableLogging()
    assert len(path.read_text().splitlines()) == 1


def test_caller_stream_is_not_closed_and_bad_dest_warns(log_server, capsys):
    r = Rally(log_server.url, apikey=APIKEY)
    stream = io.StringIO()
    r.enableLogging(stream)
    r.disableLogging()
    assert not stream.closed  # Q18 fixed
    capsys.readouterr()
    for bad in (12345, None, "/no/such/dir/rally.log"):
        r.enableLogging(bad)
        assert capsys.readouterr().err == UNWRITABLE_DEST_WARNING
    before = stream.getvalue()
    r.get("Defect", fetch="Name")
    assert stream.getvalue() == before


def test_records_flow_through_stdlib_logging_under_pyral(log_server):
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    root = logging.getLogger("pyral")
    handler = Collect(level=logging.INFO)
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        r = Rally(log_server.url, USER, PASSWORD)
        r.create("Defect", {"Name": "via logging"})
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
    names = {rec.name for rec in records}
    assert "pyral.transport" in names
    assert any(n.startswith("pyral.rally.") for n in names)
    messages = [rec.getMessage() for rec in records]
    assert any(m.startswith("200 created Defect OID: ") for m in messages)
    assert all(PASSWORD not in m for m in messages)
    token = r.obtainSecurityToken()
    assert all(token not in m for m in messages)


def test_secrets_never_in_logs_reprs_or_errors(log_server):
    stream = io.StringIO()
    texts: list[str] = []
    basic = Rally(log_server.url, USER, PASSWORD)
    keyed = Rally(log_server.url, apikey=APIKEY)
    for client in (basic, keyed):
        client.enableLogging(stream, attrget=True)
        item = client.create("Defect", {"Name": "secret check"})
        _ = item.Owner
        client.update("Defect", {"ObjectID": item.oid, "Name": "secret check 2"})
        client.delete("Defect", item.oid)
        ctx = client.contextHelper.currentContext()
        texts += [repr(client), repr(ctx), ctx.identity(), str(ctx.asDict())]
        texts.append(repr(client.contextHelper.identifyContext(project=None)))
    token = basic.obtainSecurityToken()
    assert token and len(token) >= 8
    # errors: rejected credentials, Rally refusals, and a write to a server that went away
    for attempt in (
        lambda: Rally(log_server.url, USER, PASSWORD + "x"),
        lambda: Rally(log_server.url, apikey=APIKEY[:-1] + "x"),
        lambda: basic.update("Defect", {"ObjectID": 1, "Name": "nope"}),
    ):
        with pytest.raises(RallyRESTAPIError) as info:
            attempt()
        texts.append(str(info.value))
    log_server.stop()
    for client in (basic, keyed):
        with pytest.raises(RallyRESTAPIError) as info:
            client.create("Defect", {"Name": "server gone"})
        texts.append(str(info.value))
        texts.append(repr(info.value.args))
        client.disableLogging()
    assert "key=****" in stream.getvalue()
    texts.append(stream.getvalue())
    everything = "\n".join(texts)
    for secret in (PASSWORD, APIKEY, token, APIKEY[:-1] + "x"):
        assert secret not in everything


def test_describe_outcome_and_type_names():
    assert describe_outcome("GET", "x", 500, b"<html>boom</html>") == "500 b'<html>boom</html>'"
    body = json.dumps({"OperationResult": {"Errors": ["Not authorized"], "Warnings": []}})
    assert describe_outcome("DELETE", "defect/1", 200, body.encode()) == (
        "200 defect/1 Errors: Not authorized"
    )
    created = {"CreateResult": {"Errors": [], "Object": {"_ref": "https://h/task/42"}}}
    assert describe_outcome("PUT", "task/create?key=****", 200, json.dumps(created).encode()) == (
        "200 created Task OID: 42"
    )
    assert type_name_from_path("hierarchicalrequirement/12?key=1") == "HierarchicalRequirement"
    assert type_name_from_path("portfolioitem/feature/7700?x") == "PortfolioItem/Feature"
    assert type_name_from_path("portfolioitem/feature/create") == "PortfolioItem/Feature"


def test_demo_apikey_not_logged(server):
    r = Rally(server.url, apikey=DEMO_APIKEY)
    stream = io.StringIO()
    r.enableLogging(stream, attrget=True)
    r.get("Defect", fetch="Name", limit=2, projectScopeDown=True)
    r.disableLogging()
    assert DEMO_APIKEY not in stream.getvalue() and " GET Defect?" in stream.getvalue()
