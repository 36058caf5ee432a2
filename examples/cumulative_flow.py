#!/usr/bin/env python3
"""Draw a cumulative flow diagram of a project's stories from Lookback (snapshot) data.

python examples/cumulative_flow.py                          # embedded emulator, demo history
python examples/cumulative_flow.py --out cfd.svg
python examples/cumulative_flow.py --rallyConfig=rally.cfg --days=90 --until=today --out=cfd.svg

``--days=N`` shows the N days up to the end; the end is the day of the last change in the
history unless ``--until=YYYY-MM-DD`` (or ``--until=today``) says otherwise.

One query fetches every story snapshot of the project (and its sub-projects) that was valid
during the period; the count of stories in each schedule state is then taken at the end of
each day.  The chart is an SVG written with the standard library only, so it runs wherever
pyral does; open it in any browser.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

from pyral import Rally, rallyWorkset
from pyral.emulator.embedded import demo_options

#: Rally's standard schedule states, in flow order (a workspace may add its own: see
#: ``flow_states``).
END_OF_TIME = "9999-01-01T00:00:00.000Z"
STATES = ["Defined", "In-Progress", "Completed", "Accepted"]
#: Light (early in the flow) to dark (done), so the finished work reads as the solid base.
PALETTE = ["#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"]


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def flow_states(allowed: list[str] | None, seen: set[str]) -> list[str]:
    """The bands, in flow order: the workspace's allowed ScheduleState values when known
    (custom states such as "Idea" or "Released" included), else the standard four; a state
    seen in the history but in neither list goes last rather than being dropped."""
    order = [s for s in (allowed or STATES) if s]
    return order + sorted(seen - set(order))


def colours(states: list[str]) -> dict[str, str]:
    """Spread the palette over the states, lightest first."""
    if len(states) == 1:
        return {states[0]: PALETTE[-2]}
    last = len(PALETTE) - 1
    return {s: PALETTE[round(i * last / (len(states) - 1))] for i, s in enumerate(states)}


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


def nice_step(peak: int) -> int:
    """A round gridline step giving about five lines up to ``peak``."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if peak / step <= 6:
            return step
    return 10 ** len(str(peak))


def svg_chart(
    title: str,
    days: list[tuple[date, Counter]],
    states: list[str] = STATES,
    width: int = 900,
    height: int = 440,
) -> str:
    """A stacked-area chart: the last state (done) at the bottom, as cumulative flow diagrams
    draw it, so the bands keep their order as work moves up through them."""
    left, right, top, bottom = 64, 150, 48, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((sum(c.values()) for _, c in days), default=0)
    step_y = nice_step(max(peak, 1))
    ceiling = max(step_y, -(-peak // step_y) * step_y)  # peak rounded up to a gridline
    step = plot_w / max(len(days) - 1, 1)
    fill = colours(states)

    def x(i: int) -> float:
        return left + i * step

    def y(value: float) -> float:
        return top + plot_h - value / ceiling * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="26" font-size="16">{escape(title)}</text>',
    ]
    for value in range(0, ceiling + 1, step_y):  # gridlines and y labels
        parts.append(
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{left + plot_w}" y2="{y(value):.1f}" '
            'stroke="#e0e0e0"/>'
        )
        parts.append(
            f'<text x="{left - 8}" y="{y(value) + 4:.1f}" text-anchor="end">{value}</text>'
        )
    below = [0.0] * len(days)
    for state in reversed(states):
        above = [below[i] + days[i][1].get(state, 0) for i in range(len(days))]
        outline = [f"{x(i):.1f},{y(above[i]):.1f}" for i in range(len(days))]
        outline += [f"{x(i):.1f},{y(below[i]):.1f}" for i in reversed(range(len(days)))]
        parts.append(
            f'<polygon points="{" ".join(outline)}" fill="{fill[state]}" '
            f'stroke="{fill[state]}" stroke-width="0.5"><title>{escape(state)}</title></polygon>'
        )
        below = above
    for n, state in enumerate(states):  # legend, top to bottom in the order of the bands
        ly = top + 20 * n
        parts.append(
            f'<rect x="{width - right + 16}" y="{ly}" width="12" height="12" '
            f'fill="{fill[state]}" stroke="#808080" stroke-width="0.5"/>'
        )
        parts.append(f'<text x="{width - right + 34}" y="{ly + 11}">{escape(state)}</text>')
    base = top + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="black"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="black"/>')
    every = max(-(-len(days) // 7), 1)  # at most about 7 date labels
    ticks = list(range(0, len(days), every))
    if ticks[-1] != len(days) - 1:  # always name the last day, dropping a label it would hit
        if (len(days) - 1 - ticks[-1]) * step < 80:
            ticks.pop()
        ticks.append(len(days) - 1)
    for i in ticks:
        parts.append(
            f'<line x1="{x(i):.1f}" y1="{base}" x2="{x(i):.1f}" y2="{base + 5}" stroke="black"/>'
        )
        parts.append(
            f'<text x="{x(i):.1f}" y="{base + 20}" text-anchor="middle">'
            f"{days[i][0].isoformat()}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 10}" text-anchor="middle">'
        "day (count at the end of each day, UTC)</text>"
    )
    parts.append(
        f'<text transform="translate(16 {top + plot_h / 2:.1f}) rotate(-90)" '
        'text-anchor="middle">stories</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def last_change(snapshots: list[dict]) -> date:
    """The day of the latest change in the history (an opening or a closing interval)."""
    moments = [s["_ValidFrom"] for s in snapshots]
    moments += [s["_ValidTo"] for s in snapshots if s["_ValidTo"] != END_OF_TIME]
    return parse_time(max(moments)).date()


def main(argv: list[str]) -> int:
    # Our own options; everything else (--rallyConfig=..., --server=...) is pyral's.
    own = argparse.ArgumentParser(description="Cumulative flow diagram from Lookback data")
    own.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "pyral-cfd.svg")
    own.add_argument("--days", type=int, help="show the N days up to the end")
    own.add_argument("--until", help="last day, YYYY-MM-DD or 'today' (default: last change)")
    args, options = own.parse_known_args(argv)
    out, days_back, until = args.out, args.days, args.until
    with demo_options(options) as options:
        server, user, password, apikey, workspace, project = rallyWorkset(options)
        rally = Rally(server, user, password, apikey=apikey, workspace=workspace, project=project)
        project = rally.getProject()
        allowed = rally.getAllowedValues("HierarchicalRequirement", "ScheduleState")
        response = rally.lookback(
            {"_TypeHierarchy": "HierarchicalRequirement", "_ProjectHierarchy": int(project.oid)},
            fields=["ObjectID", "ScheduleState", "_ValidFrom", "_ValidTo"],
            sort={"_ValidFrom": 1},
        )
        snapshots = [snap.data for snap in response]
    if not snapshots:
        print(f"no story history in {project.Name!r}", file=sys.stderr)
        return 1
    # The chart ends on the day of the last change unless --until says otherwise (the demo
    # history stops in March 2026; ending it on the wall clock's today would add a flat
    # tail and make the picture depend on when it is drawn).
    if until == "today":
        last = datetime.now(timezone.utc).date()
    elif until:
        last = date.fromisoformat(until)
    else:
        last = last_change(snapshots)
    first = parse_time(snapshots[0]["_ValidFrom"]).date()
    if days_back is not None:
        first = last - timedelta(days=days_back)
    states = flow_states(
        [str(v) for v in allowed or []], {s.get("ScheduleState") or "Defined" for s in snapshots}
    )
    days = daily_counts(snapshots, first, last)
    title = f"Cumulative flow: stories in {project.Name}, {first} to {last}"
    out.write_text(svg_chart(title, days, states), encoding="utf-8")
    end = days[-1][1]
    print(
        f"{len(snapshots)} snapshots, {first} .. {last}; on {last}: "
        + ", ".join(f"{s} {end.get(s, 0)}" for s in states)
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
