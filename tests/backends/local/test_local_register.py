"""XlsxRegister: reading, writing by key, and never harming what staff made."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from sheetsync.backends.local import XlsxRegister, create_register
from sheetsync.backends.local import register as local_register
from sheetsync.backends.local.register import lock_files
from sheetsync.core.ports import CellWrite, RegisterSnapshot, RowRef, fingerprint_cells
from sheetsync.core.schema import STATE_TAB
from sheetsync.core.state import ObjectRecord, SyncState
from sheetsync.errors import RegisterShapeError

HEADER = ["Referral ID", "Date", "Partner", "Client", "Code", "Visits", "Sync status"]
ROWS: list[list[object]] = [
    ["R-0001", dt.date(2026, 1, 5), "Dr Carol Webster", "Ann Lee", "00123", 2, None],
    ["R-0002", dt.date(2026, 2, 6), "Dr Omar Hale", "Bo Kim", "7", 1.5, "ok"],
    ["R-0003", dt.date(2026, 3, 7), "Dr Carol Webster", "Cy Dunn", None, None, None],
]


def make_register(tmp_path: Path, rows: list[list[object]] | None = None) -> Path:
    path = tmp_path / "register.xlsx"
    create_register(
        path,
        [("Referrals", HEADER, rows if rows is not None else ROWS),
         ("Settings", ["Setting", "Value"], [["Time zone", "Europe/London"]])],
        notes={("Referrals", "Sync status"): "Written by sheetsync."},
        tool_columns={"Referrals": ["Referral ID", "Sync status"]},
    )
    return path


def by_key(key: str, column: str = "Sync status", value: str = "done",
           expected: object = None) -> CellWrite:
    ref = RowRef(tab="Referrals", key=key, number=0, fingerprint="", id_column="Referral ID")
    return CellWrite(ref, column, value, expected)  # type: ignore[arg-type]


def new_row_ref(snapshot: RegisterSnapshot, number: int, assign: str) -> RowRef:
    tab = snapshot.tab("Referrals")
    assert tab is not None
    row = next(r for r in tab.rows if r.number == number)
    return RowRef(tab="Referrals", key=None, number=number,
                  fingerprint=fingerprint_cells(row.cells), id_column="Referral ID",
                  assign_key=assign)


def same_rows_new_version(snap: RegisterSnapshot, path: Path) -> RegisterSnapshot:
    """``snap`` as if it had been read from the file as it is now (stale row numbers)."""
    return RegisterSnapshot(snap.tabs, snap.state_rows, None, XlsxRegister(path).read().version,
                            snap.source)


def cell(path: Path, tab: str, ref: str) -> object:
    wb = openpyxl.load_workbook(path)
    try:
        return wb[tab][ref].value
    finally:
        wb.close()


def column_of(path: Path, tab: str, key: str, column: str) -> object:
    """The value in ``column`` of the row whose first cell holds ``key``."""
    wb = openpyxl.load_workbook(path)
    ws = wb[tab]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == key:
            return row[header.index(column)].value
    raise AssertionError(f"{key} not found")


# ------------------------------------------------------------------------------ read


def test_read_gives_rows_back_with_types(tmp_path: Path) -> None:
    snap = XlsxRegister(make_register(tmp_path)).read()
    tab = snap.tab("Referrals")
    assert tab is not None
    assert tab.header == tuple(HEADER)
    assert [r.number for r in tab.rows] == [2, 3, 4]
    first, second, third = (r.cells for r in tab.rows)
    assert first == ("R-0001", dt.date(2026, 1, 5), "Dr Carol Webster", "Ann Lee", "00123", 2,
                     None)
    assert type(first[1]) is dt.date
    assert second[4] == "7" and second[5] == 1.5 and second[6] == "ok"
    assert third[4:] == (None, None, None)
    assert snap.source == "register.xlsx"
    assert snap.time_zone is None
    assert snap.version.startswith("sha256:")
    assert [t.title for t in snap.tabs] == ["Referrals", "Settings"]
    assert snap.state_rows[0][0] == "key"


def test_read_formulas_datetimes_blank_rows_and_hidden_tabs(tmp_path: Path) -> None:
    path = make_register(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Referrals"]
    ws["F2"] = "=1+1"
    ws["B3"] = dt.datetime(2026, 2, 6, 14, 30)
    ws["B3"].number_format = "yyyy-mm-dd hh:mm"
    ws["B4"] = dt.datetime(2026, 3, 7)
    ws["B4"].number_format = "dd/mm/yyyy"
    ws["A7"] = "R-0009"  # rows 5 and 6 are blank
    ws["B7"] = True
    hidden = wb.create_sheet("Old")
    hidden["A1"] = "Name"
    hidden["A2"] = 42
    hidden.sheet_state = "hidden"
    wb.save(path)

    tab = XlsxRegister(path).read().tab("Referrals")
    assert tab is not None
    cells = {r.number: r.cells for r in tab.rows}
    assert cells[2][5] == "=1+1"
    assert cells[3][1] == dt.datetime(2026, 2, 6, 14, 30)
    assert cells[4][1] == dt.date(2026, 3, 7) and type(cells[4][1]) is dt.date
    assert sorted(cells) == [2, 3, 4, 5, 6, 7]
    assert all(c is None for c in cells[5])
    assert cells[7][:2] == ("R-0009", True)
    old = XlsxRegister(path).read().tab("Old")
    assert old is not None and old.rows[0].cells == (42,)


def test_read_trailing_blank_rows_dropped(tmp_path: Path) -> None:
    path = make_register(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Referrals"]["C20"].font = Font(bold=True)  # formatted, but empty
    wb.save(path)
    tab = XlsxRegister(path).read().tab("Referrals")
    assert tab is not None and tab.rows[-1].number == 4


@pytest.mark.parametrize("content", [None, b"", b"not a workbook", b"PK\x03\x04broken"])
def test_missing_or_corrupt_file_is_a_plain_error(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "register.xlsx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(RegisterShapeError) as info:
        XlsxRegister(path).read()
    assert "register.xlsx" in info.value.message
    assert info.value.advice


def test_describe(tmp_path: Path) -> None:
    assert XlsxRegister(tmp_path / "register.xlsx").describe() == "register.xlsx"


# ----------------------------------------------------------------------------- write


def test_write_by_key_after_person_sorted_rows(tmp_path: Path) -> None:
    path = make_register(tmp_path)
    reg = XlsxRegister(path)
    snap = reg.read()
    # A person sorts the tab by Client, descending, and saves. The next read sees it.
    wb = openpyxl.load_workbook(path)
    ws = wb["Referrals"]
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    values.sort(key=lambda r: str(r[3]), reverse=True)
    for r, row in enumerate(values, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c).value = value
    wb.save(path)
    report = reg.write(snap, [by_key("R-0001", value="thanked")], snap.state_rows)
    assert report.refused is not None  # a save after the read is refused as a whole
    assert column_of(path, "Referrals", "R-0001", "Sync status") is None

    # Even a snapshot whose version matches (the sort happened just before the check)
    # writes by key, never by the row numbers it read.
    snap = same_rows_new_version(snap, path)
    report = reg.write(snap, [by_key("R-0001", value="thanked"),
                              by_key("R-0002", value="seen", expected="ok")], snap.state_rows)
    assert report.refused is None and report.skipped == []
    assert report.written == 2
    assert column_of(path, "Referrals", "R-0001", "Sync status") == "thanked"
    assert column_of(path, "Referrals", "R-0002", "Sync status") == "seen"
    assert column_of(path, "Referrals", "R-0003", "Sync status") is None


def test_write_is_by_key_even_when_rows_moved_after_read(tmp_path: Path) -> None:
    """Rows are located at write time: a status never lands in the row now at the old
    position. (The move here is made without changing the file's version on purpose.)"""
    path = make_register(tmp_path)
    reg = XlsxRegister(path)
    snap = reg.read()
    wb = openpyxl.load_workbook(path)
    ws = wb["Referrals"]
    ws.insert_rows(2, amount=2)
    ws["A2"], ws["C2"] = "R-0007", "Dr New"
    wb.save(path)
    report = reg.write(same_rows_new_version(snap, path), [by_key("R-0003", value="moved ok")],
                       snap.state_rows)
    assert report.written == 1
    assert column_of(path, "Referrals", "R-0003", "Sync status") == "moved ok"
    assert column_of(path, "Referrals", "R-0007", "Sync status") is None


def test_idless_row_found_by_fingerprint_after_row_inserted_above(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[1][0] = None  # the second row has no ID yet
    path = make_register(tmp_path, rows)
    reg = XlsxRegister(path)
    snap = reg.read()
    ref = new_row_ref(snap, 3, "R-0004")
    wb = openpyxl.load_workbook(path)
    wb["Referrals"].insert_rows(2)
    wb["Referrals"]["D2"] = "Someone new"
    wb.save(path)
    snap2 = reg.read()
    writes = [CellWrite(ref, "Referral ID", "R-0004"), CellWrite(ref, "Sync status", "new", "ok")]
    report = reg.write(snap2, writes, snap2.state_rows)
    assert report.skipped == [] and report.written == 2
    assert (cell(path, "Referrals", "A4"), cell(path, "Referrals", "D4")) == ("R-0004", "Bo Kim")
    assert cell(path, "Referrals", "G4") == "new"
    assert cell(path, "Referrals", "A2") is None  # the row inserted above is untouched
    assert cell(path, "Referrals", "G2") is None
    assert cell(path, "Referrals", "A3") == "R-0001"


def test_idless_row_edited_meanwhile_is_skipped(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[1][0] = None
    path = make_register(tmp_path, rows)
    reg = XlsxRegister(path)
    ref = new_row_ref(reg.read(), 3, "R-0004")
    wb = openpyxl.load_workbook(path)
    wb["Referrals"]["D3"] = "Bo Kim-Smith"
    wb.save(path)
    snap = reg.read()
    report = reg.write(snap, [CellWrite(ref, "Referral ID", "R-0004")], snap.state_rows)
    assert report.written == 0 and len(report.skipped) == 1
    assert "edited" in report.skipped[0].reason
    assert cell(path, "Referrals", "A3") is None


def test_ambiguous_key_is_skipped(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[2][0] = "R-0001"  # a person copied a row, ID and all
    path = make_register(tmp_path, rows)
    reg = XlsxRegister(path)
    snap = reg.read()
    report = reg.write(snap, [by_key("R-0001"), by_key("R-0002", expected="ok")],
                       snap.state_rows)
    assert report.written == 1
    assert [s.write.row.key for s in report.skipped] == ["R-0001"]
    assert "2 rows hold R-0001" in report.skipped[0].reason
    assert cell(path, "Referrals", "G2") is None and cell(path, "Referrals", "G4") is None


def test_expected_mismatch_is_skipped(tmp_path: Path) -> None:
    path = make_register(tmp_path)
    reg = XlsxRegister(path)
    snap = reg.read()
    report = reg.write(snap, [by_key("R-0002", value="mine", expected="something else")],
                       snap.state_rows)
    assert report.written == 0
    assert report.skipped[0].reason == "changed by a person meanwhile"
    assert cell(path, "Referrals", "G3") == "ok"


def test_missing_tab_column_or_key_is_skipped(tmp_path: Path) -> None:
    path = make_register(tmp_path)
    reg = XlsxRegister(path)
    snap = reg.read()
    other_tab = CellWrite(RowRef("Nope", "R-0001", 0, "", "Referral ID"), "Sync status", "x")
    report = reg.write(snap, [by_key("R-0001", column="Follow-up"), by_key("R-0404"),
                              other_tab], snap.state_rows)
    assert report.written == 0 and len(report.skipped) == 3


def test_header_matched_loosely(tmp_path: Path) -> None:
    path = make_register(tmp_path)
    reg = XlsxRegister(path)
    snap = reg.read()
    report = reg.write(snap, [by_key("R-0001", column="SYNC  status")], snap.state_rows)
    assert report.written == 1
    assert cell(path, "Referrals", "G2") == "done"


def test_formula_like_text_stays_text(tmp_path: Path) -> None:
    path = make_register(tmp_path)
    reg = XlsxRegister(path)
    snap = reg.read()
    text = '=HYPERLINK("http://evil.example","click")'
    reg.write(snap, [by_key("R-0001", value=text), by_key("R-0003", value="#N/A")],
              snap.state_rows)
    wb = openpyxl.load_workbook(path)
    g2, g4 = wb["Referrals"]["G2"], wb["Referrals"]["G4"]
    assert (g2.value, g2.data_type) == (text, "s")
    assert (g4.value, g4.data_type) == ("#N/A", "s")
    tab = reg.read().tab("Referrals")
    assert tab is not None and tab.rows[0].cells[6] == text


def test_staff_formatting_survives_a_write(tmp_path: Path) -> None:
    path = make_register(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Referrals"]
    ws["D2"].font = Font(bold=True)
    ws["C3"].fill = PatternFill("solid", start_color="FFFFFF00", end_color="FFFFFF00")
    ws.column_dimensions["D"].width = 41
    ws["H1"] = "Staff column"
    ws["H2"] = "keep me"
    ws["E4"] = "=A4&\"-x\""
    dv = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True)
    dv.add("H2:H100")
    ws.add_data_validation(dv)
    wb["Settings"].sheet_state = "hidden"
    wb.save(path)

    reg = XlsxRegister(path)
    snap = reg.read()
    report = reg.write(snap, [by_key("R-0001")], snap.state_rows)
    assert report.written == 1
    wb = openpyxl.load_workbook(path)
    ws = wb["Referrals"]
    assert ws["D2"].font.b is True
    assert ws["C3"].fill.start_color.rgb == "FFFFFF00"
    assert ws.column_dimensions["D"].width == 41
    assert (ws["H1"].value, ws["H2"].value) == ("Staff column", "keep me")
    assert ws["E4"].value == "=A4&\"-x\"" and ws["E4"].data_type == "f"
    assert ws.freeze_panes == "A2"
    assert [str(v.sqref) for v in ws.data_validations.dataValidation] == ["H2:H100"]
    assert ws["G1"].comment is not None and "sheetsync" in ws["G1"].comment.text
    assert wb["Settings"].sheet_state == "hidden"
    assert ws["G2"].value == "done"


def test_more_staff_features_survive_a_write(tmp_path: Path) -> None:
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.worksheet.table import Table

    path = make_register(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Referrals"]
    ws["K2"] = CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold")])
    ws["C2"].hyperlink = "https://example.org/webster"
    ws["D3"].comment = Comment("Prefers phone", "Ana")
    ws.row_dimensions[4].hidden = True
    ws.column_dimensions["E"].hidden = True
    ws.auto_filter.ref = "A1:G4"
    ws.conditional_formatting.add(
        "F2:F100", CellIsRule(operator="greaterThan", formula=["1"],
                              fill=PatternFill("solid", start_color="FFFF0000")))
    ws.merge_cells("M1:N1")
    ws["M1"] = "Merged staff header"
    ws.sheet_properties.tabColor = "FF00AA00"
    ws.protection.sheet = False
    settings = wb["Settings"]
    settings.add_table(Table(displayName="SettingsTable", ref="A1:B2"))
    from openpyxl.workbook.defined_name import DefinedName
    wb.defined_names["Partners_list"] = DefinedName("Partners_list",
                                                    attr_text="Referrals!$C$2:$C$100")
    wb.save(path)

    reg = XlsxRegister(path)
    snap = reg.read()
    assert snap.tab("Referrals") is not None
    assert reg.write(snap, [by_key("R-0002", value="x", expected="ok")], snap.state_rows).written
    wb = openpyxl.load_workbook(path, rich_text=True)
    ws = wb["Referrals"]
    assert isinstance(ws["K2"].value, CellRichText) and str(ws["K2"].value) == "plain bold"
    assert ws["C2"].hyperlink.target == "https://example.org/webster"
    assert ws["D3"].comment.text == "Prefers phone"
    assert ws.row_dimensions[4].hidden and ws.column_dimensions["E"].hidden
    assert ws.auto_filter.ref == "A1:G4"
    assert len(ws.conditional_formatting) == 1
    assert [str(r) for r in ws.merged_cells.ranges] == ["M1:N1"]
    assert ws.sheet_properties.tabColor.rgb == "FF00AA00"
    assert "SettingsTable" in wb["Settings"].tables
    assert wb.defined_names["Partners_list"].attr_text == "Referrals!$C$2:$C$100"
    assert ws["G3"].value == "x"


def test_unchanged_write_leaves_file_byte_identical(tmp_path: Path) -> None:
    path = make_register(tmp_path)
    reg = XlsxRegister(path)
    snap = reg.read()
    state = SyncState(counters={"R": 3}, last_sync="2026-11-22T12:00")
    reg.write(snap, [by_key("R-0001")], state.to_rows())
    before = path.read_bytes()
    stat = path.stat()

    snap = reg.read()
    assert reg.write(snap, [], state.to_rows()) .written == 0
    # Writes of values the cells already hold change nothing either.
    report = reg.write(snap, [by_key("R-0001", expected="done")], state.to_rows())
    assert report.written == 1 and report.refused is None
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == stat.st_mtime_ns


def test_file_saved_meanwhile_is_refused_and_untouched(tmp_path: Path) -> None:
    path = make_register(tmp_path)
    reg = XlsxRegister(path)
    snap = reg.read()
    wb = openpyxl.load_workbook(path)
    wb["Referrals"]["D2"] = "Ann Lee-Jones"
    wb.save(path)
    before = path.read_bytes()
    report = reg.write(snap, [by_key("R-0001")], snap.state_rows)
    assert report.written == 0
    assert report.refused == (
        "register.xlsx was saved by someone else while sheetsync was running; nothing was "
        "written. The next sync will pick up their changes."
    )
    assert path.read_bytes() == before


@pytest.mark.parametrize("lock_name", [".~lock.register.xlsx#", "~$register.xlsx",
                                       "~$gister.xlsx"])
def test_lock_file_present_is_refused(tmp_path: Path, lock_name: str) -> None:
    path = make_register(tmp_path)
    reg = XlsxRegister(path)
    snap = reg.read()
    (tmp_path / lock_name).write_text("someone,host,2026")
    assert lock_files(path) == [tmp_path / lock_name]
    before = path.read_bytes()
    report = reg.write(snap, [by_key("R-0001")], snap.state_rows)
    assert report.refused is not None
    assert "open in Excel or LibreOffice" in report.refused
    assert "Close" in report.refused
    assert path.read_bytes() == before


def test_crash_during_save_leaves_original_intact(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_register(tmp_path)
    reg = XlsxRegister(path)
    snap = reg.read()
    before = path.read_bytes()

    def boom(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    report = reg.write(snap, [by_key("R-0001")], snap.state_rows)
    monkeypatch.undo()
    assert report.refused is not None and "disk full" in report.refused
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["register.xlsx"]  # no temp left
    assert XlsxRegister(path).read().version == snap.version


def test_state_tab_hidden_and_round_trips(tmp_path: Path) -> None:
    path = make_register(tmp_path)
    reg = XlsxRegister(path)
    snap = reg.read()
    state = SyncState(
        objects={"R-0001/thank-you": ObjectRecord("R-0001/thank-you", "draft", "R-0001.eml",
                                                  "abc123", date="2026-11-22"),
                 "R-0001/follow-up": ObjectRecord("R-0001/follow-up", "event", "=x", "00"),},
        counters={"R": 3, "P": 12},
        last_sync="2026-11-22T12:00:00+00:00",
    )
    reg.write(snap, [], state.to_rows())
    snap2 = reg.read()
    assert "Referrals" in [t.title for t in snap2.tabs]
    assert STATE_TAB not in [t.title for t in snap2.tabs]
    assert [list(r) for r in snap2.state_rows] == state.to_rows()
    again = SyncState.from_rows(snap2.state_rows)
    assert again.objects == state.objects and again.counters == state.counters
    wb = openpyxl.load_workbook(path)
    assert wb[STATE_TAB].sheet_state == "hidden"
    assert wb.active.title == "Referrals"
    # A smaller state replaces the old one entirely.
    reg.write(snap2, [], SyncState(last_sync="x").to_rows())
    assert [list(r) for r in reg.read().state_rows] == SyncState(last_sync="x").to_rows()


def test_state_tab_created_when_missing(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Referrals"
    wb.active.append(HEADER)
    wb.save(path)
    reg = XlsxRegister(path)
    snap = reg.read()
    assert snap.state_rows == ()
    reg.write(snap, [], SyncState(last_sync="now").to_rows())
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Referrals", STATE_TAB]
    assert wb[STATE_TAB].sheet_state == "hidden"
    assert wb.active.title == "Referrals"


def test_features_openpyxl_would_drop_refuse_the_write(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    path = make_register(tmp_path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/threadedComments/threadedComment1.xml", "<ThreadedComments/>")
    reg = XlsxRegister(path)
    before = path.read_bytes()
    # Refused when read, before a sync makes anything (tests/backends/local/
    # test_workbook_refusals.py); the write refuses too, as a last net.
    with pytest.raises(RegisterShapeError, match="threaded comments"):
        reg.read()
    monkeypatch.setattr(local_register, "losses_in_package", lambda data: [])
    snap = reg.read()
    monkeypatch.undo()
    report = reg.write(snap, [by_key("R-0001")], snap.state_rows)
    assert report.refused is not None and "threaded comments" in report.refused
    assert path.read_bytes() == before


def test_excel_2010_dropdowns_refuse_the_write(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl drops x14 data validations (lists pointing at another tab) when it saves."""
    import zipfile

    path = make_register(tmp_path)
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
    reg = XlsxRegister(path)
    before = path.read_bytes()
    with pytest.raises(RegisterShapeError, match="the 'Referrals' tab holds dropdown"):
        reg.read()
    monkeypatch.setattr(local_register, "is_loss_warning", lambda text: False)
    snap = reg.read()
    monkeypatch.undo()
    report = reg.write(snap, [by_key("R-0001")], snap.state_rows)
    assert report.refused is not None and "dropdown" in report.refused
    assert path.read_bytes() == before


def test_file_mode_kept(tmp_path: Path) -> None:
    path = make_register(tmp_path)
    os.chmod(path, 0o664)
    reg = XlsxRegister(path)
    snap = reg.read()
    reg.write(snap, [by_key("R-0001")], snap.state_rows)
    assert path.stat().st_mode & 0o777 == 0o664
