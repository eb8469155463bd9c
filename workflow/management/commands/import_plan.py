"""`manage.py import_plan FILE --as USERNAME`: a plan file becomes a draft of the user's unit."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from documents.errors import DomainError
from documents.models import Membership, Unit
from documents.recognition import RecognitionError, decode_upload
from workflow import services as flow


class Command(BaseCommand):
    help = "Nhập một tệp kế hoạch (.txt, .docx, .pdf) thành dự thảo của đơn vị người soạn."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Tệp kế hoạch")
        parser.add_argument("--as", dest="username", required=True, help="Tên đăng nhập của người soạn")
        parser.add_argument("--issuer", help="Mã đơn vị ban hành, khi người soạn thuộc nhiều đơn vị")

    def handle(self, *args, file: str, username: str, issuer: str | None = None, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}")
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"Không có người dùng {username!r}") from None
        units = Unit.objects.filter(memberships__user=user, memberships__role=Membership.Role.DRAFTER)
        if issuer:
            units = units.filter(code=issuer)
        units = list(units.distinct())
        if len(units) != 1:
            names = ", ".join(u.code for u in units) or "không có"
            raise CommandError(f"Hãy chọn đúng một đơn vị ban hành bằng --issuer (đơn vị soạn được: {names}).")
        try:
            text = decode_upload(path.name, path.read_bytes(), max_bytes=settings.PLANFLOW_UPLOAD_MAX_BYTES)
            plan, recognition = flow.plan_import_and_start(issuer=units[0], drafter=user, text=text)
        except (RecognitionError, DomainError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Đã tạo dự thảo #{plan.pk}: {plan.title}")
        self.stdout.write(f"  Căn cứ: {len(plan.legal_basis)} · Các phần: {len(plan.sections)}")
        if plan.schedule_start or plan.schedule_end:
            self.stdout.write(f"  Thời gian thực hiện: {plan.schedule_start:%d/%m/%Y} – {plan.schedule_end:%d/%m/%Y}")
        for recipient in plan.recipients.select_related("unit").order_by("position", "id"):
            target = (
                recipient.unit.name
                if recipient.unit
                else ("(bản lưu)" if recipient.purpose == "archive" else "(chưa xác định)")
            )
            flag = " ⚠ cần văn thư xử lý" if recipient.needs_attention else ""
            self.stdout.write(f"  Nơi nhận: {recipient.phrase} → {target} [{recipient.get_purpose_display()}]{flag}")
        for warning in getattr(recognition, "warnings", []):
            self.stdout.write(self.style.WARNING(f"  Cảnh báo: {warning}"))
