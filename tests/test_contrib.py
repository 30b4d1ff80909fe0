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


@pytest.mark.parametrize("name", ["sheetsync.service", "sheetsync@.service",
                                  "sheetsync-watch.service"])
def test_services_run_real_commands(name: str) -> None:
    service = unit(name)["Service"]
    args = build_parser().parse_args(sheetsync_args(service["ExecStart"]))
    assert args.command in ("sync", "watch")
    if args.command == "watch":
        parse_every(args.every)
        assert "RuntimeMaxSec" in service and service["KillSignal"] == "SIGTERM"
        assert service["RestartPreventExitStatus"] == "2"
        # The run in progress, capped by --max-minutes, ends before SIGKILL.
        assert args.max_minutes is not None
        assert int(service["TimeoutStopSec"].removesuffix("min")) > args.max_minutes
    else:
        assert service["Type"] == "oneshot" and "TimeoutStartSec" in service
        assert service["SuccessExitStatus"].split() == ["1", "3"]
        # It stops itself a minute inside the cap (sync --max-minutes).
        cap = int(service["TimeoutStartSec"].removesuffix("min"))
        assert args.max_minutes == cap - 1


@pytest.mark.parametrize("name", ["sheetsync.timer", "sheetsync@.timer"])
def test_timer_starts_the_service(name: str) -> None:
    timer = unit(name)
    assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == "timers.target"


def test_the_location_template_gives_each_location_its_own_config() -> None:
    """sheetsync@north and sheetsync@south are separate services: systemd runs each on
    its own timer, so one location never waits for or skips another."""
    service = unit("sheetsync@.service")["Service"]
    assert "%i" in service["WorkingDirectory"] and "%i" in service["Environment"]


def test_the_watch_example_for_several_locations_is_real() -> None:
    text = (CONTRIB / "systemd" / "sheetsync-watch.service").read_text()
    example = next(line.lstrip("# ").strip() for line in text.splitlines()
                   if line.startswith("#") and "ExecStart=" in line and "--config" in line)
    args = build_parser().parse_args(sheetsync_args(example.removeprefix("ExecStart=")))
    assert args.command == "watch" and len(args.config) == 2 and args.max_minutes == 8


def test_crontab_lines_are_capped_locked_and_real() -> None:
    lines = [line.lstrip("# ").strip() for line in
             (CONTRIB / "crontab.example").read_text().splitlines()
             if "bin/sheetsync" in line and "*/10" in line]
    assert len(lines) == 4  # two locations, mailed or logged
    locks: dict[str, str] = {}
    for line in lines:
        command = line.split(None, 5)[5]
        assert "flock -n" in command and "timeout -k 30s 8m" in command
        args = build_parser().parse_args(sheetsync_args(command.split(">>")[0]))
        assert args.command == "sync"
        assert args.max_minutes == 7  # stops itself a minute inside "timeout 8m"
        # One lock file per register: a location never makes another skip its run.
        (config,) = args.config
        lock = command.split("flock -n ")[1].split()[0]
        assert locks.setdefault(config, lock) == lock
    assert len(set(locks.values())) == len(locks) == 2
    assert "--quiet" in lines[0]
