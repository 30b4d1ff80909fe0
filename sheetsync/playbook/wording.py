"""How names, dates and treatments read inside a letter.

Pure helpers for the values a draft's placeholders receive:

- :func:`greeting_name` turns a partner's Name into what follows "Dear": titles, suffixes
  ("Jane Smith, MD" -> "Dr Smith"), names typed in capitals, accents and practice names
  ("Smith Dermatology Ltd" -> "colleagues at Smith Dermatology Ltd"), never a fragment.
  A *Salutation* cell on the Partners row overrides it (:func:`partner_greeting`).
- :func:`letter_date` writes a date as people do ("Friday 4 December" or "Friday,
  December 4"), never ``2026-12-04``.
- :func:`letter_treatment` lower-cases a catalogue name mid-sentence ("your laser
  resurfacing") but keeps acronyms and brand names ("IPL", "Botox", "CoolSculpting").
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from sheetsync.core.dates import DateOrder
from sheetsync.core.messages import one_line

# ------------------------------------------------------------------------ greetings

#: Titles typed before a name -> how the greeting writes them (keyed by folded form).
_TITLES: dict[str, str] = {
    "dr": "Dr", "doctor": "Dr", "dra": "Dra.", "drs": "Dr",
    "prof": "Professor", "professor": "Professor",
    "mr": "Mr", "mrs": "Mrs", "ms": "Ms", "mx": "Mx", "miss": "Miss",
    "sr": "Sr.", "sra": "Sra.", "srta": "Srta.",
}
#: Credentials after a name that make the person a doctor ("Jane Smith, MD" -> "Dr Smith").
_DOCTOR_CREDENTIALS = frozenset({
    "md", "do", "phd", "mbbs", "mbchb", "mbbch", "bmbs", "dpm", "dc", "dds", "dmd", "od",
    "dnp", "dpt", "psyd", "edd", "drph", "dphil", "md phd", "mdphd", "dmsc",
})
#: Other letters after a name: dropped from the greeting.
_OTHER_SUFFIXES = frozenset({
    "rn", "np", "aprn", "pa", "pac", "pa c", "pt", "lmt", "msc", "bsc", "ms", "ma", "ba",
    "mba", "mph", "fnp", "fnpc", "cnp", "crnp", "faad", "facog", "facs", "facp", "frcp",
    "frcs", "frcpc", "mrcp", "mrcgp", "mrcs", "fracp", "ccc", "lpn", "ot", "otr", "slp",
    "ibclc", "cnm", "bsn", "msn", "rd", "cpt", "atc", "esq", "jr", "sr", "ii", "iii", "iv",
    "obe", "mbe", "cbe",
})
#: Words that make a Name a practice, not a person.
_PRACTICE_WORDS = frozenset({
    "ltd", "limited", "llc", "llp", "plc", "inc", "incorporated", "corp", "pllc", "pc",
    "gmbh", "pty", "company", "clinic", "clinics", "practice", "centre", "center",
    "group", "associates", "partners", "partnership", "dermatology", "physiotherapy",
    "physical", "therapy", "medical", "medicine", "health", "healthcare", "surgery",
    "hospital", "spa", "studio", "institute", "chiropractic", "podiatry", "wellness",
    "aesthetics", "services", "team", "care", "laboratories", "labs", "pharmacy",
    "obstetrics", "gynecology", "gynaecology", "orthopaedics", "orthopedics",
})
#: Surname particles: "Dr Ludwig van Beethoven" -> "Dr van Beethoven".
_PARTICLES = frozenset({
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "dos", "du", "la",
    "le", "ter", "ten", "bin", "ibn", "al", "el", "st", "st.", "mac", "y",
})
_FALLBACK = "colleague"
_PAREN = re.compile(r"\([^()]*\)")
_DEAR = re.compile(r"^\s*dear\s+", re.IGNORECASE)


def _fold(word: str) -> str:
    """Case, accents and dots do not count: 'DRA.' -> 'dra', 'Dr.' -> 'dr'."""
    decomposed = unicodedata.normalize("NFKD", word)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[.\-]", "", bare.casefold()).strip()


def _suffix(text: str) -> str:
    """'M.D.' -> 'md', 'PA-C' -> 'pac'; '' if ``text`` is not one known suffix."""
    folded = " ".join(_fold(w) for w in text.replace(",", " ").split())
    if folded in _DOCTOR_CREDENTIALS or folded in _OTHER_SUFFIXES:
        return folded
    return ""


# Suffixes that are also surnames or words ("Jane Do", "Li Ma"): without a comma they
# count only when typed in capitals in a name that is not all capitals.
_AMBIGUOUS = frozenset({"do", "ma", "ba", "ms", "od", "pa", "ot", "pt", "dc", "np", "sr"})


def _typed_as_letters(word: str, kind: str, shouting: bool) -> bool:
    """Is a trailing ``word`` (not after a comma) letters after the name?"""
    if "." in word:
        return True
    if kind in _AMBIGUOUS:
        return word.isupper() and not shouting
    return True


def _recase(word: str) -> str:
    """'DOE' -> 'Doe', "O'BRIEN" -> "O'Brien", 'SMITH-JONES' -> 'Smith-Jones'."""
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), word.lower())


def _is_initial(word: str) -> bool:
    return len(word.rstrip(".")) <= 1


def greeting_name(name: str) -> str:
    """What follows "Dear" for a partner called ``name``.

    - "Dr Carol Webster", "DR CAROL WEBSTER", "Dr. Carol Webster" -> "Dr Webster"
    - "Dra. Sofía Núñez" -> "Dra. Núñez"; "Prof. Alan Grant" -> "Professor Grant"
    - "Jane Smith, MD" / "Jane Smith MD" -> "Dr Smith" (a doctor's credential)
    - "Tom Reed, PT" -> "Tom" (other letters after the name are dropped)
    - "Maya Chen" -> "Maya"; "Webster, Carol" -> "Carol"; "J. Smith" -> "J. Smith"
    - "Smith Dermatology Ltd" -> "colleagues at Smith Dermatology Ltd"
    - nothing usable (a bare "Dr.") -> "colleague"
    """
    text = one_line(name, 160).strip()
    text = _PAREN.sub(" ", text).strip()
    if not text:
        return _FALLBACK
    words = text.replace(",", " , ").split()
    folded = [_fold(w) for w in words]
    if any(f in _PRACTICE_WORDS for f in folded) or "&" in words:
        return f"colleagues at {' '.join(text.split())}"

    # Letters after the name: after a comma, or trailing known suffixes.
    doctor = False
    head, _, tail = text.partition(",")
    if tail.strip():
        parts = [p.strip() for p in tail.split(",") if p.strip()]
        kinds = [_suffix(p) for p in parts]
        if all(kinds):
            doctor = any(k in _DOCTOR_CREDENTIALS for k in kinds)
        elif len(parts) == 1 and len(head.split()) == 1:
            # "Webster, Carol": surname first.
            head = f"{parts[0]} {head}"
        else:
            head = text.replace(",", " ")
    words = head.split()
    shouting = head.isupper() or head.islower()
    while len(words) > 2 and (kind := _suffix(words[-1])) and _typed_as_letters(
            words[-1], kind, shouting):
        doctor = doctor or kind in _DOCTOR_CREDENTIALS
        words.pop()

    title = ""
    while words and _fold(words[0]) in _TITLES:
        title = title or _TITLES[_fold(words[0])]
        words.pop(0)
    if shouting:
        words = [_recase(w) for w in words]
    if not words:
        return _FALLBACK
    if doctor and not title:
        title = "Dr"
    if title:
        start = len(words) - 1
        while start > 1 and _fold(words[start - 1]) in _PARTICLES:
            start -= 1
        return f"{title} {' '.join(words[start:])}"
    if _is_initial(words[0]):
        return " ".join(words)
    return words[0]


def partner_greeting(name: str, salutation: str = "") -> str:
    """The Salutation cell when filled in (a typed "Dear" and final comma are dropped,
    the template has its own), else :func:`greeting_name`."""
    typed = _DEAR.sub("", one_line(salutation, 160)).strip().rstrip(",").strip()
    return typed or greeting_name(name)


# ----------------------------------------------------------------------------- dates

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
# Time zones of places that write month first ("Friday, December 4"): the United States
# and its territories. Everywhere else writes the day first ("Friday 4 December").
_MONTH_FIRST_ZONES = re.compile(
    r"^(America/(New_York|Chicago|Denver|Los_Angeles|Phoenix|Anchorage|Juneau|Sitka|"
    r"Metlakatla|Yakutat|Nome|Adak|Boise|Detroit|Menominee|Indiana/.*|Kentucky/.*|"
    r"North_Dakota/.*|Puerto_Rico)|US/.*|Pacific/(Honolulu|Guam|Saipan|Pago_Pago)|"
    r"EST5EDT|CST6CDT|MST7MDT|PST8PDT|EST|MST|HST)$"
)


def letter_order(date_order: DateOrder, time_zone: str) -> DateOrder:
    """How dates read in letters: Settings' *Date order* when set, else the clinic's
    habit guessed from its *Time zone* (month-first in the US, day-first elsewhere)."""
    if date_order:
        return date_order
    return "month-first" if _MONTH_FIRST_ZONES.match(time_zone) else "day-first"


def letter_date(day: dt.date, order: DateOrder, today: dt.date) -> str:
    """'Friday 4 December' (day-first) or 'Friday, December 4' (month-first); the year
    is added when it is not the current one ('Monday 30 November 2026')."""
    weekday, month = _WEEKDAYS[day.weekday()], _MONTHS[day.month - 1]
    if order == "month-first":
        text = f"{weekday}, {month} {day.day}"
        return text if day.year == today.year else f"{text}, {day.year}"
    text = f"{weekday} {day.day} {month}"
    return text if day.year == today.year else f"{text} {day.year}"


# ------------------------------------------------------------------------ treatments

#: Brand names written with one capital, kept as they are ("your Botox").
BRANDS = frozenset({
    "botox", "dysport", "xeomin", "jeuveau", "daxxify", "bocouture", "azzalure", "juvederm",
    "juvéderm", "restylane", "radiesse", "sculptra", "belotero", "teosyal", "profhilo",
    "kybella", "ultherapy", "thermage", "fraxel", "morpheus", "emsculpt", "emsella",
    "moxi", "vbeam", "dermapen", "sofwave", "exilis",
    "zeltiq", "hydrafacial", "coolsculpting", "latisse", "obagi",
})


def _keep(word: str) -> bool:
    """Acronyms, brands and names with capitals inside or digits keep their capitals."""
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return True
    if sum(1 for c in letters if c.isupper()) > 1 or any(c.isdigit() for c in word):
        return True
    return _fold(word) in BRANDS


def letter_treatment(name: str) -> str:
    """A catalogue name as it reads mid-sentence: 'Laser resurfacing' -> 'laser
    resurfacing', 'Chemical Peel' -> 'chemical peel'; 'IPL photofacial', 'Botox' and
    'CoolSculpting' keep their capitals."""
    words = one_line(name, 200).split()
    return " ".join(w if _keep(w) else w.lower() for w in words)
