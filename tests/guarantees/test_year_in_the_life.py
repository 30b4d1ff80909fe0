"""A year in the life of a register (issue 15, proof): day by day, driven by a seeded
random generator, staff add partners, referrals and check-ins, give and withdraw consent,
move referrals on (Seen, Reported back, Closed, Declined), delete and sort rows and change
Settings; the owner sends, edits and deletes drafts and deletes events; partners and
clients reply to sent drafts (or someone else in the thread does), some mail bounces, the
clinic answers clients, and staff correct an address that bounced. sheetsync's sync
runs once a day with the day's clock, on the memory and local backends and on the Google
fake. After every day's sync:

- no event or draft exists twice for one key (nor a sent message beside its draft);
- an event a person deleted is never made again;
- no partner draft names a client, and no report-back event is ahead, while the row's
  consent is not Yes (an untouched thank-you is rewritten without the name, a
  report-back deleted, its event cancelled); no untouched draft and no event ahead is
  left for a deleted row; a draft the owner edited is never rewritten or deleted;
- nothing is made for a row whose date was history when the object would first have been
  made: before *Acting since* (the first sync's day, which staff may move) less the
  14-day catch-up window, or older than *Ignore rows older than (days)*, or outside its
  kind's window (a thank-you within 30 days, aftercare 0-7 days after the treatment, a
  client check-in at most 7 days late);
- every status cell of an obligation (Thank-you, Follow-up, Check-in, Aftercare, Next
  touch) says, phrase by phrase, one of the states (``STATES``): due with its date, done
  with its date, late by N days, missed with when it was due, withdrawn with why, left as
  the owner edited it, deleted by a person, not needed with why, answered;
- a client check-in staff marked *Done* (a date or Yes) says ``done on DATE`` from then
  on, and nothing is made for it afterwards;
- no untouched aftercare draft waits for a treatment moved into the future or removed
  from its row, no check-in event is ahead for a removed treatment, and no nurture
  reminder is ahead for a partner whose Stage moved on from Nurturing;
- no status in another row's line: each ID stays beside the client it was given to, and
  what a status cell says (ready in Drafts, sent on DATE, Call on DATE, Report back on
  DATE) is true of that row's own draft or event;
- this week's digest exists, none for a later week, and at most one that the owner has
  not edited waits in Drafts;
- a run that rewrites ``calendar.ics`` leaves nothing in it that ended more than the
  archive threshold ago, except events that run itself wrote (local);
- the tracker (where the backend's harness hands replies and bounces): no new draft goes
  to an address that bounced while its row's Email cell still holds it; a partner who
  replied has no value reminder or meeting-request nudge ahead and no meeting request
  waiting, and none is made, until a new contact starts another cycle.

CI runs fixed seeds and a short stretch (60 days on memory, 30 on local and Google).
The long run: ``SHEETSYNC_YEAR_DAYS=365 SHEETSYNC_YEAR_SEEDS=1,2,3 pytest
tests/guarantees/test_year_in_the_life.py`` (it also uses the real 90-day archive
threshold of the local calendar).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import email
import email.policy
import os
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import tables
from contract.harness import MemoryHarness, trimmed
from contract.local_harness import LocalHarness
from google_harness import KEY_HEADER, GoogleHarness
from icalendar import Calendar

from sheetsync.backends.local import EmlMailbox, IcsCalendar, XlsxRegister
from sheetsync.backends.local import calendar as calendar_module
from sheetsync.backends.local.mailbox import draft_file_name
from sheetsync.core.messages import message_id_for, ref_of
from sheetsync.core.ports import Workspace
from sheetsync.core.schema import STATE_TAB
from sheetsync.engine import SyncReport, run_sync

LONG_DAYS = int(os.environ.get("SHEETSYNC_YEAR_DAYS", "0") or 0)
SEEDS = [int(s) for s in os.environ.get("SHEETSYNC_YEAR_SEEDS", "").split(",") if s.strip()]
CI_DAYS = {"memory": 60, "local": 30, "google": 30}
CI_SEEDS = {"memory": [15, 16], "local": [15], "google": [15]}
START = dt.date(2026, 1, 5)  # a Monday
DAY = dt.timedelta(days=1)
ID = {"Partners": "Partner ID", "Referrals": "Referral ID", "Check-ins": "Check-in ID"}
NAME = {"Partners": "Name", "Referrals": "Client", "Check-ins": "Client"}
DATE = {"Referrals": "Date", "Check-ins": "Treatment date"}
SETTINGS = {"Owner email": "owner@clinic.example", "Weekly digest": "Yes",
            "Ignore rows older than (days)": 60,
            "Check-in every (days)": 90, "Referral follow-up after (days)": 14}
STATUS_EVENT = re.compile(r"^(?:Call|Email|Text|Report back|Check seen) on (\d{4}-\d\d-\d\d)")

# Where an obligation stands (REGISTER.md, "The life of an obligation"; the words are
# sheetsync.core.status's and the rules'): every phrase of a status cell is one of these,
# and says what it must (a due or done date, how late, why withdrawn or not needed).
_D = r"\d{4}-\d\d-\d\d"
_LABEL = (r"(?:(?:Report back|Report-back|Check seen|Meeting request|Introduction via [^:;]+?"
          r"|Nudge|Check-in|Call|Email|Text|Aftercare|Thank-you|Nurture"
          r"|Offer value(?: \(week \d of 3\))?)(?: |: ))?")
_WHY = r"[^()]*?\S(?: \([^()]+\))?"
STATES: dict[str, re.Pattern[str]] = {name: re.compile(f"{_LABEL}(?:{body})") for name, body in {
    "due": rf"(?:(?:Call|Email|Text|Report back|Check seen|Check-in|Nudge) )?on {_D}"
           rf"(?: \d\d:\d\d)?|ready in Drafts since {_D}(?:: fill in .+ before sending)?"
           rf"|drafted on the treatment day \({_D}\)",
    "done": rf"sent on {_D}|done on {_D}|done \((?:Seen|Reported back|Closed|report-back sent on "
            rf"{_D})\)",
    "late": rf"(?:\w[\w -]* )?was due {_D}: late by \d+ days?",
    "missed": rf"(?:\w[\w -]* )?missed \(was due {_D}(?:, (?:not marked done|\d+ days? "
              rf"before it was first synced))?\)",
    "withdrawn": rf"withdrawn: {_WHY}, (?:draft deleted|event cancelled)",
    "left to the owner": r"(?:draft|event) edited by you: left as is|consent withdrawn: the "
                         r"draft you edited still names the client, delete it yourself|"
                         rf"{_WHY}: the (?:draft|event) you edited was left as is, delete it "
                         r"yourself if it is no longer wanted",
    "deleted by a person": r"draft deleted \(made again only if the row changes\)|event "
                           r"deleted in the calendar \(not recreated\)",
    "not needed": r"not needed \(.+\)|none \(no consent to share\)|history: nothing made",
    "answered": rf"(?:client )?replied on {_D}(?:: answer by {_D})?"
                rf"|(?:not drafted: )?Email bounced on {_D}: check the address",
}.items()}
# Next touch leads with the partner's next date (rules 3 and 4), then its obligations.
NEXT_TOUCH = re.compile(
    rf"{_D}: (?:check-in \(every \d+ days\)|check-in due today|offer one piece of value "
    rf"\(week \d of 3\)|meeting request \(draft prepared that day\))"
    rf"|OVERDUE since {_D}(?:: check-in event on {_D}| \(history: nothing made: record a "
    rf"contact to start the next cycle\))?"
    rf"|meeting requested: waiting for their reply(?: \(nudge on {_D} if none\))?"
    rf"|meeting requested on {_D}: no reply yet(?:: nudge on {_D})?"
    r"|paused: nothing planned|nurture weeks over|meeting request .+|introduction .+"
    rf"|replied on {_D}: (?:nurture ended|meeting request answered), set Stage to Active")
OBLIGATION_COLUMNS = ("Thank-you", "Follow-up", "Check-in", "Aftercare", "Next touch")


def phrases(cell: str) -> list[str]:
    """A status cell's phrases: split at "; " outside brackets."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(cell):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and cell.startswith("; ", i):
            out.append(cell[start:i])
            start = i + 2
    return [*out, cell[start:]]


def state_of(phrase: str, column: str) -> str:
    """Which state ``phrase`` says, or "" when it is none of them."""
    for name, pattern in STATES.items():
        if pattern.fullmatch(phrase):
            return name
    if column == "Next touch" and NEXT_TOUCH.fullmatch(phrase):
        return "next touch"
    return ""


# ------------------------------------------------------------------ the three backends


class DayLocalHarness(LocalHarness):
    """Staff keep register.xlsx open for the day and save once (as in Excel), so a day's
    edits cost one load and one save; reads between ``begin`` and ``end`` see the open
    workbook."""

    wb: openpyxl.Workbook | None = None

    def begin(self) -> None:
        self.wb = openpyxl.load_workbook(self.xlsx)

    def end(self, save: bool = True) -> None:
        if save and self.wb is not None:
            self.wb.save(self.xlsx)
        self.wb = None

    def _edit(self, title: str) -> tuple[openpyxl.Workbook, object]:
        if self.wb is None:
            return super()._edit(title)
        return self.wb, self.wb[title]

    def _save(self, wb: openpyxl.Workbook) -> None:
        if self.wb is None:
            super()._save(wb)

    def tab(self, title: str) -> list[list[str]]:
        if self.wb is None:
            return super().tab(title)
        return trimmed([list(r) for r in self.wb[title].iter_rows(values_only=True)])

    def _state_keys(self) -> list[str]:
        if self.wb is None:
            return super()._state_keys()
        if STATE_TAB not in self.wb.sheetnames:
            return []
        return [str(row[0]) for row in self.wb[STATE_TAB].iter_rows(values_only=True)
                if row and row[0] and not str(row[0]).startswith("#")]


class World:
    """One backend under test: its workspace, the hands of staff and owner, and what its
    calendar and mailbox hold (with duplicates, so that a duplicate can be seen)."""

    def __init__(self, backend: str, folder: Path, clock: Any) -> None:
        self.backend = backend
        self.folder = folder
        self.clock = clock
        self.h: Any = {"memory": MemoryHarness, "google": GoogleHarness}.get(
            backend, lambda: DayLocalHarness(folder))()
        # Its hands can reply to and bounce sent drafts (the tracker, issue 16).
        self.tracks = bool(getattr(self.h, "tracks_threads", False))

    def open(self, register: dict[str, Any]) -> Workspace:
        ws: Workspace = self.h.workspace(register)
        if self.backend == "local":
            # The same files, with the calendar on the simulated clock (it archives by
            # the day it is written on).
            ws = Workspace(XlsxRegister(self.h.xlsx), IcsCalendar(self.h.ics, clock=self.clock),
                           EmlMailbox(self.h.drafts, self.h.sent), namespace=ws.namespace)
            self.h.ws = ws
        self.ws = ws
        return ws

    def begin(self) -> None:
        if self.backend == "local":
            self.h.begin()

    def end(self, save: bool = True) -> None:
        if self.backend == "local":
            self.h.end(save)

    # --- what exists -------------------------------------------------------------

    def events(self) -> list[tuple[str, dt.date]]:
        """(key, start day) of every event in the calendar (archived ones too)."""
        out: list[tuple[str, dt.date]] = []
        if self.backend == "memory":
            for key, stored in self.ws.calendar.items.items():  # type: ignore[attr-defined]
                if not stored.deleted:
                    out.append((key, _day(stored.spec.start)))
        elif self.backend == "local":
            for path in (self.h.ics, self.folder / "calendar-archive.ics"):
                if path.exists():
                    for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
                        out.append((str(e.get("X-SHEETSYNC-KEY")), _day(e["DTSTART"].dt)))
        else:
            for e in self.h.fake.calendar.events("primary"):
                key = e.get("extendedProperties", {}).get("private", {}).get("sheetsync_key")
                start = e["start"].get("date") or e["start"]["dateTime"]
                out.append((key, dt.date.fromisoformat(start[:10])))
        return out

    def drafts(self) -> list[tuple[str, str]]:
        """(key, body) of every unsent draft."""
        if self.backend == "memory":
            return [(k, s.body) for k, s in self.ws.mailbox.live().items()]  # type: ignore[attr-defined, union-attr]
        if self.backend == "local":
            names = {draft_file_name(k): k for k in self.h._state_keys()}
            out = []
            for path in sorted(self.h.drafts.glob("*.eml")):
                msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                body = msg.get_body(("plain",))
                out.append((names.get(path.name, path.stem),
                            body.get_content() if body is not None else ""))  # type: ignore[attr-defined]
            return out
        refs = {ref_of(message_id_for(self.h.sid, k, "")): k for k in self.h._state_keys()}
        refs.update(self.h._made)
        return [(refs.get(d["headers"].get(KEY_HEADER, ""), "?"), d["body"])
                for d in self.h.fake.gmail.draft_list()]

    def sent_copies(self) -> list[str]:
        """One entry per sent message and unsent draft sheetsync made (by Message-ID or
        file name): a key made twice shows twice."""
        if self.backend == "memory":
            return []  # one record per key by construction
        if self.backend == "local":
            return [p.name for p in [*self.h.drafts.glob("*.eml"), *self.h.sent.glob("*.eml")]]
        mail = [d["headers"].get(KEY_HEADER) for d in self.h.fake.gmail.draft_list()]
        mail += [m["headers"].get(KEY_HEADER) for m in self.h.fake.gmail.message_list("SENT")]
        return [m for m in mail if m]

    # --- the owner ---------------------------------------------------------------

    def edit_draft(self, key: str, words: str) -> None:
        if self.backend == "memory":
            stored = self.ws.mailbox.items[key]  # type: ignore[attr-defined]
            stored.spec = dataclasses.replace(stored.spec, body=stored.spec.body + words)
        elif self.backend == "local":
            path = self.h.drafts / draft_file_name(key)
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            body = msg.get_body(("plain",))
            text = body.get_content() if body is not None else ""  # type: ignore[attr-defined]
            msg.set_content(text + words)
            path.write_bytes(msg.as_bytes())
        else:
            draft = self.h._drafts()[key]
            self.h.fake.gmail.owner_edits_draft(draft["draft_id"], body=draft["body"] + words)


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value  # type: ignore[no-any-return]


# ------------------------------------------------------------------------ the clinic


class Life:
    """The register's life, and the invariants checked after each day's sync."""

    def __init__(self, world: World, seed: int, archive_after: int) -> None:
        self.w = world
        self.rng = random.Random(seed)
        self.archive_after = archive_after
        self.today = START
        self.n = 0
        self.partners = ["Dr Carol Webster", "Dr Lee Park"]
        self.settings = dict(SETTINGS)
        self.owner_of: dict[tuple[str, str], str] = {}  # (tab, ID) -> name given to
        self.sent: dict[str, dt.date] = {}
        self.edited: dict[str, str] = {}  # key -> the text the owner left
        self.deleted_events: set[str] = set()
        self.deleted_drafts: set[str] = set()
        self.ever: set[str] = set()
        self.did: Counter[str] = Counter()
        self.ics_before: dict[str, tuple[dt.date, bytes]] = {}
        self.done: dict[str, dt.date] = {}  # check-in key -> the day staff marked it done
        self.acting_since = START  # the first sync's day (Settings, Acting since)
        self.states: Counter[str] = Counter()
        # The tracker: addresses whose mail bounced, while their row's Email still holds
        # them (-> the day); partners' latest reply and latest contact (a typed Last
        # contact, or a draft to them sent); keys replied to or bounced; clients waiting.
        self.bounced: dict[str, dt.date] = {}
        self.bounced_keys: set[str] = set()
        self.replied: dict[str, dt.date] = {}
        self.contacted: dict[str, dt.date] = {}
        self.answered: set[str] = set()
        self.waiting: set[str] = set()

    # --- staff ---------------------------------------------------------------------

    def name(self) -> str:
        self.n += 1
        return f"Zorbina{self.n} Quell"

    def rows(self, tab: str) -> list[dict[str, str]]:
        rows = self.w.h.tab(tab)
        return [dict(zip(rows[0], r + [""] * (len(rows[0]) - len(r)), strict=False))
                for r in rows[1:]]

    def insert(self, tab: str, values: dict[str, Any]) -> None:
        header = self.w.h.tab(tab)[0]
        count = len(self.w.h.tab(tab)) - 1
        at = 2 + self.rng.randint(0, count)
        self.w.h.insert_row(tab, at, [values.get(h, "") for h in header])

    def pick(self, tab: str, where: Any = None) -> tuple[int, dict[str, str]] | None:
        rows = [(i + 2, r) for i, r in enumerate(self.rows(tab)) if where is None or where(r)]
        return self.rng.choice(rows) if rows else None

    def staff_day(self) -> None:
        rng, today = self.rng, self.today
        workday = today.weekday() < 5
        for _ in range(rng.randint(0, 2) if workday else 0):
            old = rng.random() < 0.15  # history typed in: months ago
            back = rng.randint(70, 300) if old else rng.randint(-14, 10)
            self.insert("Check-ins", {
                "Client": self.name(), "Treatment": rng.choice(["Chemical peel", "Facial"]),
                "Treatment date": (today - back * DAY).isoformat(),
                "Client email": f"c{self.n}@mail.example" if rng.random() < 0.7 else "",
                "First visit": rng.choice(["Yes", "No"]),
                "Check-in by": rng.choice(["Call", "Email", "Text"])})
            self.did["history row" if old else "check-in added"] += 1
        if workday and rng.random() < 0.6:
            old = rng.random() < 0.15
            back = rng.randint(70, 300) if old else rng.randint(0, 10)
            self.insert("Referrals", {
                "Date": (today - back * DAY).isoformat(),
                "Direction": rng.choice(["Received", "Received", "Sent"]),
                "Partner": rng.choice(self.partners), "Client": self.name(),
                "Reason": "acne", "Consent to share": rng.choice(["Yes", "No"]),
                "Status": "New"})
            self.did["history row" if old else "referral added"] += 1
        if rng.random() < 0.08:
            name = f"Dr Nadia{self.n} Frost"
            self.n += 1
            stage = rng.choice(["Nurturing", "Prospect", "Active"])
            self.insert("Partners", {
                "Name": name, "Email": f"p{self.n}@partner.example", "Stage": stage,
                "Introduced by": rng.choice(self.partners) if stage == "Prospect" else "",
                "Last contact": (today - rng.randint(0, 120) * DAY).isoformat()})
            self.partners.append(name)
            self.did["partner added"] += 1
        if rng.random() < 0.25:  # consent given or withdrawn
            waiting = {k.partition("/")[0] for k, _ in self.w.drafts()
                       if k.endswith("/report-back")}
            # Often the consent of a referral whose report-back waits in Drafts.
            only = waiting if waiting and rng.random() < 0.6 else None
            got = self.pick("Referrals", lambda r: r["Status"] in ("New", "Seen") and (
                only is None or r["Referral ID"] in only))
            if got:
                number, row = got
                to = "No" if row["Consent to share"] == "Yes" else "Yes"
                self.w.h.set_cell("Referrals", number, "Consent to share", to)
                self.did["consent withdrawn" if to == "No" else "consent given"] += 1
        if rng.random() < 0.4:  # a referral moves on
            got = self.pick("Referrals", lambda r: r["Status"] in ("New", "Seen"))
            if got:
                number, row = got
                if row["Status"] == "New":
                    step = rng.choice(["Seen", "Seen", "Declined", "Closed"])
                else:
                    step = rng.choice(["Reported back", "Closed"])
                if step == "Seen":
                    self.w.h.set_cell("Referrals", number, "First visit", today.isoformat())
                self.w.h.set_cell("Referrals", number, "Status", step)
                self.did["status " + step] += 1
        if rng.random() < 0.3:  # a client check-in done (a date, or Yes for today)
            got = self.pick("Check-ins", lambda r: not r["Done"] and re.match(
                r"(?:Call|Email|Text) (?:on|was due) ", r["Check-in"]) is not None)
            if got:
                number, row = got
                value = rng.choice(["Yes", today.isoformat()])
                self.w.h.set_cell("Check-ins", number, "Done", value)
                self.done[f"{row['Check-in ID']}/check-in"] = today
                self.did["check-in done"] += 1
        if rng.random() < 0.05:  # a treatment put off: its date moves into the future
            got = self.pick("Check-ins", lambda r: r["Aftercare"].startswith("ready in"))
            if got:
                later = today + rng.randint(1, 10) * DAY
                self.w.h.set_cell("Check-ins", got[0], "Treatment date", later.isoformat())
                self.did["treatment put off"] += 1
        if rng.random() < 0.03:  # a treatment removed from its row
            got = self.pick("Check-ins", lambda r: bool(r["Treatment"]))
            if got:
                self.w.h.set_cell("Check-ins", got[0], "Treatment", "")
                self.did["treatment removed"] += 1
        if rng.random() < 0.05:  # a nurtured partner moves on
            got = self.pick("Partners", lambda r: r["Stage"] == "Nurturing")
            if got:
                stage = rng.choice(["Active", "Paused", "Meeting requested"])
                self.w.h.set_cell("Partners", got[0], "Stage", stage)
                self.did["nurture ended"] += 1
        if rng.random() < 0.1:  # a partner contacted
            got = self.pick("Partners")
            if got:
                self.w.h.set_cell("Partners", got[0], "Last contact", today.isoformat())
                self.contacted[got[1]["Name"]] = today
        if self.bounced and rng.random() < 0.15:  # an address that bounced corrected
            address = rng.choice(sorted(self.bounced))
            for tab, column in (("Partners", "Email"), ("Check-ins", "Client email")):
                got = self.pick(tab, lambda r, c=column: r[c] == address)  # type: ignore[misc]
                if got:
                    self.w.h.set_cell(tab, got[0], column, f"fixed{self.n}.{address}")
                    self.n += 1
            del self.bounced[address]
            self.did["email corrected"] += 1
        if rng.random() < 0.12:  # a row deleted (one: never enough to hold the tab)
            tab = rng.choice(["Referrals", "Check-ins"])
            if len(self.rows(tab)) >= 6:
                got = self.pick(tab)
                assert got is not None
                self.w.h.delete_row(tab, got[0])
                self.did["row deleted"] += 1
        if rng.random() < 0.2 or today.day == 28:  # sorted (at least once a month)
            tab = rng.choice(["Referrals", "Check-ins", "Partners"])
            self.w.h.sort_desc(tab, rng.choice([NAME[tab], "Sync status"]))
            self.did["sorted"] += 1
        if rng.random() < 0.01:  # the owner moves the day sheetsync started acting
            day = START + rng.randint(-20, (today - START).days) * DAY
            number = 2 + [r["Setting"] for r in self.rows("Settings")].index("Acting since")
            self.w.h.set_cell("Settings", number, "Value", day.isoformat())
            self.acting_since = day
            self.did["acting since changed"] += 1
        if rng.random() < 0.04:
            key = rng.choice(["Ignore rows older than (days)", "Check-in every (days)",
                              "Referral follow-up after (days)"])
            value = {"Ignore rows older than (days)": rng.randint(20, 90),
                     "Check-in every (days)": rng.randint(30, 120),
                     "Referral follow-up after (days)": rng.randint(7, 21)}[key]
            number = 2 + [r["Setting"] for r in self.rows("Settings")].index(key)
            self.w.h.set_cell("Settings", number, "Value", value)
            self.settings[key] = value
            self.did["setting changed"] += 1

    # --- the owner -------------------------------------------------------------------

    def owner_day(self) -> None:
        rng = self.rng
        ids: dict[str, dict[str, dict[str, str]]] = {}
        drafts = sorted(k for k, _ in self.w.drafts())
        for key in drafts:
            roll = rng.random()
            if key.startswith("digest-") or key.endswith("/report-back"):
                # The digest is read, seldom sent, edited or deleted; a report-back
                # waits for its outcome line.
                roll *= 4
            if roll < 0.15:
                self.w.h.send_draft(key, self.today)
                self.sent[key] = self.today
                self.did["draft sent"] += 1
                ids = ids or self.ids()
                if partner := self.partner_of(key, ids):  # a contact
                    self.contacted[partner] = self.today
            elif roll < 0.2:
                self.w.edit_draft(key, "\nSee you soon, Ana")
                self.edited[key] = dict(self.w.drafts())[key]
                self.did["draft edited"] += 1
            elif roll < 0.23:
                self.w.h.delete_draft(key)
                self.deleted_drafts.add(key)
                self.did["draft deleted"] += 1
        events = sorted({k for k, _ in self.w.events()} - self.deleted_events)
        if events and rng.random() < 0.2:
            key = rng.choice(events)
            if key in self.w.h.live_events():
                self.w.h.delete_event(key)
                self.deleted_events.add(key)
                self.did["event deleted"] += 1

    # --- what comes back into sent drafts' threads (the tracker) ---------------------

    def ids(self) -> dict[str, dict[str, dict[str, str]]]:
        rows = {tab: self.rows(tab) for tab in ("Partners", "Referrals", "Check-ins")}
        return {tab: {r[ID[tab]]: r for r in rows[tab] if r[ID[tab]]} for tab in rows}

    def partner_of(self, key: str, ids: dict[str, dict[str, dict[str, str]]]) -> str:
        """The partner (by name) a partner draft was written to; "" for a client's."""
        row_id, _, purpose = key.partition("/")
        if row_id.startswith("R-"):
            return ids["Referrals"].get(row_id, {}).get("Partner", "")
        if row_id.startswith("P-"):
            row = ids["Partners"].get(row_id, {})
            return row.get("Introduced by" if purpose == "introduction" else "Name", "")
        return ""

    def address_of(self, key: str, ids: dict[str, dict[str, dict[str, str]]]) -> str:
        """The address the register gives for the draft ``key`` now ("" row gone)."""
        row_id = key.partition("/")[0]
        if row_id.startswith("C-"):
            return ids["Check-ins"].get(row_id, {}).get("Client email", "")
        partner = self.partner_of(key, ids)
        by_name = {r["Name"]: r for r in ids["Partners"].values()}
        return by_name.get(partner, {}).get("Email", "")

    def mail_day(self) -> None:
        """Replies from the partner, the client or someone else in the thread, delivery
        failures, and the clinic's answers to clients, before the day's sync."""
        if not self.w.tracks:
            return
        rng = self.rng
        moment = dt.datetime.combine(self.today, dt.time(10), tzinfo=dt.timezone.utc)
        self.w.begin()
        try:
            ids = self.ids()
        finally:
            self.w.end(save=False)
        for key, sent in sorted(self.sent.items()):
            if key.startswith("digest-") or sent >= self.today or key in self.bounced_keys \
                    or (self.today - sent).days > 25:
                continue
            address = self.address_of(key, ids)
            if not address:
                continue  # its row was deleted
            roll = rng.random()
            if key in self.waiting:
                if roll < 0.3:
                    self.w.h.clinic_answer(key, moment)
                    self.waiting.discard(key)
                    self.did["clinic answered"] += 1
                continue
            if key in self.answered:
                continue
            if roll < 0.04 and address not in self.bounced:
                self.w.h.bounce(key, moment)
                self.bounced[address] = self.today
                self.bounced_keys.add(key)
                self.did["bounce"] += 1
            elif roll < 0.14:
                sender = address if rng.random() < 0.75 else "frontdesk@elsewhere.example"
                self.w.h.reply(key, sender, moment)
                self.answered.add(key)
                self.did["reply"] += 1
                if partner := self.partner_of(key, ids):
                    self.replied[partner] = self.today
                else:
                    self.waiting.add(key)

    def check_tracker(self, where: str, events: list[tuple[str, dt.date]],
                      drafts: list[tuple[str, str]], new: list[str],
                      ids: dict[str, dict[str, dict[str, str]]]) -> None:
        """No new draft to an address that bounced while its row still holds it; a
        partner who replied has no nurture reminder or meeting-request nudge ahead and no
        meeting request waiting, until a new contact."""
        holds = {r.get("Email", "") for r in ids["Partners"].values()} | \
            {r.get("Client email", "") for r in ids["Check-ins"].values()}
        for address in [a for a in self.bounced if a not in holds]:
            del self.bounced[address]  # its row was deleted: the address is free again
        live = {k for k, _ in drafts}
        for key in new:
            if key in live and not key.startswith("digest-"):
                address = self.address_of(key, ids)
                assert address not in self.bounced, \
                    f"{where}: {key} drafted to an address that bounced on " \
                    f"{self.bounced.get(address)}"
        ended = {name for name, day in self.replied.items()
                 if self.contacted.get(name, dt.date.min) <= day}
        names = {row_id: r["Name"] for row_id, r in ids["Partners"].items()}
        for key, start in events:
            row_id = key.partition("/")[0]
            if ("/nurture-" in key or "/nudge@" in key) and start > self.today and \
                    names.get(row_id) in ended:
                raise AssertionError(f"{where}: {key} ahead on {start} though "
                                     f"{names[row_id]} replied on {self.replied[names[row_id]]}")
        nurturing = {row_id for row_id, r in ids["Partners"].items()
                     if r.get("Stage") == "Nurturing"}
        for key in live:
            row_id = key.partition("/")[0]
            if key.endswith("/meeting-request") and key not in self.edited and \
                    row_id in nurturing and names.get(row_id) in ended:
                raise AssertionError(f"{where}: {key} waits in Drafts though "
                                     f"{names[row_id]} replied on {self.replied[names[row_id]]}")

    # --- the day -----------------------------------------------------------------------

    def sync(self) -> SyncReport:
        self.ics_before = self.ics_events()
        moment = dt.datetime.combine(self.today, dt.time(12), tzinfo=dt.timezone.utc)
        report = run_sync(self.w.ws, clock=lambda: moment)
        assert not report.write_refused, (self.today, report.write_refused)
        assert report.failed == 0, (self.today, report.rows)
        assert not report.tab_problems, (self.today, report.tab_problems)
        return report

    def check(self) -> None:
        self.w.begin()
        try:
            self.check_all()
        finally:
            self.w.end(save=False)

    def check_all(self) -> None:
        where = f"day {self.today}"
        events = self.w.events()
        drafts = self.w.drafts()
        # No duplicate for one key.
        for what, keys in (("event", [k for k, _ in events]), ("draft", [k for k, _ in drafts]),
                           ("message", self.w.sent_copies())):
            twice = [k for k, n in Counter(keys).items() if n > 1]
            assert not twice, f"{where}: {what} made twice: {twice}"
        # An event a person deleted stays deleted.
        back = {k for k, _ in events} & self.deleted_events
        assert not back, f"{where}: deleted events made again: {back}"
        rows = {tab: self.rows(tab) for tab in ("Partners", "Referrals", "Check-ins")}
        by_id = {tab: {r[ID[tab]]: r for r in rows[tab] if r[ID[tab]]} for tab in rows}
        # The owner's edits win: an edited draft is neither rewritten nor deleted.
        bodies = dict(drafts)
        for key, text in self.edited.items():
            if key not in self.sent and key not in self.deleted_drafts:
                assert bodies.get(key) == text, f"{where}: the owner's edit of {key} lost"
        # No partner draft names a client without the row's current consent, and no
        # untouched draft waits for a row that was deleted (retraction); nor an event
        # still ahead.
        for key, body in drafts:
            row_id, _, purpose = key.partition("/")
            tab = {"R": "Referrals", "C": "Check-ins", "P": "Partners"}.get(row_id[:1])
            if tab is None or key in self.edited:
                continue
            row = by_id[tab].get(row_id)
            assert row is not None, f"{where}: {key} left in Drafts for a deleted row"
            if tab == "Referrals" and row["Consent to share"] != "Yes":
                first = row["Client"].split()[0]
                assert not re.search(rf"\b{re.escape(first)}\b", body), \
                    f"{where}: {key} names its client without consent"
        for key, _ in drafts:  # (retraction: the reason went)
            row_id, _, purpose = key.partition("/")
            row = by_id["Check-ins"].get(row_id)
            if row is None or key in self.edited or purpose != "aftercare":
                continue
            assert row["Treatment"], f"{where}: {key} left for a treatment removed"
            assert dt.date.fromisoformat(row["Treatment date"][:10]) <= self.today, \
                f"{where}: {key} waits for a treatment moved to {row['Treatment date']}"
        for key, start in events:
            row_id, _, purpose = key.partition("/")
            tab = {"R": "Referrals", "C": "Check-ins", "P": "Partners"}.get(row_id[:1])
            if tab is not None and start > self.today:
                assert row_id in by_id[tab], f"{where}: {key} ahead for a deleted row"
                row = by_id[tab][row_id]
                if purpose.startswith("nurture-"):
                    assert row["Stage"] == "Nurturing", \
                        f"{where}: {key} ahead for a partner now {row['Stage']}"
                if purpose == "check-in":
                    assert row["Treatment"], f"{where}: {key} ahead, treatment removed"
                if purpose == "follow-up" and row["Direction"] == "Received":
                    assert row["Consent to share"] == "Yes", \
                        f"{where}: {key} (report back) ahead without consent"
        # Nothing is made for history: each object is first made while its date is
        # inside the window, on or after the history line (Acting since less the
        # catch-up window), and inside its own kind's window (REGISTER.md, "Windows").
        window = int(self.settings["Ignore rows older than (days)"])
        line = self.acting_since - 14 * DAY
        made = {k: d for k, d in events} | {k: None for k, _ in drafts} | \
            {k: None for k in self.sent}
        self.check_tracker(where, events, drafts, [k for k in made if k not in self.ever],
                           by_id)
        for key, start in made.items():
            if key in self.ever:
                continue
            self.ever.add(key)
            row_id, _, purpose = key.partition("/")
            tab = {"R": "Referrals", "C": "Check-ins"}.get(row_id[:1])
            if tab is None or row_id not in by_id[tab]:
                continue
            day = dt.date.fromisoformat(by_id[tab][row_id][DATE[tab]][:10])
            if purpose == "follow-up":
                assert start is not None
                day = start
            if purpose in ("thank-you", "check-in", "aftercare", "follow-up"):
                assert (self.today - day).days <= window, \
                    f"{where}: {key} made for a row dated {day} (older than the window)"
            # (a check-in is due up to 3 days after its treatment: Chemical peel)
            first = {"thank-you": day, "aftercare": day, "check-in": day + 3 * DAY}
            if purpose in first:
                assert first[purpose] >= line, \
                    f"{where}: {key} made for a row dated {day} (history before {line})"
            age = (self.today - day).days
            assert age <= {"thank-you": 30, "aftercare": 7, "check-in": 3 + 7}.get(
                purpose, age), f"{where}: {key} made {age} days after its row's date"
            if purpose == "aftercare":
                assert age >= 0, f"{where}: {key} made before its treatment ({day})"
            if key in self.done and self.done[key] < self.today:
                raise AssertionError(f"{where}: {key} made after it was marked done")
        # No status in another row's line.
        live_events: dict[str, set[dt.date]] = {}
        for key, start in events:
            live_events.setdefault(key, set()).add(start)
        live_drafts = {k for k, _ in drafts}
        for tab, tab_rows in rows.items():
            for row in tab_rows:
                row_id = row[ID[tab]]
                if not row_id:
                    continue
                owner = self.owner_of.setdefault((tab, row_id), row[NAME[tab]])
                assert owner == row[NAME[tab]], \
                    f"{where}: {tab} {row_id} given to another row's data"
                for column, purpose in (("Thank-you", "thank-you"), ("Aftercare", "aftercare"),
                                        ("Check-in", "check-in"), ("Follow-up", "follow-up")):
                    status = row.get(column, "")
                    key = f"{row_id}/{purpose}"
                    if status.startswith("ready in Drafts"):
                        assert key in live_drafts, f"{where}: {key} says '{status}'"
                    if status.startswith("sent on "):
                        assert self.sent.get(key) == dt.date.fromisoformat(status[8:18]), \
                            f"{where}: {key} says '{status}'"
                    m = STATUS_EVENT.match(status)
                    if m:
                        day = dt.date.fromisoformat(m[1])
                        assert day in live_events.get(key, set()), \
                            f"{where}: {key} says '{status}'"
        # Every obligation's cell says where it stands, in words of one of the states.
        for tab, tab_rows in rows.items():
            for row in tab_rows:
                if not row[ID[tab]]:
                    continue
                for column in OBLIGATION_COLUMNS:
                    for phrase in phrases(row.get(column, "")):
                        if not phrase:
                            continue
                        state = state_of(phrase, column)
                        assert state, f"{where}: {tab} {row[ID[tab]]} {column}: '{phrase}' " \
                            "is none of the states"
                        self.states[state] += 1
        # A check-in staff marked done says so, and nothing more is made for it.
        for key, on in self.done.items():
            row_id = key.partition("/")[0]
            row = by_id["Check-ins"].get(row_id)
            if row is None or not row["Treatment"]:
                continue  # deleted, or not valid (a treatment removed): not planned
            done = row["Check-in"]
            assert done.startswith("done on "), f"{where}: {key} done on {on} says '{done}'"
            assert dt.date.fromisoformat(done[8:18]) <= self.today, f"{where}: {key} '{done}'"
        # The weekly digest: this week's is made by the week's first sync (unless the
        # owner deleted it), no other week's is made (one key per ISO week).
        year, week, _ = self.today.isocalendar()
        this_week = f"digest-{year}-W{week:02d}/digest"
        digests = {k for k in {*live_drafts, *self.sent} if k.startswith("digest-")}
        assert this_week in digests | self.deleted_drafts, f"{where}: no digest this week"
        for key in digests:
            assert key <= this_week, f"{where}: {key} is for a later week"
        # At most one digest waits (one the owner edited is theirs and stays).
        waiting = [k for k in live_drafts if k.startswith("digest-") and k not in self.edited]
        assert len(waiting) <= 1, f"{where}: {len(waiting)} digests wait in Drafts"
        # calendar.ics bounded: when a run rewrites it, nothing that ended longer ago than
        # the archive threshold stays, unless that run itself wrote the event.
        after = self.ics_events()
        if after != self.ics_before and after:
            cutoff = self.today - dt.timedelta(days=self.archive_after)
            for uid, (end, text) in after.items():
                if end < cutoff:
                    assert self.ics_before.get(uid) != (end, text), \
                        f"{where}: {uid} ended on {end} and was not archived"
                    self.did["old event written"] += 1

    def ics_events(self) -> dict[str, tuple[dt.date, bytes]]:
        """calendar.ics by UID: each event's end day and text (local only)."""
        if self.w.backend != "local" or not self.w.h.ics.exists():
            return {}
        return {str(e["UID"]): (_day(e["DTEND"].dt), e.to_ical())
                for e in Calendar.from_ical(self.w.h.ics.read_bytes()).walk("VEVENT")}

    def live(self, days: int) -> None:
        self.sync()
        self.check()
        for _ in range(days):
            self.today += DAY
            self.w.begin()
            self.staff_day()
            self.w.end()
            self.owner_day()
            self.mail_day()
            self.sync()
            self.check()


def first_register() -> dict[str, Any]:
    t0 = START
    return tables(
        partners=[
            {"Name": "Dr Carol Webster", "Email": "carol@webster.example", "Stage": "Active",
             "Last contact": (t0 - 80 * DAY).isoformat()},
            {"Name": "Dr Lee Park", "Email": "lee@park.example", "Stage": "Nurturing",
             "Last contact": (t0 - 3 * DAY).isoformat()}],
        referrals=[
            {"Date": (t0 - 2 * DAY).isoformat(), "Direction": "Received",
             "Partner": "Dr Carol Webster", "Client": "Zorbina0 Quell", "Reason": "acne",
             "Consent to share": "Yes", "Status": "New"},
            {"Date": (t0 - 200 * DAY).isoformat(), "Direction": "Received",
             "Partner": "Dr Lee Park", "Client": "Zorbinah Quell", "Reason": "acne",
             "Consent to share": "No", "Status": "New"}],
        checkins=[
            {"Client": "Zorbinac Quell", "Treatment": "Chemical peel",
             "Treatment date": (t0 - DAY).isoformat(), "Client email": "zq@mail.example",
             "First visit": "Yes", "Check-in by": "Call"},
            {"Client": "Zorbinad Quell", "Treatment": "Chemical peel",
             "Treatment date": (t0 - 120 * DAY).isoformat(), "Client email": "zd@mail.example",
             "First visit": "No", "Check-in by": "Email"}],
        settings=SETTINGS)


CASES = [(backend, seed) for backend in ("memory", "local", "google")
         for seed in (SEEDS or CI_SEEDS[backend])]


@pytest.mark.parametrize(("backend", "seed"), CASES)
def test_a_year_in_the_life(backend: str, seed: int, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    days = LONG_DAYS or CI_DAYS[backend]
    # CI's short stretch files events after 10 days so that archiving happens at all;
    # the long run keeps the real threshold.
    archive_after = calendar_module.ARCHIVE_AFTER_DAYS if LONG_DAYS else 10
    monkeypatch.setattr(calendar_module, "ARCHIVE_AFTER_DAYS", archive_after)
    clock_now = [dt.datetime.combine(START, dt.time(12), tzinfo=dt.timezone.utc)]
    world = World(backend, tmp_path, lambda: clock_now[0])
    world.open(first_register())
    life = Life(world, seed, archive_after)
    original = life.sync

    def sync() -> SyncReport:
        clock_now[0] = dt.datetime.combine(life.today, dt.time(12), tzinfo=dt.timezone.utc)
        return original()

    life.sync = sync  # type: ignore[method-assign]
    life.live(days)
    # The life was a life: everything it is meant to exercise happened.
    for what in ("check-in added", "referral added", "history row", "draft sent",
                 "event deleted", "row deleted", "sorted", "consent withdrawn",
                 "check-in done"):
        assert life.did[what] > 0, (what, life.did)
    for state in ("due", "done", "not needed"):
        assert life.states[state] > 0, (state, life.states)
    if world.tracks:  # replies and bounces came, and the rows said so
        for what in ("reply", "bounce"):
            assert life.did[what] > 0, (what, life.did)
        assert life.states["answered"] > 0, life.states
    assert life.ever, "nothing was ever made"


def test_the_daily_checks_catch_what_they_guard(tmp_path: Path) -> None:
    """The checks are not vacuous: a copied draft, a thank-you naming a client whose
    consent is gone, and a status that is not true of its own row each fail them."""
    world = World("google", tmp_path, lambda: dt.datetime.combine(START, dt.time(12)))
    world.open(first_register())
    life = Life(world, 15, 10)
    life.sync()
    life.check()
    fake = world.h.fake.gmail
    [thank_you] = [d for d in world.h._drafts().items() if d[0] == "R-0001/thank-you"]
    assert "Zorbina0" in thank_you[1]["body"]

    raw = base64.urlsafe_b64encode(fake.drafts[thank_you[1]["draft_id"]].message.raw).decode()
    copy = fake.drafts_create({"userId": "me"}, {"message": {"raw": raw}})
    with pytest.raises(AssertionError, match="made twice"):
        life.check()
    fake.owner_deletes_draft(copy["id"])
    life.check()

    number = 2 + [r["Client"] for r in life.rows("Referrals")].index("Zorbina0 Quell")
    world.h.set_cell("Referrals", number, "Consent to share", "No")
    with pytest.raises(AssertionError, match="names its client without consent"):
        life.check()
    world.h.set_cell("Referrals", number, "Consent to share", "Yes")
    life.check()

    number = 2 + [r["Client"] for r in life.rows("Check-ins")].index("Zorbinac Quell")
    world.h.set_cell("Check-ins", number, "Check-in", "Call on 2026-02-03 09:00")
    with pytest.raises(AssertionError, match="C-0001/check-in says"):
        life.check()
    world.h.set_cell("Check-ins", number, "Check-in", "")
    life.sync()
    life.check()

    world.h.set_cell("Check-ins", number, "Aftercare", "taken care of")
    with pytest.raises(AssertionError, match="'taken care of' is none of the states"):
        life.check()
    world.h.set_cell("Check-ins", number, "Aftercare", "withdrawn: no reason, draft deleted")
    life.check()  # a withdrawal says why
    world.h.set_cell("Check-ins", number, "Aftercare", "withdrawn, draft deleted")
    with pytest.raises(AssertionError, match="none of the states"):
        life.check()
    life.sync()

    life.done["C-0001/check-in"] = START  # staff marked it done, the row does not say so
    with pytest.raises(AssertionError, match="C-0001/check-in done on"):
        life.check()
    del life.done["C-0001/check-in"]

    life.deleted_events.add("C-0001/check-in")  # as if a person had deleted it
    with pytest.raises(AssertionError, match="deleted events made again"):
        life.check()


def test_the_tracker_checks_catch_what_they_guard(tmp_path: Path) -> None:
    """The tracker's checks are not vacuous: a draft new today to an address that
    bounced, and a nurture reminder ahead for a partner who replied, each fail them."""
    world = World("memory", tmp_path, lambda: dt.datetime.combine(START, dt.time(12)))
    world.open(first_register())
    life = Life(world, 15, 10)
    life.sync()
    life.check()
    life.ever.discard("R-0001/thank-you")  # as if made today ...
    life.bounced["carol@webster.example"] = START  # ... to an address that bounced
    with pytest.raises(AssertionError, match="drafted to an address that bounced"):
        life.check()
    life.bounced.clear()
    life.check()
    assert any("/nurture-" in k for k, start in world.events() if start > START)
    life.replied["Dr Lee Park"] = START  # Lee replied: nothing of the nurture ahead
    with pytest.raises(AssertionError, match=r"ahead on .* though Dr Lee Park replied"):
        life.check()
    life.contacted["Dr Lee Park"] = START + DAY  # a contact since: a new cycle is fine
    life.check()
