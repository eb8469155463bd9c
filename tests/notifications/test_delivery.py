"""Delivery of a reminder: one in-app notification and one e-mail, by the person's choice, exactly once."""

from __future__ import annotations

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.urls import reverse

from documents.demo import district_committee
from notifications import services
from notifications.models import EmailMode, Notification, NotificationPreference, OutboundEmail, Reminder
from notifications.services.delivery import EmailGaveUp, EmailInFlight
from tests.notifications.conftest import vn

pytestmark = pytest.mark.django_db


class RefusingBackend(LocmemBackend):
    """A mail server that hangs up: what leaves the process is the only thing we fake."""

    def send_messages(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def overdue_gia_loc(december_plan, at, django_capture_on_commit_callbacks):
    """The plan dispatched, and the sweep of Fri 13/12 08:00 written but not yet delivered."""
    december_plan()
    with at(vn(2019, 12, 13, 8, 0)), django_capture_on_commit_callbacks(execute=False):
        services.deadlines_sweep(now=vn(2019, 12, 13, 8, 0), fire_timers=False)
    return Reminder.objects.get(recipient__username="cb-gia-loc", step="overdue-1")


def test_a_due_reminder_gives_one_notification_and_one_email_naming_the_plan_and_deadline(overdue_gia_loc, at):
    with at(vn(2019, 12, 13, 8, 0, 5)):
        assert services.reminder_deliver(reminder_id=overdue_gia_loc.pk) == "sent"

    notification = Notification.objects.get()
    assert notification.recipient.username == "cb-gia-loc"
    assert notification.reminder == overdue_gia_loc
    assert notification.title == (
        "Kế hoạch số 01/KH-MTTQ-BTT: MTTQ huyện Gia Lộc – xác nhận đã nhận kế hoạch – đã quá hạn 1 ngày làm việc "
        "(hết ngày 12/12/2019)"
    )
    assert notification.url == reverse("plans:detail", args=[overdue_gia_loc.obligation.plan_id])
    assert notification.level == Notification.Level.WARN
    [email] = mail.outbox
    assert email.to == ["cb-gia-loc@planflow.local"]
    assert email.subject == (
        "[planflow] Kế hoạch số 01/KH-MTTQ-BTT – hạn tiếp nhận hết ngày 12/12/2019 – đã quá hạn 1 ngày làm việc "
        "– MTTQ huyện Gia Lộc"
    )
    assert "Ban Thường trực Ủy ban MTTQ huyện Gia Lộc cần xác nhận đã nhận kế hoạch." in email.body
    assert f"https://planflow.example.vn/plans/{overdue_gia_loc.obligation.plan_id}/" in email.body
    assert "Bạn nhận thư này vì là cán bộ tiếp nhận của đơn vị phải thực hiện." in email.body
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html" and "<strong>Kế hoạch số 01/KH-MTTQ-BTT</strong>" in html
    assert email.extra_headers["Message-ID"] == f"<planflow.reminder.{overdue_gia_loc.pk}@planflow.local>"
    overdue_gia_loc.refresh_from_db()
    assert overdue_gia_loc.sent_at == vn(2019, 12, 13, 8, 0, 5)
    assert overdue_gia_loc.email.state == OutboundEmail.State.SENT


def test_delivering_the_same_reminder_twice_sends_once(overdue_gia_loc):
    services.reminder_deliver(reminder_id=overdue_gia_loc.pk)
    assert services.reminder_deliver(reminder_id=overdue_gia_loc.pk) == "already"
    assert Notification.objects.count() == len(mail.outbox) == 1


def test_email_off_gives_the_notification_only(overdue_gia_loc, user_of):
    services.preference_update(user=user_of("cb-gia-loc"), email_mode=EmailMode.OFF)
    services.reminder_deliver(reminder_id=overdue_gia_loc.pk)
    assert Notification.objects.count() == 1
    assert mail.outbox == []
    overdue_gia_loc.refresh_from_db()
    assert (overdue_gia_loc.email_mode, overdue_gia_loc.email) == (EmailMode.OFF, None)


def test_a_person_without_an_address_gets_the_notification_only(overdue_gia_loc, user_of):
    user_of("cb-gia-loc").__class__.objects.filter(username="cb-gia-loc").update(email="")
    services.reminder_deliver(reminder_id=overdue_gia_loc.pk)
    assert Notification.objects.count() == 1 and mail.outbox == []


def test_the_daily_digest_sends_one_email_of_the_waiting_reminders_once(december_plan, sweep, user_of, at):
    # given Gia Lộc's officer chose the digest, and two days of reminders
    services.preference_update(user=user_of("cb-gia-loc"), email_mode=EmailMode.DIGEST)
    december_plan()
    sweep(vn(2019, 12, 12, 10, 1))
    sweep(vn(2019, 12, 13, 8, 0))
    officer = Reminder.objects.filter(recipient__username="cb-gia-loc")
    assert officer.count() == 3  # the new-task notice on arrival, the due step, overdue day 1
    assert Notification.objects.filter(recipient__username="cb-gia-loc").count() == 3
    assert not [m for m in mail.outbox if m.to == ["cb-gia-loc@planflow.local"]]

    # when the digest runs on Sat 14/12 at 07:00, twice
    mail.outbox.clear()
    with at(vn(2019, 12, 14, 7, 0)):
        first = services.digests_send(now=vn(2019, 12, 14, 7, 0))
        second = services.digests_send(now=vn(2019, 12, 14, 7, 0, 30))
        for email_id in first:  # what send_email_task does
            services.email_deliver(email_id=email_id)

    # then one e-mail with the notice and both reminders, and nothing more
    assert len(first) == 1 and second == []
    [digest] = mail.outbox
    assert digest.to == ["cb-gia-loc@planflow.local"]
    assert digest.subject == "[planflow] Tổng hợp nhắc việc ngày 14/12/2019: 3 việc"
    assert "đến hạn" in digest.body and "đã quá hạn 1 ngày làm việc" in digest.body
    assert "Việc mới: Kế hoạch số 01/KH-MTTQ-BTT" in digest.body
    assert set(officer.values_list("digest_id", flat=True)) == {first[0]}


def test_a_failing_mail_server_is_retried_then_marked_failed_and_shown_in_the_admin(
    overdue_gia_loc, settings, admin_client
):
    # given a mail server that hangs up, and three attempts allowed
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    settings.PLANFLOW_EMAIL_DELIVERY = {"max_attempts": 3}

    # when the reminder is delivered and retried
    for _ in range(2):
        with pytest.raises(SMTPServerDisconnected):
            services.reminder_deliver(reminder_id=overdue_gia_loc.pk)
        email = OutboundEmail.objects.get()
        assert email.state == OutboundEmail.State.PENDING
    with pytest.raises(EmailGaveUp):
        services.reminder_deliver(reminder_id=overdue_gia_loc.pk)

    # then the in-app notification went once, the e-mail is failed with its error, nothing is silent
    email = OutboundEmail.objects.get()
    assert (email.state, email.attempts) == (OutboundEmail.State.FAILED, 3)
    assert (
        "lần 3/3" in email.last_error and "SMTPServerDisconnected: Connection unexpectedly closed" in email.last_error
    )
    assert Notification.objects.count() == 1
    assert services.reminder_deliver(reminder_id=overdue_gia_loc.pk) == "already"  # a failed e-mail stays failed
    page = admin_client.get(reverse("admin:notifications_reminder_changelist") + "?email__state__exact=failed")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Gửi lỗi" in html and "SMTPServerDisconnected: Connection unexpectedly closed" in html


def test_an_attempt_whose_worker_died_is_sent_again_once_its_lease_is_over(overdue_gia_loc, at):
    # given the first attempt claimed the e-mail (committed "sending") and its worker was killed
    with at(vn(2019, 12, 13, 8, 0, 5)):
        services.reminder_deliver(reminder_id=overdue_gia_loc.pk)
    mail.outbox.clear()
    email = OutboundEmail.objects.get()
    OutboundEmail.objects.filter(pk=email.pk).update(
        state=OutboundEmail.State.SENDING, sent_at=None, lease_until=vn(2019, 12, 13, 8, 6, 5), attempts=1
    )

    # when the task is delivered again while the lease runs: it waits
    with at(vn(2019, 12, 13, 8, 1)), pytest.raises(EmailInFlight) as busy:
        services.reminder_deliver(reminder_id=overdue_gia_loc.pk)
    assert busy.value.retry_in == 305
    assert mail.outbox == []

    # and after the lease: sent once more, with the same Message-ID
    with at(vn(2019, 12, 13, 8, 7)):
        assert services.reminder_deliver(reminder_id=overdue_gia_loc.pk) == OutboundEmail.State.SENT
        assert services.reminder_deliver(reminder_id=overdue_gia_loc.pk) == "already"
    [again] = mail.outbox
    assert again.extra_headers["Message-ID"] == email.message_id
    email.refresh_from_db()
    assert (email.state, email.attempts) == (OutboundEmail.State.SENT, 2)
    assert Notification.objects.count() == 1


def test_an_email_retried_after_the_obligation_was_done_is_not_sent(overdue_gia_loc, settings, act, at):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with pytest.raises(SMTPServerDisconnected):
        services.reminder_deliver(reminder_id=overdue_gia_loc.pk)
    plan = overdue_gia_loc.obligation.plan
    with at(vn(2019, 12, 13, 9)):
        act(plan, "acknowledge", "cb-gia-loc", delivery=plan.deliveries.get(unit=district_committee("gia-loc")))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert services.reminder_deliver(reminder_id=overdue_gia_loc.pk) == OutboundEmail.State.CANCELED
    assert mail.outbox == []


def test_the_send_task_is_idempotent_and_retries_smtp_errors_with_backoff_and_jitter():
    from notifications.tasks import send_email_task, send_reminder_task

    for task in (send_reminder_task, send_email_task):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
        assert task.autoretry_for == (services.delivery.SMTPException, OSError)
        assert task.retry_backoff == 60
        assert task.retry_backoff_max == 1800
        assert task.retry_jitter is True
        assert task.max_retries == 6
    from notifications.tasks import send_reminders_task

    assert (send_reminders_task.acks_late, send_reminders_task.reject_on_worker_lost) == (True, True)


def test_preference_defaults_to_immediate(user_of):
    assert services.delivery.preference_of(user_of("cb-gia-loc").pk).email_mode == EmailMode.IMMEDIATE
    assert not NotificationPreference.objects.exists()
    assert timedelta(seconds=360) == services.email_settings().lease
