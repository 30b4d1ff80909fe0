"""`sheetsync doctor` on the Google backend, against the fake."""

from __future__ import annotations

import io
import json
from pathlib import Path

from builders import tables
from google_harness import GoogleHarness

from sheetsync.backends.google import open_google_workspace
from sheetsync.backends.google.auth import SCOPES
from sheetsync.cli.doctor import run_doctor
from sheetsync.core.config import Config


def setup(tmp_path: Path, harness: GoogleHarness, spreadsheet: str) -> Path:
    (tmp_path / "token.json").write_text(json.dumps({
        "token": "t", "refresh_token": "r", "client_id": "c", "client_secret": "s",
        "token_uri": "https://oauth2.googleapis.com/token", "scopes": list(SCOPES),
        "expiry": "2999-01-01T00:00:00Z"}))
    (tmp_path / "token.json").chmod(0o600)
    config = tmp_path / "sheetsync.toml"
    config.write_text(f'backend = "google"\n[google]\nspreadsheet = "{spreadsheet}"\n')
    return config


def opener(harness: GoogleHarness):  # type: ignore[no-untyped-def]
    def open_ws(config: Config):  # type: ignore[no-untyped-def]
        return open_google_workspace(config.google, config.base_dir,
                                     session=harness.fake.requests_session(),
                                     http=harness.fake.http(), policy=harness.policy)
    return open_ws


def test_doctor_all_good_on_a_laid_out_sheet(tmp_path: Path) -> None:
    harness = GoogleHarness()
    harness.workspace(tables())
    config = setup(tmp_path, harness, harness.sid)
    out = io.StringIO()
    assert run_doctor(str(config), out, opener(harness)) == 0
    text = out.getvalue()
    for step in ("Config file", "Credentials", "Register", "Tabs and headers", "Calendar",
                 "Mailbox"):
        assert f"✓ {step}" in text
    assert "All good" in text


def test_doctor_stops_at_the_first_failure_with_advice(tmp_path: Path) -> None:
    harness = GoogleHarness()
    harness.workspace(tables())
    config = setup(tmp_path, harness, "1NotSharedWithThisAccount000000000000000000")
    out = io.StringIO()
    assert run_doctor(str(config), out, opener(harness)) == 2
    text = out.getvalue()
    assert "✓ Credentials" in text and "✗ Register" in text and "What to do" in text
    assert "Tabs and headers" not in text


def test_doctor_names_a_missing_column(tmp_path: Path) -> None:
    harness = GoogleHarness()
    t = tables()
    t["Referrals"][0] = [h for h in t["Referrals"][0] if h != "Direction"]
    harness.workspace(t)
    out = io.StringIO()
    assert run_doctor(str(setup(tmp_path, harness, harness.sid)), out, opener(harness)) == 2
    assert "✗ Tabs and headers: Tab 'Referrals' has no column 'Direction'" in out.getvalue()
