"""End to end through the CLI on a real local workspace (xlsx + ics + eml)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from icalendar import Calendar

from sheetsync.cli.main import main
from sheetsync.errors import ExitCode
from sheetsync.workspace.sample import PLAYED


def files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def column(xlsx: Path, tab: str, name: str) -> list[object]:
    ws = openpyxl.load_workbook(xlsx)[tab]
    header = [c.value for c in ws[1]]
    i = header.index(name)
    return [row[i] for row in ws.iter_rows(min_row=2, values_only=True)]


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = tmp_path / "demo"
    assert main(["demo", str(folder)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "Rows read          Partners 14 · Referrals 15 · Check-ins 13" in out
    assert "Rows with problems 6" in out
    assert PLAYED in out and "Rows with problems 7" in out  # then a reply and a bounce
    return folder


def test_demo_makes_events_drafts_and_statuses(demo: Path) -> None:
    assert len(list((demo / "drafts").glob("*.eml"))) >= 8  # and two sent
    cal = Calendar.from_ical((demo / "calendar.ics").read_bytes())
    assert len(list(cal.walk("VEVENT"))) >= 10
    statuses = column(demo / "register.xlsx", "Referrals", "Sync status")
    assert statuses.count("OK") >= 10
    assert any(str(s).startswith("Needs attention: Date '03/04/2026' is ambiguous") for s in statuses)


def test_demo_shows_a_reply_and_a_bounce(demo: Path) -> None:
    """Issue 16: the demo's second sync follows the two thank-yous it sent: the partner's
    reply and the mail server's bounce, both .eml files in inbox/."""
    today = dt.datetime.now(ZoneInfo("Europe/London")).date()  # the sample's time zone
    assert sorted(p.name for p in (demo / "sent").glob("*.eml")) == [
        "R-0001_thank-you.eml", "R-0002_thank-you.eml"]
    assert len(list((demo / "inbox").glob("*.eml"))) == 2
    thanks = column(demo / "register.xlsx", "Referrals", "Thank-you")
    assert thanks[:2] == [f"replied on {today}",
                          f"Email bounced on {today}: check the address"]
    partners = column(demo / "register.xlsx", "Partners", "Sync status")
    assert partners[:2] == [
        "OK", f"Needs attention: Email bounced on {today}: check the address"]


def test_second_run_changes_nothing_byte_for_byte(demo: Path, capsys: pytest.CaptureFixture[str]
                                                  ) -> None:
    before = files(demo)
    code = main(["sync", "--config", str(demo / "sheetsync.toml")])
    assert code == ExitCode.ROW_PROBLEMS  # the sample's deliberate bad rows
    assert files(demo) == before
    # Not a terminal: one log line with the counts (cron mail, watch logs).
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "events_created=0 events_updated=0" in out


def test_dry_run_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ws"
    assert main(["init", "--local", str(folder), "--sample"]) == ExitCode.OK
    before = files(folder)
    main(["sync", "--config", str(folder / "sheetsync.toml"), "--dry-run"])
    out = capsys.readouterr().out
    assert "Plan (nothing was changed)" in out and "create" in out
    assert files(folder) == before


def test_editing_a_date_moves_the_event(demo: Path) -> None:
    xlsx = demo / "register.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Check-ins"]
    header = [c.value for c in ws[1]]
    ids = header.index("Check-in ID") + 1
    date_col = header.index("Treatment date") + 1
    target = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, ids).value == "C-0002")
    new_date = dt.date.today() + dt.timedelta(days=30)
    ws.cell(target, date_col).value = new_date
    wb.save(xlsx)
    assert main(["sync", "--config", str(demo / "sheetsync.toml"), "--json"]) == 1
    cal = Calendar.from_ical((demo / "calendar.ics").read_bytes())
    events = [e for e in cal.walk("VEVENT") if str(e.get("X-SHEETSYNC-KEY")) == "C-0002/check-in"]
    assert len(events) == 1
    due = new_date + dt.timedelta(days=3)  # peel: 3 days
    while due.weekday() >= 5:  # the demo clinic is open Monday to Friday
        due += dt.timedelta(days=1)
    assert events[0].decoded("DTSTART").date() == due


def test_json_summary(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["sync", "--config", str(demo / "sheetsync.toml"), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["rows_read"] == {"Partners": 14, "Referrals": 15, "Check-ins": 13}
    # The six deliberate mistakes, and the address the demo bounced.
    assert data["rows_with_problems"] == 7 and data["events"] == {"created": 0, "updated": 0,
                                                                   "retracted": 0}
    assert {p["tab"] for p in data["problems"]} == {"Partners", "Referrals", "Check-ins"}
    # The demo's own sync wrote last and nothing changed since: planning was skipped, and
    # the report is the one a full run gives (core.steady). --full plans every row.
    assert data["steady"] is True
    main(["sync", "--config", str(demo / "sheetsync.toml"), "--json", "--full"])
    full = json.loads(capsys.readouterr().out)
    assert full["steady"] is False
    assert {**full, "steady": True} == data


def test_missing_config_is_one_plain_message_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHEETSYNC_CONFIG", raising=False)
    assert main(["sync"]) == ExitCode.CONFIG
    err = capsys.readouterr().err
    assert "No configuration file at sheetsync.toml" in err and "Traceback" not in err
    assert "sheetsync init --local" in err


def test_config_from_environment_and_bad_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('backend = "locl"\n')
    monkeypatch.setenv("SHEETSYNC_CONFIG", str(bad))
    assert main(["sync"]) == ExitCode.CONFIG
    assert "setting 'backend' is wrong" in capsys.readouterr().err


def test_missing_register_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ws"
    main(["init", "--local", str(folder)])
    (folder / "register.xlsx").unlink()
    assert main(["sync", "--config", str(folder / "sheetsync.toml")]) == ExitCode.CONFIG
    assert "Traceback" not in capsys.readouterr().err


def test_missing_required_column_stops_that_tab_only(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ws"
    main(["init", "--local", str(folder), "--sample"])
    xlsx = folder / "register.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Referrals"]
    for cell in ws[1]:
        if cell.value == "Client":
            cell.value = "Customer"
    wb.save(xlsx)
    assert main(["sync", "--config", str(folder / "sheetsync.toml")]) == ExitCode.ROW_PROBLEMS
    out = capsys.readouterr().out
    assert "Tab 'Referrals' has no column 'Client'" in out
    assert column(xlsx, "Check-ins", "Sync status")[0] == "OK"


def test_logs_never_show_client_details(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wb = openpyxl.load_workbook(demo / "register.xlsx")
    clients = {str(v) for tab in ("Referrals", "Check-ins")
               for v in column(demo / "register.xlsx", tab, "Client") if v}
    emails = {str(v) for v in column(demo / "register.xlsx", "Check-ins", "Client email") if v}
    del wb
    main(["-v", "sync", "--config", str(demo / "sheetsync.toml")])
    main(["sync", "--config", str(demo / "sheetsync.toml"), "--dry-run"])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    for secret in clients | emails:
        assert secret not in text


def test_readme_quickstart_commands_run_as_written(tmp_path: Path) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    first_screen = "\n".join(readme.splitlines()[:40])
    assert "make demo" in first_screen and "make test" in first_screen
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert "make test" in ci
    result = subprocess.run(["make", "--no-print-directory", "demo", f"DEMO={tmp_path / 'd'}",
                             f"PYTHON={sys.executable}"],
                            cwd=Path(__file__).parent.parent, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Drafts" in result.stdout and (tmp_path / "d" / "register.xlsx").exists()
