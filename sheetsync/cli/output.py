"""What the CLI prints. Nothing here prints a client's name, email or phone: cron mails
and log files are not the place for them. Row problems quoted from client tabs have their
quoted values masked; the full sentence is in the row's Sync status cell."""

from __future__ import annotations

import re
from typing import TextIO

from sheetsync.core.ports import DraftSpec, EventSpec
from sheetsync.core.schema import TabKind
from sheetsync.engine import SyncReport

_QUOTED = re.compile(r"'[^']*'")
_CLIENT_TABS = {TabKind.REFERRALS.value, TabKind.CHECKINS.value}


def safe_problem(tab_kind: str, text: str) -> str:
    """Mask quoted cell values of client columns (Client, Client email, Client phone)."""
    if tab_kind not in _CLIENT_TABS:
        return text
    return "; ".join(_QUOTED.sub("'…'", part) if part.lstrip().startswith("Client") else part
                     for part in text.split("; "))


def print_summary(report: SyncReport, source: str, out: TextIO) -> None:
    verb = "Dry run of" if report.dry_run else "Synced"
    out.write(f"{verb} {source} on {report.today.isoformat()}\n")
    rows = " · ".join(f"{tab} {n}" for tab, n in report.rows_read.items()) or "none"
    out.write(f"  Rows read          {rows}\n")
    out.write(f"  Rows with problems {report.rows_with_problems}"
              f"{' (see each row' + chr(39) + 's Sync status cell)' if report.rows_with_problems else ''}\n")
    if report.dry_run:
        steps = [s for r in report.rows for s in r.steps]
        creates = sum(s.kind == "create" for s in steps)
        updates = sum(s.kind == "update" for s in steps)
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(report.created_by_kind.items()))
        out.write(f"  Would create       {creates}{f' ({kinds})' if kinds else ''}\n"
                  f"  Would update       {updates}\n")
        retracts = sum(s.kind == "retract" for s in steps)
        if retracts:
            out.write(f"  Would withdraw     {retracts}\n")
    else:
        out.write(f"  Events             {report.created['event']} created · "
                  f"{report.updated['event']} updated{_withdrawn(report, 'event')}\n")
        out.write(f"  Drafts             {report.created['draft']} created · "
                  f"{report.updated['draft']} updated{_withdrawn(report, 'draft')} (review "
                  "and send them yourself)\n")
        if report.left_edited:
            out.write(f"  Left as you edited {report.left_edited}\n")
        out.write(f"  Cells written      {report.cells_written}"
                  f"{f' ({report.ids_assigned} new IDs)' if report.ids_assigned else ''}\n")
    if report.steady:
        out.write("  Planning           skipped: the register is as the last sync left it "
                  "(sync --full plans anyway)\n")
    if report.digest is not None:
        out.write(f"  Weekly digest      {digest_phrase(report)}\n")
    if report.failed:
        out.write(f"  Not done           {report.failed} (the next sync tries again)\n")
    if report.left:
        out.write(f"  Time limit         {report.left_text}\n")
    if report.writes_skipped:
        out.write(f"  Left alone         {report.writes_skipped} cells a person changed "
                  "meanwhile (the next sync catches up)\n")
    for line in report.tab_problems:
        out.write(f"  ! {line}\n")
    for line in report.notes:
        out.write(f"  ! {line}\n")
    for line in report.info:
        out.write(f"  i {line}\n")
    for line in report.client_replies:  # a client waits for an answer (news, once)
        out.write(f"  > {line}\n")
    if report.write_refused:
        out.write(f"  ! {report.write_refused}\n")
    problem_rows = [r for r in report.rows if r.problems]
    if problem_rows:
        out.write("Rows that need attention:\n")
        for row in problem_rows[:50]:
            kind = _kind_of(row.tab)
            text = "; ".join(safe_problem(kind, p) for p in row.problems)
            out.write(f"  {row.tab} row {row.row} ({row.key}): {text}\n")
        if len(problem_rows) > 50:
            out.write(f"  … and {len(problem_rows) - 50} more rows\n")


def digest_phrase(report: SyncReport) -> str:
    """The weekly digest's state in a few words (it has no row to show it)."""
    step = report.digest
    if step is None:
        return ""
    if report.digest_error:
        return "not made this time; the next sync tries again"
    if step.kind == "none":
        why = step.intent.why_not
        return "not drafted (see the note below)" if why.startswith("!") else why
    if step.kind == "keep":
        return "up to date in Drafts" if step.reason == "up to date" else step.reason
    if report.dry_run:
        return "would be made" if step.kind == "create" else "would be updated"
    return "new in Drafts" if step.kind == "create" else "updated in Drafts"


def _kind_of(tab_title: str) -> str:
    from sheetsync.core.schema import ALL_TABS

    for spec in ALL_TABS:
        if spec.matches(tab_title):
            return spec.name
    return tab_title


def _withdrawn(report: SyncReport, kind: str) -> str:
    """E.g. ' · 2 deleted': drafts deleted or events cancelled, their reason gone."""
    n = report.retracted[kind]
    return f" · {n} {'cancelled' if kind == 'event' else 'deleted'}" if n else ""


def print_plan(report: SyncReport, out: TextIO) -> None:
    """The dry-run plan: per row, what would be created, updated, or left."""
    out.write("Plan (nothing was changed):\n")
    for row in report.rows:
        if not row.steps and not row.problems:
            continue
        out.write(f"  {row.tab} row {row.row} ({row.key})\n")
        for step in row.steps:
            if step.kind == "none" and not step.reason:
                continue
            spec = step.change.spec if step.change else None
            out.write(f"    {step.kind:<7} {step.intent.purpose:<16} {_what(spec)}{step.reason}\n")
        if row.problems:
            out.write(f"    problem: {'; '.join(safe_problem(_kind_of(row.tab), p) for p in row.problems)}\n")


def _what(spec: EventSpec | DraftSpec | None) -> str:
    if isinstance(spec, EventSpec):
        return f"event on {spec.start.isoformat()[:16].replace('T', ' ')}: "
    if isinstance(spec, DraftSpec):
        return "draft: "
    return ""
