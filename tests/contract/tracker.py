"""Issue 16: the tracker, day by day with an injected clock, on every backend (the
contract suite mixes this in). REGISTER.md, "The tracker".

A harness whose mailbox follows threads says ``tracks_threads = True``; until a backend
does, its run of these tests is skipped (every backend's does in the end)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from builders import PARTNER, TODAY, checkin, referral, tables

from .harness import Harness
from .lifecycle import DAY, sync_on

CAROL = str(PARTNER["Email"])
AMIRA = "amira@mail.example"


def tracking(harness: Harness) -> None:
    if not getattr(harness, "tracks_threads", False):
        pytest.skip(f"the {harness.name} harness does not hand replies and bounces yet")


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone.utc)


def row_of(harness: Harness, tab: str, key: str) -> dict[str, str]:
    rows = harness.tab(tab)
    header = rows[0]
    for row in rows[1:]:
        cells = dict(zip(header, row + [""] * len(header), strict=False))
        if key in row:
            return cells
    raise AssertionError(f"{key} not in {tab}")


def thanked(harness: Harness, **partner: Any) -> Any:
    """A referral from Carol, its thank-you drafted and sent on TODAY."""
    ws = harness.workspace(tables(partners=[{**PARTNER, **partner}], referrals=[referral()]))
    sync_on(ws, TODAY)
    harness.send_draft("R-0001/thank-you", TODAY)
    sync_on(ws, TODAY)
    assert row_of(harness, "Referrals", "R-0001")["Thank-you"] == f"sent on {TODAY}"
    return ws


class TrackerContract:
    def test_a_partners_reply_is_replied_and_a_contact(self, harness: Harness) -> None:
        """The thank-you's thread gets Carol's answer: the Thank-you cell says
        ``replied on DATE`` and her Next touch moves on as for a sent thank-you."""
        tracking(harness)
        ws = thanked(harness)
        assert row_of(harness, "Partners", "P-0001")["Next touch"].startswith(
            f"{TODAY + 90 * DAY}: check-in")
        harness.reply("R-0001/thank-you", CAROL, moment(TODAY + 2 * DAY))
        report = sync_on(ws, TODAY + 2 * DAY)
        assert report.clean
        assert row_of(harness, "Referrals", "R-0001")["Thank-you"] == \
            f"replied on {TODAY + 2 * DAY}"
        assert row_of(harness, "Partners", "P-0001")["Next touch"].startswith(
            f"{TODAY + 92 * DAY}: check-in")
        again = sync_on(ws, TODAY + 2 * DAY)  # nothing new: nothing written
        assert again.cells_written == 0 and sum(again.created.values()) == 0

    def test_a_reply_from_someone_else_in_the_thread_counts(self, harness: Harness) -> None:
        tracking(harness)
        ws = thanked(harness)
        harness.reply("R-0001/thank-you", "frontdesk@webster-derm.example",
                      moment(TODAY + DAY))
        sync_on(ws, TODAY + DAY)
        assert row_of(harness, "Referrals", "R-0001")["Thank-you"] == \
            f"replied on {TODAY + DAY}"

    def test_the_clinics_own_message_is_not_a_reply(self, harness: Harness) -> None:
        tracking(harness)
        ws = thanked(harness)
        harness.clinic_answer("R-0001/thank-you", moment(TODAY + DAY))
        report = sync_on(ws, TODAY + DAY)
        assert report.clean
        assert row_of(harness, "Referrals", "R-0001")["Thank-you"] == f"sent on {TODAY}"
        assert row_of(harness, "Partners", "P-0001")["Next touch"].startswith(
            f"{TODAY + 90 * DAY}: check-in")

    def test_a_bounce_marks_the_address_and_blocks_drafts_until_the_email_changes(
            self, harness: Harness) -> None:
        tracking(harness)
        ws = harness.workspace(tables(partners=[PARTNER], referrals=[
            referral(), referral(Client="Bo Brown", Direction="Sent")]))
        sync_on(ws, TODAY)
        harness.send_draft("R-0001/thank-you", TODAY)
        harness.bounce("R-0001/thank-you", moment(TODAY + DAY, 9))
        report = sync_on(ws, TODAY + DAY)
        bounced = f"Email bounced on {TODAY + DAY}: check the address"
        assert row_of(harness, "Referrals", "R-0001")["Thank-you"] == bounced
        assert bounced in row_of(harness, "Partners", "P-0001")["Sync status"]
        assert report.rows_with_problems == 1
        # A new thank-you to the same address is not drafted ...
        harness.set_cell("Referrals", 3, "Direction", "Received")
        sync_on(ws, TODAY + 2 * DAY)
        assert "R-0002/thank-you" not in harness.live_drafts()
        assert row_of(harness, "Referrals", "R-0002")["Thank-you"] == bounced
        # ... until the Email cell changes.
        harness.set_cell("Partners", 2, "Email", "carol.webster@webster-derm.example")
        fixed = sync_on(ws, TODAY + 3 * DAY)
        assert "R-0002/thank-you" in harness.live_drafts()
        assert row_of(harness, "Partners", "P-0001")["Sync status"] == "OK"
        assert fixed.clean
        assert row_of(harness, "Referrals", "R-0001")["Thank-you"] == bounced

    def test_a_bounced_thank_you_is_not_a_contact(self, harness: Harness) -> None:
        """A thank-you that never arrived does not move the partner's Next touch on: once
        it bounced, Next touch is back to what Last contact says, and the row says why."""
        tracking(harness)
        long_ago = {**PARTNER, "Last contact": TODAY - 100 * DAY}
        ws = harness.workspace(tables(partners=[long_ago], referrals=[referral()]))
        sync_on(ws, TODAY)
        before = row_of(harness, "Partners", "P-0001")["Next touch"]
        assert not before.startswith(f"{TODAY + 90 * DAY}"), before
        harness.send_draft("R-0001/thank-you", TODAY)
        sync_on(ws, TODAY)
        assert row_of(harness, "Partners", "P-0001")["Next touch"].startswith(
            f"{TODAY + 90 * DAY}: check-in")  # sent: a contact, until it bounces
        harness.bounce("R-0001/thank-you", moment(TODAY + DAY, 9))
        sync_on(ws, TODAY + DAY)
        bounced = f"Email bounced on {TODAY + DAY}: check the address"
        partner = row_of(harness, "Partners", "P-0001")
        assert partner["Next touch"] == before
        assert bounced in partner["Sync status"]
        assert row_of(harness, "Referrals", "R-0001")["Thank-you"] == bounced

    def test_a_clients_reply_waits_for_the_clinics_answer(self, harness: Harness) -> None:
        tracking(harness)
        ws = harness.workspace(tables(checkins=[checkin()]))
        sync_on(ws, TODAY)
        harness.send_draft("C-0001/aftercare", TODAY)
        sync_on(ws, TODAY)
        harness.reply("C-0001/aftercare", AMIRA, moment(TODAY + DAY))
        first = sync_on(ws, TODAY + DAY)
        waiting = f"client replied on {TODAY + DAY}: answer by {TODAY + 3 * DAY}"
        assert row_of(harness, "Check-ins", "C-0001")["Aftercare"] == waiting
        assert first.client_replies == [f"Check-ins row 2 (C-0001): {waiting}"]
        out = str(first.as_json())
        assert "Amira" not in out and AMIRA not in out and waiting in out
        # Still waiting the next days (past the answer-by day too), but news only once.
        for offset in (2, 4):
            later = sync_on(ws, TODAY + offset * DAY)
            assert later.client_replies == []
            assert row_of(harness, "Check-ins", "C-0001")["Aftercare"] == waiting
        harness.clinic_answer("C-0001/aftercare", moment(TODAY + 4 * DAY, 13))
        sync_on(ws, TODAY + 5 * DAY)
        assert row_of(harness, "Check-ins", "C-0001")["Aftercare"] == \
            f"replied on {TODAY + DAY}"

    def test_a_thread_the_owner_deleted_keeps_what_was_known(self, harness: Harness
                                                             ) -> None:
        tracking(harness)
        ws = thanked(harness)
        harness.reply("R-0001/thank-you", CAROL, moment(TODAY + DAY))
        sync_on(ws, TODAY + DAY)
        harness.delete_thread("R-0001/thank-you")
        report = sync_on(ws, TODAY + 2 * DAY)
        assert report.clean and report.failed == 0
        assert row_of(harness, "Referrals", "R-0001")["Thank-you"] == \
            f"replied on {TODAY + DAY}"
        assert row_of(harness, "Partners", "P-0001")["Next touch"].startswith(
            f"{TODAY + 91 * DAY}: check-in")

    def test_a_reply_during_nurture_ends_it_and_suggests_the_stage(
            self, harness: Harness) -> None:
        """No more value reminders, no meeting request; Next touch suggests Active and
        Stage (a staff cell) is left as it is."""
        tracking(harness)
        ws = thanked(harness, Stage="Nurturing", **{"Last contact": TODAY - 2 * DAY})
        events = harness.live_events()
        assert any(k.startswith("P-0001/nurture-") for k in events), events
        harness.reply("R-0001/thank-you", CAROL, moment(TODAY + 3 * DAY))
        for offset in range(3, 40):
            report = sync_on(ws, TODAY + offset * DAY)
            ahead = [k for k, start in harness.live_events().items()
                     if k.startswith("P-0001/nurture-")
                     and start[:10] >= (TODAY + offset * DAY).isoformat()]
            assert ahead == [], (offset, ahead)
            assert "P-0001/meeting-request" not in harness.live_drafts()
            assert report.created == {} or offset == 3
        partner = row_of(harness, "Partners", "P-0001")
        assert partner["Stage"] == "Nurturing"
        assert partner["Next touch"] == \
            f"replied on {TODAY + 3 * DAY}: nurture ended, set Stage to Active"

    def test_a_reply_to_the_meeting_request_ends_its_nudge(self, harness: Harness) -> None:
        tracking(harness)
        ws = harness.workspace(tables(partners=[{
            **PARTNER, "Stage": "Nurturing", "Last contact": TODAY - 28 * DAY}],
            settings={"Nudge after meeting request (days)": 14}))
        sync_on(ws, TODAY)
        assert "P-0001/meeting-request" in harness.live_drafts()
        harness.send_draft("P-0001/meeting-request", TODAY)
        harness.set_cell("Partners", 2, "Stage", "Meeting requested")
        sync_on(ws, TODAY)
        assert "nudge on" in row_of(harness, "Partners", "P-0001")["Next touch"]
        harness.reply("P-0001/meeting-request", CAROL, moment(TODAY + 5 * DAY))
        for offset in range(5, 25):
            sync_on(ws, TODAY + offset * DAY)
            nudges = [k for k in harness.live_events() if "/nudge@" in k]
            assert nudges == [], (offset, nudges)
        partner = row_of(harness, "Partners", "P-0001")
        assert partner["Next touch"] == (f"replied on {TODAY + 5 * DAY}: meeting request "
                                         "answered, set Stage to Active")
        assert partner["Stage"] == "Meeting requested"
