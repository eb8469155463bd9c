"""Dispatch is bulk work: the statements it issues do not grow with the number of recipients."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents import services
from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
from documents.models import Plan, Purpose, Recipient, Unit
from workflow import services as flow
from workflow.flows import PlanFlow

pytestmark = pytest.mark.django_db


def _registered_plan_to(n_units: int, user_of, advance) -> Plan:
    issuer = demo_unit(PROVINCIAL_COMMITTEE)
    units = Unit.objects.bulk_create(
        Unit(
            code=f"xa-{n_units}-{i}",
            name=f"Ủy ban MTTQ xã {n_units}-{i}",
            level=Unit.Level.COMMUNE,
            body=Unit.Body.FRONT,
            area_kind=Unit.AreaKind.COMMUNE,
            province="Hải Dương",
        )
        for i in range(n_units)
    )
    plan = Plan.objects.create(issuer=issuer, drafter=user_of("chuyenvien"), title=f"Kế hoạch {n_units}")
    Recipient.objects.bulk_create(
        Recipient(plan=plan, position=i, phrase=u.name, unit=u, purpose=Purpose.IMPLEMENT, requires_report=True)
        for i, u in enumerate(units)
    )
    flow.plan_start(plan=plan)
    return advance(plan, through="register")


def _dispatch_statements(plan: Plan, user_of) -> int:
    task = flow.open_task(plan=plan, node=PlanFlow.dispatch)
    clerk = user_of("vanthu")
    with CaptureQueriesContext(connection) as queries, flow.task_activation(task_id=task.pk, actor=clerk) as activation:
        flow.dispatch(activation=activation, actor=clerk)
    return len(queries)


def test_dispatch_to_30_and_to_300_units_issues_the_same_number_of_statements(demo, user_of, advance):
    small, large = _registered_plan_to(30, user_of, advance), _registered_plan_to(300, user_of, advance)

    small_count = _dispatch_statements(small, user_of)
    large_count = _dispatch_statements(large, user_of)

    if connection.vendor == "postgresql":
        assert small_count == large_count
    else:
        # SQLite caps the parameters of one statement, so Django splits each bulk
        # insert into batches: a few more statements per few hundred rows, no more.
        assert 0 <= large_count - small_count <= 3 * (300 // 70)
    assert small_count < 60
    assert large.deliveries.count() == 300
    assert (
        PlanFlow.task_class.objects.filter(process__planprocess__plan=large, flow_task=PlanFlow.acknowledge).count()
        == 300
    )


def test_a_unit_added_after_dispatch_gets_one_branch_and_touches_no_other(demo, user_of, advance):
    plan = _registered_plan_to(30, user_of, advance)
    _dispatch_statements(plan, user_of)
    extra = Unit.objects.create(
        code="xa-extra",
        name="Ủy ban MTTQ xã thêm",
        level=Unit.Level.COMMUNE,
        body=Unit.Body.FRONT,
        area_kind=Unit.AreaKind.COMMUNE,
        province="Hải Dương",
    )
    before = {d.pk: d.state_changed_at for d in plan.deliveries.all()}

    delivery = flow.recipient_add(plan=plan, actor=user_of("vanthu"), unit=extra)

    assert {d.pk: d.state_changed_at for d in plan.deliveries.exclude(pk=delivery.pk)} == before
    task = flow.open_task(plan=plan, node=PlanFlow.acknowledge, delivery=delivery)
    assert task is not None and task.owner_permission_obj_pk == str(extra.pk)
    with pytest.raises(services.DomainError):
        flow.recipient_add(plan=plan, actor=user_of("vanthu"), unit=extra)
