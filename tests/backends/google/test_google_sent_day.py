""""sent on DATE" is the day in the clinic's time zone (Settings), not the spreadsheet's
or the server's (issue 17 item 11): a draft sent at 00:30 in Auckland shows that day."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from builders import PARTNER, referral, tables
from google_harness import GoogleHarness, as_text

from sheetsync.engine import run_sync

# 11:30 UTC on the 22nd is 00:30 on the 23rd in Auckland (NZDT, UTC+13).
SENT = dt.datetime(2026, 11, 22, 11, 30, tzinfo=dt.timezone.utc)


class Kill(BaseException):
    """The process dies here."""


LATER = lambda: dt.datetime(2026, 11, 22, 13, tzinfo=dt.timezone.utc)  # noqa: E731


def auckland_clinic_on_a_london_sheet() -> GoogleHarness:
    h = GoogleHarness()
    rows = tables(partners=[PARTNER], referrals=[referral()],
                  settings={"Time zone": "Pacific/Auckland"})
    typed = {t: [[as_text(c) for c in row] for row in tab] for t, tab in rows.items()}
    h.sid = h.fake.sheets.create_spreadsheet("R", typed, time_zone="Europe/London")
    return h


def thank_you(h: GoogleHarness) -> str:
    rows = h.tab("Referrals")
    return rows[1][rows[0].index("Thank-you")]


def test_sent_on_is_the_day_in_the_settings_time_zone() -> None:
    h = auckland_clinic_on_a_london_sheet()
    ws = h.open()
    run_sync(ws, clock=lambda: dt.datetime(2026, 11, 22, 10, tzinfo=dt.timezone.utc))
    draft = h._drafts()["R-0001/thank-you"]
    h.fake.gmail.owner_sends_draft(draft["draft_id"], SENT)
    run_sync(ws, clock=LATER)
    assert thank_you(h) == "sent on 2026-11-23"


def test_a_draft_found_sent_after_a_crash_is_dated_in_the_settings_time_zone() -> None:
    """The other way a sent date is found: a run died after making its draft, before
    recording it; the owner sent it; the next run finds it among sent mail."""
    h = auckland_clinic_on_a_london_sheet()
    ws = h.open()

    def dies_on_write(request: Any) -> None:
        body = request.body or b""
        if request.method_id.endswith("spreadsheets.batchUpdate") and \
                b"updateCells" in body and b"_sheetsync_lock" not in body:
            raise Kill()

    h.fake.before_request(dies_on_write)
    with pytest.raises(Kill):
        run_sync(ws, clock=lambda: dt.datetime(2026, 11, 22, 10, tzinfo=dt.timezone.utc))
    h.fake.remove_hook(dies_on_write)
    draft = h._drafts()["R-0001/thank-you"]
    h.fake.gmail.owner_sends_draft(draft["draft_id"], SENT)
    report = run_sync(h.open(), clock=LATER)
    assert report.created["draft"] == 0
    assert thank_you(h) == "sent on 2026-11-23"


def test_local_sent_on_is_the_day_in_the_settings_time_zone(tmp_path: Path) -> None:
    """The local mailbox too: a message moved to sent/ at 00:30 in Auckland is sent on
    that day, whatever this computer's time zone."""
    from contract.local_harness import LocalHarness

    h = LocalHarness(tmp_path)
    ws = h.workspace(tables(partners=[PARTNER], referrals=[referral()],
                            settings={"Time zone": "Pacific/Auckland"}))
    run_sync(ws, clock=lambda: dt.datetime(2026, 11, 22, 10, tzinfo=dt.timezone.utc))
    h.send_draft("R-0001/thank-you", dt.date(2026, 11, 22))
    stamp = SENT.timestamp()
    os.utime(h.sent / os.listdir(h.sent)[0], (stamp, stamp))
    run_sync(ws, clock=LATER)
    rows = h.tab("Referrals")
    assert rows[1][rows[0].index("Thank-you")] == "sent on 2026-11-23"
