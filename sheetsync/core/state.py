"""sheetsync's memory of what it made, kept in a hidden tab of the register itself.

Cron may run the sync on a different machine each time, so nothing lives beside the
process. The tab is plain rows (one per object, plus a few ``#`` meta rows) so it stays
readable, survives copy/paste of the spreadsheet, and never hits a cell size limit. IDs
remembered for new rows (``NewRowKey``) are packed many to a row: there can be as many
of them as rows in a first import, for two days.
Losing it is safe: every object also carries a deterministic key (event id, Message-ID),
so the next sync finds what it made instead of duplicating it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from sheetsync.core.ports import Known

STATE_HEADER = ("key", "kind", "remote id", "thread id", "hash", "status", "date", "basis",
                "written")
STATE_VERSION = "1"
NEW_ROWS = "#new rows"
STEADY = "#steady"
SETTINGS_SEEN = "#settings"
NEWS = "#news"  # #news | calendar | token: where the next run's "what changed" starts
ACTING_SINCE = "#acting since"
# #thread | key | replied | waiting | bounced | address print | gone: what the tracker
# learnt of a sent draft's thread (``core.tracker``)
THREAD = "#thread"
# Characters per cell, for the longest cells the state has: under Google's limit of
# 50,000 characters and Excel's of 32,767 (the local workbook cuts longer text).
MAX_STATE_CELL = 30_000
STEADY_PER_CELL = MAX_STATE_CELL
# ~25 characters an entry ("R-0001=" and a 16-digit identity, a space): a cell stays
# within MAX_STATE_CELL.
NEW_ROWS_PER_CELL = MAX_STATE_CELL // 25
IDENTITY_KEY = "#identity key"
IDENTITIES = "#identities"
IDENTITY_ROWS = (IDENTITY_KEY, IDENTITIES)
# ~22 characters an entry ("R-0001=" and a 12-digit print, a space).
IDENTITIES_PER_CELL = MAX_STATE_CELL // 22

ObjectKind = Literal["event", "draft"]
# retracted: sheetsync deleted it, its reason gone (``core.reconcile``); edited: a person
# changed it since sheetsync wrote it, so it is never changed or deleted again.
ObjectStatus = Literal["active", "sent", "deleted", "retracted", "edited"]
OBJECT_STATUSES = ("active", "sent", "deleted", "retracted", "edited")
# Still in the calendar or mailbox as far as sheetsync knows: observed every run.
LIVE_STATUSES = ("active", "edited")
_NAMES_CLIENT = "client"


@dataclass(frozen=True)
class ObjectRecord:
    """One event or draft sheetsync made.

    ``hash`` is the content it last wrote (a changed row means a changed hash, so an
    update); ``date`` is the event's date or the draft's sent date; ``basis`` is what the
    rule planned from (e.g. the due date of a stay-in-touch check-in) so a rule can keep
    an event where it is while its inputs are unchanged. ``written`` is the backend's
    stamp of what sheetsync last wrote (``ports.ChangeResult.written``), so a person's
    edit is told; ``names_client`` marks a partner draft that named a client.
    """

    key: str
    kind: ObjectKind
    remote_id: str
    hash: str
    status: ObjectStatus = "active"
    thread_id: str = ""
    date: str = ""
    basis: str = ""
    written: str = ""
    names_client: bool = False

    def known(self, message_id: str = "") -> Known:
        return Known(self.key, self.remote_id, self.thread_id, message_id, self.written)

    @property
    def row_key(self) -> str:
        return self.key.rsplit("/", 1)[0]

    @property
    def purpose(self) -> str:
        return self.key.rsplit("/", 1)[1] if "/" in self.key else ""


@dataclass(frozen=True)
class TabShape:
    """What a data tab looked like at the last sync: how many rows, and which known
    columns its header had. The mass-change guard (``core.guard``) compares against it."""

    rows: int
    columns: tuple[str, ...]


@dataclass(frozen=True)
class SettingsSeen:
    """What the Settings tab said at the last sync: whether there was a Settings tab with
    settings in it, and who the drafts come from and in which time zone (the clinic's own
    details, not client data). The Settings guard (``core.settings_guard``) compares
    against it."""

    tab: bool
    time_zone: str
    clinic_name: str
    owner_email: str


@dataclass(frozen=True)
class ThreadSeen:
    """What the tracker learnt of a sent draft's thread (``core.tracker``), kept so that
    a thread not read this run keeps its findings. Dates are ISO days in the clinic's
    time zone: ``replied``, the first reply by someone else; ``waiting``, the first
    reply the clinic has not answered since ("" when none); ``bounced``, the day the
    delivery failed, and ``address``, a keyed print of the address that failed (never
    the address); ``gone``: the owner deleted the thread, it is not followed any more."""

    key: str
    replied: str = ""
    waiting: str = ""
    bounced: str = ""
    address: str = ""
    gone: bool = False


@dataclass(frozen=True)
class NewRowKey:
    """An ID given to a new row in a run that also made its events or drafts.

    If a person edited that row while the sync ran, the ID could not be written (the row
    no longer matched what was read) and the row reads as new again next time. The next
    run then gives it back this ID instead of a new one (``core.register``), so its
    events and drafts are updated, not made a second time. ``identity`` is a digest of the
    row's name (no client name is stored), ``day`` when the ID was given.
    """

    tab: str
    identity: str
    day: str


@dataclass
class SyncState:
    objects: dict[str, ObjectRecord] = field(default_factory=dict)
    # Highest ID number ever handed out per prefix ("P", "R", "C"): IDs are never reused.
    counters: dict[str, int] = field(default_factory=dict)
    last_sync: str = ""
    # A fresh token on every write: another run can tell "the state changed since I read
    # it" even when both runs share a clock second (see core.lock).
    write_token: str = ""
    # Data tab name -> its shape at the last sync.
    tabs: dict[str, TabShape] = field(default_factory=dict)
    # Row ID -> the new row it was given to, until the ID is seen in the register.
    new_rows: dict[str, NewRowKey] = field(default_factory=dict)
    # What the last write left, for the next run's steady check (``core.steady``): JSON,
    # rewritten by every write, so like the last sync it is not part of the content.
    steady: str = ""
    # Row ID -> a keyed print of the row's identity cells (``core.identity``; no client
    # text), and the random key of those prints.
    identities: dict[str, str] = field(default_factory=dict)
    identity_key: str = ""
    # The Settings tab at the last sync (None: not recorded yet).
    settings: SettingsSeen | None = None
    # "calendar" -> the token from which the next run asks only what changed (Calendar's
    # syncToken; ``ports.ListsNews``). Like the last sync it is not part of the content:
    # written with every write, never a reason to write (an unchanged run asks from the
    # older token again, which costs the same).
    news: dict[str, str] = field(default_factory=dict)
    # The day sheetsync started acting on this register (ISO date), set by the first real
    # sync: rows dated before it, less the catch-up window, are history (REGISTER.md).
    acting_since: str = ""
    # Sent draft key -> what the tracker learnt of its thread (``core.tracker``).
    threads: dict[str, ThreadSeen] = field(default_factory=dict)

    def records_for(self, row_key: str) -> list[ObjectRecord]:
        prefix = row_key + "/"
        return [r for r in self.objects.values() if r.key.startswith(prefix)]

    def get(self, key: str) -> ObjectRecord | None:
        return self.objects.get(key)

    def put(self, record: ObjectRecord) -> None:
        self.objects[record.key] = record

    def copy(self) -> SyncState:
        return SyncState(dict(self.objects), dict(self.counters), self.last_sync,
                         self.write_token, dict(self.tabs), dict(self.new_rows), self.steady,
                         dict(self.identities), self.identity_key,
                         settings=self.settings, news=dict(self.news),
                         acting_since=self.acting_since, threads=dict(self.threads))

    # ------------------------------------------------------------------ serialisation

    def to_rows(self) -> list[list[str]]:
        rows: list[list[str]] = [list(STATE_HEADER)]
        rows.append(["#version", STATE_VERSION, "", "", "", "", "", ""])
        # Row 3 changes on every write: another run's probe looks at it (google.lease).
        rows.append(["#last sync", self.last_sync, self.write_token, "", "", "", "", ""])
        rows += self.content_rows()
        for name in sorted(self.news):
            if self.news[name]:
                rows.append([NEWS, name, self.news[name], *[""] * (len(STATE_HEADER) - 3)])
        # Last: it changes on every write, and a row more or less of it shifts no other
        # (the Google write rewrites the rows that differ by position).
        for start in range(0, len(self.steady), STEADY_PER_CELL):
            rows.append([STEADY, str(start // STEADY_PER_CELL),
                         self.steady[start:start + STEADY_PER_CELL], "", "", "", "", ""])
        return _padded(rows)

    def content_rows(self) -> list[list[str]]:
        """The rows that hold what sheetsync knows, without the header and the rows that
        every write changes (last sync, steady record): an unchanged run compares them."""
        rows: list[list[str]] = []
        if self.acting_since:
            rows.append([ACTING_SINCE, self.acting_since, "", "", "", "", "", ""])
        for prefix in sorted(self.counters):
            rows.append([f"#counter {prefix}", str(self.counters[prefix]), "", "", "", "", "",
                         ""])
        for name in sorted(self.tabs):
            shape = self.tabs[name]
            rows.append([f"#tab {name}", str(shape.rows), "|".join(shape.columns), "", "", "",
                         "", ""])
        if self.settings is not None:
            seen = self.settings
            rows.append([SETTINGS_SEEN, "1" if seen.tab else "0", seen.time_zone,
                         seen.clinic_name, seen.owner_email, "", "", ""])
        rows += _packed_new_rows(self.new_rows)
        for key in sorted(self.objects):
            r = self.objects[key]
            written = f"{_NAMES_CLIENT} {r.written}".strip() if r.names_client else r.written
            rows.append([r.key, r.kind, r.remote_id, r.thread_id, r.hash, r.status, r.date,
                         r.basis, written])
        for key in sorted(self.threads):
            t = self.threads[key]
            rows.append([THREAD, t.key, t.replied, t.waiting, t.bounced, t.address,
                         "gone" if t.gone else "", "", ""])
        # After the objects: a row more of prints shifts only the few rows after it (the
        # Google write rewrites the rows that differ by position).
        return _padded(rows + self.identity_rows())

    def identity_rows(self) -> list[list[str]]:
        """The rows of the identity prints (``core.identity``) and their key."""
        rows = [[IDENTITY_KEY, self.identity_key, "", "", "", "", "", ""]] \
            if self.identity_key else []
        return _padded(rows + _packed_identities(self.identities))

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[object]]) -> SyncState:
        state = cls()
        steady: dict[int, str] = {}
        for raw in rows:
            cells = [("" if c is None else str(c)).strip() for c in raw]
            cells += [""] * (len(STATE_HEADER) - len(cells))
            key = cells[0]
            if not key or key == STATE_HEADER[0]:
                continue
            if key == "#last sync":
                state.last_sync = cells[1]
                state.write_token = cells[2]
            elif key == ACTING_SINCE:
                state.acting_since = cells[1]
            elif key == STEADY:
                if cells[1].isdigit():
                    # Not stripped: a chunk may end in a space that the next one needs.
                    steady[int(cells[1])] = "" if raw[2] is None else str(raw[2])
            elif key.startswith("#counter "):
                try:
                    state.counters[key.removeprefix("#counter ")] = int(cells[1])
                except ValueError:
                    continue
            elif key.startswith("#tab "):
                try:
                    count = int(cells[1])
                except ValueError:
                    continue
                columns = tuple(c for c in cells[2].split("|") if c)
                state.tabs[key.removeprefix("#tab ")] = TabShape(count, columns)
            elif key == SETTINGS_SEEN:
                state.settings = SettingsSeen(cells[1] == "1", cells[2], cells[3], cells[4])
            elif key == NEW_ROWS:
                for entry in cells[3].split():
                    row_key, _, identity = entry.rpartition("=")
                    if row_key:
                        state.new_rows[row_key] = NewRowKey(cells[1], identity, cells[2])
            elif key == NEWS:
                if cells[1] and cells[2]:
                    state.news[cells[1]] = cells[2]
            elif key == THREAD:
                if cells[1]:
                    state.threads[cells[1]] = ThreadSeen(cells[1], cells[2], cells[3],
                                                         cells[4], cells[5], cells[6] == "gone")
            elif key == IDENTITY_KEY:
                state.identity_key = cells[1]
            elif key == IDENTITIES:
                for entry in cells[3].split():
                    row_key, _, identity = entry.rpartition("=")
                    if row_key:
                        state.identities[row_key] = identity
            elif key.startswith("#new "):  # one row per ID, as earlier versions wrote
                state.new_rows[key.removeprefix("#new ")] = NewRowKey(cells[1], cells[2],
                                                                      cells[3])
            elif key.startswith("#"):
                continue
            elif cells[1] in ("event", "draft"):
                status = cells[5] if cells[5] in OBJECT_STATUSES else "active"
                flags = cells[8].split()
                names_client = bool(flags) and flags[0] == _NAMES_CLIENT
                written = flags[-1] if flags and flags[-1] != _NAMES_CLIENT else ""
                state.objects[key] = ObjectRecord(
                    key=key,
                    kind=cells[1],  # type: ignore[arg-type]
                    remote_id=cells[2],
                    thread_id=cells[3],
                    hash=cells[4],
                    status=status,  # type: ignore[arg-type]
                    date=cells[6],
                    basis=cells[7],
                    written=written,
                    names_client=names_client,
                )
        if sorted(steady) == list(range(len(steady))):
            state.steady = "".join(steady[i] for i in range(len(steady)))
        return state


def _padded(rows: list[list[str]]) -> list[list[str]]:
    """Every row as wide as the header: a tab reads back as wide as its widest row."""
    width = len(STATE_HEADER)
    for row in rows:
        if len(row) < width:
            row += [""] * (width - len(row))
    return rows


def _packed_new_rows(new_rows: dict[str, NewRowKey]) -> list[list[str]]:
    """``#new rows | tab | day | ID=identity ID=identity ...``, ``NEW_ROWS_PER_CELL`` to a
    row: a first import of 10,000 rows per tab remembers 30,000 IDs for two days, and a
    row each made the state tab (read by every sync) three times longer."""
    groups: dict[tuple[str, str], list[str]] = {}
    for key in sorted(new_rows):
        new = new_rows[key]
        groups.setdefault((new.tab, new.day), []).append(f"{key}={new.identity}")
    rows: list[list[str]] = []
    for (tab, day), entries in sorted(groups.items()):
        for start in range(0, len(entries), NEW_ROWS_PER_CELL):
            chunk = " ".join(entries[start:start + NEW_ROWS_PER_CELL])
            rows.append([NEW_ROWS, tab, day, chunk, "", "", "", ""])
    return rows


def _packed_identities(identities: dict[str, str]) -> list[list[str]]:
    """``#identities | prefix | | ID=print ID=print ...``, ``IDENTITIES_PER_CELL`` to a
    row, by ID prefix (one per tab)."""
    groups: dict[str, list[str]] = {}
    for key in sorted(identities):
        groups.setdefault(key.partition("-")[0], []).append(f"{key}={identities[key]}")
    rows: list[list[str]] = []
    for prefix, entries in sorted(groups.items()):
        for start in range(0, len(entries), IDENTITIES_PER_CELL):
            chunk = " ".join(entries[start:start + IDENTITIES_PER_CELL])
            rows.append([IDENTITIES, prefix, "", chunk, "", "", "", ""])
    return rows


def with_status(record: ObjectRecord, status: ObjectStatus, date: str | None = None) -> ObjectRecord:
    return replace(record, status=status, date=record.date if date is None else date)
