"""The tracker in the local workspace (issue 16): replies and bounces dropped into
``inbox/`` as .eml files, the clinic's own mail in ``sent/``, told apart by headers."""

from __future__ import annotations

import datetime as dt
import email
import os
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest

from sheetsync.backends.local import EmlMailbox, draft_file_name
from sheetsync.backends.local import threads as threads_module
from sheetsync.core.messages import message_id_for
from sheetsync.core.ports import Change, DraftSpec, Followed, FollowsThreads, ThreadMessage
from sheetsync.workspace.mail import delivery_failure, reply

UTC = dt.timezone.utc
SENT = dt.datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
OWNER = "sam@lumen-clinic.example"
CAROL = "carol@websterderm.example"


def spec(key: str, to: str = CAROL) -> DraftSpec:
    return DraftSpec(key=key, message_id=message_id_for("ns", key, "lumen-clinic.example"),
                     sender_name="Sam Patel", sender_email=OWNER, to_name="Dr Carol Webster",
                     to_email=to, subject="Thank you for the referral",
                     body="Dear Carol,\n\nThank you!\n")


class Workspace:
    """A local workspace's mail folders, with the owner and the world around it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.inbox = folder / "inbox"
        self.inbox.mkdir(parents=True)
        self.box = EmlMailbox(folder / "drafts", folder / "sent", clock=lambda: SENT)
        self.count = 0

    def send(self, key: str, to: str = CAROL) -> Followed:
        """sheetsync writes the draft; the owner sends it and moves it to sent/."""
        made = spec(key, to)
        [result] = self.box.apply([Change("create", made)])
        assert result.ok
        name = draft_file_name(key)
        (self.folder / "sent").mkdir(exist_ok=True)
        os.replace(self.folder / "drafts" / name, self.folder / "sent" / name)
        os.utime(self.folder / "sent" / name, (SENT.timestamp(), SENT.timestamp()))
        return Followed(key=key, thread_id="", message_id=made.message_id, to_email=to)

    def sent_copy(self, key: str) -> EmailMessage:
        return parse((self.folder / "sent" / draft_file_name(key)).read_bytes())

    def drop(self, data: bytes, folder: str = "inbox", name: str = "") -> Path:
        self.count += 1
        path = self.folder / folder / (name or f"message {self.count}.eml")
        path.write_bytes(data)
        return path

    def follow(self, *followed: Followed) -> dict[str, tuple[ThreadMessage, ...]]:
        news = self.box.follow(list(followed))
        assert set(news) == {f.key for f in followed}
        return {k: n.messages for k, n in news.items()}


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def without(data: bytes, *headers: str) -> bytes:
    message = parse(data)
    for header in headers:
        del message[header]
    return message.as_bytes()


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


def test_the_local_mailbox_follows_threads(ws: Workspace) -> None:
    assert isinstance(ws.box, FollowsThreads)
    assert ws.box.inbox_dir == ws.folder / "inbox"


def test_a_reply_by_in_reply_to(ws: Workspace) -> None:
    followed = ws.send("R-0001/thank-you")
    answer = reply(ws.sent_copy("R-0001/thank-you"), sender="Carol@WebsterDerm.example",
                   sender_name="Dr Carol Webster", at=at(21), body="Happy to help!")
    ws.drop(without(answer, "References"))
    [message] = ws.follow(followed)["R-0001/thank-you"]
    assert message == ThreadMessage(sender=CAROL, at=at(21), by_clinic=False, bounced="")


def test_a_reply_by_references_only(ws: Workspace) -> None:
    followed = ws.send("R-0001/thank-you")
    answer = reply(ws.sent_copy("R-0001/thank-you"), sender=CAROL, at=at(21), body="Yes")
    ws.drop(without(answer, "In-Reply-To"))
    assert [m.sender for m in ws.follow(followed)["R-0001/thank-you"]] == [CAROL]


def test_a_reply_to_a_reply_belongs_to_the_thread(ws: Workspace) -> None:
    """Carol's practice manager answers Carol's reply, naming only hers."""
    followed = ws.send("R-0001/thank-you")
    first = reply(ws.sent_copy("R-0001/thank-you"), sender=CAROL, at=at(21), body="Yes")
    second = reply(parse(first), sender="office@websterderm.example", at=at(22),
                   body="Booking it")
    ws.drop(without(second, "References"), name="b.eml")  # In-Reply-To: Carol's only
    ws.drop(first, name="a.eml")
    messages = ws.follow(followed)["R-0001/thank-you"]
    assert [(m.sender, m.at) for m in messages] == [
        (CAROL, at(21)), ("office@websterderm.example", at(22))]  # oldest first


def test_unrelated_mail_is_no_reply(ws: Workspace) -> None:
    followed = ws.send("R-0001/thank-you")
    other = ws.send("R-0002/thank-you", to="maya@northsidephysio.example")
    ws.drop(reply(ws.sent_copy("R-0002/thank-you"), sender="maya@northsidephysio.example",
                  at=at(21), body="Thanks"))
    # Same subject, but naming no message of the thread: a new conversation.
    stray = EmailMessage()
    stray["From"] = CAROL
    stray["To"] = OWNER
    stray["Subject"] = "Re: Thank you for the referral"
    stray["Message-ID"] = "<stray@websterderm.example>"
    stray["In-Reply-To"] = "<something-else@websterderm.example>"
    stray.set_content("Another matter")
    ws.drop(stray.as_bytes())
    news = ws.follow(followed, other)
    assert news["R-0001/thank-you"] == ()
    assert [m.sender for m in news["R-0002/thank-you"]] == ["maya@northsidephysio.example"]


def test_a_copy_of_the_sent_message_is_no_reply(ws: Workspace) -> None:
    """The owner's Bcc copy of the sent draft, saved into inbox/ too."""
    followed = ws.send("R-0001/thank-you")
    ws.drop((ws.folder / "sent" / draft_file_name("R-0001/thank-you")).read_bytes())
    assert ws.follow(followed)["R-0001/thank-you"] == ()


@pytest.mark.parametrize("style", ["postfix", "gmail"])
def test_a_delivery_status_notification_is_a_bounce(ws: Workspace, style: str) -> None:
    """Postfix's report has no In-Reply-To: it joins the thread by the returned headers
    (text/rfc822-headers); Gmail's names the message in In-Reply-To as well."""
    followed = ws.send("P-0003/introduction", to="a.okafor@riversidewh.example")
    report = delivery_failure(ws.sent_copy("P-0003/introduction"), at=at(20, 9),
                              style=style)  # type: ignore[arg-type]
    assert (b"In-Reply-To" in report) == (style == "gmail")
    ws.drop(report)
    [message] = ws.follow(followed)["P-0003/introduction"]
    assert message.bounced == "a.okafor@riversidewh.example"
    assert message.sender.startswith("mailer-daemon@") and not message.by_clinic
    assert not message.auto  # a bounce, whatever its Auto-Submitted says
    assert message.at == at(20, 9)


def test_a_bounce_joined_by_the_returned_message_attached_whole(ws: Workspace) -> None:
    """Some servers attach the whole returned message (message/rfc822)."""
    followed = ws.send("R-0001/thank-you")
    original = ws.sent_copy("R-0001/thank-you")
    report = parse(without(delivery_failure(original, at=at(20, 9)), "In-Reply-To"))
    returned = [p for p in report.walk() if p.get_content_type() == "text/rfc822-headers"]
    report.get_payload().remove(returned[0])  # type: ignore[union-attr]
    whole = EmailMessage()
    whole.set_content(original)  # message/rfc822
    report.attach(whole)
    ws.drop(report.as_bytes())
    [message] = ws.follow(followed)["R-0001/thank-you"]
    assert message.bounced == CAROL


def test_x_failed_recipients_alone_is_a_bounce(ws: Workspace) -> None:
    """Exim writes a plain-text report with X-Failed-Recipients and References."""
    followed = ws.send("R-0001/thank-you")
    report = EmailMessage()
    report["From"] = "Mail Delivery System <Mailer-Daemon@mail.lumen-clinic.example>"
    report["To"] = OWNER
    report["Subject"] = "Mail delivery failed: returning message to sender"
    report["X-Failed-Recipients"] = "Carol@websterderm.example"
    report["References"] = spec("R-0001/thank-you").message_id
    report["Date"] = "Fri, 20 Nov 2026 09:30:00 +0000"
    report.set_content("This message was created automatically by mail delivery software.")
    ws.drop(report.as_bytes())
    [message] = ws.follow(followed)["R-0001/thank-you"]
    assert message.bounced == CAROL


def test_a_report_naming_no_address_is_a_bounce_of_unknown_address(ws: Workspace) -> None:
    followed = ws.send("R-0001/thank-you")
    report = EmailMessage()
    report["From"] = "postmaster@websterderm.example"
    report["Subject"] = "Delivery failure"
    report["In-Reply-To"] = spec("R-0001/thank-you").message_id
    report.set_content("Could not deliver.")
    ws.drop(report.as_bytes())
    [message] = ws.follow(followed)["R-0001/thank-you"]
    assert message.bounced == "?"


def test_a_delay_notice_is_neither_reply_nor_bounce(ws: Workspace) -> None:
    followed = ws.send("R-0001/thank-you")
    report = delivery_failure(ws.sent_copy("R-0001/thank-you"), at=at(20, 9), style="gmail")
    report = report.replace(b"Action: failed", b"Action: delayed").replace(
        b"X-Failed-Recipients: carol@websterderm.example\r\n", b"")
    ws.drop(report)
    assert ws.follow(followed)["R-0001/thank-you"] == ()


@pytest.mark.parametrize(("header", "value"), [
    ("Auto-Submitted", "auto-replied"), ("Auto-Submitted", "auto-generated"),
    ("X-Autoreply", "yes"), ("Precedence", "auto_reply")])
def test_an_out_of_office_is_an_automatic_answer(ws: Workspace, header: str,
                                                 value: str) -> None:
    followed = ws.send("R-0001/thank-you")
    answer = parse(reply(ws.sent_copy("R-0001/thank-you"), sender=CAROL, at=at(21),
                         body="I am away until Monday."))
    answer[header] = value
    ws.drop(answer.as_bytes())
    person = parse(reply(ws.sent_copy("R-0001/thank-you"), sender=CAROL, at=at(24),
                         body="Back now: yes!"))
    person["Auto-Submitted"] = "no"
    ws.drop(person.as_bytes())
    messages = ws.follow(followed)["R-0001/thank-you"]
    assert [(m.auto, m.bounced) for m in messages] == [(True, ""), (False, "")]


def test_the_clinics_answer_in_sent(ws: Workspace) -> None:
    followed = ws.send("C-0004/aftercare", to="client@mail.example")
    question = reply(ws.sent_copy("C-0004/aftercare"), sender="client@mail.example",
                     at=at(21), body="Is the redness normal?")
    ws.drop(question)
    ws.drop(reply(parse(question), sender=OWNER, at=at(22), body="Yes, for two days."),
            folder="sent", name="Re- aftercare.eml")
    messages = ws.follow(followed)["C-0004/aftercare"]
    assert [(m.sender, m.by_clinic) for m in messages] == [
        ("client@mail.example", False), (OWNER, True)]


def test_a_thread_the_owner_deleted_is_gone(ws: Workspace) -> None:
    followed = ws.send("R-0001/thank-you")
    kept = ws.send("R-0002/thank-you")
    (ws.folder / "sent" / draft_file_name("R-0001/thank-you")).unlink()
    news = ws.box.follow([followed, kept])
    assert news["R-0001/thank-you"].gone and not news["R-0001/thank-you"].unknown
    assert not news["R-0002/thank-you"].gone


def test_a_sent_copy_renamed_is_still_found(ws: Workspace) -> None:
    followed = ws.send("R-0001/thank-you")
    sent = ws.folder / "sent"
    os.replace(sent / draft_file_name("R-0001/thank-you"), sent / "Thank you.eml")
    assert not ws.box.follow([followed])["R-0001/thank-you"].gone


def test_a_missing_sent_folder_is_not_every_thread_deleted(ws: Workspace) -> None:
    followed = ws.send("R-0001/thank-you")
    (ws.folder / "sent" / draft_file_name("R-0001/thank-you")).unlink()
    (ws.folder / "sent").rmdir()
    news = ws.box.follow([followed])["R-0001/thank-you"]
    assert news.unknown and not news.gone


def test_without_an_inbox_folder_the_clinics_own_mail_is_still_seen(ws: Workspace) -> None:
    followed = ws.send("R-0001/thank-you")
    ws.inbox.rmdir()
    ws.drop(reply(ws.sent_copy("R-0001/thank-you"), sender=OWNER, at=at(21), body="PS",
                  to=CAROL), folder="sent")
    [message] = ws.follow(followed)["R-0001/thank-you"]
    assert message.by_clinic
    assert ws.box.notes() == []


def test_broken_files_are_skipped_with_one_note(ws: Workspace) -> None:
    followed = ws.send("R-0001/thank-you")
    ws.drop(b"", name="Re- Jane Doe empty.eml")
    ws.drop(b"\x00\x01\xff\xfe binary junk \x00", name="Re- Jane Doe junk.eml")
    ws.drop(b"\xd0\xcf\x11\xe0 Outlook compound file", name="Re- Jane Doe.msg")
    ws.drop(reply(ws.sent_copy("R-0001/thank-you"), sender=CAROL, at=at(21), body="Yes"))
    [message] = ws.follow(followed)["R-0001/thank-you"]
    assert message.sender == CAROL
    notes = ws.box.notes()
    assert len(notes) == 2
    assert notes[0].startswith("inbox/: 2 files are not an email sheetsync can read")
    assert "Outlook's own .msg format" in notes[1]
    assert not any("Jane" in note for note in notes)  # file names may name a client


def test_an_unreadable_file_in_sent_makes_a_missing_thread_unknown(ws: Workspace) -> None:
    """The sent copy may be the file that could not be read: not told as deleted."""
    followed = ws.send("R-0001/thank-you")
    (ws.folder / "sent" / draft_file_name("R-0001/thank-you")).write_bytes(b"")
    news = ws.box.follow([followed])["R-0001/thank-you"]
    assert news.unknown and not news.gone
    assert ws.box.notes()[0].startswith("sent/: 1 file is not an email")


def test_without_a_date_header_the_files_time_is_used(ws: Workspace) -> None:
    followed = ws.send("R-0001/thank-you")
    path = ws.drop(without(reply(ws.sent_copy("R-0001/thank-you"), sender=CAROL, at=at(21),
                                 body="Yes"), "Date"))
    stamp = at(23, 15).timestamp()
    os.utime(path, (stamp, stamp))
    [message] = ws.follow(followed)["R-0001/thank-you"]
    assert message.at == at(23, 15) and message.at.tzinfo is not None


def test_the_folders_are_read_once_per_run(ws: Workspace,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    followed = [ws.send(f"R-{n:04d}/thank-you") for n in range(1, 6)]
    for item in followed:
        ws.drop(reply(ws.sent_copy(item.key), sender=CAROL, at=at(21), body="Yes"))
    reads: list[Path] = []
    real = threads_module._read

    def counting(path: Path, *, by_clinic: bool) -> threads_module.Mail | None:
        reads.append(path)
        return real(path, by_clinic=by_clinic)

    monkeypatch.setattr(threads_module, "_read", counting)
    news = ws.follow(*followed)
    assert all(len(messages) == 1 for messages in news.values())
    assert len(reads) == len(set(reads)) == 10  # 5 in sent/, 5 in inbox/
    assert ws.box.follow([]) == {} and len(reads) == 10  # nothing followed: nothing read


def test_a_sync_says_once_per_folder_what_it_skipped(tmp_path: Path) -> None:
    """Through the engine: the note is in the run's notes, without the file's name, and
    the reply next to it is read."""
    from builders import NOON_UTC, PARTNER, referral, tables
    from contract.local_harness import LocalHarness

    from sheetsync.engine import run_sync

    h = LocalHarness(tmp_path)
    ws = h.workspace(tables(partners=[PARTNER], referrals=[referral()]))
    today = NOON_UTC().date()
    run_sync(ws, clock=NOON_UTC)
    h.send_draft("R-0001/thank-you", today)
    run_sync(ws, clock=NOON_UTC)
    h.reply("R-0001/thank-you", str(PARTNER["Email"]), NOON_UTC())
    h.inbox.joinpath("Re- Jane Doe.eml").write_bytes(b"")
    report = run_sync(ws, clock=NOON_UTC)
    [note] = report.notes
    assert note.startswith("inbox/: 1 file is not an email sheetsync can read") \
        and "Jane" not in note
    assert h.tab("Referrals")[1][h.tab("Referrals")[0].index("Thank-you")] == \
        f"replied on {today}"


def test_mail_saved_before_the_oldest_followed_draft_is_not_read(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A year of sent drafts and old mail is not read at every run: nothing saved before
    the oldest followed draft was written can be in its thread. A followed draft that is
    not there by its name (renamed) means reading everything."""
    year_ago = (SENT - dt.timedelta(days=365)).timestamp()
    for n in range(1, 4):
        old = ws.send(f"R-01{n:02d}/thank-you")
        ws.drop(reply(ws.sent_copy(old.key), sender=CAROL, at=at(1), body="Old"))
    for folder in ("sent", "inbox"):
        for path in (ws.folder / folder).iterdir():
            os.utime(path, (year_ago, year_ago))
    followed = ws.send("R-0001/thank-you")
    ws.drop(reply(ws.sent_copy("R-0001/thank-you"), sender=CAROL, at=at(21), body="Yes"))
    reads: list[str] = []
    real = threads_module._read

    def counting(path: Path, *, by_clinic: bool) -> threads_module.Mail | None:
        reads.append(path.name)
        return real(path, by_clinic=by_clinic)

    monkeypatch.setattr(threads_module, "_read", counting)
    assert [m.sender for m in ws.follow(followed)["R-0001/thank-you"]] == [CAROL]
    assert len(reads) == 2  # the followed draft and the reply
    sent = ws.folder / "sent"
    os.replace(sent / draft_file_name("R-0001/thank-you"), sent / "Thank you.eml")
    reads.clear()
    assert [m.sender for m in ws.follow(followed)["R-0001/thank-you"]] == [CAROL]
    assert len(reads) == 8
