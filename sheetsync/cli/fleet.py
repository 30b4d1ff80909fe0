"""Several registers from one worker: ``sheetsync sync --config a.toml --config b.toml``
(and ``watch``), one register per location of a clinic chain.

- Each location is synced in turn, with its own run lock (the register's: a lock file
  beside a workbook, a lease in a Google Sheet), so a location another worker is syncing
  is skipped as busy and the others go on.
- Every line a location prints names it (``location=north``): the config file's name, or
  its folder's when the file is the usual ``sheetsync.toml``.
- A location that fails (a bad or missing config, a busy or unreadable register) is said
  in one line on stderr and the others go on. The exit code is the worst of them (README,
  "Exit codes"): configuration 2, then held 4, busy 3, rows with problems 1, then 0.
- Google requests of every location go through the same pacers (one per API and user,
  under one per API and Cloud project, ``backends.google.pacer.shared_pacers``), so the
  per-user and per-project quotas hold.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TextIO

from sheetsync.core.config import find_config_path
from sheetsync.errors import ExitCode, UserError, folder_error

# From least to most in need of a person (README, "Exit codes"): a busy register catches
# up by itself at the next run; a configuration problem never does.
_BADNESS = (ExitCode.OK, ExitCode.ROW_PROBLEMS, ExitCode.BUSY, ExitCode.VANISHED,
            ExitCode.CONFIG)

SyncOne = Callable[[str | None, str | None], int]


def worst(codes: Iterable[int]) -> int:
    """The exit code of several locations: the one most in need of a person."""
    ranked = [(_BADNESS.index(ExitCode(c)) if c in _BADNESS else len(_BADNESS), c)
              for c in codes]
    return int(max(ranked)[1]) if ranked else int(ExitCode.OK)


def location_names(configs: Sequence[str | None]) -> list[str]:
    """A short name per config: ``north.toml`` -> north, ``north/sheetsync.toml`` ->
    north. Names that would be alike are the paths themselves."""
    names = []
    for config in configs:
        path = find_config_path(config)
        stem = path.stem
        if stem in ("sheetsync", ""):
            stem = path.absolute().parent.name or stem
        names.append(stem)
    return [name if names.count(name) == 1 else str(find_config_path(config))
            for name, config in zip(names, configs, strict=True)]


def unique(configs: Sequence[str | None]) -> list[str | None]:
    """The configs in order, each once (the same file given twice is synced once)."""
    seen: set[Path] = set()
    out: list[str | None] = []
    for config in configs:
        key = find_config_path(config).absolute()
        if key not in seen:
            seen.add(key)
            out.append(config)
    return out


def _where(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "sheetsync" in f.filename]
    if not frames:
        return type(exc).__name__
    return f"{type(exc).__name__} in {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}"


class Fleet:
    """The locations of one ``sync`` or ``watch`` and how each run of them ends."""

    def __init__(self, configs: Sequence[str | None], sync_one: SyncOne, *,
                 log: TextIO | None = None) -> None:
        """``sync_one(config, location)``: one location's sync (``cli.main._sync``),
        returning its exit code."""
        self.configs = unique(configs)
        self.names = location_names(self.configs)
        self._log = log
        self._sync_one = sync_one

    @property
    def log(self) -> TextIO:
        return self._log if self._log is not None else sys.stderr  # as it is now

    def run(self) -> list[int]:
        """Sync every location in turn; one exit code per location. A failure is said on
        ``log`` with the location's name (never a library's message text: it could quote
        a cell) and the next location goes ahead. Ctrl-C stops them all."""
        codes = []
        for config, name in zip(self.configs, self.names, strict=True):
            try:
                code = self._sync_one(config, name)
            except (KeyboardInterrupt, BrokenPipeError):
                raise
            except UserError as exc:
                self.log.write(f"sheetsync: {name}: {exc}\n")
                code = int(exc.exit_code)
            except OSError as exc:
                error = folder_error(exc, "read or write a file it needs")
                self.log.write(f"sheetsync: {name}: {error}\n")
                code = int(ExitCode.CONFIG)
            except Exception as exc:
                self.log.write(f"sheetsync: {name}: failed ({_where(exc)}); the next run "
                               "tries again\n")
                code = int(ExitCode.ROW_PROBLEMS)
            self.log.flush()
            codes.append(code)
        return codes

    def sync_once(self) -> int:
        """``sync``: the worst exit code of the locations."""
        return worst(self.run())

    def watch_once(self) -> int:
        """``watch``: a configuration problem stops the watch only when every location
        has one (a broken location must not stop the others)."""
        codes = self.run()
        if codes and all(c == ExitCode.CONFIG for c in codes):
            return int(ExitCode.CONFIG)
        return worst(c for c in codes if c != ExitCode.CONFIG)
