"""Every django-guardian call of planflow, and the permission names as constants.

Roles are per unit (`Membership`); each role grants object permissions on its
unit, so that viewflow's queue and our own checks answer "may this person act
for this unit?" the same way. The rows live in guardian's direct-foreign-key
tables for units (`UnitUserObjectPermission`, `UnitGroupObjectPermission`):
guardian picks them for every `Unit` by itself, so `assign_perm`, `remove_perm`,
`user.has_perm(perm, unit)` and `get_objects_for_user` never read its generic
table for units.

Deputies (issue 6: "a leader on leave names a deputy for a date range"): while a
`Deputyship` is in force, its deputy holds the leader role's permissions on its
unit. This is evaluated when a permission is checked, from the dates (local,
Asia/Ho_Chi_Minh, both ends included), never by granting and revoking guardian
rows on a timer: `has_unit_permission` (through `documents.backends.DeputyshipBackend`),
`held_unit_permissions` (and so `units_with_permission` and the queues of
`workflow.selectors`) and `unit_authority` all honour it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import assign_perm, remove_perm

from documents.models import Deputyship, Membership, Unit, UnitGroupObjectPermission, UnitUserObjectPermission


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

DEPUTY_PERMISSIONS: tuple[str, ...] = ROLE_PERMISSIONS[Membership.Role.LEADER]
"""What a deputy may do for the unit while their deputyship is in force: what the leader role allows."""


def grant_role(*, user: AbstractBaseUser, unit: Unit, role: str) -> None:
    """Grant the unit permissions of `role` on `unit` to `user` (rows of `UnitUserObjectPermission`)."""
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
    """True when `user` holds `perm` on `unit`, in their own right or as a deputy in force today.

    False for anonymous and inactive users and for `unit=None`. Goes through `user.has_perm`:
    guardian's backend answers from the direct table, `DeputyshipBackend` from deputyships.
    """
    if unit is None or not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm(perm, unit)


def units_with_permission(user: AbstractBaseUser, perm: str) -> list[int]:
    """Ids of the units on which `user` holds `perm` today, sorted; read by `held_unit_permissions`.

    Held in their own right (guardian rows; global permissions are not read) or, for a
    permission of `DEPUTY_PERMISSIONS`, through a deputyship in force today. One statement,
    whatever the number of units or deputyships.
    """
    return held_unit_permissions(user=user).get(perm, [])


# --- deputies ------------------------------------------------------------------------------


def active_deputyships(*, user: AbstractBaseUser, on: dt.date | None = None) -> QuerySet[Deputyship]:
    """The deputyships in force on `on` (default: today, Asia/Ho_Chi_Minh) that make `user` a deputy."""
    return Deputyship.objects.active_on(on or timezone.localdate()).filter(deputy_id=user.pk)


def deputyship_for(
    user: AbstractBaseUser, perm: str, unit: Unit | int, *, on: dt.date | None = None
) -> Deputyship | None:
    """The deputyship in force by which `user` holds `perm` on `unit`, with its leader loaded; or None.

    Only permissions of `DEPUTY_PERMISSIONS` can come from a deputyship. When two leaders of
    the unit named the same deputy, the deputyship that started first answers.
    """
    if perm not in DEPUTY_PERMISSIONS or not user.is_authenticated or not user.is_active:
        return None
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    return (
        active_deputyships(user=user, on=on)
        .filter(unit_id=unit_id)
        .select_related("leader")
        .order_by("starts_on", "pk")
        .first()
    )


@dataclass(frozen=True)
class UnitAuthority:
    """How a person holds a unit permission: in their own right (`on_behalf_of` None) or as a deputy.

    `on_behalf_of` is the leader a deputy acts for (it goes to `PlanEvent.on_behalf_of`);
    `deputyship` the deputyship that gives the right.
    """

    on_behalf_of: AbstractBaseUser | None = None
    deputyship: Deputyship | None = None


def unit_authority(user: AbstractBaseUser, perm: str, unit: Unit | None) -> UnitAuthority | None:
    """By what right `user` holds `perm` on `unit` today, or None when they do not hold it.

    A right of one's own comes first: a deputy who holds the permission through a role of
    their own (an officer acknowledging for their unit) acts in their own name, not "on
    behalf of" the leader. A superuser acts in their own right.
    """
    if unit is None or not user.is_authenticated or not user.is_active:
        return None
    if ObjectPermissionChecker(user).has_perm(perm, unit):
        return UnitAuthority()
    deputyship = deputyship_for(user, perm, unit)
    if deputyship is None:
        return None
    return UnitAuthority(on_behalf_of=deputyship.leader, deputyship=deputyship)


# --- what a deputy may not do, and what the leader may always do --------------------------

DEPUTY_NOT_ON_OWN_DRAFT: tuple[str, ...] = (UnitPermission.APPROVE,)
"""Permissions a deputy may not use on a plan they drafted (approve, return, reject).

The approval is a second person's check of the draft (planflow's rule for deputies, issue 6;
who may sign for the head is Nghị định 30/2020, Điều 13): a deputy who drafted the plan
leaves the decision to the leader or another deputy. The one rule behind
`documents.services` (refusing the decision), `workflow.nodes.UnitView.can_assign` and the
queues of `workflow.selectors` (nobody takes a task they may not decide).
"""

DEPUTY_OWN_DRAFT_MESSAGE = gettext_lazy(
    "Người được giao thay không quyết định kế hoạch do chính mình soạn: "
    "hãy để lãnh đạo hoặc người thay khác quyết định."
)
"""What a deputy is told when `deputy_barred_from_own_draft` refuses them (taking or deciding)."""

LEADER_TAKES_OVER: tuple[str, ...] = (UnitPermission.APPROVE,)
"""Permissions whose task a person holding them in their own right may take over from a
person who holds them only as a deputy (the leader back early takes back the approval)."""


def deputy_barred_from_own_draft(
    *, user: AbstractBaseUser, perm: str, on_behalf_of: AbstractBaseUser | None, drafter_id: int | None
) -> bool:
    """True when `user`, holding `perm` as a deputy (`on_behalf_of` the leader), may not use it
    on a plan drafted by `drafter_id` (`DEPUTY_NOT_ON_OWN_DRAFT`). A right of one's own is never barred."""
    return on_behalf_of is not None and perm in DEPUTY_NOT_ON_OWN_DRAFT and drafter_id == user.pk


def deputy_own_draft_filter(*, user: AbstractBaseUser, perm: str, drafter_field: str) -> Q:
    """`deputy_barred_from_own_draft` as a filter for rows reached through a deputyship.

    `drafter_field` is the lookup of the plan's drafter id from the filtered model (for a
    viewflow task: "process__planprocess__plan__drafter_id"). An empty Q when `perm` is not barred.
    """
    if perm not in DEPUTY_NOT_ON_OWN_DRAFT:
        return Q()
    return ~Q(**{drafter_field: user.pk})


def holds_in_own_right(*, user_id, perm: str, unit_id) -> Exists:
    """An EXISTS over the person's own rows of `UnitUserObjectPermission` (no deputyship).

    `user_id` and `unit_id` may be values or expressions (`OuterRef`); a unit id held as text
    (viewflow's `owner_permission_obj_pk`) is given as a `Cast` by the caller.
    """
    return Exists(
        UnitUserObjectPermission.objects.filter(
            user_id=user_id, permission__codename=perm.split(".", 1)[1], content_object_id=unit_id
        )
    )


_ANY_DEPUTY_PERMISSION = "*"


def held_unit_permissions(*, user: AbstractBaseUser) -> dict[str, list[int]]:
    """{"documents.<codename>": ids of the units} the person holds today, own rows and deputyships.

    One statement, a UNION of three indexed reads: the person's rows of `UnitUserObjectPermission`
    (by user id), the rows of `UnitGroupObjectPermission` of their groups (as guardian's
    `has_perm` counts them), and the deputyships in force today that name them deputy (by
    deputy id; each gives `DEPUTY_PERMISSIONS` on its unit, as `DeputyshipBackend` does). No
    scan of the permission tables, whatever the number of people. Empty for anonymous users.
    Global permissions are not read.
    """
    merged: dict[str, list[int]] = {}
    for source in held_unit_rights(user=user):
        for perm, ids in source.items():
            merged[perm] = sorted({*merged.get(perm, ()), *ids})
    return merged


def held_unit_rights(*, user: AbstractBaseUser) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """(own, deputised): the rights of `held_unit_permissions`, told apart by where they come from.

    `own` are the person's rows and their groups'; `deputised` the units they hold a permission on only through a
    deputyship in force today (a unit held in their own right too is left out there). One statement.
    """
    if not user.is_authenticated:
        return {}, {}
    own = (
        UnitUserObjectPermission.objects.filter(user_id=user.pk)
        .order_by()
        .values_list("permission__codename", "content_object_id")
    )
    of_groups = (
        UnitGroupObjectPermission.objects.filter(group__user=user.pk)
        .order_by()
        .values_list("permission__codename", "content_object_id")
    )
    deputised = (
        Deputyship.objects.active_on(timezone.localdate())
        .filter(deputy_id=user.pk)
        .order_by()  # SQLite refuses ORDER BY inside a UNION's parts
        .annotate(codename=Value(_ANY_DEPUTY_PERMISSION, output_field=CharField()))
        .values_list("codename", "unit_id")
    )
    held: dict[str, set[int]] = {}
    through_deputy: dict[str, set[int]] = {}
    for codename, unit_id in own.union(of_groups, deputised, all=True):
        if codename == _ANY_DEPUTY_PERMISSION:
            for perm in DEPUTY_PERMISSIONS:
                through_deputy.setdefault(perm, set()).add(unit_id)
        else:
            held.setdefault(f"{Unit._meta.app_label}.{codename}", set()).add(unit_id)
    deputy_only = {perm: ids - held.get(perm, set()) for perm, ids in through_deputy.items()}
    return (
        {perm: sorted(ids) for perm, ids in held.items()},
        {perm: sorted(ids) for perm, ids in deputy_only.items() if ids},
    )


def viewflow_queue_keys(*, user: AbstractBaseUser) -> QuerySet:
    """The `<app_label>.<codename>_<unit id>` strings viewflow's queue matches tasks against, lazily.

    viewflow's `TaskQuerySet.user_queue` builds these from guardian's *generic* tables (empty
    for units now), unless the user object carries `_viewflow_per_object_perm_cache`:
    `DeputyshipBackend.get_all_permissions` sets it to this queryset, which viewflow then uses
    as a subquery (one statement with the queue, none before). Covers the person's own rows
    of `UnitUserObjectPermission` and the leader-role rows of the leaders they deputise for
    today. planflow grants no group permissions.
    """
    deputised = (
        Deputyship.objects.active_on(timezone.localdate())
        .filter(deputy_id=user.pk, leader_id=OuterRef("user_id"), unit_id=OuterRef("content_object_id"))
        .values("pk")
    )
    codenames = [perm.split(".", 1)[1] for perm in DEPUTY_PERMISSIONS]
    return (
        UnitUserObjectPermission.objects.filter(
            Q(user_id=user.pk) | Q(Exists(deputised), permission__codename__in=codenames)
        )
        .annotate(
            key=Concat(
                Value(f"{Unit._meta.app_label}."),
                F("permission__codename"),
                Value("_"),
                Cast("content_object_id", output_field=CharField()),
                output_field=CharField(),
            )
        )
        .values("key")
    )
