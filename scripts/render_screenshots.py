"""Helpers for ``render_screenshots.sh``: the README's pictures of the demo register.

    python scripts/render_screenshots.py prepare REGISTER.xlsx OUT_DIR
        writes OUT_DIR/referrals.xlsx and OUT_DIR/dashboard.xlsx: copies of the synced
        register with only that tab visible, laid out as one landscape page
    python scripts/render_screenshots.py png PAGE.ppm OUT.png
        crops the white margins off a page rendered by ``pdftoppm`` and saves it as PNG

Standard library and openpyxl only (no image library), so it runs in the project's venv.
The copies are for pictures only: the register itself is never changed.
"""

from __future__ import annotations

import datetime as dt
import struct
import sys
import textwrap
import zlib
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment

# Referrals columns shown in the picture: the ones that tell the story (who, what, and the
# columns sheetsync writes). The others are hidden to keep the text readable.
REFERRAL_COLUMNS = ("Referral ID", "Date", "Direction", "Partner", "Client",
                    "Consent to share", "Status", "Thank-you", "Follow-up", "Sync status")
# Widths (characters) beyond which a column's text wraps instead, to keep it readable.
MAX_WIDTH = 34
MARGIN_PX = 24


def prepare(register: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for tab, name in (("Referrals", "referrals"), ("Dashboard", "dashboard")):
        book = openpyxl.load_workbook(register, rich_text=True)
        for sheet in book.worksheets:
            sheet.sheet_state = "visible" if sheet.title == tab else "hidden"
            sheet.sheet_view.tabSelected = sheet.title == tab
        sheet = book[tab]
        book.active = book.worksheets.index(sheet)
        if tab == "Referrals":
            _show_only(sheet, REFERRAL_COLUMNS)
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 1
        sheet.print_options.gridLines = True
        sheet.page_margins.left = sheet.page_margins.right = 0.3
        sheet.page_margins.top = sheet.page_margins.bottom = 0.3
        sheet.page_margins.header = sheet.page_margins.footer = 0
        sheet.oddHeader.center.text = sheet.oddFooter.center.text = ""
        book.save(out / f"{name}.xlsx")


def _show_only(sheet: Any, columns: tuple[str, ...]) -> None:
    """Hide the other columns, and fit the shown ones to their text (as a person would
    before taking a picture): no status is cut off, long ones wrap."""
    last = 1
    lines = dict.fromkeys(range(1, sheet.max_row + 1), 1)
    for head in sheet[1]:
        letter = head.column_letter
        if head.value not in columns:
            sheet.column_dimensions[letter].hidden = True
            continue
        last = head.column
        longest = max(len(_shown(c.value)) for c in sheet[letter][1:])
        width = min(max(longest + 2, 9), MAX_WIDTH)
        sheet.column_dimensions[letter].width = width
        for cell in sheet[letter]:
            text = _shown(cell.value)
            wrap = len(text) > width - 1
            cell.alignment = Alignment(horizontal=cell.alignment.horizontal, vertical="top",
                                       wrap_text=wrap or cell.alignment.wrap_text)
            if wrap:
                # A column fits a few more letters than its width (which counts digits).
                lines[cell.row] = max(lines[cell.row], len(textwrap.wrap(text, int(width * 1.2))))
    for row, count in lines.items():
        sheet.row_dimensions[row].height = 15 * count
    sheet.print_area = f"A1:{sheet.cell(row=1, column=last).column_letter}{sheet.max_row}"


def _shown(value: object) -> str:
    """Roughly what a cell shows: dates as the day only."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return "" if value is None else str(value)


def _read_ppm(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:  # magic, width, height, maxval (comments not written by poppler)
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        raise SystemExit(f"{path}: expected an 8-bit binary PPM from pdftoppm")
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[pos + 1:pos + 1 + width * height * 3]


def _content_box(width: int, height: int, pixels: bytes) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of everything that is not white, plus a margin."""
    stride = width * 3
    white = b"\xff" * stride
    rows = [y for y in range(height) if pixels[y * stride:(y + 1) * stride] != white]
    if not rows:
        return 0, 0, width, height
    left, right = width, 0
    for y in rows:
        line = pixels[y * stride:(y + 1) * stride]
        stripped = line.lstrip(b"\xff")
        first = (len(line) - len(stripped)) // 3
        last = (len(line.rstrip(b"\xff")) + 2) // 3
        left, right = min(left, first), max(right, last)
    return (max(0, left - MARGIN_PX), max(0, rows[0] - MARGIN_PX),
            min(width, right + MARGIN_PX), min(height, rows[-1] + 1 + MARGIN_PX))


def _png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    raw = bytearray()
    previous = bytes(len(rows[0])) if rows else b""
    for row in rows:  # filter "Up": a spreadsheet's rows repeat, so this packs well
        raw.append(2)
        raw.extend(bytes((a - b) & 0xFF for a, b in zip(row, previous, strict=True)))
        previous = row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


def to_png(ppm: Path, out: Path) -> None:
    width, height, pixels = _read_ppm(ppm)
    left, top, right, bottom = _content_box(width, height, pixels)
    stride = width * 3
    rows = [pixels[y * stride + left * 3:y * stride + right * 3] for y in range(top, bottom)]
    out.write_bytes(_png(right - left, bottom - top, rows))
    print(f"{out}: {right - left}x{bottom - top}, {out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    match sys.argv[1:]:
        case ["prepare", register, out]:
            prepare(Path(register), Path(out))
        case ["png", ppm, out]:
            to_png(Path(ppm), Path(out))
        case _:
            raise SystemExit(__doc__)
