"""The ``sheetsync`` command.

Exit codes (README, "Exit codes"): 0 all done; 1 done, but some rows have problems or
some actions failed; 2 configuration, credentials or register shape (nothing written);
3 busy (another sync runs, or the register was saved meanwhile); 130 interrupted; 141
the output was cut short (what read it, e.g. ``| head``, stopped early).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sheetsync import __version__
from sheetsync.core.ports import Workspace
from sheetsync.errors import ExitCode, UserError, folder_error

if TYPE_CHECKING:
    from sheetsync.workspace.local_init import LocalInit

DEFAULT_DEMO_DIR = "sheetsync-demo"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sheetsync",
        description="Turn the clinic's referral register into calendar follow-ups and "
                    "email drafts (never sent by sheetsync).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--version", action="version", version=f"sheetsync {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = sub.add_parser("init", help="create a workspace (a register, calendar, drafts)")
    where = init.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", metavar="DIR", help="a local workspace in DIR")
    where.add_argument("--google", metavar="SPREADSHEET",
                       help="lay out a Google Sheet (its ID or URL, or 'new' to create one)")
    init.add_argument("--config", metavar="PATH", help="config file (Google)")
    init.add_argument("--sample", action="store_true", help="fill it with a sample register")
    init.add_argument("--time-zone", metavar="ZONE",
                      help="Google, new sheet: the clinic's time zone, e.g. America/New_York "
                           "(asked on a terminal; default: Settings' Europe/London)")
    init.add_argument("--locale", metavar="LOCALE",
                      help="Google, new sheet: its locale, which decides how a typed "
                           "03/04/2026 is read (en_GB: 3 April; en_US: March 4)")
    init.add_argument("--service-account", metavar="KEY_FILE",
                      help="Google: sign in with this service-account key (Workspace)")
    init.add_argument("--subject", metavar="EMAIL",
                      help="Google, service account: the address it acts as")

    demo = sub.add_parser("demo", help="create a sample local workspace and sync it")
    demo.add_argument("dir", nargs="?", default=DEFAULT_DEMO_DIR,
                      help=f"folder for the demo workspace (default: {DEFAULT_DEMO_DIR})")

    sync = sub.add_parser("sync", help="run one sync")
    sync.add_argument("--config", metavar="PATH", action="append",
                      help="config file (default: $SHEETSYNC_CONFIG, then ./sheetsync.toml); "
                           "give it again for each further register (one per location): "
                           "they are synced in turn")
    sync.add_argument("--dry-run", action="store_true",
                      help="print the plan and change nothing, not even the register")
    sync.add_argument("--json", action="store_true", help="print the summary as JSON")
    sync.add_argument("--quiet", action="store_true",
                      help="print nothing unless something needs attention (for cron mail)")
    sync.add_argument("--accept-changes", action="store_true",
                      help="sync tabs that changed a lot since the last sync (read as "
                           "empty, lost most rows or a column); without it they are held")
    sync.add_argument("--max-minutes", type=_minutes, metavar="N",
                      help="stop making events and drafts in time to end within N minutes "
                           "(the register is written with all made so far; the next run "
                           "goes on); use it under a cron or systemd runtime cap")
    sync.add_argument("--full", action="store_true",
                      help="plan every row even if the register reads exactly as the last "
                           "sync left it (normally such a run skips planning: nothing "
                           "could change)")

    preview = sub.add_parser(
        "preview", help="show what a row's drafts would say (changes nothing)",
        description="Without an argument: list the drafts the next sync would make or "
                    "rewrite. With a row ID (R-0003), a tab and row number (Referrals 5) "
                    "or 'digest': print that draft's From, To, Subject and text.")
    preview.add_argument("row", nargs="*", metavar="ROW",
                         help="a row ID, a tab and row number, or 'digest'")
    preview.add_argument("--config", metavar="PATH", help="config file")

    watch = sub.add_parser(
        "watch", help="sync on a schedule until stopped (Ctrl-C or SIGTERM)",
        description="Run a sync now, then again every --every after the previous one "
                    "ended. A failed run is logged and the next one goes ahead; Ctrl-C or "
                    "SIGTERM stops after the run in progress.")
    watch.add_argument("--every", default="15m", metavar="DURATION",
                       help="time between runs: 30s, 15m, 1h, 1h30m (default: 15m)")
    watch.add_argument("--config", metavar="PATH", action="append",
                       help="config file; give it again for each further register")
    watch.add_argument("--json", action="store_true", help="one JSON summary per run")
    watch.add_argument("--quiet", action="store_true",
                       help="print a run only when something needs attention")
    watch.add_argument("--max-minutes", type=_minutes, metavar="N",
                       help="each run stops making events and drafts in time to end "
                            "within N minutes (per location), records what it made, and "
                            "the next run goes on")

    doctor = sub.add_parser("doctor", help="check the set-up step by step")
    doctor.add_argument("--config", metavar="PATH", help="config file")

    auth = sub.add_parser("auth", help="sign in to Google")
    auth_sub = auth.add_subparsers(dest="auth_command", metavar="ACTION", required=True)
    login = auth_sub.add_parser("login", help="sign in with your Google account (OAuth)")
    login.add_argument("--config", metavar="PATH", help="config file")
    login.add_argument("--client-secrets", metavar="FILE",
                       help="the OAuth client JSON (default: google.client_secrets)")
    login.add_argument("--no-browser", action="store_true",
                       help="print the sign-in address instead of opening a browser")
    login.add_argument("--port", type=int, default=0,
                       help="local port for Google's answer (default: any free port)")
    # -v is also accepted after the command (``sheetsync sync -v``); SUPPRESS keeps a -v
    # given before the command when none comes after it.
    for command in (*sub.choices.values(), *auth_sub.choices.values()):
        command.add_argument("-v", "--verbose", action="store_true",
                             default=argparse.SUPPRESS, help="log what happens")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command is None:
        parser.print_help()
        return int(ExitCode.CONFIG)
    try:
        if args.command == "init" and args.google:
            from sheetsync.cli.google_setup import init_google

            return init_google(args.google, args.config, sys.stdout,
                               time_zone=args.time_zone, locale=args.locale,
                               service_account=args.service_account, subject=args.subject,
                               ask=_ask if sys.stdin.isatty() else None)
        if args.command == "init":
            return _init(Path(args.local), sample=args.sample)
        if args.command == "doctor":
            from sheetsync.cli.doctor import run_doctor

            return run_doctor(args.config, sys.stdout)
        if args.command == "auth":
            from sheetsync.cli.google_setup import auth_login

            return auth_login(args.config, client_secrets=args.client_secrets,
                              no_browser=args.no_browser, port=args.port, out=sys.stdout)
        if args.command == "preview":
            from sheetsync.cli.preview import run_preview

            return run_preview(args.config, args.row, sys.stdout)
        if args.command == "watch":
            from sheetsync.cli.fleet import Fleet
            from sheetsync.cli.watch import run_watch

            configs, as_json, quiet = args.config or [None], args.json, args.quiet
            cap = args.max_minutes
            if len(configs) > 1:
                fleet = Fleet(configs, lambda config, name: _sync(
                    config, dry_run=False, as_json=as_json, quiet=quiet, max_minutes=cap,
                    location=name))
                return run_watch(args.every, fleet.watch_once)
            return run_watch(args.every, lambda: _sync(configs[0], dry_run=False,
                                                       as_json=as_json, quiet=quiet,
                                                       max_minutes=cap))
        if args.command == "demo":
            return _demo(Path(args.dir))
        if args.command == "sync":
            configs = args.config or [None]
            if len(configs) > 1:  # several registers (locations), each in turn
                from sheetsync.cli.fleet import Fleet

                return Fleet(configs, lambda config, name: _sync(
                    config, dry_run=args.dry_run, as_json=args.json, quiet=args.quiet,
                    accept_changes=args.accept_changes, full=args.full,
                    max_minutes=args.max_minutes, location=name)).sync_once()
            return _sync(configs[0], dry_run=args.dry_run, as_json=args.json,
                         quiet=args.quiet, accept_changes=args.accept_changes, full=args.full,
                         max_minutes=args.max_minutes)
    except UserError as exc:
        sys.stderr.write(f"sheetsync: {exc}\n")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("sheetsync: interrupted\n")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return _output_closed()
    except OSError as exc:  # a file or folder the command needs (the others say which)
        sys.stderr.write(f"sheetsync: {folder_error(exc, 'read or write a file it needs')}\n")
        return int(ExitCode.CONFIG)
    parser.error(f"unknown command {args.command}")
    return int(ExitCode.CONFIG)


def _output_closed() -> int:
    """What read the output (``| head -1``) stopped early. Said once on stderr, if it is
    still open; stdout goes to /dev/null so that Python's last flush does not fail again
    with a traceback."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write("sheetsync: the output was cut short: the program reading it "
                         "stopped early (e.g. '| head'). What the command did is not "
                         "affected.\n")
        sys.stderr.flush()
    return int(ExitCode.OUTPUT_CLOSED)


def _ask(question: str, suggestion: str) -> str:
    return input(f"{question} [{suggestion}]: ")


def _init(folder: Path, *, sample: bool) -> int:
    result = _init_workspace(folder, sample=sample)
    from sheetsync.workspace.local_init import describe

    for line in describe(folder, result):  # an existing register: what was added to it
        print(line)
    return int(ExitCode.OK)


def _init_workspace(folder: Path, *, sample: bool) -> LocalInit:
    """``init_local`` with a file-system refusal (a read-only or missing parent folder, a
    file in the way) turned into one plain message."""
    from sheetsync.workspace.local_init import init_local

    try:
        return init_local(folder, sample=sample, today=dt.date.today())
    except (UserError, BrokenPipeError):
        raise
    except OSError as exc:
        raise folder_error(exc, f"create the workspace in {folder}", folder.parent) from None


def _demo(folder: Path) -> int:
    config = folder / "sheetsync.toml"
    created = not config.exists()
    if created:
        _init_workspace(folder, sample=True)
        print(f"Created a sample workspace in {folder}")
    else:
        print(f"Using the existing demo workspace in {folder}")
    code = _sync(str(config), dry_run=False, as_json=False, style="table")
    if created and code in (ExitCode.OK, ExitCode.ROW_PROBLEMS):
        from sheetsync.workspace.sample import PLAYED, play_the_owner

        try:  # the tracker's turn: a reply and a bounce come back
            played = play_the_owner(folder, dt.datetime.now().astimezone())
        except OSError:
            played = False  # the demo goes on with its first sync's results
        if played:
            print(f"\n{PLAYED}")
            code = _sync(str(config), dry_run=False, as_json=False, style="table")
    print(f"\nLook at: {folder / 'register.xlsx'} (status columns), "
          f"{folder / 'calendar.ics'}, {folder / 'drafts'}/, {folder / 'inbox'}/")
    # The sample has deliberately bad rows: their messages are the point of the demo.
    return int(ExitCode.OK) if code == ExitCode.ROW_PROBLEMS else code


def _minutes(text: str) -> float:
    """``--max-minutes``: a number of minutes, at least 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a number of minutes (for example 8 or 14)") from None
    if not 1 <= value <= 24 * 60:
        raise argparse.ArgumentTypeError(
            f"{text} minutes: give 1 to 1440 (under cron, a minute or two less than the "
            "job's runtime cap)")
    return value


def _sync(config_path: str | None, *, dry_run: bool, as_json: bool,
          quiet: bool = False, style: str = "auto",
          accept_changes: bool = False, full: bool = False,
          max_minutes: float | None = None, location: str | None = None) -> int:
    from sheetsync.backends import open_workspace
    from sheetsync.cli.console import is_terminal, show_report
    from sheetsync.cli.progress import progress_line
    from sheetsync.core.config import load_config
    from sheetsync.engine import run_sync

    config = load_config(config_path)
    workspace = open_workspace(config)
    # A progress line on stderr, only for a person watching a terminal.
    try:
        with progress_line(sys.stderr, enabled=not (as_json or quiet) and (
                style == "table" or is_terminal(sys.stdout))):
            report = run_sync(workspace, dry_run=dry_run, accept_changes=accept_changes,
                              full=full, max_minutes=max_minutes)
    finally:
        _close(workspace)
    # A table for a person at a terminal, one log line under cron, JSON for scripts.
    show_report(report, workspace.register.describe(), sys.stdout, as_json=as_json,
                quiet=quiet, style=style, location=location)
    sys.stdout.flush()
    if report.tab_problems and not any(report.rows_read.values()):
        return int(ExitCode.CONFIG)
    if report.write_refused:
        return int(ExitCode.BUSY)
    return int(ExitCode.OK if report.clean else ExitCode.ROW_PROBLEMS)


def _close(workspace: Workspace) -> None:
    """Give back a workspace's connections: ``watch`` opens one per run, for days."""
    for closer in workspace.closers:
        close = getattr(closer, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):  # closing must not fail a finished sync
                close()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
