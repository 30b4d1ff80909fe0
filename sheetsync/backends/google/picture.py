"""A Google Sheet's tabs as the API gives them, and where a write's cells go.

The grid read (``spreadsheets.get`` with grid data) and the write's own answer
(``placement``) come back in the same shape: ``_grid_values`` turns a sheet into rows of
values from A1. ``_TabNow`` is one tab as it is at write time (a ``core.locate``
picture: rows are found by ID, else by their read-time fingerprint), and
``plan_cell_writes`` locates and checks every cell a sync writes in it.

Shared by ``register``, ``lease`` and ``placement``. It imports none of them, and
``lease`` and ``placement`` know the register only as a ``SheetsHandle``: register
imports lease, lease imports placement, and nothing imports back (no import cycle).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from sheetsync.backends.google.body import Request, update_cells
from sheetsync.backends.google.retry import RetryPolicy
from sheetsync.core.headers import HEADER_SEARCH_ROWS, header_row, map_columns
from sheetsync.core.locate import RowsPicture, spec_for
from sheetsync.core.ports import CellValue, CellWrite, SkippedWrite, _cell_text
from sheetsync.core.schema import TabSpec

# ErrorValue.type -> what the values API returns for that cell with UNFORMATTED_VALUE.
ERROR_TEXTS = {"NULL_VALUE": "#NULL!", "DIVIDE_BY_ZERO": "#DIV/0!", "VALUE": "#VALUE!",
               "REF": "#REF!", "NAME": "#NAME?", "NUM": "#NUM!", "N_A": "#N/A",
               "LOADING": "Loading...", "ERROR": "#ERROR!"}

SERIAL_EPOCH = dt.date(1899, 12, 30)


def quote_title(title: str) -> str:
    """A sheet title as an A1 range prefix: always quoted, quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def column_letter(index: int) -> str:
    """0-based column index -> A1 letters (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _cell(value: Any) -> CellValue:
    """A cell from the API (UNFORMATTED_VALUE): "" is an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


_PLAIN = frozenset({str, int, float, bool})


def _row_cells(raw: Sequence[Any], width: int) -> tuple[CellValue, ...]:
    # The common case inline (this runs for every cell of the register): plain values
    # stay, "" is an empty cell; anything else goes through _cell.
    cells = [None if v is None or v == "" else v if type(v) in _PLAIN else _cell(v)
             for v in raw]
    if len(cells) < width:
        cells += [None] * (width - len(cells))
    return tuple(cells)


def _text(value: CellValue) -> str:
    return _cell_text(value).strip()


def _same(current: CellValue, expected: CellValue) -> bool:
    """Does the cell still hold ``expected``? Dates compare with serial numbers."""
    if isinstance(expected, (dt.date, dt.datetime)) and isinstance(current, (int, float)) \
            and not isinstance(current, bool):
        try:
            as_date = SERIAL_EPOCH + dt.timedelta(days=float(current))
        except OverflowError:
            return False
        if isinstance(expected, dt.datetime):
            moment = dt.datetime.combine(SERIAL_EPOCH, dt.time()) + dt.timedelta(
                days=float(current))
            return abs((moment - expected.replace(tzinfo=None)).total_seconds()) < 1
        return as_date == expected
    return _text(current) == _text(expected)



_SCALARS = frozenset({"stringValue", "numberValue", "boolValue", "effectiveValue"})


def _compact(pairs: list[tuple[str, Any]]) -> Any:
    """``json`` object hook for the grid read: every cell object becomes its bare value
    as it is parsed (``{"effectiveValue": {"numberValue": 3}}`` -> 3, ``{}`` -> None).

    Parsing 10,000 rows into a dict per cell (and one per value) would need hundreds of
    megabytes at once; collapsing them while parsing keeps the read as light as the
    values API's plain lists. Safe because the field mask leaves no other object with
    these single keys in the response.
    """
    if not pairs:
        return None
    if len(pairs) == 1:
        key, value = pairs[0]
        if key in _SCALARS:
            return value
        if key == "errorValue":
            kind = value.get("type", "ERROR") if isinstance(value, dict) else "ERROR"
            return ERROR_TEXTS.get(str(kind), "#ERROR!")
    return dict(pairs)


def _grid_values(sheet: dict[str, Any]) -> list[list[Any]]:
    """A sheet's cell values, as the values API gives them: rows of values from A1,
    without trailing empty cells or rows."""
    rows: list[list[Any]] = []
    for block in sheet.get("data") or []:
        if not block:
            continue
        top, left = int(block.get("startRow", 0)), int(block.get("startColumn", 0))
        for i, row in enumerate(block.get("rowData") or []):
            values = list(row.get("values") or []) if isinstance(row, dict) else []
            while values and (values[-1] is None or values[-1] == ""):
                values.pop()
            while len(rows) <= top + i:
                rows.append([])
            if values:
                rows[top + i] = [None] * left + values
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _spec_for(title: str) -> TabSpec | None:
    return spec_for(title)


@dataclass(frozen=True)
class _Sheet:
    sheet_id: int
    title: str
    rows: int
    columns: int
    hidden: bool


@dataclass
class _Meta:
    title: str
    time_zone: str | None
    sheets: dict[str, _Sheet] = field(default_factory=dict)
    # Every chart's id: the dashboard's chart is found by its derived id.
    charts: set[int] = field(default_factory=set)


class SheetsHandle(Protocol):
    """What ``lease`` and ``placement`` use of the register (``register.SheetsRegister``
    is one): its HTTP client, metadata and the run lock's bookkeeping."""

    spreadsheet_id: str
    policy: RetryPolicy
    took_over: bool
    _http: Any
    _meta: _Meta | None
    _lock_sheet_id: int | None
    _picture: dict[str, _TabNow] | None

    def describe(self) -> str: ...

    def _fetch_meta(self) -> _Meta: ...

    def _batch_get(self, titles: Sequence[str]) -> list[list[list[Any]]]: ...

    def _errors(self, doing: str) -> AbstractContextManager[None]: ...

    def _reads_not_retried(self) -> AbstractContextManager[None]: ...


# ------------------------------------------------------------------ locating at write time


class _TabNow(RowsPicture):
    """One tab as it is at write time: rows are located by ``core.locate``."""

    def __init__(self, title: str, header: list[str], rows: dict[int, Sequence[CellValue]],
                 spec: TabSpec | None) -> None:
        super().__init__(title, header, rows, spec)
        self._owned: set[int] | None = None

    @classmethod
    def build(cls, title: str, values: Sequence[Sequence[Any]]) -> _TabNow:
        first = header_row(title, values[:HEADER_SEARCH_ROWS])  # as ``read`` found it
        header = ["" if v is None else str(v)
                  for v in (values[first] if first < len(values) else [])]
        rows: dict[int, Sequence[CellValue]] = {
            n: _row_cells(raw, len(header))
            for n, raw in enumerate(values[first + 1:], start=first + 2)}
        return cls(title, header, rows, _spec_for(title))

    def tool_owned(self, col: int) -> bool:
        """May sheetsync write this column? Only its own columns of a known tab."""
        if self.spec is None:
            return False
        if self._owned is None:
            cmap = map_columns(self.spec, self.title, self.header)
            self._owned = {cmap.index[c.name] for c in self.spec.tool_columns
                           if c.name in cmap.index}
        return col in self._owned

    def value(self, row: int, col: int) -> CellValue:
        return self.cell(row, col)


@dataclass
class _Plan:
    """Cells to write (after locating and checking) and what was skipped."""

    cells: dict[tuple[str, int, int], str] = field(default_factory=dict)
    written: int = 0
    skipped: list[SkippedWrite] = field(default_factory=list)


def plan_cell_writes(tabs: dict[str, _TabNow], writes: Sequence[CellWrite]) -> _Plan:
    plan = _Plan()
    # Locate every target first: several writes may go to one row, and writing an ID
    # changes that row's fingerprint.
    located: list[tuple[CellWrite, _TabNow, int, int]] = []
    for write in writes:
        tab = tabs.get(write.row.tab)
        if tab is None:
            plan.skipped.append(SkippedWrite(write, f'the tab "{write.row.tab}" is not in '
                                                    "the spreadsheet any more"))
            continue
        col = tab.column(write.column)
        if isinstance(col, str):
            plan.skipped.append(SkippedWrite(write, col))
            continue
        if not tab.tool_owned(col):
            plan.skipped.append(SkippedWrite(
                write, f'"{write.column}" is not a column sheetsync may write'))
            continue
        row = tab.locate(write.row)
        if isinstance(row, str):
            plan.skipped.append(SkippedWrite(write, row))
            continue
        located.append((write, tab, row, col))
    for write, tab, row, col in located:
        current = tab.value(row, col)
        if _text(current) == write.value.strip() and (current is None
                                                      or isinstance(current, str)):
            plan.written += 1  # already there
            continue
        if not _same(current, write.expected):
            plan.skipped.append(SkippedWrite(write, "changed by a person meanwhile"))
            continue
        plan.cells[(tab.title, row, col)] = write.value
        plan.written += 1
    return plan


def cell_requests(cells: dict[tuple[str, int, int], str], sheet_ids: dict[str, int]
                  ) -> list[Request]:
    """One ``updateCells`` per run of adjacent cells in a row (never more than was asked).

    Text only, formats left alone (``body.update_cells``).
    """
    requests: list[Request] = []
    by_row: dict[tuple[str, int], dict[int, str]] = defaultdict(dict)
    for (title, row, col), value in cells.items():
        by_row[(title, row)][col] = value
    for (title, row), cols in sorted(by_row.items()):
        run: list[int] = []
        for col in sorted(cols):
            if run and col != run[-1] + 1:
                requests.append(update_cells(sheet_ids[title], row - 1, run[0],
                                              [[cols[c] for c in run]]))
                run = []
            run.append(col)
        if run:
            requests.append(update_cells(sheet_ids[title], row - 1, run[0],
                                          [[cols[c] for c in run]]))
    return requests

