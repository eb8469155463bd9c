"""`manage.py import_directory UNITS.csv [PEOPLE.csv] [--dry-run]`: load the directory from CSV files."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from documents.directory import directory_import, set_password_links, summary_lines


class Command(BaseCommand):
    help = (
        "Nạp danh mục đơn vị và người dùng từ tệp CSV (docs/directory.md). Tệp có lỗi thì không ghi gì "
        "và in mọi lỗi (mã thoát 1); nạp lại cùng tệp không thay đổi gì."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("units", help="Tệp CSV các đơn vị (ghi '-' nếu chỉ nạp người dùng).")
        parser.add_argument("people", nargs="?", help="Tệp CSV người dùng và vai trò (không bắt buộc).")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra và đếm, không ghi gì.")
        parser.add_argument("--as", dest="actor", help="Tên đăng nhập của người nạp (ghi vào nhật ký giao vai trò).")
        parser.add_argument(
            "--links",
            action="store_true",
            help="In đường dẫn đặt mật khẩu cho các tài khoản mới tạo (dùng một lần, hết hạn sau 3 ngày).",
        )

    def handle(self, *args, units: str, people: str | None, dry_run: bool, actor: str | None, links: bool, **options):
        acting = None
        if actor:
            acting = get_user_model().objects.filter(username=actor).first()
            if acting is None:
                raise CommandError(f"Không có người dùng '{actor}'.")
        result = directory_import(
            units_data=_read(units) if units != "-" else None,
            people_data=_read(people) if people else None,
            actor=acting,
            dry_run=dry_run,
        )
        if not result.ok:
            for error in result.errors:
                self.stderr.write(error.full)
            raise CommandError(f"Không nạp gì: {len(result.errors)} lỗi.")
        self.stdout.write("Kiểm tra xong, chưa ghi gì (--dry-run):" if dry_run else "Đã nạp danh mục:")
        for line in summary_lines(result):
            self.stdout.write(f"  {line}")
        if links and not dry_run and result.new_users:
            self.stdout.write("Đường dẫn đặt mật khẩu cho tài khoản mới:")
            for username, url in set_password_links(
                usernames=result.new_users, site_url=settings.PLANFLOW_SITE_URL
            ).items():
                self.stdout.write(f"  {username}: {url}")


def _read(name: str) -> bytes:
    path = Path(name)
    if not path.is_file():
        raise CommandError(f"Không có tệp {name}.")
    return path.read_bytes()
