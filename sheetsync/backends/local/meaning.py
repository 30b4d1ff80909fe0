"""What staff see in a cell where the .xlsx holds something else (issue 17, item 8).

- **A mailto: link.** Staff type "Email Carol" and link it to ``mailto:carol@…``: the
  address is the link's. openpyxl's read-only reader skips hyperlinks, so they are read
  here from the sheet's ``<hyperlinks>`` (at the end of its part) and its relationships.
- **A formula.** Google gives a formula's computed value; the .xlsx holds the formula and
  the value Excel or LibreOffice last calculated and saved with it. That saved value is
  read (a second, read-only pass, only for sheets that have formulas); a formula with no
  saved value (a file written by a program and never opened in an office app) is said so.

Both go into ``RawRow.links`` / ``RawRow.computed``; the cells themselves stay as they are
held, so the writer, which sees formulas and display texts, finds the same rows.
"""

from __future__ import annotations

import posixpath
import re
import urllib.parse
import zipfile
from collections.abc import Iterable
from xml.etree import ElementTree

from openpyxl.utils.cell import range_boundaries

from sheetsync.core.ports import NOT_SAVED, CellValue

from ._cells import cell_value

_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_HYPERLINK = re.compile(rb"<(?:\w+:)?hyperlink\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
# At most this many cells of one hyperlink range are read as linked (a whole column
# linked by mistake must not cost a million entries).
_MAX_RANGE_CELLS = 10_000

Position = tuple[int, int]  # (row, column), 1-based


def mailto_links(archive: zipfile.ZipFile, sheet_part: str) -> dict[Position, str]:
    """Cells of one sheet linked to an email address: position -> address."""
    try:
        xml = archive.read(sheet_part)
    except KeyError:
        return {}
    start = xml.rfind(b"<hyperlinks")
    if start < 0:
        start = xml.rfind(b":hyperlinks")
    if start < 0:
        return {}
    targets = _relationship_targets(archive, sheet_part)
    found: dict[Position, str] = {}
    for match in _HYPERLINK.finditer(xml, start):
        attrs = {name.split(b":")[-1].decode(): value.decode()
                 for name, value in _ATTR.findall(match[1])}
        target = targets.get(attrs.get("id", ""), "")
        address = _address(target)
        ref = attrs.get("ref", "")
        if not address or not ref:
            continue
        for position in _cells_of(ref):
            found[position] = address
    return found


def _address(target: str) -> str:
    if not target.lower().startswith("mailto:"):
        return ""
    address = urllib.parse.unquote(target[7:].split("?", 1)[0]).strip()
    return address.split(",")[0].strip()


def _cells_of(ref: str) -> Iterable[Position]:
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (TypeError, ValueError):
        return []
    if min_col is None or min_row is None or max_col is None or max_row is None:
        return []
    if (max_col - min_col + 1) * (max_row - min_row + 1) > _MAX_RANGE_CELLS:
        return []
    return [(r, c) for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


def _relationship_targets(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    folder, name = posixpath.split(part)
    try:
        root = ElementTree.fromstring(archive.read(posixpath.join(folder, "_rels",
                                                                  name + ".rels")))
    except (KeyError, ElementTree.ParseError):
        return {}
    return {rel.get("Id") or "": rel.get("Target") or ""
            for rel in root.iter(f"{_REL_NS}Relationship")}


def saved_values(ws: object, positions: set[Position]) -> dict[Position, CellValue]:
    """The saved values of the formulas at ``positions`` in a read-only sheet loaded with
    ``data_only``: position -> value, ``NOT_SAVED`` for a formula never calculated."""
    if not positions:
        return {}
    last_row = max(r for r, _c in positions)
    last_col = max(c for _r, c in positions)
    out: dict[Position, CellValue] = {}
    rows = ws.iter_rows(min_row=1, max_row=last_row, max_col=last_col)  # type: ignore[attr-defined]
    for number, row in enumerate(rows, start=1):
        for cell in row:
            column = getattr(cell, "column", None)
            if column is None or (number, column) not in positions:
                continue
            value = cell.value
            if value is None:
                # An empty text result is saved as t="str" with an empty value; no value
                # at all means the formula was never calculated.
                out[(number, column)] = "" if cell.data_type in ("str", "s") else NOT_SAVED
            else:
                fmt = cell.number_format if hasattr(value, "year") else None
                out[(number, column)] = cell_value(value, fmt)
    return out
