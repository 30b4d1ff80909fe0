"""``sync --max-minutes``: a run that reaches its time limit stops between batches,
records everything it made in its one write, says what is left and exits 1; the next run
goes on from there and ends exactly where one uninterrupted run ends: the same calendar,
drafts and register, nothing made twice.

Time is the run's ``timer``: here one that moves 20 s each time the run looks at it, so
a run capped at one minute makes a fixed number of slices of changes (a cap keeps 5 s
for the write), whatever the machine's speed.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from builders import NOON_UTC, TODAY
from contract.harness import MemoryHarness
from google_harness import KEY_HEADER, GoogleHarness
from gutil import later

from sheetsync.cli.console import exit_code, show_report
from sheetsync.engine import run_sync
from sheetsync.testing.bulk import bulk_register

ROWS = 80
DATA_TABS = ("Partners", "Referrals", "Check-ins")


def ticking(step: float) -> Callable[[], float]:
    now = [0.0]

    def timer() -> float:
        now[0] += step
        return now[0]

    return timer


def make(backend: str) -> Any:
    h = GoogleHarness() if backend == "google" else MemoryHarness()
    h.ws = h.workspace(bulk_register(ROWS, TODAY))
    return h


def outcome(h: Any) -> tuple[Any, ...]:
    tabs = tuple(tuple(tuple(r) for r in h.tab(t)) for t in DATA_TABS)
    return tabs, h.live_events(), h.live_drafts()


@pytest.mark.parametrize("backend", ["memory", "google"])
def test_a_run_stopped_by_max_minutes_is_resumed_exactly(backend: str) -> None:
    whole = make(backend)
    run_sync(whole.ws, clock=NOON_UTC)
    expected = outcome(whole)
    events, drafts = len(expected[1]), len(expected[2])
    assert events > 50 and drafts > 25

    h = make(backend)
    first = run_sync(h.ws, clock=NOON_UTC, max_minutes=1, timer=ticking(20.0))
    made = first.created["event"] + first.created["draft"]
    assert first.left and made > 0
    assert first.created["event"] + first.left["event"] == events
    assert first.created["draft"] + first.left["draft"] == drafts
    assert first.failed == 0
    assert exit_code(first) == 1
    # Everything made is in the calendar and mailbox, and recorded.
    assert len(h.live_events()) == first.created["event"]
    assert len(h.live_drafts()) == first.created["draft"]
    assert first.as_json()["left"] == {"events": first.left["event"],
                                       "drafts": first.left["draft"]}

    second = run_sync(h.ws, clock=later(NOON_UTC, minutes=10))
    assert not second.left and second.failed == 0
    assert second.created["event"] == first.left["event"]  # only what was left
    assert second.created["draft"] == first.left["draft"]
    assert second.updated["event"] == second.updated["draft"] == 0
    assert outcome(h) == expected
    if backend == "google":
        keys = Counter(e["extendedProperties"]["private"]["sheetsync_key"]
                       for e in h.fake.calendar.events("primary"))
        assert max(keys.values()) == 1
        drafts_by_key = Counter(d["headers"].get(KEY_HEADER) for d in h.fake.gmail.draft_list())
        assert max(drafts_by_key.values()) == 1
    third = run_sync(h.ws, clock=later(NOON_UTC, minutes=20))
    assert not (third.created or third.updated or third.cells_written)


def test_a_run_within_its_limit_is_a_whole_run() -> None:
    h = make("memory")
    report = run_sync(h.ws, clock=NOON_UTC, max_minutes=60, timer=ticking(1.0))
    assert not report.left and report.failed == 0
    assert report.created["event"] > 50 and report.created["draft"] > 25


def test_what_is_left_is_said_in_the_table_the_log_line_and_json() -> None:
    h = make("memory")
    report = run_sync(h.ws, clock=NOON_UTC, max_minutes=1, timer=ticking(20.0))
    assert report.left
    text = report.left_text
    assert text.endswith("left: the next run goes on")
    assert f"{report.left['draft']:,} drafts" in text or not report.left["draft"]
    table, line, as_json = io.StringIO(), io.StringIO(), io.StringIO()
    show_report(report, "register", table, style="table")
    show_report(report, "register", line, style="line")
    show_report(report, "register", as_json, as_json=True)
    assert f"Time limit         {text}" in table.getvalue()
    assert f"left_drafts={report.left['draft']}" in line.getvalue()
    assert "result=attention" in line.getvalue() and text in line.getvalue()
    assert json.loads(as_json.getvalue())["left"]["drafts"] == report.left["draft"]


def test_rows_left_for_the_next_run_keep_their_cells_but_get_their_ids() -> None:
    h = make("memory")
    report = run_sync(h.ws, clock=NOON_UTC, max_minutes=1, timer=ticking(20.0))
    assert report.left
    ids = [row[0] for row in h.tab("Check-ins")[1:]]
    assert all(ids), "every new row got its ID in the one write"
