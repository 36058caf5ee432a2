"""Turning JSON body values into stored scalar values, or refusing them.

Clients are loose about JSON types (pyral sends ``"Build": "3917"``, ``"TaskIndex": 1``, and
``'true'`` strings for booleans), so numbers and booleans are accepted in their string forms.
What cannot be converted is refused with the text Rally uses where it is known; nothing is
ever stored half-converted.  References and collections are not handled here: they need the
store (see :mod:`.writes`).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from pyral.emulator import errors
from pyral.emulator.errors import ValidationError
from pyral.emulator.schema import AttrDef

# ISO 8601 as Rally accepts it: a date, optionally followed by 'T' and a time with optional
# seconds, fraction and zone.  A space instead of 'T' is refused (golden create_result_errors).
_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:T(?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?\Z"
)

#: Date-only values of these attributes mean the end of that day (as the seed loader does).
_END_OF_DAY = frozenset({"EndDate", "ReleaseDate"})

_TEXT_TYPES = frozenset({"STRING", "TEXT", "RATING", "STATE"})
_NUMBER_TYPES = frozenset({"QUANTITY", "DECIMAL"})


def parse_date(value: Any, *, end_of_day: bool = False) -> str:
    """ISO 8601 text -> stored ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC); ValueError when not ISO.

    A date alone means the start of that UTC day, or its last second with ``end_of_day``.
    """
    if not isinstance(value, str):
        raise ValueError(value)
    m = _ISO.match(value.strip())
    if not m:
        raise ValueError(value)
    if end_of_day and m.group("h") is None:
        value = value.strip() + "T23:59:59Z"
        m = _ISO.match(value)
        assert m is not None
    fraction = (m.group("f") or "0")[:6].ljust(6, "0")
    moment = datetime(
        int(m.group("y")),
        int(m.group("mo")),
        int(m.group("d")),
        int(m.group("h") or 0),
        int(m.group("mi") or 0),
        int(m.group("s") or 0),
        int(fraction),
        tzinfo=timezone.utc,
    )
    tz = m.group("tz")
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment -= sign * offset
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _as_number(type_name: str, attr: AttrDef, value: Any) -> float | int:
    if isinstance(value, (bool, dict, list)):
        raise ValidationError(errors.bad_number(type_name, attr.name, value))
    if isinstance(value, (int, float)):
        number: float | int = value
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValidationError(errors.bad_number(type_name, attr.name, value)) from None
    if isinstance(number, float) and not math.isfinite(number):
        raise ValidationError(errors.bad_number(type_name, attr.name, value))
    return number


def _as_integer(type_name: str, attr: AttrDef, value: Any) -> int:
    number = _as_number(type_name, attr, value)
    if isinstance(number, float):
        if not number.is_integer():
            raise ValidationError(errors.bad_number(type_name, attr.name, value))
        number = int(number)
    return number


def _as_boolean(type_name: str, attr: AttrDef, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValidationError(errors.bad_boolean(type_name, attr.name, value))


def _as_text(type_name: str, attr: AttrDef, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    raise ValidationError(errors.bad_value(type_name, attr.name, value, "a string"))


def real_allowed_values(attr: AttrDef) -> list[Any]:
    """The allowed values worth listing: the schema's list minus the empty placeholder."""
    return [v for v in (attr.allowed_values or ()) if v not in ("", None)]


def _check_allowed(type_name: str, attr: AttrDef, value: Any) -> None:
    allowed = real_allowed_values(attr)
    if not allowed:
        return
    if any(value == v or str(value) == str(v) for v in allowed):
        return
    raise ValidationError(
        errors.invalid_allowed_value(type_name, attr.name, value, [str(v) for v in allowed])
    )


def coerce_scalar(type_name: str, attr: AttrDef, value: Any) -> Any:
    """Convert one non-reference body value to its stored form.

    Blank values clear the attribute (None); the caller decides whether that is allowed
    (required attributes).  Raises ValidationError with Rally's text otherwise.
    """
    kind = attr.attr_type
    if _is_blank(value) and kind not in ("BOOLEAN",):
        return None
    if value is None:
        return None
    if kind in _TEXT_TYPES:
        text = _as_text(type_name, attr, value)
        if attr.max_length and len(text) > attr.max_length:
            raise ValidationError(errors.max_length(type_name, attr.name, attr.max_length))
        _check_allowed(type_name, attr, text)
        return text
    if kind == "INTEGER":
        number = _as_integer(type_name, attr, value)
        _check_allowed(type_name, attr, number)
        return number
    if kind in _NUMBER_TYPES:
        return float(_as_number(type_name, attr, value))
    if kind == "BOOLEAN":
        return _as_boolean(type_name, attr, value)
    if kind == "DATE":
        try:
            return parse_date(value, end_of_day=attr.name in _END_OF_DAY)
        except (ValueError, OverflowError):
            raise ValidationError(errors.bad_date(str(value))) from None
    if kind == "WEB_LINK":
        if isinstance(value, dict):
            return {
                "LinkID": _as_text(type_name, attr, value.get("LinkID") or ""),
                "DisplayString": _as_text(type_name, attr, value.get("DisplayString") or ""),
            }
        return {"LinkID": _as_text(type_name, attr, value), "DisplayString": ""}
    # RAW, BINARY_DATA, MAP and anything unforeseen: keep the JSON value as given.
    return value
