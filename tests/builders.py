"""Build registers for tests from rows keyed by column name (REGISTER.md columns)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sheetsync.core.ports import CellValue, Workspace
from sheetsync.engine import SyncReport, run_sync
from sheetsync.testing.memory import MemoryRegister, memory_workspace
from sheetsync.workspace.local_init import register_tables

TODAY = dt.date(2026, 11, 22)


def clock_at(moment: dt.datetime) -> Any:
    return lambda: moment


# A clinic's identity (a register with the placeholders makes no draft), and no weekly
# digest unless a test asks for one (tests/playbook/test_digest.py).
CLINIC = {"Clinic name": "Lumen Skin Clinic", "Owner email": "owner@lumen-clinic.example",
          "Weekly digest": "No"}

NOON_UTC = clock_at(dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc))


def tables(**tabs: Sequence[Mapping[str, Any]]) -> dict[str, list[list[CellValue]]]:
    """Default tabs (catalogues filled in, data tabs empty) plus the given rows.

    Keyword names: partners, referrals, checkins, settings (a mapping of key -> value).
    """
    names = {"partners": "Partners", "referrals": "Referrals", "checkins": "Check-ins"}
    result: dict[str, list[list[CellValue]]] = {}
    for title, header, rows in register_tables(None):
        result[title] = [list(header)] + [list(r) for r in rows]
    for arg, rows in tabs.items():
        if arg == "settings":
            continue
        title = names[arg]
        header = [str(h) for h in result[title][0]]
        for row in rows:
            unknown = set(row) - set(header)
            assert not unknown, f"unknown columns {unknown}"
            result[title].append([row.get(h) for h in header])
    # CLINIC unless given: with the placeholders a new register starts with, no draft
    # is made (core.settings_guard). A test of the placeholders sets them back.
    given: Mapping[str, Any] = tabs.get("settings", {})  # type: ignore[assignment]
    # TODAY is a Sunday: tests of other things keep their days with the clinic open every
    # day; tests of the clinic's week set Open days themselves.
    settings: Mapping[str, Any] = {"Open days": "Monday-Sunday", **CLINIC, **given}
    for key, value in settings.items():
        settings_rows = result["Settings"]
        for row in settings_rows[1:]:
            if row[0] == key:
                row[1] = value
                break
        else:
            settings_rows.append([key, value])
    return result


def memory(**tabs: Sequence[Mapping[str, Any]]) -> tuple[Workspace, MemoryRegister]:
    register = MemoryRegister(tables(**tabs))
    return memory_workspace(register), register


def sync(ws: Workspace, clock: Any = NOON_UTC, **kw: Any) -> SyncReport:
    return run_sync(ws, clock=clock, **kw)


def cell(register: MemoryRegister, tab: str, row: int, column: str) -> CellValue:
    """Row 1 is the first data row."""
    return register.column(tab, column)[row - 1]


PARTNER = {"Name": "Dr Carol Webster", "Practice": "Webster Dermatology",
           "Specialty": "Dermatologist", "Email": "carol@webster-derm.example",
           "Stage": "Active", "Last contact": TODAY - dt.timedelta(days=10)}


def referral(**over: Any) -> dict[str, Any]:
    row = {"Date": TODAY - dt.timedelta(days=3), "Direction": "Received",
           "Partner": "Dr Carol Webster", "Client": "Jane Doe", "Reason": "acne, rosacea",
           "Consent to share": "No", "Status": "New"}
    row.update(over)
    return row


def checkin(**over: Any) -> dict[str, Any]:
    row = {"Client": "Amira Khan", "Client email": "amira@mail.example",
           "Treatment": "Chemical peel", "Treatment date": TODAY, "First visit": "No",
           "Check-in by": "Call"}
    row.update(over)
    return row
