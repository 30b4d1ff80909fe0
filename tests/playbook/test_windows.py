"""Issue 15 items 2 and 6: each obligation is made only while it is still worth doing
(REGISTER.md, "Windows" and "Adopting with history"). Pure planning, no backend."""

from __future__ import annotations

import datetime as dt
from typing import Any

from builders import PARTNER, TODAY, checkin, referral, tables

from sheetsync.core.plan import HISTORY, Intent, RowPlan
from sheetsync.core.register import parse_register
from sheetsync.core.state import SyncState
from sheetsync.engine import DEFAULT_TREATMENT_ROWS
from sheetsync.playbook import PlanContext, plan_register
from sheetsync.testing.memory import MemoryRegister

DAY = dt.timedelta(days=1)
LONG_AGO = {"Acting since": "2020-01-01"}  # sheetsync acting for years: no history line


def plan(today: dt.date = TODAY, acting_since: str = "", **tabs: Any) -> dict[str, RowPlan]:
    snapshot = MemoryRegister(tables(**tabs)).read()
    state = SyncState(acting_since=acting_since)
    parsed = parse_register(snapshot, state, DEFAULT_TREATMENT_ROWS)
    return plan_register(PlanContext(parsed, parsed.state, today, "test", {}))


def intent(p: RowPlan, kind: str) -> Intent:
    return next(i for i in p.intents if i.purpose.split("@")[0] == kind)


# ------------------------------------------------------------------------ thank-you

def test_thank_you_only_within_30_days_of_the_referral() -> None:
    fresh = plan(partners=[PARTNER], referrals=[referral(Date=TODAY - 30 * DAY)],
                 settings=LONG_AGO)["R-0001"]
    assert intent(fresh, "thank-you").spec is not None
    late = plan(partners=[PARTNER], referrals=[referral(Date=TODAY - 31 * DAY)],
                settings=LONG_AGO)["R-0001"]
    assert intent(late, "thank-you").spec is None
    assert intent(late, "thank-you").why_not == "not needed (referral more than 30 days ago)"
    shorter = plan(partners=[PARTNER], referrals=[referral(Date=TODAY - 10 * DAY)],
                   settings={**LONG_AGO, "Thank-you within (days)": 7})["R-0001"]
    assert intent(shorter, "thank-you").spec is None


def test_no_thank_you_for_a_referral_already_seen_closed_or_declined() -> None:
    for status in ("Seen", "Reported back", "Closed", "Declined"):
        p = plan(partners=[PARTNER], referrals=[referral(Status=status)])["R-0001"]
        assert intent(p, "thank-you").spec is None, status
        assert intent(p, "thank-you").why_not in (f"not needed (already {status})",
                                                  f"not needed (status {status})")


# ------------------------------------------------------------------------ aftercare

def test_aftercare_only_from_the_treatment_day_to_the_window_after_it() -> None:
    for age, wanted in ((0, True), (7, True), (8, False), (53, False), (-1, False)):
        p = plan(checkins=[checkin(**{"Treatment date": TODAY - age * DAY})],
                 settings=LONG_AGO)["C-0001"]
        assert (intent(p, "aftercare").spec is not None) is wanted, age
    p = plan(checkins=[checkin(**{"Treatment date": TODAY - 10 * DAY})],
             settings={**LONG_AGO, "Aftercare window (days)": 14})["C-0001"]
    assert intent(p, "aftercare").spec is not None


# ------------------------------------------------------------------- client check-in

def test_check_in_more_than_a_week_late_at_first_sight_is_missed_not_today() -> None:
    # Chemical peel: check-in 3 days after. Due 7 days ago: still made (today).
    due_week_ago = checkin(**{"Treatment date": TODAY - 10 * DAY})
    p = plan(checkins=[due_week_ago], settings=LONG_AGO)["C-0001"]
    assert intent(p, "check-in").spec is not None
    # Due 8 days ago: missed, nothing at 09:00 today.
    p = plan(checkins=[checkin(**{"Treatment date": TODAY - 11 * DAY})],
             settings=LONG_AGO)["C-0001"]
    check = intent(p, "check-in")
    assert check.spec is None and check.why_not.startswith(
        f"missed (was due {(TODAY - 8 * DAY).isoformat()}")


# ------------------------------------------------------------------------- partners

def test_introduction_only_for_prospects_contacted_within_a_year() -> None:
    def prospect(last: dt.date) -> dict[str, Any]:
        return {"Name": "Dr Priya Natarajan", "Stage": "Prospect", "Last contact": last,
                "Introduced by": "Dr Carol Webster"}
    recent = plan(partners=[PARTNER, prospect(TODAY - 30 * DAY)],
                  settings={**LONG_AGO, "Ignore rows older than (days)": 3650})["P-0002"]
    assert intent(recent, "introduction").spec is not None
    stale = plan(partners=[PARTNER, prospect(TODAY - 400 * DAY)],
                 settings={**LONG_AGO, "Ignore rows older than (days)": 3650})["P-0002"]
    assert intent(stale, "introduction").spec is None
    # ... and the horizon (Ignore rows older than) holds for introductions too.
    old = plan(partners=[PARTNER, prospect(TODAY - 90 * DAY)], settings=LONG_AGO)["P-0002"]
    assert intent(old, "introduction").spec is None


def test_meeting_request_respects_the_horizon_and_the_year() -> None:
    nurturing = {**PARTNER, "Stage": "Nurturing", "Last contact": TODAY - 100 * DAY}
    p = plan(partners=[nurturing], settings=LONG_AGO)["P-0001"]
    assert intent(p, "meeting-request").spec is None


def test_report_back_for_a_visit_long_ago_is_not_made() -> None:
    seen = referral(Date=TODAY - 200 * DAY, Status="Seen", **{"Consent to share": "Yes",
                    "First visit": TODAY - 190 * DAY})
    p = plan(partners=[PARTNER], referrals=[seen], settings=LONG_AGO)["R-0001"]
    assert intent(p, "report-back").spec is None


# --------------------------------------------------------------------------- history

def test_history_before_the_acting_day_less_the_catch_up_window() -> None:
    rows = dict(partners=[PARTNER],
                referrals=[referral(Date=TODAY - 15 * DAY), referral(Date=TODAY - 14 * DAY)],
                checkins=[checkin(**{"Treatment date": TODAY - 20 * DAY, "Treatment":
                                     "Injectables"})])  # check-in due 6 days ago
    first = plan(**rows)  # the first sync: acting from today
    assert intent(first["R-0001"], "thank-you").why_not == HISTORY
    assert intent(first["R-0002"], "thank-you").spec is not None
    assert intent(first["C-0001"], "check-in").spec is not None  # due within catch-up
    # Acting for a month already: the same rows are current, not history.
    later = plan(acting_since=(TODAY - 30 * DAY).isoformat(), **rows)
    assert intent(later["R-0001"], "thank-you").spec is not None
    # Staff may move the day in Settings; it wins over the recorded one.
    moved = plan(acting_since=(TODAY - 30 * DAY).isoformat(),
                 settings={"Acting since": TODAY.isoformat(), "Catch-up window (days)": 0},
                 **rows)
    assert intent(moved["R-0002"], "thank-you").why_not == HISTORY


def test_partner_overdue_since_before_the_first_sync_is_flagged_not_evented() -> None:
    stale = {**PARTNER, "Last contact": TODAY - 200 * DAY}  # due 110 days ago
    p = plan(partners=[stale])["P-0001"]
    assert all(i.spec is None for i in p.intents)
    assert p.next_touch.startswith(f"OVERDUE since {(TODAY - 110 * DAY).isoformat()}")
    assert HISTORY in p.next_touch
    # Overdue within the catch-up window: the event is made (today).
    recent = {**PARTNER, "Last contact": TODAY - 100 * DAY}
    assert any(i.spec is not None for i in plan(partners=[recent])["P-0001"].intents)
