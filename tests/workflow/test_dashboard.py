"""The leaders' dashboard: plans by state, on-time rates per unit, the overdue list, the chart."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from documents import selectors
from documents.models import Delivery, Plan
from notifications.dashboard import working_days_late
from workflow import services as flow
from workflow.flows import PlanFlow

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A local time in March 2026 (2 March is a Monday, no holiday in the first three weeks)."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=VN)


def officer(code: str) -> str:
    return "sotnmt" if code.startswith("so-") else "cb-" + code.removeprefix("mttq-")


@pytest.fixture
def story(seed_plan, advance, user_of, sweep):
    """The seed plan sent on Monday 2/3/2026 09:00, due 13/3 (its tasks name no lead unit with an
    end date); the beat's sweep a minute later writes the due times; units answer at chosen times."""
    Plan.objects.filter(pk=seed_plan.pk).update(schedule_end=dt.date(2026, 3, 13))
    with time_machine.travel(at(2, 9), tick=False):
        plan = advance(seed_plan, through="dispatch")
    assert sweep(at(2, 9, 1)).due_times_set == plan.deliveries.count() == 11

    def act(code: str, node, when: dt.datetime, **data):
        delivery = plan.deliveries.get(unit__code=code)
        task = flow.open_task(plan=plan, node=node, delivery=delivery)
        actor = user_of(officer(code))
        with time_machine.travel(when, tick=False), flow.task_activation(task_id=task.pk, actor=actor) as activation:
            getattr(flow, node.name)(activation=activation, actor=actor, **data)

    act("mttq-gia-loc", PlanFlow.acknowledge, at(2, 16))  # same working day: on time
    act("mttq-tu-ky", PlanFlow.acknowledge, at(2, 22))  # sent before closing time: due at the end of the day
    act("mttq-tx-kinh-mon", PlanFlow.acknowledge, at(3, 8))  # the next day: late
    act("mttq-thanh-mien", PlanFlow.acknowledge, at(2, 10), refuse=True, reason="Gửi nhầm.")  # counts in neither
    act("mttq-gia-loc", PlanFlow.report, at(13, 20), text="Đã làm.")  # on the last day: on time
    act("mttq-tx-kinh-mon", PlanFlow.report, at(16, 9), text="Đã làm.")  # after it: late
    return plan


def test_rates_overdue_list_and_chart_follow_the_working_day_rules(story, user_of):
    # when: the leader looks on Friday 20/3/2026
    dashboard = selectors.leader_dashboard(user=user_of("lanhdao"), now=at(20, 12), days_late=working_days_late())

    # then
    assert dashboard.plans_by_state == [("in_execution", "Đang thực hiện", 1)]
    rates = {r.unit.code: r for r in dashboard.unit_rates}
    counts = {
        code: (r.acknowledged_on_time, r.acknowledged_late, r.reported_on_time, r.reported_late)
        for code, r in rates.items()
    }
    assert counts["mttq-gia-loc"] == (1, 0, 1, 0)
    assert counts["mttq-tu-ky"] == (1, 0, 0, 1)  # no report after the schedule ended: late
    assert counts["mttq-tx-kinh-mon"] == (0, 1, 0, 1)
    assert counts["mttq-thanh-mien"] == (0, 0, 0, 0)
    assert counts["so-tnmt-hai-duong"] == (0, 1, 0, 0)  # never acknowledged; no report asked of it
    assert (rates["mttq-gia-loc"].acknowledge_rate, rates["mttq-thanh-mien"].acknowledge_rate) == (100, None)
    overdue = {(row.delivery.unit.code, row.what, row.days_late) for row in dashboard.overdue}
    assert ("so-tnmt-hai-duong", "Chưa tiếp nhận", 14) in overdue  # working days 3/3 to 20/3
    assert ("mttq-tu-ky", "Chưa báo cáo", 5) in overdue  # 16/3 to 20/3
    assert not {code for code, *_ in overdue} & {"mttq-gia-loc", "mttq-tx-kinh-mon", "mttq-thanh-mien"}
    assert len(overdue) == 8  # Sở TN&MT and six districts never acknowledged, Tứ Kỳ never reported
    assert dashboard.months[-1] == dt.date(2026, 3, 1) and len(dashboard.months) == 12
    series = {s.unit.code: (s.on_time[-1], s.late[-1]) for s in dashboard.series}
    assert series["mttq-gia-loc"] == (2, 0)
    assert series["mttq-tx-kinh-mon"] == (0, 2)
    assert "mttq-thanh-mien" not in series


def test_days_late_default_to_calendar_days(story, user_of):
    dashboard = selectors.leader_dashboard(user=user_of("lanhdao"), now=at(20, 12))

    overdue = {(row.delivery.unit.code, row.days_late) for row in dashboard.overdue}
    assert {("so-tnmt-hai-duong", 18), ("mttq-tu-ky", 7)} <= overdue


def test_deliveries_without_due_times_yet_count_nowhere(story, user_of):
    Delivery.objects.filter(plan=story).update(acknowledge_due_at=None, report_due_at=None, due_set_at=None)

    dashboard = selectors.leader_dashboard(user=user_of("lanhdao"), now=at(20, 12))

    assert dashboard.overdue == []
    assert all(
        (r.acknowledged_on_time, r.acknowledged_late, r.reported_on_time, r.reported_late) == (0, 0, 0, 0)
        for r in dashboard.unit_rates
    )


def test_dashboard_page_in_a_fixed_number_of_queries(story, client_of, django_assert_num_queries):
    leader = client_of("lanhdao")

    # session, user, "is a leader", the selector's four, the calendar's days off (working days
    # late); the header's two; may the leader urge (notifications.services.may_urge: the leader's
    # permissions on the issuing unit, loaded with the rows: once per issuing unit, not per row)
    with time_machine.travel(at(20, 12), tick=False), django_assert_num_queries(12):
        response = leader.get(reverse("dashboard"))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="dashboard-link"' in body
    assert re.search(r'data-unit="mttq-gia-loc">.*?100%.*?\(1/1\).*?100%', body, re.S)
    assert re.search(r'data-unit="mttq-tx-kinh-mon">.*?0%.*?\(0/1\)', body, re.S)
    assert "Đơn vị quá hạn (8)" in body
    assert (
        body.count("<svg") == len(re.findall(r"data-unit-chart=", body)) == 10
    )  # Thanh Miện refused: nothing to chart
    assert 'class="bar-on-time"' in body and 'class="bar-late"' in body
    # SVG numbers are written with a dot whatever the language (vi writes decimals with a comma)
    assert not re.search(r'<rect [^>]*="\d+,\d+"', body)


def test_only_leaders_see_the_dashboard_link_and_page(client_of):
    assert 'id="dashboard-link"' not in client_of("chuyenvien").get(reverse("plans:list")).content.decode()
    assert client_of("cb-gia-loc").get(reverse("dashboard")).status_code == 403
    district_leader = client_of("ld-gia-loc")
    assert 'id="dashboard-link"' in district_leader.get(reverse("plans:list")).content.decode()
    assert district_leader.get(reverse("dashboard")).status_code == 200


def test_a_withdrawn_plan_is_late_nowhere(story, user_of):
    with time_machine.travel(at(18, 10), tick=False):
        flow.plan_withdraw(plan=story, actor=user_of("lanhdao"), reason="Kế hoạch thay thế.")

    dashboard = selectors.leader_dashboard(user=user_of("lanhdao"), now=at(20, 12))

    assert dashboard.overdue == []
    assert {r.unit.code: r.acknowledged_late for r in dashboard.unit_rates}["so-tnmt-hai-duong"] == 0
    assert not selectors.plan_search(user=user_of("lanhdao"), overdue=True, now=at(20, 12)).exists()
    assert selectors.plan_board_summary(plan=story, now=at(20, 12)).overdue == 0
