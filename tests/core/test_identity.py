"""core.identity: an ID no longer beside the data it was given to is caught (memory
backend; the contract suite runs the main cases on every backend)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from builders import PARTNER, TODAY, checkin, memory, referral, sync
from contract.harness import MemoryHarness

from sheetsync.core.state import IDENTITIES, IDENTITY_KEY, SyncState
from sheetsync.testing.memory import MemoryRegister

CLIENTS = ["Ann Avery", "Bea Brown", "Cy Cole", "Dee Dunn", "Eve East"]
DATA = ["Client", "Client email", "Treatment", "Treatment date"]


def checkins() -> list[dict[str, Any]]:
    return [checkin(Client=c, **{"Client email": f"{c.split()[0].lower()}@mail.example",
                                 "Treatment date": TODAY - dt.timedelta(days=i)})
            for i, c in enumerate(CLIENTS)]


def statuses(register: MemoryRegister, tab: str = "Check-ins") -> dict[str, str]:
    id_column = {"Check-ins": "Check-in ID", "Referrals": "Referral ID",
                 "Partners": "Partner ID"}[tab]
    return dict(zip((str(k) for k in register.column(tab, id_column)),
                    (str(s) for s in register.column(tab, "Sync status")), strict=True))


def started() -> tuple[Any, MemoryRegister, MemoryHarness]:
    ws, register = memory(checkins=checkins())
    harness = MemoryHarness()
    harness.register, harness.ws = register, ws
    first = sync(ws)
    assert first.clean
    return ws, register, harness


def test_the_state_keeps_keyed_prints_and_no_client_text() -> None:
    _, register, _ = started()
    rows = register.tabs["_sheetsync_state"]
    flat = " ".join(str(c) for r in rows for c in r if c is not None)
    for client in CLIENTS:
        assert client.lower() not in flat.lower()
        assert f"{client.split()[0].lower()}@" not in flat.lower()
    state = SyncState.from_rows(rows)
    assert len(state.identity_key) == 32
    assert set(state.identities) == {f"C-000{i}" for i in range(1, 6)}
    assert all(len(p) == 12 for p in state.identities.values())
    # Another register keeps other prints for the same rows (its own key).
    _, other, _ = started()
    assert SyncState.from_rows(other.tabs["_sheetsync_state"]).identities != state.identities


def test_a_register_from_before_prints_records_them_without_alarm() -> None:
    ws, register, harness = started()
    register.tabs["_sheetsync_state"] = [
        r for r in register.tabs["_sheetsync_state"] if r[0] not in (IDENTITIES, IDENTITY_KEY)]
    harness.move_data("Check-ins", DATA, [1, 0, 2, 3, 4])  # even with rows moved
    report = sync(ws)
    assert not report.tab_problems and report.rows_with_problems == 0
    assert SyncState.from_rows(register.tabs["_sheetsync_state"]).identities


def test_one_row_two_cells_edited_is_a_row_problem_until_accepted() -> None:
    ws, register, _ = started()
    register.set("Check-ins", 2, "Client", "Zed Zane")
    register.set("Check-ins", 2, "Treatment date", TODAY + dt.timedelta(days=3))
    report = sync(ws)
    assert sum(report.created.values()) == sum(report.updated.values()) == 0
    status = statuses(register)["C-0001"]
    assert status.startswith("Needs attention") or "given to another row" in status
    assert "Zed" not in status and "--accept-changes" in status
    accepted = sync(ws, accept_changes=True)
    assert accepted.clean and accepted.updated["event"] == 1
    assert sync(ws).clean


def test_a_typo_fixed_in_one_cell_is_taken_as_an_edit() -> None:
    ws, register, _ = started()
    register.set("Check-ins", 3, "Client", "Bea  BROWN ")  # case and spaces: no change
    assert sync(ws).clean
    register.set("Check-ins", 3, "Client", "Bea Browne")
    report = sync(ws)
    assert report.clean and report.updated["draft"] == 1


def test_one_column_sorted_alone_holds_the_tab() -> None:
    """Each row changed in one cell only, but the values came from other rows: a sort
    of one column, not a correction."""
    ws, _, harness = started()
    harness.move_data("Check-ins", ["Client"], [4, 3, 2, 1, 0])
    report = sync(ws)
    (problem,) = report.tab_problems
    assert "Check-ins" in problem and "sorted" in problem
    assert sum(report.created.values()) == sum(report.updated.values()) == 0


def test_data_moved_into_a_new_row_without_its_id_is_not_made_twice() -> None:
    """Staff cut a row's data and paste it lower down, leaving its ID behind on an empty
    row: the new row is the old one, so nothing is made for it a second time."""
    ws, register, _ = started()
    # (Older than the two days a new row's ID is remembered for: core.newrows.)
    register.tabs["_sheetsync_state"] = [
        r for r in register.tabs["_sheetsync_state"] if r[0] != "#new rows"]
    rows = register.tabs["Check-ins"]
    header = [str(h) for h in rows[0]]
    moved = list(rows[1])
    rows[1] = [moved[header.index("Check-in ID")]] + [None] * (len(header) - 1)
    moved[header.index("Check-in ID")] = None
    moved[header.index("Sync status")] = None
    rows.append(moved)
    report = sync(ws)
    assert sum(report.created.values()) == 0
    problem = next(r for r in report.rows if r.problems)
    assert "C-0001" in problem.problems[0] and "put C-0001 in its Check-in ID cell" in \
        problem.problems[0]
    register.set("Check-ins", len(rows), "Check-in ID", "C-0001")  # as the row says
    fixed = sync(ws)
    assert fixed.clean and sum(fixed.created.values()) == 0


def test_a_partner_beside_another_partners_name_is_not_used_by_referrals() -> None:
    other = {**PARTNER, "Name": "Dr Ben Okafor", "Email": "ben@okafor.example"}
    ws, register = memory(partners=[PARTNER, other],
                          referrals=[referral(), referral(Partner="Dr Ben Okafor",
                                                          Client="Al Ames")])
    harness = MemoryHarness()
    harness.register, harness.ws = register, ws
    assert sync(ws).clean
    drafts = {k: s.to_email for k, s in ws.mailbox.live().items()}  # type: ignore[attr-defined]
    harness.move_data("Partners", ["Name"], [1, 0])  # names swapped, emails stayed
    report = sync(ws)
    assert sum(report.created.values()) == sum(report.updated.values()) == 0
    assert {k: s.to_email for k, s in ws.mailbox.live().items()} == drafts  # type: ignore[attr-defined]
    assert all("given to another row" in s for s in statuses(register, "Partners").values())
    assert all("Partners tab" in s for s in statuses(register, "Referrals").values())
