"""Each playbook rule, planned purely from rows + state + today (no backend)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from builders import PARTNER, TODAY, checkin, referral, tables

from sheetsync.core.plan import RowPlan
from sheetsync.core.ports import DraftSpec, EventSpec
from sheetsync.core.register import parse_register
from sheetsync.core.state import SyncState
from sheetsync.engine import DEFAULT_TREATMENT_ROWS
from sheetsync.playbook import PlanContext, plan_register
from sheetsync.testing.memory import MemoryRegister

DAY = dt.timedelta(days=1)


def plan(today: dt.date = TODAY, state: SyncState | None = None,
         contacts: dict[str, dt.date] | None = None, **tabs: Any) -> dict[str, RowPlan]:
    snapshot = MemoryRegister(tables(**tabs)).read()
    parsed = parse_register(snapshot, state or SyncState(), DEFAULT_TREATMENT_ROWS)
    ctx = PlanContext(parsed, parsed.state, today, "test", contacts or {})
    return plan_register(ctx)


def specs(p: RowPlan) -> dict[str, EventSpec | DraftSpec]:
    return {i.purpose: i.spec for i in p.intents if i.spec is not None}


# ------------------------------------------------------------- 1. thank the referrer

def test_received_referral_gets_thank_you_without_client_details() -> None:
    plans = plan(partners=[PARTNER], referrals=[referral()])
    draft = specs(plans["R-0001"])["thank-you"]
    assert isinstance(draft, DraftSpec)
    assert draft.to_email == "carol@webster-derm.example"
    text = draft.subject + draft.body
    assert "Jane" not in text and "Doe" not in text and "acne" not in text and "J.D" not in text


def test_consent_lets_thank_you_name_the_client() -> None:
    plans = plan(partners=[PARTNER], referrals=[referral(**{"Consent to share": "Yes"})])
    draft = specs(plans["R-0001"])["thank-you"]
    assert isinstance(draft, DraftSpec) and "Jane" in draft.body


def test_sent_referral_gets_no_thank_you() -> None:
    plans = plan(partners=[PARTNER], referrals=[referral(Direction="Sent")])
    assert "thank-you" not in specs(plans["R-0001"])


def test_thank_you_needs_partner_email() -> None:
    partner = {**PARTNER, "Email": ""}
    p = plan(partners=[partner], referrals=[referral()])["R-0001"]
    assert "thank-you" not in specs(p)
    assert any("has no Email" in problem for problem in p.problems)


# ------------------------------------------------------------------ 2. close the loop

def test_consented_referral_gets_report_back_follow_up_after_first_visit() -> None:
    visit = TODAY + 5 * DAY
    p = plan(partners=[PARTNER],
             referrals=[referral(**{"Consent to share": "Yes", "First visit": visit})])["R-0001"]
    event = specs(p)["follow-up"]
    assert isinstance(event, EventSpec)
    assert event.start == visit + 2 * DAY and event.all_day
    assert "J.D." in event.title and "Jane" not in event.title + event.description
    assert "report-back" not in specs(p)


def test_report_back_draft_when_seen() -> None:
    p = plan(partners=[PARTNER], referrals=[referral(**{"Consent to share": "Yes",
                                                        "Status": "Seen",
                                                        "First visit": TODAY - DAY})])["R-0001"]
    draft = specs(p)["report-back"]
    assert isinstance(draft, DraftSpec) and "Jane" in draft.body


def test_no_consent_no_follow_up_no_report_back() -> None:
    p = plan(partners=[PARTNER], referrals=[referral(Status="Booked")])["R-0001"]
    assert set(specs(p)) == {"thank-you"}
    # Already Seen when first synced: no thank-you either (REGISTER.md, windows).
    p = plan(partners=[PARTNER], referrals=[referral(Status="Seen")])["R-0001"]
    assert set(specs(p)) == set()


def test_sent_referral_gets_check_seen_follow_up() -> None:
    p = plan(partners=[PARTNER], referrals=[referral(Direction="Sent")])["R-0001"]
    event = specs(p)["follow-up"]
    assert isinstance(event, EventSpec)
    assert event.start == TODAY - 3 * DAY + 14 * DAY
    assert event.title.startswith("Check that J.D. was seen")


def test_client_names_in_calendar_only_when_settings_allow() -> None:
    p = plan(partners=[PARTNER], referrals=[referral(Direction="Sent")],
             settings={"Show client names in calendar": "Yes"})["R-0001"]
    event = specs(p)["follow-up"]
    assert "Jane Doe" in event.title  # type: ignore[union-attr]


# --------------------------------------------------------------- 3. nurture partners

def nurturing(last: dt.date) -> dict[str, Any]:
    return {**PARTNER, "Stage": "Nurturing", "Last contact": last}


def test_nurture_week_1_plans_three_weekly_reminders_and_no_draft() -> None:
    p = plan(partners=[nurturing(TODAY - 2 * DAY)])["P-0001"]
    s = specs(p)
    cycle = f"@{(TODAY - 2 * DAY).isoformat()}"  # one key per nurture cycle
    assert [s[f"nurture-{w}{cycle}"].start for w in (1, 2, 3)] == [  # type: ignore[union-attr]
        TODAY + 5 * DAY, TODAY + 12 * DAY, TODAY + 19 * DAY]
    assert "meeting-request" not in s
    assert p.next_touch.startswith((TODAY + 5 * DAY).isoformat())


def test_nurture_weeks_2_and_3_do_not_create_reminders_for_past_weeks() -> None:
    week2 = specs(plan(partners=[nurturing(TODAY - 9 * DAY)])["P-0001"])
    assert {p.split("@")[0] for p in week2} == {"nurture-2", "nurture-3"}
    week3 = specs(plan(partners=[nurturing(TODAY - 16 * DAY)])["P-0001"])
    assert {p.split("@")[0] for p in week3} == {"nurture-3"}


def test_nurture_week_4_makes_the_meeting_request_draft() -> None:
    p = plan(partners=[nurturing(TODAY - 28 * DAY)])["P-0001"]
    draft = specs(p)["meeting-request"]
    assert isinstance(draft, DraftSpec) and draft.to_email == PARTNER["Email"]
    week4_minus = specs(plan(partners=[nurturing(TODAY - 27 * DAY)])["P-0001"])
    assert "meeting-request" not in week4_minus


def test_nurturing_needs_last_contact() -> None:
    p = plan(partners=[{**nurturing(TODAY), "Last contact": None}])["P-0001"]
    assert p.intents == [] and "Last contact is empty" in p.problems[0]


def test_prospect_with_introducer_gets_introduction_draft_to_introducer() -> None:
    prospect = {"Name": "Dr Priya Natarajan", "Practice": "Women's Health", "Stage": "Prospect",
                "Introduced by": "dr carol WEBSTER", "Specialty": "OB-GYN"}
    p = plan(partners=[PARTNER, prospect])["P-0002"]
    draft = specs(p)["introduction"]
    assert isinstance(draft, DraftSpec)
    assert draft.to_email == PARTNER["Email"] and "Priya Natarajan" in draft.body


# ----------------------------------------------------------------- 4. stay in touch

def test_active_partner_not_yet_due_has_next_touch_only() -> None:
    p = plan(partners=[PARTNER])["P-0001"]
    assert specs(p) == {}
    assert p.next_touch == f"{(TODAY + 80 * DAY).isoformat()}: check-in (every 90 days)"


def test_overdue_partner_gets_event_today_and_is_flagged() -> None:
    partner = {**PARTNER, "Last contact": TODAY - 100 * DAY}
    p = plan(partners=[partner])["P-0001"]
    event = specs(p)[f"touch@{(TODAY - 10 * DAY).isoformat()}"]
    assert isinstance(event, EventSpec) and event.start == TODAY
    assert p.next_touch.startswith(f"OVERDUE since {(TODAY - 10 * DAY).isoformat()}")


def test_custom_cadence_and_sent_thank_you_counts_as_contact() -> None:
    partner = {**PARTNER, "Last contact": TODAY - 40 * DAY, "Check-in every (days)": 30}
    assert f"touch@{(TODAY - 10 * DAY).isoformat()}" in specs(plan(partners=[partner])["P-0001"])
    moved = plan(partners=[partner], contacts={"P-0001": TODAY - 5 * DAY})["P-0001"]
    assert specs(moved) == {}
    assert moved.next_touch.startswith((TODAY + 25 * DAY).isoformat())


# ------------------------------------------------------------- 5. check in on clients

def test_treatment_gets_timed_check_in_after_its_days() -> None:
    p = plan(checkins=[checkin(**{"Treatment date": TODAY + 2 * DAY})])["C-0001"]
    event = specs(p)["check-in"]
    assert isinstance(event, EventSpec) and not event.all_day
    assert event.start == dt.datetime(2026, 11, 27, 9, 0, tzinfo=event.start.tzinfo)  # peel: 3 days
    assert event.title == "Call A.K.: check-in after Chemical peel"


def test_first_visit_always_gets_a_check_in() -> None:
    facial = checkin(Treatment="Facial")
    assert "check-in" not in specs(plan(checkins=[facial])["C-0001"])
    first = checkin(Treatment="facial", **{"First visit": "Yes"})
    event = specs(plan(checkins=[first])["C-0001"])["check-in"]
    assert event.start.date() == TODAY + 2 * DAY  # type: ignore[union-attr]


def test_aftercare_draft_only_with_client_email_and_after_treatment() -> None:
    s = specs(plan(checkins=[checkin()])["C-0001"])
    assert isinstance(s["aftercare"], DraftSpec) and s["aftercare"].to_email == "amira@mail.example"
    assert "aftercare" not in specs(plan(checkins=[checkin(**{"Client email": ""})])["C-0001"])
    future = checkin(**{"Treatment date": TODAY + DAY})
    assert "aftercare" not in specs(plan(checkins=[future])["C-0001"])


def test_old_history_creates_nothing_new() -> None:
    old = checkin(**{"Treatment date": TODAY - 200 * DAY})
    assert specs(plan(checkins=[old])["C-0001"]) == {}


# -------------------------------------------------------------- time zones and DST

def test_check_in_keeps_local_nine_oclock_across_dst() -> None:
    # Europe/London leaves summer time on 2026-10-25: 09:00 is 08:00 UTC before, 09:00 after.
    before = checkin(**{"Treatment date": dt.date(2026, 10, 21)})
    after = checkin(**{"Treatment date": dt.date(2026, 10, 23)})
    today = dt.date(2026, 10, 20)
    e1 = specs(plan(today, checkins=[before])["C-0001"])["check-in"]
    e2 = specs(plan(today, checkins=[after])["C-0001"])["check-in"]
    assert e1.start.utcoffset() == dt.timedelta(hours=1)  # type: ignore[union-attr]
    assert e2.start.utcoffset() == dt.timedelta(0)  # type: ignore[union-attr]
    assert e1.start.hour == e2.start.hour == 9  # type: ignore[union-attr]


def test_us_dst_spring_forward() -> None:
    row = checkin(**{"Treatment date": dt.date(2027, 3, 11)})  # + 3 days = 14 March, DST starts
    e = specs(plan(dt.date(2027, 3, 10), checkins=[row],
                   settings={"Time zone": "America/New_York"})["C-0001"])["check-in"]
    assert e.start.isoformat() == "2027-03-14T09:00:00-04:00"  # type: ignore[union-attr]
