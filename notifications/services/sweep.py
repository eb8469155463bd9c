"""The deadline sweep: open obligations (telling who must act), tell of hand-backs, send the reminders
that are due, recover lost sends.

Run by the beat every minute (`tasks.sweep_deadlines_task`), and by hand with
`manage.py reminders`. Each run does bounded work: at most `RECONCILE_LIMIT` new tasks,
`reminders.EVENT_LIMIT` new events of the audit trail and `MAX_BATCHES` batches of
`BATCH_SIZE` due obligations; what is left waits a minute.
Several sweeps at once (two beats by mistake, a manual run beside the beat) are safe:
each batch claims its rows with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite's
BEGIN IMMEDIATE serialises writers) and advances their `next_reminder_at` in the same
transaction, and the reminders' unique key is the backstop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.timers import fire_due_timers

from documents.models import Delivery
from notifications.calendar import WorkingCalendar
from notifications.models import Obligation, OutboundEmail, Reminder, SweepCursor
from notifications.reminders import (
    EVENT_CURSOR,
    EVENT_LIMIT,
    Decision,
    Policies,
    decide,
    deliveries_due_times,
    due_obligations,
    find_event_notices,
    find_new_obligations,
    opening_notices,
)
from notifications.services.deadlines import obligations_follow
from notifications.steps import StepClock

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_BATCHES = 10
RECONCILE_LIMIT = 2000
RECOVERY_LIMIT = 500
SEND_BATCH = 50
"""Reminders per Celery message (`send_reminders_task`): 1,000 due obligations make 40-60 messages, not 3,000."""
RECOVERY_GRACE = timedelta(minutes=15)
"""A reminder or e-mail not done this long after it was handed to Celery was lost (broker restart)."""

CURSOR = "tasks"


@dataclass
class SweepResult:
    """What one sweep did, for logs, the command and the tests."""

    due_times_set: int = 0
    """Deliveries whose acknowledgement and report due times this sweep wrote."""
    opened: int = 0
    closed: int = 0
    notices: int = 0
    """New-task notices ("Việc mới", step `reminders.OPENED`) written and handed to Celery."""
    event_notices: int = 0
    """Event notices (a plan returned, rejected or withdrawn, a delivery refused, a report returned) written."""
    reminders: int = 0
    batches: int = 0
    requeued_reminders: int = 0
    requeued_emails: int = 0
    timers_fired: int = 0
    reminder_ids: list[int] = field(default_factory=list)


def deadlines_sweep(
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    max_batches: int = MAX_BATCHES,
    fire_timers: bool = True,
) -> SweepResult:
    """Write new deliveries' due times, open new obligations, tell of new hand-backs, send the
    reminder steps due at `now`, requeue lost sends, fire flow timers.

    The people who must act on a newly opened obligation get its new-task notice in the same
    sweep, before the steps due. Notices and reminders are handed to Celery
    (`send_reminders_task`, ids only, `SEND_BATCH` a message) after each batch commits.
    """
    now = now or timezone.now()
    result = SweepResult()
    clock = StepClock(WorkingCalendar())
    policies = Policies()
    result.due_times_set = delivery_due_times_set(now=now, calendar=clock.calendar, policies=policies)
    opened = obligations_open_new(now=now, clock=clock, policies=policies)
    result.opened, result.notices = opened.count, len(opened.notice_ids)
    result.event_notices = len(event_notices_write(now=now))
    for _ in range(max_batches):
        claimed = _sweep_batch(now=now, clock=clock, policies=policies, batch_size=batch_size, result=result)
        result.batches += 1
        if claimed < batch_size:
            break
    _recover_lost_sends(now=now, result=result)
    if fire_timers:
        result.timers_fired = fire_due_timers()
    if result.due_times_set or result.opened or result.event_notices or result.reminders or result.closed:
        logger.info(
            "deadline sweep: %d deliveries given due times, %d opened (%d notices), %d event notices, "
            "%d closed, %d reminders",
            result.due_times_set,
            result.opened,
            result.notices,
            result.event_notices,
            result.closed,
            result.reminders,
        )
    return result


def delivery_due_times_set(*, now: datetime, calendar: WorkingCalendar, policies: Policies) -> int:
    """Write the due times of the deliveries sent since the last sweep; return how many.

    `reminders.deliveries_due_times` computes them (up to `RECONCILE_LIMIT` a sweep; the rest
    waits a minute); one UPDATE writes `acknowledge_due_at`, `report_due_at` and `due_set_at`
    only, so it cannot undo an acknowledgement or report written meanwhile. Two sweeps at
    once compute the same values: no lock is needed. Deliveries sent before this column
    existed are filled the same way, by the first sweep after the upgrade, and so are those a
    calendar change marked again (`deadlines.calendar_changed`), whose open obligations then
    take the new due times (`deadlines.obligations_follow`).
    """
    deliveries = deliveries_due_times(policies=policies, calendar=calendar, limit=RECONCILE_LIMIT)
    for delivery in deliveries:
        delivery.due_set_at = now
    Delivery.objects.bulk_update(
        deliveries, ["acknowledge_due_at", "report_due_at", "due_set_at"], batch_size=RECONCILE_LIMIT
    )
    # Written again after a calendar change (`deadlines.calendar_changed`): their open obligations follow.
    obligations_follow(deliveries, now=now, clock=StepClock(calendar), policies=policies)
    return len(deliveries)


@dataclass
class Opened:
    """What `obligations_open_new` did: how many obligations it opened, the notices it wrote."""

    count: int = 0
    notice_ids: list[int] = field(default_factory=list)


def obligations_open_new(*, now: datetime, clock: StepClock, policies: Policies, notify: bool = True) -> Opened:
    """Open an obligation for every new open human task of a plan, and tell who must act on it.

    Reads the tasks above the cursor (an indexed primary-key range) plus those created in
    the last minutes (see `reminders.RECONCILE_LOOKBACK`); the cursor row is locked so two
    sweeps do not do it twice (one skips it), and the unique task is the backstop.

    With `notify` (the sweep; tests that build obligations by hand turn it off), each new
    obligation's new-task notice (step `reminders.OPENED`, recipients from
    `reminders.opening_notices`) is written in the same transaction as the obligation, so
    neither exists without the other, and handed to Celery after the commit. An obligation
    is opened once, and its notice row is unique per obligation and person: one notice,
    however old the task is (the first sweep after an outage) or however often the
    lookback reads it.
    """
    with transaction.atomic():
        cursor = SweepCursor.objects.select_for_update(skip_locked=True).filter(pk=CURSOR).first()
        if cursor is None:
            if SweepCursor.objects.filter(pk=CURSOR).exists():
                return Opened()  # another sweep holds it
            SweepCursor.objects.get_or_create(pk=CURSOR)
            cursor = SweepCursor.objects.select_for_update().get(pk=CURSOR)
        found = find_new_obligations(
            cursor_id=cursor.last_id, now=now, clock=clock, policies=policies, limit=RECONCILE_LIMIT
        )
        notice_ids: list[int] = []
        if found.obligations:
            Obligation.objects.bulk_create(found.obligations, ignore_conflicts=True)
            if notify:
                notice_ids = _write_notices(found.obligations, now=now, policies=policies)
                _hand_over(notice_ids)
        highest = found.highest_task_id
        if not found.full:
            # Nothing more to read above: move past tasks that open nothing (gateways, submit).
            top = Task.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            highest = max(highest, top)
        if highest != cursor.last_id:
            SweepCursor.objects.filter(pk=CURSOR).update(last_id=highest, updated_at=now)
    return Opened(len(found.obligations), notice_ids)


def _write_notices(obligations: list[Obligation], *, now: datetime, policies: Policies) -> list[int]:
    """Write the new-task notices of just-created obligations; return the ids written by this call.

    `bulk_create(ignore_conflicts=True)` gives no primary keys back: they are read by the
    unique task, one statement.
    """
    decisions: list[Decision] = opening_notices(obligations, now=now, policies=policies)
    if not decisions:
        return []
    ids = dict(
        Obligation.objects.filter(task_id__in=[d.obligation.task_id for d in decisions]).values_list("task_id", "pk")
    )
    rows = [
        NewReminder(ids[d.obligation.task_id], d.step.key, 0, recipient.user_id, recipient.reason[:255])
        for d in decisions
        if d.obligation.task_id in ids
        for recipient in d.recipients
    ]
    return _insert_reminders(rows, now=now)


def event_notices_write(*, now: datetime, limit: int = EVENT_LIMIT) -> list[int]:
    """Tell of the hand-backs recorded in the audit trail since the last sweep; return the notice ids written.

    Reads the events of `reminders.EVENT_ACTIONS` above the cursor "events" (and recent ones
    not yet announced, `reminders.EVENT_LOOKBACK`), up to `limit` a sweep, in one statement
    when there are none; writes one `Reminder` per (event, person), `step` the event's action,
    hands them to Celery after the commit like the urgings', and moves the cursor, in one
    transaction. No lock: the unique (event, person) key makes a second sweep, at once or
    later, write nothing, and the cursor only moves forward. The notifications app reads the
    trail; the workflow never calls it (DESIGN, "Apps and who owns what").
    """
    found = find_event_notices(now=now, limit=limit)
    if not found.highest:
        return []
    rows = [
        NewReminder(notice.event.pk, notice.event.action, 0, recipient.user_id, recipient.reason[:255])
        for notice in found.notices
        for recipient in notice.recipients
    ]
    with transaction.atomic():
        ids = _insert_reminders(rows, now=now, source="event_id")
        _hand_over(ids)
        if found.cursor is None:
            SweepCursor.objects.bulk_create(
                [SweepCursor(name=EVENT_CURSOR, last_id=found.highest, updated_at=now)], ignore_conflicts=True
            )
        elif found.highest > found.cursor:
            SweepCursor.objects.filter(pk=EVENT_CURSOR, last_id__lt=found.highest).update(
                last_id=found.highest, updated_at=now
            )
    return ids


def _sweep_batch(*, now: datetime, clock: StepClock, policies: Policies, batch_size: int, result: SweepResult) -> int:
    with transaction.atomic():
        rows = list(due_obligations(now=now).select_for_update(skip_locked=True, of=("self",))[:batch_size])
        if not rows:
            return 0
        decisions = decide(rows, now=now, clock=clock, policies=policies)
        rows_to_write = [
            NewReminder(
                decision.obligation.pk,
                decision.step.key,
                decision.step.overdue_days,
                recipient.user_id,
                recipient.reason[:255],
            )
            for decision in decisions.to_send
            for recipient in decision.recipients
        ]
        ids = _insert_reminders(rows_to_write, now=now)
        _save_clocks(decisions.closed + decisions.moved)
        _hand_over(ids)
        result.closed += len(decisions.closed)
        result.reminders += len(ids)
        result.reminder_ids += ids
    return len(rows)


def _recover_lost_sends(*, now: datetime, result: SweepResult) -> None:
    """Hand again to Celery what it should have done long ago: its message was lost.

    A broker restart without persistence loses queued messages; the rows say what is
    unfinished. Each row is requeued at most once per grace period (its clock is moved),
    and sending twice is harmless: delivery is idempotent by data.
    """
    from notifications.tasks import send_email_task

    stale = now - RECOVERY_GRACE
    with transaction.atomic():
        reminder_ids = list(
            Reminder.objects.filter(sent_at__isnull=True, canceled_at__isnull=True, enqueued_at__lte=stale)
            .order_by("enqueued_at")
            .values_list("pk", flat=True)[:RECOVERY_LIMIT]
        )
        email_ids = list(
            OutboundEmail.objects.filter(
                state__in=[OutboundEmail.State.PENDING, OutboundEmail.State.SENDING], next_attempt_at__lte=stale
            )
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:RECOVERY_LIMIT]
        )
        if reminder_ids:
            Reminder.objects.filter(pk__in=reminder_ids).update(enqueued_at=now)
            _hand_over(reminder_ids)
        if email_ids:
            OutboundEmail.objects.filter(pk__in=email_ids).update(next_attempt_at=now)
            for email_id in email_ids:
                send_email_task.delay_on_commit(email_id)
    if reminder_ids or email_ids:
        logger.warning(
            "requeued %d reminders and %d e-mails whose messages were lost", len(reminder_ids), len(email_ids)
        )
    result.requeued_reminders = len(reminder_ids)
    result.requeued_emails = len(email_ids)


def _hand_over(reminder_ids: list[int]) -> None:
    """Queue the reminders for delivery after the transaction commits, `SEND_BATCH` ids a message."""
    from notifications.tasks import send_reminders_task

    for start in range(0, len(reminder_ids), SEND_BATCH):
        send_reminders_task.delay_on_commit(reminder_ids[start : start + SEND_BATCH])


_CLOCK_FIELDS = ["closed_at", "close_reason", "next_reminder_at", "last_step"]


def _save_clocks(obligations: list[Obligation]) -> None:
    """Write the obligations' new clocks in one statement.

    On PostgreSQL one UPDATE … FROM unnest(arrays): Django's `bulk_update` builds a CASE
    expression per row and field, which costs more time in Python than the whole sweep
    may take. Other databases (SQLite, the embedded default) use `bulk_update`.
    """
    if not obligations:
        return
    if connection.vendor != "postgresql":
        Obligation.objects.bulk_update(obligations, _CLOCK_FIELDS)
        return
    table = Obligation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS o SET next_reminder_at = v.next_at, last_step = v.step, "  # noqa: S608 (no input in it)
            "closed_at = v.closed_at, close_reason = v.reason "
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::varchar[], %s::timestamptz[], %s::varchar[]) "
            "AS v (id, next_at, step, closed_at, reason) WHERE o.id = v.id",
            [
                [o.pk for o in obligations],
                [o.next_reminder_at for o in obligations],
                [o.last_step for o in obligations],
                [o.closed_at for o in obligations],
                [o.close_reason for o in obligations],
            ],
        )


class NewReminder(NamedTuple):
    """A reminder row to write: `source_id` is its obligation's id, or its audit event's (an event notice)."""

    source_id: int
    step: str
    overdue_days: int
    recipient_id: int
    reason: str


def _insert_reminders(reminders: list[NewReminder], *, now: datetime, source: str = "obligation_id") -> list[int]:
    """Insert the reminders, skipping any that exist (the unique key); return the ids this call wrote.

    `source` is the column `NewReminder.source_id` goes to: "obligation_id" (reminders and
    new-task notices) or "event_id" (event notices: unique per event and person). On
    PostgreSQL one INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING id: the ids
    are exactly the rows written here (a row another sweep wrote first is that sweep's to hand
    over), in one statement whatever the batch. Elsewhere `bulk_create` with ignore_conflicts,
    then the rows of this sweep's moment and these steps are read back (the new-task notices
    of the same obligations were written at the same moment).
    """
    if source not in ("obligation_id", "event_id"):
        raise ValueError(f"unknown reminder source {source!r}")
    if not reminders:
        return []
    if connection.vendor != "postgresql":
        Reminder.objects.bulk_create(
            (
                Reminder(
                    **{source: r.source_id},
                    step=r.step,
                    overdue_days=r.overdue_days,
                    recipient_id=r.recipient_id,
                    reason=r.reason,
                    created_at=now,
                    enqueued_at=now,
                )
                for r in reminders
            ),
            ignore_conflicts=True,
        )
        return list(
            Reminder.objects.filter(
                **{f"{source}__in": {r.source_id for r in reminders}},
                step__in={r.step for r in reminders},
                created_at=now,
                sent_at__isnull=True,
                canceled_at__isnull=True,
            ).values_list("pk", flat=True)
        )
    table = Reminder._meta.db_table
    columns = [list(column) for column in zip(*reminders, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({source}, step, overdue_days, recipient_id, reason, created_at, enqueued_at, "  # noqa: S608
            "cancel_reason, email_mode) "
            "SELECT r.source_id, r.step, r.overdue_days, r.recipient_id, r.reason, %s, %s, '', '' "
            "FROM unnest(%s::bigint[], %s::varchar[], %s::smallint[], %s::integer[], %s::varchar[]) "
            "AS r (source_id, step, overdue_days, recipient_id, reason) "
            "ON CONFLICT DO NOTHING RETURNING id",
            [now, now, *columns],
        )
        return [row[0] for row in cursor.fetchall()]
