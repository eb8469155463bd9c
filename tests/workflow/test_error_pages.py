"""Error pages (403, 404, 500) are ours and in Vietnamese, not viewflow's English lock screens."""

from __future__ import annotations

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from django.urls import include, path, reverse

from config import urls as config_urls

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("a bug")


def suspicious(request):
    raise SuspiciousOperation("a malformed request")


# This module is also a URLconf (used with `@pytest.mark.urls(__name__)`): every real URL plus one that
# fails, with the error handlers of config/urls.py (Django reads them from the root URLconf).
urlpatterns = [path("boom/", boom), path("suspicious/", suspicious), path("", include("config.urls"))]
handler400 = config_urls.handler400
handler500 = config_urls.handler500


def test_guessed_plan_id_answers_our_404_page(client_of, seed_plan):
    # given: a plan of the province's drafter, and an officer of a unit that never received it
    outsider = client_of("cb-tp-hai-duong")

    # when
    responses = [
        outsider.get(reverse("plans:detail", args=[seed_plan.pk])),
        outsider.get(reverse("plans:detail", args=[seed_plan.pk + 1000])),
        outsider.get("/khong-co-trang-nay/"),
    ]

    # then
    for response in responses:
        assert response.status_code == 404
        assert [t.name for t in response.templates][:1] == ["workflow/404.html"]
        body = response.content.decode()
        assert "404 – Không tìm thấy" in body
        assert seed_plan.title not in body
        assert "Page not found" not in body


def test_forbidden_action_answers_our_403_page_with_the_reason(client_of, seed_plan, advance):
    # given: a plan in execution; the clerk may not withdraw it
    plan = advance(seed_plan, through="dispatch")

    # when
    response = client_of("vanthu").post(reverse("plans:withdraw", args=[plan.pk]), {"reason": "x"})

    # then
    assert response.status_code == 403
    body = response.content.decode()
    assert "403 – Không có quyền thực hiện" in body
    assert 'id="error-page"' in body and "Về danh sách kế hoạch" in body
    plan.refresh_from_db()
    assert plan.state == "in_execution"


def test_dashboard_of_someone_who_leads_no_unit_is_403(client_of):
    response = client_of("chuyenvien").get(reverse("dashboard"))

    assert response.status_code == 403
    assert "Trang tổng hợp dành cho lãnh đạo đơn vị." in response.content.decode()


@pytest.mark.urls(__name__)
def test_unexpected_error_answers_our_500_page(client_of):
    # given: a view that raises, and a client that returns the 500 page instead of re-raising
    client = client_of("chuyenvien")
    client.raise_request_exception = False

    # when
    response = client.get("/boom/")

    # then
    assert response.status_code == 500
    body = response.content.decode()
    assert "500 – Lỗi hệ thống" in body
    assert '<html lang="vi">' in body
    assert "Server error" not in body


@pytest.mark.urls(__name__)
def test_bad_request_answers_our_400_page(client_of):
    response = client_of("chuyenvien").get("/suspicious/")

    assert response.status_code == 400
    assert [t.name for t in response.templates][:1] == ["workflow/400.html"]
    body = response.content.decode()
    assert "400 – Yêu cầu không hợp lệ" in body
    assert "Không có gì được thay đổi." in body
    assert "Bad Request" not in body


def test_stale_form_answers_our_csrf_page_and_changes_nothing(user_of, seed_plan, advance):
    # given: a plan in execution and a leader whose form carries no valid CSRF token
    plan = advance(seed_plan, through="dispatch")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user_of("lanhdao"))

    # when
    response = browser.post(reverse("plans:withdraw", args=[plan.pk]), {"reason": "Thu hồi để sửa."})

    # then
    assert response.status_code == 403
    assert [t.name for t in response.templates][:1] == ["workflow/403_csrf.html"]
    body = response.content.decode()
    assert "403 – Biểu mẫu không còn hiệu lực" in body
    assert "Thao tác chưa được ghi nhận." in body
    assert "CSRF verification failed" not in body
    plan.refresh_from_db()
    assert plan.state == "in_execution"


def test_csrf_page_in_english(user_of):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user_of("chuyenvien"))
    browser.cookies["django_language"] = "en"

    response = browser.post(reverse("notifications:read_all"))

    assert response.status_code == 403
    assert "403 – The form is no longer valid" in response.content.decode()
