"""What a draft carries out to the partner when the owner sends it (issue 17 item 14):
nothing that names the row or the purpose (no ``X-Sheetsync-Key: R-0001/thank-you``).
sheetsync finds its drafts by an opaque reference (the digest in the Message-ID), and
drafts made before, which carry the old header, are still found: no duplicates after the
upgrade."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from builders import NOON_UTC, PARTNER, checkin, referral, tables
from google_harness import GoogleHarness

from sheetsync.backends.google.lease import LOCK_TAB
from sheetsync.core.schema import STATE_TAB
from sheetsync.engine import run_sync

LEGACY_HEADER = "X-Sheetsync-Key"
REGISTER = dict(partners=[PARTNER],
                referrals=[referral(), referral(Client="Bo Berg", **{"Consent to share": "Yes"})],
                checkins=[checkin(**{"Client email": "al@x.example"})])


def revealing(headers: dict[str, str]) -> list[str]:
    """Header lines that name a row ID, a purpose or sheetsync's key."""
    bad = []
    for name, value in headers.items():
        if name.lower() == LEGACY_HEADER.lower() or any(
                word in value for word in ("R-0", "C-0", "P-0", "thank-you", "aftercare")):
            bad.append(f"{name}: {value}")
    return bad


def test_a_sent_google_draft_carries_no_row_key() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(**REGISTER))
    run_sync(ws, clock=NOON_UTC)
    drafts = h.fake.gmail.draft_list()
    assert len(drafts) >= 2
    for draft in drafts:
        assert revealing(draft["headers"]) == [], draft["headers"]
        h.fake.gmail.owner_sends_draft(draft["draft_id"])
    for message in h.fake.gmail.message_list("SENT"):
        assert revealing(message["headers"]) == [], message["headers"]


def test_a_local_draft_file_carries_no_row_key(tmp_path: Path) -> None:
    from contract.local_harness import LocalHarness

    h = LocalHarness(tmp_path)
    run_sync(h.workspace(tables(**REGISTER)), clock=NOON_UTC)
    files = sorted(h.drafts.glob("*.eml"))
    assert files
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        headers = {k: str(v) for k, v in message.items()}
        assert revealing(headers) == [], headers


def old_style(raw: bytes, key: str, message_id: str | None = None) -> bytes:
    """The draft as an earlier sheetsync wrote it: with the readable key header (and,
    when ``message_id`` is given, a Message-ID Gmail rewrote)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    for name in ("X-Sheetsync-Ref", LEGACY_HEADER):
        del message[name]
    message[LEGACY_HEADER] = key
    if message_id is not None:
        del message["Message-ID"]
        message["Message-ID"] = message_id
    return message.as_bytes()


def test_drafts_made_before_the_upgrade_are_found_not_duplicated() -> None:
    """Drafts that carry the old header, found with the state lost (the hardest case:
    only their header says whose they are), are updated, not made again; an update
    writes them without the old header."""
    h = GoogleHarness()
    ws = h.workspace(tables(**REGISTER))
    run_sync(ws, clock=NOON_UTC)
    keys = sorted(h.live_drafts())
    gmail = h.fake.gmail
    with h.fake.lock:
        for n, (key, draft) in enumerate(sorted(h._drafts().items())):
            stored = gmail.drafts[draft["draft_id"]]
            gmail._replace_draft_message(
                stored, old_style(stored.message.raw, key, f"<old{n}@mail.gmail.com>"), None)
    assert all(d["headers"].get(LEGACY_HEADER) for d in gmail.draft_list())
    before = len(gmail.draft_list())
    # The state is lost, and a staff edit makes every draft's text change.
    h.fake.sheets.delete_sheet(h.sid, STATE_TAB)
    h.set_cell("Referrals", 2, "Reason", "acne")
    report = run_sync(h.open(), clock=NOON_UTC)
    assert report.failed == 0
    assert len(gmail.draft_list()) == before  # found and rewritten, none made again
    assert not any(d["headers"].get(LEGACY_HEADER) for d in gmail.draft_list())
    assert sorted(h.live_drafts()) == keys
    assert LOCK_TAB not in [s.title for s in h.fake.sheets.spreadsheets[h.sid].sheets]
