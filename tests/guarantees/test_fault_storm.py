"""API faults: under a storm of 429s (with Retry-After), 500s, 503s and timeouts from every
Google API, a sync finishes within a bounded time, makes nothing twice, and the next
run completes the rest: it ends exactly where a sync without faults ends.

Waits are recorded, not slept (the retry policy takes an injected sleep and clock), so
"bounded" is checked on the policy's own clock, and the test stays fast.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from typing import Any
from unittest import mock

from builders import NOON_UTC, PARTNER, TODAY, checkin, referral, tables
from google_harness import KEY_HEADER, GoogleHarness, no_wait_policy
from gutil import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.engine import run_sync
from sheetsync.errors import BusyError

APIS = ["sheets", "calendar", "gmail"]
FAULTS = st.one_of(
    st.tuples(st.just("429"), st.sampled_from([None, 1, 5, 30])),  # Retry-After seconds
    st.tuples(st.just("500"), st.none()),
    st.tuples(st.just("503"), st.none()),
    st.tuples(st.just("timeout"), st.booleans()),  # True: the request was applied
)
STORM = st.lists(st.tuples(st.sampled_from(APIS), FAULTS, st.integers(1, 6),
                           st.integers(0, 4)), min_size=1, max_size=6)
ENDED_PROCESS = 2**22 + 12345  # above Linux's pid_max: no such process
# One sync makes at most this many retried operations (reads, lock, observe, batches, the
# write); each may wait at most the policy's budget.
MAX_OPERATIONS = 40


def register() -> dict[str, Any]:
    return tables(
        partners=[PARTNER, {"Name": "Dr Nia Nurture", "Email": "nia@n.example",
                            "Stage": "Nurturing", "Last contact": TODAY - dt.timedelta(days=3)}],
        referrals=[referral(**{"Consent to share": "Yes"}),
                   referral(Client="Sam Sent", Direction="Sent")],
        checkins=[checkin(Client=f"Client {i}", **{"Client email": f"c{i}@mail.example",
                                                   "Treatment date": TODAY - dt.timedelta(days=i)})
                  for i in range(4)])


def outcome(h: GoogleHarness) -> tuple[Any, ...]:
    tabs = tuple(tuple(tuple(r) for r in h.tab(t)) for t in ("Partners", "Referrals",
                                                             "Check-ins"))
    return tabs, h.live_events(), h.live_drafts()


def assert_nothing_twice(h: GoogleHarness) -> None:
    events = Counter(e.get("extendedProperties", {}).get("private", {}).get("sheetsync_key")
                     for e in h.fake.calendar.events("primary"))
    drafts = Counter(d["headers"].get(KEY_HEADER) for d in h.fake.gmail.draft_list())
    assert max(events.values(), default=1) == 1, events
    assert max(drafts.values(), default=1) == 1, drafts
    assert h.fake.gmail.api_sends == 0  # never sent, storm or not


def clean_run() -> tuple[Any, ...]:
    h = GoogleHarness()
    run_sync(h.workspace(register()), clock=NOON_UTC)
    return outcome(h)


EXPECTED: list[tuple[Any, ...]] = []


@settings(max_examples=examples(12), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(storm=STORM)
def test_a_fault_storm_ends_in_bounded_time_and_the_next_run_completes_the_rest(
        storm: list[tuple[str, tuple[str, Any], int, int]]) -> None:
    if not EXPECTED:
        EXPECTED.append(clean_run())
    waits: list[float] = []
    h = GoogleHarness(policy=no_wait_policy(waits))
    ws = h.workspace(register())
    for api, (kind, extra), times, skip in storm:
        if kind == "timeout":
            h.fake.faults.add(api, None, timeout=True, applied=bool(extra), times=times,
                              skip=skip)
        elif kind == "429":
            h.fake.faults.add(api, None, 429, retry_after=extra, times=times, skip=skip)
        else:
            h.fake.faults.add(api, None, int(kind), times=times, skip=skip)

    started = time.monotonic()
    # The stormy run is an earlier cron process: if Google never let it give its lock
    # back, the next run (another process, same computer) sees that and takes it over.
    with mock.patch("os.getpid", return_value=ENDED_PROCESS):
        try:
            report = run_sync(ws, clock=NOON_UTC)
            assert report.failed == report.retry_later  # every failure: "try again later"
        except BusyError as exc:  # Sheets never answered: nothing done, exit 3
            assert "next sync" in exc.message or "again" in exc.advice, exc
    assert time.monotonic() - started < 20  # real time: nothing slept
    assert sum(waits) <= MAX_OPERATIONS * h.policy.budget  # policy time: bounded
    assert all(w <= max(h.policy.max_delay, 30) for w in waits)  # Retry-After honoured
    assert_nothing_twice(h)

    h.fake.faults.clear()
    after = run_sync(ws, clock=NOON_UTC)
    assert after.failed == 0 and not after.write_refused
    assert outcome(h) == EXPECTED[0]
    assert_nothing_twice(h)
    quiet = run_sync(ws, clock=NOON_UTC)
    assert quiet.cells_written == 0 and sum(quiet.created.values()) == 0


def test_retry_after_is_waited_for_exactly() -> None:
    waits: list[float] = []
    h = GoogleHarness(policy=no_wait_policy(waits))
    ws = h.workspace(register())
    h.fake.faults.add("calendar", None, 429, retry_after=17, times=1)
    report = run_sync(ws, clock=NOON_UTC)
    assert report.failed == 0
    assert 17.0 in waits
