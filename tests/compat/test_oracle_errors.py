"""The errors differential against pyral 1.7.0 (issue 7 items 1-3, 8), when asked for.

Runs ``tools/oracle_check.py --scenario tools/oracle_scenario_errors.py`` with the
interpreter named in ``PYRAL_ORACLE_PYTHON`` (one with pyral==1.7.0 installed); skipped
without it, so it never runs in CI.
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


def test_errors_scenario_is_identical_under_pyral_1_7_0() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    done = subprocess.run(
        [
            str(ORACLE),
            str(REPO / "tools" / "oracle_check.py"),
            "--ours-python",
            sys.executable,
            "--scenario",
            str(REPO / "tools" / "oracle_scenario_errors.py"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "identical output (oracle_scenario_errors.py)" in done.stdout
