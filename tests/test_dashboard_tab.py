"""The Dashboard tab end to end on the memory and .xlsx registers: written in the sync's
one write with its chart, nothing for an unchanged run, rewritten when only it is out of
date, left alone while a tab cannot be synced, and never over a staff tab of that name."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from builders import PARTNER, TODAY, clock_at, memory, referral, sync

from sheetsync.backends.local import open_local_workspace
from sheetsync.backends.local.register import _features_openpyxl_drops
from sheetsync.core.dashboard import DASHBOARD_HEADING, DASHBOARD_TAB, DASHBOARD_TAB_ALT
from sheetsync.core.ports import Workspace
from sheetsync.workspace.local_init import init_local


def test_memory_dashboard_rides_in_the_write_and_an_unchanged_run_writes_nothing() -> None:
    ws, reg = memory(partners=[PARTNER], referrals=[referral(Client="Jane Doe")])
    sync(ws)
    tab = reg.tabs[DASHBOARD_TAB]
    assert tab[0] == [DASHBOARD_HEADING] and "Jane" not in str(tab)
    chart = reg.charts[DASHBOARD_TAB]
    assert chart is not None and chart.series == 1
    assert reg.writes == 1  # statuses, state, log and dashboard in one write
    sync(ws)
    assert reg.writes == 1

    # Typed over (or out of date): the next sync puts it right, and that is a write.
    tab[5][1] = 99
    sync(ws)
    assert reg.writes == 2 and reg.tabs[DASHBOARD_TAB][5][1] != 99


def test_memory_dashboard_moves_on_with_the_quarter_alone() -> None:
    ws, reg = memory(partners=[PARTNER], referrals=[referral()])
    sync(ws)
    assert "Q4 2026" in str(reg.tabs[DASHBOARD_TAB][1])
    writes = reg.writes
    # New Year's Day: nothing else is due, but the quarter changed.
    sync(ws, clock=clock_at(dt.datetime(2027, 1, 1, 12, tzinfo=dt.timezone.utc)))
    assert reg.writes > writes and "Q1 2027" in str(reg.tabs[DASHBOARD_TAB][1])


def test_dashboard_waits_while_a_tab_cannot_be_synced() -> None:
    ws, reg = memory(partners=[PARTNER], referrals=[referral()])
    sync(ws)
    before = [list(r) for r in reg.tabs[DASHBOARD_TAB]]
    header = reg.tabs["Referrals"][0]
    header[header.index("Direction")] = "Which way"
    sync(ws)
    assert reg.tabs[DASHBOARD_TAB] == before  # not a dashboard of zeros


def test_a_staff_tab_called_dashboard_is_never_overwritten() -> None:
    ws, reg = memory(partners=[PARTNER], referrals=[referral()])
    mine = [["Our targets"], ["Q4", 30]]
    reg.tabs[DASHBOARD_TAB] = [list(r) for r in mine]
    sync(ws)
    assert reg.tabs[DASHBOARD_TAB] == mine
    assert reg.tabs[DASHBOARD_TAB_ALT][0] == [DASHBOARD_HEADING]
    writes = reg.writes
    sync(ws)
    assert reg.writes == writes


def local(folder: Path) -> Workspace:
    return open_local_workspace(folder / "register.xlsx", folder / "calendar.ics",
                                folder / "drafts", folder / "sent")


def test_xlsx_dashboard_with_its_chart_survives_later_writes(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    init_local(folder, sample=True, today=TODAY)
    ws = local(folder)
    path = folder / "register.xlsx"
    assert sync(ws).write_refused == ""
    book = openpyxl.load_workbook(path)
    sheet = book[DASHBOARD_TAB]
    assert sheet["A1"].value == DASHBOARD_HEADING and sheet["A1"].font.bold
    assert sheet["A5"].value == "Month" and sheet["A5"].font.bold
    (chart,) = sheet._charts
    assert len(chart.series) == 5 and chart.grouping == "stacked"
    assert isinstance(sheet["B6"].value, int)  # counts are numbers: the chart plots them
    # openpyxl keeps its own chart: the register's check finds nothing it would drop.
    assert _features_openpyxl_drops(path.read_bytes()) == []

    before = path.read_bytes()
    sync(ws)
    assert path.read_bytes() == before  # unchanged: the file is not touched

    # A status write elsewhere keeps the chart as it was.
    partners = book["Partners"]
    header = [c.value for c in partners[1]]
    partners.cell(row=2, column=header.index("Email") + 1).value = "carol@"
    book.save(path)
    report = sync(ws)
    assert report.write_refused == "" and report.cells_written
    assert len(openpyxl.load_workbook(path)[DASHBOARD_TAB]._charts) == 1

    # A new referral changes the dashboard: redrawn, still one chart.
    book = openpyxl.load_workbook(path)
    referrals = book["Referrals"]
    header = [c.value for c in referrals[1]]
    row = referrals.max_row + 1
    for column, value in {"Date": dt.datetime(2026, 6, 3), "Direction": "Received",
                          "Partner": "Grace Adeyemi", "Client": "Zoe Quinn"}.items():
        referrals.cell(row=row, column=header.index(column) + 1).value = value
    book.save(path)
    assert sync(ws).write_refused == ""
    sheet = openpyxl.load_workbook(path)[DASHBOARD_TAB]
    assert len(sheet._charts) == 1
    months = {r[0]: r[1:] for r in sheet.iter_rows(min_row=5, max_row=17, values_only=True)}
    assert "Grace Adeyemi" in months["Month"] and "Zoe" not in str(list(sheet.values))
