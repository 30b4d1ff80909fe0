"""The whole sync on the in-memory backend: idempotence, edits, sent/deleted objects."""

from __future__ import annotations

import datetime as dt

from builders import NOON_UTC, PARTNER, TODAY, cell, checkin, clock_at, memory, referral, sync

from sheetsync.core.ports import EventSpec
from sheetsync.testing.memory import MemoryCalendar, MemoryMailbox


def test_second_sync_changes_nothing() -> None:
    ws, reg = memory(partners=[PARTNER], referrals=[referral(**{"Consent to share": "Yes"})],
                     checkins=[checkin()])
    first = sync(ws)
    assert first.created["event"] == 2 and first.created["draft"] == 2
    writes = reg.writes
    second = sync(ws)
    assert second.created == {} or sum(second.created.values()) == 0
    assert sum(second.updated.values()) == 0
    assert reg.writes == writes  # nothing written at all
    assert cell(reg, "Referrals", 1, "Thank-you") == f"ready in Drafts since {TODAY.isoformat()}"
    assert cell(reg, "Referrals", 1, "Sync status") == "OK"


def test_moving_the_treatment_date_moves_the_event_not_a_copy() -> None:
    ws, reg = memory(checkins=[checkin()])
    sync(ws)
    cal = ws.calendar
    assert isinstance(cal, MemoryCalendar)
    assert len(cal.live()) == 1
    reg.set("Check-ins", 2, "Treatment date", TODAY + dt.timedelta(days=7))
    report = sync(ws)
    assert report.updated["event"] == 1 and report.created["event"] == 0
    (event,) = cal.live().values()
    assert isinstance(event, EventSpec) and event.start.date() == TODAY + dt.timedelta(days=10)
    assert cell(reg, "Check-ins", 1, "Check-in") == f"Call on {TODAY + dt.timedelta(days=10)} 09:00"


def test_edit_rewrites_unsent_draft_but_never_a_sent_one() -> None:
    ws, reg = memory(partners=[PARTNER], referrals=[referral()])
    sync(ws)
    box = ws.mailbox
    assert isinstance(box, MemoryMailbox)
    reg.set("Partners", 2, "Name", "Dr Carol Webster-Hale")
    reg.set("Referrals", 2, "Partner", "Dr Carol Webster-Hale")
    assert sync(ws).updated["draft"] == 1
    box.send("R-0001/thank-you", TODAY)
    sync(ws)
    assert cell(reg, "Referrals", 1, "Thank-you") == f"sent on {TODAY}"
    reg.set("Partners", 2, "Practice", "New practice")
    assert sum(sync(ws).updated.values()) == 0


def test_sent_thank_you_counts_as_contact() -> None:
    partner = {**PARTNER, "Last contact": TODAY - dt.timedelta(days=200)}
    ws, reg = memory(partners=[partner], referrals=[referral()])
    sync(ws)
    assert str(cell(reg, "Partners", 1, "Next touch")).startswith("OVERDUE")
    ws.mailbox.send("R-0001/thank-you", TODAY)  # type: ignore[attr-defined]
    sync(ws)
    assert cell(reg, "Partners", 1, "Next touch") == \
        f"{TODAY + dt.timedelta(days=90)}: check-in (every 90 days)"


def test_deleted_event_is_not_recreated_and_row_says_so() -> None:
    ws, reg = memory(checkins=[checkin()])
    sync(ws)
    ws.calendar.delete("C-0001/check-in")  # type: ignore[attr-defined]
    report = sync(ws)
    assert report.created["event"] == 0
    assert "deleted in the calendar" in str(cell(reg, "Check-ins", 1, "Check-in"))


def test_deleted_row_never_brings_objects_back_and_ids_are_not_reused() -> None:
    ws, reg = memory(checkins=[checkin(), checkin(Client="Bo Li")])
    sync(ws)
    del reg.tabs["Check-ins"][1]
    sync(ws)
    reg.tabs["Check-ins"].append(reg.tabs["Check-ins"][1][:1] + [None] * 0 +
                                 reg.tabs["Check-ins"][1][1:])
    reg.tabs["Check-ins"][-1][0] = None  # a new row, no ID yet
    sync(ws)
    assert reg.column("Check-ins", "Check-in ID") == ["C-0002", "C-0003"]


def test_bad_rows_get_messages_and_good_rows_still_sync() -> None:
    bad = referral(Partner="Dr Smyth")
    ws, reg = memory(partners=[PARTNER, {**PARTNER, "Name": "Dr B", "Email": "jane@"}],
                     referrals=[bad, referral()])
    report = sync(ws)
    assert report.rows_with_problems == 2
    assert cell(reg, "Referrals", 1, "Sync status") == \
        "Needs attention: Partner 'Dr Smyth' is not in the Partners tab"
    assert cell(reg, "Partners", 2, "Sync status") == \
        "Needs attention: Email 'jane@' is not a valid address"
    assert cell(reg, "Referrals", 2, "Thank-you") == f"ready in Drafts since {TODAY.isoformat()}"


def test_failed_service_reports_and_next_run_completes() -> None:
    ws, reg = memory(checkins=[checkin()])
    ws.calendar.fail_next = 1  # type: ignore[attr-defined]
    report = sync(ws)
    assert report.failed == 1 and report.retry_later == 1
    assert "the next sync will try again" in str(cell(reg, "Check-ins", 1, "Sync status"))
    again = sync(ws)
    assert again.created["event"] == 1 and cell(reg, "Check-ins", 1, "Sync status") == "OK"


def test_dry_run_changes_nothing() -> None:
    ws, reg = memory(partners=[PARTNER], referrals=[referral()])
    before = {t: [list(r) for r in rows] for t, rows in reg.tabs.items()}
    report = sync(ws, dry_run=True)
    assert reg.tabs == before and reg.writes == 0
    assert any(s.kind == "create" for r in report.rows for s in r.steps)
    assert ws.mailbox.live() == {}  # type: ignore[attr-defined]


def test_a_real_run_reports_problems_per_row_but_keeps_its_steps_only_in_a_dry_run() -> None:
    # The steps carry every event's and draft's text: a real run lets them go before it
    # writes (memory at 10,000 rows); only a dry run prints them.
    ws, _ = memory(partners=[PARTNER, {**PARTNER, "Name": "Dr B", "Email": "jane@"}],
                   referrals=[referral()])
    plan = sync(ws, dry_run=True)
    assert any(s.kind == "create" for r in plan.rows for s in r.steps)
    report = sync(ws)
    assert sum(report.created.values()) >= 1
    assert [r.key for r in report.rows if r.problems] == [r.key for r in plan.rows
                                                           if r.problems] != []
    assert all(r.steps == [] for r in report.rows)


def test_today_is_the_clinic_day_not_the_server_day() -> None:
    # 23:30 UTC on 21 Nov is already 22 Nov in Sydney.
    late = clock_at(dt.datetime(2026, 11, 21, 23, 30, tzinfo=dt.timezone.utc))
    ws, _ = memory(checkins=[checkin()], settings={"Time zone": "Australia/Sydney"})
    assert sync(ws, clock=late).today == dt.date(2026, 11, 22)
    ws2, _ = memory(checkins=[checkin()])
    assert sync(ws2, clock=late).today == dt.date(2026, 11, 21)
    assert NOON_UTC().date() == TODAY
