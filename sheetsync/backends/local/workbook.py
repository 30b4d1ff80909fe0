"""Make a new register workbook that staff can start typing into, and lay out one that
already exists (``sheetsync init --local`` on a folder with a register).

The layout comes from ``core/layout.py``. What the .xlsx can and cannot do, and why:

- Dropdowns are plain list validations. Fixed choices are an inline list
  (``"Yes,No"``); a list fed from another tab (Treatment, Partner) points at a *defined
  name* (``sheetsync_Partners_Name``), not at ``Partners!B2:B1000`` directly: Excel
  saves a list that names another tab as an Excel-2010 extension, which openpyxl (and so
  every later sync) would drop; a defined name keeps it in the plain form. Every check is
  a warning (``errorStyle="warning"``): staff can keep a value on purpose.
- Sheet protection in Excel and LibreOffice is all or nothing: locking the tool's columns
  means protecting the whole sheet, which also blocks sorting, filtering and inserting
  rows, and staff cannot "override on purpose" without the password. So sheetsync's
  columns are marked instead: a grey header, a grey shade on the column (a conditional
  format, so it also covers cells the sync writes later), a note on the header, and an
  input message that pops up when a cell is selected.
- Conditional formats are plain formula rules, which openpyxl keeps when a sync saves.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import TableColumn

from sheetsync.core.headers import HEADER_SEARCH_ROWS, header_row, map_columns
from sheetsync.core.layout import (
    LAYOUT,
    LIST_ROWS,
    TOOL_PROMPT_TITLE,
    TOOL_SHADE,
    ColumnLayout,
    Highlight,
    LayoutChanges,
    ListFrom,
    TabLayout,
    describe_additions,
    listing,
)
from sheetsync.core.ports import CellValue
from sheetsync.core.schema import STATE_TAB, normalise_header
from sheetsync.core.state import STATE_HEADER, SyncState
from sheetsync.errors import BusyError, RegisterShapeError

from ._cells import cell_value, clean_text
from .register import (
    XlsxRegister,
    _features_openpyxl_drops,
    _FileVersion,
    _Refused,
    atomic_write,
    lock_files,
)
from .workspace_id import DEFINED_NAME as WORKSPACE_NAME
from .workspace_id import give_workspace_id

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TOOL_FILL = PatternFill(fill_type="solid", start_color="FF" + TOOL_SHADE,
                        end_color="FF" + TOOL_SHADE)
MIN_WIDTH = 8
MAX_WIDTH = 50
_SAMPLE_ROWS = 200  # column widths look at this many rows
LAST_ROW = 1_048_576  # Excel's last row: rules and checks cover the whole column
# Conditional format that shades sheetsync's columns: always true.
SHADE_FORMULA = "TRUE"

Table = tuple[str, Sequence[str], Sequence[Sequence[CellValue]]]


def create_register(
    path: Path,
    tables: Sequence[Table],
    notes: Mapping[tuple[str, str], str] | None = None,
    tool_columns: Mapping[str, Sequence[str]] | None = None,
    layout: Sequence[TabLayout] | None = None,
) -> None:
    """Write a new register: one tab per ``(title, header, rows)`` in order.

    The header row is bold and frozen; columns sheetsync writes (``tool_columns[tab]``)
    have a grey header; ``notes[(tab, column)]`` becomes a comment on that header cell.
    Dates get a ``yyyy-mm-dd`` format. Text is stored as text, so ``"00123"`` stays
    ``00123`` and a text starting with ``=`` is not a formula. The hidden tab that keeps
    sheetsync's state is added last. With ``layout`` (see ``core/layout.py``) each tab it
    describes also gets its dropdowns, date checks, highlights, marked tool columns,
    header notes and widths. Raises ``FileExistsError`` if ``path`` exists.
    """
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} already exists; sheetsync will not overwrite it.")
    notes = notes or {}
    tool_columns = tool_columns or {}

    wb = Workbook()
    default = wb.active
    for title, header, rows in tables:
        ws = wb.create_sheet(title)
        _write_table(ws, header, rows, tool=set(tool_columns.get(title, ())),
                     notes={name: notes[(title, name)] for name in header
                            if notes.get((title, name))})
    if default is not None:
        wb.remove(default)
    give_workspace_id(wb)  # this workspace's own event ids and Message-IDs
    if layout:
        _XlsxLayout(wb, layout).apply(LayoutChanges(), report_tabs=set())
    state = wb.create_sheet(STATE_TAB)
    for col, name in enumerate(STATE_HEADER, start=1):
        _put(state.cell(row=1, column=col), name)
    state.sheet_state = "hidden"
    if len(wb.worksheets) > 1:
        wb.active = 0
        for ws in wb.worksheets:
            ws.sheet_view.tabSelected = ws is wb.worksheets[0]

    buffer = io.BytesIO()
    wb.save(buffer)
    payload = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    _create_exclusively(path, payload)


def upgrade_register(path: Path, tables: Sequence[Table],
                     layout: Sequence[TabLayout] = LAYOUT, *,
                     give_id: bool = False) -> LayoutChanges:
    """Add to an existing register only what ``layout`` has and it lacks.

    Missing tabs (with ``tables``' starting rows), sheetsync's own columns appended after
    the last used column, then dropdowns, date checks, highlights, marks on tool columns,
    header notes and a frozen header where there are none yet. No staff cell is moved or
    rewritten; a column that already has a check keeps it. Refuses (``BusyError``) while
    the workbook is open in Excel or LibreOffice or saved meanwhile, and
    (``RegisterShapeError``) when it holds things openpyxl would drop on saving. The save
    is atomic; nothing is written when nothing is missing. With ``give_id`` a register
    that was never synced gets its workspace id (``workspace_id``); one that was keeps
    its namespace, so its events and drafts are still found.
    """
    path = Path(path)
    register = XlsxRegister(path)
    _refuse_if_open(path)
    snapshot = register.read()  # clear messages for a missing, damaged or .xls file
    digest = _FileVersion.digest_of(snapshot.version)
    try:
        data = register._check_unchanged(digest)
    except _Refused as refusal:
        raise BusyError(str(refusal).replace("nothing was written", "nothing was changed"),
                        "Run 'sheetsync init' again in a moment.") from None
    try:
        wb = register._load_for_write(data, _features_openpyxl_drops(data))
    except _Refused as refusal:
        raise RegisterShapeError(
            str(refusal).replace("nothing was written", "sheetsync init changed nothing")
            .replace("can write its columns", "can lay the register out"),
            "Remove those things (or keep them in another workbook), then run "
            "'sheetsync init' again.") from None

    changes = LayoutChanges()
    by_title = {title: (header, rows) for title, header, rows in tables}
    existing: set[str] = set()
    for tab in layout:
        ws = _find_tab(wb, tab)
        if ws is None:
            header, rows = by_title.get(tab.name, (tab.header, ()))
            ws = wb.create_sheet(tab.name, _index_before_state(wb))
            _write_table(ws, header, rows, tool=set(), notes={})
            changes.created.append(tab.name)
            continue
        if not _values(ws):
            header, rows = by_title.get(tab.name, (tab.header, ()))
            _write_table(ws, header, rows, tool=set(), notes={})
            changes.filled.append(ws.title)
            continue
        existing.add(ws.title)
        _append_tool_columns(ws, tab, changes)
        _extend_tables(ws, changes)
    _XlsxLayout(wb, layout).apply(changes, report_tabs=existing)
    state = SyncState.from_rows(snapshot.state_rows)
    if give_id and not (state.objects or state.last_sync) and give_workspace_id(wb):
        changes.add("Workbook", "gave this workspace its own id (hidden name "
                    f"{WORKSPACE_NAME}), so its events and drafts never mix with another "
                    "workspace's")
    if not changes.changed:
        wb.close()
        return changes

    buffer = io.BytesIO()
    wb.save(buffer)
    wb.close()
    payload = buffer.getvalue()

    def _save(handle: Any) -> None:
        handle.write(payload)

    _refuse_if_open(path)
    try:
        register._check_unchanged(digest)
    except _Refused as refusal:
        raise BusyError(str(refusal).replace("nothing was written", "nothing was changed"),
                        "Run 'sheetsync init' again in a moment.") from None
    try:
        atomic_write(path, _save, mode_from=path)
    except OSError as exc:
        raise BusyError(
            f"{path.name} could not be saved ({exc.strerror or exc}); it is as it was.",
            "Close it in any program that has it open, then run 'sheetsync init' again.",
        ) from exc
    return changes


# ------------------------------------------------------------------------- tables


def _write_table(ws: Any, header: Sequence[str], rows: Sequence[Sequence[CellValue]], *,
                 tool: set[str], notes: Mapping[str, str]) -> None:
    for col, name in enumerate(header, start=1):
        cell = ws.cell(row=1, column=col)
        _put(cell, name)
        _style_header(cell)
        if name in tool:
            cell.fill = TOOL_FILL
        note = notes.get(name)
        if note:
            cell.comment = _comment(note)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            _put(ws.cell(row=r, column=c), value)
    ws.freeze_panes = "A2"
    _size_columns(ws, header, rows)


def _style_header(cell: Any) -> None:
    cell.font = Font(bold=True)
    cell.alignment = Alignment(vertical="top")


def _comment(note: str) -> Comment:
    comment = Comment(note, "sheetsync")
    comment.width = 300
    comment.height = 110
    return comment


def _put(cell: Any, value: CellValue) -> None:
    if value is None or value == "":
        return
    if isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"  # never a formula, number or error code
    elif isinstance(value, dt.datetime):
        cell.value = value.replace(tzinfo=None) if value.tzinfo else value
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value


def _display_length(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return len(DATE_FORMAT)
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def _size_columns(ws: Any, header: Sequence[str], rows: Sequence[Sequence[CellValue]]) -> None:
    widths = [_display_length(h) + 3 for h in header]  # room for the filter arrow
    for row in rows[:_SAMPLE_ROWS]:
        for c, value in enumerate(row):
            if c >= len(widths):
                widths.append(0)
            widths[c] = max(widths[c], _display_length(value) + 2)
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(MIN_WIDTH, min(MAX_WIDTH, width))


# ------------------------------------------------------------------------ upgrade


def _refuse_if_open(path: Path) -> None:
    locks = lock_files(path)
    if locks:
        lock = locks[0].name
        raise BusyError(
            f"{path.name} is open in Excel or LibreOffice ({lock} is beside it); sheetsync "
            f"init changed nothing.",
            f"Close it there and run 'sheetsync init' again. If nobody has it open, delete "
            f"{lock}.")


def _find_tab(wb: Workbook, tab: TabLayout) -> Any:
    """The sheet the sync reads as ``tab``: the first whose title matches (as core's
    ``find_tabs`` does)."""
    for ws in wb.worksheets:
        if ws.title != STATE_TAB and tab.spec.matches(ws.title):
            return ws
    return None


def _index_before_state(wb: Workbook) -> int:
    titles = wb.sheetnames
    return titles.index(STATE_TAB) if STATE_TAB in titles else len(titles)


def _values(ws: Any) -> dict[tuple[int, int], Any]:
    """Cells that hold something (``ws._cells`` holds only cells that exist; iterating
    rows would create empty ones)."""
    return {pos: cell for pos, cell in ws._cells.items() if cell.value not in (None, "")}


def _header_number(ws: Any) -> int:
    """The header row (1-based): below a title or a note staff put above the headers, as
    the sync finds it (``core.headers.header_row``)."""
    top: dict[int, dict[int, Any]] = {}
    for (row, col), cell in _values(ws).items():
        if row <= HEADER_SEARCH_ROWS:
            top.setdefault(row, {})[col] = cell_value(cell.value, cell.number_format)
    rows = [[top.get(r, {}).get(c) for c in range(1, max(top.get(r, {}), default=0) + 1)]
            for r in range(1, HEADER_SEARCH_ROWS + 1)]
    return header_row(ws.title, rows) + 1


def _header(ws: Any, number: int = 1) -> list[str]:
    cells = {col: cell for (row, col), cell in _values(ws).items() if row == number}
    width = max(cells, default=0)
    return ["" if c not in cells else str(cell_value(cells[c].value, cells[c].number_format))
            for c in range(1, width + 1)]


def _used_width(ws: Any) -> int:
    """The last column holding a value in any row, or covered by merged cells: new
    columns go after it, so no staff cell ever ends up under a sheetsync header."""
    width = max((col for (_row, col) in _values(ws)), default=0)
    for merged in ws.merged_cells.ranges:
        width = max(width, merged.max_col)
    return int(width)


def _append_tool_columns(ws: Any, tab: TabLayout, changes: LayoutChanges) -> None:
    number = _header_number(ws)
    header = _header(ws, number)
    cmap = map_columns(tab.spec, ws.title, header)
    if cmap.missing_required:
        changes.missing[ws.title] = list(cmap.missing_required)
    wanted = [c for c in tab.tool_columns if not cmap.has(c.name)]
    if not wanted:
        return
    col = _used_width(ws)
    for column in wanted:
        col += 1
        cell = ws.cell(row=number, column=col)
        _put(cell, column.name)
        _style_header(cell)
        ws.column_dimensions[get_column_letter(col)].width = column.width
    changes.add(ws.title, "added sheetsync's columns at the end: "
                + listing([c.name for c in wanted]))


def _extend_tables(ws: Any, changes: LayoutChanges) -> None:
    """An Excel Table (ListObject) over the header row is made to cover every column up
    to the last one with a header, sheetsync's included. Excel sorts and filters a Table's
    own columns only: IDs and statuses outside it would stay where they are while the
    rows' data moves, each ID beside another row's data (``core.identity`` catches that,
    but only a Table that covers them keeps them together)."""
    header = _header(ws)
    last = len(header)
    tables = list(ws.tables.values())
    for table in tables:
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if min_row != 1 or max_col >= last:
            continue
        names = header[max_col:last]
        taken = {str(c.name).strip().casefold() for c in table.tableColumns}
        folded = [n.strip().casefold() for n in names]
        others = [t for t in tables if t is not table
                  and range_boundaries(t.ref)[0] <= last and range_boundaries(t.ref)[2] > max_col]
        if others or "" in folded or len(set(folded)) < len(folded) or taken & set(folded):
            changes.add(ws.title, f"could not extend the Excel Table {table.displayName} over "
                        f"the columns after it ({listing([n or '(no header)' for n in names])}"
                        "): give each its own header (and no other Table there), then run "
                        "'sheetsync init' again, or in Excel use Table Design > Resize Table")
            continue
        first_id = max((int(c.id) for c in table.tableColumns), default=0) + 1
        for offset, name in enumerate(names):
            table.tableColumns.append(TableColumn(id=first_id + offset, name=name))
        ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(last)}{max_row}"
        table.ref = ref
        if table.autoFilter is not None:
            table.autoFilter.ref = ref
        changes.add(ws.title, f"extended the Excel Table {table.displayName} over "
                    f"{listing(names)}, so sorting or filtering it keeps them with their rows")


# ------------------------------------------------------------------------ layout


@dataclass
class _TabPlace:
    tab: TabLayout
    ws: Any
    columns: dict[str, int]  # layout column name -> 1-based column
    width: int  # columns the row highlight covers
    found: list[str] = field(default_factory=list)


class _XlsxLayout:
    """Adds a layout's checks, marks and highlights to a workbook where they are missing."""

    def __init__(self, wb: Workbook, layout: Sequence[TabLayout]) -> None:
        self.wb = wb
        self.places: dict[str, _TabPlace] = {}
        self.header_rows: dict[str, int] = {}  # sheet title -> its header row
        for tab in layout:
            ws = _find_tab(wb, tab)
            if ws is None:
                continue
            number = self.header_rows[ws.title] = _header_number(ws)
            header = _header(ws, number)
            cmap = map_columns(tab.spec, ws.title, header)
            columns = {name: pos + 1 for name, pos in cmap.index.items()}
            self.places[tab.name] = _TabPlace(tab, ws, columns, max(len(header), 1))

    def apply(self, changes: LayoutChanges, *, report_tabs: set[str]) -> None:
        for place in self.places.values():
            said = self._lay_out(place)
            if place.ws.title in report_tabs:
                for what in said:
                    changes.add(place.ws.title, what)
            else:  # a tab made just now: widths to suit its columns
                for name, col in place.columns.items():
                    column = place.tab.column(name)
                    dim = place.ws.column_dimensions[get_column_letter(col)]
                    if column is not None:
                        dim.width = min(MAX_WIDTH + 20, max(dim.width or 0, column.width))

    def _first(self, ws: Any) -> int:
        """The first row below ``ws``'s header."""
        return self.header_rows.get(ws.title, 1) + 1

    def _lay_out(self, place: _TabPlace) -> list[str]:
        ws, tab = place.ws, place.tab
        froze = ws.freeze_panes is None and tab.frozen_rows > 0
        if froze:
            ws.freeze_panes = f"A{tab.frozen_rows + self._first(ws) - 1}"
        present = [(c, place.columns[c.name]) for c in tab.columns if c.name in place.columns]
        noted = 0
        for column, col in present:
            cell = ws.cell(row=self._first(ws) - 1, column=col)
            if column.note and cell.comment is None:
                cell.comment = _comment(column.note)
                noted += 1
        dropdowns = [c.name for c, col in present
                     if c.has_dropdown and self._add_dropdown(ws, c, col)]
        dates = [c.name for c, col in present
                 if c.is_date and not c.has_dropdown and self._add_date_check(ws, col)]
        highlights = [h.label for h in tab.highlights
                      if h.column in place.columns and self._add_highlight(place, h)]
        marked = [c.name for c, col in present if c.tool_owned and self._mark_tool(ws, c, col)]
        wrapped = [c.name for c, col in present if c.tool_owned and c.name != tab.spec.id_column
                   and _wrap_column(ws, col, self._first(ws))]
        marked += [name for name in wrapped if name not in marked]
        return describe_additions(froze=froze, dropdowns=dropdowns, dates=dates,
                                  highlights=highlights, marked=marked, notes=noted)

    # ------------------------------------------------------------- checks

    def _column_range(self, ws: Any, col: int) -> str:
        letter = get_column_letter(col)
        return f"{letter}{self._first(ws)}:{letter}{LAST_ROW}"

    def _has_check(self, ws: Any, col: int) -> bool:
        """Whether any validation (staff's or ours) already covers the column's first row
        below the header."""
        coord = f"{get_column_letter(col)}{self._first(ws)}"
        return any(coord in dv.sqref for dv in ws.data_validations.dataValidation)

    def _add_check(self, ws: Any, col: int, dv: DataValidation) -> bool:
        if self._has_check(ws, col):
            return False
        dv.add(self._column_range(ws, col))
        ws.add_data_validation(dv)
        return True

    def _add_dropdown(self, ws: Any, column: ColumnLayout, col: int) -> bool:
        if column.choices_from is not None:
            formula = self._list_name(column.choices_from)
            if formula is None:
                return False
            where = f"the {column.choices_from.tab} tab's {column.choices_from.column} column"
        else:
            formula = '"' + ",".join(column.choices) + '"'
            where = "the list"
        dv = DataValidation(
            type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
            errorStyle="warning", errorTitle="Not in the list",
            error=f"This is not one of {where}. Keep it only if you mean it.")
        return self._add_check(ws, col, dv)

    def _add_date_check(self, ws: Any, col: int) -> bool:
        dv = DataValidation(
            type="date", operator="greaterThan", formula1="0", allow_blank=True,
            showErrorMessage=True, errorStyle="warning", errorTitle="Not a date",
            error="Type a date, e.g. 2026-03-04. Text that is not a date is reported in "
                  "Sync status.")
        return self._add_check(ws, col, dv)

    def _list_name(self, source: ListFrom) -> str | None:
        """A defined name for ``source``'s values (made if missing), or None when that
        tab or column is not there."""
        name = "sheetsync_" + "_".join(
            normalise_header(part) or "x" for part in (source.tab, source.column))
        if name in self.wb.defined_names:
            return name
        place = self.places.get(source.tab)
        if place is None or source.column not in place.columns:
            return None
        letter = get_column_letter(place.columns[source.column])
        first = self._first(place.ws)
        ref = (f"{quote_sheetname(place.ws.title)}!${letter}${first}:"
               f"${letter}${LIST_ROWS + first - 1}")
        self.wb.defined_names[name] = DefinedName(name, attr_text=ref)
        return name

    # ------------------------------------------------------ conditional formats

    @staticmethod
    def _rules(ws: Any) -> list[tuple[Any, Any]]:
        return [(cf.sqref, rule) for cf in ws.conditional_formatting for rule in cf.rules]

    def _add_rule(self, ws: Any, where: str, rule: FormulaRule) -> None:
        # Below every existing rule: staff's own rules keep winning where both apply.
        rule.priority = max((r.priority or 0 for _s, r in self._rules(ws)), default=0) + 1
        ws.conditional_formatting.add(where, rule)

    def _add_highlight(self, place: _TabPlace, highlight: Highlight) -> bool:
        ws = place.ws
        letter = get_column_letter(place.columns[highlight.column])
        first = self._first(ws)
        formula = highlight.formula(letter, first)
        if any(formula in (rule.formula or []) for _sqref, rule in self._rules(ws)):
            return False
        if highlight.whole_row:
            last = get_column_letter(max(place.width, *place.columns.values()))
            where = f"A{first}:{last}{LAST_ROW}"
        else:
            where = f"{letter}{first}:{letter}{LAST_ROW}"
        fill = PatternFill(fill_type="solid", start_color="FF" + highlight.fill,
                           end_color="FF" + highlight.fill)
        font = Font(color="FF" + highlight.text) if highlight.text else None
        self._add_rule(ws, where, FormulaRule(formula=[formula], fill=fill, font=font))
        return True

    def _mark_tool(self, ws: Any, column: ColumnLayout, col: int) -> bool:
        """Grey header, grey column and an input message: the .xlsx way of "protected
        with a warning" (see the module docstring)."""
        changed = False
        header = ws.cell(row=self._first(ws) - 1, column=col)
        if header.fill is None or header.fill.fill_type is None:
            header.fill = TOOL_FILL
            changed = True
        coord = f"{get_column_letter(col)}{self._first(ws)}"
        shaded = any(SHADE_FORMULA in (rule.formula or []) and coord in sqref
                     for sqref, rule in self._rules(ws))
        if not shaded:
            self._add_rule(ws, self._column_range(ws, col), FormulaRule(
                formula=[SHADE_FORMULA], fill=PatternFill(
                    fill_type="solid", start_color="FF" + TOOL_SHADE,
                    end_color="FF" + TOOL_SHADE)))
            changed = True
        prompt = DataValidation(showInputMessage=True, promptTitle=TOOL_PROMPT_TITLE,
                                prompt=_clip(column.note or "sheetsync fills this column in "
                                             "on every sync.", 255))
        if self._add_check(ws, col, prompt):
            changed = True
        return changed


def _wrap_column(ws: Any, col: int, first: int = 2) -> bool:
    """Wrap text in one of sheetsync's status columns, so staff can read a long status
    without widening the column: the column's own format (which a cell sheetsync writes
    later takes, as a cell typed there in Excel does) and the cells already in it.
    False when it wrapped already."""
    changed = False
    dim = ws.column_dimensions[get_column_letter(col)]
    if not dim.alignment.wrap_text:
        dim.alignment = Alignment(wrap_text=True, vertical="top")
        changed = True
    for (row, c), cell in list(ws._cells.items()):
        if c == col and row >= first and not cell.alignment.wrap_text:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            changed = True
    return changed


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _create_exclusively(path: Path, payload: bytes) -> None:
    """Write ``payload`` to a new file at ``path``, never replacing one that appeared."""
    tmp = path.with_name(f".{path.name}.sheetsync-new")

    def _write(handle: Any) -> None:
        handle.write(payload)

    atomic_write(tmp, _write)
    try:
        os.link(tmp, path)  # fails if ``path`` exists, so a file that appeared is kept
    except FileExistsError:
        raise FileExistsError(
            f"{path} already exists; sheetsync will not overwrite it."
        ) from None
    except OSError:
        if path.exists():
            raise FileExistsError(
                f"{path} already exists; sheetsync will not overwrite it."
            ) from None
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
