"""Helpers shared by the guarantee tests (tests/guarantees)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import settings

from sheetsync.core.lock import LockHolder
from sheetsync.core.ports import (
    CellWrite,
    Change,
    ChangeResult,
    Known,
    Observation,
    RegisterSnapshot,
    Workspace,
    WriteReport,
)


def examples(n: int) -> int:
    """``n`` Hypothesis examples, or fewer under a smaller profile (CI)."""
    return min(n, settings.default.max_examples)


class Kill(BaseException):
    """A crash: a BaseException, so no ``except Exception`` inside sheetsync stops it."""


def later(clock: Callable[[], dt.datetime], **delta: float) -> Callable[[], dt.datetime]:
    moment = clock() + dt.timedelta(**delta)
    return lambda: moment


class Gate:
    """Holds a sync inside a call until the test lets it go (deterministic overlap)."""

    def __init__(self) -> None:
        self.inside = threading.Event()
        self.go = threading.Event()

    def pass_through(self) -> None:
        self.inside.set()
        assert self.go.wait(10), "the test never opened the gate"


class GatedStore:
    """A calendar or mailbox whose first ``apply`` waits at a gate."""

    def __init__(self, inner: Any, gate: Gate) -> None:
        self.inner = inner
        self.gate = gate
        self.gated = False

    def observe(self, known: Sequence[Known]) -> dict[str, Observation]:
        result: dict[str, Observation] = self.inner.observe(known)
        return result

    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        if not self.gated:
            self.gated = True
            self.gate.pass_through()
        result: list[ChangeResult] = self.inner.apply(changes)
        return result

    def describe(self) -> str:
        return str(self.inner.describe())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


# ------------------------------------------------------------- counting external calls


class Counted:
    """Counts calls to a port object's methods and kills the run at call number
    ``kill_at``. ``apply`` is split into one call per change, as a real backend makes
    one remote call (or file write) per change."""

    def __init__(self, inner: Any, counter: list[int], kill_at: int) -> None:
        self._inner = inner
        self._counter = counter
        self._kill_at = kill_at

    def _tick(self) -> None:
        self._counter[0] += 1
        if self._counter[0] == self._kill_at:
            raise Kill()

    def describe(self) -> str:
        return str(self._inner.describe())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class CountedRegister(Counted):
    def read(self) -> RegisterSnapshot:
        self._tick()
        snapshot: RegisterSnapshot = self._inner.read()
        return snapshot

    def write(self, snapshot: RegisterSnapshot, writes: Sequence[CellWrite],
              state_rows: Sequence[Sequence[str]], **more: Any) -> WriteReport:
        self._tick()
        report: WriteReport = self._inner.write(snapshot, writes, state_rows, **more)
        return report

    def acquire_lock(self, snapshot: RegisterSnapshot, holder: LockHolder,
                     now: dt.datetime) -> bool:
        self._tick()
        current: bool = self._inner.acquire_lock(snapshot, holder, now)
        return current

    def release_lock(self, holder: LockHolder) -> None:
        self._tick()
        self._inner.release_lock(holder)


class CountedStore(Counted):
    def observe(self, known: Sequence[Known]) -> dict[str, Observation]:
        self._tick()
        seen: dict[str, Observation] = self._inner.observe(known)
        return seen

    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        results: list[ChangeResult] = []
        for change in changes:
            self._tick()
            results += self._inner.apply([change])
        return results


def counted(ws: Workspace, counter: list[int], kill_at: int) -> Workspace:
    return Workspace(CountedRegister(ws.register, counter, kill_at),  # type: ignore[arg-type]
                     CountedStore(ws.calendar, counter, kill_at),  # type: ignore[arg-type]
                     CountedStore(ws.mailbox, counter, kill_at),  # type: ignore[arg-type]
                     ws.namespace)
