"""The fake enforces Google's per-minute quotas (``fake_google/quota.py``) when asked:
sliding windows per user and per project, Gmail's per-method units, a batch counting
each of its parts, and the answers Google gives when a quota is exceeded."""

from __future__ import annotations

import json
from typing import Any

import gspread
import pytest
from fg_util import event_body, raw_message
from googleapiclient.errors import HttpError

from sheetsync.backends.google.retry import classify
from sheetsync.testing.fake_google import FakeGoogle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(fake: FakeGoogle) -> Clock:
    tick = Clock()
    fake.quotas.clock = tick
    return tick


def _payload(err: HttpError) -> dict[str, Any]:
    return json.loads(err.content)["error"]  # type: ignore[no-any-return]


def test_quotas_are_off_unless_enforced(fake: FakeGoogle, calendar: Any) -> None:
    for i in range(5):
        calendar.events().insert(calendarId="primary", body=event_body(f"evt{i:05d}")).execute()
    fake.quotas.enforce(calendar_per_minute=5)
    with pytest.raises(HttpError):
        for i in range(5, 11):
            calendar.events().insert(calendarId="primary",
                                     body=event_body(f"evt{i:05d}")).execute()
    assert fake.quotas.exceeded["calendar"] == 1


def test_calendar_sliding_window_per_user_403_usage_limits(
        fake: FakeGoogle, calendar: Any, clock: Clock) -> None:
    fake.quotas.enforce(calendar_per_minute=3)
    for i in range(3):
        calendar.events().insert(calendarId="primary", body=event_body(f"evt{i:05d}")).execute()
    clock.now += 30
    with pytest.raises(HttpError) as err:
        calendar.events().list(calendarId="primary").execute()
    assert err.value.status_code == 403
    error = _payload(err.value)
    assert error["errors"][0] == {"message": "User Rate Limit Exceeded",
                                  "domain": "usageLimits", "reason": "userRateLimitExceeded"}
    # The first request leaves the window 60 s after it was made: 30 s from now.
    assert float(err.value.resp["retry-after"]) == pytest.approx(30.0)
    failure = classify(err.value)
    assert failure.verdict == "retry" and failure.rejected
    clock.now += 30.001  # sliding: all three expired
    calendar.events().list(calendarId="primary").execute()
    assert fake.quotas.exceeded["calendar"] == 1


def test_calendar_batch_counts_each_part_and_excess_parts_fail_alone(
        fake: FakeGoogle, calendar: Any, clock: Clock) -> None:
    fake.quotas.enforce(calendar_per_minute=4)
    answers: dict[str, Any] = {}

    def callback(request_id: str, response: Any, exception: Any) -> None:
        answers[request_id] = exception or response

    batch = calendar.new_batch_http_request(callback=callback)
    for i in range(6):
        batch.add(calendar.events().insert(calendarId="primary",
                                           body=event_body(f"evt{i:05d}")),
                  request_id=str(i))
    batch.execute()
    ok = [k for k, v in answers.items() if isinstance(v, dict)]
    refused = [v for v in answers.values() if isinstance(v, HttpError)]
    assert sorted(ok) == ["0", "1", "2", "3"]
    assert [e.status_code for e in refused] == [403, 403]
    assert fake.quotas.exceeded["calendar"] == 2
    assert len(fake.calendar.events("primary")) == 4


def test_calendar_project_quota_holds_across_users(fake: FakeGoogle, clock: Clock) -> None:
    from googleapiclient.discovery import build

    fake.quotas.enforce(calendar_per_minute=10)
    fake.quotas.calendar.per_project = 4
    one = build("calendar", "v3", http=fake.http(token="a"), static_discovery=True)
    two = build("calendar", "v3", http=fake.http(token="b"), static_discovery=True)
    for _ in range(2):
        one.events().list(calendarId="primary").execute()
        two.events().list(calendarId="primary").execute()
    with pytest.raises(HttpError) as err:
        one.events().list(calendarId="primary").execute()
    assert _payload(err.value)["errors"][0]["reason"] == "rateLimitExceeded"


def test_calendar_may_answer_429(fake: FakeGoogle, calendar: Any, clock: Clock) -> None:
    fake.quotas.enforce(calendar_per_minute=1)
    fake.quotas.calendar_status = 429
    calendar.events().list(calendarId="primary").execute()
    with pytest.raises(HttpError) as err:
        calendar.events().list(calendarId="primary").execute()
    assert err.value.status_code == 429
    assert classify(err.value).verdict == "retry"


def test_gmail_units_per_method(fake: FakeGoogle, gmail: Any, clock: Clock) -> None:
    fake.quotas.enforce(gmail_units_per_minute=35)
    gmail.users().drafts().create(userId="me", body={
        "message": {"raw": raw_message("Hello", "<m1@example.com>")}}).execute()  # 10
    gmail.users().drafts().list(userId="me").execute()  # 5
    draft = fake.gmail.draft_list()[0]
    gmail.users().drafts().update(userId="me", id=draft["draft_id"], body={
        "message": {"raw": raw_message("Hello again", "<m1@example.com>")}}).execute()  # 15
    assert fake.quotas.spent["gmail"] == 30
    gmail.users().getProfile(userId="me").execute()  # 1
    with pytest.raises(HttpError) as err:
        gmail.users().threads().get(userId="me", id=draft["thread_id"]).execute()  # 10
    assert err.value.status_code == 429
    error = _payload(err.value)
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["errors"][0]["reason"] == "userRateLimitExceeded"
    assert error["errors"][0]["domain"] == "usageLimits"
    assert classify(err.value).verdict == "retry"
    fake.quotas.gmail_status = 403
    with pytest.raises(HttpError) as err:
        gmail.users().drafts().list(userId="me").execute()
    assert err.value.status_code == 403 and classify(err.value).verdict == "retry"
    assert fake.quotas.exceeded["gmail"] == 2
    assert fake.quotas.spent["gmail"] == 31  # refused requests cost nothing


def test_sheets_reads_and_writes_counted_apart_429_resource_exhausted(
        fake: FakeGoogle, gc: gspread.Client, clock: Clock) -> None:
    ss_id = fake.sheets.create_spreadsheet("R", {"Partners": [["Name"], ["Dr Webster"]]})
    fake.quotas.enforce(sheets_per_minute=3)
    sheet = gc.open_by_key(ss_id)  # 1 read
    sheet.values_batch_get(["Partners"])  # 2
    sheet.values_batch_update({"valueInputOption": "RAW", "data": [
        {"range": "Partners!A3", "values": [["Dr Ray"]]}]})  # a write
    sheet.values_batch_get(["Partners"])  # 3
    with pytest.raises(gspread.exceptions.APIError) as err:
        sheet.values_batch_get(["Partners"])
    assert err.value.response.status_code == 429
    error = err.value.response.json()["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["message"].startswith(
        "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per "
        "minute per user' of service 'sheets.googleapis.com'")
    assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert "errors" not in error  # the v4 front end's shape
    assert classify(err.value).verdict == "retry"
    # Writes have their own quota.
    sheet.values_batch_update({"valueInputOption": "RAW", "data": [
        {"range": "Partners!A4", "values": [["Dr Oak"]]}]})
    assert fake.quotas.exceeded["sheets"] == 1
