"""Differential check: the same Rally script under pyral 1.7.0 and under this project's pyral.

Run it with an interpreter that has pyral 1.7.0 installed (``tox -e oracle`` builds one); it
needs nothing from this repository on its path.  Every ``tools/oracle_scenario*.py`` (or the
files given with ``--scenario``) is checked on its own: for each side a fresh emulator
(``python -m pyral.emulator --demo --tls``) from this repository is started in a subprocess,
the scenario runs against it, and a unified diff of the two outputs is printed.  Exit status 1
when any scenario differs.  Never part of CI: pyral 1.7.0 is not a dependency of this project.

A scenario that needs more servers (other seeds, plain HTTP) starts them itself with the
interpreter named in ``PYRAL_ORACLE_EMULATOR_PYTHON``, importing from ``PYRAL_ORACLE_REPO``.

    python tools/oracle_check.py [--ours-python PYTHON] [--scenario FILE ...]
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(os.environ.get("PYRAL_REPO", Path(__file__).resolve().parent.parent))
SCENARIOS = sorted((REPO / "tools").glob("oracle_scenario*.py"))
APIKEY = "_oracleapikey000000000000000000000000000000"
USER, PASSWORD = "demo@example.com", "oracle-password"


def start_emulator(python: str) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [
            python,
            "-m",
            "pyral.emulator",
            "--port",
            "0",
            "--demo",
            "--tls",
            "--apikey",
            APIKEY,
            "--user",
            USER,
            "--password",
            PASSWORD,
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    url = next(word for word in first.split() if "://" in word)
    return proc, url.split("://", 1)[1].rstrip("/")


def run_side(
    label: str, python: str, pythonpath: str | None, emulator_python: str, scenario: Path
) -> str:
    proc, host_port = start_emulator(emulator_python)
    try:
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        # pyral 1.7.0 lets these override verify_ssl_cert=False (its quirk Q6); ours does not.
        for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            env.pop(name, None)
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        env["PYRAL_ORACLE_EMULATOR_PYTHON"] = emulator_python
        env["PYRAL_ORACLE_REPO"] = str(REPO)
        done = subprocess.run(
            [python, str(scenario), host_port, APIKEY, USER, PASSWORD],
            capture_output=True,
            text=True,
            env=env,
            cwd="/",
            timeout=600,
        )
        out = done.stdout
        # Anything either library writes to stderr (pyral's "WARNING: ..." lines) is part of
        # the comparison: the emulator must not provoke warnings real Rally would not.
        out += "".join(f"[stderr] {line}\n" for line in done.stderr.splitlines())
        if done.returncode:
            out += f"\n[{label} exited {done.returncode}]\n{done.stderr[-3000:]}"
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--ours-python",
        default=sys.executable,
        help="interpreter that runs this project's pyral (default: this one)",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        type=Path,
        help="scenario file to run (repeatable; default: every tools/oracle_scenario*.py)",
    )
    args = parser.parse_args()
    # the scenarios run with cwd=/ (so pyral 1.7.0 cannot pick up this checkout): make the
    # paths given relative to here absolute (abspath, not realpath: a venv's python is a link)
    ours_python = args.ours_python
    if os.sep in ours_python:
        ours_python = os.path.abspath(ours_python)
    differing = []
    for scenario in [p.resolve() for p in args.scenario or SCENARIOS]:
        print(f"=== {scenario.name}")
        theirs = run_side("pyral 1.7.0", sys.executable, None, sys.executable, scenario)
        ours = run_side("ours", ours_python, str(REPO), sys.executable, scenario)
        diff = list(
            difflib.unified_diff(
                theirs.splitlines(), ours.splitlines(), "pyral-1.7.0", "ours", lineterm=""
            )
        )
        print(theirs)
        if diff:
            print("\n".join(diff))
            differing.append(scenario.name)
        else:
            print(f"identical output ({scenario.name})")
    if differing:
        print(f"differences in: {', '.join(differing)}")
        return 1
    print("identical output")
    return 0


if __name__ == "__main__":
    sys.exit(main())
