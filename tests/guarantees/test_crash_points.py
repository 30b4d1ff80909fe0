"""Crashes: a sync killed between any two external calls (every point, enumerated), then
run again, ends exactly where an uninterrupted sync ends: same calendar, same drafts,
same register, nothing twice. The local workbook is never left half-written.

"Killed" is ``Kill``, a BaseException: nothing inside sheetsync catches it, as with a
power cut or ``kill -9``. The run after a crash uses a clock 31 minutes later, so a run
lock the killed run could not give back has expired.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from builders import NOON_UTC, PARTNER, TODAY, checkin, referral, tables
from contract.harness import MemoryHarness
from contract.local_harness import LocalHarness
from google_harness import KEY_HEADER, GoogleHarness
from gutil import Kill, counted, later

from sheetsync.core.ports import (
    Workspace,
)
from sheetsync.engine import run_sync

DATA_TABS = ("Partners", "Referrals", "Check-ins")


def first_register() -> dict[str, Any]:
    return tables(
        partners=[PARTNER,
                  {"Name": "Dr Nia Nurture", "Email": "nia@n.example", "Stage": "Nurturing",
                   "Last contact": TODAY - dt.timedelta(days=3)},
                  {"Name": "Dr Pia Prospect", "Email": "pia@p.example", "Stage": "Prospect",
                   "Introduced by": "Dr Carol Webster"}],
        referrals=[referral(**{"Consent to share": "Yes"}),
                   referral(Client="Sam Sent", Direction="Sent")],
        checkins=[checkin(), checkin(Client="Bo Berg", **{"Client email": "bo@mail.example"})])


def second_day(h: Any) -> None:
    """What happens between two syncs: staff edit, the owner sends and deletes."""
    h.set_cell("Check-ins", 2, "Treatment date", TODAY - dt.timedelta(days=1))
    h.insert_row("Check-ins", 4, ["", "Cy Cole", "cy@mail.example", "", "Microneedling",
                                  TODAY.isoformat()])
    h.send_draft("R-0001/thank-you", TODAY)
    h.delete_event("R-0002/follow-up")


def outcome(h: Any) -> tuple[Any, ...]:
    tabs = tuple(tuple(tuple(r) for r in h.tab(t)) for t in DATA_TABS)
    return tabs, h.live_events(), h.live_drafts()


def no_duplicates(h: Any) -> None:
    if h.name == "google":
        events = Counter(e.get("extendedProperties", {}).get("private", {})
                         .get("sheetsync_key") for e in h.fake.calendar.events("primary"))
        drafts = Counter(d["headers"].get(KEY_HEADER) for d in h.fake.gmail.draft_list())
        sent = Counter(m["headers"].get(KEY_HEADER) for m in h.fake.gmail.message_list("SENT"))
        assert max(events.values(), default=1) == 1, events
        assert max((drafts + sent).values(), default=1) == 1, drafts + sent
    elif h.name == "local":
        names = [p.name for p in h.drafts.glob("*.eml")] + [p.name for p in h.sent.glob("*.eml")]
        assert len(names) == len(set(names))
        assert not [p for p in h.folder.iterdir() if p.name.endswith(".sheetsync-tmp")]


# --------------------------------------------------------------------- the scenarios


Setup = Callable[[Any], Workspace]


def fresh_start(h: Any) -> Workspace:
    ws: Workspace = h.workspace(first_register())
    return ws


def next_day(h: Any) -> Workspace:
    ws: Workspace = h.workspace(first_register())
    run_sync(ws, clock=NOON_UTC)
    second_day(h)
    return ws


SCENARIOS = {"first sync": fresh_start, "second sync": next_day}


def crash_and_recover(make: Callable[[], Any], setup: Setup, kill_at: int,
                      monkeypatch: pytest.MonkeyPatch) -> tuple[Any, int]:
    """Kill the sync at external call ``kill_at``; run again. Returns the harness and how
    many calls the killed run had made (to know when every point was covered)."""
    h = make()
    ws = setup(h)
    counter = [0]
    dead = threading.Event()
    if h.name == "google":
        # Listings run ahead in a thread of their own (google/ahead.py), so calls are
        # counted under a lock and, as with a real kill, nothing after the kill point
        # reaches Google from any thread.
        counting = threading.Lock()

        def hook(request: Any) -> None:
            with counting:
                counter[0] += 1
                if counter[0] >= kill_at:
                    dead.set()
            if dead.is_set():
                raise Kill()

        h.fake.before_request(hook)
        target = ws
    else:
        target = counted(ws, counter, kill_at)
        if h.name == "local":
            real_replace = os.replace

            def replace(src: Any, dst: Any) -> None:
                counter[0] += 1
                if counter[0] == kill_at:
                    raise Kill()
                real_replace(src, dst)

            monkeypatch.setattr(os, "replace", replace)
    try:
        run_sync(target, clock=NOON_UTC)
        killed = dead.is_set()  # a listing killed ahead, then dropped: still a kill
    except Kill:
        killed = True
    finally:
        monkeypatch.undo()
        if h.name == "google":
            h.fake.remove_hook(hook)
    calls = counter[0]
    if killed:
        run_sync(ws, clock=later(NOON_UTC, minutes=31))
    return h, calls if not killed else -1


def harness_factory(name: str, tmp_path: Path) -> Callable[[], Any]:
    n = [0]

    def make() -> Any:
        n[0] += 1
        if name == "memory":
            return MemoryHarness()
        if name == "local":
            folder = tmp_path / f"run{n[0]}"
            folder.mkdir()
            return LocalHarness(folder)
        return GoogleHarness()

    return make


# The local backend (slowest) runs the next-day scenario only: the first sync's points
# are the same calls, which memory and Google cover.
@pytest.mark.parametrize(("backend", "scenario"), [
    ("memory", "first sync"), ("memory", "second sync"), ("local", "second sync"),
    ("google", "first sync"), ("google", "second sync")])
def test_killed_at_every_call_then_run_again_ends_as_if_never_killed(
        backend: str, scenario: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make = harness_factory(backend, tmp_path)
    setup = SCENARIOS[scenario]
    base = make()
    ws = setup(base)
    run_sync(ws, clock=NOON_UTC)
    expected = outcome(base)
    assert expected[1] and expected[2]  # the scenario makes events and drafts

    points = 0
    kill_at = 1
    while True:
        h, calls = crash_and_recover(make, setup, kill_at, monkeypatch)
        if calls >= 0:  # the run ended before call number kill_at: all points done
            break
        points += 1
        assert outcome(h) == expected, f"killed at call {kill_at}"
        no_duplicates(h)
        kill_at += 1
        assert kill_at < 200
    assert points >= 8  # reads, lock, observes, creates, updates, write...


# ------------------------------------------------------------ the local workbook, whole


def test_local_workbook_is_never_half_written(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    h = LocalHarness(tmp_path)
    ws = h.workspace(first_register())
    before = h.xlsx.read_bytes()
    real_replace = os.replace

    def failing_replace(src: Any, dst: Any) -> None:
        if str(dst).endswith("register.xlsx"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    report = run_sync(ws, clock=NOON_UTC)
    assert report.write_refused and "could not be saved" in report.write_refused
    assert h.xlsx.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".sheetsync-tmp")]

    # Killed in the middle of writing the new workbook: the old one is still whole.
    from openpyxl.workbook.workbook import Workbook

    monkeypatch.setattr(os, "replace", real_replace)
    real_save = Workbook.save

    def dies_half_way(self: Workbook, target: Any) -> None:
        if hasattr(target, "write"):
            target.write(b"PK\x03\x04 half a zip")
        raise Kill()

    monkeypatch.setattr(Workbook, "save", dies_half_way)
    with pytest.raises(Kill):
        run_sync(ws, clock=NOON_UTC)
    monkeypatch.setattr(Workbook, "save", real_save)
    assert h.xlsx.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".sheetsync-tmp")]
    report = run_sync(ws, clock=later(NOON_UTC, minutes=31))
    assert not report.write_refused and report.failed == 0
    assert h.tab("Check-ins")[1][0] == "C-0001"
    no_duplicates(h)


# ---------------------------------------- a draft made by a killed run, then sent


class _DiesOnWrite:
    """A register whose write never happens: the process dies there."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def write(self, *args: Any, **kw: Any) -> Any:
        raise Kill()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.mark.parametrize("backend", ["memory", "local", "google"])
def test_a_draft_made_by_a_killed_run_and_sent_since_is_never_made_again(
        backend: str, tmp_path: Path) -> None:
    """Killed after making the thank-you draft, before recording it; the owner sends that
    draft; the next run records it as sent (one thank-you in all), never makes it again."""
    h = harness_factory(backend, tmp_path)()
    ws = h.workspace(tables(partners=[PARTNER], referrals=[referral()]))
    if backend == "google":
        def dies_on_write(request: Any) -> None:
            body = request.body or b""
            if request.method_id.endswith("spreadsheets.batchUpdate") and \
                    b"updateCells" in body and b"_sheetsync_lock" not in body:
                raise Kill()

        h.fake.before_request(dies_on_write)
        with pytest.raises(Kill):
            run_sync(ws, clock=NOON_UTC)
        h.fake.remove_hook(dies_on_write)
    else:
        dying = Workspace(_DiesOnWrite(ws.register), ws.calendar,  # type: ignore[arg-type]
                          ws.mailbox, ws.namespace)
        with pytest.raises(Kill):
            run_sync(dying, clock=NOON_UTC)
    h.send_draft("R-0001/thank-you", TODAY)
    report = run_sync(ws, clock=NOON_UTC)  # same computer: the left lock is taken over
    assert report.failed == 0 and report.created["draft"] == 0
    assert h.live_drafts() == {}
    assert h.tab("Referrals")[1][h.tab("Referrals")[0].index("Thank-you")] == \
        f"sent on {TODAY.isoformat()}"
    no_duplicates(h)
    quiet = run_sync(ws, clock=NOON_UTC)
    assert quiet.cells_written == 0 and sum(quiet.created.values()) == 0
