"""The benchmark script runs (tiny register, no latency): `make bench` keeps working."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "sync_benchmark.py"


def load() -> Any:
    spec = importlib.util.spec_from_file_location("sync_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["sync_benchmark"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_benchmark_measures_a_small_register() -> None:
    bench = load()
    result = bench.one_size(20, 0.0, naive=True, memory=False)
    runs = {r.name: r for r in bench.runs_of(result)}
    # The unchanged run reads the register as the first sync's write left it: steady
    # (planning skipped, core.steady); the same run planned in full changes nothing either.
    assert set(runs) == {"first sync", "unchanged (steady)", "1% edited", "read+validate",
                         "unchanged, full", "naive first sync"}
    for unchanged in (runs["unchanged (steady)"], runs["unchanged, full"]):
        assert unchanged.sheets_writes == unchanged.calendar_changes == 0
        assert unchanged.gmail_changes == 0
    assert runs["first sync"].calendar_changes == runs["naive first sync"].calendar_changes
    naive = runs["naive first sync"]
    assert naive.round_trips > 10 * runs["first sync"].round_trips
    text = bench.table(result, naive)
    assert "first sync" in text and "naive first sync" in text
    lines = bench.budget([result], {20: naive}, {})
    assert any("unchanged: 0 Sheets writes" in line for line in lines)
    assert any("planned in full (sync --full)" in line for line in lines)


def test_benchmark_quota_mode_on_a_small_register() -> None:
    """The default mode: Google's quotas enforced by the fake, windows scaled down; the
    short profile CI runs (a tiny register, a 1 s minute, the naive baseline measured)."""
    bench = load()
    result = bench.quota_first_sync(10, window=1.0, latency=0.0, naive=True)
    mine, naive = result["sheetsync"], result["naive"]
    assert mine["failed"] == 0 and mine["events"] > 0 and mine["drafts"] > 0
    assert sum(mine["refusals"].values()) == 0
    assert naive["measured"] and naive["spent"]["sheets-write"] >= 30  # a cell per row
    text = bench.quota_table([result])
    assert "rows/tab" in text and "naive least" in text
    assert bench.quota_budget([result])[0].startswith("[info]")  # not quota-bound
    bound = bench.naive_quota_bound(10)
    assert bound["least_minutes"] == naive["least_minutes"]
    assert bench.quota_minutes({"calendar": 1500.0, "gmail": 100.0}) == (2.5, "calendar")


def load_script(name: str) -> Any:
    path = SCRIPT.parent / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("rows", [100, 2000])
def test_an_unchanged_run_costs_the_same_at_any_size(rows: int) -> None:
    """Issue 18's target, measured by ``benchmarks/unchanged_benchmark.py`` (README,
    Performance): an unchanged run makes 1 Sheets, at most 1 Calendar and at most 2 Gmail
    requests, whatever the size (here 100 and 2,000 rows per tab; the script goes to
    50,000), and writes nothing."""
    bench = load_script("unchanged_benchmark")
    result = bench.one_size(rows)
    assert result["events"] > rows // 2 and result["drafts"] > rows // 10
    assert result["requests"] == {"sheets": 1, "calendar": 1,
                                  "gmail": result["requests"]["gmail"]}
    assert result["requests"]["gmail"] <= 2, result["methods"]
    assert result["cells_written"] == 0 and result["failed"] == 0 and result["steady"]
    assert bench.budget([result])[0].startswith("[ok]")


def test_fleet_benchmark_short_profile(capsys: pytest.CaptureFixture[str]) -> None:
    """The fleet figure's short profile (CI): per-run costs at 30 rows, two registers of
    one project under enforced quotas, and the limit printed; the long run is
    ``python benchmarks/fleet_benchmark.py`` (README, Several locations)."""
    bench = load_script("fleet_benchmark")
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "one 2-core worker:" in out and "one Cloud project" in out
    assert "0 refusals, 0 failed" in out and "refusals, 0 failed" in out
    assert out.count("0 refusals, 0 failed") == 2  # unchanged and edited rounds
