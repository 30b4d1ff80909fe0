"""The tracker (REGISTER.md, "The tracker"): which sent drafts are followed, and what
came back into their threads means. Pure: no I/O (the engine asks the mailbox,
``ports.FollowsThreads``, and hands the answers here).

What a message in a followed thread means (the mailbox tells only headers):
- a delivery failure (``ThreadMessage.bounced``): the draft **bounced**; the address it
  names (or, when the report does not say, the address the draft was written to) is
  kept as a keyed print, never as text;
- a message by the clinic (``by_clinic``, or its sender is Settings' Owner email): the
  clinic's own; it answers whatever came before it, and is never a reply;
- an automatic answer (``auto``, e.g. an out-of-office): nothing;
- any other message: a **reply** (the partner, the client, or someone else in the
  thread). The first one dates the reply; one after the clinic's last message leaves the
  sender **waiting** for the clinic's answer until the clinic writes in the thread.

Dates are the day in the clinic's time zone (Settings). A thread not read this run keeps
what was learnt before (``SyncState.threads``); a thread the owner deleted keeps it too,
is not followed any more and leaves nobody waiting (the owner dealt with it).

Which threads are followed: sent drafts of rows still in the register (never the weekly
digest), sent within *Watch replies for (days)* (30), and not settled: a bounced or
deleted thread, and a partner's thread once the partner replied, are done. A client's
thread is followed as long as the client waits for an answer. So a full check (a new
history token on Google, the local inbox every run) reads at most the drafts of the last
month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from sheetsync.core.locate import identity_print
from sheetsync.core.ports import Followed, ThreadNews
from sheetsync.core.register import ParsedRegister
from sheetsync.core.state import ObjectRecord, SyncState, ThreadSeen

DIGEST_PREFIX = "digest-"


def owner_of(record: ObjectRecord) -> str:
    """The row whose Email cell a draft went to: the partner of a partner draft (its
    ``basis``), else the draft's own row (a client's aftercare)."""
    return record.basis or record.row_key


def is_client_thread(record: ObjectRecord) -> bool:
    """A draft to a client (aftercare): no partner behind it."""
    return not record.basis and not record.row_key.startswith(DIGEST_PREFIX)


def address_print(secret: str, address: str) -> str:
    """A keyed print of an email address (``core.locate.identity_print``): the state
    remembers which address bounced without holding the address."""
    text = address.strip().lower()
    if not text or not secret:
        return ""
    return identity_print(secret, "email", (text,))


def addresses(parsed: ParsedRegister) -> dict[str, str]:
    """Row key -> the address its Email cell holds now (partners' Email, check-ins'
    Client email)."""
    found: dict[str, str] = {}
    for partner in parsed.partners:
        if partner.model is not None:
            found[partner.key] = partner.model.email
    for checkin in parsed.checkins:
        if checkin.model is not None:
            found[checkin.key] = checkin.model.client_email
    return found


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def settled(record: ObjectRecord, seen: ThreadSeen | None) -> bool:
    """Nothing more to learn from this thread."""
    if seen is None:
        return False
    if seen.gone or seen.bounced:
        return True
    return bool(seen.replied) and not is_client_thread(record)


def followed(state: SyncState, present: Mapping[str, str], today: dt.date, days: int,
             message_id: Callable[[str], str]) -> list[Followed]:
    """The sent drafts whose threads this run asks about (see the module docstring).
    ``present``: row key -> its address now, for the rows in the register."""
    found: list[Followed] = []
    for record in state.objects.values():
        if record.kind != "draft" or record.status != "sent" or \
                record.row_key not in present or record.row_key.startswith(DIGEST_PREFIX):
            continue
        seen = state.threads.get(record.key)
        if settled(record, seen):
            continue
        sent = _day(record.date)
        recent = sent is not None and (today - sent).days <= days
        if not recent and not (seen is not None and seen.waiting):
            continue
        found.append(Followed(record.key, record.thread_id, message_id(record.key),
                              present.get(owner_of(record), "")))
    found.sort(key=lambda f: f.key)
    return found


def read_thread(news: ThreadNews, before: ThreadSeen | None, to_email: str,
                owner_email: str, zone: dt.tzinfo, secret: str) -> ThreadSeen | None:
    """What one thread as read now means, given what was known before (None: nothing
    learnt and nothing known)."""
    if news.unknown:
        return before
    known = before or ThreadSeen(news.key)
    if news.gone:
        return replace(known, waiting="", gone=True)
    owner = owner_email.strip().lower()
    replied = known.replied
    bounced, address = known.bounced, known.address
    waiting = ""
    for message in sorted(news.messages, key=lambda m: m.at):
        day = message.at.astimezone(zone).date().isoformat()
        if message.bounced:
            if not bounced:
                failed = to_email if message.bounced == "?" else message.bounced
                bounced, address = day, address_print(secret, failed)
        elif message.by_clinic or (owner and message.sender.strip().lower() == owner):
            waiting = ""
        elif not message.auto:
            replied = min(replied, day) if replied else day
            waiting = waiting or day
    seen = ThreadSeen(news.key, replied, waiting, bounced, address, known.gone)
    if before is None and seen == ThreadSeen(news.key):
        return None
    return seen


def learn(state: SyncState, news: Mapping[str, ThreadNews], asked: Sequence[Followed],
          owner_email: str, zone: dt.tzinfo) -> dict[str, ThreadSeen]:
    """The thread records that what the mailbox told changes (none: nothing new)."""
    changed: dict[str, ThreadSeen] = {}
    for item in asked:
        thread = news.get(item.key)
        if thread is None:
            continue  # not read this run: what was learnt before stands
        before = state.threads.get(item.key)
        seen = read_thread(thread, before, item.to_email, owner_email, zone,
                           state.identity_key)
        if seen is not None and seen != before:
            changed[item.key] = seen
    return changed


def corrected(state: SyncState, present: Mapping[str, str]) -> dict[str, ThreadSeen]:
    """Bounces whose row's Email cell no longer holds the address that failed (``present``:
    row key -> its address now): the block on that address ends for good, so an address
    typed back later (it was right after all: a full mailbox) is written to again. The
    obligation still says it bounced."""
    found: dict[str, ThreadSeen] = {}
    for key, seen in state.threads.items():
        record = state.get(key)
        if not seen.address or record is None or owner_of(record) not in present:
            continue
        if address_print(state.identity_key, present[owner_of(record)]) != seen.address:
            found[key] = replace(seen, address="")
    return found


def absorb_threads(state: SyncState, learnt: Mapping[str, ThreadSeen]) -> SyncState:
    if not learnt:
        return state
    result = state.copy()
    result.threads.update(learnt)
    return result


def answer_by(waiting: dt.date, days: int) -> dt.date:
    """The day a client's reply should be answered by (*Answer clients within (days)*)."""
    return waiting + dt.timedelta(days=days)


def partner_replies(state: SyncState) -> dict[str, dt.date]:
    """Partner key -> the day of the latest reply in a thread of a draft to them (a
    contact, as a sent draft is)."""
    found: dict[str, dt.date] = {}
    for key, seen in state.threads.items():
        record = state.get(key)
        day = _day(seen.replied)
        if record is None or not record.basis or day is None:
            continue
        if record.basis not in found or day > found[record.basis]:
            found[record.basis] = day
    return found


def bounced_addresses(state: SyncState) -> dict[str, tuple[str, dt.date]]:
    """Row key (whose Email cell it was) -> (the print of the address that bounced, the
    day), the latest bounce of each row."""
    found: dict[str, tuple[str, dt.date]] = {}
    for key, seen in state.threads.items():
        record = state.get(key)
        day = _day(seen.bounced)
        if record is None or day is None or not seen.address:
            continue
        owner = owner_of(record)
        if owner not in found or day > found[owner][1]:
            found[owner] = (seen.address, day)
    return found
