"""Drive a plan's viewflow process through `documents.services`.

Each task action (`submit`, `decide`, `register`, …) takes a *started* activation:
the web views get one from viewflow (which holds the flow lock around the POST),
other callers (commands, tests, Celery) get one from `task_activation`, which
takes the same lock. The action calls one documents service, then completes the
task, so the process and the plan move in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from viewflow.workflow.activation import Activation
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from documents import permissions, services
from documents.errors import NotAllowedError, StateError
from documents.models import Delivery, Plan, Purpose, Report, Unit
from documents.permissions import held_unit_rights
from documents.recognition import Recognition
from documents.selectors import plan_list_for_user
from workflow import flows
from workflow.models import Decision, PlanProcess
from workflow.selectors import may_take_filter, may_take_over_filter

OPEN_TASK_STATES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def plan_start(*, plan: Plan) -> PlanProcess:
    """Start the process of a new draft; the drafter finds "Trình duyệt" in their inbox."""
    with transaction.atomic():
        return flows.PlanFlow.start.run(plan=plan)


def plan_import_and_start(*, issuer: Unit, drafter: AbstractBaseUser, text: str) -> tuple[Plan, Recognition]:
    """Create a draft from a plan text and start its process, in one transaction."""
    with transaction.atomic():
        plan, recognition = services.plan_import(issuer=issuer, drafter=drafter, text=text)
        plan_start(plan=plan)
    return plan, recognition


@contextmanager
def task_activation(*, task_id: int, actor: AbstractBaseUser) -> Iterator[Activation]:
    """Yield a started activation of an open human task for `actor`, under the flow lock.

    Assigns the task to `actor` first when nobody holds it and `actor` may take
    it. Raises NotAllowedError when `actor` may not act on it, StateError when the
    task is already done.
    """
    process_id = Task.objects.values_list("process_id", flat=True).get(pk=task_id)
    with flows.PlanFlow.lock(process_id), transaction.atomic():
        task = Task.objects.select_related("process").get(pk=task_id)
        if task.status not in OPEN_TASK_STATES or task.flow_task_type != "HUMAN":
            raise StateError(_("Việc này đã được xử lý."))
        activation = task.flow_task.activation_class(task)
        if task.owner_id is None:
            if not task.flow_task.can_assign(actor, task):
                raise NotAllowedError(_refusal(task, actor))
            activation.assign(actor)
        elif task.owner_id != actor.pk:
            raise NotAllowedError(_("Việc này đang do người khác xử lý."))
        activation.start(None)
        yield activation


def open_task(*, plan: Plan, node, delivery: Delivery | None = None) -> Task | None:
    """The open task of `node` for the plan (and for `delivery` in a branch), if any."""
    tasks = Task.objects.filter(process__planprocess__plan=plan, flow_task=node, status__in=OPEN_TASK_STATES)
    if delivery is not None:
        tasks = tasks.filter(data__delivery_id=delivery.pk)
    return tasks.order_by("pk").first()


@dataclass
class TaskLink:
    """An open task of a plan as a person sees it: what, for which unit, and whether they may act."""

    task: Task
    title: str
    unit_name: str
    mine: bool
    may_take: bool

    @property
    def url(self) -> str:
        return reverse("plans:task", args=[self.task.pk])


def _open_tasks_of(*, plan: Plan, user: AbstractBaseUser):
    """The plan's open human tasks `user` holds, may take or may take over, their own first (a queryset)."""
    rights = held_unit_rights(user=user)
    may_take = Q(may_take_filter(user=user, rights=rights), owner__isnull=True) | may_take_over_filter(
        user=user, rights=rights
    )
    return Task.objects.filter(
        Q(owner_id=user.pk) | may_take,
        process__planprocess__plan=plan,
        flow_task_type="HUMAN",
        status__in=OPEN_TASK_STATES,
    ).order_by(F("owner_id").asc(nulls_last=True), "pk")


def open_tasks_for_user(*, plan: Plan, user: AbstractBaseUser, limit: int | None = None) -> list[TaskLink]:
    """The plan's open human tasks that `user` holds or may take (their own first), at most `limit`.

    "May take" is what `UnitView.can_assign` answers task by task: nobody holds the task and
    the person has its permission on its unit and may use it on this plan (a deputy does not
    get the approval of a plan they drafted); or what `UnitView.can_take_over` answers: the
    leader, in their own right, takes the approval back from a deputy who holds it
    (`workflow.selectors.may_take_filter` and `may_take_over_filter`: one statement each, whatever
    the units held). Then
    one query for the tasks, so the statements do not grow with the recipients of the plan;
    `limit` bounds what is built (the issuer's leader may review thousands of reports).
    """
    tasks = _open_tasks_of(plan=plan, user=user)
    if limit is not None:
        tasks = tasks[:limit]
    return [
        TaskLink(
            task,
            str(task.flow_task.task_title),
            (task.data or {}).get("unit") or plan.issuer.name,
            mine=task.owner_id == user.pk,
            may_take=task.owner_id != user.pk,
        )
        for task in tasks
    ]


def open_task_count_for_user(*, plan: Plan, user: AbstractBaseUser) -> int:
    """How many open human tasks of the plan `user` holds or may take (the rule of `open_tasks_for_user`)."""
    return _open_tasks_of(plan=plan, user=user).count()


def task_url_for_user(*, task_id: int, user: AbstractBaseUser, take: bool) -> str:
    """The form URL of a task for `user`, taking the task first when `take` and nobody holds it.

    With `take`, a leader in their own right also takes over the approval a deputy holds
    (`UnitView.can_take_over`: the leader back early decides themselves).

    Raises NotAllowedError when `user` neither holds the task nor may take it, and
    Task.DoesNotExist instead when `user` may not see the task's plan either: a guessed id of
    another unit's task reveals nothing (issue 6).
    """
    process_id = Task.objects.values_list("process_id", flat=True).get(pk=task_id)
    with flows.PlanFlow.lock(process_id), transaction.atomic():
        task = Task.objects.select_related("process").get(pk=task_id)
        if task.owner_id is None:
            if not task.flow_task.can_assign(user, task):
                _refuse(task, user, _refusal(task, user))
            if take:
                task.flow_task.activation_class(task).assign(user)
        elif task.owner_id != user.pk:
            # the leader, back early, takes the approval back from the deputy holding it
            can_take_over = getattr(task.flow_task, "can_take_over", None)
            if not (take and can_take_over and can_take_over(user, task)):
                _refuse(task, user, _("Việc này đang do người khác xử lý."))
            task.owner = user
            task.save(update_fields=["owner"])
    return task.flow_task.reverse("execute", args=[task.process_id, task.pk])


def _refusal(task: Task, user: AbstractBaseUser) -> str:
    """Why `user` may not take `task` (nobody holds it and `can_assign` said no), as a sentence."""
    barred = getattr(task.flow_task, "barred_as_deputy", None)
    if barred is not None and barred(user, task):
        return str(permissions.DEPUTY_OWN_DRAFT_MESSAGE)
    return _("Bạn không có quyền xử lý việc này.")


def _refuse(task: Task, user: AbstractBaseUser, message: str) -> None:
    """NotAllowedError(message) for a person who sees the task's plan; Task.DoesNotExist for anyone else."""
    if not plan_list_for_user(user=user).filter(process=task.process_id).exists():
        raise Task.DoesNotExist
    raise NotAllowedError(message)


def _plan(activation: Activation) -> Plan:
    return activation.process.plan


def _delivery(activation: Activation) -> Delivery:
    return Delivery.objects.get(pk=activation.task.data["delivery_id"], plan__process=activation.process)


# --- task actions (each: one documents service, then complete the task) ---------------


def submit(*, activation: Activation, actor: AbstractBaseUser, comment: str = "") -> Plan:
    """Submit the draft to the leaders (task `submit`)."""
    plan = services.plan_submit(plan=_plan(activation), actor=actor, comment=comment)
    activation.execute()
    return plan


def decide(*, activation: Activation, actor: AbstractBaseUser, decision: str, comment: str = "") -> Plan:
    """Approve, return or reject a submitted plan (task `approve`)."""
    plan = _plan(activation)
    if decision == Decision.APPROVE:
        plan = services.plan_approve(plan=plan, actor=actor, comment=comment)
    elif decision == Decision.RETURN:
        plan = services.plan_return(plan=plan, actor=actor, comment=comment)
    elif decision == Decision.REJECT:
        plan = services.plan_reject(plan=plan, actor=actor, comment=comment)
    else:
        raise ValueError(f"unknown decision {decision!r}")
    activation.execute()
    return plan


def register(*, activation: Activation, actor: AbstractBaseUser, issue_date=None, place: str | None = None) -> Plan:
    """Number and date the approved plan (task `register`)."""
    plan = services.plan_register(plan=_plan(activation), actor=actor, issue_date=issue_date, place=place)
    activation.execute()
    return plan


def dispatch(*, activation: Activation, actor: AbstractBaseUser) -> list[Delivery]:
    """Send the registered plan to every recipient unit; one branch each (task `dispatch`)."""
    deliveries = services.plan_dispatch(plan=_plan(activation), actor=actor)
    activation.execute()
    return deliveries


def acknowledge(*, activation: Activation, actor: AbstractBaseUser, refuse: bool = False, reason: str = "") -> Delivery:
    """Acknowledge receipt, or refuse a wrongly addressed plan (task `acknowledge`)."""
    delivery = _delivery(activation)
    if refuse:
        delivery = services.delivery_refuse(delivery=delivery, actor=actor, reason=reason)
    else:
        delivery = services.delivery_acknowledge(delivery=delivery, actor=actor)
    activation.execute()
    return delivery


def report(
    *,
    activation: Activation,
    actor: AbstractBaseUser,
    text: str,
    attachment: UploadedFile | None = None,
) -> Report:
    """Send the unit's completion report (task `report`)."""
    result = services.report_submit(delivery=_delivery(activation), actor=actor, text=text, attachment=attachment)
    activation.execute()
    return result


def review(*, activation: Activation, actor: AbstractBaseUser, accept: bool, comment: str = "") -> Report:
    """Accept a report or return it for more detail (task `review`)."""
    delivery = _delivery(activation)
    pending = delivery.reports.filter(decision=Report.Decision.PENDING).order_by("-submitted_at").first()
    if pending is None:
        raise StateError(_("Không có báo cáo nào chờ xem xét."))
    result = services.report_review(report=pending, actor=actor, accept=accept, comment=comment)
    activation.execute()
    return result


# --- actions on the plan, outside its tasks --------------------------------------------


def recipient_add(
    *,
    plan: Plan,
    actor: AbstractBaseUser,
    unit: Unit,
    requires_report: bool = True,
    comment: str = "",
) -> Delivery:
    """Add a recipient unit after dispatch and open its own branch in the running process."""
    process = PlanProcess.objects.get(plan=plan)
    with flows.PlanFlow.lock(process.pk), transaction.atomic():
        delivery = services.recipient_add(
            plan=plan,
            actor=actor,
            unit=unit,
            requires_report=requires_report,
            comment=comment,
            purpose=Purpose.IMPLEMENT if requires_report else Purpose.INFORMATION,
        )
        split = flows.PlanFlow.split_deliveries
        split_task = split.split_task_of(process)
        for activation in split.create_branches(split_task=split_task, delivery_ids=[delivery.pk]):
            activation.activate()
    return delivery


def plan_withdraw(*, plan: Plan, actor: AbstractBaseUser, reason: str) -> Plan:
    """Withdraw (thu hồi) a plan at any open stage; every open task completes as withdrawn.

    The tasks are completed, not cancelled: the gateways route each one to the
    `withdrawn` end or to the join, which then ends the process as withdrawn.
    """
    process = PlanProcess.objects.get(plan=plan)
    with flows.PlanFlow.lock(process.pk), transaction.atomic():
        plan = services.plan_withdraw(plan=plan, actor=actor, reason=reason)
        for task in Task.objects.filter(process=process, flow_task_type="HUMAN", status__in=OPEN_TASK_STATES).order_by(
            "pk"
        ):
            task.refresh_from_db()
            if task.status not in OPEN_TASK_STATES:
                continue
            activation = task.flow_task.activation_class(task)
            if task.status == STATUS.NEW:
                activation.assign(actor)
            if activation.task.status == STATUS.ASSIGNED:
                activation.start(None)
            activation.task.data = {**(task.data or {}), "outcome": "withdrawn"}
            activation.execute()
    return plan
