"""Issue 15 item 6: events fall on the clinic's open days, inside working hours; all-day
reminders remind on the morning of their day and show as free (REGISTER.md, "The
clinic's week"). Pure planning."""

from __future__ import annotations

import datetime as dt
from typing import Any

from builders import PARTNER, TODAY, checkin, referral, tables

from sheetsync.core.plan import RowPlan
from sheetsync.core.ports import EventSpec
from sheetsync.core.register import parse_register
from sheetsync.core.state import SyncState
from sheetsync.engine import DEFAULT_TREATMENT_ROWS
from sheetsync.playbook import PlanContext, plan_register
from sheetsync.testing.memory import MemoryRegister

DAY = dt.timedelta(days=1)
WEEKDAYS = {"Open days": "Monday-Friday"}  # the default of a new register
assert TODAY.weekday() == 6  # a Sunday


def plan(**tabs: Any) -> dict[str, RowPlan]:
    snapshot = MemoryRegister(tables(**tabs)).read()
    parsed = parse_register(snapshot, SyncState(), DEFAULT_TREATMENT_ROWS)
    return plan_register(PlanContext(parsed, parsed.state, TODAY, "test", {}))


def event(p: RowPlan, kind: str) -> EventSpec:
    spec = next(i.spec for i in p.intents if i.purpose.split("@")[0] == kind)
    assert isinstance(spec, EventSpec)
    return spec


def test_timed_check_in_due_on_a_weekend_moves_to_monday_morning() -> None:
    # Chemical peel: 3 days after Thursday is Sunday (today).
    p = plan(checkins=[checkin(**{"Treatment date": TODAY - 3 * DAY})], settings=WEEKDAYS)
    start = event(p["C-0001"], "check-in").start
    assert isinstance(start, dt.datetime)
    assert start.date() == TODAY + DAY and start.weekday() == 0
    assert (start.hour, start.minute) == (9, 0)
    later = plan(checkins=[checkin(**{"Treatment date": TODAY - 3 * DAY})],
                 settings={**WEEKDAYS, "Working hours": "10:30-18:00"})
    start = event(later["C-0001"], "check-in").start
    assert isinstance(start, dt.datetime) and (start.hour, start.minute) == (10, 30)


def test_all_day_follow_up_on_a_saturday_moves_to_monday_and_other_open_days() -> None:
    sent = referral(Direction="Sent", Date=TODAY - 15 * DAY)  # due Saturday
    p = plan(partners=[PARTNER], referrals=[sent], settings=WEEKDAYS)
    assert event(p["R-0001"], "follow-up").start == TODAY + DAY
    # Due yesterday, planned from today (a Sunday): a Tue-Sat clinic gets it on Tuesday.
    p = plan(partners=[PARTNER], referrals=[sent], settings={"Open days": "Tue-Sat"})
    assert event(p["R-0001"], "follow-up").start == TODAY + 2 * DAY


def test_all_day_reminders_ring_on_the_morning_of_their_day_and_are_free() -> None:
    overdue = {**PARTNER, "Last contact": TODAY - 100 * DAY}
    p = plan(partners=[overdue], settings={"Working hours": "08:30-17:00"})
    spec = event(p["P-0001"], "touch")
    assert spec.all_day and spec.transparent
    # 08:30 on the day: 510 minutes after its midnight start, not 17:00 the day before.
    assert spec.reminders_minutes == (-510,)
    timed = event(plan(checkins=[checkin()])["C-0001"], "check-in")
    assert not timed.transparent and timed.reminders_minutes == (15,)
