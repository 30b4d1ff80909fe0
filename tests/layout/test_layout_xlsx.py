"""The .xlsx register as an interface: what init lays out, that a sync keeps it, and that
init on a register with staff data adds only what is missing."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import NOON_UTC, TODAY
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from sheetsync.backends.local import open_local_workspace
from sheetsync.backends.local.workbook import upgrade_register
from sheetsync.cli.main import main
from sheetsync.core.layout import (
    LAYOUT,
    OVERDUE_PREFIX,
    PROBLEM_PREFIX,
    SENT_PREFIX,
    TOOL_PROMPT_TITLE,
    layout_for,
)
from sheetsync.core.plan import Intent
from sheetsync.core.schema import ALL_TABS, STATE_TAB, THANK_YOU, normalise_header
from sheetsync.core.state import ObjectRecord
from sheetsync.core.status import describe, sync_status
from sheetsync.engine import run_sync
from sheetsync.errors import BusyError, RegisterShapeError
from sheetsync.workspace.local_init import init_local, register_tables


def _validations(ws: Any) -> dict[str, Any]:
    """Header name -> the validation covering its row 2."""
    out: dict[str, Any] = {}
    for cell in ws[1]:
        if cell.value is None:
            continue
        coord = f"{cell.column_letter}2"
        hits = [dv for dv in ws.data_validations.dataValidation if coord in dv.sqref]
        assert len(hits) <= 1
        if hits:
            out[str(cell.value)] = hits[0]
    return out


def _rules(ws: Any) -> list[tuple[str, Any]]:
    return [(str(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules]


def _letter(ws: Any, header: str) -> str:
    return next(str(c.column_letter) for c in ws[1] if c.value == header)


def _new_workspace(tmp_path: Path, *, sample: bool = False) -> Path:
    init_local(tmp_path, sample=sample, today=TODAY)
    return tmp_path / "register.xlsx"


def test_status_texts_start_with_the_highlighted_prefixes() -> None:
    assert sync_status(["Email is not valid"]).startswith(PROBLEM_PREFIX)
    sent = ObjectRecord("k", "draft", "id", "h", status="sent", date="2026-11-23")
    intent = Intent("R-1", "thank-you", THANK_YOU, "Thank-you")
    assert describe(intent, sent, None).startswith(SENT_PREFIX)
    assert OVERDUE_PREFIX == "OVERDUE"  # playbook/partners.py: "OVERDUE since ..."


def test_every_header_has_a_note_and_dropdowns_fit_an_inline_list() -> None:
    for tab in LAYOUT:
        for column in tab.columns:
            assert column.note and len(column.note) < 255, (tab.name, column.name)
            # an .xlsx inline list is at most 255 characters and cannot hold a comma
            assert len(",".join(column.choices)) <= 255
            assert not any("," in c for c in column.choices)
    assert layout_for("Referrals log") is layout_for("Referrals")


def test_new_register_is_laid_out(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_new_workspace(tmp_path))
    for spec in ALL_TABS:
        ws = wb[spec.name]
        assert ws.freeze_panes == "A2"
        for cell in ws[1]:
            assert cell.font.b, (spec.name, cell.value)
            assert cell.comment is not None and cell.comment.text.strip(), cell.value
    partners = wb["Partners"]
    checks = _validations(partners)
    for name in ("Specialty", "Preferred contact", "Stage"):
        assert checks[name].type == "list" and checks[name].errorStyle == "warning"
        assert checks[name].formula1.startswith('"Prospect') or name != "Stage"
    assert checks["Introduced by"].formula1 == "sheetsync_partners_name"
    assert checks["Last contact"].type == "date" and checks["Last contact"].errorStyle == "warning"
    names = wb.defined_names
    assert names["sheetsync_partners_name"].attr_text == "'Partners'!$B$2:$B$1001"
    assert names["sheetsync_treatments_treatment"].attr_text == "'Treatments'!$A$2:$A$1001"
    referrals = _validations(wb["Referrals"])
    assert {n for n, dv in referrals.items() if dv.type == "list"} == {
        "Direction", "Partner", "Consent to share", "Status"}
    assert {n for n, dv in referrals.items() if dv.type == "date"} == {"Date", "First visit"}
    checkins = _validations(wb["Check-ins"])
    assert checkins["Treatment"].formula1 == "sheetsync_treatments_treatment"
    assert checkins["First visit"].formula1 == '"Yes,No"'
    assert checkins["Check-in by"].formula1 == '"Call,Email,Text"'
    assert checkins["Treatment date"].type == "date"

    # sheetsync's columns: grey header, grey shade, a prompt that warns, no dropdown
    for tab in ("Partners", "Referrals", "Check-ins"):
        ws = wb[tab]
        tool = [c.name for c in layout_for(tab).tool_columns]  # type: ignore[union-attr]
        checks = _validations(ws)
        rules = _rules(ws)
        for name in tool:
            letter = _letter(ws, name)
            assert ws[f"{letter}1"].fill.fill_type == "solid"
            assert checks[name].type is None and checks[name].promptTitle == TOOL_PROMPT_TITLE
            assert checks[name].showInputMessage
            assert any(r.formula == ["TRUE"] and sqref == f"{letter}2:{letter}1048576"
                       for sqref, r in rules), name
        staff = [str(c.value) for c in ws[1] if c.value not in tool]
        assert all(ws[f"{_letter(ws, n)}1"].fill.fill_type is None for n in staff)
    # highlights, before the grey shade so they win where both apply
    rules = _rules(wb["Partners"])
    overdue = next(r for s, r in rules if r.formula == ['LEFT($O2,7)="OVERDUE"'])
    attention = next((s, r) for s, r in rules if r.formula == ['LEFT($P2,15)="Needs attention"'])
    assert attention[0] == "A2:P1048576"
    assert overdue.priority < attention[1].priority < min(
        r.priority for _s, r in rules if r.formula == ["TRUE"])
    assert overdue.dxf.fill.fgColor.rgb.endswith("FFC7CE")
    assert any(r.formula == ['LEFT($L2,7)="sent on"'] for _s, r in _rules(wb["Referrals"]))
    assert any(r.formula == ['LEFT($N2,15)="Needs attention"'] for _s, r in _rules(wb["Check-ins"]))
    assert wb["Partners"].column_dimensions["O"].width >= 40
    assert wb["Templates"].column_dimensions["C"].width >= 50


def test_sync_still_writes_and_keeps_the_layout(tmp_path: Path) -> None:
    path = _new_workspace(tmp_path, sample=True)
    ws = open_local_workspace(path, tmp_path / "calendar.ics", tmp_path / "drafts",
                              tmp_path / "sent")
    report = run_sync(ws, clock=NOON_UTC)
    assert not report.write_refused and report.cells_written > 0
    wb = openpyxl.load_workbook(path)
    partners = wb["Partners"]
    assert partners["A2"].value == "P-0001" and partners["P2"].value
    assert any(str(c.value or "").startswith(OVERDUE_PREFIX) for c in partners["O"])
    assert len(_validations(partners)) == 8 and len(_rules(partners)) == 5
    assert "sheetsync_partners_name" in wb.defined_names
    # a second sync with an edit still writes (nothing in the layout blocks a save)
    partners["B2"] = partners["B2"].value + " Jr"
    wb.save(path)
    assert run_sync(ws, clock=NOON_UTC).write_refused in (None, "")
    after = openpyxl.load_workbook(path)
    assert len(_validations(after["Partners"])) == 8 and len(_rules(after["Partners"])) == 5


# ------------------------------------------------------------------------- upgrade


def _staff_register(path: Path) -> None:
    """A register staff made by hand: other column order, no tool columns, an alias tab
    title, a column without a header holding data, their own dropdown and highlight."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partners"
    ws.append(["Name", "Email", "Stage", "Favourite biscuit", "Last contact"])
    ws.append(["Dr Carol Webster", "carol@example.com", "Active", "00123",
               dt.date(2026, 10, 1)])
    ws.append(["Dr Omar Hale", None, "Prospect", "=1+1", "2026-03-04"])
    ws["G3"] = "stray note"  # data beyond the header: new columns must go after it
    ws["B2"].font = openpyxl.styles.Font(italic=True)
    mine = DataValidation(type="list", formula1='"Active,Paused"', allow_blank=True)
    mine.add("C2:C50")
    ws.add_data_validation(mine)
    ws.conditional_formatting.add("A2:A50", FormulaRule(
        formula=['$C2="Paused"'], fill=PatternFill("solid", start_color="FFCCCCFF")))
    ref = wb.create_sheet("Referrals log")
    ref.append(["Referral ID", "Date", "Direction", "Partner", "Client", "Sync status"])
    ref.append(["R-0001", dt.date(2026, 11, 1), "Received", "Dr Carol Webster", "Amira Khan",
                "OK"])
    wb.create_sheet("Checkins")  # an empty tab: filled in
    wb.save(path)


def _cells(path: Path) -> dict[tuple[str, str], tuple[Any, str, str]]:
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): (c.value, c.data_type, c.number_format)
            for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None}


def test_upgrade_adds_only_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    _staff_register(path)
    before = _cells(path)
    changes = upgrade_register(path, register_tables(None))

    after = _cells(path)
    for key, value in before.items():
        assert after[key] == value, key  # every staff cell as it was
    wb = openpyxl.load_workbook(path)
    partners = wb["Partners"]
    assert [c.value for c in partners[1]][:10] == [
        "Name", "Email", "Stage", "Favourite biscuit", "Last contact", None, None,
        "Partner ID", "Next touch", "Sync status"]
    assert partners["B2"].font.i
    new_cells = {k for k in after if k not in before}
    assert {k for k in new_cells if k[0] == "Partners"} == {
        ("Partners", "H1"), ("Partners", "I1"), ("Partners", "J1")}
    refs = [c.value for c in wb["Referrals log"][1]]
    assert refs == ["Referral ID", "Date", "Direction", "Partner", "Client", "Sync status",
                    "Thank-you", "Follow-up"]
    assert "Referrals" not in wb.sheetnames  # the alias tab is the Referrals tab
    assert wb["Checkins"]["A1"].value == "Check-in ID"
    assert wb["Treatments"]["A2"].value  # a missing catalogue tab comes with its defaults
    assert wb.sheetnames[-1] in ("Settings", STATE_TAB)

    # staff's own dropdown and rule stay; the others are added around them
    checks = _validations(partners)
    assert checks["Stage"].formula1 == '"Active,Paused"'
    assert checks["Last contact"].type == "date"
    assert checks["Partner ID"].promptTitle == TOOL_PROMPT_TITLE
    rules = _rules(partners)
    assert rules[0][1].formula == ['$C2="Paused"'] and rules[0][1].priority == 1
    assert any(r.formula == ['LEFT($J2,15)="Needs attention"'] and s == "A2:J1048576"
               for s, r in rules)
    assert any(r.formula == ['LEFT($I2,7)="OVERDUE"'] for _s, r in rules)
    assert partners.freeze_panes == "A2"

    assert changes.created == ["Treatments", "Templates", "Settings"]
    assert changes.filled == ["Checkins"]
    said = dict(changes.upgraded)
    assert "Partner ID, Next touch, Sync status" in "; ".join(said["Partners"])
    assert "Thank-you, Follow-up" in "; ".join(said["Referrals log"])
    assert not any(s.startswith("dropdowns") for s in said["Partners"])  # Stage: theirs
    assert "dropdowns on Direction, Partner" in said["Referrals log"]
    assert not changes.missing

    # the upgraded register syncs, and a second init changes nothing, not even the file
    ws = open_local_workspace(path, tmp_path / "c.ics", tmp_path / "d", tmp_path / "s")
    assert run_sync(ws, clock=NOON_UTC).write_refused in (None, "")
    assert openpyxl.load_workbook(path)["Partners"]["H2"].value == "P-0001"
    bytes_before = path.read_bytes()
    again = upgrade_register(path, register_tables(None))
    assert not again.changed and path.read_bytes() == bytes_before


def test_upgrade_names_missing_staff_columns(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Referrals"
    wb.active.append(["Date", "Client"])
    wb.active.append([dt.date(2026, 1, 2), "A"])
    wb.save(path)
    changes = upgrade_register(path, register_tables(None))
    assert changes.missing == {"Referrals": ["Direction", "Partner"]}
    assert any("no Direction, Partner column" in line for line in changes.lines())


def test_upgrade_refuses_an_open_workbook(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    _staff_register(path)
    (tmp_path / ".~lock.register.xlsx#").write_text("x")
    before = path.read_bytes()
    with pytest.raises(BusyError, match="open in Excel or LibreOffice"):
        upgrade_register(path, register_tables(None))
    assert path.read_bytes() == before


def test_upgrade_refuses_what_openpyxl_would_drop(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    _staff_register(path)
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    ext = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
           b'<x14:dataValidations count="0"/></ext></extLst></worksheet>')
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"</worksheet>", ext)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    before = path.read_bytes()
    with pytest.raises(RegisterShapeError, match="dropdown"):
        upgrade_register(path, register_tables(None))
    assert path.read_bytes() == before


def test_cli_init_on_an_existing_register(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    _staff_register(folder / "register.xlsx")
    assert main(["init", "--local", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Laid out" in out and "Partners: added sheetsync's columns at the end" in out
    assert (folder / "sheetsync.toml").exists() and (folder / "drafts").is_dir()
    assert main(["init", "--local", str(folder)]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert main(["init", "--local", str(folder), "--sample"]) == 2
    assert "sample goes only into a new register" in capsys.readouterr().err


def test_defined_names_are_plain_identifiers() -> None:
    for tab in LAYOUT:
        for column in tab.columns:
            if column.choices_from is not None:
                name = normalise_header(column.choices_from.tab)
                assert name.isalnum()
