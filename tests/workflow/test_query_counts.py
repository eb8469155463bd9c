"""Statements that must not grow with the data (issue 7, "Dispatch, queues and boards at national scale").

Small data, no timing (the timings are bench/dispatch.py, bench/queue.py and bench/board.py):
dispatch to 30 and to 300 units, the queue, the inbox and the plan list of a person in 1 and in 50
units, the board of a plan with 30 and 300 deliveries, on SQLite and on PostgreSQL alike.

Statement counts say nothing of size: the plan page draws one page of its board, of its trail and
of its Nơi nhận (tests/workflow/test_plan_page_scale.py), the queue and the inbox 25 tasks.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents import selectors, services
from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
from documents.models import Membership, Plan, Purpose, Recipient, Unit
from workflow import services as flow
from workflow.flows import PlanFlow

pytestmark = pytest.mark.django_db

# Statement counts measured on 2026-11-29 (PostgreSQL 15 and SQLite give the same), pinned as ceilings.
DISPATCH_MAX = 40  # 40 at 30 and at 300 units (SQLite: 40 and 49, its bulk inserts go in batches)
PLAN_LIST_MAX = 9  # the plan list page (filters, count, page of 50), for 1 unit and for 50
BOARD_SELECTOR = 3  # deliveries (with unit and person), their events, their reports
QUEUE_PAGE_MAX = 17  # the queue or the inbox page with its menu, for 1 unit and for 50 (viewflow's: 25 and 171)
# The plan page as the issuer's leader, for 30 and for 300 deliveries: 24 before the page was
# paginated; now also the counts of the Nơi nhận, board and trail pages and the board page's ids.
PLAN_PAGE_MAX = 29


def _communes(n: int, tag: str) -> list[Unit]:
    return Unit.objects.bulk_create(
        Unit(
            code=f"xa-{tag}-{i}",
            name=f"Ủy ban MTTQ xã {tag} {i:03d}",
            level=Unit.Level.COMMUNE,
            body=Unit.Body.FRONT,
            area_kind=Unit.AreaKind.COMMUNE,
            province="Hải Dương",
        )
        for i in range(n)
    )


def _registered_plan_to(units: list[Unit], advance, drafter) -> Plan:
    plan = Plan.objects.create(
        issuer=demo_unit(PROVINCIAL_COMMITTEE), drafter=drafter, title=f"Kế hoạch gửi {len(units)} đơn vị"
    )
    Recipient.objects.bulk_create(
        Recipient(plan=plan, position=i, phrase=u.name, unit=u, purpose=Purpose.IMPLEMENT, requires_report=True)
        for i, u in enumerate(units)
    )
    flow.plan_start(plan=plan)
    return advance(plan, through="register")


def _dispatch(plan: Plan, clerk) -> None:
    task = flow.open_task(plan=plan, node=PlanFlow.dispatch)
    with flow.task_activation(task_id=task.pk, actor=clerk) as activation:
        flow.dispatch(activation=activation, actor=clerk)


def _page(user, url: str) -> tuple[int, object]:
    """(statements, response) of one GET of `url` by `user`, after a first GET (session, caches)."""
    client = Client()
    client.force_login(user)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


# --- dispatch -------------------------------------------------------------------------------


def test_dispatch_statements_are_the_same_for_30_and_300_units(demo, user_of, advance, django_assert_max_num_queries):
    # given: two registered plans, to 30 and to 300 commune units
    small = _registered_plan_to(_communes(30, "a"), advance, user_of("chuyenvien"))
    large = _registered_plan_to(_communes(300, "b"), advance, user_of("chuyenvien"))
    clerk = user_of("vanthu")

    # when
    with django_assert_max_num_queries(DISPATCH_MAX) as small_queries:
        _dispatch(small, clerk)
    # SQLite caps the parameters of one statement: Django splits each bulk insert into batches
    # (see test_dispatch_scale.py), a few more statements per few hundred rows.
    sqlite_batches = 0 if connection.vendor == "postgresql" else 3 * (300 // 70)
    with django_assert_max_num_queries(DISPATCH_MAX + sqlite_batches) as large_queries:
        _dispatch(large, clerk)

    # then
    if connection.vendor == "postgresql":
        assert len(small_queries) == len(large_queries)
    else:
        assert 0 <= len(large_queries) - len(small_queries) <= sqlite_batches
    assert large.deliveries.count() == 300
    tasks = PlanFlow.task_class.objects.filter(process__planprocess__plan=large, flow_task=PlanFlow.acknowledge)
    assert tasks.count() == 300


# --- the queue and the plan list of a person in 1 and in 50 units ----------------------------


@pytest.fixture
def officers(demo, user_of, advance, django_user_model):
    """{1: a person receiving for 1 unit, 50: one receiving for 50}, and a plan dispatched to those 50."""
    units = _communes(50, "q")
    plan = _registered_plan_to(units, advance, user_of("chuyenvien"))
    _dispatch(plan, user_of("vanthu"))
    one = django_user_model.objects.create_user("cb-mot-xa", first_name="Cán bộ một xã")
    many = django_user_model.objects.create_user("cb-nam-muoi-xa", first_name="Cán bộ năm mươi xã")
    services.membership_grant(user=one, unit=units[0], role=Membership.Role.OFFICER)
    for unit in units:
        services.membership_grant(user=many, unit=unit, role=Membership.Role.OFFICER)
    return {"plan": plan, 1: one, 50: many}


def test_plan_list_statements_do_not_grow_with_the_units_of_the_person(officers, django_assert_max_num_queries):
    counts = {}
    for size in (1, 50):
        client = Client()
        client.force_login(officers[size])
        client.get(reverse("plans:list"))  # session and caches, as on any later visit

        # when
        with django_assert_max_num_queries(PLAN_LIST_MAX) as queries:
            response = client.get(reverse("plans:list"))

        # then: the person sees the plan sent to their units
        assert officers["plan"] in response.context["plans"]
        counts[size] = len(queries)
    assert counts[1] == counts[50], counts


def _take(user, plan, count: int) -> None:
    """Assign to the person `count` of the plan's open acknowledgements they may take."""
    taken = 0
    for task in PlanFlow.task_class.objects.filter(
        process__planprocess__plan=plan, flow_task=PlanFlow.acknowledge, owner__isnull=True
    ).order_by("pk"):
        if taken == count:
            break
        if task.flow_task.can_assign(user, task):
            flow.task_url_for_user(task_id=task.pk, user=user, take=True)
            taken += 1
    assert taken == count


def test_queue_and_inbox_pages_cost_the_same_statements_for_1_and_50_units(
    officers, advance, user_of, django_assert_max_num_queries
):
    # given: a second plan to the same 50 units; each person takes some of its acknowledgements
    # (their inbox), the first plan's wait in their queue
    units = [d.unit for d in officers["plan"].deliveries.select_related("unit").order_by("unit__code")]
    second = _registered_plan_to(units, advance, user_of("chuyenvien"))
    _dispatch(second, user_of("vanthu"))
    _take(officers[1], second, 1)
    _take(officers[50], second, 30)
    expected = {("plan:queue", 1): 1, ("plan:queue", 50): 50 + 49 - 30, ("plan:inbox", 1): 1, ("plan:inbox", 50): 30}
    counts = {}
    for size in (1, 50):
        client = Client()
        client.force_login(officers[size])
        for name in ("plan:queue", "plan:inbox"):
            client.get(reverse(name))  # session and caches, as on any later visit

            # when: the whole page over HTTP (its menu counts the inbox and the queue too)
            with django_assert_max_num_queries(QUEUE_PAGE_MAX) as queries:
                response = client.get(reverse(name))

            # then: the person's tasks, 25 a page
            assert response.status_code == 200
            assert response.context["paginator"].count == expected[(name, size)]
            assert len(response.context["page_obj"].object_list) == min(expected[(name, size)], 25)
            assert "Tiếp nhận kế hoạch" in response.content.decode()
            counts[(name, size)] = len(queries)
    assert counts[("plan:queue", 1)] == counts[("plan:queue", 50)], counts
    assert counts[("plan:inbox", 1)] == counts[("plan:inbox", 50)], counts


def test_queue_page_lists_what_the_person_may_take_and_nothing_else(officers, user_of):
    # given: the person in 50 units; another officer of one of those units took its acknowledgement
    plan = officers["plan"]
    queue_url = reverse("plan:queue")
    _take(officers[1], plan, 1)

    # when
    _, response = _page(officers[50], queue_url)
    shown = {task.pk for task in response.context["paginator"].object_list}

    # then: the 49 acknowledgements nobody holds yet, of the person's units only
    expected = set(
        PlanFlow.task_class.objects.filter(
            process__planprocess__plan=plan, flow_task=PlanFlow.acknowledge, status="NEW"
        ).values_list("pk", flat=True)
    )
    assert shown == expected and len(shown) == 49
    assert "Tiếp nhận kế hoạch" in response.content.decode()
    _, other = _page(user_of("cb-gia-loc"), queue_url)
    assert other.context["paginator"].count == 0


# --- the board of a plan with 30 and with 300 deliveries ---------------------------------------


@pytest.fixture
def dispatched(demo, user_of, advance):
    """{30: a plan dispatched to 30 units, 300: one dispatched to 300}."""
    plans = {}
    for size, tag in ((30, "c"), (300, "d")):
        plans[size] = _registered_plan_to(_communes(size, tag), advance, user_of("chuyenvien"))
        _dispatch(plans[size], user_of("vanthu"))
    return plans


def test_board_selector_statements_are_the_same_for_30_and_300_deliveries(dispatched, django_assert_num_queries):
    for size, plan in dispatched.items():
        # when
        with django_assert_num_queries(BOARD_SELECTOR):
            rows = selectors.plan_board(plan=plan)

        # then
        assert len(rows) == size


def test_plan_page_statements_are_the_same_for_30_and_300_deliveries(dispatched, user_of):
    # when
    counts = {
        size: _page(user_of("lanhdao"), reverse("plans:detail", args=[plan.pk]))[0] for size, plan in dispatched.items()
    }

    # then: the open tasks are chosen in one query (workflow.services.open_tasks_for_user; before
    # b7733f9, 3 statements per open task: 110 at 30 units, 920 at 300)
    assert counts[30] == counts[300], counts
    assert counts[300] <= PLAN_PAGE_MAX, counts
