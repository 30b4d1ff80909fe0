"""The tracker's meaning (core.tracker, pure) and its effect over days with an injected
clock (playbook.tracker, the digest, --quiet news). REGISTER.md, "The tracker"."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from builders import PARTNER, TODAY, checkin, clock_at, memory, referral, sync

from sheetsync.cli.console import show_report
from sheetsync.core.ports import Followed, ThreadMessage, ThreadNews
from sheetsync.core.state import ObjectRecord, SyncState, ThreadSeen
from sheetsync.core.tracker import address_print, followed, learn, read_thread
from sheetsync.playbook.digest import digest_key
from sheetsync.playbook.wording import letter_date, letter_order
from sheetsync.testing.memory import MemoryMailbox

UTC = dt.timezone.utc
LONDON = ZoneInfo("Europe/London")
AUCKLAND = ZoneInfo("Pacific/Auckland")
OWNER = "owner@lumen-clinic.example"
SECRET = "00" * 16
DAY = dt.timedelta(days=1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


def msg(sender: str, moment: dt.datetime, by_clinic: bool = False, bounced: str = "",
        auto: bool = False) -> ThreadMessage:
    return ThreadMessage(sender.lower(), moment, by_clinic, bounced, auto)


def read(*messages: ThreadMessage, before: ThreadSeen | None = None, zone: dt.tzinfo = LONDON,
         **news: bool) -> ThreadSeen | None:
    return read_thread(ThreadNews("C-0001/aftercare", tuple(messages), **news), before,
                       "amira@mail.example", OWNER, zone, SECRET)


def test_a_reply_is_dated_in_the_clinics_time_zone_past_midnight() -> None:
    late = at(TODAY, 12, 30)  # 01:30 on the next day in Auckland
    assert read(msg("amira@mail.example", late)) == ThreadSeen(
        "C-0001/aftercare", replied="2026-11-22", waiting="2026-11-22")
    seen = read(msg("amira@mail.example", late), zone=AUCKLAND)
    assert seen is not None and seen.replied == seen.waiting == "2026-11-23"


def test_the_clinics_messages_are_never_replies_and_answer_what_came_before() -> None:
    # By the SENT label, or by the Owner email as sender (any case).
    assert read(msg("someone@lumen-clinic.example", at(TODAY, 9), by_clinic=True)) is None
    assert read(msg("Owner@Lumen-Clinic.example", at(TODAY, 9))) is None
    answered = read(msg("amira@mail.example", at(TODAY, 9)),
                    msg(OWNER, at(TODAY, 10)))
    assert answered == ThreadSeen("C-0001/aftercare", replied="2026-11-22")
    again = read(msg("amira@mail.example", at(TODAY, 9)), msg(OWNER, at(TODAY, 10)),
                 msg("amira@mail.example", at(TODAY + DAY, 8)))
    assert again == ThreadSeen("C-0001/aftercare", replied="2026-11-22",
                               waiting="2026-11-23")


def test_someone_else_replies_an_out_of_office_does_not() -> None:
    seen = read(msg("husband@mail.example", at(TODAY, 9)))
    assert seen is not None and seen.replied == "2026-11-22"
    assert read(msg("amira@mail.example", at(TODAY, 9), auto=True)) is None


def test_a_bounce_keeps_a_print_of_the_address_never_the_address() -> None:
    named = read(msg("mailer-daemon@googlemail.com", at(TODAY, 9),
                     bounced="amira@mail.example"))
    unnamed = read(msg("mailer-daemon@googlemail.com", at(TODAY, 9), bounced="?"))
    assert named == unnamed and named is not None
    assert named.bounced == "2026-11-22" and not named.replied
    assert named.address == address_print(SECRET, "AMIRA@mail.example ")
    assert "amira" not in str(SyncState(threads={named.key: named}).to_rows())


def test_a_deleted_thread_keeps_what_was_known_and_leaves_nobody_waiting() -> None:
    before = ThreadSeen("C-0001/aftercare", "2026-11-22", "2026-11-22")
    assert read(before=before, gone=True) == ThreadSeen(
        "C-0001/aftercare", "2026-11-22", "", gone=True)
    assert read(before=before, unknown=True) == before
    # A reply the mailbox no longer shows is not forgotten (a contact happened).
    assert read(before=before) == ThreadSeen("C-0001/aftercare", "2026-11-22", "")


def test_threads_round_trip_and_old_state_tabs_still_read() -> None:
    state = SyncState(threads={"C-0001/aftercare": ThreadSeen(
        "C-0001/aftercare", "2026-11-22", "2026-11-23", "", "", gone=True)})
    assert SyncState.from_rows(state.to_rows()).threads == state.threads
    assert SyncState.from_rows([["key", "kind"], ["#version", "1"]]).threads == {}


def _sent(key: str, day: dt.date, basis: str = "") -> ObjectRecord:
    return ObjectRecord(key, "draft", "d1", "h", "sent", "t1", day.isoformat(), basis)


def test_which_threads_are_followed() -> None:
    """Sent drafts of rows in the register within the window; not the digest; not a
    thread settled (bounced, deleted, a partner who replied); a waiting client always."""
    state = SyncState()
    for record in (_sent("R-0001/thank-you", TODAY, "P-0001"),
                   _sent("R-0002/thank-you", TODAY, "P-0001"),
                   _sent("R-0003/thank-you", TODAY - 31 * DAY, "P-0001"),
                   _sent("C-0001/aftercare", TODAY - 60 * DAY),
                   _sent("C-0002/aftercare", TODAY),
                   _sent("C-0003/aftercare", TODAY),
                   _sent(digest_key(TODAY), TODAY),
                   ObjectRecord("C-0004/aftercare", "draft", "d2", "h")):
        state.put(record)
    state.threads["R-0002/thank-you"] = ThreadSeen("R-0002/thank-you", "2026-11-22")
    state.threads["C-0001/aftercare"] = ThreadSeen("C-0001/aftercare", "2026-10-01",
                                                   "2026-10-01")
    state.threads["C-0002/aftercare"] = ThreadSeen("C-0002/aftercare", bounced="2026-11-22",
                                                   address="x")
    present = {"R-0001": "", "R-0002": "", "R-0003": "", "C-0001": "a@x.example",
               "C-0002": "", "C-0004": "", "P-0001": "carol@x.example",
               digest_key(TODAY).split("/")[0]: ""}
    found = followed(state, present, TODAY, 30, lambda key: f"<{key}>")
    assert [f.key for f in found] == ["C-0001/aftercare", "R-0001/thank-you"]
    assert found[0] == Followed("C-0001/aftercare", "t1", "<C-0001/aftercare>", "a@x.example")
    assert found[1].to_email == "carol@x.example"  # the partner's Email cell


def test_learn_tells_only_what_changed() -> None:
    state = SyncState()
    asked = [Followed("C-0001/aftercare", "t", "<m>", "amira@mail.example"),
             Followed("C-0002/aftercare", "t", "<m>", "bea@mail.example")]
    news = {"C-0001/aftercare": ThreadNews("C-0001/aftercare",
                                           (msg("amira@mail.example", at(TODAY, 9)),))}
    learnt = learn(state, news, asked, OWNER, LONDON)
    assert list(learnt) == ["C-0001/aftercare"]
    state.threads.update(learnt)
    assert learn(state, news, asked, OWNER, LONDON) == {}


# ------------------------------------------------------------------ over days, on memory


def said(day: dt.date) -> str:
    """A date as the digest writes it, for a clinic in Auckland."""
    return letter_date(day, letter_order("", "Pacific/Auckland"), day)


def test_a_client_waits_past_the_answer_day_until_the_clinic_answers() -> None:
    """Day by day: the client replies late on a Sunday evening (Monday in the clinic's
    time zone); the row, the digest's top and --quiet say so (--quiet once); past the
    answer-by day it stays listed, as overdue; the clinic's answer clears it."""
    ws, reg = memory(checkins=[checkin()], settings={
        "Time zone": "Pacific/Auckland", "Weekly digest": "Yes"})
    box = ws.mailbox
    assert isinstance(box, MemoryMailbox)
    sync(ws, clock=clock_at(at(TODAY, 1)))
    box.send("C-0001/aftercare", TODAY)
    reply = at(TODAY + DAY, 13)  # Tuesday 02:00 in Auckland
    box.reply("C-0001/aftercare", "amira@mail.example", reply)
    replied, by = TODAY + 2 * DAY, TODAY + 4 * DAY
    waiting = f"client replied on {replied}: answer by {by}"
    quiet_outputs = []
    for offset in range(1, 8):
        now = at(TODAY + offset * DAY, 20)
        if offset == 6:
            box.clinic_answer("C-0001/aftercare", now - dt.timedelta(hours=1))
        report = sync(ws, clock=clock_at(now))
        out = io.StringIO()
        show_report(report, "memory", out, quiet=True, style="line")
        quiet_outputs.append(out.getvalue())
        aftercare = reg.column("Check-ins", "Aftercare")[0]
        digest = [s for k, s in box.live().items() if k.startswith("digest-")]
        body = digest[0].body if digest else ""  # type: ignore[union-attr]
        if offset < 6:
            assert aftercare == waiting, offset
            # (the digest writes its dates as the letters do)
            top = body.index("Clients waiting for your answer: 1\n  - C-0001 A.K. "
                             f"replied on {said(replied)}: answer by {said(by)}")
            assert top < body.index("Referrals received"), body  # at the top
            assert ("(overdue)" in body) == (now.astimezone(
                ZoneInfo("Pacific/Auckland")).date() > by), offset
        else:
            assert aftercare == f"replied on {replied}"
            assert "Clients waiting" not in body
    news = [i for i, text in enumerate(quiet_outputs) if "client replied" in text]
    assert news == [0], quiet_outputs
    assert not any("Amira" in text or "amira" in text for text in quiet_outputs)


def test_a_dry_run_reads_threads_but_changes_nothing() -> None:
    ws, reg = memory(partners=[PARTNER], referrals=[referral()])
    box = ws.mailbox
    assert isinstance(box, MemoryMailbox)
    sync(ws)
    box.send("R-0001/thank-you", TODAY)
    sync(ws)
    box.reply("R-0001/thank-you", "carol@webster-derm.example", at(TODAY, 11))
    before = {title: [list(r) for r in rows] for title, rows in reg.tabs.items()}
    writes = reg.writes
    report = sync(ws, dry_run=True)
    assert report.dry_run and reg.writes == writes
    assert reg.tabs == before
    sync(ws)
    assert reg.column("Referrals", "Thank-you")[0] == f"replied on {TODAY}"


def test_an_address_typed_back_after_a_correction_is_written_to_again() -> None:
    """The block lasts until the Email cell changes, once: a person who types the old
    address back (it was right after all: the mailbox was full) is taken at their word."""
    ws, reg = memory(partners=[PARTNER], referrals=[
        referral(), referral(Client="Bo Brown", Direction="Sent")])
    box = ws.mailbox
    assert isinstance(box, MemoryMailbox)
    sync(ws)
    box.send("R-0001/thank-you", TODAY)
    box.bounce("R-0001/thank-you", at(TODAY, 13))
    bounced = f"Email bounced on {TODAY}: check the address"
    sync(ws, clock=clock_at(at(TODAY, 14)))
    assert reg.column("Partners", "Sync status")[0] == f"Needs attention: {bounced}"
    address = str(PARTNER["Email"])
    reg.set("Partners", 2, "Email", "carol.w@webster-derm.example")
    sync(ws, clock=clock_at(at(TODAY, 15)))
    assert reg.column("Partners", "Sync status")[0] == "OK"
    reg.set("Partners", 2, "Email", address)  # typed back
    reg.set("Referrals", 3, "Direction", "Received")
    report = sync(ws, clock=clock_at(at(TODAY, 16)))
    assert reg.column("Partners", "Sync status")[0] == "OK" and report.clean
    assert "R-0002/thank-you" in box.live()
    assert reg.column("Referrals", "Thank-you")[0] == bounced  # what happened stays
