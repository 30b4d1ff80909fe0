"""What an unchanged run costs, by API, at 100 to 50,000 rows per tab (issue 18).

    python benchmarks/unchanged_benchmark.py [--sizes 100,1000,10000,50000] [--json]

Most cron runs find the register as the last one left it; such a run must cost the same at
any size: **1 Sheets request, at most 1 Calendar request and at most 2 Gmail requests**
(Calendar's ``events.list?syncToken=``, Gmail's ``history.list`` from the stored history
id). For each size (each in its own process, so memory does not carry over):

1. a register of ``n`` rows per data tab (``sheetsync.testing.bulk``: partners, referrals
   and check-ins as a busy clinic has them) is built in the in-process fake Google APIs,
   with no latency and no quotas (only requests are counted here; the quota-paced first
   sync is ``sync_benchmark.py``'s job);
2. **the register is brought to the state a finished first sync leaves** by running that
   first sync itself through the Google backend (gspread and google-api-python-client, as
   in production): it makes every event and draft in the fake, writes the statuses and
   the state tab with Calendar's ``syncToken`` and Gmail's history id. Nothing is seeded
   by hand, so the state is exactly a real one; at 50,000 rows per tab that takes a few
   minutes of CPU (it is not part of what is measured);
3. two unchanged syncs are run and the second one is counted (the first may still take a
   token past the first sync's own changes): requests by API as Google counts them (each
   part of a batch counts) and round trips (HTTP requests as sent; a batch counts once),
   (the JSON output adds the run's wall and CPU time, the in-process fake's work
   included: the client's own are in ``sync_benchmark.py --mode latency`` and
   ``fleet_benchmark.py``).

The table it prints is the one in README, Performance. The budget lines check the target
at every size. ``tests/test_benchmark_smoke.py`` runs it at small sizes on every test run,
so the request counts cannot regress.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TODAY = dt.date(2026, 11, 22)
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc)
APIS = ("sheets", "calendar", "gmail")
# The target of issue 18: requests of an unchanged run, by API, at any size.
TARGET = {"sheets": 1, "calendar": 1, "gmail": 2}


def clock() -> dt.datetime:
    return NOW


def register(n: int) -> tuple[Any, Any]:
    """A fake Google with an ``n``-rows-per-tab register, and its workspace."""
    from sheetsync.backends.google import open_google_workspace
    from sheetsync.backends.google.auth import SCOPES
    from sheetsync.core.config import GoogleConfig
    from sheetsync.testing.bulk import bulk_register
    from sheetsync.testing.fake_google import FakeGoogle

    fake = FakeGoogle(scopes=SCOPES)
    fake.keep_log = False  # the log would hold every request body
    typed = {title: [["'" + c if isinstance(c, str) and c else c for c in row]
                     for row in rows]
             for title, rows in bulk_register(n, TODAY).items()}
    sid = fake.sheets.create_spreadsheet("Clinic register", typed, row_count=n + 50)
    ws = open_google_workspace(GoogleConfig(spreadsheet=sid), Path("."),
                               session=fake.requests_session(), http=fake.http())
    return fake, ws


def counted(fake: Any) -> dict[str, dict[str, int]]:
    """Requests (batch parts count) and round trips, by API, since the last reset."""
    requests = dict.fromkeys(APIS, 0)
    for (api, _method), n in fake.calls.items():
        requests[api] = requests.get(api, 0) + n
    trips = {api: int(fake.round_trips.get(api, 0)) for api in APIS}
    methods: dict[str, int] = {}
    for (_api, method), n in sorted(fake.calls.items()):
        methods[method] = methods.get(method, 0) + n
    return {"requests": requests, "round_trips": trips, "methods": methods}


def one_size(n: int) -> dict[str, Any]:
    from sheetsync.engine import run_sync

    fake, ws = register(n)
    started = time.perf_counter()
    first = run_sync(ws, clock=clock)
    setup_s = time.perf_counter() - started
    run_sync(ws, clock=clock)  # may still take a token past the first sync's changes
    fake.reset_counters()
    wall, cpu = time.perf_counter(), time.process_time()
    report = run_sync(ws, clock=clock)
    out: dict[str, Any] = {
        "n": n, "events": first.created["event"], "drafts": first.created["draft"],
        "first_sync_s": setup_s, "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu, "steady": bool(report.steady),
        "cells_written": report.cells_written, "failed": report.failed}
    out.update(counted(fake))
    return out


def in_subprocess(n: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--one", str(n)], check=True,
                          capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def table(results: Sequence[dict[str, Any]]) -> str:
    lines = [f"{'rows/tab':>9}{'events':>8}{'drafts':>8}{'Sheets':>8}{'Calendar':>10}"
             f"{'Gmail':>7}{'trips':>7}  Calendar/Gmail methods"]
    for res in results:
        req, trips = res["requests"], res["round_trips"]
        methods = ", ".join(f"{m.split('.', 1)[1]} {k}" for m, k in res["methods"].items()
                            if not m.startswith("sheets"))
        lines.append(f"{res['n']:>9,}{res['events']:>8,}{res['drafts']:>8,}"
                     f"{req['sheets']:>8}{req['calendar']:>10}{req['gmail']:>7}"
                     f"{sum(trips.values()):>7}  {methods}")
    lines.append("(requests as Google counts them: each part of a batch; trips = HTTP "
                 "round trips; no latency)")
    return "\n".join(lines)


def budget(results: Sequence[dict[str, Any]]) -> list[str]:
    lines = []
    for res in results:
        req = res["requests"]
        ok = all(req[api] <= most for api, most in TARGET.items()) and req["sheets"] == 1
        quiet = res["cells_written"] == 0 and res["failed"] == 0
        lines.append(f"[{'ok' if ok and quiet else 'MISSED'}] {res['n']:,} rows: "
                     f"{req['sheets']} Sheets, {req['calendar']} Calendar, {req['gmail']} "
                     f"Gmail requests (target 1, <=1, <=2); {res['cells_written']} cells "
                     "written")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000,50000", help="rows per tab")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_size(args.one)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(f"sheetsync, an unchanged run by API (in-process fake Google, no latency); Python "
          f"{sys.version.split()[0]}, {os.cpu_count()} CPUs\n", flush=True)
    results = []
    for n in sizes:
        results.append(in_subprocess(n))
        print(f"  {n:,} rows per tab: the first sync (setting up) took "
              f"{results[-1]['first_sync_s']:.0f} s", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(results, indent=1))
    print(table(results))
    print("\nBudget")
    print("\n".join(budget(results)))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
