"""``sheetsync doctor``: check the set-up step by step, and predict what ``sync`` will do;
stop at the first failure with what to do.

Order: config file, credentials (Google), the register (opened and read: a missing or
unreadable register fails here; locally also its folder can be written, it is not open
in Excel and no other sync runs on it), tabs and headers, the calendar (locally: a
damaged ``calendar.ics``, a folder that cannot be written), the mailbox, and last the
sync itself as a dry run through the engine: the same read, validation and checks a sync
runs (the Settings guard, a placeholder clinic identity, the mass-change guard, a
vanished calendar file or drafts folder), changing nothing. Doctor exits with the code the
sync would (README, "Exit codes"), 0 when it would sync cleanly but for row problems.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from sheetsync.core.config import Config, load_config
from sheetsync.core.ports import SelfChecks, Workspace
from sheetsync.core.register import parse_register
from sheetsync.core.settings import ClinicSettings
from sheetsync.core.settings_guard import identity_problem
from sheetsync.core.state import SyncState
from sheetsync.errors import ExitCode, RegisterShapeError, UserError

if TYPE_CHECKING:
    from sheetsync.engine import SyncReport

WorkspaceOpener = Callable[[Config], Workspace]


def backend_is_google(config_path: str | None) -> bool:
    try:
        return load_config(config_path).backend == "google"
    except UserError:
        return False  # the config check says what is wrong


@dataclass
class Check:
    name: str
    run: Callable[[], str]


class SyncWouldFail(UserError):
    """The dry run found what would stop the sync, or part of it (a tab problem)."""

    def __init__(self, message: str, advice: str, code: int) -> None:
        super().__init__(message, advice)
        self.exit_code = ExitCode(code)


class DoctorWarning(Exception):
    """Not a failure: the sync will run, but something may not be what the clinic
    means. ``doctor`` prints each line with "!" and goes on."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def google_time_zone_and_date_order(ws: Workspace, settings: ClinicSettings) -> str:
    """The spreadsheet's time zone and locale (Google reads typed dates by its locale)
    against Settings (``backends.google.sheet_locale``)."""
    from sheetsync.backends.google.register import SheetsRegister
    from sheetsync.backends.google.sheet_locale import mismatches, spreadsheet_properties

    register = ws.register
    if not isinstance(register, SheetsRegister):
        return "not a Google Sheet"
    props = spreadsheet_properties(register.http_client, register.spreadsheet_id)
    lines = mismatches(props["timeZone"], props["locale"], settings)
    if lines:
        raise DoctorWarning(lines)
    return (f"the spreadsheet's time zone ({props['timeZone']}) and the date order of its "
            f"locale ({props['locale']}) match Settings")


def run_doctor(config_path: str | None, out: TextIO,
               open_workspace: WorkspaceOpener | None = None) -> int:
    if open_workspace is None:
        from sheetsync.backends import open_workspace as default_opener

        open_workspace = default_opener
    state: dict[str, Any] = {}

    def config_file() -> str:
        state["config"] = load_config(config_path)
        cfg: Config = state["config"]
        return f"{cfg.path} (backend {cfg.backend})"

    def credentials() -> str:
        cfg: Config = state["config"]
        if cfg.backend != "google":
            return "not needed for the local workspace"
        from sheetsync.backends.google.auth import describe_identity, load_credentials

        creds = load_credentials(cfg.google, cfg.base_dir)
        state["credentials"] = creds
        return f"signed in as {describe_identity(creds)}"

    def register() -> str:
        state["ws"] = open_workspace(state["config"])
        ws: Workspace = state["ws"]
        checked = ws.register.check() if isinstance(ws.register, SelfChecks) else None
        snapshot = ws.register.read()  # a register that cannot be read fails here
        state["snapshot"] = snapshot
        tabs = len(snapshot.tabs)
        return f"opened and read {checked or ws.register.describe()} ({tabs} tabs)"

    def tabs() -> str:
        from sheetsync.engine import DEFAULT_TREATMENT_ROWS

        snapshot = state["snapshot"]
        parsed = parse_register(snapshot, SyncState.from_rows(snapshot.state_rows),
                                DEFAULT_TREATMENT_ROWS)
        if parsed.tab_problems:
            raise RegisterShapeError(parsed.tab_problems[0],
                                     "Fix the header row (row 1), or run 'sheetsync init' to "
                                     "add what is missing. See the README, 'The register'.")
        state["settings"] = parsed.settings
        rows = len(parsed.all_rows())
        return f"all tabs and required columns found ({rows} rows)"

    def calendar() -> str:
        ws: Workspace = state["ws"]
        if isinstance(ws.calendar, SelfChecks):
            ws.calendar.check()
        return f"can add events to {ws.calendar.describe()}"

    def mailbox() -> str:
        ws: Workspace = state["ws"]
        checked = ws.mailbox.check() if isinstance(ws.mailbox, SelfChecks) else None
        return f"can make drafts in {checked or ws.mailbox.describe()}"

    def dry_run() -> str:
        from sheetsync.cli.console import exit_code
        from sheetsync.engine import run_sync

        ws: Workspace = state["ws"]
        report = run_sync(ws, dry_run=True)  # raises what would stop the sync
        # Tabs not synced, and a placeholder identity (a note: the sync runs, but makes
        # no draft): the set-up is not done.
        failed = [*report.tab_problems,
                  *(n for n in report.notes if n == identity_problem(state["settings"]))]
        if failed:
            problems = "\n  ".join(failed)
            raise SyncWouldFail(
                f"'sheetsync sync' would not sync everything:\n  {problems}",
                "Do what the message says, then run 'sheetsync doctor' again.",
                max(exit_code(report), int(ExitCode.ROW_PROBLEMS)))
        would = [f"{n} new {kind}{'' if n == 1 else 's'}" for kind, n in (
            ("event", _steps(report, "create", "event")),
            ("draft", _steps(report, "create", "draft")))]
        rows = (f"; {report.rows_with_problems} rows have problems (see their Sync status "
                "cells)" if report.rows_with_problems else "")
        notes = "".join(f"\n  note: {n}" for n in report.notes)
        return (f"a sync now would read {sum(report.rows_read.values())} rows and make "
                f"{' and '.join(would)}{rows}{notes}")

    checks = [Check("Config file", config_file), Check("Credentials", credentials),
              Check("Register", register), Check("Tabs and headers", tabs),
              Check("Calendar", calendar), Check("Mailbox", mailbox),
              Check("Sync (dry run)", dry_run)]
    if backend_is_google(config_path):
        checks.insert(4, Check("Time zone and date order", lambda: (
            google_time_zone_and_date_order(state["ws"], state["settings"]))))
    warned = False
    for check in checks:
        try:
            detail = check.run()
        except DoctorWarning as warning:
            for line in warning.lines:
                out.write(f"! {check.name}: {line}\n")
            warned = True
            continue
        except UserError as exc:
            out.write(f"✗ {check.name}: {exc.message}\n")
            if exc.advice:
                out.write(f"  What to do: {exc.advice}\n")
            return int(exc.exit_code)
        out.write(f"✓ {check.name}: {detail}\n")
    out.write("All good: 'sheetsync sync' is ready to run"
              f"{' (see the warnings above)' if warned else ''}.\n")
    return int(ExitCode.OK)


def _steps(report: SyncReport, kind: str, what: str) -> int:
    """How many of a dry run's steps would ``kind`` ("create") an event or a draft."""
    from sheetsync.core.ports import EventSpec

    count = 0
    for row in report.rows:
        for step in row.steps:
            if step.kind != kind or step.change is None:
                continue
            is_event = isinstance(step.change.spec, EventSpec)
            count += is_event == (what == "event")
    return count
