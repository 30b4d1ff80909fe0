"""Retraction and the owner's edits on the Google workspace (the fake checks every
request against the discovery documents): what they cost in requests.

- An unchanged run reads no draft or event one by one: the edit check costs nothing then.
- Gmail: a draft the owner edited is told from the draft listing the run reads anyway
  (Gmail gives a saved draft a new message id), so telling it costs no request.
- Calendar: an update or a retraction first reads that event (one ``events.get`` each,
  batched: one round trip), so only runs that change events pay, and only for those.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from builders import PARTNER, TODAY, referral, tables
from google_harness import GoogleHarness

from sheetsync.engine import run_sync


def sync_on(ws: Any, day: dt.date) -> Any:
    moment = dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone.utc)
    return run_sync(ws, clock=lambda: moment)


def calls(h: GoogleHarness, *methods: str) -> dict[str, int]:
    return {m: sum(n for (api, method), n in h.fake.calls.items() if method == m)
            for m in methods}


ONE_BY_ONE = ("gmail.users.drafts.get", "calendar.events.get", "gmail.users.drafts.delete",
              "calendar.events.delete", "gmail.users.drafts.update", "calendar.events.patch")


def test_what_retraction_and_the_edit_check_cost() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(partners=[PARTNER], referrals=[
        referral(**{"Consent to share": "Yes", "Status": "Booked", "First visit": TODAY}),
        referral(Client="Bo Brown")]))
    sync_on(ws, TODAY)  # (already Seen when first synced would get no thank-you)
    h.set_cell("Referrals", 2, "Status", "Seen")
    sync_on(ws, TODAY)

    h.fake.reset_counters()
    sync_on(ws, TODAY)  # unchanged
    assert calls(h, *ONE_BY_ONE) == dict.fromkeys(ONE_BY_ONE, 0)

    # The owner edits one thank-you; a new signature rewrites the other drafts.
    h.edit_draft("R-0002/thank-you", "Dear Carol,\nThanks! See you Friday.\n")
    row = next(i for i, r in enumerate(h.tab("Settings"), 1) if r and r[0] == "Signature")
    h.set_cell("Settings", row, "Value", "Sam")
    h.fake.reset_counters()
    report = sync_on(ws, TODAY)
    assert report.left_edited == 1 and report.updated["draft"] == 2
    assert "See you Friday" in h.draft_body("R-0002/thank-you")
    assert calls(h, "gmail.users.drafts.get", "gmail.users.drafts.update") == {
        "gmail.users.drafts.get": 0, "gmail.users.drafts.update": 2}

    # Consent withdrawn: the report-back draft and its event go; the event is read first.
    h.set_cell("Referrals", 2, "Consent to share", "No")
    h.fake.reset_counters()
    report = sync_on(ws, TODAY + dt.timedelta(days=1))
    assert report.retracted == {"draft": 1, "event": 1}
    assert calls(h, "calendar.events.get", "calendar.events.delete",
                 "gmail.users.drafts.delete") == {
        "calendar.events.get": 1, "calendar.events.delete": 1,
        "gmail.users.drafts.delete": 1}
    assert "R-0001/report-back" not in h.live_drafts()
    assert "R-0001/follow-up" not in h.live_events()


def test_an_event_sheetsync_cancelled_comes_back_when_wanted_again() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(partners=[PARTNER], referrals=[
        referral(**{"Consent to share": "Yes", "Status": "Seen", "First visit": TODAY})]))
    sync_on(ws, TODAY)
    h.set_cell("Referrals", 2, "Consent to share", "No")
    sync_on(ws, TODAY)
    assert "R-0001/follow-up" not in h.live_events()
    h.set_cell("Referrals", 2, "Consent to share", "Yes")
    back = sync_on(ws, TODAY)
    assert back.created == {"event": 1, "draft": 1}
    assert "R-0001/follow-up" in h.live_events()  # the same event id, confirmed again
    assert "R-0001/report-back" in h.live_drafts()
