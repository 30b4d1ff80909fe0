"""Registers of any size, for benchmarks and call-budget tests.

``bulk_register(n, today)`` gives every data tab of REGISTER.md ``n`` rows with the mix a
busy clinic has: partners at every stage with last contacts spread over half a year,
referrals received and sent, with and without consent, at every status, and check-ins over
every default treatment, some first visits, some without an email address. Rows are made
from the row number alone (no randomness), so two runs build the same register and the
same 1% of edits. About one row in 50 has a deliberate mistake (a partner that does not
exist, a misspelt direction), as real registers do.

The result maps tab titles to rows of cells (header first), the shape
``FakeGoogle.sheets.create_spreadsheet`` and ``MemoryRegister`` take.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sheetsync.core import schema
from sheetsync.core.ports import CellValue
from sheetsync.playbook.defaults import DEFAULT_TREATMENTS
from sheetsync.workspace.local_init import register_tables
from sheetsync.workspace.sample import SAMPLE_SETTINGS

Tables = dict[str, list[list[CellValue]]]

_FIRST = ("Carol", "Amara", "Maya", "Rajesh", "Sofia", "Tomasz", "Hannah", "Kwame", "Priya",
          "Eilidh", "Leila", "Grace", "Marcus", "Jane", "Olivia", "Daniel", "Mei", "Aisha")
_LAST = ("Webster", "Okafor", "Lindqvist", "Iyer", "Marquez", "Nowak", "Cho", "Mensah",
         "Natarajan", "MacLeod", "Haddad", "Adeyemi", "Bell", "Whitfield", "Grant", "Reyes")
_SPECIALTIES = ("Dermatologist", "OB-GYN", "Physical therapist", "Physician",
                "Nurse practitioner", "Chiropractor", "Podiatrist", "Massage therapist", "Other")
# Stage mix: mostly active partners, a steady flow of new ones being nurtured.
_STAGES = ("Active",) * 10 + ("Nurturing",) * 4 + ("Prospect",) * 3 + \
    ("Meeting requested",) * 2 + ("Paused",)
_STATUSES = ("New", "New", "Booked", "Booked", "Seen", "Seen", "Reported back", "Closed",
             "Declined")
_TREATMENTS = tuple(t.name for t in DEFAULT_TREATMENTS)
_CHECKIN_BY = ("Call", "Call", "Email", "Text")
_STAFF = ("sam@lumen-clinic.example", "ana@lumen-clinic.example", "jo@lumen-clinic.example")


def partner_name(i: int) -> str:
    """Unique for every ``i``: referrals name their partner with it."""
    return f"Dr {_FIRST[i % len(_FIRST)]} {_LAST[(i // len(_FIRST)) % len(_LAST)]} {i:05d}"


def _partner(i: int, today: dt.date) -> dict[str, CellValue]:
    stage = _STAGES[i % len(_STAGES)]
    row: dict[str, CellValue] = {
        "Name": partner_name(i),
        "Practice": f"{_LAST[i % len(_LAST)]} Practice {i % 97}",
        "Specialty": _SPECIALTIES[i % len(_SPECIALTIES)],
        "Email": f"partner{i}@practice{i % 89}.example" if i % 11 else "",
        "Phone": f"020 7946 {i % 10000:04d}",
        "Preferred contact": ("Email", "Phone", "Text", "In person")[i % 4],
        "Stage": stage,
        "Check-in every (days)": (30, 60, 90, 90, 120)[i % 5],
        # Spread over ~half a year: some partners are overdue, some recently in touch,
        # nurturing ones land in each of weeks 1-4.
        "Last contact": today - dt.timedelta(days=(i * 7) % 181),
        "Owner": _STAFF[i % len(_STAFF)],
        "Notes": "Prefers short emails." if i % 13 == 0 else "",
    }
    if stage == "Prospect" and i % 2 and i > 0:
        row["Introduced by"] = partner_name(i - 1)
    if i % 50 == 49:
        row["Email"] = f"partner{i}@"  # a deliberate mistake: no domain
    return row


def _referral(i: int, n_partners: int, today: dt.date) -> dict[str, CellValue]:
    received = i % 3 != 2
    status = _STATUSES[i % len(_STATUSES)]
    date = today - dt.timedelta(days=(i * 5) % 90)  # some older than the 60-day horizon
    row: dict[str, CellValue] = {
        "Date": date,
        "Direction": "Received" if received else "Sent",
        "Partner": partner_name((i * 7) % max(1, n_partners)),
        "Client": f"Client {_FIRST[i % len(_FIRST)]} {_LAST[i % len(_LAST)]} {i:05d}",
        "Client email": f"client{i}@mail.example" if i % 4 else "",
        "Reason": ("acne scarring", "rosacea", "melasma", "scar tissue", "hyperpigmentation",
                   "neck and shoulder pain")[i % 6],
        "Consent to share": "Yes" if i % 2 else "No",
        "Status": status,
    }
    if status in ("Seen", "Reported back", "Closed"):
        row["First visit"] = min(today, date + dt.timedelta(days=3 + i % 5))
    if i % 50 == 24:
        row["Partner"] = f"Dr Nobody {i}"  # a deliberate mistake: not in Partners
    elif i % 50 == 37:
        row["Direction"] = "Recieved"  # a deliberate mistake: misspelt
    return row


def _checkin(i: int, today: dt.date) -> dict[str, CellValue]:
    return {
        "Client": f"Client {_LAST[i % len(_LAST)]} {_FIRST[i % len(_FIRST)]} {i:05d}",
        "Client email": f"checkin{i}@mail.example" if i % 3 else "",
        "Client phone": f"07700 9{i % 100000:05d}",
        "Treatment": _TREATMENTS[i % len(_TREATMENTS)],
        "Treatment date": today - dt.timedelta(days=i % 45),
        "First visit": "Yes" if i % 4 == 0 else "No",
        "Check-in by": _CHECKIN_BY[i % len(_CHECKIN_BY)],
        "Assigned to": _STAFF[i % len(_STAFF)],
        "Notes": "Monthly regular." if i % 17 == 0 else "",
    }


def bulk_register(n: int, today: dt.date) -> Tables:
    """Every tab, with ``n`` rows in each of Partners, Referrals and Check-ins."""
    rows: Mapping[str, list[dict[str, CellValue]]] = {
        schema.PARTNERS.name: [_partner(i, today) for i in range(n)],
        schema.REFERRALS.name: [_referral(i, n, today) for i in range(n)],
        schema.CHECKINS.name: [_checkin(i, today) for i in range(n)],
    }
    tables: Tables = {}
    for title, header, body in register_tables(None):
        data: list[list[CellValue]] = body
        if title in rows:
            data = [[r.get(h) for h in header] for r in rows[title]]
        elif title == schema.SETTINGS.name:
            # A clinic that has used sheetsync for a year: its rows are current, not
            # history (README, "Adopting a register with history").
            acting = {"Acting since": (today - dt.timedelta(days=365)).isoformat()}
            data = [[k, acting.get(str(k), SAMPLE_SETTINGS.get(str(k), v))]
                    for k, v, *_ in body]
        tables[title] = [list[CellValue](header), *data]
    return tables


def edit_one_percent(n: int, today: dt.date) -> list[tuple[str, int, str, CellValue]]:
    """The edits staff make between two syncs: (tab, sheet row, column, new value).

    1% of each data tab's rows (at least one): a partner contacted today, a referral
    moving on a status, a treatment moved by a day. Each edit changes what sheetsync
    makes for that row (an event moves, a draft is rewritten or a new one is due).
    """
    count = max(1, n // 100)
    step = max(1, n // count)
    edits: list[tuple[str, int, str, CellValue]] = []
    for k in range(count):
        i = (k * step + step // 2) % n
        sheet_row = i + 2  # header is row 1
        edits.append((schema.PARTNERS.name, sheet_row, "Last contact", today))
        status = _STATUSES[i % len(_STATUSES)]
        edits.append((schema.REFERRALS.name, sheet_row, "Status",
                      "Seen" if status != "Seen" else "Reported back"))
        edits.append((schema.CHECKINS.name, sheet_row, "Treatment date",
                      today - dt.timedelta(days=i % 45 + 1)))
    return edits


# ------------------------------------------------------------------ a register with history


def history_register(today: dt.date, *, partners: int = 150, referrals: int = 2_000,
                     checkins: int = 3_000, years: int = 3, seed: int = 15) -> Tables:
    """A clinic's register kept by hand for ``years`` before sheetsync (issue 15): rows
    spread over the whole time, statuses as they end up (old referrals long reported back
    or closed, a few left at Seen), treatments up to a fortnight ahead. What a first sync
    of it makes should be only what is current (REGISTER.md, "Adopting with history")."""
    import random

    rng = random.Random(seed)
    span = 365 * years

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    partner_rows: list[dict[str, CellValue]] = []
    for i in range(partners):
        stage = _STAGES[i % len(_STAGES)]
        # Active partners are in touch (most within their cycle, some overdue); partners
        # left at other stages were mostly last contacted long ago.
        contact = rng.randint(0, 150) if stage == "Active" else rng.randint(0, span)
        row = _partner(i, today)
        row.update({"Email": f"partner{i}@practice{i % 89}.example", "Stage": stage,
                    "Last contact": ago(contact)})
        if stage == "Prospect" and i > 0 and i % 2:
            row["Introduced by"] = partner_name(i - 1)
        partner_rows.append(row)

    referral_rows: list[dict[str, CellValue]] = []
    for i in range(referrals):
        age = rng.randint(0, span)
        date = ago(age)
        if age > 60:
            status = rng.choice(("Reported back", "Reported back", "Closed", "Closed",
                                 "Declined", "Seen"))
        elif age > 14:
            status = rng.choice(("Booked", "Seen", "Seen", "Reported back", "Closed",
                                 "Declined"))
        else:
            status = rng.choice(("New", "New", "Booked", "Booked", "Seen"))
        row = _referral(i, partners, today)
        row.update({"Date": date, "Status": status,
                    "Partner": partner_name(rng.randrange(partners)),
                    "Consent to share": "Yes" if rng.random() < 0.5 else "No"})
        row.pop("First visit", None)
        if status in ("Seen", "Reported back", "Closed"):
            row["First visit"] = min(today, date + dt.timedelta(days=rng.randint(3, 20)))
        if row["Direction"] not in ("Received", "Sent"):
            row["Direction"] = "Received"
        referral_rows.append(row)

    checkin_rows: list[dict[str, CellValue]] = []
    for i in range(checkins):
        row = _checkin(i, today)
        row["Treatment date"] = ago(rng.randint(-14, span))
        checkin_rows.append(row)

    rows: Mapping[str, list[dict[str, CellValue]]] = {
        schema.PARTNERS.name: partner_rows,
        schema.REFERRALS.name: referral_rows,
        schema.CHECKINS.name: checkin_rows,
    }
    tables: Tables = {}
    for title, header, body in register_tables(None):
        data: list[list[CellValue]] = body
        if title in rows:
            data = [[r.get(h) for h in header] for r in rows[title]]
        elif title == schema.SETTINGS.name:
            data = [[k, SAMPLE_SETTINGS.get(str(k), v)] for k, v, *_ in body]
        tables[title] = [list[CellValue](header), *data]
    return tables
