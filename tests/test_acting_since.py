"""Issue 15: the day sheetsync started acting on a register ("Acting since", REGISTER.md
"Adopting with history") is where staff see it: the first real sync writes it into the
Settings tab's empty *Acting since* row, never over a value staff typed, and says so."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from builders import PARTNER, TODAY, clock_at, referral, tables
from contract.harness import MemoryHarness
from contract.local_harness import LocalHarness
from google_harness import GoogleHarness

from sheetsync.core.state import SyncState
from sheetsync.engine import run_sync

NOON = clock_at(dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc))
LATER = clock_at(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc))


def harness(backend: str, tmp_path: Path) -> Any:
    return {"memory": MemoryHarness, "google": GoogleHarness}.get(
        backend, lambda: LocalHarness(tmp_path))()


def setting(h: Any, name: str) -> str | None:
    """The Settings tab's value for ``name`` (None: no such row)."""
    for row in h.tab("Settings")[1:]:
        if row and row[0] == name:
            return str(row[1]) if len(row) > 1 and row[1] not in (None, "") else ""
    return None


def test_on_google_the_info_line_says_how_to_set_it() -> None:
    """Google's write locates rows in the tabs the run lock pictured, which hold no
    Settings: the day is not written there (yet), and the run tells staff how."""
    h = GoogleHarness()
    ws = h.workspace(tables(partners=[PARTNER], referrals=[referral()]))
    first = run_sync(ws, clock=NOON)
    assert setting(h, "Acting since") == "" and first.writes_skipped == 0
    [info] = [i for i in first.info if "acting on this register" in i]
    assert "give the Settings row 'Acting since' a date" in info


@pytest.mark.parametrize("backend", ["memory", "local"])
def test_the_first_sync_writes_acting_since_into_settings(backend: str,
                                                          tmp_path: Path) -> None:
    h = harness(backend, tmp_path)
    ws = h.workspace(tables(partners=[PARTNER], referrals=[referral()]))
    assert setting(h, "Acting since") == ""  # a new register has the row, empty
    dry = run_sync(ws, clock=NOON, dry_run=True)
    assert setting(h, "Acting since") == ""  # a dry run writes nothing
    assert any("would start acting on this register on 2026-11-22" in i for i in dry.info)
    first = run_sync(ws, clock=NOON)
    assert setting(h, "Acting since") == TODAY.isoformat()
    [info] = [i for i in first.info if "acting on this register" in i]
    assert "Settings" in info and "Acting since" in info and "change" in info
    # Read back as the staff's own setting, the same day: nothing else changes, and
    # the next runs say nothing more about it.
    again = run_sync(ws, clock=LATER)
    assert not any("acting on this register" in i for i in again.info)
    assert setting(h, "Acting since") == TODAY.isoformat()
    assert run_sync(ws, clock=LATER).cells_written == 0


def test_a_value_staff_typed_is_never_overwritten() -> None:
    h = MemoryHarness()
    ws = h.workspace(tables(partners=[PARTNER], referrals=[referral()],
                            settings={"Acting since": "2026-10-01"}))
    run_sync(ws, clock=NOON)
    assert setting(h, "Acting since") == "2026-10-01"
    state = SyncState.from_rows(h.register.read().state_rows)
    assert state.acting_since == "2026-10-01"


def test_a_register_without_the_row_is_told_how_to_add_it() -> None:
    h = MemoryHarness()
    register = tables(partners=[PARTNER], referrals=[referral()])
    register["Settings"] = [r for r in register["Settings"] if r[0] != "Acting since"]
    ws = h.workspace(register)
    first = run_sync(ws, clock=NOON)
    assert setting(h, "Acting since") is None  # no row is added to a staff tab
    [info] = [i for i in first.info if "acting on this register" in i]
    assert "give the Settings row 'Acting since' a date (add the row if it is missing)" in info
    state = SyncState.from_rows(h.register.read().state_rows)
    assert state.acting_since == TODAY.isoformat()
