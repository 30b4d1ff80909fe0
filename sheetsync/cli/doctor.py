"""``sheetsync doctor``: check the set-up step by step; stop at the first failure with
what to do. Order: config file, credentials, token, spreadsheet, tabs and headers,
calendar, mailbox (Google); config, register, tabs and headers, folders (local)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from sheetsync.core.config import Config, load_config
from sheetsync.core.ports import Workspace
from sheetsync.core.register import parse_register
from sheetsync.core.settings import ClinicSettings
from sheetsync.core.state import SyncState
from sheetsync.errors import ExitCode, RegisterShapeError, UserError

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

    def open_ws() -> str:
        state["ws"] = open_workspace(state["config"])
        ws: Workspace = state["ws"]
        check = getattr(ws.register, "check", None)
        title = check() if callable(check) else ws.register.describe()
        return f"opened {title}"

    def tabs() -> str:
        from sheetsync.engine import DEFAULT_TREATMENT_ROWS

        ws: Workspace = state["ws"]
        snapshot = ws.register.read()
        parsed = parse_register(snapshot, SyncState(), DEFAULT_TREATMENT_ROWS)
        state["settings"] = parsed.settings
        if parsed.tab_problems:
            raise RegisterShapeError(parsed.tab_problems[0],
                                     "Fix the header row (row 1), or run 'sheetsync init' to "
                                     "add what is missing. See the README, 'The register'.")
        rows = len(parsed.all_rows())
        notes = f"; note: {parsed.notes[0]}" if parsed.notes else ""
        return f"all tabs and required columns found ({rows} rows){notes}"

    def calendar() -> str:
        ws: Workspace = state["ws"]
        check = getattr(ws.calendar, "check", None)
        if callable(check):
            check()
        return f"can add events to {ws.calendar.describe()}"

    def mailbox() -> str:
        ws: Workspace = state["ws"]
        check = getattr(ws.mailbox, "check", None)
        if callable(check):
            check()
        return f"can make drafts in {ws.mailbox.describe()}"

    checks = [Check("Config file", config_file), Check("Credentials", credentials),
              Check("Register", open_ws), Check("Tabs and headers", tabs),
              Check("Calendar", calendar), Check("Mailbox", mailbox)]
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
