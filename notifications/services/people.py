"""A person's own settings and notifications: e-mail preference, calendar token, read marks."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.errors import DomainError
from notifications.models import EmailMode, Notification, NotificationPreference


def _preference_locked(user: AbstractBaseUser) -> NotificationPreference:
    NotificationPreference.objects.get_or_create(user_id=user.pk)
    return NotificationPreference.objects.select_for_update().get(user_id=user.pk)


def preference_update(*, user: AbstractBaseUser, email_mode: str) -> NotificationPreference:
    """Choose immediate e-mails, one daily digest, or none (in-app notifications stay)."""
    if email_mode not in EmailMode.values:
        raise DomainError(_("Cách nhận thư không hợp lệ."))
    with transaction.atomic():
        preference = _preference_locked(user)
        if preference.email_mode != email_mode:
            preference.email_mode = email_mode
            preference.save(update_fields=["email_mode"])
    return preference


def ical_token_regenerate(*, user: AbstractBaseUser) -> str:
    """Make a new secret calendar address for `user`; the old address stops working at once."""
    with transaction.atomic():
        preference = _preference_locked(user)
        preference.ical_token = secrets.token_urlsafe(32)
        preference.ical_token_created_at = timezone.now()
        preference.save(update_fields=["ical_token", "ical_token_created_at"])
    return preference.ical_token


def ical_token_revoke(*, user: AbstractBaseUser) -> None:
    """Turn the calendar address off."""
    NotificationPreference.objects.filter(user_id=user.pk).update(ical_token=None, ical_token_created_at=None)


def notification_mark_read(*, user: AbstractBaseUser, notification_id: int) -> Notification:
    """Mark one of `user`'s notifications read; Http404 for anyone else's (a guessed id reveals nothing)."""
    notification = Notification.objects.filter(pk=notification_id, recipient_id=user.pk).first()
    if notification is None:
        raise Http404(_("Không tìm thấy thông báo."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, user: AbstractBaseUser) -> int:
    """Mark every unread notification of `user` read; returns how many."""
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())
