"""The mass-change guard: a tab that suddenly looks very different is not synced.

A register tab that reads as empty, loses most of its rows, or loses a column it had at
the last sync is far more often an accident (a filter pasted over, a header typed over, a
half-finished copy) than a decision. Syncing it anyway would rewrite every status in it
from the wrong picture (every referral "partner not found", every aftercare "no client
email"). So such a tab is held: none of its rows is planned or written, the state keeps
what it knew, and the message says how to accept the change (``sync --accept-changes``)
if it was meant. The held tab's last known shape stays in the state, so it stays held
until it is restored or accepted. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sheetsync.core.identity import check_identities
from sheetsync.core.register import ParsedRegister, Row
from sheetsync.core.schema import DATA_TABS, PARTNERS, REFERRALS
from sheetsync.core.state import TabShape

# A tab that had at least this many rows is held when fewer than half of them remain;
# smaller tabs only when they read as empty (a clinic may well delete 2 of 5 rows).
MIN_ROWS_FOR_FRACTION = 10
KEEP_FRACTION = 0.5

ACCEPT = "run 'sheetsync sync --accept-changes' once"
# Columns no rule reads (REGISTER.md: "free text, never read by rules"): losing one (a
# header merged over, a column deleted) changes nothing sheetsync does, so it holds nothing.
UNREAD_COLUMNS = frozenset({"Notes"})


def _rows(parsed: ParsedRegister, name: str) -> list[Row[Any]]:
    if name == PARTNERS.name:
        return parsed.partners
    if name == REFERRALS.name:
        return parsed.referrals
    return parsed.checkins


def _clear(parsed: ParsedRegister, name: str) -> None:
    if name == PARTNERS.name:
        parsed.partners = []
    elif name == REFERRALS.name:
        parsed.referrals = []
    else:
        parsed.checkins = []


def mass_change(title: str, before: TabShape, now: TabShape) -> str:
    """Why a tab must be held, or "" when its change is ordinary."""
    lost = [c for c in before.columns if c not in now.columns and c not in UNREAD_COLUMNS]
    if lost:
        names = ", ".join(f"'{c}'" for c in lost)
        plural = "s" if len(lost) > 1 else ""
        return (f"Tab '{title}' has lost the column{plural} {names} since the last sync "
                f"(renamed or deleted?), so it was not synced and nothing in it was changed. "
                f"Put the header{plural} back, or if the change is on purpose, {ACCEPT}")
    if before.rows and not now.rows:
        return (f"Tab '{title}' reads as empty but had {before.rows} rows at the last sync, "
                "so it was not synced and nothing in it was changed. Restore the rows "
                "(Edit > Undo, or the file's version history), or if they were removed on "
                f"purpose, {ACCEPT}")
    if before.rows >= MIN_ROWS_FOR_FRACTION and now.rows < before.rows * KEEP_FRACTION:
        return (f"Tab '{title}' has {now.rows} rows but had {before.rows} at the last sync, "
                "so it was not synced and nothing in it was changed. Restore the rows "
                "(Edit > Undo, or the file's version history), or if they were removed on "
                f"purpose, {ACCEPT}")
    return ""


def accepted_changes(parsed: ParsedRegister, before: Mapping[str, TabShape]
                     ) -> dict[str, tuple[str, int]]:
    """The tabs whose change the guard would have held against their shapes ``before``
    (``--accept-changes`` let them through): name -> (title, rows fewer than before)."""
    found: dict[str, tuple[str, int]] = {}
    for spec in DATA_TABS:
        cmap = parsed.columns.get(spec.name)
        shape = before.get(spec.name)
        if cmap is None or shape is None:
            continue
        now = TabShape(len(_rows(parsed, spec.name)), tuple(sorted(cmap.index)))
        if mass_change(cmap.title, shape, now):
            found[spec.name] = (cmap.title, max(0, shape.rows - now.rows))
    return found


def hold_mass_changes(parsed: ParsedRegister, *, accept: bool) -> list[str]:
    """Hold every tab with a mass change (its rows are dropped from ``parsed`` and a
    message goes to ``parsed.tab_problems``); record the shape of the others in
    ``parsed.state``. Returns the held tabs' names."""
    state = parsed.state
    held: dict[str, str] = {}
    shapes: dict[str, TabShape] = {}
    for spec in DATA_TABS:
        cmap = parsed.columns.get(spec.name)
        if cmap is None:
            continue  # not synced anyway (missing tab or column): keep what we knew
        now = TabShape(len(_rows(parsed, spec.name)), tuple(sorted(cmap.index)))
        before = state.tabs.get(spec.name)
        reason = "" if accept or before is None else mass_change(cmap.title, before, now)
        if reason:
            held[spec.name] = reason
        else:
            shapes[spec.name] = now
    # IDs beside another row's data (core.identity): a row problem each, or many at once
    # hold the tab.
    for name, reason in check_identities(parsed, accept=accept, skip=set(held)).items():
        held[name] = reason
        shapes.pop(name, None)
    # Referrals name their partner: with Partners held they would all read as "partner not
    # found" and every status would be rewritten from that.
    if PARTNERS.name in held and REFERRALS.name in shapes:
        title = parsed.columns[REFERRALS.name].title
        held[REFERRALS.name] = (f"Tab '{title}' was not synced either, because its partners "
                                "are looked up in the Partners tab, which was held")
        del shapes[REFERRALS.name]
    for name, reason in held.items():
        _clear(parsed, name)
        parsed.tab_problems.append(reason)
    state.tabs.update(shapes)
    return list(held)
