"""Security settings: login throttling, CSRF on every form, secure cookies in production."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from documents.models import Plan, PlanEvent
from workflow import services as flow
from workflow.flows import PlanFlow

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOCKED_TEXT = "Đăng nhập bị tạm khóa vì mật khẩu đã bị nhập sai 5 lần liên tiếp."


def login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def login_errors(response) -> list[str]:
    return [str(e) for e in response.context["form"].non_field_errors()]


# --- login throttling ------------------------------------------------------------------------


def test_login_is_locked_after_the_failure_limit_with_a_vietnamese_page(demo):
    # given
    assert settings.AXES_FAILURE_LIMIT == 5
    client = Client()

    # when: four wrong passwords, then a fifth
    answers = [login(client, "chuyenvien", f"wrong-{i}") for i in range(4)]
    fifth = login(client, "chuyenvien", "wrong-5")
    # and then the right password
    right = login(client, "chuyenvien", "planflow-demo")

    # then: the first four show the login form again, the fifth and the right one the lockout page
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    for response in (fifth, right):
        assert response.status_code == 429
        body = response.content.decode()
        assert "Tạm khóa đăng nhập" in body
        assert LOCKED_TEXT in body
        assert "Hãy thử lại sau 15 phút." in body
        assert "Account locked" not in body
    assert "_auth_user_id" not in client.session


def test_lockout_and_login_errors_do_not_reveal_whether_a_username_exists(demo):
    existing, unknown = Client(), Client()

    failures = [(login(existing, "chuyenvien", "sai"), login(unknown, "khong-co-ai", "sai")) for _ in range(4)]
    locked = (login(existing, "chuyenvien", "sai"), login(unknown, "khong-co-ai", "sai"))

    for a, b in failures:
        assert a.status_code == b.status_code == 200
        assert login_errors(a) == login_errors(b) != []
    assert locked[0].status_code == locked[1].status_code == 429
    assert locked[0].content == locked[1].content


def test_lock_is_per_username_and_address(demo):
    # given: chuyenvien locked from 10.0.0.1
    client = Client(REMOTE_ADDR="10.0.0.1")
    for i in range(5):
        login(client, "chuyenvien", f"wrong-{i}")
    assert login(client, "chuyenvien", "planflow-demo").status_code == 429

    # then: a colleague behind the same address, and the same person from another address, still log in
    assert login(Client(REMOTE_ADDR="10.0.0.1"), "lanhdao", "planflow-demo").status_code == 302
    assert login(Client(REMOTE_ADDR="10.0.0.2"), "chuyenvien", "planflow-demo").status_code == 302


def test_a_successful_login_resets_the_count(demo):
    client = Client()
    for i in range(4):
        login(client, "chuyenvien", f"wrong-{i}")

    assert login(client, "chuyenvien", "planflow-demo").status_code == 302
    client.logout()

    # four more failures are again under the limit
    answers = [login(client, "chuyenvien", f"again-{i}").status_code for i in range(4)]
    assert answers == [200, 200, 200, 200]
    assert login(client, "chuyenvien", "planflow-demo").status_code == 302


def test_lock_ends_after_the_cool_off(demo):
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False):
        for i in range(5):
            login(client, "chuyenvien", f"wrong-{i}")
        assert login(client, "chuyenvien", "planflow-demo").status_code == 429

    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert login(client, "chuyenvien", "planflow-demo").status_code == 429

    # the attempt at minute 14 was refused by the lock and started the cool-off again
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert login(client, "chuyenvien", "planflow-demo").status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=16 + 16), tick=False):
        response = login(client, "chuyenvien", "planflow-demo")
    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL


# --- CSRF ------------------------------------------------------------------------------------

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)


def post_forms(html: str) -> list[tuple[str, str]]:
    """(attributes, inner html) of every form with method=post in the page."""
    return [(attrs, inner) for attrs, inner in FORM.findall(html) if re.search(r"method=[\"']?post", attrs, re.I)]


def assert_every_post_form_has_a_token(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    forms = post_forms(response.content.decode())
    for attrs, inner in forms:
        assert 'name="csrfmiddlewaretoken"' in inner, f"{url}: form {attrs.strip()} has no CSRF token"
    return len(forms)


def run_step(plan: Plan, node_name: str, user_of) -> Plan:
    """One step of `tests.conftest.STEPS_TO_DISPATCH`, as the demo user who takes it."""
    from tests.conftest import STEPS_TO_DISPATCH

    _node, username, action_name, data = next(step for step in STEPS_TO_DISPATCH if step[0] == node_name)
    actor = user_of(username)
    task = flow.open_task(plan=plan, node=getattr(PlanFlow, node_name))
    with flow.task_activation(task_id=task.pk, actor=actor) as activation:
        getattr(flow, action_name)(activation=activation, actor=actor, **data)
    plan.refresh_from_db()
    return plan


def task_page(client: Client, plan: Plan, node) -> str:
    task = flow.open_task(plan=plan, node=node)
    taken = client.post(reverse("plans:task", args=[task.pk]))
    assert taken.status_code == 302
    return taken["Location"]


def test_every_post_form_of_our_pages_carries_a_csrf_token(client_of, user_of, seed_plan, django_user_model):
    # given: the seed plan as a draft, then in execution, seen by each person who acts on it
    drafter, leader, clerk = client_of("chuyenvien"), client_of("lanhdao"), client_of("vanthu")
    counted = 0
    counted += assert_every_post_form_has_a_token(Client(), LOGIN)
    for url in (
        reverse("plans:list"),
        reverse("plans:import"),
        reverse("plans:edit", args=[seed_plan.pk]),
        reverse("plans:detail", args=[seed_plan.pk]),
        reverse("notifications:list"),
        reverse("notifications:preferences"),
        reverse("notifications:deadlines", args=[seed_plan.pk]),
        task_page(drafter, seed_plan, PlanFlow.submit),
    ):
        counted += assert_every_post_form_has_a_token(drafter, url)
    plan = run_step(seed_plan, "submit", user_of)
    counted += assert_every_post_form_has_a_token(leader, task_page(leader, plan, PlanFlow.approve))
    plan = run_step(plan, "approve", user_of)
    counted += assert_every_post_form_has_a_token(clerk, task_page(clerk, plan, PlanFlow.register))
    plan = run_step(plan, "register", user_of)
    counted += assert_every_post_form_has_a_token(clerk, task_page(clerk, plan, PlanFlow.dispatch))
    plan = run_step(plan, "dispatch", user_of)
    for client in (leader, clerk):
        counted += assert_every_post_form_has_a_token(client, reverse("plans:detail", args=[plan.pk]))
    counted += assert_every_post_form_has_a_token(leader, reverse("notifications:urge", args=[plan.pk]))
    officer = client_of("cb-gia-loc")
    counted += assert_every_post_form_has_a_token(officer, reverse("plans:detail", args=[plan.pk]))
    delivery = plan.deliveries.get(unit__code="mttq-gia-loc")
    task = flow.open_task(plan=plan, node=PlanFlow.acknowledge, delivery=delivery)
    taken = officer.post(reverse("plans:task", args=[task.pk]))
    counted += assert_every_post_form_has_a_token(officer, taken["Location"])
    admin = django_user_model.objects.create_superuser("quantri", "q@example.org", "x-secret-123")
    admin_client = Client()
    admin_client.force_login(admin)
    counted += assert_every_post_form_has_a_token(admin_client, reverse("admin:documents_unit_import"))
    # then: the scan found forms at all (the language switch on every page, the task forms, …)
    assert counted >= 20


def test_post_without_csrf_token_is_refused_and_changes_nothing(user_of, seed_plan, advance):
    # given: a plan in execution and its leader, with a client that checks CSRF as a browser would
    plan = advance(seed_plan, through="dispatch")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_of("lanhdao"))
    events = PlanEvent.objects.count()

    # when: the withdraw form is posted without its token
    response = client.post(reverse("plans:withdraw", args=[plan.pk]), {"reason": "Thu hồi để sửa."})

    # then: our Vietnamese 403 page, and the plan as it was
    assert response.status_code == 403
    body = response.content.decode()
    assert "Biểu mẫu không còn hiệu lực" in body
    assert "CSRF verification failed" not in body
    plan.refresh_from_db()
    assert plan.state == Plan.State.IN_EXECUTION
    assert PlanEvent.objects.count() == events

    # and with the token (from the plan page) the same post goes through
    page = client.get(reverse("plans:detail", args=[plan.pk]))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    done = client.post(
        reverse("plans:withdraw", args=[plan.pk]), {"reason": "Thu hồi để sửa.", "csrfmiddlewaretoken": token}
    )
    assert done.status_code == 302
    plan.refresh_from_db()
    assert plan.state == Plan.State.WITHDRAWN


@pytest.mark.parametrize(
    "name",
    ["task", "import", "notifications_read_all", "preferences", "calendar_regenerate", "login"],
)
def test_other_posts_without_token_answer_403(name, user_of, seed_plan):
    client = Client(enforce_csrf_checks=True)
    if name != "login":
        client.force_login(user_of("chuyenvien"))
    events = PlanEvent.objects.count()
    task = flow.open_task(plan=seed_plan, node=PlanFlow.submit)
    owner, status = task.owner_id, task.status
    url = {
        "task": reverse("plans:task", args=[task.pk]),
        "import": reverse("plans:import"),
        "notifications_read_all": reverse("notifications:read_all"),
        "preferences": reverse("notifications:preferences"),
        "calendar_regenerate": reverse("notifications:calendar_regenerate"),
        "login": LOGIN,
    }[name]

    response = client.post(url, {"username": "chuyenvien", "password": "planflow-demo", "email_mode": "off"})

    assert response.status_code == 403
    assert PlanEvent.objects.count() == events
    task.refresh_from_db()
    assert (task.owner_id, task.status) == (owner, status)
    if name == "login":
        assert "_auth_user_id" not in client.session


def test_bad_request_answers_our_400_page(client):
    response = client.get("/plans/", HTTP_HOST="evil.example.com")

    assert response.status_code == 400
    assert "400 – Yêu cầu không hợp lệ" in response.content.decode()


# --- production settings ---------------------------------------------------------------------


def production_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Import config.settings.production in a fresh interpreter and print the security settings as JSON."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({k: getattr(settings, k) for k in ("
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SECURE_PROXY_SSL_HEADER', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SECURE_CONTENT_TYPE_NOSNIFF', 'CSRF_FAILURE_VIEW', 'AXES_FAILURE_LIMIT')}))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PLANFLOW_"))}
    full_env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "PLANFLOW_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://planflow:secret@db.invalid:5432/planflow",
        "REDIS_URL": "redis://redis.invalid:6379/0",
        **env,
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_have_secure_cookies_and_hsts(tmp_path):
    result = production_settings(tmp_path, DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="planflow.example.gov.vn")

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "CSRF_FAILURE_VIEW": "workflow.views.csrf_failure",
        "AXES_FAILURE_LIMIT": 5,
    }


def test_production_settings_follow_the_environment(tmp_path):
    result = production_settings(
        tmp_path,
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_SESSION_COOKIE_SECURE="false",
        DJANGO_SECURE_PROXY_SSL_HEADER="",
        DJANGO_SECURE_HSTS_SECONDS="0",
    )

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = production_settings(tmp_path)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_the_password_reset_pages_are_the_sign_in_pages_lock_screen_not_the_admins(client):
    # the link "reset password" of the sign-in page leads to viewflow's lock screen, in Vietnamese
    for name in ("login", "password_reset", "password_reset_done"):
        page = client.get(reverse(name))
        assert page.status_code == 200, name
        html = page.content.decode()
        assert "vf-page-lockscreen" in html, name
        assert "admin" not in page.templates[0].origin.name, (name, page.templates[0].origin.name)


def test_the_browsers_favicon_request_finds_the_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301 and response["Location"].endswith("viewflow/img/favicon.png")
