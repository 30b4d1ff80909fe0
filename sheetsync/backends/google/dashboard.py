"""The Dashboard tab on Google: the requests that write it, for the register's one
``spreadsheets.batchUpdate`` (the dashboard never costs a call of its own).

- The tab is made (visible, at the end) the first time, with column widths; later it is
  grown when the dashboard needs more rows than it has.
- The rows whose values changed are rewritten (``updateCells``, values and format; counts
  as numbers, so the chart can plot them, everything else as text, like RAW input).
  Rows the previous dashboard used beyond the new one are blanked.
- One chart of the monthly table, a stacked column chart (Sheets' ``basicChart``), with
  a chart id derived from the spreadsheet id: it is added once (``addChart``, when no
  chart has that id) and afterwards its spec is refreshed in place
  (``updateChartSpec``), so a move or resize by a person stays and there is never a
  second chart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sheetsync.backends.google.body import Request, encode_row, update_rows
from sheetsync.core.dashboard import CHART_TITLE, Dashboard, MonthlyTable

# New tabs hold at least this much, so the chart beside the monthly table has room.
MIN_ROWS = 60
MIN_COLUMNS = 20
CHART_WIDTH_PX = 680
CHART_HEIGHT_PX = 320
_PX_PER_CHAR = 7
_HEADER_GREY = {"red": 0.91, "green": 0.918, "blue": 0.929}
# What the dashboard's updateCells sets, and so clears where a cell has none of it.
_FIELDS = ("userEnteredValue,userEnteredFormat.textFormat,userEnteredFormat.wrapStrategy,"
           "userEnteredFormat.verticalAlignment,userEnteredFormat.horizontalAlignment,"
           "userEnteredFormat.backgroundColor")


@dataclass(frozen=True)
class DashSheet:
    """The dashboard tab as the request leaves it."""

    sheet_id: int
    title: str
    rows: int
    columns: int


def derived_id(spreadsheet_id: str, what: str) -> int:
    """A stable positive 31-bit id for a sheet or chart sheetsync makes."""
    digest = hashlib.sha256(f"{spreadsheet_id}\x00{what}".encode()).hexdigest()[:8]
    return 1_000_000_000 + int(digest, 16) % 1_000_000_000


def chart_id_for(spreadsheet_id: str) -> int:
    return derived_id(spreadsheet_id, "dashboard-chart")


def dashboard_requests(dashboard: Dashboard, sheet: DashSheet | None, new_sheet_id: int,
                       old_rows: Sequence[Sequence[str]], chart_id: int, chart_exists: bool
                       ) -> tuple[DashSheet, list[Request]]:
    """The dashboard tab as it will be, and the requests that write it. ``old_rows`` is
    the tab as read (``core.dashboard.tab_rows``): only rows that differ are written."""
    height = len(dashboard.rows)
    width = max([len(r) for r in dashboard.rows] + [len(dashboard.widths)])
    requests: list[Request] = []
    if sheet is None:
        sheet = DashSheet(new_sheet_id, dashboard.title, max(MIN_ROWS, height + 20),
                          max(MIN_COLUMNS, width))
        requests.append({"addSheet": {"properties": {
            "sheetId": sheet.sheet_id, "title": sheet.title,
            "gridProperties": {"rowCount": sheet.rows, "columnCount": sheet.columns}}}})
        requests += [{"updateDimensionProperties": {
            "range": {"sheetId": sheet.sheet_id, "dimension": "COLUMNS",
                      "startIndex": i, "endIndex": i + 1},
            "properties": {"pixelSize": chars * _PX_PER_CHAR + 10},
            "fields": "pixelSize"}} for i, chars in enumerate(dashboard.widths)]
    elif sheet.rows < height or sheet.columns < width:
        sheet = DashSheet(sheet.sheet_id, sheet.title, max(sheet.rows, height + 20),
                          max(sheet.columns, width))
        requests.append({"updateSheetProperties": {
            "properties": {"sheetId": sheet.sheet_id,
                           "gridProperties": {"rowCount": sheet.rows,
                                              "columnCount": sheet.columns}},
            "fields": "gridProperties.rowCount,gridProperties.columnCount"}})
    requests += _changed_rows(dashboard, sheet, old_rows)
    table = dashboard.chart
    if table is not None:
        spec = chart_spec(sheet.sheet_id, table)
        if chart_exists:
            requests.append({"updateChartSpec": {"chartId": chart_id, "spec": spec}})
        else:
            requests.append({"addChart": {"chart": {
                "chartId": chart_id, "spec": spec,
                "position": {"overlayPosition": {
                    "anchorCell": {"sheetId": sheet.sheet_id, "rowIndex": table.anchor_row,
                                   "columnIndex": table.anchor_col},
                    "widthPixels": CHART_WIDTH_PX, "heightPixels": CHART_HEIGHT_PX}}}}})
    return sheet, requests


def _changed_rows(dashboard: Dashboard, sheet: DashSheet, old_rows: Sequence[Sequence[str]]
                  ) -> list[Request]:
    """``updateCells`` for each run of rows whose values differ from what the tab holds,
    old rows below the new dashboard blanked. A register with thousands of partners
    rewrites the lines that moved, not the whole tab, on every change."""
    new_rows = dashboard.text_rows()
    height = min(max(len(dashboard.rows), len(old_rows)), sheet.rows)
    width = min(max([len(r) for r in dashboard.rows] + [len(r) for r in old_rows]
                    + [len(dashboard.widths)]), sheet.columns)

    def differs(r: int) -> bool:
        new = tuple(new_rows[r]) if r < len(new_rows) else ()
        old = tuple(old_rows[r]) if r < len(old_rows) else ()
        return new != old

    requests: list[Request] = []
    r = 0
    while r < height:
        if not differs(r):
            r += 1
            continue
        start = r
        while r < height and differs(r):
            r += 1
        grid = []
        for i in range(start, r):  # encoded row by row: a row per partner adds up (body)
            row = dashboard.rows[i] if i < len(dashboard.rows) else ()
            grid.append(encode_row({"values": [
                _cell(row[c] if c < len(row) else "", dashboard, i) for c in range(width)]}))
        requests.append(update_rows(sheet.sheet_id, start, 0, grid, _FIELDS))
    return requests


def _format(dashboard: Dashboard, row: int, value: object) -> dict[str, Any]:
    """How a cell looks; what is not set here is cleared (``_FIELDS``)."""
    fmt: dict[str, Any] = {}
    if row in dashboard.title_rows:
        fmt["textFormat"] = {"bold": True, "fontSize": 14}
    elif row in dashboard.header_rows:
        fmt.update(textFormat={"bold": True}, wrapStrategy="WRAP", verticalAlignment="TOP",
                   backgroundColor=_HEADER_GREY)
    elif row in dashboard.bold:
        fmt["textFormat"] = {"bold": True}
    if isinstance(value, int):
        fmt["horizontalAlignment"] = "CENTER"
    return fmt


def _cell(value: object, dashboard: Dashboard, row: int) -> dict[str, Any]:
    cell: dict[str, Any] = {}
    if isinstance(value, int):
        cell["userEnteredValue"] = {"numberValue": value}
    elif value:
        cell["userEnteredValue"] = {"stringValue": str(value)}
    fmt = _format(dashboard, row, value) if "userEnteredValue" in cell else {}
    if fmt:
        cell["userEnteredFormat"] = fmt
    return cell


def _column(sheet_id: int, table: MonthlyTable, col: int) -> dict[str, Any]:
    return {"sourceRange": {"sources": [{
        "sheetId": sheet_id, "startRowIndex": table.top, "endRowIndex": table.bottom,
        "startColumnIndex": col, "endColumnIndex": col + 1}]}}


def chart_spec(sheet_id: int, table: MonthlyTable) -> dict[str, Any]:
    """A stacked column chart: months along the bottom, one band per partner; the
    header row names the series."""
    return {
        "title": CHART_TITLE,
        "basicChart": {
            "chartType": "COLUMN",
            "stackedType": "STACKED",
            "legendPosition": "RIGHT_LEGEND",
            "headerCount": 1,
            "axis": [{"position": "BOTTOM_AXIS", "title": "Month"},
                     {"position": "LEFT_AXIS", "title": "Referrals received"}],
            "domains": [{"domain": _column(sheet_id, table, table.left)}],
            "series": [{"series": _column(sheet_id, table, table.left + 1 + i),
                        "targetAxis": "LEFT_AXIS"} for i in range(table.series)],
        },
    }
