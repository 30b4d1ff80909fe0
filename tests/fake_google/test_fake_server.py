"""Cross-cutting behaviour: auth, scopes, faults, timeouts, hooks, counters, latency."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import gspread
import pytest
import requests
from fg_util import event_body
from google.auth.credentials import AnonymousCredentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from gspread.exceptions import APIError

from sheetsync.testing.fake_google import FakeGoogle, FakeRequest


def test_gspread_client_on_the_fake_with_dummy_credentials(fake: FakeGoogle) -> None:
    """How to build gspread on the fake: any credentials object plus the fake's session."""
    ss_id = fake.sheets.create_spreadsheet("R", {"Partners": [["Name"], ["Dr Webster"]]})
    credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
    client = gspread.Client(auth=credentials, session=fake.requests_session())
    assert client.open_by_key(ss_id).sheet1.get_all_values() == [["Name"], ["Dr Webster"]]
    assert fake.log[-1].headers["authorization"] == "Bearer fake-access-token"
    with pytest.raises(requests.ConnectionError, match="network access blocked"):
        fake.requests_session().get("https://example.com/")


def test_google_auth_transports_on_the_fake(fake: FakeGoogle) -> None:
    """Real credential plumbing: AuthorizedHttp / AuthorizedSession around the fake."""
    from google.auth.transport.requests import AuthorizedSession
    from google.oauth2.credentials import Credentials
    from google_auth_httplib2 import AuthorizedHttp  # type: ignore[import-untyped]

    fake.auth.valid_tokens = {"user-token"}
    creds = Credentials(token="user-token")  # type: ignore[no-untyped-call]
    http = AuthorizedHttp(creds, http=fake.http(token=None))
    calendar = build("calendar", "v3", http=http, static_discovery=True)
    batch = calendar.new_batch_http_request()
    batch.add(calendar.events().insert(calendarId="primary", body=event_body("evt00001")))
    batch.execute()
    assert fake.calendar.event("primary", "evt00001")["status"] == "confirmed"
    ss_id = fake.sheets.create_spreadsheet("R")
    session = fake.mount(AuthorizedSession(creds))  # type: ignore[no-untyped-call]
    client = gspread.Client(auth=creds, session=session)
    assert client.open_by_key(ss_id).title == "R"
    assert {r.headers["authorization"] for r in fake.log} == {"Bearer user-token"}


def test_missing_and_invalid_tokens_are_401(fake: FakeGoogle) -> None:
    bare = build("calendar", "v3", http=fake.http(token=None), static_discovery=True)
    with pytest.raises(HttpError) as err:
        bare.calendars().get(calendarId="primary").execute()
    assert err.value.status_code == 401
    assert "missing required authentication credential" in str(err.value)
    fake.auth.valid_tokens = {"good"}
    wrong = build("calendar", "v3", http=fake.http(token="expired"), static_discovery=True)
    with pytest.raises(HttpError) as err:
        wrong.calendars().get(calendarId="primary").execute()
    assert err.value.status_code == 401
    good = build("calendar", "v3", http=fake.http(token="good"), static_discovery=True)
    assert good.calendars().get(calendarId="primary").execute()["id"] == "owner@example.com"


def test_expired_token_fault_answers_401_once(fake: FakeGoogle, calendar: Any) -> None:
    fake.faults.add(api="calendar", status=401, times=1)
    with pytest.raises(HttpError) as err:
        calendar.calendars().get(calendarId="primary").execute()
    assert err.value.status_code == 401
    assert b"UNAUTHENTICATED" in err.value.content
    assert calendar.calendars().get(calendarId="primary").execute()["timeZone"]


def test_insufficient_scopes_are_403(fake: FakeGoogle) -> None:
    fake.auth.scopes = {"https://www.googleapis.com/auth/calendar.events"}
    calendar = build("calendar", "v3", http=fake.http(), static_discovery=True)
    calendar.events().insert(calendarId="primary", body=event_body("evt00001")).execute()
    with pytest.raises(HttpError) as err:  # calendars.get needs calendar(.readonly)
        calendar.calendars().get(calendarId="primary").execute()
    assert err.value.status_code == 403
    assert "insufficient authentication scopes" in str(err.value)


def test_429_with_retry_after_surfaces_in_both_clients(fake: FakeGoogle, calendar: Any,
                                                       gc: gspread.Client) -> None:
    fake.faults.add(api="calendar", method="events.insert", status=429, times=1,
                    retry_after=7, reason="rateLimitExceeded")
    with pytest.raises(HttpError) as err:
        calendar.events().insert(calendarId="primary", body=event_body("evt00001")).execute()
    assert err.value.status_code == 429
    assert err.value.resp["retry-after"] == "7"
    assert err.value.error_details[0]["reason"] == "rateLimitExceeded"
    assert calendar.events().insert(calendarId="primary",
                                    body=event_body("evt00001")).execute()["id"] == "evt00001"

    ss_id = fake.sheets.create_spreadsheet("R")
    fake.faults.add(api="sheets", status=429, retry_after=2)
    with pytest.raises(APIError) as api_err:
        gc.open_by_key(ss_id)
    assert api_err.value.code == 429
    assert api_err.value.response.headers["Retry-After"] == "2"
    assert api_err.value.error["status"] == "RESOURCE_EXHAUSTED"
    assert "errors" not in api_err.value.error  # Sheets has no legacy errors list...
    assert api_err.value.error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"  # ...but this
    assert gc.open_by_key(ss_id).title == "R"


def test_403_usage_limits_and_5xx_faults(fake: FakeGoogle, gmail: Any) -> None:
    fake.faults.add(api="gmail", status=403, reason="userRateLimitExceeded", times=1)
    fake.faults.add(api="gmail", status=503, times=1)
    with pytest.raises(HttpError) as first:
        gmail.users().drafts().list(userId="me").execute()
    assert first.value.status_code == 403
    assert first.value.error_details[0]["reason"] == "userRateLimitExceeded"
    assert first.value.error_details[0]["domain"] == "usageLimits"
    with pytest.raises(HttpError) as second:
        gmail.users().drafts().list(userId="me").execute()
    assert second.value.status_code == 503
    assert gmail.users().drafts().list(userId="me").execute() == {"resultSizeEstimate": 0}
    assert fake.faults.pending == []


def test_fault_on_one_part_of_a_batch(fake: FakeGoogle, calendar: Any) -> None:
    fake.faults.add(api="calendar", method="events.insert", status=503, in_batch=True, skip=1)
    results: dict[str, Any] = {}
    batch = calendar.new_batch_http_request(
        callback=lambda rid, resp, exc: results.__setitem__(rid, exc or resp))
    for n in range(3):
        batch.add(calendar.events().insert(calendarId="primary", body=event_body(f"evt0000{n}")))
    batch.execute()
    assert results["1"]["id"] == "evt00000" and results["3"]["id"] == "evt00002"
    assert isinstance(results["2"], HttpError) and results["2"].status_code == 503
    fake.faults.add(api="calendar", method="batch", status=500)
    batch = calendar.new_batch_http_request()
    batch.add(calendar.events().get(calendarId="primary", eventId="evt00000"))
    with pytest.raises(HttpError) as whole:
        batch.execute()
    assert whole.value.status_code == 500


def test_timeouts_in_each_transport(fake: FakeGoogle, calendar: Any, gc: gspread.Client
                                    ) -> None:
    ss_id = fake.sheets.create_spreadsheet("R")
    fake.faults.add(api="sheets", timeout=True)
    with pytest.raises(requests.exceptions.ReadTimeout):
        gc.open_by_key(ss_id)
    fake.faults.add(api="calendar", method="events.insert", timeout=True, applied=True)
    with pytest.raises(socket.timeout):  # TimeoutError; googleapiclient retries it if asked
        calendar.events().insert(calendarId="primary", body=event_body("evt00001")).execute()
    # the write happened although the client never heard back: a retry must not duplicate
    assert [e["id"] for e in fake.calendar.events()] == ["evt00001"]
    with pytest.raises(HttpError) as dup:
        calendar.events().insert(calendarId="primary", body=event_body("evt00001")).execute()
    assert dup.value.status_code == 409


def test_hook_edits_sheet_between_read_and_write(fake: FakeGoogle, gc: gspread.Client) -> None:
    ss_id = fake.sheets.create_spreadsheet("R", {"Partners": [["ID", "Name"], ["P1", "Al"],
                                                              ["P2", "Bo"]]})
    sh = gc.open_by_key(ss_id)
    assert sh.values_batch_get(["Partners"])["valueRanges"][0]["values"][1] == ["P1", "Al"]

    def staff_insert(request: FakeRequest) -> None:
        if request.method_id == "sheets.spreadsheets.values.batchUpdate":
            fake.sheets.insert_rows(ss_id, "Partners", 2, [["P0", "Zed"]])

    fake.before_request(staff_insert)
    sh.values_batch_update({"valueInputOption": "RAW",
                            "data": [{"range": "Partners!C2", "values": [["for P1"]]}]})
    rows = fake.sheets.get_values(ss_id, "Partners")
    assert rows[1] == ["P0", "Zed", "for P1"]  # a positional write lands on the wrong row


def test_hook_crashes_at_the_nth_call(fake: FakeGoogle, calendar: Any) -> None:
    class Crash(Exception):
        pass

    @fake.before_request
    def crash_on_third(request: FakeRequest) -> None:
        if request.seq == 3:
            raise Crash

    calendar.events().insert(calendarId="primary", body=event_body("evt00001")).execute()
    calendar.events().insert(calendarId="primary", body=event_body("evt00002")).execute()
    with pytest.raises(Crash):
        calendar.events().insert(calendarId="primary", body=event_body("evt00003")).execute()
    fake.remove_hook(crash_on_third)
    assert len(fake.calendar.events()) == 2


def test_counters_and_reset(fake: FakeGoogle, calendar: Any, gmail: Any) -> None:
    batch = calendar.new_batch_http_request()
    for n in range(3):
        batch.add(calendar.events().insert(calendarId="primary", body=event_body(f"evt0000{n}")))
    batch.execute()
    calendar.events().list(calendarId="primary").execute()
    gmail.users().drafts().list(userId="me").execute()
    assert fake.calls[("calendar", "calendar.events.insert")] == 3
    assert fake.calls["calendar", "events.insert"] == 3  # short form works too
    assert fake.round_trips == {"calendar": 2, "gmail": 1}
    assert fake.calls.for_api("calendar") == 4
    fake.reset_counters()
    assert not fake.calls and not fake.round_trips


def test_latency_per_round_trip() -> None:
    fake = FakeGoogle(latency=0.05)
    calendar = build("calendar", "v3", http=fake.http(), static_discovery=True)
    batch = calendar.new_batch_http_request()
    for n in range(5):
        batch.add(calendar.events().insert(calendarId="primary", body=event_body(f"evt0000{n}")))
    start = time.perf_counter()
    batch.execute()
    elapsed = time.perf_counter() - start
    assert 0.05 <= elapsed < 0.25  # one sleep for the whole batch


def test_threads_share_state_safely(fake: FakeGoogle) -> None:
    def worker(n: int) -> None:
        cal = build("calendar", "v3", http=fake.http(), static_discovery=True)
        for i in range(10):
            cal.events().insert(calendarId="primary",
                                body=event_body(f"evt{n:02d}{i:03d}")).execute()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.calendar.events()) == 40
    assert fake.calls["calendar", "events.insert"] == 40
