"""The local workbook under a person's hands, end to end through the CLI: register.xlsx
open in Excel or LibreOffice, or saved by a person while the sync runs. The sync never
overwrites their save, says so (exit 3), and the next run picks their changes up."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from icalendar import Calendar

from sheetsync.backends.local.calendar import IcsCalendar
from sheetsync.cli.main import main
from sheetsync.errors import ExitCode
from sheetsync.workspace.local_init import init_local


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "clinic"
    init_local(folder, sample=True, today=dt.date.today())
    return folder


def sync(folder: Path) -> int:
    return main(["sync", "--config", str(folder / "sheetsync.toml")])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def events(folder: Path) -> dict[str, Any]:
    path = folder / "calendar.ics"
    if not path.exists():
        return {}
    cal = Calendar.from_ical(path.read_bytes())
    return {str(e.get("X-SHEETSYNC-KEY")): e.decoded("DTSTART")
            for e in cal.walk("VEVENT")}


def drafts(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "drafts").glob("*.eml"))


@pytest.mark.parametrize("lock_name", [".~lock.register.xlsx#", "~$register.xlsx"])
def test_open_in_excel_or_libreoffice_changes_nothing_and_exits_3(
        workspace: Path, lock_name: str, capsys: pytest.CaptureFixture[str]) -> None:
    xlsx = workspace / "register.xlsx"
    before = digest(xlsx)
    (workspace / lock_name).write_text("Front Desk,FRONTDESK-PC,2026", encoding="utf-8")
    assert sync(workspace) == ExitCode.BUSY
    err = capsys.readouterr().err
    assert "open in Excel or LibreOffice" in err and lock_name in err
    assert digest(xlsx) == before
    assert drafts(workspace) == [] and events(workspace) == {}  # nothing made at all
    (workspace / lock_name).unlink()  # they close the file
    assert sync(workspace) == ExitCode.ROW_PROBLEMS  # the sample's deliberate bad rows
    assert drafts(workspace) and events(workspace)


def test_saved_by_a_person_during_the_sync_is_kept_and_picked_up_next_run(
        workspace: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert sync(workspace) == ExitCode.ROW_PROBLEMS
    xlsx = workspace / "register.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Check-ins"]
    header = [c.value for c in ws[1]]
    date_col = header.index("Treatment date") + 1
    id_col = header.index("Check-in ID") + 1
    status_col = header.index("Sync status") + 1
    row = next(r for r in range(2, ws.max_row + 1)
               if ws.cell(r, id_col).value and ws.cell(r, status_col).value == "OK")
    key = ws.cell(row, id_col).value
    # Something for this run to do, so that it has calendar work to be inside of.
    ws.cell(row, date_col).value = dt.date.today() - dt.timedelta(days=1)
    wb.save(xlsx)

    real_apply = IcsCalendar.apply
    new_day = dt.date.today() - dt.timedelta(days=2)

    def a_person_saves_meanwhile(self: IcsCalendar, changes: Any) -> Any:
        person = openpyxl.load_workbook(xlsx)
        person["Check-ins"].cell(row, date_col).value = new_day
        person["Check-ins"].cell(row, header.index("Notes") + 1).value = "called, no answer"
        person.save(xlsx)
        return real_apply(self, changes)

    monkeypatch.setattr(IcsCalendar, "apply", a_person_saves_meanwhile)
    capsys.readouterr()
    assert sync(workspace) == ExitCode.BUSY
    err_out = capsys.readouterr()
    assert "was saved by someone else while sheetsync was running" in err_out.out + err_out.err
    saved = openpyxl.load_workbook(xlsx)["Check-ins"]
    assert saved.cell(row, header.index("Notes") + 1).value == "called, no answer"
    assert saved.cell(row, date_col).value.date() == new_day  # their save, untouched
    monkeypatch.setattr(IcsCalendar, "apply", real_apply)

    count = len(drafts(workspace))
    assert sync(workspace) == ExitCode.ROW_PROBLEMS  # the next run picks their change up
    moved = events(workspace)[f"{key}/check-in"]
    assert moved.date() > new_day  # the check-in follows their new treatment date
    assert len(drafts(workspace)) == count  # nothing made twice
    after = openpyxl.load_workbook(xlsx)["Check-ins"]
    assert after.cell(row, header.index("Notes") + 1).value == "called, no answer"
