"""Cells as staff really fill them (issue 17, item 8): an Email cell showing a name with a
mailto: link, and formulas in register columns, read as staff see them."""

from __future__ import annotations

import datetime as dt
import email
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sheetsync.cli.main import main
from sheetsync.errors import ExitCode

CAROL = "carol.webster@websterderm.example"


def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    assert main(["init", "--local", str(folder), "--sample"]) == ExitCode.OK
    return folder


def sync_json(folder: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    main(["sync", "--json", "--config", str(folder / "sheetsync.toml")])
    report: dict[str, object] = json.loads(capsys.readouterr().out)
    return report


def problems_of(report: dict[str, object], tab: str, row: int) -> list[str]:
    entries = report["problems"]
    assert isinstance(entries, list)
    return [p for e in entries if e["tab"] == tab and e["row"] == row for p in e["problems"]]


def cell(ws: object, header: str, row: int) -> object:
    names = [c.value for c in ws[1]]  # type: ignore[index]
    return ws.cell(row=row, column=names.index(header) + 1)  # type: ignore[attr-defined]


def recipients(folder: Path) -> list[str]:
    return [str(email.message_from_bytes(p.read_bytes())["To"])
            for p in (folder / "drafts").glob("*.eml")]


def test_an_email_cell_showing_a_name_is_read_as_its_mailto_link(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = workspace(tmp_path)
    register = folder / "register.xlsx"
    wb = openpyxl.load_workbook(register)
    carol = cell(wb["Partners"], "Email", 2)
    assert carol.value == CAROL  # type: ignore[attr-defined]
    carol.value = "Email Carol"  # type: ignore[attr-defined]
    carol.hyperlink = f"mailto:{CAROL}?subject=Referral"  # type: ignore[attr-defined]
    wb.save(register)

    report = sync_json(folder, capsys)
    assert problems_of(report, "Partners", 2) == []
    assert any(CAROL in to for to in recipients(folder))  # her thank-you goes to the link
    wb = openpyxl.load_workbook(register)
    shown = cell(wb["Partners"], "Email", 2)
    assert shown.value == "Email Carol"  # type: ignore[attr-defined]
    assert shown.hyperlink.target.startswith("mailto:")  # type: ignore[attr-defined]


def _saved_value(register: Path, formula: str, value: str) -> None:
    """Store ``value`` as the formula's saved result, as Excel does when it saves."""
    with zipfile.ZipFile(register) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    pattern = re.compile(rb"(<f>" + re.escape(formula.encode()) + rb"</f>)(<v\s*/>|<v></v>)?")
    hits = 0
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        parts[name], n = pattern.subn(rb"\1<v>" + value.encode() + rb"</v>", parts[name])
        hits += n
    assert hits == 1
    with zipfile.ZipFile(register, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_a_formula_is_read_as_its_saved_value(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    folder = workspace(tmp_path)
    register = folder / "register.xlsx"
    wb = openpyxl.load_workbook(register)
    ws = wb["Referrals"]
    date = cell(ws, "Date", 3)
    date.value = "=TODAY()-3"  # type: ignore[attr-defined]
    date.number_format = "yyyy-mm-dd"  # type: ignore[attr-defined]
    # A new row (no ID yet) whose Date is a formula: it must get its ID in its own row.
    new_row = ws.max_row + 1
    for header, value in (("Direction", "Received"), ("Partner", "Dr Carol Webster"),
                          ("Client", "Nora Quinn"), ("Date", "=TODAY()-1")):
        target = cell(ws, header, new_row)
        target.value = value  # type: ignore[attr-defined]
        target.number_format = "yyyy-mm-dd"  # type: ignore[attr-defined]
    wb.save(register)

    # Never calculated (written by a program): the row says what to do.
    report = sync_json(folder, capsys)
    said = problems_of(report, "Referrals", 3)
    assert said and "Date is a formula with no saved value" in said[0]
    assert "open and save the file in Excel or LibreOffice" in said[0]

    # Saved by Excel: its value (2026-11-30 here) is the date.
    serial = (dt.date(2026, 11, 30) - dt.date(1899, 12, 30)).days
    _saved_value(register, "TODAY()-3", str(serial))
    _saved_value(register, "TODAY()-1", str(serial + 2))
    report = sync_json(folder, capsys)
    assert problems_of(report, "Referrals", 3) == []
    assert problems_of(report, "Referrals", new_row) == []
    wb = openpyxl.load_workbook(register)
    ws = wb["Referrals"]
    assert cell(ws, "Date", 3).value == "=TODAY()-3"  # type: ignore[attr-defined]  # kept
    assert cell(ws, "Client", new_row).value == "Nora Quinn"  # type: ignore[attr-defined]
    assert str(cell(ws, "Referral ID", new_row).value).startswith("R-")  # type: ignore[attr-defined]
    assert "Needs attention" not in str(cell(ws, "Sync status", 3).value)  # type: ignore[attr-defined]


def test_a_title_row_above_the_headers(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    """Staff put a title and a blank line above the Referrals headers: the tab is read
    from its header row, and every status still lands in its own row."""
    folder = workspace(tmp_path)
    register = folder / "register.xlsx"
    wb = openpyxl.load_workbook(register)
    ws = wb["Referrals"]
    clients = [c.value for c in ws["E"][1:]]
    ws.insert_rows(1, amount=2)
    ws["A1"] = "Referrals 2026: keep this up to date!"
    wb.save(register)

    report = sync_json(folder, capsys)
    assert report["tab_problems"] == []
    rows_read = report["rows_read"]
    assert isinstance(rows_read, dict) and rows_read["Referrals"] == 15
    assert problems_of(report, "Referrals", 16) == [
        "Partner 'Dr Smyth' is not in the Partners tab"]  # row 14 before the 2 new rows
    wb = openpyxl.load_workbook(register)
    ws = wb["Referrals"]
    assert ws["A1"].value == "Referrals 2026: keep this up to date!"
    assert [c.value for c in ws[2]] == [None] * ws.max_column  # the blank line stays blank
    assert [c.value for c in ws["E"][3:]] == clients  # no row moved
    ids = [c.value for c in ws["A"][3:]]
    assert ids == [f"R-{n:04d}" for n in range(1, 16)]
    status = {c.value: i for i, c in enumerate(ws[3])}["Sync status"]
    smyth = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[3] == "Dr Smyth"]
    assert len(smyth) == 1 and "Dr Smyth" in str(smyth[0][status])
    # The next run finds everything where it was left: nothing new.
    again = sync_json(folder, capsys)
    events = again["events"]
    assert isinstance(events, dict) and events["created"] == 0


def test_init_lays_out_a_register_with_a_title_row(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``init --local`` on a clinic's own workbook with a title above its headers adds
    sheetsync's columns to the header row, not to the title."""
    folder = tmp_path / "clinic"
    folder.mkdir()
    register = folder / "register.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Referrals"
    ws.append(["Westside Clinic referrals"])
    ws.append(["Date", "Direction", "Partner", "Client", "Notes"])
    ws.append([dt.date(2026, 11, 20), "Received", "Dr Carol Webster", "Nora Quinn", "x"])
    partners = wb.create_sheet("Partners")
    partners.append(["Name", "Email", "Stage"])
    partners.append(["Dr Carol Webster", CAROL, "Active"])
    wb.save(register)

    assert main(["init", "--local", str(folder)]) == ExitCode.OK
    wb = openpyxl.load_workbook(register)
    ws = wb["Referrals"]
    assert [c.value for c in ws[1] if c.value] == ["Westside Clinic referrals"]
    header = [c.value for c in ws[2]]
    assert header[:5] == ["Date", "Direction", "Partner", "Client", "Notes"]
    assert {"Referral ID", "Thank-you", "Follow-up", "Sync status"} <= set(header)
    assert ws.freeze_panes == "A3"
    capsys.readouterr()
    report = sync_json(folder, capsys)
    assert report["tab_problems"] == []
    wb = openpyxl.load_workbook(register)
    ws = wb["Referrals"]
    header = [c.value for c in ws[2]]
    assert ws.cell(row=3, column=header.index("Referral ID") + 1).value == "R-0001"
    assert ws.cell(row=3, column=4).value == "Nora Quinn"
