"""A one-line progress indicator on a terminal while a sync runs.

The engine says where it is on the ``sheetsync.progress`` logger ("Reading register.xlsx",
"Updating Google Calendar: 120 changes", ...). At a terminal that line is shown on stderr,
rewritten in place, and wiped before the summary is printed; while events and drafts
are made it is a bar with the counts and an ETA from Google's quotas. Under cron, in a
pipe or with ``-v`` (which logs every step anyway) nothing is attached and the calls cost
nothing. The messages carry counts and file names only, never client details.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from sheetsync.cli.console import is_terminal

_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class _StatusLine(logging.Handler):
    def __init__(self, stream: TextIO) -> None:
        super().__init__(logging.INFO)
        self.stream = stream
        self.started = time.monotonic()
        self.shown = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            seconds = int(time.monotonic() - self.started)
            frame = _FRAMES[self.shown % len(_FRAMES)]
            self.shown += 1
            total = getattr(record, "total", None)
            if isinstance(total, int) and total > 0:
                text = bar(int(getattr(record, "done", 0)), total,
                           float(getattr(record, "eta", 0.0)))
            else:
                text = f"{record.getMessage()}…"
            self.stream.write(f"\r\x1b[2K{frame} {text} ({seconds}s)")
            self.stream.flush()
        except Exception:  # a progress line must never break a sync
            self.handleError(record)

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def bar(done: int, total: int, eta: float, width: int = 20) -> str:
    """``[########------------] 1,200 of 3,000 events and drafts, about 3 min left``: the
    ETA is the time Google's quotas need for the rest (``ports.Paced``)."""
    filled = min(width, done * width // total) if total else width
    text = f"[{'#' * filled}{'-' * (width - filled)}] {done:,} of {total:,} events and drafts"
    if eta >= 1.0 and done < total:
        text += f", about {_duration(eta)} left"
    return text


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{int(seconds + 0.5)} s"
    minutes = int(seconds / 60 + 0.5)
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


@contextmanager
def progress_line(stream: TextIO, *, enabled: bool = True) -> Iterator[None]:
    """Show the engine's progress on ``stream`` while inside, if it is a terminal."""
    logger = logging.getLogger("sheetsync.progress")
    if not enabled or not is_terminal(stream) or logger.getEffectiveLevel() <= logging.INFO:
        yield  # not a terminal, or -v already logs each step
        return
    handler = _StatusLine(stream)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the line only; nothing reaches the log handlers
    try:
        yield
    finally:
        handler.clear()
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
