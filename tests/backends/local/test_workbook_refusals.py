"""Workbooks holding what openpyxl cannot keep (issue 17, item 5).

The refusal comes when the register is read, before anything is made: exit 2 naming the
tab and the feature, with what to do; no event, no draft, the file untouched. Pictures are
kept (Pillow is a dependency) and survive a sync.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.drawing.image import Image as XlImage
from PIL import Image as PILImage

from sheetsync.backends.local.register import XlsxRegister
from sheetsync.cli.main import main
from sheetsync.errors import ExitCode, RegisterShapeError

X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    assert main(["init", "--local", str(folder), "--sample"]) == ExitCode.OK
    return folder


def sheet_part(parts: dict[str, bytes], title: str) -> str:
    book = parts["xl/workbook.xml"].decode()
    rid = re.search(rf'<sheet name="{re.escape(title)}"[^>]*r:id="(\w+)"', book)
    assert rid is not None
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'Target="([^"]+)" Id="{rid[1]}"', rels)
    assert target is not None
    return target[1].lstrip("/")


def edit_package(path: Path, edit: Callable[[dict[str, bytes]], None]) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    edit(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def add_relationship(parts: dict[str, bytes], sheet: str, rel_id: str, rel_type: str,
                     target: str) -> None:
    folder, name = sheet.rsplit("/", 1)
    rels = f"{folder}/_rels/{name}.rels"
    entry = f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"/>'
    if rels in parts:
        parts[rels] = parts[rels].replace(b"</Relationships>",
                                          entry.encode() + b"</Relationships>")
    else:
        parts[rels] = (f'<Relationships xmlns="{PKG}">{entry}</Relationships>').encode()


def add_content_type(parts: dict[str, bytes], part: str, content_type: str) -> None:
    override = f'<Override PartName="/{part}" ContentType="{content_type}"/>'
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", override.encode() + b"</Types>")


def threaded_comments(title: str) -> Callable[[dict[str, bytes]], None]:
    """An Excel 365 threaded comment (with a reply) on a cell of ``title``."""

    def edit(parts: dict[str, bytes]) -> None:
        sheet = sheet_part(parts, title)
        part = "xl/threadedComments/threadedComment1.xml"
        parts[part] = (
            b'<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/'
            b'threadedcomments"><threadedComment ref="B2" dT="2026-11-20T10:00:00.00" '
            b'personId="{00000000-0000-0000-0000-000000000001}" '
            b'id="{00000000-0000-0000-0000-000000000002}"><text>Call back?</text>'
            b'</threadedComment><threadedComment ref="B2" dT="2026-11-20T11:00:00.00" '
            b'personId="{00000000-0000-0000-0000-000000000001}" '
            b'id="{00000000-0000-0000-0000-000000000003}" '
            b'parentId="{00000000-0000-0000-0000-000000000002}"><text>Done</text>'
            b'</threadedComment></ThreadedComments>')
        add_relationship(parts, sheet, "rIdTC1",
                         "http://schemas.microsoft.com/office/2017/10/relationships/"
                         "threadedComment", "/" + part)
        add_content_type(parts, part,
                         "application/vnd.ms-excel.threadedcomments+xml")

    return edit


def x14_dropdown(title: str) -> Callable[[dict[str, bytes]], None]:
    """A dropdown whose list is on another tab, as Excel 2010+ stores it."""

    def edit(parts: dict[str, bytes]) -> None:
        sheet = sheet_part(parts, title)
        ext = (f'<extLst><ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14}">'
               f'<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/'
               f'excel/2006/main"><x14:dataValidation type="list" allowBlank="1" '
               f'showErrorMessage="1"><x14:formula1><xm:f>Partners!$B$2:$B$100</xm:f>'
               f'</x14:formula1><xm:sqref>D2:D100</xm:sqref></x14:dataValidation>'
               f'</x14:dataValidations></ext></extLst></worksheet>')
        parts[sheet] = parts[sheet].replace(b"</worksheet>", ext.encode())

    return edit


def shape(title: str) -> Callable[[dict[str, bytes]], None]:
    """A text box ("Call the lab first!") drawn over ``title``."""

    def edit(parts: dict[str, bytes]) -> None:
        sheet = sheet_part(parts, title)
        part = "xl/drawings/drawing1.xml"
        parts[part] = (
            f'<xdr:wsDr xmlns:xdr="{XDR}" xmlns:a="{A}"><xdr:twoCellAnchor>'
            '<xdr:from><xdr:col>1</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row>'
            '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>4</xdr:col>'
            '<xdr:colOff>0</xdr:colOff><xdr:row>4</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>'
            '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="2" name="TextBox 1"/>'
            '<xdr:cNvSpPr txBox="1"/></xdr:nvSpPr><xdr:spPr><a:xfrm><a:off x="0" y="0"/>'
            '<a:ext cx="100" cy="100"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>'
            '</a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr/><a:p><a:r><a:t>Call the lab '
            'first!</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/>'
            '</xdr:twoCellAnchor></xdr:wsDr>').encode()
        add_relationship(parts, sheet, "rIdDr1", f"{REL}/drawing", "/" + part)
        add_content_type(parts, part, "application/vnd.openxmlformats-officedocument."
                                      "drawing+xml")
        xml = parts[sheet]
        anchor = b"<legacyDrawing" if b"<legacyDrawing" in xml else b"</worksheet>"
        parts[sheet] = xml.replace(anchor, f'<drawing xmlns:r="{REL}" r:id="rIdDr1"/>'
                                   .encode() + anchor, 1)

    return edit


CASES = {
    "threaded comments": (threaded_comments("Referrals"), "Referrals",
                          "threaded comments", "Convert to Notes"),
    "Excel 2010 dropdowns": (x14_dropdown("Referrals"), "Referrals",
                             "dropdown lists stored in the Excel 2010 format", "Define Name"),
    "shapes": (shape("Partners"), "Partners", "shapes or text boxes", "delete them"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_workbook_openpyxl_cannot_keep_is_refused_before_anything_is_made(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit, tab, feature, todo = CASES[case]
    folder = workspace(tmp_path)
    register = folder / "register.xlsx"
    edit_package(register, edit)
    before = register.read_bytes()
    capsys.readouterr()
    for _ in range(2):  # permanent: the same at every run, never "busy"
        code = main(["sync", "--config", str(folder / "sheetsync.toml")])
        captured = capsys.readouterr()
        assert code == ExitCode.CONFIG, captured.out + captured.err
        assert "result=busy" not in captured.out
        err = captured.err
        assert f"the '{tab}' tab holds {feature}" in err, err
        assert todo in err and "What to do:" in err and "nothing was changed" in err
        assert "Traceback" not in err
    # Nothing was made, and the workbook is as staff left it.
    assert not list((folder / "drafts").glob("*.eml"))
    assert not (folder / "calendar.ics").exists()
    assert register.read_bytes() == before
    # A dry run and init say the same.
    assert main(["sync", "--dry-run", "--config", str(folder / "sheetsync.toml")]) \
        == ExitCode.CONFIG
    assert main(["init", "--local", str(folder)]) == ExitCode.CONFIG
    assert f"the '{tab}' tab holds {feature}" in capsys.readouterr().err
    assert register.read_bytes() == before


def test_the_refusal_names_each_tab(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    register = folder / "register.xlsx"
    edit_package(register, threaded_comments("Check-ins"))
    edit_package(register, x14_dropdown("Referrals"))
    with pytest.raises(RegisterShapeError) as refused:
        XlsxRegister(register).read()
    text = str(refused.value)
    assert "the 'Check-ins' tab holds threaded comments" in text
    assert "the 'Referrals' tab holds dropdown lists" in text


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 20), (200, 30, 30)).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def test_a_picture_survives_a_sync(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A logo on the Partners tab (added here by openpyxl itself, which without Pillow
    dropped it silently at the next save) is still there after syncs that wrote."""
    folder = workspace(tmp_path)
    register = folder / "register.xlsx"
    wb = openpyxl.load_workbook(register)
    wb["Partners"].add_image(XlImage(_png()), "R2")
    wb.save(register)
    code = main(["sync", "--config", str(folder / "sheetsync.toml")])
    assert code == ExitCode.ROW_PROBLEMS, capsys.readouterr()  # the sample's bad rows
    assert list((folder / "drafts").glob("*.eml"))  # the sync wrote
    wb = openpyxl.load_workbook(register)
    images = wb["Partners"]._images
    assert len(images) == 1
    assert images[0].anchor._from.col == 17 and images[0].anchor._from.row == 1
    with zipfile.ZipFile(register) as archive:
        assert [n for n in archive.namelist() if n.startswith("xl/media/")]


def test_without_pillow_a_picture_is_refused_not_dropped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    folder = workspace(tmp_path)
    register = folder / "register.xlsx"
    wb = openpyxl.load_workbook(register)
    wb["Partners"].add_image(XlImage(_png()), "R2")
    wb.save(register)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "PIL" else real(name, *a))
    with pytest.raises(RegisterShapeError, match="the 'Partners' tab holds pictures"):
        XlsxRegister(register).read()


def test_a_windows_metafile_picture_is_refused(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    register = folder / "register.xlsx"
    wb = openpyxl.load_workbook(register)
    wb["Partners"].add_image(XlImage(_png()), "R2")
    wb.save(register)

    def as_emf(parts: dict[str, bytes]) -> None:
        media = next(n for n in parts if n.startswith("xl/media/"))
        parts["xl/media/image1.emf"] = parts.pop(media)
        for name in list(parts):
            if name.startswith("xl/drawings/_rels/"):
                parts[name] = parts[name].replace(media.split("/")[-1].encode(),
                                                  b"image1.emf")

    edit_package(register, as_emf)
    with pytest.raises(RegisterShapeError, match="WMF/EMF"):
        XlsxRegister(register).read()


def test_status_columns_wrap_text(tmp_path: Path) -> None:
    """Staff can read a long status without widening the column (issue 17, small things):
    sheetsync's status columns wrap text, in the cells a sync wrote too."""
    folder = workspace(tmp_path)
    assert main(["sync", "--config", str(folder / "sheetsync.toml")]) == ExitCode.ROW_PROBLEMS
    wb = openpyxl.load_workbook(folder / "register.xlsx")
    for tab, status_columns, id_column in (
            ("Partners", ("Next touch", "Sync status"), "Partner ID"),
            ("Referrals", ("Thank-you", "Follow-up", "Sync status"), "Referral ID"),
            ("Check-ins", ("Check-in", "Aftercare", "Sync status"), "Check-in ID")):
        ws = wb[tab]
        header = {c.value: c.column_letter for c in ws[1]}
        for name in status_columns:
            letter = header[name]
            assert ws.column_dimensions[letter].alignment.wrap_text, (tab, name)
            written = [c for c in ws[letter][1:] if c.value]
            assert written and all(c.alignment.wrap_text for c in written), (tab, name)
        assert not any(c.alignment.wrap_text for c in ws[header[id_column]][1:])
