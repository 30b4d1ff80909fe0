"""``sheetsync watch``: first run at once, then on schedule; failures logged and survived;
a clean stop after the run in progress. No real waiting: the ``schedule`` package's clock
is replaced by a fake one that only the fake ``sleep`` moves."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import signal
import types
from collections.abc import Callable

import pytest
import schedule

from sheetsync.cli.main import main
from sheetsync.cli.watch import StopFlag, Watcher, describe_every, parse_every, stop_on_signals
from sheetsync.errors import BusyError, ConfigError, ExitCode


class FakeTime:
    """Stands in for the clock of the ``schedule`` package and for ``time.sleep``."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 23, 9, 0, 0)
        self.slept = 0.0

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.slept += seconds
        self.advance(max(seconds, 0.001))

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)

    def elapsed(self) -> float:
        return (self.now - dt.datetime(2026, 11, 23, 9, 0, 0)).total_seconds()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()

    class FakeDateTime(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> FakeDateTime:  # type: ignore[override]
            n = fake.now
            return cls(n.year, n.month, n.day, n.hour, n.minute, n.second, n.microsecond,
                       tzinfo=tz)

    shim = types.ModuleType("datetime")
    shim.__dict__.update(dt.__dict__)
    shim.datetime = FakeDateTime  # type: ignore[attr-defined]
    monkeypatch.setattr(schedule, "datetime", shim)
    return fake


def recorder(clock: FakeTime, work: float = 5.0,
             behaviour: Callable[[int], int] | None = None) -> tuple[list[float], Callable[[], int]]:
    started: list[float] = []

    def run_once() -> int:
        started.append(clock.elapsed())
        clock.advance(work)  # a sync takes a while
        return behaviour(len(started)) if behaviour else 0

    return started, run_once


def test_durations() -> None:
    assert parse_every("30s") == 30 and parse_every("15m") == 900
    assert parse_every("1h") == 3600 and parse_every(" 1h30m ") == 5400
    assert parse_every("2H") == 7200
    assert describe_every(900) == "15m" and describe_every(5400) == "90m"
    assert describe_every(3600) == "1h" and describe_every(45) == "45s"
    for bad in ("15", "", "abc", "15 minutes", "1h-5m", "m"):
        with pytest.raises(ConfigError, match="not a duration"):
            parse_every(bad)
    with pytest.raises(ConfigError, match="too short"):
        parse_every("5s")


def test_first_run_at_once_then_every_interval_after_the_previous_ended(clock: FakeTime) -> None:
    started, run_once = recorder(clock)
    log = io.StringIO()
    assert Watcher(run_once, 900, log, sleep=clock.sleep, max_runs=3).run() == 0
    assert started[0] == 0
    assert [round(b - a) for a, b in itertools.pairwise(started)] == [905, 905]
    text = log.getvalue()
    assert "syncing every 15m" in text and "stopped after 3 runs, 0 failed" in text


def test_a_failed_run_is_logged_without_its_message_and_the_watch_goes_on(clock: FakeTime) -> None:
    def behaviour(n: int) -> int:
        if n == 2:
            raise RuntimeError("cell said Jane Doe jane@mail.example")
        if n == 3:
            raise BusyError("register.xlsx is open in Excel; nothing was written.")
        return 1

    started, run_once = recorder(clock, behaviour=behaviour)
    log = io.StringIO()
    watcher = Watcher(run_once, 60, log, sleep=clock.sleep, max_runs=4)
    assert watcher.run() == 0
    assert len(started) == 4 and watcher.failures == 2
    text = log.getvalue()
    assert "run 2 failed (RuntimeError in " in text and "the next run tries again" in text
    assert "run 3 failed: register.xlsx is open in Excel" in text
    assert "Jane" not in text and "jane@" not in text


def test_a_configuration_problem_on_the_first_run_stops_with_exit_2(clock: FakeTime) -> None:
    def broken() -> int:
        raise ConfigError("No configuration file at sheetsync.toml.")

    log = io.StringIO()
    assert Watcher(broken, 60, log, sleep=clock.sleep, max_runs=5).run() == ExitCode.CONFIG
    assert "fix the configuration" in log.getvalue() and clock.slept == 0
    # A register with no syncable tab (exit code 2 from the run itself) stops it too.
    assert Watcher(lambda: 2, 60, io.StringIO(), sleep=clock.sleep).run() == 2


def test_a_configuration_problem_later_is_survived(clock: FakeTime) -> None:
    def behaviour(n: int) -> int:
        if n == 2:
            raise ConfigError("The register has no 'Partners' tab.")
        return 0

    started, run_once = recorder(clock, behaviour=behaviour)
    assert Watcher(run_once, 60, io.StringIO(), sleep=clock.sleep, max_runs=3).run() == 0
    assert len(started) == 3


def test_a_stop_during_a_run_lets_it_finish_then_exits_0(clock: FakeTime) -> None:
    stop = StopFlag()
    finished: list[int] = []

    def run_once() -> int:
        if len(finished) == 1:
            stop.set("SIGTERM")  # arrives mid-run ...
        clock.advance(5)
        finished.append(1)  # ... and the run still completes
        return 0

    log = io.StringIO()
    assert Watcher(run_once, 60, log, sleep=clock.sleep, stop=stop).run() == 0
    assert len(finished) == 2
    assert "stopped (SIGTERM) after 2 runs" in log.getvalue()


def test_real_sigterm_and_ctrl_c_ask_for_a_stop_and_a_second_ctrl_c_interrupts() -> None:
    flag = StopFlag()
    log = io.StringIO()
    with stop_on_signals(flag, log):
        os.kill(os.getpid(), signal.SIGTERM)
        assert flag.reason == "SIGTERM"
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)  # already stopping: now at once
    assert "SIGTERM: stopping after the run in progress" in log.getvalue()
    assert signal.getsignal(signal.SIGTERM) is not None  # handlers restored on exit
    fresh = StopFlag()
    with stop_on_signals(fresh, io.StringIO()):
        os.kill(os.getpid(), signal.SIGINT)
        assert fresh.reason == "Ctrl-C"


def test_cli_refuses_a_bare_number(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "--every", "15"]) == ExitCode.CONFIG
    err = capsys.readouterr().err
    assert "15m" in err and "Traceback" not in err


def test_watch_max_minutes_caps_each_run_of_every_location(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``watch --max-minutes N`` hands the cap to every run (each location's, with several
    --config), as ``sync --max-minutes`` does: a big first sync stops in time, records
    what it made, and the next cycle goes on, so one location never holds the others."""
    import sheetsync.cli.main as cli
    import sheetsync.cli.watch as watch

    caps: list[tuple[str | None, float | None]] = []

    def fake_sync(config: str | None, **kwargs: object) -> int:
        caps.append((config, kwargs.get("max_minutes")))  # type: ignore[arg-type]
        return 0

    def two_cycles(every_text: str, run_once: Callable[[], int], log: object = None) -> int:
        return max(run_once(), run_once())

    monkeypatch.setattr(cli, "_sync", fake_sync)
    monkeypatch.setattr(watch, "run_watch", two_cycles)
    assert main(["watch", "--max-minutes", "8", "--config", "a.toml"]) == 0
    assert caps == [("a.toml", 8.0)] * 2
    caps.clear()
    assert main(["watch", "--max-minutes", "8", "--config", "north.toml",
                 "--config", "south.toml"]) == 0
    assert caps == [("north.toml", 8.0), ("south.toml", 8.0)] * 2
    caps.clear()
    assert main(["watch", "--config", "a.toml"]) == 0
    assert caps == [("a.toml", None)] * 2  # no cap unless asked


def test_watch_max_minutes_is_a_number_of_minutes(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("0", "soon"):
        with pytest.raises(SystemExit):
            main(["watch", "--max-minutes", bad])
        assert "minutes" in capsys.readouterr().err
