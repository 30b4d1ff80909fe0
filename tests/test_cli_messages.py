"""The command line says what went wrong in one plain message, never a traceback (issue 17,
item 6), and does the small things users expect (--version, -v after the command)."""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sheetsync import __version__
from sheetsync.cli.main import main
from sheetsync.errors import ExitCode

REPO = Path(__file__).parent.parent


def _inside(path: object, folder: Path) -> bool:
    try:
        return Path(os.fsdecode(path)).resolve().is_relative_to(folder.resolve())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


@contextlib.contextmanager
def read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``folder`` cannot be written to. The permission bits are really taken away; tests
    may run as root, where those do not bite, so creating anything inside ``folder`` is
    also refused the way the operating system refuses it (PermissionError)."""

    def refuse(path: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))  # type: ignore[arg-type]

    real_open, real_mkdir, real_link = os.open, os.mkdir, os.link
    real_io_open = io.open

    def fake_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and _inside(path, folder):
            refuse(path)
        return real_open(path, flags, *args, **kwargs)

    def fake_io_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, (str, bytes, os.PathLike)) and any(c in mode for c in "wax+") \
                and _inside(file, folder):
            refuse(file)
        return real_io_open(file, mode, *args, **kwargs)

    def fake_mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
        if _inside(path, folder):
            refuse(path)
        real_mkdir(path, *args, **kwargs)

    def fake_link(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if _inside(dst, folder):
            refuse(dst)
        real_link(src, dst, *args, **kwargs)

    mode = folder.stat().st_mode
    folder.chmod(0o555)
    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)
    monkeypatch.setattr(os, "link", fake_link)
    monkeypatch.setattr(io, "open", fake_io_open)
    monkeypatch.setattr("builtins.open", fake_io_open)
    try:
        yield
    finally:
        monkeypatch.undo()
        folder.chmod(mode)


def _plain(err: str) -> None:
    assert "Traceback" not in err and "Error:" not in err.split("sheetsync:")[0], err
    assert "What to do:" in err, err


# ----------------------------------------------------------------- read-only folders


def test_sync_in_a_read_only_folder_is_one_message_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ws"
    assert main(["init", "--local", str(folder), "--sample"]) == ExitCode.OK
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    with read_only(folder, monkeypatch):
        code = main(["sync", "--config", str(folder / "sheetsync.toml")])
    err = capsys.readouterr().err
    assert code == ExitCode.CONFIG, err
    _plain(err)
    assert "lock file" in err and "permission denied" in err.lower()
    assert "nothing was changed" in err and str(folder) in err
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    assert not list((folder / "drafts").iterdir())  # nothing made before the refusal


@pytest.mark.parametrize("command", ["init", "demo"])
def test_init_and_demo_into_a_read_only_parent_are_one_message(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    parent = tmp_path / "shared"
    parent.mkdir()
    target = parent / "clinic"
    argv = ["init", "--local", str(target)] if command == "init" else ["demo", str(target)]
    with read_only(parent, monkeypatch):
        code = main(argv)
    err = capsys.readouterr().err
    assert code == ExitCode.CONFIG, err
    _plain(err)
    assert f"create the workspace in {target}" in err and "permission" in err.lower()
    assert str(parent) in err
    assert not target.exists()


@pytest.mark.parametrize("command", ["init", "demo"])
def test_init_and_demo_under_a_file_are_one_message(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("staff notes")
    target = blocker / "clinic"  # its "parent folder" is a file: missing as a folder
    argv = ["init", "--local", str(target)] if command == "init" else ["demo", str(target)]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == ExitCode.CONFIG, err
    _plain(err)
    assert "A file stands where a folder is needed" in err
    assert blocker.read_text() == "staff notes"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="as root (or off POSIX) a read-only folder can still be written")
def test_sync_in_a_really_read_only_folder(tmp_path: Path) -> None:
    """The same through the installed command and real permissions."""
    folder = tmp_path / "ws"
    assert main(["init", "--local", str(folder), "--sample"]) == ExitCode.OK
    folder.chmod(0o555)
    try:
        result = subprocess.run([sys.executable, "-m", "sheetsync", "sync", "--config",
                                 str(folder / "sheetsync.toml")],
                                capture_output=True, text=True, timeout=120)
    finally:
        folder.chmod(0o755)
    assert result.returncode == ExitCode.CONFIG, result.stderr
    _plain(result.stderr)


# ------------------------------------------------------------------------ broken pipe


class _ClosedAfter(io.StringIO):
    """A stdout whose reader goes away after ``lines`` lines (``| head -1``)."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self.left = lines

    def write(self, text: str) -> int:
        if self.left <= 0:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")
        self.left -= text.count("\n")
        return super().write(text)

    def fileno(self) -> int:
        raise io.UnsupportedOperation("no file descriptor")


def test_output_cut_by_a_pipe_is_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ws"
    assert main(["init", "--local", str(folder), "--sample"]) == ExitCode.OK
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdout", _ClosedAfter(1))
    code = main(["sync", "--dry-run", "--config", str(folder / "sheetsync.toml")])
    err = capsys.readouterr().err
    assert code == ExitCode.OUTPUT_CLOSED
    assert "Traceback" not in err and "output was cut short" in err


def test_sync_dry_run_into_a_closed_pipe_exits_141_without_traceback(tmp_path: Path) -> None:
    """``sheetsync sync --dry-run | head -1`` for real: the pipe's reader is gone."""
    folder = tmp_path / "ws"
    assert main(["init", "--local", str(folder), "--sample"]) == ExitCode.OK
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (head) already stopped
    try:
        result = subprocess.run(
            [sys.executable, "-m", "sheetsync", "sync", "--dry-run", "--config",
             str(folder / "sheetsync.toml")],
            stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr, result.stderr
    assert "output was cut short" in result.stderr
    assert result.returncode == ExitCode.OUTPUT_CLOSED


# ------------------------------------------------------------------------ small things


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"sheetsync {__version__}"


@pytest.mark.parametrize("argv", [["-v", "sync"], ["sync", "-v"], ["sync", "--verbose"]])
def test_verbose_before_or_after_the_command(
        argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ws"
    assert main(["init", "--local", str(folder), "--sample"]) == ExitCode.OK
    capsys.readouterr()
    seen: list[int] = []
    monkeypatch.setattr(logging, "basicConfig",
                        lambda **kwargs: seen.append(kwargs["level"]))
    main([*argv, "--config", str(folder / "sheetsync.toml")])
    assert seen == [logging.INFO]
    main(["sync", "--config", str(folder / "sheetsync.toml")])
    assert seen == [logging.INFO, logging.WARNING]
