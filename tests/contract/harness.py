"""What the contract suite needs from a backend under test: a workspace, plus the hands
of the people around it (staff editing the register, the owner in calendar and mail)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from sheetsync.core.fields import text_of
from sheetsync.core.ports import CellValue, Workspace
from sheetsync.testing.memory import MemoryRegister, memory_workspace


class Harness(Protocol):
    name: str

    def workspace(self, tables: dict[str, list[list[CellValue]]]) -> Workspace: ...

    def tab(self, title: str) -> list[list[str]]:
        """The tab as text, header first, trailing empties trimmed."""
        ...

    def sort_desc(self, title: str, column: str) -> None: ...

    def insert_row(self, title: str, number: int, values: list[CellValue]) -> None: ...

    def delete_row(self, title: str, number: int) -> None: ...

    def set_cell(self, title: str, number: int, column: str, value: CellValue) -> None: ...

    def move_data(self, title: str, columns: list[str], order: list[int]) -> None:
        """Move only ``columns``' values between the data rows, the rest stays: data row
        ``i`` (0 is the first below the header) gets what row ``order[i]`` held (a sort
        of a selection, or of an Excel Table that does not cover the ID column)."""
        ...

    def live_events(self) -> dict[str, str]:
        """sheetsync key -> event start (ISO) for events still in the calendar."""
        ...

    def live_drafts(self) -> dict[str, str]:
        """sheetsync key -> subject, for drafts still unsent."""
        ...

    def send_draft(self, key: str, on: dt.date) -> None: ...

    def delete_draft(self, key: str) -> None: ...

    def delete_event(self, key: str) -> None: ...

    def edit_draft(self, key: str, body: str) -> None:
        """The owner rewrites the draft's text (e.g. adds a PS) and saves it."""
        ...

    def edit_event(self, key: str, title: str) -> None:
        """The owner renames the event in the calendar."""
        ...

    def draft_body(self, key: str) -> str:
        """The text of the unsent draft with ``key``."""
        ...

    # The tracker (REGISTER.md "The tracker"): what comes back into a sent draft's thread.
    # A harness whose mailbox follows threads says so with ``tracks_threads = True``
    # (the suite's tracker tests run only then; every backend's does, in the end).
    # ``at`` is an aware moment; the harness makes the message as the backend's mail
    # would hold it (a Gmail message in the thread, an .eml in inbox/ or sent/).

    def reply(self, key: str, sender: str, at: dt.datetime) -> None:
        """``sender`` answers the sent draft ``key`` (In-Reply-To/References and the
        subject "Re: ..." as mail programs set them)."""
        ...

    def clinic_answer(self, key: str, at: dt.datetime) -> None:
        """The clinic's own mailbox writes again in the thread of ``key`` (sent mail)."""
        ...

    def bounce(self, key: str, at: dt.datetime) -> None:
        """The mail system reports that the sent draft ``key`` could not be delivered to
        its recipient (a delivery status notification naming the address)."""
        ...

    def delete_thread(self, key: str) -> None:
        """The owner deletes the whole thread of the sent draft ``key``."""
        ...


def trimmed(rows: list[list[CellValue]]) -> list[list[str]]:
    out = []
    for row in rows:
        texts = [text_of(c) if not isinstance(c, (dt.date, dt.datetime)) else c.isoformat()[:10]
                 for c in row]
        while texts and texts[-1] == "":
            texts.pop()
        out.append(texts)
    while out and not out[-1]:
        out.pop()
    return out


class MemoryHarness:
    name = "memory"
    tracks_threads = True  # its mailbox follows threads (ports.FollowsThreads)

    def workspace(self, tables: dict[str, list[list[CellValue]]]) -> Workspace:
        self.register = MemoryRegister({k: [list(r) for r in v] for k, v in tables.items()})
        self.ws = memory_workspace(self.register)
        return self.ws

    def tab(self, title: str) -> list[list[str]]:
        return trimmed(self.register.tabs[title])

    def _col(self, title: str, column: str) -> int:
        return [text_of(c) for c in self.register.tabs[title][0]].index(column)

    def sort_desc(self, title: str, column: str) -> None:
        rows = self.register.tabs[title]
        col = self._col(title, column)
        rows[1:] = sorted(rows[1:], key=lambda r: text_of(r[col] if col < len(r) else ""),
                          reverse=True)

    def insert_row(self, title: str, number: int, values: list[CellValue]) -> None:
        self.register.tabs[title].insert(number - 1, list(values))

    def delete_row(self, title: str, number: int) -> None:
        del self.register.tabs[title][number - 1]

    def set_cell(self, title: str, number: int, column: str, value: CellValue) -> None:
        self.register.set(title, number, column, value)

    def move_data(self, title: str, columns: list[str], order: list[int]) -> None:
        rows = self.register.tabs[title]
        for column in columns:
            col = self._col(title, column)
            for row in rows[1:]:
                row.extend([None] * (col + 1 - len(row)))
            values = [row[col] for row in rows[1:]]
            for i, source in enumerate(order):
                rows[1 + i][col] = values[source]
        self.register.version += 1

    def live_events(self) -> dict[str, str]:
        return {k: s.start.isoformat() for k, s in self.ws.calendar.live().items()}  # type: ignore[attr-defined, union-attr]

    def live_drafts(self) -> dict[str, str]:
        return {k: s.subject for k, s in self.ws.mailbox.live().items()}  # type: ignore[attr-defined, union-attr]

    def send_draft(self, key: str, on: dt.date) -> None:
        self.ws.mailbox.send(key, on)  # type: ignore[attr-defined]

    def delete_draft(self, key: str) -> None:
        self.ws.mailbox.delete(key)  # type: ignore[attr-defined]

    def delete_event(self, key: str) -> None:
        self.ws.calendar.delete(key)  # type: ignore[attr-defined]

    def edit_draft(self, key: str, body: str) -> None:
        self.ws.mailbox.edit(key, body=body)  # type: ignore[attr-defined]

    def edit_event(self, key: str, title: str) -> None:
        self.ws.calendar.edit(key, title=title)  # type: ignore[attr-defined]

    def draft_body(self, key: str) -> str:
        return str(self.ws.mailbox.live()[key].body)  # type: ignore[attr-defined]

    def reply(self, key: str, sender: str, at: dt.datetime) -> None:
        self.ws.mailbox.reply(key, sender, at)  # type: ignore[attr-defined]

    def clinic_answer(self, key: str, at: dt.datetime) -> None:
        self.ws.mailbox.clinic_answer(key, at)  # type: ignore[attr-defined]

    def bounce(self, key: str, at: dt.datetime) -> None:
        self.ws.mailbox.bounce(key, at)  # type: ignore[attr-defined]

    def delete_thread(self, key: str) -> None:
        self.ws.mailbox.delete_thread(key)  # type: ignore[attr-defined]
