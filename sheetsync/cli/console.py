"""How a sync's summary is shown: a coloured table for a person at a terminal, one plain
log line per run for cron and ``watch`` logs, nothing at all under ``--quiet`` unless
something needs a look, and ``--json`` for scripts.

Like ``output``, nothing here prints a client's name, email or phone: row problems from
client tabs are masked (``output.safe_problem``) and rows are named by tab, number and ID.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from typing import Any, TextIO

from sheetsync.cli.output import _kind_of, print_plan, print_summary, safe_problem
from sheetsync.engine import RowOutcome, SyncReport
from sheetsync.errors import ExitCode

# ANSI SGR codes; used only on a terminal and never when NO_COLOR is set (no-color.org).
_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33"}


def wants_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR", "") != "" or os.environ.get("TERM") == "dumb":
        return False
    return is_terminal(stream)


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False


def paint(text: str, *styles: str, colour: bool = True) -> str:
    if not colour or not styles:
        return text
    codes = ";".join(_CODES[s] for s in styles)
    return f"\x1b[{codes}m{text}\x1b[0m"


def exit_code(report: SyncReport) -> int:
    """The exit code of a sync (README, "Exit codes")."""
    if report.tab_problems and not any(report.rows_read.values()):
        return int(ExitCode.CONFIG)
    if report.write_refused:
        return int(ExitCode.BUSY)
    return int(ExitCode.OK if report.clean else ExitCode.ROW_PROBLEMS)


# ---------------------------------------------------------------------------- attention


def new_problem_rows(report: SyncReport) -> list[RowOutcome]:
    """Rows whose problem is news: their Sync status cell did not already say it."""
    return [r for r in report.rows if r.problems and r.new_problem]


def needs_attention(report: SyncReport) -> bool:
    """Worth a cron mail: a new row problem, something that failed for good, a tab not
    synced, a Settings/Templates note, a write that was refused, or a client's reply
    waiting for an answer (news: said by the run that first shows it). Rows that already
    showed their problem last run, and passing faults retried next run, are not news."""
    return bool(new_problem_rows(report) or report.failed > report.retry_later
                or report.tab_problems or report.notes or report.write_refused
                or report.client_replies)


def attention_lines(report: SyncReport) -> list[str]:
    lines = [f"! {p}" for p in report.tab_problems + report.notes]
    if report.write_refused:
        lines.append(f"! {report.write_refused}")
    if report.failed:
        lines.append(f"! {report.failed} change(s) not made; the next sync tries again")
    lines += [f"> {line}" for line in report.client_replies]
    rows = new_problem_rows(report)
    for row in rows[:50]:
        text = "; ".join(safe_problem(_kind_of(row.tab), p) for p in row.problems)
        lines.append(f"! {row.tab} row {row.row} ({row.key}): {text}")
    if len(rows) > 50:
        lines.append(f"! … and {len(rows) - 50} more rows (see their Sync status cells)")
    return lines


# ------------------------------------------------------------------------------- styles


def log_line(report: SyncReport, source: str, now: dt.datetime | None = None,
             location: str | None = None) -> str:
    """One line per run, for cron mail and log files: when, what, and the counts; with
    several registers (``--config`` more than once) ``location=`` names whose line it is."""
    moment = (now or dt.datetime.now().astimezone()).isoformat(timespec="seconds")
    result = {0: "ok", 1: "attention", 2: "config-problem", 3: "busy"}.get(
        exit_code(report), "error")
    verb = "dry-run" if report.dry_run else "sync"
    digest: str = report.digest.kind if report.digest is not None else "none"
    if report.digest_error:
        digest = "failed"
    parts = [f"location={_quote(location)}"] if location else []
    parts += [
        f"result={result}",
        f"rows={sum(report.rows_read.values())}",
        f"problems={report.rows_with_problems}",
        f"new_problems={len(new_problem_rows(report))}",
        f"events_created={report.created['event']}",
        f"events_updated={report.updated['event']}",
        f"drafts_created={report.created['draft']}",
        f"drafts_updated={report.updated['draft']}",
        *([f"retracted={sum(report.retracted.values())}"] if report.retracted else []),
        f"digest={digest}",
        f"cells={report.cells_written}",
        f"failed={report.failed}",
        f"left_events={report.left['event']}",  # sync --max-minutes: for the next run
        f"left_drafts={report.left['draft']}",
        f"steady={'yes' if report.steady else 'no'}",  # planning skipped (core.steady)
    ]
    return f"{moment} sheetsync {verb} {_quote(source)}: {' '.join(parts)}"


def _quote(text: str) -> str:
    return text if re.fullmatch(r"[\w.\-/:]+", text) else json.dumps(text, ensure_ascii=False)


def table(report: SyncReport, source: str, colour: bool) -> str:
    """The summary for a person: ``output.print_summary``'s layout, coloured at a glance
    (green made, yellow needs a look, red not done)."""
    buffer = io.StringIO()
    print_summary(report, source, buffer)
    out = []
    for line in buffer.getvalue().splitlines():
        out.append(_colour_line(line, colour))
    return "\n".join(out) + "\n"


_COUNT = re.compile(r"(\d+)( created| updated)")
_LABELLED = re.compile(r"^(  [A-Z][A-Za-z -]*? {2,})(\S.*)$")  # "  Events             20 …"


def _colour_line(line: str, colour: bool) -> str:
    if not colour:
        return line
    if line.startswith(("Synced ", "Dry run of ")):
        return paint(line, "bold")
    if line.startswith("Rows that need attention"):
        return paint(line, "bold", "yellow")
    if line.startswith("  ! ") or line.startswith("  Not done"):
        return paint(line, "red")
    match = _LABELLED.match(line)
    if line.startswith("  Rows with problems "):  # the one label with a single space
        label, value = line[:21], line[21:]
    elif match is not None:
        label, value = match[1], match[2]
    else:
        return line
    if label.startswith("  Rows with problems"):
        value = paint(value, "green" if value.startswith("0") else "yellow")
    elif label.startswith(("  Events", "  Drafts", "  Would ")):
        value = _COUNT.sub(lambda m: (paint(m[1], "green") if m[1] != "0" else m[1]) + m[2],
                           value)
    return paint(label, "dim") + value


def safe_json(data: dict[str, Any]) -> dict[str, Any]:
    """``--json`` output is command output too: client values quoted in problems are
    masked as in the summary (the full sentence is in the row's Sync status cell)."""
    for entry in data.get("problems") or []:
        kind = _kind_of(str(entry.get("tab", "")))
        entry["problems"] = [safe_problem(kind, p) for p in entry.get("problems") or []]
    return data


def show_report(report: SyncReport, source: str, out: TextIO, *, as_json: bool = False,
                quiet: bool = False, style: str = "auto", location: str | None = None) -> None:
    """Print one sync's report in the style that suits where it goes.

    ``style``: "auto" (a table on a terminal, a log line otherwise), "table" or "line".
    ``quiet``: print nothing unless something needs attention (see ``needs_attention``).
    ``location``: the register's name among several (``cli.fleet``), in every line.
    """
    if as_json:
        data = safe_json(report.as_json())
        if location:
            data = {"location": location, **data}
        out.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    if quiet and not needs_attention(report):
        return
    if style == "auto":
        style = "table" if is_terminal(out) else "line"
    if report.dry_run:
        print_plan(report, out)
    if style == "table":
        out.write(table(report, f"{location}: {source}" if location else source,
                        wants_colour(out)))
        return
    out.write(log_line(report, source, location=location) + "\n")
    if report.left:
        out.write(f"  {report.left_text}\n")
    for line in attention_lines(report):
        out.write(f"  {line}\n")
