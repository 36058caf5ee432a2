"""The ``fetch`` parameter.

pyral sends ``fetch=false`` / ``fetch=true`` / ``fetch=A,B`` and, for project lists, the list
wrapped in literal double quotes (``fetch="ObjectID,Name,State"``); others put spaces after
commas.  Unknown field names are not an error in Rally (they are simply absent from the
objects), so no schema is needed here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fetch:
    mode: str  # 'none' | 'all' | 'list'
    fields: tuple[str, ...] = ()


NONE = Fetch("none")
ALL = Fetch("all")


def parse_fetch(raw: str | None) -> Fetch:
    if raw is None:
        return NONE
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    low = text.lower()
    if low in ("", "false"):
        return NONE
    if low == "true":
        return ALL
    fields: list[str] = []
    for part in text.split(","):
        name = part.strip().strip("\"'").strip()
        if name and name not in fields:
            fields.append(name)
    return Fetch("list", tuple(fields)) if fields else NONE
