"""``sheetsync init --google``: lay out REGISTER.md's tabs in a Google Sheet.

- ``create_spreadsheet`` makes a new spreadsheet with the Sheets API itself
  (``spreadsheets.create`` needs only the ``spreadsheets`` scope, never Drive).
- ``lay_out`` adds every missing tab and fills tabs that exist but are empty. A tab that
  already holds data is never rewritten: it gets only what it lacks (sheetsync's own
  columns appended after the last used column, then dropdowns, date checks, highlights,
  protected tool columns, header notes, a frozen header), and a column that already has
  a check, a note or a protection keeps it.

What is laid out comes from ``core/layout.py`` (the same description the .xlsx uses):
bold frozen header; a non-strict dropdown on every choice column (a value not in the list
gets a warning marker, never a refusal); Treatment, Partner and Introduced by list the
Treatments tab's and Partners tab's names; date columns check for a valid date; tool
columns are grey and protected with ``warningOnly`` (staff see a warning and may go on);
highlights are custom-formula conditional formats; each header has a note.

Costs: ``register.read()`` (one ``spreadsheets.get`` and one ``values:batchGet``), one
``spreadsheets.get`` for the formats, notes and checks already there (header and first
row of each tab only), one ``spreadsheets.batchUpdate`` and one ``values:batchUpdate``
(``RAW``: text stays text). Nothing is sent when nothing is missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sheetsync.backends.google.picture import SERIAL_EPOCH, column_letter, quote_title
from sheetsync.backends.google.register import SheetsRegister
from sheetsync.core.headers import map_columns
from sheetsync.core.layout import (
    LAYOUT,
    TOOL_SHADE,
    ColumnLayout,
    Highlight,
    LayoutChanges,
    TabLayout,
    describe_additions,
    layout_for,
    listing,
)
from sheetsync.core.ports import CellValue, RawTab
from sheetsync.core.schema import ALL_TABS, STATE_TAB

SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
TableSpec = tuple[str, Sequence[str], Sequence[Sequence[CellValue]]]
PROTECTION_PREFIX = "sheetsync writes this column"
# What is already there, for the header row and the first data row of each tab.
_FORMAT_FIELDS = (
    "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount,frozenRowCount)),"
    "conditionalFormats,"
    "protectedRanges(range,description),"
    "data(rowData(values(note,dataValidation,userEnteredFormat(backgroundColor)))))"
)


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


def _colour(rrggbb: str) -> dict[str, float]:
    return {key: round(int(rrggbb[i:i + 2], 16) / 255, 4)
            for key, i in (("red", 0), ("green", 2), ("blue", 4))}


def _pixels(characters: int) -> int:
    return characters * 7 + 16


@dataclass
class _Existing:
    """Formats, checks and notes a tab already has (from one ``spreadsheets.get``)."""

    sheet_id: int = 0
    rows: int = 0
    columns: int = 0
    frozen_rows: int = 0
    rules: list[dict[str, Any]] = field(default_factory=list)
    protected: list[dict[str, Any]] = field(default_factory=list)
    header: list[dict[str, Any]] = field(default_factory=list)  # row 1 cells
    first: list[dict[str, Any]] = field(default_factory=list)  # row 2 cells

    def note(self, col: int) -> str:
        return str(self.header[col].get("note", "")) if col < len(self.header) else ""

    def shaded(self, col: int) -> bool:
        cell = self.header[col] if col < len(self.header) else {}
        colour = (cell.get("userEnteredFormat") or {}).get("backgroundColor")
        return bool(colour) and colour != {"red": 1, "green": 1, "blue": 1}

    def checked(self, col: int) -> bool:
        return col < len(self.first) and bool(self.first[col].get("dataValidation"))

    def protects(self, col: int) -> bool:
        for pr in self.protected:
            rng = pr.get("range") or {}
            start = rng.get("startColumnIndex", 0)
            end = rng.get("endColumnIndex")
            if start <= col and (end is None or col < end):
                return True
        return False

    def has_rule(self, formula: str) -> bool:
        for rule in self.rules:
            condition = (rule.get("booleanRule") or {}).get("condition") or {}
            values = [v.get("userEnteredValue") for v in condition.get("values") or []]
            if formula in values:
                return True
        return False


@dataclass
class _Tab:
    layout: TabLayout | None
    title: str
    sheet_id: int
    header: list[str]
    new: bool  # added or filled now: everything is laid out, nothing reported per feature
    existing: _Existing = field(default_factory=_Existing)
    appended: list[int] = field(default_factory=list)  # tool columns added at the end

    def columns(self) -> dict[str, int]:
        if self.layout is None:
            return {}
        return dict(map_columns(self.layout.spec, self.title, self.header).index)


def lay_out(register: SheetsRegister, tables: Sequence[TableSpec], *,
            layout: Sequence[TabLayout] = LAYOUT) -> LayoutChanges:
    """Put ``tables`` ((title, header, rows) per tab) into the spreadsheet: missing tabs
    are added, empty ones filled, and tabs holding data get only what they lack (see the
    module docstring). Returns what changed, for the person who ran ``init``."""
    snapshot = register.read()
    sheets = _read_existing(register, [t.title for t in snapshot.tabs])
    changes = LayoutChanges()
    requests: list[dict[str, Any]] = []
    data: list[dict[str, Any]] = []
    next_id = max([s.sheet_id for s in sheets.values()] + [0]) + 1
    tabs: list[_Tab] = []
    for title, header, rows in tables:
        if title == STATE_TAB:
            continue
        tab_layout = layout_for(title, tuple(layout))
        found = _find(snapshot.tabs, title, tab_layout)
        width = max([len(header), *(len(r) for r in rows)])
        if found is None:
            sheet_id = next_id
            next_id += 1
            requests.append({"addSheet": {"properties": {
                "sheetId": sheet_id, "title": title,
                "gridProperties": {"rowCount": max(1000, len(rows) + 100),
                                   "columnCount": max(26, width), "frozenRowCount": 1}}}})
            changes.created.append(title)
            tabs.append(_Tab(tab_layout, title, sheet_id, list(header), new=True))
        elif _is_empty(found):
            sheet = sheets[found.title]
            requests.append(_grid(sheet.sheet_id, frozen=1,
                                  rows=max(sheet.rows, len(rows) + 100),
                                  columns=max(sheet.columns, width)))
            changes.filled.append(found.title)
            tabs.append(_Tab(tab_layout, found.title, sheet.sheet_id, list(header), new=True,
                             existing=sheet))
        else:
            sheet = sheets[found.title]
            tab = _Tab(tab_layout, found.title, sheet.sheet_id,
                       [str(h) for h in found.header], new=False, existing=sheet)
            tabs.append(tab)
            if tab_layout is not None:
                _append_tool_columns(tab, found, changes)
            if tab.appended and tab.appended[-1] >= sheet.columns:
                requests.append(_grid(sheet.sheet_id, columns=tab.appended[-1] + 1))
            continue
        values = [list(header)] + [[_api_value(v) for v in row] for row in rows]
        data.append({"range": f"{quote_title(tabs[-1].title)}!A1", "majorDimension": "ROWS",
                     "values": values})
    for tab in tabs:
        if tab.appended:
            first = tab.appended[0]
            data.append({"range": f"{quote_title(tab.title)}!{column_letter(first)}1",
                         "majorDimension": "ROWS",
                         "values": [[tab.header[c] for c in tab.appended]]})

    by_name = {t.layout.name: t for t in tabs if t.layout is not None}
    for tab in tabs:
        said = _Formats(tab, by_name).requests(requests)
        if not tab.new and said:
            for what in said:
                changes.add(tab.title, what)
    if requests:
        register.http_client.batch_update(register.spreadsheet_id, {"requests": requests})
    if data:
        register.http_client.values_batch_update(
            register.spreadsheet_id, body={"valueInputOption": "RAW", "data": data})
    return changes


def _find(tabs: Sequence[RawTab], title: str, tab_layout: TabLayout | None) -> RawTab | None:
    """The tab the sync reads as ``title``: that title, else the first matching alias."""
    exact = next((t for t in tabs if t.title == title), None)
    if exact is not None or tab_layout is None:
        return exact
    return next((t for t in tabs if t.title != STATE_TAB and tab_layout.spec.matches(t.title)),
                None)


def _is_empty(tab: RawTab) -> bool:
    return not any(h.strip() for h in tab.header) and all(r.is_blank for r in tab.rows)


def _grid(sheet_id: int, *, frozen: int | None = None, rows: int | None = None,
          columns: int | None = None) -> dict[str, Any]:
    grid: dict[str, int] = {}
    if frozen is not None:
        grid["frozenRowCount"] = frozen
    if rows is not None:
        grid["rowCount"] = rows
    if columns is not None:
        grid["columnCount"] = columns
    return {"updateSheetProperties": {
        "properties": {"sheetId": sheet_id, "gridProperties": grid},
        "fields": ",".join(f"gridProperties.{k}" for k in grid)}}


def _used_width(tab: RawTab) -> int:
    """Columns up to the last one holding a value in any row: new columns go after it,
    so no staff cell ever ends up under a sheetsync header."""
    width = 0
    for cells in [tab.header, *(r.cells for r in tab.rows)]:
        for i in range(len(cells) - 1, -1, -1):
            if cells[i] not in (None, ""):
                width = max(width, i + 1)
                break
    return width


def _append_tool_columns(tab: _Tab, found: RawTab, changes: LayoutChanges) -> None:
    assert tab.layout is not None
    cmap = map_columns(tab.layout.spec, tab.title, tab.header)
    if cmap.missing_required:
        changes.missing[tab.title] = list(cmap.missing_required)
    wanted = [c for c in tab.layout.tool_columns if not cmap.has(c.name)]
    if not wanted:
        return
    width = _used_width(found)
    tab.header = tab.header[:width] + [""] * (width - len(tab.header))
    for column in wanted:
        tab.appended.append(len(tab.header))
        tab.header.append(column.name)
    changes.add(tab.title, "added sheetsync's columns at the end: "
                + listing([c.name for c in wanted]))


def _read_existing(register: SheetsRegister, titles: list[str]) -> dict[str, _Existing]:
    """Each tab's ids, grid size, rules, protections, and what its header and first data
    row hold: one ``spreadsheets.get`` limited to rows 1-2 of every tab."""
    if not titles:
        return {}
    reply = register.http_client.fetch_sheet_metadata(register.spreadsheet_id, params={
        "includeGridData": "true", "fields": _FORMAT_FIELDS,
        "ranges": [f"{quote_title(t)}!1:2" for t in titles]})
    found: dict[str, _Existing] = {}
    for sheet in reply.get("sheets", []):
        props = sheet.get("properties", {})
        grid = props.get("gridProperties") or {}
        rows = [r.get("values") or [] for d in sheet.get("data") or []
                for r in d.get("rowData") or []]
        found[str(props.get("title", ""))] = _Existing(
            sheet_id=int(props.get("sheetId", 0)), rows=int(grid.get("rowCount", 0)),
            columns=int(grid.get("columnCount", 0)),
            frozen_rows=int(grid.get("frozenRowCount", 0)),
            rules=list(sheet.get("conditionalFormats") or []),
            protected=list(sheet.get("protectedRanges") or []),
            header=list(rows[0]) if rows else [],
            first=list(rows[1]) if len(rows) > 1 else [])
    return found


class _Formats:
    """The ``batchUpdate`` requests that lay out one tab, for what it does not have yet."""

    def __init__(self, tab: _Tab, tabs: dict[str, _Tab]) -> None:
        self.tab = tab
        self.tabs = tabs
        self.columns = tab.columns()

    def _range(self, col: int, *, from_row: int = 1) -> dict[str, int]:
        return {"sheetId": self.tab.sheet_id, "startRowIndex": from_row,
                "startColumnIndex": col, "endColumnIndex": col + 1}

    def requests(self, out: list[dict[str, Any]]) -> list[str]:
        tab, existing = self.tab, self.tab.existing
        fresh = list(range(len(tab.header))) if tab.new else tab.appended
        if fresh:
            out.append(self._bold(fresh))
            out += [{"updateDimensionProperties": {
                "range": {"sheetId": tab.sheet_id, "dimension": "COLUMNS",
                          "startIndex": c, "endIndex": c + 1},
                "properties": {"pixelSize": _pixels(self._width(c))},
                "fields": "pixelSize"}} for c in fresh]
        froze = not tab.new and existing.frozen_rows == 0
        if froze:
            out.append(_grid(tab.sheet_id, frozen=1))
        if tab.layout is None:
            return []
        present = [(c, self.columns[c.name]) for c in tab.layout.columns
                   if c.name in self.columns]
        notes = 0
        for column, col in present:
            if column.note and not existing.note(col):
                out.append({"updateCells": {
                    "range": {"sheetId": tab.sheet_id, "startRowIndex": 0, "endRowIndex": 1,
                              "startColumnIndex": col, "endColumnIndex": col + 1},
                    "rows": [{"values": [{"note": column.note}]}], "fields": "note"}})
                notes += 1
        dropdowns = [c.name for c, col in present
                     if c.has_dropdown and not existing.checked(col) and self._dropdown(out, c, col)]
        dates: list[str] = []
        for column, col in present:
            if not column.is_date or column.has_dropdown:
                continue
            if tab.new:  # staff's own date columns keep the format they chose
                out.append({"repeatCell": {
                    "range": self._range(col),
                    "cell": {"userEnteredFormat": {"numberFormat": {
                        "type": "DATE", "pattern": "yyyy-mm-dd"}}},
                    "fields": "userEnteredFormat.numberFormat"}})
            if not existing.checked(col):
                out.append({"setDataValidation": {"range": self._range(col), "rule": {
                    "condition": {"type": "DATE_IS_VALID"}, "strict": False,
                    "inputMessage": "A date, e.g. 2026-03-04."}}})
                dates.append(column.name)
        highlights = [h.label for h in tab.layout.highlights
                      if h.column in self.columns and self._highlight(out, h)]
        marked = [c.name for c, col in present if c.tool_owned and self._mark(out, c, col)]
        return describe_additions(froze=froze, dropdowns=dropdowns, dates=dates,
                                  highlights=highlights, marked=marked, notes=notes)

    def _width(self, col: int) -> int:
        name = self.tab.header[col]
        column = self.tab.layout.column(name) if self.tab.layout is not None else None
        return column.width if column is not None else max(10, len(name) + 3)

    def _bold(self, cols: list[int]) -> dict[str, Any]:
        return {"repeatCell": {
            "range": {"sheetId": self.tab.sheet_id, "startRowIndex": 0, "endRowIndex": 1,
                      "startColumnIndex": min(cols), "endColumnIndex": max(cols) + 1},
            "cell": {"userEnteredFormat": {"textFormat": {"bold": True},
                                           "verticalAlignment": "TOP"}},
            "fields": "userEnteredFormat.textFormat.bold,userEnteredFormat.verticalAlignment"}}

    def _dropdown(self, out: list[dict[str, Any]], column: ColumnLayout, col: int) -> bool:
        if column.choices_from is not None:
            source = self.tabs.get(column.choices_from.tab)
            if source is None or column.choices_from.column not in source.columns():
                return False
            letter = column_letter(source.columns()[column.choices_from.column])
            condition: dict[str, Any] = {"type": "ONE_OF_RANGE", "values": [
                {"userEnteredValue": f"={quote_title(source.title)}!${letter}$2:${letter}"}]}
        else:
            condition = {"type": "ONE_OF_LIST",
                         "values": [{"userEnteredValue": c} for c in column.choices]}
        # strict False: a value outside the list is marked with a warning, never refused.
        out.append({"setDataValidation": {"range": self._range(col), "rule": {
            "condition": condition, "strict": False, "showCustomUi": True}}})
        return True

    def _highlight(self, out: list[dict[str, Any]], highlight: Highlight) -> bool:
        col = self.columns[highlight.column]
        formula = "=" + highlight.formula(column_letter(col))
        if self.tab.existing.has_rule(formula):
            return False
        if highlight.whole_row:
            end = max(len(self.tab.header), col + 1)
            target = {"sheetId": self.tab.sheet_id, "startRowIndex": 1,
                      "startColumnIndex": 0, "endColumnIndex": end}
        else:
            target = self._range(col)
        fmt: dict[str, Any] = {"backgroundColor": _colour(highlight.fill)}
        if highlight.text:
            fmt["textFormat"] = {"foregroundColor": _colour(highlight.text)}
        # After every rule already there: staff's own rules keep winning where both apply.
        index = len(self.tab.existing.rules)
        self.tab.existing.rules.append({"booleanRule": {"condition": {
            "values": [{"userEnteredValue": formula}]}}})
        out.append({"addConditionalFormatRule": {"index": index, "rule": {
            "ranges": [target],
            "booleanRule": {"condition": {"type": "CUSTOM_FORMULA",
                                          "values": [{"userEnteredValue": formula}]},
                            "format": fmt}}}})
        return True

    def _mark(self, out: list[dict[str, Any]], column: ColumnLayout, col: int) -> bool:
        """Grey column and a warning-only protection: staff who edit it are asked to
        confirm, and can go on when they mean it."""
        changed = False
        existing = self.tab.existing
        if self.tab.new or col in self.tab.appended or not existing.shaded(col):
            out.append({"repeatCell": {
                "range": self._range(col, from_row=0),
                "cell": {"userEnteredFormat": {"backgroundColor": _colour(TOOL_SHADE)}},
                "fields": "userEnteredFormat.backgroundColor"}})
            changed = True
        if not existing.protects(col):
            out.append({"addProtectedRange": {"protectedRange": {
                "range": {"sheetId": self.tab.sheet_id, "startColumnIndex": col,
                          "endColumnIndex": col + 1},
                "description": f"{PROTECTION_PREFIX}: {column.name}. {column.note}".strip(),
                "warningOnly": True}}})
            existing.protected.append({"range": {"startColumnIndex": col,
                                                 "endColumnIndex": col + 1}})
            changed = True
        return changed
