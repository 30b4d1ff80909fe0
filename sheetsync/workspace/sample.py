"""A fictional demo register: Lumen Skin & Body Clinic and its referral partners.

Dates are relative to ``today`` so a fresh demo always has something due. IDs are blank:
the first sync assigns them. A handful of rows are deliberately wrong, each with a Notes
cell starting "DEMO: ", to show how the sync reports problems in plain words.
All names, emails and phone numbers are invented (``.example`` domains, Ofcom drama and
US 555-01xx numbers). ``play_the_owner`` is the demo's second act: two thank-yous sent, a
partner's reply and a bounce saved into ``inbox/`` (the tracker).
"""

from __future__ import annotations

import datetime as dt
import email
import os
from collections.abc import Mapping
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from sheetsync.core import schema
from sheetsync.playbook.defaults import DEFAULT_SETTINGS

DEMO_NOTE_PREFIX = "DEMO: "

#: How many rows are deliberately wrong (each has a Notes cell starting "DEMO: ").
SAMPLE_BAD_ROW_COUNT = 6

CLINIC_NAME = "Lumen Skin & Body Clinic"
OWNER_EMAIL = "owner@lumen-clinic.example"
CLINIC_PHONE = "020 7946 0321"

SAMPLE_SETTINGS: dict[str, str] = {
    "Time zone": "Europe/London",
    "Clinic name": CLINIC_NAME,
    "Owner email": OWNER_EMAIL,
    "Sender name": "Sam Patel",
    "Signature": f"Sam Patel\nPartnerships lead\n{CLINIC_NAME} · {CLINIC_PHONE}",
    "Clinic phone": CLINIC_PHONE,
}

_SAM = "sam@lumen-clinic.example"
_ANA = "ana@lumen-clinic.example"
_JO = "jo@lumen-clinic.example"


def _row(spec: schema.TabSpec, values: Mapping[str, object]) -> dict[str, object]:
    """Every column of ``spec`` in order, blank unless given; unknown names are a bug."""
    names = [c.name for c in spec.columns]
    unknown = set(values) - set(names)
    if unknown:
        raise KeyError(f"{spec.name} has no column(s) {sorted(unknown)}")
    return {name: values.get(name, "") for name in names}


def _partners(today: dt.date) -> list[dict[str, object]]:
    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    rows: list[dict[str, object]] = [
        {  # Active, recently in touch.
            "Name": "Dr Carol Webster", "Practice": "Webster Dermatology",
            "Specialty": "Dermatologist", "Email": "carol.webster@websterderm.example",
            "Phone": "020 7946 0112", "Preferred contact": "Email", "Stage": "Active",
            "Check-in every (days)": 90, "Last contact": ago(20), "Owner": _SAM,
            "Notes": "Our longest-standing partner; prefers short emails.",
        },
        {  # Active and overdue (last contact well past 90 days).
            "Name": "Dr Amara Okafor", "Practice": "Riverside Women's Health",
            "Specialty": "OB-GYN", "Email": "a.okafor@riversidewh.example",
            "Phone": "020 7946 0245", "Preferred contact": "Email", "Stage": "Active",
            "Check-in every (days)": 90, "Last contact": ago(131), "Owner": _SAM,
            "Notes": "Refers post-partum skin concerns.",
        },
        {  # Active, on a 60-day cadence, not yet due.
            "Name": "Maya Lindqvist", "Practice": "Northside Physio",
            "Specialty": "Physical therapist", "Email": "maya@northsidephysio.example",
            "Phone": "07700 900431", "Preferred contact": "Text", "Stage": "Active",
            "Check-in every (days)": 60, "Last contact": ago(45), "Owner": _ANA,
        },
        {  # Active and overdue by a couple of weeks.
            "Name": "Dr Rajesh Iyer", "Practice": "Elm Street Medical Practice",
            "Specialty": "Physician", "Email": "rajesh.iyer@elmstreetgp.example",
            "Phone": "020 7946 0378", "Preferred contact": "Note with client",
            "Stage": "Active", "Check-in every (days)": 90, "Last contact": ago(104),
            "Owner": _SAM,
        },
        {  # Nurturing, week 2.
            "Name": "Sofia Marquez", "Practice": "Brightwater Family Clinic",
            "Specialty": "Nurse practitioner", "Email": "smarquez@brightwater.example",
            "Phone": "(212) 555-0147", "Preferred contact": "Email", "Stage": "Nurturing",
            "Last contact": ago(9), "Owner": _ANA,
            "Notes": "Met at the regional aesthetics meet-up.",
        },
        {  # Nurturing, week 4: the meeting request is due.
            "Name": "Dr Tomasz Nowak", "Practice": "Nowak Chiropractic",
            "Specialty": "Chiropractor", "Email": "tomasz@nowakchiro.example",
            "Phone": "020 7946 0519", "Preferred contact": "Email", "Stage": "Nurturing",
            "Last contact": ago(23), "Owner": _SAM,
        },
        {
            "Name": "Dr Hannah Cho", "Practice": "Cho Foot & Ankle",
            "Specialty": "Podiatrist", "Email": "hannah.cho@chofootankle.example",
            "Phone": "(415) 555-0182", "Preferred contact": "Phone",
            "Stage": "Meeting requested", "Last contact": ago(5), "Owner": _JO,
            "Notes": "Lunch-and-learn pencilled in; waiting for her to confirm a date.",
        },
        {
            "Name": "Kwame Mensah", "Practice": "Mensah Sports Massage",
            "Specialty": "Massage therapist", "Email": "kwame@mensahmassage.example",
            "Phone": "07700 900587", "Preferred contact": "Text", "Stage": "Active",
            "Check-in every (days)": 30, "Last contact": ago(11), "Owner": _JO,
        },
        {  # Prospect: an introduction request goes to the introducer.
            "Name": "Dr Priya Natarajan", "Practice": "Harbour Skin Specialists",
            "Specialty": "Dermatologist", "Preferred contact": "Email", "Stage": "Prospect",
            "Introduced by": "Dr Carol Webster", "Owner": _SAM,
            "Notes": "Carol trained with her and offered to introduce us.",
        },
        {
            "Name": "Dr Eilidh MacLeod", "Practice": "Thistle Women's Clinic",
            "Specialty": "OB-GYN", "Email": "eilidh.macleod@thistlewc.example",
            "Phone": "020 7946 0633", "Preferred contact": "Email", "Stage": "Paused",
            "Last contact": ago(160), "Owner": _SAM,
            "Notes": "On sabbatical until the autumn; pick up again then.",
        },
        {
            "Name": "Leila Haddad", "Practice": "Nourish Nutrition",
            "Specialty": "Other", "Email": "leila@nourishnutrition.example",
            "Phone": "07700 900764", "Preferred contact": "In person", "Stage": "Active",
            "Check-in every (days)": 90, "Last contact": ago(62), "Owner": _ANA,
            "Notes": "Registered dietitian; we swap referrals for skin and gut health.",
        },
        {
            "Name": "Grace Adeyemi", "Practice": "Kingsway Health Centre",
            "Specialty": "Nurse practitioner", "Email": "grace.adeyemi@kingsway.example",
            "Phone": "020 7946 0851", "Preferred contact": "Email", "Stage": "Active",
            "Check-in every (days)": 120, "Last contact": ago(33), "Owner": _JO,
        },
        {
            "Name": "Dr Marcus Bell", "Practice": "Bell Sports Medicine",
            "Specialty": "Physician", "Phone": "(646) 555-0119",
            "Preferred contact": "Phone", "Stage": "Prospect", "Owner": _SAM,
            "Notes": "Recommended by a client; no introducer yet.",
        },
        {  # Deliberately bad: an incomplete email address.
            "Name": "Dr Jane Whitfield", "Practice": "Parkside Surgery",
            "Specialty": "Physician", "Email": "jane@", "Phone": "020 7946 0902",
            "Preferred contact": "Email", "Stage": "Active", "Check-in every (days)": 90,
            "Last contact": ago(30), "Owner": _ANA,
            "Notes": DEMO_NOTE_PREFIX + "the email 'jane@' has no domain; the sync flags it.",
        },
    ]
    return [_row(schema.PARTNERS, r) for r in rows]


def _referrals(today: dt.date) -> list[dict[str, object]]:
    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    rows: list[dict[str, object]] = [
        # Received, with consent, new: thank-you naming the client plus a follow-up.
        {
            "Date": ago(1), "Direction": "Received", "Partner": "Dr Carol Webster",
            "Client": "Olivia Grant", "Client email": "olivia.grant@mail.example",
            "Reason": "acne scarring", "Consent to share": "Yes", "Status": "New",
        },
        # Received without consent: a thank-you that names no one.
        {
            "Date": ago(3), "Direction": "Received", "Partner": "Dr Amara Okafor",
            "Client": "Fatima Rahman", "Reason": "melasma after pregnancy",
            "Consent to share": "No", "Status": "Booked",
        },
        # Seen with consent: the report-back draft is due.
        {
            "Date": ago(12), "Direction": "Received", "Partner": "Maya Lindqvist",
            "Client": "Daniel Reyes", "Client email": "d.reyes@mail.example",
            "Reason": "scar tissue after knee surgery", "Consent to share": "Yes",
            "Status": "Seen", "First visit": ago(4),
        },
        {
            "Date": ago(20), "Direction": "Received", "Partner": "Dr Rajesh Iyer",
            "Client": "Mei Tanaka", "Client email": "mei.tanaka@mail.example",
            "Reason": "rosacea", "Consent to share": "Yes", "Status": "Reported back",
            "First visit": ago(13),
        },
        {
            "Date": ago(6), "Direction": "Received", "Partner": "Kwame Mensah",
            "Client": "Tom Fletcher", "Reason": "body sculpting consultation",
            "Consent to share": "No", "Status": "Seen", "First visit": ago(5),
        },
        {
            "Date": ago(2), "Direction": "Received", "Partner": "Sofia Marquez",
            "Client": "Aisha Bello", "Client email": "aisha.bello@mail.example",
            "Reason": "hyperpigmentation", "Consent to share": "Yes", "Status": "Booked",
        },
        {
            "Date": ago(9), "Direction": "Received", "Partner": "Dr Carol Webster",
            "Client": "Hana Sato", "Reason": "melasma", "Consent to share": "No",
            "Status": "Seen", "First visit": ago(3),
        },
        {
            "Date": ago(34), "Direction": "Received", "Partner": "Leila Haddad",
            "Client": "Nadia Petrova", "Reason": "adult acne", "Consent to share": "No",
            "Status": "Closed", "First visit": ago(27),
            "Notes": "Completed a course of peels.",
        },
        # Sent: we referred out; a follow-up checks that the client was seen.
        {
            "Date": ago(5), "Direction": "Sent", "Partner": "Dr Carol Webster",
            "Client": "Grace O'Connor", "Client email": "grace.oc@mail.example",
            "Reason": "changing mole on upper back, please review",
            "Consent to share": "Yes", "Status": "New",
        },
        {
            "Date": ago(15), "Direction": "Sent", "Partner": "Maya Lindqvist",
            "Client": "Lucy Brennan", "Reason": "neck and shoulder pain",
            "Consent to share": "Yes", "Status": "Seen", "First visit": ago(8),
        },
        {
            "Date": ago(4), "Direction": "Sent", "Partner": "Dr Hannah Cho",
            "Client": "Isabel Costa", "Reason": "ingrown toenail", "Consent to share": "No",
            "Status": "Booked",
        },
        {
            "Date": ago(25), "Direction": "Sent", "Partner": "Dr Amara Okafor",
            "Client": "Zara Ahmed", "Client email": "zara.ahmed@mail.example",
            "Reason": "hormonal acne, irregular cycles", "Consent to share": "Yes",
            "Status": "Booked",
        },
        # Deliberately bad rows.
        {
            "Date": ago(2), "Direction": "Received", "Partner": "Dr Smyth",
            "Client": "Ruth Abebe", "Reason": "sun damage", "Consent to share": "No",
            "Status": "New",
            "Notes": DEMO_NOTE_PREFIX + "'Dr Smyth' is not in the Partners tab; add them "
            "there or fix the name.",
        },
        {
            "Date": "03/04/2026", "Direction": "Received", "Partner": "Dr Rajesh Iyer",
            "Client": "Joanna Silva", "Reason": "eczema-prone skin",
            "Consent to share": "No", "Status": "New",
            "Notes": DEMO_NOTE_PREFIX + "the date was typed as text: 03/04/2026 could be 3 "
            "April or March 4. Pick it from the date picker (Date order in Settings "
            "decides how typed dates are read).",
        },
        {
            "Date": ago(1), "Direction": "Recieved", "Partner": "Kwame Mensah",
            "Client": "Chloe Dubois", "Reason": "cellulite", "Consent to share": "No",
            "Status": "New",
            "Notes": DEMO_NOTE_PREFIX + "Direction 'Recieved' is misspelt; it should be "
            "Received or Sent.",
        },
    ]
    return [_row(schema.REFERRALS, r) for r in rows]


def _checkins(today: dt.date) -> list[dict[str, object]]:
    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    rows: list[dict[str, object]] = [
        {
            "Client": "Emma Kowalski", "Client email": "emma.k@mail.example",
            "Client phone": "07700 900112", "Treatment": "Laser resurfacing",
            "Treatment date": ago(2), "First visit": "No", "Check-in by": "Call",
            "Assigned to": _ANA,
        },
        {
            "Client": "Noor Hassan", "Client email": "noor.hassan@mail.example",
            "Treatment": "Chemical peel", "Treatment date": ago(1), "First visit": "Yes",
            "Check-in by": "Email", "Assigned to": _ANA,
        },
        {
            "Client": "Sienna Moretti", "Client phone": "07700 900245",
            "Treatment": "Microneedling", "Treatment date": ago(3), "First visit": "No",
            "Check-in by": "Text", "Assigned to": _JO,
        },
        {
            "Client": "Hana Sato", "Client phone": "07700 900318",
            "Treatment": "Chemical peel", "Treatment date": ago(3), "First visit": "Yes",
            "Check-in by": "Call", "Assigned to": _ANA,
            "Notes": "Referred by Dr Webster.",
        },
        {
            "Client": "Tom Fletcher", "Client phone": "(917) 555-0163",
            "Treatment": "Body sculpting", "Treatment date": ago(5), "First visit": "Yes",
            "Check-in by": "Call", "Assigned to": _JO,
        },
        {
            "Client": "Yasmin Karimi", "Client email": "yasmin.karimi@mail.example",
            "Client phone": "07700 900492", "Treatment": "Injectables",
            "Treatment date": ago(14), "First visit": "No", "Check-in by": "Call",
            "Assigned to": _SAM, "Notes": "Two-week review.",
        },
        {
            "Client": "Beatriz Almeida", "Client email": "beatriz.almeida@mail.example",
            "Treatment": "Injectables", "Treatment date": ago(3), "First visit": "Yes",
            "Check-in by": "Email", "Assigned to": _SAM,
        },
        {
            "Client": "Ingrid Solberg", "Client email": "ingrid.solberg@mail.example",
            "Treatment": "Facial", "Treatment date": ago(1), "First visit": "Yes",
            "Check-in by": "Email", "Assigned to": _JO,
        },
        {
            "Client": "Kemi Adebayo", "Client phone": "07700 900573",
            "Treatment": "Facial", "Treatment date": ago(10), "First visit": "No",
            "Check-in by": "Call", "Assigned to": _JO, "Notes": "Monthly regular.",
        },
        {
            "Client": "Daniel Reyes", "Client phone": "(347) 555-0128",
            "Treatment": "Massage", "Treatment date": ago(4), "First visit": "Yes",
            "Check-in by": "Text", "Assigned to": _JO,
        },
        {
            "Client": "Laura Becker", "Client email": "laura.becker@mail.example",
            "Treatment": "Massage", "Treatment date": ago(7), "First visit": "No",
            "Check-in by": "Call", "Assigned to": _JO,
        },
        # Deliberately bad rows.
        {
            "Client": "Mia Johansson", "Client email": "mia.j@mail.example",
            "Treatment": "Hydra glow", "Treatment date": ago(2), "First visit": "Yes",
            "Check-in by": "Email", "Assigned to": _ANA,
            "Notes": DEMO_NOTE_PREFIX + "'Hydra glow' is not in the Treatments tab; add it "
            "there or pick an existing treatment.",
        },
        {
            "Client": "Ava Thompson", "Client phone": "07700 900689",
            "Treatment": "Microneedling", "First visit": "No", "Check-in by": "Text",
            "Assigned to": _ANA,
            "Notes": DEMO_NOTE_PREFIX + "the Treatment date is missing, so no check-in "
            "can be scheduled.",
        },
    ]
    return [_row(schema.CHECKINS, r) for r in rows]


def _settings() -> list[dict[str, object]]:
    setting, value = (c.name for c in schema.SETTINGS.columns)
    return [
        {setting: key, value: SAMPLE_SETTINGS.get(key, default)}
        for key, default, _ in DEFAULT_SETTINGS
    ]


def sample_register(today: dt.date) -> dict[str, list[dict[str, object]]]:
    """The demo register, tab name -> rows (column name -> value), dated around ``today``."""
    return {
        schema.PARTNERS.name: _partners(today),
        schema.REFERRALS.name: _referrals(today),
        schema.CHECKINS.name: _checkins(today),
        schema.SETTINGS.name: _settings(),
    }


#: What ``play_the_owner`` says it did (the demo prints it between its two syncs).
PLAYED = ("Then, as in a clinic's week: the owner sent two thank-you drafts (moved them to "
          "sent/), one partner replied, and the other's address bounced (both saved in "
          "inbox/).")


def play_the_owner(folder: Path, now: dt.datetime) -> bool:
    """What the demo's first sync is followed by, so that the second shows the tracker
    (README, "The tracker"): the owner sends the first two thank-you drafts (moves their
    files into ``sent/``), the first one's partner answers, and a mail server reports
    that the second could not be delivered; both are saved into ``inbox/`` as a mail
    program saves mail. False (nothing done) when there are not two thank-you drafts."""
    from sheetsync.workspace.mail import delivery_failure, reply

    drafts = sorted((folder / "drafts").glob("*_thank-you*.eml"))[:2]
    if len(drafts) < 2:
        return False
    sent, inbox = folder / "sent", folder / "inbox"
    sent.mkdir(exist_ok=True)
    inbox.mkdir(exist_ok=True)
    copies = []
    for path in drafts:
        os.replace(path, sent / path.name)
        message = email.message_from_bytes((sent / path.name).read_bytes(),
                                           policy=default_policy)
        assert isinstance(message, EmailMessage)
        copies.append(message)
    replied, bounced = copies
    partner = replied["To"].addresses[0]
    answer = reply(replied, sender=partner.addr_spec, sender_name=partner.display_name,
                   at=now, body="Thank you for letting me know, glad to hear it went well. "
                   "Happy to send more patients your way; shall we have a coffee next "
                   "month?")
    (inbox / "Re- Thank you.eml").write_bytes(answer)
    report = delivery_failure(bounced, at=now)
    (inbox / "Undelivered Mail Returned to Sender.eml").write_bytes(report)
    return True
