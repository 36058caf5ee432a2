"""The differentials against pyral 1.7.0 (issue 7: errors, porting scripts, printed forms ...),
when asked for.

Runs ``tools/oracle_check.py --scenario tools/<scenario>`` for every
``tools/oracle_scenario*.py`` with the interpreter named in ``PYRAL_ORACLE_PYTHON`` (one with
pyral==1.7.0 installed); skipped without it, so it never runs in CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ORACLE = os.environ.get("PYRAL_ORACLE_PYTHON")

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(not ORACLE, reason="PYRAL_ORACLE_PYTHON (pyral 1.7.0) not given"),
]


SCENARIOS = sorted(p.name for p in (REPO / "tools").glob("oracle_scenario*.py"))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_is_identical_under_pyral_1_7_0(scenario: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    done = subprocess.run(
        [
            str(ORACLE),
            str(REPO / "tools" / "oracle_check.py"),
            "--ours-python",
            sys.executable,
            "--scenario",
            str(REPO / "tools" / scenario),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert f"identical output ({scenario})" in done.stdout
