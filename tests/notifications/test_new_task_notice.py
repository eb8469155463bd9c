"""The new-task notice ("Việc mới"): whoever must act is told once, in the sweep that opens the obligation."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from documents import services as document_services
from documents.demo import PROVINCIAL_COMMITTEE, demo_unit, district_committee
from documents.models import Membership
from notifications import services
from notifications.models import (
    DeadlineKind,
    EmailMode,
    Notification,
    Obligation,
    OutboundEmail,
    Reminder,
    SweepCursor,
)
from notifications.reminders import OPENED
from tests.notifications.conftest import vn

pytestmark = pytest.mark.django_db


def notices(**filters) -> list[tuple[str, str, str]]:
    """(obligation kind, unit code, username) of the new-task notices, sorted."""
    return sorted(
        Reminder.objects.filter(step=OPENED, **filters).values_list(
            "obligation__kind", "obligation__unit__code", "recipient__username"
        )
    )


def notice_mails() -> list:
    return [m for m in mail.outbox if "Việc mới" in m.subject]


def test_a_submitted_plan_is_announced_to_the_leader_at_once(december_plan, sweep):
    # given a plan submitted Mon 9/12/2019 09:00 (approval due at the end of Wed 11/12)
    plan = december_plan(through="submit")

    # when the sweep of the next minute runs
    result = sweep(vn(2019, 12, 9, 9, 1))

    # then the leader, who must approve it, is told once, in the app and by e-mail
    assert (result.opened, result.notices, result.reminders) == (1, 1, 0)
    assert notices() == [(DeadlineKind.APPROVE, "mttq-tinh-hai-duong", "lanhdao")]
    [note] = Notification.objects.all()
    assert note.recipient.username == "lanhdao"
    assert note.level == Notification.Level.INFO
    assert note.url == reverse("plans:detail", args=[plan.pk])
    assert note.title.startswith("Việc mới: Kế hoạch “")
    assert "(chưa có số)" in note.title
    assert note.title.endswith("– duyệt kế hoạch (hạn duyệt hết ngày 11/12/2019)")
    assert note.body == (
        "Ban Thường trực Ủy ban MTTQ tỉnh Hải Dương có việc mới: duyệt kế hoạch; hạn duyệt hết ngày 11/12/2019. "
        "Bạn nhận thông báo này vì là lãnh đạo của đơn vị phải thực hiện."
    )
    [email] = mail.outbox
    assert email.to == ["lanhdao@planflow.local"]
    assert email.subject.startswith("[planflow] Việc mới: Kế hoạch “")
    assert "(chưa có số) – duyệt kế hoạch – hạn duyệt hết ngày 11/12/2019 –" in email.subject
    assert "Có việc mới cần bạn xử lý." in email.body
    assert f"https://planflow.example.vn/plans/{plan.pk}/" in email.body
    # and the step schedule is unchanged: the next step is one working day before, Tue 10/12 08:00
    approval = Obligation.objects.get(plan=plan)
    assert (approval.next_reminder_at, approval.last_step) == (vn(2019, 12, 10, 8, 0), "")


def test_a_dispatched_plan_is_announced_to_each_recipient_units_officer_once(december_plan, sweep):
    # given the plan dispatched Thu 12/12/2019 10:00 to eleven units
    plan = december_plan()

    # when the sweep runs on arrival, again in the same minute, and the next mornings
    first = sweep(vn(2019, 12, 12, 10, 1))
    again = sweep(vn(2019, 12, 12, 10, 1, 30))
    sweep(vn(2019, 12, 13, 8, 0))
    sweep(vn(2019, 12, 16, 8, 0))

    # then each unit's officer got one notice of its acknowledgement, from the first sweep only
    officers = sorted(
        (DeadlineKind.ACKNOWLEDGE, unit_code, username)
        for unit_code, username in Membership.objects.filter(
            unit__in=plan.deliveries.values("unit"), role=Membership.Role.OFFICER
        ).values_list("unit__code", "user__username")
    )
    assert len(officers) == plan.deliveries.count() == 11
    assert notices() == officers
    assert (first.notices, again.notices) == (11, 0)
    assert Reminder.objects.filter(step=OPENED).values("created_at").distinct().count() == 1
    assert Notification.objects.filter(reminder__step=OPENED).count() == 11
    gia_loc = [m for m in notice_mails() if m.to == ["cb-gia-loc@planflow.local"]]
    assert [m.subject for m in gia_loc] == [
        "[planflow] Việc mới: Kế hoạch số 01/KH-MTTQ-BTT – xác nhận đã nhận kế hoạch – "
        "hạn tiếp nhận hết ngày 12/12/2019 – MTTQ huyện Gia Lộc"
    ]
    assert len(notice_mails()) == 11


def test_an_obligation_done_before_the_sweep_gets_no_notice(december_plan, sweep, act, at):
    # given Gia Lộc acknowledged the plan before any sweep saw its task
    plan = december_plan()
    with at(vn(2019, 12, 12, 10, 0, 30)):
        act(plan, "acknowledge", "cb-gia-loc", delivery=plan.deliveries.get(unit=district_committee("gia-loc")))

    # when the sweep runs
    sweep(vn(2019, 12, 12, 10, 1))

    # then Gia Lộc is told of its new task (the report) but not of the acknowledgement it already did
    assert [row for row in notices() if row[1] == "mttq-gia-loc"] == [
        (DeadlineKind.REPORT, "mttq-gia-loc", "cb-gia-loc")
    ]
    assert not Obligation.objects.filter(plan=plan, unit__code="mttq-gia-loc", kind=DeadlineKind.ACKNOWLEDGE).exists()


def test_a_withdrawn_plan_announces_no_new_task(december_plan, sweep, user_of, at):
    from workflow import services as flow

    plan = december_plan()
    with at(vn(2019, 12, 12, 10, 0, 30)):
        flow.plan_withdraw(plan=plan, actor=user_of("lanhdao"), reason="Ban hành nhầm")
    sweep(vn(2019, 12, 12, 10, 1))
    assert notices() == []
    # the withdrawal itself is told (tests/notifications/test_event_notices.py); no new task is
    assert not Notification.objects.filter(reminder__event__isnull=True).exists()
    assert mail.outbox and all(m.subject.startswith("[planflow] Kế hoạch đã bị thu hồi") for m in mail.outbox)


def test_tasks_found_late_are_announced_once(december_plan, sweep):
    # given the beat down from the dispatch (Thu 12/12) to Tue 17/12 09:00
    december_plan()

    # when it comes back, and later the cursor is read again from the start (lookback, recovery)
    late = sweep(vn(2019, 12, 17, 9, 0))
    SweepCursor.objects.update(last_id=0)
    later = sweep(vn(2019, 12, 17, 9, 5))

    # then each task old as it is gets one notice (beside the latest step, overdue day 3)
    assert (late.notices, later.notices, later.opened) == (11, 0, 0)
    assert Reminder.objects.filter(step=OPENED).count() == 11
    assert set(Reminder.objects.values_list("step", flat=True)) == {OPENED, "overdue-3"}


def test_the_notice_follows_the_email_preference(december_plan, sweep, user_of):
    # given Gia Lộc's officer wants a daily digest, Tứ Kỳ's officer no e-mail
    services.preference_update(user=user_of("cb-gia-loc"), email_mode=EmailMode.DIGEST)
    services.preference_update(user=user_of("cb-tu-ky"), email_mode=EmailMode.OFF)
    december_plan()

    # when the plan arrives and is swept
    sweep(vn(2019, 12, 12, 10, 1))

    # then both see it in the app, neither gets an immediate e-mail; the digest holds Gia Lộc's
    for username, mode in (("cb-gia-loc", EmailMode.DIGEST), ("cb-tu-ky", EmailMode.OFF)):
        reminder = Reminder.objects.get(step=OPENED, recipient__username=username)
        assert (reminder.email_mode, reminder.email_id) == (mode, None)
        assert Notification.objects.filter(reminder=reminder).count() == 1
        assert not [m for m in mail.outbox if m.to == [f"{username}@planflow.local"]]
    assert [m.to for m in notice_mails()].count(["cb-cam-giang@planflow.local"]) == 1
    digest_ids = services.digests_send(now=vn(2019, 12, 13, 7, 0))
    digest = OutboundEmail.objects.get(pk__in=digest_ids, recipient__username="cb-gia-loc")
    assert "Việc mới: Kế hoạch số 01/KH-MTTQ-BTT" in digest.body_text


def test_a_deputy_in_force_is_announced_what_the_leader_is(december_plan, sweep, at, user_of):
    # given the leader away on Mon 9/12/2019, the clerk standing in
    with at(vn(2019, 12, 8, 8, 0)):
        document_services.deputyship_create(
            unit=demo_unit(PROVINCIAL_COMMITTEE),
            leader=user_of("lanhdao"),
            deputy=user_of("vanthu"),
            starts_on=dt.date(2019, 12, 9),
            ends_on=dt.date(2019, 12, 9),
            reason="Công tác",
            actor=user_of("lanhdao"),
        )

    # when a plan is submitted that day and swept
    december_plan(through="submit")
    sweep(vn(2019, 12, 9, 9, 1))

    # then both are told, each once, with the reason
    assert sorted(Reminder.objects.filter(step=OPENED).values_list("recipient__username", "reason")) == [
        ("lanhdao", "lãnh đạo của đơn vị phải thực hiện"),
        ("vanthu", "người thay mặt lãnh đạo của đơn vị phải thực hiện"),
    ]


def test_the_dry_run_shows_the_notices_and_writes_nothing(december_plan):
    # given a plan submitted Mon 9/12 09:00 and not swept yet
    december_plan(through="submit")

    # when a dry run looks at the next minute
    out = StringIO()
    call_command("reminders", "--dry-run", "--at", "2019-12-09T09:01", stdout=out)
    text = out.getvalue()

    # then it shows the notice, to whom and why, and nothing is written
    assert "Sẽ mở 1 việc mới:" in text
    assert "Sẽ gửi 1 thông báo việc mới (một lần cho mỗi việc và mỗi người):" in text
    assert "(chưa có số) – duyệt kế hoạch – Ban Thường trực Ủy ban MTTQ tỉnh Hải Dương – " in text
    assert "hạn hết ngày 11/12/2019 – việc mới" in text
    assert "  [opened] Kế hoạch “" in text
    assert (
        "      → lanhdao (Trần Văn Hùng, lanhdao@planflow.local): lãnh đạo của đơn vị phải thực hiện; thư: immediate"
    ) in text
    assert "Sẽ gửi 0 lần nhắc:" in text
    assert not Obligation.objects.exists() and not Reminder.objects.exists()


def test_an_arrived_report_is_announced_to_the_issuers_drafter(december_plan, sweep, act, at):
    # given Gia Lộc acknowledged and sent its report before the next sweep
    plan = december_plan()
    sweep(vn(2019, 12, 12, 10, 1))
    delivery = plan.deliveries.get(unit=district_committee("gia-loc"))
    with at(vn(2019, 12, 12, 10, 30)):
        act(plan, "acknowledge", "cb-gia-loc", delivery=delivery)
    with at(vn(2019, 12, 12, 11, 0)):
        act(plan, "report", "cb-gia-loc", delivery=delivery, text="Đã ra quân ngày 12/12/2019.")

    # when the sweep runs
    result = sweep(vn(2019, 12, 12, 11, 1))

    # then the issuer's drafter is told to review it; the report task, done already, is announced to nobody
    assert result.notices == 1
    assert notices(created_at=vn(2019, 12, 12, 11, 1)) == [(DeadlineKind.REVIEW, "mttq-tinh-hai-duong", "chuyenvien")]
    [note] = Notification.objects.filter(recipient__username="chuyenvien")
    assert note.title == (
        "Việc mới: Kế hoạch số 01/KH-MTTQ-BTT: Ban Thường trực UB MTTQ tỉnh – xem xét báo cáo kết quả của "
        "MTTQ huyện Gia Lộc (hạn xem xét báo cáo hết ngày 16/12/2019)"
    )
