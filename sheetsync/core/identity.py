"""Is each ID still beside the data it was given to?

Sorting some columns without the others (a selection, or an Excel Table that does not
cover the ID column), or pasting or moving data without its IDs, leaves IDs beside other
rows' data: the next sync would rewrite one client's drafts with another's details, move
events, and show "sent on" beside a referral nobody was thanked for. So the state
remembers, per row ID, a keyed print of the row's identity cells (``core.locate``: a
partner's Name; a referral's Date, Partner and Client; a check-in's Client, Treatment and
Treatment date; normalised for case, spaces and accents; no client text is stored), and
every sync compares:

- **Same** print: the same row.
- **One identity cell changed, the others as they were**: a person corrected it (a typo
  in a name, a wrong date): the same row. The print is re-recorded and what was made for
  the row is updated, as for any edit.
- **Two or more cells changed, or the row now shows exactly what another ID was given
  to**: this ID was given to another row. The row gets a problem in its Sync status with
  what to do, and nothing is made, updated or withdrawn for it (its partner, for a
  Partners row, is not used by referrals either).
- **A row without a print yet** (a new row, or a register from before prints) is
  recorded, with no alarm; unless its data is exactly what an ID that is not beside it
  any more was given to (moved without its ID): then it gets a problem saying which ID
  is its own, so nothing is made for it a second time.
- **Many at once** (``HOLD_AT`` rows, or two single-cell changes whose values came from
  other rows: a sort of one column): the tab is held, like the mass-change guard
  (``core.guard``), with what probably happened and how to undo it.

``sync --accept-changes`` takes every row as it is now (re-recorded). Pure: no I/O.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Collection
from typing import Any

from sheetsync.core.fields import shown
from sheetsync.core.ids import row_id_number
from sheetsync.core.locate import IDENTITY_COLUMNS, identity_parts, identity_print, print_parts
from sheetsync.core.register import ParsedRegister, Row
from sheetsync.core.schema import CHECKINS, DATA_TABS, PARTNERS, REFERRALS, TabSpec

HOLD_AT = 3  # rows of one tab whose ID left its data: the tab is held
ACCEPT = "run 'sheetsync sync --accept-changes' once"
UNDO = "Edit > Undo, or the file's version history"


def _rows(parsed: ParsedRegister, name: str) -> list[Row[Any]]:
    if name == PARTNERS.name:
        return parsed.partners
    if name == REFERRALS.name:
        return parsed.referrals
    return parsed.checkins if name == CHECKINS.name else []


def _columns(spec: TabSpec) -> str:
    names = IDENTITY_COLUMNS[spec.name]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def check_identities(parsed: ParsedRegister, *, accept: bool, skip: Collection[str] = ()
                     ) -> dict[str, str]:
    """Compare every row of the data tabs (but ``skip``) with its remembered print: row
    problems for an ID beside another row's data, prints recorded for the others (see
    the module docstring). Returns the tabs to hold (spec name -> why)."""
    state = parsed.state
    if not state.identity_key:
        state.identity_key = secrets.token_hex(16)
    secret = state.identity_key
    made_for = {record.row_key for record in state.objects.values()}
    held: dict[str, str] = {}
    for spec in DATA_TABS:
        if spec.name in skip or spec.name not in parsed.columns:
            continue
        reason = _check_tab(parsed, spec, secret, made_for, accept)
        if reason:
            held[spec.name] = reason
    return held


def _check_tab(parsed: ParsedRegister, spec: TabSpec, secret: str, made_for: set[str],
               accept: bool) -> str:
    state = parsed.state
    rows = _rows(parsed, spec.name)
    prefix = spec.id_prefix + "-"
    counts = Counter(row.key for row in rows)
    # Rows whose ID this check can trust: one row each, shaped like this tab's IDs (one
    # that is not was given a problem when read).
    mine = [row for row in rows if counts[row.key] == 1 and row.key.startswith(prefix)
            and row_id_number(spec.id_prefix, row.key) is not None]
    name = spec.name
    seen: dict[tuple[int, str], str] = {}
    now = {row.key: identity_print(secret, name, identity_parts(name, row.cells), seen)
           for row in mine}
    recorded = {key: value for key, value in state.identities.items()
                if key.startswith(prefix)}
    owners: dict[str, list[str]] = defaultdict(list)  # print -> IDs given it
    for key, value in recorded.items():
        owners[value].append(key)
    width = len(IDENTITY_COLUMNS[spec.name])
    was_parts = {key: print_parts(spec.name, value) for key, value in recorded.items()}
    now_parts = {key: print_parts(spec.name, value) for key, value in now.items()}
    # Each identity cell's hashes, as remembered and as now (for "came from another row").
    was_cells = [Counter(parts[i] for parts in was_parts.values()) for i in range(width)]
    now_cells = [Counter(parts[i] for parts in now_parts.values()) for i in range(width)]

    drifted: dict[str, str] = {}  # ID -> its row problem
    edits: list[Row[Any]] = []  # one cell changed
    moved_cells = 0  # ... of which the value came from another row, and went to one
    for row in mine:
        before = recorded.get(row.key)
        if before is None or before == now[row.key] or row.new_key:
            continue
        others = [k for k in owners.get(now[row.key], []) if k != row.key]
        old_parts, new_parts = was_parts[row.key], now_parts[row.key]
        changed = [i for i in range(width) if old_parts[i] != new_parts[i]]
        if others or len(changed) > 1:
            drifted[row.key] = _given_elsewhere(spec, row.key)
            continue
        edits.append(row)
        i = changed[0] if changed else 0
        if was_cells[i][new_parts[i]] and now_cells[i][old_parts[i]]:
            moved_cells += 1
    present = {row.key for row in rows if row.key and not row.new_key}
    away = set(drifted) | (set(recorded) - present)
    for row in mine:
        if row.key in recorded and not row.new_key:
            continue
        claims = sorted(k for k in owners.get(now[row.key], []) if k != row.key and k in away)
        if claims:
            drifted[row.key] = _looks_like(spec, row.key, claims[0])

    many = len(drifted) + moved_cells >= HOLD_AT or moved_cells >= 2
    if not accept and many:
        return _hold_message(parsed, spec, rows, drifted, edits if moved_cells else [])
    for row in mine:
        if accept or row.key not in drifted:
            state.identities[row.key] = now[row.key]
        else:
            row.problems.append(drifted[row.key])
            row.model = None  # nothing is made for it, nor for referrals to this partner
    # Forget the prints of rows gone for good (nothing made for them is remembered).
    for key in set(recorded) - present - set(now):
        if key not in made_for:
            del state.identities[key]
    return ""


def _given_elsewhere(spec: TabSpec, key: str) -> str:
    return (f"{spec.id_column} {shown(key)}: this ID was given to another row (its "
            f"{_columns(spec)} were different), so nothing was made, changed or withdrawn "
            "for it. Were rows sorted, or data pasted, in some columns only? Undo that "
            f"({UNDO}); if this row was corrected on purpose, {ACCEPT}")


def _looks_like(spec: TabSpec, key: str, other: str) -> str:
    return (f"This row's {_columns(spec)} are those {spec.id_column} {shown(other)} was "
            "given to, and that ID is not beside them any more (moved without its ID?), so "
            f"nothing was made for this row. If it is that row, put {shown(other)} in its "
            f"{spec.id_column} cell instead of {shown(key)}; if it is another one, {ACCEPT}")


def _hold_message(parsed: ParsedRegister, spec: TabSpec, rows: list[Row[Any]],
                  drifted: dict[str, str], edits: list[Row[Any]]) -> str:
    title = parsed.columns[spec.name].title
    numbers = sorted({r.raw.number for r in rows if r.key in drifted} |
                     {r.raw.number for r in edits})
    shown_rows = ", ".join(str(n) for n in numbers[:6])
    if len(numbers) > 6:
        shown_rows += f" and {len(numbers) - 6} more"
    return (f"Tab '{title}': on {len(numbers)} rows ({shown_rows}) the {_columns(spec)} "
            f"are no longer the ones their {spec.id_column}s were given to, so the tab was "
            "not synced and nothing in it was changed. Most likely some columns were sorted "
            "without the others (a sort of a selection, or an Excel Table that does not "
            f"cover the {spec.id_column} column), or data was pasted or moved without its "
            f"IDs. Undo it ({UNDO}); if the rows are right as they are now, {ACCEPT}. "
            "(An Excel Table: 'sheetsync init' extends it over sheetsync's columns.)")
