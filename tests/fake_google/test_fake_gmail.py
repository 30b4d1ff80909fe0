"""Gmail v1 through the real google-api-python-client."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from fg_util import raw_message
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from sheetsync.testing.fake_google import FakeGoogle

MID = "<sheetsync.r1.thanks@clinic.example>"


def create(gmail: Any, subject: str = "Thank you", mid: str = MID) -> dict[str, Any]:
    made: dict[str, Any] = gmail.users().drafts().create(userId="me", body={
        "message": {"raw": raw_message(subject, mid)}}).execute()
    return made


def test_draft_create_update_get_list(gmail: Any, fake: FakeGoogle) -> None:
    drafts = gmail.users().drafts()
    made = create(gmail)
    assert made["id"].startswith("r") and made["message"]["labelIds"] == ["DRAFT"]
    updated = drafts.update(userId="me", id=made["id"], body={
        "message": {"raw": raw_message("Thank you!", MID)}}).execute()
    assert updated["id"] == made["id"]
    assert updated["message"]["id"] != made["message"]["id"]  # the message is replaced
    assert updated["message"]["threadId"] == made["message"]["threadId"]
    got = drafts.get(userId="me", id=made["id"], format="metadata").execute()
    headers = {h["name"]: h["value"] for h in got["message"]["payload"]["headers"]}
    assert headers["Message-ID"] == MID and headers["Subject"] == "Thank you!"
    raw = drafts.get(userId="me", id=made["id"], format="raw").execute()["message"]["raw"]
    assert b"Thank you for the referral." in base64.urlsafe_b64decode(raw)
    full = drafts.get(userId="me", id=made["id"]).execute()["message"]
    assert full["payload"]["mimeType"] == "text/plain" and full["snippet"]
    for i in range(4):
        create(gmail, f"Other {i}", f"<other{i}@clinic.example>")
    page1 = drafts.list(userId="me", maxResults=3).execute()
    page2 = drafts.list(userId="me", maxResults=3, pageToken=page1["nextPageToken"]).execute()
    assert len(page1["drafts"]) == 3 and len(page2["drafts"]) == 2
    assert set(page1["drafts"][0]) == {"id", "message"}
    assert set(page1["drafts"][0]["message"]) == {"id", "threadId"}
    assert page1["resultSizeEstimate"] == 5
    only = drafts.list(userId="me", q='subject:"Thank you!"').execute()
    assert [d["id"] for d in only["drafts"]] == [made["id"]]
    drafts.delete(userId="me", id=page2["drafts"][0]["id"]).execute()
    assert len(fake.gmail.draft_list()) == 4
    with pytest.raises(HttpError) as err:
        drafts.get(userId="me", id="r404").execute()
    assert err.value.status_code == 404


def test_owner_sends_draft_then_sent_message_found_by_message_id(gmail: Any,
                                                                  fake: FakeGoogle) -> None:
    made = create(gmail)
    when = dt.datetime(2026, 1, 7, 15, 30, tzinfo=dt.timezone.utc)
    sent_id = fake.gmail.owner_sends_draft(made["id"], when)
    assert gmail.users().drafts().list(userId="me").execute() == {"resultSizeEstimate": 0}
    found = gmail.users().messages().list(userId="me", q=f"rfc822msgid:{MID}").execute()
    assert found["messages"] == [{"id": sent_id, "threadId": made["message"]["threadId"]}]
    assert sent_id != made["message"]["id"]
    for query in ("in:sent", "label:SENT", f"rfc822msgid:{MID.strip('<>')} in:sent"):
        assert gmail.users().messages().list(userId="me", q=query).execute()["messages"][0][
            "id"] == sent_id
    by_label = gmail.users().messages().list(userId="me", labelIds=["SENT"]).execute()
    assert [m["id"] for m in by_label["messages"]] == [sent_id]
    meta = gmail.users().messages().get(userId="me", id=sent_id, format="metadata",
                                        metadataHeaders=["Message-ID", "Date"]).execute()
    assert meta["labelIds"] == ["SENT"]
    assert meta["internalDate"] == str(int(when.timestamp() * 1000))
    assert [h["name"] for h in meta["payload"]["headers"]] == ["Message-ID", "Date"]
    assert meta["payload"]["headers"][0]["value"] == MID
    thread = gmail.users().threads().get(userId="me", id=made["message"]["threadId"],
                                         format="minimal").execute()
    assert [m["id"] for m in thread["messages"]] == [sent_id]
    assert fake.gmail.api_sends == 0


def test_owner_deletes_and_edits_drafts(gmail: Any, fake: FakeGoogle) -> None:
    a, b = create(gmail, "A", "<a@x>"), create(gmail, "B", "<b@x>")
    fake.gmail.owner_deletes_draft(a["id"])
    fake.gmail.owner_edits_draft(b["id"], subject="B (edited)")
    listed = gmail.users().drafts().list(userId="me").execute()["drafts"]
    assert [d["id"] for d in listed] == [b["id"]]
    assert listed[0]["message"]["id"] != b["message"]["id"]
    assert fake.gmail.draft_list()[0]["subject"] == "B (edited)"
    assert fake.gmail.draft_list()[0]["message_id"] == "<b@x>"


def test_drafts_send_works_but_is_counted_loudly(gmail: Any, fake: FakeGoogle) -> None:
    made = create(gmail)
    with pytest.warns(RuntimeWarning, match="must never send"):
        sent = gmail.users().drafts().send(userId="me", body={"id": made["id"]}).execute()
    assert sent["labelIds"] == ["SENT"] and fake.gmail.api_sends == 1
    assert fake.calls["gmail", "users.drafts.send"] == 1


def test_user_id_address_profile_and_delegation(gmail: Any, fake: FakeGoogle) -> None:
    create(gmail)
    profile = gmail.users().getProfile(userId="owner@example.com").execute()
    assert profile["emailAddress"] == "owner@example.com" and profile["messagesTotal"] == 1
    with pytest.raises(HttpError) as err:
        gmail.users().drafts().list(userId="someone@else.example").execute()
    assert err.value.status_code == 403


def test_metadata_scope_refuses_q_like_google() -> None:
    scopes = ["https://www.googleapis.com/auth/gmail.compose",
              "https://www.googleapis.com/auth/gmail.metadata"]
    fake = FakeGoogle(scopes=scopes)
    gmail = build("gmail", "v1", http=fake.http(), static_discovery=True)
    create(gmail)
    with pytest.raises(HttpError) as err:
        gmail.users().messages().list(userId="me", q=f"rfc822msgid:{MID}").execute()
    assert err.value.status_code == 403
    assert "Metadata scope does not support 'q' parameter" in str(err.value)
    listed = gmail.users().messages().list(userId="me", labelIds=["DRAFT"]).execute()
    message_id = listed["messages"][0]["id"]
    meta = gmail.users().messages().get(userId="me", id=message_id, format="metadata",
                                        metadataHeaders=["Message-ID"]).execute()
    assert meta["payload"]["headers"] == [{"name": "Message-ID", "value": MID}]
    with pytest.raises(HttpError, match="doesn't allow format FULL"):
        gmail.users().messages().get(userId="me", id=message_id).execute()


def test_gmail_batch_above_100_parts_is_refused(gmail: Any, fake: FakeGoogle) -> None:
    made = create(gmail)
    batch = gmail.new_batch_http_request()
    for _ in range(101):
        batch.add(gmail.users().drafts().get(userId="me", id=made["id"], format="minimal"))
    with pytest.raises(HttpError) as err:
        batch.execute()
    assert err.value.status_code == 400
    ok: list[Any] = []
    batch = gmail.new_batch_http_request(callback=lambda rid, resp, exc: ok.append(exc or resp))
    for _ in range(50):
        batch.add(gmail.users().drafts().get(userId="me", id=made["id"], format="minimal"))
    batch.execute()
    assert len(ok) == 50 and all(r["id"] == made["id"] for r in ok)
    assert fake.round_trips["gmail"] == 3  # create + the refused batch + the good one
