"""Every django-guardian call of planflow, and the permission names as constants.

Roles are per unit (`Membership`); each role grants object permissions on its
unit, so that viewflow's queue and our own checks answer "may this person act
for this unit?" the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from guardian.shortcuts import assign_perm, remove_perm

from documents.models import Membership, Unit


class UnitPermission:
    """Object permissions on `Unit` (codenames declared in `Unit.Meta.permissions`)."""

    DRAFT = "documents.draft_for_unit"
    APPROVE = "documents.approve_for_unit"
    REGISTER = "documents.register_for_unit"
    RECEIVE = "documents.receive_for_unit"
    REVIEW = "documents.review_for_unit"


ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Membership.Role.DRAFTER: (UnitPermission.DRAFT, UnitPermission.REVIEW),
    Membership.Role.LEADER: (UnitPermission.APPROVE, UnitPermission.REVIEW, UnitPermission.RECEIVE),
    Membership.Role.CLERK: (UnitPermission.REGISTER, UnitPermission.RECEIVE),
    Membership.Role.OFFICER: (UnitPermission.RECEIVE,),
}
"""Which unit permissions each role carries.

A recipient unit's leader may acknowledge and report as well as its officer; the
issuer's drafter follows up the reports of the plans of the unit.
"""


def grant_role(*, user: AbstractBaseUser, unit: Unit, role: str) -> None:
    """Grant the unit permissions of `role` on `unit` to `user`."""
    for perm in ROLE_PERMISSIONS[role]:
        assign_perm(perm, user, unit)


def revoke_role(*, user: AbstractBaseUser, unit: Unit, role: str) -> None:
    """Take back the permissions of `role` on `unit`, keeping those another role still gives."""
    kept = {
        perm
        for other in Membership.objects.filter(user=user, unit=unit).exclude(role=role).values_list("role", flat=True)
        for perm in ROLE_PERMISSIONS[other]
    }
    for perm in ROLE_PERMISSIONS[role]:
        if perm not in kept:
            remove_perm(perm, user, unit)


def has_unit_permission(user: AbstractBaseUser, perm: str, unit: Unit | None) -> bool:
    """True when `user` holds `perm` on `unit` (False for anonymous users and `unit=None`)."""
    if unit is None or not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm(perm, unit)


def units_with_permission(user: AbstractBaseUser, perm: str) -> Iterable[int]:
    """Ids of the units on which `user` holds `perm`, as a subquery-able queryset of ids."""
    from guardian.shortcuts import get_objects_for_user

    return get_objects_for_user(user, perm, klass=Unit, accept_global_perms=False).values_list("id", flat=True)
