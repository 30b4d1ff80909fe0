"""The Sync log tab on Google: made visible with a bold frozen header, written in the
same single ``batchUpdate`` as the statuses and the state, nothing for an unchanged run,
and trimmed rows blanked."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from builders import NOON_UTC, PARTNER, referral, tables
from google_harness import GoogleHarness

from sheetsync.core.dashboard import DASHBOARD_TAB
from sheetsync.core.schema import STATE_TAB
from sheetsync.engine import run_sync
from sheetsync.synclog import MAX_LOG_ROWS, SYNC_LOG_HEADER, SYNC_LOG_TAB


def sheet_calls(h: GoogleHarness) -> Counter[str]:
    return Counter({m.removeprefix("sheets."): n for (api, m), n in h.fake.calls.items()
                    if api == "sheets"})


def sync(ws: Any) -> Any:
    return run_sync(ws, clock=NOON_UTC)


def test_log_rides_in_the_one_write_and_an_unchanged_run_writes_nothing() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(partners=[PARTNER], referrals=[referral(Client="Jane Doe")]))
    h.fake.reset_counters()
    sync(ws)
    # The log tab is made and filled in the same request as the state tab and statuses.
    (write,) = [r.json()["requests"] for r in h.fake.log
                if r.method_id.endswith("spreadsheets.batchUpdate")
                and SYNC_LOG_TAB in json.dumps(r.json())]
    added = {q["addSheet"]["properties"]["title"] for q in write if "addSheet" in q}
    assert added == {SYNC_LOG_TAB, STATE_TAB, DASHBOARD_TAB}
    assert sum("updateCells" in q for q in write) >= 3  # statuses, state, log
    log = h.tab(SYNC_LOG_TAB)
    assert log[0] == list(SYNC_LOG_HEADER) and len(log) == 2
    assert log[1][1:4] == ["OK", "2", "0"] and "Jane" not in str(log)
    sheet = h.fake.sheets.spreadsheet(h.sid).by_title(SYNC_LOG_TAB)
    assert sheet is not None and not sheet.props.get("hidden")
    assert sheet.grid.get("frozenRowCount") == 1

    h.fake.reset_counters()
    sync(ws)
    assert sheet_calls(h)["spreadsheets.batchUpdate"] == 0
    assert len(h.tab(SYNC_LOG_TAB)) == 2

    h.set_cell("Partners", 2, "Email", "carol@")
    sync(ws)
    log = h.tab(SYNC_LOG_TAB)
    assert len(log) == 3 and log[1][1] == "Needs attention" and log[1][3] == "2: P-0001, R-0001"


def test_a_longer_log_is_trimmed_and_the_rows_below_blanked() -> None:
    old = [[f"2026-01-01 00:00:{i:03d}", "OK", "1", "0", "-", "-", "1", "-"]
           for i in range(MAX_LOG_ROWS + 40)]
    h = GoogleHarness()
    ws = h.workspace({**tables(partners=[PARTNER]),
                      SYNC_LOG_TAB: [list(SYNC_LOG_HEADER), *old]})
    sync(ws)
    log = h.tab(SYNC_LOG_TAB)
    assert len(log) == MAX_LOG_ROWS + 1
    assert log[1][0] == "2026-11-22 12:00:00" and log[2] == old[0]
