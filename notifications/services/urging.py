"""Manual urging (đôn đốc) of a recipient unit by a leader of the issuing unit."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.errors import DomainError, NotAllowedError, StateError
from documents.models import Delivery, Membership, Plan
from documents.permissions import UnitPermission, has_unit_permission
from notifications.models import Reminder, Urge

URGE_ROLES: dict[str, tuple[str, ...]] = {
    Urge.Level.REMIND: (Membership.Role.OFFICER, Membership.Role.CLERK),
    Urge.Level.WARN: (Membership.Role.OFFICER, Membership.Role.CLERK, Membership.Role.LEADER),
}
"""Who in the urged unit hears it: a reminder goes to the people who act, a warning to its leaders too."""


def may_urge(*, user: AbstractBaseUser, plan: Plan) -> bool:
    """True when `user` leads the plan's issuing unit (the leader's approve permission on it)."""
    return has_unit_permission(user, UnitPermission.APPROVE, plan.issuer)


def plan_urge(*, plan: Plan, delivery: Delivery, actor: AbstractBaseUser, level: str, message: str) -> Urge:
    """Urge the unit of `delivery` to do its part of `plan`; its people are told in the app and by e-mail.

    Only a leader of the issuing unit urges, only a plan in execution, only a unit that
    still has something to do. The reminders go through the same delivery as the
    automatic ones (one per person, after the transaction commits).
    """
    from notifications.tasks import send_reminders_task

    message = message.strip()
    if not message:
        raise DomainError(_("Hãy ghi nội dung đôn đốc."))
    if level not in Urge.Level.values:
        raise DomainError(_("Mức đôn đốc không hợp lệ."))
    with transaction.atomic():
        plan = Plan.objects.select_for_update().select_related("issuer").get(pk=plan.pk)
        if not may_urge(user=actor, plan=plan):
            raise NotAllowedError(_("Chỉ lãnh đạo đơn vị ban hành mới đôn đốc được."))
        if plan.state != Plan.State.IN_EXECUTION:
            raise StateError(_("Chỉ đôn đốc được khi kế hoạch đang thực hiện."))
        delivery = Delivery.objects.select_related("unit").get(pk=delivery.pk, plan=plan)
        if delivery.is_closed:
            raise StateError(_("%(unit)s không còn việc phải làm với kế hoạch này.") % {"unit": delivery.unit.name})
        urge = Urge.objects.create(
            plan=plan,
            delivery=delivery,
            unit=delivery.unit,
            level=level,
            message=message,
            actor=actor,
            created_at=timezone.now(),
        )
        people = list(
            Membership.objects.filter(unit=delivery.unit, role__in=URGE_ROLES[level], user__is_active=True)
            .order_by("user_id")
            .values_list("user_id", "role")
        )
        reasons: dict[int, str] = {}
        for user_id, role in people:
            reasons.setdefault(user_id, f"{Membership.Role(role).label.lower()} của đơn vị được đôn đốc")
        Reminder.objects.bulk_create(
            Reminder(urge=urge, step="urge", recipient_id=user_id, reason=reason, created_at=urge.created_at)
            for user_id, reason in reasons.items()
        )
        send_reminders_task.delay_on_commit(list(Reminder.objects.filter(urge=urge).values_list("pk", flat=True)))
    return urge
