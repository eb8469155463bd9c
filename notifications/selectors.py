"""Reads of the notifications app, scoped to the person who asks.

A person sees their own notifications only; a guessed id of anyone else's answers 404.
Urging and lateness are shown to the members of the issuing unit; a recipient unit sees
its own row only (through the plan page, which applies `documents.selectors`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.models import Delivery, Plan, Unit
from documents.selectors import overdue_since, owed_by_unit_q, owed_due_at, unit_ids_of, with_lateness
from notifications.calendar import WorkingCalendar, merge_policy, overdue_working_days, site_defaults
from notifications.models import EmailMode, Notification, NotificationPreference, Obligation, SweepCursor, Urge
from notifications.reminders import (
    Decision,
    EventNotice,
    Policies,
    decide,
    due_obligations,
    find_event_notices,
    find_new_obligations,
    opening_notices,
)
from notifications.services.delivery import preference_of
from notifications.steps import StepClock
from workflow.services import OPEN_TASK_STATES


def notifications_for_user(*, user: AbstractBaseUser) -> QuerySet[Notification]:
    """The person's notifications, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk).select_related("plan").order_by("-created_at", "-id")


def unread_count(*, user: AbstractBaseUser) -> int:
    """How many of the person's notifications are unread (the header badge)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notification_get_for_user(*, user: AbstractBaseUser, notification_id: int) -> Notification:
    """One of the person's notifications; Http404 for anyone else's."""
    notification = notifications_for_user(user=user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404(_("Không tìm thấy thông báo."))
    return notification


def preference_for(*, user: AbstractBaseUser) -> NotificationPreference:
    """The person's e-mail choice and calendar token (the defaults when never saved)."""
    return preference_of(user.pk)


def open_obligations(*, now: datetime | None = None) -> QuerySet[Obligation]:
    """Obligations whose task is still open, with plan and unit loaded (pages read the task's status)."""
    return (
        Obligation.objects.filter(closed_at__isnull=True, task__status__in=OPEN_TASK_STATES)
        .exclude(plan__state=Plan.State.WITHDRAWN)
        .select_related("plan", "unit", "plan__issuer")
    )


def calendar_obligations_for_token(*, token: str) -> tuple[AbstractBaseUser, list[Obligation]]:
    """The person of a calendar token and the open obligations of their units with a due time; Http404 otherwise."""
    preference = (
        NotificationPreference.objects.select_related("user")
        .filter(ical_token=token, ical_token__isnull=False, user__is_active=True)
        .first()
        if token
        else None
    )
    if preference is None:
        raise Http404(_("Không tìm thấy lịch."))
    user = preference.user
    obligations = list(
        open_obligations().filter(unit_id__in=unit_ids_of(user), due_at__isnull=False).order_by("due_at", "id")[:1000]
    )
    return user, obligations


def urge_counts(plan: Plan) -> dict[int, int]:
    """How often each unit was urged on `plan`: {unit id: count} (the plan page's board)."""
    return dict(Urge.objects.filter(plan=plan).values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n"))


def urges_of_plan(*, plan: Plan) -> QuerySet[Urge]:
    """The urgings of a plan, newest first, with unit and actor."""
    return Urge.objects.filter(plan=plan).select_related("unit", "actor").order_by("-created_at", "-id")


def urgeable_deliveries(*, plan: Plan, now: datetime | None = None) -> list[Delivery]:
    """The plan's deliveries whose unit still owes something (`owed_by_unit_q`), late ones first.

    Each carries `due_at` (the due time of what it owes next: acknowledgement, else report;
    None while the sweep has not written it) and `is_late` (`overdue_delivery_q` at `now`).
    """
    now = now or timezone.now()
    deliveries = list(
        with_lateness(plan.deliveries.filter(owed_by_unit_q()), now=now)
        .select_related("unit")
        .order_by("unit__name", "id")
    )
    for delivery in deliveries:
        delivery.is_late = delivery.acknowledge_late or delivery.report_late
        delivery.due_at = owed_due_at(delivery)
    never = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(deliveries, key=lambda d: (not d.is_late, d.due_at or never))


@dataclass
class LatenessRow:
    """One recipient unit in the lateness report, over the plans issued by the reader's units.

    `overdue`: its deliveries late now (`overdue_delivery_q`); `open`: those where it still owes
    something (`owed_by_unit_q`); `worst_days`: working days since the earliest due time it is
    late for; urgings of those plans.
    """

    unit: Unit
    overdue: int = 0
    open: int = 0
    worst_days: int = 0
    urges: int = 0
    warnings: int = 0
    last_urged_at: datetime | None = None
    plans: set[int] = field(default_factory=set)


def lateness_report(
    *, user: AbstractBaseUser, plan: Plan | None = None, now: datetime | None = None
) -> list[LatenessRow]:
    """Recipient units of the plans issued by the person's units, most late first, with their urgings.

    Late is the plan board's and the dashboard's rule (`documents.selectors.overdue_delivery_q`
    on the deliveries' stored due times); days late are working days
    (`notifications.calendar.overdue_working_days`). Scoped: only plans whose issuer is one of
    the person's units (`plan` narrows to one of them). Three statements.
    """
    now = now or timezone.now()
    if not user.is_authenticated:
        return []
    plans = Plan.objects.filter(issuer_id__in=unit_ids_of(user))
    if plan is not None:
        plans = plans.filter(pk=plan.pk)
    owed = with_lateness(Delivery.objects.filter(owed_by_unit_q(), plan__in=plans), now=now).only(
        "unit_id", "plan_id", "state", "acknowledge_due_at", "report_due_at"
    )
    rows: dict[int, LatenessRow] = {}
    worst_due: dict[int, datetime] = {}
    for delivery in owed:
        row = rows.setdefault(delivery.unit_id, LatenessRow(unit=None))  # type: ignore[arg-type]
        row.open += 1
        row.plans.add(delivery.plan_id)
        due = overdue_since(delivery)
        if due is not None:
            row.overdue += 1
            if delivery.unit_id not in worst_due or due < worst_due[delivery.unit_id]:
                worst_due[delivery.unit_id] = due
    calendar = WorkingCalendar()
    for unit_id, due_at in worst_due.items():
        rows[unit_id].worst_days = overdue_working_days(due_at, at=now, calendar=calendar)
    urges = defaultdict(list)
    for unit_id, level, created_at in Urge.objects.filter(plan__in=plans).values_list("unit_id", "level", "created_at"):
        urges[unit_id].append((level, created_at))
    for unit_id, items in urges.items():
        row = rows.setdefault(unit_id, LatenessRow(unit=None))  # type: ignore[arg-type]
        row.urges = len(items)
        row.warnings = sum(1 for level, _ in items if level == Urge.Level.WARN)
        row.last_urged_at = max(created for _, created in items)
    units = Unit.objects.in_bulk(list(rows))
    for unit_id, row in rows.items():
        row.unit = units[unit_id]
    return sorted(rows.values(), key=lambda r: (-r.worst_days, -r.overdue, -r.urges, r.unit.name))


def plan_deadlines_of(plan: Plan) -> dict:
    """The plan's overrides merged over the site defaults (`site_defaults`), as the deadline form shows them.

    Overrides that no longer validate against the defaults are not shown (the sweep ignores them too).
    """
    defaults = site_defaults()
    try:
        return merge_policy(defaults, plan.deadline_overrides)
    except ValueError:
        return defaults


# --- the dry run -------------------------------------------------------------------------


@dataclass
class PreviewRecipient:
    user: AbstractBaseUser
    reason: str
    email_mode: str


@dataclass
class PreviewItem:
    decision: Decision
    recipients: list[PreviewRecipient]


@dataclass
class PreviewEvent:
    """An event notice the sweep would write: the hand-back, and who would hear of it."""

    notice: EventNotice
    recipients: list[PreviewRecipient]


@dataclass
class Preview:
    """What a sweep at `at` would do, computed without writing anything."""

    at: datetime
    to_open: list[Obligation]
    to_close: list[Obligation]
    to_send: list[PreviewItem]
    to_notify: list[PreviewItem]
    """The new-task notices ("Việc mới") of the obligations in `to_open`."""
    to_tell: list[PreviewEvent] = field(default_factory=list)
    """The event notices of the hand-backs not yet announced (returns, refusals, withdrawals)."""


def reminders_preview(*, at: datetime) -> Preview:
    """What the sweep would do at `at`: obligations it would open (and whom it would tell), hand-backs it
    would tell of, obligations it would close, reminders it would send.

    Reads only (no lock, no write), with the same code as the sweep (`notifications.reminders`).
    """
    from django.contrib.auth import get_user_model

    from notifications.services.sweep import BATCH_SIZE, CURSOR, MAX_BATCHES, RECONCILE_LIMIT

    clock = StepClock(WorkingCalendar())
    policies = Policies()
    cursor_id = SweepCursor.objects.filter(pk=CURSOR).values_list("last_id", flat=True).first() or 0
    new = find_new_obligations(cursor_id=cursor_id, now=at, clock=clock, policies=policies, limit=RECONCILE_LIMIT)
    due = list(due_obligations(now=at)[: BATCH_SIZE * MAX_BATCHES])
    due += [o for o in new.obligations if o.next_reminder_at is not None and o.next_reminder_at <= at]
    notices = opening_notices(new.obligations, now=at, policies=policies)
    decisions = decide(due, now=at, clock=clock, policies=policies)
    events = find_event_notices(now=at)
    user_ids = {r.user_id for d in [*notices, *decisions.to_send, *events.notices] for r in d.recipients}
    users = get_user_model().objects.in_bulk(list(user_ids))
    modes = dict(NotificationPreference.objects.filter(user_id__in=user_ids).values_list("user_id", "email_mode"))

    def people(of: Decision | EventNotice) -> list[PreviewRecipient]:
        recipients = []
        for r in of.recipients:
            user = users[r.user_id]
            mode = modes.get(r.user_id, EmailMode.IMMEDIATE) if user.email else EmailMode.OFF
            recipients.append(PreviewRecipient(user, r.reason, mode))
        return recipients

    def items(of: list[Decision]) -> list[PreviewItem]:
        return [PreviewItem(decision, people(decision)) for decision in of]

    return Preview(
        at=at,
        to_open=new.obligations,
        to_close=decisions.closed,
        to_send=items(decisions.to_send),
        to_notify=items(notices),
        to_tell=[PreviewEvent(notice, people(notice)) for notice in events.notices],
    )
