"""Gmail's history list, threads as Gmail makes them, and delivery reports, through the
real google-api-python-client (every parameter checked against the discovery document)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from typing import Any

import pytest
from fg_util import raw_message
from googleapiclient.errors import HttpError

from sheetsync.testing.fake_google import FakeGoogle
from sheetsync.testing.fake_google.inbound import delivery_report, reply
from sheetsync.testing.fake_google.quota import gmail_units

MID = "<sheetsync.r1.thanks@clinic.example>"
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


def _sent(gmail: Any, fake: FakeGoogle, subject: str = "Thank you", mid: str = MID
          ) -> tuple[str, EmailMessage]:
    """A draft made through the API and sent by the owner: (thread id, its message)."""
    made = gmail.users().drafts().create(userId="me", body={
        "message": {"raw": raw_message(subject, mid)}}).execute()
    sent = fake.gmail.owner_sends_draft(made["id"], AT)
    message = fake.gmail.messages[sent].parsed
    return made["message"]["threadId"], message


def _history(gmail: Any, start: str, **kwargs: Any) -> dict[str, Any]:
    answer: dict[str, Any] = gmail.users().history().list(
        userId="me", startHistoryId=start, **kwargs).execute()
    return answer


def test_a_reply_joins_the_thread_only_with_its_references_and_subject(
        gmail: Any, fake: FakeGoogle) -> None:
    thread, original = _sent(gmail, fake)
    later = AT + dt.timedelta(hours=2)
    joined = fake.gmail.receive(reply(original, "carol@webster-derm.example",
                                      "owner@example.com", later), when=later)
    assert fake.gmail.thread_of(joined) == thread
    # Same References, another subject: Gmail starts a new conversation.
    other = fake.gmail.receive(reply(original, "carol@webster-derm.example",
                                     "owner@example.com", later, subject="Lunch?"))
    assert fake.gmail.thread_of(other) != thread
    # Same subject, no References: a new conversation too.
    plain = EmailMessage()
    plain["From"], plain["To"], plain["Subject"] = ("carol@webster-derm.example",
                                                    "owner@example.com", "Re: Thank you")
    plain["Message-ID"] = "<fresh@webster-derm.example>"
    plain.set_content("Hello")
    assert fake.gmail.thread_of(fake.gmail.receive(plain.as_bytes())) != thread
    # A reply to the reply (References names both) joins; "RE: Fwd:" prefixes aside.
    parent = fake.gmail.messages[joined].parsed
    again = fake.gmail.receive(reply(parent, "dana@webster-derm.example",
                                     "owner@example.com", later, subject="RE: Fwd: thank  you"))
    assert fake.gmail.thread_of(again) == thread
    got = gmail.users().threads().get(userId="me", id=thread, format="metadata",
                                      metadataHeaders=["From", "In-Reply-To"]).execute()
    assert [m["id"] for m in got["messages"]][1:] == [joined, again]
    assert got["messages"][1]["labelIds"] == ["INBOX", "UNREAD"]


def test_a_message_sent_into_a_thread_needs_matching_headers(gmail: Any,
                                                             fake: FakeGoogle) -> None:
    thread, original = _sent(gmail, fake)
    answer = reply(original, "owner@example.com", "carol@webster-derm.example", AT)
    import base64
    raw = base64.urlsafe_b64encode(answer).decode()
    made = gmail.users().drafts().create(userId="me", body={
        "message": {"raw": raw, "threadId": thread}}).execute()
    assert made["message"]["threadId"] == thread
    # threadId alone is not enough: no References, so Gmail makes a new thread.
    alone = gmail.users().drafts().create(userId="me", body={
        "message": {"raw": raw_message("Re: Thank you", "<x@clinic.example>"),
                    "threadId": thread}}).execute()
    assert alone["message"]["threadId"] != thread
    # A draft updated in place stays in its own thread.
    updated = gmail.users().drafts().update(userId="me", id=alone["id"], body={
        "message": {"raw": raw_message("Something else", "<x@clinic.example>"),
                    "threadId": alone["message"]["threadId"]}}).execute()
    assert updated["message"]["threadId"] == alone["message"]["threadId"]


def test_gmails_delivery_report_joins_the_thread_and_names_the_address(
        gmail: Any, fake: FakeGoogle) -> None:
    thread, original = _sent(gmail, fake)
    report = fake.gmail.receive(delivery_report(original, "owner@example.com", AT,
                                                "carol@webster-derm.example"))
    assert fake.gmail.thread_of(report) == thread  # whatever its subject
    meta = gmail.users().messages().get(
        userId="me", id=report, format="metadata",
        metadataHeaders=["From", "Subject", "Content-Type", "X-Failed-Recipients",
                         "Auto-Submitted"]).execute()
    headers = {h["name"]: h["value"] for h in meta["payload"]["headers"]}
    assert headers["From"] == "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"
    assert headers["Subject"] == "Delivery Status Notification (Failure)"
    assert headers["X-Failed-Recipients"] == "carol@webster-derm.example"
    assert headers["Content-Type"].startswith("multipart/report;")
    assert "report-type" in headers["Content-Type"]
    assert meta["payload"]["mimeType"] == "multipart/report"
    assert "parts" not in meta["payload"]  # metadata: headers only, never the body
    parsed = email.message_from_bytes(fake.gmail.messages[report].raw,
                                      policy=email.policy.default)
    assert [p.get_content_type() for p in parsed.iter_parts()] == [
        "text/plain", "message/delivery-status", "text/rfc822-headers"]
    # Another mail system's report (its own subject) does not join the thread.
    elsewhere = fake.gmail.receive(delivery_report(
        original, "owner@example.com", AT, "carol@webster-derm.example",
        sender="MAILER-DAEMON@mx.webster-derm.example",
        subject="Undelivered Mail Returned to Sender"))
    assert fake.gmail.thread_of(elsewhere) != thread


def test_history_names_every_change_after_the_start_in_order(gmail: Any,
                                                             fake: FakeGoogle) -> None:
    start = gmail.users().getProfile(userId="me").execute()["historyId"]
    thread, original = _sent(gmail, fake)  # draft added; draft deleted + SENT added
    incoming = fake.gmail.receive(reply(original, "carol@webster-derm.example",
                                        "owner@example.com", AT))
    fake.gmail.relabel(incoming, remove=("UNREAD",))
    answer = _history(gmail, start)
    kinds = [next(k for k in r if k not in ("id", "messages")) for r in answer["history"]]
    assert kinds == ["messagesAdded", "messagesDeleted", "messagesAdded", "messagesAdded",
                     "labelsRemoved"]
    ids = [int(r["id"]) for r in answer["history"]]
    assert ids == sorted(ids) and ids[0] > int(start)
    assert answer["historyId"] == str(ids[-1])
    assert answer["history"][3]["messagesAdded"][0]["message"] == {
        "id": incoming, "threadId": thread, "labelIds": ["INBOX", "UNREAD"]}
    assert answer["history"][4]["labelsRemoved"][0]["labelIds"] == ["UNREAD"]
    # Filters and pages, as the discovery document names them.
    added = _history(gmail, start, historyTypes=["messageAdded"], labelId="INBOX")
    assert [r["messagesAdded"][0]["message"]["id"] for r in added["history"]] == [incoming]
    first = _history(gmail, start, maxResults=2)
    assert len(first["history"]) == 2 and first["nextPageToken"]
    rest = _history(gmail, start, maxResults=500, pageToken=first["nextPageToken"])
    assert [r["id"] for r in first["history"] + rest["history"]] == [
        r["id"] for r in answer["history"]] and "nextPageToken" not in rest
    # Nothing new: no history, the same historyId.
    assert _history(gmail, answer["historyId"]) == {"historyId": answer["historyId"]}


def test_a_start_older_than_the_history_kept_is_404(gmail: Any, fake: FakeGoogle) -> None:
    start = gmail.users().getProfile(userId="me").execute()["historyId"]
    _sent(gmail, fake)
    fake.gmail.expire_history()
    with pytest.raises(HttpError) as err:
        _history(gmail, start)
    assert err.value.status_code == 404
    assert err.value.error_details == [{"message": "Requested entity was not found.",
                                        "domain": "global", "reason": "notFound"}]
    fresh = gmail.users().getProfile(userId="me").execute()["historyId"]
    assert _history(gmail, fresh) == {"historyId": fresh}
    # A mailbox that keeps only a few records: what fell out is too old.
    fake.gmail.history.kept = 2
    for i in range(3):
        gmail.users().drafts().create(userId="me", body={
            "message": {"raw": raw_message(f"Note {i}", f"<n{i}@clinic.example>")}}).execute()
    with pytest.raises(HttpError) as err:
        _history(gmail, fresh)
    assert err.value.status_code == 404
    assert len(_history(gmail, str(int(fresh) + 1))["history"]) == 2


def test_history_parameters_are_checked_and_costed(gmail: Any, fake: FakeGoogle) -> None:
    with pytest.raises(HttpError) as err:
        gmail.users().history().list(userId="me").execute()
    assert err.value.status_code == 400  # startHistoryId is required
    # The client library checks these itself; the fake too, for any other caller.
    base = "https://gmail.googleapis.com/gmail/v1/users/me/history?startHistoryId=1"
    for query in ("&historyTypes=messageMoved", "&q=in%3Ainbox", "&maxResults=x"):
        response, _content = fake.http().request(base + query)
        assert response.status == 400, query
    response, _content = fake.http().request(base + "&historyTypes=labelAdded&maxResults=9")
    assert response.status == 200
    assert gmail_units("gmail.users.history.list") == 2
    assert gmail_units("gmail.users.threads.get") == 10
    assert gmail_units("gmail.users.getProfile") == 1


def test_the_owner_deletes_a_thread(gmail: Any, fake: FakeGoogle) -> None:
    thread, _original = _sent(gmail, fake)
    start = gmail.users().getProfile(userId="me").execute()["historyId"]
    fake.gmail.owner_deletes_thread(thread)
    trashed = gmail.users().threads().get(userId="me", id=thread, format="minimal").execute()
    assert all("TRASH" in m["labelIds"] for m in trashed["messages"])
    assert _history(gmail, start)["history"][0]["labelsAdded"][0]["labelIds"] == ["TRASH"]
    fake.gmail.owner_deletes_thread(thread, forever=True)
    with pytest.raises(HttpError) as err:
        gmail.users().threads().get(userId="me", id=thread).execute()
    assert err.value.status_code == 404
