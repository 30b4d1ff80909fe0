"""What openpyxl could not keep when it saves a workbook, found when the workbook is read.

openpyxl saves only what it understands: threaded comments, dropdowns stored as Excel
2010 extensions, shapes and text boxes, form controls, slicers and more are left out of
the saved file without a word. A sync that saved such a workbook would destroy what staff
made, so the register refuses to write it. That refusal must come *before* a sync makes
anything (a calendar event or draft made, then a refused save, would be made again at
every run and never recorded), and it is permanent: the same workbook is refused until a
person changes it. So ``XlsxRegister.read`` checks, cheaply, from the package's parts and
the warnings openpyxl gives while it reads each sheet, and refuses with exit 2 naming the
sheet, the feature and what to do.

Pictures are kept: openpyxl keeps them when Pillow is installed, and Pillow is one of
sheetsync's dependencies (README, Development). Only pictures in the old Windows
metafile formats (WMF, EMF), which openpyxl cannot save, are refused.
"""

from __future__ import annotations

import importlib.util
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from xml.etree import ElementTree

# Parts of an .xlsx that openpyxl drops without a warning when it saves: (folder, what it
# is, what to do about it).
DROPPED_PARTS: tuple[tuple[str, str, str], ...] = (
    ("xl/threadedComments/", "threaded comments (Excel 365 comments with replies)",
     "turn them into notes (Excel: Review > Notes > Convert to Notes) or delete them"),
    ("xl/ctrlProps/", "form controls (check boxes, buttons)",
     "delete them, or keep them in another workbook"),
    ("xl/slicers/", "slicers", "delete them, or keep them in another workbook"),
    ("xl/timelines/", "timelines", "delete them, or keep them in another workbook"),
    ("xl/featurePropertyBag/", "in-cell check boxes",
     "replace them with a Yes/No dropdown, or keep them in another workbook"),
    ("xl/richData/", "pictures in cells",
     "place the pictures over the cells instead (Excel: Place over Cells), or delete them"),
)

_SHAPES = ("shapes or text boxes", "delete them, or keep them in another workbook")
_NO_PILLOW = ("pictures (kept only when the Pillow package is installed)",
              "install sheetsync again so that Pillow is installed with it "
              "(pip install sheetsync), or delete the pictures")
_METAFILE = ("pictures in the old Windows metafile format (WMF/EMF)",
             "paste them again as PNG or JPEG pictures, or delete them")
# What openpyxl's own warnings while reading a sheet mean, and what to do.
_WARNINGS: tuple[tuple[str, str, str], ...] = (
    ("data validation", "dropdown lists stored in the Excel 2010 format (a list that points "
     "at another tab)",
     "give the list a name (Excel: Formulas > Define Name, e.g. PartnerNames = "
     "Partners!$B$2:$B$1000) and make the dropdown's source =PartnerNames, or delete the "
     "dropdown; 'sheetsync init' lays out dropdowns that it can keep"),
    ("conditional formatting", "conditional formatting stored in the Excel 2010 format "
     "(data bars, icon sets)",
     "remove those rules (Excel: Home > Conditional Formatting > Manage Rules), or use "
     "plain colour rules"),
    ("drawingml", *_SHAPES),
    ("shapes", *_SHAPES),
    ("image", "pictures that cannot be read", "paste them again as PNG or JPEG pictures"),
    ("merged", "notes on merged cells", "move the notes to unmerged cells"),
    ("sparkline", "sparklines", "delete them, or keep them in another workbook"),
    ("slicer", "slicers", "delete them, or keep them in another workbook"),
    ("timeline", "timelines", "delete them, or keep them in another workbook"),
)
_OTHER = "remove it, or keep it in another workbook"
# openpyxl's warnings that announce a loss.
_LOSS = re.compile(r"will be (removed|lost|discarded)|being dropped|It will be")

_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass(frozen=True)
class Loss:
    """One thing a save would lose: where (a sheet's title, or "" for the whole
    workbook), what, and what a person can do about it."""

    sheet: str
    what: str
    todo: str


def is_loss_warning(message: str) -> bool:
    return bool(_LOSS.search(message))


def describe_warning(message: str, sheet: str = "") -> Loss:
    lowered = message.lower()
    for needle, what, todo in _WARNINGS:
        if needle in lowered:
            return Loss(sheet, what, todo)
    return Loss(sheet, message.strip().splitlines()[0], _OTHER)


def losses_in_package(data: bytes) -> list[Loss]:
    """What the package holds that openpyxl would leave out of the saved file, each with
    the sheet it belongs to (from the package's relationships) where it has one."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return []
    with archive:
        names = archive.namelist()
        owner = _sheet_of_part(archive, set(names))
        lost: list[Loss] = []
        for prefix, what, todo in DROPPED_PARTS:
            for name in names:
                if name.startswith(prefix) and "/_rels/" not in name:
                    lost.append(Loss(owner.get(name, ""), what, todo))
        has_pillow = importlib.util.find_spec("PIL") is not None
        for name in names:
            if not (name.startswith("xl/drawings/") and name.endswith(".xml")) \
                    or "/_rels/" in name:
                continue
            xml = archive.read(name)
            sheet = owner.get(name, "")
            if re.search(rb"<(\w+:)?(sp|cxnSp)[\s>]", xml):
                lost.append(Loss(sheet, *_SHAPES))
            if re.search(rb"<(\w+:)?pic[\s>]", xml):
                if not has_pillow:
                    lost.append(Loss(sheet, *_NO_PILLOW))
                elif any(target.lower().endswith((".wmf", ".emf"))
                         for target in _targets(archive, name, set(names))):
                    lost.append(Loss(sheet, *_METAFILE))
    return _unique(lost)


def refusal(file_name: str, lost: Sequence[Loss], nothing_done: str) -> tuple[str, str]:
    """The message and the advice for a workbook holding ``lost``."""
    by_sheet: dict[str, list[Loss]] = {}
    for loss in _unique(lost):
        by_sheet.setdefault(loss.sheet, []).append(loss)
    places = []
    for sheet, losses in by_sheet.items():
        things = "; ".join(loss.what for loss in losses)
        places.append(f"the '{sheet}' tab holds {things}" if sheet
                      else f"the workbook holds {things}")
    message = (f"{file_name} cannot be synced: {'; '.join(places)}. sheetsync saves the file "
               f"with openpyxl, which cannot keep these, so {nothing_done}.")
    todos = list(dict.fromkeys(f"{loss.what.split(' (')[0]}: {loss.todo}"
                               for loss in _unique(lost)))
    advice = ("; ".join(todos) + f". Then save {file_name} and run sheetsync again. (Or keep "
              "those things in another workbook: sheetsync never needs them.)")
    return message, advice


# ----------------------------------------------------------------------- package parts


def _unique(lost: Iterable[Loss]) -> list[Loss]:
    return list(dict.fromkeys(lost))


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _targets(archive: zipfile.ZipFile, part: str, names: set[str]) -> list[str]:
    """The parts ``part`` points at (its relationships), as paths inside the package."""
    rels = _rels_of(part)
    if rels not in names:
        return []
    try:
        root = ElementTree.fromstring(archive.read(rels))
    except ElementTree.ParseError:
        return []
    out = []
    for rel in root.iter(f"{_REL_NS}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        if target.startswith("/"):
            out.append(target.lstrip("/"))
        else:
            out.append(posixpath.normpath(posixpath.join(posixpath.dirname(part), target)))
    return out


def _sheet_parts(archive: zipfile.ZipFile, names: set[str]) -> Mapping[str, str]:
    """Worksheet part -> the sheet's title."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    by_id = {}
    for rel in rels.iter(f"{_REL_NS}Relationship"):
        target = rel.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
        by_id[rel.get("Id")] = path
    out = {}
    for sheet in book.iter(f"{_MAIN_NS}sheet"):
        part = by_id.get(sheet.get(_DOC_REL))
        if part in names:
            out[part] = sheet.get("name") or ""
    return out


def _sheet_of_part(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Every part a sheet points at (directly, or through its drawing) -> that sheet."""
    owner: dict[str, str] = {}
    for part, title in _sheet_parts(archive, names).items():
        for target in _targets(archive, part, names):
            owner.setdefault(target, title)
            for inner in _targets(archive, target, names):
                owner.setdefault(inner, title)
    return owner
