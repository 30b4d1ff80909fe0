"""What the playbook wants, row by row: the pure output of planning."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sheetsync.core.ids import object_key
from sheetsync.core.ports import DraftSpec, EventSpec


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

    @cached_property  # asked many times per intent while planning, reconciling, writing
    def key(self) -> str:
        return object_key(self.row_key, self.purpose)


@dataclass
class RowPlan:
    row_key: str
    intents: list[Intent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    next_touch: str = ""
