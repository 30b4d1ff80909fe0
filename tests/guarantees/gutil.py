"""Helpers shared by the guarantee tests (tests/guarantees)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import settings

from sheetsync.core.ports import Change, ChangeResult, Known, Observation


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
