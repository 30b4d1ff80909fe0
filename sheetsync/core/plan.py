"""What the playbook wants, row by row: the pure output of planning."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from sheetsync.core.ids import object_key
from sheetsync.core.ports import DraftSpec, EventSpec

# The status of an obligation that was due before sheetsync started acting on the
# register (less the catch-up window): it is history, and nothing is made for it.
HISTORY = "history: nothing made"


def kind_of(purpose: str) -> str:
    """The rule a purpose belongs to, without its cycle: "touch@2026-12-01" ->
    "stay-in-touch", "nurture-2@..." -> "nurture"."""
    base = purpose.split("@", 1)[0]
    if base.startswith("nurture-"):
        return "nurture"
    return {"touch": "stay-in-touch"}.get(base, base)


@dataclass(frozen=True)
class Intent:
    """One thing a rule wants for a row and purpose: an event or draft spec, or nothing
    (``spec`` None) with the reason shown in the row's cell."""

    row_key: str
    purpose: str
    column: str
    label: str
    spec: EventSpec | DraftSpec | None = None
    why_not: str = ""
    basis: str = ""
    # Draft to a partner: counts as a contact with that partner once sent.
    partner_key: str = ""
    # Why what was made for this row and purpose must go (plain words, e.g. "consent
    # withdrawn"): an untouched draft is deleted and a future event cancelled
    # (``core.reconcile``). Empty: whatever was made stays.
    retract: str = ""
    # Next touch: say that this event was withdrawn (and why), which Next touch otherwise
    # leaves to its own line (the rule asks only while the event's day is ahead).
    say_withdrawn: bool = False
    # Where the obligation stands when that is more than what was made: "done on DATE",
    # "late by N days", "missed"... (REGISTER.md, "The life of an obligation"): the
    # status cell shows it instead of the event's or draft's own state.
    shown: str = ""
    late: int = 0  # days past due and not done (flagged in the digest)
    missed_since: dt.date | None = None  # the day it became too late to be worth doing

    @cached_property  # asked many times per intent while planning, reconciling, writing
    def key(self) -> str:
        return object_key(self.row_key, self.purpose)


@dataclass
class RowPlan:
    row_key: str
    intents: list[Intent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    next_touch: str = ""
