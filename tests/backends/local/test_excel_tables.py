"""Issue 17, item 1: a clinic's register kept as Excel Tables (ListObjects).

``init --local`` used to append sheetsync's ID and status columns *after* the Table, so
sorting the Table in Excel moved only the data: every ID stayed on its old line beside
another client's data, and the next sync rewrote drafts, moved events and showed "sent
on" beside referrals nobody was thanked for. A sort in Excel is simulated here the way
Excel does it: the values of the columns the Table covers are permuted, row by row, and
nothing else moves.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
from builders import NOON_UTC, TODAY
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table, TableStyleInfo

from sheetsync.backends.local import open_local_workspace
from sheetsync.backends.local.mailbox import draft_file_name
from sheetsync.core.fields import text_of
from sheetsync.core.ports import Workspace
from sheetsync.engine import SyncReport, run_sync
from sheetsync.workspace.local_init import describe, init_local

PARTNER_HEADER = ["Name", "Practice", "Email", "Stage", "Last contact"]
PARTNERS = [
    ["Dr Carol Webster", "Webster Dermatology", "carol@webster.example", "Active",
     TODAY - dt.timedelta(days=10)],
    ["Dr Ben Okafor", "Okafor Physio", "ben@okafor.example", "Active",
     TODAY - dt.timedelta(days=12)],
]
REFERRAL_HEADER = ["Date", "Direction", "Partner", "Client", "Reason", "Consent to share",
                   "Status"]
CLIENTS = ["Ann Avery", "Bea Brown", "Cy Cole", "Dee Dunn", "Eve East", "Fay Ford"]


def referral_rows() -> list[list[Any]]:
    partners = ["Dr Carol Webster", "Dr Ben Okafor"]
    return [[TODAY - dt.timedelta(days=1 + i), "Received", partners[i % 2], client,
             "acne", "Yes" if i % 3 == 0 else "No", "New"]
            for i, client in enumerate(CLIENTS)]


def _add_table(ws: Any, name: str, header: list[str], rows: list[list[Any]]) -> None:
    ws.append(header)
    for row in rows:
        ws.append(row)
    ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)


def clinic_workbook(path: Path) -> None:
    """The register as a clinic keeps it before sheetsync: each tab one Excel Table."""
    wb = openpyxl.Workbook()
    partners = wb.active
    assert partners is not None
    partners.title = "Partners"
    _add_table(partners, "PartnersTable", PARTNER_HEADER, PARTNERS)
    _add_table(wb.create_sheet("Referrals"), "ReferralsTable", REFERRAL_HEADER,
               referral_rows())
    wb.save(path)


def set_settings(path: Path) -> None:
    """A clinic's own name and owner (not the placeholders)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Clinic name":
            row[1].value = "Glow Skin Clinic"
        elif row[0].value == "Owner email":
            row[1].value = "owner@glow.example"
    wb.save(path)


def workspace(folder: Path) -> Workspace:
    return open_local_workspace(folder / "register.xlsx", folder / "calendar.ics",
                                folder / "drafts", folder / "sent")


def sync(folder: Path, **kw: Any) -> SyncReport:
    return run_sync(workspace(folder), clock=NOON_UTC, **kw)


def tab(path: Path, title: str) -> list[dict[str, str]]:
    wb = openpyxl.load_workbook(path)
    rows = [[text_of(c) if not isinstance(c, (dt.date, dt.datetime)) else c.isoformat()[:10]
             for c in r] for r in wb[title].iter_rows(values_only=True)]
    header = rows[0]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(r)]


def sort_in_excel(path: Path, title: str, by: str, columns: range | None = None) -> None:
    """Sort the rows of ``title`` by ``by`` (descending), moving only the cells of the
    columns the sheet's Table covers (as Excel's Sort in a Table does), or only
    ``columns`` (1-based; a sort of a selection)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[title]
    (table,) = ws.tables.values()
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    if columns is None:
        columns = range(min_col, max_col + 1)
    header = [text_of(ws.cell(row=min_row, column=c).value) for c in columns]
    key = list(columns)[header.index(by)]
    body = [[ws.cell(row=r, column=c).value for c in columns]
            for r in range(min_row + 1, max_row + 1)]
    body.sort(key=lambda values: text_of(values[list(columns).index(key)]), reverse=True)
    for r, values in enumerate(body, start=min_row + 1):
        for c, value in zip(columns, values, strict=True):
            ws.cell(row=r, column=c).value = value
    wb.save(path)


def drafts_and_events(folder: Path) -> tuple[dict[str, bytes], bytes]:
    drafts = {p.name: p.read_bytes() for p in sorted((folder / "drafts").glob("*.eml"))}
    return drafts, (folder / "calendar.ics").read_bytes()


def started(folder: Path) -> dict[str, str]:
    """A clinic's Table register through ``init`` and a first sync; Ann's thank-you is
    sent. Returns each Referral ID's client."""
    clinic_workbook(folder / "register.xlsx")
    init_local(folder, sample=False, today=TODAY)
    set_settings(folder / "register.xlsx")
    first = sync(folder)
    assert first.created["draft"] >= len(CLIENTS)
    clients = {r["Referral ID"]: r["Client"] for r in tab(folder / "register.xlsx",
                                                          "Referrals")}
    ann = next(k for k, c in clients.items() if c == "Ann Avery")
    draft = folder / "drafts" / draft_file_name(f"{ann}/thank-you")
    (folder / "sent").mkdir(exist_ok=True)
    draft.rename(folder / "sent" / draft.name)
    sync(folder)
    rows = tab(folder / "register.xlsx", "Referrals")
    assert next(r for r in rows if r["Client"] == "Ann Avery")["Thank-you"].startswith(
        "sent on")
    return clients


def assert_nothing_attached_elsewhere(folder: Path, clients: dict[str, str]) -> None:
    """Every row's ID is the one its data was given, or the row says it is not; only
    Ann's row shows her sent thank-you."""
    for row in tab(folder / "register.xlsx", "Referrals"):
        if row["Thank-you"].startswith("sent on"):
            assert row["Client"] == "Ann Avery", row
        if clients.get(row["Referral ID"]) != row["Client"]:
            assert "given to another row" in row["Sync status"], row


def test_init_extends_the_table_over_sheetsyncs_columns(tmp_path: Path) -> None:
    clinic_workbook(tmp_path / "register.xlsx")
    result = init_local(tmp_path, sample=False, today=TODAY)
    said = "\n".join(describe(tmp_path, result))
    wb = openpyxl.load_workbook(tmp_path / "register.xlsx")
    for title, name, id_column in (("Referrals", "ReferralsTable", "Referral ID"),
                                   ("Partners", "PartnersTable", "Partner ID")):
        ws = wb[title]
        header = [text_of(c.value) for c in ws[1]]
        table = ws.tables[name]
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        assert (min_col, min_row) == (1, 1)
        assert max_col == len(header) and header.index(id_column) + 1 <= max_col
        assert max_row == ws.max_row
        assert [c.name for c in table.tableColumns] == header
        assert table.autoFilter is None or table.autoFilter.ref == table.ref
        assert f"extended the Excel Table {name}" in said, said
    # Running init again changes nothing more.
    again = init_local(tmp_path, sample=False, today=TODAY)
    assert "Excel Table" not in "\n".join(describe(tmp_path, again))


def test_sorting_the_table_in_excel_attaches_nothing_to_another_row(tmp_path: Path
                                                                    ) -> None:
    clients = started(tmp_path)
    before = drafts_and_events(tmp_path)
    sort_in_excel(tmp_path / "register.xlsx", "Referrals", "Client")
    report = sync(tmp_path)
    assert sum(report.created.values()) == sum(report.updated.values()) == 0
    assert drafts_and_events(tmp_path) == before
    assert_nothing_attached_elsewhere(tmp_path, clients)
    # The Table moved the IDs and statuses with their rows: no row has a problem.
    assert report.clean, report.as_json()


def test_sorting_only_the_data_columns_holds_the_tab(tmp_path: Path) -> None:
    """A sort of a selection (or a Table that does not cover the ID column): the IDs stay
    where they were, every row's data moves. The tab is held, with what happened and how
    to undo it; nothing is made, updated or written."""
    clients = started(tmp_path)
    before = drafts_and_events(tmp_path)
    rows_before = tab(tmp_path / "register.xlsx", "Referrals")
    sort_in_excel(tmp_path / "register.xlsx", "Referrals", "Client",
                  columns=range(1, len(REFERRAL_HEADER) + 1))
    sorted_rows = tab(tmp_path / "register.xlsx", "Referrals")
    report = sync(tmp_path)
    assert sum(report.created.values()) == sum(report.updated.values()) == 0
    assert drafts_and_events(tmp_path) == before
    (problem,) = [p for p in report.tab_problems if "Referrals" in p]
    assert "sorted" in problem and "Undo" in problem and "--accept-changes" in problem
    assert not any(name in problem for name in CLIENTS)  # never client names
    assert tab(tmp_path / "register.xlsx", "Referrals") == sorted_rows  # nothing written
    # Undo (the rows go back beside their IDs): the next sync is as before.
    sort_in_excel(tmp_path / "register.xlsx", "Referrals", "Date",
                  columns=range(1, len(REFERRAL_HEADER) + 1))
    assert tab(tmp_path / "register.xlsx", "Referrals") == rows_before
    undone = sync(tmp_path)
    assert not undone.tab_problems
    assert sum(undone.created.values()) == sum(undone.updated.values()) == 0
    assert drafts_and_events(tmp_path) == before
    assert_nothing_attached_elsewhere(tmp_path, clients)


def test_the_cli_holds_the_tab_with_exit_1_and_names_no_client(
        tmp_path: Path, capsys: Any) -> None:
    from sheetsync.cli.main import main
    from sheetsync.errors import ExitCode

    started(tmp_path)
    sort_in_excel(tmp_path / "register.xlsx", "Referrals", "Client",
                  columns=range(1, len(REFERRAL_HEADER) + 1))
    capsys.readouterr()
    config = str(tmp_path / "sheetsync.toml")
    assert main(["sync", "--config", config]) == ExitCode.ROW_PROBLEMS
    out = capsys.readouterr()
    said = out.out + out.err
    assert "Referrals" in said and "--accept-changes" in said
    assert not any(name in said for name in CLIENTS)
    assert main(["sync", "--config", config, "--json"]) == ExitCode.ROW_PROBLEMS
    assert "given to" in capsys.readouterr().out
