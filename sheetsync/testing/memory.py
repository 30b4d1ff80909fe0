"""An in-memory workspace: the reference implementation of the backend contract.

Tests of the engine and the playbook use it (fast, no files), and the contract test
suite runs against it as well as the real backends. Helpers mimic what staff and the
owner do: edit cells, sort or delete rows, send or delete a draft, delete an event.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sheetsync.core.dashboard import Dashboard, MonthlyTable
from sheetsync.core.fields import text_of
from sheetsync.core.locate import RowsPicture, find_column
from sheetsync.core.lock import LockHolder, busy_error
from sheetsync.core.ports import (
    CellValue,
    CellWrite,
    Change,
    ChangeResult,
    DraftSpec,
    EventSpec,
    Followed,
    Known,
    Observation,
    Presence,
    RawRow,
    RawTab,
    RegisterSnapshot,
    SkippedWrite,
    ThreadMessage,
    ThreadNews,
    Workspace,
    WriteReport,
    spec_stamp,
)
from sheetsync.core.schema import STATE_TAB
from sheetsync.synclog import SYNC_LOG_TAB


@dataclass
class MemoryRegister:
    tabs: dict[str, list[list[CellValue]]] = field(default_factory=dict)  # title -> rows
    time_zone: str | None = None
    reads: int = 0
    writes: int = 0
    version: int = 0
    # The run lock (core.lock): who holds it. One register object = one spreadsheet, so
    # threads sharing it contend like two cron hosts would.
    lock_holder: LockHolder | None = None
    took_over: bool = False  # the last lock taken replaced a stale one (core.lock)
    # The chart kept on each dashboard tab (by title): what a spreadsheet would draw.
    charts: dict[str, MonthlyTable | None] = field(default_factory=dict)
    _mutex: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def read(self) -> RegisterSnapshot:
        self.reads += 1
        tabs = []
        for title, rows in self.tabs.items():
            if title == STATE_TAB or not rows:
                continue
            header = tuple(text_of(c) for c in rows[0])
            body = tuple(RawRow(i + 2, tuple(r)) for i, r in enumerate(rows[1:]))
            tabs.append(RawTab(title, header, body))
        state = tuple(tuple(text_of(c) for c in r) for r in self.tabs.get(STATE_TAB, []))
        return RegisterSnapshot(tuple(tabs), state, self.time_zone, str(self.version), "memory")

    # Keeps the visible "Sync log" tab (ports.SyncLogRegister) and the Dashboard tab
    # (ports.DashboardRegister).
    keeps_sync_log = True
    keeps_dashboard = True
    fills_acting_since = True

    def write(self, snapshot: RegisterSnapshot, writes: Sequence[CellWrite],
              state_rows: Sequence[Sequence[str]],
              log_rows: Sequence[Sequence[str]] | None = None,
              dashboard: Dashboard | None = None) -> WriteReport:
        self.writes += 1
        self.version += 1
        report = WriteReport()
        # Resolve every row first: once a cell of an ID-less row is written its
        # fingerprint changes, so locating row by row as we write would lose it.
        pictures: dict[str, RowsPicture] = {}
        located = {w.row: self._locate(w, pictures) for w in writes}
        for write in writes:
            reason = self._write_one(write, located[write.row])
            if reason:
                report.skipped.append(SkippedWrite(write, reason))
            else:
                report.written += 1
        self.tabs[STATE_TAB] = [list(r) for r in state_rows]
        if log_rows is not None:
            self.tabs[SYNC_LOG_TAB] = [list(r) for r in log_rows]
        if dashboard is not None:
            self.tabs[dashboard.title] = [list(r) for r in dashboard.rows]
            self.charts[dashboard.title] = dashboard.chart
        return report

    def _write_one(self, write: CellWrite, target: int | str) -> str:
        rows = self.tabs.get(write.row.tab)
        if not rows:
            return "tab gone"
        col = find_column([text_of(c) for c in rows[0]], write.column)
        if isinstance(col, str):
            return "column gone"
        if isinstance(target, str):
            return target
        row = rows[target - 1]
        while len(row) <= col:
            row.append(None)
        if text_of(row[col]).strip() != text_of(write.expected).strip():
            return "changed by a person meanwhile"
        row[col] = write.value
        return ""

    def _locate(self, write: CellWrite, pictures: dict[str, RowsPicture]) -> int | str:
        """The sheet row number ``write`` goes to (``core.locate``), or why not."""
        title = write.row.tab
        picture = pictures.get(title)
        if picture is None:
            rows = self.tabs.get(title) or [[]]
            picture = pictures[title] = RowsPicture(
                title, [text_of(c) for c in rows[0]],
                {n: r for n, r in enumerate(rows[1:], start=2)})
        return picture.locate(write.row)

    def describe(self) -> str:
        return "memory register"

    def _state_now(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(text_of(c) for c in r) for r in self.tabs.get(STATE_TAB, []))

    def acquire_lock(self, snapshot: RegisterSnapshot, holder: LockHolder,
                     now: dt.datetime) -> bool:
        with self._mutex:
            current = self.lock_holder
            if current is not None and current.token != holder.token \
                    and not current.stale(now):
                raise busy_error(self.describe(), current)
            self.took_over = current is not None and current.token != holder.token
            self.lock_holder = holder
            return self._state_now() == snapshot.state_rows

    def release_lock(self, holder: LockHolder) -> None:
        with self._mutex:
            if self.lock_holder is not None and self.lock_holder.token == holder.token:
                self.lock_holder = None

    # --- what staff do ----------------------------------------------------------------

    def column(self, tab: str, name: str) -> list[CellValue]:
        rows = self.tabs[tab]
        col = [text_of(c) for c in rows[0]].index(name)
        return [r[col] if col < len(r) else None for r in rows[1:]]

    def set(self, tab: str, row_number: int, column: str, value: CellValue) -> None:
        rows = self.tabs[tab]
        col = [text_of(c) for c in rows[0]].index(column)
        row = rows[row_number - 1]
        while len(row) <= col:
            row.append(None)
        row[col] = value
        self.version += 1


def _stamp_of(change: Change) -> str:
    return spec_stamp(change.spec) if change.spec is not None else ""


@dataclass
class _Stored:
    spec: EventSpec | DraftSpec
    remote_id: str
    thread_id: str = ""
    sent_on: dt.date | None = None
    deleted: bool = False
    revisions: int = 1


class _MemoryStore:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.items: dict[str, _Stored] = {}  # by key
        self.calls: list[str] = []
        self._ids = itertools.count(1)
        self.fail_next: int = 0
        self.retracted: list[str] = []  # keys sheetsync deleted, in order

    def observe(self, known: Sequence[Known]) -> dict[str, Observation]:
        self.calls.append("observe")
        result = {}
        for item in known:
            stored = self.items.get(item.key)
            if stored is None or stored.deleted:
                result[item.key] = Observation(item.key, Presence.DELETED)
            elif stored.sent_on is not None:
                result[item.key] = Observation(item.key, Presence.SENT, stored.remote_id,
                                               stored.thread_id, stored.sent_on)
            else:
                result[item.key] = Observation(item.key, Presence.PRESENT, stored.remote_id,
                                               stored.thread_id)
        return result

    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        self.calls.append("apply")
        results = []
        for change in changes:
            key = change.key
            if self.fail_next > 0:
                self.fail_next -= 1
                results.append(ChangeResult(key, False, error="service unavailable",
                                            retry_later=True))
                continue
            stored = self.items.get(key)
            if change.op != "create" and stored is not None and change.written and \
                    not stored.deleted and stored.sent_on is None and \
                    spec_stamp(stored.spec) not in (change.written, _stamp_of(change)):
                # A person edited it since sheetsync wrote it: theirs, left as it is.
                # (Already as this change would make it: a run killed after writing it.)
                results.append(ChangeResult(key, True, stored.remote_id, stored.thread_id,
                                            edited=True))
                continue
            if change.op == "delete":
                results.append(self._delete(key, stored))
                continue
            assert change.spec is not None
            if stored is not None and stored.sent_on is not None and change.op == "create":
                # Sent by the owner (its record was lost in a crash): never made again.
                results.append(ChangeResult(key, True, stored.remote_id, stored.thread_id,
                                            sent_on=stored.sent_on))
                continue
            if stored is not None and stored.sent_on is not None:
                results.append(ChangeResult(key, False, error="already sent"))
                continue
            if stored is not None and stored.deleted and change.op == "update":
                results.append(ChangeResult(key, False, error=f"deleted in the {self.kind}"))
                continue
            if stored is not None and stored.deleted and self.kind == "calendar" and \
                    change.known is None:
                # A person deleted the event a killed run made: it stays deleted. (A
                # mailbox keeps no trace of a deleted draft, so one is made again.)
                results.append(ChangeResult(key, True, stored.remote_id, deleted=True))
                continue
            if stored is None:
                remote = (change.spec.event_id if isinstance(change.spec, EventSpec)
                          else f"d{next(self._ids)}")
                stored = _Stored(change.spec, remote, thread_id=f"t-{remote}")
                self.items[key] = stored
            else:
                stored.spec = change.spec
                stored.deleted = False
                stored.revisions += 1
            results.append(ChangeResult(key, True, stored.remote_id, stored.thread_id,
                                        written=spec_stamp(stored.spec)))
        return results

    def _delete(self, key: str, stored: _Stored | None) -> ChangeResult:
        """sheetsync deletes what it made (a retraction): a sent draft stays sent."""
        if stored is not None and stored.sent_on is not None:
            return ChangeResult(key, True, stored.remote_id, stored.thread_id,
                                sent_on=stored.sent_on)
        if stored is not None:
            self.retracted.append(key)
            stored.deleted = True
        return ChangeResult(key, True, stored.remote_id if stored else "")

    def describe(self) -> str:
        return f"memory {self.kind}"

    # --- what the owner does -----------------------------------------------------------

    def live(self) -> dict[str, EventSpec | DraftSpec]:
        return {k: s.spec for k, s in self.items.items() if not s.deleted and not s.sent_on}

    def send(self, key: str, on: dt.date) -> None:
        self.items[key].sent_on = on

    def delete(self, key: str) -> None:
        self.items[key].deleted = True

    def edit(self, key: str, **fields: str) -> None:
        """A person edits the draft or event (e.g. ``body=...``, ``title=...``)."""
        stored = self.items[key]
        stored.spec = replace(stored.spec, **fields)  # type: ignore[arg-type]


class MemoryCalendar(_MemoryStore):
    def __init__(self) -> None:
        super().__init__("calendar")


class MemoryMailbox(_MemoryStore):
    """Drafts, and the threads of the sent ones (``ports.FollowsThreads``): what came
    back into each, by the draft's key. Every ``follow`` reads every thread it is asked
    about (a full check, as the local inbox does)."""

    def __init__(self) -> None:
        super().__init__("mailbox")
        self.threads: dict[str, list[ThreadMessage]] = {}
        self.threads_gone: set[str] = set()
        self.followed: list[list[str]] = []  # the keys asked about, run by run

    def follow(self, followed: Sequence[Followed]) -> dict[str, ThreadNews]:
        self.calls.append("follow")
        self.followed.append([f.key for f in followed])
        news: dict[str, ThreadNews] = {}
        for item in followed:
            stored = self.items.get(item.key)
            if item.key in self.threads_gone:
                news[item.key] = ThreadNews(item.key, gone=True)
            elif stored is not None and stored.sent_on is not None:
                messages = sorted(self.threads.get(item.key, []), key=lambda m: m.at)
                news[item.key] = ThreadNews(item.key, tuple(messages))
        return news

    # --- what comes back into a sent draft's thread -------------------------------------

    def _sent(self, key: str) -> DraftSpec:
        stored = self.items[key]
        assert stored.sent_on is not None and isinstance(stored.spec, DraftSpec), key
        return stored.spec

    def reply(self, key: str, sender: str, at: dt.datetime, auto: bool = False) -> None:
        self._sent(key)
        self.threads.setdefault(key, []).append(
            ThreadMessage(sender.strip().lower(), at, by_clinic=False, auto=auto))

    def clinic_answer(self, key: str, at: dt.datetime) -> None:
        spec = self._sent(key)
        self.threads.setdefault(key, []).append(
            ThreadMessage(spec.sender_email.lower(), at, by_clinic=True))

    def bounce(self, key: str, at: dt.datetime) -> None:
        spec = self._sent(key)
        self.threads.setdefault(key, []).append(
            ThreadMessage("mailer-daemon@memory.invalid", at, by_clinic=False,
                          bounced=spec.to_email.strip().lower()))

    def delete_thread(self, key: str) -> None:
        self.threads_gone.add(key)


def memory_workspace(register: MemoryRegister | None = None) -> Workspace:
    return Workspace(register or MemoryRegister(), MemoryCalendar(), MemoryMailbox(),
                     namespace="memory")
