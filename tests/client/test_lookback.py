"""Rally.lookback and ``pyral lookback`` against the emulator's snapshot history."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest

from pyral import Rally
from pyral._lookback import LookbackResponse, Snapshot
from pyral._pagination import AUTO_THREADS, window_size
from pyral.cli import main
from pyral.emulator.demo import DEMO_APIKEY
from pyral.exceptions import RallyRESTAPIError


def test_all_pages_with_attribute_access(rally: Rally, server) -> None:
    find = {"_TypeHierarchy": "HierarchicalRequirement"}
    whole = rally.lookback(find, fields=True, pagesize=20000)
    paged = rally.lookback(find, fields=True, pagesize=7)
    assert isinstance(paged, LookbackResponse)
    assert paged.resultCount == whole.resultCount > 7
    snaps = list(paged)
    assert [s.data for s in snaps] == [s.data for s in whole]
    assert all(isinstance(s, Snapshot) for s in snaps)
    first = snaps[0]
    assert first.ObjectID == first["ObjectID"] and first._ValidFrom == first["_ValidFrom"]
    assert first.ScheduleState == first["ScheduleState"]
    assert first.NoSuchField is None
    with pytest.raises(KeyError):
        first["NoSuchField"]
    moved = [s for s in snaps if s.changed("ScheduleState") and s.previous("ScheduleState")]
    assert moved, "the demo history moves stories between schedule states"
    assert moved[0].previous_values["ScheduleState"] != moved[0].ScheduleState


def test_parallel_paging_stays_under_the_cap(rally: Rally, server) -> None:
    server.app.reset_stats()
    response = rally.lookback(
        {"_TypeHierarchy": "Artifact"}, fields=["ObjectID"], pagesize=5, threads=12
    )
    oids = [s.ObjectID for s in response]
    assert len(oids) == response.resultCount
    assert server.app.peak_in_flight <= 12


def test_start_limit_and_dotted_fields(wrally: Rally) -> None:
    story = wrally.create("Story", {"Name": "Client lookback"})
    for state in ("In-Progress", "Accepted"):
        time.sleep(0.01)
        wrally.update("Story", {"ObjectID": story.oid, "ScheduleState": state})
    find = {"ObjectID": int(story.oid)}
    snaps = list(
        wrally.lookback(
            find, fields=["ScheduleState", "_PreviousValues.ScheduleState", "_SnapshotNumber"]
        )
    )
    assert [s.ScheduleState for s in snaps] == ["Defined", "In-Progress", "Accepted"]
    assert snaps[2]["_PreviousValues.ScheduleState"] == "In-Progress"
    assert snaps[2].previous("ScheduleState") == "In-Progress"
    later = wrally.lookback(find, fields=["_SnapshotNumber"], start=1, pagesize=1)
    assert [s._SnapshotNumber for s in later] == [1, 2]
    assert len(wrally.lookback(find, start=1, limit=1)) == 1
    current = list(
        wrally.lookback({**find, "__At": "current"}, hydrate=["Project"], fields=["Project"])
    )
    assert len(current) == 1 and isinstance(current[0].Project, str)


def test_errors_raise(rally: Rally) -> None:
    with pytest.raises(RallyRESTAPIError) as caught:
        rally.lookback({"ObjectID": {"$where": "1"}})
    assert caught.value.status_code == 400
    assert any("$where" in e for e in caught.value.errors)
    for bad in ({"pagesize": 20001}, {"start": -1}):
        with pytest.raises(RallyRESTAPIError):
            rally.lookback({}, **bad)
    with pytest.raises(RallyRESTAPIError):
        rally.lookback("not a dict")  # type: ignore[arg-type]
    with pytest.raises(RallyRESTAPIError):
        rally.lookback({}, workspace="No Such Workspace")


def test_workspace_by_name(rally: Rally) -> None:
    by_name = rally.lookback({"__At": "current"}, workspace="Demo Workspace", pagesize=1)
    current = rally.lookback({"__At": "current"}, pagesize=1)
    assert by_name.resultCount == current.resultCount > 0


@pytest.fixture
def cli(server, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in (
        "RALLY_SERVER",
        "RALLY_USER",
        "RALLY_PASSWORD",
        "APIKEY",
        "RALLY_APIKEY",
        "RALLY_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([f"--server={server.url}", f"--apikey={DEMO_APIKEY}", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_formats(cli, rally: Rally) -> None:
    find = '{"_TypeHierarchy": "Defect", "__At": "current"}'
    expected = rally.lookback(json.loads(find), fields=["FormattedID", "State"])
    rows = [{"FormattedID": s.FormattedID, "State": s.State} for s in expected]
    code, out, _ = cli(
        "lookback", "--find", find, "--fields", "FormattedID,State", "--format", "json"
    )
    assert code == 0 and json.loads(out) == rows
    code, out, _ = cli(
        "lookback", "--find", find, "--fields", "FormattedID,State", "--format", "csv"
    )
    assert list(csv.DictReader(io.StringIO(out))) == rows
    code, out, _ = cli(
        "lookback", "--find", find, "--fields", "FormattedID,State", "--format", "jsonl"
    )
    assert [json.loads(line) for line in out.splitlines()] == rows
    code, out, err = cli(
        "lookback", "--find", find, "--fields", "FormattedID,State", "--limit", "2"
    )
    assert code == 0 and "2 of" in err and out.splitlines()[0].split() == ["FormattedID", "State"]


def test_cli_errors(cli) -> None:
    code, _, err = cli("lookback", "--find", "{not json")
    assert code != 0 and "--find is not valid JSON" in err
    code, _, err = cli("lookback", "--find", '{"A": {"$nope": 1}}')
    assert code == 1 and "$nope" in err
    code, _, err = cli("lookback", "--find", "[1]")
    assert code != 0 and "JSON object" in err


def test_cumulative_flow_example_writes_an_svg(tmp_path) -> None:
    import subprocess
    import sys
    import xml.etree.ElementTree as ET
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "cumulative_flow.py"
    out = tmp_path / "cfd.svg"
    done = subprocess.run(
        [sys.executable, str(example), f"--out={out}"], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    root = ET.parse(out).getroot()
    polygons = [el for el in root if el.tag.endswith("polygon")]
    assert len(polygons) == 4  # one band per schedule state
    assert "Accepted" in done.stdout


def lookback_requests(server) -> int:
    return sum(1 for r in server.app.request_log if r.path.startswith("/analytics/"))


def test_early_break_stops_requests(rally: Rally, server) -> None:
    find = {"_TypeHierarchy": "HierarchicalRequirement"}
    server.app.clear_request_log()
    response = rally.lookback(find, fields=["ObjectID"], pagesize=10)
    assert response.resultCount > 30 and lookback_requests(server) == 1
    for n, _snap in enumerate(response, 1):
        if n == 15:
            break
    # Pages are requested ahead in a bounded window (parallel paging by default): the break
    # leaves at most the first page, the one holding the 15th item and one window, whose
    # requests may still complete; nothing is requested after that.
    pool = response._pager._pool
    assert pool is not None
    response.close()
    pool.shutdown(wait=True)  # requests already sent may complete; no new one starts
    window = window_size(AUTO_THREADS, 10, response.resultCount // 10)
    settled = lookback_requests(server)
    assert 2 <= settled <= 2 + window
    assert settled < -(-response.resultCount // 10), "every page was read"
    time.sleep(0.1)
    assert lookback_requests(server) == settled, "pages were requested after the break"


def test_limit_shrinks_the_page_asked_for(rally: Rally) -> None:
    find = {"_TypeHierarchy": "HierarchicalRequirement"}
    few = rally.lookback(find, fields=["ObjectID"], limit=3)
    assert few.pageSize == 3 and few.raw["PageSize"] == 3 and len(few.raw["Results"]) == 3
    assert [s.ObjectID for s in few] == [s.ObjectID for s in rally.lookback(find, limit=3)]
    many = rally.lookback(find, fields=["ObjectID"], limit=5000, pagesize=50)
    assert many.pageSize == 50


def test_secrets_stay_out_of_reprs_and_errors(server) -> None:
    from pyral.emulator.demo import DEMO_PASSWORD, DEMO_USER

    by_key = Rally(server.url, apikey=DEMO_APIKEY)
    by_password = Rally(server.url, DEMO_USER, DEMO_PASSWORD)
    for client, secret in ((by_key, DEMO_APIKEY), (by_password, DEMO_PASSWORD)):
        response = client.lookback({"__At": "current"}, pagesize=1, limit=1)
        snaps = list(response)
        shown = repr(response) + repr(snaps) + str(response.raw)
        assert secret not in shown
        with pytest.raises(RallyRESTAPIError) as caught:
            client.lookback({"A": {"$bad": 1}})
        error = caught.value
        assert secret not in str(error) + repr(error) + str(vars(error))
    assert DEMO_APIKEY not in repr(by_key)


def test_refusals_carry_status_and_errors(rally: Rally, server) -> None:
    cases = [
        ({"__At": "someday"}, "__At must be"),
        ({"$or": []}, "$or needs"),
        ({"_TypeHierarchy": "UserStory"}, "HierarchicalRequirement"),
        ({"Name": {"$in": "x"}}, "$in needs a list"),
    ]
    for find, text in cases:
        with pytest.raises(RallyRESTAPIError) as caught:
            rally.lookback(find)
        assert caught.value.status_code == 400, find
        assert any(text in e for e in caught.value.errors), caught.value.errors
        assert text in str(caught.value)
    with pytest.raises(RallyRESTAPIError) as caught:
        rally.lookback({}, workspace=999999999)
    assert caught.value.status_code == 404
    for bad in ({"fields": "Name"}, {"pagesize": 0}, {"pagesize": "10"}, {"start": 1.5}):
        server.app.clear_request_log()
        with pytest.raises(RallyRESTAPIError):
            rally.lookback({}, **bad)
        assert lookback_requests(server) == 0, bad  # refused before anything is sent
