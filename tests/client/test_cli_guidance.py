"""The CLI says what went wrong and what to type instead (issue 11, part 4).

Runs ``pyral.cli.main`` in-process against a real demo emulator over HTTP.
"""

from __future__ import annotations

import io

import pytest

from pyral import Rally
from pyral._cli.progress import Progress
from pyral._hints import attribute_hint, did_you_mean, query_hint, spaced_query
from pyral.cli import main
from pyral.emulator.demo import DEMO_APIKEY


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    for name in ("RALLY_SERVER", "RALLY_USER", "RALLY_PASSWORD", "APIKEY", "RALLY_APIKEY",
                 "RALLY_WORKSPACE", "RALLY_PROJECT", "RALLY_CONFIG"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def cli(server, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([f"--server={server.url}", f"--apikey={DEMO_APIKEY}", *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    return run


def test_version(capsys) -> None:
    assert main(["--version"]) == 0
    from importlib.metadata import version

    assert capsys.readouterr().out.startswith(f"pyral {version('pyral')} (Python ")


def test_emulator_version(capsys) -> None:
    from pyral.emulator.__main__ import main as emulator_main

    with pytest.raises(SystemExit):
        emulator_main(["--version"])
    assert capsys.readouterr().out.startswith("pyral-emulator ")


def test_first_query_on_demo_data_prints_the_default_projects_stories(cli, rally) -> None:
    code, out, _ = cli(
        "query", "Story", "--fetch", "FormattedID,Name,PlanEstimate", "--format", "csv"
    )
    expected = rally.get("HierarchicalRequirement", fetch="FormattedID", project="Online Store")
    assert code == 0 and expected.resultCount > 0
    assert len(out.splitlines()) == 1 + expected.resultCount


def test_empty_project_names_project_scope_down(cli, rally) -> None:
    code, out, err = cli("query", "Task", "--query", 'Name contains "Write tests"')
    below = rally.get("Task", query='Name contains "Write tests"', projectScopeDown=True)
    assert code == 0 and below.resultCount > 0
    assert f"but {below.resultCount} in the projects below it" in err
    assert "--project-scope-down" in err
    code, out, err = cli(
        "query", "Task", "--query", 'Name contains "Write tests"', "--project-scope-down"
    )
    assert "--project-scope-down" not in err and "Write tests" in out


def test_truly_empty_result_gives_no_hint(cli) -> None:
    code, _, err = cli("query", "Defect", "--query", 'Name = "no such defect"')
    assert code == 0 and "project-scope-down" not in err


def test_missing_spaces_around_operators_are_named(cli) -> None:
    code, _, err = cli("query", "Defect", "--query", "State=Open")
    assert code == 1
    assert "operators need spaces around them: State = Open" in err
    assert err.count("operators need spaces") == 1


def test_client_error_names_the_cause_too(server) -> None:
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    with pytest.raises(Exception, match="operators need spaces around them: Severity != None"):
        rally.get("Defect", query="Severity!=None")


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (("query", "Stroy"), "did you mean Story?"),
        (("fields", "Tsk"), "did you mean Task?"),
        (("query", "Defect", "--fetch", "FormattedID,Nmae"), "did you mean Name?"),
        (("allowed", "Defect", "Severty"), "did you mean Severity?"),
        (("query", "Defect", "--query", 'Stat = "Open"'), "did you mean State"),
        (("query", "Defect", "--order", "Stat"), "did you mean State"),
    ],
)
def test_unknown_names_get_suggestions(cli, args, suggestion) -> None:
    code, _, err = cli(*args)
    assert code == 1 and suggestion in err


def test_every_unknown_field_of_a_write_gets_its_suggestion(cli) -> None:
    code, _, err = cli("update", "DE1", "Sevrity=Low", "Ownr=alice@example.com", "Xyzzy=1")
    assert code == 1
    assert "Sevrity (did you mean Severity?), Ownr (did you mean Owner?), Xyzzy (see:" in err
    code, _, err = cli("create", "Defect", "Nmae=x")
    assert code == 1 and "Nmae (did you mean Name?)" in err


def test_no_credentials_points_a_new_user_at_the_emulator(capsys) -> None:
    assert main(["query", "Defect"]) == 2
    assert "'pyral emulator --demo' starts a local one" in capsys.readouterr().err


def test_attribute_hint_units() -> None:
    message = 'Could not find attribute "Stat" on type Defect in the query segment "Stat"'
    assert attribute_hint(message, ["State", "Name"]) == " (did you mean State?)"
    assert attribute_hint("Invalid query", ["State"]) == ""


def test_update_failure_has_no_dangling_warnings(fresh_server, capsys) -> None:
    capsys.readouterr()
    code = main([f"--server={fresh_server.url}", f"--apikey={DEMO_APIKEY}", "update", "DE1",
                 "Severity=Bogus"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and '"Bogus" is an invalid value' in err
    assert "WARNINGS" not in err and err.count("\n") == 1


def test_query_hint_units() -> None:
    assert spaced_query('(State="Open") AND (Name contains "a=b")') == (
        '(State = "Open") AND (Name contains "a=b")'
    )
    assert query_hint('State = "Open"') == ""
    assert query_hint(["Owner.UserName=x@example.com"]).endswith("Owner.UserName = x@example.com")
    assert did_you_mean("defect", ["Defect", "Task"]) == " (did you mean Defect?)"
    assert did_you_mean("zzz", ["Defect"]) == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_on_a_terminal() -> None:
    ticks = iter(range(100))
    stream = _Terminal()
    progress = Progress(stream, total=10, pagesize=4, clock=lambda: float(next(ticks)), interval=0)
    assert list(progress.wrap(range(10))) == list(range(10))
    text = stream.getvalue()
    assert "pyral: 1/10 items, page 1/3" in text
    assert "pyral: 5/10 items, page 2/3, 1 items/s, ETA 5s" in text
    early = Progress(_Terminal(), total=10, pagesize=4, clock=lambda: 0.5)
    early.count = 3
    assert early.line(0.5) == "pyral: 3/10 items, page 1/3"  # no rate from half a second
    assert text.endswith("\r")  # the line is wiped at the end, the data stays clean


def test_progress_is_silent_when_piped_or_short() -> None:
    piped = io.StringIO()
    assert list(Progress(piped, total=1000, pagesize=10).wrap(range(3))) == [0, 1, 2]
    assert piped.getvalue() == ""
    short = _Terminal()
    list(Progress(short, total=5, pagesize=10).wrap(range(5)))
    assert short.getvalue() == ""
