"""The admin site can look at plans, states and history but cannot change them."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from documents.models import Plan, PlanEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, demo):
    admin = get_user_model().objects.create_superuser("quantri", "quantri@planflow.local", "x")
    client.force_login(admin)
    return client


def test_admin_cannot_change_a_plan_or_its_audit_trail(admin_client, seed_plan):
    event = seed_plan.events.get()

    assert admin_client.get(reverse("admin:documents_plan_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:documents_plan_change", args=[seed_plan.pk]))
    assert page.status_code == 200 and 'name="state"' not in page.content.decode()
    posted = admin_client.post(reverse("admin:documents_plan_change", args=[seed_plan.pk]), {"state": "completed"})
    assert posted.status_code == 403
    assert (
        admin_client.post(reverse("admin:documents_planevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert admin_client.get(reverse("admin:documents_planevent_add")).status_code == 403
    process = seed_plan.process
    assert (
        admin_client.post(reverse("admin:viewflow_process_delete", args=[process.pk]), {"post": "yes"}).status_code
        == 403
    )
    task = process.task_set.first()
    assert (
        admin_client.post(reverse("admin:viewflow_task_change", args=[task.pk]), {"status": "DONE"}).status_code == 403
    )

    assert Plan.objects.get(pk=seed_plan.pk).state == Plan.State.DRAFT
    assert PlanEvent.objects.filter(pk=event.pk).exists()


def test_rows_planflow_writes_cannot_be_added_by_hand(admin_client):
    for model in ("obligation", "reminder", "outboundemail", "notification", "urge"):
        assert admin_client.get(reverse(f"admin:notifications_{model}_add")).status_code == 403, model
        assert admin_client.get(reverse(f"admin:notifications_{model}_changelist")).status_code == 200, model
    assert admin_client.get(reverse("admin:notifications_calendarday_add")).status_code == 200
