"""Retraction and the owner's edits over simulated days (issue 15 items 1, 4, 5).

The contract suite (tests/contract/suite.py) runs the same stories on every backend;
these are the ones that need one backend's hands: a partner's stay-in-touch check-in
cancelled by a sent thank-you, a year of weekly digests in a local drafts/ folder, and
what a deleted row that the owner had edited leaves in the run's notes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from builders import PARTNER, TODAY, cell, checkin, memory, referral, tables
from contract.local_harness import LocalHarness

from sheetsync.core.reconcile import decide
from sheetsync.core.state import ObjectRecord
from sheetsync.engine import SyncReport, run_sync
from sheetsync.playbook.context import Intent


def on(day: dt.date, hour: int = 12) -> Any:
    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone.utc)
    return lambda: moment


def sync_on(ws: Any, day: dt.date, hour: int = 12) -> SyncReport:
    return run_sync(ws, clock=on(day, hour))


def test_a_sent_thank_you_cancels_the_check_in_event_still_ahead() -> None:
    # Active partner, last contact 100 days ago (every 90): a check-in event today.
    partner = {**PARTNER, "Last contact": TODAY - dt.timedelta(days=100)}
    ws, reg = memory(partners=[partner], referrals=[referral()])
    sync_on(ws, TODAY, hour=8)
    calendar, box = ws.calendar, ws.mailbox
    first = f"P-0001/touch@{(TODAY - dt.timedelta(days=10)).isoformat()}"  # one key a cycle
    assert first in calendar.live()  # type: ignore[attr-defined]
    box.send("R-0001/thank-you", TODAY)  # type: ignore[attr-defined]
    report = sync_on(ws, TODAY, hour=15)  # the same day: the event is still ahead
    assert first not in calendar.live()  # type: ignore[attr-defined]
    assert report.retracted == {"event": 1}
    next_touch = str(reg.column("Partners", "Next touch")[0])
    assert next_touch.startswith((TODAY + dt.timedelta(days=90)).isoformat())
    # Next cycle: a new event is made when it falls due again.
    later = sync_on(ws, TODAY + dt.timedelta(days=91))
    assert later.created["event"] == 1
    assert f"P-0001/touch@{(TODAY + dt.timedelta(days=90)).isoformat()}" in \
        calendar.live()  # type: ignore[attr-defined]


def test_a_past_event_stays_when_its_reason_goes() -> None:
    record = ObjectRecord("R-0001/follow-up", "event", "abc", "h", date="2026-11-20")
    intent = Intent("R-0001", "follow-up", "Follow-up", "Report back",
                    retract="consent withdrawn")
    step = decide(intent, record, TODAY)
    assert step.kind == "none" and "past event left in the calendar" in step.reason
    future = decide(intent, ObjectRecord("R-0001/follow-up", "event", "abc", "h",
                                         date=TODAY.isoformat()), TODAY)
    assert future.kind == "retract" and future.change is not None
    assert future.change.op == "delete" and future.change.kind == "event"
    # Without a day to compare with, no event is ever retracted.
    assert decide(intent, record).kind == "none"


def test_a_deleted_row_whose_draft_the_owner_edited_is_left_and_noted() -> None:
    ws, reg = memory(partners=[PARTNER], referrals=[referral(), referral(Client="Bo Brown")])
    sync_on(ws, TODAY)
    ws.mailbox.edit("R-0001/thank-you", body="Dear Carol,\nA personal note.\n")  # type: ignore[attr-defined]
    del reg.tabs["Referrals"][1]  # R-0001
    report = sync_on(ws, TODAY + dt.timedelta(days=1))
    assert "R-0001/thank-you" in ws.mailbox.live()  # type: ignore[attr-defined]
    assert report.retracted == {} and report.left_edited == 1
    assert any("R-0001" in n and "edited by you" in n for n in report.notes)
    # Said once: the next run has nothing to say about it.
    again = sync_on(ws, TODAY + dt.timedelta(days=2))
    assert again.notes == [] and again.left_edited == 0


def test_consent_given_back_brings_the_report_back_again() -> None:
    seen = referral(**{"Consent to share": "Yes", "Status": "Seen", "First visit": TODAY})
    ws, reg = memory(partners=[PARTNER], referrals=[seen])
    sync_on(ws, TODAY)
    reg.set("Referrals", 2, "Consent to share", "No")
    assert sync_on(ws, TODAY).retracted == {"event": 1, "draft": 1}
    reg.set("Referrals", 2, "Consent to share", "Yes")
    back = sync_on(ws, TODAY)
    assert back.created == {"event": 1, "draft": 1}
    assert {"R-0001/report-back"} <= set(ws.mailbox.live())  # type: ignore[attr-defined]
    assert "R-0001/follow-up" in ws.calendar.live()  # type: ignore[attr-defined]


def test_a_year_of_weekly_digests_leaves_one_in_the_drafts_folder(tmp_path: Path) -> None:
    harness = LocalHarness(tmp_path)
    ws = harness.workspace(tables(partners=[PARTNER], referrals=[referral()],
                                  settings={"Owner email": "owner@clinic.example",
                                                "Weekly digest": "Yes"}))
    for day in range(0, 365, 3):  # a sync every third day for a year
        sync_on(ws, TODAY + dt.timedelta(days=day))
    drafts = tmp_path / "drafts"
    digests = sorted(p.name for p in drafts.glob("digest-*.eml"))
    assert len(digests) == 1, digests
    # One the owner edited is theirs: kept when the next week's comes.
    key = digests[0].removesuffix(".eml").replace("_", "/")
    harness.edit_draft(key, "My notes for Monday's meeting.\n")
    report = sync_on(ws, TODAY + dt.timedelta(days=372))
    assert report.left_edited == 1
    assert len(list(drafts.glob("digest-*.eml"))) == 2
    assert "My notes" in harness.draft_body(key)


def test_a_treatment_moved_into_the_future_withdraws_its_aftercare_until_that_day() -> None:
    ws, reg = memory(checkins=[checkin(**{"Treatment date": TODAY})])
    sync_on(ws, TODAY)
    assert "C-0001/aftercare" in ws.mailbox.live()  # type: ignore[attr-defined]
    later = TODAY + dt.timedelta(days=5)
    reg.set("Check-ins", 2, "Treatment date", later)  # moved: the treatment is not done yet
    report = sync_on(ws, TODAY)
    assert "C-0001/aftercare" not in ws.mailbox.live()  # type: ignore[attr-defined]
    assert report.retracted == {"draft": 1}
    assert str(cell(reg, "Check-ins", 1, "Aftercare")) == (
        f"withdrawn: treatment moved to {later.isoformat()} (drafted again that day), "
        "draft deleted")
    assert sync_on(ws, later - dt.timedelta(days=1)).created == {}
    # On the treatment day it is drafted again, for the new date's window.
    assert sync_on(ws, later).created == {"draft": 1}
    assert "C-0001/aftercare" in ws.mailbox.live()  # type: ignore[attr-defined]
    assert str(cell(reg, "Check-ins", 1, "Aftercare")).startswith("ready in Drafts since")


def test_a_partner_no_longer_nurturing_loses_the_nurture_weeks_still_ahead() -> None:
    nurturing = {**PARTNER, "Stage": "Nurturing", "Last contact": TODAY - dt.timedelta(days=3)}
    ws, reg = memory(partners=[nurturing])
    sync_on(ws, TODAY)
    weeks = [k for k in ws.calendar.live() if "/nurture-" in k]  # type: ignore[attr-defined]
    assert len(weeks) == 3
    reg.set("Partners", 2, "Stage", "Active")
    report = sync_on(ws, TODAY)
    assert report.retracted == {"event": 3}
    assert not [k for k in ws.calendar.live() if "/nurture-" in k]  # type: ignore[attr-defined]
    next_touch = str(cell(reg, "Partners", 1, "Next touch"))
    assert "Offer value withdrawn: Stage now Active, event cancelled" in next_touch
    assert sync_on(ws, TODAY).steady  # said the same way on the next run
    # Once their days have passed the row no longer mentions them.
    later = sync_on(ws, TODAY + dt.timedelta(days=30))
    assert later.retracted == {} and "withdrawn" not in str(cell(reg, "Partners", 1,
                                                                  "Next touch"))


def test_the_meeting_request_goes_when_the_partner_stops_nurturing_but_not_when_asked() -> None:
    nurturing = {**PARTNER, "Stage": "Nurturing", "Last contact": TODAY - dt.timedelta(days=30)}
    ws, reg = memory(partners=[nurturing, {**nurturing, "Name": "Dr Ann Lee",
                                           "Email": "ann@lee.example"}])
    sync_on(ws, TODAY)
    live = ws.mailbox.live()  # type: ignore[attr-defined]
    assert {"P-0001/meeting-request", "P-0002/meeting-request"} <= set(live)
    reg.set("Partners", 2, "Stage", "Paused")
    reg.set("Partners", 3, "Stage", "Meeting requested")  # about to send it: kept
    report = sync_on(ws, TODAY)
    assert report.retracted == {"draft": 1}
    live = ws.mailbox.live()  # type: ignore[attr-defined]
    assert "P-0001/meeting-request" not in live and "P-0002/meeting-request" in live
    assert "Meeting request withdrawn: Stage now Paused, draft deleted" in str(
        cell(reg, "Partners", 1, "Next touch"))


def test_an_emptied_treatment_withdraws_what_was_made_for_it() -> None:
    ws, reg = memory(checkins=[checkin(**{"Treatment date": TODAY})])
    sync_on(ws, TODAY)
    assert "C-0001/check-in" in ws.calendar.live()  # type: ignore[attr-defined]
    assert "C-0001/aftercare" in ws.mailbox.live()  # type: ignore[attr-defined]
    reg.set("Check-ins", 2, "Treatment", "")
    report = sync_on(ws, TODAY)
    assert report.retracted == {"event": 1, "draft": 1}
    assert "C-0001/check-in" not in ws.calendar.live()  # type: ignore[attr-defined]
    assert "C-0001/aftercare" not in ws.mailbox.live()  # type: ignore[attr-defined]
    assert cell(reg, "Check-ins", 1, "Check-in") == \
        "withdrawn: treatment removed, event cancelled"
    assert cell(reg, "Check-ins", 1, "Aftercare") == \
        "withdrawn: treatment removed, draft deleted"
    assert str(cell(reg, "Check-ins", 1, "Sync status")).startswith("Needs attention")
    # A treatment typed in again brings them back.
    reg.set("Check-ins", 2, "Treatment", "Chemical peel")
    assert sync_on(ws, TODAY).created == {"event": 1, "draft": 1}


def test_an_unknown_treatment_withdraws_nothing() -> None:
    """A typo is a problem to fix, not a decision: nothing is withdrawn meanwhile."""
    ws, reg = memory(checkins=[checkin(**{"Treatment date": TODAY})])
    sync_on(ws, TODAY)
    reg.set("Check-ins", 2, "Treatment", "Chemcial peel")
    assert sync_on(ws, TODAY).retracted == {}
    assert "C-0001/aftercare" in ws.mailbox.live()  # type: ignore[attr-defined]


def test_a_partner_no_longer_active_loses_the_check_in_still_ahead() -> None:
    # Two Active partners due a check-in (every 90 days, last contact 100 days ago).
    due = {**PARTNER, "Last contact": TODAY - dt.timedelta(days=100)}
    ws, reg = memory(partners=[due, {**due, "Name": "Dr Ann Lee", "Email": "ann@lee.example"}])
    sync_on(ws, TODAY)
    first = f"P-0001/touch@{(TODAY - dt.timedelta(days=10)).isoformat()}"
    second = f"P-0002/touch@{(TODAY - dt.timedelta(days=10)).isoformat()}"
    assert {first, second} <= set(ws.calendar.live())  # type: ignore[attr-defined]
    ws.calendar.edit(second, title="Lunch with Ann, bring the new leaflet")  # type: ignore[attr-defined]
    reg.set("Partners", 2, "Stage", "Paused")
    reg.set("Partners", 3, "Stage", "Meeting requested")  # no check-ins either
    report = sync_on(ws, TODAY)
    assert report.retracted == {"event": 1} and report.left_edited == 1
    live = ws.calendar.live()  # type: ignore[attr-defined]
    assert first not in live and second in live  # a person's edit is theirs
    assert str(cell(reg, "Partners", 1, "Next touch")) == (
        "paused: nothing planned; Check-in withdrawn: Stage now Paused, event cancelled")
    assert "Check-in Stage now Meeting requested: the event you edited was left as is" in \
        str(cell(reg, "Partners", 2, "Next touch"))
    assert sync_on(ws, TODAY).steady  # said the same way on the next run
    # Once its day has passed the row no longer mentions it.
    sync_on(ws, TODAY + dt.timedelta(days=7))
    assert str(cell(reg, "Partners", 1, "Next touch")) == "paused: nothing planned"
    # Active again: the check-in is due again, in a cycle of its own.
    reg.set("Partners", 2, "Stage", "Active")
    assert sync_on(ws, TODAY + dt.timedelta(days=8)).created == {"event": 1}


def test_a_new_contact_while_nurturing_cancels_the_old_weeks_still_ahead() -> None:
    old = TODAY - dt.timedelta(days=3)
    nurturing = {**PARTNER, "Stage": "Nurturing", "Last contact": old}
    ws, reg = memory(partners=[nurturing])
    sync_on(ws, TODAY)
    assert len([k for k in ws.calendar.live() if "/nurture-" in k]) == 3  # type: ignore[attr-defined]
    new = TODAY + dt.timedelta(days=5)  # week 1 of the old cycle has passed
    reg.set("Partners", 2, "Last contact", new)  # staff record a new contact
    report = sync_on(ws, new)
    assert report.retracted == {"event": 2} and report.created == {"event": 3}
    live = {k: s for k, s in ws.calendar.live().items()  # type: ignore[attr-defined]
            if "/nurture-" in k}
    assert set(live) == {f"P-0001/nurture-1@{old.isoformat()}"} | {
        f"P-0001/nurture-{week}@{new.isoformat()}" for week in (1, 2, 3)}
    ahead = [s.start for k, s in live.items() if not k.endswith(old.isoformat())]
    weeks = {dt.date.fromisoformat(str(d)[:10]).isocalendar()[:2] for d in ahead}
    assert len(weeks) == 3  # no two nurture reminders for the same week
    assert sync_on(ws, new).steady
