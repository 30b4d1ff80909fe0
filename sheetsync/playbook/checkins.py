"""Rule 5: check in on clients after a treatment, and draft their aftercare tips."""

from __future__ import annotations

import datetime as dt
import re

from sheetsync.core.fields import text_of
from sheetsync.core.register import Row
from sheetsync.core.rows import CheckInRow
from sheetsync.core.schema import AFTERCARE, CHECK_IN, normalise_header
from sheetsync.core.templates import TemplateProblem
from sheetsync.playbook import defaults
from sheetsync.playbook.context import (
    HISTORY,
    Intent,
    PlanContext,
    RowPlan,
    days,
    first_name,
    initials,
    iso,
    problem_for,
)
from sheetsync.playbook.wording import letter_treatment

CHECK_IN_PURPOSE = "check-in"
_DONE_ON = re.compile(r"^done on (\d{4}-\d{2}-\d{2})")
AFTERCARE_PURPOSE = "aftercare"


def plan_checkin(ctx: PlanContext, row: Row[CheckInRow]) -> RowPlan:
    assert row.model is not None
    item = row.model
    plan = RowPlan(row.key)
    treatment = ctx.register.treatments[normalise_header(item.treatment)]
    plan.intents.append(_check_in(ctx, row, item, treatment.name, treatment.checkin_after_days))
    aftercare = _aftercare(ctx, row, item, treatment.name, treatment.aftercare_template)
    plan.intents.append(aftercare)
    if aftercare.why_not.startswith("!"):
        plan.problems.append(aftercare.why_not[1:])
    return plan


def _check_in(ctx: PlanContext, row: Row[CheckInRow], item: CheckInRow, treatment: str,
              after: int | None) -> Intent:
    label = item.checkin_by
    done = _done_on(ctx, row, item)
    if done is not None:
        # Done: the row says so, and a future event for it is no longer wanted.
        text = f"done on {iso(done)}"
        return Intent(row.key, CHECK_IN_PURPOSE, CHECK_IN, label, why_not=text, shown=text)
    if after is None:
        if not item.first_visit:
            return Intent(row.key, CHECK_IN_PURPOSE, CHECK_IN, label,
                          why_not=f"not needed ({treatment} has no check-in; first visits get "
                                  "one)", retract=f"{treatment} has no check-in")
        after = ctx.settings.first_visit_checkin_days
    due = item.treatment_date + dt.timedelta(days=after)
    record = ctx.record(row.key, CHECK_IN_PURPOSE)
    if record is None:
        if ctx.is_history(due):
            return Intent(row.key, CHECK_IN_PURPOSE, CHECK_IN, label, why_not=HISTORY)
        if ctx.too_old(item.treatment_date):
            return Intent(row.key, CHECK_IN_PURPOSE, CHECK_IN, label,
                          why_not=f"not needed (older than {ctx.settings.history_days} days)")
        late = (ctx.today - due).days
        limit = ctx.settings.missed_after_days
        if late > limit:
            # Calling a client weeks after the day helps nobody: say so, make nothing.
            return Intent(row.key, CHECK_IN_PURPOSE, CHECK_IN, label,
                          why_not=f"missed (was due {iso(due)}, {late} days before it was "
                                  "first synced)",
                          missed_since=due + dt.timedelta(days=limit + 1))
    # A check-in already late when first planned goes on the first day it can happen,
    # and stays there while the treatment date and delay are unchanged.
    day, basis = ctx.schedule(row.key, CHECK_IN_PURPOSE, due)
    client = ctx.client_label(item.client)
    verb = {"Call": "Call", "Email": "Email", "Text": "Text"}[item.checkin_by]
    title = f"{verb} {client}: check-in after {treatment}"
    contact = ""
    if ctx.settings.show_client_names:
        contact = " ".join(x for x in (item.client_phone, item.client_email) if x)
    description = (
        f"{treatment} on {iso(item.treatment_date)}"
        f"{' (first visit)' if item.first_visit else ''}; check in by {item.checkin_by.lower()}"
        f"{' — assigned to ' + item.assigned_to if item.assigned_to else ''}."
        f"{' Contact: ' + contact + '.' if contact else ''}\n"
        f"Register: Check-ins tab, Check-in ID {row.key} (contact details there). "
        "Made by sheetsync."
    )
    spec = ctx.timed_event(row.key, CHECK_IN_PURPOSE, title, description, day)
    if record is not None and record.status == "active" and day < ctx.today and \
            ctx.tracks_done:
        # Past its day and not marked done (only a tab with a Done column can say).
        late = (ctx.today - day).days
        limit = ctx.settings.missed_after_days
        if late > limit:
            return Intent(row.key, CHECK_IN_PURPOSE, CHECK_IN, label, spec, basis=basis,
                          shown=f"missed (was due {iso(day)}, not marked done)",
                          missed_since=day + dt.timedelta(days=limit + 1))
        return Intent(row.key, CHECK_IN_PURPOSE, CHECK_IN, label, spec, basis=basis,
                      shown=f"{label} was due {iso(day)}: late by {days(late)}", late=late)
    return Intent(row.key, CHECK_IN_PURPOSE, CHECK_IN, label, spec, basis=basis)


def withdraw_removed_treatment(ctx: PlanContext, row: Row[CheckInRow]) -> RowPlan | None:
    """A row whose Treatment cell staff emptied (not valid, so not planned): what was made
    for its treatment is withdrawn (REGISTER.md, "Retraction": a treatment removed). A
    treatment the catalogue does not know is a typo to fix, and withdraws nothing."""
    if text_of(row.cells.get("Treatment")).strip():
        return None
    intents = [Intent(row.key, purpose, column, label, retract="treatment removed")
               for purpose, column, label in ((CHECK_IN_PURPOSE, CHECK_IN, "Check-in"),
                                              (AFTERCARE_PURPOSE, AFTERCARE, "Aftercare"))
               if ctx.record(row.key, purpose) is not None]
    return RowPlan(row.key, intents) if intents else None


def _done_on(ctx: PlanContext, row: Row[CheckInRow], item: CheckInRow) -> dt.date | None:
    """The day the check-in was done: the Done cell's date, or for "Yes" the day the
    status cell already shows (the day sheetsync first saw it), else today."""
    if item.done is None or item.done is False:
        return None
    if isinstance(item.done, dt.date):
        return item.done
    shown = _DONE_ON.match(text_of(row.cells.get(CHECK_IN)).strip())
    if shown is not None:
        try:
            return dt.date.fromisoformat(shown[1])
        except ValueError:
            pass
    return ctx.today


def _aftercare(ctx: PlanContext, row: Row[CheckInRow], item: CheckInRow, treatment: str,
               template: str) -> Intent:
    label = "Aftercare"
    record = ctx.record(row.key, AFTERCARE_PURPOSE)
    if not item.client_email:
        return Intent(row.key, AFTERCARE_PURPOSE, AFTERCARE, label,
                      why_not="not needed (no client email)", retract="client email removed")
    if not template:
        return Intent(row.key, AFTERCARE_PURPOSE, AFTERCARE, label,
                      why_not=f"not needed ({treatment} has no aftercare template)",
                      retract=f"{treatment} has no aftercare")
    if item.treatment_date > ctx.today and (record is None or record.status != "sent"):
        # Never before the treatment: a draft made for a date since moved into the future
        # is withdrawn, and drafted again on the new day (its window counts from there).
        day = iso(item.treatment_date)
        return Intent(row.key, AFTERCARE_PURPOSE, AFTERCARE, label,
                      why_not=f"drafted on the treatment day ({day})",
                      retract=f"treatment moved to {day} (drafted again that day)")
    if record is None:
        window = ctx.settings.aftercare_days
        if ctx.is_history(item.treatment_date):
            return Intent(row.key, AFTERCARE_PURPOSE, AFTERCARE, label, why_not=HISTORY)
        if ctx.too_old(item.treatment_date):
            return Intent(row.key, AFTERCARE_PURPOSE, AFTERCARE, label,
                          why_not=f"not needed (older than {ctx.settings.history_days} days)")
        if (ctx.today - item.treatment_date).days > window:
            return Intent(row.key, AFTERCARE_PURPOSE, AFTERCARE, label,
                          why_not=f"not needed (more than {window} days after the treatment)")
    values = {
        "client_first_name": first_name(item.client),
        "client_initials": initials(item.client),
        "treatment": letter_treatment(treatment),
        "treatment_date": ctx.letter_date(item.treatment_date),
    }
    name = template if template.casefold() in ctx.register.templates or \
        template in defaults.DEFAULT_TEMPLATES else defaults.AFTERCARE_GENERIC
    try:
        spec = ctx.draft(row.key, AFTERCARE_PURPOSE, name, values, item.client,
                         item.client_email, partner_safe=False)
    except TemplateProblem as exc:
        return Intent(row.key, AFTERCARE_PURPOSE, AFTERCARE, label,
                      why_not="!" + problem_for(label, exc))
    return Intent(row.key, AFTERCARE_PURPOSE, AFTERCARE, label, spec)
