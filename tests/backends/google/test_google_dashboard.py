"""The Dashboard tab on Google: made, filled and charted in the sync's one
``batchUpdate`` (no call of its own), nothing for an unchanged run, the chart added once
and then refreshed in place, and a chart a person deleted drawn again."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from builders import NOON_UTC, PARTNER, referral, tables
from google_harness import GoogleHarness

from sheetsync.backends.google.dashboard import chart_id_for
from sheetsync.backends.google.lease import LOCK_TAB
from sheetsync.core.dashboard import DASHBOARD_HEADING, DASHBOARD_TAB
from sheetsync.engine import run_sync
from sheetsync.testing.fake_google.server import FakeRequest


def sync(ws: Any) -> Any:
    return run_sync(ws, clock=NOON_UTC)


def writes(h: GoogleHarness) -> list[list[dict[str, Any]]]:
    """The request lists of the batchUpdates that touched the dashboard."""
    return [r.json()["requests"] for r in h.fake.log
            if r.method_id.endswith("spreadsheets.batchUpdate")
            and (DASHBOARD_TAB in json.dumps(r.json()) or "Chart" in json.dumps(r.json()))]


def kinds(requests: list[dict[str, Any]]) -> Counter[str]:
    return Counter(k for q in requests for k in q)


def charts(h: GoogleHarness) -> list[dict[str, Any]]:
    sheet = h.fake.sheets.spreadsheet(h.sid).by_title(DASHBOARD_TAB)
    assert sheet is not None
    return list(sheet.charts)


def test_dashboard_and_chart_ride_in_the_one_write() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(partners=[PARTNER], referrals=[referral(Client="Jane Doe")]))
    h.fake.reset_counters()
    sync(ws)
    (write,) = writes(h)
    # The same request carries the statuses, the state, the log and the dashboard.
    assert {q["addSheet"]["properties"]["title"] for q in write if "addSheet" in q} >= \
        {DASHBOARD_TAB, "Sync log"}
    assert kinds(write)["addChart"] == 1 and kinds(write)["updateChartSpec"] == 0
    tab = h.tab(DASHBOARD_TAB)
    assert tab[0] == [DASHBOARD_HEADING] and "Jane" not in str(tab)
    (chart,) = charts(h)
    assert chart["chartId"] == chart_id_for(h.sid)
    basic = chart["spec"]["basicChart"]
    assert basic["chartType"] == "COLUMN" and len(basic["series"]) == 1
    # Counts are numbers (the chart plots them); text stays text.
    month, count = (h.fake.sheets.cell(h.sid, DASHBOARD_TAB, a1) for a1 in ("A17", "B17"))
    assert month is not None and month.value == "Nov 2026"
    assert count is not None and count.value == 1

    h.fake.reset_counters()
    sync(ws)
    assert not [r for r in h.fake.log if r.method_id.endswith("spreadsheets.batchUpdate")]


def test_the_chart_is_refreshed_in_place_never_added_twice() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(partners=[PARTNER, {**PARTNER, "Name": "Dr Amara Okafor"}],
                            referrals=[referral()]))
    sync(ws)
    h.insert_row("Referrals", 3, [])
    h.set_cell("Referrals", 3, "Date", "2026-11-20")
    h.set_cell("Referrals", 3, "Direction", "Received")
    h.set_cell("Referrals", 3, "Partner", "Dr Amara Okafor")
    h.set_cell("Referrals", 3, "Client", "Zoe Quinn")
    h.fake.reset_counters()
    sync(ws)
    (write,) = writes(h)
    assert kinds(write)["addChart"] == 0 and kinds(write)["updateChartSpec"] == 1
    (chart,) = charts(h)
    assert len(chart["spec"]["basicChart"]["series"]) == 2
    assert "Dr Amara Okafor" in h.tab(DASHBOARD_TAB)[4]


def test_a_deleted_chart_is_drawn_again_even_if_deleted_during_the_sync() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(partners=[PARTNER], referrals=[referral()]))
    sync(ws)
    ss = h.fake.sheets.spreadsheet(h.sid)

    # Deleted after the read, while the sync runs: the refresh fails, the register
    # looks again and adds it, in one more request (not a lost write).
    def delete_chart(request: FakeRequest) -> None:
        if request.method_id.endswith("spreadsheets.batchUpdate") and \
                LOCK_TAB.encode() in (request.body or b""):
            for sheet in ss.sheets:
                sheet.charts.clear()

    h.fake.before_request(delete_chart)
    h.set_cell("Partners", 2, "Email", "carol@")  # something to write
    h.fake.reset_counters()
    report = sync(ws)
    h.fake.remove_hook(delete_chart)
    assert report.write_refused == "" and report.cells_written
    refused, done = writes(h)
    assert kinds(refused)["updateChartSpec"] == 1 and kinds(done)["addChart"] == 1
    assert len(charts(h)) == 1

    # Deleted between syncs: the next write draws it again.
    for sheet in ss.sheets:
        sheet.charts.clear()
    h.set_cell("Partners", 2, "Email", "carol@webster-derm.example")
    h.fake.reset_counters()
    sync(ws)
    (write,) = writes(h)
    assert kinds(write)["addChart"] == 1
    assert len(charts(h)) == 1


def test_only_the_rows_that_changed_are_written_and_old_rows_blanked() -> None:
    h = GoogleHarness()
    partners = [{**PARTNER, "Name": f"Dr Partner {i:02d}", "Email": f"p{i}@x.example"}
                for i in range(12)]
    ws = h.workspace(tables(partners=partners, referrals=[referral(Partner="Dr Partner 00")]))
    sync(ws)
    sheet = h.fake.sheets.spreadsheet(h.sid).by_title(DASHBOARD_TAB)
    assert sheet is not None
    before = h.tab(DASHBOARD_TAB)

    # One partner paused: its line (Stage, Next touch) and nothing else.
    h.set_cell("Partners", 5, "Stage", "Paused")
    h.fake.reset_counters()
    sync(ws)
    (write,) = writes(h)
    cells = [q["updateCells"] for q in write if "updateCells" in q
             and q["updateCells"]["start"]["sheetId"] == sheet.id]
    assert [len(c["rows"]) for c in cells] == [1]
    after = h.tab(DASHBOARD_TAB)
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == \
        [cells[0]["start"]["rowIndex"]]

    # A partner gone: the table is a line shorter and the old last line is blank.
    h.delete_row("Partners", 13)
    sync(ws)
    shorter = h.tab(DASHBOARD_TAB)
    assert len(shorter) == len(after) - 1
    assert not any("Dr Partner 11" in str(row) for row in shorter)
