"""The Settings tab's guard: who the drafts come from, and in which time zone events go,
never change without a word.

The Settings tab says the clinic's name, the owner's email and the time zone. Without
it every setting falls back to its default (``core.settings``): a renamed or deleted tab
would rewrite every unsent draft from "Your Clinic" and move every event to another time
zone, and the run would look like any other. So, like the data tabs' mass-change guard
(``core.guard``):

- a Settings tab that was there at the last sync and is now missing, or reads with no
  setting at all, holds the whole sync: nothing is planned, made or written, and the
  message says how to put it back, or to accept the change with ``--accept-changes``;
- a change of time zone, Owner email or Clinic name since the last sync is a note of
  the run (summary, ``--json`` notes, the Sync log line), once;
- a clinic identity still at its placeholder ("Your Clinic", no Owner email) makes no
  draft at all: a tab problem says what to fill in (``hold_drafts``).

What was seen is kept in the state (``core.state.SettingsSeen``): the clinic's own
details, no client data. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import replace

from sheetsync.core.fields import text_of
from sheetsync.core.guard import ACCEPT
from sheetsync.core.headers import find_tabs, map_columns
from sheetsync.core.plan import RowPlan
from sheetsync.core.ports import DraftSpec, RegisterSnapshot
from sheetsync.core.reconcile import Step
from sheetsync.core.register import ParsedRegister
from sheetsync.core.schema import SETTINGS
from sheetsync.core.settings import ClinicSettings
from sheetsync.core.state import SettingsSeen, SyncState

# The values a new register starts with (``playbook.defaults.DEFAULT_SETTINGS``): no
# clinic's real identity. Compared case- and space-insensitively.
PLACEHOLDER_CLINIC_NAMES = frozenset({"", "your clinic"})
PLACEHOLDER_OWNER_EMAILS = frozenset({"", "owner@sheetsync.invalid"})

# What a held draft's cell says, e.g. "Thank-you: waiting for ...".
WAITING = "not drafted: waiting for Clinic name and Owner email in the Settings tab"


def settings_tab(snapshot: RegisterSnapshot) -> tuple[str | None, int]:
    """The Settings tab's title as read (None: there is none) and how many settings it
    holds (rows with a key, under a 'Setting' / 'Value' header)."""
    found = find_tabs(snapshot).tabs.get(SETTINGS.name)
    if found is None:
        return None, 0
    _, tab = found
    cmap = map_columns(SETTINGS, tab.title, tab.header)
    if cmap.missing_required:
        return tab.title, 0
    pos = cmap.index["Setting"]
    keys = sum(1 for raw in tab.rows
               if pos < len(raw.cells) and text_of(raw.cells[pos]).strip())
    return tab.title, keys


def seen_now(snapshot: RegisterSnapshot, settings: ClinicSettings) -> SettingsSeen:
    title, keys = settings_tab(snapshot)
    return SettingsSeen(title is not None and keys > 0, settings.time_zone,
                        settings.clinic_name, settings.owner_email)


def settings_lost(snapshot: RegisterSnapshot, settings: ClinicSettings,
                  before: SettingsSeen | None) -> str:
    """Why the sync must be held because the Settings tab went, or ""."""
    if before is None or not before.tab:
        return ""
    title, keys = settings_tab(snapshot)
    if title is not None and keys:
        return ""
    if title is None:
        what = (f"The register has no '{SETTINGS.name}' tab, but it had one at the last "
                "sync (renamed or deleted?)")
        fix = (f"Put the tab back (Edit > Undo, or the file's version history) or rename "
               f"it back to '{SETTINGS.name}'")
    else:
        what = (f"The '{title}' tab reads as empty (or its 'Setting' and 'Value' headers "
                "are gone), but it held the clinic's settings at the last sync")
        fix = "Restore its rows and headers (Edit > Undo, or the file's version history)"
    defaults = (f"'{settings.clinic_name}'" + (f" <{settings.owner_email}>"
                                                if settings.owner_email else ""))
    return (f"{what}. Without it every draft would come from {defaults} instead of "
            f"'{before.clinic_name}' and every event would move from {before.time_zone} to "
            f"{settings.time_zone}, so nothing was synced and nothing was changed. {fix}; "
            f"if it was removed on purpose, {ACCEPT}")


def settings_changes(before: SettingsSeen | None, now: SettingsSeen) -> list[str]:
    """Notes for a time zone, Owner email or Clinic name that changed since the last
    sync (none on the first sync that records them)."""
    if before is None:
        return []
    notes = []
    if before.time_zone != now.time_zone:
        notes.append(f"Settings: Time zone changed from {before.time_zone} to "
                     f"{now.time_zone} since the last sync: events are planned in "
                     f"{now.time_zone} from now on")
    # Filling in a placeholder is no news: only a real identity that changed is.
    if before.owner_email.casefold() != now.owner_email.casefold() \
            and not _placeholder_email(before.owner_email):
        notes.append(f"Settings: Owner email changed from {before.owner_email or '(blank)'} "
                     f"to {now.owner_email or '(blank)'} since the last sync: unsent drafts "
                     "come from the new address")
    if before.clinic_name != now.clinic_name and not _placeholder_name(before.clinic_name):
        notes.append(f"Settings: Clinic name changed from '{before.clinic_name}' to "
                     f"'{now.clinic_name}' since the last sync: unsent drafts are rewritten "
                     "with it")
    return notes


def _placeholder_name(name: str) -> bool:
    return " ".join(name.casefold().split()) in PLACEHOLDER_CLINIC_NAMES


def _placeholder_email(address: str) -> bool:
    return address.strip().casefold() in PLACEHOLDER_OWNER_EMAILS


def identity_problem(settings: ClinicSettings) -> str:
    """What to fill in when the clinic's identity is still a placeholder, or ""."""
    missing = []
    if _placeholder_name(settings.clinic_name):
        missing.append("'Clinic name' (your clinic's name as clients and partners know it; "
                       f"it is still '{settings.clinic_name}')")
    if _placeholder_email(settings.owner_email):
        missing.append("'Owner email' (the address drafts come from and the weekly digest "
                       "goes to; it is blank)")
    if not missing:
        return ""
    return (f"Tab '{SETTINGS.name}': fill in {' and '.join(missing)}, then sync again. Until "
            "then no draft is made (events and statuses are synced as usual)")


def hold_settings(parsed: ParsedRegister, snapshot: RegisterSnapshot, read: SyncState, *,
                  accept: bool) -> bool:
    """The Settings guard for one run. Returns True when the whole sync is held (a
    Settings tab that went): every data tab's rows are dropped from ``parsed`` and its
    state is the one read, so nothing is planned or written. Otherwise the run's notes
    get what changed and what to fill in for a placeholder identity, and the state what
    the Settings tab says now."""
    before = parsed.state.settings
    reason = "" if accept else settings_lost(snapshot, parsed.settings, before)
    if reason:
        parsed.partners, parsed.referrals, parsed.checkins = [], [], []
        parsed.state = read.copy()
        parsed.tab_problems.append(reason)
        return True
    now = seen_now(snapshot, parsed.settings)
    parsed.notes.extend(settings_changes(before, now))
    problem = identity_problem(parsed.settings)
    if problem:  # a note: every tab syncs, only the drafts wait (``hold_drafts``)
        parsed.notes.append(problem)
    parsed.state.settings = now
    return False


def hold_drafts(plans: dict[str, RowPlan], steps: dict[str, list[Step]]) -> int:
    """With a placeholder identity: no draft is made or rewritten. A draft to make
    becomes nothing, its cell saying what it waits for; a draft to rewrite is kept as it
    is. Changes ``plans`` and ``steps`` in place; returns how many drafts were held."""
    held = 0
    for key, row_steps in steps.items():
        plan = plans.get(key)
        for i, step in enumerate(row_steps):
            change = step.change
            if change is None or not isinstance(change.spec, DraftSpec) \
                    or change.op not in ("create", "update"):
                continue
            held += 1
            if change.op == "update":
                row_steps[i] = Step(step.intent, "keep", f"left as it is: {WAITING}")
                continue
            waiting = replace(step.intent, spec=None, why_not=WAITING)
            row_steps[i] = Step(waiting, "none", WAITING)
            if plan is not None:
                plan.intents = [waiting if intent is step.intent else intent
                                for intent in plan.intents]
    return held
