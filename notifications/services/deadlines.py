"""A plan's own deadlines: the drafter overrides the defaults of `settings.PLANFLOW_DEADLINES`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from documents import services as document_services
from documents.errors import DomainError
from documents.models import Plan
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
    return document_services.plan_deadlines_set(plan=plan, actor=actor, overrides=overrides)
