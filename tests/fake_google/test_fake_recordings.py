"""Replay real recorded gspread <-> Sheets/Drive exchanges against the fake.

The cassettes in ../shared/google-recordings (vcrpy, from gspread's test suite) are the
ground truth for response shapes: every request is sent to the fake, ids created along the
way are mapped, and the fake's answer must have the recorded status and key structure.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sheetsync.testing.fake_google import FakeGoogle

RECORDINGS = Path("/work/shared/google-recordings")
CASSETTES = sorted(RECORDINGS.glob("*.json")) if RECORDINGS.is_dir() else []

pytestmark = pytest.mark.skipif(not CASSETTES, reason="no recordings folder")

# Where the fake knowingly answers with more than the recording shows (documented gaps):
# Google's addProtectedRange reply lists no editors, only a later get does.
EXTRA_KEYS_OK = {"replies[].addProtectedRange.protectedRange.editors": {"users"}}


def shape(value: Any) -> Any:
    """Key structure and JSON types of a value (lists: the shape of their first item)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def compare(recorded: Any, ours: Any, path: str, problems: list[str]) -> None:
    if isinstance(recorded, dict) and isinstance(ours, dict):
        missing = recorded.keys() - ours.keys()
        extra = ours.keys() - recorded.keys() - EXTRA_KEYS_OK.get(path, set())
        if missing:
            problems.append(f"{path}: missing keys {sorted(missing)}")
        if extra:
            problems.append(f"{path}: unexpected keys {sorted(extra)}")
        for key in recorded.keys() & ours.keys():
            compare(recorded[key], ours[key], f"{path}.{key}" if path else key, problems)
    elif isinstance(recorded, list) and isinstance(ours, list):
        if recorded and ours:
            compare(recorded[0], ours[0], f"{path}[]", problems)
        elif bool(recorded) != bool(ours):
            problems.append(f"{path}: recorded {recorded!r}, fake {ours!r}")
    elif recorded != ours:
        problems.append(f"{path}: recorded {recorded!r}, fake {ours!r}")


def remap(value: Any, ids: dict[Any, Any]) -> Any:
    if isinstance(value, dict):
        return {k: remap(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [remap(v, ids) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value in ids:
        return ids[value]
    return value


def learn_ids(recorded: Any, ours: Any, ids: dict[Any, Any]) -> None:
    """Pair up server-assigned ids (spreadsheet, sheet, protected range) by position."""
    if isinstance(recorded, dict) and isinstance(ours, dict):
        for key in recorded.keys() & ours.keys():
            if key in ("id", "sheetId", "protectedRangeId") and recorded[key] != ours[key]:
                ids[recorded[key]] = ours[key]
            else:
                learn_ids(recorded[key], ours[key], ids)
    elif isinstance(recorded, list) and isinstance(ours, list):
        for r, o in zip(recorded, ours, strict=False):
            learn_ids(r, o, ids)


def replay(cassette: Path) -> tuple[int, list[str]]:
    fake = FakeGoogle()
    ids: dict[Any, Any] = {}
    problems: list[str] = []
    interactions = json.loads(cassette.read_text())["interactions"]
    for n, interaction in enumerate(interactions):
        request, response = interaction["request"], interaction["response"]
        uri = request["uri"]
        for old, new in ids.items():
            if isinstance(old, str):
                uri = uri.replace(old, new)
        body = request.get("body")
        payload = None
        if body:
            payload = json.dumps(remap(json.loads(body), ids)).encode()
        got = fake.handle(request["method"], uri,
                          {"Authorization": "Bearer recorded", "Content-Type": "application/json"},
                          payload)
        where = f"#{n} {request['method']} {uri.split('?')[0][-60:]}"
        if got.status != response["status"]["code"]:
            problems.append(f"{where}: status {got.status}, recorded {response['status']['code']}"
                            f" ({got.body[:200]!r})")
            continue
        text = response["body"]["string"]
        if not text:
            continue
        recorded, ours = json.loads(text), json.loads(got.body)
        learn_ids(recorded, ours, ids)
        found: list[str] = []
        compare(shape(recorded), shape(ours), "", found)
        problems += [f"{where}: {p}" for p in found]
    return len(interactions), problems


@pytest.mark.parametrize("cassette", CASSETTES, ids=lambda p: p.stem)
def test_recorded_exchange_replays_with_same_structure(cassette: Path) -> None:
    count, problems = replay(cassette)
    assert count > 0
    assert problems == []


def test_recorded_values_match_too() -> None:
    """Beyond structure: the date/time render options give the recorded values."""
    cassette = RECORDINGS / "WorksheetTest.test_get_all_values_date_time_render_options.json"
    if not cassette.exists():
        pytest.skip("recording missing")
    fake = FakeGoogle()
    ids: dict[Any, Any] = {}
    for interaction in json.loads(cassette.read_text())["interactions"]:
        request, response = interaction["request"], interaction["response"]
        uri = request["uri"]
        for old, new in ids.items():
            uri = uri.replace(old, new)
        body = request.get("body")
        got = fake.handle(request["method"], uri, {"Authorization": "Bearer recorded"},
                          body.encode() if body else None)
        text = response["body"]["string"]
        if not text:
            continue
        recorded, ours = json.loads(text), json.loads(got.body)
        if request["method"] == "POST" and "drive/v3/files" in uri:
            ids[recorded["id"]] = ours["id"]
        if "/values/" in uri and request["method"] == "GET":
            assert ours == recorded, uri
