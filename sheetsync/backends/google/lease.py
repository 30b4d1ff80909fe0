"""The run lock of a Google Sheet: a hidden lock tab that exists while a sync runs.

Syncs may run on different machines, so the lock must live in the spreadsheet. The
Sheets values API has no compare-and-set: "write a lease cell, then read it back" leaves
a window in which two runs both believe they won (A reads "free", B reads "free", both
write, and whoever reads back before the other's write wins too). Two things in the
Sheets API *are* atomic, and this lock is built on them:

- ``spreadsheets.batchUpdate`` applies all its requests or none;
- ``addSheet`` fails when a tab with that title exists, and ``deleteSheet`` fails when
  the tab with that *sheet id* is gone.

So taking the lock is one ``batchUpdate``: add the hidden tab ``_sheetsync_lock`` (with a
fresh random sheet id) and fill in who holds it and until when. Of two runs doing this at
once, Google applies one and refuses the other ("already exists"). The loser reads the
tab: a live lock means ``BusyError`` (exit 3); a stale one (expired: a crashed run; or left
by a run on this computer whose process has ended) is taken over
by one ``batchUpdate`` that deletes *that* tab by its sheet id and adds a new one. Of two
runs taking over the same stale lock, the second one's delete finds no such sheet id and
fails as a whole. Giving the lock back deletes the tab by our own sheet id, so a run
whose lock expired and was taken over can never delete the new holder's lock.

The same ``batchUpdate`` answers with the first rows of the state tab
(``responseRanges``): if another sync wrote the state since this run read it, the engine
reads and plans again before changing anything. It also answers with every tab that
receives statuses, which the write locates its rows in instead of reading them again.

Cost: only runs that change something take the lock (a quiet run reads and stops), and
they pay one ``spreadsheets.batchUpdate`` for it: the lock is given back inside the
register's own write (one more ``deleteSheet`` request in that atomic batch), and only a run
that ends without writing the register gives it back with a call of its own. Contention
costs one ``spreadsheets.get`` and one ``values.batchGet`` of the lock tab more. What is not
covered: clocks. The expiry is written by the holder's clock and judged by the contender's, so
hosts whose clocks differ by more than the lock's lifetime (30 minutes) could take over a
live lock; and a sync that runs longer than 30 minutes loses its lock to the next one. Keep cron
hosts on NTP.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sheetsync.backends.google import placement
from sheetsync.backends.google.body import Request
from sheetsync.backends.google.picture import (
    SheetsHandle,
    _grid_values,
    _spec_for,
    column_letter,
    quote_title,
)
from sheetsync.backends.google.retry import error_status
from sheetsync.core.lock import LockHolder, busy_error
from sheetsync.core.ports import RegisterSnapshot, _cell_text
from sheetsync.core.schema import STATE_TAB

LOCK_TAB = "_sheetsync_lock"
# Rows of the state tab that change on every write ("#last sync" and its token, row 3).
STATE_PROBE_ROWS = 3


def _new_sheet_id() -> int:
    return 100_000_000 + secrets.randbelow(2_000_000_000)


def _lock_requests(sheet_id: int, holder: LockHolder) -> list[Request]:
    rows = [("sheetsync lock", "sheetsync deletes this tab when its sync ends")]
    rows += holder.fields()
    return [
        {"addSheet": {"properties": {
            "sheetId": sheet_id, "title": LOCK_TAB, "hidden": True,
            "gridProperties": {"rowCount": len(rows), "columnCount": 2}}}},
        {"updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": k}},
                                 {"userEnteredValue": {"stringValue": v}}]}
                     for k, v in rows],
            "fields": "userEnteredValue"}},
    ]


def _probe(reg: SheetsHandle, snapshot: RegisterSnapshot) -> tuple[list[str], list[str]]:
    """What the lock's ``batchUpdate`` answers with: the first rows of the state tab (is
    the read still current?) and every tab that may receive statuses, whole (the
    picture the write locates its rows in: no read of its own).

    Returns the A1 ranges to ask for and the titles of the pictured tabs."""
    meta = reg._meta
    ranges: list[str] = []
    if meta is not None and STATE_TAB in meta.sheets:
        ranges.append(f"{quote_title(STATE_TAB)}!A1:{column_letter(2)}{STATE_PROBE_ROWS}")
    titles = [tab.title for tab in snapshot.tabs
              if meta is not None and tab.title in meta.sheets
              and (spec := _spec_for(tab.title)) is not None and spec.tool_columns]
    return ranges + [quote_title(t) for t in titles], titles


def _trim(rows: list[list[str]]) -> list[tuple[str, ...]]:
    out = []
    for row in rows:
        cells = list(row)
        while cells and cells[-1] == "":
            cells.pop()
        out.append(tuple(cells))
    while out and not out[-1]:
        out.pop()
    return out


def _is_current(answer: dict[str, Any], snapshot: RegisterSnapshot) -> bool:
    """Do the state tab's first rows still hold what the snapshot read?"""
    sheets = (answer.get("updatedSpreadsheet") or {}).get("sheets") or []
    state = next((s for s in sheets
                  if (s.get("properties") or {}).get("title") == STATE_TAB), None)
    before = _trim([[str(c).strip() for c in row[:3]]
                    for row in snapshot.state_rows[:STATE_PROBE_ROWS]])
    if state is None:
        return not before  # no state tab then, none now
    if "data" not in state:
        return False  # not probed, so there was no state tab at the read: one was made since
    now = _trim([["" if c is None else _cell_text(c).strip() for c in row[:3]]
                 for row in _grid_values(state)[:STATE_PROBE_ROWS]])
    return now == before


def _lock_tab_gone(exc: Exception) -> bool:
    """Google's answer to a read of the lock tab deleted since the metadata was read:
    400 "Unable to parse range" naming the lock tab (and only the lock tab: a data tab
    it cannot find stays a problem of the register's shape)."""
    text = str(exc)
    return error_status(exc) == 400 and "Unable to parse range" in text \
        and LOCK_TAB in text


def _holder_in(values: list[list[Any]]) -> LockHolder | None:
    pairs = {str(row[0]).strip(): row[1] for row in values if len(row) >= 2}
    return LockHolder.from_fields(pairs)


def acquire(reg: SheetsHandle, snapshot: RegisterSnapshot, holder: LockHolder,
            now: dt.datetime) -> bool:
    def attempt() -> bool:
        return _acquire_once(reg, snapshot, holder, now)

    # A retry after a lost answer is safe: our own lock is recognised by its token.
    with reg._errors("write"), reg._reads_not_retried():
        return reg.policy.run(attempt, idempotent=True, what="Google Sheets")


def _acquire_once(reg: SheetsHandle, snapshot: RegisterSnapshot, holder: LockHolder,
                  now: dt.datetime) -> bool:
    where = reg.describe()
    reg.took_over = False
    for _ in range(3):
        sheet_id = _new_sheet_id()
        ranges, titles = _probe(reg, snapshot)
        try:
            answer = placement.send(reg, _lock_requests(sheet_id, holder), ranges)
        except Exception as exc:
            if error_status(exc) != 400 or "already exists" not in str(exc):
                raise
        else:
            reg._lock_sheet_id = sheet_id
            return _taken(reg, answer, snapshot, titles)
        # The lock tab is there: whose is it, and is it still valid?
        meta = reg._fetch_meta()
        sheet = meta.sheets.get(LOCK_TAB)
        if sheet is None:
            continue  # given back meanwhile (or a sheet id clash): try again
        try:
            values = reg._batch_get([LOCK_TAB])[0]
        except Exception as exc:
            if _lock_tab_gone(exc):
                continue  # the holder's write deleted it just now: try again
            raise
        found = _holder_in(values)
        if found is not None and found.token == holder.token:
            # Ours: an earlier attempt was applied but its answer was lost. The state
            # probe went with it, so let the engine read again to be sure.
            reg._lock_sheet_id = sheet.sheet_id
            return False
        if found is not None and not found.stale(now):
            raise busy_error(where, found)
        # Stale (expired or unreadable): replace that very tab, in one atomic step.
        new_id = _new_sheet_id()
        requests: list[Request] = [{"deleteSheet": {"sheetId": sheet.sheet_id}},
                                   *_lock_requests(new_id, holder)]
        ranges, titles = _probe(reg, snapshot)
        try:
            answer = placement.send(reg, requests, ranges)
        except Exception as exc:
            if error_status(exc) == 400:
                raise busy_error(where, None) from None  # another run replaced it first
            raise
        reg._lock_sheet_id = new_id
        reg.took_over = True  # a run left it: the engine has Gmail checked for its drafts
        return _taken(reg, answer, snapshot, titles)
    raise busy_error(where, None)


def _taken(reg: SheetsHandle, answer: dict[str, Any], snapshot: RegisterSnapshot,
           titles: list[str]) -> bool:
    """The lock is ours: keep the answer's picture of the tabs for the write, if the
    read is still current (otherwise the engine reads again, and the write reads too)."""
    current = _is_current(answer, snapshot)
    reg._picture = placement.tabs_in(answer, titles) if current else None
    return current


def release(reg: SheetsHandle, holder: LockHolder) -> None:
    """Delete our lock tab by its sheet id; if it is gone (taken over after it expired),
    there is nothing to give back."""
    sheet_id = reg._lock_sheet_id
    if sheet_id is None:
        return

    def attempt() -> None:
        try:
            reg._http.batch_update(reg.spreadsheet_id,
                                   {"requests": [{"deleteSheet": {"sheetId": sheet_id}}]})
        except Exception as exc:
            if error_status(exc) != 400:
                raise

    with reg._errors("write"), reg._reads_not_retried():
        reg.policy.run(attempt, idempotent=True, what="Google Sheets")
    reg._lock_sheet_id = None
