"""Errors a person can act on, and the exit codes the CLI maps them to.

Anything raised as a ``UserError`` is printed as one plain message with advice, never a
traceback (the pattern vdirsyncer uses).
"""

from __future__ import annotations

import errno
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    OK = 0  # everything synced
    ROW_PROBLEMS = 1  # synced, but some rows have problems or some actions failed
    CONFIG = 2  # configuration, credentials or register shape: nothing written
    BUSY = 3  # another sync holds the lock, or a person saved the register meanwhile
    VANISHED = 4  # the calendar file or drafts folder sheetsync made things in is gone
    INTERRUPTED = 130  # Ctrl-C
    OUTPUT_CLOSED = 141  # what read the output stopped early (``| head``): 128 + SIGPIPE


class UserError(Exception):
    """A problem the user must fix; ``advice`` says what to do."""

    exit_code: ExitCode = ExitCode.CONFIG

    def __init__(self, message: str, advice: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice

    def __str__(self) -> str:
        return f"{self.message}\n  What to do: {self.advice}" if self.advice else self.message


class ConfigError(UserError):
    """The config file is missing or wrong."""


class CredentialsError(UserError):
    """Signing in to Google failed or is not set up."""


class RegisterShapeError(UserError):
    """The register cannot be read at all (file missing, not a workbook, no tabs)."""


class FolderError(UserError):
    """A folder or file sheetsync must create or write cannot be (read-only, missing, a
    file where a folder should be): a set-up problem, nothing was changed."""


class VanishedError(UserError):
    """The local calendar file or drafts folder is gone as a whole (``core.vanished``):
    nothing was synced until it is restored or a fresh start is accepted."""

    exit_code = ExitCode.VANISHED


class BusyError(UserError):
    """Another sync is running, or the register changed under us: try again later."""

    exit_code = ExitCode.BUSY


def folder_error(exc: OSError, doing: str, folder: Path | None = None) -> FolderError:
    """One plain message for a file-system refusal while ``doing`` something ("create
    the workspace in X"): what was refused, where, and what to do."""
    where = Path(exc.filename) if exc.filename else folder
    reason = (exc.strerror or type(exc).__name__).lower()
    at = f" ({where})" if where is not None else ""
    target = folder if folder is not None else (where.parent if where is not None else None)
    place = f"the folder {target}" if target is not None else "that folder"
    if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
        advice = (f"Give the account that runs sheetsync permission to write in {place} "
                  "(or use a folder it can write), then run the command again.")
    elif isinstance(exc, NotADirectoryError):
        advice = ("A file stands where a folder is needed on that path: move it away, or "
                  "pick another folder.")
    elif isinstance(exc, FileNotFoundError):
        advice = f"Check that {place} exists (create it, or fix the path), then try again."
    elif exc.errno == errno.ENOSPC:
        advice = "The disk is full: free some space, then run the command again."
    else:
        advice = f"Check {place}, then run the command again."
    return FolderError(f"Could not {doing}: {reason}{at}.", advice)
