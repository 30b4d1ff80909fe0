"""Issue 15 item 5: the weekly digest flags what is late, week after week until it is
done, and says once when something became missed."""

from __future__ import annotations

import datetime as dt

from builders import checkin, clock_at, memory

from sheetsync.core.ports import DraftSpec
from sheetsync.engine import run_sync
from sheetsync.playbook.digest import digest_key

DAY = dt.timedelta(days=1)
MONDAY = dt.date(2026, 11, 23)


def noon(day: dt.date) -> object:
    return clock_at(dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone.utc))


def digest_body(ws: object, day: dt.date) -> str:
    spec = ws.mailbox.live()[digest_key(day)]  # type: ignore[attr-defined]
    assert isinstance(spec, DraftSpec)
    return spec.body


def test_late_check_ins_stay_in_the_digest_until_done_and_missed_is_said_once() -> None:
    peel = {"Treatment": "Chemical peel", "Treatment date": MONDAY}  # due Thursday
    ws, register = memory(checkins=[checkin(**peel), checkin(Client="Bo Li", **peel)],
                          settings={"Weekly digest": "Yes",
                                    "Check-in missed after (days)": 10})
    bodies: dict[int, str] = {}
    for offset in range(0, 22):
        day = MONDAY + offset * DAY
        if offset == 9:
            register.set("Check-ins", 2, "Done", day)
        run_sync(ws, clock=noon(day))
        bodies[offset] = digest_body(ws, day)
    # Week 2 (after its week): both are late and flagged.
    assert "Call was due Thursday 26 November: late by 5 days (C-0001)" in bodies[8]
    assert "late by 5 days (C-0002)" in bodies[8]
    # Done: gone from the digest; the other is still flagged.
    assert "C-0001" not in bodies[9] and "late by 6 days (C-0002)" in bodies[9]
    # Missed (10 days late) on 2026-12-07, a Monday: said that week, not the next.
    assert "Missed this week" in bodies[14] and "C-0002" in bodies[14]
    assert "C-0002" not in bodies[21]
