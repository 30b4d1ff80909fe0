"""Every template checked on every run, not on the day it is first needed.

A template whose placeholder is misspelt, or asks for something its email cannot hold
(a client's name in a thank-you made without consent), would only fail when a row first
needs it: a new referral weeks later. Each sync checks every row of the Templates tab and
every built-in text, and every aftercare template the Treatments tab names, and reports
what is wrong in the run's notes (exit code 1, like other tab problems). The rows that
need a bad template still say so in their Sync status when they do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sheetsync.core.rows import TreatmentRow
from sheetsync.core.templates import PLACEHOLDER, Template, placeholder_name
from sheetsync.playbook import defaults


def template_notes(templates: Mapping[str, Template],
                   treatments: Mapping[str, TreatmentRow]) -> list[str]:
    """One note per bad template (Templates tab or built-in) and per Treatments row that
    names a template that does not exist."""
    notes: list[str] = []
    staff_names = set(templates)
    for template in _in_use(templates):
        notes.extend(_problems(template))
    for treatment in treatments.values():
        name = treatment.aftercare_template.strip()
        if name and name.casefold() not in staff_names \
                and name not in defaults.DEFAULT_TEMPLATES:
            notes.append(f"Treatments tab, '{treatment.name}': aftercare template '{name}' is "
                         "not in the Templates tab: add a row with that name, or correct the "
                         "name; until then the general aftercare text is used")
    return notes


def _in_use(templates: Mapping[str, Template]) -> Iterable[Template]:
    """The Templates tab's rows, and the built-ins no row overrides."""
    for staff in templates.values():
        if defaults.is_retired_text(staff.name, staff.subject, staff.body):
            continue  # the built-in is used instead (defaults.RETIRED_TEMPLATES)
        yield staff
    for name, (subject, body) in defaults.DEFAULT_TEMPLATES.items():
        row = templates.get(name.casefold())
        if row is None or defaults.is_retired_text(name, row.subject, row.body):
            yield Template(name, subject, body)


def _problems(template: Template) -> list[str]:
    where = ("Templates tab, template" if template.source == "Templates tab"
             else "Built-in template")
    allowed = defaults.placeholders_for(template.name)
    known = set(defaults.PLACEHOLDERS)
    unknown: list[str] = []
    not_here: list[str] = []
    stray = False
    for text in (template.subject, template.body):
        for match in PLACEHOLDER.finditer(text):
            name = placeholder_name(match.group(1))
            if name not in known:
                unknown.append(match.group(0))
            elif name not in allowed:
                not_here.append(match.group(0))
        rest = PLACEHOLDER.sub("", text)
        stray = stray or "{{" in rest or "}}" in rest
    problems = []
    if unknown:
        problems.append(f"uses {', '.join(dict.fromkeys(unknown))}, which sheetsync does not "
                        "know (see the README, Templates, for the list)")
    if not_here:
        why = (" (client details need Consent to share = Yes, and then the "
               f"'{defaults.THANK_YOU_CONSENT}' template is used)"
               if template.name.casefold() == defaults.THANK_YOU else "")
        problems.append(f"uses {', '.join(dict.fromkeys(not_here))}, which this email cannot "
                        f"fill in{why}")
    if stray:
        problems.append("has '{{' or '}}' that is not a whole placeholder like "
                        "{{clinic_name}}")
    if not problems:
        return []
    until = ("the drafts that need it are not made" if unknown or not_here
             else "drafts show it as typed")
    return [f"{where} '{template.name}' {'; '.join(problems)}: fix it; until then {until}"]
