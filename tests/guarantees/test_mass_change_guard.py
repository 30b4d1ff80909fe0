"""Mass-change guard: a tab that suddenly reads as empty, lost most of its rows, or lost a
column is not synced (nothing in it is rewritten) until it is restored or accepted with
``sync --accept-changes``. On every backend."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import NOON_UTC, PARTNER, TODAY, checkin, referral, tables
from contract.harness import Harness, MemoryHarness
from contract.local_harness import LocalHarness
from google_harness import GoogleHarness
from openpyxl.utils import get_column_letter

from sheetsync.cli.main import main
from sheetsync.core.state import SyncState
from sheetsync.engine import SyncReport, run_sync
from sheetsync.errors import ExitCode
from sheetsync.workspace.local_init import init_local

N = 12


def sync(ws: Any, **kw: Any) -> SyncReport:
    return run_sync(ws, clock=NOON_UTC, **kw)


@pytest.fixture(params=["memory", "local", "google"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Harness:
    if request.param == "memory":
        return MemoryHarness()
    if request.param == "local":
        return LocalHarness(tmp_path)
    return GoogleHarness()


def register() -> dict[str, Any]:
    return tables(partners=[PARTNER], referrals=[referral(), referral(Client="Al Ames")],
                  checkins=[checkin(Client=f"Client {i:02d}",
                                    **{"Client email": f"c{i}@mail.example"})
                            for i in range(N)])


def everything(h: Harness) -> tuple[Any, ...]:
    return (h.tab("Partners"), h.tab("Referrals"), h.tab("Check-ins"), h.live_events(),
            h.live_drafts())


def empty_tab(h: Harness, title: str) -> None:
    for _ in range(len(h.tab(title)) - 1):
        h.delete_row(title, 2)


def test_a_tab_that_reads_empty_is_held_until_restored_or_accepted(harness: Harness) -> None:
    h = harness
    ws = h.workspace(register())
    sync(ws)
    events, drafts = h.live_events(), h.live_drafts()
    empty_tab(h, "Check-ins")
    report = sync(ws)
    assert any("Tab 'Check-ins' reads as empty but had 12 rows at the last sync" in p
               and "--accept-changes" in p for p in report.tab_problems)
    assert report.cells_written == 0 and not report.clean
    assert h.live_events() == events and h.live_drafts() == drafts
    held = sync(ws)  # still held on the next run: the state kept the tab's last shape
    assert held.tab_problems == report.tab_problems

    # What accepting would withdraw is said before anything goes (a dry run).
    dry = sync(ws, accept_changes=True, dry_run=True)
    assert any(n.startswith("Tab 'Check-ins': change accepted (--accept-changes)") and
               f"{N} deleted rows count as deleted on purpose" in n and
               f"would be withdrawn: {N} unsent drafts deleted and {N} events ahead "
               "cancelled" in n for n in dry.notes), dry.notes
    assert h.live_events() == events and h.live_drafts() == drafts

    accepted = sync(ws, accept_changes=True)
    assert not accepted.tab_problems
    # Accepted: the rows were removed on purpose, so what was made for them and still
    # waits (events ahead, unsent drafts) is withdrawn, as for any deleted row, and the
    # run's notes say how much.
    assert h.live_events() == {k: v for k, v in events.items() if not k.startswith("C-")}
    assert h.live_drafts() == {k: v for k, v in drafts.items() if not k.startswith("C-")}
    assert accepted.retracted["event"] == N
    assert any(n.startswith("Tab 'Check-ins': change accepted (--accept-changes)") and
               f"withdrawn: {N} unsent drafts deleted and {N} events ahead cancelled" in n
               for n in accepted.notes), accepted.notes
    after = sync(ws)
    assert not after.tab_problems and after.cells_written == 0


def test_a_tab_that_lost_most_rows_is_held_a_few_deleted_are_fine(harness: Harness) -> None:
    h = harness
    ws = h.workspace(register())
    sync(ws)
    for _ in range(2):
        h.delete_row("Check-ins", 2)
    assert not sync(ws).tab_problems  # 10 of 12 left: an ordinary day
    for _ in range(6):
        h.delete_row("Check-ins", 2)
    before = everything(h)
    report = sync(ws)
    assert any("has 4 rows but had 10 at the last sync" in p for p in report.tab_problems)
    assert everything(h) == before


def test_a_renamed_header_holds_the_tab_and_rewrites_nothing(harness: Harness) -> None:
    h = harness
    ws = h.workspace(register())
    sync(ws)
    h.set_cell("Check-ins", 1, "Client email", "Mail")  # someone typed over the header
    before = everything(h)
    report = sync(ws)
    assert any("Tab 'Check-ins' has lost the column 'Client email'" in p
               for p in report.tab_problems)
    assert everything(h) == before  # no "not needed (no client email)" everywhere
    assert report.cells_written == 0

    h.set_cell("Check-ins", 1, "Mail", "Client email")  # put back: syncs as before
    restored = everything(h)
    assert not sync(ws).tab_problems
    assert everything(h) == restored


def test_partners_held_hold_referrals_too(harness: Harness) -> None:
    h = harness
    ws = h.workspace(register())
    sync(ws)
    empty_tab(h, "Partners")
    before = everything(h)
    report = sync(ws)
    assert any("Tab 'Partners' reads as empty" in p for p in report.tab_problems)
    assert any("Tab 'Referrals' was not synced either" in p for p in report.tab_problems)
    assert everything(h) == before  # no "Partner ... is not in the Partners tab"
    assert report.rows_read["Check-ins"] == N  # the other tab still syncs


def test_the_shape_is_kept_in_the_state_tab() -> None:
    h = MemoryHarness()
    ws = h.workspace(register())
    sync(ws)
    state = SyncState.from_rows(ws.register.read().state_rows)
    assert state.tabs["Check-ins"].rows == N
    assert "Client email" in state.tabs["Check-ins"].columns
    assert SyncState.from_rows(state.to_rows()).tabs == state.tabs


def test_cli_holds_and_accept_changes_accepts(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ws"
    init_local(folder, sample=True, today=dt.date.today())
    config = str(folder / "sheetsync.toml")
    main(["sync", "--config", config])
    xlsx = folder / "register.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Check-ins"]
    ws.delete_rows(2, ws.max_row)
    wb.save(xlsx)
    capsys.readouterr()
    assert main(["sync", "--config", config]) == ExitCode.ROW_PROBLEMS
    out = capsys.readouterr().out
    assert "Check-ins" in out and "reads as empty" in out and "--accept-changes" in out
    assert main(["sync", "--config", config, "--accept-changes"]) == ExitCode.ROW_PROBLEMS
    assert "reads as empty" not in capsys.readouterr().out
    assert main(["sync", "--config", config]) == ExitCode.ROW_PROBLEMS
    assert "reads as empty" not in capsys.readouterr().out


def test_new_register_and_growing_tabs_are_never_held() -> None:
    h = MemoryHarness()
    ws = h.workspace(tables(checkins=[checkin()]))
    assert not sync(ws).tab_problems
    for i in range(5):
        h.insert_row("Check-ins", 2, ["", f"New {i}", "", "", "Facial",
                                      TODAY.isoformat()])
    assert not sync(ws).tab_problems


def test_a_header_merged_over_a_column_no_rule_reads_holds_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Staff merge the header before Notes over it (issue 17, item 8): Notes is free text no
    rule reads, so the tab syncs on; a column a rule reads still holds it."""
    folder = tmp_path / "ws"
    assert main(["init", "--local", str(folder), "--sample"]) == 0
    config = str(folder / "sheetsync.toml")
    assert main(["sync", "--config", config]) == 1  # the sample's deliberate bad rows
    capsys.readouterr()
    register = folder / "register.xlsx"

    def merge(tab: str, first: str | None, last: str) -> None:
        """Merge the headers from ``first`` (None: the column just before) to ``last``:
        the merged cell shows ``first``'s header, ``last``'s is gone."""
        wb = openpyxl.load_workbook(register)
        ws = wb[tab]
        header = [c.value for c in ws[1]]
        start = header.index(first) + 1 if first else header.index(last)
        ws.merge_cells(f"{get_column_letter(start)}1:"
                       f"{get_column_letter(header.index(last) + 1)}1")
        wb.save(register)

    merge("Partners", None, "Notes")
    assert main(["sync", "--json", "--config", config]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["tab_problems"] == [] and report["rows_read"]["Partners"] == 14
    merge("Check-ins", "Client", "Client email")  # a column the rules read
    assert main(["sync", "--json", "--config", config]) == 1
    report = json.loads(capsys.readouterr().out)
    assert any("lost the column 'Client email'" in p for p in report["tab_problems"])
