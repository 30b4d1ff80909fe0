import datetime as dt

import pytest

from sheetsync.core.dates import DateProblem, parse_date, to_serial


@pytest.mark.parametrize("value, order, expected", [
    ("2026-04-03", "", dt.date(2026, 4, 3)),
    ("2026/4/3", "", dt.date(2026, 4, 3)),
    ("2026-04-03T10:30", "", dt.date(2026, 4, 3)),
    ("03/04/2026", "day-first", dt.date(2026, 4, 3)),
    ("03/04/2026", "month-first", dt.date(2026, 3, 4)),
    ("25/12/2026", "", dt.date(2026, 12, 25)),
    ("12/25/2026", "", dt.date(2026, 12, 25)),
    ("04/04/26", "", dt.date(2026, 4, 4)),
    ("3 Apr 2026", "", dt.date(2026, 4, 3)),
    ("April 3, 2026", "", dt.date(2026, 4, 3)),
    ("3rd April 2026", "", dt.date(2026, 4, 3)),
    (46115, "", dt.date(2026, 4, 3)),
    (46115.75, "", dt.date(2026, 4, 3)),
    (dt.datetime(2026, 4, 3, 23, 59), "", dt.date(2026, 4, 3)),
    (dt.date(2026, 4, 3), "", dt.date(2026, 4, 3)),
    ("", "", None),
    (None, "", None),
])
def test_accepted_dates(value: object, order: str, expected: dt.date | None) -> None:
    assert parse_date(value, order) == expected  # type: ignore[arg-type]


def test_serial_round_trip() -> None:
    assert to_serial(dt.date(2026, 4, 3)) == 46115


@pytest.mark.parametrize("value, fragment", [
    ("03/04/2026", "ambiguous: write 2026-04-03 or set the date order in Settings"),
    ("31/02/2026", "not a real date"),
    ("next tuesday", "not a date sheetsync understands"),
    ("2026-13-01", "not a real date"),
    (3, "out of range"),
    ("1899-12-31", "out of range"),
    ("2100-01-01", "out of range"),
    (-5, "is a number, not a date"),
    (True, "not a date"),
    ("3 Foo 2026", "unknown month"),
])
def test_refused_dates(value: object, fragment: str) -> None:
    with pytest.raises(DateProblem) as err:
        parse_date(value)
    assert fragment in str(err.value)
