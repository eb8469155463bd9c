"""What the deadline sweep decides, computed without writing: shared by the sweep and the dry run.

- `find_new_obligations`: the human tasks of `PlanFlow` that have no obligation yet, turned
  into unsaved `Obligation` rows with their kind, responsible unit and due time.
- `due_obligations`: the obligations whose next reminder is due (the partial index).
- `decide`: for a batch of due obligations, which close (task done, delivery refused, plan
  withdrawn), which step each of the others is at, who gets it and why, and when the next
  step goes. It changes the objects in memory only; `services.sweep` saves them.

Which node is which obligation (issue 4, "Deadlines"):

| node | kind | responsible unit | due time from |
|---|---|---|---|
| approve | approve | issuer | the submission (the task's creation) |
| register, dispatch | register | issuer | the approval (registering and issuing is one period) |
| acknowledge | acknowledge | the delivery's unit | the arrival (`Delivery.sent_at`), the plan's urgency |
| report | report | the delivery's unit | the latest end date of the unit's lead tasks, else the plan's end |
| review | review | issuer | the arrival of the report (the task's creation) |

`submit` is the drafter's own drafting: it has no due time and no obligation.

Hand-backs (a plan returned or not approved, a delivery refused, a report returned, a plan
withdrawn) are no obligation of anyone's: `new_events` and `event_notices` find them in the
audit trail and choose who is told of each (the event notices).

The acknowledge and report due times are the delivery's own (`Delivery.acknowledge_due_at`,
`report_due_at`), written once by the sweep from `delivery_due_times` before it opens any
obligation: the plan board, the dashboard and the lateness report read the same values.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.db.models import BigIntegerField, Exists, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Least
from viewflow.workflow.models import Task

from documents.models import Delivery, Deputyship, Membership, Plan, PlanEvent, PlanTask
from notifications.calendar import (
    DeadlinePolicy,
    WorkingCalendar,
    deadline_policy,
    due_for,
    local_date,
    report_due,
    site_defaults,
)
from notifications.models import DeadlineKind, Obligation, SweepCursor
from notifications.steps import Step, StepClock, escalation
from workflow.flows import PlanFlow
from workflow.services import OPEN_TASK_STATES

logger = logging.getLogger(__name__)

NODE_KINDS: dict[str, str] = {
    "approve": DeadlineKind.APPROVE,
    "register": DeadlineKind.REGISTER,
    "dispatch": DeadlineKind.REGISTER,
    "acknowledge": DeadlineKind.ACKNOWLEDGE,
    "report": DeadlineKind.REPORT,
    "review": DeadlineKind.REVIEW,
}
ISSUER_KINDS = frozenset({DeadlineKind.APPROVE, DeadlineKind.REGISTER, DeadlineKind.REVIEW})

Role = Membership.Role
ACTOR_ROLES: dict[str, tuple[str, ...]] = {
    DeadlineKind.APPROVE: (Role.LEADER,),
    DeadlineKind.REGISTER: (Role.CLERK,),
    DeadlineKind.ACKNOWLEDGE: (Role.OFFICER, Role.CLERK),
    DeadlineKind.REPORT: (Role.OFFICER, Role.CLERK),
    DeadlineKind.REVIEW: (Role.DRAFTER,),
}
"""Who is told before anyone is late: the roles that act on the kind (leaders when the unit has none)."""

RECONCILE_LOOKBACK = timedelta(minutes=15)
"""Tasks created this recently are looked at again even below the cursor.

Task ids come from a sequence, and a transaction that took id 100 may commit after one that
took 101: a sweep that already moved its cursor past 101 would miss 100 for good. No web
request or Celery task holds a transaction this long (the hard time limit is 5 minutes).
"""


def plan_nodes() -> list:
    """The nodes of `PlanFlow` that open an obligation."""
    return [getattr(PlanFlow, name) for name in NODE_KINDS]


class Policies:
    """Deadline policies by plan overrides, each parsed once per sweep.

    The site defaults (`site_defaults()`: the settings with the admin's row merged in) are
    read once, on first use (one query), unless given. A plan whose overrides no longer
    validate (the defaults changed under them) falls back to the defaults, with a warning
    in the log, rather than stop the whole sweep.
    """

    def __init__(self, defaults: Mapping[str, Any] | None = None) -> None:
        self._defaults = defaults
        self._cache: dict[str, DeadlinePolicy] = {}

    @property
    def defaults(self) -> Mapping[str, Any]:
        if self._defaults is None:
            self._defaults = site_defaults()
        return self._defaults

    def policy(self, overrides: Mapping[str, Any] | None) -> DeadlinePolicy:
        """The policy of a plan with these `deadline_overrides` (the defaults when they do not validate)."""
        key = json.dumps(overrides or {}, sort_keys=True, default=str)
        if key not in self._cache:
            try:
                self._cache[key] = deadline_policy(overrides, defaults=self.defaults)
            except ValueError as error:
                logger.warning("deadline overrides %s ignored: %s", key, error)
                self._cache[key] = deadline_policy(None, defaults=self.defaults)
        return self._cache[key]


# --- opening ----------------------------------------------------------------------------


@dataclass
class NewObligations:
    """Obligations to open (unsaved) and the highest task id the scan read."""

    obligations: list[Obligation]
    highest_task_id: int
    full: bool


def find_new_obligations(
    *,
    cursor_id: int,
    now: datetime,
    clock: StepClock,
    policies: Policies,
    limit: int,
) -> NewObligations:
    """Turn the open human tasks above the cursor (or created lately) without an obligation into obligations.

    Reads in a fixed number of statements whatever the number of tasks (up to `limit`).
    """
    tasks = list(
        Task.objects.filter(
            Q(pk__gt=cursor_id) | Q(created__gte=now - RECONCILE_LOOKBACK),
            flow_task_type="HUMAN",
            status__in=OPEN_TASK_STATES,
            flow_task__in=plan_nodes(),
        )
        .filter(~Exists(Obligation.objects.filter(task_id=OuterRef("pk"))))
        .order_by("pk")
        .values("pk", "flow_task", "created", "data", "owner", "status", "process__planprocess__plan_id")[:limit]
    )
    if not tasks:
        return NewObligations([], cursor_id, False)
    plan_ids = {t["process__planprocess__plan_id"] for t in tasks}
    plans = {
        p.pk: p
        for p in Plan.objects.filter(pk__in=plan_ids).only(
            "pk", "issuer_id", "urgency", "deadline_overrides", "schedule_end", "state"
        )
    }
    delivery_ids = {t["data"].get("delivery_id") for t in tasks if (t["data"] or {}).get("delivery_id")}
    deliveries = {
        d.pk: d
        for d in Delivery.objects.filter(pk__in=delivery_ids).only(
            *DELIVERY_DUE_FIELDS, "plan_id", "state", "due_set_at"
        )
    }
    kinds = {t["pk"]: NODE_KINDS[t["flow_task"].name] for t in tasks}
    unset = [d for d in deliveries.values() if d.due_set_at is None]
    report_ends = lead_task_ends({d.plan_id for d in unset}) if unset else {}
    approvals: dict[int, datetime] = {}
    if any(t["flow_task"].name == "dispatch" for t in tasks):
        approvals = dict(
            PlanEvent.objects.filter(plan_id__in=plan_ids, action=PlanEvent.Action.APPROVE)
            .values("plan_id")
            .annotate(at=Max("created_at"))
            .values_list("plan_id", "at")
        )

    obligations = []
    for task in tasks:
        plan = plans.get(task["process__planprocess__plan_id"])
        if plan is None:
            continue
        kind = kinds[task["pk"]]
        delivery = deliveries.get((task["data"] or {}).get("delivery_id"))
        if kind not in ISSUER_KINDS and delivery is None:
            logger.warning("task %s (%s) has no delivery: no obligation opened", task["pk"], kind)
            continue
        unit_id = plan.issuer_id if kind in ISSUER_KINDS else delivery.unit_id
        policy = policies.policy(plan.deadline_overrides)
        if kind in ISSUER_KINDS:
            event_at = task["created"]
            if task["flow_task"].name == "dispatch":
                event_at = approvals.get(plan.pk, event_at)
            due_at = due_for(kind, event_at, urgency=plan.urgency, policy=policy, calendar=clock.calendar)
        else:
            # The delivery's own due times, written when it was sent: the board, the dashboard,
            # the lateness report and the reminders all read the same two values.
            if delivery.due_set_at is None:
                times = delivery_due_times(
                    delivery,
                    plan=plan,
                    report_end=report_ends.get((plan.pk, unit_id)),
                    policy=policy,
                    calendar=clock.calendar,
                )
                delivery.acknowledge_due_at, delivery.report_due_at = times
            due_at = delivery.acknowledge_due_at if kind == DeadlineKind.ACKNOWLEDGE else delivery.report_due_at
        obligation = Obligation(
            # What `opening_notices` and `close_reason` read, attached without another query.
            task=Task(pk=task["pk"], owner_id=task["owner"], status=task["status"]),
            plan=plan,
            delivery=delivery,
            kind=kind,
            unit_id=unit_id,
            opened_at=task["created"],
            due_at=due_at,
        )
        if due_at is not None:
            first = clock.first(due_at=due_at, opened_at=obligation.opened_at, policy=policy.reminders)
            obligation.next_reminder_at = first.at if first else None
        obligations.append(obligation)
    return NewObligations(obligations, max(cursor_id, tasks[-1]["pk"]), len(tasks) >= limit)


# --- the due times of a delivery ----------------------------------------------------------

DELIVERY_DUE_FIELDS = ("pk", "unit_id", "sent_at", "requires_report", "acknowledge_due_at", "report_due_at")
"""The fields of a `Delivery` that `delivery_due_times` reads and writes."""


class DeliveryDueTimes(NamedTuple):
    """A delivery's due times (aware datetimes): acknowledgement, and report (None when no report is due)."""

    acknowledge: datetime
    report: datetime | None


def lead_task_ends(plan_ids: Iterable[int]) -> dict[tuple[int, int], date]:
    """{(plan id, unit id): latest end date of the plan's tasks the unit leads}, one query."""
    return {
        (row["plan_id"], row["lead_unit_id"]): row["end"]
        for row in PlanTask.objects.filter(plan_id__in=plan_ids, lead_unit__isnull=False, end_date__isnull=False)
        .values("plan_id", "lead_unit_id")
        .annotate(end=Max("end_date"))
    }


def delivery_due_times(
    delivery: Delivery,
    *,
    plan: Plan,
    report_end: date | None,
    policy: DeadlinePolicy,
    calendar: WorkingCalendar,
) -> DeliveryDueTimes:
    """The due times of a delivery: when its unit must acknowledge it, and report on it.

    Acknowledgement: from its arrival (`Delivery.sent_at`) and the plan's urgency by `due_for`
    (Nghị định 30/2020/NĐ-CP, Điều 21: the same working day; Hỏa tốc in hours). Report, only
    when `delivery.requires_report`: the end of `report_end` (the latest end date of the tasks
    the unit leads, `lead_task_ends`), else of the plan's end date, moved to a working day
    (`report_due`; Bộ luật Dân sự 2015, Điều 148); None when neither date is known.
    """
    acknowledge = due_for(
        DeadlineKind.ACKNOWLEDGE, delivery.sent_at, urgency=plan.urgency, policy=policy, calendar=calendar
    )
    end = (report_end or plan.schedule_end) if delivery.requires_report else None
    return DeliveryDueTimes(acknowledge, report_due(end, calendar=calendar) if end else None)


def deliveries_due_times(*, policies: Policies, calendar: WorkingCalendar, limit: int) -> list[Delivery]:
    """The deliveries whose due times are not written yet (`Delivery.due_set_at` NULL, a partial
    index), oldest first, up to `limit`, with `acknowledge_due_at` and `report_due_at` computed
    by `delivery_due_times` (in memory: the caller saves them). Three queries whatever the number.
    """
    deliveries = list(
        Delivery.objects.filter(due_set_at__isnull=True).order_by("pk").only(*DELIVERY_DUE_FIELDS, "plan_id")[:limit]
    )
    if not deliveries:
        return []
    plan_ids = {d.plan_id for d in deliveries}
    plans = Plan.objects.only("pk", "urgency", "deadline_overrides", "schedule_end").in_bulk(plan_ids)
    ends = lead_task_ends(plan_ids)
    for delivery in deliveries:
        plan = plans[delivery.plan_id]
        delivery.acknowledge_due_at, delivery.report_due_at = delivery_due_times(
            delivery,
            plan=plan,
            report_end=ends.get((plan.pk, delivery.unit_id)),
            policy=policies.policy(plan.deadline_overrides),
            calendar=calendar,
        )
    return deliveries


# --- the notice of a new task ---------------------------------------------------------------

OPENED = "opened"
"""The step key of the notice "Việc mới" sent once when an obligation opens (unique per obligation and person)."""


def opening_notices(obligations: Iterable[Obligation], *, now: datetime, policies: Policies) -> list[Decision]:
    """Who is told at once that each newly opened obligation is waiting for them ("Việc mới").

    The people who must act: exactly those `recipients_for` chooses for a step without
    escalation (whoever holds the task, else the unit's actors of the kind, else its
    leaders), a leader's deputy in force on the local date of `now` included. Escalation to
    leaders belongs to the overdue steps, not to the news that there is work. An obligation
    already over (plan withdrawn, unit refused, task done) gets no notice, nor one nobody
    can act on. The obligations need `task`, `plan` and `delivery` loaded (as
    `find_new_obligations` gives them); recipients cost two statements for the whole list.
    One notice per obligation and person whatever the age of the task (issue 4, "Channels";
    the unique key of `Reminder` holds it).
    """
    fresh = [o for o in obligations if close_reason(o) is None]
    if not fresh:
        return []
    members = members_of({o.unit_id for o in fresh}, on=local_date(now))
    step = Step(OPENED, now)
    decisions = []
    for obligation in fresh:
        policy = policies.policy(obligation.plan.deadline_overrides)
        recipients = recipients_for(obligation, step, policy, members)
        if recipients:
            decisions.append(Decision(obligation, step, recipients))
    return decisions


# --- due reminders ------------------------------------------------------------------------

DUE_FIELDS = (
    "id",
    "task_id",
    "plan_id",
    "delivery_id",
    "kind",
    "unit_id",
    "opened_at",
    "due_at",
    "next_reminder_at",
    "last_step",
    "closed_at",
    "close_reason",
    "task__status",
    "task__owner",
    "plan__state",
    "plan__issuer",
    "plan__drafter",
    "plan__deadline_overrides",
    "plan__number_symbol",
    "plan__title",
    "delivery__state",
    "unit__name",
)


def due_obligations(*, now: datetime) -> QuerySet[Obligation]:
    """Open obligations whose next reminder is due, oldest first, with what `decide` reads.

    Served by the partial index `obligation_next_reminder` (closed_at IS NULL).
    """
    return (
        Obligation.objects.filter(closed_at__isnull=True, next_reminder_at__lte=now)
        .select_related("task", "plan", "delivery", "unit")
        .only(*DUE_FIELDS)
        .order_by("next_reminder_at", "id")
    )


def close_reason(obligation: Obligation) -> str | None:
    """Why `obligation` is over (task done, unit refused, plan withdrawn), or None while it is open."""
    if obligation.plan.state == Plan.State.WITHDRAWN:
        return Obligation.CloseReason.WITHDRAWN
    delivery = obligation.delivery if obligation.delivery_id else None
    if delivery is not None and delivery.state == Delivery.State.REFUSED:
        return Obligation.CloseReason.REFUSED
    if delivery is not None and delivery.state == Delivery.State.WITHDRAWN:
        return Obligation.CloseReason.WITHDRAWN
    if obligation.task.status not in OPEN_TASK_STATES:
        return Obligation.CloseReason.DONE
    return None


@dataclass
class Recipient:
    """One person a reminder goes to, and why (shown in the admin and the dry run)."""

    user_id: int
    reason: str


@dataclass
class Decision:
    """A reminder step to send now for one obligation, to these people."""

    obligation: Obligation
    step: Step
    recipients: list[Recipient]


@dataclass
class BatchDecisions:
    closed: list[Obligation] = field(default_factory=list)
    moved: list[Obligation] = field(default_factory=list)
    to_send: list[Decision] = field(default_factory=list)


_ROLE_WORDS = {
    Role.LEADER: "lãnh đạo",
    Role.CLERK: "văn thư",
    Role.OFFICER: "cán bộ tiếp nhận",
    Role.DRAFTER: "chuyên viên",
}


DEPUTY = "deputy"
"""The key of `members_of` under which a unit's deputies in force are listed (not a `Membership` role)."""


def members_of(unit_ids: Iterable[int], *, on: date | None = None) -> dict[tuple[int, str], list[int]]:
    """Active people of the units by (unit, role), in one statement; with `on`, deputies too.

    With `on` (a local date), a second statement lists the deputies in force that day
    (`Deputyship.objects.active_on`) under (unit, `DEPUTY`): whoever stands in for a leader
    on leave is told what the leader would be told.
    """
    unit_ids = set(unit_ids)
    members: dict[tuple[int, str], list[int]] = defaultdict(list)
    rows = (
        Membership.objects.filter(unit_id__in=unit_ids, user__is_active=True)
        .order_by("user_id")
        .values_list("unit_id", "role", "user_id")
    )
    for unit_id, role, user_id in rows:
        members[(unit_id, role)].append(user_id)
    if on is not None:
        deputies = (
            Deputyship.objects.active_on(on)
            .filter(unit_id__in=unit_ids, deputy__is_active=True)
            .order_by("deputy_id")
            .values_list("unit_id", "deputy_id")
        )
        for unit_id, deputy_id in deputies:
            members[(unit_id, DEPUTY)].append(deputy_id)
    return members


def recipients_for(
    obligation: Obligation,
    step: Step,
    policy: DeadlinePolicy,
    members: Mapping[tuple[int, str], list[int]],
) -> list[Recipient]:
    """Who gets `step` of `obligation`: whoever holds the task, else the unit's actors; then escalation."""
    chosen: dict[int, str] = {}

    def add(user_ids: Iterable[int], reason: str) -> None:
        for user_id in user_ids:
            chosen.setdefault(user_id, reason)

    def add_leaders(unit_id: int, reason: str) -> None:
        add(members.get((unit_id, Role.LEADER), []), reason)
        add(members.get((unit_id, DEPUTY), []), f"người thay mặt {reason}")

    owner_id = obligation.task.owner_id
    if owner_id:
        add([owner_id], "người đang xử lý việc này")
    else:
        for role in ACTOR_ROLES[obligation.kind]:
            if role == Role.LEADER:
                add_leaders(obligation.unit_id, "lãnh đạo của đơn vị phải thực hiện")
            else:
                add(members.get((obligation.unit_id, role), []), f"{_ROLE_WORDS[role]} của đơn vị phải thực hiện")
        if not chosen:
            add_leaders(obligation.unit_id, "lãnh đạo của đơn vị phải thực hiện")
    to_unit_leaders, to_issuer_leaders = escalation(step, policy.reminders)
    late = f"quá hạn {step.overdue_days} ngày làm việc"
    if to_unit_leaders:
        add_leaders(obligation.unit_id, f"lãnh đạo của đơn vị phải thực hiện ({late})")
    if to_issuer_leaders:
        add_leaders(obligation.plan.issuer_id, f"lãnh đạo của đơn vị ban hành ({late})")
    return [Recipient(user_id, reason) for user_id, reason in chosen.items()]


def decide(
    obligations: list[Obligation],
    *,
    now: datetime,
    clock: StepClock,
    policies: Policies,
    closed_at: datetime | None = None,
) -> BatchDecisions:
    """Close what is over, find the step due now and the next one; recipients in two statements."""
    decisions = BatchDecisions()
    pending: list[tuple[Obligation, Step, DeadlinePolicy]] = []
    for obligation in obligations:
        reason = close_reason(obligation)
        if reason is not None:
            obligation.closed_at = closed_at or now
            obligation.close_reason = reason
            obligation.next_reminder_at = None
            decisions.closed.append(obligation)
            continue
        decisions.moved.append(obligation)
        if obligation.due_at is None:
            obligation.next_reminder_at = None
            continue
        policy = policies.policy(obligation.plan.deadline_overrides)
        args = {"due_at": obligation.due_at, "opened_at": obligation.opened_at, "policy": policy.reminders}
        step = clock.latest(now=now, **args)
        following = clock.following(now=now, **args)
        obligation.next_reminder_at = following.at if following else None
        if step is not None and step.key != obligation.last_step:
            obligation.last_step = step.key
            pending.append((obligation, step, policy))
    if pending:
        units = {o.unit_id for o, _, _ in pending} | {o.plan.issuer_id for o, _, _ in pending}
        members = members_of(units, on=local_date(now))
        for obligation, step, policy in pending:
            decisions.to_send.append(Decision(obligation, step, recipients_for(obligation, step, policy, members)))
    return decisions


# --- event notices: hand-backs recorded in the audit trail ------------------------------------

EVENT_CURSOR = "events"
"""The `SweepCursor` row of the audit trail: the highest `PlanEvent.sequence` the sweep has read.

Missing (a new installation before its first hand-back, a flushed database) it counts as 0;
migration 0005 wrote it at the trail's head in a database upgraded with history.
"""

EVENT_LOOKBACK = RECONCILE_LOOKBACK
"""Events recorded this recently are read again even below the cursor (their notices are written once).

`PlanEvent.sequence` is given under the lock of the chain head, held until the writer's
transaction ends, so sequences become visible in order; the lookback is the same
insurance as the tasks' (a row written by other means, a clock or a chain started anew
after a flush), and it costs one indexed range (`created_at`).
"""

EVENT_LIMIT = 2000
"""Events read by one sweep at most; the rest wait a minute."""

Action = PlanEvent.Action
EVENT_ACTIONS: tuple[str, ...] = (
    Action.RETURN,
    Action.REJECT,
    Action.REFUSE,
    Action.RETURN_REPORT,
    Action.WITHDRAW,
)
"""The transitions that hand something back to someone who did not do them, and must tell them."""

_EVENT_FIELDS = (
    "id",
    "sequence",
    "action",
    "actor_id",
    "plan_id",
    "delivery_id",
    "comment",
    "created_at",
    "plan__drafter_id",
    "plan__issuer_id",
    "plan__number_symbol",
    "plan__title",
    "plan__drafter__is_active",
    "delivery__unit_id",
)


@dataclass
class EventNotice:
    """One event of `EVENT_ACTIONS` and the people to tell of it (the actor never among them)."""

    event: PlanEvent
    recipients: list[Recipient]


@dataclass
class NewEvents:
    """The events one sweep read, their notices, and where the cursor stood and goes."""

    notices: list[EventNotice]
    cursor: int | None
    """`last_id` of the cursor row as read (None: no row, a flushed database)."""
    highest: int
    """The highest sequence read (0 when nothing was read)."""


def new_events(*, now: datetime, limit: int = EVENT_LIMIT) -> list[PlanEvent]:
    """The events of `EVENT_ACTIONS` to announce: above the cursor, or recorded since `now - EVENT_LOOKBACK`;
    oldest first, at most `limit`.

    One statement, one range of the unique index of `sequence`, from the lower of the cursor
    (a subquery; a missing row counts as 0) and the sequence of the first event recorded in
    the lookback, up to `now` (a subquery on the index of `created_at`: `sequence` and
    `created_at` are both given under the chain head's lock, so they grow together; a clock
    ahead of `now` must not widen the range). Neither the whole trail
    nor the reminders are read: an event of the lookback already announced is read again
    and its notices, already there, are skipped by their unique key. Each row carries the
    cursor as read (`cursor_value`, None without a row) and what `event_notices` reads (the
    plan's drafter and issuer, the delivery's unit).
    """
    cursor = Subquery(SweepCursor.objects.filter(pk=EVENT_CURSOR).values("last_id")[:1])
    known = Coalesce(cursor, Value(0), output_field=BigIntegerField())
    first_recent = Subquery(
        PlanEvent.objects.filter(created_at__range=(now - EVENT_LOOKBACK, now), sequence__isnull=False)
        .order_by("created_at", "sequence")
        .values("sequence")[:1],
        output_field=BigIntegerField(),
    )
    return list(
        PlanEvent.objects.annotate(cursor_value=cursor)
        .filter(
            action__in=EVENT_ACTIONS,
            plan__isnull=False,
            sequence__gt=Least(known, Coalesce(first_recent - 1, known, output_field=BigIntegerField())),
        )
        .select_related("plan", "plan__drafter", "delivery")
        .only(*_EVENT_FIELDS)
        .order_by("sequence")[:limit]
    )


def event_notices(events: list[PlanEvent], *, now: datetime) -> list[EventNotice]:
    """Who is told of each event, and why; two statements for the whole list at most.

    - return, reject (the leader's word on a submitted plan): the plan's drafter.
    - refuse (a recipient unit says it was sent the plan by mistake): the issuing unit's
      clerks, who correct the recipients; its leaders when it has none.
    - return_report (the issuer wants more in a report): the reporting unit's officers and
      clerks (`ACTOR_ROLES[REPORT]`), its leaders when it has none.
    - withdraw: the officers and clerks (else leaders) of every unit whose delivery was open
      until the withdrawal (the deliveries it closed as withdrawn; only a withdrawal does
      that), and the drafter.

    Leaders include their deputies in force on the local date of `now` where leaders are
    the fallback. The person who did the action is never told of it; inactive people never.
    """
    if not events:
        return []
    withdrawn_units: dict[int, list[int]] = defaultdict(list)
    withdrawn_plans = {e.plan_id for e in events if e.action == Action.WITHDRAW}
    if withdrawn_plans:
        rows = (
            Delivery.objects.filter(plan_id__in=withdrawn_plans, state=Delivery.State.WITHDRAWN)
            .order_by("unit_id")
            .values_list("plan_id", "unit_id")
        )
        for plan_id, unit_id in rows:
            withdrawn_units[plan_id].append(unit_id)
    units: set[int] = set()
    for event in events:
        if event.action == Action.REFUSE:
            units.add(event.plan.issuer_id)
        elif event.action == Action.RETURN_REPORT and event.delivery_id:
            units.add(event.delivery.unit_id)
        elif event.action == Action.WITHDRAW:
            units.update(withdrawn_units.get(event.plan_id, []))
    members = members_of(units, on=local_date(now)) if units else {}

    notices = []
    for event in events:
        chosen: dict[int, str] = {}
        drafter = [event.plan.drafter_id] if event.plan.drafter_id and event.plan.drafter.is_active else []
        if event.action in (Action.RETURN, Action.REJECT):
            _add(chosen, drafter, "người soạn kế hoạch")
        elif event.action == Action.REFUSE:
            _add_unit(chosen, members, event.plan.issuer_id, (Role.CLERK,), "đơn vị ban hành")
        elif event.action == Action.RETURN_REPORT and event.delivery_id:
            _add_unit(chosen, members, event.delivery.unit_id, ACTOR_ROLES[DeadlineKind.REPORT], "đơn vị báo cáo")
        elif event.action == Action.WITHDRAW:
            for unit_id in withdrawn_units.get(event.plan_id, []):
                _add_unit(chosen, members, unit_id, ACTOR_ROLES[DeadlineKind.REPORT], "đơn vị nhận kế hoạch")
            _add(chosen, drafter, "người soạn kế hoạch")
        chosen.pop(event.actor_id, None)
        if chosen:
            notices.append(EventNotice(event, [Recipient(u, reason) for u, reason in chosen.items()]))
    return notices


def _add(chosen: dict[int, str], user_ids: Iterable[int], reason: str) -> None:
    for user_id in user_ids:
        chosen.setdefault(user_id, reason)


def _add_unit(
    chosen: dict[int, str],
    members: Mapping[tuple[int, str], list[int]],
    unit_id: int,
    roles: tuple[str, ...],
    whose: str,
) -> None:
    """Add the unit's people of `roles`; its leaders (and their deputies in force) when it has none."""
    found = False
    for role in roles:
        people = members.get((unit_id, role), [])
        found = found or bool(people)
        _add(chosen, people, f"{_ROLE_WORDS[role]} của {whose}")
    if not found:
        _add(chosen, members.get((unit_id, Role.LEADER), []), f"lãnh đạo của {whose}")
        _add(chosen, members.get((unit_id, DEPUTY), []), f"người thay mặt lãnh đạo của {whose}")


def find_event_notices(*, now: datetime, limit: int = EVENT_LIMIT) -> NewEvents:
    """The events to announce now (`new_events`) and who hears of each (`event_notices`); reads only."""
    events = new_events(now=now, limit=limit)
    if not events:
        return NewEvents([], None, 0)
    return NewEvents(
        event_notices(events, now=now),
        events[0].cursor_value,
        max(e.sequence for e in events),
    )
