"""Several registers from one worker: ``sheetsync sync/watch --config a --config b``.

Each location is synced in turn with its own run lock, named in every line it prints; a
broken one does not stop the others, and the exit code is the worst of them (README,
"Exit codes": busy 3 and configuration 2 are worse than rows with problems 1).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from test_watch import FakeTime, clock  # noqa: F401  (the fixture)

from sheetsync.cli.main import main
from sheetsync.cli.watch import Watcher
from sheetsync.errors import ExitCode
from sheetsync.workspace.local_init import init_local

TODAY = dt.date(2026, 11, 23)


def locations(tmp_path: Path, names: list[str]) -> list[Path]:
    configs = []
    for name in names:
        init_local(tmp_path / name, sample=False, today=TODAY)
        _identify(tmp_path / name / "register.xlsx", name)
        configs.append(tmp_path / name / "sheetsync.toml")
    return configs


def _identify(xlsx: Path, name: str) -> None:
    """Fill in the clinic's name and owner (a placeholder identity holds the drafts)."""
    import openpyxl

    book = openpyxl.load_workbook(xlsx)
    for row in book["Settings"].iter_rows():
        if row[0].value == "Clinic name":
            row[1].value = f"Clinic {name}"
        elif row[0].value == "Owner email":
            row[1].value = f"owner@{name}.example"
    book.save(xlsx)


def broken(tmp_path: Path, name: str = "broken") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "sheetsync.toml").write_text('backend = "local"\nnot_a_setting = 1\n')
    return folder / "sheetsync.toml"


def sync_one(config: str | None, name: str | None) -> int:
    from sheetsync.cli.main import _sync

    return _sync(config, dry_run=False, as_json=False, location=name)


def args(configs: list[Path]) -> list[str]:
    return [word for c in configs for word in ("--config", str(c))]


def test_two_configs_sync_both_not_only_the_last(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    north, south = locations(tmp_path, ["north", "south"])
    assert main(["sync", *args([north, south])]) == ExitCode.OK
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert " location=north " in out[0] and " location=south " in out[1]
    # Both registers were synced: each has its state now.
    for folder in ("north", "south"):
        assert (tmp_path / folder / "register.xlsx").stat().st_mtime > 0
    assert "register.xlsx" in out[0]


def test_a_broken_location_does_not_stop_the_others_and_the_exit_is_the_worst(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    north, south = locations(tmp_path, ["north", "south"])
    bad = broken(tmp_path)
    missing = tmp_path / "gone" / "sheetsync.toml"
    assert main(["sync", *args([north, bad, missing, south])]) == ExitCode.CONFIG
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert [line.split(" location=")[1].split()[0] for line in lines] == ["north", "south"]
    assert "sheetsync: broken: " in captured.err and "not_a_setting" in captured.err
    assert "sheetsync: gone: No configuration file" in captured.err


def test_json_gives_one_object_per_location(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    north, south = locations(tmp_path, ["north", "south"])
    assert main(["sync", "--json", *args([north, south])]) == ExitCode.OK
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["location"] for o in objects] == ["north", "south"]
    assert all(o["ok"] for o in objects)


def test_worst_follows_the_exit_code_table() -> None:
    from sheetsync.cli.fleet import worst

    assert worst([]) == ExitCode.OK
    assert worst([0, 1, 0]) == ExitCode.ROW_PROBLEMS
    assert worst([1, 3, 0]) == ExitCode.BUSY
    assert worst([3, 2, 1]) == ExitCode.CONFIG
    assert worst([3, 4, 1]) == ExitCode.VANISHED and worst([4, 2]) == ExitCode.CONFIG


def test_location_names_are_the_configs_or_their_folders(tmp_path: Path) -> None:
    from sheetsync.cli.fleet import location_names

    assert location_names([str(tmp_path / "a" / "north.toml"),
                           str(tmp_path / "south" / "sheetsync.toml")]) == ["north", "south"]
    # Two of one name: the path tells them apart.
    twins = [str(tmp_path / "x" / "c" / "sheetsync.toml"),
             str(tmp_path / "y" / "c" / "sheetsync.toml")]
    assert location_names(twins) == twins


@pytest.mark.parametrize("count", [2, 10])
def test_one_watch_keeps_many_registers_one_of_them_broken(
        tmp_path: Path, count: int, clock: FakeTime,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    from sheetsync.cli.fleet import Fleet

    configs = locations(tmp_path, [f"clinic{i}" for i in range(count - 1)])
    configs.insert(count // 2, broken(tmp_path))
    log = io.StringIO()
    fleet = Fleet([str(c) for c in configs], sync_one, log=log)
    runs = 3 if count == 2 else 2
    watcher = Watcher(fleet.watch_once, 900, log, sleep=clock.sleep, max_runs=runs)
    assert watcher.run() == ExitCode.OK  # one broken location does not stop the watch
    out = capsys.readouterr().out.splitlines()
    assert len(out) == runs * (count - 1)
    for run in range(runs):
        named = [line.split(" location=")[1].split()[0]
                 for line in out[run * (count - 1):(run + 1) * (count - 1)]]
        assert named == [f"clinic{i}" for i in range(count - 1)]
    text = log.getvalue()
    assert text.count("sheetsync: broken: ") == runs
    assert f"stopped after {runs} runs" in text


def test_watch_stops_when_every_location_is_broken_on_the_first_run(
        tmp_path: Path, clock: FakeTime) -> None:  # noqa: F811
    from sheetsync.cli.fleet import Fleet

    configs = [broken(tmp_path, "a"), broken(tmp_path, "b")]
    log = io.StringIO()
    fleet = Fleet([str(c) for c in configs], sync_one, log=log)
    assert Watcher(fleet.watch_once, 900, log, sleep=clock.sleep).run() == ExitCode.CONFIG


def test_a_busy_location_is_skipped_with_its_name(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    north, south = locations(tmp_path, ["north", "south"])
    # Open in Excel at the north clinic: that register is busy, the south one goes on.
    (tmp_path / "north" / "~$register.xlsx").write_text("owner")
    code = main(["sync", *args([north, south])])
    assert code == ExitCode.BUSY
    captured = capsys.readouterr()
    assert "sheetsync: north: " in captured.err
    assert " location=south " in captured.out
