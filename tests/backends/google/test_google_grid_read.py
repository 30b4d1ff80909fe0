"""The one-call read (``spreadsheets.get`` with a field mask on ``effectiveValue``) gives
the very cells the values API gives with UNFORMATTED_VALUE and SERIAL_NUMBER dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from google_harness import GoogleHarness

from sheetsync.backends.google.picture import quote_title
from sheetsync.backends.google.register import READ_PARAMS, SheetsRegister

TAB = [
    ["ID", "Text", "Number", "Date", "Flag", "Formula"],
    ["'00123", "'=HYPERLINK(\"x\")", 42, dt.date(2026, 11, 22), True, "=1/0"],
    ["", "", "", "", "", ""],  # a blank row in the middle stays a row
    ["'P-2", "'2026-01-05", 2.5, dt.datetime(2026, 11, 22, 9, 30), False, "=2*3"],
    ["", "'#N/A text", "", "", "", "=\"a\"&\"b\""],
]


def values_api(h: GoogleHarness, title: str) -> list[list[Any]]:
    reg = SheetsRegister(h.sid, session=h.fake.requests_session())
    got = reg.http_client.values_batch_get(h.sid, [quote_title(title)], params=dict(READ_PARAMS))
    return list(got["valueRanges"][0].get("values", []))


def test_grid_read_matches_the_values_api() -> None:
    h = GoogleHarness()
    h.sid = h.fake.sheets.create_spreadsheet("R", {"Tab": TAB, "Empty": []})
    reg = SheetsRegister(h.sid, session=h.fake.requests_session())
    h.fake.reset_counters()
    snap = reg.read()
    assert h.fake.calls.for_api("sheets") == 1
    tab = snap.tab("Tab")
    assert tab is not None and snap.tab("Empty") is not None
    expected = values_api(h, "Tab")
    assert list(tab.header) == expected[0]
    got = [list(r.cells) for r in tab.rows]
    want = [row + [None] * (len(tab.header) - len(row)) for row in expected[1:]]
    assert got == [[None if v == "" else v for v in row] for row in want]
    first = tab.rows[0].cells
    assert first[0] == "00123" and first[1] == '=HYPERLINK("x")'  # text stays text
    assert first[2] == 42 and isinstance(first[2], int)  # 42, not 42.0
    assert first[3] == 46348  # a date is its serial number
    assert first[4] is True and first[5] == "#DIV/0!"
    assert [r.number for r in tab.rows] == [2, 3, 4, 5]


def test_mask_alone_decides_grid_data_like_google() -> None:
    """Google ignores includeGridData when a field mask is set."""
    h = GoogleHarness()
    h.sid = h.fake.sheets.create_spreadsheet("R", {"Tab": TAB})
    session = h.fake.requests_session()
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{h.sid}"
    props_only = session.get(url, params={"includeGridData": "true",
                                          "fields": "sheets(properties(title))"}).json()
    assert "data" not in props_only["sheets"][0]
    lean = session.get(url, params={
        "fields": "sheets(data(rowData(values(effectiveValue))))"}).json()
    cell = lean["sheets"][0]["data"][0]["rowData"][1]["values"][5]
    assert cell == {"effectiveValue": {"errorValue": {"type": "DIVIDE_BY_ZERO",
                                                      "message": "#DIV/0!"}}}
