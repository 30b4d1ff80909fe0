"""One sync: read, validate, plan, apply, write back.

    register --read--> rows --validate--> valid rows + row problems
      state + what calendar/mailbox report --plan (pure)--> steps
      steps --apply--> calendar + mailbox
      statuses + new state --write back (one write)--> register

Everything between the reads and the applies is pure; ``--dry-run`` stops before the
first change. Logs carry row IDs and counts, never client names, emails or phones.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

from sheetsync import __version__
from sheetsync.core import steady as steady_check
from sheetsync.core import tracker
from sheetsync.core.acting import acting_since_write
from sheetsync.core.dashboard import (
    Dashboard,
    dashboard_title,
    dashboard_unchanged,
    existing_tab,
    tab_rows,
)
from sheetsync.core.fields import text_of
from sheetsync.core.guard import accepted_changes, hold_mass_changes
from sheetsync.core.locate import identity_parts, identity_print
from sheetsync.core.lock import RunLockHandle
from sheetsync.core.messages import message_id_for
from sheetsync.core.newrows import forget_placed_rows, remember_new_rows
from sheetsync.core.plan import Intent, RowPlan, kind_of
from sheetsync.core.ports import (
    CellWrite,
    Change,
    ChangeResult,
    DashboardRegister,
    FindsSentCopies,
    FollowsThreads,
    KeptInFiles,
    Known,
    LeavesNotes,
    ListsNews,
    LooksAhead,
    Observation,
    Paced,
    Register,
    RegisterSnapshot,
    SyncLogRegister,
    Workspace,
    WriteReport,
    sent_in,
)
from sheetsync.core.reconcile import (
    ROW_DELETED,
    Step,
    absorb,
    decide,
    deleted_rows,
    news_in,
    plan_steps,
    record_results,
)
from sheetsync.core.register import ParsedRegister, parse_register
from sheetsync.core.rows import TreatmentRow
from sheetsync.core.schema import DATA_TABS, normalise_header
from sheetsync.core.settings_guard import hold_drafts, hold_settings, identity_problem
from sheetsync.core.state import IDENTITY_ROWS, LIVE_STATUSES, ObjectKind, SyncState, ThreadSeen
from sheetsync.core.status import column_texts, sync_status
from sheetsync.core.steady import Overrides, SteadyRecord, plan_problems_of, register_digest
from sheetsync.core.vanished import Vanished, hold_vanished
from sheetsync.perf import cyclic_gc_paused
from sheetsync.playbook import PlanContext, plan_register
from sheetsync.playbook.dashboard import build_dashboard
from sheetsync.playbook.defaults import DEFAULT_TREATMENTS
from sheetsync.playbook.digest import digest_row_key, plan_digest, replaced_digests
from sheetsync.playbook.template_check import template_notes
from sheetsync.playbook.tracker import CLIENT_REPLIED
from sheetsync.synclog import SYNC_LOG_TAB, log_entry, sync_log_rows

log = logging.getLogger("sheetsync")
# Where a sync is, in a few words, for a progress line at a terminal (cli/progress.py).
# Off unless someone listens: its level is inherited (WARNING) and these are INFO.
progress = logging.getLogger("sheetsync.progress")

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


DEFAULT_TREATMENT_ROWS = {
    t.name: TreatmentRow(name=t.name, checkin_after_days=t.checkin_after_days,
                         aftercare_template=t.aftercare_template)
    for t in DEFAULT_TREATMENTS
}


@dataclass
class RowOutcome:
    key: str
    tab: str
    row: int
    problems: list[str]
    steps: list[Step] = field(default_factory=list)  # dry runs only (_fill_outcomes)
    # The row's Sync status did not already show its problems: news for --quiet.
    new_problem: bool = False


@dataclass
class SyncReport:
    """What one sync did; ``--json`` prints ``as_json()``."""

    dry_run: bool
    today: dt.date
    rows_read: Counter[str] = field(default_factory=Counter)
    rows_with_problems: int = 0
    created: Counter[str] = field(default_factory=Counter)  # "event"/"draft"
    # What was made (a dry run: would be made) by rule, e.g. "thank-you", "check-in".
    created_by_kind: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    # Deleted drafts and cancelled events whose reason went (core.reconcile, retract).
    retracted: Counter[str] = field(default_factory=Counter)
    # Updates and retractions not made because a person had edited the draft or event.
    left_edited: int = 0
    failed: int = 0
    retry_later: int = 0
    cells_written: int = 0
    writes_skipped: int = 0
    ids_assigned: int = 0
    tab_problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Said once, for staff to know; not a problem (the run is still clean).
    info: list[str] = field(default_factory=list)
    write_refused: str = ""
    rows: list[RowOutcome] = field(default_factory=list)
    # The owner's weekly digest (it belongs to no row): what was decided, and why not.
    digest: Step | None = None
    digest_error: str = ""
    # The register read exactly as the last write left it and the calendar and mailbox
    # told nothing new: nothing was planned, since nothing could change (core.steady).
    steady: bool = False
    # Events and drafts this run had no time left for (``sync --max-minutes``): what was
    # made is recorded, and the next run goes on with these.
    left: Counter[str] = field(default_factory=Counter)
    # Clients whose reply waits for the clinic's answer, said once: the run that first
    # writes it in their row ("Check-ins row 3 (C-0002): client replied on ...").
    client_replies: list[str] = field(default_factory=list)

    @property
    def left_text(self) -> str:
        """"1,240 drafts and 15 events left: the next run goes on", or ""."""
        parts = [f"{n:,} {kind}{'' if n == 1 else 's'}"
                 for kind, n in (("draft", self.left["draft"]), ("event", self.left["event"]))
                 if n]
        return f"{' and '.join(parts)} left: the next run goes on" if parts else ""

    @property
    def clean(self) -> bool:
        return not (self.rows_with_problems or self.failed or self.tab_problems
                    or self.write_refused or self.notes or self.left)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.clean,
            "dry_run": self.dry_run,
            "today": self.today.isoformat(),
            "rows_read": dict(self.rows_read),
            "rows_with_problems": self.rows_with_problems,
            "events": {"created": self.created["event"], "updated": self.updated["event"],
                       "retracted": self.retracted["event"]},
            "drafts": {"created": self.created["draft"], "updated": self.updated["draft"],
                       "retracted": self.retracted["draft"]},
            "created_by_kind": dict(sorted(self.created_by_kind.items())),
            "left_edited": self.left_edited,
            "failed": self.failed,
            "retry_later": self.retry_later,
            "cells_written": self.cells_written,
            "writes_skipped": self.writes_skipped,
            "ids_assigned": self.ids_assigned,
            "tab_problems": self.tab_problems,
            "notes": self.notes,
            "info": self.info,
            "write_refused": self.write_refused or None,
            "steady": self.steady,
            "left": {"events": self.left["event"], "drafts": self.left["draft"]},
            "client_replies": self.client_replies,
            "digest": self.digest_json(),
            "problems": [
                {"tab": r.tab, "row": r.row, "id": r.key, "problems": r.problems}
                for r in self.rows if r.problems
            ],
        }

    def digest_json(self) -> dict[str, Any] | None:
        if self.digest is None:
            return None
        step = self.digest
        return {"key": step.intent.key, "action": step.kind,
                "failed": bool(self.digest_error), "reason": self.digest_error or step.reason}


def run_sync(workspace: Workspace, *, dry_run: bool = False, clock: Clock = utc_now,
             accept_changes: bool = False, full: bool = False,
             max_minutes: float | None = None,
             timer: Callable[[], float] = time.monotonic) -> SyncReport:
    """One sync. While it changes anything it holds the register's run lock
    (``core.lock``), so two syncs never act at once: the one that loses raises
    ``BusyError``. ``accept_changes`` lets through tabs the mass-change guard
    (``core.guard``) would hold. ``full`` plans every row even when the register reads
    exactly as the last write left it (``core.steady``; ``sync --full``).
    ``max_minutes`` (``sync --max-minutes``): stop making events and drafts in time for
    the write to end the run within it, measured on ``timer`` (seconds); what is left is
    reported (``SyncReport.left``) and the next run goes on."""
    budget = _Budget(timer, None if max_minutes is None else timer() + max_minutes * 60.0
                     - _reserve(max_minutes * 60.0))
    lock = None if dry_run else RunLockHandle(workspace.register, clock)
    # A target that lists only news since a token needs the state's token first.
    ahead = [t for t in (workspace.calendar, workspace.mailbox)
             if isinstance(t, LooksAhead) and not isinstance(t, ListsNews)]
    try:
        for target in ahead:  # their listings overlap the register's read (ports)
            target.look_ahead()
        with cyclic_gc_paused():  # see sheetsync.perf: 40% of a large sync's CPU
            report = _sync_once(workspace, dry_run, clock, lock, accept_changes, full=full,
                                budget=budget)
    except BaseException:
        # Not finished: it may have made events or drafts it never recorded. Its lock
        # stays, so the next run knows to look for them (core.lock, "leave").
        if lock is not None:
            lock.leave()
        raise
    finally:
        for target in ahead:  # nothing of this run goes on after it
            target.settle()
    if lock is not None:
        lock.release()
    return report


def _sync_once(workspace: Workspace, dry_run: bool, clock: Clock,
               lock: RunLockHandle | None, accept_changes: bool,
               second_pass: bool = False, full: bool = False,
               budget: _Budget | None = None) -> SyncReport:
    """``full`` and ``second_pass`` (planned again at once) never take the steady way."""
    budget = budget or _Budget(time.monotonic, None)
    progress.info("Reading %s", workspace.register.describe())
    snapshot = workspace.register.read()
    state = SyncState.from_rows(snapshot.state_rows)
    stored = state.content_rows()  # the state as read (parsing it twice costs, at 10k rows)
    utc_today = clock().date()
    parsed = parse_register(snapshot, state, DEFAULT_TREATMENT_ROWS, today=utc_today)
    parsed.notes.extend(template_notes(parsed.templates, parsed.treatments))
    held: list[str] = [spec.name for spec in DATA_TABS]  # Settings held: every tab
    before = dict(parsed.state.tabs)
    if not hold_settings(parsed, snapshot, state, accept=accept_changes):
        held = hold_mass_changes(parsed, accept=accept_changes)
    # A vanished calendar file or drafts folder holds the run (raises), or is started
    # afresh: what was made there is forgotten, so the run plans in full (not steady).
    fresh = hold_vanished(parsed.state, _vanished(workspace), accept=accept_changes)
    parsed.notes.extend(fresh)
    now = clock().astimezone(parsed.settings.zone)
    today = now.date()
    report = SyncReport(dry_run=dry_run, today=today, tab_problems=list(parsed.tab_problems),
                        notes=list(parsed.notes))
    for row in parsed.all_rows():
        report.rows_read[row.spec.name] += 1

    present = {row.key for row in parsed.all_rows()}
    present.add(digest_row_key(today))  # only this week's digest is looked after
    # ... and what may be retracted: objects of deleted rows, earlier weeks' digests.
    gone = _gone_rows(parsed, held)
    # Tabs the guard would have held, let through: their deletions are on purpose.
    accepted = accepted_changes(parsed, before) if accept_changes else {}
    watched = present | set(gone) \
        | {i.row_key for i in replaced_digests(parsed.state, today)}
    progress.info("Checking the calendar and drafts")
    if isinstance(workspace.calendar, ListsNews):
        workspace.calendar.since(parsed.state.news.get("calendar", ""))
    if isinstance(workspace.mailbox, ListsNews):
        workspace.mailbox.since(parsed.state.news.get("mail", ""))
    observations = {k: sent_in(parsed.settings.zone, o) for k, o in _observe(
        workspace, parsed.state, watched, parsed.settings.mail_domain).items()}
    news = news_in(parsed.state, observations)
    state = absorb(parsed.state, news)
    learnt = _follow(workspace, parsed, state, present, today)  # the tracker
    state = tracker.absorb_threads(state, learnt)
    if isinstance(workspace.mailbox, LeavesNotes):  # e.g. a file in inbox/ that is no email
        report.notes.extend(workspace.mailbox.notes())
    steady = _Steady(workspace, snapshot, stored, today, utc_today, gone)
    if not (dry_run or second_pass or full or news or learnt or fresh) \
            and steady.matches(parsed):
        steady.report(report, parsed)
        report.steady = True
        if steady_check.VERIFY:
            _verify_steady(report, steady, parsed, state)
        log.info("sync done, nothing changed since the last write: rows=%d problems=%d",
                 sum(report.rows_read.values()), report.rows_with_problems)
        return report
    progress.info("Planning %d rows", sum(report.rows_read.values()))
    ctx, plans, steps, digest = _plan(parsed, state, today, workspace.namespace, gone)
    _report_digest(report, steps[digest.row_key][0])

    if dry_run:
        # What the real run would make, kind by kind, before anything is made.
        for row_steps in steps.values():
            for step in row_steps:
                if step.change is not None:
                    kind = step.change.kind
                    counter = {"create": report.created, "retract": report.retracted}.get(
                        step.kind, report.updated)
                    counter[kind] += 1
                    if step.kind == "create":
                        report.created_by_kind[kind_of(step.intent.purpose)] += 1
        _note_acting_since(report, ctx, parsed.state, written=(
            getattr(workspace.register, "fills_acting_since", False) and
            acting_since_write(snapshot, ctx.acting_since) is not None))
        _note_accepted(report, accepted, gone, steps, {})
        _fill_outcomes(report, parsed, plans, steps, {})
        return report

    every_step = [s for row_steps in steps.values() for s in row_steps]
    if lock is not None and any(s.change is not None for s in every_step) \
            and not lock.hold(snapshot):
        # Another sync wrote the register after our read: plan again from what it left.
        return _sync_once(workspace, dry_run, clock, lock, accept_changes, full=full,
                          budget=budget)
    if isinstance(workspace.mailbox, FindsSentCopies):
        # After a run that did not finish, drafts it made may have been sent since: the
        # mailbox looks among sent mail before making them (only then: it costs calls).
        workspace.mailbox.look_for_sent_copies(lock is not None and lock.took_over)
    applied, left = _apply(workspace, every_step, budget)
    results = {k: sent_in(parsed.settings.zone, r) for k, r in applied.items()}
    for row_steps in steps.values():
        for step in row_steps:
            if step.change is None:
                continue
            outcome = results.get(step.intent.key)
            kind = step.change.kind
            if step.intent.key in left:
                report.left[kind] += 1  # no time left for it: the next run goes on
                continue
            if outcome is not None and (outcome.sent_on is not None or outcome.deleted):
                continue  # already sent by the owner or deleted by a person: nothing made
            if outcome is not None and outcome.ok and outcome.edited:
                report.left_edited += 1
                if step.intent.retract == ROW_DELETED:
                    report.notes.append(
                        f"Row {step.intent.row_key} was deleted from the register, but its "
                        f"{kind} was edited by you, so it was left as is: delete it yourself "
                        "if it is no longer wanted")
            elif outcome is not None and outcome.ok:
                counter = {"create": report.created, "retract": report.retracted}.get(
                    step.kind, report.updated)
                counter[kind] += 1
                if step.kind == "create":
                    report.created_by_kind[kind_of(step.intent.purpose)] += 1
            else:
                report.failed += 1
                report.retry_later += bool(outcome and outcome.retry_later)
    _note_accepted(report, accepted, gone, steps, results)
    digest_result = results.get(digest.key)
    if digest_result is not None and not digest_result.ok:
        report.digest_error = digest_result.error or "not made; the next sync tries again"
    new_state = record_results(state, [s for rs in steps.values() for s in rs], results,
                               today.isoformat())
    acting = None
    if not new_state.acting_since:  # only a real run records the day it started acting
        # ... and writes it where staff see it: Settings, Acting since (core.acting).
        acting = None if ctx.settings.acting_since is not None or not getattr(
            workspace.register, "fills_acting_since", False) else \
            acting_since_write(snapshot, ctx.acting_since)
        _note_acting_since(report, ctx, new_state, written=acting is not None)
        new_state.acting_since = ctx.acting_since.isoformat()
    remember_new_rows(new_state, parsed.all_rows(), steps, today)
    failures = {k: r for k, r in results.items() if not r.ok}
    written_cells: dict[tuple[str, int], dict[int, str]] = {}
    writes = _status_writes(parsed, plans, new_state, failures, report, written_cells,
                            waiting={s.intent.row_key for rs in steps.values() for s in rs
                                     if s.intent.key in left})
    if acting is not None:
        write, column = acting
        writes.append(write)
        written_cells.setdefault((write.row.tab, write.row.number), {})[column] = write.value
    _fill_outcomes(report, parsed, plans, steps, failures)
    report.client_replies = _client_replies(writes)

    changed_state = new_state.content_rows() != stored
    dashboard = _dashboard(workspace.register, snapshot, parsed, ctx, plans)
    refresh_only = not (writes or changed_state) and dashboard_unchanged(snapshot, dashboard)
    if writes or changed_state or steady.stale or not dashboard_unchanged(snapshot, dashboard):
        if lock is not None and not lock.hold(snapshot):
            # Nothing was applied (the lock would be held already): safe to start over.
            return _sync_once(workspace, dry_run, clock, lock, accept_changes, full=full,
                              budget=budget)
        new_state.last_sync = now.isoformat(timespec="seconds")
        new_state.write_token = uuid.uuid4().hex[:12]
        if isinstance(workspace.calendar, ListsNews):
            new_state.news["calendar"] = workspace.calendar.news_token()
        if isinstance(workspace.mailbox, ListsNews):
            new_state.news["mail"] = workspace.mailbox.news_token()
        forget_placed_rows(new_state, parsed.all_rows(), today)
        settled = not (failures or left or parsed.tab_problems or any(
            r.sent_on is not None or r.deleted for r in results.values()))
        # What this write leaves, for the next run's steady check (core.steady); a run
        # that did not settle everything leaves none, so the next one plans in full.
        new_state.steady = steady.record(
            new_state, written_cells, dashboard, plans,
            decide(digest, new_state.get(digest.key)), refreshed=refresh_only) \
            if settled else ""
        # The write needs none of what planned it: at 10,000 rows the validated rows and
        # plans are ~100 MB, and the write's body and answer as much again.
        del parsed, plans, ctx, steps, every_step, state, written_cells
        progress.info("Writing %d cells to %s", len(writes), workspace.register.describe())
        written = _write(workspace.register, snapshot, writes, new_state.to_rows(),
                         report, now, dashboard)
        _note_write(report, written)
    if not second_pass and any(r.sent_on is not None for r in results.values()):
        # Drafts the owner had already sent turned up while creating (the last run did
        # not finish): plan once more with them recorded as sent, since a sent thank-you
        # counts as a contact and moves the partner's Next touch.
        again = _sync_once(workspace, dry_run, clock, lock, accept_changes, second_pass=True,
                           budget=budget)
        again.created.update(report.created)
        again.updated.update(report.updated)
        again.retracted.update(report.retracted)
        again.left_edited += report.left_edited
        return again
    log.info("sync done: rows=%d problems=%d created=%s updated=%s retracted=%s failed=%d "
             "cells=%d left=%s", sum(report.rows_read.values()), report.rows_with_problems,
             dict(report.created), dict(report.updated), dict(report.retracted),
             report.failed, report.cells_written, dict(report.left))
    return report


def _plan(parsed: ParsedRegister, state: SyncState, today: dt.date, namespace: str,
          gone: frozenset[str] = frozenset()
          ) -> tuple[PlanContext, dict[str, RowPlan], dict[str, list[Step]], Intent]:
    """The playbook's plans for every row and the weekly digest, and the steps they take
    against the state; retractions for the rows ``gone`` from the register
    (``_gone_rows``) and for earlier weeks' unsent digests. Pure."""
    ctx = PlanContext(parsed, state, today, namespace, _partner_contacts(state))
    plans = plan_register(ctx)
    steps = {key: plan_steps(plan.intents, state, today) for key, plan in plans.items()}
    if identity_problem(parsed.settings):
        hold_drafts(plans, steps)  # drafts from "Your Clinic": none (core.settings_guard)
    for intent in deleted_rows(state, gone):
        steps.setdefault(intent.row_key, []).extend(plan_steps([intent], state, today))
    # The digest rides with the rows' steps (apply, record) but has no row: the status
    # write-back iterates rows, so it never looks for one.
    digest = plan_digest(ctx, plans, parsed.tab_problems)
    steps[digest.row_key] = plan_steps([digest], state, today)
    if digest.spec is not None:  # this week's replaces the earlier ones left unsent
        for intent in replaced_digests(state, today):
            steps.setdefault(intent.row_key, []).extend(plan_steps([intent], state, today))
    return ctx, plans, steps, digest


def _note_acting_since(report: SyncReport, ctx: PlanContext, state: SyncState,
                       written: bool = False) -> None:
    """On the first sync: the day sheetsync starts acting, and what is history; and
    where staff change the day (``written``: the Settings row was filled in)."""
    if state.acting_since or ctx.settings.acting_since is not None:
        return
    day = ctx.acting_since.isoformat()
    verb = "would start" if report.dry_run else "started"
    where = ("It is written in Settings, 'Acting since': change the date there to move it."
             if written else "To change the day, give the Settings row 'Acting since' a date "
             "(add the row if it is missing).")
    report.info.append(
        f"sheetsync {verb} acting on this register on {day}: what was due before "
        f"{ctx.history_line.isoformat()} ({ctx.settings.catch_up_days} days of catch-up) is "
        f"history, and nothing is made for it. {where}")


def _note_accepted(report: SyncReport, accepted: Mapping[str, tuple[str, int]],
                   gone: frozenset[str],
                   steps: Mapping[str, list[Step]], results: Mapping[str, ChangeResult]
                   ) -> None:
    """For each tab whose mass change ``--accept-changes`` let through: its deleted rows
    count as deleted on purpose, and the notes say what was withdrawn for them (what
    would be, in a dry run), so a tab emptied by mistake can still be restored."""
    for name, (title, deleted) in accepted.items():
        prefix = next(f"{s.id_prefix}-" for s in DATA_TABS if s.name == name)
        rows = sorted(k for k in gone if k.startswith(prefix))
        done: Counter[str] = Counter()
        left = 0
        for key in rows:
            for step in steps.get(key, []):
                if step.change is None or step.intent.retract != ROW_DELETED:
                    continue
                outcome = results.get(step.intent.key)
                if report.dry_run or (outcome is not None and outcome.ok and
                                      not outcome.edited and outcome.sent_on is None):
                    done[step.change.kind] += 1
                elif outcome is not None and outcome.ok and outcome.edited:
                    left += 1
        verb = "would be withdrawn" if report.dry_run else "withdrawn"
        what = (f"{verb}: {done['draft']} unsent drafts deleted and {done['event']} events "
                "ahead cancelled that sheetsync had made for them" if done else
                "nothing sheetsync made for them was waiting")
        edited = f"; {left} you had edited were left as they are" if left else ""
        report.notes.append(
            f"Tab '{title}': change accepted (--accept-changes), so its {deleted} deleted "
            f"rows count as deleted on purpose; {what}{edited}")


def _report_digest(report: SyncReport, step: Step) -> None:
    """The weekly digest's step, and its problem (a leading "!") among the notes."""
    report.digest = step
    if step.intent.why_not.startswith("!"):
        report.notes.append(step.intent.why_not[1:])


class _Steady:
    """The steady check (``core.steady``) of one run: does the register read exactly as
    the last write left it, and what does this run's write leave for the next one."""

    def __init__(self, workspace: Workspace, snapshot: RegisterSnapshot,
                 stored: list[list[str]], today: dt.date, utc_today: dt.date,
                 gone: frozenset[str] = frozenset()) -> None:
        self.workspace = workspace
        self.gone = gone
        self.snapshot = snapshot
        self.stored = stored
        # Everything outside the register that planning depends on. (Another mailbox or
        # calendar also shows as news: what was made is not found there.)
        self.context = "|".join((__version__, workspace.namespace, workspace.calendar.describe(),
                                 today.isoformat(), utc_today.isoformat()))
        register = workspace.register
        log_tab = normalise_header(SYNC_LOG_TAB)
        self.skip = {t.title for t in snapshot.tabs if t.title.startswith("_sheetsync") or (
            getattr(register, "keeps_sync_log", False) and normalise_header(t.title) == log_tab)}
        self.keeps_dashboard = bool(getattr(register, "keeps_dashboard", False))
        self.found: SteadyRecord | None = None
        self.day = today.isoformat()
        # The register reads otherwise than this same day's record: a person's edit. A
        # full run that has nothing to write then writes the state alone, once, so that
        # the next run is steady again (a blanked note would otherwise end them for good);
        # not again for a register that reads as the refreshing run read it.
        self.stale = False
        self.read = ""

    def matches(self, parsed: ParsedRegister) -> bool:
        if parsed.tab_problems or not parsed.state.steady:
            return False
        if parsed.state.identity_rows() != [r for r in self.stored if r[0] in IDENTITY_ROWS]:
            return False  # identity prints recorded this run (core.identity): write them
        record = SteadyRecord.from_json(parsed.state.steady)
        if record is None:
            return False
        now = register_digest(self.snapshot, context=self.context, state_rows=self.stored,
                              skip=self.skip, dashboard=self._dashboard_as_read())
        self.found = record if now == record.register_digest else None
        self.read = now
        self.stale = self.found is None and record.day == self.day and \
            now != record.refreshed_from
        return self.found is not None

    def _dashboard_as_read(self) -> tuple[str, list[tuple[str, ...]]] | None:
        """The Dashboard tab's title and text as read, for a register that keeps one."""
        if not self.keeps_dashboard:
            return None
        title = dashboard_title(self.snapshot)
        return title, tab_rows(existing_tab(self.snapshot, title))

    def report(self, report: SyncReport, parsed: ParsedRegister) -> None:
        """Fill the report as a full run would: rows from this run's validation, the
        planned rows' problems and the digest's step from the record."""
        record = self.found
        assert record is not None
        plans = {key: RowPlan(key, problems=list(problems))
                 for key, problems in record.plan_problems.items()}
        _fill_outcomes(report, parsed, plans, {}, {})
        if record.digest_step is not None:
            _report_digest(report, record.digest_step)

    def record(self, new_state: SyncState, written_cells: Overrides,
               dashboard: Dashboard | None, plans: dict[str, RowPlan],
               digest_step: Step, refreshed: bool = False) -> str:
        """The record of the register as this run's write will leave it."""
        if digest_step.kind not in ("keep", "none"):
            return ""
        shown = (dashboard.title, dashboard.text_rows()) if dashboard is not None \
            else self._dashboard_as_read()
        digest = register_digest(self.snapshot, context=self.context,
                                 state_rows=new_state.content_rows(), skip=self.skip,
                                 dashboard=shown, overrides=written_cells)
        return SteadyRecord(digest, plan_problems_of(plans), digest_step, self.day,
                            self.read if refreshed else "").to_json()


def _verify_steady(report: SyncReport, steady: _Steady, parsed: ParsedRegister,
                   state: SyncState) -> None:
    """For the test suite (``core.steady.VERIFY``): plan this steady run in full too; it
    must find nothing to do and report the same."""
    ctx, plans, steps, digest = _plan(parsed, state, report.today, steady.workspace.namespace,
                                      steady.gone)
    changes = [s.intent.key for rs in steps.values() for s in rs if s.change is not None]
    full = SyncReport(dry_run=False, today=report.today,
                      tab_problems=list(parsed.tab_problems), notes=list(parsed.notes))
    full.rows_read = Counter(report.rows_read)
    full.steady = True  # all else must match
    writes = _status_writes(parsed, plans, state, {}, full, {})
    new_state = record_results(state, [s for rs in steps.values() for s in rs], {})
    dashboard = _dashboard(steady.workspace.register, steady.snapshot, parsed, ctx, plans)
    _fill_outcomes(full, parsed, plans, steps, {})
    _report_digest(full, steps[digest.row_key][0])
    problems = []
    if changes:
        problems.append(f"changes {changes[:5]}")
    if writes:
        problems.append(f"cell writes {[(w.row.key, w.column, w.value) for w in writes[:5]]}")
    if new_state.content_rows() != steady.stored:
        problems.append("state")
    if not dashboard_unchanged(steady.snapshot, dashboard):
        problems.append("dashboard")
    if full.as_json() != report.as_json():
        problems.append(f"report {full.as_json()} != {report.as_json()}")
    if [r.new_problem for r in full.rows] != [r.new_problem for r in report.rows]:
        problems.append("new problems")
    if problems:
        raise AssertionError("steady run disagrees with a full run: " + "; ".join(problems))


def _observe(workspace: Workspace, state: SyncState, present: set[str], mail_domain: str
             ) -> dict[str, Observation]:
    """Ask calendar and mailbox about what was made for rows still in the register."""
    events: list[Known] = []
    drafts: list[Known] = []
    for record in state.objects.values():
        if record.status not in LIVE_STATUSES or record.row_key not in present:
            continue
        if record.kind == "event":
            events.append(record.known())
        else:
            drafts.append(record.known(message_id_for(workspace.namespace, record.key,
                                                      mail_domain)))
    seen: dict[str, Observation] = {}
    if events:
        seen.update(workspace.calendar.observe(events))
    if drafts:
        seen.update(workspace.mailbox.observe(drafts))
    return seen


def _follow(workspace: Workspace, parsed: ParsedRegister, state: SyncState,
            present: set[str], today: dt.date) -> dict[str, ThreadSeen]:
    """The tracker (``core.tracker``): ask a mailbox that follows threads about the sent
    drafts worth following; what it tells that is new. A mailbox that cannot answer
    this time changes nothing: what was learnt before stands."""
    if not isinstance(workspace.mailbox, FollowsThreads):
        return {}
    settings = parsed.settings
    cells = tracker.addresses(parsed)
    # An Email cell changed since its address bounced: the block on it ends.
    learnt = tracker.corrected(state, cells)
    wanted = tracker.followed(state, {key: cells.get(key, "") for key in present}, today,
                              settings.follow_days,
                              lambda key: message_id_for(workspace.namespace, key,
                                                         settings.mail_domain))
    if not wanted:
        return learnt
    progress.info("Checking %d sent threads for replies", len(wanted))
    try:
        threads = workspace.mailbox.follow(wanted)
    except Exception as exc:  # the rest of the run goes on; the next run asks again
        log.warning("%s could not tell replies: %s", workspace.mailbox.describe(),
                    type(exc).__name__)
        return learnt
    return {**learnt, **tracker.learn(state, threads, wanted, settings.owner_email,
                                      settings.zone)}


def _vanished(workspace: Workspace) -> list[Vanished]:
    """The calendar file or drafts folder, if it is gone (``ports.KeptInFiles``)."""
    stores: tuple[tuple[object, ObjectKind], ...] = ((workspace.calendar, "event"),
                                                    (workspace.mailbox, "draft"))
    return [Vanished(what, kind) for target, kind in stores
            if isinstance(target, KeptInFiles) and (what := target.vanished())]


def _gone_rows(parsed: ParsedRegister, held: Sequence[str]) -> frozenset[str]:
    """The rows deleted from the register, whose unsent drafts and events ahead are
    withdrawn: IDs with something live in the state, of a tab read whole this run (never
    one the mass-change guard held or that lacks a column), whose row is not there any
    more and whose data is not either (moved without its ID: ``core.identity`` tells that
    row which ID is its own, and nothing is withdrawn meanwhile)."""
    prefixes = tuple(f"{spec.id_prefix}-" for spec in DATA_TABS
                     if spec.name in parsed.columns and spec.name not in held)
    if not prefixes:
        return frozenset()
    present = {row.key for row in parsed.all_rows()}
    state = parsed.state
    gone = {r.row_key for r in state.objects.values() if r.status == "active"
            and r.row_key.startswith(prefixes) and r.row_key not in present}
    if gone and state.identity_key:
        prints = {identity_print(state.identity_key, row.spec.name,
                                 identity_parts(row.spec.name, row.cells))
                  for row in parsed.all_rows()} - {""}
        gone = {key for key in gone if state.identities.get(key, "") not in prints}
    return frozenset(gone)


def _partner_contacts(state: SyncState) -> dict[str, dt.date]:
    """A sent draft to a partner counts as a contact on the day it was sent, unless it
    bounced (the tracker, ``core.tracker``): a mail that never arrived is no contact."""
    contacts: dict[str, dt.date] = {}
    for record in state.objects.values():
        if record.kind != "draft" or record.status != "sent" or not record.basis:
            continue
        seen = state.threads.get(record.key)
        if seen is not None and seen.bounced:
            continue
        try:
            day = dt.date.fromisoformat(record.date[:10])
        except ValueError:
            continue
        if record.basis not in contacts or day > contacts[record.basis]:
            contacts[record.basis] = day
    return contacts


@dataclass(frozen=True)
class _Budget:
    """The time a run may spend: ``stop_at`` on ``timer`` is when the last batch of
    events or drafts must have ended (None: no limit)."""

    timer: Callable[[], float]
    stop_at: float | None


def _reserve(seconds: float) -> float:
    """Seconds kept for the register's one write at the end of a capped run."""
    return min(60.0, max(5.0, seconds * 0.05))


class _Progress:
    """Events and drafts made so far, for the progress line (cli/progress.py): counts,
    and an ETA from the quota the targets still have to spend."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self._lock = threading.Lock()
        self._eta: dict[str, float] = {}

    def tick(self, name: str, made: int, eta: float) -> None:
        with self._lock:
            self.done += made
            self._eta[name] = eta
            slowest = max(self._eta.values(), default=0.0)
            progress.info("Making events and drafts: %d of %d", self.done, self.total,
                          extra={"done": self.done, "total": self.total, "eta": slowest})


def _slices(changes: list[Change], sliced: bool) -> list[list[Change]]:
    """The changes in slices between which a run may stop or show progress: a
    twentieth each, 50 to 500 (a slice is a few batches: round trips stay few)."""
    if not sliced:
        return [changes]
    size = max(50, min(500, math.ceil(len(changes) / 20)))
    return [changes[i:i + size] for i in range(0, len(changes), size)]


def _apply_to(target: Any, changes: list[Change], budget: _Budget, tracker: _Progress
              ) -> tuple[list[ChangeResult], list[Change]]:
    """Apply ``changes`` to one calendar or mailbox, slice by slice while time is left:
    (the results, the changes left for the next run)."""
    paced = isinstance(target, Paced)
    sliced = budget.stop_at is not None or progress.isEnabledFor(logging.INFO)
    slices = _slices(changes, sliced)
    results: list[ChangeResult] = []
    name = target.describe()
    progress.info("Updating %s: %d change%s", name, len(changes),
                  "" if len(changes) == 1 else "s")
    if sliced:  # the ETA before the first batch: what the quota makes all of it take
        tracker.tick(name, 0, target.seconds_for(changes) if paced else 0.0)
    for i, part in enumerate(slices):
        if budget.stop_at is not None:
            need = target.seconds_for(part) if paced else 0.0
            if budget.timer() + need > budget.stop_at:
                return results, [c for rest in slices[i:] for c in rest]
        try:
            outcome = list(target.apply(part))
        except Exception as exc:  # one failing service must not lose the rest of the run
            log.warning("%s failed: %s", name, type(exc).__name__)
            outcome = [ChangeResult(c.key, False, error=f"{name} did not "
                                    "answer; the next sync will try again", retry_later=True)
                       for c in part]
        results.extend(outcome)
        rest = [c for later in slices[i + 1:] for c in later]
        tracker.tick(name, len(part), target.seconds_for(rest) if paced and rest else 0.0)
    return results, []


def _apply(workspace: Workspace, steps: Sequence[Step], budget: _Budget | None = None
           ) -> tuple[dict[str, ChangeResult], set[str]]:
    """Apply every change: (results by intent key, keys of the changes left for the
    next run). Calendar and mailbox spend separate quotas, so on paced backends (Google)
    they work side by side; the local ones go one after the other."""
    budget = budget or _Budget(time.monotonic, None)
    event_changes: list[Change] = []
    draft_changes: list[Change] = []
    for step in steps:
        if step.change is not None:
            if step.change.kind == "draft":
                draft_changes.append(step.change)
            else:
                event_changes.append(step.change)
    jobs = [(changes, target) for changes, target in ((event_changes, workspace.calendar),
                                                      (draft_changes, workspace.mailbox))
            if changes]
    tracker = _Progress(len(event_changes) + len(draft_changes))
    if len(jobs) > 1 and all(isinstance(t, Paced) for _, t in jobs):
        # The mailbox in a thread of its own, the calendar in this one.
        with ThreadPoolExecutor(max_workers=len(jobs) - 1,
                                thread_name_prefix="sheetsync-apply") as pool:
            futures = [pool.submit(_apply_to, target, changes, budget, tracker)
                       for changes, target in jobs[1:]]
            done = [_apply_to(jobs[0][1], jobs[0][0], budget, tracker)]
            done += [f.result() for f in futures]
    else:
        done = [_apply_to(target, changes, budget, tracker) for changes, target in jobs]
    results: dict[str, ChangeResult] = {}
    left: set[str] = set()
    for outcome, rest in done:
        for result in outcome:
            results[result.key] = result
        left.update(c.key for c in rest)
    return results, left


def _status_writes(parsed: ParsedRegister, plans: dict[str, RowPlan], state: SyncState,
                   failures: dict[str, ChangeResult], report: SyncReport,
                   written: dict[tuple[str, int], dict[int, str]],
                   waiting: set[str] | None = None) -> list[CellWrite]:
    """The cells to write, and into ``written`` where they are: (tab, row) -> column ->
    text, for the steady record. Rows ``waiting`` for the next run (``--max-minutes``)
    keep their cells until then, but for a new ID."""
    writes: list[CellWrite] = []
    for row in parsed.all_rows():
        cmap = parsed.columns[row.spec.name]
        texts: dict[str, str] = {}
        if waiting and row.key in waiting:
            if row.new_key and row.spec.id_column:
                texts[row.spec.id_column] = row.key
                report.ids_assigned += 1
            _cell_writes(row, cmap, texts, writes, written)
            continue
        problems = list(row.problems)
        plan = plans.get(row.key)
        if plan is not None:
            problems.extend(plan.problems)
            records = {i.key: r for i in plan.intents if (r := state.get(i.key)) is not None}
            texts.update(column_texts(plan, records, failures))
            for intent in plan.intents:
                failure = failures.get(intent.key)
                if failure is not None:
                    verb = "make" if state.get(intent.key) is None else \
                        "withdraw" if intent.retract else "update"
                    problems.append(f"Could not {verb} the {intent.label.lower()}: "
                                    f"{failure.error or 'unknown error'}; the next sync will "
                                    "try again")
        texts["Sync status"] = sync_status(problems)
        if row.new_key and row.spec.id_column:
            texts[row.spec.id_column] = row.key
            report.ids_assigned += 1
        _cell_writes(row, cmap, texts, writes, written)
    return writes


def _client_replies(writes: Sequence[CellWrite]) -> list[str]:
    """The rows this run first shows a client's reply waiting for an answer in (news,
    once; ``playbook.tracker``). Row ID and dates only: never the client."""
    return [f"{w.row.tab} row {w.row.number} ({w.row.key or w.row.assign_key}): {w.value}"
            for w in writes if w.value.startswith(CLIENT_REPLIED)]


def _cell_writes(row: Any, cmap: Any, texts: dict[str, str], writes: list[CellWrite],
                 written: dict[tuple[str, int], dict[int, str]]) -> None:
    for column, text in texts.items():
        if column not in cmap.index:
            continue
        current = row.cells.get(column)
        if text_of(current).strip() == text:
            continue
        writes.append(CellWrite(row.ref, cmap.header_text[column], text, current))
        written.setdefault((row.tab, row.raw.number), {})[cmap.index[column]] = text


def _fill_outcomes(report: SyncReport, parsed: ParsedRegister, plans: dict[str, RowPlan],
                   steps: dict[str, list[Step]], failures: dict[str, ChangeResult]) -> None:
    for row in parsed.all_rows():
        plan = plans.get(row.key)
        problems = list(row.problems) + (plan.problems if plan else [])
        new = bool(problems) and text_of(row.cells.get("Sync status")).strip() != \
            sync_status(problems)
        problems += [f"could not make or update the {s.intent.label.lower()}"
                     for s in steps.get(row.key, []) if s.intent.key in failures]
        if problems:
            report.rows_with_problems += 1
        # The plan step by step only for a dry run, which prints it: a real run's steps
        # carry every event's and draft's text (~60 MB at 10,000 rows), held while it writes.
        report.rows.append(RowOutcome(row.key, row.tab, row.raw.number, problems,
                                      steps.get(row.key, []) if report.dry_run else [], new))


def _dashboard(register: Register, snapshot: RegisterSnapshot, parsed: ParsedRegister,
               ctx: PlanContext, plans: dict[str, RowPlan]) -> Dashboard | None:
    """The Dashboard tab for a register that keeps one (``playbook.dashboard``). None
    while a tab cannot be synced: counts from a tab held by the mass-change guard or
    missing a column would read as zero, so the dashboard stays as it was."""
    if not getattr(register, "keeps_dashboard", False) or parsed.tab_problems:
        return None
    return build_dashboard(ctx, plans, dashboard_title(snapshot))


def _write(register: Register, snapshot: RegisterSnapshot, writes: list[CellWrite],
           state_rows: list[list[str]], report: SyncReport, now: dt.datetime,
           dashboard: Dashboard | None = None) -> WriteReport:
    """The one write of a sync. The Sync log's new line and the Dashboard ride in it, so
    a run that writes nothing adds no line (``sheetsync.synclog``)."""
    if dashboard is not None:
        log_rows = sync_log_rows(snapshot, log_entry(report, now, len(writes))) \
            if getattr(register, "keeps_sync_log", False) else None
        return cast(DashboardRegister, register).write(snapshot, writes, state_rows,
                                                       log_rows=log_rows, dashboard=dashboard)
    if not getattr(register, "keeps_sync_log", False):
        return register.write(snapshot, writes, state_rows)
    log_rows = sync_log_rows(snapshot, log_entry(report, now, len(writes)))
    return cast(SyncLogRegister, register).write(snapshot, writes, state_rows,
                                                 log_rows=log_rows)


def _note_write(report: SyncReport, outcome: WriteReport) -> None:
    report.cells_written = outcome.written
    report.writes_skipped = len(outcome.skipped)
    if outcome.refused:
        report.write_refused = outcome.refused
