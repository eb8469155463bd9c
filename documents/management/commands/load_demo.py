"""`manage.py load_demo`: load the demo directory and accounts (idempotent)."""

from django.core.management.base import BaseCommand

from documents.demo import demo_logins, load_demo


class Command(BaseCommand):
    help = "Nạp danh bạ và tài khoản mẫu (chạy lại nhiều lần không thay đổi gì)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--list-logins", action="store_true", help="Chỉ in danh sách tài khoản mẫu.")

    def handle(self, *args, list_logins: bool = False, **options) -> None:
        if not list_logins:
            created = load_demo()
            self.stdout.write(
                f"Đã nạp dữ liệu mẫu: {created['units']} đơn vị, {created['users']} người dùng, "
                f"{created['roles']} vai trò mới."
            )
        for login in demo_logins():
            self.stdout.write(f"  {login.username:<16} {login.password:<14} {login.description}")
