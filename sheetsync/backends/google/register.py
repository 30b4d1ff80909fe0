"""The register as a Google Sheet, through gspread.

Calls per sync, whatever the number of rows:

- ``read``: one ``spreadsheets.get`` with a field mask that returns the metadata (titles,
  sheet ids, grid sizes, time zone) and every tab's values, the hidden state tab included,
  unformatted, dates as serial numbers (the core converts them in the spreadsheet's time
  zone, returned in the snapshot).
- the run lock (``lease``): one ``spreadsheets.batchUpdate``, taken only by a run that has
  something to change. Its answer carries the state tab's first rows (is the read still
  current?) and every tab that receives statuses, as they are once the lock is ours.
- ``write``: nothing at all when there is no cell to write and the state is unchanged.
  Otherwise one ``spreadsheets.batchUpdate`` with every status cell and the state tab,
  which also gives the lock back and creates or grows the state and log tabs when needed.

So a run that writes costs three Sheets requests: read, lock, write.

Where a status lands — rows by ID in the latest picture, never by read-time position
-------------------------------------------------------------------------------------
Staff sort, insert and delete rows while a sync runs. So the write does not trust any
position from the read. It locates every row in the picture the lock's answer gave (or,
when the write is retried or the lock was taken without one, in a fresh
``values:batchGet``), and for each ``CellWrite``:

- finds the row whose ID cell holds ``row.key`` in that picture (a deleted row: skipped;
  an ID on two rows: skipped), or, for a row that had no ID yet, the row whose cells
  still match the read-time fingerprint (the read-time number is only a tie-break hint);
- finds the column by its header there (a column moved or inserted by staff is followed);
- checks that the cell still holds ``expected`` (a person's edit wins: skipped);
- writes only tool-owned columns of known tabs, as RAW text, one small range per cell
  (never a whole row or column, so no staff cell is ever overwritten).

Between that picture and the write come the calendar and Gmail calls (well under a second
on an unchanged register, a few seconds when many events and drafts are made). Rows
moved meanwhile are caught by the write's own answer and put right (``placement``). What
the picture cannot see is a person typing into one of sheetsync's own columns in that
window: the write may cover it. Those columns are the tool's (REGISTER.md), so no staff
data is at stake; a fourth call to re-read them was not worth Google's quota.

Why not developer metadata + ``values:batchUpdateByDataFilter``? A data filter on row
metadata selects the whole row; ``null`` values can leave staff cells alone, but:
(1) the ``expected`` guard needs the cells' current values anyway, so a write-time read
is needed in both designs (here the lock's answer brings it, at no extra call); (2) rows
without an ID cannot carry metadata yet and can only be found by their content; (3) every
new row would need a ``createDeveloperMetadata`` call (the tagging itself is positional
and has the same race), metadata per sheet is size-limited, and whether row metadata
follows a *sort* (not just inserts/deletes, which Google documents) is not documented;
(4) the column would still come from a header read earlier.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sheetsync.backends.google import lease, placement
from sheetsync.backends.google.body import Request, update_cells
from sheetsync.backends.google.dashboard import (
    DashSheet,
    chart_id_for,
    dashboard_requests,
    derived_id,
)
from sheetsync.backends.google.picture import (
    _compact,
    _grid_values,
    _Meta,
    _row_cells,
    _Sheet,
    _TabNow,
    cell_requests,
    plan_cell_writes,
    quote_title,
)
from sheetsync.backends.google.retry import RetryLater, RetryPolicy, error_reasons, error_status
from sheetsync.core.dashboard import Dashboard, dashboard_unchanged, existing_tab, tab_rows
from sheetsync.core.headers import HEADER_SEARCH_ROWS, header_row
from sheetsync.core.lock import LockHolder
from sheetsync.core.ports import (
    CellWrite,
    RawRow,
    RawTab,
    RegisterSnapshot,
    WriteReport,
    _cell_text,
)
from sheetsync.core.schema import STATE_TAB, normalise_header
from sheetsync.core.state import STATE_HEADER
from sheetsync.errors import BusyError, CredentialsError, RegisterShapeError
from sheetsync.synclog import SYNC_LOG_TAB

SHEETS_URL = "https://docs.google.com/spreadsheets/d/{}"
READ_PARAMS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}
META_FIELDS = (
    "spreadsheetId,properties(title,timeZone),"
    "sheets(properties(sheetId,title,index,hidden,sheetType,gridProperties(rowCount,columnCount)),"
    "charts(chartId))"
)
# The read: titles, ids, grid sizes, time zone AND every cell's value, in one
# spreadsheets.get. A field mask that names ``sheets.data`` returns grid data (Google
# ignores ``includeGridData`` when a mask is set), and ``effectiveValue`` is the
# unformatted value: numbers and dates as numbers (dates as serial numbers), text as text,
# a formula's result rather than the formula.
READ_FIELDS = (
    "spreadsheetId,properties(title,timeZone),"
    "sheets(properties(sheetId,title,index,hidden,sheetType,gridProperties(rowCount,columnCount)),"
    "charts(chartId),data(startRow,startColumn,rowData(values(effectiveValue))))"
)
STATE_MIN_ROWS = 200


# ------------------------------------------------------------------ gspread transport


def _http_client_class() -> type[Any]:
    """A gspread ``HTTPClient`` whose reads follow sheetsync's retry policy.

    Only GET requests are retried here (reads are idempotent). Writes are retried by the
    register itself, which re-locates every row before each attempt: replaying a
    positional write after a backoff would reuse stale positions.
    """
    from gspread.http_client import HTTPClient

    class RetryingHTTPClient(HTTPClient):  # type: ignore[misc]
        policy: RetryPolicy = RetryPolicy()
        retry_reads: bool = True

        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Any:
            def once() -> Any:
                return super(RetryingHTTPClient, self).request(method, endpoint, *args,
                                                               **kwargs)

            if not self.retry_reads or method.lower() != "get":
                return once()
            return self.policy.run(once, idempotent=True, what="Google Sheets")

    return RetryingHTTPClient



def _norm_state(rows: Iterable[Sequence[object]]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for row in rows:
        cells = ["" if c is None else _cell_text(c) for c in row]  # type: ignore[arg-type]
        while cells and cells[-1] == "":
            cells.pop()
        out.append(tuple(cells))
    while out and not out[-1]:
        out.pop()
    return out



def _log_in(snapshot: RegisterSnapshot) -> list[list[str]]:
    """The Sync log tab as read (header included), as text."""
    wanted = normalise_header(SYNC_LOG_TAB)
    tab = next((t for t in snapshot.tabs if normalise_header(t.title) == wanted), None)
    if tab is None:
        return []
    return [[_cell_text(c) for c in tab.header],
            *([_cell_text(c) for c in row.cells] for row in tab.rows)]


def state_requests(sheet_id: int, new: Sequence[Sequence[str]],
                   old: Sequence[Sequence[str]]) -> list[Request]:
    """The state tab's rows that differ from what was read, as runs of whole rows.

    A sync that changes a few objects rewrites a few state rows, not all of them (the
    state of a 10,000-row register is tens of thousands of rows). Rows the new state no
    longer has are blanked.
    """
    width = max([len(STATE_HEADER)] + [len(r) for r in new] + [len(r) for r in old])

    def padded(row: Sequence[str]) -> list[str]:
        return list(row) + [""] * (width - len(row))

    new_rows = [padded(r) for r in new]
    old_rows = [padded(r) for r in old]
    new_rows += [[""] * width for _ in range(max(0, len(old_rows) - len(new_rows)))]
    requests: list[Request] = []
    start: int | None = None
    for i in range(len(new_rows) + 1):
        differs = i < len(new_rows) and (i >= len(old_rows) or new_rows[i] != old_rows[i])
        if differs and start is None:
            start = i
        elif not differs and start is not None:
            requests.append(update_cells(sheet_id, start, 0, new_rows[start:i]))
            start = None
    return requests


# ------------------------------------------------------------------------ the register


class SheetsRegister:
    """``Register`` on a Google Sheet (see the module docstring)."""

    # Keeps the visible "Sync log" tab: its rows go in the same batchUpdate as the
    # statuses and the state, so the log never costs a call (ports.SyncLogRegister).
    # The Dashboard tab and its chart ride there too (ports.DashboardRegister).
    keeps_sync_log = True
    keeps_dashboard = True

    def __init__(
        self,
        spreadsheet_id: str,
        *,
        credentials: Any = None,
        session: Any = None,
        policy: RetryPolicy | None = None,
        identity: str = "the signed-in Google account",
        timeout: float | tuple[float, float] | None = (10.0, 120.0),
    ) -> None:
        import gspread

        self.spreadsheet_id = spreadsheet_id
        self.policy = policy or RetryPolicy()
        self.identity = identity
        client_class = _http_client_class()
        no_auth: Any = None  # with a session of its own, gspread needs no credentials
        if session is not None:
            self._client = gspread.Client(auth=no_auth, session=session,
                                          http_client=client_class)
        else:
            self._client = gspread.Client(auth=credentials, http_client=client_class)
        self._http: Any = cast(Any, self._client.http_client)
        self._http.policy = self.policy
        if timeout is not None:
            self._http.set_timeout(timeout)
        self._meta: _Meta | None = None
        # The Sync log for the write in progress: (the whole tab, its height as read).
        self._log_write: tuple[list[list[str]], int] | None = None
        # The dashboard and its tab as read (text), for the same write.
        self._dash_write: tuple[Dashboard, list[tuple[str, ...]]] | None = None
        # The sheet id of the run lock's tab while this register holds it (``lease``).
        self._lock_sheet_id: int | None = None
        # The tabs as the lock's own answer showed them (``lease``): the write locates its
        # rows in this picture instead of reading again, and uses it once.
        self._picture: dict[str, _TabNow] | None = None
        # The last lock taken replaced one a run left behind (``core.lock``).
        self.took_over = False
        # Told the spreadsheet's time zone after each read (the mailbox dates "sent on"
        # in it).
        self.time_zone_listeners: list[Callable[[str], None]] = []

    def close(self) -> None:
        self._http.session.close()

    @property
    def http_client(self) -> Any:
        """The gspread ``HTTPClient`` (with sheetsync's retry policy for reads)."""
        return self._http

    def acquire_lock(self, snapshot: RegisterSnapshot, holder: LockHolder,
                     now: dt.datetime) -> bool:
        """The run lock: a hidden lock tab, made atomically (see ``lease``)."""
        return lease.acquire(self, snapshot, holder, now)

    def release_lock(self, holder: LockHolder) -> None:
        lease.release(self, holder)

    def check(self) -> str:
        """For ``sheetsync doctor``: can this account open the spreadsheet? Its title.

        One ``spreadsheets.get``; raises ``RegisterShapeError``/``CredentialsError``/
        ``BusyError`` with what to do.
        """
        with self._errors("read"):
            return self._fetch_meta().title

    # ---------------------------------------------------------------- Register protocol

    def describe(self) -> str:
        if self._meta is not None and self._meta.title:
            return f'Google Sheet "{self._meta.title}"'
        return f"Google Sheet {self.spreadsheet_id}"

    def read(self) -> RegisterSnapshot:
        self._picture = None  # older than this read: no use to the write any more
        with self._errors("read"):
            meta, grids, version = self._fetch_grid()
            titles = list(meta.sheets)
            values = [grids.get(t, []) for t in titles]
        tabs: list[RawTab] = []
        state_rows: tuple[tuple[str, ...], ...] = ()
        for title, rows in zip(titles, values, strict=True):
            if title == STATE_TAB:
                state_rows = tuple(tuple(c if type(c) is str else "" if c is None
                                         else _cell_text(c) for c in row) for row in rows)
                continue
            first = header_row(title, rows[:HEADER_SEARCH_ROWS])  # below a title row
            header = tuple("" if v is None else str(v)
                           for v in (rows[first] if first < len(rows) else []))
            width = len(header)
            body = tuple(RawRow(n, _row_cells(raw, width))
                         for n, raw in enumerate(rows[first + 1:], start=first + 2))
            tabs.append(RawTab(title, header, body))
        if meta.time_zone:
            for listener in self.time_zone_listeners:
                listener(meta.time_zone)
        return RegisterSnapshot(
            tabs=tuple(tabs),
            state_rows=state_rows,
            time_zone=meta.time_zone,
            version=version,
            source=SHEETS_URL.format(self.spreadsheet_id),
        )

    def write(
        self,
        snapshot: RegisterSnapshot,
        writes: Sequence[CellWrite],
        state_rows: Sequence[Sequence[str]],
        log_rows: Sequence[Sequence[str]] | None = None,
        dashboard: Dashboard | None = None,
    ) -> WriteReport:
        new_state = [["" if c is None else str(c) for c in row] for row in state_rows]
        state_changed = _norm_state(new_state) != _norm_state(snapshot.state_rows)
        old_log = _log_in(snapshot)
        log = None if log_rows is None else [["" if c is None else str(c) for c in row]
                                             for row in log_rows]
        if log is not None and _norm_state(log) == _norm_state(old_log):
            log = None
        # Read by every attempt of _write_once (a retry re-reads and rebuilds it all).
        self._log_write = (log, len(old_log)) if log is not None else None
        self._dash_write = self._dashboard_to_write(snapshot, dashboard)
        if not writes and not state_changed and log is None and self._dash_write is None:
            return WriteReport()

        old_state = [list(r) for r in snapshot.state_rows]

        def attempt() -> WriteReport:
            return self._write_once(writes, new_state if state_changed else None, old_state)

        try:
            # One attempt = re-read, re-locate, write. A retry after a backoff re-reads, so
            # it never writes to positions that were true before the wait.
            with self._errors("write"), self._reads_not_retried():
                return self.policy.run(attempt, idempotent=True, what="Google Sheets")
        except BusyError as exc:
            report = WriteReport()
            report.refused = exc.message
            return report

    # ------------------------------------------------------------------------- helpers

    def _fetch_meta(self) -> _Meta:
        data = self._http.fetch_sheet_metadata(
            self.spreadsheet_id, params={"includeGridData": "false", "fields": META_FIELDS})
        return self._take_meta(data)

    def _fetch_grid(self) -> tuple[_Meta, dict[str, list[list[Any]]], str]:
        """Metadata and every tab's values in one ``spreadsheets.get``, and a version:
        a digest of the answer as it came (hashing the bytes costs nothing next to
        serialising the values again)."""
        from gspread.urls import SPREADSHEET_URL

        response = self._http.request(
            "get", SPREADSHEET_URL % self.spreadsheet_id,
            params={"includeGridData": "true", "fields": READ_FIELDS})
        content = response.content
        del response
        version = hashlib.sha256(content).hexdigest()[:24]
        # Tens of megabytes at 10,000 rows: the bytes go before the parse starts (json
        # would decode them to text first anyway), so only one copy is held at a time.
        text = content.decode("utf-8", "surrogatepass")
        del content
        data = json.loads(text, object_pairs_hook=_compact) or {}
        del text
        meta = self._take_meta(data)
        grids = {str((sheet.get("properties") or {}).get("title", "")): _grid_values(sheet)
                 for sheet in data.get("sheets") or []}
        return meta, grids, version

    def _take_meta(self, data: dict[str, Any]) -> _Meta:
        props = data.get("properties") or {}
        meta = _Meta(title=str(props.get("title", "")),
                     time_zone=props.get("timeZone") or None)
        for sheet in data.get("sheets") or []:
            p = sheet.get("properties") or {}
            meta.charts.update(int(c.get("chartId", 0)) for c in sheet.get("charts") or []
                               if isinstance(c, dict))
            if p.get("sheetType", "GRID") != "GRID":
                continue  # charts on their own sheet hold no cells
            grid = p.get("gridProperties") or {}
            meta.sheets[str(p.get("title", ""))] = _Sheet(
                sheet_id=int(p.get("sheetId", 0)), title=str(p.get("title", "")),
                rows=int(grid.get("rowCount", 0)), columns=int(grid.get("columnCount", 0)),
                hidden=bool(p.get("hidden", False)))
        self._meta = meta
        return meta

    def _batch_get(self, titles: Sequence[str]) -> list[list[list[Any]]]:
        result = self._http.values_batch_get(
            self.spreadsheet_id, [quote_title(t) for t in titles], params=dict(READ_PARAMS))
        ranges = result.get("valueRanges", [])
        if len(ranges) != len(titles):
            raise RegisterShapeError(
                "Google Sheets answered with a different number of tabs than asked for.",
                "Run the sync again; if it persists, report it.")
        return [list(r.get("values", []) or []) for r in ranges]

    @contextmanager
    def _reads_not_retried(self) -> Iterator[None]:
        previous = self._http.retry_reads
        self._http.retry_reads = False
        try:
            yield
        finally:
            self._http.retry_reads = previous

    def _write_once(self, writes: Sequence[CellWrite], state: list[list[str]] | None,
                    old_state: list[list[str]], *, again: bool = True) -> WriteReport:
        """Re-read, re-locate, then one ``spreadsheets.batchUpdate`` with everything:
        the state tab's creation or growth (if needed), every status cell and the state
        rows that changed. Its requests apply all together or not at all."""
        report = WriteReport()
        requests: list[Request] = []
        if writes:
            tabs = self._tabs_now(sorted({w.row.tab for w in writes}))
            plan = plan_cell_writes(tabs, writes)
            report.written = plan.written
            report.skipped = plan.skipped
            meta = self._meta or self._fetch_meta()
            ids = {t: meta.sheets[t].sheet_id for t in tabs if t in meta.sheets}
            requests += cell_requests({k: v for k, v in plan.cells.items() if k[0] in ids},
                                      ids)
        state_tab: _Sheet | None = None
        if state is not None:
            width = max([len(STATE_HEADER)] + [len(r) for r in state])
            state_tab, shape = self._state_tab_requests(max(len(state), len(old_state)), width)
            new_tab = bool(shape) and "addSheet" in shape[0]
            requests = shape + requests + state_requests(
                state_tab.sheet_id, state, [] if new_tab else old_state)
        log_tab: _Sheet | None = None
        if self._log_write is not None:
            log, old_log_height = self._log_write
            taken = {state_tab.sheet_id} if state_tab is not None else set()
            log_tab, shape = self._log_tab_requests(max(len(log), old_log_height), taken)
            width = max([len(r) for r in log] + [1])
            rows = [r + [""] * (width - len(r)) for r in log]
            rows += [[""] * width for _ in range(max(0, old_log_height - len(rows)))]
            requests = shape + requests + [update_cells(log_tab.sheet_id, 0, 0, rows)]
        dash_tab: DashSheet | None = None
        if self._dash_write is not None:
            dash_tab, dash_requests = self._dashboard_requests(
                *self._dash_write, {t.sheet_id for t in (state_tab, log_tab) if t})
            requests += dash_requests
        if not requests:
            return report
        lock_id = self._lock_sheet_id
        if lock_id is not None:
            # The run lock goes back in the same atomic request as the write (``lease``):
            # the lock costs one call of its own, not two.
            requests.append({"deleteSheet": {"sheetId": lock_id}})
        # The answer holds the written tabs as they are right after the write: rows that
        # moved in the meantime are put right below (``placement``).
        check = sorted(tabs) if writes else []
        try:
            after = placement.write_and_answer(self, requests, check)
        except Exception as exc:
            if lock_id is not None and error_status(exc) == 400 and str(lock_id) in str(exc):
                # Our lock tab is gone (it expired and another run took over): write
                # without giving it back.
                self._lock_sheet_id = None
                return self._write_once(writes, state, old_state, again=again)
            if again and error_status(exc) == 400 and ("already exists" in str(exc) or (
                    dash_tab is not None and str(self._chart_id) in str(exc))):
                # The state tab was made meanwhile (an earlier attempt whose answer was
                # lost, or another sync): look again and write into it.
                self._fetch_meta()
                return self._write_once(writes, state, old_state, again=False)
            raise
        if state_tab is not None and self._meta is not None:
            self._meta.sheets[STATE_TAB] = state_tab
        if log_tab is not None and self._meta is not None:
            self._meta.sheets[log_tab.title] = log_tab
        if dash_tab is not None and self._meta is not None:
            self._meta.sheets[dash_tab.title] = _Sheet(dash_tab.sheet_id, dash_tab.title,
                                                       dash_tab.rows, dash_tab.columns, False)
            if self._dash_write is not None and self._dash_write[0].chart is not None:
                self._meta.charts.add(self._chart_id)
        self._lock_sheet_id = None  # given back with the write
        if writes and after:
            placement.repair(self, tabs, after, dict(plan.cells), writes, report)
        return report

    def _tabs_now(self, titles: Sequence[str]) -> dict[str, _TabNow]:
        picture, self._picture = self._picture, None  # once: a retry reads afresh
        if picture is not None and all(t in picture for t in titles):
            return {t: picture[t] for t in titles}
        meta = self._meta or self._fetch_meta()
        present = [t for t in titles if t in meta.sheets]
        if len(present) != len(titles):
            # A tab renamed since the read? Look again before giving up on it.
            meta = self._fetch_meta()
            present = [t for t in titles if t in meta.sheets]
        if not present:
            return {}
        values = self._batch_get(present)
        return {t: _TabNow.build(t, v) for t, v in zip(present, values, strict=True)}

    def _log_tab_requests(self, height: int, taken: set[int]
                          ) -> tuple[_Sheet, list[dict[str, Any]]]:
        """The Sync log tab (as it will be), and the requests that create it (visible,
        bold frozen header) or grow it first, for the same ``batchUpdate``."""
        meta = self._meta or self._fetch_meta()
        wanted = normalise_header(SYNC_LOG_TAB)
        sheet = next((s for s in meta.sheets.values()
                      if normalise_header(s.title) == wanted), None)
        width = 8
        if sheet is None:
            rows = max(height, 300) + 20
            taken = taken | {s.sheet_id for s in meta.sheets.values()}
            sheet_id = 1_000_000_000 + int(hashlib.sha256(
                f"{self.spreadsheet_id}\x00log".encode()).hexdigest()[:8], 16) % 1_000_000_000
            while sheet_id in taken:
                sheet_id += 1
            return _Sheet(sheet_id, SYNC_LOG_TAB, rows, width, False), [
                {"addSheet": {"properties": {
                    "sheetId": sheet_id, "title": SYNC_LOG_TAB,
                    "gridProperties": {"rowCount": rows, "columnCount": width,
                                       "frozenRowCount": 1}}}},
                {"repeatCell": {
                    "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1},
                    "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                    "fields": "userEnteredFormat.textFormat.bold"}}]
        if sheet.rows >= height and sheet.columns >= width:
            return sheet, []
        grown = _Sheet(sheet.sheet_id, sheet.title, max(sheet.rows, height + 20),
                       max(sheet.columns, width), sheet.hidden)
        return grown, [{"updateSheetProperties": {
            "properties": {"sheetId": sheet.sheet_id,
                           "gridProperties": {"rowCount": grown.rows,
                                              "columnCount": grown.columns}},
            "fields": "gridProperties.rowCount,gridProperties.columnCount"}}]

    @property
    def _chart_id(self) -> int:
        return chart_id_for(self.spreadsheet_id)

    def _dashboard_to_write(self, snapshot: RegisterSnapshot, dashboard: Dashboard | None
                            ) -> tuple[Dashboard, list[tuple[str, ...]]] | None:
        """The dashboard and its tab as read, when it needs writing: its values changed,
        or its chart is missing."""
        if dashboard is None:
            return None
        # The read left the charts' ids in _meta; without it, _write_once looks them up.
        chart_missing = dashboard.chart is not None and self._meta is not None and \
            self._chart_id not in self._meta.charts
        if dashboard_unchanged(snapshot, dashboard) and not chart_missing:
            return None
        return dashboard, tab_rows(existing_tab(snapshot, dashboard.title))

    def _dashboard_requests(self, dashboard: Dashboard, old_rows: list[tuple[str, ...]],
                            taken: set[int]) -> tuple[DashSheet, list[Request]]:
        """The Dashboard tab (as it will be) and the requests that write it, for the
        same ``batchUpdate`` (``backends.google.dashboard``)."""
        meta = self._meta or self._fetch_meta()
        wanted = normalise_header(dashboard.title)
        found = next((s for s in meta.sheets.values()
                      if normalise_header(s.title) == wanted), None)
        sheet = None if found is None else DashSheet(found.sheet_id, found.title,
                                                     found.rows, found.columns)
        taken = taken | {s.sheet_id for s in meta.sheets.values()}
        new_id = derived_id(self.spreadsheet_id, "dashboard")
        while new_id in taken:
            new_id += 1
        return dashboard_requests(dashboard, sheet, new_id, old_rows if found else [],
                                  self._chart_id, self._chart_id in meta.charts)

    def _state_tab_requests(self, height: int, width: int
                            ) -> tuple[_Sheet, list[dict[str, Any]]]:
        """The state tab (as it will be), and the requests that create or grow it first.

        A new tab gets a sheet id chosen here, so that the cells written into it can go
        in the same ``batchUpdate`` as its ``addSheet``.
        """
        meta = self._meta or self._fetch_meta()
        sheet = meta.sheets.get(STATE_TAB)
        if sheet is None:
            rows = max(STATE_MIN_ROWS, height * 2)
            taken = {s.sheet_id for s in meta.sheets.values()}
            sheet_id = 1_000_000_000 + int(hashlib.sha256(
                self.spreadsheet_id.encode()).hexdigest()[:8], 16) % 1_000_000_000
            while sheet_id in taken:
                sheet_id += 1
            new = _Sheet(sheet_id, STATE_TAB, rows, width, True)
            return new, [{"addSheet": {"properties": {
                "sheetId": sheet_id, "title": STATE_TAB, "hidden": True,
                "gridProperties": {"rowCount": rows, "columnCount": width}}}}]
        if sheet.rows >= height and sheet.columns >= width:
            return sheet, []
        rows = max(sheet.rows, height * 2 if sheet.rows < height else sheet.rows)
        columns = max(sheet.columns, width)
        grown = _Sheet(sheet.sheet_id, STATE_TAB, rows, columns, sheet.hidden)
        return grown, [{"updateSheetProperties": {
            "properties": {"sheetId": sheet.sheet_id,
                           "gridProperties": {"rowCount": rows, "columnCount": columns}},
            "fields": "gridProperties.rowCount,gridProperties.columnCount"}}]

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn gspread / google-auth failures into messages a person can act on."""
        try:
            yield
        except RetryLater as exc:
            raise BusyError(
                f"Google Sheets is not answering ({exc.message}); nothing was "
                f"{'written' if doing == 'write' else 'read'}.",
                "Wait a few minutes; the next sync tries again.") from None
        except Exception as exc:
            mapped = self._map_error(exc, doing)
            if mapped is None:
                raise
            raise mapped from None

    def _map_error(self, exc: Exception, doing: str) -> Exception | None:
        from google.auth.exceptions import RefreshError

        if isinstance(exc, RefreshError):
            return CredentialsError(
                "Google refused the sign-in token (revoked or expired).",
                "Run 'sheetsync auth login' (or check the service account key and its "
                "domain-wide delegation).")
        status = error_status(exc)
        if status is None:
            return None
        sheet = f"spreadsheet {self.spreadsheet_id}"
        reasons = " ".join(error_reasons(exc))
        message = str(getattr(exc, "error", {}).get("message", "")) if hasattr(
            exc, "error") else ""
        if status == 404:
            return RegisterShapeError(
                f"Google Sheets cannot find {sheet} for {self.identity}.",
                "Check google.spreadsheet in sheetsync.toml (the ID or the full URL of the "
                f"sheet), and share the spreadsheet with {self.identity} as Editor.")
        if status == 401:
            return CredentialsError("Google did not accept the sign-in token.",
                                    "Run 'sheetsync auth login' to sign in again.")
        if status == 403:
            if "SCOPE" in reasons.upper() or (
                    "insufficient" in message.lower() and "scope" in message.lower()):
                return CredentialsError(
                    "The Google sign-in lacks permission to use Google Sheets (scopes).",
                    "Run 'sheetsync auth login' again and allow every permission; for a "
                    "service account, add the spreadsheets scope to its domain-wide "
                    "delegation.")
            if "protected" in message.lower():
                return BusyError(
                    f"A protected range stops sheetsync from writing its columns in {sheet}.",
                    f"Allow {self.identity} to edit sheetsync's columns and the "
                    f"'{STATE_TAB}' tab, or remove the protection.")
            can = "edit" if doing == "write" else "open"
            return CredentialsError(
                f"{self.identity} may not {can} {sheet} (Google said: permission denied).",
                f"Share the spreadsheet with {self.identity} as Editor, and check that "
                "the Google Sheets API is enabled for the project.")
        if status == 400:
            return RegisterShapeError(
                f"Google Sheets refused the {doing} of {sheet}: {message or reasons}.",
                "Check that the tabs were not renamed or deleted during the sync, then run "
                "it again.")
        return None
