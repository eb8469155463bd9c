"""Error pages (403, 404, 500) are ours and in Vietnamese, not viewflow's English lock screens."""

from __future__ import annotations

import pytest
from django.urls import include, path, reverse

from config import urls as config_urls

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("a bug")


# This module is also a URLconf (used with `@pytest.mark.urls(__name__)`): every real URL plus one that
# fails, with the error handlers of config/urls.py (Django reads them from the root URLconf).
urlpatterns = [path("boom/", boom), path("", include("config.urls"))]
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
