"""Deadlines over the defaults: a plan's own (its drafter) and the site-wide ones (an admin).

`settings.PLANFLOW_DEADLINES` ships the defaults; the admin's `DeadlineDefaults` row changes
them for the whole site; a plan's `deadline_overrides` change them for one plan. Each layer
keeps only what differs from the layer below it, so a later change below still applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from documents import services as document_services
from documents.errors import DomainError, NotAllowedError
from documents.models import Delivery, Plan
from documents.selectors import owed_by_unit_q
from notifications.calendar import VN_TZ, deadline_policy, merge_policy, setting_defaults, site_defaults
from notifications.models import DeadlineDefaults, DeadlineKind, Obligation
from notifications.reminders import Policies
from notifications.steps import StepClock


def overrides_that_differ(values: Mapping[str, Any], base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Keep only the keys whose value differs from `base` (default: the site defaults), so later changes still apply."""
    base = site_defaults() if base is None else base
    kept: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(base.get(key), Mapping) and isinstance(value, Mapping):
            nested = {k: v for k, v in value.items() if base[key].get(k) != v}
            if nested:
                kept[key] = nested
        elif base.get(key) != value:
            kept[key] = value
    return kept


def plan_deadlines_update(*, plan: Plan, actor: AbstractBaseUser, overrides: Mapping[str, Any]) -> Plan:
    """Save the plan's deadline overrides (its drafter, while drafting); one audit event "edit".

    Validated by `deadline_policy`; only values that differ from the defaults are kept.
    They apply to obligations opened from then on (approval, registration, …).
    """
    defaults = site_defaults()
    overrides = overrides_that_differ(overrides, defaults)
    try:
        deadline_policy(overrides, defaults=defaults)
    except ValueError as error:
        raise DomainError(_("Thời hạn không hợp lệ: %(error)s") % {"error": error}) from error
    return document_services.plan_deadlines_set(plan=plan, actor=actor, overrides=overrides)


@transaction.atomic
def deadline_defaults_set(*, actor: AbstractBaseUser, values: Mapping[str, Any]) -> DeadlineDefaults:
    """Save the site-wide deadlines and reminder policy (an admin, in the admin site).

    `values` has the shape of `settings.PLANFLOW_DEADLINES` (any subset of its keys); only
    what differs from the setting is stored. Raises DomainError (Vietnamese) when the
    result does not validate (`deadline_policy`); nothing is written then. Applies to due
    times computed from now on and to the next reminder step of every open obligation.
    """
    if not getattr(actor, "is_staff", False):
        raise NotAllowedError(_("Chỉ quản trị viên đổi được thời hạn và chính sách nhắc việc chung."))
    base = setting_defaults()
    kept = overrides_that_differ(values, base)
    try:
        deadline_policy(defaults=merge_policy(base, kept))
    except ValueError as error:
        raise DomainError(_("Thời hạn không hợp lệ: %(error)s") % {"error": error}) from error
    row, _created = DeadlineDefaults.objects.select_for_update().get_or_create(pk=DeadlineDefaults.SINGLETON_ID)
    row.values = kept
    row.updated_by = actor
    row.save()
    return row


# --- when the calendar changes ---------------------------------------------------------------


def calendar_changed(*, on: Iterable[date]) -> int:
    """The working-day calendar changed on the dates `on` (an admin entered, changed or removed a
    day off or a make-up working day): the due times of open deliveries from the first of them
    on may move (Bộ luật Dân sự 2015, Điều 148: a period that ends on a day off ends on the next
    working day; a make-up Saturday counts as a working day).

    Marks those deliveries (`owed_by_unit_q`, acknowledgement or report due on or after the start
    of the first date, Asia/Ho_Chi_Minh) as not yet given due times: the next sweep writes them
    again with the new calendar (`sweep.delivery_due_times_set`, bounded a run) and their open
    obligations follow (`obligations_follow`). Due times before that date stand. One UPDATE;
    returns how many deliveries. The issuing unit's own short periods (approval, registration,
    review: one or two working days) keep the due time they were opened with.
    """
    dates = list(on)
    if not dates:
        return 0
    start = datetime.combine(min(dates), time.min, tzinfo=VN_TZ)
    return (
        Delivery.objects.filter(owed_by_unit_q(), due_set_at__isnull=False)
        .filter(Q(acknowledge_due_at__gte=start) | Q(report_due_at__gte=start))
        .update(due_set_at=None)
    )


def obligations_follow(deliveries: list[Delivery], *, now: datetime, clock: StepClock, policies: Policies) -> int:
    """Give the open acknowledge and report obligations of `deliveries` the due times just written
    on them, and, where a due time moved, the next reminder step after `now` by the plan's policy
    (the steps already sent stay sent; a step of the new schedule is a new step). Returns how many
    obligations changed. Two statements when any delivery has an open obligation, one otherwise.
    """
    by_id = {d.pk: d for d in deliveries}
    if not by_id:
        return 0
    obligations = (
        Obligation.objects.filter(
            delivery_id__in=list(by_id),
            closed_at__isnull=True,
            kind__in=(DeadlineKind.ACKNOWLEDGE, DeadlineKind.REPORT),
        )
        .select_related("plan")
        .only("pk", "kind", "delivery_id", "opened_at", "due_at", "next_reminder_at", "plan__deadline_overrides")
    )
    changed = []
    for obligation in obligations:
        delivery = by_id[obligation.delivery_id]
        due = delivery.acknowledge_due_at if obligation.kind == DeadlineKind.ACKNOWLEDGE else delivery.report_due_at
        if due == obligation.due_at:
            continue
        obligation.due_at = due
        step = None
        if due is not None:
            policy = policies.policy(obligation.plan.deadline_overrides).reminders
            step = clock.following(due_at=due, opened_at=obligation.opened_at, policy=policy, now=now)
        obligation.next_reminder_at = step.at if step else None
        changed.append(obligation)
    Obligation.objects.bulk_update(changed, ["due_at", "next_reminder_at"])
    return len(changed)
