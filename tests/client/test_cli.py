"""The ``pyral`` command line, run in-process against a real emulator over HTTP.

Expected values come from the emulator's demo data read back through the ``Rally`` client,
so the CLI is checked against what the server really holds, not against itself.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from pyral import Rally
from pyral._cli.errors import UsageError
from pyral._cli.render import MAX_CELL, TableWriter, cell, write_rows
from pyral._cli.values import _boolean, _number, parse_assignments
from pyral.cli import main
from pyral.emulator.demo import DEMO_APIKEY, DEMO_PASSWORD, DEMO_USER

_ENV_SETTINGS = (
    "RALLY_SERVER",
    "RALLY_USER",
    "RALLY_PASSWORD",
    "APIKEY",
    "RALLY_APIKEY",
    "RALLY_WORKSPACE",
    "RALLY_PROJECT",
    "RALLY_CONFIG",
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No settings leak in from the machine: clean environment, empty working directory."""
    for name in _ENV_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


class Cli:
    """``run(*args)`` -> (exit status, stdout, stderr) with connection options added."""

    def __init__(self, srv, capsys) -> None:
        self.srv = srv
        self.capsys = capsys
        self.auth = [f"--server={srv.url}", f"--apikey={DEMO_APIKEY}"]

    def raw(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    def run(self, *args: str) -> tuple[int, str, str]:
        return self.raw(*self.auth, *args)

    def ok(self, *args: str) -> str:
        code, out, err = self.run(*args)
        assert code == 0, err
        return out


@pytest.fixture
def cli(server, capsys):
    return Cli(server, capsys)


@pytest.fixture
def wcli(fresh_server, capsys):
    return Cli(fresh_server, capsys)


@pytest.fixture
def wclient(fresh_server):
    return Rally(fresh_server.url, apikey=DEMO_APIKEY)


def _one(client: Rally, entity: str, fid: str, fetch: str = "true"):
    response = client.get(entity, fetch=fetch, query=f'FormattedID = "{fid}"', project=None)
    items = list(response)
    assert len(items) == 1
    return items[0]


# ------------------------------------------------------------------------------ whoami
def test_whoami_text_names_the_context_and_hides_the_key(cli, rally):
    out = cli.ok("whoami")
    assert f"user:         {DEMO_USER}" in out
    assert f"workspace:    {rally.getWorkspace().Name}" in out
    assert f"project:      {rally.getProject().Name}" in out
    assert f"subscription: {rally.subscriptionName()}" in out
    assert DEMO_APIKEY not in out


def test_whoami_json_with_password_login(cli, server):
    code, out, err = cli.raw(
        f"--server={server.url}",
        f"--rallyUser={DEMO_USER}",
        f"--rallyPassword={DEMO_PASSWORD}",
        "whoami",
        "--format",
        "json",
    )
    assert code == 0, err
    info = json.loads(out)
    assert info["user"] == DEMO_USER
    assert info["auth"] == "password"
    assert info["server"] == server.host_port
    assert DEMO_PASSWORD not in json.dumps(info).replace(DEMO_USER, "")


# ------------------------------------------------------------------------------ query
def test_query_table_has_default_columns_and_counts_on_stderr(cli, rally):
    code, out, err = cli.run("query", "Defect", "--all-projects", "--limit", "4")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["FormattedID", "Name", "ScheduleState", "State", "Owner"]
    assert set(lines[1]) <= {"-", " "}
    rows = lines[2:]
    assert len(rows) == 4
    total = rally.get("Defect", fetch="ObjectID", project=None).resultCount
    assert err.strip() == f"4 of {total} item(s)"
    first = _one(rally, "Defect", rows[0].split()[0])
    assert first.Name in rows[0]
    assert first.Owner.DisplayName in rows[0]


def test_query_csv_uses_official_field_names_and_reference_names(cli, rally):
    out = cli.ok(
        "query",
        "task",
        "--fetch",
        "formattedid,name,workproduct,estimate",
        "--all-projects",
        "--order",
        "FormattedID",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    expected = list(
        rally.get(
            "Task", fetch="FormattedID,Name,WorkProduct,Estimate", project=None, order="FormattedID"
        )
    )
    assert list(rows[0]) == ["FormattedID", "Name", "WorkProduct", "Estimate"]
    assert [r["FormattedID"] for r in rows] == [t.FormattedID for t in expected]
    assert rows[0]["WorkProduct"] == expected[0].WorkProduct.Name
    assert float(rows[0]["Estimate"]) == expected[0].Estimate


def test_query_json_and_jsonl_carry_refs_and_fields(cli):
    as_json = json.loads(
        cli.ok("query", "Story", "--all-projects", "--limit", "3", "--format", "json")
    )
    lines = cli.ok("query", "Story", "--all-projects", "--limit", "3", "--format", "jsonl")
    as_jsonl = [json.loads(line) for line in lines.splitlines()]
    assert as_json == as_jsonl
    assert len(as_json) == 3
    assert all(
        item["_ref"].startswith("http") and item["FormattedID"].startswith("US") for item in as_json
    )
    assert "_rallyAPIMajor" not in json.dumps(as_json)
    empty = cli.ok("query", "Defect", "--query", 'Name = "no such defect"', "--format", "json")
    assert json.loads(empty) == []


def test_query_repeated_conditions_are_anded(cli, rally):
    out = cli.ok(
        "query",
        "Defect",
        "--all-projects",
        "--query",
        'State = "Open"',
        "--query",
        'Severity = "Major Problem"',
        "--fetch",
        "FormattedID,State,Severity",
        "--format",
        "jsonl",
    )
    got = sorted(json.loads(line)["FormattedID"] for line in out.splitlines())
    expected = sorted(
        d.FormattedID
        for d in rally.get("Defect", fetch="FormattedID,State,Severity", project=None)
        if d.State == "Open" and d.Severity == "Major Problem"
    )
    assert got == expected and got


def test_query_project_scoping_options(cli, rally):
    def count(*extra: str) -> int:
        return len(cli.ok("query", "Defect", "--format", "jsonl", *extra).splitlines())

    assert count() == rally.get("Defect", fetch="ObjectID").resultCount
    assert (
        count("--all-projects") == rally.get("Defect", fetch="ObjectID", project=None).resultCount
    )
    assert (
        count("--project-scope-down")
        == rally.get("Defect", fetch="ObjectID", projectScopeDown=True).resultCount
    )
    assert count("--all-projects") > count()


def test_query_streams_page_by_page(cli, wire):
    out = cli.ok(
        "query", "Defect", "--all-projects", "--pagesize", "2", "--limit", "5", "--format", "jsonl"
    )
    assert len(out.splitlines()) == 5
    pages = [line for line in wire.lines() if "/defect?" in line.lower() and "start=" in line]
    assert len(pages) == 3  # 2 + 2 + 1 items, one request per page


def test_query_with_fetch_true_shows_every_field(cli):
    out = cli.ok(
        "query", "Defect", "--all-projects", "--limit", "1", "--fetch", "true", "--format", "csv"
    )
    header = next(csv.reader(io.StringIO(out)))
    assert {"FormattedID", "Name", "Owner", "CreationDate"} <= set(header)


def test_query_bad_condition_exits_1_with_rallys_message(cli):
    code, out, err = cli.run("query", "Defect", "--query", "Foo = 3")
    assert code == 1 and out == ""
    assert 'Could not find attribute "Foo"' in err


def test_query_unparseable_condition_exits_1(cli):
    code, _, err = cli.run("query", "Defect", "--query", "Name =")
    assert code == 1
    assert "Name =" in err


def test_query_unknown_type_and_unknown_field(cli):
    code, _, err = cli.run("query", "Bogus")
    assert code == 1 and "unknown type 'Bogus'" in err
    code, _, err = cli.run("query", "Defect", "--fetch", "Name,Zork")
    assert code == 1 and "Zork" in err


def test_query_usage_errors_exit_2(cli):
    assert cli.run("query")[0] == 2
    assert cli.run("query", "Defect", "--limit", "0")[0] == 2
    assert cli.run("query", "Defect", "--format", "xml")[0] == 2
    assert cli.run("frobnicate")[0] == 2


def test_connection_options_after_the_subcommand_and_space_separated(cli, server):
    code, out, err = cli.raw("whoami", "--server", server.url, f"--apikey={DEMO_APIKEY}")
    assert code == 0, err
    assert DEMO_USER in out


# ------------------------------------------------------------------------------ show
def test_show_by_formatted_id_text(cli, rally):
    expected = _one(rally, "Defect", "DE2")
    out = cli.ok("show", "de2")
    assert "FormattedID:" in out and " DE2\n" in out
    assert expected.Name in out
    assert expected.Owner.DisplayName in out
    assert expected._ref in out


def test_show_text_lists_only_fields_with_a_value(cli, rally):
    story = _one(rally, "Story", "US12")
    assert story.Milestones == [] and story.Tags  # the demo data this relies on
    out = cli.ok("show", "US12")
    fields = {
        line.split(":", 1)[0]: line.split(":", 1)[1].strip()
        for line in out.splitlines()
        if line[:1] not in ("", " ")
    }
    assert "Milestones" not in fields  # an empty collection shows nothing, so no line
    assert all(fields.values()), [name for name, text in fields.items() if not text]
    assert fields["Tags"] == ", ".join(t.Name for t in story.Tags)
    assert fields["Name"] == story.Name


def test_show_json_with_fetch_and_by_ref_forms(cli, rally):
    story = _one(rally, "Story", "US1")
    by_fid = json.loads(cli.ok("show", "US1", "--fetch", "name,owner", "--format", "json"))
    assert by_fid["Name"] == story.Name
    assert by_fid["Owner"]["_refObjectName"] == story.Owner.DisplayName
    assert set(by_fid) == {"_ref", "_type", "Name", "Owner"}
    for ident in (f"hierarchicalrequirement/{story.oid}", story._ref):
        again = json.loads(cli.ok("show", ident, "--fetch", "Name", "--format", "json"))
        assert again["_ref"] == story._ref


def test_show_portfolio_item_by_prefix(cli, rally):
    feature = _one(rally, "PortfolioItem/Feature", "F1")
    out = cli.ok("show", "F1", "--fetch", "Name")
    assert feature.Name in out


def test_show_errors(cli):
    code, _, err = cli.run("show", "ZZ9")
    assert code == 1 and "'ZZ'" in err
    code, _, err = cli.run("show", "DE9999")
    assert code == 1 and "DE9999 not found" in err
    code, _, err = cli.run("show", "defect/1")
    assert code == 1 and "not found" in err
    code, _, err = cli.run("show", "not an id")
    assert code == 2 and "FormattedID" in err


# ------------------------------------------------------------------------------ writes
def test_create_resolves_formatted_ids_and_user_names(wcli, wclient):
    out = wcli.ok(
        "create",
        "Task",
        "Name=Write the docs",
        "WorkProduct=US1",
        "Estimate=3",
        "Owner=alice@example.com",
        "Blocked=yes",
    )
    verb, kind, fid, ref = out.split()
    assert (verb, kind) == ("created", "Task") and fid.startswith("TA")
    task = _one(wclient, "Task", fid)
    assert task._ref == ref
    assert task.Name == "Write the docs"
    assert task.WorkProduct.FormattedID == "US1"
    assert task.Estimate == 3
    assert task.Owner.UserName == "alice@example.com"
    assert task.Blocked is True


def test_create_from_json_document_with_pairs_winning(wcli, wclient, tmp_path):
    doc = tmp_path / "defect.json"
    doc.write_text(
        json.dumps({"Name": "from file", "Severity": "Cosmetic", "Owner": "bob@example.com"})
    )
    out = wcli.ok(
        "create", "Defect", "--json", str(doc), "Severity=Minor Problem", "--format", "json"
    )
    result = json.loads(out)
    assert result["result"] == "created" and result["_type"] == "Defect"
    defect = _one(wclient, "Defect", result["FormattedID"])
    assert (defect.Name, defect.Severity) == ("from file", "Minor Problem")
    assert defect.Owner.UserName == "bob@example.com"
    assert result["_ref"] == defect._ref and result["ObjectID"] == defect.oid


def test_create_reads_json_from_stdin(wcli, wclient, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"Name": "piped"}'))
    out = wcli.ok("create", "Defect", "--json", "-")
    assert _one(wclient, "Defect", out.split()[2]).Name == "piped"


def test_create_errors(wcli, tmp_path, wclient):
    before = wclient.get("Defect", fetch="ObjectID", project=None).resultCount
    code, _, err = wcli.run("create", "Defect", "Name=x", "Zork=1")
    assert code == 1 and "Zork" in err
    code, _, err = wcli.run("create", "Defect", "Name=x", "Owner=nobody@example.com")
    assert code == 1 and "nobody@example.com" in err
    code, _, err = wcli.run("create", "Defect", "Name=x", "PlanEstimate=lots")
    assert code == 1 and "PlanEstimate" in err  # Rally's own validation text
    code, _, err = wcli.run("create", "Defect", "Severity=Cosmetic")
    assert code == 1 and "Name" in err
    assert wcli.run("create", "Defect")[0] == 2
    assert wcli.run("create", "Defect", "Name")[0] == 2
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert wcli.run("create", "Defect", "--json", str(bad))[0] == 2
    bad.write_text("{nope")
    code, _, err = wcli.run("create", "Defect", "--json", str(bad))
    assert code == 2 and "not valid JSON" in err
    assert wclient.get("Defect", fetch="ObjectID", project=None).resultCount == before


def test_update_coerces_and_looks_names_up_in_the_items_project(wcli, wclient):
    defect = _one(wclient, "Defect", "DE3", fetch="Project,Iteration")
    # "Sprint 1" exists in several projects: the one of DE3's project must be chosen
    out = wcli.ok("update", "DE3", "State=Fixed", "Iteration=Sprint 1", "Blocked=true")
    assert out.split()[:3] == ["updated", "Defect", "DE3"]
    after = _one(wclient, "Defect", "DE3", fetch="State,Iteration,Blocked")
    assert after.State == "Fixed"
    assert after.Blocked is True
    assert after.Iteration.Name == "Sprint 1"
    assert after.Iteration.Project.ref == defect.Project.ref


def test_update_portfolio_state_by_name_and_clearing_a_reference(wcli, wclient):
    wcli.ok("update", "F1", "State=Done", "Owner=null")
    feature = _one(wclient, "PortfolioItem/Feature", "F1", fetch="State,Owner")
    assert feature.State.Name == "Done"
    assert feature.Owner is None


def test_collections_by_name_and_custom_fields_without_prefix(wcli, wclient):
    out = wcli.ok(
        "create", "Defect", "Name=tagged", "Tags=urgent,ux", "Milestones=MI1", "RootCause=Code"
    )
    defect = _one(wclient, "Defect", out.split()[2], fetch="Tags,Milestones,c_RootCause")
    assert sorted(t.Name for t in defect.Tags) == ["urgent", "ux"]
    assert [m.FormattedID for m in defect.Milestones] == ["MI1"]
    assert defect.c_RootCause == "Code"
    shown = wcli.ok("show", out.split()[2], "--fetch", "tags,rootcause")
    assert "Tags:        urgent, ux" in shown and "c_RootCause: Code" in shown


def test_update_unknown_item(wcli):
    code, _, err = wcli.run("update", "DE9999", "Name=x")
    assert code == 1 and "DE9999 not found" in err


def test_delete_needs_yes_without_a_terminal(wcli, wclient, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, _, err = wcli.run("delete", "DE5")
    assert code == 2 and "--yes" in err
    assert _one(wclient, "Defect", "DE5", fetch="ObjectID")
    out = wcli.ok("delete", "DE5", "--yes")
    assert out.startswith("deleted Defect DE5 ")
    code, _, err = wcli.run("show", "DE5")
    assert code == 1 and "not found" in err
    assert wcli.run("delete", "DE5", "--yes")[0] == 1


# ------------------------------------------------------------------------------ schema
def test_types_lists_concrete_types_with_prefixes(cli):
    out = cli.ok("types")
    assert any(line.split()[:2] == ["HierarchicalRequirement", "US"] for line in out.splitlines())
    assert "PortfolioItem/Feature" in out
    assert "\nArtifact " not in out
    everything = json.loads(cli.ok("types", "--all", "--format", "json"))
    assert "Artifact" in {t["TypePath"] for t in everything}


def test_fields_shows_types_and_reference_targets(cli):
    rows = {
        r["ElementName"]: r
        for r in csv.DictReader(io.StringIO(cli.ok("fields", "Defect", "--format", "csv")))
    }
    assert rows["Owner"]["Type"] == "OBJECT" and rows["Owner"]["Target"] == "User"
    assert rows["Name"]["Required"] == "true"
    assert rows["Tags"]["Type"] == "COLLECTION"
    code, _, err = cli.run("fields", "Nope")
    assert code == 1 and "unknown type 'Nope'" in err


def test_allowed_values(cli, rally):
    out = cli.ok("allowed", "Defect", "severity")
    assert out.splitlines() == [v or '""' for v in rally.getAllowedValues("Defect", "Severity")]
    states = json.loads(cli.ok("allowed", "Feature", "State", "--format", "json"))
    assert states == [s.Name for s in rally.getStates("PortfolioItem/Feature")]
    code, out, err = cli.run("allowed", "Defect", "Name")
    assert code == 0 and out == "" and "any value" in err
    code, _, err = cli.run("allowed", "Defect", "Zork")
    assert code == 1 and "Zork" in err


# ------------------------------------------------------------------------------ credentials
def test_bad_credentials_exit_1_without_echoing_secrets(cli, server):
    code, out, err = cli.raw(f"--server={server.url}", "--apikey=_notthekey123456", "whoami")
    assert code == 1 and out == ""
    assert "Invalid credentials" in err and "_notthekey123456" not in err
    code, _, err = cli.raw(
        f"--server={server.url}", f"--rallyUser={DEMO_USER}", "--rallyPassword=hunter2!", "whoami"
    )
    assert code == 1 and "hunter2!" not in err


def test_no_credentials_is_a_usage_error(cli, server):
    code, _, err = cli.raw(f"--server={server.url}", "whoami")
    assert code == 2 and "credentials" in err


def test_unreachable_server_and_unknown_workspace(cli, server):
    code, _, err = cli.raw("--server=http://127.0.0.1:9", f"--apikey={DEMO_APIKEY}", "whoami")
    assert code == 1 and "unreachable" in err
    code, _, err = cli.run("--workspace=No Such Workspace", "whoami")
    assert code == 1 and "No Such Workspace" in err


def test_config_file_and_environment_like_pyral_scripts(cli, server, tmp_path, monkeypatch):
    cfg = tmp_path / "team.cfg"
    cfg.write_text(f"SERVER = {server.url}\nAPIKEY = {DEMO_APIKEY}\nPROJECT = Search\n")
    info = json.loads(cli.raw(f"--rallyConfig={cfg}", "whoami", "--format", "json")[1])
    assert (info["user"], info["project"]) == (DEMO_USER, "Search")
    # option beats file, as with rallyWorkset
    info = json.loads(
        cli.raw("whoami", f"--config={cfg}", "--project=Checkout", "--format", "json")[1]
    )
    assert info["project"] == "Checkout"
    monkeypatch.setenv("RALLY_SERVER", server.url)
    monkeypatch.setenv("RALLY_APIKEY", DEMO_APIKEY)
    (tmp_path / "rally-v2.0.cfg").write_text("PROJECT = Mobile Team\n")
    info = json.loads(cli.raw("whoami", "--format", "json")[1])
    assert info["project"] == "Mobile Team"


# ------------------------------------------------------------------------------ emulator
def test_emulator_subcommand_delegates(capsys):
    assert main(["emulator", "--help"]) == 0
    assert "--demo" in capsys.readouterr().out
    assert main(["emulator", "--no-such-option"]) == 2


def test_python_dash_m_pyral_query_in_a_subprocess(server, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in _ENV_SETTINGS}
    proc = subprocess.run(
        [sys.executable, "-m", "pyral", "query", "Defect", f"--server={server.url}",
         f"--apikey={DEMO_APIKEY}", "--all-projects", "--limit", "3", "--format", "csv"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == 3 and all(r["FormattedID"].startswith("DE") for r in rows)
    bad = subprocess.run(
        [sys.executable, "-m", "pyral", "query", "Defect", "--query", "Foo = 1",
         f"--server={server.url}", f"--apikey={DEMO_APIKEY}"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr and 'attribute "Foo"' in bad.stderr


# ------------------------------------------------------------------------------ pure units
def test_parse_assignments_splits_at_the_first_equals():
    assert parse_assignments(["Name=a=b", "Notes="]) == {"Name": "a=b", "Notes": ""}
    with pytest.raises(UsageError):
        parse_assignments(["=x"])
    with pytest.raises(UsageError):
        parse_assignments(["Name"])


def test_scalar_coercion_leaves_unparseable_text_alone():
    assert _number("3", integer=True) == 3
    assert _number("2.5", integer=False) == 2.5
    assert _number("2.5", integer=True) == "2.5"
    assert _boolean("Yes") is True and _boolean("0") is False and _boolean("maybe") == "maybe"


def test_cell_rendering():
    assert cell(None) == "" and cell(True) == "true" and cell(3) == "3"
    assert cell({"_ref": "x/1", "_refObjectName": "Alice"}) == "Alice"
    assert cell({"_ref": "x/1", "FormattedID": "US1", "_refObjectName": "Story"}) == "US1"
    assert cell({"_ref": "x/1/Tasks", "Count": 4}) == "4"
    assert cell({"_tagsNameArray": [{"Name": "a"}, {"Name": "b"}], "Count": 2}) == "a, b"


def test_table_sizes_columns_from_early_rows_and_never_drops_later_text():
    out = io.StringIO()
    writer = TableWriter(out, ["A", "B"])
    writer.write({"A": "x", "B": "short"})
    writer.close()
    assert out.getvalue().splitlines() == ["A  B", "-  -----", "x  short"]
    out = io.StringIO()
    rows = [{"A": "1"}] * 100 + [{"A": "a much longer value"}, {"A": "z" * (MAX_CELL + 10)}]
    assert write_rows(out, "table", ["A"], rows) == 102
    lines = out.getvalue().splitlines()
    assert lines[-2] == "a much longer value"
    assert lines[-1] == "z" * (MAX_CELL - 3) + "..."
