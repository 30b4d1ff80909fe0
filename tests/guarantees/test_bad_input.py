"""Bad input: the corpus (corpus.py, 100+ odd rows) through every backend. Each row gets a
clear message or a correct result, never a crash; good rows beside them still sync;
values go back as plain text; no cell text adds an email header; drafts are plain text,
so HTML in a cell arrives as text; a second sync writes nothing."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import NOON_UTC, tables
from contract.harness import MemoryHarness
from contract.local_harness import LocalHarness
from corpus import CASES, CONTROLS, PARTNERS, Case
from google_harness import GoogleHarness
from icalendar import Calendar

from sheetsync.core.messages import build_message
from sheetsync.core.ports import DraftSpec
from sheetsync.core.schema import CHECKINS, REFERRALS
from sheetsync.core.schema import PARTNERS as PARTNERS_SPEC
from sheetsync.engine import run_sync

ID_COLUMN = {"Partners": "Partner ID", "Referrals": "Referral ID", "Check-ins": "Check-in ID"}
TOOL_COLUMNS = {spec.name: [c.name for c in spec.tool_columns]
                for spec in (PARTNERS_SPEC, REFERRALS, CHECKINS)}
# The headers a draft may carry, whatever the cells hold.
DRAFT_HEADERS = {"from", "to", "subject", "message-id", "x-sheetsync-ref", "date",
                 "mime-version", "content-type", "content-transfer-encoding", "x-unsent"}


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 100
    assert len({c.name for c in CASES}) == len(CASES)


def corpus_for(backend: str) -> tuple[dict[str, Any], dict[str, list[Case]]]:
    chosen = [c for c in CONTROLS + CASES if backend in c.backends]
    by_tab: dict[str, list[Case]] = {"Partners": [], "Referrals": [], "Check-ins": []}
    for case in chosen:
        by_tab[case.tab].append(case)
    register = tables(partners=[*PARTNERS, *(c.cells for c in by_tab["Partners"])],
                      referrals=[c.cells for c in by_tab["Referrals"]],
                      checkins=[c.cells for c in by_tab["Check-ins"]])
    return register, by_tab


@pytest.fixture(params=["memory", "local", "google"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "memory":
        return MemoryHarness()
    if request.param == "local":
        return LocalHarness(tmp_path)
    return GoogleHarness()


def rows_by_header(h: Any, title: str) -> list[dict[str, str]]:
    rows = h.tab(title)
    header = rows[0]
    return [dict(zip(header, r + [""] * (len(header) - len(r)), strict=True))
            for r in rows[1:]]


def test_corpus_syncs_on_every_backend(backend: Any) -> None:
    register, by_tab = corpus_for(backend.name)
    ws = backend.workspace(register)
    report = run_sync(ws, clock=NOON_UTC)  # never raises
    assert not report.write_refused and not report.tab_problems

    for title, cases in by_tab.items():
        rows = rows_by_header(backend, title)
        offset = len(PARTNERS) if title == "Partners" else 0
        assert len(rows) == offset + len(cases)
        for case, row in zip(cases, rows[offset:], strict=True):
            check_row(case, row)
        for row in rows:
            for column in TOOL_COLUMNS[title]:
                if column == ID_COLUMN[title]:
                    continue  # staff may type anything there (the corpus does)
                text = row.get(column, "")
                assert "\n" not in text and "\r" not in text, (title, column, text[:80])
                assert len(text) <= 2_000, (title, column, len(text))
    check_controls(backend)
    check_drafts(backend, ws, register)
    check_events(backend, ws)
    check_cells_are_text(backend)

    again = run_sync(ws, clock=NOON_UTC)
    assert again.cells_written == 0
    assert sum(again.created.values()) == sum(again.updated.values()) == 0


def check_row(case: Case, row: dict[str, str]) -> None:
    status = row["Sync status"]
    where = f"{case.tab} / {case.name}: {status[:200]!r}"
    assert status == "OK" or status.startswith("Needs attention: "), where
    if case.expect == "ok":
        assert status == "OK", where
    elif case.expect.startswith("problem:"):
        assert status.startswith("Needs attention: "), where
        assert case.expect.removeprefix("problem:") in status, where


def check_controls(h: Any) -> None:
    events, drafts = h.live_events(), h.live_drafts()
    for title in ("Check-ins", "Referrals", "Partners"):
        for row in rows_by_header(h, title):
            name = row.get("Client") or row.get("Name") or ""
            if name.startswith(("Control", "Dr Control")):
                assert row["Sync status"] == "OK", row
                key = row[ID_COLUMN[title]]
                assert key and any(k.startswith(key + "/") for k in [*events, *drafts]), row


def drafts_of(h: Any, ws: Any) -> list[EmailMessage]:
    """Every draft as the owner would open it."""
    if h.name == "memory":
        specs = [s for s in ws.mailbox.live().values() if isinstance(s, DraftSpec)]
        raw = [build_message(s).as_bytes() for s in specs]
    elif h.name == "local":
        raw = [p.read_bytes() for p in sorted(h.drafts.glob("*.eml"))]
    else:
        raw = [d.message.raw for d in h.fake.gmail.drafts.values()]
    out = []
    for data in raw:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        out.append(msg)
    return out


def check_drafts(h: Any, ws: Any, register: dict[str, Any]) -> None:
    messages = drafts_of(h, ws)
    assert messages
    saw_script = False
    for msg in messages:
        names = [k.lower() for k in msg]
        assert set(names) <= DRAFT_HEADERS, names  # no Bcc, no second Subject...
        for single in ("from", "to", "subject", "message-id"):
            assert names.count(single) == 1, (single, names)
        for key, value in msg.items():
            assert "\n" not in str(value) and "\r" not in str(value), (key, value)
        for field in ("To", "From"):  # one recipient, never one smuggled in by a cell
            addresses = msg[field].addresses
            assert len(addresses) == 1, (field, str(msg[field]))
            assert "evil.example" not in addresses[0].addr_spec, str(msg[field])
        assert msg.get_content_type() == "text/plain" and not msg.is_multipart()
        body = msg.get_content()
        assert isinstance(body, str)
        if "<script>alert('x')</script>" in body:
            saw_script = True  # as text, in a text/plain draft: shown, never run
    # The one row whose reason carries a script (with consent) reached a draft as text.
    has_case = any("script tag" in c.name for c in CASES if h.name in c.backends)
    if has_case:
        assert saw_script


def check_events(h: Any, ws: Any) -> None:
    if h.name == "local":
        cal = Calendar.from_ical(h.ics.read_bytes())
        events = list(cal.walk("VEVENT"))
        keys = [str(e.get("X-SHEETSYNC-KEY")) for e in events]
        assert len(keys) == len(set(keys)) == len(h.live_events())
        for event in events:  # a line break in a cell never starts a new property
            assert not [k for k in event if k.upper() in ("ATTENDEE", "ORGANIZER", "RRULE")]
    elif h.name == "google":
        for event in h.fake.calendar.events("primary"):
            assert "attendees" not in event  # nobody is ever invited


def check_cells_are_text(h: Any) -> None:
    """Every cell sheetsync wrote is plain text, never a formula, and staff cells that
    look like formulas are still exactly what staff typed."""
    if h.name == "local":
        wb = openpyxl.load_workbook(h.xlsx)
        for title in ("Partners", "Referrals", "Check-ins"):
            ws = wb[title]
            header = [c.value for c in ws[1]]
            for name in [*TOOL_COLUMNS[title], ID_COLUMN[title]]:
                col = header.index(name) + 1
                for row in range(2, ws.max_row + 1):
                    cell = ws.cell(row, col)
                    assert cell.value is None or cell.data_type == "s", \
                        (title, name, row, cell.value)
        clients = [c.value for c in wb["Check-ins"]["B"]]
        assert "=1+1" in clients  # still the text a person typed
    elif h.name == "google":
        spreadsheet = h.fake.sheets.spreadsheets[h.sid]
        for sheet in spreadsheet.sheets:
            for row in sheet.cells:
                for cell in row:
                    assert cell is None or cell.formula is None, (sheet.title, cell)
