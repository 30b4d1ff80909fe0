"""A local calendar.ics or drafts/ folder lost as a whole (issue 17 item 4) is not the
owner deleting every event or draft: the sync is held (exit 4), nothing is made and
nothing is marked deleted, until it is restored or a fresh start is accepted."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from builders import NOON_UTC, PARTNER, checkin, referral, tables
from contract.local_harness import LocalHarness

from sheetsync.cli.main import main
from sheetsync.engine import SyncReport, run_sync
from sheetsync.errors import ExitCode, VanishedError
from sheetsync.workspace.local_init import init_local


def sync(ws: object, **kw: object) -> SyncReport:
    return run_sync(ws, clock=NOON_UTC, **kw)  # type: ignore[arg-type]


def workspace(tmp_path: Path) -> tuple[LocalHarness, object]:
    h = LocalHarness(tmp_path)
    ws = h.workspace(tables(partners=[PARTNER],
                            referrals=[referral(**{"Consent to share": "Yes"})],
                            checkins=[checkin(), checkin(Client="Bo Li")]))
    first = sync(ws)
    assert first.created["event"] >= 3 and first.created["draft"] >= 3
    return h, ws


def register_bytes(h: LocalHarness) -> bytes:
    return h.xlsx.read_bytes()


def statuses(h: LocalHarness) -> str:
    return str([h.tab("Referrals"), h.tab("Check-ins")])


def test_a_vanished_calendar_holds_the_sync_until_restored(tmp_path: Path) -> None:
    h, ws = workspace(tmp_path)
    ics = h.ics.read_bytes()
    register, drafts = register_bytes(h), h.live_drafts()
    h.ics.unlink()
    with pytest.raises(VanishedError) as held:
        sync(ws)
    assert held.value.exit_code == ExitCode.VANISHED == 4
    assert "calendar.ics is gone" in held.value.message
    assert "events" in held.value.message and "nothing was marked deleted" in held.value.message
    assert "Restore calendar.ics" in held.value.advice
    assert "--accept-changes" in held.value.advice
    assert register_bytes(h) == register and h.live_drafts() == drafts  # nothing done
    assert not h.ics.exists()

    h.ics.write_bytes(b"")  # an empty file is no calendar either
    with pytest.raises(VanishedError):
        sync(ws)

    h.ics.write_bytes(ics)  # restored: everything as before
    again = sync(ws)
    assert again.created == again.updated == {} and again.cells_written == 0
    assert "deleted" not in statuses(h)


def test_a_vanished_calendar_accepted_starts_afresh(tmp_path: Path) -> None:
    h, ws = workspace(tmp_path)
    events = h.live_events()
    h.ics.unlink()
    fresh = sync(ws, accept_changes=True)
    assert any("calendar.ics was gone: started afresh" in n for n in fresh.notes)
    assert fresh.created["event"] == len(events)
    assert h.live_events() == events  # made again, not "deleted in the calendar"
    assert "deleted" not in statuses(h)
    assert not sync(ws).notes


def test_a_vanished_drafts_folder_holds_then_accepted_makes_them_again(
        tmp_path: Path) -> None:
    h, ws = workspace(tmp_path)
    drafts = h.live_drafts()
    register = register_bytes(h)
    shutil.rmtree(h.drafts)
    with pytest.raises(VanishedError) as held:
        sync(ws)
    assert "drafts/ is gone" in held.value.message and "drafts" in held.value.message
    assert register_bytes(h) == register and not h.drafts.exists()

    fresh = sync(ws, accept_changes=True)
    assert any("drafts/ was gone: started afresh" in n for n in fresh.notes)
    assert h.live_drafts() == drafts
    assert "draft deleted" not in statuses(h) and "ready in Drafts" in statuses(h)


def test_one_deleted_draft_is_still_a_deleted_draft(tmp_path: Path) -> None:
    h, ws = workspace(tmp_path)
    h.delete_draft("R-0001/thank-you")
    report = sync(ws)
    assert "draft deleted" in statuses(h) and not report.notes


def test_cli_exits_4_with_what_to_do(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ws"
    init_local(folder, sample=True, today=dt.date.today())
    config = str(folder / "sheetsync.toml")
    main(["sync", "--config", config])
    (folder / "calendar.ics").unlink()
    capsys.readouterr()
    assert main(["sync", "--config", config]) == ExitCode.VANISHED
    err = capsys.readouterr().err
    assert "calendar.ics is gone" in err and "What to do:" in err
    assert "--accept-changes" in err
    assert main(["sync", "--config", config, "--accept-changes"]) == ExitCode.ROW_PROBLEMS
    assert (folder / "calendar.ics").exists()


def test_a_missing_inbox_folder_holds_nothing(tmp_path: Path) -> None:
    """inbox/ is input a person fills, not a store sheetsync made things in: a workspace
    without one (or one removed) syncs as before."""
    folder = tmp_path / "ws"
    init_local(folder, sample=True, today=dt.date.today())
    assert (folder / "inbox").is_dir()
    config = str(folder / "sheetsync.toml")
    assert main(["sync", "--config", config]) == ExitCode.ROW_PROBLEMS
    (folder / "inbox").rmdir()
    assert main(["sync", "--config", config]) == ExitCode.ROW_PROBLEMS
    assert not (folder / "inbox").exists()  # sheetsync never makes it behind your back
