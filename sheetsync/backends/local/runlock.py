"""The run lock of a local register: a small file beside the workbook.

``register.xlsx.sheetsync-lock`` is created with ``O_CREAT | O_EXCL``, which the operating
system (and SMB/NFS shares) performs atomically: of two syncs creating it at once exactly
one succeeds. It holds who took it and until when (JSON), so a person who finds it can
tell what it is, and a run that crashed leaves a lock that expires by itself.

Taking over an expired lock is the delicate part: two runs may find the same stale lock.
Each moves it aside under a unique name (a rename is atomic, so only one of them gets that
file), checks that what it moved is the stale lock it judged, and only then creates its
own. A run that moved a *fresh* lock by mistake (the other run was quicker) puts it back
and gives up. What is left is a window of microseconds in which a third run could slip in
while the fresh lock is away: three runs finding the same stale lock within microseconds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import uuid
from pathlib import Path

from sheetsync.core.lock import LockHolder, busy_error

SUFFIX = ".sheetsync-lock"


def lock_path(register: Path) -> Path:
    return register.with_name(register.name + SUFFIX)


def _read(path: Path) -> LockHolder | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return LockHolder.from_fields(data) if isinstance(data, dict) else None


def _create(path: Path, holder: LockHolder) -> bool:
    """Create the lock file with its content in one atomic step: the content goes into a
    private file first, which is then hard-linked to the lock's name (a link fails when
    the name exists). Another run never sees a lock file without its content."""
    body = dict(holder.fields())
    body["what"] = ("sheetsync is syncing this register; it deletes this file when it is "
                    "done. A file left here by a crashed sync stops counting at 'expires'.")
    draft = path.with_name(f"{path.name}.new-{holder.token[:8]}")
    draft.write_text(json.dumps(body, indent=1), encoding="utf-8")
    try:
        os.link(draft, path)
        return True
    except FileExistsError:
        return False
    except OSError:
        # A file system without hard links (FAT, some shares): exclusive create instead.
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle, indent=1)
        return True
    finally:
        with contextlib.suppress(OSError):
            draft.unlink()


def _young(path: Path, now: dt.datetime) -> bool:
    """An unreadable lock file written less than a minute ago may still be being written
    (file systems without hard links): it counts as held."""
    try:
        mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    except OSError:
        return False
    return abs((now.astimezone(dt.timezone.utc) - mtime).total_seconds()) < 60


def acquire(register: Path, holder: LockHolder, now: dt.datetime) -> None:
    """Create the lock file for ``holder``, taking over an expired one; ``BusyError``
    when a live lock is there."""
    path = lock_path(register)
    for _ in range(3):
        if _create(path, holder):
            return
        found = _read(path)
        if found is not None and found.token == holder.token:
            return
        if found is not None and not found.stale(now):
            raise busy_error(register.name, found)
        if found is None and _young(path, dt.datetime.now(dt.timezone.utc)):
            raise busy_error(register.name, None)
        # Stale (expired, its process gone, or unreadable): move it aside, atomically.
        aside = path.with_name(f"{path.name}.stale-{uuid.uuid4().hex[:8]}")
        try:
            os.replace(path, aside)
        except FileNotFoundError:
            continue  # another run removed it first: try to create ours
        moved = _read(aside)
        if (moved is None) != (found is None) or (
                moved is not None and found is not None and moved.token != found.token):
            # We moved a lock another run had just made: put it back and let it run.
            with contextlib.suppress(OSError):
                os.link(aside, path)
            with contextlib.suppress(OSError):
                aside.unlink()
            raise busy_error(register.name, moved)
        with contextlib.suppress(OSError):
            aside.unlink()
    raise busy_error(register.name, _read(path))


def check(register: Path, now: dt.datetime) -> str:
    """For ``sheetsync doctor``, changing nothing: ``BusyError`` when a live lock is
    there (a sync runs now), a note when a stale one is (the next sync takes it over),
    else ""."""
    path = lock_path(register)
    if not path.exists():
        return ""
    found = _read(path)
    if found is not None and not found.stale(now):
        raise busy_error(register.name, found)
    if found is None and _young(path, dt.datetime.now(dt.timezone.utc)):
        raise busy_error(register.name, None)
    return (f"{path.name} was left by a sync that did not finish; the next sync takes it "
            "over")


def release(register: Path, holder: LockHolder) -> None:
    """Delete the lock file if it is still ours (a run may have taken over an expired
    one meanwhile: that one is left alone)."""
    path = lock_path(register)
    found = _read(path)
    if found is not None and found.token == holder.token:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
