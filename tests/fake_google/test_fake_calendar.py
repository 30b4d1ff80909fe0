"""Calendar v3 through the real google-api-python-client."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fg_util import event_body
from googleapiclient.errors import HttpError

from sheetsync.testing.fake_google import FakeGoogle


def test_insert_get_and_realistic_resource(calendar: Any) -> None:
    body = event_body("evt0000001", extendedProperties={"private": {"row": "P1"}},
                      reminders={"useDefault": False,
                                 "overrides": [{"method": "popup", "minutes": 30}]})
    made = calendar.events().insert(calendarId="primary", body=body).execute()
    for key in ("kind", "etag", "id", "status", "htmlLink", "created", "updated", "creator",
                "organizer", "start", "end", "iCalUID", "sequence", "reminders", "eventType"):
        assert key in made, key
    assert made["status"] == "confirmed" and made["sequence"] == 0
    assert made["iCalUID"] == "evt0000001@google.com"
    assert made["extendedProperties"] == {"private": {"row": "P1"}}
    assert made["start"] == {"date": "2026-01-05"}
    got = calendar.events().get(calendarId="primary", eventId="evt0000001").execute()
    assert got == made
    tz = calendar.calendars().get(calendarId="primary").execute()["timeZone"]
    assert tz == "Europe/London"


@pytest.mark.parametrize("bad", ["abc", "UPPERCASE1", "with-dash1", "wxyz12345", "a" * 1025])
def test_event_id_must_be_base32hex_5_to_1024(calendar: Any, bad: str) -> None:
    with pytest.raises(HttpError) as err:
        calendar.events().insert(calendarId="primary", body=event_body(bad)).execute()
    assert err.value.status_code == 400
    assert err.value.error_details[0]["reason"] == "invalid"
    assert "Invalid resource id value." in str(err.value)


def test_deleted_event_is_cancelled_not_gone(calendar: Any, fake: FakeGoogle) -> None:
    events = calendar.events()
    events.insert(calendarId="primary", body=event_body("evt00001")).execute()
    with pytest.raises(HttpError) as dup:
        events.insert(calendarId="primary", body=event_body("evt00001")).execute()
    assert dup.value.status_code == 409
    assert "The requested identifier already exists." in str(dup.value)
    assert events.delete(calendarId="primary", eventId="evt00001").execute() == ""
    got = events.get(calendarId="primary", eventId="evt00001").execute()
    assert got["status"] == "cancelled" and got["summary"] == "Check in with Dr Webster"
    with pytest.raises(HttpError) as again:
        events.delete(calendarId="primary", eventId="evt00001").execute()
    assert again.value.status_code == 410
    with pytest.raises(HttpError) as reinsert:  # the id of a deleted event stays taken
        events.insert(calendarId="primary", body=event_body("evt00001")).execute()
    assert reinsert.value.status_code == 409
    with pytest.raises(HttpError) as missing:
        events.get(calendarId="primary", eventId="nosuchevent").execute()
    assert missing.value.status_code == 404
    restored = events.update(calendarId="primary", eventId="evt00001",
                             body=event_body(status="confirmed")).execute()
    assert restored["status"] == "confirmed" and restored["sequence"] == 1
    assert [e["id"] for e in fake.calendar.events("primary")] == ["evt00001"]


def test_list_by_private_property_deleted_paging_and_sync(calendar: Any, fake: FakeGoogle
                                                          ) -> None:
    events = calendar.events()
    fake.clock.set(dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone.utc))
    for i in range(5):
        events.insert(calendarId="primary", body=event_body(
            f"evt0000{i}", extendedProperties={"private": {"row": f"P{i % 2}", "tool": "s"}})
        ).execute()
    listed = events.list(calendarId="primary",
                         privateExtendedProperty=["row=P1", "tool=s"]).execute()
    assert [e["id"] for e in listed["items"]] == ["evt00001", "evt00003"]
    assert listed["timeZone"] == "Europe/London" and "nextSyncToken" in listed
    fake.clock.advance(hours=1)
    fake.calendar.user_deletes_event("primary", "evt00003")
    listed = events.list(calendarId="primary", privateExtendedProperty="row=P1").execute()
    assert [e["id"] for e in listed["items"]] == ["evt00001"]
    with_deleted = events.list(calendarId="primary", privateExtendedProperty="row=P1",
                               showDeleted=True).execute()
    assert [e["status"] for e in with_deleted["items"]] == ["confirmed", "cancelled"]
    since = events.list(calendarId="primary", updatedMin="2026-01-01T09:30:00Z").execute()
    assert since["items"] == [{  # deleted ones included, without their details
        "kind": "calendar#event", "etag": since["items"][0]["etag"], "id": "evt00003",
        "status": "cancelled", "updated": "2026-01-01T10:00:00.000Z"}]
    page1 = events.list(calendarId="primary", maxResults=2).execute()
    page2 = events.list(calendarId="primary", maxResults=2,
                        pageToken=page1["nextPageToken"]).execute()
    assert len(page1["items"]) == 2 and len(page2["items"]) == 2 and "nextPageToken" not in page2
    everything, request = [], events.list(calendarId="primary", maxResults=3)
    while request is not None:
        response = request.execute()
        everything += response["items"]
        request = events.list_next(request, response)
    assert len(everything) == 4
    token = page2["nextSyncToken"]
    fake.calendar.user_moves_event("primary", "evt00000", dt.date(2026, 1, 9))
    delta = events.list(calendarId="primary", syncToken=token).execute()
    assert [(e["id"], e["start"]) for e in delta["items"]] == [
        ("evt00000", {"date": "2026-01-09"})]
    assert fake.calendar.event("primary", "evt00000")["end"] == {"date": "2026-01-10"}


def test_update_patch_and_sequence(calendar: Any) -> None:
    events = calendar.events()
    events.insert(calendarId="primary", body=event_body(
        "evt00001", extendedProperties={"private": {"row": "P1", "rule": "r"}})).execute()
    patched = events.patch(calendarId="primary", eventId="evt00001", body={
        "extendedProperties": {"private": {"rule": "r2"}}, "summary": "New"}).execute()
    assert patched["extendedProperties"]["private"] == {"row": "P1", "rule": "r2"}
    assert patched["sequence"] == 1 and patched["summary"] == "New"
    updated = events.update(calendarId="primary", eventId="evt00001",
                            body=event_body(description="d")).execute()
    assert updated["sequence"] == 2 and "extendedProperties" not in updated
    with pytest.raises(HttpError, match="below the current sequence"):
        events.update(calendarId="primary", eventId="evt00001",
                      body=event_body(sequence=0)).execute()
    with pytest.raises(HttpError, match="time range is empty"):
        events.patch(calendarId="primary", eventId="evt00001",
                     body={"end": {"date": "2026-01-01"}}).execute()
    with pytest.raises(HttpError, match="Missing time zone"):
        events.insert(calendarId="primary", body=event_body(
            start={"dateTime": "2026-01-05T10:00:00"},
            end={"dateTime": "2026-01-05T11:00:00"})).execute()


def test_batch_of_three_inserts_with_one_bad_id(calendar: Any, fake: FakeGoogle) -> None:
    results: dict[str, Any] = {}

    def callback(request_id: str, response: Any, exception: Exception | None) -> None:
        results[request_id] = exception or response

    batch = calendar.new_batch_http_request(callback=callback)
    for event_id in ("evtaaaaa1", "NOT-BASE32", "evtaaaaa2"):
        batch.add(calendar.events().insert(calendarId="primary", body=event_body(event_id)))
    batch.execute()
    assert results["1"]["id"] == "evtaaaaa1" and results["3"]["id"] == "evtaaaaa2"
    assert isinstance(results["2"], HttpError) and results["2"].status_code == 400
    assert fake.round_trips["calendar"] == 1
    assert fake.calls["calendar", "calendar.events.insert"] == 3
    assert len(fake.calendar.events()) == 2


def test_calendar_batch_above_1000_parts_is_refused(fake: FakeGoogle) -> None:
    boundary = "b"
    part = ("--b\r\nContent-Type: application/http\r\nContent-ID: <x+{n}>\r\n\r\n"
            "GET /calendar/v3/calendars/primary/events/evt{n:05d} HTTP/1.1\r\n\r\n")
    body = "".join(part.format(n=n) for n in range(1001)) + "--b--\r\n"
    response = fake.handle("POST", "https://www.googleapis.com/batch/calendar/v3",
                           {"Content-Type": f"multipart/mixed; boundary={boundary}",
                            "Authorization": "Bearer t"}, body.encode())
    assert response.status == 400
    assert b"maximum is 1000" in response.body


@pytest.mark.parametrize("extra", [
    {"privateExtendedProperty": "row=P1"}, {"sharedExtendedProperty": "row=P1"},
    {"q": "Webster"}, {"iCalUID": "evt00001@google.com"}, {"orderBy": "updated"},
    {"timeMin": "2026-01-01T00:00:00Z"}, {"timeMax": "2026-02-01T00:00:00Z"},
    {"updatedMin": "2026-01-01T00:00:00Z"}, {"showDeleted": False}])
def test_sync_token_refuses_the_filters_google_refuses_beside_it(
        calendar: Any, extra: dict[str, Any]) -> None:
    """calendar.v3 events.list, syncToken: "There are several query parameters that
    cannot be specified together with nextSyncToken ... iCalUID, orderBy,
    privateExtendedProperty, q, sharedExtendedProperty, timeMin, timeMax, updatedMin",
    and "it is not allowed to set showDeleted to False" (a 400, not a quiet answer)."""
    events = calendar.events()
    events.insert(calendarId="primary", body=event_body(
        "evt00001", extendedProperties={"private": {"row": "P1"}})).execute()
    token = events.list(calendarId="primary").execute()["nextSyncToken"]
    assert events.list(calendarId="primary", syncToken=token, showDeleted=True,
                       maxResults=10).execute()["items"] == []  # allowed beside it
    with pytest.raises(HttpError) as refused:
        events.list(calendarId="primary", syncToken=token, **extra).execute()
    assert refused.value.status_code == 400
    assert refused.value.error_details[0]["reason"] == "invalid"
    assert "syncToken" in str(refused.value)
