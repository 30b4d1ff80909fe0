"""The local workspace: everything in files on this computer (or a shared folder).

- the register is an .xlsx workbook (``XlsxRegister``),
- the calendar is one .ics file (``IcsCalendar``),
- drafts are .eml files in a drafts folder; a person marks one as sent by moving it into
  the sent folder (``EmlMailbox``), and saves the replies and bounces that come back into
  the inbox folder (``threads``).

Nothing here needs a network or an account, which makes it the backend for trying
sheetsync out, for tests, and for clinics that keep their register on a shared drive.
"""

from __future__ import annotations

from pathlib import Path

from sheetsync.core.ports import Workspace

from .calendar import IcsCalendar
from .mailbox import EmlMailbox, draft_file_name
from .register import XlsxRegister
from .workbook import create_register
from .workspace_id import namespace_of

__all__ = [
    "EmlMailbox",
    "IcsCalendar",
    "XlsxRegister",
    "create_register",
    "draft_file_name",
    "open_local_workspace",
]


def open_local_workspace(register: Path, calendar: Path, drafts: Path, sent: Path, *,
                         inbox: Path | None = None) -> Workspace:
    """The local backend for a register file, a calendar file and the mail folders
    (``inbox`` beside ``drafts`` unless given).

    The namespace (mixed into event ids and Message-IDs) is the workspace's own id, kept
    in the register (``workspace_id``), so it stays the same from run to run and from
    machine to machine and differs from every other workspace's; a register made before
    ids keeps its file name as the namespace.
    """
    register = Path(register)
    return Workspace(
        register=XlsxRegister(register),
        calendar=IcsCalendar(Path(calendar)),
        mailbox=EmlMailbox(Path(drafts), Path(sent), inbox_dir=inbox),
        namespace=namespace_of(register),
    )
