"""Writing results: a table for people, CSV / JSON / JSON Lines for programs.

Rows arrive one at a time from a lazily paged query, so every writer streams: JSON is written
as an array whose elements are emitted as they come, and the table sizes its columns from the
first rows only (later, wider cells push the line out instead of being cut, so no data is
lost; only cells beyond ``MAX_CELL`` characters are shortened, and only in the table).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

FORMATS = ("table", "json", "csv", "jsonl")
MAX_CELL = 60
SIZING_ROWS = 100
_NOISE = ("_rallyAPIMajor", "_rallyAPIMinor")


def clean(value: Any) -> Any:
    """A WSAPI value without the API-version keys Rally repeats inside every object."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if k not in _NOISE}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def cell(value: Any) -> str:
    """One value as text: references by FormattedID or name, collections by names or count."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        if "_tagsNameArray" in value:
            names = [
                t.get("Name", "") if isinstance(t, dict) else str(t)
                for t in value["_tagsNameArray"]
            ]
            return ", ".join(names)
        for key in ("FormattedID", "_refObjectName", "Name"):
            if value.get(key) not in (None, ""):
                return str(value[key])
        if "Count" in value:
            return str(value["Count"])
        return str(value.get("_ref", json.dumps(value, sort_keys=True)))
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    return str(value)


def has_value(value: Any) -> bool:
    """Whether a field would show something: not unset, not blank, not an empty collection.

    An empty collection arrives as a summary (``{"Count": 0, "_tagsNameArray": []}`` for
    Tags and Milestones) that is a non-empty dict, so emptiness is judged on what a reader
    would see, with ``Count: 0`` counting as nothing.
    """
    if isinstance(value, dict) and value.get("Count") == 0 and "_ref" in value:
        return False
    return cell(value).strip() != ""


def columns_of(item: dict[str, Any]) -> list[str]:
    """Field names of an item fetched with ``fetch=true`` (WSAPI's own keys left out)."""
    return [k for k in item if not k.startswith("_")]


def projection(item: dict[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    """The item reduced to its ref, type and the requested fields, in that order."""
    out: dict[str, Any] = {k: item[k] for k in ("_ref", "_type") if k in item}
    for column in columns:
        out[column] = clean(item.get(column))
    return out


class Writer:
    """Base of the streaming writers: ``write`` each row dict, then ``close``."""

    def __init__(self, out: TextIO, columns: Sequence[str] | None) -> None:
        self.out = out
        self.columns: list[str] | None = list(columns) if columns is not None else None
        self.count = 0

    def write(self, item: dict[str, Any]) -> None:
        if self.columns is None:
            self.columns = columns_of(item)
        self.count += 1
        self._emit(item)

    def _emit(self, item: dict[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish the output (closing bracket, pending table rows); the stream stays open."""


class JsonWriter(Writer):
    def _emit(self, item: dict[str, Any]) -> None:
        assert self.columns is not None
        text = json.dumps(projection(item, self.columns), indent=2)
        self.out.write(("[\n" if self.count == 1 else ",\n") + _indent(text))

    def close(self) -> None:
        self.out.write("[]\n" if self.count == 0 else "\n]\n")


class JsonLinesWriter(Writer):
    def _emit(self, item: dict[str, Any]) -> None:
        assert self.columns is not None
        self.out.write(json.dumps(projection(item, self.columns)) + "\n")


class CsvWriter(Writer):
    def __init__(self, out: TextIO, columns: Sequence[str] | None) -> None:
        super().__init__(out, columns)
        self._csv = csv.writer(out, lineterminator="\n")
        if self.columns is not None:
            self._csv.writerow(self.columns)

    def write(self, item: dict[str, Any]) -> None:
        if self.columns is None:
            self.columns = columns_of(item)
            self._csv.writerow(self.columns)
        super().write(item)

    def _emit(self, item: dict[str, Any]) -> None:
        assert self.columns is not None
        self._csv.writerow([cell(item.get(c)) for c in self.columns])


class TableWriter(Writer):
    """Aligned columns; widths come from the first ``SIZING_ROWS`` rows, then rows stream."""

    def __init__(self, out: TextIO, columns: Sequence[str] | None) -> None:
        super().__init__(out, columns)
        self._pending: list[list[str]] = []
        self._widths: list[int] | None = None

    def _emit(self, item: dict[str, Any]) -> None:
        assert self.columns is not None
        row = [_one_line(cell(item.get(c))) for c in self.columns]
        if self._widths is not None:
            self._line(row)
            return
        self._pending.append(row)
        if len(self._pending) >= SIZING_ROWS:
            self._flush()

    def _flush(self) -> None:
        assert self.columns is not None
        rows = self._pending
        self._widths = [
            min(MAX_CELL, max([len(c)] + [len(r[i]) for r in rows]))
            for i, c in enumerate(self.columns)
        ]
        self._line(self.columns)
        self._line(["-" * w for w in self._widths])
        for row in rows:
            self._line(row)
        self._pending = []

    def _line(self, row: Sequence[str]) -> None:
        assert self._widths is not None
        cells = [_shorten(text).ljust(w) for text, w in zip(row, self._widths, strict=True)]
        self.out.write("  ".join(cells).rstrip() + "\n")

    def close(self) -> None:
        if self._widths is None and self.columns is not None:
            self._flush()


WRITERS: dict[str, type[Writer]] = {
    "table": TableWriter,
    "json": JsonWriter,
    "jsonl": JsonLinesWriter,
    "csv": CsvWriter,
}


def write_rows(
    out: TextIO, fmt: str, columns: Sequence[str] | None, items: Iterable[dict[str, Any]]
) -> int:
    """Stream ``items`` to ``out`` in ``fmt``; returns how many were written."""
    writer = WRITERS[fmt](out, columns)
    for item in items:
        writer.write(item)
    writer.close()
    return writer.count


def write_record(out: TextIO, item: dict[str, Any], fields: Sequence[str] | None = None) -> None:
    """One item as ``Field: value`` lines; multi-line values are indented under their name."""
    names = list(fields) if fields is not None else columns_of(item)
    if "_ref" in item and "_ref" not in names:
        names.append("_ref")
    width = max((len(n) for n in names), default=0)
    for name in names:
        text = cell(item.get(name))
        first, *rest = text.splitlines() or [""]
        out.write(f"{name + ':':<{width + 1}} {first}".rstrip() + "\n")
        for line in rest:
            out.write(" " * (width + 2) + line + "\n")


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _one_line(text: str) -> str:
    return " ".join(text.split()) if ("\n" in text or "\r" in text or "\t" in text) else text


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 3] + "..."
