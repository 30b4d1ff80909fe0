"""Two registers of one Cloud project synced by one worker (``sync --config a --config
b``) spend one budget: the pacers are shared (``pacer.shared_pacers``), so the project's
per-minute quota holds across them and the fake refuses nothing. Pacers per register (what
a home-made loop of separate workers in one process would have) overspend it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from builders import NOON_UTC, TODAY
from google_harness import GoogleHarness

from sheetsync.backends.google import open_google_workspace
from sheetsync.backends.google.auth import SCOPES
from sheetsync.backends.google.pacer import forget_pacers, shared_pacers
from sheetsync.backends.google.retry import RetryPolicy
from sheetsync.core.config import GoogleConfig
from sheetsync.engine import run_sync
from sheetsync.testing.bulk import bulk_register
from sheetsync.testing.fake_google import FakeGoogle

WINDOW = 1.0
ROWS = 6
LIMITS = {"sheets_per_minute": 300, "calendar_per_minute": 12,
          "gmail_units_per_minute": 1_000_000}


@pytest.fixture(autouse=True)
def _fresh_pacers() -> Any:
    forget_pacers()
    yield
    forget_pacers()


def _location(fake: FakeGoogle, project: str) -> Any:
    h = GoogleHarness(fake, policy=RetryPolicy(base_delay=0.05))
    typed = {t: [[("'" + c) if isinstance(c, str) and c else c for c in row] for row in rows]
             for t, rows in bulk_register(ROWS, TODAY).items()}
    h.sid = fake.sheets.create_spreadsheet("Clinic register", typed)
    h.ws = open_google_workspace(
        GoogleConfig(spreadsheet=h.sid), Path("."), session=fake.requests_session(),
        http=fake.http(), policy=h.policy,
        pacers=shared_pacers(project, window=WINDOW, **LIMITS))
    return h


@pytest.mark.parametrize("shared", [True, False])
def test_two_registers_share_the_projects_quota(shared: bool) -> None:
    fake = FakeGoogle(scopes=SCOPES)
    fake.quotas.enforce(window=WINDOW, **LIMITS)
    north = _location(fake, "chain")
    south = _location(fake, "chain" if shared else "chain-south")
    for h in (north, south):
        report = run_sync(h.ws, clock=NOON_UTC)
        assert report.failed == 0 and not report.left
        assert report.created["event"] > LIMITS["calendar_per_minute"] // 2
    if shared:
        assert dict(fake.quotas.exceeded) == {}, "the second register overspent the quota"
    else:
        assert fake.quotas.exceeded["calendar"] > 0
