"""Reads of the workflow app: a person's queue and inbox of the plan flow.

viewflow's own queue (`TaskQuerySet.user_queue`) reads every guardian row the person
holds with two more statements each (its content type, its permission) and matches
`owner_permission || '_' || owner_permission_obj_pk` against a set of strings, which no
index can answer: 9 / 107 / 207 statements and a scan of every NEW task for a person in
1 / 50 / 100 units (docs/performance.md, issue 7). Here the person's units come from
`documents.permissions` (every permission a task of the flow can ask for, in one statement),
and the tasks are matched with
`owner_permission = … AND owner_permission_obj_pk IN (…)`, which the partial index
`task_queue_perm_obj` (`workflow/migrations/0002_task_queue_indexes.py`) answers.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import IntegerField, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from documents.permissions import (
    LEADER_TAKES_OVER,
    UnitPermission,
    deputy_own_draft_filter,
    held_unit_permissions,
    held_unit_rights,
    holds_in_own_right,
)

QUEUE_PERMISSIONS: tuple[str, ...] = (
    UnitPermission.DRAFT,
    UnitPermission.APPROVE,
    UnitPermission.REGISTER,
    UnitPermission.RECEIVE,
    UnitPermission.REVIEW,
)
"""The unit permissions a human task of `PlanFlow` may ask for (`workflow.nodes.UnitView`)."""


def _human_nodes(flow_class) -> list:
    return [node for node in flow_class.instance.nodes() if getattr(node, "task_type", None) == "HUMAN"]


def held_unit_ids(*, user: AbstractBaseUser) -> dict[str, list[str]]:
    """{permission: ids (as text, like `Task.owner_permission_obj_pk`) of the units `user` holds it on}.

    One statement whatever the number of units, read through
    `documents.permissions.held_unit_permissions` (the person's own unit permissions and those of
    the leaders they deputise for today), so the storage of the permissions and the deputies
    stay that module's business. Only the permissions of `QUEUE_PERMISSIONS` are kept.
    """
    held = held_unit_permissions(user=user)
    return {perm: [str(pk) for pk in held[perm]] for perm in QUEUE_PERMISSIONS if perm in held}


DRAFTER_OF_TASK = "process__planprocess__plan__drafter_id"
"""The lookup of the plan's drafter from a task of `PlanFlow`."""


def may_take_filter(*, user: AbstractBaseUser, rights: tuple[dict, dict] | None = None) -> Q:
    """A filter over tasks: those whose permission `user` holds on their unit and may use there.

    The rule of `workflow.nodes.UnitView.can_assign`, ownership aside: the person's own rights,
    and the rights they hold only as a deputy less the plans they drafted for the permissions of
    `documents.permissions.DEPUTY_NOT_ON_OWN_DRAFT` (`deputy_own_draft_filter`). One statement
    (`documents.permissions.held_unit_rights`) when built, none later; none when `rights` (its
    answer, read once for several filters) is given.
    """
    own, deputised = rights if rights is not None else held_unit_rights(user=user)
    allowed = Q(pk__in=[])
    for perm in QUEUE_PERMISSIONS:
        if own.get(perm):
            allowed |= Q(owner_permission=perm, owner_permission_obj_pk__in=[str(pk) for pk in own[perm]])
        if deputised.get(perm):
            allowed |= Q(
                deputy_own_draft_filter(user=user, perm=perm, drafter_field=DRAFTER_OF_TASK),
                owner_permission=perm,
                owner_permission_obj_pk__in=[str(pk) for pk in deputised[perm]],
            )
    return allowed


def may_take_over_filter(*, user: AbstractBaseUser, rights: tuple[dict, dict] | None = None) -> Q:
    """A filter over tasks another person holds that `user` may take over (`UnitView.can_take_over`).

    For `documents.permissions.LEADER_TAKES_OVER`: `user` holds the permission on the task's unit
    in their own right and the holder does not. One statement when built (the person's rights),
    none when `rights` (the answer of `held_unit_rights`) is given.
    """
    own, _deputised = rights if rights is not None else held_unit_rights(user=user)
    allowed = Q(pk__in=[])
    for perm in LEADER_TAKES_OVER:
        if own.get(perm):
            allowed |= Q(
                ~Q(owner_id=user.pk),
                ~holds_in_own_right(
                    user_id=OuterRef("owner_id"),
                    perm=perm,
                    unit_id=Cast(OuterRef("owner_permission_obj_pk"), IntegerField()),
                ),
                owner__isnull=False,
                owner_permission=perm,
                owner_permission_obj_pk__in=[str(pk) for pk in own[perm]],
            )
    return allowed


def task_queue_for_user(*, user: AbstractBaseUser, flow_class) -> QuerySet[Task]:
    """The NEW human tasks of `flow_class` that `user` may take (not ordered, nothing preloaded).

    The rule of `workflow.nodes.UnitView.can_assign`: nobody holds the task and the person
    holds the task's `owner_permission` on its unit (`owner_permission_obj_pk`) and may use it
    on the task's plan (`may_take_filter`: a deputy does not get the approval of their own draft). A task without
    an owner permission is nobody's to take (viewflow would put it in every person's queue;
    DESIGN.md, "Permissions": every list is scoped). Global permissions are not read; a
    superuser sees every NEW human task, as in viewflow. The flow is told by the task's own
    `flow_task` (its human nodes), not by joining every process.

    Statements: the one of `may_take_filter` when the queryset is built; then one per
    evaluation, whatever the units held or the size of the task table.
    """
    tasks = flow_class.task_class._default_manager.filter(flow_task__in=_human_nodes(flow_class), status=STATUS.NEW)
    if not user.is_authenticated:
        return tasks.none()
    if user.is_superuser:
        return tasks
    return tasks.filter(may_take_filter(user=user))


def task_inbox_for_user(*, user: AbstractBaseUser, flow_class) -> QuerySet[Task]:
    """The human tasks of `flow_class` assigned to `user` and not started (viewflow's inbox rule).

    Answered by the index `task_owner_status` on (owner_id, status); no statement until evaluated.
    """
    tasks = flow_class.task_class._default_manager.filter(flow_task__in=_human_nodes(flow_class))
    if not user.is_authenticated:
        return tasks.none()
    return tasks.filter(owner_id=user.pk, status=STATUS.ASSIGNED)


PLAN_TEXT_FIELDS: tuple[str, ...] = tuple(
    f"process__planprocess__plan__{name}"
    for name in ("body", "source_text", "legal_basis", "sections", "search_key", "deadline_overrides")
)
"""The plan's long texts and JSON, which a task list row never shows (its summary: number and title)."""


def task_list_rows(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """`tasks` as the inbox and queue pages list them: newest first, each with its process and plan.

    One statement per page (the plan comes by join, without its long texts and JSON:
    `PLAN_TEXT_FIELDS`), whatever the number of rows.
    """
    return tasks.select_related("process__planprocess__plan").defer(*PLAN_TEXT_FIELDS).order_by("-created", "-pk")
