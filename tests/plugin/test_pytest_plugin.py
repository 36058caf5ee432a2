"""The pytest plugin as a user meets it: a test file with fixture names and no conftest.

Each test writes a user's test file into a scratch directory and runs pytest on it
in-process (``pytester``); the plugin is found through its ``pytest11`` entry point, exactly as
after ``pip install pyral``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest_plugins = ["pytester"]


def _run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_user=source)
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def test_plain_test_file_gets_a_connected_rally_and_a_reset_between_tests(
    pytester: pytest.Pytester,
) -> None:
    result = _run(
        pytester,
        """
        def test_first_writes(rally_emulator, rally):
            assert rally.getWorkspace().Name == "Demo Workspace"
            assert rally.getProject().Name == "Online Store"
            rally.create("Defect", {"Name": "made by the first test"})
            found = rally.get("Defect", query='Name = "made by the first test"', project=None)
            assert found.resultCount == 1

        def test_second_does_not_see_it(rally_emulator, rally):
            found = rally.get("Defect", query='Name = "made by the first test"', project=None)
            assert found.resultCount == 0
            assert rally.get("Defect", project=None).resultCount > 0

        def test_same_server_all_session(rally_emulator, request):
            assert rally_emulator.url.startswith("http://127.0.0.1:")
        """,
    )
    result.assert_outcomes(passed=3)


def test_fault_marker_gives_429_with_retry_after_for_one_test(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        """
        import pytest

        @pytest.mark.rally_fault(429, count=2, retry_after=0, path_contains="/defect")
        def test_throttled(rally_emulator, rally):
            found = rally.get("Defect", fetch="FormattedID", project=None)
            assert found.resultCount > 0
            statuses = [r.status for r in rally_emulator.request_log if r.path.endswith("/Defect")]
            assert statuses == [429, 429, 200]

        @pytest.mark.rally_fault(503, count=1)
        @pytest.mark.rally_fault(latency=0.01)
        def test_gateway_error_and_latency(rally_emulator):
            import requests
            answer = requests.get(rally_emulator.service_url + "/defect")
            assert answer.status_code == 503
            assert rally_emulator.latency == 0.01

        def test_next_test_is_clean(rally_emulator, rally):
            assert rally_emulator.faults == []
            assert rally_emulator.latency == 0.0
            assert rally.get("Defect", project=None).resultCount > 0
        """,
    )
    result.assert_outcomes(passed=3)


def test_seed_from_ini_option_and_marker(pytester: pytest.Pytester) -> None:
    seed = {
        "users": [{"UserName": "ann@example.com", "DefaultWorkspace": "Alpha"}],
        "workspaces": [
            {
                "Name": "Alpha",
                "projects": [{"Name": "Alpha Root"}],
                "objects": [{"_type": "Defect", "Name": "Only one", "Project": "Alpha Root"}],
            }
        ],
    }
    pytester.makefile(".json", myseed=json.dumps(seed))
    other = dict(seed, workspaces=[dict(seed["workspaces"][0], objects=[])])
    pytester.makefile(".json", emptyseed=json.dumps(other))
    pytester.makeini("[pytest]\nrally_emulator_seed = myseed.json\n")
    result = _run(
        pytester,
        """
        import pytest

        def test_ini_seed(rally):
            assert rally.getWorkspace().Name == "Alpha"
            assert [d.Name for d in rally.get("Defect", fetch="Name")] == ["Only one"]
            rally.create("Defect", {"Name": "Second"})

        def test_ini_seed_after_reset(rally):
            assert rally.get("Defect").resultCount == 1

        @pytest.mark.rally_seed("emptyseed.json")
        def test_marker_seed(rally):
            assert rally.get("Defect").resultCount == 0
        """,
    )
    result.assert_outcomes(passed=3)


def test_bad_fault_keyword_is_a_clear_error(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        """
        import pytest

        @pytest.mark.rally_fault(status=500, retries=3)
        def test_x(rally_emulator):
            pass
        """,
    )
    result.stdout.fnmatch_lines(["*rally_fault: unknown keyword(s) retries*"])
    assert result.ret != 0


def test_a_seed_that_cannot_load_fails_its_test_with_the_reason(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        """
        import pytest

        @pytest.mark.rally_seed("missing.json")
        def test_missing_file(rally):
            pass

        @pytest.mark.rally_seed({"workspaces": []})
        def test_no_workspace(rally):
            pass

        def test_demo_still_fine(rally):
            assert rally.getProject().Name == "Online Store"
        """,
    )
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*rally_emulator: the seed cannot be loaded: cannot read seed file*missing.json*",
            "*rally_emulator: the seed cannot be loaded: a seed needs at least one workspace*",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*another exception occurred*")


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["*rally_seed(*", "*rally_fault(*"])


# --- the plugin in projects that never use it ------------------------------------------------

_UNRELATED_RUN = """
import sys
import pytest

code = pytest.main(["-q", "-p", "no:cacheprovider", sys.argv[1]])
heavy = sorted(m for m in ("requests", "pyral.restapi", "pyral.emulator") if m in sys.modules)
print("plugin loaded:", "pyral.pytest_plugin" in sys.modules)
print("heavy modules:", heavy)
sys.exit(code)
"""


def _run_unrelated(pytester: pytest.Pytester, *args: str) -> subprocess.CompletedProcess[str]:
    test_file = pytester.makepyfile(
        test_unrelated="def test_arithmetic():\n    assert 1 + 1 == 2\n"
    )
    return subprocess.run(
        [sys.executable, "-c", _UNRELATED_RUN, str(test_file), *args],
        capture_output=True,
        text=True,
        cwd=pytester.path,
        timeout=300,
    )


def test_unrelated_test_runs_load_the_plugin_but_not_the_client(pytester: pytest.Pytester) -> None:
    """Every pytest run where pyral is installed imports the plugin: that must stay cheap."""
    done = _run_unrelated(pytester)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "plugin loaded: True" in done.stdout
    assert "heavy modules: []" in done.stdout


def test_package_names_still_resolve_lazily() -> None:
    code = (
        "import sys, pyral\n"
        "assert 'pyral.restapi' not in sys.modules\n"
        "assert pyral.context.RallyRESTAPIError is pyral.RallyRESTAPIError\n"
        "assert pyral.restapi.Rally is pyral.Rally and 'Defect' in pyral.entity.classFor\n"
        "namespace = {}\n"
        "exec('from pyral import *', namespace)\n"
        "missing = [n for n in pyral.__all__ if n not in namespace]\n"
        "assert missing == [], missing\n"
        "print(sorted(set(pyral.__all__) - set(dir(pyral))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_no_pyral_switches_the_plugin_off(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        "def test_x(rally):\n    pass\n",
        "-p",
        "no:pyral",
    )
    result.stdout.fnmatch_lines(["*fixture 'rally' not found*"])
    assert result.ret != 0
