"""The scheduling examples in contrib/ run real sheetsync commands, with a runtime cap."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest

from sheetsync.cli.main import build_parser
from sheetsync.cli.watch import parse_every

CONTRIB = Path(__file__).parent.parent / "contrib"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(CONTRIB / "systemd" / name)
    return parser


def sheetsync_args(command: str) -> list[str]:
    words = shlex.split(command)
    at = next(i for i, w in enumerate(words) if w.endswith("bin/sheetsync"))
    return words[at + 1:]


@pytest.mark.parametrize("name", ["sheetsync.service", "sheetsync-watch.service"])
def test_services_run_real_commands(name: str) -> None:
    service = unit(name)["Service"]
    args = build_parser().parse_args(sheetsync_args(service["ExecStart"]))
    assert args.command in ("sync", "watch")
    if args.command == "watch":
        parse_every(args.every)
        assert "RuntimeMaxSec" in service and service["KillSignal"] == "SIGTERM"
        assert service["RestartPreventExitStatus"] == "2"
    else:
        assert service["Type"] == "oneshot" and "TimeoutStartSec" in service
        assert service["SuccessExitStatus"].split() == ["1", "3"]
        # It stops itself a minute inside the cap (sync --max-minutes).
        cap = int(service["TimeoutStartSec"].removesuffix("min"))
        assert args.max_minutes == cap - 1


def test_timer_starts_the_service() -> None:
    timer = unit("sheetsync.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == "timers.target"


def test_crontab_lines_are_capped_locked_and_real() -> None:
    lines = [line.lstrip("# ").strip() for line in
             (CONTRIB / "crontab.example").read_text().splitlines()
             if "bin/sheetsync" in line and "*/10" in line]
    assert len(lines) == 2
    for line in lines:
        command = line.split(None, 5)[5]
        assert "flock -n" in command and "timeout -k 30s 8m" in command
        args = build_parser().parse_args(sheetsync_args(command.split(">>")[0]))
        assert args.command == "sync"
        assert args.max_minutes == 7  # stops itself a minute inside "timeout 8m"
    assert "--quiet" in lines[0]
