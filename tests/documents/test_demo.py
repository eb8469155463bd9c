"""The demo directory: the units and people the README promises, loaded idempotently."""

import pytest
from django.contrib.auth import get_user_model

from documents.demo import demo_logins, load_demo
from documents.models import Membership, Unit, UnitUserObjectPermission

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        sorted(Unit.objects.values_list("code", "name", "area_kind", "parent__code")),
        sorted(Membership.objects.values_list("user__username", "unit__code", "role")),
        get_user_model().objects.count(),
        UnitUserObjectPermission.objects.count(),
    )


def test_demo_has_the_committee_the_department_and_twelve_districts():
    created = load_demo()

    assert created["units"] == 14
    districts = Unit.objects.filter(level=Unit.Level.DISTRICT)
    assert sorted(districts.values_list("area_kind", flat=True)) == ["huyen"] * 9 + ["thanh_pho"] * 2 + ["thi_xa"]
    for district in districts:
        assert set(district.memberships.values_list("role", flat=True)) == {"officer", "leader"}
    roles = set(Membership.objects.filter(unit__code="mttq-tinh-hai-duong").values_list("user__username", "role"))
    assert roles == {("chuyenvien", "drafter"), ("lanhdao", "leader"), ("vanthu", "clerk")}
    assert len(demo_logins()) == get_user_model().objects.count()


def test_loading_the_demo_twice_changes_nothing():
    load_demo()
    before = _snapshot()

    created = load_demo()

    assert created == {"units": 0, "users": 0, "roles": 0}
    assert _snapshot() == before


def test_the_demo_administrator_reaches_the_admin_site_and_holds_no_unit_role(client):
    load_demo()
    admin = get_user_model().objects.get(username="admin")

    assert admin.is_staff and admin.is_superuser and not Membership.objects.filter(user=admin).exists()
    assert admin.check_password("planflow-demo")
    client.force_login(admin)
    assert client.get("/admin/notifications/calendarday/").status_code == 200
    assert client.get("/admin/notifications/deadlinedefaults/", follow=True).status_code == 200
