"""New rows keep the ID their events and drafts were made under.

A new row gets its ID in the same run that makes its events and drafts; the ID is written
at the end, into the row found again by its content. If a person edits that row while
the sync runs (the usual case: they are still typing it), the row no longer matches, the
ID is not written, and the next run would see a new row again: a new ID, and a second
event and draft for the same client. So every such ID is remembered in the state with a
digest of the row's name (``NewRowKey``); the next run gives an ID-less row with that
name in that tab its old ID back, and what was made for it is updated instead of made
twice. Only a name that exactly one ID-less row and one remembered ID share is matched,
and only for ``ADOPT_DAYS``: after that a row with the same name is a new visit.
Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from sheetsync.core.fields import text_of
from sheetsync.core.locate import fold_name
from sheetsync.core.reconcile import Step
from sheetsync.core.state import NewRowKey, SyncState

ADOPT_DAYS = 2  # generous: the day is the clinic's, the check may use UTC


def identity_of(tab: str, cells: Mapping[str, Any]) -> str:
    """A digest of the row's name (Client, or a partner's Name): "" when it has none."""
    name = fold_name(text_of(cells.get("Name") if tab == "Partners" else cells.get("Client")))
    if not name:
        return ""
    return hashlib.sha256(f"{tab}\x00{name}".encode()).hexdigest()[:16]


def adoptable(state: SyncState, tab: str, held: set[str], today: dt.date | None
              ) -> dict[str, str]:
    """identity -> remembered ID, for IDs of this tab that no row holds yet."""
    by_identity: dict[str, list[str]] = {}
    for key, new in state.new_rows.items():
        if new.tab != tab or key in held or not new.identity or not _recent(new, today):
            continue
        by_identity.setdefault(new.identity, []).append(key)
    return {ident: keys[0] for ident, keys in by_identity.items() if len(keys) == 1}


def _recent(new: NewRowKey, today: dt.date | None) -> bool:
    if today is None:
        return True
    try:
        day = dt.date.fromisoformat(new.day)
    except ValueError:
        return False
    return (today - day).days <= ADOPT_DAYS


def remember_new_rows(state: SyncState, rows: Iterable[Any],
                      steps: Mapping[str, list[Step]], today: dt.date) -> None:
    """Remember the IDs given this run to rows that got events or drafts made."""
    for row in rows:
        if not row.new_key or not any(s.change is not None for s in steps.get(row.key, [])):
            continue
        identity = identity_of(row.spec.name, row.cells)
        if identity:
            state.new_rows[row.key] = NewRowKey(row.spec.name, identity, today.isoformat())


def forget_placed_rows(state: SyncState, rows: Iterable[Any], today: dt.date) -> None:
    """Drop remembered IDs that a row now holds, and old ones (called only when the run
    writes anyway, so forgetting never costs a write of its own)."""
    placed = {row.key for row in rows if not row.new_key}
    for key, new in list(state.new_rows.items()):
        if key in placed or not _recent(new, today):
            del state.new_rows[key]
