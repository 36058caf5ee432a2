"""Unmodified pyral 1.7.0 against the emulator: it reads the computed fields and resolves
allowed values through the collection summaries (issue 8, items 1 and 2).

Needs the oracle interpreter (``PYRAL_ORACLE_PYTHON``, a Python with pyral==1.7.0); skipped
without it and never part of CI.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Wsapi

from pyral.emulator.demo import DEMO_APIKEY
from pyral.emulator.server import EmulatorServer

pytestmark = pytest.mark.oracle

ORACLE = os.environ.get("PYRAL_ORACLE_PYTHON", "")

_SCRIPT = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
from pyral import Rally
r = Rally(sys.argv[1], apikey=sys.argv[2], verify_ssl_cert=False)
out = {"allowed": {}, "features": {}, "stories": {}}
for t, a in [("Defect", "ScheduleState"), ("Defect", "Severity"), ("Defect", "RootCause"),
             ("Build", "Status"), ("Risk", "State")]:
    out["allowed"][f"{t}.{a}"] = r.getAllowedValues(t, a)
out["typedefs"] = {}
for t in ("PullRequest", "Build", "Changeset", "ConversationPost", "Risk", "TestFolder",
          "VSMProduct", "Milestone", "SCMRepository", "PreliminaryEstimate"):
    td = r.typedef(t)
    out["typedefs"][t] = sorted(a.ElementName for a in td.Attributes) if td else None
out["iterations"] = {}
for it in r.get("Iteration", fetch="Name,PlanEstimate,TaskEstimateTotal", projectScopeDown=True):
    out["iterations"][it.Name] = [it.PlanEstimate, it.TaskEstimateTotal]
fields = "FormattedID,LeafStoryCount,AcceptedLeafStoryCount,PercentDoneByStoryCount,DirectChildrenCount,Ready"
for f in r.get("PortfolioItem/Feature", fetch=fields, projectScopeDown=True):
    out["features"][f.FormattedID] = [f.LeafStoryCount, f.AcceptedLeafStoryCount,
                                      f.PercentDoneByStoryCount, f.DirectChildrenCount, f.Ready]
fields = "FormattedID,TaskEstimateTotal,TaskRemainingTotal,TaskStatus,DefectStatus,HasParent,Blocked"
for s in r.get("HierarchicalRequirement", fetch=fields, projectScopeDown=True, pagesize=200):
    out["stories"][s.FormattedID] = [s.TaskEstimateTotal, s.TaskRemainingTotal, s.TaskStatus,
                                     s.DefectStatus, s.HasParent, s.Blocked]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def tls_server() -> Iterator[EmulatorServer]:
    if not ORACLE or not Path(ORACLE).exists():
        pytest.skip("set PYRAL_ORACLE_PYTHON to a Python with pyral==1.7.0")
    with EmulatorServer(demo=True, tls=True, quiet=True) as server:
        yield server


def test_pyral_170_reads_computed_fields(tls_server: EmulatorServer, tmp_path: Path) -> None:
    script = tmp_path / "read_computed.py"
    script.write_text(_SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    env.pop("PYTHONPATH", None)
    host = tls_server.url.split("://", 1)[1].rstrip("/")
    done = subprocess.run(
        [ORACLE, str(script), host, DEMO_APIKEY],
        cwd=tmp_path,  # outside the repository: the installed pyral 1.7.0 is imported
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["allowed"]["Defect.ScheduleState"] == [
        "Defined",
        "In-Progress",
        "Completed",
        "Accepted",
    ]
    assert seen["allowed"]["Defect.RootCause"][0] == "Code"
    assert seen["allowed"]["Build.Status"][0] == "SUCCESS"
    assert seen["allowed"]["Risk.State"]
    for type_name, attrs in seen["typedefs"].items():
        assert attrs, type_name
    assert "Url" in seen["typedefs"]["PullRequest"]
    assert "Revision" in seen["typedefs"]["Changeset"]
    assert seen["iterations"] and all(
        isinstance(v[0], float) and isinstance(v[1], float) for v in seen["iterations"].values()
    )
    # What pyral 1.7.0 read is what the server computed, field for field.
    ours = Wsapi(tls_server, apikey=DEMO_APIKEY)
    try:
        features = ours.get(
            "portfolioitem/feature",
            {"fetch": "FormattedID,LeafStoryCount", "pagesize": 200},
            verify=False,
        )
        expected = {
            f["FormattedID"]: f["LeafStoryCount"] for f in features["QueryResult"]["Results"]
        }
    finally:
        ours.close()
    assert {k: v[0] for k, v in seen["features"].items()} == expected
    assert any(v[0] > 0 for v in seen["features"].values())
    for values in seen["stories"].values():
        assert isinstance(values[0], float) and values[2] in (
            "NONE", "DEFINED", "IN_PROGRESS", "COMPLETED", "IN_PROGRESS_BLOCKED", "COMPLETED_BLOCKED"
        )  # fmt: skip
        assert values[4] in (True, False) and values[5] in (True, False)
