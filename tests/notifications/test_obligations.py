"""Obligations are opened by reconciliation with viewflow's tasks: kind, unit, due time."""

from __future__ import annotations

import pytest
from viewflow.workflow.models import Task

from documents.demo import PROVINCIAL_COMMITTEE, demo_unit, district_committee
from documents.models import Plan, PlanTask, Urgency
from notifications.models import DeadlineKind, Obligation, SweepCursor
from tests.notifications.conftest import vn

pytestmark = pytest.mark.django_db


def test_submission_opens_an_approve_obligation_of_the_issuer_due_two_working_days_later(december_plan, sweep):
    # given a plan submitted on Mon 9/12/2019 at 09:00
    plan = december_plan(through="submit")

    # when the sweep runs a minute later
    result = sweep(vn(2019, 12, 9, 9, 1))

    # then one obligation: approve, the issuing committee, due at the end of Wed 11/12
    assert result.opened == 1
    obligation = Obligation.objects.get(plan=plan)
    assert obligation.kind == DeadlineKind.APPROVE
    assert obligation.unit == demo_unit(PROVINCIAL_COMMITTEE)
    assert obligation.delivery is None
    assert obligation.due_at == vn(2019, 12, 11, 23, 59, 59)
    assert obligation.opened_at == vn(2019, 12, 9, 9, 0)
    # its first reminder: 1 working day before, at 08:00 (3 days before is before it opened)
    assert obligation.next_reminder_at == vn(2019, 12, 10, 8, 0)


def test_a_draft_opens_nothing_the_drafters_own_writing_has_no_due_time(user_of, seed_text, at, sweep):
    from workflow import services as flow

    # given a draft, whose open task is the drafter's "submit"
    with at(vn(2019, 12, 9, 8, 30)):
        plan, _ = flow.plan_import_and_start(
            issuer=demo_unit(PROVINCIAL_COMMITTEE), drafter=user_of("chuyenvien"), text=seed_text
        )
    assert Task.objects.filter(process__planprocess__plan=plan, flow_task_type="HUMAN", status="ASSIGNED").count() == 1

    # when the sweep runs, then no obligation is opened
    assert sweep(vn(2019, 12, 9, 8, 31)).opened == 0
    assert not Obligation.objects.exists()


def test_each_stage_opens_its_obligation_with_its_due_time(december_plan, sweep):
    # given the plan dispatched on Thu 12/12/2019 at 10:00, swept after every stage
    plan = december_plan(through="dispatch")

    sweep(vn(2019, 12, 12, 10, 1))

    by_kind = {}
    for o in Obligation.objects.filter(plan=plan).select_related("unit", "delivery"):
        by_kind.setdefault(o.kind, []).append(o)
    # approve, register, dispatch were done before the sweep ran: only open tasks open obligations
    assert set(by_kind) == {DeadlineKind.ACKNOWLEDGE}
    acks = by_kind[DeadlineKind.ACKNOWLEDGE]
    assert len(acks) == plan.deliveries.count() == 11
    gia_loc = next(o for o in acks if o.unit == district_committee("gia-loc"))
    assert gia_loc.delivery.unit_id == gia_loc.unit_id
    # arrived on a working day before 17:00: due the same day (Nghị định 30/2020, Điều 21)
    assert gia_loc.due_at == vn(2019, 12, 12, 23, 59, 59)
    # the due-day step at 08:00 had passed when it opened: it was announced at once (beside the
    # new-task notice), and the next step is overdue day 1, Fri 13/12 at 08:00
    assert gia_loc.last_step == "due"
    assert sorted(gia_loc.reminders.values_list("recipient__username", "step")) == [
        ("cb-gia-loc", "due"),
        ("cb-gia-loc", "opened"),
    ]
    assert gia_loc.next_reminder_at == vn(2019, 12, 13, 8, 0)


def test_register_and_dispatch_are_one_period_from_the_approval(december_plan, sweep):
    plan = december_plan(through="approve")
    sweep(vn(2019, 12, 11, 15, 1))
    register = Obligation.objects.get(plan=plan, kind=DeadlineKind.REGISTER)
    # approved Wed 11/12 15:00: registering and issuing within 1 working day, end of Thu 12/12
    assert register.due_at == vn(2019, 12, 12, 23, 59, 59)


def test_report_is_due_at_the_end_of_the_units_lead_tasks_else_the_plans_end(december_plan, sweep, act, at):
    # given a lead task of Gia Lộc ending on Wed 18/12 (the plan itself ends on Fri 20/12)
    plan = december_plan(through="dispatch")
    gia_loc, tu_ky = district_committee("gia-loc"), district_committee("tu-ky")
    PlanTask.objects.create(plan=plan, title="Ra quân", lead_unit=gia_loc, end_date=vn(2019, 12, 18).date())
    for unit, user in ((gia_loc, "cb-gia-loc"), (tu_ky, "cb-tu-ky")):
        with at(vn(2019, 12, 12, 10, 30)):
            act(plan, "acknowledge", user, delivery=plan.deliveries.get(unit=unit))

    sweep(vn(2019, 12, 12, 11, 0))

    reports = {o.unit_id: o for o in Obligation.objects.filter(plan=plan, kind=DeadlineKind.REPORT)}
    assert reports[gia_loc.pk].due_at == vn(2019, 12, 18, 23, 59, 59)
    assert reports[tu_ky.pk].due_at == vn(2019, 12, 20, 23, 59, 59)


def test_a_hoa_toc_plan_is_to_be_acknowledged_within_two_hours(december_plan, sweep, act, at):
    # given a Hỏa tốc plan dispatched Thu 12/12/2019 at 10:00
    plan = december_plan(through="register")
    Plan.objects.filter(pk=plan.pk).update(urgency=Urgency.FLASH)
    with at(vn(2019, 12, 12, 10, 0)):
        act(plan, "dispatch", "vanthu")
    sweep(vn(2019, 12, 12, 10, 1))

    # then acknowledging is due at 12:00, clock hours (Bộ luật Dân sự 2015, Điều 147.1)
    obligation = Obligation.objects.get(plan=plan, unit__code="mttq-gia-loc")
    assert obligation.due_at == vn(2019, 12, 12, 12, 0)
    assert obligation.last_step == "due"


def test_a_task_that_committed_late_below_the_cursor_is_still_opened(december_plan, sweep):
    # given a sweep that read every task (the cursor is at the newest one)
    plan = december_plan()
    sweep(vn(2019, 12, 12, 10, 1))
    assert SweepCursor.objects.get().last_id == Task.objects.order_by("-pk").values_list("pk", flat=True)[0]
    # when a task below the cursor shows up without its obligation (its transaction committed
    # after the sweep had moved on: ids come from a sequence, commits in any order)
    late = Obligation.objects.get(plan=plan, unit__code="mttq-gia-loc")
    task_id = late.task_id
    late.delete()

    # then a sweep within 15 minutes of the task's creation opens it
    assert sweep(vn(2019, 12, 12, 10, 5)).opened == 1
    assert Obligation.objects.filter(task_id=task_id).exists()


def test_the_sweep_reads_no_old_task_below_the_cursor_again(december_plan, sweep):
    plan = december_plan()
    sweep(vn(2019, 12, 12, 10, 1))
    Obligation.objects.filter(plan=plan, unit__code="mttq-gia-loc").delete()
    # an hour later a task below the cursor is history: the scan stays a primary-key range
    assert sweep(vn(2019, 12, 12, 11, 30)).opened == 0
