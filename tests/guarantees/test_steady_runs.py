"""Steady runs (``core.steady``): a run that reads the register exactly as the last write
left it skips planning. It must do exactly what a full run would: nothing, with the same
report. Throughout the suite ``VERIFY`` plans every steady run in full as well and fails
on any difference; here the changes that must end a steady spell are made on purpose."""

from __future__ import annotations

import datetime as dt
from typing import Any

from builders import NOON_UTC, PARTNER, TODAY, checkin, clock_at, referral, tables
from contract.harness import MemoryHarness
from gutil import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsync.core import steady
from sheetsync.core.schema import STATE_TAB
from sheetsync.core.state import SyncState
from sheetsync.engine import run_sync


def register() -> dict[str, Any]:
    return tables(partners=[PARTNER, {**PARTNER, "Name": "Dr Ann Lee", "Stage": "Nurturing",
                                      "Email": "ann@lee.example"}],
                  referrals=[referral(**{"Consent to share": "Yes"}), referral(Client="Bo Ray")],
                  checkins=[checkin(), checkin(Client="Cy Cole", **{"Client email": ""})])


def settled(harness: MemoryHarness) -> Any:
    """A register after its first sync: the next run is steady."""
    ws = harness.workspace(register())
    run_sync(ws, clock=NOON_UTC)
    assert run_sync(ws, clock=NOON_UTC).steady
    return ws


def test_a_tool_cell_typed_over_is_put_right_not_skipped() -> None:
    harness = MemoryHarness()
    ws = settled(harness)
    harness.set_cell("Check-ins", 2, "Sync status", "done it myself")
    report = run_sync(ws, clock=NOON_UTC)
    assert not report.steady and report.cells_written == 1
    assert harness.tab("Check-ins")[1][harness.tab("Check-ins")[0].index("Sync status")] == "OK"
    assert run_sync(ws, clock=NOON_UTC).steady


def test_a_garbled_or_lost_steady_record_means_a_full_run() -> None:
    harness = MemoryHarness()
    ws = settled(harness)
    state = SyncState.from_rows(harness.register.tabs[STATE_TAB])
    assert state.steady
    for broken in ("{not json", '{"register": 1}', ""):
        state.steady = broken
        harness.register.tabs[STATE_TAB] = [list(r) for r in state.to_rows()]
        report = run_sync(ws, clock=NOON_UTC)
        assert not report.steady
        assert sum(report.created.values()) == sum(report.updated.values()) == 0


def test_another_day_plans_again() -> None:
    """Rules depend on the day (reminders fall due, partners become overdue): a record
    is good for the day it was made on only."""
    harness = MemoryHarness()
    ws = settled(harness)
    later = clock_at(dt.datetime.combine(TODAY + dt.timedelta(days=120), dt.time(12),
                                         tzinfo=dt.timezone.utc))
    report = run_sync(ws, clock=later)
    assert not report.steady
    assert report.cells_written > 0  # e.g. the partner is overdue for a check-in now
    assert run_sync(ws, clock=later).steady


CHANGES = st.lists(st.sampled_from([
    "edit reason", "edit treatment date", "type over a status", "sort check-ins",
    "send thank-you", "delete check-in event", "next day", "nothing", "nothing",
]), min_size=1, max_size=6)


@settings(max_examples=examples(25), deadline=None)
@given(CHANGES)
def test_steady_runs_agree_with_full_runs_under_random_changes(changes: list[str]) -> None:
    """After each change, one run; VERIFY (on for the suite) plans each steady one in full
    and fails if that would act or report differently. A run straight after a writing
    run must be steady, so the check is never vacuous."""
    assert steady.VERIFY
    harness = MemoryHarness()
    day = [TODAY]

    def clock() -> dt.datetime:
        return dt.datetime.combine(day[0], dt.time(12), tzinfo=dt.timezone.utc)

    ws = harness.workspace(register())
    run_sync(ws, clock=clock)
    for change in changes:
        if change == "edit reason":
            harness.set_cell("Referrals", 2, "Reason", f"reason {len(day)}")
        elif change == "edit treatment date":
            harness.set_cell("Check-ins", 2, "Treatment date", day[0] - dt.timedelta(days=1))
        elif change == "type over a status":
            harness.set_cell("Referrals", 3, "Sync status", "typed")
        elif change == "sort check-ins":
            harness.sort_desc("Check-ins", "Client")
        elif change == "send thank-you":
            if "R-0001/thank-you" in harness.live_drafts():
                harness.send_draft("R-0001/thank-you", day[0])
        elif change == "delete check-in event":
            if "C-0001/check-in" in harness.live_events():
                harness.delete_event("C-0001/check-in")
        elif change == "next day":
            day[0] += dt.timedelta(days=1)
        day.append(day[0])
        report = run_sync(ws, clock=clock)
        after = run_sync(ws, clock=clock)
        if report.cells_written or sum(report.created.values()) or sum(report.updated.values()):
            assert after.steady, f"not steady after a writing run ({change})"
        assert sum(after.created.values()) == sum(after.updated.values()) == 0
        assert after.cells_written == 0


def test_a_blanked_cell_ends_one_steady_spell_only() -> None:
    """A cell staff blank (registers store an empty cell as None or "") reads as it did;
    a note blanked after it was written ends one steady spell only: the full run that
    finds nothing to write records the register afresh (issue 15, core.steady)."""
    harness = MemoryHarness()
    ws = settled(harness)
    harness.set_cell("Check-ins", 2, "Notes", "")  # nothing there before: None -> ""
    assert run_sync(ws, clock=NOON_UTC).steady  # blank is blank
    harness.set_cell("Referrals", 2, "Notes", "call back on Monday")
    assert not run_sync(ws, clock=NOON_UTC).steady
    assert run_sync(ws, clock=NOON_UTC).steady
    harness.set_cell("Referrals", 2, "Notes", "")  # a note blanked: changes nothing made
    first = run_sync(ws, clock=NOON_UTC)
    assert not first.steady and first.cells_written == 0
    assert run_sync(ws, clock=NOON_UTC).steady
    # Recorded afresh once per edit, not on every run: a register that reads otherwise
    # than it was recorded (here: a record spoilt by hand) costs full runs, never a
    # write each run.
    writes = harness.register.writes
    state = SyncState.from_rows(harness.register.tabs[STATE_TAB])
    record = steady.SteadyRecord.from_json(state.steady)
    assert record is not None and record.refreshed_from  # the blanked note's run
    record.register_digest = "0" * 32  # as if it never read as written
    state.steady = record.to_json()
    harness.register.tabs[STATE_TAB] = [list(r) for r in state.to_rows()]
    for _ in range(3):
        assert not run_sync(ws, clock=NOON_UTC).steady
    assert harness.register.writes == writes
    # sheetsync's own "" (a status it empties) reads back as an empty cell.
    assert steady.register_digest(_snapshot([["a", ""]]), context="", state_rows=[]) == \
        steady.register_digest(_snapshot([["a", None]]), context="", state_rows=[])


def _snapshot(rows: list[list[Any]]) -> Any:
    from sheetsync.core.ports import RawRow, RawTab, RegisterSnapshot
    return RegisterSnapshot(tabs=(RawTab("T", ("h1", "h2"), tuple(
        RawRow(n, tuple(r)) for n, r in enumerate(rows, start=2))),))
