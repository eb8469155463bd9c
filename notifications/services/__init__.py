"""Writes of the notifications app, one module per subdomain; import them from here."""

from notifications.services.deadlines import deadline_defaults_set, plan_deadlines_update
from notifications.services.delivery import (
    EmailGaveUp,
    EmailInFlight,
    digests_send,
    email_deliver,
    email_settings,
    reminder_deliver,
    reminders_deliver,
)
from notifications.services.people import (
    ical_token_regenerate,
    ical_token_revoke,
    notification_mark_read,
    notifications_mark_all_read,
    preference_update,
)
from notifications.services.sweep import SweepResult, deadlines_sweep, obligations_open_new
from notifications.services.urging import may_urge, plan_urge

__all__ = [
    "EmailGaveUp",
    "EmailInFlight",
    "SweepResult",
    "deadline_defaults_set",
    "deadlines_sweep",
    "digests_send",
    "email_deliver",
    "email_settings",
    "ical_token_regenerate",
    "ical_token_revoke",
    "may_urge",
    "notification_mark_read",
    "notifications_mark_all_read",
    "obligations_open_new",
    "plan_deadlines_update",
    "plan_urge",
    "preference_update",
    "reminder_deliver",
    "reminders_deliver",
]
