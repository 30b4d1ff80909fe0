"""The three small interfaces every backend implements, and the values that cross them.

The core only ever sees these types; it never imports a backend. A backend is a
``Workspace``: a register (the spreadsheet), a calendar and a mailbox.

Rows are addressed by their tool-assigned ID, never by position: staff sort, insert and
delete rows while a sync runs. A row that had no ID when it was read is located by its
read-time fingerprint (see ``RowRef``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar, Union, runtime_checkable

if TYPE_CHECKING:  # core.dashboard builds on the types below
    from sheetsync.core.dashboard import Dashboard

CellValue = Union[str, int, float, bool, dt.datetime, dt.date, None]  # noqa: UP007 (runtime alias on 3.10)


# ---------------------------------------------------------------------------- register


class NotSaved(str):
    """In ``RawRow.computed``: a formula that was never calculated, so the file holds no
    value for it (a workbook written by a program, never opened in Excel)."""


NOT_SAVED = NotSaved("")


@dataclass(frozen=True)
class RawRow:
    """One non-header row as read: ``number`` is its 1-based sheet row at read time."""

    number: int
    cells: tuple[CellValue, ...]
    # What staff see where a cell holds something else (``cells`` stay what the cells
    # hold: fingerprints and write-time checks compare those). ``links``: a cell's mailto:
    # address (position -> address), e.g. an Email cell showing "Email Carol";
    # ``computed``: a formula's value as last calculated and saved with the file
    # (position -> value), None when it was never calculated. Google gives both already.
    links: tuple[tuple[int, str], ...] = ()
    computed: tuple[tuple[int, CellValue], ...] = ()

    @property
    def is_blank(self) -> bool:
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in self.cells)


@dataclass(frozen=True)
class RawTab:
    """A tab as read: its actual title, header row (row 1) and the rows below it."""

    title: str
    header: tuple[str, ...]
    rows: tuple[RawRow, ...]


@dataclass(frozen=True)
class RegisterSnapshot:
    """Everything one read returns.

    ``state_rows`` is the content of the hidden state tab (``core.state`` parses it);
    ``version`` is an opaque token the backend uses to notice changes made meanwhile;
    ``time_zone`` is the spreadsheet's own time zone when the backend knows it.
    """

    tabs: tuple[RawTab, ...]
    state_rows: tuple[tuple[str, ...], ...] = ()
    time_zone: str | None = None
    version: str = ""
    source: str = ""

    def tab(self, title: str) -> RawTab | None:
        for tab in self.tabs:
            if tab.title == title:
                return tab
        return None


def fingerprint_cells(cells: Sequence[CellValue]) -> str:
    """A stable digest of a row's cells, used to find an ID-less row again at write time."""
    # Text cells inline: this runs for every row of the register on every sync.
    normalised = [c if type(c) is str else _cell_text(c) for c in cells]
    while normalised and normalised[-1] == "":
        normalised.pop()
    digest = hashlib.sha256(_ROW_JSON(normalised).encode("utf-8"))
    return digest.hexdigest()[:24]


# Built once: json.dumps with options builds an encoder per call, a cost that shows at
# tens of thousands of rows. Same output, so recorded digests stay valid.
_ROW_JSON = json.JSONEncoder(ensure_ascii=False).encode
_DIGEST_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _cell_text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class RowRef:
    """Where to write: the row holding ``key`` in its ID column at write time.

    For a row that had no ID when read (``key`` is None, or ``assign_key`` is set), the
    backend looks for the row whose cells still match ``fingerprint`` (the row number is
    only a hint). A row it cannot find unambiguously is skipped: the next sync retries it.
    ``identity`` is a digest of the row's identity cells as read (``core.locate``): the
    row holding ``key`` at write time must still show them.
    """

    tab: str
    key: str | None
    number: int
    fingerprint: str
    id_column: str | None = None
    assign_key: str | None = None
    identity: str = ""


@dataclass(frozen=True)
class CellWrite:
    """Write ``value`` into the tool-owned ``column`` of ``row``.

    ``expected`` is what the cell held at read time: if a person typed something else into
    it meanwhile, the backend leaves their edit alone and reports the write as skipped.
    Values are always written as plain text (never parsed as formulas).
    """

    row: RowRef
    column: str
    value: str
    expected: CellValue = None


@dataclass(frozen=True)
class SkippedWrite:
    write: CellWrite
    reason: str


@dataclass
class WriteReport:
    written: int = 0
    skipped: list[SkippedWrite] = field(default_factory=list)
    # Set when the whole write was refused (e.g. the file was saved by a person meanwhile).
    refused: str | None = None


class Register(Protocol):
    """The spreadsheet: read every tab, write tool-owned cells, keep the sync state."""

    def read(self) -> RegisterSnapshot: ...

    def write(
        self,
        snapshot: RegisterSnapshot,
        writes: Sequence[CellWrite],
        state_rows: Sequence[Sequence[str]],
    ) -> WriteReport:
        """Apply ``writes`` and replace the state tab with ``state_rows``, in one go."""
        ...

    def describe(self) -> str:
        """A short human name for messages, e.g. 'register.xlsx'."""
        ...


class SyncLogRegister(Register, Protocol):
    """A register that also keeps the visible "Sync log" tab (``sheetsync.synclog``).

    Optional: a register says it can by ``keeps_sync_log = True``. The engine then passes
    the whole tab as ``log_rows`` to the same ``write`` (never a call of its own), and the
    backend replaces the tab's content with it, creating the tab if needed.
    """

    keeps_sync_log: bool

    def write(
        self,
        snapshot: RegisterSnapshot,
        writes: Sequence[CellWrite],
        state_rows: Sequence[Sequence[str]],
        log_rows: Sequence[Sequence[str]] | None = None,
    ) -> WriteReport: ...


class FillsActingSince(Register, Protocol):
    """A register that writes the one staff cell sheetsync fills in: the Settings tab's
    empty *Acting since* value, on the first sync (``core.acting``).

    Optional: a register says it can by ``fills_acting_since = True``; the engine then
    passes that cell among the ``writes`` (expecting it empty, as any write), and the
    backend writes it though Value is a staff column. Without it the run's info line
    tells staff how to set the day themselves.
    """

    fills_acting_since: bool


class DashboardRegister(Register, Protocol):
    """A register that also keeps the "Dashboard" tab (``sheetsync.core.dashboard``).

    Optional, like the Sync log: a register says it can by ``keeps_dashboard = True``.
    The engine then passes the dashboard as ``dashboard`` to the same ``write`` (and
    writes when only the dashboard changed); the backend replaces the tab's content,
    creating the tab if needed, and keeps one chart of its monthly table.
    """

    keeps_dashboard: bool

    def write(
        self,
        snapshot: RegisterSnapshot,
        writes: Sequence[CellWrite],
        state_rows: Sequence[Sequence[str]],
        log_rows: Sequence[Sequence[str]] | None = None,
        dashboard: Dashboard | None = None,
    ) -> WriteReport: ...


# ------------------------------------------------------------------ calendar & mailbox


@dataclass(frozen=True)
class EventSpec:
    """A calendar event sheetsync wants to exist.

    ``start``/``end`` are dates for all-day events (``end`` exclusive, as in iCalendar and
    Google Calendar) or time-zone-aware datetimes for timed events. A reminder is minutes
    before the start; a negative one is after it (an all-day event's start is midnight:
    -540 reminds at 09:00 that day, where a calendar allows it). ``transparent`` events
    show as free, not busy.
    """

    key: str
    event_id: str
    title: str
    description: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime
    time_zone: str
    reminders_minutes: tuple[int, ...] = (60,)
    private: tuple[tuple[str, str], ...] = ()
    transparent: bool = False

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, dt.datetime)

    def content_hash(self) -> str:
        payload: list[object] = [self.title, self.description, _when(self.start),
                                 _when(self.end), self.time_zone, list(self.reminders_minutes)]
        if self.transparent:  # only then: events made before it keep their hash
            payload.append("transparent")
        return _digest(payload)


@dataclass(frozen=True)
class DraftSpec:
    """An email draft sheetsync wants to exist (never sent by sheetsync)."""

    key: str
    message_id: str
    sender_name: str
    sender_email: str
    to_name: str
    to_email: str
    subject: str
    body: str
    # A draft to a partner that names a client (made with consent to share): if consent
    # is withdrawn, a copy a person edited must be deleted by them (``core.status``).
    names_client: bool = False

    def content_hash(self) -> str:
        return _digest([self.sender_name, self.sender_email, self.to_name, self.to_email,
                        self.subject, self.body])


def _when(value: dt.date | dt.datetime) -> str:
    return value.isoformat()


# ------------------------------------------------------------------ what a person edits
# The stamp of a draft or an event: a digest of the fields sheetsync writes and a person
# may change (drafts: recipient, subject, body; events: title, description, start, end),
# normalised so that the same text reads the same from every backend (an .eml file, an
# .ics VEVENT, a Google Calendar event, a spec in memory).


def _text(value: str) -> str:
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _instant(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc)
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


def draft_stamp(to_email: str, subject: str, body: str) -> str:
    return "s" + _digest([to_email.strip().lower(), " ".join(subject.split()), _text(body)])


def event_stamp(title: str, description: str, start: dt.date | dt.datetime,
                end: dt.date | dt.datetime) -> str:
    return "s" + _digest([" ".join(title.split()), _text(description), _instant(start),
                          _instant(end)])


def spec_stamp(spec: EventSpec | DraftSpec) -> str:
    """The stamp of ``spec`` as written (the memory backend keeps specs)."""
    if isinstance(spec, EventSpec):
        return event_stamp(spec.title, spec.description, spec.start, spec.end)
    return draft_stamp(spec.to_email, spec.subject, spec.body)


def _digest(payload: object) -> str:
    raw = _DIGEST_JSON(payload).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:16]


class Presence(str, Enum):
    """What a backend found when it looked for something made before."""

    PRESENT = "present"  # still there (an event, or an unsent draft)
    SENT = "sent"  # a draft that the owner sent
    DELETED = "deleted"  # removed by a person in the calendar or mailbox
    UNKNOWN = "unknown"  # could not be checked this time (e.g. API fault)


@dataclass(frozen=True)
class Observation:
    key: str
    presence: Presence
    remote_id: str = ""
    thread_id: str = ""
    sent_on: dt.date | None = None
    # The moment it was sent, when the backend knows it: the core dates it in the
    # clinic's time zone (``sent_in``), so "sent on DATE" is the clinic's day.
    sent_at: dt.datetime | None = None


@dataclass(frozen=True)
class Known:
    """What sheetsync recorded about an object it made: enough for a backend to find it."""

    key: str
    remote_id: str
    thread_id: str = ""
    message_id: str = ""
    # The backend's stamp of what sheetsync last wrote (``ChangeResult.written``; Gmail's
    # message id): a mailbox that lists news (``ListsNews``) tells its own writes by it.
    written: str = ""


@dataclass(frozen=True)
class Change:
    """Create, update or delete one event or draft.

    ``known`` is set for updates and deletes (and for a create that brings back what
    sheetsync retracted before). A delete has no ``spec``: ``kind`` says where it goes.
    ``written`` is the stamp the backend gave for what sheetsync last wrote (see
    ``ChangeResult.written``): before an update or a delete the backend compares it with
    what it holds now, and leaves an object a person edited exactly as it is
    (``ChangeResult.edited``). An empty ``written`` (made before stamps were kept) is
    not checked.
    """

    op: Literal["create", "update", "delete"]
    spec: EventSpec | DraftSpec | None
    known: Known | None = None
    written: str = ""
    object_kind: Literal["event", "draft", ""] = ""

    @property
    def key(self) -> str:
        if self.spec is not None:
            return self.spec.key
        return self.known.key if self.known is not None else ""

    @property
    def kind(self) -> Literal["event", "draft"]:
        if self.spec is not None:
            return "event" if isinstance(self.spec, EventSpec) else "draft"
        return "draft" if self.object_kind == "draft" else "event"


@dataclass(frozen=True)
class ChangeResult:
    key: str
    ok: bool
    remote_id: str = ""
    thread_id: str = ""
    error: str = ""
    # True when a retryable fault (quota, timeout) stopped it: next run tries again.
    retry_later: bool = False
    # Set (with ok=True) when the object turned out to be a draft the owner had already
    # sent: a crash lost its record, and the owner sent it before this run. It is recorded
    # as sent, never made again.
    sent_on: dt.date | None = None
    sent_at: dt.datetime | None = None  # as in ``Observation``
    # Set (with ok=True) when a create met an event a person had deleted (a crash lost
    # the record of making it): it is recorded as deleted, never made again.
    deleted: bool = False
    # The backend's stamp of what it now holds as sheetsync wrote it (a digest of the
    # fields sheetsync writes, ``draft_stamp``/``event_stamp``, or a version id the
    # service gives, e.g. Gmail's message id): kept in the state, handed back in
    # ``Change.written``.
    written: str = ""
    # Set (with ok=True) when an update or delete found the object edited by a person
    # since sheetsync wrote it: it was left exactly as they made it.
    edited: bool = False


class Calendar(Protocol):
    def observe(self, known: Sequence[Known]) -> dict[str, Observation]: ...

    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        """Create, update or delete events. A create whose deterministic id already
        exists (a crash between creating and recording it) updates that event instead,
        unless a person deleted it since: then the result says ``deleted`` and nothing is
        made (a create with ``known`` set brings back an event sheetsync deleted itself).
        An update or delete of an event a person edited since (``Change.written``) leaves
        it as it is and says ``edited``; a delete of an event already gone is done."""
        ...

    def describe(self) -> str: ...


_Sent = TypeVar("_Sent", Observation, ChangeResult)


def sent_in(zone: dt.tzinfo, found: _Sent) -> _Sent:
    """``found`` with ``sent_on`` the day of ``sent_at`` in ``zone`` (the Settings time
    zone), not in the spreadsheet's or this computer's."""
    if found.sent_at is None:
        return found
    return replace(found, sent_on=found.sent_at.astimezone(zone).date())


class Mailbox(Protocol):
    def observe(self, known: Sequence[Known]) -> dict[str, Observation]:
        """Tell, for each draft made before, whether it is still a draft, was sent, or
        was deleted."""
        ...

    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        """Create, update or delete drafts (never send). A create whose Message-ID
        already exists as a draft updates it instead. An update or delete of a draft a
        person edited since (``Change.written``) leaves it as it is and says ``edited``;
        a delete of a draft the owner sent says ``sent_on`` and deletes nothing."""
        ...

    def describe(self) -> str: ...


@runtime_checkable
class LooksAhead(Protocol):
    """A calendar or mailbox whose ``observe`` starts with a listing that does not depend
    on what is known (Google's: page after page of round trips). A sync calls
    ``look_ahead`` before it reads the register so the listing overlaps the read;
    ``observe`` then waits for it. ``settle`` ends a listing a run no longer needs."""

    def look_ahead(self) -> None: ...

    def settle(self) -> None: ...


@runtime_checkable
class ListsNews(Protocol):
    """A calendar or mailbox that can tell what changed since a token (Calendar's
    ``syncToken``) instead of listing everything it holds, so an unchanged run costs the
    same at any size. The sync hands it the token kept in the state before ``observe``
    (``since``; "" means none: a full listing, which gives the first token) and keeps
    ``news_token()`` in the state it writes. A token the service no longer accepts means
    one full listing and a new token. ``observe`` then concludes that an object the news
    does not name is as the last run left it."""

    def since(self, token: str) -> None: ...

    def news_token(self) -> str:
        """The token for the next run: past this run's own changes when nothing a
        person did is hidden behind them, else the one ``observe`` ended on."""
        ...


@dataclass(frozen=True)
class Followed:
    """A sent draft whose thread the tracker watches (REGISTER.md, "The tracker")."""

    key: str
    thread_id: str  # Gmail's thread id ("" for a mailbox that threads by headers)
    message_id: str  # the draft's Message-ID header: a reply names it in References
    to_email: str  # whom the draft was written to


@dataclass(frozen=True)
class ThreadMessage:
    """One message in a followed thread after the sent draft, as its headers show it
    (never its body: Gmail's metadata scope)."""

    sender: str  # the From address, lower-case
    at: dt.datetime  # when it arrived, time-zone aware: the core dates it in the clinic's
    by_clinic: bool  # sent from the clinic's own mailbox (Gmail's SENT label; local sent/)
    # A delivery failure report (from the mail system, or a multipart/report): the
    # address it names as failed, lower-case; "" when this is not a bounce, "?" when the
    # report does not say which address.
    bounced: str = ""
    # An automatic answer (an ``Auto-Submitted: auto-replied`` header, e.g. an
    # out-of-office): not a reply by a person.
    auto: bool = False


@dataclass(frozen=True)
class ThreadNews:
    """What a followed thread holds now: every message after the sent draft, oldest
    first (the whole thread, not only what is new, so the core can tell again from
    scratch). ``gone``: the owner deleted the thread; ``unknown``: it could not be read
    this time (the core keeps what it knew)."""

    key: str
    messages: tuple[ThreadMessage, ...] = ()
    gone: bool = False
    unknown: bool = False


@runtime_checkable
class FollowsThreads(Protocol):
    """A mailbox that can tell what became of sent drafts (the tracker): replies,
    delivery failures and the clinic's own answers, from headers only. It returns news
    only for the threads it read this run: one that keeps a history token
    (``ListsNews``) reads only the threads that changed since it, and the core keeps
    what it learnt before for the others. A full check (no token, or one too old) reads
    them all."""

    def follow(self, followed: Sequence[Followed]) -> dict[str, ThreadNews]: ...


@runtime_checkable
class LeavesNotes(Protocol):
    """A mailbox that met, while it read, something a person should look at that is no
    row's problem (the local ``inbox/``: a file that is not an email it can read): one
    line each for the run's notes, asked after ``follow``. Never a client's name."""

    def notes(self) -> list[str]: ...


@runtime_checkable
class SelfChecks(Protocol):
    """A register, calendar or mailbox that can check, without changing anything, that
    a sync could do its work with it (``sheetsync doctor``): access, folders that can be
    written, a lock held by a sync running now. Raises a ``UserError`` saying what to
    do; may return a short description of what it checked."""

    def check(self) -> str | None: ...


@runtime_checkable
class KeptInFiles(Protocol):
    """A calendar or mailbox kept in one file or folder that a person can delete or move
    as a whole (the local ``calendar.ics`` and ``drafts/``). A sync asks before it looks
    for what it made there: all of it gone at once is not a person deleting each item
    (``core.vanished``)."""

    def vanished(self) -> str:
        """The name of the file or folder when it is gone (or empty), else ""."""
        ...


@runtime_checkable
class FindsSentCopies(Protocol):
    """A mailbox that can look among sent mail, before making a draft, for a copy the
    owner already sent. That costs calls, so it looks only when told to: after a run that
    did not finish (it left its run lock), which may have made drafts it never recorded.
    A mailbox that always checks (the local ``sent/`` folder) does not need this."""

    def look_for_sent_copies(self, after_unfinished_run: bool) -> None: ...


@runtime_checkable
class Paced(Protocol):
    """A calendar or mailbox that spends a rate quota (Google's per-minute quotas): it
    tells how long the quota makes ``changes`` take from now, at the least. A sync
    uses it for the ETA it shows and to stop in time (``sync --max-minutes``)."""

    def seconds_for(self, changes: Sequence[Change]) -> float: ...


@dataclass
class Workspace:
    register: Register
    calendar: Calendar
    mailbox: Mailbox
    # The spreadsheet's identity, mixed into deterministic event ids and Message-IDs.
    namespace: str = "local"
    closers: list[object] = field(default_factory=list)
