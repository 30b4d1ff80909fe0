"""How a sync is shown: table on a terminal (colour unless NO_COLOR), one log line under
cron, nothing under --quiet unless something is new, JSON unchanged."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import openpyxl
import pytest
from builders import PARTNER, memory, referral, sync

from sheetsync.cli.console import (
    log_line,
    needs_attention,
    show_report,
    table,
    wants_colour,
)
from sheetsync.cli.main import main
from sheetsync.engine import SyncReport
from sheetsync.errors import ExitCode

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def bad_partner_report() -> tuple[SyncReport, SyncReport]:
    """A first sync that flags a row, and a second one where the row still has it."""
    ws, _ = memory(partners=[{**PARTNER, "Email": "carol@"}],
                   referrals=[referral(Client="Jane Doe")])
    return sync(ws), sync(ws)


def test_log_line_is_one_line_with_the_counts_and_no_client() -> None:
    first, _ = bad_partner_report()
    line = log_line(first, "register.xlsx")
    assert "\n" not in line
    assert "sheetsync sync register.xlsx: result=attention rows=2 problems=2 new_problems=2" \
        in line
    assert "events_created=0" in line and "digest=none" in line
    assert "Jane" not in line
    assert line.endswith(" steady=no")


def test_a_steady_run_says_planning_was_skipped() -> None:
    _, second = bad_partner_report()
    assert second.steady
    assert log_line(second, "register.xlsx").endswith(" steady=yes")
    text = table(second, "register.xlsx", colour=False)
    assert "  Planning           skipped: the register is as the last sync left it" in text
    assert "Planning" not in table(bad_partner_report()[0], "register.xlsx", colour=False)


def test_quiet_prints_only_news() -> None:
    first, second = bad_partner_report()
    assert needs_attention(first) and not needs_attention(second)
    out = io.StringIO()
    show_report(second, "register.xlsx", out, quiet=True)
    assert out.getvalue() == ""
    show_report(first, "register.xlsx", out, quiet=True)
    text = out.getvalue()
    assert text.count("\n") == 3  # the run's line, then one line per new problem row
    assert "! Partners row 2 (P-0001): Email 'carol@' is not a valid address" in text
    assert "Jane" not in text


def test_plain_output_is_a_log_line_and_a_terminal_gets_a_coloured_table(
        monkeypatch: pytest.MonkeyPatch) -> None:
    first, _ = bad_partner_report()
    plain = io.StringIO()
    show_report(first, "register.xlsx", plain)
    assert plain.getvalue().startswith(log_line(first, "register.xlsx")[:4])
    assert "result=attention" in plain.getvalue()

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    tty = Terminal()
    assert wants_colour(tty)
    show_report(first, "register.xlsx", tty)
    coloured = tty.getvalue()
    assert "\x1b[33m" in coloured  # problems in yellow
    assert ANSI.sub("", coloured) == table(first, "register.xlsx", colour=False)
    assert "  Rows with problems 2" in ANSI.sub("", coloured)

    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_colour(tty)
    assert not wants_colour(io.StringIO())


def test_json_is_unchanged_by_quiet() -> None:
    _, second = bad_partner_report()
    out = io.StringIO()
    show_report(second, "register.xlsx", out, as_json=True, quiet=True)
    data = json.loads(out.getvalue())
    assert data["rows_with_problems"] == 2 and data["digest"]["action"] == "none"


def test_sync_quiet_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    folder = tmp_path / "ws"
    assert main(["init", "--local", str(folder)]) == 0
    config = str(folder / "sheetsync.toml")
    capsys.readouterr()
    # A new register's clinic identity is a placeholder: worth a word even when quiet.
    assert main(["sync", "--config", config, "--quiet"]) == ExitCode.ROW_PROBLEMS
    assert "Tab 'Settings': fill in 'Clinic name'" in capsys.readouterr().out
    xlsx = folder / "register.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    for row in wb["Settings"].iter_rows(min_row=2):
        row[1].value = {"Clinic name": "Lumen Skin Clinic",
                        "Owner email": "owner@lumen-clinic.example"}.get(
                            str(row[0].value), row[1].value)
    wb.save(xlsx)
    assert main(["sync", "--config", config, "--quiet"]) == ExitCode.OK
    assert capsys.readouterr().out == ""
    assert main(["sync", "--config", config]) == ExitCode.OK
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "result=ok" in out


def test_progress_line_on_a_terminal_only_and_wiped_before_the_summary(
        caplog: pytest.LogCaptureFixture) -> None:
    from sheetsync.cli.progress import progress_line

    ws, _ = memory(partners=[PARTNER], referrals=[referral(Client="Jane Doe")])
    tty = Terminal()
    with caplog.at_level(logging.WARNING), progress_line(tty):
        sync(ws)
    shown = tty.getvalue()
    assert "Reading memory register" in shown and "Updating memory mailbox: 1 change" in shown
    assert "Writing " in shown and shown.endswith("\r\x1b[2K") and "Jane" not in shown
    assert not [r for r in caplog.records if r.name == "sheetsync.progress"]
    pipe = io.StringIO()
    with progress_line(pipe):
        sync(ws)
    assert pipe.getvalue() == ""
    assert logging.getLogger("sheetsync.progress").level == logging.NOTSET


def test_each_sync_gives_its_connections_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    import sheetsync.backends

    closed: list[str] = []

    class Closer:
        def close(self) -> None:
            closed.append("closed")

    ws, _ = memory(partners=[PARTNER])
    ws.closers.append(Closer())
    monkeypatch.setattr(sheetsync.backends, "open_workspace", lambda config: ws)
    folder = tmp_path / "ws"
    main(["init", "--local", str(folder)])
    assert main(["sync", "--config", str(folder / "sheetsync.toml"), "--quiet"]) == 0
    assert closed == ["closed"]


def test_progress_bar_with_counts_and_an_eta_from_the_quota() -> None:
    from sheetsync.cli.progress import bar, progress_line

    assert bar(1_200, 3_000, 185.0) == \
        "[########------------] 1,200 of 3,000 events and drafts, about 3 min left"
    assert bar(3_000, 3_000, 0.0).endswith("3,000 of 3,000 events and drafts")
    assert bar(10, 100, 42.0).endswith("about 42 s left")
    tty = Terminal()
    with progress_line(tty):
        logging.getLogger("sheetsync.progress").info(
            "Making events and drafts: %d of %d", 50, 200,
            extra={"done": 50, "total": 200, "eta": 4000.0})
    assert "[#####---------------] 50 of 200 events and drafts, about 67 min left" \
        in tty.getvalue()
