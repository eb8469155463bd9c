"""The beat sweep: reminders at the right steps to the right people, once, stopping when done."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.demo import district_committee
from documents.models import Plan, PlanTask
from notifications import services
from notifications.models import CalendarDay, DeadlineKind, Notification, Obligation, Reminder
from tests.notifications.conftest import vn

pytestmark = pytest.mark.django_db


def sent_at(moment) -> list[tuple[str, str, str]]:
    """(unit code, step, username) of the reminders a sweep at `moment` wrote, sorted."""
    return sorted(
        Reminder.objects.filter(created_at=moment, obligation__isnull=False).values_list(
            "obligation__unit__code", "step", "recipient__username"
        )
    )


def only(unit_code: str, rows):
    return [(step, user) for code, step, user in rows if code == unit_code]


def test_acknowledgement_reminders_escalate_over_the_days(december_plan, sweep):
    # given the plan dispatched Thu 12/12/2019 10:00, acknowledgement due the same day
    december_plan()

    # when the sweep runs through the following days
    runs = {
        moment: sweep(moment)
        for moment in (
            vn(2019, 12, 12, 10, 1),  # arrival: due today
            vn(2019, 12, 13, 8, 0),  # Fri, overdue day 1: the unit's leader too
            vn(2019, 12, 14, 8, 0),  # Sat: nothing
            vn(2019, 12, 15, 8, 0),  # Sun: nothing
            vn(2019, 12, 16, 8, 0),  # Mon, overdue day 2
            vn(2019, 12, 17, 8, 0),  # Tue, overdue day 3: the issuer's leader too
        )
    }

    # then Gia Lộc's officer, then its leader, then the provincial leader are told
    gia_loc = "mttq-gia-loc"
    assert only(gia_loc, sent_at(vn(2019, 12, 12, 10, 1))) == [("due", "cb-gia-loc"), ("opened", "cb-gia-loc")]
    assert only(gia_loc, sent_at(vn(2019, 12, 13, 8))) == [("overdue-1", "cb-gia-loc"), ("overdue-1", "ld-gia-loc")]
    assert sent_at(vn(2019, 12, 14, 8)) == sent_at(vn(2019, 12, 15, 8)) == []
    assert only(gia_loc, sent_at(vn(2019, 12, 16, 8))) == [("overdue-2", "cb-gia-loc"), ("overdue-2", "ld-gia-loc")]
    assert only(gia_loc, sent_at(vn(2019, 12, 17, 8))) == [
        ("overdue-3", "cb-gia-loc"),
        ("overdue-3", "lanhdao"),
        ("overdue-3", "ld-gia-loc"),
    ]
    # eleven units (Sở TN&MT has an officer only, the ten districts an officer and a leader):
    # 11 + 21 + 21 + (21 + 11 provincial) reminders, and the 11 new-task notices on arrival, each
    # with one notification and one e-mail
    assert [runs[m].reminders for m in sorted(runs)] == [11, 21, 0, 0, 21, 32]
    assert [runs[m].notices for m in sorted(runs)] == [11, 0, 0, 0, 0, 0]
    assert Notification.objects.count() == Reminder.objects.count() == 85 + 11
    assert len(mail.outbox) == 85 + 11


def test_the_sweep_run_twice_in_the_same_minute_sends_once(december_plan, sweep):
    december_plan()
    first = sweep(vn(2019, 12, 13, 8, 0))
    second = sweep(vn(2019, 12, 13, 8, 0, 30))

    assert first.reminders == 21  # the first sweep after the arrival: overdue day 1 only
    assert first.notices == 11  # and the new-task notices of the 11 acknowledgements it opened
    assert (second.reminders, second.notices) == (0, 0)
    assert Reminder.objects.count() == Notification.objects.count() == len(mail.outbox) == 21 + 11


def test_two_sweeps_that_both_read_before_either_wrote_still_write_each_reminder_once(december_plan, sweep):
    # given a sweep that sent overdue day 1
    december_plan()
    sweep(vn(2019, 12, 13, 8, 0))
    # when a second sweep had read the same rows before the first wrote (its clock put back)
    Obligation.objects.update(next_reminder_at=vn(2019, 12, 13, 8, 0), last_step="")
    again = sweep(vn(2019, 12, 13, 8, 0, 30))

    # then the unique key (obligation, step, person) keeps one reminder each, and nothing is resent
    assert again.reminders == 0
    assert Reminder.objects.count() == Notification.objects.count() == len(mail.outbox) == 21 + 11


def test_a_late_sweep_sends_only_the_latest_step(december_plan, sweep):
    december_plan()
    # the beat was down from the dispatch to Tue 17/12 at 09:00
    result = sweep(vn(2019, 12, 17, 9, 0))
    assert {step for _, step, _ in sent_at(vn(2019, 12, 17, 9))} == {"opened", "overdue-3"}
    assert result.reminders == 32
    assert result.notices == 11  # each task, however old, is announced once


@pytest.mark.parametrize(
    ("how", "reason"),
    [("acknowledge", "done"), ("refuse", "refused"), ("withdraw", "withdrawn")],
)
def test_a_reminder_stops_when_its_obligation_is_done_refused_or_withdrawn(
    december_plan, sweep, act, at, user_of, how, reason
):
    # given Gia Lộc reminded on arrival
    plan = december_plan()
    sweep(vn(2019, 12, 12, 10, 1))
    gia_loc = district_committee("gia-loc")
    delivery = plan.deliveries.get(unit=gia_loc)

    # when it acknowledges, refuses, or the plan is withdrawn, before overdue day 1
    with at(vn(2019, 12, 12, 16, 0)):
        if how == "withdraw":
            from workflow import services as flow

            flow.plan_withdraw(plan=plan, actor=user_of("lanhdao"), reason="Ban hành nhầm")
        elif how == "refuse":
            act(plan, "acknowledge", "cb-gia-loc", delivery=delivery, refuse=True, reason="Gửi nhầm")
        else:
            act(plan, "acknowledge", "cb-gia-loc", delivery=delivery)
    sweep(vn(2019, 12, 13, 8, 0))

    # then its acknowledgement obligation closes with the reason and nothing more goes to Gia Lộc
    # (but the new-task notice of the report the acknowledgement opened)
    obligation = Obligation.objects.get(plan=plan, unit=gia_loc, kind=DeadlineKind.ACKNOWLEDGE)
    assert (obligation.close_reason, obligation.next_reminder_at) == (reason, None)
    assert obligation.closed_at == vn(2019, 12, 13, 8, 0)
    report_notice = [("opened", "cb-gia-loc")] if how == "acknowledge" else []
    assert only("mttq-gia-loc", sent_at(vn(2019, 12, 13, 8))) == report_notice


def test_a_reminder_queued_before_the_task_was_done_is_not_delivered(
    december_plan, at, act, django_capture_on_commit_callbacks
):
    # given a sweep whose reminders are still in the queue
    plan = december_plan()
    with at(vn(2019, 12, 13, 8, 0)), django_capture_on_commit_callbacks(execute=False) as queued:
        services.deadlines_sweep(now=vn(2019, 12, 13, 8, 0), fire_timers=False)
    # when Gia Lộc acknowledges before the workers get to them
    with at(vn(2019, 12, 13, 8, 0, 10)):
        act(plan, "acknowledge", "cb-gia-loc", delivery=plan.deliveries.get(unit=district_committee("gia-loc")))
        for callback in queued:
            callback()

    # then its two reminders and its new-task notice are canceled at send time: no notification, no e-mail
    canceled = Reminder.objects.filter(obligation__unit__code="mttq-gia-loc")
    assert sorted(canceled.values_list("recipient__username", "step", "cancel_reason")) == [
        ("cb-gia-loc", "opened", "việc đã được xử lý"),
        ("cb-gia-loc", "overdue-1", "việc đã được xử lý"),
        ("ld-gia-loc", "overdue-1", "việc đã được xử lý"),
    ]
    assert not Notification.objects.filter(reminder__in=canceled).exists()
    assert len(mail.outbox) == 19 + 10  # and the other ten units' notices


def test_report_reminders_over_tet_canh_ty(seed_text, user_of, at, act, sweep):
    # given a plan whose Gia Lộc lead task ends Wed 22/1/2020, dispatched and acknowledged on 14/1
    from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
    from workflow import services as flow

    with at(vn(2020, 1, 13, 9)):
        plan, _ = flow.plan_import_and_start(
            issuer=demo_unit(PROVINCIAL_COMMITTEE), drafter=user_of("chuyenvien"), text=seed_text
        )
        PlanTask.objects.create(
            plan=plan, title="Ra quân", lead_unit=district_committee("gia-loc"), end_date=vn(2020, 1, 22).date()
        )
        for node, user, action, data in (
            ("submit", "chuyenvien", "submit", {}),
            ("approve", "lanhdao", "decide", {"decision": "approve"}),
            ("register", "vanthu", "register", {}),
            ("dispatch", "vanthu", "dispatch", {}),
        ):
            act(plan, node, user, action=action, **data)
    with at(vn(2020, 1, 14, 9)):
        act(plan, "acknowledge", "cb-gia-loc", delivery=plan.deliveries.get(unit=district_committee("gia-loc")))
    sweep(vn(2020, 1, 14, 9, 1))
    report = Obligation.objects.get(plan=plan, kind=DeadlineKind.REPORT, unit__code="mttq-gia-loc")
    assert report.due_at == vn(2020, 1, 22, 23, 59, 59)

    # when the sweep runs every morning through Tết Canh Tý
    steps = {}
    day = vn(2020, 1, 15, 8)
    while day <= vn(2020, 1, 31, 8):
        sweep(day)
        steps[day.date()] = only("mttq-gia-loc", [r for r in sent_at(day) if r[1] != "due" or True])
        day += timedelta(days=1)

    # then: 3 and 1 working days before, on the day, nothing during Tết, overdue day 1 on Thu 30/1
    reminded = {d.strftime("%d/%m"): sorted({s for s, _ in rows}) for d, rows in steps.items() if rows}
    assert reminded == {
        "17/01": ["before-3"],
        "21/01": ["before-1"],
        "22/01": ["due"],
        "30/01": ["overdue-1"],
        "31/01": ["overdue-2"],
    }
    assert steps[vn(2020, 1, 30).date()] == [("overdue-1", "cb-gia-loc"), ("overdue-1", "ld-gia-loc")]


def test_a_make_up_working_saturday_entered_by_the_admin_carries_a_reminder(december_plan, sweep):
    # given an admin-entered make-up working day on Sat 14/12/2019 (for this test)
    CalendarDay.objects.create(date=vn(2019, 12, 14).date(), kind=CalendarDay.Kind.WORKING_DAY, note="Làm bù")
    december_plan()
    sweep(vn(2019, 12, 13, 8, 0))

    # when the sweep runs that Saturday morning
    result = sweep(vn(2019, 12, 14, 8, 0))

    # then it is overdue day 2 for the acknowledgements due Thu 12/12
    assert result.reminders == 21
    assert {step for _, step, _ in sent_at(vn(2019, 12, 14, 8))} == {"overdue-2"}


def test_an_obligation_without_a_due_time_is_kept_but_never_reminded(december_plan, sweep, act, at):
    plan = december_plan()
    Plan.objects.filter(pk=plan.pk).update(schedule_end=None)
    with at(vn(2019, 12, 12, 11)):
        act(plan, "acknowledge", "cb-gia-loc", delivery=plan.deliveries.get(unit=district_committee("gia-loc")))
    sweep(vn(2019, 12, 12, 11, 1))
    report = Obligation.objects.get(plan=plan, kind=DeadlineKind.REPORT)
    assert (report.due_at, report.next_reminder_at, report.closed_at) == (None, None, None)


def test_the_sweep_requeues_reminders_whose_message_was_lost(
    december_plan, sweep, at, django_capture_on_commit_callbacks
):
    # given a sweep whose messages never reached a worker (a broker restart lost them)
    december_plan()
    with at(vn(2019, 12, 13, 8, 0)), django_capture_on_commit_callbacks(execute=False):
        services.deadlines_sweep(now=vn(2019, 12, 13, 8, 0), fire_timers=False)
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 21 + 11  # with the new-task notices

    # when a sweep runs 10 minutes later, then 15
    sweep(vn(2019, 12, 13, 8, 10))
    assert Notification.objects.count() == 0
    result = sweep(vn(2019, 12, 13, 8, 15))

    # then the lost ones are handed again and delivered once
    assert result.requeued_reminders == 21 + 11
    assert Notification.objects.count() == len(mail.outbox) == 21 + 11
    assert sweep(vn(2019, 12, 13, 8, 31)).requeued_reminders == 0


def _due_obligations(plan, n: int, moment):
    """`n` open approve-like obligations of `plan`, all due for a reminder at `moment`."""
    from viewflow.workflow.models import Task

    from workflow.flows import PlanFlow

    process_id = plan.process.pk
    tasks = Task.objects.bulk_create(
        Task(process_id=process_id, flow_task_type="HUMAN", status="NEW", flow_task=PlanFlow.approve, created=moment)
        for _ in range(n)
    )
    if tasks[0].pk is None:
        tasks = list(Task.objects.filter(process_id=process_id).order_by("-pk")[:n])
    Obligation.objects.bulk_create(
        Obligation(
            task=task,
            plan=plan,
            kind=DeadlineKind.APPROVE,
            unit_id=plan.issuer_id,
            opened_at=moment - timedelta(days=10),
            due_at=moment - timedelta(days=4),
            next_reminder_at=moment - timedelta(minutes=1),
        )
        for task in tasks
    )


def _sweep_statements(moment) -> tuple[int, int]:
    from notifications.services import sweep as sweep_module

    with CaptureQueriesContext(connection) as queries:
        result = sweep_module.deadlines_sweep(now=moment, fire_timers=False, batch_size=200)
    return len(queries), result.reminders


def test_the_sweep_issues_the_same_statements_for_5_and_for_150_due_obligations(
    december_plan, at, django_capture_on_commit_callbacks
):
    plan = december_plan(through="submit")
    small_at, large_at = vn(2019, 12, 20, 9), vn(2019, 12, 27, 9)
    # (the reminders are delivered when each block ends, outside the statements counted)
    with at(small_at), django_capture_on_commit_callbacks(execute=True):
        services.deadlines_sweep(now=small_at, fire_timers=False)  # the approve obligation, the cursor
        _due_obligations(plan, 5, small_at)
        small, small_sent = _sweep_statements(small_at)
    with at(large_at), django_capture_on_commit_callbacks(execute=True):
        _due_obligations(plan, 150, large_at)
        large, large_sent = _sweep_statements(large_at)

    assert small_sent == 5  # one leader (lanhdao) each
    assert large_sent == 156  # the 150 new, and the 5 and the plan's own approval again (overdue daily)
    if connection.vendor == "postgresql":
        assert large == small
    else:
        # SQLite caps the parameters of one statement: Django splits the bulk writes a little.
        assert 0 <= large - small <= 6
    # the first of them: deliveries still without due times (none here); the last one added, the
    # audit trail's new hand-backs (`event_notices_write`: one statement when there are none)
    assert small <= 22


def test_the_beat_runs_one_sweep_a_minute_and_the_digest_daily_each_expiring_before_its_next_run(settings):
    from celery.schedules import crontab

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["sweep-deadlines"]["task"] == "notifications.tasks.sweep_deadlines_task"
    assert schedule["sweep-deadlines"]["schedule"] == 60.0
    assert schedule["sweep-deadlines"]["options"]["expires"] < 60
    digest = schedule["send-digests"]
    assert digest["task"] == "notifications.tasks.send_digests_task"
    assert digest["schedule"] == crontab(hour=7, minute=0)
    assert digest["options"]["expires"] < 24 * 3600
    assert [k for k, v in schedule.items() if v["task"] == "notifications.tasks.sweep_deadlines_task"] == [
        "sweep-deadlines"
    ]


def test_the_sweep_task_also_fires_viewflows_timers(monkeypatch, db):
    from notifications import tasks
    from notifications.services import sweep as sweep_module

    fired = []
    monkeypatch.setattr(sweep_module, "fire_due_timers", lambda: fired.append(1) or 0)
    tasks.sweep_deadlines_task()
    assert fired == [1]
