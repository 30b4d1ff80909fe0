"""A title row above the headers (issue 17, item 8): the tab is read from its header row
and every status lands in its own row, on the local and the Google register alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from builders import NOON_UTC, PARTNER, referral, tables
from contract.harness import Harness
from contract.local_harness import LocalHarness
from google_harness import GoogleHarness

from sheetsync.engine import run_sync

TITLE = "Referrals 2026: keep this up to date!"


@pytest.fixture(params=["local", "google"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Harness:
    if request.param == "local":
        return LocalHarness(tmp_path)
    return GoogleHarness()


def register() -> dict[str, Any]:
    data = tables(partners=[PARTNER],
                  referrals=[referral(Client=name) for name in ("Al Ames", "Bo Bell",
                                                                "Cy Cole")])
    data["Referrals"] = [[TITLE], [], *data["Referrals"]]  # a title, a blank line
    return data


def test_statuses_land_below_a_title_row(harness: Harness) -> None:
    h = harness
    ws = h.workspace(register())
    report = run_sync(ws, clock=NOON_UTC)
    assert not report.tab_problems and report.rows_read["Referrals"] == 3
    assert report.rows_with_problems == 0
    rows = h.tab("Referrals")
    assert rows[0][0] == TITLE and not any(rows[1])
    header = rows[2]
    client, rid, status = (header.index(c) for c in ("Client", "Referral ID", "Sync status"))
    by_client = {r[client]: r for r in rows[3:]}
    assert sorted(by_client) == ["Al Ames", "Bo Bell", "Cy Cole"]
    assert [by_client[n][rid] for n in ("Al Ames", "Bo Bell", "Cy Cole")] == \
        ["R-0001", "R-0002", "R-0003"]
    assert all(r[status] for r in rows[3:])
    assert len(h.live_drafts()) >= 3  # a thank-you each
    # Sorted by staff below the title: the next run follows each row by its ID.
    h.insert_row("Referrals", 4, [])
    again = run_sync(ws, clock=NOON_UTC)
    assert again.created["event"] == again.created["draft"] == 0
    assert not again.tab_problems
