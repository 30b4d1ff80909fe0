"""init --google: a new or empty spreadsheet gets REGISTER.md's tabs; data is never rewritten
(tabs holding data get only what they lack: see tests/layout for the details)."""

from __future__ import annotations

from builders import NOON_UTC, TODAY, checkin
from google_harness import GoogleHarness

from sheetsync.backends.google.layout import create_spreadsheet, lay_out
from sheetsync.backends.google.register import SheetsRegister
from sheetsync.core.schema import ALL_TABS
from sheetsync.engine import run_sync
from sheetsync.workspace.local_init import register_tables


def test_new_spreadsheet_is_laid_out_and_syncs() -> None:
    h = GoogleHarness()
    bootstrap = SheetsRegister("unused", session=h.fake.requests_session())
    h.sid = create_spreadsheet(bootstrap.http_client, "Clinic register",
                               time_zone="Europe/London")
    ws = h.open()
    h.fake.reset_counters()
    ws.register.read()
    reads = h.fake.calls.for_api("sheets")
    h.fake.reset_counters()
    report = lay_out(ws.register, register_tables(None))  # type: ignore[arg-type]
    assert report.filled == [s.name for s in ALL_TABS] and report.created == []
    # the register's read, one get of what is there, one batchUpdate, one values:batchUpdate
    assert h.fake.calls.for_api("sheets") == reads + 3
    assert h.tab("Treatments")[0] == ["Treatment", "Check-in after (days)",
                                      "Aftercare template"]
    note = h.fake.sheets.cell(h.sid, "Partners", "A1")
    assert note is not None and "stable key" in (note.note or "")
    h.set_cell("Check-ins", 2, "Client", "Amira Khan")
    for column, value in checkin().items():
        h.set_cell("Check-ins", 2, column, value)
    first = run_sync(ws, clock=NOON_UTC)
    assert first.ids_assigned == 1, first.as_json()
    # A new register's Settings hold placeholders: it syncs, but says what to fill in.
    assert not first.tab_problems
    assert [p[:27] for p in first.notes] == ["Tab 'Settings': fill in 'Cl"]
    assert TODAY.isoformat() in h.tab("Check-ins")[1]


def test_tabs_holding_data_are_never_rewritten() -> None:
    h = GoogleHarness()
    h.sid = h.fake.sheets.create_spreadsheet("R", {"Partners": [["Name"], ["Dr Who"]],
                                                    "Sheet1": []})
    ws = h.open()
    report = lay_out(ws.register, register_tables(None))  # type: ignore[arg-type]
    assert "Partners" not in report.created + report.filled
    assert "Referrals" in report.created
    # staff's cells stay; only sheetsync's own columns are added after them
    assert h.tab("Partners") == [["Name", "Partner ID", "Next touch", "Sync status"],
                                 ["Dr Who"]]
