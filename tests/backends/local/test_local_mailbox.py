"""EmlMailbox: drafts as .eml files; a person moves a file to sent/ once it is sent."""

from __future__ import annotations

import datetime as dt
import email
import os
from email.policy import default as default_policy
from pathlib import Path

import pytest

from sheetsync.backends.local import EmlMailbox, draft_file_name
from sheetsync.core.messages import message_id_for, ref_of
from sheetsync.core.ports import Change, DraftSpec, Known, Presence

NOW = dt.datetime(2026, 11, 22, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def spec(key: str = "R-0003/thank-you", body: str = "Dear Carol,\n\nThank you!\n") -> DraftSpec:
    return DraftSpec(key=key, message_id=message_id_for("local:register.xlsx", key,
                                                         "lumen-clinic.example"),
                     sender_name="Sam Patel", sender_email="sam@lumen-clinic.example",
                     to_name="Dr Carol Webster", to_email="carol@websterderm.example",
                     subject="Thank you for the referral", body=body)


@pytest.fixture
def box(tmp_path: Path) -> EmlMailbox:
    return EmlMailbox(tmp_path / "drafts", tmp_path / "sent", clock=lambda: NOW)


def read_message(path: Path) -> email.message.EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    assert isinstance(message, email.message.EmailMessage)
    return message


@pytest.mark.parametrize(("key", "name"), [
    ("R-0003/thank-you", "R-0003_thank-you.eml"),
    ("P-0002/nurture-2", "P-0002_nurture-2.eml"),
])
def test_file_names_from_keys(key: str, name: str) -> None:
    assert draft_file_name(key) == name


@pytest.mark.parametrize("key", ["../../etc/passwd", "a\\b:c*?\"<>|", "CON", "x" * 300, "",
                                 "R-1/ünïcode ✓", " .hidden", "nul.txt/x"])
def test_odd_keys_give_safe_distinct_names(key: str) -> None:
    name = draft_file_name(key)
    stem = name.removesuffix(".eml")
    assert name.endswith(".eml") and stem
    assert all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in stem)
    assert not stem.startswith(".") and len(name) <= 100
    assert stem.split(".")[0].upper() not in {"CON", "NUL", "PRN", "AUX"}
    assert draft_file_name(key + "!") != name


def test_create_writes_parseable_draft(box: EmlMailbox) -> None:
    s = spec()
    [result] = box.apply([Change("create", s)])
    assert result.ok and result.remote_id == "R-0003_thank-you.eml"
    path = box.drafts_dir / "R-0003_thank-you.eml"
    message = read_message(path)
    assert message["Message-ID"] == s.message_id
    assert message["X-Unsent"] == "1"
    assert message["Subject"] == s.subject
    assert message["To"].addresses[0].addr_spec == "carol@websterderm.example"
    assert message["X-Sheetsync-Key"] is None  # the row's key never goes out
    assert message["X-Sheetsync-Ref"] == ref_of(s.message_id) != ""
    assert message["Date"].datetime == NOW
    assert message.get_content().replace("\r\n", "\n") == s.body
    assert b"\r\n" in path.read_bytes()
    assert box.observe([Known(s.key, result.remote_id)])[s.key].presence is Presence.PRESENT


def test_update_rewrites_draft_in_place(box: EmlMailbox) -> None:
    s = spec()
    box.apply([Change("create", s)])
    changed = spec(body="Dear Carol,\n\nThank you so much!\n")
    [result] = box.apply([Change("update", changed, Known(s.key, "R-0003_thank-you.eml"))])
    assert result.ok
    files = list(box.drafts_dir.iterdir())
    assert [p.name for p in files] == ["R-0003_thank-you.eml"]
    assert read_message(files[0]).get_content().replace("\r\n", "\n") == changed.body


def test_create_again_overwrites_without_duplicate(box: EmlMailbox) -> None:
    s = spec()
    box.apply([Change("create", s)])
    before = (box.drafts_dir / "R-0003_thank-you.eml").read_bytes()
    later = EmlMailbox(box.drafts_dir, box.sent_dir,
                       clock=lambda: NOW + dt.timedelta(hours=3))
    [result] = later.apply([Change("create", s)])
    assert result.ok
    assert len(list(box.drafts_dir.iterdir())) == 1
    # Same content: the file (and its Date) stays exactly as it was.
    assert (box.drafts_dir / "R-0003_thank-you.eml").read_bytes() == before


def test_sent_detected_when_person_moves_file(tmp_path: Path) -> None:
    written = dt.datetime.now().astimezone().replace(microsecond=0) - dt.timedelta(days=3)
    box = EmlMailbox(tmp_path / "drafts", tmp_path / "sent", clock=lambda: written)
    s = spec()
    [made] = box.apply([Change("create", s)])
    draft = box.drafts_dir / made.remote_id
    os.utime(draft, (written.timestamp(), written.timestamp()))  # as if written 3 days ago
    box.sent_dir.mkdir(exist_ok=True)
    os.replace(draft, box.sent_dir / made.remote_id)  # a move keeps that time
    seen = box.observe([Known(s.key, made.remote_id, message_id=s.message_id)])[s.key]
    assert seen.presence is Presence.SENT
    assert seen.remote_id == made.remote_id
    expected = dt.date.today() if os.name == "posix" else written.date()
    assert seen.sent_on == expected  # when it arrived in sent/, not when it was written

    # An update is refused and the sent file is never touched.
    sent_bytes = (box.sent_dir / made.remote_id).read_bytes()
    [result] = box.apply([Change("update", spec(body="new"), Known(s.key, made.remote_id))])
    assert not result.ok and result.error == "already sent"
    # A create (its record lost in a crash) is recorded as sent and never made again.
    [again] = box.apply([Change("create", s)])
    assert again.ok and again.sent_on == expected
    assert (box.sent_dir / made.remote_id).read_bytes() == sent_bytes
    assert not (box.drafts_dir / made.remote_id).exists()


def test_sent_date_is_the_sent_files_mtime(box: EmlMailbox) -> None:
    s = spec()
    [made] = box.apply([Change("create", s)])
    box.sent_dir.mkdir(exist_ok=True)
    target = box.sent_dir / made.remote_id
    os.replace(box.drafts_dir / made.remote_id, target)
    stamp = dt.datetime(2026, 11, 25, 12).timestamp()
    os.utime(target, (stamp, stamp))  # e.g. a mail program saved its sent copy then
    seen = box.observe([Known(s.key, made.remote_id)])[s.key]
    assert seen.presence is Presence.SENT and seen.sent_on == dt.date(2026, 11, 25)


def test_sent_file_renamed_found_by_message_id(box: EmlMailbox) -> None:
    s = spec()
    [made] = box.apply([Change("create", s)])
    box.sent_dir.mkdir(exist_ok=True)
    os.replace(box.drafts_dir / made.remote_id, box.sent_dir / "Thank you Carol.eml")
    seen = box.observe([Known(s.key, made.remote_id, message_id=s.message_id)])[s.key]
    assert seen.presence is Presence.SENT and seen.remote_id == "Thank you Carol.eml"


def test_deleted_detected(box: EmlMailbox) -> None:
    s = spec()
    [made] = box.apply([Change("create", s)])
    (box.drafts_dir / made.remote_id).unlink()
    seen = box.observe([Known(s.key, made.remote_id, message_id=s.message_id)])
    assert seen[s.key].presence is Presence.DELETED
    [result] = box.apply([Change("update", s, Known(s.key, made.remote_id))])
    assert not result.ok
    [result] = box.apply([Change("create", s)])
    assert result.ok and (box.drafts_dir / made.remote_id).exists()


def test_observe_with_no_folders(box: EmlMailbox) -> None:
    seen = box.observe([Known("R-1/x", "R-1_x.eml", message_id="<a@b>")])
    assert seen["R-1/x"].presence is Presence.DELETED


def test_remote_id_cannot_escape_folder(box: EmlMailbox, tmp_path: Path) -> None:
    (tmp_path / "secret.eml").write_text("x")
    seen = box.observe([Known("R-1/x", "../secret.eml")])
    assert seen["R-1/x"].presence is Presence.DELETED


def test_header_injection_is_flattened(box: EmlMailbox) -> None:
    evil = DraftSpec("R-1/x", "<x@y>", "Sam", "sam@a.example", "Bob\r\nBcc: all@x.example",
                     "bob@b.example", "Hi\r\nBcc: all@x.example", "body")
    box.apply([Change("create", evil)])
    message = read_message(box.drafts_dir / "R-1_x.eml")
    assert message["Bcc"] is None
