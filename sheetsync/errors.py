"""Errors a person can act on, and the exit codes the CLI maps them to.

Anything raised as a ``UserError`` is printed as one plain message with advice, never a
traceback (the pattern vdirsyncer uses).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # everything synced
    ROW_PROBLEMS = 1  # synced, but some rows have problems or some actions failed
    CONFIG = 2  # configuration, credentials or register shape: nothing written
    BUSY = 3  # another sync holds the lock, or a person saved the register meanwhile
    INTERRUPTED = 130  # Ctrl-C


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


class BusyError(UserError):
    """Another sync is running, or the register changed under us: try again later."""

    exit_code = ExitCode.BUSY
