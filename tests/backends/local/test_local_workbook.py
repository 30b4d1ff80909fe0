"""create_register and open_local_workspace."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sheetsync.backends.local import (
    EmlMailbox,
    IcsCalendar,
    XlsxRegister,
    create_register,
    open_local_workspace,
)
from sheetsync.core.schema import STATE_TAB
from sheetsync.core.state import STATE_HEADER


def build(path: Path) -> None:
    create_register(
        path,
        [
            ("Partners", ["Partner ID", "Name", "Last contact", "Phone", "Sync status"],
             [[None, "Dr Carol Webster", dt.date(2026, 10, 1), "00123", None],
              ["", "Dr Omar Hale with a rather long practice name " * 3, None, 7, "=1+1"]]),
            ("Settings", ["Setting", "Value"], [["Time zone", "Europe/London"]]),
        ],
        notes={("Partners", "Name"): "Required."},
        tool_columns={"Partners": ["Partner ID", "Sync status"]},
    )


def test_layout(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    build(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Partners", "Settings", STATE_TAB]
    assert wb.active.title == "Partners"
    ws = wb["Partners"]
    assert ws.freeze_panes == "A2"
    assert all(c.font.b for c in ws[1])
    assert ws["A1"].fill.fill_type == "solid" and ws["E1"].fill.fill_type == "solid"
    assert ws["B1"].fill.fill_type is None
    assert ws["B1"].comment is not None and ws["B1"].comment.text.startswith("Required.")
    assert ws["C2"].number_format == "yyyy-mm-dd"
    assert (ws["D2"].value, ws["D2"].data_type) == ("00123", "s")
    assert (ws["E3"].value, ws["E3"].data_type) == ("=1+1", "s")
    assert ws["A3"].value is None
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    assert 8 <= widths["A"] <= 50 and widths["B"] == 50
    state = wb[STATE_TAB]
    assert state.sheet_state == "hidden"
    assert tuple(c.value for c in state[1]) == STATE_HEADER


def test_read_back(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    build(path)
    snap = XlsxRegister(path).read()
    partners = snap.tab("Partners")
    assert partners is not None
    assert partners.rows[0].cells == (None, "Dr Carol Webster", dt.date(2026, 10, 1), "00123",
                                      None)
    assert partners.rows[1].cells[3:] == (7, "=1+1")
    assert snap.state_rows == (STATE_HEADER,)


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        build(path)
    assert path.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["register.xlsx"]


def test_is_a_valid_package(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    build(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
    assert {"[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml"} <= names


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")),
                    reason="LibreOffice is not installed")
def test_opens_in_libreoffice(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    build(path)
    office = shutil.which("soffice") or shutil.which("libreoffice")
    assert office is not None
    out = tmp_path / "out"
    subprocess.run([office, "--headless", "--convert-to", "csv", "--outdir", str(out), str(path)],
                   check=True, timeout=120, capture_output=True)
    assert "Dr Carol Webster" in (out / "register.csv").read_text()


def test_open_local_workspace(tmp_path: Path) -> None:
    ws = open_local_workspace(tmp_path / "register.xlsx", tmp_path / "calendar.ics",
                              tmp_path / "drafts", tmp_path / "sent")
    assert isinstance(ws.register, XlsxRegister)
    assert isinstance(ws.calendar, IcsCalendar)
    assert isinstance(ws.mailbox, EmlMailbox)
    assert ws.namespace == "local:register.xlsx"
    assert ws.register.describe() == "register.xlsx"
    again = open_local_workspace(Path("elsewhere/register.xlsx"), Path("c.ics"), Path("d"),
                                 Path("s"))
    assert again.namespace == ws.namespace
