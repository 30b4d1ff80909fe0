"""The "Sync log" tab: one line per run that wrote something, newest first, trimmed to
300 lines, in the same write as the statuses; a run that changes nothing adds nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
from builders import PARTNER, TODAY, clock_at, memory, referral, sync

from sheetsync.core.ports import CellWrite, RegisterSnapshot, Workspace, WriteReport
from sheetsync.engine import run_sync
from sheetsync.synclog import MAX_LOG_ROWS, SYNC_LOG_HEADER, SYNC_LOG_TAB
from sheetsync.testing.memory import MemoryRegister, memory_workspace
from sheetsync.workspace.local_init import init_local


def log_of(reg: MemoryRegister) -> list[list[Any]]:
    return reg.tabs[SYNC_LOG_TAB]


def test_a_line_per_run_that_wrote_newest_first_none_for_an_unchanged_run() -> None:
    ws, reg = memory(partners=[PARTNER], referrals=[referral(Client="Jane Doe")])
    sync(ws)
    assert log_of(reg)[0] == list(SYNC_LOG_HEADER)
    (first,) = log_of(reg)[1:]
    assert first[:4] == ["2026-11-22 12:00:00", "OK", "2", "0"]
    assert first[4] == "0 new, 0 updated" and first[5] == "1 new, 0 updated"  # a thank-you
    writes = reg.writes
    sync(ws)
    assert reg.writes == writes and len(log_of(reg)) == 2  # nothing written, no line
    reg.set("Partners", 2, "Email", "carol@")
    later = clock_at(dt.datetime(2026, 11, 22, 15, 30, tzinfo=dt.timezone.utc))
    sync(ws, clock=later)
    newest = log_of(reg)[1]
    assert newest[0] == "2026-11-22 15:30:00" and newest[1] == "Needs attention"
    assert newest[3] == "2: P-0001, R-0001"  # IDs only
    assert log_of(reg)[2] == first[:7]  # the empty Notes cell is not kept
    assert "Jane" not in str(log_of(reg))


def test_trimmed_to_the_last_300_runs() -> None:
    ws, reg = memory(partners=[PARTNER])
    old = [[f"2026-01-01 00:{i // 60:02d}:{i % 60:02d}", "OK", "1", "0", "-", "-", "1", "-"]
           for i in range(MAX_LOG_ROWS + 20)]
    reg.tabs[SYNC_LOG_TAB] = [list(SYNC_LOG_HEADER), *old]
    sync(ws)
    lines = log_of(reg)[1:]
    assert len(lines) == MAX_LOG_ROWS
    assert lines[0][0] == "2026-11-22 12:00:00" and lines[1] == old[0]
    assert lines[-1] == old[MAX_LOG_ROWS - 2]


def test_a_register_without_a_sync_log_is_written_as_before() -> None:
    class Plain:
        """A register that does not keep a log (a wrapper, an older backend)."""

        def __init__(self, inner: MemoryRegister) -> None:
            self.inner = inner

        def read(self) -> RegisterSnapshot:
            return self.inner.read()

        def write(self, snapshot: RegisterSnapshot, writes: Sequence[CellWrite],
                  state_rows: Sequence[Sequence[str]]) -> WriteReport:
            return self.inner.write(snapshot, writes, state_rows)

        def describe(self) -> str:
            return "plain"

    ws, reg = memory(partners=[PARTNER])
    plain_ws = Workspace(Plain(reg), ws.calendar, ws.mailbox, namespace="memory")
    report = run_sync(plain_ws, clock=clock_at(dt.datetime(2026, 11, 22, 12,
                                                           tzinfo=dt.timezone.utc)))
    assert report.ids_assigned == 1 and SYNC_LOG_TAB not in reg.tabs


def test_xlsx_gets_a_visible_log_tab_and_an_unchanged_run_leaves_the_file(tmp_path: Path
                                                                          ) -> None:
    from sheetsync.backends.local import open_local_workspace

    folder = tmp_path / "ws"
    init_local(folder, sample=True, today=TODAY)
    ws = open_local_workspace(folder / "register.xlsx", folder / "calendar.ics",
                              folder / "drafts", folder / "sent")
    sync(ws)
    before = (folder / "register.xlsx").read_bytes()
    sync(ws)
    assert (folder / "register.xlsx").read_bytes() == before
    book = openpyxl.load_workbook(folder / "register.xlsx")
    sheet = book[SYNC_LOG_TAB]
    assert sheet.sheet_state == "visible" and sheet.freeze_panes == "A2"
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == list(SYNC_LOG_HEADER) and sheet["A1"].font.bold
    assert len(rows) == 2 and rows[1][1] == "Needs attention"
    assert rows[1][3].startswith("6: ") and rows[1][7] == "weekly digest made"
    assert memory_workspace  # the memory backend keeps the same tab (tests above)
