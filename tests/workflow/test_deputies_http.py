"""The deputies page and a deputy's approval over HTTP, with the trail and the CSV saying "on behalf of"."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from documents import services
from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
from documents.models import Deputyship, Plan, PlanEvent
from workflow import services as flow
from workflow.flows import PlanFlow

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DEPUTIES = reverse("plans:deputies")


def at(day: int, hour: int = 9):
    """Freeze the clock at a local time in March 2027 (1 March is a Monday)."""
    return time_machine.travel(dt.datetime(2027, 3, day, hour, tzinfo=VN), tick=False)


def login(user) -> Client:
    """A client signed in now (call inside `at`: a session opened in 2026 has expired by 2027)."""
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides) -> dict:
    return {"starts_on": "02/03/2027", "ends_on": "04/03/2027", "reason": "Nghỉ phép", **overrides}


@pytest.fixture
def province(demo):
    return demo_unit(PROVINCIAL_COMMITTEE)


def test_a_leader_names_a_deputy_from_the_deputies_page(user_of, province):
    leader, clerk = user_of("lanhdao"), user_of("vanthu")
    with at(1):
        client = login(leader)

        # given the page offers the people of the committee, not the leader
        page = client.get(DEPUTIES)
        assert page.status_code == 200
        choices = {str(label) for _, label in page.context["form"].fields["deputy"].choices}
        assert {"Phạm Thị Hoa", "Nguyễn Thị Lan"} <= choices
        assert "Trần Văn Hùng" not in choices
        assert 'id="nav-deputies"' in page.content.decode()

        # when
        response = client.post(DEPUTIES, _form(unit=province.pk, deputy=clerk.pk))

        # then
        assert response.status_code == 302 and response["Location"] == DEPUTIES
        deputyship = Deputyship.objects.get()
        assert (deputyship.unit, deputyship.leader, deputyship.deputy, deputyship.created_by) == (
            province,
            leader,
            clerk,
            leader,
        )
        assert (deputyship.starts_on, deputyship.ends_on, deputyship.reason) == (
            dt.date(2027, 3, 2),
            dt.date(2027, 3, 4),
            "Nghỉ phép",
        )
        listed = client.get(DEPUTIES).content.decode()
        assert f'data-deputyship="{deputyship.pk}"' in listed and "Sắp tới" in listed

        # and the deputy finds it on their page, and in the navigation while it is in force
        assert f'data-deputyship="{deputyship.pk}"' in login(clerk).get(DEPUTIES).content.decode()
    with at(3):
        assert 'id="nav-deputies"' in login(clerk).get(reverse("plans:list")).content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ends_on": "01/03/2027"}, "Ngày kết thúc phải trùng hoặc sau ngày bắt đầu."),
        ({"starts_on": "28/02/2027"}, "Không giao thay cho ngày đã qua"),
        ({"starts_on": "31/02/2027"}, "Nhập một ngày hợp lệ"),
    ],
)
def test_a_refused_deputyship_shows_the_reason_and_writes_nothing(user_of, province, fields, message):
    events = PlanEvent.objects.count()
    with at(1):
        response = login(user_of("lanhdao")).post(
            DEPUTIES, _form(unit=province.pk, deputy=user_of("vanthu").pk, **fields)
        )

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Deputyship.objects.exists()
    assert PlanEvent.objects.count() == events


def test_an_overlapping_deputyship_is_refused(user_of, province):
    leader = user_of("lanhdao")
    with at(1):
        client = login(leader)
        assert client.post(DEPUTIES, _form(unit=province.pk, deputy=user_of("vanthu").pk)).status_code == 302
        response = client.post(
            DEPUTIES,
            _form(unit=province.pk, deputy=user_of("chuyenvien").pk, starts_on="04/03/2027", ends_on="06/03/2027"),
        )

    assert response.status_code == 422
    assert "đã giao thay từ 02/03/2027 đến 04/03/2027" in response.content.decode()
    assert Deputyship.objects.count() == 1


def test_only_a_leader_may_name_a_deputy(user_of, province):
    with at(1):
        officer = login(user_of("vanthu"))
        page = officer.get(DEPUTIES)
        posted = officer.post(DEPUTIES, _form(unit=province.pk, deputy=user_of("chuyenvien").pk))
        anonymous = Client().get(DEPUTIES)

    assert page.status_code == 200 and 'id="deputy-form"' not in page.content.decode()
    assert 'id="nav-deputies"' not in page.content.decode()
    assert posted.status_code == 403
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert not Deputyship.objects.exists()


def test_a_leader_revokes_their_deputy_and_nobody_else_can(user_of, province):
    leader = user_of("lanhdao")
    with at(1):
        deputyship = services.deputyship_create(
            unit=province,
            leader=leader,
            deputy=user_of("vanthu"),
            starts_on=dt.date(2027, 3, 2),
            ends_on=dt.date(2027, 3, 4),
            reason="Nghỉ phép",
            actor=leader,
        )
        url = reverse("plans:deputy_revoke", args=[deputyship.pk])

        # another unit's leader guessing the id
        assert login(user_of("ld-gia-loc")).post(url).status_code == 404
        deputyship.refresh_from_db()
        assert deputyship.revoked_at is None

        # the leader
        response = login(leader).post(url)
        assert response.status_code == 302 and response["Location"] == DEPUTIES
        assert login(leader).get(url).status_code == 405

    deputyship.refresh_from_db()
    assert deputyship.revoked_by == leader
    assert PlanEvent.objects.filter(action="deputy_revoke", unit=province).count() == 1


def test_a_deputy_approves_over_http_and_the_trail_says_on_behalf_of(user_of, seed_plan, advance, province):
    # given the clerk stands in for the leader from 2 to 4 March, and a plan waits for approval
    leader, clerk = user_of("lanhdao"), user_of("vanthu")
    with at(1):
        services.deputyship_create(
            unit=province,
            leader=leader,
            deputy=clerk,
            starts_on=dt.date(2027, 3, 2),
            ends_on=dt.date(2027, 3, 4),
            reason="Nghỉ phép",
            actor=leader,
        )
    plan = advance(seed_plan, through="submit")
    task = flow.open_task(plan=plan, node=PlanFlow.approve)

    # before the range the task cannot be taken
    with at(1):
        assert login(clerk).post(reverse("plans:task", args=[task.pk])).status_code == 403

    # when, during the range, the deputy takes the task and approves
    with at(3):
        client = login(clerk)
        taken = client.post(reverse("plans:task", args=[task.pk]))
        assert taken.status_code == 302
        response = client.post(taken["Location"], {"decision": "approve", "comment": "Đồng ý"})
        assert response.status_code == 302, response.content.decode()[:2000]

        # then the plan is approved on behalf of the leader
        plan.refresh_from_db()
        assert plan.state == Plan.State.APPROVED
        approve = plan.events.get(action="approve")
        assert (approve.actor, approve.on_behalf_of) == (clerk, leader)

        # the plan page's trail says so
        page = login(leader).get(reverse("plans:detail", args=[plan.pk]))
        assert page.status_code == 200
        assert "(thay mặt Trần Văn Hùng)" in page.content.decode()

        # and so does the CSV for inspectors
        exported = login(leader).get(reverse("plans:audit_csv", args=[plan.pk]))
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    by_action = {row[4]: row for row in rows[1:]}
    assert (by_action["Duyệt"][2], by_action["Duyệt"][3]) == ("vanthu", "lanhdao")
    assert (by_action["Trình duyệt"][2], by_action["Trình duyệt"][3]) == ("chuyenvien", "")


def test_the_admin_lists_deputyships_read_only(user_of, province, django_user_model):
    leader = user_of("lanhdao")
    with at(1):
        deputyship = services.deputyship_create(
            unit=province,
            leader=leader,
            deputy=user_of("vanthu"),
            starts_on=dt.date(2027, 3, 2),
            ends_on=dt.date(2027, 3, 4),
            reason="Nghỉ phép",
            actor=leader,
        )
        admin = login(django_user_model.objects.create_superuser("quantri", "quantri@planflow.local", "x"))
        listing = admin.get(reverse("admin:documents_deputyship_changelist"))
        change = admin.post(
            reverse("admin:documents_deputyship_change", args=[deputyship.pk]), {"ends_on": "2027-03-31"}
        )
        added = admin.get(reverse("admin:documents_deputyship_add"))

    assert listing.status_code == 200 and "Nghỉ phép" in listing.content.decode()
    assert (change.status_code, added.status_code) == (403, 403)
    deputyship.refresh_from_db()
    assert deputyship.ends_on == dt.date(2027, 3, 4)
