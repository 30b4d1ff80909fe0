"""The steady check: a run whose inputs are exactly what the last write left needs no plan.

A sync is a pure function of the register's cells, the state, what the calendar and
mailbox report, and the day. A run that wrote knows what the register looks like after
its write: the cells it read, with its own status cells as it wrote them, its new state
and its dashboard. It records a digest of that picture (``SteadyRecord``) in the state,
with what the next run's report needs and planning alone would tell: each planned row's
problems and the weekly digest's step. The next run on the same day that reads exactly
that picture, and hears nothing new from the calendar and mailbox, has nothing to do: it
reports from the record and skips planning, which is most of an unchanged run's CPU at
10,000 rows per tab (README, Performance).

Any difference, however small (a person's edit anywhere, a sort, a status cell typed
over, a write that was partly skipped, another day, another version of sheetsync), means
a full run, so a wrong guess here can only cost time, never an action. The test suite
runs every steady run a second time in full and checks that it would have done nothing
and reported the same (``VERIFY``). Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sheetsync.core.plan import Intent, RowPlan
from sheetsync.core.ports import CellValue, RegisterSnapshot
from sheetsync.core.reconcile import Step, StepKind

# (tab title, sheet row number) -> {0-based column: text the run wrote there}
Overrides = Mapping[tuple[str, int], Mapping[int, str]]

# Set by the test suite: each steady run is planned in full as well, and must agree.
VERIFY = False


def _cell_json(value: object) -> object:
    if isinstance(value, (dt.datetime, dt.date)):  # the local workbook's typed dates
        return value.isoformat()
    return repr(value)


_ENCODE = json.JSONEncoder(ensure_ascii=False, default=_cell_json).encode


def register_digest(snapshot: RegisterSnapshot, *, context: str,
                    state_rows: Sequence[Sequence[str]], skip: Iterable[str] = (),
                    dashboard: tuple[str, Sequence[Sequence[str]]] | None = None,
                    overrides: Overrides | None = None) -> str:
    """A digest of every input of a sync but the calendar and mailbox.

    ``context`` carries the day and whatever else outside the register the plan depends
    on; ``skip`` names tabs that change on every write without being an input (the Sync
    log, the run lock). The Dashboard is sheetsync's output, compared as text
    (``core.dashboard.normalised``), so ``dashboard`` is (its title, its text rows): as
    read for the run that checks, as built for the run that records. ``overrides`` are
    the cells the recording run wrote. A cell holding "" is an empty cell: registers
    store a blanked cell either way, and a written "" may read back as either.
    """
    skipped = set(skip)
    if dashboard is not None:
        skipped.add(dashboard[0])
    digest = hashlib.sha256(_ENCODE([context, snapshot.time_zone or ""]).encode())
    for tab in sorted(snapshot.tabs, key=lambda t: t.title):
        if tab.title in skipped:
            continue
        rows: list[Any] = [tab.title, tab.header]
        for raw in tab.rows:
            cells: Sequence[CellValue] = raw.cells
            if "" in cells:
                cells = [None if c == "" else c for c in cells]
            changed = overrides.get((tab.title, raw.number)) if overrides else None
            if changed:
                patched = list(cells)
                for column, text in changed.items():
                    patched += [None] * (column + 1 - len(patched))
                    patched[column] = text or None
                cells = patched
            # What staff see beside what the cells hold (a formula's saved value, a
            # mailto: link): a new saved value is a change too.
            rows.append((raw.number, cells, raw.links, raw.computed)
                        if raw.links or raw.computed else (raw.number, cells))
        digest.update(_ENCODE(rows).encode())
    if dashboard is not None:
        digest.update(_ENCODE(["#dashboard", dashboard[0], dashboard[1]]).encode())
    digest.update(_ENCODE(["#state", state_rows]).encode())
    return digest.hexdigest()[:32]


@dataclass
class SteadyRecord:
    """What a writing run leaves for the next one: the digest of the register its write
    left, and the parts of its report that only planning tells."""

    register_digest: str
    # Row key -> what planning found wrong with it (validation problems are not kept:
    # the steady run validates, and they can quote client cells).
    plan_problems: dict[str, list[str]] = field(default_factory=dict)
    digest_step: Step | None = None
    # The day it was recorded on: a register that reads otherwise on that same day was
    # edited by a person, and the run that finds nothing to do records it afresh.
    day: str = ""
    # Recorded by a run that wrote only to record it (``day``): the register as that run
    # read it. A run that reads it so again has nothing new to record (a register that
    # never reads as written costs full runs, never a write each run).
    refreshed_from: str = ""

    def to_json(self) -> str:
        step = self.digest_step
        return _ENCODE({
            "register": self.register_digest,
            "day": self.day,
            "refreshed_from": self.refreshed_from,
            "plan_problems": self.plan_problems,
            "digest_step": None if step is None else [
                step.intent.row_key, step.intent.purpose, step.intent.label,
                step.intent.why_not, step.kind, step.reason],
        })

    @classmethod
    def from_json(cls, text: str) -> SteadyRecord | None:
        """None for anything unreadable: a full run is always a safe answer."""
        try:
            data = json.loads(text)
            step = None
            if data["digest_step"] is not None:
                row_key, purpose, label, why_not, kind, reason = data["digest_step"]
                intent = Intent(str(row_key), str(purpose), "", str(label),
                                why_not=str(why_not))
                step = Step(intent, _step_kind(kind), str(reason))
            problems = {str(k): [str(p) for p in v]
                        for k, v in dict(data["plan_problems"]).items()}
            return cls(str(data["register"]), problems, step, str(data.get("day", "")),
                       str(data.get("refreshed_from", "")))
        except (ValueError, TypeError, KeyError):
            return None


def _step_kind(kind: object) -> StepKind:
    # A digest draft that is due is never steady: only these two are recorded.
    if kind == "keep":
        return "keep"
    if kind == "none":
        return "none"
    raise ValueError(f"not a steady step: {kind!r}")


def plan_problems_of(plans: Mapping[str, RowPlan]) -> dict[str, list[str]]:
    return {key: list(plan.problems) for key, plan in plans.items() if plan.problems}
