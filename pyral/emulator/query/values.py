"""Reading literal text as the kind of value an attribute holds.

The parser keeps every value as text; the compiler asks these helpers to turn it into what the
store holds for the attribute: an integer oid for a ref, a number, 1/0 for a boolean, a UTC
timestamp text for a date, a (prefix, number) pair for a FormattedID.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass

from pyral.emulator.errors import QueryError, bad_date, bad_reference, could_not_parse
from pyral.emulator.errors import query_bad_boolean as bad_boolean
from pyral.emulator.errors import query_bad_number as bad_number

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_REF_RE = re.compile(
    r"(?:https?://[^/\s]+)?(?:/slm/webservice/v[0-9.]+)?/?"
    r"(?:[A-Za-z_][A-Za-z0-9_]*/)+(\d+)(?:\.js)?/?\Z"
)
_FID_RE = re.compile(r"([A-Za-z]*)(\d+)\Z")
_TODAY_RE = re.compile(r"today(?:\s*([+-])\s*(\d{1,6}))?\Z", re.IGNORECASE)
_PARTIAL_DATE_RE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\Z")
_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\Z",
    re.IGNORECASE,
)


def sql_int(digits: str) -> int | float:
    """An integer literal SQLite can bind.

    SQLite integers are 64-bit: a longer literal (hostile or a typo) would make the driver
    raise OverflowError, so it becomes the nearest float, which compares just as well and
    equals no stored id.  Python's own limit on digits is avoided the same way.
    """
    if len(digits.lstrip("+-0")) <= 18:
        return int(digits)
    try:
        value = int(digits)
    except ValueError:  # beyond Python's int-from-string digit limit
        return -math.inf if digits.startswith("-") else math.inf
    if -(2**63) <= value <= 2**63 - 1:
        return value
    try:
        return float(value)
    except OverflowError:
        return -math.inf if value < 0 else math.inf


def to_number(text: str) -> int | float:
    t = text.strip()
    if not _NUMBER_RE.match(t):
        raise QueryError(bad_number(text))
    if re.fullmatch(r"[+-]?\d+", t):
        return sql_int(t)
    value = float(t)
    if not math.isfinite(value):
        raise QueryError(bad_number(text))
    return value


def to_boolean(text: str) -> int:
    low = text.strip().lower()
    if low == "true":
        return 1
    if low == "false":
        return 0
    raise QueryError(bad_boolean(text))


def to_ref_oid(text: str) -> int | float:
    """``/user/5``, ``user/5``, ``portfolioitem/feature/12``, full ``https://…/v2.0/project/4``."""
    m = _REF_RE.match(text.strip())
    if not m:
        raise QueryError(could_not_parse(bad_reference(text)))
    return sql_int(m.group(1))


def split_formatted_id(text: str) -> tuple[str, int | float] | None:
    """``DE22`` -> ('DE', 22), ``22`` -> ('', 22); anything else -> None."""
    m = _FID_RE.match(text.strip())
    if not m:
        return None
    return m.group(1).upper(), sql_int(m.group(2))


@dataclass(frozen=True)
class DateSpan:
    """A date literal as the span of time it names, both ends as stored text.

    A full timestamp names one instant (``first == last``); ``2024-01-01`` names the whole UTC day,
    ``2024-01`` the month, ``2024`` the year.  Storage keeps dates as fixed-width UTC text with
    milliseconds, so text comparison against these bounds is time comparison.
    """

    first: str
    last: str

    @property
    def is_instant(self) -> bool:
        return self.first == self.last


_MS = _dt.timedelta(milliseconds=1)


def _stamp(moment: _dt.datetime) -> str:
    # Formatted by hand: strftime("%Y") does not zero-pad years below 1000 on every platform.
    m = moment
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}."
        f"{m.microsecond // 1000:03d}Z"
    )


def _span(start: _dt.datetime, end: _dt.datetime) -> DateSpan:
    return DateSpan(_stamp(start), _stamp(end - _MS))


def _day(date: _dt.date) -> DateSpan:
    start = _dt.datetime(date.year, date.month, date.day)
    return _span(start, start + _dt.timedelta(days=1))


def to_date_span(text: str, today: _dt.date) -> DateSpan:
    t = text.strip()
    try:
        m = _TODAY_RE.match(t)
        if m:
            offset = int(m.group(2) or 0) * (-1 if m.group(1) == "-" else 1)
            return _day(today + _dt.timedelta(days=offset))
        m = _PARTIAL_DATE_RE.match(t)
        if m:
            year, month, day = (int(g) if g else None for g in m.groups())
            assert year is not None
            if day is not None and month is not None:
                return _day(_dt.date(year, month, day))
            if month is not None:
                start = _dt.datetime(year, month, 1)
                nxt = _dt.datetime(year + (month == 12), month % 12 + 1, 1)
                return _span(start, nxt)
            return _span(_dt.datetime(year, 1, 1), _dt.datetime(year + 1, 1, 1))
        m = _DATETIME_RE.match(t)
        if m:
            y, mo, d, h, mi, s, frac, zone = m.groups()
            micro = int((frac or "0")[:6].ljust(6, "0"))
            moment = _dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro)
            if zone and zone.upper() != "Z":
                sign = -1 if zone[0] == "-" else 1
                digits = zone[1:].replace(":", "")
                delta = _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
                moment = moment - sign * delta
            # Millisecond precision is what storage keeps; finer digits are truncated.
            moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
            return DateSpan(_stamp(moment), _stamp(moment))
    except (ValueError, OverflowError):
        pass
    raise QueryError(bad_date(text))
