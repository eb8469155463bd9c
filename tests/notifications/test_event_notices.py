"""Event notices: a hand-back (plan returned or not approved, delivery refused, report returned, plan
withdrawn) tells the people it hands something back to, once, in the app and by e-mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents import services as document_services
from documents.demo import PROVINCIAL_COMMITTEE, demo_unit, district_committee
from documents.models import Delivery, Membership, PlanEvent
from notifications.models import EmailMode, Notification, NotificationPreference, OutboundEmail, Reminder, SweepCursor
from notifications.reminders import EVENT_CURSOR, OPENED
from notifications.services import sweep as sweep_module
from tests.notifications.conftest import vn

pytestmark = pytest.mark.django_db

PLAN_URL_PREFIX = "https://planflow.example.vn/plans/"


def told(action: str) -> list[str]:
    """Usernames that got an in-app notification of an event notice of `action`, sorted."""
    return sorted(
        Notification.objects.filter(reminder__event__action=action).values_list("recipient__username", flat=True)
    )


def mails_to(username: str, subject_part: str) -> list:
    return [m for m in mail.outbox if m.to == [f"{username}@planflow.local"] and subject_part in m.subject]


def test_a_returned_plan_tells_its_drafter_with_the_leaders_comment(december_plan, act, at, sweep):
    # given a submitted plan, swept (the leader told of the approval waiting)
    plan = december_plan(through="submit")
    sweep(vn(2019, 12, 9, 9, 1))
    mail.outbox.clear()

    # when the leader returns it with a comment
    with at(vn(2019, 12, 9, 14, 0)):
        act(plan, "approve", "lanhdao", action="decide", decision="return", comment="Bổ sung căn cứ Luật BVMT 2014.")
    result = sweep(vn(2019, 12, 9, 14, 1))

    # then the drafter, and only she, gets one notification and one e-mail with the comment and the link
    assert result.event_notices == 1
    assert told(PlanEvent.Action.RETURN) == ["chuyenvien"]
    notification = Notification.objects.get(reminder__event__action=PlanEvent.Action.RETURN)
    assert notification.title.startswith("Kế hoạch bị trả lại để sửa: Kế hoạch “")
    assert "Bổ sung căn cứ Luật BVMT 2014." in notification.body
    assert "Trần Văn Hùng đã trả lại kế hoạch" in notification.body
    assert notification.url == f"/plans/{plan.pk}/"
    assert notification.plan_id == plan.pk
    (message,) = mails_to("chuyenvien", "Kế hoạch bị trả lại để sửa")
    assert "Bổ sung căn cứ Luật BVMT 2014." in message.body
    assert f"{PLAN_URL_PREFIX}{plan.pk}/" in message.body
    assert "Bổ sung căn cứ Luật BVMT 2014." in message.alternatives[0][0]
    assert mails_to("lanhdao", "trả lại") == []

    # and a second sweep adds nothing
    again = sweep(vn(2019, 12, 9, 14, 2))
    assert again.event_notices == 0
    assert Reminder.objects.filter(event__isnull=False).count() == 1
    assert len(mails_to("chuyenvien", "Kế hoạch bị trả lại để sửa")) == 1


def test_a_rejected_plan_tells_its_drafter_why(december_plan, act, at, sweep):
    plan = december_plan(through="submit")
    with at(vn(2019, 12, 9, 14, 0)):
        act(plan, "approve", "lanhdao", action="decide", decision="reject", comment="Trùng kế hoạch số 12.")
    sweep(vn(2019, 12, 9, 14, 1))
    sweep(vn(2019, 12, 9, 14, 2))

    assert told(PlanEvent.Action.REJECT) == ["chuyenvien"]
    notification = Notification.objects.get(reminder__event__action=PlanEvent.Action.REJECT)
    assert notification.level == Notification.Level.WARN
    assert "Lý do: Trùng kế hoạch số 12." in notification.body
    (message,) = mails_to("chuyenvien", "Kế hoạch không được duyệt")
    assert "Trùng kế hoạch số 12." in message.body


def test_a_refusal_tells_the_issuers_clerk_with_the_reason_not_the_refusing_officer(december_plan, act, at, sweep):
    # given the plan dispatched and swept on arrival
    plan = december_plan()
    sweep(vn(2019, 12, 12, 10, 1))
    mail.outbox.clear()
    delivery = plan.deliveries.get(unit=district_committee("gia-loc"))

    # when Gia Lộc refuses it as wrongly addressed
    with at(vn(2019, 12, 12, 11, 0)):
        act(plan, "acknowledge", "cb-gia-loc", delivery=delivery, refuse=True, reason="Không thuộc địa bàn huyện.")
    result = sweep(vn(2019, 12, 12, 11, 1))
    sweep(vn(2019, 12, 12, 11, 2))

    # then the issuer's clerk is told once, with the unit and its reason; nobody else
    assert result.event_notices == 1
    assert told(PlanEvent.Action.REFUSE) == ["vanthu"]
    notification = Notification.objects.get(reminder__event__action=PlanEvent.Action.REFUSE)
    assert notification.title.startswith("MTTQ huyện Gia Lộc từ chối nhận Kế hoạch số ")
    assert "Không thuộc địa bàn huyện." in notification.body
    reminder = Reminder.objects.get(event__action=PlanEvent.Action.REFUSE)
    assert reminder.reason == "văn thư của đơn vị ban hành"
    (message,) = mails_to("vanthu", "từ chối nhận")
    assert "Không thuộc địa bàn huyện." in message.body
    assert f"{PLAN_URL_PREFIX}{plan.pk}/" in message.body
    assert mails_to("cb-gia-loc", "từ chối nhận") == mails_to("lanhdao", "từ chối nhận") == []


def test_a_refusal_goes_to_the_issuers_leaders_when_it_has_no_clerk(december_plan, act, at, sweep):
    plan = december_plan()
    Membership.objects.filter(unit=demo_unit(PROVINCIAL_COMMITTEE), role=Membership.Role.CLERK).delete()
    with at(vn(2019, 12, 12, 11, 0)):
        act(
            plan,
            "acknowledge",
            "cb-gia-loc",
            delivery=plan.deliveries.get(unit=district_committee("gia-loc")),
            refuse=True,
            reason="Gửi nhầm.",
        )
    sweep(vn(2019, 12, 12, 11, 1))

    assert told(PlanEvent.Action.REFUSE) == ["lanhdao"]
    assert Reminder.objects.get(event__action=PlanEvent.Action.REFUSE).reason == "lãnh đạo của đơn vị ban hành"


def _reported(plan, act, at, sweep):
    """Gia Lộc acknowledged and reported; every sweep run in between."""
    delivery = plan.deliveries.get(unit=district_committee("gia-loc"))
    sweep(vn(2019, 12, 12, 10, 1))
    with at(vn(2019, 12, 12, 11, 0)):
        act(plan, "acknowledge", "cb-gia-loc", delivery=delivery)
    sweep(vn(2019, 12, 12, 11, 1))
    with at(vn(2019, 12, 16, 9, 0)):
        act(plan, "report", "cb-gia-loc", delivery=delivery, text="Đã ra quân ngày 12/12/2019.")
    sweep(vn(2019, 12, 16, 9, 1))
    return delivery


def test_a_returned_report_tells_the_unit_with_the_comment_and_its_new_task_once(december_plan, act, at, sweep):
    # given Gia Lộc's report waiting for review
    plan = december_plan()
    delivery = _reported(plan, act, at, sweep)
    mail.outbox.clear()

    # when the issuer's drafter returns it for more detail
    with at(vn(2019, 12, 16, 14, 0)):
        act(plan, "review", "chuyenvien", delivery=delivery, accept=False, comment="Thiếu số liệu xã Gia Khánh.")
    result = sweep(vn(2019, 12, 16, 14, 1))
    sweep(vn(2019, 12, 16, 14, 2))

    # then Gia Lộc's officer is told, with the comment; the reviewer is not
    assert result.event_notices == 1
    assert told(PlanEvent.Action.RETURN_REPORT) == ["cb-gia-loc"]
    notification = Notification.objects.get(reminder__event__action=PlanEvent.Action.RETURN_REPORT)
    assert notification.title.startswith("Báo cáo của MTTQ huyện Gia Lộc bị trả lại: ")
    assert "Thiếu số liệu xã Gia Khánh." in notification.body
    (message,) = mails_to("cb-gia-loc", "Báo cáo của")
    assert "Thiếu số liệu xã Gia Khánh." in message.body
    assert mails_to("chuyenvien", "Báo cáo của") == []
    # and the report task it re-opened is announced as new work too (the "Việc mới" of the second
    # report obligation), once, without the comment: the event notice carries it
    second = sorted(
        Reminder.objects.filter(step=OPENED, obligation__delivery=delivery, obligation__kind="report").values_list(
            "obligation__task_id", "recipient__username"
        )
    )
    assert [user for _, user in second] == ["cb-gia-loc", "cb-gia-loc"]
    assert len({task for task, _ in second}) == 2
    assert len(mails_to("cb-gia-loc", "Việc mới")) == 1


def test_a_withdrawal_tells_every_unit_still_open_and_the_drafter(december_plan, act, at, sweep):
    # given the plan dispatched; Cẩm Giàng refused it (closed), Gia Lộc acknowledged it (open)
    plan = december_plan()
    with at(vn(2019, 12, 12, 11, 0)):
        act(
            plan,
            "acknowledge",
            "cb-cam-giang",
            delivery=plan.deliveries.get(unit=district_committee("cam-giang")),
            refuse=True,
            reason="Gửi nhầm.",
        )
        act(plan, "acknowledge", "cb-gia-loc", delivery=plan.deliveries.get(unit=district_committee("gia-loc")))
    sweep(vn(2019, 12, 12, 11, 1))
    mail.outbox.clear()
    open_units = set(plan.deliveries.exclude(state__in=Delivery.CLOSED_STATES).values_list("unit__code", flat=True))
    assert len(open_units) == 10

    # when the leader withdraws it
    from workflow import services as flow

    with at(vn(2019, 12, 12, 15, 0)):
        flow.plan_withdraw(plan=plan, actor=_user("lanhdao"), reason="Ban hành nhầm phiên bản.")
    result = sweep(vn(2019, 12, 12, 15, 1))
    sweep(vn(2019, 12, 12, 15, 2))

    # then the officer of each of the ten open units and the drafter are told once, with the reason
    expected = sorted(
        [
            *Membership.objects.filter(unit__code__in=open_units, role=Membership.Role.OFFICER).values_list(
                "user__username", flat=True
            ),
            "chuyenvien",
        ]
    )
    assert len(expected) == 11
    assert "cb-cam-giang" not in expected
    assert result.event_notices == 11
    assert told(PlanEvent.Action.WITHDRAW) == expected
    for username in expected:
        (message,) = mails_to(username, "Kế hoạch đã bị thu hồi")
        assert "Ban hành nhầm phiên bản." in message.body
    bodies = Notification.objects.filter(reminder__event__action=PlanEvent.Action.WITHDRAW).values_list(
        "body", flat=True
    )
    assert all("Lý do: Ban hành nhầm phiên bản." in body for body in bodies)
    # nobody else: not the refusing unit, not the units' leaders (their officers are told), not the actor
    assert mails_to("cb-cam-giang", "thu hồi") == mails_to("lanhdao", "thu hồi") == []
    assert mails_to("ld-gia-loc", "thu hồi") == []


def test_a_plan_withdrawn_before_dispatch_tells_its_drafter_only(december_plan, at, sweep):
    from workflow import services as flow

    plan = december_plan(through="approve")
    with at(vn(2019, 12, 11, 16, 0)):
        flow.plan_withdraw(plan=plan, actor=_user("lanhdao"), reason="Chờ chỉ đạo mới.")
    sweep(vn(2019, 12, 11, 16, 1))

    assert told(PlanEvent.Action.WITHDRAW) == ["chuyenvien"]


def test_the_actor_is_never_told_of_their_own_action(december_plan, at, sweep):
    # given the drafter is also a leader of the issuing unit, and withdraws the plan herself
    from workflow import services as flow

    plan = december_plan(through="submit")
    drafter = _user("chuyenvien")
    document_services.membership_grant(user=drafter, unit=demo_unit(PROVINCIAL_COMMITTEE), role=Membership.Role.LEADER)
    with at(vn(2019, 12, 9, 16, 0)):
        flow.plan_withdraw(plan=plan, actor=drafter, reason="Soạn lại.")
    result = sweep(vn(2019, 12, 9, 16, 1))

    # then nobody is told (the drafter did it), and the cursor moved past the event all the same
    assert result.event_notices == 0
    assert told(PlanEvent.Action.WITHDRAW) == []
    head = PlanEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    assert SweepCursor.objects.get(pk=EVENT_CURSOR).last_id == head


def test_event_notices_follow_the_persons_email_mode(december_plan, act, at, sweep):
    plan = december_plan(through="submit")
    NotificationPreference.objects.create(user=_user("chuyenvien"), email_mode=EmailMode.DIGEST)
    with at(vn(2019, 12, 9, 14, 0)):
        act(plan, "approve", "lanhdao", action="decide", decision="return", comment="Sửa mục II.")
    sweep(vn(2019, 12, 9, 14, 1))

    # the notification at once, the e-mail in tomorrow's digest
    reminder = Reminder.objects.get(event__action=PlanEvent.Action.RETURN)
    assert (reminder.email_mode, reminder.email_id) == (EmailMode.DIGEST, None)
    assert told(PlanEvent.Action.RETURN) == ["chuyenvien"]
    assert mails_to("chuyenvien", "trả lại") == []
    from notifications.services import digests_send

    with at(vn(2019, 12, 10, 7, 0)):
        (digest_id,) = digests_send(now=vn(2019, 12, 10, 7, 0))
    digest = OutboundEmail.objects.get(pk=digest_id)
    assert "Sửa mục II." in digest.body_text
    assert "Kế hoạch bị trả lại để sửa" in digest.body_text


def test_history_before_the_cursor_tells_nobody(december_plan, act, at, sweep):
    # given a return recorded before the upgrade (the migration put the cursor at the trail's head)
    plan = december_plan(through="submit")
    with at(vn(2019, 12, 9, 14, 0)):
        act(plan, "approve", "lanhdao", action="decide", decision="return", comment="Cũ.")
    head = PlanEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    SweepCursor.objects.update_or_create(pk=EVENT_CURSOR, defaults={"last_id": head})

    # when the first sweep runs a day later (beyond the lookback)
    result = sweep(vn(2019, 12, 10, 14, 0))

    assert result.event_notices == 0
    assert told(PlanEvent.Action.RETURN) == []


def test_a_late_committed_event_below_the_cursor_is_still_announced(december_plan, act, at, sweep):
    # given a return whose transaction the cursor overtook (a later event was read first)
    plan = december_plan(through="submit")
    with at(vn(2019, 12, 9, 14, 0)):
        act(plan, "approve", "lanhdao", action="decide", decision="return", comment="Muộn.")
    head = PlanEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    SweepCursor.objects.update_or_create(pk=EVENT_CURSOR, defaults={"last_id": head + 5})

    # then a sweep within the lookback still tells the drafter, and the next one does not again
    assert sweep(vn(2019, 12, 9, 14, 10)).event_notices == 1
    assert sweep(vn(2019, 12, 9, 14, 11)).event_notices == 0
    assert told(PlanEvent.Action.RETURN) == ["chuyenvien"]


def _event_statements(moment) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        written = sweep_module.event_notices_write(now=moment)
    return len(queries), len(written)


def test_the_event_step_costs_the_same_statements_for_1_and_for_10_refusals(
    december_plan, act, at, sweep, django_capture_on_commit_callbacks
):
    # given the plan dispatched and swept
    plan = december_plan()
    sweep(vn(2019, 12, 12, 10, 1))
    deliveries = list(plan.deliveries.select_related("unit").order_by("pk"))
    officers = dict(
        Membership.objects.filter(unit__in=[d.unit for d in deliveries], role=Membership.Role.OFFICER).values_list(
            "unit_id", "user__username"
        )
    )

    def refuse(some, moment):
        with at(moment):
            for delivery in some:
                act(plan, "acknowledge", officers[delivery.unit_id], delivery=delivery, refuse=True, reason="Gửi nhầm.")

    # when nothing happened, one statement
    with at(vn(2019, 12, 12, 10, 2)), django_capture_on_commit_callbacks(execute=True):
        empty, _ = _event_statements(vn(2019, 12, 12, 10, 2))
    # one refusal, then ten more
    refuse(deliveries[:1], vn(2019, 12, 12, 10, 30))
    with at(vn(2019, 12, 12, 10, 31)), django_capture_on_commit_callbacks(execute=True):
        one, one_written = _event_statements(vn(2019, 12, 12, 10, 31))
    refuse(deliveries[1:11], vn(2019, 12, 12, 11, 30))
    with at(vn(2019, 12, 12, 11, 31)), django_capture_on_commit_callbacks(execute=True):
        ten, ten_written = _event_statements(vn(2019, 12, 12, 11, 31))

    assert empty == 1
    assert (one_written, ten_written) == (1, 10)  # the clerk, once per refusal
    assert one == ten
    assert told(PlanEvent.Action.REFUSE) == ["vanthu"] * 11


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_the_dry_run_lists_the_event_notices_and_writes_none(december_plan, act, at):
    from io import StringIO

    from django.core.management import call_command

    plan = december_plan()
    with at(vn(2019, 12, 12, 11, 0)):
        act(
            plan,
            "acknowledge",
            "cb-gia-loc",
            delivery=plan.deliveries.get(unit=district_committee("gia-loc")),
            refuse=True,
            reason="Không thuộc địa bàn.",
        )
    out = StringIO()
    with at(vn(2019, 12, 12, 11, 1)):
        call_command("reminders", "--dry-run", "--at", "2019-12-12T11:01", stdout=out)

    text = out.getvalue()
    assert "Sẽ gửi 1 thông báo trả lại, từ chối nhận, thu hồi" in text
    assert "[refuse] Kế hoạch số " in text
    assert "Từ chối nhận – Không thuộc địa bàn." in text
    assert "→ vanthu (Phạm Thị Hoa, vanthu@planflow.local): văn thư của đơn vị ban hành; thư: immediate" in text
    assert not Reminder.objects.filter(event__isnull=False).exists()
