"""English mode outside the plan pages: the sign-in and password pages' tab titles, the admin's
titles and calendar, the dashboard's chart legend (plural)."""

import datetime as dt
import html
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from notifications.models import CalendarDay

pytestmark = pytest.mark.django_db


def _client(language: str, client: Client | None = None) -> Client:
    client = client or Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _title(response) -> str:
    assert response.status_code == 200, response.status_code
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert match, "no <title>"
    return " ".join(html.unescape(match.group(1)).split())


LOCK_SCREENS = [
    # (url, Vietnamese title, English title)
    ("/accounts/login/", "Đăng nhập – planflow", "Log in – planflow"),
    ("/accounts/password_reset/", "Đặt lại mật khẩu – planflow", "Reset password – planflow"),
    (
        "/accounts/password_reset/done/",
        "Đã gửi hướng dẫn đặt lại mật khẩu – planflow",
        "Password reset instructions sent – planflow",
    ),
    ("/accounts/reset/MQ/set-password/", "Nhập mật khẩu mới – planflow", "Enter a new password – planflow"),
    ("/accounts/reset/done/", "Đã đặt lại mật khẩu – planflow", "Password reset complete – planflow"),
]


@pytest.mark.parametrize(("url", "vietnamese", "english"), LOCK_SCREENS)
def test_lock_screen_tab_titles_read_planflow_in_the_readers_language(url, vietnamese, english):
    assert _title(_client("vi").get(url)) == vietnamese
    assert _title(_client("en").get(url)) == english


def test_signed_in_lock_screens_and_sign_out_read_planflow(client_of):
    client = client_of("chuyenvien")

    assert _title(_client("en", client).get("/accounts/password_change/")) == "Change password – planflow"
    assert _title(_client("vi", client).get("/accounts/password_change/done/")) == "Đã đổi mật khẩu – planflow"
    # signing out goes back to the sign-in page (LOGOUT_REDIRECT_URL)
    assert _title(_client("en", client).post("/accounts/logout/", follow=True)) == "Log in – planflow"


def test_the_sign_in_page_names_planflow_not_viewflows_demo():
    page = _client("en").get("/accounts/login/").content.decode()

    assert "Plans, documents and deadlines" in page
    for other in ("Django Material", "Viewflow Demo suite"):
        assert other not in page, other


def test_admin_titles_read_planflow(demo):
    admin = get_user_model().objects.create_superuser("quantri", "quantri@planflow.local", "x")
    client = Client()
    client.force_login(admin)

    assert _title(_client("en", client).get(reverse("admin:index"))) == "Site administration | planflow"
    english = _client("en", client).get(reverse("admin:index")).content.decode()
    vietnamese = _client("vi", client).get(reverse("admin:index")).content.decode()
    assert "planflow administration" in english and "Django administration" not in english
    assert "Quản trị planflow" in vietnamese


def test_admin_calendar_names_days_in_the_readers_language(demo):
    admin = get_user_model().objects.create_superuser("quantri", "quantri@planflow.local", "x")
    client = Client()
    client.force_login(admin)
    CalendarDay.objects.create(date=dt.date(2026, 12, 5), kind=CalendarDay.Kind.WORKING_DAY, note="Làm bù")
    CalendarDay.objects.create(date=dt.date(2026, 12, 9), kind=CalendarDay.Kind.DAY_OFF, note="Nghỉ bù")
    url = reverse("admin:notifications_calendarday_changelist")

    english = html.unescape(_client("en", client).get(url).content.decode())
    vietnamese = html.unescape(_client("vi", client).get(url).content.decode())

    # 5/12/2026 is a Saturday (a weekend without the row), 9/12/2026 a Wednesday (a working day)
    for text in ("Saturday", "Weekend", "Wednesday", "Working day"):
        assert f">{text}<" in english, text
    for text in ("Thứ Bảy", "Nghỉ cuối tuần", "Thứ Tư", "Ngày làm việc"):
        assert f">{text}<" in vietnamese, text
        assert f">{text}<" not in english, text


def test_dashboard_chart_legend_counts_one_item_or_several(client_of):
    # with no plan sent yet the chart's scale is its minimum, 1
    url = reverse("dashboard")
    english = html.unescape(_client("en", client_of("lanhdao")).get(url).content.decode())
    vietnamese = html.unescape(_client("vi", client_of("lanhdao")).get(url).content.decode())

    assert "Tallest bar: 1 item." in english and "Tallest bar: 1 items." not in english
    assert "Chiều cao cao nhất: 1 việc." in vietnamese
    singular, plural = "Chiều cao cao nhất: %(chart_scale)s việc.", "Chiều cao cao nhất: %(chart_scale)s việc."
    with translation.override("en"):
        assert translation.ngettext(singular, plural, 1) % {"chart_scale": 1} == "Tallest bar: 1 item."
        assert translation.ngettext(singular, plural, 7) % {"chart_scale": 7} == "Tallest bar: 7 items."
