#!/usr/bin/env python3
"""CI step: record a test run in Rally and attach its build log, then read the log back.

Typical use at the end of a pipeline: the run's verdict becomes a TestCaseResult of a test
case, the log is attached to that result, and (on failure) also to a defect.  Reading the
attachment back proves the bytes arrived intact.

Run with no options and it starts the embedded WSAPI emulator with demo data; give it Rally
settings (``--rallyConfig=rally.cfg``, ``--server=...``, ``--apikey=...``, ``RALLY_*``
variables) and the very same code talks to that server instead.

    python examples/attach_log.py
    python examples/attach_log.py --apikey=_abc123 TC12 build.log Fail DE7
    python examples/attach_log.py [options] [<TestCase FormattedID> [<log file> [<verdict> [<Defect FormattedID>]]]]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Iterator

from pyral import Rally, RallyRESTAPIError, rallyWorkset
from pyral.emulator.embedded import demo_options

SAMPLE_LOG = b"""[build 4711] compiling... ok
[build 4711] running 312 tests
FAILED tests/test_checkout.py::test_promo_code_rounding - AssertionError: 9.99 != 10.0
[build 4711] 311 passed, 1 failed in 42.17s
"""


@contextlib.contextmanager
def log_file(path: str | None) -> Iterator[str]:
    """The build log to attach: the given file, or a throw-away sample for the demo."""
    if path:
        yield path
        return
    with tempfile.TemporaryDirectory() as folder:
        sample = os.path.join(folder, "build-4711.log")
        with open(sample, "wb") as handle:
            handle.write(SAMPLE_LOG)
        yield sample


def main(argv: list[str]) -> int:
    options = [arg for arg in argv if arg.startswith("--")]
    args = [arg for arg in argv if not arg.startswith("--")]
    test_case_id = args[0] if args else None
    verdict = args[2] if len(args) > 2 else "Fail"
    with demo_options(options) as options:
        server, user, password, apikey, workspace, project = rallyWorkset(options)
        rally = Rally(server, user, password, apikey=apikey, workspace=workspace, project=project)
        if test_case_id:
            test_case = rally.get(
                "TestCase",
                fetch=True,
                query=f'FormattedID = "{test_case_id}"',
                project=None,
                instance=True,
            )
        else:
            test_case = rally.get("TestCase", fetch=True, project=None, limit=1).next()
        if not getattr(test_case, "oid", None):
            print(f"ERROR: test case {test_case_id} not found", file=sys.stderr)
            return 2

        with log_file(args[1] if len(args) > 1 else None) as path:
            result = rally.create(
                "TestCaseResult",
                {
                    "TestCase": test_case.ref,
                    "Build": "4711",
                    "Date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "Verdict": verdict,
                },
                project=None,
            )
            print(
                f"Recorded a {result.Verdict} result for {test_case.FormattedID} (build {result.Build})"
            )
            attachment = rally.addAttachment(result, path, mime_type="text/plain")
            print(f"Attached {attachment.Name} ({attachment.Size} bytes) to the result")

            if verdict != "Pass":
                defect_id = args[3] if len(args) > 3 else None
                defect = defect_id or rally.create(
                    "Defect",
                    {"Name": f"{test_case.Name} fails in build 4711", "TestCase": test_case.ref},
                )
                label = defect if isinstance(defect, str) else defect.FormattedID
                if not rally.addAttachment(defect, path, mime_type="text/plain"):
                    print(f"ERROR: defect {label} not found", file=sys.stderr)
                    return 2
                print(f"Attached the log to defect {label}: {rally.getAttachmentNames(defect)}")

            with open(path, "rb") as handle:
                original = handle.read()
            name = os.path.basename(path)

        back = rally.getAttachment(result, name)
        intact = back is not None and back.Content == original
        print(
            f"Read {name} back from Rally: {len(back.Content) if back else 0} bytes, intact={intact}"
        )
        if back is not None:
            print("Last line: " + back.Content.decode("utf-8", "replace").rstrip().splitlines()[-1])
        return 0 if intact else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except RallyRESTAPIError as exc:  # unknown FormattedID prefix, refused write, ...
        print(f"ERROR: {exc}", file=sys.stderr)
        sys.exit(2)
