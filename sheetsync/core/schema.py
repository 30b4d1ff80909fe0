"""The register's tabs and columns, as REGISTER.md defines them.

Headers are matched by name, never by position: ``normalise_header`` folds case, spaces,
punctuation and accents so "E-mail", "email" and " EMAIL " are the same column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache


class TabKind(str, Enum):
    PARTNERS = "Partners"
    REFERRALS = "Referrals"
    CHECKINS = "Check-ins"
    TREATMENTS = "Treatments"
    TEMPLATES = "Templates"
    SETTINGS = "Settings"


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    tool_owned: bool = False
    is_date: bool = False
    choices: tuple[str, ...] = ()
    note: str = ""

    def matches(self, header: str) -> bool:
        wanted = normalise_header(header)
        return wanted == normalise_header(self.name) or wanted in {
            normalise_header(a) for a in self.aliases
        }


@dataclass(frozen=True)
class TabSpec:
    kind: TabKind
    columns: tuple[Column, ...]
    id_column: str | None = None
    id_prefix: str = ""
    aliases: tuple[str, ...] = ()
    # Catalogue tabs (Treatments, Templates, Settings) may be absent: defaults apply.
    optional: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.kind.value

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def tool_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.tool_owned)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def matches(self, title: str) -> bool:
        wanted = normalise_header(title)
        return wanted == normalise_header(self.name) or wanted in {
            normalise_header(a) for a in self.aliases
        }


_FOLD = re.compile(r"[^0-9a-z]+")


def normalise_header(text: object) -> str:
    """Fold a header for matching: case, accents, spaces and punctuation do not count."""
    return _fold_header("" if text is None else str(text))


@lru_cache(maxsize=8192)
def _fold_header(raw: str) -> str:
    # Cached: choice cells (Stage, Status, Direction...) repeat on every row, and each is
    # compared with every allowed choice.
    decomposed = unicodedata.normalize("NFKD", raw)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _FOLD.sub("", ascii_only.casefold())


SPECIALTIES = (
    "Dermatologist",
    "OB-GYN",
    "Physical therapist",
    "Physician",
    "Nurse practitioner",
    "Chiropractor",
    "Podiatrist",
    "Massage therapist",
    "Other",
)
CONTACT_METHODS = ("Email", "Phone", "Text", "Note with client", "In person")
STAGES = ("Prospect", "Nurturing", "Meeting requested", "Active", "Paused")
DIRECTIONS = ("Received", "Sent")
YES_NO = ("Yes", "No")
REFERRAL_STATUSES = ("New", "Booked", "Seen", "Reported back", "Closed", "Declined")
CHECKIN_METHODS = ("Call", "Email", "Text")

# Tool-owned column names, shared by code that writes statuses back.
SYNC_STATUS = "Sync status"
NEXT_TOUCH = "Next touch"
THANK_YOU = "Thank-you"
FOLLOW_UP = "Follow-up"
CHECK_IN = "Check-in"
AFTERCARE = "Aftercare"

_STATUS = Column(SYNC_STATUS, ("Status (sheetsync)", "Sync"), tool_owned=True,
                 note="Written by sheetsync: what the last sync did, or this row's problem.")

PARTNERS = TabSpec(
    kind=TabKind.PARTNERS,
    id_column="Partner ID",
    id_prefix="P",
    aliases=("Partner", "Referral partners"),
    columns=(
        Column("Partner ID", ("ID", "Partner key"), tool_owned=True,
               note="Written by sheetsync: a stable key. Never edit or copy it."),
        Column("Name", ("Partner name", "Full name"), required=True,
               note='Required. The partner\'s name, e.g. "Dr Carol Webster".'),
        Column("Practice", ("Clinic", "Practice name", "Company"),
               note="The practice or clinic the partner works at."),
        Column("Specialty", ("Speciality", "Specialism", "Type"), choices=SPECIALTIES,
               note="Pick from the list (Dermatologist, OB-GYN, Physical therapist, ...)."),
        Column("Email", ("E-mail", "Email address", "E-mail address", "Mail"),
               note="Where drafts to this partner go. Needed once a draft is due."),
        Column("Phone", ("Telephone", "Phone number", "Tel", "Mobile"),
               note="The partner's phone number, as you would dial it."),
        Column("Preferred contact", ("Contact by", "Preferred contact method"),
               choices=CONTACT_METHODS,
               note="How the partner likes to hear from us: Email, Phone, Text, ..."),
        Column("Stage", ("Partner stage", "Relationship"), choices=STAGES,
               note="Prospect (default), Nurturing, Meeting requested, Active or Paused."),
        Column("Introduced by", ("Introducer", "Referred by"),
               note="Another partner's name or ID who can introduce us."),
        Column("Check-in every (days)", ("Check in every", "Check-in every", "Cadence (days)",
                                         "Check-in days"),
               note="Days between check-ins for Active partners (default 90)."),
        Column("Last contact", ("Last contacted", "Last contact date", "Last touch"),
               is_date=True, note="Date we last spoke or wrote, e.g. 2026-03-04."),
        Column("Owner", ("Staff owner", "Account owner", "Responsible"),
               note="The staff member (email) who looks after this partner."),
        Column("Salutation", ("Greeting", "Dear", "Salutation name"),
               note='Optional: how emails greet this partner after "Dear", e.g. '
                    '"Dr Webster". Blank: made from Name.'),
        Column("Notes", ("Note", "Comments"), note="Free text. sheetsync never reads it."),
        Column(NEXT_TOUCH, ("Next contact", "Next step"), tool_owned=True,
               note="Written by sheetsync: the next date and what is due."),
        _STATUS,
    ),
)

REFERRALS = TabSpec(
    kind=TabKind.REFERRALS,
    id_column="Referral ID",
    id_prefix="R",
    aliases=("Referral", "Referrals log"),
    columns=(
        Column("Referral ID", ("ID", "Referral key"), tool_owned=True,
               note="Written by sheetsync: a stable key. Never edit or copy it."),
        Column("Date", ("Referral date", "Date referred"), required=True, is_date=True,
               note="Required. The day of the referral, e.g. 2026-03-04."),
        Column("Direction", ("Received or sent", "In/out", "Type"), required=True,
               choices=DIRECTIONS, note="Received (they referred to us) or Sent (we referred)."),
        Column("Partner", ("Partner name", "Referrer", "Doctor", "Partner ID"), required=True,
               note="The partner's Name or Partner ID from the Partners tab."),
        Column("Client", ("Client name", "Patient", "Patient name"), required=True,
               note="Required. The client's name (never shown in calendar events)."),
        Column("Client email", ("Client e-mail", "Patient email"),
               note="The client's email address, if we have one."),
        Column("Reason", ("Reason for referral", "Concern", "Condition"),
               note='Why the client was referred, e.g. "acne, rosacea".'),
        Column("Consent to share", ("Consent", "Consent to share updates", "Share consent"),
               choices=YES_NO,
               note="Yes only if the client agreed that we update the partner. Default No."),
        Column("Status", ("Referral status", "Stage"), choices=REFERRAL_STATUSES,
               note="New, Booked, Seen, Reported back, Closed or Declined."),
        Column("First visit", ("First visit date", "First appointment", "Seen on"),
               is_date=True, note="Date of the client's first visit with us."),
        Column("Notes", ("Note", "Comments"), note="Free text. sheetsync never reads it."),
        Column(THANK_YOU, ("Thank you", "Thanks"), tool_owned=True,
               note="Written by sheetsync: the thank-you draft's state."),
        Column(FOLLOW_UP, ("Follow up", "Follow-up event"), tool_owned=True,
               note="Written by sheetsync: the calendar follow-up and its date."),
        _STATUS,
    ),
)

CHECKINS = TabSpec(
    kind=TabKind.CHECKINS,
    id_column="Check-in ID",
    id_prefix="C",
    aliases=("Checkins", "Check ins", "Client check-ins", "Aftercare"),
    columns=(
        Column("Check-in ID", ("ID", "Checkin ID"), tool_owned=True,
               note="Written by sheetsync: a stable key. Never edit or copy it."),
        Column("Client", ("Client name", "Patient", "Patient name"), required=True,
               note="Required. The client's name (calendar events show initials)."),
        Column("Client email", ("Client e-mail", "Email", "E-mail"),
               note="Where the aftercare email goes. Blank: no aftercare email."),
        Column("Client phone", ("Phone", "Client mobile", "Mobile"),
               note="For a check-in by call or text."),
        Column("Treatment", ("Procedure", "Service"), required=True,
               note="A treatment from the Treatments tab."),
        Column("Treatment date", ("Date", "Date of treatment", "Treated on"), required=True,
               is_date=True, note="Required. The day of the treatment, e.g. 2026-03-04."),
        Column("First visit", ("New client", "First treatment"), choices=YES_NO,
               note="Yes for a new client's first treatment: it always gets a check-in."),
        Column("Check-in by", ("Check in by", "Contact by", "Method"), choices=CHECKIN_METHODS,
               note="Call (default), Email or Text."),
        Column("Assigned to", ("Staff", "Owner", "Practitioner"),
               note="The staff member who does the check-in."),
        Column("Done", ("Done on", "Check-in done", "Checked in"), is_date=True,
               note="The day the check-in happened (Yes: today). Optional."),
        Column("Notes", ("Note", "Comments"), note="Free text. sheetsync never reads it."),
        Column(CHECK_IN, ("Check in", "Check-in event"), tool_owned=True,
               note="Written by sheetsync: the calendar check-in and its date."),
        Column(AFTERCARE, ("Aftercare draft", "Aftercare email"), tool_owned=True,
               note="Written by sheetsync: the aftercare draft's state."),
        _STATUS,
    ),
)

TREATMENTS = TabSpec(
    kind=TabKind.TREATMENTS,
    optional=True,
    aliases=("Treatment catalogue", "Services"),
    columns=(
        Column("Treatment", ("Name", "Procedure", "Service"), required=True,
               note="The treatment's name, as staff write it on the Check-ins tab."),
        Column("Check-in after (days)", ("Check in after", "Check-in after", "Days"),
               note="Days after the treatment to check in. Blank: only first visits."),
        Column("Aftercare template", ("Template", "Aftercare"),
               note="A template name from the Templates tab. Blank: no aftercare email."),
    ),
)

TEMPLATES = TabSpec(
    kind=TabKind.TEMPLATES,
    optional=True,
    aliases=("Email templates",),
    columns=(
        Column("Template", ("Name", "Template name"), required=True,
               note="Which draft this text is for. A row here overrides the built-in one."),
        Column("Subject", (), required=True,
               note="The email subject. Placeholders like {{client_first_name}} are filled in."),
        Column("Body", ("Text", "Message"), required=True,
               note="The email text, with placeholders. The signature comes from Settings."),
    ),
)

SETTINGS = TabSpec(
    kind=TabKind.SETTINGS,
    optional=True,
    aliases=("Config", "Configuration"),
    columns=(
        Column("Setting", ("Key", "Name"), required=True,
               note="The setting's name (see the README, Configuration)."),
        Column("Value", (), required=True, note="Its value for this clinic."),
    ),
)

DATA_TABS: tuple[TabSpec, ...] = (PARTNERS, REFERRALS, CHECKINS)
CATALOGUE_TABS: tuple[TabSpec, ...] = (TREATMENTS, TEMPLATES, SETTINGS)
ALL_TABS: tuple[TabSpec, ...] = DATA_TABS + CATALOGUE_TABS

# The hidden tab that holds sheetsync's own memory (see core/state.py).
STATE_TAB = "_sheetsync_state"


def spec_for(kind: TabKind) -> TabSpec:
    for spec in ALL_TABS:
        if spec.kind is kind:
            return spec
    raise KeyError(kind)
