"""Guarantee (issue 17, core.identity): whatever staff do to the data without its IDs
(sort a selection of rows, paste one row's data over another, move a row's data to a
new row and leave its ID behind), no status, draft or event is ever attached to another
row's data.

Each row's data carries its true owner: the ID it was first given (its client's name and
email are unique). After every sync:

- every live draft is still addressed to its ID's own client;
- a row whose ID sits beside another client's data got nothing written by the sync but
  a problem in its Sync status (its other statuses are as the person's move left them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from builders import NOON_UTC, TODAY, checkin, memory
from gutil import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.core.fields import text_of
from sheetsync.engine import run_sync
from sheetsync.testing.memory import MemoryRegister

N = 6
TOOL = ("Check-in ID", "Check-in", "Aftercare", "Sync status")
PROBLEMS = ("this ID was given to another row", "was given to, and that ID",
            "Needs attention")


def email_of(client: str) -> str:
    return client.lower().replace(" ", ".") + "@mail.example"


def rows() -> list[dict[str, Any]]:
    return [checkin(Client=f"Client {chr(65 + i)}", **{
        "Client email": email_of(f"Client {chr(65 + i)}"),
        "Treatment date": TODAY - dt.timedelta(days=i % 3),
        "Treatment": ("Chemical peel", "Microneedling")[i % 2]}) for i in range(N)]


# One thing staff do to the data (every column but sheetsync's own).
sort_selection = st.tuples(st.just("sort"), st.permutations(range(N)),
                           st.integers(0, N - 1), st.integers(2, N))
paste = st.tuples(st.just("paste"), st.integers(0, N - 1), st.integers(0, N - 1),
                  st.just(0))
move = st.tuples(st.just("move"), st.integers(0, N - 1), st.just(0), st.just(0))
steps = st.lists(st.lists(st.one_of(sort_selection, paste, move), min_size=1, max_size=2),
                 min_size=1, max_size=4)


class Register:
    def __init__(self, register: MemoryRegister) -> None:
        self.register = register
        self.header = [text_of(h) for h in register.tabs["Check-ins"][0]]
        self.data = [i for i, h in enumerate(self.header) if h not in TOOL]

    @property
    def body(self) -> list[list[Any]]:
        return self.register.tabs["Check-ins"][1:]

    def cell(self, row: list[Any], column: str) -> str:
        col = self.header.index(column)
        return text_of(row[col] if col < len(row) else None).strip()

    def apply(self, op: tuple[Any, ...]) -> None:
        body = self.body
        for row in body:
            row.extend([None] * (len(self.header) - len(row)))
        kind, a, b, c = op
        if kind == "sort":  # rows b..b+c of the selection, in the order a gives
            chosen = [i for i in a if b <= i < min(len(body), b + c)]
            chosen = [i for i in chosen if i < len(body)]
            before = [[body[i][col] for col in self.data] for i in sorted(chosen)]
            for target, source in zip(sorted(chosen), chosen, strict=True):
                for k, col in enumerate(self.data):
                    body[target][col] = before[sorted(chosen).index(source)][k]
        elif kind == "paste" and a < len(body) and b < len(body):
            for col in self.data:
                body[b][col] = body[a][col]
        elif kind == "move" and a < len(body):
            moved = [None] * len(self.header)
            for col in self.data:
                moved[col], body[a][col] = body[a][col], None
            self.register.tabs["Check-ins"].append(moved)
        self.register.version += 1


@settings(max_examples=examples(40), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_no_status_draft_or_event_is_attached_to_another_rows_data(
        plan: list[list[tuple[Any, ...]]]) -> None:
    ws, register = memory(checkins=rows())
    sheet = Register(register)
    run_sync(ws, clock=NOON_UTC)
    owner = {sheet.cell(r, "Check-in ID"): sheet.cell(r, "Client") for r in sheet.body}
    mailbox: Any = ws.mailbox
    for step in plan:
        for op in step:
            sheet.apply(op)
        before = [list(r) for r in sheet.body]
        run_sync(ws, clock=NOON_UTC)
        for was, row in zip(before, sheet.body, strict=False):
            key, client = sheet.cell(row, "Check-in ID"), sheet.cell(row, "Client")
            if not client:
                continue
            if key not in owner:
                owner[key] = client  # an ID given just now
                continue
            if owner[key] == client:
                continue
            # This ID is beside another client's data: the sync wrote only a problem.
            for column in TOOL[:-1]:
                assert sheet.cell(row, column) == sheet.cell(was, column), (key, column)
            status = sheet.cell(row, "Sync status")
            assert status == sheet.cell(was, "Sync status") or any(
                p in status for p in PROBLEMS), (key, status)
        drafts = {k: spec.to_email for k, spec in mailbox.live().items()
                  if k.endswith("/aftercare")}
        for key, to in drafts.items():
            assert to == email_of(owner[key.split("/")[0]]), (key, to)
        for key in ws.calendar.live():  # type: ignore[attr-defined]
            assert key.split("/")[0] in owner
