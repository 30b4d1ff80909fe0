"""Issue 15 item 6 on Google (the fake): all-day reminders are free (transparency
"transparent") and never ring at 17:00 the evening before; nothing lands on a closed day.
Google reminds only before an event's start, so an all-day event's morning reminder cannot
be set there: it carries no popup at all rather than one at midnight."""

from __future__ import annotations

import datetime as dt

from builders import PARTNER, TODAY, checkin, clock_at, referral, tables
from google_harness import GoogleHarness

from sheetsync.engine import run_sync

DAY = dt.timedelta(days=1)


def test_google_all_day_reminders_are_free_and_on_open_days() -> None:
    harness = GoogleHarness()
    ws = harness.workspace(tables(
        partners=[PARTNER],
        referrals=[referral(Direction="Sent", Date=TODAY - 15 * DAY)],  # due Saturday
        checkins=[checkin(**{"Treatment date": TODAY - 3 * DAY})],  # due today, Sunday
        settings={"Open days": "Monday-Friday"}))
    run_sync(ws, clock=clock_at(dt.datetime(2026, 11, 22, 12, tzinfo=dt.timezone.utc)))
    events = harness._events()
    follow = events["R-0001/follow-up"]
    assert follow["start"]["date"] == (TODAY + DAY).isoformat()
    assert follow["transparency"] == "transparent"
    assert follow["reminders"] == {"useDefault": False, "overrides": []}
    call = events["C-0001/check-in"]
    assert call["start"]["dateTime"].startswith(f"{(TODAY + DAY).isoformat()}T09:00")
    assert call.get("transparency", "opaque") == "opaque"
    assert call["reminders"]["overrides"] == [{"method": "popup", "minutes": 15}]
