"""The "Sync log" tab: the last few hundred runs, newest first, in the register itself.

Staff and the owner see there when sheetsync last did something and what, without a
server log. It costs nothing extra: the rows ride in the write a sync makes anyway
(status cells and state, one ``values`` write on Google), so a run that changes nothing
writes nothing and adds no line. Every run that wrote anything (new IDs, statuses,
events, drafts, a sent draft noticed) adds one line; the cron or ``watch`` output shows
every run. The tab is trimmed to ``MAX_LOG_ROWS`` lines on each write.

The lines carry counts and row IDs, never client details, like the CLI's output.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from sheetsync.core.fields import text_of
from sheetsync.core.ports import RegisterSnapshot
from sheetsync.core.reconcile import Step
from sheetsync.core.schema import normalise_header


class RowSummary(Protocol):
    """A row of a run's report, as the log sees it: its ID and its problems."""

    @property
    def key(self) -> str: ...

    @property
    def problems(self) -> Sequence[str]: ...


class RunSummary(Protocol):
    """What the log line needs of a run's report (the engine's ``SyncReport``). A
    protocol, so this module needs nothing of the engine, which writes the line."""

    @property
    def rows(self) -> Sequence[RowSummary]: ...

    @property
    def rows_read(self) -> Counter[str]: ...

    @property
    def created(self) -> Counter[str]: ...

    @property
    def updated(self) -> Counter[str]: ...

    @property
    def failed(self) -> int: ...

    @property
    def clean(self) -> bool: ...

    @property
    def tab_problems(self) -> Sequence[str]: ...

    @property
    def notes(self) -> Sequence[str]: ...

    @property
    def digest(self) -> Step | None: ...


SYNC_LOG_TAB = "Sync log"
SYNC_LOG_HEADER = ("Time", "Result", "Rows read", "Rows with problems", "Events", "Drafts",
                   "Cells written", "Notes")
MAX_LOG_ROWS = 300
_MAX_IDS = 20
_MAX_NOTES = 500


def existing_log(snapshot: RegisterSnapshot) -> list[list[str]]:
    """The log's lines as read (header dropped), newest first as written."""
    wanted = normalise_header(SYNC_LOG_TAB)
    tab = next((t for t in snapshot.tabs if normalise_header(t.title) == wanted), None)
    if tab is None:
        return []
    lines = []
    for raw in tab.rows:
        cells = [text_of(c).strip() for c in raw.cells]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            lines.append(cells)
    return lines


def log_entry(report: RunSummary, now: dt.datetime, cells: int) -> list[str]:
    """One line for this run. ``cells`` is what the write will change (the write's own
    result is not known yet: the line is part of that write)."""
    problem_rows = [r.key for r in report.rows if r.problems]
    ids = ", ".join(problem_rows[:_MAX_IDS]) + (" …" if len(problem_rows) > _MAX_IDS else "")
    if report.failed:
        result = "Some changes not made"
    elif report.clean:
        result = "OK"
    else:
        result = "Needs attention"
    notes = [*report.tab_problems, *report.notes]
    if report.failed:
        notes.append(f"{report.failed} change(s) not made; the next sync tries again")
    if report.digest is not None and report.digest.kind in ("create", "update"):
        notes.append("weekly digest " + ("made" if report.digest.kind == "create"
                                         else "updated"))
    text = "; ".join(notes)
    if len(text) > _MAX_NOTES:
        text = text[: _MAX_NOTES - 1] + "…"
    return [
        now.strftime("%Y-%m-%d %H:%M:%S"),
        result,
        str(sum(report.rows_read.values())),
        f"{len(problem_rows)}: {ids}" if problem_rows else "0",
        f"{report.created['event']} new, {report.updated['event']} updated",
        f"{report.created['draft']} new, {report.updated['draft']} updated",
        str(cells),
        text,
    ]


def sync_log_rows(snapshot: RegisterSnapshot, entry: list[str]) -> list[list[str]]:
    """The whole tab after this run: header, this run, then the older lines, trimmed."""
    lines = [entry, *existing_log(snapshot)][:MAX_LOG_ROWS]
    return [list(SYNC_LOG_HEADER), *lines]
