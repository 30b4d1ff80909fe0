"""How many registers one 2-core worker keeps in sync every 15 minutes (issue 18).

    python benchmarks/fleet_benchmark.py [--sizes 500,5000] [--registers 6] [--runs 3]
                                         [--latency 0.05] [--window 20] [--quick]

A clinic chain or an agency syncs one register per location from one worker (``sync`` or
``watch`` with several ``--config``, cron, systemd timers). Two things bound how many
registers that worker keeps in sync every 15 minutes: its CPU, and Google's per-minute
quotas (per user, and per Cloud project for all its users). This script measures both, at
clinic sizes (``--sizes``: rows per data tab; 500 and 5,000 by default):

1. **Per register run** (quotas off, ``--latency`` per round trip, the fake in a child
   process so the CPU measured is the client's own): a register is built and given its
   first sync (not measured), then ``--runs`` unchanged runs and ``--runs`` runs after
   1% of each data tab's rows were edited (``testing.bulk.edit_one_percent``, with a day
   moved each time so every edit run has something to do). Each run opens the workspace,
   syncs and closes it, as ``watch`` does for each location every cycle (a cron job's
   own process start-up, ~0.4 s of CPU, is not in it). For each kind: the client's CPU
   seconds and wall seconds per run (medians), and its requests by API.
2. **A fleet under the quotas**: ``--registers`` registers of one Cloud project in one
   fake that enforces Google's per-minute quotas per user and per project (its minute
   scaled to ``--window`` seconds, as in ``sync_benchmark.py``; every ratio kept), synced
   in turn by one process through the shared pacers (``pacer.shared_pacers``: one per
   user, under one per project): a round of unchanged runs, then a round of edited runs.
   It reports the refusals (429s) the fake counted, which must be none: pacing holds for
   a fleet.
3. **The limit**: registers per 15 minutes (a) by CPU: 2 cores x 900 s / CPU per run
   (two worker processes, e.g. two ``watch`` with disjoint config sets; one process syncs
   in turn, so it is bound by its wall time per run: 900 s / wall per run); (b) by
   Google's quotas, from the requests per run: one user's Sheets 60 read and 60 write
   requests a minute, Calendar 600, Gmail 6,000 units, and a project's 300, 10,000 and
   1,200,000 for all its users together. The smallest is the limit, printed with what
   sets it.

``--quick`` is the short profile (CI: ``tests/test_benchmark_smoke.py`` runs it at 30 rows
with two registers); the long run is ``python benchmarks/fleet_benchmark.py`` (about 10
minutes on a quiet 2-core machine; ``nice`` it on a shared one). README, "Several
locations" and Performance, quote its figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.sync_benchmark import (  # the path above first
    QUOTAS,
    TODAY,
    RemoteFake,
    clock,
)

PERIOD_S = 15 * 60
CORES = 2
# Google's per-minute quotas (issue 18; README, "How sheetsync talks to Google").
PER_USER = {"sheets-read": 60.0, "sheets-write": 60.0, "calendar": 600.0, "gmail": 6000.0}
PER_PROJECT = {"sheets-read": 300.0, "sheets-write": 300.0, "calendar": 10_000.0,
               "gmail": 1_200_000.0}
PROJECT_QUOTAS = {"project_sheets_per_minute": 300, "project_calendar_per_minute": 10_000,
                  "project_gmail_units_per_minute": 1_200_000}


def typed(n: int) -> dict[str, Any]:
    from sheetsync.testing.bulk import bulk_register

    return {title: [["'" + c if isinstance(c, str) and c else c for c in row]
                    for row in rows]
            for title, rows in bulk_register(n, TODAY).items()}


def add_register(fake: RemoteFake, n: int, tables: dict[str, Any]) -> str:
    return str(fake.sheets.create_spreadsheet("Clinic register", tables, row_count=n + 50))


def workspace(fake: RemoteFake, sid: str, pacers: Any = None) -> Any:
    from sheetsync.backends.google import open_google_workspace
    from sheetsync.core.config import GoogleConfig

    return open_google_workspace(GoogleConfig(spreadsheet=sid), Path("."),
                                 session=fake.requests_session(), http=fake.http(),
                                 pacers=pacers)


def edit(fake: RemoteFake, sid: str, n: int, shift: int) -> int:
    """Staff edit 1% of each data tab's rows, ``shift`` days moved (a new edit each time)."""
    from sheetsync.backends.google.picture import column_letter
    from sheetsync.testing.bulk import edit_one_percent

    edits = edit_one_percent(n, TODAY - dt.timedelta(days=shift))
    headers = {t: [str(v) for v in fake.sheets.get_values(sid, t)[0]]
               for t in {e[0] for e in edits}}
    for title, row, column, value in edits:
        letter = column_letter(headers[title].index(column))
        fake.sheets.set_cell(sid, title, f"{letter}{row}",
                             "'" + value if isinstance(value, str) else value)
    return len(edits)


def by_quota(fake: RemoteFake) -> dict[str, float]:
    """Requests (units, for Gmail) by quota since the last reset, as Google counts them."""
    from sheetsync.testing.fake_google.quota import SHEETS_READS, gmail_units

    spent = dict.fromkeys(PER_USER, 0.0)
    for (api, method), n in fake.calls.items():
        if api == "sheets":
            # Sheets reads are GETs and the read-only POSTs (quota.SHEETS_READS).
            read = method in SHEETS_READS or method.endswith((".get", ".batchGet"))
            spent["sheets-read" if read else "sheets-write"] += n
        elif api == "calendar":
            spent["calendar"] += n
        elif api == "gmail":
            spent["gmail"] += n * gmail_units(method)
    return spent


def measured(fake: RemoteFake, action: Callable[[], Any]) -> dict[str, Any]:
    fake.reset_counters()
    wall, cpu = time.perf_counter(), time.process_time()
    report = action()
    out = {"wall": time.perf_counter() - wall - fake.waited,
           "cpu": time.process_time() - cpu, "spent": by_quota(fake),
           "round_trips": sum(fake.round_trips.values()),
           "failed": int(report.failed), "steady": bool(report.steady)}
    return out


def per_run(n: int, runs: int, latency: float) -> dict[str, Any]:
    """One register's unchanged and 1%-edited runs, quotas off."""
    from sheetsync.engine import run_sync

    fake = RemoteFake()
    try:
        sid = add_register(fake, n, typed(n))
        ws = workspace(fake, sid)
        first = run_sync(ws, clock=clock)
        run_sync(ws, clock=clock)  # takes the tokens past its own changes
        fake.latency = latency

        def one() -> Any:  # as ``watch`` does for each location: open, sync, close
            opened = workspace(fake, sid)
            try:
                return run_sync(opened, clock=clock)
            finally:
                for closer in opened.closers:
                    closer.close()

        unchanged = [measured(fake, one) for _ in range(runs)]
        edited = []
        for k in range(runs):
            fake.latency = 0.0
            edit(fake, sid, n, k)
            fake.latency = latency
            edited.append(measured(fake, one))
    finally:
        fake.close()
    return {"n": n, "latency": latency, "events": first.created["event"],
            "drafts": first.created["draft"], "unchanged": summary(unchanged),
            "edited": summary(edited)}


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    spent = {q: statistics.median(r["spent"][q] for r in runs) for q in PER_USER}
    return {"cpu": statistics.median(r["cpu"] for r in runs),
            "wall": statistics.median(r["wall"] for r in runs), "spent": spent,
            "round_trips": statistics.median(r["round_trips"] for r in runs),
            "failed": sum(r["failed"] for r in runs),
            "steady": all(r["steady"] for r in runs), "runs": len(runs)}


def fleet_under_quotas(n: int, registers: int, window: float, latency: float
                       ) -> dict[str, Any]:
    """``registers`` registers of one project synced in turn through the shared pacers,
    the fake enforcing the per-user and per-project quotas (minute scaled to ``window``)."""
    from sheetsync.backends.google.pacer import forget_pacers, shared_pacers
    from sheetsync.engine import run_sync

    scale = window / 60.0
    fake = RemoteFake()
    forget_pacers()
    try:
        tables = typed(n)
        sids = [add_register(fake, n, tables) for _ in range(registers)]
        spaces = [workspace(fake, sid) for sid in sids]
        for ws in spaces:  # first syncs, quotas off (not measured)
            run_sync(ws, clock=clock)
            run_sync(ws, clock=clock)
        fake.call("quotas.enforce", window=window, **QUOTAS)
        pacers = shared_pacers("fleet-bench", user="owner", window=window, **QUOTAS,
                               **PROJECT_QUOTAS)
        spaces = [workspace(fake, sid, pacers) for sid in sids]
        fake.latency = latency * scale
        out: dict[str, Any] = {"n": n, "registers": registers, "window": window}
        for kind in ("unchanged", "edited"):
            if kind == "edited":
                fake.latency = 0.0
                for sid in sids:
                    edit(fake, sid, n, 7)
                fake.latency = latency * scale
            fake.reset_counters()
            fake.call("quotas.exceeded.clear")
            started = time.perf_counter()
            failed = sum(run_sync(ws, clock=clock).failed for ws in spaces)
            elapsed = time.perf_counter() - started
            out[kind] = {"seconds": elapsed, "google_minutes": elapsed / window,
                         "refusals": sum(dict(fake.call("quotas.exceeded.copy")).values()),
                         "failed": failed, "spent": by_quota(fake)}
    finally:
        fake.close()
        forget_pacers()
    return out


def limits(run: dict[str, Any]) -> dict[str, tuple[float, str]]:
    """Registers per 15 minutes, by what bounds them: CPU (two processes), one process's
    wall time, one user's quota, the project's quota."""
    cpu = CORES * PERIOD_S / run["cpu"] if run["cpu"] else float("inf")
    wall = PERIOD_S / run["wall"] if run["wall"] else float("inf")

    def quota(table: dict[str, float]) -> tuple[float, str]:
        best, which = float("inf"), "-"
        for name, per_minute in table.items():
            used = run["spent"][name]
            if used:
                most = per_minute * PERIOD_S / 60 / used
                if most < best:
                    best, which = most, name
        return best, which

    return {"cpu (2 processes)": (cpu, "CPU"), "one process, in turn": (wall, "wall"),
            "one Google user": quota(PER_USER), "one Cloud project": quota(PER_PROJECT)}


def report(sizes: list[dict[str, Any]], fleets: list[dict[str, Any]]) -> str:
    lines = [f"{'rows/tab':>9}{'run':>11}{'CPU s':>8}{'wall s':>8}{'Sheets r/w':>12}"
             f"{'Calendar':>10}{'Gmail u':>9}{'trips':>7}"]
    for res in sizes:
        for kind in ("unchanged", "edited"):
            run = res[kind]
            s = run["spent"]
            sheets = f"{s['sheets-read']:.0f}/{s['sheets-write']:.0f}"
            lines.append(f"{res['n']:>9,}{kind:>11}{run['cpu']:>8.2f}{run['wall']:>8.2f}"
                         f"{sheets:>12}"
                         f"{s['calendar']:>10.0f}{s['gmail']:>9.0f}{run['round_trips']:>7.0f}")
    lines.append(f"(medians of {sizes[0]['unchanged']['runs']} runs each; "
                 f"{sizes[0]['latency'] * 1000:.0f} ms per round trip; Gmail in quota units; "
                 "edited = 1% of each data tab's rows)")
    lines.append("")
    lines.append("Registers kept in sync every 15 minutes, by what bounds them:")
    for res in sizes:
        for kind in ("unchanged", "edited"):
            bounds = limits(res[kind])
            parts = [f"{name} {value:,.0f}" + (f" ({why})" if why not in ("CPU", "wall")
                                                else "")
                     for name, (value, why) in bounds.items()]
            machine = min(bounds["cpu (2 processes)"][0], bounds["one Cloud project"][0])
            what = "CPU" if bounds["cpu (2 processes)"][0] <= bounds["one Cloud project"][0] \
                else "the project's quota"
            lines.append(f"  {res['n']:,} rows, {kind}: " + "; ".join(parts)
                         + f" -> one 2-core worker: {machine:,.0f} ({what})")
    for fleet in fleets:
        lines.append("")
        lines.append(f"A fleet of {fleet['registers']} registers of {fleet['n']:,} rows, one "
                     f"project, quotas enforced (minute = {fleet['window']:g} s):")
        for kind in ("unchanged", "edited"):
            f = fleet[kind]
            lines.append(f"  {kind}: {f['seconds']:.1f} s for the round "
                         f"({f['google_minutes']:.2f} Google minutes), {f['refusals']} "
                         f"refusals, {f['failed']} failed")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,5000", help="rows per tab")
    parser.add_argument("--registers", type=int, default=6,
                        help="registers in the fleet under quotas")
    parser.add_argument("--runs", type=int, default=3, help="runs of each kind (median)")
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds per round trip (default 0.05)")
    parser.add_argument("--window", type=float, default=20.0,
                        help="seconds standing for Google's minute in the fleet run")
    parser.add_argument("--quick", action="store_true",
                        help="the short profile: 30 rows, 2 registers, 1 run, 1 s minute")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.quick:
        sizes, args.registers, args.runs, args.window = [30], 2, 1, 1.0
    print(f"sheetsync fleet benchmark: fake Google APIs in a child process; Python "
          f"{sys.version.split()[0]}, {os.cpu_count()} CPUs\n", flush=True)
    results = [per_run(n, args.runs, args.latency) for n in sizes]
    fleets = [fleet_under_quotas(sizes[0], args.registers, args.window, args.latency)]
    if args.json:
        print(json.dumps({"sizes": results, "fleets": fleets}, indent=1))
    print(report(results, fleets))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
