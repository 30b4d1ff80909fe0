"""The README's quoted output is what sheetsync really prints (issue 17, small things):
the quick start's demo summary and the ``--json`` example, against real runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sheetsync.cli.main import main
from sheetsync.errors import ExitCode

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def block_after(marker: str, fence: str = "```") -> str:
    """The first fenced block after ``marker`` in the README."""
    start = README.index(marker)
    opening = README.index(fence, start)
    body = README.index("\n", opening) + 1
    return README[body:README.index("```", body)]


def test_quick_start_demo_output_is_real(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    quoted = block_after("After `make demo` you see a summary like this:").splitlines()
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == ExitCode.OK
    real = capsys.readouterr().out.splitlines()
    date = re.compile(r"\d{4}-\d{2}-\d{2}")
    real_lines = [date.sub("DATE", line) for line in real]
    cut = [i for i, line in enumerate(quoted) if line.strip() == "…"]
    for line in quoted:
        if line.strip() == "…":
            continue
        assert date.sub("DATE", line) in real_lines, f"README line not printed: {line!r}"
    # In the same order, and nothing left out above the "…".
    shown = [date.sub("DATE", line) for line in quoted[: cut[0] if cut else len(quoted)]]
    assert real_lines[: len(shown)] == shown


def test_json_example_is_a_real_first_sync(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    quoted = json.loads(block_after("`sheetsync sync --json` prints one JSON object"))
    folder = tmp_path / "ws"
    assert main(["init", "--local", str(folder), "--sample"]) == ExitCode.OK
    capsys.readouterr()
    main(["sync", "--json", "--config", str(folder / "sheetsync.toml")])
    real = json.loads(capsys.readouterr().out)
    assert quoted.keys() == real.keys()
    for key in quoted.keys() - {"today", "digest", "problems", "info"}:
        assert quoted[key] == real[key], key
    date = re.compile(r"\d{4}-\d{2}-\d{2}")  # the first sync's day is in its info line
    assert [date.sub("DATE", i) for i in quoted["info"]] == \
        [date.sub("DATE", i) for i in real["info"]]
    assert re.fullmatch(r"digest-\d{4}-W\d\d/digest", quoted["digest"]["key"])
    assert {**quoted["digest"], "key": ""} == {**real["digest"], "key": ""}
    for problem in quoted["problems"]:  # the README shows the first of them
        assert problem in real["problems"]
