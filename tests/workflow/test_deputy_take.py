"""A deputy who drafted a plan cannot take its approval; the leader back early takes it back."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from viewflow.workflow.models import Task

from documents import services
from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
from documents.errors import NotAllowedError
from documents.models import Membership, Plan
from workflow import services as flow
from workflow.flows import PlanFlow
from workflow.selectors import task_queue_for_user

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int = 9):
    """Freeze the clock at a local time in March 2027 (1 March is a Monday)."""
    return time_machine.travel(dt.datetime(2027, 3, day, hour, tzinfo=VN), tick=False)


@pytest.fixture
def province(demo):
    return demo_unit(PROVINCIAL_COMMITTEE)


@pytest.fixture
def submitted(seed_plan, advance):
    """The seed plan (drafted by chuyenvien) waiting for the provincial leader's approval."""
    return advance(seed_plan, through="submit")


def _name_deputy(province, leader, deputy) -> None:
    with at(1):
        services.deputyship_create(
            unit=province,
            leader=leader,
            deputy=deputy,
            starts_on=dt.date(2027, 3, 1),
            ends_on=dt.date(2027, 3, 5),
            reason="Nghỉ phép",
            actor=leader,
        )


def take(user, task: Task) -> int:
    """POST "Nhận xử lý" of `task` as `user`, as the plan page does; the status code (302 taken, 403 refused)."""
    client = Client()
    client.force_login(user)
    return client.post(reverse("plans:task", args=[task.pk])).status_code


def _approval(plan: Plan) -> Task:
    return Task.objects.get(process__planprocess__plan=plan, flow_task=PlanFlow.approve)


def test_the_drafter_named_deputy_cannot_take_the_approval_of_her_own_plan(submitted, user_of, province):
    leader, drafter = user_of("lanhdao"), user_of("chuyenvien")
    _name_deputy(province, leader, drafter)
    task = _approval(submitted)

    with at(2):
        # the task is in no list of hers, and she cannot take it
        assert task.flow_task.can_assign(drafter, task) is False
        assert task not in task_queue_for_user(user=drafter, flow_class=PlanFlow)
        assert [link.task for link in flow.open_tasks_for_user(plan=submitted, user=drafter)] == []
        assert take(drafter, task) == 403
        with pytest.raises(NotAllowedError), flow.task_activation(task_id=task.pk, actor=drafter):
            pass

        # then nothing changed: the leader still finds and takes it
        task.refresh_from_db()
        assert task.owner_id is None
        assert task in task_queue_for_user(user=leader, flow_class=PlanFlow)
        assert task.flow_task.can_assign(leader, task) is True


def test_the_drafter_deputy_still_takes_other_tasks_of_the_leader(seed_plan, advance, user_of, province):
    """The bar is for plans she drafted only: another drafter's plan is hers to approve."""
    leader, drafter = user_of("lanhdao"), user_of("chuyenvien")
    other = get_or_make_drafter(province)
    plan = advance(seed_plan, through="submit")
    Plan.objects.filter(pk=plan.pk).update(drafter=other)
    _name_deputy(province, leader, drafter)
    task = _approval(plan)
    with at(2):
        assert task.flow_task.can_assign(drafter, task) is True
        assert task in task_queue_for_user(user=drafter, flow_class=PlanFlow)
        assert [link.task for link in flow.open_tasks_for_user(plan=plan, user=drafter)] == [task]


def get_or_make_drafter(province):
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.create_user("chuyenvien2", first_name="Lê Văn Tâm")
    services.membership_grant(user=person, unit=province, role=Membership.Role.DRAFTER)
    return person


def test_the_leader_back_early_takes_the_approval_back_from_the_deputy(submitted, user_of, province):
    leader, clerk = user_of("lanhdao"), user_of("vanthu")
    _name_deputy(province, leader, clerk)
    task = _approval(submitted)
    with at(2):
        assert take(clerk, task) == 302
        task.refresh_from_db()
        assert task.owner_id == clerk.pk

        # the leader sees the task held by the deputy, may take it over, and does
        links = flow.open_tasks_for_user(plan=submitted, user=leader)
        assert [(link.task, link.mine, link.may_take) for link in links] == [(task, False, True)]
        assert task.flow_task.can_take_over(leader, task) is True
        # the deputy cannot take it back from the leader (it is the leader's own right)
        assert take(leader, task) == 302
        task.refresh_from_db()
        assert task.owner_id == leader.pk
        assert task.flow_task.can_take_over(clerk, task) is False
        assert take(clerk, task) == 403

        # and decides it in their own name
        with flow.task_activation(task_id=task.pk, actor=leader) as activation:
            flow.decide(activation=activation, actor=leader, decision="approve", comment="")
    submitted.refresh_from_db()
    assert submitted.state == Plan.State.APPROVED
    assert submitted.events.get(action="approve").on_behalf_of is None


def test_a_leader_does_not_take_over_from_another_leader(submitted, user_of, province, django_user_model):
    leader = user_of("lanhdao")
    second = django_user_model.objects.create_user("phochutich", first_name="Nguyễn Văn Bình")
    services.membership_grant(user=second, unit=province, role=Membership.Role.LEADER)
    task = _approval(submitted)
    assert take(second, task) == 302
    task.refresh_from_db()
    assert task.owner_id == second.pk
    assert task.flow_task.can_take_over(leader, task) is False
    assert flow.open_tasks_for_user(plan=submitted, user=leader) == []
    assert take(leader, task) == 403


def test_the_plan_page_offers_the_leader_the_task_the_deputy_holds(submitted, user_of, province):
    leader, clerk = user_of("lanhdao"), user_of("vanthu")
    _name_deputy(province, leader, clerk)
    task = _approval(submitted)
    with at(2):
        assert take(clerk, task) == 302
        client = Client()
        client.force_login(leader)
        page = client.get(reverse("plans:detail", args=[submitted.pk])).content.decode()
        assert reverse("plans:task", args=[task.pk]) in page
        response = client.post(reverse("plans:task", args=[task.pk]))
        assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner_id == leader.pk


def test_the_deputies_page_hides_nobody_and_says_a_deputy_does_not_decide_own_drafts(user_of, province):
    leader = user_of("lanhdao")
    with at(1):
        client = Client()
        client.force_login(leader)
        page = client.get(reverse("plans:deputies"))
    choices = {str(label) for _, label in page.context["form"].fields["deputy"].choices}
    assert user_of("chuyenvien").get_full_name() in choices  # a drafter may still be named
    body = page.content.decode()
    assert 'id="deputy-own-drafts"' in body
    assert "Người được giao thay không quyết định kế hoạch do chính mình soạn" in body
    assert "Người được giao thay không duyệt, trả lại hay không duyệt kế hoạch do chính mình soạn." in body
