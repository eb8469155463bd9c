"""What a new user's trial found on the task pages, the status board, the menu and the dashboard.

- the claim page of a branch task shows its unit, not `task.data` as a Python dict;
- the message after taking a task names the task, its unit and its plan;
- acknowledge and report pages show the unit its due time (red "quá hạn" once past); the
  review page says whether the report came after its due time;
- the board shows due times only for units that still owe something, marks a unit taken off
  the recipients, and counts the units the plan is addressed to now;
- the lateness report is in the menu of leaders and clerks; the dashboard's overdue rows link
  to the urging form of their delivery.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents import selectors
from documents import services as document_services
from documents.models import Plan
from notifications.dashboard import urgeable_delivery_ids
from tests.workflow.test_dashboard import at, officer
from workflow import services as flow
from workflow.flows import PlanFlow

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(seed_plan, advance, user_of, sweep):
    """The seed plan sent Monday 2/3/2026 09:00 (acknowledgements due that day 23:59, reports
    13/3 23:59); Gia Lộc reports on time and is accepted, Kinh Môn reports late, Thanh Miện
    refuses and the clerk takes it off the recipients; the others have not answered."""
    Plan.objects.filter(pk=seed_plan.pk).update(schedule_end=dt.date(2026, 3, 13))
    with time_machine.travel(at(2, 9), tick=False):
        plan = advance(seed_plan, through="dispatch")
    assert sweep(at(2, 9, 1)).due_times_set == 11

    def act(code: str, node, when: dt.datetime, *, actor: str | None = None, **data):
        delivery = plan.deliveries.get(unit__code=code)
        task = flow.open_task(plan=plan, node=node, delivery=delivery)
        person = user_of(actor or officer(code))
        with time_machine.travel(when, tick=False), flow.task_activation(task_id=task.pk, actor=person) as activation:
            getattr(flow, node.name)(activation=activation, actor=person, **data)

    act("mttq-gia-loc", PlanFlow.acknowledge, at(2, 16))
    act("mttq-gia-loc", PlanFlow.report, at(12, 10), text="Đã làm.")
    act("mttq-gia-loc", PlanFlow.review, at(12, 15), actor="lanhdao", accept=True, comment="")
    act("mttq-tx-kinh-mon", PlanFlow.acknowledge, at(2, 17))
    act("mttq-tx-kinh-mon", PlanFlow.report, at(16, 9), text="Đã làm, muộn.")
    act("mttq-tu-ky", PlanFlow.acknowledge, at(2, 18))
    act("mttq-thanh-mien", PlanFlow.acknowledge, at(2, 10), refuse=True, reason="Gửi nhầm.")
    with time_machine.travel(at(2, 11), tick=False):
        document_services.recipient_remove_refused(
            delivery=plan.deliveries.get(unit__code="mttq-thanh-mien"), actor=user_of("vanthu")
        )
    return plan


def board_row(html: str, code: str) -> str:
    match = re.search(rf'<tr data-unit="{code}"(.*?)</tr>', html, re.S)
    assert match, code
    return match.group(1)


def due_cell(row: str) -> str:
    return re.search(r'class="due">(.*?)</td>', row, re.S).group(1)


# --- the status board ------------------------------------------------------------------------


def test_board_counts_the_units_addressed_now_and_sets_the_removed_one_apart(story, django_assert_num_queries):
    with django_assert_num_queries(1):
        summary = selectors.plan_board_summary(plan=story, now=at(20, 12))

    assert summary.total == 10 and summary.removed == 1
    states = {state: n for state, _label, n in summary.states}
    assert "refused" not in states  # the refusal was corrected: nothing is left for the clerk to do
    assert states == {"sent": 7, "acknowledged": 1, "reported": 1, "accepted": 1}
    assert summary.overdue == 8  # seven never acknowledged, Tứ Kỳ never reported


def test_board_shows_due_times_only_while_a_unit_owes_something(story, client_of):
    with time_machine.travel(at(20, 12), tick=False):
        html = client_of("vanthu").get(reverse("plans:detail", args=[story.pk])).content.decode()

    summary = re.search(r'id="board-summary">(.*?)</p>', html, re.S).group(1)
    assert "Đã bỏ khỏi nơi nhận: 1" in summary and "Tổng: 10 đơn vị" in summary
    assert "Từ chối (gửi nhầm)" not in summary

    removed = board_row(html, "mttq-thanh-mien")
    assert '<td data-label="Đơn vị" class="unit removed">' in removed and "Đã bỏ khỏi nơi nhận" in removed
    assert "<s>Ban Thường trực Ủy ban MTTQ huyện Thanh Miện</s>" in removed
    for code in ("mttq-thanh-mien", "mttq-gia-loc", "mttq-tx-kinh-mon"):  # removed, accepted, under review
        cell = due_cell(board_row(html, code))
        assert "Tiếp nhận:" not in cell and "Báo cáo:" not in cell and "—" in cell, code

    # a unit that owes its report: both due times, the report's late, each date on one line
    tu_ky = due_cell(board_row(html, "mttq-tu-ky"))
    assert re.search(r'Tiếp nhận: <time class="nowrap" datetime="[^"]+">02/03/2026 23:59</time>', tu_ky), tu_ky
    assert re.search(
        r'class="due-report overdue">Báo cáo: <time class="nowrap"[^>]*>13/03/2026 23:59</time> – quá hạn', tu_ky
    )
    # one that has not acknowledged: late for its acknowledgement
    assert 'class="due-acknowledge overdue">' in due_cell(board_row(html, "mttq-ninh-giang"))


# --- task pages ----------------------------------------------------------------------------------


def task_page(client, user, plan, node, code: str, when: dt.datetime) -> str:
    task = flow.open_task(plan=plan, node=node, delivery=plan.deliveries.get(unit__code=code))
    url = flow.task_url_for_user(task_id=task.pk, user=user, take=True)
    with time_machine.travel(when, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def due_text(html: str) -> str:
    match = re.search(r'id="task-due">(.*?)</section>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else ""


def test_acknowledge_page_shows_the_due_time_and_whether_it_is_past(story, client_of, user_of):
    html = task_page(
        client_of("cb-ninh-giang"), user_of("cb-ninh-giang"), story, PlanFlow.acknowledge, "mttq-ninh-giang", at(2, 20)
    )
    assert due_text(html) == "Hạn tiếp nhận: 02/03/2026 23:59"

    html = task_page(
        client_of("cb-ninh-giang"), user_of("cb-ninh-giang"), story, PlanFlow.acknowledge, "mttq-ninh-giang", at(3, 8)
    )
    assert due_text(html) == "Hạn tiếp nhận: 02/03/2026 23:59 – quá hạn"
    assert '<strong class="pf-late">' in html


def test_report_page_shows_the_report_due_time(story, client_of, user_of):
    def page(when: dt.datetime) -> str:
        return task_page(client_of("cb-tu-ky"), user_of("cb-tu-ky"), story, PlanFlow.report, "mttq-tu-ky", when)

    assert due_text(page(at(13, 12))) == "Hạn báo cáo: 13/03/2026 23:59"
    assert due_text(page(at(16, 8))) == "Hạn báo cáo: 13/03/2026 23:59 – quá hạn"


def test_review_page_says_whether_the_report_came_after_its_due_time(story, client_of, user_of):
    html = task_page(client_of("lanhdao"), user_of("lanhdao"), story, PlanFlow.review, "mttq-tx-kinh-mon", at(16, 10))
    assert due_text(html) == "Hạn báo cáo: 13/03/2026 23:59 Báo cáo gửi sau hạn."
    assert 'class="pf-due-note pf-late"' in html


def test_task_page_says_nothing_of_a_due_time_not_computed_yet(seed_plan, advance, client_of, user_of):
    plan = advance(seed_plan, through="dispatch")  # no sweep: the due times are still NULL
    html = task_page(
        client_of("cb-gia-loc"), user_of("cb-gia-loc"), plan, PlanFlow.acknowledge, "mttq-gia-loc", at(2, 9)
    )
    assert 'id="task-due"' not in html and "Hạn tiếp nhận" not in html


def test_claim_page_shows_the_unit_and_the_message_names_the_task(story, client_of):
    task = flow.open_task(
        plan=story, node=PlanFlow.acknowledge, delivery=story.deliveries.get(unit__code="mttq-cam-giang")
    )
    url = reverse("plan:acknowledge:assign", args=[task.process_id, task.pk])
    client = client_of("cb-cam-giang")

    html = client.get(url).content.decode()
    assert "delivery_id" not in html and "{&#x27;" not in html
    assert re.search(r'id="task-unit">.*?Ban Thường trực Ủy ban MTTQ huyện Cẩm Giàng', html, re.S)

    response = client.post(url, {"_continue": "1"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner.username == "cb-cam-giang"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Đã nhận xử lý: Tiếp nhận kế hoạch (Ban Thường trực Ủy ban MTTQ huyện Cẩm Giàng), "
        f"kế hoạch {story.number_symbol}."
    ]


# --- the menu and the dashboard ----------------------------------------------------------------


def test_lateness_report_is_in_the_menu_of_leaders_and_clerks_only(demo, client_of):
    for username, shown in (("lanhdao", True), ("vanthu", True), ("chuyenvien", False), ("cb-gia-loc", False)):
        html = client_of(username).get(reverse("plans:list")).content.decode()
        link = f'href="{reverse("notifications:lateness")}" id="nav-lateness"'
        assert (link in html) is shown, username


def test_overdue_rows_link_to_the_urging_form_of_their_delivery(story, client_of, user_of):
    with time_machine.travel(at(20, 12), tick=False):
        html = client_of("lanhdao").get(reverse("dashboard")).content.decode()
        overdue = selectors.leader_dashboard(user=user_of("lanhdao"), now=at(20, 12)).overdue

    card = re.search(r'id="overdue">(.*?)</table>', html, re.S).group(1)
    links = re.findall(r'class="urge-link" href="([^"]+)"', card)
    urge = reverse("notifications:urge", args=[story.pk])
    assert sorted(links) == sorted(f"{urge}?delivery={row.delivery.pk}" for row in overdue)
    assert len(links) == 8  # seven never acknowledged, Tứ Kỳ never reported

    # one permission check per issuing unit: as many statements for one row as for eight; a clerk may not urge
    def count(rows: int) -> int:
        fresh = selectors.leader_dashboard(user=user_of("lanhdao"), now=at(20, 12)).overdue[:rows]
        with CaptureQueriesContext(connection) as queries:
            assert urgeable_delivery_ids(user=user_of("lanhdao"), overdue=fresh) == {r.delivery.pk for r in fresh}
        return len(queries.captured_queries)

    assert count(1) == count(8)
    assert urgeable_delivery_ids(user=user_of("vanthu"), overdue=overdue) == set()


def test_the_resubmit_page_shows_the_leaders_return_comment(seed_plan, advance, client_of, user_of):
    # given: the leader returned the submitted plan with a comment
    plan = advance(seed_plan, through="submit")
    leader = user_of("lanhdao")
    task = flow.open_task(plan=plan, node=PlanFlow.approve)
    with flow.task_activation(task_id=task.pk, actor=leader) as activation:
        flow.decide(activation=activation, actor=leader, decision="return", comment="Bổ sung thời hạn báo cáo.")

    # when: the drafter opens the submit task again
    drafter = user_of("chuyenvien")
    task = flow.open_task(plan=plan, node=PlanFlow.submit)
    html = client_of("chuyenvien").get(flow.task_url_for_user(task_id=task.pk, user=drafter, take=True), follow=True)

    # then
    body = html.content.decode()
    assert 'id="return-comment"' in body and "Bổ sung thời hạn báo cáo." in body
