"""A Hypothesis state machine over the memory, local and Google backends: random staff
edits (add, edit, delete rows, sort), syncs, syncs killed at a random external call, the
owner sending a draft, a user deleting an event. After every step:

- no event or draft exists twice;
- no staff cell was ever changed by the tool (every non-sheetsync column of every row is
  exactly what staff left in it);

and after every completed sync:

- every valid row has the objects its rules call for (a dry run finds nothing left to
  create or update, and each planned object exists, was sent, or was deleted by a person);
- an unchanged second sync makes zero writes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
from builders import NOON_UTC, PARTNER, TODAY, checkin, referral, tables
from contract.harness import MemoryHarness
from contract.local_harness import LocalHarness
from google_harness import KEY_HEADER, GoogleHarness
from gutil import Kill, counted, examples
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from sheetsync.core.schema import CHECKINS, PARTNERS, REFERRALS
from sheetsync.engine import run_sync
from sheetsync.errors import BusyError

TOOL = {spec.name: {c.name for c in spec.tool_columns} | {spec.id_column}
        for spec in (PARTNERS, REFERRALS, CHECKINS)}
NAME = {"Partners": "Name", "Referrals": "Client", "Check-ins": "Client"}
TABS = ("Partners", "Referrals", "Check-ins")


class SyncMachine(RuleBasedStateMachine):
    backend = "memory"

    def __init__(self) -> None:
        super().__init__()
        self.folder: TemporaryDirectory[str] | None = None
        if self.backend == "memory":
            self.h: Any = MemoryHarness()
        elif self.backend == "local":
            self.folder = TemporaryDirectory()
            self.h = LocalHarness(Path(self.folder.name))
        else:
            self.h = GoogleHarness()
        self.ws = self.h.workspace(tables(
            partners=[PARTNER], referrals=[referral(Client="Rhea Root")],
            checkins=[checkin(Client="Cora Core"), checkin(Client="Dov Dash",
                                                        **{"Client email": ""})]))
        self.names = itertools.count(1)
        self.clock = NOON_UTC()
        self.deleted_by_user: set[str] = set()
        self.staff = self.staff_cells()

    def teardown(self) -> None:
        if self.folder is not None:
            self.folder.cleanup()

    # --------------------------------------------------------------- what we compare

    def rows(self, title: str) -> list[dict[str, str]]:
        rows = self.h.tab(title)
        header = rows[0]
        return [dict(zip(header, r + [""] * (len(header) - len(r)), strict=True))
                for r in rows[1:]]

    def staff_cells(self) -> dict[str, Counter[tuple[tuple[str, str], ...]]]:
        """Every row's non-sheetsync cells (a multiset per tab: rows may move)."""
        out = {}
        for title in TABS:
            out[title] = Counter(tuple(sorted((k, v) for k, v in row.items()
                                              if k not in TOOL[title]))
                                 for row in self.rows(title))
        return out

    def sync(self, **kw: Any) -> Any:
        when = self.clock
        try:
            return run_sync(self.ws, clock=lambda: when, **kw)
        except BusyError:
            # A lock left by a killed run: it expires by itself.
            self.clock += dt.timedelta(minutes=31)
            when = self.clock
            return run_sync(self.ws, clock=lambda: when, **kw)

    def staff_did_something(self) -> None:
        self.staff = self.staff_cells()

    # ------------------------------------------------------------------ staff rules

    @rule(days=st.integers(-20, 20), email=st.booleans(), at=st.integers(0, 10),
          first=st.booleans())
    def add_checkin(self, days: int, email: bool, at: int, first: bool) -> None:
        name = f"New Client {next(self.names)}"
        header = self.rows_header("Check-ins")
        values = {"Client": name, "Treatment": "Chemical peel",
                  "Treatment date": (TODAY + dt.timedelta(days=days)).isoformat(),
                  "Client email": f"n{len(name)}@mail.example" if email else "",
                  "First visit": "Yes" if first else "No"}
        self.insert("Check-ins", at, [values.get(h, "") for h in header])

    @rule(days=st.integers(-20, 0), consent=st.booleans(), sent=st.booleans(),
          at=st.integers(0, 10))
    def add_referral(self, days: int, consent: bool, sent: bool, at: int) -> None:
        header = self.rows_header("Referrals")
        values = {"Date": (TODAY + dt.timedelta(days=days)).isoformat(),
                  "Direction": "Sent" if sent else "Received",
                  "Partner": PARTNER["Name"], "Client": f"Ref Client {next(self.names)}",
                  "Consent to share": "Yes" if consent else "No", "Status": "New"}
        self.insert("Referrals", at, [values.get(h, "") for h in header])

    @rule(tab=st.sampled_from(["Referrals", "Check-ins"]), at=st.integers(0, 10),
          days=st.integers(-20, 20))
    def edit_date(self, tab: str, at: int, days: int) -> None:
        rows = self.rows(tab)
        if not rows:
            return
        column = "Treatment date" if tab == "Check-ins" else "Date"
        days = min(days, 0) if tab == "Referrals" else days
        self.h.set_cell(tab, 2 + at % len(rows), column,
                        (TODAY + dt.timedelta(days=days)).isoformat())
        self.staff_did_something()

    @rule(tab=st.sampled_from(["Referrals", "Check-ins"]), at=st.integers(0, 10))
    def delete_row(self, tab: str, at: int) -> None:
        rows = self.rows(tab)
        if len(rows) > 1:
            self.h.delete_row(tab, 2 + at % len(rows))
            self.staff_did_something()

    @rule(tab=st.sampled_from(["Referrals", "Check-ins"]),
          column=st.sampled_from(["Client", "Sync status"]))
    def sort(self, tab: str, column: str) -> None:
        self.h.sort_desc(tab, column)
        self.staff_did_something()

    def rows_header(self, title: str) -> list[str]:
        return list(self.h.tab(title)[0])

    def insert(self, title: str, at: int, values: list[Any]) -> None:
        count = len(self.h.tab(title)) - 1
        self.h.insert_row(title, 2 + at % (count + 1), values)
        self.staff_did_something()

    # ------------------------------------------------------------ owner and user rules

    @rule(pick=st.integers(0, 50))
    def owner_sends_a_draft(self, pick: int) -> None:
        drafts = sorted(self.h.live_drafts())
        if drafts:
            self.h.send_draft(drafts[pick % len(drafts)], TODAY)

    @rule(pick=st.integers(0, 50))
    def user_deletes_an_event(self, pick: int) -> None:
        events = sorted(self.h.live_events())
        if events:
            key = events[pick % len(events)]
            self.h.delete_event(key)
            self.deleted_by_user.add(key)

    # ------------------------------------------------------------------- sync rules

    @rule()
    def sync_twice(self) -> None:
        report = self.sync()
        assert not report.write_refused, report.write_refused
        # Every valid row has what its rules call for: nothing left to make or update.
        plan = self.sync(dry_run=True)
        made = set(self.h.live_events()) | set(self.h.live_drafts())
        for outcome in plan.rows:
            for step in outcome.steps:
                assert step.change is None, (outcome.key, step.intent.key, step.reason)
                if step.intent.spec is not None and step.kind == "keep" and \
                        "deleted" not in step.reason and "sent" not in step.reason:
                    assert step.intent.key in made, (step.intent.key, step.reason)
        # An unchanged second sync writes nothing at all.
        before = [self.h.tab(t) for t in TABS]
        again = self.sync()
        assert again.cells_written == 0 and again.writes_skipped == 0
        assert sum(again.created.values()) == sum(again.updated.values()) == 0
        assert [self.h.tab(t) for t in TABS] == before

    @rule(kill_at=st.integers(1, 40))
    def sync_killed(self, kill_at: int) -> None:
        try:
            self.run_killed(kill_at)
        except BusyError:  # the lock of an earlier killed run: it expires by itself
            self.clock += dt.timedelta(minutes=31)
            self.run_killed(kill_at)

    def run_killed(self, kill_at: int) -> None:
        if self.backend == "google":
            count = [0]

            def hook(request: Any) -> None:
                count[0] += 1
                if count[0] == kill_at:
                    raise Kill()

            self.h.fake.before_request(hook)
            try:
                run_sync(self.ws, clock=lambda: self.clock)
            except Kill:
                pass
            finally:
                self.h.fake.remove_hook(hook)
        else:
            target = counted(self.ws, [0], kill_at)
            with contextlib.suppress(Kill):
                run_sync(target, clock=lambda: self.clock)

    # ------------------------------------------------------------------- invariants

    @invariant()
    def nothing_twice(self) -> None:
        if self.backend == "google":
            fake = self.h.fake
            events = Counter(e.get("extendedProperties", {}).get("private", {})
                             .get("sheetsync_key") for e in fake.calendar.events("primary"))
            mail = Counter(d["headers"].get(KEY_HEADER) for d in fake.gmail.draft_list())
            mail += Counter(m["headers"].get(KEY_HEADER)
                            for m in fake.gmail.message_list("SENT"))
            assert max(events.values(), default=1) == 1, events
            assert max(mail.values(), default=1) == 1, mail
        elif self.backend == "local":
            names = [p.name for p in self.h.drafts.glob("*.eml")]
            names += [p.name for p in self.h.sent.glob("*.eml")]
            assert len(names) == len(set(names))
        assert not set(self.h.live_events()) & self.deleted_by_user  # deleted stays deleted

    @invariant()
    def staff_cells_untouched(self) -> None:
        assert self.staff_cells() == self.staff


def machine(backend: str, n: int, steps: int) -> Any:
    class Machine(SyncMachine):
        pass

    Machine.backend = backend
    Machine.TestCase.settings = settings(
        max_examples=examples(n), stateful_step_count=steps, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    return Machine.TestCase


TestMemoryMachine = machine("memory", 40, 25)
TestGoogleMachine = machine("google", 10, 15)
TestLocalMachine = machine("local", 3, 10)


@pytest.mark.parametrize("backend", ["memory", "local", "google"])
@pytest.mark.parametrize("kill_at", range(1, 12))
def test_an_event_deleted_after_a_killed_run_made_it_stays_deleted(backend: str,
                                                                   kill_at: int) -> None:
    """Found by the machine: a run killed between creating an event and recording it,
    then a person deleting that event. The next sync meets the deleted event while
    trying to create it again: it must remember the deletion, not retry every run."""
    class Machine(SyncMachine):
        pass

    Machine.backend = backend
    m = Machine()
    try:
        m.add_checkin(days=0, email=False, at=0, first=False)
        m.sync_killed(kill_at)
        for pick in range(3):
            m.user_deletes_an_event(pick)
        m.nothing_twice()
        m.sync_twice()
        m.nothing_twice()
        m.staff_cells_untouched()
    finally:
        m.teardown()
