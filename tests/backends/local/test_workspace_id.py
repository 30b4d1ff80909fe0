"""Each local workspace has its own event UIDs and Message-IDs (issue 17, item 9), and a
workspace made before workspace ids keeps its own, so nothing is made twice."""

from __future__ import annotations

import email
from pathlib import Path

import openpyxl
import pytest
from icalendar import Calendar

from sheetsync.backends.local import open_local_workspace
from sheetsync.backends.local.workspace_id import DEFINED_NAME, read_workspace_id
from sheetsync.cli.main import main
from sheetsync.errors import ExitCode


def sync(folder: Path) -> int:
    return main(["sync", "--config", str(folder / "sheetsync.toml")])


def uids(folder: Path) -> dict[str, str]:
    """Event key -> UID."""
    cal = Calendar.from_ical((folder / "calendar.ics").read_bytes())
    return {str(e.get("X-SHEETSYNC-KEY")): str(e.get("UID")) for e in cal.walk("VEVENT")}


def message_ids(folder: Path) -> set[str]:
    out = set()
    for path in (folder / "drafts").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes())
        out.add(str(message["Message-ID"]))
    return out


def workspace(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    assert main(["init", "--local", str(folder), "--sample"]) == ExitCode.OK
    return folder


def test_two_workspaces_never_share_an_event_uid_or_message_id(tmp_path: Path) -> None:
    north, south = workspace(tmp_path, "north"), workspace(tmp_path, "south")
    for folder in (north, south):
        assert sync(folder) == ExitCode.ROW_PROBLEMS  # the sample's deliberate bad rows
    # The same sample: the same row IDs and rules in both...
    assert uids(north).keys() == uids(south).keys() and uids(north)
    # ...and not one UID or Message-ID in common, so one calendar app can hold both.
    assert not set(uids(north).values()) & set(uids(south).values())
    assert message_ids(north) and not message_ids(north) & message_ids(south)
    assert read_workspace_id(north / "register.xlsx") != read_workspace_id(south / "register.xlsx")


def test_the_id_lives_in_the_register_and_survives_syncs(tmp_path: Path) -> None:
    folder = workspace(tmp_path, "ws")
    register = folder / "register.xlsx"
    found = read_workspace_id(register)
    assert found is not None and found.startswith("ws-")
    name = openpyxl.load_workbook(register).defined_names[DEFINED_NAME]
    assert name.hidden  # staff never see it among their names
    first = uids(folder) if (folder / "calendar.ics").exists() else {}
    assert sync(folder) == ExitCode.ROW_PROBLEMS
    assert read_workspace_id(register) == found
    made = uids(folder)
    assert not first and made
    # A copy of the folder on another machine (cron anywhere) gives the same ids.
    ws = open_local_workspace(register, folder / "calendar.ics", folder / "drafts",
                              folder / "sent")
    assert ws.namespace == f"local:{found}"
    assert sync(folder) == ExitCode.ROW_PROBLEMS
    assert uids(folder) == made


def _older_workspace(tmp_path: Path) -> Path:
    """A workspace as an older sheetsync made it: no workspace id in the register."""
    folder = workspace(tmp_path, "old")
    register = folder / "register.xlsx"
    wb = openpyxl.load_workbook(register)
    del wb.defined_names[DEFINED_NAME]
    wb.save(register)
    assert read_workspace_id(register) is None
    return folder


def test_an_existing_workspace_keeps_its_ids_and_nothing_is_made_twice(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _older_workspace(tmp_path)
    assert sync(folder) == ExitCode.ROW_PROBLEMS
    before_uids, before_ids = uids(folder), message_ids(folder)
    drafts = sorted(p.name for p in (folder / "drafts").glob("*.eml"))
    # The old namespace (the file name): the events it already made are found.
    ws = open_local_workspace(folder / "register.xlsx", folder / "calendar.ics",
                              folder / "drafts", folder / "sent")
    assert ws.namespace == "local:register.xlsx"
    # Laying it out again with this version gives it no new id (it was synced)...
    assert main(["init", "--local", str(folder)]) == ExitCode.OK
    assert read_workspace_id(folder / "register.xlsx") is None
    capsys.readouterr()
    # ...so the next syncs make nothing new and find every event and draft.
    assert main(["sync", "--json", "--full", "--config", str(folder / "sheetsync.toml")]) \
        == ExitCode.ROW_PROBLEMS
    assert '"events": {"created": 0, "updated": 0, "retracted": 0}' in capsys.readouterr().out
    assert uids(folder) == before_uids and message_ids(folder) == before_ids
    assert sorted(p.name for p in (folder / "drafts").glob("*.eml")) == drafts


def test_init_gives_an_id_to_a_register_never_synced(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    folder = _older_workspace(tmp_path)
    assert main(["init", "--local", str(folder)]) == ExitCode.OK
    assert "gave this workspace its own id" in capsys.readouterr().out
    found = read_workspace_id(folder / "register.xlsx")
    assert found is not None
    assert main(["init", "--local", str(folder)]) == ExitCode.OK  # once only
    assert read_workspace_id(folder / "register.xlsx") == found
