"""Authentication backend that answers unit permissions held through a deputyship.

Listed in `AUTHENTICATION_BACKENDS` after Django's `ModelBackend` and guardian's
`ObjectPermissionBackend`: Django asks each backend in turn, so this one is asked only
when the person holds no guardian row for the permission. It authenticates nobody.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model

from documents import permissions
from documents.models import Unit


class DeputyshipBackend(BaseBackend):
    """`user.has_perm(perm, unit)` is True for a leader's deputy while the deputyship is in force.

    Only the leader role's permissions (`permissions.DEPUTY_PERMISSIONS`), only on the
    deputyship's unit, only between its dates (Asia/Ho_Chi_Minh, both included), checked at
    each call: nothing is granted or taken back on a timer. viewflow's `UnitView.can_assign`
    and our services (`documents.permissions.has_unit_permission`) ask through here.
    """

    def has_perm(self, user_obj: AbstractBaseUser, perm: str, obj: Model | None = None) -> bool:
        if not isinstance(obj, Unit) or not user_obj.is_active or user_obj.is_anonymous:
            return False
        return permissions.deputyship_for(user_obj, perm, obj) is not None

    def get_all_permissions(self, user_obj: AbstractBaseUser, obj: Model | None = None) -> set[str]:
        """The leader role's permissions on a deputised unit; for `obj=None`, none (see below).

        viewflow's queue (`TaskQuerySet.user_queue`) calls `user.get_all_permissions()` and then
        reads guardian's generic tables unless the user carries `_viewflow_per_object_perm_cache`.
        Setting it here, lazily (a queryset: no statement now), points viewflow at the direct
        table and the person's deputyships instead; refreshed at every call, so a date change
        between two calls is seen.
        """
        if user_obj.is_anonymous or not user_obj.is_active:
            return set()
        if obj is None:
            user_obj._viewflow_per_object_perm_cache = permissions.viewflow_queue_keys(user=user_obj)
            return set()
        if isinstance(obj, Unit) and permissions.deputyship_for(user_obj, permissions.UnitPermission.APPROVE, obj):
            return set(permissions.DEPUTY_PERMISSIONS)
        return set()
