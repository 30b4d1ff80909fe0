"""sheetsync paces itself under Google's per-minute quotas (``backends/google/pacer.py``).

The fake enforces each API's quota (``fake_google/quota.py``) with windows scaled down
(a minute's quota per ``WINDOW`` seconds: every ratio kept) and counts every refusal. A
first sync that makes events and drafts, with one API's quota made the tight one, ends
with everything made, no refusal, and no sooner than that quota allows: the pacer spends
the quota, it does not dodge it. Unpaced (today's sheetsync), the same run meets a storm
of 429s.
"""

from __future__ import annotations

import math
import re
import time
from pathlib import Path
from typing import Any

import pytest
from builders import NOON_UTC, TODAY
from google_harness import GoogleHarness

from sheetsync.backends.google import open_google_workspace
from sheetsync.backends.google.auth import SCOPES
from sheetsync.backends.google.pacer import (
    Pacer,
    forget_pacers,
    gmail_units,
    request_cost,
    shared_pacers,
)
from sheetsync.backends.google.retry import RetryPolicy
from sheetsync.core.config import GoogleConfig
from sheetsync.engine import run_sync
from sheetsync.testing.bulk import bulk_register
from sheetsync.testing.fake_google import FakeGoogle

WINDOW = 0.4
ROWS = 80  # 76 events (77 Calendar requests) and 31 drafts (~320 Gmail units)
ROOMY = {"sheets_per_minute": 300, "calendar_per_minute": 10_000,
         "gmail_units_per_minute": 1_000_000}
TIGHT = {"sheets_per_minute": 1, "calendar_per_minute": 15, "gmail_units_per_minute": 120}


def _workspace(fake: FakeGoogle, limits: dict[str, int], paced: bool, project: str) -> Any:
    h = GoogleHarness(fake, policy=RetryPolicy())  # real waits: the quota is real time
    typed = {t: [[("'" + c) if isinstance(c, str) and c else c for c in row] for row in rows]
             for t, rows in bulk_register(ROWS, TODAY).items()}
    h.sid = fake.sheets.create_spreadsheet("Clinic register", typed)
    pacers = shared_pacers(project, window=WINDOW, **limits) if paced else None
    h.ws = open_google_workspace(
        GoogleConfig(spreadsheet=h.sid), Path("."), session=fake.requests_session(),
        http=fake.http(), policy=h.policy, pacers=pacers)
    return h


@pytest.fixture(autouse=True)
def _fresh_pacers() -> Any:
    forget_pacers()
    yield
    forget_pacers()


@pytest.mark.parametrize("api", ["sheets", "calendar", "gmail"])
def test_first_sync_spends_each_api_quota_without_429s(api: str) -> None:
    key = {"sheets": "sheets_per_minute", "calendar": "calendar_per_minute",
           "gmail": "gmail_units_per_minute"}[api]
    limits = dict(ROOMY, **{key: TIGHT[key]})
    fake = FakeGoogle(scopes=SCOPES)
    fake.quotas.enforce(window=WINDOW, **limits)
    h = _workspace(fake, limits, paced=True, project=f"paced-{api}")
    started = time.monotonic()
    report = run_sync(h.ws, clock=NOON_UTC)
    elapsed = time.monotonic() - started
    assert report.failed == 0 and not report.left
    # (windows and history: a first sync makes only what is current)
    assert (report.created["event"], report.created["draft"]) == (76, 31)
    assert len(h.live_events()) == 76 and len(h.live_drafts()) == 31
    assert dict(fake.quotas.exceeded) == {}, "the pacer ran ahead of the quota"
    spent = fake.quotas.spent[api]
    if api == "sheets":
        spent = max(sum(1 for r in fake.log if r.api == "sheets" and r.http_method == "GET"),
                    sum(1 for r in fake.log if r.api == "sheets" and r.http_method != "GET"))
    # A sliding window lets a quota's worth go at once, then one more each window.
    least = (math.ceil(spent / TIGHT[key]) - 1) * WINDOW
    assert elapsed >= least * 0.95


def test_unpaced_the_same_sync_meets_a_storm_of_429s() -> None:
    """What the pacer prevents (and today's sheetsync did): batches of 50 straight into
    a quota of 15 a window, then backoff and retries."""
    limits = dict(ROOMY, calendar_per_minute=TIGHT["calendar_per_minute"])
    fake = FakeGoogle(scopes=SCOPES)
    fake.quotas.enforce(window=WINDOW, **limits)
    h = _workspace(fake, limits, paced=False, project="unpaced")
    h.policy.base_delay = 0.05
    run_sync(h.ws, clock=NOON_UTC)
    assert fake.quotas.exceeded["calendar"] > 20


def test_calendar_and_gmail_go_side_by_side() -> None:
    """Each API's quota is separate: while Calendar waits for its quota, Gmail works."""
    limits = dict(ROOMY, calendar_per_minute=15, gmail_units_per_minute=130)
    fake = FakeGoogle(scopes=SCOPES)
    fake.quotas.enforce(window=WINDOW, **limits)
    h = _workspace(fake, limits, paced=True, project="both")
    run_sync(h.ws, clock=NOON_UTC)
    assert dict(fake.quotas.exceeded) == {}
    inserts = [r.seq for r in fake.log if r.method_id.endswith("events.insert")]
    creates = [r.seq for r in fake.log if r.method_id.endswith("drafts.create")]
    assert min(creates) < max(inserts) and min(inserts) < max(creates)


def test_the_pacers_of_one_project_are_shared_by_every_register() -> None:
    one = shared_pacers("clinic-chain", sheets_per_minute=60, calendar_per_minute=600,
                        gmail_units_per_minute=6000)
    two = shared_pacers("clinic-chain", sheets_per_minute=60, calendar_per_minute=600,
                        gmail_units_per_minute=6000)
    other = shared_pacers("another-project", sheets_per_minute=60, calendar_per_minute=600,
                          gmail_units_per_minute=6000)
    assert one.calendar is two.calendar and one.gmail is two.gmail
    assert other.calendar is not one.calendar


def test_a_sliding_window_pacer_waits_exactly_for_room() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer("calendar", {"requests": 10}, window=60.0, clock=lambda: now[0],
                  sleep=sleep)
    for _ in range(10):
        pacer.done(pacer.acquire("requests", 1))
    assert now[0] == 0.0 and pacer.room("requests") == 0
    pacer.acquire("requests", 5)  # waits for the first ones to leave the window
    assert now[0] == pytest.approx(60.0 * (1 + Pacer.MARGIN))
    assert pacer.seconds_for("requests", 25) == pytest.approx(20 / 10 * 60.0 * 1.01)


def test_request_costs_follow_googles_tables() -> None:
    base = "https://gmail.googleapis.com/gmail/v1/users/me/"
    assert gmail_units("POST", base + "drafts?alt=json") == 10
    assert gmail_units("PUT", base + "drafts/r123?alt=json") == 15
    assert gmail_units("GET", base + "drafts?maxResults=500") == 5
    assert gmail_units("GET", base + "threads/t1?format=metadata") == 10
    assert gmail_units("GET", base + "messages/m1") == 20
    assert gmail_units("GET", base + "history?startHistoryId=1") == 2
    sheets = "https://sheets.googleapis.com/v4/spreadsheets/abc"
    assert request_cost("sheets", "GET", sheets + "?includeGridData=false") == ("read", 1.0)
    assert request_cost("sheets", "POST", sheets + "/values:batchGet") == ("read", 1.0)
    assert request_cost("sheets", "POST", sheets + ":batchUpdate") == ("write", 1.0)
    assert request_cost("sheets", "POST", sheets + "/developerMetadata:search") == \
        ("read", 1.0)


def test_at_a_terminal_a_long_run_shows_a_bar_with_an_eta_from_the_quota() -> None:
    import io

    from sheetsync.cli.progress import progress_line

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    limits = dict(ROOMY, calendar_per_minute=10)
    fake = FakeGoogle(scopes=SCOPES)
    fake.quotas.enforce(window=WINDOW, **limits)
    h = _workspace(fake, limits, paced=True, project="terminal")
    tty = Terminal()
    with progress_line(tty):
        run_sync(h.ws, clock=NOON_UTC)
    shown = tty.getvalue()
    assert re.search(r"\] \d+ of 107 events and drafts, about \d+ s left", shown)
    assert "] 107 of 107 events and drafts" in shown
    assert dict(fake.quotas.exceeded) == {}


def test_a_rare_429_under_pacing_is_retried_after_its_retry_after() -> None:
    """Another program spent the quota meanwhile: Google refuses a few parts with a
    Retry-After; the retry policy waits that long, and the run makes everything."""
    fake = FakeGoogle(scopes=SCOPES)
    fake.quotas.enforce(window=WINDOW, **ROOMY)
    h = _workspace(fake, ROOMY, paced=True, project="rare-429")
    waits: list[tuple[float, str]] = []
    h.policy.waits = waits
    fake.faults.add(api="calendar", method="events.insert", status=429, times=3,
                    retry_after=0.3, reason="rateLimitExceeded", in_batch=True)
    report = run_sync(h.ws, clock=NOON_UTC)
    assert report.failed == 0 and report.created["event"] == 76
    assert any(seconds >= 0.3 for seconds, _ in waits)
    assert not fake.faults.pending
