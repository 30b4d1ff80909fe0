"""The tracker on Gmail (``ports.FollowsThreads``): ``follow`` reads, headers only, the
threads of sent drafts that the history names since the kept history id, and every one
on a full check; replies, the clinic's own answers, Gmail's delivery reports and a
deleted thread come back as ``ThreadNews``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from builders import NOON_UTC, TODAY
from google_harness import GoogleHarness

from sheetsync.backends.google.gmail_news import bounced, thread_news
from sheetsync.core.ports import Followed, FollowsThreads, ThreadMessage
from sheetsync.core.state import SyncState
from sheetsync.engine import run_sync
from sheetsync.testing.bulk import bulk_register
from sheetsync.testing.fake_google.inbound import reply

AT = dt.datetime.combine(TODAY, dt.time(15), tzinfo=dt.timezone.utc)


def _sent_three() -> tuple[GoogleHarness, Any, list[Followed]]:
    """A register whose owner sent three drafts (synced since): what to follow."""
    h = GoogleHarness()
    typed = {t: [[("'" + c) if isinstance(c, str) and c else c for c in row] for row in data]
             for t, data in bulk_register(40, TODAY).items()}
    h.sid = h.fake.sheets.create_spreadsheet("Clinic register", typed)
    ws = h.open()
    run_sync(ws, clock=NOON_UTC)
    drafts = h._drafts()
    keys = sorted(drafts)[:3]
    followed = [Followed(k, drafts[k]["thread_id"], drafts[k]["message_id"],
                         drafts[k]["to"].rsplit("<", 1)[-1].rstrip(">")) for k in keys]
    for key in keys:
        h.send_draft(key, TODAY)
    run_sync(ws, clock=NOON_UTC)
    return h, ws, followed


def _token(h: GoogleHarness) -> str:
    return SyncState.from_rows(h.tab("_sheetsync_state")).news.get("mail", "")


def _follow(h: GoogleHarness, ws: Any, followed: list[Followed], token: str
            ) -> tuple[dict[str, Any], dict[str, int]]:
    h.fake.reset_counters()
    assert isinstance(ws.mailbox, FollowsThreads)
    ws.mailbox.since(token)
    news = ws.mailbox.follow(followed)
    calls = {m.removeprefix("gmail.users."): n for (a, m), n in h.fake.calls.items()
             if a == "gmail"}
    return news, calls


def test_follow_reads_only_the_threads_the_history_names() -> None:
    h, ws, followed = _sent_three()
    token = _token(h)
    news, calls = _follow(h, ws, followed, token)
    assert news == {} and calls == {"history.list": 1}  # nothing came back: no thread read
    h.reply(followed[1].key, "carol@webster-derm.example", AT)
    news, calls = _follow(h, ws, followed, token)
    assert calls == {"history.list": 1, "threads.get": 1}
    assert list(news) == [followed[1].key]
    assert news[followed[1].key].messages == (
        ThreadMessage("carol@webster-derm.example", AT, False, ""),)
    # Metadata only: the thread read asks for headers, never a body.
    (read,) = [r for r in h.fake.log if r.method_id == "gmail.users.threads.get"]
    assert read.query["format"] == ["metadata"] and "From" in read.query["metadataHeaders"]


def test_a_full_check_reads_every_followed_thread() -> None:
    h, ws, followed = _sent_three()
    h.reply(followed[0].key, "carol@webster-derm.example", AT)
    for token in ("", "1"):  # no history id; one Gmail no longer keeps (404)
        h.fake.gmail.expire_history()
        news, calls = _follow(h, ws, followed, token)
        assert calls["threads.get"] == 3 and calls["getProfile"] == 1
        assert set(news) == {f.key for f in followed}
        assert [len(news[f.key].messages) for f in followed] == [1, 0, 0]


def test_replies_answers_bounces_and_a_deleted_thread_as_headers_tell_them() -> None:
    h, ws, followed = _sent_three()
    token = _token(h)
    first, second, third = followed
    h.reply(first.key, "frontdesk@webster-derm.example", AT)
    h.clinic_answer(first.key, AT + dt.timedelta(hours=1))
    h.bounce(second.key, AT)
    h.delete_thread(third.key)
    news, calls = _follow(h, ws, followed, token)
    assert calls == {"history.list": 1, "threads.get": 3}
    assert news[first.key].messages == (
        ThreadMessage("frontdesk@webster-derm.example", AT, False, ""),
        ThreadMessage(h.fake.owner, AT + dt.timedelta(hours=1), True, ""))
    (report,) = news[second.key].messages
    assert report.sender == "mailer-daemon@googlemail.com"
    assert report.bounced == second.to_email.lower() and not report.by_clinic
    assert news[third.key].gone
    # Emptied from the Trash: Gmail answers 404 for the thread, still gone.
    thread = h.fake.gmail.thread_of(h._sent[third.key])
    h.fake.gmail.owner_deletes_thread(thread, forever=True)
    news, _calls = _follow(h, ws, [third], token)
    assert news[third.key].gone


def test_a_delivery_report_without_the_address_is_a_bounce_all_the_same() -> None:
    report = {"payload": {"mimeType": "multipart/report", "headers": [
        {"name": "From", "value": "Mail Delivery System <MAILER-DAEMON@mx.example>"},
        {"name": "Content-Type",
         "value": "multipart/report; report-type=delivery-status; boundary=x"}]}}
    assert bounced(report) == "?"
    plain = {"payload": {"mimeType": "text/plain", "headers": [
        {"name": "From", "value": "Carol <carol@webster-derm.example>"}]}}
    assert bounced(plain) == ""
    # The messages before the sent draft and drafts not sent yet are not news.
    followed = Followed("R-0001/thank-you", "t1", "<ours@clinic.example>", "c@x.example")
    thread = {"messages": [
        {"id": "0", "labelIds": ["INBOX"], "internalDate": "1000",
         "payload": {"headers": [{"name": "From", "value": "c@x.example"}]}},
        {"id": "1", "labelIds": ["SENT"], "internalDate": "2000",
         "payload": {"headers": [{"name": "Message-ID", "value": "<ours@clinic.example>"}]}},
        {"id": "2", "labelIds": ["DRAFT"], "internalDate": "3000",
         "payload": {"headers": [{"name": "From", "value": "owner@example.com"}]}},
        {"id": "3", "labelIds": ["INBOX"], "internalDate": "4000",
         "payload": {"headers": [{"name": "From", "value": "C <C@X.example>"}]}}]}
    (only,) = thread_news(followed, thread).messages
    assert only.sender == "c@x.example" and only.at.timestamp() == 4.0


def test_an_out_of_office_answer_is_marked_automatic() -> None:
    h, ws, followed = _sent_three()
    token = _token(h)
    sent = h.fake.gmail.messages[h._sent[followed[0].key]].parsed
    away = reply(sent, "carol@webster-derm.example", h.fake.owner, AT,
                 "I am away until Monday.", subject="Automatic reply: " + str(sent["Subject"]))
    away = away.replace(b"\nMessage-ID:", b"\nAuto-Submitted: auto-replied\nMessage-ID:", 1)
    # Gmail threads it only by References and subject: this one keeps the subject.
    away = away.replace(b"Automatic reply: ", b"Re: ", 1)
    h.fake.gmail.receive(away, when=AT)
    news, _calls = _follow(h, ws, followed, token)
    (message,) = news[followed[0].key].messages
    assert message.auto and message.bounced == "" and not message.by_clinic
    # A delivery report says Auto-Submitted too: it is a bounce, not an automatic answer.
    h.bounce(followed[1].key, AT)
    news, _calls = _follow(h, ws, followed, token)
    (report,) = news[followed[1].key].messages
    assert report.bounced and not report.auto
