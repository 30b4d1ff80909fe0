"""Staff-editable email templates with ``{{placeholder}}`` fields.

Rendering is a plain substitution: no attribute access, no expressions, no code, so a
template typed into a spreadsheet cell can never do more than insert known values.
A placeholder that is unknown, or not allowed in this email (client details in a partner
email without consent), is a row problem, never a blank in the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_SEPARATORS = re.compile(r"[\s\-]+")


@lru_cache(maxsize=4096)  # a few names, asked for in every draft of every row
def placeholder_name(raw: str) -> str:
    """'Partner salutation', 'partner-salutation' and 'PARTNER_SALUTATION' are one name."""
    return _SEPARATORS.sub("_", raw.strip()).casefold()


#: A blank for the owner to fill in before sending: a capitalised name and a colon in
#: square brackets, e.g. "[Outcome: write one line here before sending]".
BLANK = re.compile(r"\[([A-Z][A-Za-z ]{0,30}):[^\[\]\n]*\]")


def blanks_in(text: str) -> list[str]:
    """The names of the blanks in a draft's text, e.g. ["Outcome"]."""
    return list(dict.fromkeys(m.group(1).strip() for m in BLANK.finditer(text)))


def blanks_note(text: str) -> str:
    """": fill in [Outcome] before sending" for a text with blanks, else ""."""
    names = blanks_in(text)
    return f": fill in {', '.join(f'[{n}]' for n in names)} before sending" if names else ""


class TemplateProblem(ValueError):
    pass


@dataclass(frozen=True)
class Template:
    name: str
    subject: str
    body: str
    source: str = "built-in"  # or "Templates tab"


def placeholders_in(text: str) -> list[str]:
    return [placeholder_name(m) for m in PLACEHOLDER.findall(text)]


def render_text(text: str, values: Mapping[str, str], *, template: str, known: frozenset[str]
                ) -> str:
    missing: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name = placeholder_name(match.group(1))
        if name in values:
            return values[name]
        missing.append(match.group(0))
        return match.group(0)

    result = PLACEHOLDER.sub(substitute, text)
    if missing:
        unknown = [m for m in missing if placeholder_name(m[2:-2]) not in known]
        not_here = [m for m in missing if m not in unknown]
        parts = []
        if unknown:
            parts.append(f"Template '{template}' uses {', '.join(dict.fromkeys(unknown))}, "
                         "which sheetsync does not know (see the README for the list)")
        if not_here:
            parts.append(f"Template '{template}' uses {', '.join(dict.fromkeys(not_here))}, "
                         "which is not available in this email (client details need "
                         "Consent to share = Yes)")
        raise TemplateProblem("; ".join(parts))
    return result


def render(template: Template, values: Mapping[str, str], known: frozenset[str]
           ) -> tuple[str, str]:
    subject = render_text(template.subject, values, template=template.name, known=known)
    body = render_text(template.body, values, template=template.name, known=known)
    return subject, body
