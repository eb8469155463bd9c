"""Unit permissions live in guardian's direct-foreign-key tables; migration 0007 moves old rows there."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm
from viewflow.workflow.models import Task

from documents import permissions, services
from documents.demo import PROVINCIAL_COMMITTEE, demo_unit, district_committee
from documents.models import Membership, Unit, UnitGroupObjectPermission, UnitUserObjectPermission
from documents.permissions import UnitPermission
from workflow.flows import PlanFlow

pytestmark = pytest.mark.django_db

migration_0007 = importlib.import_module("documents.migrations.0007_unit_direct_permissions")


def _unit_type() -> ContentType:
    return ContentType.objects.get_for_model(Unit)


def _perm(codename: str) -> Permission:
    return Permission.objects.get(content_type=_unit_type(), codename=codename)


def test_roles_are_granted_in_the_direct_table_and_never_in_the_generic_one(demo, user_of):
    # given the demo directory (every role granted through membership_grant)
    leader, unit = user_of("lanhdao"), demo_unit(PROVINCIAL_COMMITTEE)

    # then
    rows = UnitUserObjectPermission.objects.filter(user=leader, content_object=unit)
    assert sorted(rows.values_list("permission__codename", flat=True)) == [
        "approve_for_unit",
        "receive_for_unit",
        "review_for_unit",
    ]
    assert UnitUserObjectPermission.objects.count() == sum(
        len(permissions.ROLE_PERMISSIONS[role]) for role in Membership.objects.values_list("role", flat=True)
    )
    assert not UserObjectPermission.objects.filter(content_type=_unit_type()).exists()
    assert not GroupObjectPermission.objects.filter(content_type=_unit_type()).exists()


def test_guardian_shortcuts_and_has_perm_use_the_direct_table(demo, user_of):
    # given an officer of Gia Lộc and another district
    officer, own, other = user_of("cb-gia-loc"), district_committee("gia-loc"), district_committee("tu-ky")

    # when guardian's own shortcuts give and take a permission
    assign_perm(UnitPermission.REGISTER, officer, other)

    # then the row is a direct one and every reader sees it
    assert UnitUserObjectPermission.objects.filter(
        user=officer, content_object=other, permission__codename="register_for_unit"
    ).exists()
    assert officer.has_perm(UnitPermission.REGISTER, other)
    assert permissions.has_unit_permission(officer, UnitPermission.REGISTER, other)
    assert list(get_objects_for_user(officer, UnitPermission.REGISTER, klass=Unit, accept_global_perms=False)) == [
        other
    ]
    assert list(permissions.units_with_permission(officer, UnitPermission.RECEIVE)) == [own.pk]

    remove_perm(UnitPermission.REGISTER, officer, other)
    officer = user_of("cb-gia-loc")  # guardian caches nothing across user objects
    assert not officer.has_perm(UnitPermission.REGISTER, other)
    assert (
        not UnitUserObjectPermission.objects.filter(user=officer, content_object=other)
        .exclude(permission__codename="receive_for_unit")
        .exists()
    )
    assert not UserObjectPermission.objects.exists()


def test_group_permissions_on_units_go_to_the_direct_group_table(demo, user_of):
    # given a group holding a unit permission
    group = Group.objects.create(name="Tổ giúp việc")
    officer, unit = user_of("cb-gia-loc"), district_committee("tu-ky")
    officer.groups.add(group)

    # when
    assign_perm(UnitPermission.REVIEW, group, unit)

    # then
    assert UnitGroupObjectPermission.objects.filter(group=group, content_object=unit).count() == 1
    assert not GroupObjectPermission.objects.exists()
    assert user_of("cb-gia-loc").has_perm(UnitPermission.REVIEW, unit)
    assert unit.pk in set(permissions.units_with_permission(officer, UnitPermission.REVIEW))


def test_a_global_permission_does_not_open_every_unit(demo, user_of):
    # given a person holding the approval permission globally (e.g. set by mistake in the admin)
    officer = user_of("cb-gia-loc")
    officer.user_permissions.add(_perm("approve_for_unit"))
    officer = user_of("cb-gia-loc")

    # then it counts for no unit
    assert not permissions.has_unit_permission(officer, UnitPermission.APPROVE, demo_unit(PROVINCIAL_COMMITTEE))
    assert list(permissions.units_with_permission(officer, UnitPermission.APPROVE)) == []


def test_revoking_a_role_deletes_its_direct_rows_but_keeps_what_another_role_gives(demo, user_of):
    # given the provincial clerk is also made an officer there (both give "receive")
    clerk, unit = user_of("vanthu"), demo_unit(PROVINCIAL_COMMITTEE)
    services.membership_grant(user=clerk, unit=unit, role=Membership.Role.OFFICER)

    # when the clerk role is taken back
    services.membership_revoke(membership=Membership.objects.get(user=clerk, unit=unit, role="clerk"))

    # then
    assert list(
        UnitUserObjectPermission.objects.filter(user=clerk, content_object=unit).values_list(
            "permission__codename", flat=True
        )
    ) == ["receive_for_unit"]


def test_viewflow_queue_reads_the_direct_table(seed_plan, advance, user_of):
    # given a plan waiting for the provincial leader's approval
    advance(seed_plan, through="submit")
    task = Task.objects.get(process__planprocess__plan=seed_plan, flow_task=PlanFlow.approve)

    # when viewflow builds its own queue for the leader and for a district leader
    leader_queue = Task.objects.user_queue(user_of("lanhdao"), flow_class=PlanFlow)
    other_queue = Task.objects.user_queue(user_of("ld-gia-loc"), flow_class=PlanFlow)

    # then only the issuer's leader finds the task (without the direct table, nobody would)
    assert task in leader_queue.filter(status="NEW")
    assert task not in other_queue


# --- migration 0007 --------------------------------------------------------------------------


def test_migration_moves_generic_unit_rows_into_the_direct_tables_and_back(demo, user_of):
    # given the permissions as planflow stored them before 0007: generic rows only
    UnitUserObjectPermission.objects.all().delete()
    officer, leader = user_of("cb-gia-loc"), user_of("lanhdao")
    group = Group.objects.create(name="Tổ giúp việc")
    gia_loc, province = district_committee("gia-loc"), demo_unit(PROVINCIAL_COMMITTEE)
    unit_type = _unit_type()
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(
                user=officer, permission=_perm("receive_for_unit"), content_type=unit_type, object_pk=str(gia_loc.pk)
            ),
            UserObjectPermission(
                user=leader, permission=_perm("approve_for_unit"), content_type=unit_type, object_pk=str(province.pk)
            ),
            # a row left behind by a deleted unit (generic rows are not cascaded)
            UserObjectPermission(
                user=leader, permission=_perm("approve_for_unit"), content_type=unit_type, object_pk="999999"
            ),
        ]
    )
    GroupObjectPermission.objects.create(
        group=group, permission=_perm("review_for_unit"), content_type=unit_type, object_pk=str(province.pk)
    )
    # a generic row for another model stays where it is
    user_type = ContentType.objects.get(app_label="auth", model="user")
    change_user = Permission.objects.get(content_type=user_type, codename="change_user")
    other = UserObjectPermission.objects.create(
        user=officer, permission=change_user, content_type=user_type, object_pk=str(leader.pk)
    )

    # when
    migration_0007.move_to_direct(django_apps, None)

    # then
    assert set(
        UnitUserObjectPermission.objects.values_list("user__username", "permission__codename", "content_object")
    ) == {
        ("cb-gia-loc", "receive_for_unit", gia_loc.pk),
        ("lanhdao", "approve_for_unit", province.pk),
    }
    assert list(UnitGroupObjectPermission.objects.values_list("group", "content_object")) == [(group.pk, province.pk)]
    assert list(UserObjectPermission.objects.all()) == [other]
    assert not GroupObjectPermission.objects.exists()
    assert user_of("lanhdao").has_perm(UnitPermission.APPROVE, province)

    # when reversed
    migration_0007.move_to_generic(django_apps, None)

    # then
    assert not UnitUserObjectPermission.objects.exists() and not UnitGroupObjectPermission.objects.exists()
    assert set(
        UserObjectPermission.objects.filter(content_type=unit_type).values_list(
            "user__username", "permission__codename", "object_pk"
        )
    ) == {("cb-gia-loc", "receive_for_unit", str(gia_loc.pk)), ("lanhdao", "approve_for_unit", str(province.pk))}
    assert list(GroupObjectPermission.objects.values_list("group", "object_pk")) == [(group.pk, str(province.pk))]


def test_migration_moves_in_batches(demo, user_of):
    # given more generic rows than one batch
    UnitUserObjectPermission.objects.all().delete()
    unit_type = _unit_type()
    receive = _perm("receive_for_unit")
    units = list(Unit.objects.order_by("pk"))
    people = [user_of(login) for login in ("cb-gia-loc", "cb-tu-ky", "ld-gia-loc")]
    UserObjectPermission.objects.bulk_create(
        UserObjectPermission(user=person, permission=receive, content_type=unit_type, object_pk=str(unit.pk))
        for person in people
        for unit in units
    )

    # when moved three rows at a time
    moved = migration_0007._move(
        UserObjectPermission.objects.filter(content_type=unit_type),
        UnitUserObjectPermission.objects.all(),
        to_target=lambda row: UnitUserObjectPermission(
            user_id=row.user_id, permission_id=row.permission_id, content_object_id=int(row.object_pk)
        ),
        batch=3,
    )

    # then
    assert moved == len(people) * len(units) == UnitUserObjectPermission.objects.count()
    assert not UserObjectPermission.objects.exists()
