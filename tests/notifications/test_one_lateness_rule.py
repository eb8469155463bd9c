"""One plan at one moment has one answer to "who is late": the plan board, the plan list, the
leaders' dashboard, the lateness report, the urging form and the reminders all read the
deliveries' own due times, written once by the sweep (issue 5: three pages gave 11, 1 and 0)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from documents import selectors
from documents.models import Delivery
from notifications import selectors as notification_selectors
from notifications.calendar import report_due
from notifications.dashboard import working_days_late
from notifications.models import DeadlineKind, Obligation
from tests.notifications.conftest import vn

pytestmark = pytest.mark.django_db


def officer_of(code: str) -> str:
    return "sotnmt" if code.startswith("so-") else "cb-" + code.removeprefix("mttq-")


@pytest.fixture
def running(december_plan, sweep, act, at):
    """The seed plan dispatched Thu 12/12/2019 10:00 (reports due Fri 20/12); then:
    Gia Lộc acknowledges at once and reports on 18/12 (under review); Tứ Kỳ acknowledges at
    once and never reports; Kinh Môn acknowledges the next day, reports on 19/12 and has its
    report returned; the others, Sở TN&MT included, never acknowledge."""
    plan = december_plan(through="dispatch")
    assert sweep(vn(2019, 12, 12, 10, 1)).due_times_set == 11
    deliveries = {d.unit.code: d for d in plan.deliveries.select_related("unit")}

    def do(when, node, code, **data):
        with at(when):
            act(plan, node, officer_of(code) if node != "review" else "chuyenvien", delivery=deliveries[code], **data)

    do(vn(2019, 12, 12, 14), "acknowledge", "mttq-gia-loc")
    do(vn(2019, 12, 12, 15), "acknowledge", "mttq-tu-ky")
    do(vn(2019, 12, 13, 9), "acknowledge", "mttq-tx-kinh-mon")
    sweep(vn(2019, 12, 13, 9, 1))  # opens the report obligations of the three
    do(vn(2019, 12, 18, 10), "report", "mttq-gia-loc", text="Đã tổ chức hội nghị.")
    do(vn(2019, 12, 19, 10), "report", "mttq-tx-kinh-mon", text="Đã làm.")
    do(vn(2019, 12, 19, 15), "review", "mttq-tx-kinh-mon", accept=False, comment="Bổ sung số liệu.")
    return plan, deliveries


MONDAY_AFTER = vn(2019, 12, 23, 9)


def test_every_page_names_the_same_late_units(running, user_of, at):
    plan, deliveries = running
    leader = user_of("lanhdao")
    late = set(deliveries) - {"mttq-gia-loc"}  # Gia Lộc's report is under review: nothing owed

    # the plan board: count, filter, and which deadline each row is late for
    summary = selectors.plan_board_summary(plan=plan, now=MONDAY_AFTER)
    board = selectors.plan_board_page(
        plan=plan, board_filter=selectors.BoardFilter(overdue=True), now=MONDAY_AFTER, per_page=100
    )
    assert summary.overdue == len(late) == 10
    assert {row.delivery.unit.code for row in board.object_list} == late
    reasons = {row.delivery.unit.code: (row.delivery.acknowledge_late, row.delivery.report_late) for row in board}
    assert reasons["mttq-tu-ky"] == (False, True)
    assert reasons["mttq-tx-kinh-mon"] == (False, True)  # returned, not completed
    assert reasons["so-tnmt-hai-duong"] == (True, False)  # no report asked of it
    assert reasons["mttq-thanh-ha"] == (True, True)

    # the plan list, the dashboard, the lateness report, the urging form
    assert list(selectors.plan_search(user=leader, overdue=True, now=MONDAY_AFTER)) == [plan]
    dashboard = selectors.leader_dashboard(user=leader, now=MONDAY_AFTER, days_late=working_days_late())
    assert {row.delivery.unit.code for row in dashboard.overdue} == late
    whats = {row.delivery.unit.code: row.what for row in dashboard.overdue}
    assert (whats["mttq-tu-ky"], whats["mttq-tx-kinh-mon"], whats["mttq-thanh-ha"]) == (
        "Chưa báo cáo",
        "Chưa bổ sung báo cáo",
        "Chưa tiếp nhận",
    )
    rows = {row.unit.code: row for row in notification_selectors.lateness_report(user=leader, now=MONDAY_AFTER)}
    assert {code for code, row in rows.items() if row.overdue} == late
    assert sum(row.overdue for row in rows.values()) == 10
    assert "mttq-gia-loc" not in rows  # its report is under review: it owes nothing, and was never urged
    # days late in working days, the same on the dashboard and in the report
    days = {row.delivery.unit.code: row.days_late for row in dashboard.overdue}
    assert days["mttq-tu-ky"] == rows["mttq-tu-ky"].worst_days == 1  # due Fri 20/12, now Mon 23/12
    assert days["so-tnmt-hai-duong"] == rows["so-tnmt-hai-duong"].worst_days == 7  # due Thu 12/12: 13, 16-20 and 23/12
    urgeable = notification_selectors.urgeable_deliveries(plan=plan, now=MONDAY_AFTER)
    assert {d.unit.code for d in urgeable if d.is_late} == late
    assert "mttq-gia-loc" not in {d.unit.code for d in urgeable}

    # and the pages say so, as the leader sees them
    client = Client()
    client.force_login(leader)
    with at(MONDAY_AFTER):
        plan_page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
        dashboard_page = client.get(reverse("dashboard")).content.decode()
        lateness_page = client.get(reverse("notifications:lateness"), {"plan": plan.pk}).content.decode()
    assert "Quá hạn: 10" in plan_page
    assert re.search(
        r'data-unit="mttq-tu-ky".*?class="due-acknowledge">.*?class="due-report overdue">', plan_page, re.S
    )
    assert "Đơn vị quá hạn (10)" in dashboard_page
    assert len(re.findall(r'<span class="state overdue">1</span>', lateness_page)) == 10


def test_nothing_is_late_within_the_due_times(running, user_of):
    plan, _ = running
    # Thu 12/12 20:00: the acknowledgements are due at the end of the day
    at_evening = vn(2019, 12, 12, 20)
    assert selectors.plan_board_summary(plan=plan, now=at_evening).overdue == 0
    assert not selectors.plan_search(user=user_of("lanhdao"), overdue=True, now=at_evening).exists()
    assert not any(r.overdue for r in notification_selectors.lateness_report(user=user_of("lanhdao"), now=at_evening))
    # Fri 13/12 morning: the eight that did not acknowledge are late, nobody else
    assert selectors.plan_board_summary(plan=plan, now=vn(2019, 12, 13, 8)).overdue == 8


def test_the_reminders_use_the_deliveries_due_times(running, sweep):
    plan, deliveries = running
    for delivery in plan.deliveries.all():
        obligations = {o.kind: o.due_at for o in Obligation.objects.filter(delivery=delivery)}
        assert obligations[DeadlineKind.ACKNOWLEDGE] == delivery.acknowledge_due_at
        if DeadlineKind.REPORT in obligations:
            assert obligations[DeadlineKind.REPORT] == delivery.report_due_at
    gia_loc = Delivery.objects.get(pk=deliveries["mttq-gia-loc"].pk)
    assert gia_loc.acknowledge_due_at == vn(2019, 12, 12, 23, 59, 59)
    assert gia_loc.report_due_at == report_due(plan.schedule_end) == vn(2019, 12, 20, 23, 59, 59)


def test_a_day_off_entered_after_dispatch_moves_the_due_times_on_it(running, act, at, sweep, client):
    # given: Thanh Hà acknowledged late; its report, like the others', is due Fri 20/12/2019
    plan, deliveries = running
    thanh_ha = deliveries["mttq-thanh-ha"]
    with at(vn(2019, 12, 16, 9)):
        act(plan, "acknowledge", "cb-thanh-ha", delivery=thanh_ha)
    sweep(vn(2019, 12, 16, 9, 1))
    obligation = Obligation.objects.get(delivery=thanh_ha, kind=DeadlineKind.REPORT)
    assert obligation.due_at == vn(2019, 12, 20, 23, 59, 59)

    # when: on Tue 17/12 the admin declares Fri 20/12 a day off (nghỉ bù), in the admin site
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("qt", "qt@planflow.local", "x")
    client.force_login(admin)
    with at(vn(2019, 12, 17, 10)):
        response = client.post(
            "/admin/notifications/calendarday/add/", {"date": "20/12/2019", "kind": "day_off", "note": "Nghỉ bù"}
        )
    assert response.status_code == 302
    sweep(vn(2019, 12, 17, 10, 1))

    # then: every report still owed is due Mon 23/12, on the board and in the reminders alike;
    # what is past (the acknowledgements of 12/12) and what is done (Gia Lộc's report) stand
    thanh_ha.refresh_from_db()
    obligation.refresh_from_db()
    assert thanh_ha.report_due_at == obligation.due_at == vn(2019, 12, 23, 23, 59, 59)
    assert timezone.localtime(obligation.next_reminder_at).date() > dt.date(2019, 12, 17)
    assert thanh_ha.acknowledge_due_at == vn(2019, 12, 12, 23, 59, 59)
    gia_loc = Delivery.objects.get(pk=deliveries["mttq-gia-loc"].pk)
    assert gia_loc.report_due_at == vn(2019, 12, 20, 23, 59, 59)  # under review: nothing owed
    saturday = vn(2019, 12, 21, 10)
    assert selectors.plan_board_summary(plan=plan, now=saturday).overdue == 7  # the acknowledgements only


def test_deliveries_sent_before_the_upgrade_get_due_times_from_the_next_sweep(running, sweep):
    plan, _ = running
    plan.deliveries.update(acknowledge_due_at=None, report_due_at=None, due_set_at=None)
    assert selectors.plan_board_summary(plan=plan, now=MONDAY_AFTER).overdue == 0

    assert sweep(vn(2019, 12, 23, 8)).due_times_set == 11

    assert selectors.plan_board_summary(plan=plan, now=MONDAY_AFTER).overdue == 10


def test_an_urging_names_the_due_time_the_unit_is_late_for(
    december_plan, user_of, at, act, sweep, django_capture_on_commit_callbacks
):
    from django.core import mail

    from documents.models import Plan
    from notifications import services
    from notifications.models import Notification

    # given: a plan whose period ended (10/12/2019) before it went out on Thu 12/12: reports are
    # late from the start, before the acknowledgement (due at the end of 12/12) is
    plan = december_plan(through="register")
    Plan.objects.filter(pk=plan.pk).update(schedule_end=dt.date(2019, 12, 10))
    with at(vn(2019, 12, 12, 10)):
        act(plan, "dispatch", "vanthu")
    sweep(vn(2019, 12, 12, 10, 1))
    thanh_ha = plan.deliveries.get(unit__code="mttq-thanh-ha")

    # when: the leader urges Thanh Hà that afternoon
    with at(vn(2019, 12, 12, 15)), django_capture_on_commit_callbacks(execute=True):
        services.plan_urge(
            plan=plan, delivery=thanh_ha, actor=user_of("lanhdao"), level="remind", message="Đề nghị báo cáo ngay."
        )

    # then: the e-mail names the report's due time, the one it is late for, not the acknowledgement's
    sent = [m for m in mail.outbox if "cb-thanh-ha@planflow.local" in m.to and "NHẮC NHỞ" in m.subject]
    assert sent and "10/12/2019" in sent[0].subject + sent[0].body and "12/12/2019" not in sent[0].subject
    note = Notification.objects.filter(recipient__username="cb-thanh-ha", reminder__urge__isnull=False).get()
    assert "Đề nghị báo cáo ngay." in note.body and "Trần Văn Hùng" in note.body
