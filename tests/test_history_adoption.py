"""Issue 15 item 2: a first sync of a register with three years of history acts only on
what is current (REGISTER.md, "Adopting with history" and "Windows"), and its dry run
says beforehand how many of each kind the real run would make."""

from __future__ import annotations

import datetime as dt
from typing import Any

from builders import clock_at

from sheetsync.core.fields import text_of
from sheetsync.core.state import SyncState
from sheetsync.engine import run_sync
from sheetsync.playbook.defaults import DEFAULT_TREATMENTS
from sheetsync.testing.bulk import history_register
from sheetsync.testing.memory import MemoryRegister, memory_workspace

TODAY = dt.date(2026, 11, 23)  # a Monday
NOON = clock_at(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc))
DAY = dt.timedelta(days=1)
AFTER = {t.name: t.checkin_after_days for t in DEFAULT_TREATMENTS}


def _rows(register: MemoryRegister, tab: str, id_column: str) -> dict[str, dict[str, Any]]:
    rows = register.tabs[tab]
    header = [text_of(c) for c in rows[0]]
    return {text_of(r[header.index(id_column)]): dict(zip(header, r, strict=False))
            for r in rows[1:]}


def test_first_sync_of_three_years_makes_only_what_is_current() -> None:
    register = MemoryRegister(history_register(TODAY))
    ws = memory_workspace(register)

    dry = run_sync(ws, dry_run=True, clock=NOON)
    would = dry.as_json()
    assert would["dry_run"] and would["events"]["created"] > 0  # main said 0 here
    assert sum(would["created_by_kind"].values()) == \
        would["events"]["created"] + would["drafts"]["created"]
    assert any("Acting since" in line for line in dry.info)

    report = run_sync(ws, clock=NOON)
    assert report.created_by_kind == dry.created_by_kind
    made = report.created_by_kind
    # On today's main the same register made 249 events and 326 drafts (107 aftercare
    # emails, 68 thank-yous, 115 report-backs, 35 introductions and meeting requests, 173
    # client check-ins). What is current is a few dozen of each at most.
    assert made["report-back"] <= 15 and made["thank-you"] <= 15
    assert made["aftercare"] <= 25 and made["check-in"] <= 80
    assert made["introduction"] == made["meeting-request"] == 0

    state = SyncState.from_rows(register.read().state_rows)
    assert state.acting_since == TODAY.isoformat()
    line = TODAY - 14 * DAY
    referrals = _rows(register, "Referrals", "Referral ID")
    checkins = _rows(register, "Check-ins", "Check-in ID")
    partners = _rows(register, "Partners", "Partner ID")
    for record in state.objects.values():
        row_key, purpose = record.row_key, record.purpose
        if purpose == "thank-you":
            ref = referrals[row_key]
            assert ref["Date"] >= line and ref["Date"] >= TODAY - 30 * DAY
            assert ref["Status"] in ("New", "Booked")
        elif purpose == "report-back":
            ref = referrals[row_key]
            assert (ref["First visit"] or ref["Date"]) >= line
        elif purpose == "aftercare":
            assert TODAY - 7 * DAY <= checkins[row_key]["Treatment date"] <= TODAY
        elif purpose == "check-in":
            row = checkins[row_key]
            after = AFTER[row["Treatment"]] or 2
            assert row["Treatment date"] + after * DAY >= TODAY - 7 * DAY
        elif purpose == "follow-up":
            assert referrals[row_key]["Date"] >= line - 14 * DAY
        elif purpose in ("introduction", "meeting-request"):
            assert partners[row_key]["Last contact"] >= TODAY - 365 * DAY
    # History rows say so.
    oldest = min(referrals.values(), key=lambda r: r["Date"])
    assert oldest["Thank-you"] in ("history: nothing made", "not needed (we referred)")

    # The next day brings only the next day's things, not a second wave.
    next_day = run_sync(ws, clock=clock_at(dt.datetime(2026, 11, 24, 12, 0,
                                                      tzinfo=dt.timezone.utc)))
    assert sum(next_day.created.values()) <= 20
