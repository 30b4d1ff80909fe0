"""The contract harness for the local workspace: staff edit register.xlsx with openpyxl
(as Excel would save it), the owner moves .eml files and edits calendar.ics, and replies
and bounces arrive in inbox/ as mail programs and mail servers write them."""

from __future__ import annotations

import datetime as dt
import email
import email.message
import email.policy
import os
from pathlib import Path

import openpyxl
from icalendar import Calendar

from sheetsync.backends.local import open_local_workspace
from sheetsync.backends.local.mailbox import draft_file_name
from sheetsync.backends.local.workbook import create_register
from sheetsync.core.fields import text_of
from sheetsync.core.ports import CellValue, Workspace
from sheetsync.core.schema import STATE_TAB
from sheetsync.workspace.mail import delivery_failure, reply

from .harness import trimmed


class LocalHarness:
    name = "local"
    tracks_threads = True  # replies and bounces in inbox/ (issue 16)

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.xlsx = folder / "register.xlsx"
        self.ics = folder / "calendar.ics"
        self.drafts = folder / "drafts"
        self.sent = folder / "sent"
        self.inbox = folder / "inbox"
        self._thread_files: dict[str, list[Path]] = {}  # key -> mail written into its thread

    def workspace(self, tables: dict[str, list[list[CellValue]]]) -> Workspace:
        create_register(self.xlsx, [(t, [text_of(h) for h in rows[0]], rows[1:])
                                    for t, rows in tables.items()])
        self.ws = open_local_workspace(self.xlsx, self.ics, self.drafts, self.sent,
                                       inbox=self.inbox)
        return self.ws

    # --- staff, in the workbook ------------------------------------------------------

    def _edit(self, title: str) -> tuple[openpyxl.Workbook, object]:
        wb = openpyxl.load_workbook(self.xlsx)
        return wb, wb[title]

    def _save(self, wb: openpyxl.Workbook) -> None:
        wb.save(self.xlsx)

    def tab(self, title: str) -> list[list[str]]:
        wb = openpyxl.load_workbook(self.xlsx)
        return trimmed([list(r) for r in wb[title].iter_rows(values_only=True)])

    def _rows(self, ws: object) -> list[list[CellValue]]:
        return [list(r) for r in ws.iter_rows(values_only=True)]  # type: ignore[attr-defined]

    def _rewrite(self, ws: object, rows: list[list[CellValue]]) -> None:
        sheet = ws
        sheet.delete_rows(1, sheet.max_row)  # type: ignore[attr-defined]
        for row in rows:
            sheet.append(row)  # type: ignore[attr-defined]

    def sort_desc(self, title: str, column: str) -> None:
        wb, ws = self._edit(title)
        rows = self._rows(ws)
        col = [text_of(c) for c in rows[0]].index(column)
        body = sorted(rows[1:], key=lambda r: text_of(r[col]), reverse=True)
        self._rewrite(ws, [rows[0], *body])
        self._save(wb)

    def insert_row(self, title: str, number: int, values: list[CellValue]) -> None:
        wb, ws = self._edit(title)
        ws.insert_rows(number)  # type: ignore[attr-defined]
        for i, value in enumerate(values, 1):
            ws.cell(row=number, column=i, value=value or None)  # type: ignore[attr-defined]
        self._save(wb)

    def delete_row(self, title: str, number: int) -> None:
        wb, ws = self._edit(title)
        ws.delete_rows(number)  # type: ignore[attr-defined]
        self._save(wb)

    def set_cell(self, title: str, number: int, column: str, value: CellValue) -> None:
        wb, ws = self._edit(title)
        header = [text_of(c.value) for c in ws[1]]  # type: ignore[index]
        ws.cell(row=number, column=header.index(column) + 1, value=value)  # type: ignore[attr-defined]
        self._save(wb)

    def move_data(self, title: str, columns: list[str], order: list[int]) -> None:
        wb, ws = self._edit(title)
        header = [text_of(c.value) for c in ws[1]]  # type: ignore[index]
        for column in columns:
            col = header.index(column) + 1
            cells = [ws.cell(row=2 + i, column=col) for i in range(len(order))]  # type: ignore[attr-defined]
            values = [(c.value, c.number_format) for c in cells]
            for cell, source in zip(cells, order, strict=True):
                cell.value, cell.number_format = values[source]
        self._save(wb)

    # --- the owner, in the calendar and mailbox -------------------------------------

    def _calendar(self) -> Calendar:
        return Calendar.from_ical(self.ics.read_bytes())

    def live_events(self) -> dict[str, str]:
        if not self.ics.exists():
            return {}
        out = {}
        for event in self._calendar().walk("VEVENT"):
            key = str(event.get("X-SHEETSYNC-KEY"))
            out[key] = event.decoded("DTSTART").isoformat()
        return out

    def live_drafts(self) -> dict[str, str]:
        import email
        import email.policy

        # A draft names no key (only an opaque reference): its file is named after it.
        names = {draft_file_name(key): key for key in self._state_keys()}
        out = {}
        for path in sorted(self.drafts.glob("*.eml")):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            out[names.get(path.name, path.stem)] = str(msg["Subject"])
        return out

    def _state_keys(self) -> list[str]:
        wb = openpyxl.load_workbook(self.xlsx, read_only=True)
        try:
            if STATE_TAB not in wb.sheetnames:
                return []
            return [str(row[0]) for row in wb[STATE_TAB].iter_rows(values_only=True)
                    if row and row[0] and not str(row[0]).startswith("#")]
        finally:
            wb.close()

    def send_draft(self, key: str, on: dt.date) -> None:
        source = self.drafts / draft_file_name(key)
        target = self.sent / source.name
        self.sent.mkdir(exist_ok=True)
        os.replace(source, target)
        stamp = dt.datetime.combine(on, dt.time(12)).timestamp()
        os.utime(target, (stamp, stamp))

    def delete_draft(self, key: str) -> None:
        (self.drafts / draft_file_name(key)).unlink()

    def delete_event(self, key: str) -> None:
        cal = self._calendar()
        cal.subcomponents[:] = [c for c in cal.subcomponents
                                if str(c.get("X-SHEETSYNC-KEY", "")) != key]
        self.ics.write_bytes(cal.to_ical())

    def edit_draft(self, key: str, body: str) -> None:
        import email
        import email.policy

        path = self.drafts / draft_file_name(key)
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        msg.set_content(body)  # type: ignore[attr-defined]
        path.write_bytes(msg.as_bytes())

    def edit_event(self, key: str, title: str) -> None:
        cal = self._calendar()
        for event in cal.walk("VEVENT"):
            if str(event.get("X-SHEETSYNC-KEY", "")) == key:
                event.pop("SUMMARY")
                event.add("SUMMARY", title)
        self.ics.write_bytes(cal.to_ical())

    def draft_body(self, key: str) -> str:
        import email
        import email.policy

        path = self.drafts / draft_file_name(key)
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
        return str(part.get_content())

    # --- what comes back: mail saved into inbox/ (and the clinic's own into sent/) ------

    def _sent_copy(self, key: str) -> email.message.EmailMessage:
        return _parse((self.sent / draft_file_name(key)).read_bytes())

    def _latest(self, key: str) -> email.message.EmailMessage:
        """The newest message of the thread (what a mail program answers)."""
        files = self._thread_files.get(key, [])
        return _parse(files[-1].read_bytes()) if files else self._sent_copy(key)

    def _arrive(self, key: str, folder: Path, data: bytes, at: dt.datetime) -> None:
        folder.mkdir(exist_ok=True)
        files = self._thread_files.setdefault(key, [])
        path = folder / f"{len(list(folder.glob('*.eml'))) + 1:03d} {folder.name}.eml"
        path.write_bytes(data)
        stamp = at.timestamp()
        os.utime(path, (stamp, stamp))  # saved when it came
        files.append(path)

    def reply(self, key: str, sender: str, at: dt.datetime) -> None:
        answer = reply(self._latest(key), sender=sender, at=at,
                       body="Thank you, that is good to hear. Shall we meet next week?")
        self._arrive(key, self.inbox, answer, at)

    def clinic_answer(self, key: str, at: dt.datetime) -> None:
        sent = self._sent_copy(key)
        owner = str(sent["From"].addresses[0].addr_spec)
        answer = reply(self._latest(key), sender=owner, at=at, to=str(sent["To"]),
                       body="Thank you for writing back: yes, that is expected.")
        self._arrive(key, self.sent, answer, at)

    def bounce(self, key: str, at: dt.datetime) -> None:
        report = delivery_failure(self._sent_copy(key), at=at, style="postfix")
        self._arrive(key, self.inbox, report, at)

    def delete_thread(self, key: str) -> None:
        """The owner deletes the conversation: the sent draft and all that came after."""
        (self.sent / draft_file_name(key)).unlink()
        for path in self._thread_files.pop(key, []):
            path.unlink(missing_ok=True)


def _parse(data: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message
