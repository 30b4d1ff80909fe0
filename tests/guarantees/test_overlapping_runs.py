"""Overlapping runs: two syncs on one register never act at once. One runs, the other
stops with exit code 3 and says why; a lock left by a crashed run expires by itself."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
from collections import Counter
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from builders import NOON_UTC, PARTNER, TODAY, checkin, referral, tables
from contract.local_harness import LocalHarness
from google_harness import GoogleHarness
from gutil import Gate, GatedStore, Kill, later

from sheetsync.backends.google.lease import LOCK_TAB
from sheetsync.backends.local.runlock import lock_path
from sheetsync.cli.main import main
from sheetsync.core.lock import LOCK_TTL, LockHolder
from sheetsync.core.ports import Workspace
from sheetsync.engine import SyncReport, run_sync
from sheetsync.errors import BusyError, ExitCode
from sheetsync.testing.memory import MemoryRegister, memory_workspace
from sheetsync.workspace.local_init import init_local

REGISTER = dict(partners=[PARTNER], referrals=[referral()],
                checkins=[checkin(), checkin(Client="Bo Berg")])


def sync(ws: Workspace, clock: Any = NOON_UTC) -> SyncReport:
    return run_sync(ws, clock=clock)


def overlap(first: Workspace, second: Workspace, gate: Gate) -> tuple[Any, Any]:
    """Run ``first`` until it is inside its calendar changes (holding the lock), then run
    ``second`` to the end, then let ``first`` finish. Returns both outcomes."""
    outcome: dict[str, Any] = {}

    def run_first() -> None:
        try:
            outcome["first"] = sync(first)
        except BaseException as exc:
            outcome["first"] = exc

    thread = threading.Thread(target=run_first, name="first sync")
    thread.start()
    assert gate.inside.wait(10), "the first sync never reached the calendar"
    try:
        outcome["second"] = sync(second)
    except BusyError as exc:
        outcome["second"] = exc
    finally:
        gate.go.set()
        thread.join(10)
    return outcome["first"], outcome["second"]


def assert_busy(exc: Any) -> None:
    assert isinstance(exc, BusyError), exc
    assert exc.exit_code == ExitCode.BUSY
    assert "Another sync is already running" in exc.message
    assert "changed nothing" in exc.message
    assert "expires by itself" in exc.advice


# ------------------------------------------------------------------------ memory


def memory_pair() -> tuple[Workspace, Workspace, Gate, MemoryRegister]:
    register = MemoryRegister(tables(**REGISTER))
    base = memory_workspace(register)
    gate = Gate()
    first = Workspace(register, GatedStore(base.calendar, gate), base.mailbox, base.namespace)
    second = Workspace(register, base.calendar, base.mailbox, base.namespace)
    return first, second, gate, register


def test_memory_two_syncs_at_once_one_runs_the_other_is_busy() -> None:
    first, second, gate, register = memory_pair()
    done, busy = overlap(first, second, gate)
    assert isinstance(done, SyncReport) and done.failed == 0
    assert done.created["event"] == 2 and done.created["draft"] == 3
    assert_busy(busy)
    assert register.lock_holder is None  # given back
    store = second.calendar.items  # type: ignore[attr-defined]
    assert len(store) == 2
    # The next run finds everything done: nothing new, nothing written.
    again = sync(second)
    assert sum(again.created.values()) == sum(again.updated.values()) == 0
    assert again.cells_written == 0


def test_memory_syncs_started_together_never_duplicate() -> None:
    """No gate: whichever way the threads interleave, nothing is made twice and every
    run either finishes or says it is busy."""
    for _ in range(10):
        register = MemoryRegister(tables(**REGISTER))
        base = memory_workspace(register)
        outcomes: list[Any] = []
        barrier = threading.Barrier(2)

        def run(base: Workspace = base, barrier: threading.Barrier = barrier,
                outcomes: list[Any] = outcomes) -> None:
            barrier.wait()
            try:
                outcomes.append(sync(base))
            except BusyError as exc:
                outcomes.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert len(outcomes) == 2
        assert all(isinstance(o, (SyncReport, BusyError)) for o in outcomes)
        made = Counter(o.created["event"] for o in outcomes if isinstance(o, SyncReport))
        assert sum(k * n for k, n in made.items()) == 2  # two events in all, made once
        assert len(base.calendar.items) == 2  # type: ignore[attr-defined]
        assert len(base.mailbox.items) == 3  # type: ignore[attr-defined]


def test_memory_expired_lock_is_taken_over_and_a_live_one_is_not() -> None:
    ws, register = memory_workspace(MemoryRegister(tables(**REGISTER))), None
    register = ws.register
    assert isinstance(register, MemoryRegister)
    crashed = LockHolder.new(NOON_UTC() - LOCK_TTL - dt.timedelta(minutes=1))
    register.lock_holder = crashed
    report = sync(ws)
    assert report.created["event"] == 2
    assert register.lock_holder is None

    started = NOON_UTC() - dt.timedelta(minutes=5)  # a run on another cron host
    register.lock_holder = LockHolder("run-b", "cron-host-b", 4242, started,
                                      started + LOCK_TTL)
    register.set("Check-ins", 2, "Treatment date", TODAY + dt.timedelta(days=1))
    with pytest.raises(BusyError) as busy:
        sync(ws)
    assert "expires by itself at 2026-11-22 12:25 UTC" in busy.value.advice
    # Half an hour later the lock has expired by itself and the change goes through.
    report = sync(ws, later(NOON_UTC, minutes=30))
    assert report.updated["event"] == 1


def test_quiet_run_takes_no_lock() -> None:
    ws = memory_workspace(MemoryRegister(tables(**REGISTER)))
    sync(ws)
    register = ws.register
    assert isinstance(register, MemoryRegister)
    register.lock_holder = LockHolder("run-b", "cron-host-b", 4242, NOON_UTC(),
                                      NOON_UTC() + LOCK_TTL)  # another host is running
    report = sync(ws)  # nothing to change: reading is harmless, so no lock and no error
    assert report.cells_written == 0 and not report.write_refused


def test_a_sync_that_finished_meanwhile_is_not_redone() -> None:
    """A run that read before another run wrote plans again under the lock, so it does
    not redo (or re-record) what the other one did."""
    register = MemoryRegister(tables(**REGISTER))
    ws = memory_workspace(register)
    stale = register.read()
    sync(ws)  # the other run, start to finish
    reads = register.reads
    from sheetsync.core.lock import RunLockHandle

    handle = RunLockHandle(register, NOON_UTC)
    assert handle.hold(stale) is False  # the engine then reads again
    handle.release()
    report = sync(ws)
    assert register.reads == reads + 1
    assert sum(report.created.values()) == 0


# ------------------------------------------------------------------------- local


def local_pair(tmp_path: Path) -> tuple[Workspace, Workspace, Gate, LocalHarness]:
    h = LocalHarness(tmp_path)
    base = h.workspace(tables(**REGISTER))
    from sheetsync.backends.local import open_local_workspace

    other = open_local_workspace(h.xlsx, h.ics, h.drafts, h.sent)  # another cron host
    gate = Gate()
    first = Workspace(base.register, GatedStore(base.calendar, gate), base.mailbox,
                      base.namespace)
    return first, other, gate, h


def test_local_two_syncs_at_once_one_runs_the_other_is_busy(tmp_path: Path) -> None:
    first, second, gate, h = local_pair(tmp_path)
    done, busy = overlap(first, second, gate)
    assert isinstance(done, SyncReport) and done.failed == 0 and not done.write_refused
    assert_busy(busy)
    assert "register.xlsx" in busy.message
    assert not lock_path(h.xlsx).exists()
    assert len(h.live_events()) == 2 and len(h.live_drafts()) == 3
    again = sync(second)
    assert sum(again.created.values()) == 0 and again.cells_written == 0


def write_lock(path: Path, holder: LockHolder) -> None:
    lock_path(path).write_text(json.dumps(dict(holder.fields())), encoding="utf-8")


def test_local_stale_lock_files_are_taken_over(tmp_path: Path) -> None:
    h = LocalHarness(tmp_path)
    ws = h.workspace(tables(**REGISTER))
    write_lock(h.xlsx, LockHolder.new(NOON_UTC() - dt.timedelta(hours=2)))
    assert sync(ws).created["event"] == 2
    assert not lock_path(h.xlsx).exists()
    assert not [p.name for p in tmp_path.iterdir() if "sheetsync-lock" in p.name]

    # A live lock from this computer whose process has ended is stale at once.
    dead = LockHolder("dead-run", socket.gethostname(), 2**22 + 12345,
                      NOON_UTC(), NOON_UTC() + LOCK_TTL)
    write_lock(h.xlsx, dead)
    h.set_cell("Check-ins", 2, "Treatment date", TODAY + dt.timedelta(days=2))
    if os.name == "posix":
        assert sync(ws).updated["event"] == 1

    # An unreadable lock file (half-written by a crashed run long ago) is stale too.
    lock_path(h.xlsx).write_text("{", encoding="utf-8")
    old = (NOON_UTC() - dt.timedelta(hours=1)).timestamp()
    os.utime(lock_path(h.xlsx), (old, old))
    h.set_cell("Check-ins", 3, "Treatment date", TODAY + dt.timedelta(days=2))
    assert sync(ws).updated["event"] == 1


def test_local_cli_exits_3_with_a_clear_message_while_locked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ws"
    init_local(folder, sample=True, today=dt.date.today())
    config = str(folder / "sheetsync.toml")
    now = dt.datetime.now(dt.timezone.utc)
    write_lock(folder / "register.xlsx", LockHolder("cron-a", "clinic-server", 4242,
                                                    now, now + LOCK_TTL))
    assert main(["sync", "--config", config]) == ExitCode.BUSY
    err = capsys.readouterr().err
    assert "Another sync is already running on register.xlsx" in err
    assert "clinic-server (process 4242)" in err
    assert not list((folder / "drafts").glob("*.eml"))  # nothing was made
    # A lock from a run that crashed an hour ago has expired: this run takes it over.
    write_lock(folder / "register.xlsx", LockHolder("cron-a", "clinic-server", 4242,
                                                    now - dt.timedelta(hours=1),
                                                    now - dt.timedelta(minutes=30)))
    assert main(["sync", "--config", config]) == ExitCode.ROW_PROBLEMS  # the sample's rows
    assert list((folder / "drafts").glob("*.eml"))
    assert not lock_path(folder / "register.xlsx").exists()


# ------------------------------------------------------------------------ google


def sheet_titles(h: GoogleHarness) -> list[str]:
    ss = h.fake.sheets.spreadsheets[h.sid]
    return [s.title for s in ss.sheets]


def test_google_two_syncs_at_once_one_runs_the_other_is_busy() -> None:
    h = GoogleHarness()
    h.workspace(tables(**REGISTER))
    first = h.open()  # two machines: two clients on one spreadsheet
    second = h.open()
    gate = Gate()

    def hold_first(request: Any) -> None:
        if request.api == "calendar" and threading.current_thread().name == "first sync" \
                and not gate.inside.is_set():
            gate.pass_through()

    h.fake.before_request(hold_first)
    done, busy = overlap(first, second, gate)
    assert isinstance(done, SyncReport) and done.failed == 0 and not done.write_refused
    assert_busy(busy)
    assert "Google Sheet" in busy.message
    assert LOCK_TAB not in sheet_titles(h)
    assert len(h.live_events()) == 2 and len(h.fake.gmail.draft_list()) == 3
    again = sync(second)
    assert sum(again.created.values()) == 0 and again.cells_written == 0


def test_google_lock_costs_one_call_on_a_writing_run_and_none_on_a_quiet_one() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(**REGISTER))
    h.fake.reset_counters()
    sync(ws)
    updates = [r.json()["requests"] for r in h.fake.log
               if r.method_id.endswith("spreadsheets.batchUpdate")]
    assert len(updates) == 2  # take the lock; the write, which gives it back
    assert "addSheet" in updates[0][0] and LOCK_TAB in json.dumps(updates[0])
    assert "updateCells" in json.dumps(updates[1]) and "deleteSheet" in updates[1][-1]
    assert LOCK_TAB not in sheet_titles(h)
    # The state probe in the lock's answer found the read current: no second read.
    assert h.fake.calls["sheets", "spreadsheets.get"] == 1
    h.fake.reset_counters()
    sync(ws)
    assert not [r for r in h.fake.log if r.method_id.endswith("batchUpdate")]
    h.set_cell("Check-ins", 2, "Treatment date", TODAY + dt.timedelta(days=1))
    h.fake.reset_counters()
    sync(ws)  # a writing run on an existing state tab: still one read, one lock call
    assert h.fake.calls["sheets", "spreadsheets.get"] == 1
    assert h.fake.calls["sheets", "spreadsheets.batchUpdate"] == 2


def test_google_lock_given_back_alone_when_the_register_is_not_written() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(**REGISTER))
    # The lock is taken (the first batchUpdate); the write fails once, and its retries
    # cannot read the tabs again: the write is refused.
    h.fake.faults.add("sheets", "spreadsheets.batchUpdate", 503, times=1, skip=1)
    h.fake.faults.add("sheets", "spreadsheets.values.batchGet", 503, times=None)
    report = sync(ws)
    assert report.write_refused
    assert LOCK_TAB not in sheet_titles(h)
    h.fake.faults.clear()
    assert sync(ws).failed == 0


def test_google_lock_left_by_a_crashed_run_expires_by_itself() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(**REGISTER))
    killed: list[bool] = []

    def power_cut(request: Any) -> None:
        if request.method_id == "calendar.events.insert" or killed:
            killed.append(True)
            raise Kill()

    h.fake.before_request(power_cut)
    with pytest.raises(Kill), mock.patch("socket.gethostname", return_value="cron-b"):
        sync(ws)  # on another cron host
    h.fake.remove_hook(power_cut)
    assert LOCK_TAB in sheet_titles(h)  # the crashed run could not give it back

    with pytest.raises(BusyError) as busy:
        sync(h.open())
    assert "expires by itself at 2026-11-22 12:30 UTC" in busy.value.advice
    report = sync(h.open(), later(NOON_UTC, minutes=31))
    assert report.created["event"] == 2 and report.failed == 0
    assert LOCK_TAB not in sheet_titles(h)


def test_google_two_runs_taking_over_the_same_stale_lock_one_wins() -> None:
    """Both find the same expired lock; the replace is atomic, so the second fails."""
    h = GoogleHarness()
    h.workspace(tables(**REGISTER))
    a, b = h.open(), h.open()
    snap_a, snap_b = a.register.read(), b.register.read()
    stale = LockHolder.new(NOON_UTC() - dt.timedelta(hours=1))
    assert a.register.acquire_lock(snap_a, stale, NOON_UTC() - dt.timedelta(hours=1))  # type: ignore[attr-defined]
    a.register._lock_sheet_id = None  # type: ignore[attr-defined]  # "crashed"

    later_now = NOON_UTC()
    first_b_read: list[bool] = []

    def a_takes_over_just_before_b_does(request: Any) -> None:
        # B judged the lock stale and sends its replace; A's replace lands first.
        body = request.json() if request.method_id.endswith("spreadsheets.batchUpdate") \
            else None
        if body and body["requests"][0].get("deleteSheet") and not first_b_read \
                and threading.current_thread().name == "B":
            first_b_read.append(True)
            assert a.register.acquire_lock(snap_a, LockHolder.new(later_now), later_now) \
                is True  # type: ignore[attr-defined]

    h.fake.before_request(a_takes_over_just_before_b_does)
    outcome: list[Any] = []

    def run_b() -> None:
        try:
            outcome.append(b.register.acquire_lock(snap_b, LockHolder.new(later_now), later_now))  # type: ignore[attr-defined]
        except BusyError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run_b, name="B")
    thread.start()
    thread.join(10)
    assert first_b_read and isinstance(outcome[0], BusyError)
    assert "at the same moment" in outcome[0].message
    assert sheet_titles(h).count(LOCK_TAB) == 1


def test_a_lock_left_by_a_run_of_this_computer_that_ended_is_taken_over_at_once() -> None:
    """Same computer, run ended (crashed, or Google never let it give the lock back): no
    need to wait for the expiry; the next run takes over and recovers its drafts."""
    h = GoogleHarness()
    ws = h.workspace(tables(**REGISTER))

    def power_cut(request: Any) -> None:
        if request.api == "gmail":
            raise Kill()

    h.fake.before_request(power_cut)
    with pytest.raises(Kill):
        sync(ws)
    h.fake.remove_hook(power_cut)
    assert LOCK_TAB in sheet_titles(h)
    report = sync(h.open())  # same clock: not expired, but its run is gone
    assert report.failed == 0 and report.created["draft"] == 3
    assert LOCK_TAB not in sheet_titles(h)
