"""Sheets v4: spreadsheets, typed cells, values API, batchUpdate requests, developer metadata.

State lives in :class:`Spreadsheet` objects; handlers are registered with ``@route`` under
their discovery method ids. Row/column-located developer metadata, protected ranges and
conditional-format ranges move with their rows and columns on insert, delete, move and sort.
"""

from __future__ import annotations

import copy
import hashlib
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import a1, cells
from .cells import Cell
from .errors import ApiError, bad_request, not_found
from .server import Service, route

ROWS, COLUMNS = "ROWS", "COLUMNS"
Region = tuple["Sheet", int, int, int, int]  # sheet, r0, c0, r1, c1 (end-exclusive)

DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
THEME_COLORS: list[tuple[str, dict[str, float]]] = [
    ("TEXT", {}),
    ("BACKGROUND", {"red": 1, "green": 1, "blue": 1}),
    ("ACCENT1", {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}),
    ("ACCENT2", {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}),
    ("ACCENT3", {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}),
    ("ACCENT4", {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}),
    ("ACCENT5", {"red": 1, "green": 0.42745098, "blue": 0.003921569}),
    ("ACCENT6", {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}),
    ("LINK", {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}),
]


def _i(value: Any, default: int | None = None) -> int | None:
    """Ints arrive as JSON numbers or (proto3 JSON) strings."""
    return default if value is None else int(value)


@dataclass
class DevMeta:
    id: int
    key: str
    value: str | None
    visibility: str
    kind: str  # ROW, COLUMN, SHEET, SPREADSHEET
    sheet_id: int | None = None
    start: int = 0
    end: int = 0

    @property
    def dimension(self) -> str | None:
        return {"ROW": ROWS, "COLUMN": COLUMNS}.get(self.kind)

    def resource(self) -> dict[str, Any]:
        location: dict[str, Any] = {"locationType": self.kind}
        if self.kind in ("ROW", "COLUMN"):
            location["dimensionRange"] = _dimension_range(
                self.sheet_id or 0, self.dimension or ROWS, self.start, self.end
            )
        elif self.kind == "SHEET":
            location["sheetId"] = self.sheet_id
        else:
            location["spreadsheet"] = True
        out: dict[str, Any] = {"metadataId": self.id, "metadataKey": self.key}
        if self.value is not None:
            out["metadataValue"] = self.value
        out["location"] = location
        out["visibility"] = self.visibility
        return out


def _dimension_range(sheet_id: int, dim: str, start: int, end: int) -> dict[str, Any]:
    rng: dict[str, Any] = {"sheetId": sheet_id} if sheet_id else {}
    rng.update({"dimension": dim, "startIndex": start, "endIndex": end})
    return rng


@dataclass
class Sheet:
    props: dict[str, Any]
    cells: list[list[Cell | None]] = field(default_factory=list)
    protected: list[dict[str, Any]] = field(default_factory=list)
    cond_formats: list[dict[str, Any]] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    basic_filter: dict[str, Any] | None = None
    dim_props: dict[str, dict[int, dict[str, Any]]] = field(
        default_factory=lambda: {ROWS: {}, COLUMNS: {}}
    )

    @property
    def id(self) -> int:
        return int(self.props["sheetId"])

    @property
    def title(self) -> str:
        return str(self.props["title"])

    @property
    def grid(self) -> dict[str, Any]:
        grid: dict[str, Any] = self.props.setdefault("gridProperties", {})
        return grid

    @property
    def row_count(self) -> int:
        return int(self.grid.get("rowCount", 1000))

    @property
    def col_count(self) -> int:
        return int(self.grid.get("columnCount", 26))

    def count(self, dim: str) -> int:
        return self.row_count if dim == ROWS else self.col_count

    def set_count(self, dim: str, n: int) -> None:
        self.grid["rowCount" if dim == ROWS else "columnCount"] = n

    def get(self, r: int, c: int) -> Cell | None:
        if r < len(self.cells) and c < len(self.cells[r]):
            return self.cells[r][c]
        return None

    def ensure(self, r: int, c: int) -> Cell:
        while len(self.cells) <= r:
            self.cells.append([])
        row = self.cells[r]
        while len(row) <= c:
            row.append(None)
        cell = row[c]
        if cell is None:
            cell = row[c] = Cell()
        return cell

    def data_rows(self) -> int:
        """Index after the last row that holds a value."""
        for r in range(len(self.cells) - 1, -1, -1):
            if any(c is not None and not c.empty for c in self.cells[r]):
                return r + 1
        return 0


@dataclass
class Spreadsheet:
    id: str
    props: dict[str, Any]
    sheets: list[Sheet] = field(default_factory=list)
    metadata: list[DevMeta] = field(default_factory=list)
    created: datetime | None = None
    modified: datetime | None = None

    @property
    def locale(self) -> str:
        return str(self.props.get("locale", "en_US"))

    def sheet(self, sheet_id: int) -> Sheet:
        for s in self.sheets:
            if s.id == sheet_id:
                return s
        raise bad_request(f"No grid with id: {sheet_id}")

    def by_title(self, title: str) -> Sheet | None:
        for s in self.sheets:
            if s.title == title:
                return s
        for s in self.sheets:
            if s.title.lower() == title.lower():
                return s
        return None

    def reindex(self) -> None:
        self.sheets.sort(key=lambda s: int(s.props.get("index", 0)))
        for i, s in enumerate(self.sheets):
            s.props["index"] = i

    # ---------------------------------------------------------------- ranges
    def resolve(self, text: str) -> tuple[Sheet, a1.CellBox]:
        try:
            title, part = a1.split_sheet(text)
        except ValueError:
            raise bad_request(f"Unable to parse range: {text}") from None
        if title is None:
            named = self.by_title(part or "")
            if named is not None:
                return named, a1.CellBox(0, 0, None, None)
            sheet = self.sheets[0]
        else:
            found = self.by_title(title)
            if found is None:
                raise bad_request(f"Unable to parse range: {text}")
            sheet = found
        if part is None:
            return sheet, a1.CellBox(0, 0, None, None)
        try:
            return sheet, a1.parse_cells(part)
        except ValueError:
            raise bad_request(f"Unable to parse range: {text}") from None

    def region(self, text: str) -> Region:
        sheet, box = self.resolve(text)
        return clip(sheet, box.r0, box.c0, box.r1, box.c1, text)

    def grid_region(self, grid_range: dict[str, Any]) -> Region:
        sheet = self.sheet(_i(grid_range.get("sheetId"), 0) or 0)
        r0 = _i(grid_range.get("startRowIndex"), 0) or 0
        c0 = _i(grid_range.get("startColumnIndex"), 0) or 0
        r1 = _i(grid_range.get("endRowIndex"))
        c1 = _i(grid_range.get("endColumnIndex"))
        return clip(sheet, r0, c0, r1, c1, None)


def clip(sheet: Sheet, r0: int, c0: int, r1: int | None, c1: int | None, text: str | None
         ) -> Region:
    rows, cols = sheet.row_count, sheet.col_count
    end_r = rows if r1 is None else r1
    end_c = cols if c1 is None else c1
    if end_r > rows or end_c > cols or r0 >= max(rows, 1) or c0 >= max(cols, 1):
        shown = text or a1.format_range(sheet.title, r0, c0, end_r, end_c)
        raise bad_request(
            f"Range ({shown}) exceeds grid limits. Max rows: {rows}, max columns: {cols}"
        )
    return sheet, r0, c0, end_r, end_c


def _shift_span(start: int | None, end: int | None, at: int, n: int
                ) -> tuple[int | None, int | None] | None:
    """Move a [start, end) span for an insertion (n > 0) or deletion (n < 0) at ``at``.

    Returns None when a deletion removes the whole span.
    """
    if n > 0:
        if start is not None and start >= at:
            start += n
        if end is not None and end > at:
            end += n
        return start, end
    stop = at - n

    def move(i: int) -> int:
        return i if i <= at else (at if i <= stop else i + n)

    new_start = None if start is None else move(start)
    new_end = None if end is None else move(end)
    if new_start is not None and new_end is not None and new_end <= new_start:
        return None
    return new_start, new_end


def _shift_grid_range(rng: dict[str, Any], sheet_id: int, dim: str, at: int, n: int
                      ) -> dict[str, Any] | None:
    if int(rng.get("sheetId", 0)) != sheet_id:
        return rng
    k0, k1 = (("startRowIndex", "endRowIndex") if dim == ROWS
              else ("startColumnIndex", "endColumnIndex"))
    moved = _shift_span(_i(rng.get(k0)), _i(rng.get(k1)), at, n)
    if moved is None:
        return None
    out = dict(rng)
    for key, value in zip((k0, k1), moved, strict=True):
        if value is not None:
            out[key] = value
    return out


class SheetsService(Service):
    api = "sheets"

    def __init__(self, fake: Any) -> None:
        super().__init__(fake)
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self._rng = random.Random(20240101)
        self._created = 0

    # ================================================================ helpers
    def create_spreadsheet(
        self,
        title: str = "Untitled spreadsheet",
        sheets: dict[str, Sequence[Sequence[Any]]] | None = None,
        *,
        time_zone: str = "Europe/London",
        locale: str = "en_GB",
        spreadsheet_id: str | None = None,
        row_count: int = 1000,
        column_count: int = 26,
        frozen_rows: int = 0,
        typed: bool = True,
    ) -> str:
        """Create a spreadsheet; ``sheets`` maps tab names to rows of cell contents.

        Values are typed as staff would type them (USER_ENTERED: "00123" becomes 123,
        "'00123" stays text, "2026-01-05" becomes a date); ``datetime.date`` values are
        dates. ``typed=False`` stores strings literally (see :func:`cells.python_cell`).
        """
        with self.fake.lock:
            ss = self._new_spreadsheet(title, time_zone, locale, spreadsheet_id)
            for i, (name, rows) in enumerate((sheets or {"Sheet1": []}).items()):
                needed_cols = max((len(r) for r in rows), default=0)
                grid: dict[str, Any] = {
                    "rowCount": max(row_count, len(rows)),
                    "columnCount": max(column_count, needed_cols),
                }
                if frozen_rows:
                    grid["frozenRowCount"] = frozen_rows
                sheet = Sheet({"sheetId": 0 if i == 0 else self._new_id(ss), "title": name,
                               "index": i, "sheetType": "GRID", "gridProperties": grid})
                ss.sheets.append(sheet)
                self._type_rows(ss, sheet, 0, rows, typed)
            return ss.id

    def spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        found = self.spreadsheets.get(spreadsheet_id)
        if found is None:
            raise not_found()
        return found

    def tab(self, spreadsheet_id: str, title: str) -> Sheet:
        sheet = self.spreadsheet(spreadsheet_id).by_title(title)
        if sheet is None:
            raise KeyError(title)
        return sheet

    def add_sheet(self, spreadsheet_id: str, title: str, rows: Sequence[Sequence[Any]] = (),
                  row_count: int = 1000, column_count: int = 26, typed: bool = True) -> int:
        with self.fake.lock:
            ss = self.spreadsheet(spreadsheet_id)
            reply = self._req_add_sheet(ss, {"properties": {"title": title, "gridProperties": {
                "rowCount": max(row_count, len(rows)),
                "columnCount": max([column_count, *(len(r) for r in rows)])}}})
            sheet_id = int(reply["addSheet"]["properties"]["sheetId"])
            self._type_rows(ss, ss.sheet(sheet_id), 0, rows, typed)
            return sheet_id

    def delete_sheet(self, spreadsheet_id: str, title: str) -> None:
        with self.fake.lock:
            ss = self.spreadsheet(spreadsheet_id)
            self._req_delete_sheet(ss, {"sheetId": self.tab(spreadsheet_id, title).id})

    def rename_sheet(self, spreadsheet_id: str, title: str, new_title: str) -> None:
        with self.fake.lock:
            self.tab(spreadsheet_id, title).props["title"] = new_title

    def insert_rows(self, spreadsheet_id: str, tab: str, at_row: int,
                    rows: Sequence[Sequence[Any]], typed: bool = True) -> None:
        """Staff insert ``rows`` so the first lands on 1-based row ``at_row``."""
        with self.fake.lock:
            ss = self.spreadsheet(spreadsheet_id)
            sheet = self.tab(spreadsheet_id, tab)
            self._insert(ss, sheet, ROWS, at_row - 1, len(rows))
            self._type_rows(ss, sheet, at_row - 1, rows, typed)
            self._touch(ss)

    def delete_rows(self, spreadsheet_id: str, tab: str, at_row: int, count: int = 1) -> None:
        """Staff delete ``count`` rows starting at 1-based row ``at_row``."""
        with self.fake.lock:
            ss = self.spreadsheet(spreadsheet_id)
            self._delete(ss, self.tab(spreadsheet_id, tab), ROWS, at_row - 1, at_row - 1 + count)
            self._touch(ss)

    def sort(self, spreadsheet_id: str, tab: str, key_col: int | str, *,
             descending: bool = False, header_rows: int | None = None) -> None:
        """Staff sort the whole tab (below the header) by a column: index, letter or header."""
        with self.fake.lock:
            ss = self.spreadsheet(spreadsheet_id)
            sheet = self.tab(spreadsheet_id, tab)
            if header_rows is None:
                header_rows = int(sheet.grid.get("frozenRowCount", 0)) or 1
            col = self._column(sheet, key_col)
            self._sort(ss, sheet, header_rows, 0, sheet.row_count, sheet.col_count,
                       [(col, descending)])
            self._touch(ss)

    def set_cell(self, spreadsheet_id: str, tab: str, a1_ref: str, value: Any, *,
                 typed: bool = True) -> None:
        """Staff type ``value`` into one cell (``typed=False`` stores a string literally)."""
        with self.fake.lock:
            ss = self.spreadsheet(spreadsheet_id)
            sheet = self.tab(spreadsheet_id, tab)
            box = a1.parse_cells(a1_ref)
            sheet.ensure(box.r0, box.c0).set(*cells.python_cell(value, ss.locale, typed))
            self._touch(ss)

    def get_values(self, spreadsheet_id: str, tab: str, render: str = "FORMATTED_VALUE",
                   date_render: str = "FORMATTED_STRING") -> list[list[Any]]:
        """The tab's values, trimmed like values.get; rendered as a person sees them."""
        with self.fake.lock:
            ss = self.spreadsheet(spreadsheet_id)
            sheet = self.tab(spreadsheet_id, tab)
            return self._read(ss, (sheet, 0, 0, sheet.row_count, sheet.col_count), ROWS,
                              render, date_render)

    def cell(self, spreadsheet_id: str, tab: str, a1_ref: str) -> Cell | None:
        box = a1.parse_cells(a1_ref)
        return self.tab(spreadsheet_id, tab).get(box.r0, box.c0)

    def developer_metadata(self, spreadsheet_id: str) -> list[dict[str, Any]]:
        with self.fake.lock:
            return [m.resource() for m in self.spreadsheet(spreadsheet_id).metadata]

    def metadata_row(self, spreadsheet_id: str, key: str, value: str | None = None
                     ) -> int | None:
        """1-based row currently tagged with ROW metadata ``key`` (and ``value``), if any."""
        for m in self.spreadsheet(spreadsheet_id).metadata:
            if m.kind == "ROW" and m.key == key and (value is None or m.value == value):
                return m.start + 1
        return None

    # ============================================================ internals
    def _new_spreadsheet(self, title: str, time_zone: str, locale: str,
                         spreadsheet_id: str | None) -> Spreadsheet:
        self._created += 1
        if spreadsheet_id is None:
            digest = hashlib.sha256(f"fake-spreadsheet-{self._created}".encode()).hexdigest()
            spreadsheet_id = "1" + "".join(
                ch.upper() if int(digest[i + 1], 16) % 2 else ch
                for i, ch in enumerate(digest[:43])
            )
        if spreadsheet_id in self.spreadsheets:
            raise ApiError(409, f"Spreadsheet {spreadsheet_id} already exists.")
        now = self.now()
        ss = Spreadsheet(
            id=spreadsheet_id,
            props={
                "title": title,
                "locale": locale,
                "autoRecalc": "ON_CHANGE",
                "timeZone": time_zone,
                "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
                "spreadsheetTheme": {
                    "primaryFontFamily": "Arial",
                    "themeColors": [{"colorType": name, "color": {"rgbColor": dict(rgb)}}
                                    for name, rgb in THEME_COLORS],
                },
            },
            created=now,
            modified=now,
        )
        self.spreadsheets[ss.id] = ss
        return ss

    def _new_id(self, ss: Spreadsheet | None = None) -> int:
        while True:
            candidate = self._rng.randint(1, 2**31 - 1)
            if ss is None or all(s.id != candidate for s in ss.sheets):
                return candidate

    def _touch(self, ss: Spreadsheet) -> None:
        ss.modified = self.now()

    def _type_rows(self, ss: Spreadsheet, sheet: Sheet, r0: int,
                   rows: Sequence[Sequence[Any]], typed: bool) -> None:
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is None:
                    continue
                content = cells.python_cell(value, ss.locale, typed)
                if content[0] is not None or content[1] is not None:
                    sheet.ensure(r0 + i, j).set(*content)

    def _column(self, sheet: Sheet, key: int | str) -> int:
        if isinstance(key, int):
            return key
        header = sheet.cells[0] if sheet.cells else []
        for j, c in enumerate(header):
            if c is not None and str(c.value).strip().lower() == key.strip().lower():
                return j
        return a1.col_index(key)

    @contextmanager
    def _atomic(self, ss: Spreadsheet) -> Iterator[None]:
        backup = (copy.deepcopy(ss.props), [_backup(s) for s in ss.sheets],
                  copy.deepcopy(ss.metadata))
        try:
            yield
        except BaseException:
            ss.props, ss.sheets, ss.metadata = backup
            raise

    # ------------------------------------------------------------ dimensions
    def _insert(self, ss: Spreadsheet, sheet: Sheet, dim: str, at: int, n: int) -> None:
        if n <= 0:
            return
        if at < 0 or at > sheet.count(dim):
            raise bad_request(f"Cannot insert at index {at}: the sheet has {sheet.count(dim)}"
                              f" {dim.lower()}.")
        if dim == ROWS:
            if at < len(sheet.cells):
                sheet.cells[at:at] = [[] for _ in range(n)]
        else:
            for row in sheet.cells:
                if at < len(row):
                    row[at:at] = [None] * n
        sheet.set_count(dim, sheet.count(dim) + n)
        self._shift(ss, sheet, dim, at, n)

    def _delete(self, ss: Spreadsheet, sheet: Sheet, dim: str, start: int, end: int) -> None:
        count = sheet.count(dim)
        noun = "row" if dim == ROWS else "column"
        if start < 0 or end <= start:
            raise bad_request(f"Invalid {noun} range [{start}, {end}).")
        if end > count:
            raise bad_request(f"Cannot delete a {noun} that doesn't exist. Tried to delete"
                              f" {noun} index {end - 1} but there are only {count} {noun}s.")
        if start == 0 and end == count:
            raise bad_request(f"You can't delete all the {noun}s on the sheet.")
        if dim == ROWS:
            del sheet.cells[start:end]
        else:
            for row in sheet.cells:
                del row[start:end]
        sheet.set_count(dim, count - (end - start))
        self._shift(ss, sheet, dim, start, -(end - start))

    def _shift(self, ss: Spreadsheet, sheet: Sheet, dim: str, at: int, n: int) -> None:
        """Move everything anchored to rows/columns after an insertion or deletion."""
        kind = "ROW" if dim == ROWS else "COLUMN"
        kept: list[DevMeta] = []
        for m in ss.metadata:
            if m.kind == kind and m.sheet_id == sheet.id:
                moved = _shift_span(m.start, m.end, at, n)
                if moved is None:
                    continue  # its rows are gone, so is the metadata
                m.start, m.end = int(moved[0] or 0), int(moved[1] or 0)
            kept.append(m)
        ss.metadata = kept
        sid = sheet.id
        protected: list[dict[str, Any]] = []
        for p in sheet.protected:
            if "range" in p:
                shifted = _shift_grid_range(p["range"], sid, dim, at, n)
                if shifted is None:
                    continue
                p = {**p, "range": shifted}
            protected.append(p)
        sheet.protected = protected
        for rule in sheet.cond_formats:
            rule["ranges"] = [r for g in rule.get("ranges", [])
                              if (r := _shift_grid_range(g, sid, dim, at, n))]
        sheet.cond_formats = [r for r in sheet.cond_formats if r.get("ranges")]
        sheet.merges = [r for g in sheet.merges if (r := _shift_grid_range(g, sid, dim, at, n))]
        props = sheet.dim_props[dim]
        moved_props: dict[int, dict[str, Any]] = {}
        for index, value in props.items():
            span = _shift_span(index, index + 1, at, n)
            if span is not None and span[0] is not None:
                moved_props[span[0]] = value
        sheet.dim_props[dim] = moved_props

    def _permute_rows(self, ss: Spreadsheet, sheet: Sheet, r0: int, c0: int, c1: int,
                      order: list[int]) -> None:
        """Row ``r0 + i`` takes the cells (within columns c0..c1) of row ``r0 + order[i]``."""
        old = [[sheet.get(r0 + k, c) for c in range(c0, c1)] for k in range(len(order))]
        for i, src in enumerate(order):
            for j, c in enumerate(range(c0, c1)):
                value = old[src][j]
                if value is not None:
                    sheet.ensure(r0 + i, c)
                if r0 + i < len(sheet.cells) and c < len(sheet.cells[r0 + i]):
                    sheet.cells[r0 + i][c] = value
        if c0 == 0 and c1 >= sheet.col_count:  # whole rows moved: metadata follows them
            new_pos = {src: i for i, src in enumerate(order)}
            for m in ss.metadata:
                if (m.kind == "ROW" and m.sheet_id == sheet.id and m.end - m.start == 1
                        and r0 <= m.start < r0 + len(order)):
                    m.start = r0 + new_pos[m.start - r0]
                    m.end = m.start + 1
            props = sheet.dim_props[ROWS]
            moved = {r0 + new_pos[k - r0] if r0 <= k < r0 + len(order) else k: v
                     for k, v in props.items()}
            sheet.dim_props[ROWS] = moved

    def _sort(self, ss: Spreadsheet, sheet: Sheet, r0: int, c0: int, r1: int, c1: int,
              specs: list[tuple[int, bool]]) -> None:
        r1 = min(r1, max(sheet.data_rows(), r0))
        order = list(range(r1 - r0))
        for col, descending in reversed(specs):
            filled = [k for k in order if not (sheet.get(r0 + k, col) or Cell()).empty]
            filled_set = set(filled)
            blank = [k for k in order if k not in filled_set]
            def key(k: int, col: int = col) -> tuple[int, Any]:
                return cells.sort_key(sheet.get(r0 + k, col))

            filled.sort(key=key, reverse=descending)
            order = filled + blank
        self._permute_rows(ss, sheet, r0, c0, c1, order)

    # ================================================================ values
    def _read(self, ss: Spreadsheet, region: Region, major: str, value_render: str,
              date_render: str) -> list[list[Any]]:
        sheet, r0, c0, r1, c1 = region
        grid = [[cells.render(sheet.get(r, c), value_render, date_render, ss.locale)
                 for c in range(c0, c1)] for r in range(r0, min(r1, len(sheet.cells)))]
        if major == COLUMNS:
            width = c1 - c0
            grid = [[row[j] for row in grid] for j in range(width)]
        out: list[list[Any]] = []
        for line in grid:
            while line and line[-1] is None:
                line.pop()
            out.append(["" if v is None else v for v in line])
        while out and not out[-1]:
            out.pop()
        return out

    def _value_range(self, ss: Spreadsheet, region: Region, major: str, value_render: str,
                     date_render: str) -> dict[str, Any]:
        sheet, r0, c0, r1, c1 = region
        result: dict[str, Any] = {"range": a1.format_range(sheet.title, r0, c0, r1, c1),
                                  "majorDimension": major}
        values = self._read(ss, region, major, value_render, date_render)
        if values:
            result["values"] = values
        return result

    def _plan_write(self, ss: Spreadsheet, target: str | Region, values: Any, major: str | None
                    ) -> tuple[Region, list[list[Any]]]:
        """Check a write fits its range and the grid; returns the exact region and rows."""
        if isinstance(target, str):
            sheet, box = ss.resolve(target)
            shown = target
            clip(sheet, box.r0, box.c0, box.r1, box.c1, target)
            bounded = not box.single and box.r1 is not None
            bound_r1 = box.r1 if bounded else None
            bound_c1 = box.c1 if not box.single else None
            r0, c0 = box.r0, box.c0
        else:
            sheet, r0, c0, bound_r1, bound_c1 = target
            shown = a1.format_range(sheet.title, r0, c0, bound_r1, bound_c1)
        rows: list[list[Any]] = [list(r) for r in values or []]
        if (major or ROWS) == COLUMNS:
            height = max((len(col) for col in rows), default=0)
            rows = [[col[i] if i < len(col) else None for col in rows] for i in range(height)]
        height = len(rows)
        width = max((len(r) for r in rows), default=0)
        if bound_r1 is not None and r0 + height > bound_r1:
            raise bad_request(f"Requested writing within range [{shown}], but tried writing to"
                              f" row [{r0 + height}]")
        if bound_c1 is not None and c0 + width > bound_c1:
            raise bad_request(f"Requested writing within range [{shown}], but tried writing to"
                              f" column [{a1.col_letters(c0 + width - 1)}]")
        if r0 + max(height, 1) > sheet.row_count or c0 + max(width, 1) > sheet.col_count:
            raise bad_request(f"Range ({shown}) exceeds grid limits. Max rows:"
                              f" {sheet.row_count}, max columns: {sheet.col_count}")
        return (sheet, r0, c0, r0 + max(height, 1), c0 + max(width, 1)), rows

    def _apply_write(self, ss: Spreadsheet, region: Region, rows: list[list[Any]],
                     input_option: str) -> dict[str, Any]:
        sheet, r0, c0, _, _ = region
        written = 0
        touched_rows: set[int] = set()
        touched_cols: set[int] = set()
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is None:
                    continue  # null leaves the cell alone
                if isinstance(value, (dict, list)):
                    raise bad_request(f"Invalid values[{i}][{j}]: {value!r}")
                content = (cells.raw(value) if input_option == "RAW"
                           else cells.user_entered(value, ss.locale))
                sheet.ensure(r0 + i, c0 + j).set(*content)
                written += 1
                touched_rows.add(i)
                touched_cols.add(j)
        result: dict[str, Any] = {"spreadsheetId": ss.id}
        height, width = len(rows), max((len(r) for r in rows), default=0)
        if height and width:
            result["updatedRange"] = a1.format_range(sheet.title, r0, c0, r0 + height,
                                                     c0 + width)
            result.update(updatedRows=len(touched_rows), updatedColumns=len(touched_cols),
                          updatedCells=written)
        else:
            result["updatedRange"] = a1.format_range(sheet.title, r0, c0, r0 + 1, c0 + 1)
        self._touch(ss)
        return result

    @staticmethod
    def _input_option(value: Any) -> str:
        if value not in ("RAW", "USER_ENTERED"):
            shown = value or "INPUT_VALUE_OPTION_UNSPECIFIED"
            raise bad_request(f"Invalid valueInputOption: {shown}")
        return str(value)

    @staticmethod
    def _totals(ss: Spreadsheet, responses: list[dict[str, Any]], regions: list[Region]
                ) -> dict[str, Any]:
        rows: set[tuple[int, int]] = set()
        cols: set[tuple[int, int]] = set()
        sheets: set[int] = set()
        total = 0
        for resp, (sheet, r0, c0, _, _) in zip(responses, regions, strict=True):
            if not resp.get("updatedCells"):
                continue
            total += int(resp["updatedCells"])
            sheets.add(sheet.id)
            rows.update((sheet.id, r0 + i) for i in range(int(resp["updatedRows"])))
            cols.update((sheet.id, c0 + j) for j in range(int(resp["updatedColumns"])))
        out: dict[str, Any] = {"spreadsheetId": ss.id}
        if total:
            out.update(totalUpdatedRows=len(rows), totalUpdatedColumns=len(cols),
                       totalUpdatedCells=total, totalUpdatedSheets=len(sheets))
        out["responses"] = responses
        return out

    # ============================================================ data filters
    def _regions(self, ss: Spreadsheet, data_filter: dict[str, Any]) -> list[Region]:
        if data_filter.get("a1Range") is not None:
            return [ss.region(str(data_filter["a1Range"]))]
        if data_filter.get("gridRange") is not None:
            return [ss.grid_region(data_filter["gridRange"])]
        lookup = data_filter.get("developerMetadataLookup")
        if lookup is None:
            raise bad_request("Invalid dataFilter: no filter criteria set.")
        regions: list[Region] = []
        for m in self._lookup(ss, lookup):
            if m.kind == "SPREADSHEET":
                continue
            sheet = ss.sheet(m.sheet_id or 0)
            if m.kind == "ROW":
                regions.append((sheet, m.start, 0, m.end, sheet.col_count))
            elif m.kind == "COLUMN":
                regions.append((sheet, 0, m.start, sheet.row_count, m.end))
            else:
                regions.append((sheet, 0, 0, sheet.row_count, sheet.col_count))
        return regions

    def _lookup(self, ss: Spreadsheet, lk: dict[str, Any]) -> list[DevMeta]:
        return [m for m in ss.metadata if _lookup_matches(m, lk)]

    def _matching_metadata(self, ss: Spreadsheet, data_filter: dict[str, Any]) -> list[DevMeta]:
        lookup = data_filter.get("developerMetadataLookup")
        if lookup is not None:
            return self._lookup(ss, lookup)
        found: list[DevMeta] = []
        for sheet, r0, c0, r1, c1 in self._regions(ss, data_filter):
            for m in ss.metadata:
                if m.sheet_id != sheet.id or m in found:
                    continue
                if (m.kind == "SHEET" or (m.kind == "ROW" and m.start < r1 and r0 < m.end)
                        or (m.kind == "COLUMN" and m.start < c1 and c0 < m.end)):
                    found.append(m)
        return found

    # ========================================================= spreadsheets
    def _resource(self, ss: Spreadsheet, include_grid: bool = False,
                  ranges: list[str] | None = None, lean: bool = False) -> dict[str, Any]:
        """The Spreadsheet resource. ``lean``: the caller's field mask keeps only cell
        values (``effectiveValue``), so the rest of the grid data is not built at all."""
        wanted: dict[int, list[Region]] | None = None
        if ranges:
            wanted = {}
            for text in ranges:
                region = ss.region(text)
                wanted.setdefault(region[0].id, []).append(region)
        sheets = []
        for sheet in ss.sheets:
            if wanted is not None and sheet.id not in wanted:
                continue
            entry: dict[str, Any] = {"properties": copy.deepcopy(sheet.props)}
            if include_grid:
                regions = (wanted or {}).get(sheet.id) or [
                    (sheet, 0, 0, sheet.row_count, sheet.col_count)]
                entry["data"] = [self._grid_data(ss, r, lean) for r in regions]
            if sheet.merges:
                entry["merges"] = copy.deepcopy(sheet.merges)
            if sheet.cond_formats:
                entry["conditionalFormats"] = copy.deepcopy(sheet.cond_formats)
            if sheet.protected:
                entry["protectedRanges"] = copy.deepcopy(sheet.protected)
            if sheet.basic_filter:
                entry["basicFilter"] = copy.deepcopy(sheet.basic_filter)
            sheet_meta = [m.resource() for m in ss.metadata
                          if m.kind == "SHEET" and m.sheet_id == sheet.id]
            if sheet_meta:
                entry["developerMetadata"] = sheet_meta
            if sheet.charts:
                entry["charts"] = copy.deepcopy(sheet.charts)
            sheets.append(entry)
        out: dict[str, Any] = {"spreadsheetId": ss.id, "properties": copy.deepcopy(ss.props),
                               "sheets": sheets}
        top_meta = [m.resource() for m in ss.metadata if m.kind == "SPREADSHEET"]
        if top_meta:
            out["developerMetadata"] = top_meta
        out["spreadsheetUrl"] = f"https://docs.google.com/spreadsheets/d/{ss.id}/edit"
        return out

    def _grid_data(self, ss: Spreadsheet, region: Region, lean: bool = False
                   ) -> dict[str, Any]:
        sheet, r0, c0, r1, c1 = region
        row_data = []
        for r in range(r0, min(r1, len(sheet.cells))):
            values = []
            for c in range(c0, min(c1, len(sheet.cells[r]))):
                cell = sheet.get(r, c)
                if lean:
                    values.append({"effectiveValue": _extended(cell.value)}
                                  if cell is not None and not cell.empty else {})
                else:
                    values.append(_cell_data(cell, ss.locale))
            while values and not values[-1]:
                values.pop()
            row_data.append({"values": values} if values else {})
        while row_data and not row_data[-1]:
            row_data.pop()
        data: dict[str, Any] = {}
        if r0:
            data["startRow"] = r0
        if c0:
            data["startColumn"] = c0
        data["rowData"] = row_data
        if lean:
            return data
        data["rowMetadata"] = [self._dim_meta(ss, sheet, ROWS, r) for r in range(r0, r1)]
        data["columnMetadata"] = [self._dim_meta(ss, sheet, COLUMNS, c) for c in range(c0, c1)]
        return data

    def _dim_meta(self, ss: Spreadsheet, sheet: Sheet, dim: str, index: int) -> dict[str, Any]:
        props = {"pixelSize": 21 if dim == ROWS else 100, **sheet.dim_props[dim].get(index, {})}
        kind = "ROW" if dim == ROWS else "COLUMN"
        meta = [m.resource() for m in ss.metadata
                if m.kind == kind and m.sheet_id == sheet.id and m.start <= index < m.end]
        if meta:
            props["developerMetadata"] = meta
        return props

    @route("sheets.spreadsheets.create")
    def create(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        props = body.get("properties") or {}
        ss = self._new_spreadsheet(
            props.get("title", "Untitled spreadsheet"), props.get("timeZone", "Etc/GMT"),
            props.get("locale", "en_US"), body.get("spreadsheetId"))
        with self._atomic(ss):
            requested = body.get("sheets") or [{"properties": {"title": "Sheet1"}}]
            for i, sheet in enumerate(requested):
                sprops = dict(sheet.get("properties") or {})
                sprops.setdefault("sheetId", 0 if i == 0 else None)
                self._req_add_sheet(ss, {"properties": sprops})
        return self._resource(ss)

    @route("sheets.spreadsheets.get")
    def get(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        grid, lean = _grid_wanted(params)
        return self._resource(ss, grid, params.get("ranges"), lean)

    @route("sheets.spreadsheets.getByDataFilter")
    def get_by_data_filter(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        regions = [r for df in body.get("dataFilters") or [] for r in self._regions(ss, df)]
        ranges = [a1.format_range(s.title, r0, c0, r1, c1) for s, r0, c0, r1, c1 in regions]
        return self._resource(ss, bool(body.get("includeGridData")), ranges or None)

    # ---------------------------------------------------------- values API
    @route("sheets.spreadsheets.values.get")
    def values_get(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        return self._value_range(ss, ss.region(params["range"]),
                                 params.get("majorDimension", ROWS),
                                 params.get("valueRenderOption", "FORMATTED_VALUE"),
                                 params.get("dateTimeRenderOption", "SERIAL_NUMBER"))

    @route("sheets.spreadsheets.values.batchGet")
    def values_batch_get(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        ranges = params.get("ranges") or []
        value_ranges = [
            self._value_range(ss, ss.region(text), params.get("majorDimension", ROWS),
                              params.get("valueRenderOption", "FORMATTED_VALUE"),
                              params.get("dateTimeRenderOption", "SERIAL_NUMBER"))
            for text in ranges
        ]
        out: dict[str, Any] = {"spreadsheetId": ss.id}
        if value_ranges:
            out["valueRanges"] = value_ranges
        return out

    @route("sheets.spreadsheets.values.batchGetByDataFilter")
    def values_batch_get_by_filter(self, params: dict[str, Any], body: dict[str, Any]
                                   ) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        out: dict[str, Any] = {"spreadsheetId": ss.id}
        matched = []
        for df in body.get("dataFilters") or []:
            for region in self._regions(ss, df):
                vr = self._value_range(ss, region, body.get("majorDimension", ROWS),
                                       body.get("valueRenderOption", "FORMATTED_VALUE"),
                                       body.get("dateTimeRenderOption", "SERIAL_NUMBER"))
                matched.append({"valueRange": vr, "dataFilters": [df]})
        if matched:
            out["valueRanges"] = matched
        return out

    @route("sheets.spreadsheets.values.update")
    def values_update(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        option = self._input_option(params.get("valueInputOption"))
        region, rows = self._plan_write(ss, params["range"], body.get("values"),
                                        body.get("majorDimension"))
        return self._apply_write(ss, region, rows, option)

    @route("sheets.spreadsheets.values.batchUpdate")
    def values_batch_update(self, params: dict[str, Any], body: dict[str, Any]
                            ) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        option = self._input_option(body.get("valueInputOption"))
        plans = [self._plan_write(ss, str(item.get("range", "")), item.get("values"),
                                  item.get("majorDimension"))
                 for item in body.get("data") or []]
        responses = [self._apply_write(ss, region, rows, option) for region, rows in plans]
        return self._totals(ss, responses, [region for region, _ in plans])

    @route("sheets.spreadsheets.values.batchUpdateByDataFilter")
    def values_batch_update_by_filter(self, params: dict[str, Any], body: dict[str, Any]
                                      ) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        option = self._input_option(body.get("valueInputOption"))
        plans: list[tuple[Region, list[list[Any]], dict[str, Any]]] = []
        for item in body.get("data") or []:
            df = item.get("dataFilter") or {}
            for region in self._regions(ss, df):
                planned, rows = self._plan_write(ss, region, item.get("values"),
                                                 item.get("majorDimension"))
                plans.append((planned, rows, df))
        responses = []
        for region, rows, df in plans:
            resp = self._apply_write(ss, region, rows, option)
            resp.pop("spreadsheetId", None)
            resp["dataFilter"] = df
            responses.append(resp)
        return self._totals(ss, responses, [region for region, _, _ in plans])

    @route("sheets.spreadsheets.values.append")
    def values_append(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        option = self._input_option(params.get("valueInputOption"))
        sheet, box = ss.resolve(params["range"])
        _, _, c0, _, c1 = clip(sheet, box.r0, box.c0, box.r1, None if box.single else box.c1,
                               params["range"])
        values = [list(r) for r in body.get("values") or []]
        last, right = 0, c0 + 1
        for r in range(len(sheet.cells)):
            filled = [c for c in range(c0, c1) if not (sheet.get(r, c) or Cell()).empty]
            if filled:
                last, right = r + 1, max(right, filled[-1] + 1)
        table = a1.format_range(sheet.title, 0, c0, max(last, 1), right)
        if params.get("insertDataOption") == "INSERT_ROWS" and last < sheet.row_count:
            self._insert(ss, sheet, ROWS, last, len(values))
        overflow = last + len(values) - sheet.row_count
        if overflow > 0:
            sheet.set_count(ROWS, sheet.row_count + overflow)
        region, rows = self._plan_write(
            ss, (sheet, last, c0, last + len(values), sheet.col_count), values,
            body.get("majorDimension"))
        updates = self._apply_write(ss, region, rows, option)
        out = {"spreadsheetId": ss.id, "updates": updates}
        if last:
            out["tableRange"] = table
        return out

    @route("sheets.spreadsheets.values.clear")
    def values_clear(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        return {"spreadsheetId": ss.id, "clearedRange": self._clear(ss, ss.region(params["range"]))}

    @route("sheets.spreadsheets.values.batchClear")
    def values_batch_clear(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        regions = [ss.region(str(t)) for t in body.get("ranges") or []]
        return {"spreadsheetId": ss.id, "clearedRanges": [self._clear(ss, r) for r in regions]}

    @route("sheets.spreadsheets.values.batchClearByDataFilter")
    def values_batch_clear_by_filter(self, params: dict[str, Any], body: dict[str, Any]
                                     ) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        regions = [r for df in body.get("dataFilters") or [] for r in self._regions(ss, df)]
        return {"spreadsheetId": ss.id, "clearedRanges": [self._clear(ss, r) for r in regions]}

    def _clear(self, ss: Spreadsheet, region: Region) -> str:
        sheet, r0, c0, r1, c1 = region
        for r in range(r0, min(r1, len(sheet.cells))):
            for c in range(c0, min(c1, len(sheet.cells[r]))):
                cell = sheet.cells[r][c]
                if cell is not None:
                    cell.value = cell.formula = None
        self._touch(ss)
        return a1.format_range(sheet.title, r0, c0, r1, c1)

    # ------------------------------------------------------ developer metadata
    @route("sheets.spreadsheets.developerMetadata.get")
    def metadata_get(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        wanted = int(params["metadataId"])
        for m in ss.metadata:
            if m.id == wanted:
                return m.resource()
        raise not_found(f"No developer metadata with ID: {wanted}")

    @route("sheets.spreadsheets.developerMetadata.search")
    def metadata_search(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        matched: list[dict[str, Any]] = []
        by_id: dict[int, dict[str, Any]] = {}
        for df in body.get("dataFilters") or []:
            for m in self._matching_metadata(ss, df):
                if m.id in by_id:
                    by_id[m.id]["dataFilters"].append(df)
                else:
                    by_id[m.id] = {"developerMetadata": m.resource(), "dataFilters": [df]}
                    matched.append(by_id[m.id])
        return {"matchedDeveloperMetadata": matched} if matched else {}

    # ========================================================== batchUpdate
    @route("sheets.spreadsheets.batchUpdate")
    def batch_update(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        ss = self.spreadsheet(params["spreadsheetId"])
        replies: list[dict[str, Any]] = []
        with self._atomic(ss):
            for i, request in enumerate(body.get("requests") or []):
                kinds = [k for k, v in request.items() if v is not None]
                if len(kinds) != 1:
                    raise bad_request(f"Invalid requests[{i}]: "
                                      + ("No request set." if not kinds else
                                         "Only one kind of request may be set."))
                kind = kinds[0]
                handler = self._requests().get(kind)
                if handler is None:
                    raise bad_request(f"Invalid requests[{i}].{kind}: fake_google does not"
                                      f" support this request kind.")
                try:
                    reply = handler(ss, request[kind])
                except ApiError as err:
                    if err.code != 400 or err.message.startswith("Invalid requests["):
                        raise
                    raise bad_request(f"Invalid requests[{i}].{kind}: {err.message}") from None
                replies.append(reply or {})
        self._touch(ss)
        out: dict[str, Any] = {"spreadsheetId": ss.id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            grid = bool(body.get("responseIncludeGridData"))
            lean = grid and _lean_mask(params.get("fields"), "updatedSpreadsheet")
            out["updatedSpreadsheet"] = self._resource(ss, grid, body.get("responseRanges"),
                                                       lean)
        return out

    def _requests(self) -> dict[str, Callable[[Spreadsheet, dict[str, Any]], Any]]:
        return {
            "addSheet": self._req_add_sheet,
            "deleteSheet": self._req_delete_sheet,
            "updateSheetProperties": self._req_update_sheet_properties,
            "updateSpreadsheetProperties": self._req_update_spreadsheet_properties,
            "insertDimension": self._req_insert_dimension,
            "deleteDimension": self._req_delete_dimension,
            "appendDimension": self._req_append_dimension,
            "moveDimension": self._req_move_dimension,
            "createDeveloperMetadata": self._req_create_metadata,
            "updateDeveloperMetadata": self._req_update_metadata,
            "deleteDeveloperMetadata": self._req_delete_metadata,
            "sortRange": self._req_sort_range,
            "setDataValidation": self._req_set_data_validation,
            "addProtectedRange": self._req_add_protected_range,
            "deleteProtectedRange": self._req_delete_protected_range,
            "addConditionalFormatRule": self._req_add_conditional_format,
            "deleteConditionalFormatRule": self._req_delete_conditional_format,
            "repeatCell": self._req_repeat_cell,
            "updateCells": self._req_update_cells,
            "appendCells": self._req_append_cells,
            "updateDimensionProperties": self._req_update_dimension_properties,
            "autoResizeDimensions": lambda ss, body: None,
            "updateBorders": lambda ss, body: None,
            "addChart": self._req_add_chart,
            "updateChartSpec": self._req_update_chart_spec,
            "deleteEmbeddedObject": self._req_delete_embedded_object,
            "mergeCells": self._req_merge_cells,
            "unmergeCells": self._req_unmerge_cells,
            "setBasicFilter": self._req_set_basic_filter,
            "clearBasicFilter": self._req_clear_basic_filter,
        }

    # ------------------------------------------------------------------ sheets
    def _req_add_sheet(self, ss: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        props = copy.deepcopy(body.get("properties") or {})
        title = props.get("title")
        if not title:
            n = len(ss.sheets) + 1
            while ss.by_title(f"Sheet{n}"):
                n += 1
            title = f"Sheet{n}"
        if ss.by_title(title):
            raise bad_request(f'A sheet with the name "{title}" already exists. Please enter'
                              " another name.")
        sheet_id = _i(props.get("sheetId"))
        if sheet_id is None:
            sheet_id = self._new_id(ss)
        elif any(s.id == sheet_id for s in ss.sheets):
            raise bad_request(f"A sheet with id {sheet_id} already exists.")
        index = _i(props.get("index"), len(ss.sheets))
        grid = props.get("gridProperties") or {}
        out: dict[str, Any] = {"sheetId": sheet_id, "title": title, "index": index,
                               "sheetType": props.get("sheetType", "GRID")}
        out["gridProperties"] = {"rowCount": _i(grid.get("rowCount"), 1000),
                                 "columnCount": _i(grid.get("columnCount"), 26)}
        for key in ("frozenRowCount", "frozenColumnCount"):
            if grid.get(key):
                out["gridProperties"][key] = _i(grid[key])
        for key, value in props.items():
            if key not in out and key != "gridProperties" and value is not None:
                out[key] = value
        for s in ss.sheets:
            if int(s.props.get("index", 0)) >= (index or 0):
                s.props["index"] = int(s.props.get("index", 0)) + 1
        ss.sheets.append(Sheet(out))
        ss.reindex()
        return {"addSheet": {"properties": copy.deepcopy(out)}}

    def _req_delete_sheet(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        sheet = ss.sheet(_i(body.get("sheetId"), 0) or 0)
        if len(ss.sheets) == 1:
            raise bad_request("You can't remove all the sheets in a document.")
        ss.sheets.remove(sheet)
        ss.metadata = [m for m in ss.metadata if m.sheet_id != sheet.id]
        ss.reindex()

    def _req_update_sheet_properties(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        props = body.get("properties") or {}
        sheet = ss.sheet(_i(props.get("sheetId"), 0) or 0)
        fields = body.get("fields")
        if not fields:
            raise bad_request("At least one field must be updated, but none were specified.")
        for path in _mask_paths(fields, props):
            value = _get_path(props, path)
            if path == ["title"]:
                other = ss.by_title(str(value))
                if other is not None and other is not sheet:
                    raise bad_request(f'A sheet with the name "{value}" already exists.'
                                      " Please enter another name.")
            if path in (["gridProperties", "rowCount"], ["gridProperties", "columnCount"]):
                dim = ROWS if path[1] == "rowCount" else COLUMNS
                self._resize(ss, sheet, dim, int(value or 0))
                continue
            if path == ["index"]:
                ss.sheets.remove(sheet)
                ss.sheets.insert(min(int(value or 0), len(ss.sheets)), sheet)
                for i, s in enumerate(ss.sheets):
                    s.props["index"] = i
                continue
            if path == ["hidden"] and value and all(
                    s.props.get("hidden") for s in ss.sheets if s is not sheet):
                raise bad_request("You can't hide all the sheets in a document.")
            _set_path(sheet.props, path, value)

    def _resize(self, ss: Spreadsheet, sheet: Sheet, dim: str, n: int) -> None:
        if n < 1:
            raise bad_request(f"Invalid {dim.lower()} count {n}.")
        current = sheet.count(dim)
        if n > current:
            sheet.set_count(dim, n)
        elif n < current:
            self._delete(ss, sheet, dim, n, current)

    def _req_update_spreadsheet_properties(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        props = body.get("properties") or {}
        for path in _mask_paths(body.get("fields") or "", props):
            _set_path(ss.props, path, _get_path(props, path))

    # -------------------------------------------------------------- dimensions
    def _dimension(self, ss: Spreadsheet, rng: dict[str, Any]) -> tuple[Sheet, str, int, int]:
        sheet = ss.sheet(_i(rng.get("sheetId"), 0) or 0)
        dim = rng.get("dimension")
        if dim not in (ROWS, COLUMNS):
            raise bad_request("range.dimension must be ROWS or COLUMNS.")
        start = _i(rng.get("startIndex"), 0) or 0
        end = _i(rng.get("endIndex"), sheet.count(dim))
        return sheet, dim, start, end if end is not None else sheet.count(dim)

    def _req_insert_dimension(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        sheet, dim, start, end = self._dimension(ss, body.get("range") or {})
        if end <= start:
            raise bad_request("range.endIndex must be greater than range.startIndex.")
        self._insert(ss, sheet, dim, start, end - start)

    def _req_delete_dimension(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        sheet, dim, start, end = self._dimension(ss, body.get("range") or {})
        self._delete(ss, sheet, dim, start, end)

    def _req_append_dimension(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        sheet = ss.sheet(_i(body.get("sheetId"), 0) or 0)
        dim = body.get("dimension") or ROWS
        length = _i(body.get("length"), 0) or 0
        if length < 1:
            raise bad_request("length must be positive.")
        sheet.set_count(dim, sheet.count(dim) + length)

    def _req_move_dimension(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        sheet, dim, start, end = self._dimension(ss, body.get("source") or {})
        dest = _i(body.get("destinationIndex"), 0) or 0
        if dim != ROWS:
            raise bad_request("fake_google only moves ROWS.")
        n = sheet.row_count
        order = [i for i in range(n) if not start <= i < end]
        insert_at = dest if dest <= start else dest - (end - start)
        order[insert_at:insert_at] = list(range(start, end))
        self._permute_rows(ss, sheet, 0, 0, sheet.col_count, order)

    # ----------------------------------------------------- developer metadata
    def _req_create_metadata(self, ss: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        md = body.get("developerMetadata") or {}
        if not md.get("metadataKey"):
            raise bad_request("Developer metadata must always have a key specified.")
        visibility = md.get("visibility")
        if visibility not in ("DOCUMENT", "PROJECT"):
            raise bad_request("Developer metadata must always have a visibility specified.")
        meta_id = _i(md.get("metadataId"))
        if meta_id is not None:
            if meta_id <= 0:
                raise bad_request("metadataId must be positive.")
            if any(m.id == meta_id for m in ss.metadata):
                raise bad_request(f"Metadata with id {meta_id} already exists.")
        else:
            meta_id = self._rng.randint(1, 2**31 - 1)
        entry = _metadata_from_location(ss, md.get("location") or {})
        entry.id, entry.key = meta_id, str(md["metadataKey"])
        entry.value, entry.visibility = md.get("metadataValue"), str(visibility)
        ss.metadata.append(entry)
        return {"createDeveloperMetadata": {"developerMetadata": entry.resource()}}

    def _req_update_metadata(self, ss: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        new = body.get("developerMetadata") or {}
        fields = body.get("fields")
        if not fields:
            raise bad_request("At least one field must be updated, but none were specified.")
        targets: list[DevMeta] = []
        for df in body.get("dataFilters") or []:
            targets += [m for m in self._matching_metadata(ss, df) if m not in targets]
        paths = _mask_paths(fields, new)
        for m in targets:
            for path in paths:
                value = _get_path(new, path)
                if path[0] == "metadataKey":
                    m.key = str(value)
                elif path[0] == "metadataValue":
                    m.value = value
                elif path[0] == "visibility":
                    m.visibility = str(value)
                elif path[0] == "location":
                    moved = _metadata_from_location(ss, new.get("location") or {})
                    m.kind, m.sheet_id, m.start, m.end = (moved.kind, moved.sheet_id,
                                                          moved.start, moved.end)
                elif path[0] == "metadataId":
                    raise bad_request("metadataId cannot be updated.")
        return {"updateDeveloperMetadata": {"developerMetadata": [m.resource() for m in targets]}}

    def _req_delete_metadata(self, ss: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        doomed = self._matching_metadata(ss, body.get("dataFilter") or {})
        ss.metadata = [m for m in ss.metadata if m not in doomed]
        reply = {"deletedDeveloperMetadata": [m.resource() for m in doomed]} if doomed else {}
        return {"deleteDeveloperMetadata": reply}

    # ------------------------------------------------------------- cell edits
    def _req_sort_range(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        sheet, r0, c0, r1, c1 = ss.grid_region(body.get("range") or {})
        specs = []
        for spec in body.get("sortSpecs") or []:
            col = _i(spec.get("dimensionIndex"), c0) or 0
            specs.append((col, spec.get("sortOrder") == "DESCENDING"))
        self._sort(ss, sheet, r0, c0, r1, c1, specs or [(c0, False)])

    def _cells_in(self, ss: Spreadsheet, grid_range: dict[str, Any]) -> Iterator[Cell]:
        sheet, r0, c0, r1, c1 = ss.grid_region(grid_range)
        for r in range(r0, r1):
            for c in range(c0, c1):
                yield sheet.ensure(r, c)

    def _req_set_data_validation(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        rule = body.get("rule")
        for cell in self._cells_in(ss, body.get("range") or {}):
            cell.validation = copy.deepcopy(rule)

    def _req_add_protected_range(self, ss: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        pr = {k: v for k, v in copy.deepcopy(body.get("protectedRange") or {}).items()
              if v is not None}
        rng = pr.get("range") or {}
        sheet = ss.sheet(_i(rng.get("sheetId"), 0) or 0)
        if _i(rng.get("sheetId"), 0) == 0:
            rng.pop("sheetId", None)
        pr = {"protectedRangeId": self._rng.randint(1, 2**31 - 1), **pr, "range": rng,
              "requestingUserCanEdit": True}
        pr.setdefault("editors", {"users": [self.fake.owner]})
        sheet.protected.append(pr)
        return {"addProtectedRange": {"protectedRange": copy.deepcopy(pr)}}

    def _req_delete_protected_range(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        wanted = _i(body.get("protectedRangeId"))
        for sheet in ss.sheets:
            for pr in sheet.protected:
                if pr.get("protectedRangeId") == wanted:
                    sheet.protected.remove(pr)
                    return
        raise bad_request(f"No protected range with id: {wanted}")

    def _req_add_conditional_format(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        rule = copy.deepcopy(body.get("rule") or {})
        ranges = rule.get("ranges") or []
        if not ranges:
            raise bad_request("rule.ranges must not be empty.")
        sheet = ss.sheet(_i(ranges[0].get("sheetId"), 0) or 0)
        index = _i(body.get("index"), len(sheet.cond_formats)) or 0
        sheet.cond_formats.insert(index, rule)

    def _req_delete_conditional_format(self, ss: Spreadsheet, body: dict[str, Any]
                                       ) -> dict[str, Any]:
        sheet = ss.sheet(_i(body.get("sheetId"), 0) or 0)
        index = _i(body.get("index"), 0) or 0
        if index >= len(sheet.cond_formats):
            raise bad_request(f"No conditional format on sheet {sheet.id} at index {index}")
        return {"deleteConditionalFormatRule": {"rule": sheet.cond_formats.pop(index)}}

    def _req_repeat_cell(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        data = body.get("cell") or {}
        fields = body.get("fields") or "*"
        for cell in self._cells_in(ss, body.get("range") or {}):
            _apply_cell_data(cell, data, fields)

    def _req_update_cells(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        fields = body.get("fields") or "*"
        if body.get("start") is not None:
            start = body["start"]
            sheet = ss.sheet(_i(start.get("sheetId"), 0) or 0)
            r0, c0 = _i(start.get("rowIndex"), 0) or 0, _i(start.get("columnIndex"), 0) or 0
        else:
            sheet, r0, c0, _, _ = ss.grid_region(body.get("range") or {})
        rows = body.get("rows") or []
        height = len(rows)
        width = max((len(r.get("values") or []) for r in rows), default=0)
        clip(sheet, r0, c0, r0 + height, c0 + width, None)
        for i, row in enumerate(rows):
            for j, data in enumerate(row.get("values") or []):
                _apply_cell_data(sheet.ensure(r0 + i, c0 + j), data or {}, fields)

    def _req_append_cells(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        sheet = ss.sheet(_i(body.get("sheetId"), 0) or 0)
        rows = body.get("rows") or []
        start = sheet.data_rows()
        if start + len(rows) > sheet.row_count:
            sheet.set_count(ROWS, start + len(rows))
        self._req_update_cells(ss, {"start": {"sheetId": sheet.id, "rowIndex": start},
                                    "rows": rows, "fields": body.get("fields")})

    def _req_update_dimension_properties(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        sheet, dim, start, end = self._dimension(ss, body.get("range") or {})
        props = body.get("properties") or {}
        paths = _mask_paths(body.get("fields") or "*", props)
        for index in range(start, end):
            entry = sheet.dim_props[dim].setdefault(index, {})
            for path in paths:
                _set_path(entry, path, _get_path(props, path))

    def _req_add_chart(self, ss: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        chart = copy.deepcopy(body.get("chart") or {})
        position = chart.get("position") or {}
        if position.get("newSheet"):
            reply = self._req_add_sheet(ss, {"properties": {}})
            sheet = ss.sheet(reply["addSheet"]["properties"]["sheetId"])
            chart["position"] = {"sheetId": sheet.id}
        elif position.get("sheetId") is not None:
            sheet = ss.sheet(int(position["sheetId"]))
        else:
            anchor = (position.get("overlayPosition") or {}).get("anchorCell") or {}
            sheet = ss.sheet(_i(anchor.get("sheetId"), 0) or 0)
        if chart.get("chartId") is not None:
            wanted = _i(chart["chartId"])
            if any(c.get("chartId") == wanted for s in ss.sheets for c in s.charts):
                raise bad_request(f"An object with id {wanted} already exists.")
            chart["chartId"] = wanted
        chart.setdefault("chartId", self._rng.randint(1, 2**31 - 1))
        sheet.charts.append(chart)
        return {"addChart": {"chart": copy.deepcopy(chart)}}

    def _req_update_chart_spec(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        wanted = _i(body.get("chartId"))
        for sheet in ss.sheets:
            for chart in sheet.charts:
                if chart.get("chartId") == wanted:
                    chart["spec"] = copy.deepcopy(body.get("spec") or {})
                    return
        raise bad_request(f"No chart with id: {wanted}")

    def _req_delete_embedded_object(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        wanted = _i(body.get("objectId"))
        for sheet in ss.sheets:
            for chart in sheet.charts:
                if chart.get("chartId") == wanted:
                    sheet.charts.remove(chart)
                    return
        raise bad_request(f"No embedded object with id: {wanted}")

    def _req_merge_cells(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        rng = copy.deepcopy(body.get("range") or {})
        ss.grid_region(rng)[0].merges.append(rng)

    def _req_unmerge_cells(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        sheet, r0, c0, r1, c1 = ss.grid_region(body.get("range") or {})
        sheet.merges = [m for m in sheet.merges
                        if not (r0 <= int(m.get("startRowIndex", 0)) < r1
                                and c0 <= int(m.get("startColumnIndex", 0)) < c1)]

    def _req_set_basic_filter(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        flt = copy.deepcopy(body.get("filter") or {})
        ss.grid_region(flt.get("range") or {})[0].basic_filter = flt

    def _req_clear_basic_filter(self, ss: Spreadsheet, body: dict[str, Any]) -> None:
        ss.sheet(_i(body.get("sheetId"), 0) or 0).basic_filter = None


# ------------------------------------------------------------------ utilities
def _metadata_from_location(ss: Spreadsheet, loc: dict[str, Any]) -> DevMeta:
    entry = DevMeta(id=0, key="", value=None, visibility="DOCUMENT", kind="SPREADSHEET")
    if loc.get("dimensionRange") is not None:
        dr = loc["dimensionRange"]
        sheet = ss.sheet(_i(dr.get("sheetId"), 0) or 0)
        dim = dr.get("dimension")
        if dim not in (ROWS, COLUMNS):
            raise bad_request("location.dimensionRange.dimension must be ROWS or COLUMNS.")
        start = _i(dr.get("startIndex"), 0) or 0
        end = _i(dr.get("endIndex"), sheet.count(dim)) or 0
        if not 0 <= start < end <= sheet.count(dim):
            raise bad_request(f"Invalid dimension range [{start}, {end}) for"
                              f" {sheet.count(dim)} {dim.lower()}.")
        entry.kind = "ROW" if dim == ROWS else "COLUMN"
        entry.sheet_id, entry.start, entry.end = sheet.id, start, end
    elif loc.get("sheetId") is not None:
        entry.kind, entry.sheet_id = "SHEET", ss.sheet(int(loc["sheetId"])).id
    elif not loc.get("spreadsheet"):
        raise bad_request("Developer metadata must have a location.")
    return entry


def _lookup_matches(m: DevMeta, lk: dict[str, Any]) -> bool:
    if lk.get("metadataId") is not None and int(lk["metadataId"]) != m.id:
        return False
    if lk.get("metadataKey") is not None and lk["metadataKey"] != m.key:
        return False
    if lk.get("metadataValue") is not None and lk["metadataValue"] != m.value:
        return False
    if lk.get("visibility") is not None and lk["visibility"] != m.visibility:
        return False
    if lk.get("locationType") is not None and lk["locationType"] != m.kind:
        return False
    loc = lk.get("metadataLocation")
    if not loc:
        return True
    intersecting = lk.get("locationMatchingStrategy") == "INTERSECTING_LOCATION"
    if loc.get("spreadsheet"):
        return intersecting or m.kind == "SPREADSHEET"
    if loc.get("sheetId") is not None:
        same = m.sheet_id == int(loc["sheetId"])
        return same and (intersecting or m.kind == "SHEET")
    dr = loc.get("dimensionRange")
    if dr is not None:
        kind = "ROW" if dr.get("dimension") == ROWS else "COLUMN"
        if m.sheet_id != (_i(dr.get("sheetId"), 0) or 0):
            return False
        start = _i(dr.get("startIndex"), 0) or 0
        end = _i(dr.get("endIndex"), 2**31) or 0
        if intersecting:
            return m.kind == "SHEET" or (m.kind == kind and m.start < end and start < m.end)
        return m.kind == kind and m.start == start and m.end == end
    return True


def _mask_paths(fields: str, source: dict[str, Any]) -> list[list[str]]:
    """Expand a FieldMask ("a.b,c/d", "*") into key paths."""
    if fields.strip() == "*":
        return [[k] for k in source]
    paths = []
    for item in fields.split(","):
        item = item.strip()
        if item:
            paths.append([p for p in item.replace("/", ".").split(".") if p])
    return paths


def _get_path(source: dict[str, Any], path: list[str]) -> Any:
    node: Any = source
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return copy.deepcopy(node)


def _set_path(target: dict[str, Any], path: list[str], value: Any) -> None:
    node = target
    for key in path[:-1]:
        node = node.setdefault(key, {})
    if value is None:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


def _apply_cell_data(cell: Cell, data: dict[str, Any], fields: str) -> None:
    everything = fields.strip() == "*"
    roots = {p.split("(")[0].split(".")[0].split("/")[0].strip() for p in fields.split(",")}
    if everything or "userEnteredValue" in roots:
        value = data.get("userEnteredValue") or {}
        if "formulaValue" in value:
            cell.value, cell.formula = cells.evaluate(value["formulaValue"]), value["formulaValue"]
        elif "numberValue" in value:
            cell.value, cell.formula = cells._num(float(value["numberValue"])), None
        elif "boolValue" in value:
            cell.value, cell.formula = bool(value["boolValue"]), None
        elif "stringValue" in value:
            cell.value, cell.formula = str(value["stringValue"]), None
        else:
            cell.value = cell.formula = None
    if everything or "userEnteredFormat" in roots:
        fmt = data.get("userEnteredFormat")
        cell.fmt = _merge(cell.fmt or {}, fmt) if fmt else None
    if everything or "dataValidation" in roots:
        cell.validation = copy.deepcopy(data.get("dataValidation"))
    if everything or "note" in roots:
        cell.note = data.get("note")


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _backup(sheet: Sheet) -> Sheet:
    """A copy of ``sheet`` to roll back to. Cells are copied one by one, sharing their
    format and validation dicts (always replaced, never changed in place): a deepcopy of
    a 10,000-row tab on every batchUpdate made the fake slower than what it serves."""
    copied = copy.deepcopy(Sheet(sheet.props, [], sheet.protected, sheet.cond_formats,
                                 sheet.charts, sheet.merges, sheet.basic_filter,
                                 sheet.dim_props))
    copied.cells = [[None if c is None else Cell(c.value, c.formula, c.fmt, c.validation,
                                                 c.note) for c in row] for row in sheet.cells]
    return copied


def _lean_mask(fields: str | None, root: str) -> bool:
    """Does the field mask keep only cell values (``effectiveValue``) under ``root``?"""
    if not fields:
        return False
    from .discovery import parse_fields

    return _grid_in(parse_fields(fields).get(root) or {})[1]


def _grid_wanted(params: dict[str, Any]) -> tuple[bool, bool]:
    """(include grid data, only cell values) for a spreadsheets.get.

    As in Sheets: with a field mask, ``includeGridData`` is ignored and the mask alone
    decides whether ``sheets.data`` is returned.
    """
    fields = params.get("fields")
    if not fields:
        return bool(params.get("includeGridData")), False
    from .discovery import parse_fields

    return _grid_in(parse_fields(fields))


def _grid_in(tree: dict[str, Any]) -> tuple[bool, bool]:
    """(grid data, only cell values) for a parsed mask of a Spreadsheet resource."""
    if "*" in tree:
        return True, False
    sheets = tree.get("sheets", {})
    if sheets is None:
        return True, False
    data = sheets.get("data", {})
    if data is None or "data" not in sheets:
        return "data" in sheets, False
    # Only rowData.values.effectiveValue (and positions) asked for: skip the rest.
    lean = set(data) <= {"rowData", "startRow", "startColumn"} and (
        data.get("rowData") or {}).get("values") == {"effectiveValue": None}
    return True, lean


# Error values as Sheets reports them (ErrorValue.type): the text a cell shows for each.
ERROR_TYPES = {"#NULL!": "NULL_VALUE", "#DIV/0!": "DIVIDE_BY_ZERO", "#VALUE!": "VALUE",
               "#REF!": "REF", "#NAME?": "NAME", "#NUM!": "NUM", "#N/A": "N_A",
               "#ERROR!": "ERROR"}


def _extended(v: Any) -> dict[str, Any]:
    """A cell value as an ExtendedValue (numbers print like the values API: 3, not 3.0)."""
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, (int, float)):
        return {"numberValue": cells._num(float(v))}
    if isinstance(v, str) and v in ERROR_TYPES:
        return {"errorValue": {"type": ERROR_TYPES[v], "message": v}}
    return {"stringValue": v}


def _cell_data(cell: Cell | None, locale: str) -> dict[str, Any]:
    if cell is None:
        return {}
    out: dict[str, Any] = {}
    if not cell.empty:
        out["userEnteredValue"] = ({"formulaValue": cell.formula} if cell.formula
                                   else _extended(cell.value))
        out["effectiveValue"] = _extended(cell.value)
        out["formattedValue"] = cells.formatted(cell, locale)
    if cell.fmt:
        out["userEnteredFormat"] = copy.deepcopy(cell.fmt)
    if cell.validation:
        out["dataValidation"] = copy.deepcopy(cell.validation)
    if cell.note:
        out["note"] = cell.note
    return out
