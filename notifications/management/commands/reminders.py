"""`manage.py reminders [--dry-run] [--at ISO-TIME]`: what the deadline sweep sends, to whom and why."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from notifications import selectors, services
from notifications.calendar import VN_TZ, to_local
from notifications.content import ACTIONS, due_label, plan_label, step_label


class Command(BaseCommand):
    help = (
        "Chạy một lần quét hạn xử lý (mở việc, gửi nhắc đến hạn). Với --dry-run: chỉ in ra sẽ gửi gì, "
        "cho ai, vì sao, không thay đổi gì. --at: thời điểm giả định (ISO 8601, giờ Việt Nam nếu không ghi múi giờ)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print what would happen; change nothing")
        parser.add_argument("--at", help="the time to simulate, ISO 8601 (e.g. 2019-12-23T08:00); only with --dry-run")

    def handle(self, *args, dry_run: bool, at: str | None, **options) -> None:
        if at and not dry_run:
            raise CommandError("--at chỉ dùng với --dry-run: một lần quét thật luôn chạy ở thời điểm hiện tại.")
        moment = _parse(at) if at else timezone.now()
        if not dry_run:
            result = services.deadlines_sweep(now=moment)
            self.stdout.write(
                f"Đã mở {result.opened} việc (giao gửi {result.notices} thông báo việc mới), đóng {result.closed}, "
                f"giao gửi {result.reminders} lần nhắc "
                f"(gửi lại {result.requeued_reminders} nhắc, {result.requeued_emails} thư bị thất lạc)."
            )
            if result.event_notices:
                self.stdout.write(f"Giao gửi {result.event_notices} thông báo trả lại, từ chối nhận, thu hồi.")
            return
        preview = selectors.reminders_preview(at=moment)
        out = self.stdout
        out.write(f"Chạy thử lúc {to_local(moment):%d/%m/%Y %H:%M %z} – không thay đổi gì.")
        out.write(f"Sẽ mở {len(preview.to_open)} việc mới:")
        for obligation in preview.to_open:
            out.write(
                f"  + {ACTIONS[obligation.kind]} – {plan_label(obligation.plan)} – {obligation.unit.name} – "
                f"hạn {due_label(obligation.due_at)}"
            )
        notices = sum(len(item.recipients) for item in preview.to_notify)
        out.write(f"Sẽ gửi {notices} thông báo việc mới (một lần cho mỗi việc và mỗi người):")
        self._write_items(preview.to_notify)
        told = sum(len(item.recipients) for item in preview.to_tell)
        out.write(f"Sẽ gửi {told} thông báo trả lại, từ chối nhận, thu hồi (một lần cho mỗi sự việc và mỗi người):")
        for item in preview.to_tell:
            event = item.notice.event
            comment = " ".join(event.comment.split())
            out.write(f"  [{event.action}] {plan_label(event.plan)} – {event.get_action_display()} – {comment}")
            self._write_recipients(item.recipients)
        out.write(f"Sẽ đóng {len(preview.to_close)} việc (đã xử lý, từ chối hoặc thu hồi), không nhắc nữa:")
        for obligation in preview.to_close:
            out.write(
                f"  - {ACTIONS[obligation.kind]} – {plan_label(obligation.plan)} – {obligation.unit.name} "
                f"({obligation.get_close_reason_display()})"
            )
        total = sum(len(item.recipients) for item in preview.to_send)
        out.write(f"Sẽ gửi {total} lần nhắc:")
        self._write_items(preview.to_send)

    def _write_items(self, items: list[selectors.PreviewItem]) -> None:
        out = self.stdout
        for item in items:
            obligation, step = item.decision.obligation, item.decision.step
            out.write(
                f"  [{step.key}] {plan_label(obligation.plan)} – {ACTIONS[obligation.kind]} – {obligation.unit.name} – "
                f"hạn {due_label(obligation.due_at)} – {step_label(step.key, step.overdue_days)}"
            )
            self._write_recipients(item.recipients)

    def _write_recipients(self, recipients: list[selectors.PreviewRecipient]) -> None:
        for recipient in recipients:
            user = recipient.user
            address = user.email or "không có địa chỉ thư"
            self.stdout.write(
                f"      → {user.get_username()} ({user.get_full_name() or user.get_username()}, {address}): "
                f"{recipient.reason}; thư: {recipient.email_mode}"
            )


def _parse(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--at: không đọc được thời điểm {value!r} (ISO 8601, ví dụ 2019-12-23T08:00)") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VN_TZ)
    return moment
