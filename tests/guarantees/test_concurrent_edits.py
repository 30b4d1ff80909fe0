"""Concurrent edits (Google fake, Hypothesis): while a sync runs, staff insert rows above,
delete rows, sort the tab, edit a row being synced, or type into a tool-owned cell, at a
random moment between the sync's read and its write: while it checks the calendar, just
before it takes the run lock (whose answer is the picture the write locates rows in),
while it creates and updates events and drafts, and in the write's own round trip.

Invariants: no status lands in another row; a row deleted meanwhile gets no write (no
other row gets it either); a staff edit made meanwhile is never overwritten (except a
tool-owned cell typed into after the lock's picture: while events and drafts are made,
or in the write's own round trip; Sheets has no conditional write); a row edited
meanwhile is picked up by the next run, which then leaves everything consistent and
makes no second event.

Every row has a unique client name (its identity here) and unique treatment dates, so a
check-in status names exactly one row's date: a status in the wrong row names a date that
row never had.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from builders import NOON_UTC, TODAY, checkin, tables
from contract.harness import MemoryHarness
from contract.local_harness import LocalHarness
from google_harness import GoogleHarness
from gutil import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.core.ports import Workspace
from sheetsync.engine import run_sync

PEEL_DAYS = 3  # "Chemical peel": check-in three days after the treatment
TYPED = "called already (typed by staff)"
MOMENTS = ["calendar", "lock", "apply", "write"]
# Typed into a tool-owned cell at these moments, after the lock's picture: may be covered.
UNGUARDED = ("apply", "write")
OPS = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 20)),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(st.just("sort"), st.sampled_from(["Client", "Treatment date"]), st.booleans()),
    st.tuples(st.just("edit"), st.integers(0, 20)),
    st.tuples(st.just("type"), st.integers(0, 20),
              st.sampled_from(["Check-in", "Sync status"])),
)


class Staff:
    """Staff at work on the fake Sheet, with what the test needs to remember."""

    def __init__(self, h: GoogleHarness) -> None:
        self.h = h
        self.fresh_days = itertools.count(40)
        self.names = itertools.count(1)
        self.dates: dict[str, set[dt.date]] = {}  # client -> every date it ever had
        self.typed: set[str] = set()  # clients whose tool cell staff typed into
        self.deleted: set[str] = set()

    def rows(self) -> list[dict[str, str]]:
        rows = self.h.tab("Check-ins")
        header = rows[0]
        return [dict(zip(header, r + [""] * (len(header) - len(r)), strict=True))
                for r in rows[1:]]

    def new_date(self) -> dt.date:
        return TODAY + dt.timedelta(days=next(self.fresh_days))

    def add(self, client: str, day: dt.date) -> None:
        self.dates.setdefault(client, set()).add(day)

    def act(self, op: tuple[Any, ...]) -> None:
        rows = self.rows()
        kind = op[0]
        if kind == "insert":
            client = f"Walk-in {next(self.names)}"
            day = self.new_date()
            self.add(client, day)
            at = 2 + op[1] % (len(rows) + 1)
            self.h.insert_row("Check-ins", at, ["", client, "", "", "Chemical peel",
                                                day.isoformat()])
        elif not rows:
            return
        elif kind == "delete":
            at = op[1] % len(rows)
            self.deleted.add(rows[at]["Client"])
            self.h.delete_row("Check-ins", 2 + at)
        elif kind == "sort":
            self.h.fake.sheets.sort(self.h.sid, "Check-ins", op[1], descending=op[2])
        elif kind == "edit":
            at = op[1] % len(rows)
            day = self.new_date()
            self.add(rows[at]["Client"], day)
            self.h.set_cell("Check-ins", 2 + at, "Treatment date", day.isoformat())
        elif kind == "type":
            at = op[1] % len(rows)
            self.typed.add(rows[at]["Client"])
            self.h.set_cell("Check-ins", 2 + at, op[2], TYPED)


def moment_matches(moment: str, request: Any) -> bool:
    if moment == "calendar":  # the engine asking the calendar (_Observing), no request
        return request is None
    if request is None:
        return False
    body = request.body or b""
    if moment == "lock":  # just before the run lock is taken, with its picture
        return bool(request.method_id.endswith("spreadsheets.batchUpdate")
                    and b"_sheetsync_lock" in body and b"addSheet" in body)
    if moment == "apply":  # while events are made or moved
        return bool(request.method_id.endswith(("events.insert", "events.patch")))
    # The write itself: before Google applies it.
    return bool(request.method_id.endswith("spreadsheets.batchUpdate")
                and b"updateCells" in body and b"_sheetsync_lock" not in body)


def status_dates(text: str) -> set[dt.date]:
    return {dt.date.fromisoformat(d) for d in re.findall(r"\d{4}-\d{2}-\d{2}", text)}


def check_in_date(row: dict[str, str]) -> dt.date:
    return dt.date.fromisoformat(row["Treatment date"][:10])


@settings(max_examples=examples(40), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 5), new=st.integers(0, 2), moment=st.sampled_from(MOMENTS),
       ops=st.lists(OPS, min_size=1, max_size=4), change=st.integers(0, 10))
def test_staff_edits_during_a_sync_never_misplace_or_overwrite(
        n: int, new: int, moment: str, ops: list[tuple[Any, ...]], change: int) -> None:
    h = GoogleHarness()
    staff = Staff(h)
    first = []
    for i in range(n):
        day = staff.new_date()
        staff.add(f"Client {i}", day)
        first.append(checkin(Client=f"Client {i}", **{"Client email": "",
                                                      "Treatment date": day}))
    ws = h.workspace(tables(checkins=first))
    run_sync(ws, clock=NOON_UTC)
    # Before the next sync: new rows (no ID yet) and one changed date, so that the sync
    # has creates, an update and status writes to make.
    for i in range(new):
        client, day = f"New {i}", staff.new_date()
        staff.add(client, day)
        h.insert_row("Check-ins", 2 + (i * 7) % (n + i + 1), ["", client, "", "",
                                                              "Chemical peel", day.isoformat()])
    rows = staff.rows()
    at = change % len(rows)
    day = staff.new_date()
    staff.add(rows[at]["Client"], day)
    h.set_cell("Check-ins", 2 + at, "Treatment date", day.isoformat())

    before = {r["Client"]: r for r in staff.rows()}
    ids_before = {c: r["Check-in ID"] for c, r in before.items() if r["Check-in ID"]}
    fired: list[bool] = []

    def meanwhile(request: Any) -> None:
        if not fired and moment_matches(moment, request):
            fired.append(True)
            for op in ops:
                staff.act(op)

    h.fake.before_request(meanwhile)
    if moment == "calendar":
        # When the sync asks what the calendar holds (after the read; the listing itself
        # started ahead of the read, so no request marks this moment).
        ws = Workspace(ws.register, _Observing(ws.calendar, lambda: meanwhile(None)),
                       ws.mailbox, ws.namespace)
    report = run_sync(ws, clock=NOON_UTC)
    h.fake.remove_hook(meanwhile)
    assert fired, moment  # the staff's edits did happen, at that moment
    assert not report.write_refused

    events = {k.removesuffix("/check-in"): dt.date.fromisoformat(v[:10])
              for k, v in h.live_events().items()}
    after = staff.rows()
    ids = [r["Check-in ID"] for r in after if r["Check-in ID"]]
    assert len(ids) == len(set(ids)), ids  # no ID given to two rows
    for row in after:
        client = row["Client"]
        assert client not in staff.deleted
        mine = {d + dt.timedelta(days=PEEL_DAYS) for d in staff.dates[client]}
        # An ID never moves to another row, and a row's ID leads to its own event.
        if client in ids_before:
            assert row["Check-in ID"] == ids_before[client], client
        if row["Check-in ID"] in events:
            assert events[row["Check-in ID"]] in mine, (client, row["Check-in ID"])
        # A status in this row speaks of this row's dates, or is what staff typed.
        for column in ("Check-in", "Sync status"):
            text = row[column]
            if text == TYPED:
                continue
            assert status_dates(text) <= mine, (client, column, text)
        # Typed meanwhile: never overwritten, if typed before the lock's picture was taken.
        # Sheets has no conditional write, so a cell typed after it (while events and
        # drafts are made, or in the write's own round trip) may be covered by the write
        # (README, Guarantees).
        if client in staff.typed and moment not in UNGUARDED:
            assert TYPED in (row["Check-in"], row["Sync status"]), row

    # The next run picks up everything done meanwhile, and the one after writes nothing.
    run_sync(ws, clock=NOON_UTC)
    events = {k.removesuffix("/check-in"): dt.date.fromisoformat(v[:10])
              for k, v in h.live_events().items()}
    for row in staff.rows():
        key = row["Check-in ID"]
        assert key, row
        due = check_in_date(row) + dt.timedelta(days=PEEL_DAYS)
        assert events[key] == due, (row["Client"], key)
        if row["Client"] not in staff.typed:
            assert due.isoformat() in row["Check-in"], row
    # One event per row: no row ever gets a second event, and the events of rows deleted
    # meanwhile (still ahead) were cancelled by the next run (REGISTER.md, Retraction),
    # unless the tab now reads empty: the mass-change guard holds it, retracting nothing.
    final = staff.rows()
    held = len(staff.deleted & set(before)) if not final else 0
    assert len(events) == len(final) + held, \
        (sorted(events), [r["Check-in ID"] for r in final], staff.deleted)
    quiet = run_sync(ws, clock=NOON_UTC)
    assert quiet.cells_written == 0 and sum(quiet.created.values()) == 0
    assert sum(quiet.updated.values()) == 0


# --------------------------------------- a new row edited while its sync runs, every backend


@pytest.fixture(params=["memory", "local", "google"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "memory":
        return MemoryHarness()
    if request.param == "local":
        return LocalHarness(tmp_path)
    return GoogleHarness()


def test_a_new_row_typed_on_during_its_sync_keeps_its_id_and_its_one_event(
        harness: Any) -> None:
    """The person is still typing the new row when the sync reads it: its ID cannot be
    written (the row changed), so the next run gives it the same ID back instead of a
    new one, and its event is updated, not made twice."""
    h = harness
    ws = h.workspace(tables(checkins=[checkin(Client="Ann Avery")]))
    run_sync(ws, clock=NOON_UTC)
    h.insert_row("Check-ins", 3, ["", "Newbie Nguyen", "", "", "Chemical peel",
                                  TODAY.isoformat()])
    typed: list[bool] = []

    def still_typing() -> None:
        if not typed:
            typed.append(True)
            h.set_cell("Check-ins", 3, "Client phone", "+44 7700 900123")

    if h.name == "google":
        h.fake.before_request(lambda r: still_typing() if r.api == "calendar" else None)
    else:
        ws = Workspace(ws.register, _Typing(ws.calendar, still_typing), ws.mailbox,
                       ws.namespace)
    run_sync(ws, clock=NOON_UTC)
    assert typed
    made = set(h.live_events())
    assert len(made) == 2  # Ann's, and Newbie's under the ID it was given
    run_sync(ws, clock=NOON_UTC)
    rows = {r[1]: r[0] for r in h.tab("Check-ins")[1:]}
    assert set(h.live_events()) == made  # no second event for Newbie
    assert f"{rows['Newbie Nguyen']}/check-in" in made


class _Typing:
    """A calendar during whose changes a person types into the register."""

    def __init__(self, inner: Any, typing: Any) -> None:
        self.inner, self.typing = inner, typing

    def observe(self, known: Any) -> Any:
        return self.inner.observe(known)

    def apply(self, changes: Any) -> Any:
        self.typing()
        return self.inner.apply(changes)

    def describe(self) -> str:
        return str(self.inner.describe())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Observing(_Typing):
    """A calendar during whose look at the events made a person edits the register."""

    def observe(self, known: Any) -> Any:
        self.typing()
        return self.inner.observe(known)

    def apply(self, changes: Any) -> Any:
        return self.inner.apply(changes)
