"""One sync at a time per register: the run lock.

Two syncs on one register at once (two cron hosts, or cron plus ``watch``) could both
decide that a draft is missing and both create it: Gmail does not refuse a second draft
with the same Message-ID. So a sync holds the register's run lock while it changes
anything: calendar, mailbox or register.

The lock is taken *lazily*: only when the plan has something to create, update or write.
A quiet run (the common case under cron) changes nothing, so it needs no lock and costs no
extra call. Because the plan was made from a read done before the lock was taken, the
backend also tells whether that read is still current, i.e. no other sync wrote the
register in between; when it is not, the engine reads and plans again, now under the lock,
before it changes anything.

Every lock carries its expiry: a lock left by a crashed run (power cut, ``kill -9``) stops
the next runs only until it expires (``LOCK_TTL``), then the next run takes it over. A lock
left by a run on the same computer whose process has ended is taken over at once.
Backends implement ``RunLock``; a backend without it simply runs unlocked.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sheetsync.core.ports import RegisterSnapshot
from sheetsync.errors import BusyError

log = logging.getLogger("sheetsync.lock")

# Longer than any sync takes (minutes at worst, with Google's quotas), short enough that a
# crashed run does not stop cron for long.
LOCK_TTL = dt.timedelta(minutes=30)

# Tokens of the locks runs in this process hold right now (``watch`` runs many syncs in
# one process: a lock of this process that no run here holds was left by one that died).
_HELD_HERE: set[str] = set()


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


@dataclass(frozen=True)
class LockHolder:
    """Who holds the lock, and until when. ``token`` is unique to one run."""

    token: str
    host: str
    pid: int
    acquired: dt.datetime
    expires: dt.datetime

    @classmethod
    def new(cls, now: dt.datetime, ttl: dt.timedelta = LOCK_TTL) -> LockHolder:
        start = _utc(now).replace(microsecond=0)
        return cls(uuid.uuid4().hex, socket.gethostname() or "unknown host", os.getpid(),
                   start, start + ttl)

    def expired(self, now: dt.datetime) -> bool:
        return _utc(now) >= self.expires

    def abandoned(self) -> bool:
        """Left by a run on this very computer that has ended without giving it back
        (its process is gone, or it is this process and no run here holds it): stale at
        once, no need to wait for the expiry. Runs on other computers are judged by the
        expiry alone."""
        if os.name != "posix" or self.host != (socket.gethostname() or "unknown host"):
            return False
        if self.pid == os.getpid():
            return self.token not in _HELD_HERE
        if self.pid <= 0:
            return False
        try:
            os.kill(self.pid, 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False

    def stale(self, now: dt.datetime) -> bool:
        return self.expired(now) or self.abandoned()

    def fields(self) -> list[tuple[str, str]]:
        """The lock as (name, value) pairs, for a lock file or a lock tab."""
        return [("owner", self.token), ("host", self.host), ("pid", str(self.pid)),
                ("acquired", self.acquired.isoformat()), ("expires", self.expires.isoformat())]

    @classmethod
    def from_fields(cls, values: Mapping[str, object]) -> LockHolder | None:
        """The lock read back, or None when it is unreadable (then it counts as stale)."""
        try:
            token = str(values["owner"]).strip()
            acquired = _utc(dt.datetime.fromisoformat(str(values["acquired"]).strip()))
            expires = _utc(dt.datetime.fromisoformat(str(values["expires"]).strip()))
            pid = int(str(values.get("pid", "0")).strip() or 0)
        except (KeyError, ValueError, TypeError):
            return None
        if not token:
            return None
        return cls(token, str(values.get("host", "")).strip() or "unknown host", pid,
                   acquired, expires)

    def describe(self) -> str:
        started = self.acquired.strftime("%Y-%m-%d %H:%M UTC")
        return f"started {started} on {self.host} (process {self.pid})"


def busy_error(where: str, holder: LockHolder | None) -> BusyError:
    """The message for the run that lost: what holds the lock, and until when."""
    if holder is None:
        return BusyError(
            f"Another sync started on {where} at the same moment; this run changed nothing.",
            "Nothing to do: the other sync does the work, and the next run carries on.")
    until = holder.expires.strftime("%Y-%m-%d %H:%M UTC")
    return BusyError(
        f"Another sync is already running on {where} ({holder.describe()}); this run "
        "changed nothing.",
        "Nothing to do: that sync does the work, and the next run carries on. If that sync "
        f"crashed, its lock expires by itself at {until}.")


@runtime_checkable
class RunLock(Protocol):
    """What a register implements to keep two syncs from running at once."""

    def acquire_lock(self, snapshot: RegisterSnapshot, holder: LockHolder,
                     now: dt.datetime) -> bool:
        """Take the lock for ``holder``, taking over one that expired before ``now``.

        Raises ``BusyError`` when another run holds it. Returns whether ``snapshot`` is
        still current: False when another sync wrote the register after it was read (the
        caller then reads and plans again before changing anything).
        """
        ...

    def release_lock(self, holder: LockHolder) -> None:
        """Give the lock back; a lock someone else took over meanwhile is left alone."""
        ...


class RunLockHandle:
    """The engine's hold on one register's lock during one run (taken lazily)."""

    def __init__(self, register: object, clock: Callable[[], dt.datetime],
                 ttl: dt.timedelta = LOCK_TTL) -> None:
        self.register = register
        self.clock = clock
        self.ttl = ttl
        self.holder: LockHolder | None = None
        self.unlocked = False  # a backend without a lock: nothing to hold
        # The lock taken replaced one a run left behind: that run may have made drafts
        # it never recorded (the engine has the mailbox look for them among sent mail).
        self.took_over = False

    @property
    def held(self) -> bool:
        return self.holder is not None or self.unlocked

    def hold(self, snapshot: RegisterSnapshot) -> bool:
        """Hold the lock (raises ``BusyError`` if another run has it). Returns False when
        ``snapshot`` went stale before the lock was taken: read and plan again."""
        if self.held:
            return True
        if not isinstance(self.register, RunLock):
            self.unlocked = True
            return True
        now = self.clock()
        holder = LockHolder.new(now, self.ttl)
        _HELD_HERE.add(holder.token)
        try:
            current = self.register.acquire_lock(snapshot, holder, now)
        except BaseException:
            _HELD_HERE.discard(holder.token)
            raise
        self.holder = holder
        self.took_over = bool(getattr(self.register, "took_over", False))
        log.info("run lock taken (expires %s)", holder.expires.isoformat())
        return current

    def leave(self) -> None:
        """A run that did not finish keeps its lock in place: the next run sees that the
        lock was left (``abandoned``, or expired) and recovers what this one may have
        half done, instead of trusting a state this run never wrote."""
        if self.holder is not None:
            _HELD_HERE.discard(self.holder.token)
            self.holder = None

    def release(self) -> None:
        holder, self.holder = self.holder, None
        if holder is not None:
            _HELD_HERE.discard(holder.token)
        if holder is None or not isinstance(self.register, RunLock):
            return
        try:
            self.register.release_lock(holder)
        except Exception as exc:  # the lock then expires by itself: never fail the run here
            log.warning("could not release the run lock (%s); it expires by itself",
                        type(exc).__name__)
