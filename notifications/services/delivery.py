"""Delivery of reminders: the in-app notification, then the e-mail, each exactly once.

Two stages, each idempotent by data (issue 4, "Reliability"):

1. `reminder_deliver` claims the reminder row (`SELECT … FOR UPDATE SKIP LOCKED`, `sent_at
   IS NULL`) and, in the same transaction, writes the in-app `Notification` (unique per
   reminder), the rendered `OutboundEmail` (unique Message-ID per reminder) when the person
   wants immediate e-mails, and `sent_at`. A second run finds `sent_at` set and does nothing
   but resume the e-mail if it is unfinished.
2. `email_deliver` sends an outbox row by a committed claim: `sending` with `attempts`+1 and
   a lease is committed BEFORE the SMTP call, `sent` right AFTER it. No database
   transaction stays open across the network call. A run that finds `sending` with a live
   lease leaves it to its owner (`EmailInFlight`: retry when the lease ends); with the
   lease over, the owner died in the SMTP call and the e-mail is sent again, with the same
   Message-ID. The lease outlives the task's hard time limit, so no owner is still alive
   then.

What this guarantees: a worker killed anywhere before the SMTP server accepted the
message (before or during the conversation) produces exactly one e-mail after the
restart; a worker killed in the instant between the server's "250 OK" and the commit of
`sent` makes one duplicate with the same Message-ID (mail clients fold those). We chose
at-least-once in that instant over at-most-once: a lost deadline reminder is the worse
failure, and the instant is one local UPDATE long.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from documents.models import Plan
from notifications import content
from notifications.calendar import local_date
from notifications.models import EmailMode, Notification, NotificationPreference, OutboundEmail, Reminder
from workflow.services import OPEN_TASK_STATES

logger = logging.getLogger(__name__)

TRANSIENT_EMAIL_ERRORS = (SMTPException, OSError)


class EmailInFlight(Exception):
    """Another worker holds the e-mail's lease; try again when it ends."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"e-mail in flight, lease ends in {retry_in:.0f} s")
        self.retry_in = retry_in


class EmailGaveUp(Exception):
    """The last attempt failed: the e-mail is marked failed (visible in the admin)."""


@dataclass(frozen=True)
class EmailDelivery:
    """Retry policy of e-mails: `settings.PLANFLOW_EMAIL_DELIVERY` over these defaults."""

    max_attempts: int
    backoff_seconds: int
    backoff_max_seconds: int
    lease: timedelta
    timeout_seconds: float


# What a reminder's message needs (person, obligation, urge or event, plan, unit), loaded with the reminder.
_REMINDER_CONTENT = (
    "recipient",
    "obligation__task",
    "obligation__plan",
    "obligation__unit",
    "obligation__delivery__unit",
    "urge__plan",
    "urge__unit",
    "urge__delivery",
    "urge__actor",
    "event__plan__issuer",
    "event__actor",
    "event__delivery__unit",
)


def email_settings() -> EmailDelivery:
    """The e-mail retry policy; the lease outlives the task's hard time limit."""
    cfg = getattr(settings, "PLANFLOW_EMAIL_DELIVERY", {})
    time_limit = getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 300
    return EmailDelivery(
        max_attempts=int(cfg.get("max_attempts", 6)),
        backoff_seconds=int(cfg.get("backoff_seconds", 60)),
        backoff_max_seconds=int(cfg.get("backoff_max_seconds", 1800)),
        lease=timedelta(seconds=float(cfg.get("lease_seconds", time_limit + 60))),
        timeout_seconds=float(cfg.get("timeout_seconds", getattr(settings, "EMAIL_TIMEOUT", None) or 30)),
    )


def preference_of(user_id: int) -> NotificationPreference:
    """The person's preference, or the default (immediate e-mails, no calendar) unsaved."""
    return NotificationPreference.objects.filter(user_id=user_id).first() or NotificationPreference(user_id=user_id)


# --- stage 1: the reminder ---------------------------------------------------------------


def reminders_deliver(*, reminder_ids: list[int]) -> dict[str, int]:
    """Deliver a batch of reminders, one after the other; returns how many ended how.

    An e-mail that fails (SMTP error) or that another worker holds goes on alone in
    `send_reminder_task`, with the backoff of its retries; after the first SMTP error the
    rest of the batch does not try the server again (it gets its in-app notifications, and
    its e-mails go on alone the same way), so a dead server never holds a batch for long.
    """
    from celery.utils.time import get_exponential_backoff_interval

    from notifications.tasks import send_reminder_task

    policy = email_settings()
    outcomes: dict[str, int] = {}
    server_failing = False

    def hand_over(reminder_id: int, countdown: float, why: str) -> None:
        logger.info("reminder %s: e-mail goes on alone in %.0f s (%s)", reminder_id, countdown, why)
        send_reminder_task.apply_async((reminder_id,), countdown=countdown)
        outcomes["handed over"] = outcomes.get("handed over", 0) + 1

    def backoff() -> float:
        return get_exponential_backoff_interval(
            factor=policy.backoff_seconds, retries=0, maximum=policy.backoff_max_seconds, full_jitter=True
        )

    for reminder_id in reminder_ids:
        email_id, outcome = _reminder_claim(reminder_id=reminder_id)
        if email_id is not None:
            if server_failing:
                hand_over(reminder_id, backoff(), "the mail server failed earlier in this batch")
                continue
            try:
                outcome = email_deliver(email_id=email_id)
            except TRANSIENT_EMAIL_ERRORS as error:
                server_failing = True
                hand_over(reminder_id, backoff(), f"{type(error).__name__}: {error}")
                continue
            except EmailInFlight as busy:
                hand_over(reminder_id, busy.retry_in + 1, "another worker holds it")
                continue
            except EmailGaveUp:
                outcome = OutboundEmail.State.FAILED
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def reminder_deliver(*, reminder_id: int) -> str:
    """Deliver one reminder: in-app notification and, by preference, its e-mail; returns what happened."""
    email_id, outcome = _reminder_claim(reminder_id=reminder_id)
    if email_id is not None:
        return email_deliver(email_id=email_id)
    return outcome


def _reminder_claim(*, reminder_id: int) -> tuple[int | None, str]:
    now = timezone.now()
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=reminder_id, sent_at__isnull=True, canceled_at__isnull=True)
            .select_related(*_REMINDER_CONTENT)
            .first()
        )
        if reminder is None:
            # Sent before (or held by another worker right now): resume its e-mail if unfinished.
            email_id = (
                Reminder.objects.filter(
                    pk=reminder_id, email__state__in=[OutboundEmail.State.PENDING, OutboundEmail.State.SENDING]
                )
                .values_list("email_id", flat=True)
                .first()
            )
            return email_id, "already"
        over = reminder_is_over(reminder)
        if over:
            reminder.canceled_at = now
            reminder.cancel_reason = over
            reminder.save(update_fields=["canceled_at", "cancel_reason"])
            return None, "canceled"
        message = content.reminder_message(reminder)
        if reminder.urge_id:
            plan_id = reminder.urge.plan_id
        elif reminder.event_id:
            plan_id = reminder.event.plan_id
        else:
            plan_id = reminder.obligation.plan_id
        Notification.objects.create(
            recipient_id=reminder.recipient_id,
            reminder=reminder,
            plan_id=plan_id,
            level=message.level,
            title=message.title,
            body=message.body,
            url=message.url,
            created_at=now,
        )
        mode = preference_of(reminder.recipient_id).email_mode
        if mode != EmailMode.OFF and not reminder.recipient.email:
            mode = EmailMode.OFF
        email = None
        if mode == EmailMode.IMMEDIATE:
            email = OutboundEmail.objects.create(
                kind=OutboundEmail.Kind.REMINDER,
                recipient_id=reminder.recipient_id,
                to=reminder.recipient.email,
                subject=message.subject,
                body_text=message.text,
                body_html=message.html,
                message_id=content.message_id("reminder", str(reminder.pk)),
                created_at=now,
                next_attempt_at=now,
            )
        reminder.email = email
        reminder.email_mode = mode
        reminder.sent_at = now
        reminder.save(update_fields=["email", "email_mode", "sent_at"])
    return (email.pk if email else None), "sent"


def reminder_is_over(reminder: Reminder) -> str:
    """Why the reminder must not go any more ("" while it should): its obligation is done or withdrawn.

    Read at send time, so a reminder stops the moment its obligation is done, refused or
    withdrawn, even when it was queued before. An event notice always goes: it tells of
    something that happened, and stays true whatever happens next.
    """
    if reminder.event_id:
        return ""
    if reminder.urge_id:
        urge = reminder.urge
        if urge.plan.state != Plan.State.IN_EXECUTION:
            return "kế hoạch không còn đang thực hiện"
        if urge.delivery.is_closed:
            return "đơn vị đã hoàn thành hoặc không còn phải thực hiện"
        return ""
    obligation = reminder.obligation
    if obligation.plan.state == Plan.State.WITHDRAWN:
        return "kế hoạch đã bị thu hồi"
    if obligation.delivery_id and obligation.delivery.state in ("refused", "withdrawn"):
        return "đơn vị đã từ chối nhận hoặc văn bản đã thu hồi"
    if obligation.task.status not in OPEN_TASK_STATES:
        return "việc đã được xử lý"
    return ""


# --- stage 2: the e-mail -------------------------------------------------------------------


def email_deliver(*, email_id: int) -> str:
    """Send one outbox e-mail by the claim protocol above; returns its final state for this run.

    Raises the SMTP error (SMTPException, OSError) for Celery to retry while attempts remain,
    `EmailGaveUp` after the last one (the row is then failed, with the error), and
    `EmailInFlight` when another worker holds the lease.
    """
    policy = email_settings()
    now = timezone.now()
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None:
            return "gone"
        if email.state not in (OutboundEmail.State.PENDING, OutboundEmail.State.SENDING):
            return email.state
        if email.state == OutboundEmail.State.SENDING and email.lease_until and email.lease_until > now:
            raise EmailInFlight((email.lease_until - now).total_seconds())
        over = _email_is_over(email)
        if over:
            email.state = OutboundEmail.State.CANCELED
            email.last_error = over
            email.lease_until = email.next_attempt_at = None
            email.save(update_fields=["state", "last_error", "lease_until", "next_attempt_at"])
            return email.state
        email.state = OutboundEmail.State.SENDING
        email.attempts += 1
        email.lease_until = email.next_attempt_at = now + policy.lease
        email.last_attempt_at = now
        email.save(update_fields=["state", "attempts", "lease_until", "next_attempt_at", "last_attempt_at"])
    attempt = email.attempts
    mine = OutboundEmail.objects.filter(pk=email_id, state=OutboundEmail.State.SENDING, attempts=attempt)
    try:
        _smtp_send(email, timeout=policy.timeout_seconds)
    except TRANSIENT_EMAIL_ERRORS as error:
        final = attempt >= policy.max_attempts
        failed_at = timezone.now()
        text = f"lần {attempt}/{policy.max_attempts}, {failed_at:%d/%m/%Y %H:%M:%S}: {type(error).__name__}: {error}"
        mine.update(
            state=OutboundEmail.State.FAILED if final else OutboundEmail.State.PENDING,
            last_error=text[:2000],
            lease_until=None,
            next_attempt_at=None if final else failed_at + timedelta(seconds=policy.backoff_max_seconds),
            failed_at=failed_at if final else None,
        )
        if final:
            logger.error("e-mail %s failed after %d attempts: %s", email_id, attempt, error)
            raise EmailGaveUp(text) from error
        raise
    mine.update(state=OutboundEmail.State.SENT, sent_at=timezone.now(), lease_until=None, next_attempt_at=None)
    return OutboundEmail.State.SENT


def _email_is_over(email: OutboundEmail) -> str:
    if email.kind != OutboundEmail.Kind.REMINDER:
        return ""
    reminder = (
        Reminder.objects.filter(email_id=email.pk)
        .select_related("obligation__task", "obligation__plan", "obligation__delivery", "urge__plan", "urge__delivery")
        .first()
    )
    return reminder_is_over(reminder) if reminder else ""


def _smtp_send(email: OutboundEmail, *, timeout: float) -> None:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": email.message_id},
        connection=get_connection(timeout=timeout),
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    message.send(fail_silently=False)


# --- the daily digest ---------------------------------------------------------------------

DIGEST_PEOPLE_LIMIT = 5000


def digests_send(*, now: datetime | None = None) -> list[int]:
    """Write today's digest e-mail of every person who chose the digest and has reminders waiting.

    One digest a person a day (unique key), so a second run the same day writes nothing; a
    reminder that arrives after today's digest waits for tomorrow's. Each e-mail is handed
    to `send_email_task` after its transaction commits. Returns the ids of the e-mails.
    """
    from notifications.tasks import send_email_task

    now = now or timezone.now()
    day = local_date(now)
    people = list(
        Reminder.objects.filter(email_mode=EmailMode.DIGEST, digest__isnull=True, sent_at__isnull=False)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()[:DIGEST_PEOPLE_LIMIT]
    )
    done_today = set(
        OutboundEmail.objects.filter(
            kind=OutboundEmail.Kind.DIGEST, digest_date=day, recipient_id__in=people
        ).values_list("recipient_id", flat=True)
    )
    users = get_user_model().objects.in_bulk([p for p in people if p not in done_today])
    written = []
    for person in users.values():
        try:
            with transaction.atomic():
                email = _digest_write(person=person, day=day, now=now)
                if email is not None and email.state == OutboundEmail.State.PENDING:
                    send_email_task.delay_on_commit(email.pk)
        except IntegrityError:
            continue  # another run wrote this person's digest first
        if email is not None:
            written.append(email.pk)
    return written


def _digest_write(*, person, day, now: datetime) -> OutboundEmail | None:
    waiting = list(
        Reminder.objects.select_for_update(of=("self",))
        .filter(recipient=person, email_mode=EmailMode.DIGEST, digest__isnull=True, sent_at__isnull=False)
        .select_related(*_REMINDER_CONTENT)
        .order_by("created_at", "pk")
    )
    if not waiting:
        return None
    live = [r for r in waiting if not reminder_is_over(r)]
    wants_mail = bool(person.email) and preference_of(person.pk).email_mode == EmailMode.DIGEST
    subject, text, html = content.digest_message(person, live, day) if live else ("", "", "")
    email = OutboundEmail.objects.create(
        kind=OutboundEmail.Kind.DIGEST,
        recipient=person,
        to=person.email,
        subject=subject or f"[planflow] Tổng hợp nhắc việc ngày {day:%d/%m/%Y}",
        body_text=text,
        body_html=html,
        message_id=content.message_id("digest", f"{person.pk}.{day:%Y%m%d}"),
        digest_date=day,
        state=OutboundEmail.State.PENDING if live and wants_mail else OutboundEmail.State.CANCELED,
        last_error="" if live and wants_mail else "không còn việc nào cần nhắc, hoặc người nhận đã tắt thư",
        created_at=now,
        next_attempt_at=now if live and wants_mail else None,
    )
    Reminder.objects.filter(pk__in=[r.pk for r in waiting]).update(digest=email)
    return email
