"""Make a new register workbook that staff can start typing into."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from sheetsync.core.ports import CellValue
from sheetsync.core.schema import STATE_TAB
from sheetsync.core.state import STATE_HEADER

from ._cells import clean_text
from .register import atomic_write

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TOOL_FILL = PatternFill(fill_type="solid", start_color="FFE7E6E6", end_color="FFE7E6E6")
MIN_WIDTH = 8
MAX_WIDTH = 50
_SAMPLE_ROWS = 200  # column widths look at this many rows

Table = tuple[str, Sequence[str], Sequence[Sequence[CellValue]]]


def create_register(
    path: Path,
    tables: Sequence[Table],
    notes: Mapping[tuple[str, str], str] | None = None,
    tool_columns: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Write a new register: one tab per ``(title, header, rows)`` in order.

    The header row is bold and frozen; columns sheetsync writes (``tool_columns[tab]``)
    have a grey header; ``notes[(tab, column)]`` becomes a comment on that header cell.
    Dates get a ``yyyy-mm-dd`` format. Text is stored as text, so ``"00123"`` stays
    ``00123`` and a text starting with ``=`` is not a formula. The hidden tab that keeps
    sheetsync's state is added last. Raises ``FileExistsError`` if ``path`` exists.
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
        tool = {c for c in tool_columns.get(title, ())}
        for col, name in enumerate(header, start=1):
            cell = ws.cell(row=1, column=col)
            _put(cell, name)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(vertical="top")
            if name in tool:
                cell.fill = TOOL_FILL
            note = notes.get((title, name))
            if note:
                comment = Comment(note, "sheetsync")
                comment.width = 300
                comment.height = 110
                cell.comment = comment
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                _put(ws.cell(row=r, column=c), value)
        ws.freeze_panes = "A2"
        _size_columns(ws, header, rows)
    if default is not None:
        wb.remove(default)
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
