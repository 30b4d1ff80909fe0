"""Fixtures: a fresh fake and the real client libraries wired to it."""

from __future__ import annotations

from typing import Any

import gspread
import pytest
from google.auth.credentials import AnonymousCredentials
from googleapiclient.discovery import build

from sheetsync.testing.fake_google import FakeGoogle


@pytest.fixture
def fake() -> FakeGoogle:
    return FakeGoogle()


@pytest.fixture
def gc(fake: FakeGoogle) -> gspread.Client:
    """The real gspread client on the fake: any credentials object, the fake's session."""
    credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
    return gspread.Client(auth=credentials, session=fake.requests_session())


@pytest.fixture
def calendar(fake: FakeGoogle) -> Any:
    return build("calendar", "v3", http=fake.http(), static_discovery=True)


@pytest.fixture
def gmail(fake: FakeGoogle) -> Any:
    return build("gmail", "v1", http=fake.http(), static_discovery=True)


@pytest.fixture
def sheets_api(fake: FakeGoogle) -> Any:
    return build("sheets", "v4", http=fake.http(), static_discovery=True)
