"""Reading dates the way staff type them.

Spreadsheets hand dates over as real dates (openpyxl) or serial numbers (Google Sheets
with ``dateTimeRenderOption=SERIAL_NUMBER``); staff also type text. Text is accepted as
ISO (2026-04-03), with month names (3 Apr 2026, April 3 2026), or as numbers in the
clinic's configured order. "03/04/2026" with no configured order is refused as ambiguous
rather than guessed: a wrong guess moves a client's check-in by a month.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from sheetsync.core.fields import shown as shown_text

DateOrder = Literal["day-first", "month-first", ""]

# Spreadsheet serial day 0 (Lotus/Excel/Google convention, skipping the 1900 leap bug).
_EPOCH = dt.date(1899, 12, 30)
EARLIEST = dt.date(1950, 1, 1)
LATEST = dt.date(2099, 12, 31)

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:\s.*)?$")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([A-Za-z]+)\.?,?[\s-]+(\d{4})$")
_MONTH_NAME_DAY = re.compile(r"^([A-Za-z]+)\.?[\s-]+(\d{1,2})(?:st|nd|rd|th)?,?[\s-]+(\d{4})$")


class DateProblem(ValueError):
    """A date a person must fix; the message is written for them."""


def from_serial(serial: float) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(serial // 1))


def to_serial(day: dt.date) -> int:
    return (day - _EPOCH).days


def _check_range(day: dt.date, shown: str) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise DateProblem(
            f"Date '{shown}' is out of range ({day.year}): write a date between "
            f"{EARLIEST.year} and {LATEST.year}, like 2026-04-03"
        )
    return day


def _make(year: int, month: int, day: int, shown: str) -> dt.date:
    if year < 100:
        year += 2000
    try:
        result = dt.date(year, month, day)
    except ValueError:
        raise DateProblem(f"Date '{shown}' is not a real date: write it like 2026-04-03") from None
    return _check_range(result, shown)


def parse_date(value: object, order: DateOrder = "") -> dt.date | None:
    """Turn a cell into a date, or None for an empty cell; raise DateProblem otherwise."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _check_range(value.date(), value.date().isoformat())
    if isinstance(value, dt.date):
        return _check_range(value, value.isoformat())
    if isinstance(value, bool):
        raise DateProblem(f"'{value}' is not a date: write it like 2026-04-03")
    if isinstance(value, (int, float)):
        shown = f"{value:g}"
        if value < 1 or value > 2_958_465:
            raise DateProblem(f"'{shown}' is a number, not a date: write it like 2026-04-03")
        return _check_range(from_serial(value), shown)
    text = str(value).strip()
    if not text:
        return None
    return _parse_text(text, order)


def _parse_text(text: str, order: DateOrder) -> dt.date:
    if m := _ISO.match(text):
        return _make(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _DAY_MONTH_NAME.match(text):
        return _make(int(m[3]), _month(m[2], text), int(m[1]), text)
    if m := _MONTH_NAME_DAY.match(text):
        return _make(int(m[3]), _month(m[1], text), int(m[2]), text)
    if m := _NUMERIC.match(text):
        first, second, year = int(m[1]), int(m[2]), int(m[3])
        if first > 12 and second <= 12:
            return _make(year, second, first, text)
        if second > 12 and first <= 12:
            return _make(year, first, second, text)
        if first == second:
            return _make(year, first, second, text)
        if order == "day-first":
            return _make(year, second, first, text)
        if order == "month-first":
            return _make(year, first, second, text)
        iso_guess = f"{year if year >= 100 else year + 2000:04d}-{second:02d}-{first:02d}"
        raise DateProblem(
            f"Date '{text}' is ambiguous: write {iso_guess} or set the date order in Settings"
        )
    # Quote the cell shortened: a 50,000-character cell must not become a status that big.
    raise DateProblem(f"'{shown_text(text)}' is not a date sheetsync understands: write it "
                      "like 2026-04-03")


def _month(name: str, shown: str) -> int:
    month = _MONTHS.get(name.casefold())
    if month is None:
        raise DateProblem(f"Date '{shown}' has an unknown month: write it like 2026-04-03")
    return month
