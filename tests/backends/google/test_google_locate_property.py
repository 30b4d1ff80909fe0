"""Property: whatever staff do between the read and the write (sort, insert, delete, edit a
status), every status lands on the row that holds its ID, or on the ID-less row it was
planned for, and no other cell changes."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsync.backends.google.picture import _TabNow, plan_cell_writes
from sheetsync.core.ports import CellWrite, RowRef, fingerprint_cells

HEADER = ["Check-in ID", "Client", "Treatment", "Treatment date", "Notes", "Check-in",
          "Sync status"]
STATUS, CHECK_IN, ID = 6, 5, 0


def make_rows(n: int, id_less: int) -> list[list[Any]]:
    rows = []
    for i in range(n):
        key = f"C-{i + 1:04d}" if i >= id_less else ""
        rows.append([key, f"Client {i}", "Facial", 46000 + i, "", "", "OK"])
    return rows


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 25), id_less=st.integers(0, 5), seed=st.integers(0, 10**6),
       ops=st.lists(st.sampled_from(["sort", "insert", "delete", "edit", "copy_id"]),
                    max_size=6))
def test_writes_follow_rows(n: int, id_less: int, seed: int, ops: list[str]) -> None:
    rnd = random.Random(seed)
    read = make_rows(n, min(id_less, n))
    # What the sync planned from the read.
    writes: list[CellWrite] = []
    intended: dict[str, tuple[str, str]] = {}  # identity -> (status, id)
    for number, row in enumerate(read, start=2):
        fp = fingerprint_cells(row)
        if row[ID]:
            ref = RowRef("Check-ins", row[ID], number, fp, "Check-in ID")
            identity = row[ID]
            new_id = row[ID]
        else:
            new_id = f"C-{900 + number:04d}"
            ref = RowRef("Check-ins", None, number, fp, "Check-in ID", assign_key=new_id)
            identity = row[1]  # clients are unique in this test
            writes.append(CellWrite(ref, "Check-in ID", new_id, None))
        status = f"status for {identity}"
        writes.append(CellWrite(ref, "Sync status", status, "OK"))
        intended[identity] = (status, new_id)

    # Staff at work meanwhile.
    now = [list(r) for r in read]
    edited: set[str] = set()
    for op in ops:
        if op == "sort" and now:
            col = rnd.choice([1, 3])
            now.sort(key=lambda r, c=col: str(r[c]), reverse=rnd.random() < 0.5)
        elif op == "insert":
            now.insert(rnd.randint(0, len(now)), ["", f"Walk-in {rnd.random()}", "Peel",
                                                   1, "", "", ""])
        elif op == "delete" and now:
            now.pop(rnd.randrange(len(now)))
        elif op == "edit" and now:
            row = rnd.choice(now)
            row[STATUS] = "typed by staff"
            # Track the planned row itself: a pasted copy shares its ID but is not it.
            if not str(row[1]).startswith(("Copy", "Walk-in")):
                edited.add(row[ID] or row[1])
        elif op == "copy_id" and now:
            source = rnd.choice(now)
            if source[ID]:
                now.insert(rnd.randint(0, len(now)), [source[ID], "Copy", "Peel", 2, "", "",
                                                      ""])

    before = [list(r) for r in now]
    tabs = {"Check-ins": _TabNow.build("Check-ins", [HEADER, *now])}
    plan = plan_cell_writes(tabs, writes)
    for (_tab, row_no, col), value in plan.cells.items():
        now[row_no - 2][col] = value

    ids = [r[ID] for r in before if r[ID]]
    for old, new in zip(before, now, strict=True):
        assert old[:5] == new[:5] or (old[ID] == "" and new[1:5] == old[1:5])  # staff cells
        identity = old[ID] if old[ID] and not old[1].startswith(("Walk-in", "Copy")) else (
            old[1] if not old[ID] else None)
        changed = old != new
        if not changed:
            continue
        # Only rows the sync planned for change, and only as planned.
        assert identity in intended, (old, new)
        status, new_id = intended[identity]
        assert ids.count(old[ID]) <= 1 if old[ID] else True
        assert new[STATUS] in (status, old[STATUS])
        assert new[ID] in (old[ID], new_id)
        assert identity not in edited or new[STATUS] == old[STATUS]
    if not ops:  # nobody touched the sheet: everything planned was written
        assert not plan.skipped
        for row in now:
            status, new_id = intended[row[ID] if row[1] not in intended else row[1]]
            assert row[STATUS] == status and row[ID] == new_id
