"""Numbers of the outgoing register: per issuer and year, with a leading zero, never given twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from documents import services
from documents.audit import verify_chain
from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
from documents.models import OutgoingRegister, Plan, PlanEvent


def _approved_plan(issuer, drafter) -> Plan:
    return Plan.objects.create(issuer=issuer, drafter=drafter, title="Kế hoạch thử", state=Plan.State.APPROVED)


@pytest.mark.parametrize(
    ("number", "doc_type", "symbol", "expected"),
    [
        (1, "KH", "MTTQ-BTT", "01/KH-MTTQ-BTT"),
        (9, "KH", "MTTQ-BTT", "09/KH-MTTQ-BTT"),
        (15, "KH", "MTTQ-BTT", "15/KH-MTTQ-BTT"),
        (123, "CV", "MTTQ-BTT", "123/MTTQ-BTT"),
    ],
)
def test_number_and_symbol_are_written_as_the_decree_writes_them(number, doc_type, symbol, expected):
    assert services.format_number_symbol(number=number, doc_type=doc_type, issuer_symbol=symbol) == expected


@pytest.mark.django_db
def test_numbers_follow_each_other_and_restart_each_year(demo, user_of):
    issuer, clerk, drafter = demo_unit(PROVINCIAL_COMMITTEE), user_of("vanthu"), user_of("chuyenvien")
    given = []
    for issue_date in [dt.date(2019, 12, 10), dt.date(2019, 12, 31), dt.date(2020, 1, 2), dt.date(2020, 1, 3)]:
        plan = services.plan_register(plan=_approved_plan(issuer, drafter), actor=clerk, issue_date=issue_date)
        given.append((plan.register_year, plan.number_symbol))
    assert given == [
        (2019, "01/KH-MTTQ-BTT"),
        (2019, "02/KH-MTTQ-BTT"),
        (2020, "01/KH-MTTQ-BTT"),
        (2020, "02/KH-MTTQ-BTT"),
    ]


@pytest.mark.django_db
def test_registration_refused_to_a_drafter_leaves_the_register_untouched(demo, user_of):
    plan = _approved_plan(demo_unit(PROVINCIAL_COMMITTEE), user_of("chuyenvien"))
    with pytest.raises(services.NotAllowedError):
        services.plan_register(plan=plan, actor=user_of("chuyenvien"))
    plan.refresh_from_db()
    assert (plan.state, plan.number) == (Plan.State.APPROVED, None)
    assert not OutgoingRegister.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_clerks_registering_at_the_same_moment_get_different_numbers(demo, user_of):
    # given: two approved plans of one issuer, and two threads (own connections, own transactions)
    issuer, drafter = demo_unit(PROVINCIAL_COMMITTEE), user_of("chuyenvien")
    plans = [_approved_plan(issuer, drafter) for _ in range(4)]
    clerk = user_of("vanthu")
    barrier = threading.Barrier(len(plans))
    errors: list[BaseException] = []

    def register(plan: Plan) -> None:
        try:
            barrier.wait(timeout=10)
            services.plan_register(plan=plan, actor=clerk, issue_date=dt.date(2019, 12, 10))
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    # when: they register at the same moment
    threads = [threading.Thread(target=register, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: every registration succeeded with its own number, 1..4, on this database
    assert errors == []
    numbers = sorted(Plan.objects.filter(pk__in=[p.pk for p in plans]).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4], connection.vendor
    assert OutgoingRegister.objects.get(unit=issuer, year=2019).last_number == 4
    # and the audit records written by the concurrent transactions still form one unbroken chain
    checked, broken = verify_chain()
    assert broken is None and checked == PlanEvent.objects.count()
