"""`manage.py audit_verify`: check the audit hash chain and name the first broken record."""

from django.core.management.base import BaseCommand, CommandError

from documents.audit import verify_chain


class Command(BaseCommand):
    help = "Kiểm tra chuỗi băm của nhật ký; báo bản ghi đầu tiên bị sửa, xóa hoặc cắt."

    def handle(self, *args, **options) -> None:
        checked, broken = verify_chain()
        if broken is not None:
            where = f"bản ghi số {broken.sequence}" + (f" (id {broken.event_id})" if broken.event_id else "")
            raise CommandError(
                f"Chuỗi nhật ký không còn nguyên vẹn tại {where}: {broken.reason}. Đã kiểm {checked} bản ghi."
            )
        self.stdout.write(self.style.SUCCESS(f"Chuỗi nhật ký nguyên vẹn: {checked} bản ghi."))
