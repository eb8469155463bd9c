"""Celery entry points of planflow (beat and workers); each calls one service with ids.

- `sweep_deadlines_task` (beat, every minute, expires before the next): obligations,
  reminders due, recovery of lost sends, viewflow's timers.
- `send_reminders_task` (a batch of reminder ids from the sweep), `send_reminder_task` (one
  reminder: the e-mail of a batch that failed, retried alone) and `send_email_task` (workers):
  idempotent by data (see `services.delivery`), hence `acks_late=True` and
  `reject_on_worker_lost=True`: a message whose worker died is delivered again, and
  delivering it again does no harm. SMTP errors are retried with exponential backoff and
  full jitter; the retry countdowns stay far below the broker's visibility timeout
  (config/settings/base.py).
- `send_digests_task` (beat, daily at 07:00 local time).
"""

from __future__ import annotations

from celery import shared_task

from notifications import services
from notifications.services.delivery import TRANSIENT_EMAIL_ERRORS

_EMAIL = services.email_settings()
_SEND_OPTIONS = {
    "bind": True,
    "ignore_result": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_EMAIL_ERRORS,
    "retry_backoff": _EMAIL.backoff_seconds,
    "retry_backoff_max": _EMAIL.backoff_max_seconds,
    "retry_jitter": True,
    # The outbox row counts attempts and marks the last one failed; Celery allows one more
    # so that it never gives up before the row does.
    "max_retries": _EMAIL.max_attempts,
}


@shared_task(name="notifications.tasks.sweep_deadlines_task", ignore_result=True)
def sweep_deadlines_task() -> int:
    """Run the deadline sweep now; returns the number of reminders handed to the workers."""
    return services.deadlines_sweep().reminders


@shared_task(name="notifications.tasks.send_reminder_task", **_SEND_OPTIONS)
def send_reminder_task(self, reminder_id: int) -> str:
    """Deliver one reminder (in-app, then e-mail by the person's choice)."""
    try:
        return services.reminder_deliver(reminder_id=reminder_id)
    except services.EmailInFlight as busy:
        raise self.retry(countdown=busy.retry_in + 1, max_retries=self.request.retries + 1) from None


@shared_task(
    name="notifications.tasks.send_reminders_task",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def send_reminders_task(reminder_ids: list[int]) -> dict[str, int]:
    """Deliver a batch of reminders handed over by the sweep; failing e-mails go on alone (`send_reminder_task`)."""
    return services.reminders_deliver(reminder_ids=reminder_ids)


@shared_task(name="notifications.tasks.send_email_task", **_SEND_OPTIONS)
def send_email_task(self, email_id: int) -> str:
    """Send one outbox e-mail (a digest, or a reminder's e-mail handed again after a loss)."""
    try:
        return services.email_deliver(email_id=email_id)
    except services.EmailInFlight as busy:
        raise self.retry(countdown=busy.retry_in + 1, max_retries=self.request.retries + 1) from None


@shared_task(name="notifications.tasks.send_digests_task", ignore_result=True, acks_late=True)
def send_digests_task() -> int:
    """Write and queue today's digest e-mails; returns how many."""
    return len(services.digests_send())
