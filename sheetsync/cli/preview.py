"""``sheetsync preview``: what a row's drafts would say, in the terminal, made nowhere.

It plans exactly like ``sync --dry-run`` (read, plan, no change anywhere) and prints the
drafts the plan holds for one row: From, To, Subject and the body. A template that uses
an unknown placeholder is named with the problem instead of a text.

Client details: the list (no argument) never shows a recipient who is a client, nor a
subject (a consented thank-you's subject holds the client's first name). A single row's
preview shows its drafts in full, because the person asked for that row; none of it goes
through logging.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from sheetsync.core.ports import DraftSpec
from sheetsync.core.reconcile import Step
from sheetsync.core.schema import DATA_TABS
from sheetsync.engine import Clock, RowOutcome, SyncReport, run_sync, utc_now
from sheetsync.errors import ConfigError, ExitCode
from sheetsync.playbook.checkins import AFTERCARE_PURPOSE
from sheetsync.playbook.digest import DIGEST_PURPOSE

_RULE = "─" * 60


def run_preview(config_path: str | None, target: Sequence[str], out: TextIO, *,
                clock: Clock = utc_now) -> int:
    from sheetsync.backends import open_workspace
    from sheetsync.core.config import load_config

    workspace = open_workspace(load_config(config_path))
    report = run_sync(workspace, dry_run=True, clock=clock)
    if not target:
        print_draft_list(report, out)
        return int(ExitCode.OK)
    if len(target) == 1 and target[0].strip().casefold() in ("digest", "weekly-digest"):
        print_digest(report, out)
        return int(ExitCode.OK)
    print_row(find_row(report, target), out)
    return int(ExitCode.OK)


# ------------------------------------------------------------------------ finding a row


def find_row(report: SyncReport, target: Sequence[str]) -> RowOutcome:
    """The row named by an ID (``R-0003``) or by a tab and sheet row (``Referrals 5``)."""
    hint = ("Name a row by its ID (sheetsync preview R-0003) or by its tab and row number "
            "as the spreadsheet shows it (sheetsync preview Referrals 5); "
            "'sheetsync preview' lists the rows with drafts.")
    if len(target) == 1:
        wanted = target[0].strip().casefold()
        for row in report.rows:
            if row.key.casefold() == wanted:
                return row
        raise ConfigError(f"No row has the ID '{target[0]}'.", hint)
    tab_text, number_text = " ".join(target[:-1]), target[-1]
    spec = next((s for s in DATA_TABS if s.matches(tab_text)), None)
    if spec is None:
        raise ConfigError(f"'{tab_text}' is not a tab sheetsync drafts from "
                          "(Partners, Referrals or Check-ins).", hint)
    try:
        number = int(number_text)
    except ValueError:
        raise ConfigError(f"'{number_text}' is not a row number.", hint) from None
    for row in report.rows:
        if spec.matches(row.tab) and row.row == number:
            return row
    raise ConfigError(f"{spec.name} row {number} is blank or not in the register "
                      "(row 1 is the header).", hint)


# ------------------------------------------------------------------------------ output


def _drafts(steps: Sequence[Step]) -> list[Step]:
    return [s for s in steps if isinstance(s.intent.spec, DraftSpec)
            or (s.kind == "none" and s.intent.why_not.startswith("!"))]


def _recipient(step: Step) -> str:
    """Who a draft goes to, for the list: never a client's name."""
    spec = step.intent.spec
    if step.intent.purpose == AFTERCARE_PURPOSE:
        return "to the client"
    if step.intent.purpose == DIGEST_PURPOSE:
        return "to you"
    if isinstance(spec, DraftSpec):
        return f"to {spec.to_name}"
    return ""


def _state(step: Step) -> str:
    if step.kind == "create":
        return "new: the next sync makes it"
    if step.kind == "update":
        return "changed: the next sync rewrites it in Drafts"
    if step.kind == "keep":
        return step.reason  # "up to date", "sent on …: left as is", …
    reason = step.intent.why_not.lstrip("!")
    return "not drafted: " + reason.removeprefix(f"{step.intent.label} not drafted: ")


def print_draft_list(report: SyncReport, out: TextIO) -> None:
    """Every row with a draft the next sync would make or rewrite."""
    lines: list[str] = []
    for row in report.rows:
        for step in _drafts(row.steps):
            if step.kind in ("create", "update") or step.intent.why_not.startswith("!"):
                what = "new draft" if step.kind == "create" else (
                    "rewrite" if step.kind == "update" else "problem")
                lines.append(f"  {row.key:<8} {row.tab} row {row.row:<5} "
                             f"{step.intent.label:<22} {what:<10} {_recipient(step)}")
    digest = report.digest
    if digest is not None and digest.kind in ("create", "update"):
        lines.append(f"  {'digest':<8} {'(no row)':<18} {digest.intent.label:<22} "
                     f"{'new draft' if digest.kind == 'create' else 'rewrite':<10} to you")
    if not lines:
        out.write("The next sync would make or change no draft.\n")
    else:
        out.write(f"The next sync would make or rewrite {len(lines)} draft"
                  f"{'s' if len(lines) != 1 else ''} (nothing was changed):\n")
        out.writelines(line.rstrip() + "\n" for line in lines)
    out.write("See one: sheetsync preview ID (e.g. R-0003), sheetsync preview TAB ROW "
              "(e.g. Referrals 5), or sheetsync preview digest.\n")


def print_row(row: RowOutcome, out: TextIO) -> None:
    out.write(f"{row.tab} row {row.row} ({row.key})\n")
    drafts = _drafts(row.steps)
    if row.problems and not row.steps:
        out.write("  This row has problems, so nothing is planned for it yet:\n")
        out.writelines(f"  - {p}\n" for p in row.problems)
        return
    if not drafts:
        reasons = [f"{s.intent.label}: {s.intent.why_not}" for s in row.steps
                   if s.kind == "none" and s.intent.why_not
                   and not isinstance(s.intent.spec, DraftSpec)]
        out.write("  No draft for this row right now.\n")
        out.writelines(f"  - {r}\n" for r in reasons)
        return
    for step in drafts:
        _print_draft(step, out)
    if row.problems:
        out.write("Problems on this row:\n")
        out.writelines(f"  - {p}\n" for p in row.problems)


def print_digest(report: SyncReport, out: TextIO) -> None:
    if report.digest is None:
        out.write("No weekly digest is planned.\n")
        return
    out.write(f"Weekly digest ({report.digest.intent.row_key})\n")
    _print_draft(report.digest, out)


def _print_draft(step: Step, out: TextIO) -> None:
    spec = step.intent.spec
    out.write(f"\n{step.intent.label}: {_state(step)}\n")
    if not isinstance(spec, DraftSpec):
        return
    if step.kind == "keep" and step.reason.startswith("sent"):
        out.write("  (what the row would say now; the email as sent is in your Sent folder)\n")
    out.write(f"  From:    {spec.sender_name} <{spec.sender_email}>\n")
    out.write(f"  To:      {spec.to_name} <{spec.to_email}>\n")
    out.write(f"  Subject: {spec.subject}\n")
    out.write(f"{_RULE}\n{spec.body.rstrip()}\n{_RULE}\n")
