"""The Lookback examples: the cumulative flow diagram's numbers and drawing, cycle time.

The chart's counts are checked against an independent ``__At`` query per day, and the SVG
against what a cumulative flow diagram must show (bands stacked done-first, one per state,
legend in band order, every label escaped).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
from pathlib import Path
from types import ModuleType

from pyral import Rally

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SVG = "{http://www.w3.org/2000/svg}"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_cfd_counts_match_at_queries(tmp_path: Path, rally: Rally) -> None:
    """The example's end-of-day counts equal a direct ``__At`` query at the next midnight."""
    out = tmp_path / "cfd.svg"
    done = run("cumulative_flow", "--out", str(out), "--until=2026-02-20", "--days=30")
    line = next(ln for ln in done.stdout.splitlines() if " snapshots, " in ln)
    assert "2026-01-21 .. 2026-02-20" in line
    shown = dict(re.findall(r"([A-Za-z-]+) (\d+)(?:,|$)", line.split("on 2026-02-20: ")[1]))
    project = int(rally.getProject().oid)
    at = rally.lookback(
        {
            "_TypeHierarchy": "HierarchicalRequirement",
            "_ProjectHierarchy": project,
            "__At": "2026-02-21T00:00:00Z",
        },
        fields=["ScheduleState"],
    )
    expected = Counter(s.ScheduleState for s in at)
    assert {k: int(v) for k, v in shown.items()} == {
        s: expected.get(s, 0) for s in ("Defined", "In-Progress", "Completed", "Accepted")
    }
    assert sum(expected.values()) > 0 and expected["Accepted"] > 0
    root = ET.parse(out).getroot()
    title = root.find(f"{SVG}text")
    assert title is not None and "2026-01-21 to 2026-02-20" in (title.text or "")


def test_cfd_default_end_is_the_last_change_not_the_clock(tmp_path: Path) -> None:
    """Deterministic: the demo history ends on 2026-03-02, whatever day the test runs."""
    done = run("cumulative_flow", f"--out={tmp_path / 'a.svg'}")
    assert ".. 2026-03-02;" in done.stdout
    run("cumulative_flow", f"--out={tmp_path / 'b.svg'}")
    assert (tmp_path / "a.svg").read_text() == (tmp_path / "b.svg").read_text()


def test_cfd_drawing() -> None:
    cfd = load("cumulative_flow")
    days = [
        (date(2026, 1, 1), Counter({"Defined": 3})),
        (date(2026, 1, 2), Counter({"Defined": 2, "In-Progress": 1})),
        (date(2026, 1, 3), Counter({"Defined": 1, "In-Progress": 1, "Accepted": 1})),
    ]
    states = cfd.flow_states(None, {"Defined", "In-Progress", "Accepted"})
    assert states == ["Defined", "In-Progress", "Completed", "Accepted"]
    root = ET.fromstring(cfd.svg_chart('R&D <team> "flow"', days, states))
    texts = [el.text or "" for el in root.iter(f"{SVG}text")]
    assert texts[0] == 'R&D <team> "flow"'
    polygons = root.findall(f"{SVG}polygon")
    # one band per state, drawn done-first so Accepted sits on the axis
    assert [p.findtext(f"{SVG}title") for p in polygons] == states[::-1]
    base = max(float(pt.split(",")[1]) for pt in polygons[0].get("points", "").split())
    bottom_line = [
        el
        for el in root.findall(f"{SVG}line")
        if el.get("stroke") == "black" and el.get("y1") == el.get("y2")
    ]
    assert float(bottom_line[0].get("y1", "0")) == base
    # the legend lists the states top to bottom in the order the bands are stacked
    legend = [t for t in texts if t in states]
    assert legend == states
    # colours: distinct, darkening along the flow
    fills = {p.findtext(f"{SVG}title"): p.get("fill") for p in polygons}
    assert len(set(fills.values())) == len(states)
    # y gridlines reach a round number at or above the peak (3 stories)
    assert "3" in texts and "0" in texts
    # the first and the last day are both labelled
    assert "2026-01-01" in texts and "2026-01-03" in texts


def test_cfd_keeps_custom_states() -> None:
    cfd = load("cumulative_flow")
    allowed = ["Idea", "Defined", "In-Progress", "Completed", "Accepted", "Released"]
    assert cfd.flow_states(allowed, {"Defined", "Parked"}) == [*allowed, "Parked"]
    assert len(set(cfd.colours(allowed).values())) == len(allowed)
    assert cfd.nice_step(3) == 1 and cfd.nice_step(33) == 10 and cfd.nice_step(480) == 100


def test_cycle_time_example(rally: Rally) -> None:
    done = run("cycle_time")
    lines = done.stdout.splitlines()
    accepted = [ln for ln in lines if " started " in ln and ln.endswith(" days")]
    summary = lines[-1]
    assert accepted and f"{len(accepted)} accepted; median cycle time" in summary
    spans = sorted(float(ln.split()[-2]) for ln in accepted)
    median = (spans[(len(spans) - 1) // 2] + spans[len(spans) // 2]) / 2
    assert summary.endswith(f"{median:.1f} days")
    # every accepted story's span agrees with its own history
    first = accepted[0]
    formatted = first.split()[0]
    history = list(
        rally.lookback(
            {"FormattedID": formatted, "_TypeHierarchy": "HierarchicalRequirement"},
            fields=["ScheduleState", "_ValidFrom"],
            sort={"_ValidFrom": 1},
        )
    )
    started = next(s._ValidFrom for s in history if s.ScheduleState != "Defined")
    done_at = next(s._ValidFrom for s in history if s.ScheduleState == "Accepted")
    from datetime import datetime

    span = (
        datetime.fromisoformat(done_at.replace("Z", "+00:00"))
        - datetime.fromisoformat(started.replace("Z", "+00:00"))
    ).total_seconds() / 86400
    assert first.split()[-2] == f"{span:.1f}"
