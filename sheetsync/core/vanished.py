"""A calendar file or drafts folder that vanished as a whole is not the owner deleting
every event or draft in it.

The local calendar is one file (``calendar.ics``) and the drafts one folder
(``drafts/``). A person deletes an event or a draft one at a time; when the whole file or
folder is gone (deleted, moved, a shared drive not synced yet) while sheetsync had made
things in it, reading every object as "deleted by a person" would mark them all so, for
good: nothing would ever be made again. So the sync is held (``VanishedError``, exit 4):
nothing is made, nothing is marked deleted, and the message says what vanished and what
to do: restore it, or start afresh with ``--accept-changes``, which forgets what was made
there so it is made again in a new file or folder (sent drafts stay sent, events a person
deleted stay deleted). Pure: the backends say what is gone (``ports.KeptInFiles``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sheetsync.core.state import ObjectKind, SyncState
from sheetsync.errors import VanishedError


@dataclass(frozen=True)
class Vanished:
    """A store that is gone: what it was (``calendar.ics``, ``drafts/``) and what kind
    of object sheetsync kept there."""

    what: str
    kind: ObjectKind


def _made_there(state: SyncState, kind: ObjectKind) -> int:
    return sum(1 for r in state.objects.values() if r.kind == kind and r.status == "active")


def _noun(kind: ObjectKind, count: int) -> str:
    word = "event" if kind == "event" else "draft"
    return f"{count} {word}{'' if count == 1 else 's'}"


def hold_vanished(state: SyncState, gone: list[Vanished], *, accept: bool) -> list[str]:
    """Raise ``VanishedError`` for a vanished store sheetsync had made things in; with
    ``accept``, forget those things in ``state`` (they are made again) and return a note
    per store. A store that held nothing of ours is no news (a first run makes it)."""
    found = [(g, n) for g in gone if (n := _made_there(state, g.kind))]
    if not found:
        return []
    if accept:
        notes = []
        for store, count in found:
            for key in [k for k, r in state.objects.items()
                        if r.kind == store.kind and r.status == "active"]:
                del state.objects[key]
            notes.append(f"{store.what} was gone: started afresh (--accept-changes), the "
                         f"{_noun(store.kind, count)} sheetsync had made there are made again")
        return notes
    lines = []
    for store, count in found:
        where = "the calendar" if store.kind == "event" else "Drafts"
        lines.append(f"{store.what} is gone, but sheetsync had made {_noun(store.kind, count)}"
                     f" in it (deleted, moved, or a shared folder not there?). Reading each as "
                     f"deleted by a person would mean none is ever made again in {where}")
    message = "; ".join(lines) + ". Nothing was synced and nothing was marked deleted."
    whats = " and ".join(store.what for store, _ in found)
    advice = (f"Restore {whats} (from a backup, the recycle bin or the shared drive's "
              "version history) and sync again. Or, to start afresh, run 'sheetsync sync "
              f"--accept-changes' once: a new {whats} is made with everything sheetsync "
              "had made there that is still due (drafts already moved to sent/ stay sent, "
              "events deleted in the calendar before stay deleted).")
    raise VanishedError(message, advice)
