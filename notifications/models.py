"""Data of planflow's notifications app (issue 4).

- `CalendarDay`: the admin's days off and make-up working days (the working-day calendar).
- `Obligation`: one open human task of a plan, with its responsible unit, due time and the
  time of its next reminder. Opened by the beat sweep by reconciliation with viewflow's
  tasks (notifications reads `workflow`; `workflow` never calls notifications).
- `Reminder`: one message to one person, for one step of an obligation (the new-task notice
  "opened" when it opens, "3 working days before", "due today", "overdue day 2"), for one
  manual urging (`Urge`), or for one hand-back recorded in the audit trail (an event notice:
  a plan returned or not approved, a delivery refused, a report returned, a plan withdrawn).
  Its unique key
  is what makes a reminder exist once whatever runs the sweep, and how often.
- `Notification`: what the person sees in the app; `OutboundEmail`: the outbox of e-mails,
  whose state transitions make sending survive worker crashes (see `services.delivery`).
- `NotificationPreference`: immediate e-mails, a daily digest or no e-mail; the iCalendar token.
- `DeadlineDefaults`: the site-wide due times and reminder policy an admin edits (one row).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeadlineKind(models.TextChoices):
    """What an obligation asks for; each kind has its own due-time rule (`notifications.calendar`)."""

    APPROVE = "approve", _("Phê duyệt")
    REGISTER = "register", _("Vào sổ, phát hành")
    ACKNOWLEDGE = "acknowledge", _("Xác nhận đã nhận")
    REPORT = "report", _("Báo cáo")
    REVIEW = "review", _("Xem xét báo cáo")


class CalendarDay(models.Model):
    """An admin-entered exception to the working-day calendar for one date.

    Working days are Monday to Friday minus the public holidays of the Labour Code
    (Bộ luật Lao động 2019, Điều 112, as the `holidays` package knows them). Each year
    the government also moves days: a compensatory day off (nghỉ bù) against a make-up
    working Saturday (làm bù), announced by a Thông báo of the Ministry (Bộ LĐ-TB&XH,
    from 2025 Bộ Nội vụ) or a Quyết định of the Prime Minister. A row here wins over both
    the weekend and the `holidays` package for its date.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ (nghỉ lễ bổ sung, nghỉ bù)")
        WORKING_DAY = "working_day", _("Ngày làm việc (làm bù)")

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại ngày"), max_length=16, choices=Kind.choices)
    note = models.CharField(
        _("ghi chú"),
        max_length=255,
        blank=True,
        help_text=_("Ví dụ: “Nghỉ bù Tết”, “Làm bù cho ngày 29/4/2024”."),
    )
    basis = models.CharField(
        _("căn cứ"),
        max_length=255,
        blank=True,
        help_text=_("Văn bản quyết định ngày nghỉ hoặc làm bù, ví dụ: Thông báo số …/TB-LĐTBXH."),
    )

    class Meta:
        verbose_name = _("ngày nghỉ, làm bù")
        verbose_name_plural = _("lịch ngày nghỉ, làm bù")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["day_off", "working_day"]),
                name="calendarday_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}: {self.get_kind_display()}"


class DeadlineDefaults(models.Model):
    """The site-wide deadlines and reminder policy, as an admin set them in the admin site (one row).

    `values` holds only what the admin changed, in the shape of `settings.PLANFLOW_DEADLINES`
    (JSON: working days as whole numbers, "HH:MM" local times in Asia/Ho_Chi_Minh, lists,
    booleans); every key it leaves out keeps the setting's value. A plan's own overrides
    (`Plan.deadline_overrides`) are merged over the result. Read once per sweep, per
    dashboard and per form by `notifications.calendar.site_defaults`; a change applies to
    due times computed from then on (obligations opened later) and to the next reminder
    step of every open obligation, not to due times already recorded.
    """

    SINGLETON_ID = 1

    values = models.JSONField(_("giá trị đã đổi so với mặc định"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người cập nhật"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("thời hạn và chính sách nhắc việc mặc định")
        verbose_name_plural = _("thời hạn và chính sách nhắc việc mặc định")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="deadline_defaults_single_row")]

    def __str__(self) -> str:
        return str(_("Thời hạn và chính sách nhắc việc của toàn hệ thống"))


class SweepCursor(models.Model):
    """How far the sweep has read a growing table: the highest id (or sequence) it has seen.

    `name="tasks"`: viewflow's task table (`last_id` a task id), locked by the sweep that
    reconciles, so two sweeps never open obligations at once (the unique task of
    `Obligation` is the backstop). `name="events"`: the audit trail (`last_id` a
    `PlanEvent.sequence`), read for the event notices, not locked (only moved forward);
    migration 0005 put it at the trail's head of an upgraded database, so the history before
    the upgrade tells nobody anything; missing, it counts as 0 and the sweep writes it.
    """

    name = models.CharField(max_length=32, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vị trí quét việc")
        verbose_name_plural = _("vị trí quét việc")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_id}"


class Obligation(models.Model):
    """An open human task of a plan that someone must do by a due time, and its reminders' clock.

    `next_reminder_at` is the time of the next reminder step, NULL once closed or when
    nothing more is to be sent (no due time, or no step left). The beat sweep reads it
    through a partial index (`closed_at IS NULL`), never by scanning in Python. An
    obligation is closed lazily: when its next reminder comes due, the sweep first checks
    that its task is still open and its plan not withdrawn; pages read the task's status.
    """

    class CloseReason(models.TextChoices):
        DONE = "done", _("Đã xử lý")
        REFUSED = "refused", _("Đơn vị từ chối nhận")
        WITHDRAWN = "withdrawn", _("Kế hoạch bị thu hồi")

    task = models.OneToOneField(
        "viewflow.Task", verbose_name=_("việc"), on_delete=models.CASCADE, related_name="planflow_obligation"
    )
    plan = models.ForeignKey(
        "documents.Plan", verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="obligations"
    )
    delivery = models.ForeignKey(
        "documents.Delivery", null=True, blank=True, on_delete=models.CASCADE, related_name="obligations"
    )
    kind = models.CharField(_("loại việc"), max_length=16, choices=DeadlineKind.choices)
    unit = models.ForeignKey(
        "documents.Unit", verbose_name=_("đơn vị phải thực hiện"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("mở lúc"))
    due_at = models.DateTimeField(_("hạn"), null=True, blank=True)
    next_reminder_at = models.DateTimeField(_("nhắc tiếp lúc"), null=True, blank=True)
    last_step = models.CharField(_("bước nhắc gần nhất"), max_length=32, blank=True)
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)
    close_reason = models.CharField(_("lý do đóng"), max_length=16, choices=CloseReason.choices, blank=True)

    class Meta:
        verbose_name = _("việc phải làm có hạn")
        verbose_name_plural = _("việc phải làm có hạn")
        ordering = ["due_at", "id"]
        indexes = [
            # (next_reminder_at, id): the sweep's ORDER BY, read from the index without a sort even
            # when thousands of obligations share 08:00 sharp.
            models.Index(
                fields=["next_reminder_at", "id"], name="obligation_next_reminder", condition=Q(closed_at__isnull=True)
            ),
            models.Index(
                fields=["unit", "due_at"], name="obligation_open_unit_due", condition=Q(closed_at__isnull=True)
            ),
            models.Index(fields=["plan", "kind"], name="obligation_plan_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.plan} – {self.unit}"


class Urge(models.Model):
    """A manual urging (đôn đốc) of a recipient unit by a leader of the issuing unit."""

    class Level(models.TextChoices):
        REMIND = "remind", _("Nhắc nhở")
        WARN = "warn", _("Cảnh báo")

    plan = models.ForeignKey("documents.Plan", on_delete=models.CASCADE, related_name="urges")
    delivery = models.ForeignKey("documents.Delivery", on_delete=models.CASCADE, related_name="urges")
    unit = models.ForeignKey("documents.Unit", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("mức"), max_length=16, choices=Level.choices)
    message = models.TextField(_("nội dung"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("đôn đốc")
        verbose_name_plural = _("đôn đốc")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["plan", "unit"], name="urge_plan_unit")]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.unit} ({self.created_at:%d/%m/%Y %H:%M})"


class EmailMode(models.TextChoices):
    """How a person wants their e-mails; in-app notifications are always on."""

    IMMEDIATE = "immediate", _("Gửi ngay từng thư")
    DIGEST = "digest", _("Gộp một thư mỗi ngày (7 giờ sáng)")
    OFF = "off", _("Không nhận thư (chỉ thông báo trong ứng dụng)")


class OutboundEmail(models.Model):
    """One e-mail to send, rendered once; its state is the claim protocol of sending.

    pending → sending (committed with `attempts`+1 and a lease, before the SMTP call) →
    sent (committed after it). A failed attempt goes back to pending (`next_attempt_at`
    set to its retry) or, after the last one, to failed with `last_error`. A "sending" row
    whose lease ran out is an attempt whose worker died: it is sent again, with the same
    Message-ID. `canceled` when its reminder's obligation was done before it went out.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENDING = "sending", _("Đang gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi lỗi")
        CANCELED = "canceled", _("Không gửi nữa")

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Nhắc việc")
        DIGEST = "digest", _("Thư tổng hợp hằng ngày")

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.REMINDER)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    to = models.CharField(_("gửi tới"), max_length=254)
    subject = models.CharField(_("tiêu đề"), max_length=400)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, unique=True)
    digest_date = models.DateField(null=True, blank=True)
    state = models.CharField(_("trạng thái"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("thư điện tử")
        verbose_name_plural = _("thư điện tử")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "digest_date"], name="email_one_digest_a_day", condition=Q(kind="digest")
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="email_unfinished",
                condition=Q(state__in=["pending", "sending"]),
            ),
            models.Index(fields=["state", "created_at"], name="email_state_time"),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class Reminder(models.Model):
    """One reminder to one person: for a step of an obligation, for an urging, or for an event.

    Unique per (obligation, step, person), per (urging, person) and per (event, person): the
    sweep writes these with INSERT … ON CONFLICT DO NOTHING, so a second sweep of the same
    minute adds nothing. An event notice (`event` set, `step` the event's action) tells people
    of a hand-back recorded in the audit trail (`services.sweep.event_notices_write`).
    `sent_at` is set in the transaction that claims the row and writes the in-app
    notification and the e-mail to send; `canceled_at` when its obligation was done first.
    """

    obligation = models.ForeignKey(
        Obligation, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    urge = models.ForeignKey(Urge, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders")
    # No index of its own: the unique (event, recipient) constraint's partial index serves it.
    event = models.ForeignKey(
        "documents.PlanEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    step = models.CharField(_("bước"), max_length=32)
    overdue_days = models.PositiveSmallIntegerField(_("số ngày quá hạn"), default=0)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("vì sao nhận"), max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    email_mode = models.CharField(max_length=16, choices=EmailMode.choices, blank=True)
    email = models.OneToOneField(
        OutboundEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="reminder"
    )
    digest = models.ForeignKey(
        OutboundEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="digest_reminders"
    )

    class Meta:
        verbose_name = _("lần nhắc")
        verbose_name_plural = _("lần nhắc")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["obligation", "step", "recipient"],
                name="reminder_once_per_step_person",
                condition=Q(obligation__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["urge", "recipient"], name="reminder_once_per_urge_person", condition=Q(urge__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["event", "recipient"], name="reminder_once_per_event_person", condition=Q(event__isnull=False)
            ),
            models.CheckConstraint(
                condition=Q(obligation__isnull=False, urge__isnull=True, event__isnull=True)
                | Q(obligation__isnull=True, urge__isnull=False, event__isnull=True)
                | Q(obligation__isnull=True, urge__isnull=True, event__isnull=False),
                name="reminder_for_one_source",
            ),
        ]
        indexes = [
            models.Index(
                fields=["enqueued_at"],
                name="reminder_unsent",
                condition=Q(sent_at__isnull=True, canceled_at__isnull=True),
            ),
            models.Index(
                fields=["recipient", "created_at"],
                name="reminder_digest_waiting",
                condition=Q(email_mode="digest", digest__isnull=True, sent_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} → {self.recipient}"


class Notification(models.Model):
    """An in-app notification of one person; unread until they mark it read."""

    class Level(models.TextChoices):
        INFO = "info", _("Thông tin")
        REMIND = "remind", _("Nhắc nhở")
        WARN = "warn", _("Cảnh báo")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reminder = models.OneToOneField(
        Reminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="notification"
    )
    plan = models.ForeignKey("documents.Plan", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.INFO)
    title = models.CharField(_("tiêu đề"), max_length=300)
    body = models.TextField(_("nội dung"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_person_time"),
            models.Index(fields=["recipient"], name="notification_unread", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """A person's e-mail choice and the secret token of their iCalendar feed (NULL: no feed)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email_mode = models.CharField(
        _("nhận thư điện tử"), max_length=16, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )
    ical_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    ical_token_created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tùy chọn thông báo")
        verbose_name_plural = _("tùy chọn thông báo")

    def __str__(self) -> str:
        return f"{self.user}: {self.get_email_mode_display()}"
