"""The mailbox as Gmail drafts (Gmail v1), through google-api-python-client.

sheetsync prepares drafts and never sends anything: ``drafts.send`` and ``messages.send``
are never called. Every draft is a real RFC 5322 message (``core.messages``) with a
deterministic Message-ID, so a lost state or a crash between creating and recording a
draft is recovered, never duplicated.

Scopes: ``gmail.compose`` (drafts) and ``gmail.metadata`` (to tell that a draft was sent).
Google refuses the ``q`` search parameter to tokens that hold the ``gmail.metadata`` scope
(even next to broader scopes), so sheetsync never searches:

- a sent draft is told by its thread: a known draft that ``drafts.list`` no longer shows
  is looked up with ``threads.get(format=metadata)`` (batched, one per vanished draft): a
  message labelled SENT there (preferably with our Message-ID) means SENT, with the date
  from its ``internalDate``; no thread, or no SENT message, means DELETED;
- a draft a person edited is told by its message id: Gmail gives a draft a new one
  whenever it is saved, so a draft whose id in the listing differs from the one
  sheetsync's own write left is never updated or deleted again (no extra request);
- a retraction is ``drafts.delete`` (a draft already gone counts as deleted);
- a create for which no draft id is known is first matched against the drafts sheetsync
  does not know yet (one paged ``drafts.list`` plus, once per Gmail message, a batched
  ``messages.get(format=metadata)`` for their Message-ID and X-Sheetsync-Ref headers,
  and the X-Sheetsync-Key that drafts made by earlier versions carry); a draft found that
  way is updated instead of duplicated.

What goes out with a sent draft names no row and no purpose: the Message-ID's digest and
the X-Sheetsync-Ref header are the same opaque value (``core.messages``).

News (``ports.ListsNews``, ``gmail_news``): with the history id the state kept, ``observe``
makes one ``users.history.list`` (2 quota units a page of 500 changes) instead of listing
every draft. A known draft whose thread the history does not touch (nothing but
sheetsync's own last write, ``Known.written``) is as the last run left it; only touched
threads are read (``threads.get``, batched). Without a history id, or when Gmail answers
404 for one too old, the run checks everything once as above (``users.getProfile`` first
gives the id the next run starts from). ``news_token`` is taken past this run's own
writes when the history after them names nothing else.

The tracker (``ports.FollowsThreads``): ``follow`` reads the threads of sent drafts that
the same history names (all of them on a full check), ``threads.get(format=metadata)``:
From, the SENT label, and a delivery report's Content-Type and X-Failed-Recipients.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sheetsync.backends.google import gmail_news
from sheetsync.backends.google._batch import MAX_BATCH, Outcome, Part, Resources, run_batch
from sheetsync.backends.google.ahead import Ahead
from sheetsync.backends.google.gmail_news import News
from sheetsync.backends.google.pacer import quota_seconds
from sheetsync.backends.google.retry import RetryLater, RetryPolicy, error_message, error_status
from sheetsync.core import messages
from sheetsync.core.ports import (
    Change,
    ChangeResult,
    DraftSpec,
    Followed,
    Known,
    Observation,
    Presence,
    ThreadNews,
)

ME = "me"
GONE_MESSAGE = "the draft is no longer in Gmail (sent or deleted)"
# After a run that did not finish: how many of the latest sent messages are looked at for
# a draft it made that the owner has sent since (cron runs minutes apart).
SENT_LOOKBACK = 50
METADATA_HEADERS = ["Message-ID", messages.REF_HEADER, messages.LEGACY_KEY_HEADER]
# All that is read from a draft Google answers with (create, update).
ANSWER_FIELDS = "id,message(id,threadId)"


def raw_message(spec: DraftSpec, when: dt.datetime) -> str:
    """The draft as Gmail's ``raw`` field: base64url of the RFC 5322 bytes."""
    return base64.urlsafe_b64encode(messages.message_bytes(spec, when=when)).decode("ascii")


def _moment_of(message: dict[str, Any]) -> dt.datetime | None:
    """When Gmail says a message was sent (``internalDate``, milliseconds since 1970)."""
    try:
        millis = int(message.get("internalDate", ""))
    except (TypeError, ValueError):
        return None
    return dt.datetime.fromtimestamp(millis / 1000, tz=dt.timezone.utc)


@dataclass(frozen=True)
class _Whose:
    """What a Gmail message says about whose it is."""

    message_id: str  # its Message-ID header, without <>, lower case
    ref: str  # its X-Sheetsync-Ref header (sheetsync's opaque reference)
    legacy_key: str  # its X-Sheetsync-Key header (drafts made by earlier versions)

    def names(self, message_id: str, key: str) -> bool:
        """Is it the draft with this Message-ID (our own wanted one) and key?"""
        wanted = _search_id(message_id).lower()
        ref = messages.ref_of(message_id)
        return bool(wanted and self.message_id == wanted) or bool(ref and self.ref == ref) \
            or bool(self.legacy_key and self.legacy_key == key)


def _whose(message: dict[str, Any]) -> _Whose:
    return _Whose(_search_id(_header(message, "Message-ID")).lower(),
                  _header(message, messages.REF_HEADER).strip().lower(),
                  _header(message, messages.LEGACY_KEY_HEADER).strip())


class _Wanted:
    """The drafts a run is about to make, by each thing a message may name them by."""

    def __init__(self, keys: Sequence[str], specs: dict[str, DraftSpec]) -> None:
        self.by_id = {_search_id(specs[k].message_id).lower(): k for k in keys}
        self.by_ref = {r: k for k in keys if (r := messages.ref_of(specs[k].message_id))}
        self.keys = set(keys)

    def key_of(self, whose: _Whose) -> str | None:
        if whose.message_id and whose.message_id in self.by_id:
            return self.by_id[whose.message_id]
        if whose.ref and whose.ref in self.by_ref:
            return self.by_ref[whose.ref]
        return whose.legacy_key if whose.legacy_key in self.keys else None


def _search_id(message_id: str) -> str:
    return message_id.strip().strip("<>")


@dataclass(frozen=True)
class _Draft:
    draft_id: str
    message_id: str  # Gmail's message id (not the Message-ID header)
    thread_id: str


class GmailMailbox:
    """``Mailbox`` on the Gmail drafts of the signed-in (or delegated) user."""

    def __init__(
        self,
        service: Any,
        *,
        policy: RetryPolicy | None = None,
        time_zone: str | None = None,
        now: Callable[[], dt.datetime] | None = None,
        account: str = "",
    ) -> None:
        self.service = service
        self.policy = policy or RetryPolicy()
        # The clinic's time zone, for "sent on DATE" (the workspace may set it once the
        # register's time zone is known). None: this machine's local time.
        self.time_zone = time_zone
        self.now = now or (lambda: dt.datetime.now(dt.timezone.utc))
        self.account = account
        # Draft ids sheetsync knows (from the last observe): not candidates for recovery.
        self._known_draft_ids: set[str] = set()
        # Gmail message id -> whose it says it is (``_Whose``), for drafts looked at.
        self._headers: dict[str, _Whose] = {}
        # The same, of the drafts this run made (forgotten when the next run starts).
        self._made: dict[str, _Whose] = {}
        # Set (look_for_sent_copies) when the last run did not finish (it left its run
        # lock): a create then also looks among the latest sent mail for a copy the owner
        # sent.
        self.recovering = False
        self._resources = Resources()
        self._listing: Ahead[dict[str, _Draft]] = Ahead()
        # The drafts as this run's listing showed them (draft id -> draft), for telling
        # a person's edit: Gmail gives a draft a new message id whenever it is saved.
        self._seen: dict[str, _Draft] | None = None
        # News (``ports.ListsNews``): the state's history id, what this run's history
        # listing named (None: a full check), the history id from which this run has
        # seen everything, and what this run wrote itself.
        self._since = ""
        self._listed = False
        self._news: News | None = None
        self._base = ""
        self._unsure = False
        self._own_added: set[str] = set()
        self._own_removed: set[str] = set()
        self._threads_read: dict[str, Outcome] = {}  # this run's thread reads

    # ---------------------------------------------------------------------------- news

    def since(self, token: str) -> None:
        """``ports.ListsNews``: ask only what changed since ``token`` ("" = check all)."""
        self._since, self._listed, self._news, self._base = token, False, None, ""
        self._unsure = False
        self._own_added, self._own_removed = set(), set()
        self._threads_read = {}
        self._made.clear()
        self._seen = None

    def news_token(self) -> str:
        """``ports.ListsNews``: the history id the next run starts from ("" = none)."""
        if self._unsure or not self._base:
            return "" if self._unsure and not self._since else self._since
        if not (self._own_added or self._own_removed):
            return self._base
        try:
            after = self._list_history(self._base)
        except Exception:
            return self._base
        if after is None:
            return ""
        # Past this run's own writes, unless someone else changed something meanwhile:
        # then from before them, so the next run sees it (and knows its own by
        # ``Known.written``).
        return after.current if after.only(self._own_added, self._own_removed) \
            else self._base

    def _history(self) -> News | None:
        """This run's news (listed once): None means a full check (no history id, or
        one Gmail no longer accepts). Raises when Gmail could not be asked."""
        if self._listed:
            return self._news
        news = self._list_history(self._since) if self._since else None
        if news is None:
            self._base = self._profile_history_id()  # before the full check looks
        else:
            self._base = news.current
        self._news, self._listed = news, True
        return news

    def _profile_history_id(self) -> str:
        def profile() -> Any:
            return self.service.users().getProfile(userId=ME, fields="historyId").execute(
                num_retries=0)

        data = self.policy.run(profile, idempotent=True, what="Gmail")
        return str(data.get("historyId", ""))

    def _list_history(self, start: str) -> News | None:
        """Every change since ``start``, page by page; None when Gmail answers 404 (a
        history id too old: the caller checks everything once)."""
        news: News | None = None
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"userId": ME, "startHistoryId": start,
                                      "maxResults": 500, "fields": gmail_news.HISTORY_FIELDS}
            if token:
                kwargs["pageToken"] = token

            def page(kwargs: dict[str, Any] = kwargs) -> Any:
                return self._users("history").list(**kwargs).execute(num_retries=0)

            try:
                data = self.policy.run(page, idempotent=True, what="Gmail")
            except Exception as exc:
                if error_status(exc) == 404:
                    return None
                raise
            news = news or News("")
            news.add_page(data)
            news.current = str(data.get("historyId") or news.current or start)
            token = data.get("nextPageToken")
            if not token:
                return news

    def look_ahead(self) -> None:
        self._made.clear()
        self._listing.start(self._list_drafts, "drafts")

    def look_for_sent_copies(self, after_unfinished_run: bool) -> None:
        """``ports.FindsSentCopies``: look among sent mail before making a draft."""
        self.recovering = after_unfinished_run

    def settle(self) -> None:
        self._listing.settle()
        self._seen = None  # this run's: the next one lists again

    def _users(self, name: str) -> Any:
        """``service.users().drafts()`` and the like, built once."""
        return self._resources.get(self.service, "users", name)

    def seconds_for(self, changes: Sequence[Change]) -> float:
        """The least time Gmail's quota lets ``changes`` take (``ports.Paced``): a
        drafts.create costs 10 units, a drafts.update 15 (``pacer``)."""
        units = sum(15 if c.op == "update" else 10 for c in changes)
        return quota_seconds(self.service, units)

    def describe(self) -> str:
        return f"Gmail drafts of {self.account}" if self.account else "Gmail drafts"

    def check(self) -> None:
        """For ``sheetsync doctor``: can sheetsync read the Gmail drafts?

        Raises ``CredentialsError`` with what to do. Costs one ``drafts.list`` call.
        """
        from sheetsync.errors import CredentialsError

        def probe() -> Any:
            return self._users("drafts").list(userId=ME, maxResults=1).execute(
                num_retries=0)

        try:
            self.policy.run(probe, idempotent=True, what="Gmail")
        except RetryLater as exc:
            raise CredentialsError(f"Gmail did not answer ({exc.message}).",
                                   "Try again in a few minutes.") from None
        except Exception as exc:
            status = error_status(exc)
            if status is None:
                raise
            raise CredentialsError(
                f"Gmail refused access to the drafts (HTTP {status}: {error_message(exc)}).",
                "Run 'sheetsync auth login' again and allow Gmail access (compose and "
                "metadata); for a service account, check google.subject and add the "
                "gmail.compose and gmail.metadata scopes to its domain-wide delegation."
            ) from None

    # ------------------------------------------------------------------------- observe

    def observe(self, known: Sequence[Known]) -> dict[str, Observation]:
        if not known:
            return {}
        try:
            news = self._history()
        except Exception:
            self._unsure = True
            return {k.key: Observation(k.key, Presence.UNKNOWN, k.remote_id, k.thread_id)
                    for k in known}
        if news is not None:
            return self._observe_news(known, news)
        try:
            drafts = self._listing.take(self._list_drafts)  # started ahead, or now
        except Exception:
            self._unsure = True
            return {k.key: Observation(k.key, Presence.UNKNOWN, k.remote_id, k.thread_id)
                    for k in known}
        self._seen = drafts
        by_message = {d.message_id: d for d in drafts.values()}
        self._known_draft_ids = {k.remote_id for k in known if k.remote_id}
        result: dict[str, Observation] = {}
        vanished: list[Known] = []
        for item in known:
            draft = drafts.get(item.remote_id) if item.remote_id else None
            if draft is not None:
                result[item.key] = Observation(item.key, Presence.PRESENT, draft.draft_id,
                                               draft.thread_id or item.thread_id)
            elif item.thread_id:
                vanished.append(item)
            else:
                # Without a thread there is nothing to look at (no search under the
                # metadata scope): treat it as gone; the row's next change makes a new one.
                result[item.key] = Observation(item.key, Presence.DELETED, item.remote_id)
        if vanished:
            parts = [Part(item.key, self._thread_factory(item.thread_id)) for item in vanished]
            outcomes = run_batch(self.service, parts, self.policy, what="Gmail")
            for item in vanished:
                result[item.key] = self._from_thread(item, outcomes[item.key], by_message)
        return result

    def _observe_news(self, known: Sequence[Known], news: News) -> dict[str, Observation]:
        """``observe`` from the history: only the threads it touched are read."""
        self._known_draft_ids = {k.remote_id for k in known if k.remote_id}
        written: dict[str, set[str]] = {}
        for item in known:
            written.setdefault(item.thread_id, set()).add(item.written)
        result: dict[str, Observation] = {}
        touched: list[Known] = []
        for item in known:
            if not item.thread_id:
                result[item.key] = Observation(item.key, Presence.DELETED, item.remote_id)
            elif news.touches_drafts(item.thread_id, written[item.thread_id]):
                touched.append(item)
            else:
                result[item.key] = Observation(item.key, Presence.PRESENT, item.remote_id,
                                               item.thread_id)
        if touched:
            threads = gmail_news.threads_of(
                Followed(k.key, k.thread_id, "", "") for k in touched)
            outcomes = self._read_threads(threads)
            for item in touched:
                found = self._from_thread(item, outcomes[item.thread_id], {}, news=True)
                result[item.key] = found
                if found.presence is Presence.UNKNOWN:
                    self._unsure = True
        # No listing: an update or delete reads its draft's thread first (_check_edits).
        return result

    def _read_threads(self, threads: Sequence[str]) -> dict[str, Outcome]:
        """The threads, headers only, batched; each read once a run (``observe`` and
        ``follow`` often want the same one: a draft the owner has just sent)."""
        wanted = [t for t in dict.fromkeys(threads) if t not in self._threads_read]
        parts = [Part(t, self._thread_factory(t, gmail_news.THREAD_HEADERS)) for t in wanted]
        if parts:
            self._threads_read.update(run_batch(self.service, parts, self.policy,
                                                what="Gmail"))
        return {t: self._threads_read[t] for t in threads}

    # -------------------------------------------------------------------------- follow

    def follow(self, followed: Sequence[Followed]) -> dict[str, ThreadNews]:
        """``ports.FollowsThreads``: the threads of sent drafts that changed since the
        last run (every one on a full check), read with their headers only."""
        if not followed:
            return {}
        try:
            news = self._history()
        except Exception:
            self._unsure = True
            return {f.key: ThreadNews(f.key, unknown=True) for f in followed}
        wanted = [f for f in followed if f.thread_id
                  and (news is None or news.touches_thread(f.thread_id))]
        outcomes = self._read_threads(gmail_news.threads_of(wanted))
        result: dict[str, ThreadNews] = {}
        for item in wanted:
            outcome = outcomes[item.thread_id]
            if outcome.ok:
                result[item.key] = gmail_news.thread_news(item, outcome.response or {})
            elif outcome.error is not None and error_status(outcome.error) in (404, 410):
                result[item.key] = ThreadNews(item.key, gone=True)
            else:
                self._unsure = True
                result[item.key] = ThreadNews(item.key, unknown=True)
        return result

    def _list_drafts(self) -> dict[str, _Draft]:
        drafts: dict[str, _Draft] = {}
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"userId": ME, "maxResults": 500}
            if token:
                kwargs["pageToken"] = token

            def page(kwargs: dict[str, Any] = kwargs) -> Any:
                return self._users("drafts").list(**kwargs).execute(num_retries=0)

            data = self.policy.run(page, idempotent=True, what="Gmail")
            for item in data.get("drafts", []) or []:
                message = item.get("message", {}) or {}
                draft = _Draft(str(item.get("id", "")), str(message.get("id", "")),
                               str(message.get("threadId", "")))
                drafts[draft.draft_id] = draft
            token = data.get("nextPageToken")
            if not token:
                return drafts

    def _thread_factory(self, thread_id: str,
                        headers: list[str] | None = None) -> Callable[[], Any]:
        def make() -> Any:
            return self._users("threads").get(
                userId=ME, id=thread_id, format="metadata",
                metadataHeaders=headers or METADATA_HEADERS)

        return make

    def _from_thread(self, item: Known, outcome: Outcome,
                     drafts_by_message: dict[str, _Draft], *, news: bool = False
                     ) -> Observation:
        """What a thread read says of a known draft. From the history (``news``) no
        draft listing was made: a draft message of ours there is the draft itself."""
        if not outcome.ok:
            if outcome.error is not None and error_status(outcome.error) in (404, 410):
                return Observation(item.key, Presence.DELETED, item.remote_id)
            return Observation(item.key, Presence.UNKNOWN, item.remote_id, item.thread_id)
        thread = outcome.response or {}
        wanted = _search_id(item.message_id).lower()
        sent: list[dict[str, Any]] = []
        ours: list[dict[str, Any]] = []
        for message in thread.get("messages", []) or []:
            labels = set(message.get("labelIds", []) or [])
            mine = _whose(message).names(wanted, item.key)
            if "DRAFT" in labels and mine:
                draft = drafts_by_message.get(str(message.get("id", "")))
                if draft is not None:  # still a draft, under another draft id
                    return Observation(item.key, Presence.PRESENT, draft.draft_id,
                                       draft.thread_id or item.thread_id)
                if news and "TRASH" not in labels:
                    return Observation(item.key, Presence.PRESENT, item.remote_id,
                                       item.thread_id)
            if "SENT" in labels:
                sent.append(message)
                if mine:
                    ours.append(message)
        chosen = ours or sent
        if not chosen:
            return Observation(item.key, Presence.DELETED, item.remote_id)
        first = min(chosen, key=lambda m: int(m.get("internalDate", 0) or 0))
        return Observation(item.key, Presence.SENT, item.remote_id, item.thread_id,
                           sent_on=self._date_of(first), sent_at=_moment_of(first))

    def _date_of(self, message: dict[str, Any]) -> dt.date | None:
        """The day, in the spreadsheet's time zone: the core dates ``sent_at`` again in
        the clinic's (Settings) time zone; this is the fallback."""
        moment = _moment_of(message)
        if moment is None:
            return None
        if self.time_zone:
            try:
                return moment.astimezone(ZoneInfo(self.time_zone)).date()
            except (ZoneInfoNotFoundError, ValueError):
                pass
        return moment.astimezone().date()

    # --------------------------------------------------------------------------- apply

    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        if changes and not self._listed:
            # Where the history stands before this run writes: its token starts there.
            try:
                self._history()
            except Exception:
                self._unsure = True
        self._own_removed.update(c.written for c in changes if c.op != "create" and c.written)
        results: dict[str, ChangeResult] = {}
        specs: dict[str, DraftSpec] = {}
        targets: dict[str, _Draft] = {}
        creates: list[str] = []
        deletes: list[Part] = []
        self._check_edits(changes, results)
        for change in changes:
            spec = change.spec
            if change.key in results:
                continue  # edited by a person: left exactly as they made it
            if change.op == "delete":
                draft_id = change.known.remote_id if change.known else ""
                if draft_id:
                    deletes.append(Part(change.key, self._delete_factory(draft_id)))
                else:
                    results[change.key] = ChangeResult(change.key, True)
                continue
            if not isinstance(spec, DraftSpec):
                results[change.key] = ChangeResult(change.key, False, error="not a draft")
                continue
            specs[spec.key] = spec
            if change.op == "update" and change.known and change.known.remote_id:
                targets[spec.key] = _Draft(change.known.remote_id, "", change.known.thread_id)
            else:
                creates.append(spec.key)

        # A create may follow a crash after Gmail made the draft (or a lost state): look
        # for a draft that already carries its Message-ID or key, and update that instead.
        if creates:
            found = self._existing_drafts(creates, specs, {t.draft_id for t in targets.values()})
            if isinstance(found, ChangeResult):
                for key in creates:
                    results[key] = ChangeResult(key, False, error=found.error,
                                                retry_later=found.retry_later)
                creates = []
            else:
                still: list[str] = []
                for key in creates:
                    if key in found:
                        targets[key] = found[key]
                    else:
                        still.append(key)
                creates = still
        if creates and self.recovering:
            sent = self._sent_copies(creates, specs)
            if isinstance(sent, ChangeResult):
                for key in creates:
                    results[key] = ChangeResult(key, False, error=sent.error,
                                                retry_later=sent.retry_later)
                creates = []
            else:
                results.update(sent)
                creates = [k for k in creates if k not in sent]

        when = self.now()
        parts: list[Part] = []
        for key in creates:
            parts.append(Part(key, self._create_factory(specs[key], when), idempotent=False))
        for key, target in targets.items():
            parts.append(Part(key, self._update_factory(specs[key], target, when)))
        outcomes = run_batch(self.service, parts + deletes, self.policy, what="Gmail")
        gone = {part.key for part in deletes}
        for key, outcome in outcomes.items():
            if key in gone and (outcome.ok or (outcome.error is not None and
                                               error_status(outcome.error) in (404, 410))):
                results[key] = ChangeResult(key, True)  # deleted (or gone already)
                continue
            results[key] = self._result(key, targets.get(key), outcome)
            # Its headers are known: a later apply (the engine applies in slices) need not
            # read them to tell this draft is ours.
            message = (outcome.response or {}).get("message", {}) or {} if outcome.ok else {}
            if message.get("id"):
                mid = specs[key].message_id
                self._made[str(message["id"])] = _Whose(
                    _search_id(mid).lower(), messages.ref_of(mid), "")
        self._own_added.update(r.written for r in results.values() if r.ok and r.written)
        order = [c.key for c in changes]
        return [results[k] for k in dict.fromkeys(order) if k in results]

    def _check_edits(self, changes: Sequence[Change], results: dict[str, ChangeResult]
                     ) -> None:
        """Updates and deletes of drafts a person edited since sheetsync wrote them go
        into ``results`` as ``edited``: Gmail changes a draft's message id whenever it is
        saved, and sheetsync kept the one its own write left (``written``). After a full
        check the draft listing ``observe`` read gives each draft's message id (nothing
        more to ask); after a history (no listing, and an edit told by an earlier run
        leaves no mark in the state) the drafts' threads are read first, batched, or the
        drafts listed when there are more than a batch of them."""
        checked = [c for c in changes if c.op != "create" and c.written and c.known
                   and c.known.remote_id]
        if not checked or self.recovering:
            # After a run that did not finish, a new message id may be that run's own
            # write, never recorded: it cannot be told from an edit without reading the
            # draft's text, which the metadata scope forbids (README, Guarantees).
            return
        if self._seen is None:
            try:
                if len(checked) <= MAX_BATCH and all(c.known and c.known.thread_id
                                                     for c in checked):
                    self._seen = self._drafts_in_threads(checked)
                else:
                    self._seen = self._list_drafts()
            except Exception as exc:
                for change in checked:
                    results[change.key] = ChangeResult(change.key, False,
                                                       error=_unsure(exc).error,
                                                       retry_later=True)
                return
        for change in checked:
            assert change.known is not None
            draft = self._seen.get(change.known.remote_id)
            if draft is not None and draft.message_id and draft.message_id != change.written:
                results[change.key] = ChangeResult(change.key, True, draft.draft_id,
                                                   draft.thread_id, edited=True)

    def _drafts_in_threads(self, checked: Sequence[Change]) -> dict[str, _Draft]:
        """The drafts of ``checked`` as their threads show them now (draft id -> draft;
        a draft gone is left out). A sheetsync draft starts a thread of its own, so the
        draft message there is its draft (ours by its headers, when a thread holds more)."""
        threads = list(dict.fromkeys(c.known.thread_id for c in checked if c.known))
        outcomes = self._read_threads(threads)
        found: dict[str, _Draft] = {}
        for change in checked:
            assert change.known is not None
            outcome = outcomes[change.known.thread_id]
            if not outcome.ok:
                if outcome.error is not None and error_status(outcome.error) in (404, 410):
                    continue
                raise outcome.error or RetryLater("no answer")
            drafts = [m for m in (outcome.response or {}).get("messages", []) or []
                      if "DRAFT" in (m.get("labelIds") or [])
                      and "TRASH" not in (m.get("labelIds") or [])]
            mine = [m for m in drafts
                    if _whose(m).names(change.known.message_id, change.key)]
            chosen = (mine or drafts)[:1]
            if chosen:
                found[change.known.remote_id] = _Draft(
                    change.known.remote_id, str(chosen[0].get("id", "")),
                    change.known.thread_id)
        return found

    def _delete_factory(self, draft_id: str) -> Callable[[], Any]:
        def make() -> Any:
            return self._users("drafts").delete(userId=ME, id=draft_id)

        return make

    def _existing_drafts(self, creates: Sequence[str], specs: dict[str, DraftSpec],
                         known_ids: set[str]) -> dict[str, _Draft] | ChangeResult:
        """Drafts already made for ``creates``: key -> draft.

        Gmail refuses the ``q`` search to tokens holding ``gmail.metadata``, so this lists
        the drafts (ids only) and reads the headers of the ones sheetsync does not know
        (the owner's own drafts, and any orphan of a crash), once per Gmail message: the
        cost grows with those drafts, not with rows.
        """
        try:
            listing = self._list_drafts()
        except Exception as exc:
            return _unsure(exc)
        known_ids = known_ids | self._known_draft_ids
        unknown = [d for d in listing.values()
                   if d.draft_id not in known_ids and d.message_id not in self._headers
                   and d.message_id not in self._made]
        if unknown:
            parts = [Part(d.message_id, self._headers_factory(d.message_id)) for d in unknown]
            outcomes = run_batch(self.service, parts, self.policy, what="Gmail")
            for draft in unknown:
                outcome = outcomes[draft.message_id]
                if outcome.ok:
                    message = outcome.response or {}
                    self._headers[draft.message_id] = _whose(message)
                elif outcome.error is not None and error_status(outcome.error) in (404, 410):
                    continue  # gone meanwhile (sent or deleted): cannot be a draft of ours
                else:
                    return _unsure(outcome.error)
        wanted = _Wanted(creates, specs)
        found: dict[str, _Draft] = {}
        for draft in listing.values():
            if draft.draft_id in known_ids:
                continue
            whose = self._headers.get(draft.message_id) or self._made.get(draft.message_id)
            match = wanted.key_of(whose) if whose is not None else None
            if match is not None and match not in found:
                found[match] = draft
        return found

    def _sent_copies(self, creates: Sequence[str], specs: dict[str, DraftSpec]
                     ) -> dict[str, ChangeResult] | ChangeResult:
        """Drafts of ``creates`` the owner already sent: key -> a "sent" result.

        Only after a run that did not finish (``recovering``): it may have made a draft
        and died before recording it, and the owner may have sent it since. Without
        search (metadata scope) this reads the ``SENT_LOOKBACK`` latest sent messages
        (one ``messages.list`` of the SENT label, then their headers, batched).
        """
        def listing() -> Any:
            return self._users("messages").list(
                userId=ME, labelIds=["SENT"], maxResults=SENT_LOOKBACK).execute(
                    num_retries=0)

        try:
            data = self.policy.run(listing, idempotent=True, what="Gmail")
        except Exception as exc:
            return _unsure(exc)
        ids = [str(m.get("id", "")) for m in data.get("messages", []) or []]
        parts = [Part(i, self._headers_factory(i)) for i in ids if i]
        outcomes = run_batch(self.service, parts, self.policy, what="Gmail") if parts else {}
        wanted = _Wanted(creates, specs)
        found: dict[str, ChangeResult] = {}
        for message_id in ids:
            outcome = outcomes.get(message_id)
            if outcome is None or not outcome.ok:
                continue  # one unreadable message: the rest still count
            message = outcome.response or {}
            key = wanted.key_of(_whose(message))
            if key is not None and key not in found:
                found[key] = ChangeResult(key, True, "", str(message.get("threadId", "")),
                                          sent_on=self._date_of(message),
                                          sent_at=_moment_of(message))
        return found

    def _headers_factory(self, message_id: str) -> Callable[[], Any]:
        def make() -> Any:
            return self._users("messages").get(
                userId=ME, id=message_id, format="metadata", metadataHeaders=METADATA_HEADERS)

        return make

    # The message is encoded when its batch goes out, not for every draft up front: the
    # raw messages of a first sync's 12,000 drafts (and Google's whole answers, see
    # ANSWER_FIELDS) took tens of megabytes at once.
    def _create_factory(self, spec: DraftSpec, when: dt.datetime) -> Callable[[], Any]:
        def make() -> Any:
            return self._users("drafts").create(
                userId=ME, body={"message": {"raw": raw_message(spec, when)}},
                fields=ANSWER_FIELDS)

        return make

    def _update_factory(self, spec: DraftSpec, target: _Draft,
                        when: dt.datetime) -> Callable[[], Any]:
        def make() -> Any:
            message: dict[str, Any] = {"raw": raw_message(spec, when)}
            if target.thread_id:
                message["threadId"] = target.thread_id
            return self._users("drafts").update(
                userId=ME, id=target.draft_id,
                body={"id": target.draft_id, "message": message}, fields=ANSWER_FIELDS)

        return make

    @staticmethod
    def _result(key: str, target: _Draft | None, outcome: Outcome) -> ChangeResult:
        remote = target.draft_id if target else ""
        thread = target.thread_id if target else ""
        if outcome.ok:
            draft = outcome.response or {}
            message = draft.get("message", {}) or {}
            return ChangeResult(key, True, str(draft.get("id") or remote),
                                str(message.get("threadId") or thread),
                                written=str(message.get("id", "")))
        error = outcome.error
        if isinstance(error, RetryLater):
            return ChangeResult(key, False, remote, thread, error=error.message,
                                retry_later=True)
        status = error_status(error) if error else None
        if target is not None and status in (404, 410):
            return ChangeResult(key, False, remote, thread, error=GONE_MESSAGE)
        text = error_message(error) if error else "unknown error"
        where = f"HTTP {status}: " if status else ""
        return ChangeResult(key, False, remote, thread,
                            error=f"Gmail refused it ({where}{text})")


def _unsure(error: BaseException | None) -> ChangeResult:
    why = error.message if isinstance(error, RetryLater) else (
        error_message(error) if error is not None else "no answer")
    return ChangeResult("", False, error="could not check Gmail for a copy made earlier "
                        f"({why}); nothing was created", retry_later=True)


def _header(message: dict[str, Any], name: str) -> str:
    wanted = name.lower()
    for header in (message.get("payload", {}) or {}).get("headers", []) or []:
        if str(header.get("name", "")).lower() == wanted:
            return str(header.get("value", ""))
    return ""
