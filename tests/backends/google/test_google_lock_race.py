"""Two syncs at once on Google: the losing run reads the lock tab just as the winner's
write deletes it. Google then answers 400 "Unable to parse range"; that is the lock
given back, not a configuration problem (issue 17 item 12)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from builders import NOON_UTC, PARTNER, checkin, referral, tables
from google_harness import GoogleHarness

from sheetsync.backends.google.lease import LOCK_TAB
from sheetsync.core.lock import LockHolder
from sheetsync.engine import SyncReport, run_sync
from sheetsync.errors import BusyError, RegisterShapeError

REGISTER = dict(partners=[PARTNER], referrals=[referral()],
                checkins=[checkin(), checkin(Client="Bo Berg")])


def reads_lock_tab(request: Any) -> bool:
    if not request.method_id.endswith("spreadsheets.values.batchGet"):
        return False
    return any(LOCK_TAB in r for r in request.query.get("ranges", []))


def test_lock_tab_deleted_between_metadata_and_read_is_not_a_config_problem() -> None:
    h = GoogleHarness()
    h.workspace(tables(**REGISTER))
    a, b = h.open(), h.open()
    snap_a, snap_b = a.register.read(), b.register.read()
    holder_a = LockHolder.new(NOON_UTC())
    assert a.register.acquire_lock(snap_a, holder_a, NOON_UTC())  # type: ignore[attr-defined]
    released: list[bool] = []

    def winner_gives_back_just_before_b_reads(request: Any) -> None:
        if reads_lock_tab(request) and threading.current_thread().name == "B" \
                and not released:
            released.append(True)
            a.register.release_lock(holder_a)  # type: ignore[attr-defined]

    h.fake.before_request(winner_gives_back_just_before_b_reads)
    outcome: list[Any] = []

    def run_b() -> None:
        try:
            outcome.append(b.register.acquire_lock(  # type: ignore[attr-defined]
                snap_b, LockHolder.new(NOON_UTC()), NOON_UTC()))
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run_b, name="B")
    thread.start()
    thread.join(10)
    assert released, "B never read the lock tab"
    assert not isinstance(outcome[0], RegisterShapeError), outcome[0]
    # The lock was given back: B tries again and takes it.
    assert outcome[0] in (True, False), outcome[0]
    assert [t for t in (s.title for s in h.fake.sheets.spreadsheets[h.sid].sheets)
            if t == LOCK_TAB] == [LOCK_TAB]  # B's own lock now
    b.register.release_lock(LockHolder.new(NOON_UTC()))  # type: ignore[attr-defined]


def test_a_missing_data_tab_is_still_a_configuration_problem() -> None:
    """Narrow: only the lock tab's "Unable to parse range" means "given back"; a data
    tab Google cannot find stays a problem of the register's shape (exit 2)."""
    h = GoogleHarness()
    ws = h.workspace(tables(**REGISTER))
    reg: Any = ws.register
    reg.read()
    with pytest.raises(RegisterShapeError) as refused, reg._errors("read"):
        reg._batch_get(["Referals"])
    assert refused.value.exit_code == 2


def test_two_full_syncs_racing_on_the_lock_tab_never_exit_2() -> None:
    """End to end: the losing run's read of the lock tab finds it deleted by the
    winner's write. The losing run ends well or busy; nothing is made twice."""
    h = GoogleHarness()
    h.workspace(tables(**REGISTER))
    first, second = h.open(), h.open()
    snap = first.register.read()
    holder = LockHolder.new(NOON_UTC())
    assert first.register.acquire_lock(snap, holder, NOON_UTC())  # type: ignore[attr-defined]

    def winner_gives_back(request: Any) -> None:
        if reads_lock_tab(request) and threading.current_thread().name == "second" \
                and LOCK_TAB in [s.title for s in h.fake.sheets.spreadsheets[h.sid].sheets]:
            first.register.release_lock(holder)  # type: ignore[attr-defined]

    h.fake.before_request(winner_gives_back)
    outcome: list[Any] = []

    def run_second() -> None:
        try:
            outcome.append(run_sync(second, clock=NOON_UTC))
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run_second, name="second")
    thread.start()
    thread.join(30)
    assert outcome and isinstance(outcome[0], (SyncReport, BusyError)), outcome
    if isinstance(outcome[0], SyncReport):
        assert outcome[0].failed == 0
        assert len(h.live_events()) == 2 and len(h.fake.gmail.draft_list()) == 3
    assert LOCK_TAB not in [s.title for s in h.fake.sheets.spreadsheets[h.sid].sheets]
