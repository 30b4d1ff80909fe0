"""Issue 15: obligations over time, day by day with an injected clock, on every backend
(the contract suite mixes this in). REGISTER.md, "The life of an obligation"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from builders import PARTNER, TODAY, checkin, referral, tables

from sheetsync.engine import SyncReport, run_sync

from .harness import Harness

DAY = dt.timedelta(days=1)


def at(day: dt.date) -> Callable[[], dt.datetime]:
    moment = dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.timezone.utc)
    return lambda: moment


def sync_on(ws: Any, day: dt.date, **kw: Any) -> SyncReport:
    return run_sync(ws, clock=at(day), **kw)


def partner_row(harness: Harness) -> dict[str, str]:
    rows = harness.tab("Partners")
    header = rows[0]
    return dict(zip(header, rows[1] + [""] * len(header), strict=False))


class LifecycleContract:
    def test_deleted_stay_in_touch_event_stays_deleted_for_its_cycle_only(
            self, harness: Harness) -> None:
        """Item 3: one key per cycle. On main the single key stayed deleted forever, and
        Next touch kept naming the deleted event."""
        start = TODAY
        ws = harness.workspace(tables(partners=[{
            **PARTNER, "Last contact": start - 30 * DAY, "Check-in every (days)": 30}]))
        first_key = f"P-0001/touch@{start.isoformat()}"
        second_due = start + 3 * DAY + 30 * DAY
        second_key = f"P-0001/touch@{second_due.isoformat()}"
        for offset in range(0, 40):
            day = start + offset * DAY
            if offset == 3:  # staff record a contact: the next cycle is due in 30 days
                harness.set_cell("Partners", 2, "Last contact", day)
            sync_on(ws, day)
            events = harness.live_events()
            if offset == 0:
                assert first_key in events
                harness.delete_event(first_key)  # the owner does not want this one
            next_touch = partner_row(harness)["Next touch"]
            if 0 < offset < 3:
                assert first_key not in harness.live_events()
                assert "event on" not in next_touch and "deleted" in next_touch
            if "event on" in next_touch:  # never names an event that is not there
                named = next_touch.split("event on ")[1][:10]
                assert any(v.startswith(named) for v in events.values()), next_touch
            if offset >= 33:
                assert second_key in events, (offset, events)
        assert first_key not in harness.live_events()

    def test_meeting_request_gets_one_nudge_after_the_set_days(self, harness: Harness
                                                               ) -> None:
        """Item 5: "meeting requested: waiting for their reply" gets one nudge, a cycle
        of its own (a new request, a new nudge)."""
        start = TODAY
        asked = start - 10 * DAY
        ws = harness.workspace(tables(partners=[{
            **PARTNER, "Stage": "Meeting requested", "Last contact": asked}],
            settings={"Nudge after meeting request (days)": 14}))
        nudge = f"P-0001/nudge@{asked.isoformat()}"
        for offset in range(0, 30):
            day = start + offset * DAY
            if offset == 10:
                harness.set_cell("Partners", 2, "Last contact", day)  # asked again
            sync_on(ws, day)
            events = harness.live_events()
            text = partner_row(harness)["Next touch"]
            if offset < 4:
                assert nudge not in events
                assert f"nudge on {(asked + 14 * DAY).isoformat()}" in text
            elif offset <= 5:
                assert events[nudge].startswith((asked + 14 * DAY).isoformat())
                assert "no reply yet" in text and "nudge on" in text
            elif offset < 10:  # the owner deleted it: this cycle's nudge stays deleted
                assert nudge not in events
                assert "no reply yet" in text and "nudge on" not in text
            if offset == 5:
                harness.delete_event(nudge)
        again = start + 10 * DAY
        assert f"P-0001/nudge@{again.isoformat()}" in harness.live_events()
        assert nudge not in harness.live_events()

    def test_check_ins_are_done_late_or_missed_and_the_row_says_which(
            self, harness: Harness) -> None:
        """Item 5: the Done column; a done check-in shows "done on DATE" and its future
        event is no longer wanted; one not done is late by N days, then missed."""
        start = TODAY
        peel = {"Treatment": "Chemical peel", "Treatment date": start}  # due start + 3
        ws = harness.workspace(tables(checkins=[
            checkin(Client="Ann Avery", **peel), checkin(Client="Bea Brown", **peel),
            checkin(Client="Cy Cole", **{"Treatment": "Chemical peel",
                                         "Treatment date": start + 5 * DAY})]))
        due = (start + 3 * DAY).isoformat()
        shown: dict[int, dict[str, str]] = {}
        for offset in range(0, 13):
            day = start + offset * DAY
            if offset == 4:
                harness.set_cell("Check-ins", 2, "Done", "Yes")  # Ann: done today
                harness.set_cell("Check-ins", 4, "Done", day)  # Cy: done before the day
            sync_on(ws, day)
            rows = harness.tab("Check-ins")
            i = rows[0].index("Check-in")
            shown[offset] = {r[0]: r[i] for r in rows[1:]}
        assert shown[3]["C-0001"].startswith(f"Call on {due}")
        assert shown[4]["C-0001"] == shown[12]["C-0001"] == \
            f"done on {(start + 4 * DAY).isoformat()}"
        assert shown[5]["C-0002"] == f"Call was due {due}: late by 2 days"
        assert shown[10]["C-0002"] == f"Call was due {due}: late by 7 days"
        assert shown[11]["C-0002"] == f"missed (was due {due}, not marked done)"
        assert shown[12]["C-0003"] == f"done on {(start + 4 * DAY).isoformat()}"

    def test_check_seen_is_late_until_seen_then_done(self, harness: Harness) -> None:
        """Item 5: a Sent referral's "check seen" follow-up is late (not dropped after its
        week) until Status is Seen, and then done; a waiting draft shows its age."""
        start = TODAY
        ws = harness.workspace(tables(partners=[PARTNER], referrals=[
            referral(Direction="Sent", Date=start - 10 * DAY), referral()]))
        due = (start + 4 * DAY).isoformat()
        for offset in range(0, 16):
            day = start + offset * DAY
            if offset == 14:
                harness.set_cell("Referrals", 2, "Status", "Seen")
            sync_on(ws, day)
            rows = harness.tab("Referrals")
            follow = [r[rows[0].index("Follow-up")] for r in rows[1:]]
            thanks = [r[rows[0].index("Thank-you")] for r in rows[1:]]
            if offset == 6:
                assert follow[0] == f"Check seen was due {due}: late by 2 days"
            if offset == 13:
                assert follow[0] == f"Check seen was due {due}: late by 9 days"
            if offset >= 14:
                assert follow[0] == "Check seen: done (Seen)"
            assert thanks[1] == f"ready in Drafts since {start.isoformat()}"
