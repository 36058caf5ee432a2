#!/usr/bin/env python3
"""Client CPU with the server taken out: replayed pages, optionally profiled.

``run.py`` measures wall time against a live emulator, where the server's share dominates
and varies between runs.  This script answers the narrower question "how much CPU does the
client library itself spend per item?": each worker records the pages of one query from a
live emulator, then serves them from memory (see ``client_worker._Replayer``) and times only
the replayed runs.  Both libraries go through the same ``requests`` code, so the ratio is the
libraries' own.

    python benchmarks/profile_client.py --baseline-python /work/oracle-venv/bin/python
    python benchmarks/profile_client.py --profile stream     # cProfile of ours, to stderr
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import emulator, fmt, ratio, table  # noqa: E402
from run import HYDRATE_NAMES, Runner  # noqa: E402

CASES = {
    "stream": {"threads": 1},
    "hydrate": {"fetch": "true", "limit": 2000, "touch": HYDRATE_NAMES},
    "shells": {"fetch": False, "limit": 2000, "touch": ["Name"]},
    "lazy": {"fetch": False, "limit": 100, "pagesize": 100, "touch": ["State"], "lazy": True},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--defects", type=int, default=10_000)
    parser.add_argument("--baseline-python", metavar="PATH")
    parser.add_argument("--ours-python", metavar="PATH")
    parser.add_argument("--repeat", type=int, default=5, help="replayed runs (minimum is kept)")
    parser.add_argument("--profile", choices=sorted(CASES), help="print cProfile of ours")
    args = parser.parse_args(argv)
    ours_python = args.ours_python or args.baseline_python or sys.executable
    started = time.perf_counter()
    rows = []
    with emulator(args.defects, defects_only=True, tls=True) as emu:
        ours = Runner(emu, ours_python, ours=True, tls=True, timeout=600)
        base = (
            Runner(emu, args.baseline_python, ours=False, tls=True, timeout=600)
            if args.baseline_python
            else None
        )
        for case, cfg in CASES.items():
            if args.profile and case != args.profile:
                continue
            extra = {**cfg, "repeat": args.repeat, "profile": case == args.profile}
            mine = ours.run("replay", **extra)
            if args.profile:
                sys.stderr.write(mine.pop("stderr", ""))
            theirs = base.run("replay", **extra) if base else None
            per = mine["cpu_seconds"] / mine["items"] * 1e6
            per_base = theirs["cpu_seconds"] / theirs["items"] * 1e6 if theirs else None
            rows.append([f"{case}: {mine['items']} items", fmt(per, " us"),
                         fmt(per_base, " us"), ratio(per, per_base)])  # fmt: skip
    print(table(["replayed pages, client CPU per item", "ours", "pyral 1.7.0", "ratio"], rows))
    print(f"total run time {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
