"""A plan's own deadlines: the drafter overrides the defaults of `settings.PLANFLOW_DEADLINES`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from documents import services as document_services
from documents.errors import DomainError, NotAllowedError, StateError
from documents.models import Plan, PlanEvent
from notifications.calendar import deadline_policy


def overrides_that_differ(values: Mapping[str, Any]) -> dict[str, Any]:
    """Keep only the keys whose value differs from the settings, so later changes to a default still apply."""
    base = settings.PLANFLOW_DEADLINES
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
    overrides = overrides_that_differ(overrides)
    try:
        deadline_policy(overrides)
    except ValueError as error:
        raise DomainError(f"Thời hạn không hợp lệ: {error}") from error
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        if plan.drafter_id != actor.pk:
            raise NotAllowedError("Chỉ người soạn kế hoạch mới sửa thời hạn được.")
        if plan.state not in Plan.EDITABLE_STATES:
            raise StateError("Chỉ sửa thời hạn khi kế hoạch đang soạn hoặc bị trả lại.")
        if plan.deadline_overrides == overrides:
            return plan
        plan.deadline_overrides = overrides
        plan.save(update_fields=["deadline_overrides", "updated_at"])
        # The audit trail is a hash chain kept by documents: append through its writer, never
        # by creating a PlanEvent row here. (To become `documents.services.plan_deadlines_set`.)
        document_services._event(
            plan=plan,
            action=PlanEvent.Action.EDIT,
            actor=actor,
            from_state=plan.state,
            to_state=plan.state,
            data={"deadlines": overrides},
        )
    return plan
