"""The plan page of a plan sent to many units: one page of the board, of the trail, of the Nơi nhận (issue 7)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from documents import selectors
from documents.models import Delivery, Plan
from tests.workflow.test_query_counts import _communes, _dispatch, _registered_plan_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_to_120(demo, user_of, advance, sweep):
    """A plan dispatched to 120 commune units, its due times written by the sweep; 5 units refused."""
    plan = _registered_plan_to(_communes(120, "p"), advance, user_of("chuyenvien"))
    _dispatch(plan, user_of("vanthu"))
    assert sweep(timezone.now()).due_times_set == 120
    return _moved(plan)


@pytest.fixture
def ten_days_later(at):
    """The clock ten days after dispatch: every acknowledgement still missing is late."""
    with at(timezone.now() + dt.timedelta(days=10)):
        yield


def _moved(plan: Plan) -> Plan:
    refused = list(plan.deliveries.order_by("unit__name")[:5].values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=refused).update(state=Delivery.State.REFUSED)
    plan.refresh_from_db()
    return plan


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-unit="([^"]+)"', html)


def test_board_shows_fifty_units_a_page_under_counts_for_the_whole_plan(plan_to_120, client_of, ten_days_later):
    # given
    leader = client_of("lanhdao")
    url = reverse("plans:detail", args=[plan_to_120.pk])

    # when
    first = leader.get(url).content.decode()
    third = leader.get(url, {"page": 3}).content.decode()

    # then: 50 + 50 + 20 rows by unit name, the summary counts all 120
    assert len(rows(first)) == 50 and len(rows(third)) == 20
    assert rows(first)[0] == "xa-p-0" and rows(third)[-1] == "xa-p-119"
    summary = re.search(r'id="board-summary">(.*?)</p>', first, re.S).group(1)
    assert "Đã gửi: 115" in summary and "Từ chối (gửi nhầm): 5" in summary
    assert "Quá hạn: 115" in summary and "Tổng: 120 đơn vị" in summary
    assert "Trang 1/3 (120 đơn vị)" in first


def test_board_filters_by_state_and_overdue(plan_to_120, client_of, ten_days_later):
    leader = client_of("lanhdao")
    url = reverse("plans:detail", args=[plan_to_120.pk])

    # when / then: the refused units only; the overdue ones (not acknowledged by their due time)
    assert len(rows(leader.get(url, {"state": "refused"}).content.decode())) == 5
    overdue = leader.get(url, {"overdue": "1"}).content.decode()
    assert len(rows(overdue)) == 50 and "Trang 1/3 (115 đơn vị)" in overdue
    summary = selectors.plan_board_summary(plan=plan_to_120)
    assert summary.total == 120 and summary.overdue == 115
    assert dict((state, n) for state, _, n in summary.states) == {"sent": 115, "refused": 5}
    # an unknown state shows the whole board
    assert "Trang 1/3 (120 đơn vị)" in leader.get(url, {"state": "nonsense"}).content.decode()


def test_trail_and_recipients_show_one_page_each(demo, user_of, advance, client_of, django_user_model):
    # given: a plan to 120 communes, 60 of which acknowledged it (one audit record each)
    from documents import services
    from documents.models import Membership
    from workflow import services as flow
    from workflow.flows import PlanFlow

    units = _communes(120, "t")
    plan = _registered_plan_to(units, advance, user_of("chuyenvien"))
    _dispatch(plan, user_of("vanthu"))
    officer = django_user_model.objects.create_user("cb-60-xa")
    for unit in units[:60]:
        services.membership_grant(user=officer, unit=unit, role=Membership.Role.OFFICER)
    for task in PlanFlow.task_class.objects.filter(
        process__planprocess__plan=plan,
        flow_task=PlanFlow.acknowledge,
        owner_permission_obj_pk__in=[str(u.pk) for u in units[:60]],
    ):
        with flow.task_activation(task_id=task.pk, actor=officer) as activation:
            flow.acknowledge(activation=activation, actor=officer)
    plan_to_120 = plan
    leader = client_of("lanhdao")
    url = reverse("plans:detail", args=[plan_to_120.pk])
    events = plan_to_120.events.count()
    assert events > 60

    # when
    html = leader.get(url).content.decode()
    timeline = html[html.index('id="timeline"') :]

    # then: the newest 50 records first; the Nơi nhận list in pages of 50
    assert timeline.count("<tr><td") == 50
    assert f"({events} bản ghi)" in timeline
    recipients = html[html.index('id="recipients"') : html.index('id="board"')]
    assert recipients.count("<li>") == 50 and "(120 nơi nhận)" in recipients
    last = leader.get(url, {"recipients": 3}).content.decode()
    assert last[last.index('id="recipients"') : last.index('id="board"')].count("<li>") == 20


def test_a_recipient_sees_only_its_own_row(plan_to_120, django_user_model):
    # given: an officer of one of the 120 communes
    from django.test import Client

    from documents import services
    from documents.models import Membership

    delivery = plan_to_120.deliveries.select_related("unit").order_by("unit__name")[7]
    officer = django_user_model.objects.create_user("cb-xa-p-7")
    services.membership_grant(user=officer, unit=delivery.unit, role=Membership.Role.OFFICER)
    client = Client()
    client.force_login(officer)

    # when
    html = client.get(reverse("plans:detail", args=[plan_to_120.pk])).content.decode()

    # then
    assert rows(html) == [delivery.unit.code]
    assert 'id="timeline"' not in html and 'id="board-summary"' not in html


# --- the plan list at scale: a bounded count, the stored search key ---------------------------


def test_plan_list_counts_up_to_its_cap_then_says_more(client_of, user_of, seed_text, monkeypatch):
    # given: 5 plans of the drafter, and a cap of 3 (1,000 in production)
    from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
    from workflow import services as flow
    from workflow import views

    for _ in range(5):
        flow.plan_import_and_start(
            issuer=demo_unit(PROVINCIAL_COMMITTEE), drafter=user_of("chuyenvien"), text=seed_text
        )
    monkeypatch.setattr(views, "PLANS_COUNTED", 3)
    monkeypatch.setattr(views, "PLANS_PER_PAGE", 2)

    # when
    html = client_of("chuyenvien").get(reverse("plans:list")).content.decode()

    # then: no exact count past the cap; the pages up to it stay reachable
    assert "Hơn 3 kế hoạch" in html and "5 kế hoạch" not in html
    assert len(re.findall(r'<tr data-plan="', html)) == 2 and 'rel="next"' in html


def test_search_key_follows_the_title_the_number_and_added_recipients(user_of, seed_plan, advance, client_of):
    # given: the seed plan, registered (number 01/KH-MTTQ-BTT) then dispatched
    from documents import services
    from documents.demo import district_committee

    url = reverse("plans:list")
    drafter = client_of("chuyenvien")
    services.plan_update(
        plan=seed_plan,
        actor=user_of("chuyenvien"),
        title="Kế hoạch ứng phó thiên tai",
        legal_basis=[],
        sections=[],
        body="",
    )
    assert drafter.get(url, {"q": "ung pho thien tai"}).context["plans"][0].pk == seed_plan.pk
    plan = advance(seed_plan, through="dispatch")

    # when / then: found by its number, and by a unit added after dispatch
    assert [p.pk for p in drafter.get(url, {"q": "01/KH-MTTQ-BTT"}).context["plans"]] == [plan.pk]
    chi_linh = district_committee("tp-chi-linh")
    assert not drafter.get(url, {"q": "chi linh"}).context["plans"]
    services.recipient_add(plan=plan, actor=user_of("vanthu"), unit=chi_linh)
    assert [p.pk for p in drafter.get(url, {"q": "chi linh"}).context["plans"]] == [plan.pk]
    plan.refresh_from_db()
    assert plan.search_key.startswith(" ") and " ung pho thien tai " in plan.search_key


def test_filter_choices_come_from_the_directory_around_the_persons_units(user_of, django_assert_num_queries):
    from documents.demo import DEPARTMENT_TNMT, PROVINCIAL_COMMITTEE, demo_unit
    from documents.demo import district_committee as district

    province, department = demo_unit(PROVINCIAL_COMMITTEE), demo_unit(DEPARTMENT_TNMT)

    # when: a district officer's choices, in three statements
    person = user_of("cb-gia-loc")
    with django_assert_num_queries(3):
        officer = selectors.plan_filter_choices(user=person)
    drafter = selectors.plan_filter_choices(user=user_of("chuyenvien"))

    # then: a district receives from its own unit, the province above it and the province's bodies,
    # and addresses its own unit only; the province addresses its districts and the department
    assert {u.code for u in officer.issuers} == {district("gia-loc").code, province.code, department.code}
    assert [u.code for u in officer.recipient_units] == [district("gia-loc").code]
    assert {u.code for u in drafter.issuers} == {province.code, department.code}
    assert len(drafter.recipient_units) == 14  # the province, its 12 districts, the department
    assert department in drafter.recipient_units and district("thanh-ha") in drafter.recipient_units
    assert officer.years == drafter.years
