"""Deadlines over the defaults: a plan's own (its drafter) and the site-wide ones (an admin).

`settings.PLANFLOW_DEADLINES` ships the defaults; the admin's `DeadlineDefaults` row changes
them for the whole site; a plan's `deadline_overrides` change them for one plan. Each layer
keeps only what differs from the layer below it, so a later change below still applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from documents import services as document_services
from documents.errors import DomainError, NotAllowedError
from documents.models import Plan
from notifications.calendar import deadline_policy, merge_policy, setting_defaults, site_defaults
from notifications.models import DeadlineDefaults


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
