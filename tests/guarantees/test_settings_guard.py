"""The Settings guard (issue 17 items 2 and 3): who the drafts come from and in which
time zone events go never change without a word.

- A renamed, deleted or emptied Settings tab holds the whole sync (nothing made, moved
  or rewritten) until it is put back or the change is accepted with --accept-changes.
- A change of time zone, Owner email or Clinic name is a note of the run, once.
- A clinic identity still at its placeholders makes no draft and says what to fill in.
On every backend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import NOON_UTC, PARTNER, checkin, referral, tables
from contract.harness import Harness, MemoryHarness
from contract.local_harness import LocalHarness
from google_harness import GoogleHarness

from sheetsync.cli.main import main
from sheetsync.core.state import SyncState
from sheetsync.engine import SyncReport, run_sync
from sheetsync.errors import ExitCode
from sheetsync.synclog import SYNC_LOG_TAB
from sheetsync.workspace.local_init import init_local

LA = "America/Los_Angeles"


def sync(ws: Any, **kw: Any) -> SyncReport:
    return run_sync(ws, clock=NOON_UTC, **kw)


@pytest.fixture(params=["memory", "local", "google"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Harness:
    if request.param == "memory":
        return MemoryHarness()
    if request.param == "local":
        return LocalHarness(tmp_path)
    return GoogleHarness()


def register(**settings: str) -> dict[str, Any]:
    """Two referrals (two thank-you drafts, follow-ups) and a check-in (an event and an
    aftercare draft), in Los Angeles."""
    return tables(partners=[PARTNER],
                  referrals=[referral(), referral(Client="Al Ames")],
                  checkins=[checkin()],
                  settings={"Time zone": LA, **settings})


def everything(h: Harness) -> tuple[Any, ...]:
    return (h.tab("Partners"), h.tab("Referrals"), h.tab("Check-ins"), h.live_events(),
            h.live_drafts())


def settings_row(h: Harness, key: str) -> int:
    """The sheet row of a setting."""
    rows = h.tab("Settings")
    return next(i for i, row in enumerate(rows, start=1) if row and row[0] == key)


def set_setting(h: Harness, key: str, value: str) -> None:
    h.set_cell("Settings", settings_row(h, key), "Value", value)


def rename_tab(h: Harness, old: str, new: str) -> None:
    if isinstance(h, MemoryHarness):
        h.register.tabs[new] = h.register.tabs.pop(old)
    elif isinstance(h, LocalHarness):
        wb = openpyxl.load_workbook(h.xlsx)
        wb[old].title = new
        wb.save(h.xlsx)
    else:
        assert isinstance(h, GoogleHarness)
        h.fake.sheets.rename_sheet(h.sid, old, new)


def delete_tab(h: Harness, title: str) -> None:
    if isinstance(h, MemoryHarness):
        del h.register.tabs[title]
    elif isinstance(h, LocalHarness):
        wb = openpyxl.load_workbook(h.xlsx)
        del wb[title]
        wb.save(h.xlsx)
    else:
        assert isinstance(h, GoogleHarness)
        h.fake.sheets.delete_sheet(h.sid, title)


def test_a_renamed_settings_tab_holds_the_sync_until_renamed_back(harness: Harness) -> None:
    h = harness
    ws = h.workspace(register())
    first = sync(ws)
    assert first.created["draft"] == 3 and first.created["event"] >= 1
    before = everything(h)

    rename_tab(h, "Settings", "Settings (old)")
    held = sync(ws)
    (problem,) = held.tab_problems
    assert "no 'Settings' tab" in problem and "renamed or deleted" in problem
    assert "rename it back to 'Settings'" in problem and "--accept-changes" in problem
    assert "'Your Clinic'" in problem and LA in problem and "Europe/London" in problem
    assert held.cells_written == 0 and not any(held.rows_read.values())
    assert held.created == held.updated == {} and not held.clean
    assert everything(h) == before  # no draft rewritten, no event moved, no cell written
    assert sync(ws).tab_problems == held.tab_problems  # held again next time

    rename_tab(h, "Settings (old)", "Settings")
    back = sync(ws)
    assert not back.tab_problems and not back.notes and back.clean
    assert everything(h) == before and back.cells_written == 0


def test_a_deleted_settings_tab_holds_until_accepted(harness: Harness) -> None:
    h = harness
    ws = h.workspace(register())
    sync(ws)
    before = everything(h)
    delete_tab(h, "Settings")
    held = sync(ws)
    assert any("no 'Settings' tab" in p for p in held.tab_problems)
    assert everything(h) == before

    accepted = sync(ws, accept_changes=True)  # meant: the defaults now apply, said so
    notes = " | ".join(accepted.notes)
    assert f"Time zone changed from {LA} to Europe/London" in notes
    assert "Clinic name changed from 'Lumen Skin Clinic' to 'Your Clinic'" in notes
    assert "Owner email changed from owner@lumen-clinic.example to (blank)" in notes
    # ... and with no identity left no draft is rewritten from "Your Clinic"
    assert any("fill in 'Clinic name'" in p for p in accepted.notes)
    assert h.live_drafts() == before[4]
    after = sync(ws)
    assert not any("changed" in n for n in after.notes)  # a change is noted once
    assert not any("no 'Settings' tab" in p for p in after.tab_problems)


def test_an_emptied_settings_tab_holds_the_sync(harness: Harness) -> None:
    h = harness
    ws = h.workspace(register())
    sync(ws)
    before = everything(h)
    for _ in range(len(h.tab("Settings")) - 1):
        h.delete_row("Settings", 2)
    held = sync(ws)
    assert any("'Settings' tab reads as empty" in p and "--accept-changes" in p
               for p in held.tab_problems)
    assert everything(h) == before and held.cells_written == 0


def test_a_change_of_time_zone_owner_or_name_is_noted_once(harness: Harness) -> None:
    h = harness
    ws = h.workspace(register())
    assert not sync(ws).notes  # the first sync records what it saw
    set_setting(h, "Time zone", "America/New_York")
    set_setting(h, "Owner email", "boss@lumen-clinic.example")
    set_setting(h, "Clinic name", "Lumen Clinic")
    changed = sync(ws)
    notes = changed.as_json()["notes"]
    assert len(notes) == 3
    assert notes[0].startswith(f"Settings: Time zone changed from {LA} to America/New_York")
    assert "Owner email changed from owner@lumen-clinic.example to boss@lumen-clinic.example" \
        in notes[1]
    assert "Clinic name changed from 'Lumen Skin Clinic' to 'Lumen Clinic'" in notes[2]
    assert changed.updated["draft"] == 3  # the change itself goes ahead
    assert not sync(ws).notes


def test_the_settings_seen_are_kept_in_the_state() -> None:
    h = MemoryHarness()
    ws = h.workspace(register())
    sync(ws)
    state = SyncState.from_rows(ws.register.read().state_rows)
    assert state.settings is not None and state.settings.tab
    assert (state.settings.time_zone, state.settings.clinic_name) == (LA, "Lumen Skin Clinic")
    assert SyncState.from_rows(state.to_rows()).settings == state.settings


def test_a_change_is_in_the_sync_log_line() -> None:
    h = MemoryHarness()
    ws = h.workspace(register())
    sync(ws)
    set_setting(h, "Time zone", "Europe/Paris")
    sync(ws)
    line = h.register.tabs[SYNC_LOG_TAB][1]
    assert "Time zone changed from America/Los_Angeles to Europe/Paris" in str(line[-1])


def test_cli_holds_a_missing_settings_tab_and_accept_changes_accepts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ws"
    init_local(folder, sample=True, today=dt.date.today())
    config = str(folder / "sheetsync.toml")
    main(["sync", "--config", config])
    xlsx = folder / "register.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    wb["Settings"].title = "Old settings"
    wb.save(xlsx)
    drafts = {p.name: p.read_bytes() for p in (folder / "drafts").iterdir()}
    ics = (folder / "calendar.ics").read_bytes()
    capsys.readouterr()
    assert main(["sync", "--config", config]) == ExitCode.CONFIG
    out = capsys.readouterr().out
    assert "no 'Settings' tab" in out and "--accept-changes" in out
    assert {p.name: p.read_bytes() for p in (folder / "drafts").iterdir()} == drafts
    assert (folder / "calendar.ics").read_bytes() == ics
    assert main(["sync", "--config", config, "--accept-changes"]) == ExitCode.ROW_PROBLEMS
    out = capsys.readouterr().out
    assert "no 'Settings' tab" not in out and "fill in 'Clinic name'" in out


# ------------------------------------------------------------ placeholder identity


PLACEHOLDERS = [
    {"Clinic name": "Your Clinic", "Owner email": ""},
    {"Clinic name": "", "Owner email": "owner@lumen-clinic.example"},
    {"Clinic name": "Lumen Skin Clinic", "Owner email": "owner@sheetsync.invalid"},
]


@pytest.mark.parametrize("identity", PLACEHOLDERS)
def test_a_placeholder_identity_makes_no_draft_and_says_what_to_fill_in(
        harness: Harness, identity: dict[str, str]) -> None:
    h = harness
    ws = h.workspace(register(**identity))
    report = sync(ws)
    assert h.live_drafts() == {} and report.created["draft"] == 0
    assert report.created["event"] >= 1  # events and statuses go ahead
    assert not report.tab_problems  # every tab syncs; only the drafts wait
    (problem,) = report.notes
    assert problem.startswith("Tab 'Settings': fill in ")
    for key, value in identity.items():
        placeholder = value in ("", "Your Clinic", "owner@sheetsync.invalid")
        assert (f"'{key}'" in problem) == placeholder
    assert not report.clean and report.rows_read["Referrals"] == 2
    thank_you = h.tab("Referrals")[1][h.tab("Referrals")[0].index("Thank-you")]
    assert "waiting for Clinic name and Owner email in the Settings tab" in thank_you

    for key, value in {"Clinic name": "Lumen Skin Clinic",
                       "Owner email": "owner@lumen-clinic.example"}.items():
        set_setting(h, key, value)
    filled = sync(ws)
    assert not filled.notes and filled.created["draft"] == 3
    assert {d for d in h.live_drafts()} == {"R-0001/thank-you", "R-0002/thank-you",
                                            "C-0001/aftercare"}


def test_identity_blanked_later_rewrites_no_draft() -> None:
    h = MemoryHarness()
    ws = h.workspace(register())
    sync(ws)
    drafts = h.ws.mailbox.live()  # type: ignore[attr-defined]
    set_setting(h, "Clinic name", "")
    report = sync(ws)
    assert report.updated["draft"] == 0 and report.created["draft"] == 0
    assert h.ws.mailbox.live() == drafts  # type: ignore[attr-defined]
    assert "ready in Drafts" in h.tab("Referrals")[1][h.tab("Referrals")[0].index("Thank-you")]


def test_cli_a_new_local_register_says_what_to_fill_in(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ws"
    init_local(folder, sample=False, today=dt.date.today())
    xlsx = folder / "register.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    sheet = wb["Partners"]
    header = [c.value for c in sheet[1]]
    sheet.append([PARTNER.get(str(name)) if name != "Last contact" else None
                  for name in header])
    wb.save(xlsx)
    capsys.readouterr()
    assert main(["sync", "--config", str(folder / "sheetsync.toml")]) == ExitCode.ROW_PROBLEMS
    out = capsys.readouterr().out
    assert "Tab 'Settings': fill in 'Clinic name'" in out and "'Owner email'" in out
    assert list((folder / "drafts").iterdir()) == []
