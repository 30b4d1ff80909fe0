"""Each local workspace's own identity, kept in its register (issue 17, item 9).

Event UIDs and Message-IDs are derived from (namespace, row ID, rule). Google's namespace
is the spreadsheet's ID; a local register's used to be its file name, so every local
workspace gave ``R-0001``'s follow-up the same UID, and two clinics' (or two locations')
calendars collided in one calendar app.

Now ``sheetsync init --local`` gives a new register a random id, kept in the register
itself as a hidden defined name (``sheetsync_workspace``): it travels with the file from
machine to machine (cron may run anywhere), survives every save by sheetsync, Excel and
LibreOffice, and staff never see it in a cell. A register without one keeps the old
namespace, so the events and drafts it already has are still found, never made again:
``init`` adds an id only to a register that was never synced.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook

DEFINED_NAME = "sheetsync_workspace"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ID = re.compile(r'^"?(ws-[0-9a-z]{8,40})"?$')


def new_workspace_id() -> str:
    return "ws-" + secrets.token_hex(8)


def namespace_of(register: Path) -> str:
    """The namespace of the workspace whose register is ``register``: its own id when it
    has one, else (a register made before ids, or by hand) the file name as always."""
    found = read_workspace_id(register)
    return f"local:{found}" if found else f"local:{Path(register).name}"


def read_workspace_id(register: Path) -> str | None:
    """The id kept in the register, read cheaply from the package's workbook part; None
    when it has none, or cannot be read (the sync's own read then says why)."""
    try:
        with zipfile.ZipFile(register) as archive:
            root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return None
    for element in root.iter(f"{_MAIN_NS}definedName"):
        if element.get("name") == DEFINED_NAME and element.get("localSheetId") is None:
            match = _ID.match((element.text or "").strip())
            return match[1] if match else None
    return None


def workbook_id(wb: Workbook) -> str | None:
    name = wb.defined_names.get(DEFINED_NAME)
    if name is None:
        return None
    match = _ID.match(str(name.attr_text or "").strip())
    return match[1] if match else None


def give_workspace_id(wb: Workbook) -> str | None:
    """Give ``wb`` an id when it has none; returns the new id, or None when it had one."""
    if workbook_id(wb) is not None:
        return None
    found = new_workspace_id()
    with contextlib.suppress(KeyError):
        del wb.defined_names[DEFINED_NAME]
    wb.defined_names[DEFINED_NAME] = DefinedName(DEFINED_NAME, attr_text=f'"{found}"',
                                                 hidden=True)
    return found
