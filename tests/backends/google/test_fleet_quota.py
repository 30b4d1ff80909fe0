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


# ------------------------------------------- several users of one Cloud project (issue 18)

PROJECT = {"project_sheets_per_minute": 6, "project_calendar_per_minute": 10_000,
           "project_gmail_units_per_minute": 1_000_000}
PER_USER = {"sheets_per_minute": 4, "calendar_per_minute": 1000,
            "gmail_units_per_minute": 1_000_000}


def test_each_user_has_its_own_per_user_budget_and_shares_the_projects() -> None:
    """Google counts the per-user quota per user and the project's per project: two users
    of one Cloud project (a service account acting as each location's owner) each get
    their own per-user budget, and both spend the one project budget."""
    north = shared_pacers("chain", user="north@clinic.example", window=WINDOW, **PER_USER,
                          **PROJECT)
    south = shared_pacers("chain", user="south@clinic.example", window=WINDOW, **PER_USER,
                          **PROJECT)
    again = shared_pacers("chain", user="north@clinic.example", window=WINDOW, **PER_USER,
                          **PROJECT)
    assert again.sheets is north.sheets  # the same user: the same budget
    assert north.sheets is not south.sheets
    assert north.sheets.project is south.sheets.project is not None
    for _ in range(4):
        north.sheets.acquire("read", 1)
    assert north.sheets.room("read") == 0  # north's per-user minute is spent ...
    assert south.sheets.room("read") == 2  # ... south's is not, but the project has 2 left
    other = shared_pacers("other-project", user="north@clinic.example", window=WINDOW,
                          **PER_USER, **PROJECT)
    assert other.sheets.room("read") == 4  # another project: other quotas


def _user_location(fake: FakeGoogle, user: str) -> Any:
    h = GoogleHarness(fake, policy=RetryPolicy(base_delay=0.05))
    typed = {t: [[("'" + c) if isinstance(c, str) and c else c for c in row] for row in rows]
             for t, rows in bulk_register(ROWS, TODAY).items()}
    h.sid = fake.sheets.create_spreadsheet("Clinic register", typed)
    h.ws = open_google_workspace(
        GoogleConfig(spreadsheet=h.sid), Path("."), session=fake.requests_session(user),
        http=fake.http(user), policy=h.policy,
        pacers=shared_pacers("chain", user=user, window=WINDOW, **PER_USER, **PROJECT))
    return h


def test_several_users_of_one_project_keep_the_projects_quota() -> None:
    """Five locations, each its own user of one Cloud project, synced in turn: each user's
    Sheets requests stay under the per-user limit and all of them under the project's,
    so the fake (which counts both, as Google does) refuses nothing."""
    fake = FakeGoogle(scopes=SCOPES)
    fake.quotas.enforce(window=WINDOW, **PER_USER)
    fake.quotas.sheets_read.per_project = fake.quotas.sheets_write.per_project = 6
    users = [f"token-{name}" for name in ("north", "south", "east", "west", "centre")]
    locations = [_user_location(fake, user) for user in users]
    for h in locations:
        assert run_sync(h.ws, clock=NOON_UTC).failed == 0
    for _ in range(2):  # unchanged runs: one Sheets read each, in quick succession
        for h in locations:
            report = run_sync(h.ws, clock=NOON_UTC)
            assert report.failed == 0 and report.cells_written == 0
    assert dict(fake.quotas.exceeded) == {}, "the project's Sheets quota was overspent"


def test_whose_quota_the_credentials_spend() -> None:
    from types import SimpleNamespace

    from sheetsync.backends.google import quota_user

    acting = SimpleNamespace(_subject="north@clinic.example",
                             service_account_email="sync@chain.iam.gserviceaccount.com")
    assert quota_user(acting) == "north@clinic.example"
    itself = SimpleNamespace(service_account_email="sync@chain.iam.gserviceaccount.com")
    assert quota_user(itself) == "sync@chain.iam.gserviceaccount.com"
    one, same = SimpleNamespace(refresh_token="r1"), SimpleNamespace(refresh_token="r1")
    assert quota_user(one) == quota_user(same) != quota_user(SimpleNamespace(refresh_token="r2"))
    assert "r1" not in quota_user(one)  # never the token itself
