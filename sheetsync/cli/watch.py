"""``sheetsync watch --every 15m``: sync on a schedule until stopped.

- The first run starts at once; the next starts ``--every`` after the previous one
  *ended* (the ``schedule`` package's interval jobs), so runs never overlap.
- A failed run is logged in one line and the watch goes on: Google may be down for a
  minute, or someone may have the workbook open. Only a configuration problem on the very
  first run stops it (exit 2): then nothing would ever work until a person fixes it.
- Ctrl-C or SIGTERM (``systemctl stop``) lets the run in progress finish, so a sync is
  never cut between its calendar changes and its write-back, then exits 0. A second
  Ctrl-C stops at once.

Failures are logged by type and place, never with their message text from a library:
an unexpected error could quote a cell, and logs must not carry client details.
"""

from __future__ import annotations

import datetime as dt
import re
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TextIO

import schedule

from sheetsync.errors import ConfigError, ExitCode, UserError

_PART = re.compile(r"(\d+)\s*([smhd])", re.IGNORECASE)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_EVERY = 10  # seconds: less is a busy loop, and Google's quotas would object
# The loop wakes at least this often to notice a stop request.
_TICK = 1.0


def parse_every(text: str) -> int:
    """'30s', '15m', '1h', '1h30m' -> seconds. A bare number is refused: minutes or
    seconds? A wrong guess would hammer Google or sleep all day."""
    cleaned = text.strip().replace(" ", "")
    parts = _PART.findall(cleaned)
    if not cleaned or not parts or "".join(n + u for n, u in parts) != cleaned:
        raise ConfigError(f"--every '{text}' is not a duration.",
                          "Write it with a unit, for example 30s, 15m, 1h or 1h30m.")
    seconds = sum(int(n) * _UNIT[u.lower()] for n, u in parts)
    if seconds < MIN_EVERY:
        raise ConfigError(f"--every '{text}' is too short.",
                          f"Use at least {MIN_EVERY}s; every 5 to 15 minutes suits most clinics.")
    return seconds


def describe_every(seconds: int) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class StopFlag:
    """Set by Ctrl-C or SIGTERM; the loop checks it between runs."""

    def __init__(self) -> None:
        self.reason = ""

    def __bool__(self) -> bool:
        return bool(self.reason)

    def set(self, reason: str) -> None:
        self.reason = self.reason or reason


@contextmanager
def stop_on_signals(flag: StopFlag, log: TextIO) -> Iterator[None]:
    """While inside: SIGTERM and the first Ctrl-C ask for a stop after the current run;
    a second Ctrl-C interrupts at once (KeyboardInterrupt)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        name = "SIGTERM" if signum == signal.SIGTERM else "Ctrl-C"
        if flag and signum == signal.SIGINT:
            raise KeyboardInterrupt
        flag.set(name)
        log.write(f"{_now()} sheetsync watch: {name}: stopping after the run in progress"
                  f"{' (Ctrl-C again to stop now)' if signum == signal.SIGINT else ''}\n")
        log.flush()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _where(exc: BaseException) -> str:
    """Type and the innermost sheetsync frame: enough for a bug report, no data."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "sheetsync" in f.filename] or frames
    if not ours:
        return type(exc).__name__
    last = ours[-1]
    return f"{type(exc).__name__} in {last.filename.rsplit('/', 1)[-1]}:{last.lineno}"


class Watcher:
    """Runs ``run_once`` (one sync, returning its exit code) on a schedule.

    ``sleep`` and ``stop`` are injectable so tests run the loop without waiting; the
    schedule itself is the ``schedule`` package's, on its own clock.
    """

    def __init__(self, run_once: Callable[[], int], every: int, log: TextIO, *,
                 sleep: Callable[[float], Any] = time.sleep, stop: StopFlag | None = None,
                 max_runs: int | None = None) -> None:
        self.run_once = run_once
        self.every = every
        self.log = log
        self.sleep = sleep
        self.stop = stop if stop is not None else StopFlag()
        self.max_runs = max_runs
        self.runs = 0
        self.failures = 0
        self.scheduler = schedule.Scheduler()

    def _one(self) -> int:
        self.runs += 1
        try:
            code = self.run_once()
        except UserError as exc:
            # Our own messages: written for people, with no client data in them.
            self.failures += 1
            self.log.write(f"{_now()} sheetsync watch: run {self.runs} failed: "
                           f"{exc.message}\n")
            code = int(exc.exit_code)
        except Exception as exc:
            self.failures += 1
            self.log.write(f"{_now()} sheetsync watch: run {self.runs} failed ({_where(exc)}); "
                           "the next run tries again\n")
            code = 1
        self.log.flush()
        return code

    def run(self) -> int:
        self.log.write(f"{_now()} sheetsync watch: syncing every "
                       f"{describe_every(self.every)}; Ctrl-C or SIGTERM stops after the run "
                       "in progress\n")
        self.log.flush()
        if self._one() == ExitCode.CONFIG:
            self.log.write(f"{_now()} sheetsync watch: stopped: fix the configuration above, "
                           "then start it again\n")
            return int(ExitCode.CONFIG)
        self.scheduler.every(self.every).seconds.do(self._one)
        while not self.stop and (self.max_runs is None or self.runs < self.max_runs):
            self.scheduler.run_pending()
            idle = self.scheduler.idle_seconds
            if self.stop or (self.max_runs is not None and self.runs >= self.max_runs):
                break
            self.sleep(max(0.0, min(_TICK, idle if idle is not None else _TICK)))
        self.scheduler.clear()
        why = f" ({self.stop.reason})" if self.stop else ""
        self.log.write(f"{_now()} sheetsync watch: stopped{why} after {self.runs} run"
                       f"{'s' if self.runs != 1 else ''}, {self.failures} failed\n")
        self.log.flush()
        return int(ExitCode.OK)


def run_watch(every_text: str, run_once: Callable[[], int], log: TextIO = sys.stderr) -> int:
    every = parse_every(every_text)
    watcher = Watcher(run_once, every, log)
    with stop_on_signals(watcher.stop, log):
        return watcher.run()
