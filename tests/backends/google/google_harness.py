"""The contract harness for the Google workspace on the in-process fake: staff edit the
Sheet (sort, insert, delete, type), the owner sends or deletes drafts in Gmail and deletes
events in Calendar — all through the fake's own test API, the workspace through the real
gspread and google-api-python-client."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sheetsync.backends.google import open_google_workspace
from sheetsync.backends.google.auth import SCOPES
from sheetsync.backends.google.picture import column_letter
from sheetsync.backends.google.retry import RetryPolicy
from sheetsync.core.config import GoogleConfig
from sheetsync.core.fields import text_of
from sheetsync.core.messages import message_id_for, ref_of
from sheetsync.core.ports import CellValue, Workspace
from sheetsync.core.schema import STATE_TAB
from sheetsync.testing.fake_google import FakeGoogle
from sheetsync.testing.fake_google.inbound import delivery_report, reply

# What each draft carries that tells sheetsync's drafts apart: an opaque reference (the
# digest of its Message-ID), never the row's key (that would go to the partner).
KEY_HEADER = "X-Sheetsync-Ref"


def no_wait_policy(waits: list[float] | None = None) -> RetryPolicy:
    """A retry policy whose sleeps are recorded, not slept."""
    box = waits if waits is not None else []
    now = [0.0]

    def sleep(seconds: float) -> None:
        box.append(seconds)
        now[0] += seconds

    return RetryPolicy(sleep=sleep, clock=lambda: now[0], rng=lambda: 0.5)


def trimmed(rows: list[list[Any]]) -> list[list[str]]:
    out = []
    for row in rows:
        texts = [text_of(c) for c in row]
        while texts and texts[-1] == "":
            texts.pop()
        out.append(texts)
    while out and not out[-1]:
        out.pop()
    return out


def as_text(value: CellValue) -> CellValue:
    return "'" + value if isinstance(value, str) and value else value


class GoogleHarness:
    name = "google"
    tracks_threads = True  # Gmail threads: replies, bounces, the clinic's answers

    def __init__(self, fake: FakeGoogle | None = None, policy: RetryPolicy | None = None
                 ) -> None:
        self.fake = fake or FakeGoogle(scopes=SCOPES)
        self.policy = policy or no_wait_policy()
        self.sid = ""
        self._made: dict[str, str] = {}  # a draft's reference -> the key it was made for
        self._sent: dict[str, str] = {}  # key -> Gmail id of the message the owner sent

    def workspace(self, tables: dict[str, list[list[CellValue]]]) -> Workspace:
        # A Python str in the tables is a text cell, as in the .xlsx: in Sheets that is a
        # value typed with a leading apostrophe ("00123" would otherwise become 123).
        typed = {title: [[as_text(c) for c in row] for row in rows]
                 for title, rows in tables.items()}
        self.sid = self.fake.sheets.create_spreadsheet("Clinic register", typed)
        return self.open()

    def open(self) -> Workspace:
        self.ws = open_google_workspace(
            GoogleConfig(spreadsheet=f"https://docs.google.com/spreadsheets/d/{self.sid}/edit"),
            Path("."), session=self.fake.requests_session(), http=self.fake.http(),
            policy=self.policy)
        self._spy_on_drafts(self.ws)
        return self.ws

    def _spy_on_drafts(self, ws: Workspace) -> None:
        """Remember which key each draft was made for: the draft names none (only an
        opaque reference), and a run killed before recording it leaves no state."""
        apply = ws.mailbox.apply

        def spied(changes: Any) -> Any:
            for change in changes:
                if change.spec is not None:  # a delete (retraction) makes nothing
                    self._made[ref_of(change.spec.message_id)] = change.spec.key
            return apply(changes)

        ws.mailbox.apply = spied  # type: ignore[method-assign]

    # --- staff, in the Sheet ---------------------------------------------------------

    def tab(self, title: str) -> list[list[str]]:
        return trimmed(self.fake.sheets.get_values(self.sid, title))

    def header(self, title: str) -> list[str]:
        return self.tab(title)[0]

    def sort_desc(self, title: str, column: str) -> None:
        self.fake.sheets.sort(self.sid, title, column, descending=True)

    def insert_row(self, title: str, number: int, values: list[CellValue]) -> None:
        self.fake.sheets.insert_rows(self.sid, title, number, [values])

    def delete_row(self, title: str, number: int) -> None:
        self.fake.sheets.delete_rows(self.sid, title, number)

    def set_cell(self, title: str, number: int, column: str, value: CellValue) -> None:
        letter = column_letter(self.header(title).index(column))
        self.fake.sheets.set_cell(self.sid, title, f"{letter}{number}", value)

    def move_data(self, title: str, columns: list[str], order: list[int]) -> None:
        header = self.header(title)
        sheet = self.fake.sheets.tab(self.sid, title)
        with self.fake.lock:
            for column in columns:
                col = header.index(column)
                cells = [sheet.get(1 + i, col) for i in range(len(order))]
                for i, source in enumerate(order):
                    sheet.ensure(1 + i, col)
                    sheet.cells[1 + i][col] = cells[source]
            self.fake.sheets._touch(self.fake.sheets.spreadsheet(self.sid))

    # --- the owner, in Calendar and Gmail --------------------------------------------

    def _events(self) -> dict[str, dict[str, Any]]:
        out = {}
        for event in self.fake.calendar.events("primary"):
            key = event.get("extendedProperties", {}).get("private", {}).get("sheetsync_key")
            if key:
                out[key] = event
        return out

    def live_events(self) -> dict[str, str]:
        return {k: e["start"].get("date") or e["start"].get("dateTime")
                for k, e in self._events().items()}

    def _drafts(self) -> dict[str, dict[str, Any]]:
        """Drafts by the key of the object they were made for (worked out from the keys
        the state tab records: a draft itself names none)."""
        refs = {ref_of(message_id_for(self.sid, k, "")): k for k in self._state_keys()}
        refs.update(self._made)
        out = {}
        for d in self.fake.gmail.draft_list():
            ref = d["headers"].get(KEY_HEADER, "")
            out[refs.get(ref) or d["headers"].get("X-Sheetsync-Key") or ref] = d
        return out

    def _state_keys(self) -> list[str]:
        if not any(s.title == STATE_TAB for s in self.fake.sheets.spreadsheets[self.sid].sheets):
            return []
        rows = self.fake.sheets.get_values(self.sid, STATE_TAB)
        return [text_of(r[0]) for r in rows if r and text_of(r[0])
                and not text_of(r[0]).startswith("#")]

    def live_drafts(self) -> dict[str, str]:
        return {k: d["subject"] for k, d in self._drafts().items()}

    def send_draft(self, key: str, on: dt.date) -> None:
        when = dt.datetime.combine(on, dt.time(12), tzinfo=dt.timezone.utc)
        self._sent[key] = self.fake.gmail.owner_sends_draft(self._drafts()[key]["draft_id"],
                                                            when)

    def delete_draft(self, key: str) -> None:
        self.fake.gmail.owner_deletes_draft(self._drafts()[key]["draft_id"])

    def delete_event(self, key: str) -> None:
        self.fake.calendar.user_deletes_event("primary", self._events()[key]["id"])

    def edit_draft(self, key: str, body: str) -> None:
        self.fake.gmail.owner_edits_draft(self._drafts()[key]["draft_id"], body=body)

    def edit_event(self, key: str, title: str) -> None:
        self.fake.calendar.user_edits_event("primary", self._events()[key]["id"], summary=title)

    def draft_body(self, key: str) -> str:
        return str(self._drafts()[key]["body"])

    # --- mail coming back into a sent draft's thread (the tracker) --------------------
    # As real mail arrives: Gmail threads it by its References/In-Reply-To and subject
    # (the fake does as Gmail does), never by a thread id the test picks.

    def _thread(self, key: str) -> tuple[str, Any, Any]:
        """The thread of the sent draft ``key``: (thread id, the sent message, the
        latest message), both parsed."""
        sent_id = self._sent[key]
        thread = self.fake.gmail.thread_of(sent_id)
        messages = [m for m in self.fake.gmail.thread_messages(thread)
                    if "TRASH" not in m["labels"]]
        latest = self.fake.gmail.messages[messages[-1]["id"]] if messages else \
            self.fake.gmail.messages[sent_id]
        return thread, self.fake.gmail.messages[sent_id].parsed, latest.parsed

    def reply(self, key: str, sender: str, at: dt.datetime) -> None:
        _thread, _sent, latest = self._thread(key)
        self.fake.gmail.receive(reply(latest, sender, self.fake.owner, at), when=at)

    def clinic_answer(self, key: str, at: dt.datetime) -> None:
        _thread, sent, latest = self._thread(key)
        answer = reply(latest, self.fake.owner, str(sent.get("To", "")), at,
                       "Thank you for writing back: yes, that is expected.")
        self.fake.gmail.receive(answer, when=at, labels=("SENT",))

    def bounce(self, key: str, at: dt.datetime) -> None:
        """Gmail's own delivery report (mailer-daemon@googlemail.com), naming the
        address in X-Failed-Recipients: it joins the sent draft's thread."""
        _thread, sent, _latest = self._thread(key)
        to = str(sent.get("To", ""))
        failed = to.rsplit("<", 1)[-1].rstrip(">").strip()
        self.fake.gmail.receive(delivery_report(sent, self.fake.owner, at, failed), when=at)

    def delete_thread(self, key: str) -> None:
        """The owner deletes the conversation in Gmail (it goes to the Trash)."""
        thread, _sent, _latest = self._thread(key)
        self.fake.gmail.owner_deletes_thread(thread)
