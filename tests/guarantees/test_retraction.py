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

from builders import PARTNER, TODAY, memory, referral, tables
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
