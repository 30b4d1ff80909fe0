"""A one-line progress indicator on a terminal while a sync runs.

The engine says where it is on the ``sheetsync.progress`` logger ("Reading register.xlsx",
"Updating Google Calendar: 120 changes", ...). At a terminal that line is shown on stderr,
rewritten in place, and wiped before the summary is printed; under cron, in a pipe or with
``-v`` (which logs every step anyway) nothing is attached and the calls cost nothing. The
messages carry counts and file names only, never client details.
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
            self.stream.write(f"\r\x1b[2K{frame} {record.getMessage()}… ({seconds}s)")
            self.stream.flush()
        except Exception:  # a progress line must never break a sync
            self.handleError(record)

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


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
