#!/usr/bin/env python3
"""Draw a cumulative flow diagram of a project's stories from Lookback (snapshot) data.

python examples/cumulative_flow.py                          # embedded emulator, demo history
python examples/cumulative_flow.py --out cfd.svg
python examples/cumulative_flow.py --rallyConfig=rally.cfg --days=90 --out cfd.svg

One query fetches every story snapshot of the project (and its sub-projects) that was valid
during the period; the count of stories in each schedule state is then taken at the end of
each day.  The chart is an SVG written with the standard library only, so it runs wherever
pyral does; open it in any browser.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from pyral import Rally, rallyWorkset
from pyral.emulator.embedded import demo_options

STATES = ["Defined", "In-Progress", "Completed", "Accepted"]
COLOURS = {
    "Defined": "#c6dbef",
    "In-Progress": "#6baed6",
    "Completed": "#3182bd",
    "Accepted": "#08519c",
}


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def daily_counts(snapshots: list[dict], first: date, last: date) -> list[tuple[date, Counter]]:
    """Stories per schedule state at the end of each day from ``first`` to ``last``."""
    days = []
    day = first
    while day <= last:
        moment = datetime.combine(day + timedelta(days=1), datetime.min.time(), timezone.utc)
        counts: Counter = Counter()
        for snap in snapshots:
            if parse_time(snap["_ValidFrom"]) <= moment < parse_time(snap["_ValidTo"]):
                counts[snap.get("ScheduleState") or "Defined"] += 1
        days.append((day, counts))
        day += timedelta(days=1)
    return days


def svg_chart(
    title: str, days: list[tuple[date, Counter]], width: int = 900, height: int = 420
) -> str:
    """A stacked-area chart, Accepted at the bottom as cumulative flow diagrams draw it."""
    left, right, top, bottom = 50, 150, 40, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((sum(c.values()) for _, c in days), default=1) or 1
    step = plot_w / max(len(days) - 1, 1)

    def point(i: int, value: float) -> str:
        return f"{left + i * step:.1f},{top + plot_h - value / peak * plot_h:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="24" font-size="16">{title}</text>',
    ]
    below = [0.0] * len(days)
    for state in reversed(STATES):
        above = [below[i] + days[i][1].get(state, 0) for i in range(len(days))]
        outline = [point(i, above[i]) for i in range(len(days))]
        outline += [point(i, below[i]) for i in reversed(range(len(days)))]
        parts.append(
            f'<polygon points="{" ".join(outline)}" fill="{COLOURS[state]}" stroke="none"/>'
        )
        below = above
    for n, state in enumerate(STATES):
        y = top + 20 * n
        parts.append(
            f'<rect x="{width - right + 15}" y="{y}" width="12" height="12" fill="{COLOURS[state]}"/>'
        )
        parts.append(f'<text x="{width - right + 32}" y="{y + 11}">{state}</text>')
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="black"/>'
    )
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="black"/>')
    parts.append(f'<text x="{left - 8}" y="{top + 4}" text-anchor="end">{peak}</text>')
    parts.append(f'<text x="{left - 8}" y="{top + plot_h}" text-anchor="end">0</text>')
    for i in range(0, len(days), max(len(days) // 6, 1)):
        parts.append(
            f'<text x="{left + i * step:.1f}" y="{height - 18}" text-anchor="middle">{days[i][0].isoformat()}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv: list[str]) -> int:
    out = Path(tempfile.gettempdir()) / "pyral-cumulative-flow.svg"
    days_back: int | None = None
    options = []
    for arg in argv:
        if arg.startswith("--out="):
            out = Path(arg.split("=", 1)[1])
        elif arg.startswith("--days="):
            days_back = int(arg.split("=", 1)[1])
        else:
            options.append(arg)
    with demo_options(options) as options:
        server, user, password, apikey, workspace, project = rallyWorkset(options)
        rally = Rally(server, user, password, apikey=apikey, workspace=workspace, project=project)
        project = rally.getProject()
        response = rally.lookback(
            {"_TypeHierarchy": "HierarchicalRequirement", "_ProjectHierarchy": int(project.oid)},
            fields=["ObjectID", "ScheduleState", "_ValidFrom", "_ValidTo"],
            sort={"_ValidFrom": 1},
        )
        snapshots = [snap.data for snap in response]
    if not snapshots:
        print(f"no story history in {project.Name!r}", file=sys.stderr)
        return 1
    # From the first snapshot to the last change (or the last --days days up to today).
    last = max(parse_time(s["_ValidFrom"]) for s in snapshots).date()
    first = parse_time(snapshots[0]["_ValidFrom"]).date()
    if days_back is not None:
        last = datetime.now(timezone.utc).date()
        first = last - timedelta(days=days_back)
    days = daily_counts(snapshots, first, last)
    out.write_text(svg_chart(f"Cumulative flow: stories in {project.Name}", days), encoding="utf-8")
    end = days[-1][1]
    print(
        f"{len(snapshots)} snapshots, {first} .. {last}; on {last}: "
        + ", ".join(f"{s} {end.get(s, 0)}" for s in STATES)
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
