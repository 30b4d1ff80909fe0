"""Issue 15 item 6 on the local backend: an all-day reminder in calendar.ics rings on
the morning of its day (VALARM after the start) and is free (TRANSP:TRANSPARENT); a
timed check-in stays busy with its alarm before it; nothing lands on a closed day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from builders import PARTNER, TODAY, checkin, clock_at, referral, tables
from contract.local_harness import LocalHarness
from icalendar import Calendar

from sheetsync.engine import run_sync

DAY = dt.timedelta(days=1)


def test_ics_all_day_alarm_is_the_morning_of_the_day_and_free(tmp_path: Path) -> None:
    harness = LocalHarness(tmp_path)
    ws = harness.workspace(tables(
        partners=[PARTNER],
        referrals=[referral(Direction="Sent", Date=TODAY - 15 * DAY)],  # due Saturday
        checkins=[checkin(**{"Treatment date": TODAY - 3 * DAY})],  # due today, Sunday
        settings={"Open days": "Monday-Friday", "Working hours": "08:00-16:00"}))
    run_sync(ws, clock=clock_at(dt.datetime(2026, 11, 22, 12, tzinfo=dt.timezone.utc)))
    events = {str(e["X-SHEETSYNC-KEY"]): e
              for e in Calendar.from_ical(harness.ics.read_bytes()).walk("VEVENT")}
    follow = events["R-0001/follow-up"]
    assert follow.decoded("DTSTART") == TODAY + DAY  # Monday, not the weekend
    assert str(follow["TRANSP"]) == "TRANSPARENT"
    [alarm] = follow.walk("VALARM")
    assert alarm.decoded("TRIGGER") == dt.timedelta(hours=8)  # 08:00 that day
    call = events["C-0001/check-in"]
    start = call.decoded("DTSTART")
    assert start.date() == TODAY + DAY and start.hour == 8
    assert "TRANSP" not in call or str(call["TRANSP"]) != "TRANSPARENT"
    [alarm] = call.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -dt.timedelta(minutes=15)
