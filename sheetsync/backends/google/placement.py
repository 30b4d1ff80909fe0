"""Checking, in the write's own answer, that every status landed on its row.

The register locates each row by its ID in the latest picture of the tabs (the one the
run lock's answer brought, see ``register``), then writes cells by position in one
``spreadsheets.batchUpdate``. A person who sorts, inserts or deletes rows between that
picture and the write (while events and drafts are made) shifts the rows under the
write: a status, or a new row's ID, would land one row off. Sheets has no conditional
write, so the write asks for the tabs it wrote *as they are right after the write* in
its own answer (``includeSpreadsheetInResponse``: no extra call), and checks every row it
wrote to: is it still the row that was there in the picture?

- A row holding an ID is the same row when it still holds that ID (unless we wrote it).
- Otherwise it is the same row when its staff cells (every column that is not
  sheetsync's) are unchanged.

Rows that moved are put right with a second write, checked the same way: each cell we
wrote into the wrong row gets back what that row held in the picture (found by its ID or
its staff cells; a row that appeared in between had nothing in sheetsync's columns), and
the intended rows are located again in the fresh picture and written. After a few rounds
of a sheet that keeps moving, what is left is reported as skipped and the next sync
writes it. The one thing this cannot undo is a person typing into one of sheetsync's
own cells in that window, if the write then covered it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sheetsync.backends.google.body import Request, batch_update_body
from sheetsync.backends.google.picture import (
    SheetsHandle,
    _compact,
    _grid_values,
    _TabNow,
    _text,
    cell_requests,
    plan_cell_writes,
    quote_title,
)
from sheetsync.core.ports import CellValue, CellWrite, SkippedWrite, WriteReport

ROUNDS = 3
RESPONSE_FIELDS = ("replies,updatedSpreadsheet(sheets(properties(title),"
                   "data(startRow,startColumn,rowData(values(effectiveValue)))))")

Cells = dict[tuple[str, int, int], str]


def send(reg: SheetsHandle, requests: list[Request], ranges: Sequence[str]
         ) -> dict[str, Any]:
    """One ``spreadsheets.batchUpdate``; its answer holds ``ranges`` (A1, grid data) as
    they are right after it applied, read with the same field mask as the register.

    ``requests`` is emptied once encoded, and the body let go before the answer is
    parsed: a first sync's write is tens of megabytes each way, and only one side of it
    needs to be in memory at a time.
    """
    from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL


    extra: dict[str, Any] = {}
    if ranges:
        extra.update(includeSpreadsheetInResponse=True, responseIncludeGridData=True,
                     responseRanges=list(ranges))
    body = batch_update_body(requests, extra)
    requests.clear()
    response = reg._http.request("post", SPREADSHEET_BATCH_UPDATE_URL % reg.spreadsheet_id,
                                 data=body, headers={"Content-Type": "application/json"},
                                 params={"fields": RESPONSE_FIELDS})
    del body
    content = response.content
    del response  # it holds the request, and so the body
    if not ranges:
        return {}
    text = content.decode("utf-8", "surrogatepass")  # json would decode a copy anyway
    del content
    return dict(json.loads(text, object_pairs_hook=_compact) or {})


def tabs_in(answer: dict[str, Any], titles: Sequence[str]) -> dict[str, _TabNow]:
    """The whole tabs ``titles`` as a ``send`` answer holds them."""

    sheets = (answer.get("updatedSpreadsheet") or {}).get("sheets") or []
    tabs: dict[str, _TabNow] = {}
    for sheet in sheets:
        title = str((sheet.get("properties") or {}).get("title", ""))
        if title in titles:
            tabs[title] = _TabNow.build(title, _grid_values(sheet))
    return tabs


def write_and_answer(reg: SheetsHandle, requests: list[Request],
                     titles: Sequence[str]) -> dict[str, _TabNow]:
    """Send the batchUpdate; return ``titles`` as they are right after it applied."""

    answer = send(reg, requests, [quote_title(t) for t in titles])
    return tabs_in(answer, titles) if titles else {}


def _staff(tab: _TabNow, cells: Sequence[CellValue]) -> tuple[str, ...]:

    return tuple(_text(c) for i, c in enumerate(cells) if not tab.tool_owned(i))


def _id_col(tab: _TabNow) -> int | None:
    if tab.spec is None or tab.spec.id_column is None:
        return None
    col = tab.column(tab.spec.id_column)
    return col if isinstance(col, int) else None


def moved_rows(before: dict[str, _TabNow], after: dict[str, _TabNow], cells: Cells
               ) -> set[tuple[str, int]]:
    """The rows we wrote to that are no longer the row that was there at the re-read."""

    written: dict[tuple[str, int], set[int]] = {}
    for title, row, col in cells:
        written.setdefault((title, row), set()).add(col)
    moved: set[tuple[str, int]] = set()
    for (title, row), cols in written.items():
        old, new = before.get(title), after.get(title)
        if old is None or new is None:
            continue
        was, now = old.rows.get(row), new.rows.get(row)
        if now is None or was is None:
            moved.add((title, row))
            continue
        id_col = _id_col(old)
        if id_col is not None and id_col not in cols and _text(was[id_col] if id_col < len(
                was) else None):
            same = _text(now[id_col] if id_col < len(now) else None) == _text(was[id_col])
        else:
            same = _staff(old, was) == _staff(new, now)
        if not same:
            moved.add((title, row))
    return moved


def _original(before: _TabNow, after: _TabNow, row: int, written_cols: set[int]
              ) -> Sequence[CellValue] | None:
    """What the row now at ``row`` held at the re-read, if it was there then: found by
    its ID, else by its staff cells, else (it was edited too) by the one row of the
    re-read that is nowhere in the answer and differs from it in a single staff cell."""

    now = after.rows.get(row)
    if now is None:
        return None
    id_col = _id_col(before)
    if id_col is not None and id_col not in written_cols and id_col < len(now):
        key = _text(now[id_col])
        if key:
            hits = before.rows_with_key(id_col, key)
            return before.rows[hits[0]] if len(hits) == 1 else None
    staff = _staff(after, now)
    hits = [n for n, cells in before.rows.items() if _staff(before, cells) == staff]
    if len(hits) == 1:
        return before.rows[hits[0]]
    if hits:
        return None
    present = {_staff(after, cells) for cells in after.rows.values()}
    gone = [n for n, cells in before.rows.items() if _staff(before, cells) not in present]
    near = [n for n in gone if _distance(_staff(before, before.rows[n]), staff) <= 1]
    return before.rows[near[0]] if len(near) == 1 else None


def _distance(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    width = max(len(a), len(b))
    a, b = a + ("",) * (width - len(a)), b + ("",) * (width - len(b))
    return sum(x != y for x, y in zip(a, b, strict=True))


def repair(reg: SheetsHandle, before: dict[str, _TabNow], after: dict[str, _TabNow],
           cells: Cells, writes: Sequence[CellWrite], report: WriteReport) -> None:
    """Put right the rows that moved under the write (see the module docstring)."""

    for _ in range(ROUNDS):
        moved = moved_rows(before, after, cells)
        if not moved:
            return
        fixes: Cells = {}
        for title, row in moved:
            cols = {c for (t, r, c) in cells if (t, r) == (title, row)}
            original = _original(before[title], after[title], row, cols)
            for col in cols:
                value = original[col] if original is not None and col < len(original) else None
                fixes[(title, row, col)] = "" if value is None else str(value)
        # The picture after the fixes, to locate the intended rows again.
        fixed: dict[str, _TabNow] = {}
        for title, tab in after.items():
            rows: list[list[Any]] = [list(tab.header)]
            for number in range(2, max(tab.rows, default=1) + 1):
                cells_now: list[Any] = list(tab.rows.get(number, ()))
                for (t, r, c), value in fixes.items():
                    if t == title and r == number:
                        cells_now += [None] * (c + 1 - len(cells_now))
                        cells_now[c] = value or None
                rows.append(cells_now)
            fixed[title] = _TabNow.build(title, rows)
        moved_keys = {(t, r) for (t, r) in moved}
        again = [w for w in writes if _landed_in(w, cells, moved_keys, before)]
        plan = plan_cell_writes(fixed, again)
        report.skipped += plan.skipped  # e.g. the row was deleted meanwhile
        report.written -= len(plan.skipped)
        meta = reg._meta or reg._fetch_meta()
        ids = {t: meta.sheets[t].sheet_id for t in fixed if t in meta.sheets}
        new_cells = {**fixes, **plan.cells}
        requests = cell_requests({k: v for k, v in new_cells.items() if k[0] in ids}, ids)
        before, cells = fixed, dict(plan.cells)
        after = write_and_answer(reg, requests, sorted(fixed))
    leftover = moved_rows(before, after, cells)
    if leftover:
        report.skipped += [SkippedWrite(w, "the rows kept moving while sheetsync wrote; the "
                                           "next sync writes this")
                           for w in writes if _landed_in(w, cells, leftover, before)]


def _landed_in(write: CellWrite, cells: Cells, rows: set[tuple[str, int]],
               before: dict[str, _TabNow]) -> bool:
    """Was ``write`` one of the cells written into ``rows``?"""
    tab = before.get(write.row.tab)
    if tab is None:
        return False
    col = tab.column(write.column)
    if isinstance(col, str):
        return False
    row = tab.locate(write.row)
    return isinstance(row, int) and (write.row.tab, row) in rows and \
        (write.row.tab, row, col) in cells
