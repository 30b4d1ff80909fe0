"""An unchanged run asks Gmail only what changed since the last write's history id
(``ports.ListsNews``: ``users.history.list``): one request at any size, whatever the
number of drafts. A history id Gmail no longer accepts (404) means one full check and a
new id; sheetsync's own writes are not news; what the owner does in Gmail is."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from builders import NOON_UTC, TODAY
from google_harness import GoogleHarness

from sheetsync.core.state import SyncState
from sheetsync.engine import SyncReport, run_sync
from sheetsync.testing.bulk import bulk_register


def _register(rows: int) -> tuple[GoogleHarness, Any]:
    h = GoogleHarness()
    typed = {t: [[("'" + c) if isinstance(c, str) and c else c for c in row] for row in data]
             for t, data in bulk_register(rows, TODAY).items()}
    h.sid = h.fake.sheets.create_spreadsheet("Clinic register", typed)
    return h, h.open()


def _run(h: GoogleHarness, ws: Any) -> tuple[SyncReport, dict[str, int]]:
    """A sync, and its Gmail requests by method (each part of a batch counts)."""
    h.fake.reset_counters()
    report = run_sync(ws, clock=NOON_UTC)
    gmail = {method.removeprefix("gmail.users."): n
             for (api, method), n in h.fake.calls.items() if api == "gmail"}
    return report, gmail


def _state(h: GoogleHarness) -> SyncState:
    return SyncState.from_rows(h.tab("_sheetsync_state"))


def _token(h: GoogleHarness) -> str:
    return _state(h).news.get("mail", "")


@pytest.mark.parametrize("rows", [100, 1000])
def test_an_unchanged_run_asks_gmail_once_at_any_size(rows: int) -> None:
    h, ws = _register(rows)
    first, _ = _run(h, ws)
    drafts = len(h.live_drafts())
    assert first.failed == 0 and drafts >= rows // 10  # hundreds of drafts at 1,000 rows
    assert _token(h), "the first sync keeps a history id past its own drafts"
    for _ in range(2):
        report, gmail = _run(h, ws)
        assert report.steady and report.cells_written == 0
        assert gmail == {"history.list": 1}  # at most 2 (issue 18); 1 at any size
        (listing,) = [r for r in h.fake.log if r.api == "gmail"]
        assert listing.query["startHistoryId"] == [_token(h)]


def test_an_expired_history_id_means_one_full_check_then_one_request_again() -> None:
    h, ws = _register(40)
    run_sync(ws, clock=NOON_UTC)
    old = _token(h)
    h.fake.gmail.expire_history()
    key = next(iter(h.live_drafts()))
    h.delete_draft(key)  # a change, so this run writes (and keeps the new id)
    report, gmail = _run(h, ws)
    asked = [r.method_id.removeprefix("gmail.users.") for r in h.fake.log if r.api == "gmail"]
    # The history id is refused (404): the id to start from next, then the full check.
    assert asked[:3] == ["history.list", "getProfile", "drafts.list"]
    assert gmail["getProfile"] == 1
    assert _state(h).objects[key].status == "deleted"
    assert _token(h) and _token(h) != old
    report, gmail = _run(h, ws)
    assert gmail == {"history.list": 1} and report.cells_written == 0


def test_an_expired_history_id_on_an_unchanged_run_concludes_nothing_wrong() -> None:
    h, ws = _register(40)
    run_sync(ws, clock=NOON_UTC)
    drafts = h.live_drafts()
    h.fake.gmail.expire_history()
    report, gmail = _run(h, ws)
    assert report.created["draft"] == 0 and report.failed == 0
    assert gmail.get("drafts.create", 0) == 0 and h.live_drafts() == drafts


def test_the_mailboxs_own_writes_are_not_news() -> None:
    h, ws = _register(40)
    run_sync(ws, clock=NOON_UTC)
    # Staff edit every partner's name: sheetsync rewrites their drafts (drafts.update:
    # in Gmail a new message each, the old one deleted).
    partners = h.tab("Partners")
    name = partners[0].index("Name")
    with_drafts = {k.rsplit("/", 1)[0] for k in h.live_drafts()}
    ids = partners[0].index("Partner ID")
    edited = 0
    for number, row in enumerate(partners[1:], start=2):
        if len(row) > ids and row[ids] in with_drafts:
            h.set_cell("Partners", number, "Name", row[name] + " Jr")
            edited += 1
    assert edited
    report, gmail = _run(h, ws)
    assert report.updated["draft"] >= edited and report.failed == 0
    # The token kept is past the run's own writes: the history after it names nothing.
    assert _token(h) == str(h.fake.gmail.history.current)
    report, gmail = _run(h, ws)
    assert gmail == {"history.list": 1} and report.steady
    # Gmail's message id of each write is kept: an older token's history names them,
    # and they are known for sheetsync's own (test below).
    assert all(r.written for r in _state(h).objects.values()
               if r.kind == "draft" and r.status == "active")


def test_an_older_token_names_own_writes_and_still_costs_one_request() -> None:
    h, ws = _register(40)
    start = str(h.fake.gmail.history.current)
    run_sync(ws, clock=NOON_UTC)
    ws.mailbox.since(start)  # as if the first run's own drafts were news
    observed = ws.mailbox.observe([r.known() for r in _state(h).objects.values()
                                   if r.kind == "draft" and r.status == "active"])
    assert observed and {o.presence.value for o in observed.values()} == {"present"}
    assert h.fake.calls["gmail", "gmail.users.threads.get"] == 0


@pytest.mark.parametrize("act", ["send", "edit", "delete"])
def test_what_the_owner_does_in_gmail_comes_through_the_history(act: str) -> None:
    h, ws = _register(40)
    run_sync(ws, clock=NOON_UTC)
    run_sync(ws, clock=NOON_UTC)
    key = next(iter(h.live_drafts()))
    if act == "send":
        h.send_draft(key, TODAY)
    elif act == "edit":
        h.edit_draft(key, "Dear Carol, a PS from me.")
    else:
        h.delete_draft(key)
    _report, gmail = _run(h, ws)
    # The history, the one thread it named, and when the run rewrote drafts (this week's
    # digest) their threads first (edited by the owner since?) and the history once more
    # to keep a token past them; never the whole drafts listing.
    assert "drafts.list" not in gmail and gmail["history.list"] <= 2
    rewritten = gmail.get("drafts.update", 0) + gmail.get("drafts.delete", 0)
    assert gmail["threads.get"] == 1 + rewritten
    status = _state(h).objects[key].status
    assert status == {"send": "sent", "edit": "active", "delete": "deleted"}[act]
    if act == "edit":
        # Edited by the owner: a later change to the row leaves it as they made it.
        assert h.draft_body(key).strip() == "Dear Carol, a PS from me."
    again, gmail = _run(h, ws)
    assert again.cells_written == 0 and gmail["history.list"] == 1
    # (An edit changes nothing in the register, so no write keeps a newer token: the
    # thread is read again until the next write, still 2 requests.)
    assert sum(gmail.values()) <= 2 and gmail.get("threads.get", 0) == (act == "edit")


def test_an_edited_draft_is_never_overwritten_after_history_told_it() -> None:
    h, ws = _register(40)
    run_sync(ws, clock=NOON_UTC)
    run_sync(ws, clock=NOON_UTC)
    key = next(k for k in h.live_drafts() if k.startswith("P-"))
    h.edit_draft(key, "Dear Carol, my own words.")
    row = next(i for i, r in enumerate(h.tab("Partners")[1:], start=2)
               if r and r[h.header("Partners").index("Partner ID")] == key.rsplit("/", 1)[0])
    h.set_cell("Partners", row, "Name", "Dr Carol Webster-Smith")
    report, gmail = _run(h, ws)
    assert report.failed == 0
    assert h.draft_body(key).strip() == "Dear Carol, my own words."
    # Told by the thread the history named (its draft has a new message id): no listing.
    assert report.left_edited == 1 and "drafts.list" not in gmail
    assert _state(h).objects[key].status == "edited"


def test_an_edit_told_by_an_earlier_run_still_protects_the_draft() -> None:
    """The state keeps sheetsync's last write, not the owner's edit: once a later token
    has passed the edit, a rewrite reads the draft's thread first and leaves it."""
    h, ws = _register(40)
    run_sync(ws, clock=NOON_UTC)
    key = next(k for k in h.live_drafts() if k.startswith("P-"))
    h.edit_draft(key, "Dear Carol, my own words.")
    h.delete_draft(next(k for k in h.live_drafts() if k != key))  # news: this run writes
    report, _gmail = _run(h, ws)
    assert report.cells_written and _token(h) == str(h.fake.gmail.history.current)
    ids = h.header("Partners").index("Partner ID")
    rows = {r[ids]: i for i, r in enumerate(h.tab("Partners")[1:], start=2) if len(r) > ids}
    h.set_cell("Partners", rows[key.rsplit("/", 1)[0]], "Name", "Dr Carol Webster-Smith")
    report, gmail = _run(h, ws)
    assert report.left_edited == 1 and "drafts.list" not in gmail
    assert h.draft_body(key).strip() == "Dear Carol, my own words."


def test_mail_that_is_not_sheetsyncs_is_skipped_a_page_of_500_at_a_time() -> None:
    h, ws = _register(40)
    run_sync(ws, clock=NOON_UTC)
    for i in range(520):  # a busy week of other mail: arrives, is read
        note = EmailMessage()
        note["From"], note["To"] = f"someone{i}@mail.example", h.fake.owner
        note["Subject"], note["Message-ID"] = f"Question {i}", f"<q{i}@mail.example>"
        note.set_content("Hello")
        got = h.fake.gmail.receive(note.as_bytes())
        if i % 2:
            h.fake.gmail.relabel(got, remove=("UNREAD",))
    report, gmail = _run(h, ws)
    assert report.steady and gmail == {"history.list": 2}  # 780 changes: 2 pages, no thread


@pytest.mark.parametrize("runs_between", [1, 2])
@pytest.mark.parametrize("token_moves", [False, True])
def test_a_draft_the_owner_edited_then_deleted_is_seen_deleted(runs_between: int,
                                                               token_moves: bool) -> None:
    """Gmail gives an edited draft a new message id; the state keeps sheetsync's own
    write. Once a later token has passed the edit, the history names only the deletion
    of that new message: it is still news of the known draft."""
    h, ws = _register(40)
    run_sync(ws, clock=NOON_UTC)
    run_sync(ws, clock=NOON_UTC)
    key = next(k for k in h.live_drafts() if k.startswith("P-"))
    h.edit_draft(key, "Dear Carol, my own words.")
    if token_moves:  # other news, so the run writes and its token passes the edit
        h.delete_draft(next(k for k in h.live_drafts() if k != key))
    for _ in range(runs_between):
        report, _gmail = _run(h, ws)
        assert report.failed == 0
        assert _state(h).objects[key].status == "active"
    if token_moves:
        assert _token(h) == str(h.fake.gmail.history.current)
    h.delete_draft(key)
    report, gmail = _run(h, ws)
    assert report.failed == 0 and "drafts.list" not in gmail
    assert _state(h).objects[key].status == "deleted"
    again, gmail = _run(h, ws)
    assert again.cells_written == 0 and gmail.get("drafts.list", 0) == 0
