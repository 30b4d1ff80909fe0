"""What ``sheetsync doctor`` checks of a local workspace beyond what a dry run reads:
that the folders a sync writes can be written, without writing anything."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from sheetsync.errors import folder_error


def check_writable(folder: Path, doing: str) -> None:
    """Raise ``FolderError`` (what to do) when ``folder`` is missing or cannot be
    written. Asks the operating system (``os.access``): nothing is created."""
    if not folder.is_dir():
        raise folder_error(FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT),
                                             str(folder)), doing, folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise folder_error(PermissionError(errno.EACCES, os.strerror(errno.EACCES),
                                           str(folder)), doing, folder)


__all__ = ["check_writable"]
