"""The benchmark script runs (tiny register, no latency): `make bench` keeps working."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

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
