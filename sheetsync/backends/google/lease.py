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

The same ``batchUpdate`` returns the first rows of the state tab (``responseRanges``): if
another sync wrote the state since this run read it, the engine reads and plans again
before changing anything. No extra call.

Cost: only runs that change something take the lock (a quiet run reads and stops), and
they pay one ``spreadsheets.batchUpdate`` for it: the lock is given back inside the
register's own write (one more ``deleteSheet`` request in that atomic batch), and only a run
that ends without writing the register gives it back with a call of its own. Contention
costs one ``spreadsheets.get`` and one ``values.batchGet`` more. What is not covered:
clocks. The expiry is written by the holder's clock and judged by the contender's, so
hosts whose clocks differ by more than the lock's lifetime (30 minutes) could take over a
live lock; and a sync that runs longer than 30 minutes loses its lock to the next one. Keep cron
hosts on NTP.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from sheetsync.backends.google.retry import error_status
from sheetsync.core.lock import LockHolder, busy_error
from sheetsync.core.ports import RegisterSnapshot, _cell_text
from sheetsync.core.schema import STATE_TAB

if TYPE_CHECKING:
    from sheetsync.backends.google.register import SheetsRegister

LOCK_TAB = "_sheetsync_lock"
# Rows of the state tab that change on every write ("#last sync" and its token, row 3).
STATE_PROBE_ROWS = 3


def _new_sheet_id() -> int:
    return 100_000_000 + secrets.randbelow(2_000_000_000)


def _lock_requests(sheet_id: int, holder: LockHolder) -> list[dict[str, Any]]:
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


def _probe(reg: SheetsRegister) -> dict[str, Any]:
    """Ask the batchUpdate to answer with the first rows of the state tab."""
    from sheetsync.backends.google.register import column_letter, quote_title

    meta = reg._meta
    probe: dict[str, Any] = {"includeSpreadsheetInResponse": True}
    if meta is not None and STATE_TAB in meta.sheets:
        last = column_letter(2)
        probe["responseRanges"] = [f"{quote_title(STATE_TAB)}!A1:{last}{STATE_PROBE_ROWS}"]
        probe["responseIncludeGridData"] = True
    return probe


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


def _cell_of(data: dict[str, Any]) -> str:
    value = data.get("effectiveValue") or {}
    for kind in ("stringValue", "numberValue", "boolValue"):
        if kind in value:
            return _cell_text(value[kind]).strip()
    return str(data.get("formattedValue", "")).strip()


def _is_current(reply: dict[str, Any], snapshot: RegisterSnapshot) -> bool:
    """Do the state tab's first rows still hold what the snapshot read?"""
    sheets = (reply.get("updatedSpreadsheet") or {}).get("sheets") or []
    state = next((s for s in sheets
                  if (s.get("properties") or {}).get("title") == STATE_TAB), None)
    before = _trim([[str(c).strip() for c in row[:3]]
                    for row in snapshot.state_rows[:STATE_PROBE_ROWS]])
    if state is None:
        return not before  # no state tab then, none now
    if "data" not in state:
        return False  # not probed, so there was no state tab at the read: one was made since
    grid = (state.get("data") or [{}])[0]
    now = _trim([[_cell_of(v) for v in (row.get("values") or [])[:3]]
                 for row in grid.get("rowData") or []][:STATE_PROBE_ROWS])
    return now == before


def _holder_in(values: list[list[Any]]) -> LockHolder | None:
    pairs = {str(row[0]).strip(): row[1] for row in values if len(row) >= 2}
    return LockHolder.from_fields(pairs)


def acquire(reg: SheetsRegister, snapshot: RegisterSnapshot, holder: LockHolder,
            now: dt.datetime) -> bool:
    def attempt() -> bool:
        return _acquire_once(reg, snapshot, holder, now)

    # A retry after a lost answer is safe: our own lock is recognised by its token.
    with reg._errors("write"), reg._reads_not_retried():
        return reg.policy.run(attempt, idempotent=True, what="Google Sheets")


def _acquire_once(reg: SheetsRegister, snapshot: RegisterSnapshot, holder: LockHolder,
                  now: dt.datetime) -> bool:
    where = reg.describe()
    reg.took_over = False
    for _ in range(3):
        sheet_id = _new_sheet_id()
        body = {"requests": _lock_requests(sheet_id, holder), **_probe(reg)}
        try:
            reply = reg._http.batch_update(reg.spreadsheet_id, body)
        except Exception as exc:
            if error_status(exc) != 400 or "already exists" not in str(exc):
                raise
        else:
            reg._lock_sheet_id = sheet_id
            return _is_current(reply, snapshot)
        # The lock tab is there: whose is it, and is it still valid?
        meta = reg._fetch_meta()
        sheet = meta.sheets.get(LOCK_TAB)
        if sheet is None:
            continue  # given back meanwhile (or a sheet id clash): try again
        found = _holder_in(reg._batch_get([LOCK_TAB])[0])
        if found is not None and found.token == holder.token:
            # Ours: an earlier attempt was applied but its answer was lost. The state
            # probe went with it, so let the engine read again to be sure.
            reg._lock_sheet_id = sheet.sheet_id
            return False
        if found is not None and not found.stale(now):
            raise busy_error(where, found)
        # Stale (expired or unreadable): replace that very tab, in one atomic step.
        new_id = _new_sheet_id()
        body = {"requests": [{"deleteSheet": {"sheetId": sheet.sheet_id}},
                             *_lock_requests(new_id, holder)], **_probe(reg)}
        try:
            reply = reg._http.batch_update(reg.spreadsheet_id, body)
        except Exception as exc:
            if error_status(exc) == 400:
                raise busy_error(where, None) from None  # another run replaced it first
            raise
        reg._lock_sheet_id = new_id
        reg.took_over = True  # a run left it: the engine has Gmail checked for its drafts
        return _is_current(reply, snapshot)
    raise busy_error(where, None)


def release(reg: SheetsRegister, holder: LockHolder) -> None:
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
