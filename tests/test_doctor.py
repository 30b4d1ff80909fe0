"""`sheetsync doctor` predicts what `sync` will do (issue 17 item 7): it fails wherever
the sync would, with the sync's exit code, and changes nothing, not even a file's time."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from sheetsync.backends.local.runlock import lock_path
from sheetsync.cli.doctor import run_doctor
from sheetsync.cli.main import main
from sheetsync.core.lock import LockHolder
from sheetsync.errors import ExitCode
from sheetsync.workspace.local_init import init_local


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A sample workspace, synced once."""
    where = tmp_path / "ws"
    init_local(where, sample=True, today=dt.date.today())
    assert main(["sync", "--config", str(where / "sheetsync.toml")]) == ExitCode.ROW_PROBLEMS
    return where


def files(where: Path) -> dict[str, tuple[bytes, int]]:
    """Every file and folder with its bytes and modification time."""
    found: dict[str, tuple[bytes, int]] = {}
    for path in sorted(where.rglob("*")):
        info = path.stat()
        found[str(path.relative_to(where))] = (
            path.read_bytes() if path.is_file() else b"", info.st_mtime_ns)
    found["."] = (b"", where.stat().st_mtime_ns)
    return found


def doctor(where: Path) -> tuple[int, str]:
    out = io.StringIO()
    before = files(where)
    code = run_doctor(str(where / "sheetsync.toml"), out)
    assert files(where) == before, "doctor changed a file"
    return code, out.getvalue()


def test_all_good_changes_nothing(folder: Path) -> None:
    code, text = doctor(folder)
    assert code == ExitCode.OK, text
    for step in ("Config file", "Register", "Tabs and headers", "Calendar", "Mailbox",
                 "Sync (dry run)"):
        assert f"✓ {step}" in text
    assert "rows have problems" in text and "All good" in text


def test_a_missing_register_fails_at_register(folder: Path) -> None:
    (folder / "register.xlsx").unlink()
    code, text = doctor(folder)
    assert code == ExitCode.CONFIG
    assert "✗ Register: The register register.xlsx was not found" in text
    assert "✓ Register" not in text and "All good" not in text


def test_a_damaged_calendar_fails_at_calendar(folder: Path) -> None:
    (folder / "calendar.ics").write_text("BEGIN:VCALENDAR\nthis is not ical\n")
    code, text = doctor(folder)
    assert code == ExitCode.CONFIG and "✗ Calendar" in text and "damaged" in text


def test_a_read_only_folder_fails(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.access
    target = folder.resolve()

    def access(path: object, mode: int, *args: object, **kwargs: object) -> bool:
        if Path(str(path)).resolve() == target and mode & os.W_OK:
            return False  # as a read-only folder answers (tests may run as root)
        return real(path, mode, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    code, text = doctor(folder)
    assert code == ExitCode.CONFIG and "✗ Register" in text
    assert "permission denied" in text and "What to do: Give the account" in text


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="as root a read-only folder can still be written")
def test_a_really_read_only_folder_fails(folder: Path) -> None:
    folder.chmod(0o555)
    try:
        code, text = doctor(folder)
    finally:
        folder.chmod(0o755)
    assert code == ExitCode.CONFIG and "✗ Register" in text


@pytest.fixture
def live_lock(folder: Path) -> Iterator[Path]:
    """The run lock of a sync running now (another live process on this computer)."""
    now = dt.datetime.now(dt.timezone.utc)
    holder = LockHolder("a" * 32, __import__("socket").gethostname(), os.getppid(), now,
                        now + dt.timedelta(minutes=30))
    path = lock_path(folder / "register.xlsx")
    path.write_text(json.dumps(dict(holder.fields())))
    yield path


def test_a_sync_running_now_fails_busy(folder: Path, live_lock: Path) -> None:
    code, text = doctor(folder)
    assert code == ExitCode.BUSY and "✗ Register: Another sync is already running" in text


def test_a_stale_run_lock_is_a_note(folder: Path, live_lock: Path) -> None:
    data = json.loads(live_lock.read_text())
    data["expires"] = "2000-01-01T00:00:00+00:00"
    live_lock.write_text(json.dumps(data))
    code, text = doctor(folder)
    assert code == ExitCode.OK and "next sync takes it over" in text


def test_open_in_excel_fails_busy(folder: Path) -> None:
    (folder / "~$register.xlsx").write_text("")
    code, text = doctor(folder)
    assert code == ExitCode.BUSY and "open in Excel or LibreOffice" in text


def test_a_missing_settings_tab_fails_the_dry_run(folder: Path) -> None:
    xlsx = folder / "register.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    wb["Settings"].title = "Old settings"
    wb.save(xlsx)
    code, text = doctor(folder)
    assert code == ExitCode.CONFIG and "✗ Sync (dry run)" in text
    assert "no 'Settings' tab" in text and "--accept-changes" in text


def test_a_placeholder_identity_fails_the_dry_run(folder: Path) -> None:
    xlsx = folder / "register.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    for row in wb["Settings"].iter_rows(min_row=2):
        if row[0].value == "Owner email":
            row[1].value = None
    wb.save(xlsx)
    code, text = doctor(folder)
    assert code == ExitCode.ROW_PROBLEMS and "✗ Sync (dry run)" in text
    assert "fill in 'Owner email'" in text


def test_a_vanished_drafts_folder_fails_the_dry_run(folder: Path) -> None:
    shutil.rmtree(folder / "drafts")
    code, text = doctor(folder)
    assert code == ExitCode.VANISHED and "✗ Sync (dry run): drafts/ is gone" in text


def test_a_vanished_calendar_fails_the_dry_run(folder: Path) -> None:
    (folder / "calendar.ics").unlink()
    code, text = doctor(folder)
    assert code == ExitCode.VANISHED and "calendar.ics is gone" in text


def test_a_tab_held_by_the_mass_change_guard_fails_the_dry_run(folder: Path) -> None:
    xlsx = folder / "register.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    wb["Check-ins"].delete_rows(2, wb["Check-ins"].max_row)
    wb.save(xlsx)
    code, text = doctor(folder)
    assert code == ExitCode.ROW_PROBLEMS and "reads as empty" in text


def test_a_missing_inbox_is_said_not_held(folder: Path) -> None:
    """inbox/ is optional input (issue 16): without it doctor says what is not seen, and
    the sync goes ahead."""
    code, text = doctor(folder)
    assert "✓ Mailbox: can make drafts in drafts/ (drafts) and sent/ (sent); replies and " \
        "bounces read from inbox/" in text
    (folder / "inbox").rmdir()
    code, text = doctor(folder)
    assert code == ExitCode.OK, text
    assert "there is no inbox/ folder, so replies and bounces are not seen" in text
    assert "All good" in text
