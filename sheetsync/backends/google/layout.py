"""``sheetsync init --google``: lay out REGISTER.md's tabs in an empty or new Google Sheet.

- ``create_spreadsheet`` makes a new spreadsheet with the Sheets API itself
  (``spreadsheets.create`` needs only the ``spreadsheets`` scope, never Drive).
- ``lay_out`` adds every missing tab, fills tabs that exist but are empty, and refuses
  to touch a tab that already holds data (unless asked to skip those). Headers are bold,
  frozen and carry a note; choice columns get a non-strict dropdown; date columns get a
  date format. Costs: one ``spreadsheets.get``, one ``values:batchGet`` (to see what is
  there), one ``spreadsheets.batchUpdate`` (tabs, formats) and one ``values:batchUpdate``
  (``RAW``: text stays text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sheetsync.backends.google.register import SERIAL_EPOCH, SheetsRegister, quote_title
from sheetsync.core.ports import CellValue
from sheetsync.core.schema import ALL_TABS, STATE_TAB, TabSpec
from sheetsync.errors import RegisterShapeError

SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
TableSpec = tuple[str, Sequence[str], Sequence[Sequence[CellValue]]]


@dataclass
class LayoutReport:
    created: list[str] = field(default_factory=list)  # tabs added
    filled: list[str] = field(default_factory=list)  # empty tabs that got headers/rows
    skipped: list[str] = field(default_factory=list)  # tabs holding data, left alone


def create_spreadsheet(register_http: Any, title: str, *, time_zone: str | None = None,
                       locale: str | None = None) -> str:
    """Create an empty spreadsheet (one tab per REGISTER.md tab) and return its ID.

    ``register_http`` is a ``SheetsRegister.http_client`` (or any gspread HTTPClient).
    """
    props: dict[str, Any] = {"title": title}
    if time_zone:
        props["timeZone"] = time_zone
    if locale:
        props["locale"] = locale
    body = {"properties": props,
            "sheets": [{"properties": {"title": spec.name, "index": i}}
                       for i, spec in enumerate(ALL_TABS)]}
    reply = register_http.request("post", SHEETS_API, json=body).json()
    return str(reply["spreadsheetId"])


def _serial(value: dt.date | dt.datetime) -> float:
    if isinstance(value, dt.datetime):
        base = dt.datetime.combine(SERIAL_EPOCH, dt.time())
        return (value.replace(tzinfo=None) - base).total_seconds() / 86400
    return float((value - SERIAL_EPOCH).days)


def _api_value(value: CellValue) -> Any:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return _serial(value)
    return value


def _spec(title: str) -> TabSpec | None:
    return next((s for s in ALL_TABS if s.name == title), None)


def lay_out(
    register: SheetsRegister,
    tables: Sequence[TableSpec],
    *,
    notes: Mapping[tuple[str, str], str] | None = None,
    skip_tabs_with_data: bool = False,
) -> LayoutReport:
    """Put ``tables`` ((title, header, rows) per tab) into the spreadsheet.

    A tab (matched by title or one of its aliases) that already holds any value is never
    touched: without ``skip_tabs_with_data`` nothing at all is changed and
    ``RegisterShapeError`` names those tabs.
    """
    snapshot = register.read()
    meta = register._meta
    assert meta is not None
    existing: dict[str, str] = {}  # wanted title -> title in the sheet
    busy: list[str] = []
    for title, _header, _rows in tables:
        spec = _spec(title)
        found = next((t for t in snapshot.tabs if t.title == title), None) or next(
            (t for t in snapshot.tabs if spec is not None and spec.matches(t.title)), None)
        if found is None:
            continue
        existing[title] = found.title
        if any(h.strip() for h in found.header) or any(not r.is_blank for r in found.rows):
            busy.append(found.title)
    report = LayoutReport()
    if busy and not skip_tabs_with_data:
        raise RegisterShapeError(
            "These tabs already hold data, so sheetsync init leaves the spreadsheet as it "
            "is: " + ", ".join(busy) + ".",
            "Use a new or empty spreadsheet, or run 'sheetsync doctor' to check that the "
            "existing tabs have the columns REGISTER.md describes.")

    requests: list[dict[str, Any]] = []
    data: list[dict[str, Any]] = []
    used_ids = {s.sheet_id for s in meta.sheets.values()}
    next_id = max(used_ids | {0}) + 1
    for title, header, rows in tables:
        if title == STATE_TAB:
            continue
        target = existing.get(title, title)
        if target in busy:
            report.skipped.append(target)
            continue
        width = max([len(header), *(len(r) for r in rows)])
        if title in existing:
            sheet = meta.sheets[target]
            sheet_id = sheet.sheet_id
            requests.append({"updateSheetProperties": {
                "properties": {"sheetId": sheet_id, "gridProperties": {
                    "frozenRowCount": 1, "rowCount": max(sheet.rows, len(rows) + 100),
                    "columnCount": max(sheet.columns, width)}},
                "fields": "gridProperties.frozenRowCount,gridProperties.rowCount,"
                          "gridProperties.columnCount"}})
            report.filled.append(target)
        else:
            sheet_id = next_id
            next_id += 1
            requests.append({"addSheet": {"properties": {
                "sheetId": sheet_id, "title": title,
                "gridProperties": {"rowCount": max(1000, len(rows) + 100),
                                   "columnCount": max(26, width), "frozenRowCount": 1}}}})
            report.created.append(title)
        requests += _formats(sheet_id, title, list(header), len(rows), notes or {})
        values = [list(header)] + [[_api_value(v) for v in row] for row in rows]
        data.append({"range": f"{quote_title(target)}!A1", "majorDimension": "ROWS",
                     "values": values})
    if requests:
        register.http_client.batch_update(register.spreadsheet_id, {"requests": requests})
    if data:
        register.http_client.values_batch_update(
            register.spreadsheet_id, body={"valueInputOption": "RAW", "data": data})
    return report


def _formats(sheet_id: int, title: str, header: list[str], n_rows: int,
             notes: Mapping[tuple[str, str], str]) -> list[dict[str, Any]]:
    spec = _spec(title)
    requests: list[dict[str, Any]] = [{"repeatCell": {
        "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1,
                  "startColumnIndex": 0, "endColumnIndex": len(header)},
        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
        "fields": "userEnteredFormat.textFormat.bold"}}]
    header_notes = [notes.get((title, h), "") for h in header]
    if any(header_notes):
        requests.append({"updateCells": {
            "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1,
                      "startColumnIndex": 0, "endColumnIndex": len(header)},
            "rows": [{"values": [{"note": n} for n in header_notes]}],
            "fields": "note"}})
    if spec is None:
        return requests
    for index, name in enumerate(header):
        column = next((c for c in spec.columns if c.name == name), None)
        if column is None:
            continue
        rows = {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": index,
                "endColumnIndex": index + 1}
        if column.choices:
            requests.append({"setDataValidation": {"range": rows, "rule": {
                "condition": {"type": "ONE_OF_LIST",
                              "values": [{"userEnteredValue": c} for c in column.choices]},
                "strict": False, "showCustomUi": True}}})
        if column.is_date:
            requests.append({"repeatCell": {
                "range": rows,
                "cell": {"userEnteredFormat": {"numberFormat": {"type": "DATE",
                                                                "pattern": "yyyy-mm-dd"}}},
                "fields": "userEnteredFormat.numberFormat"}})
    return requests
