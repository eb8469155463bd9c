"""The site-wide deadlines and reminder policy an admin changes in the admin site (issue 4)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from documents.errors import NotAllowedError
from notifications import services
from notifications.calendar import deadline_policy, site_defaults
from notifications.models import DeadlineDefaults, DeadlineKind, Obligation
from tests.notifications.conftest import vn

pytestmark = pytest.mark.django_db

ADD = "admin:notifications_deadlinedefaults_add"
CHANGE = "admin:notifications_deadlinedefaults_change"
LIST = "admin:notifications_deadlinedefaults_changelist"


@pytest.fixture
def admin_client(client, demo):
    admin = get_user_model().objects.create_superuser("quantri", "quantri@example.vn", "x")
    client.force_login(admin)
    return client


def form_data(**changes) -> dict:
    """The admin form as the shipped defaults fill it, with `changes`."""
    data = {
        "approve_working_days": 2,
        "register_working_days": 1,
        "review_working_days": 2,
        "acknowledge_hoa_toc_hours": 2,
        "office_opens": "07:30",
        "office_closes": "17:00",
        "send_at": "08:00",
        "before_working_days": "3, 1",
        "on_due_day": "on",
        "overdue_every_working_days": 1,
        "escalate_to_unit_leader_from_overdue_day": 1,
        "escalate_to_issuer_leader_from_overdue_day": 3,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_admin_changes_the_policy_and_only_the_changes_are_stored(admin_client):
    # given no row yet: the list leads to the add page, filled with the settings' values
    response = admin_client.get(reverse(LIST))
    assert response.status_code == 302 and response.url == reverse(ADD)
    page = admin_client.get(reverse(ADD))
    assert page.status_code == 200
    assert page.context["adminform"].form.initial["before_working_days"] == "3, 1"
    assert b'name="_addanother"' not in page.content  # one row: no "save and add another"

    # when the admin sets approval to 5 working days and reminders 5, 2 and 1 days before
    response = admin_client.post(reverse(ADD), form_data(approve_working_days=5, before_working_days="5, 2, 1"))

    # then one row holds only what differs from the settings, and the policy in force follows it
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = DeadlineDefaults.objects.get()
    assert row.values == {"approve_working_days": 5, "reminders": {"before_working_days": [5, 2, 1]}}
    assert row.updated_by.username == "quantri"
    policy = deadline_policy(defaults=site_defaults())
    assert policy.approve_working_days == 5
    assert policy.reminders.before_working_days == (5, 2, 1)
    assert policy.register_working_days == 1
    # and the list now leads to that one row; no second row can be added
    assert admin_client.get(reverse(LIST)).url == reverse(CHANGE, args=[row.pk])
    assert admin_client.get(reverse(ADD)).status_code == 403


def test_a_bad_policy_is_refused_in_vietnamese_and_nothing_is_saved(admin_client):
    # when the office would open after it closes, and the days before are not numbers
    response = admin_client.post(
        reverse(ADD), form_data(office_opens="18:00", before_working_days="ba, một", on_due_day=None)
    )

    # then the form is shown again with the reasons, and nothing is stored
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["before_working_days"] == ["Hãy ghi các số ngày, ví dụ: 3, 1"]
    assert not DeadlineDefaults.objects.exists()
    response = admin_client.post(reverse(ADD), form_data(office_opens="18:00"))
    assert "office_opens" in str(response.context["adminform"].form.non_field_errors())
    assert not DeadlineDefaults.objects.exists()


def test_only_staff_may_change_the_site_policy(user_of):
    with pytest.raises(NotAllowedError):
        services.deadline_defaults_set(actor=user_of("lanhdao"), values={"approve_working_days": 9})
    assert not DeadlineDefaults.objects.exists()


def test_the_sweep_uses_the_admins_policy_and_a_plans_own_overrides_still_win(admin_client, december_plan, sweep):
    # given the admin moved approval to 4 working days and the first reminder to 2 days before
    services.deadline_defaults_set(
        actor=get_user_model().objects.get(username="quantri"),
        values={"approve_working_days": 4, "reminders": {"before_working_days": [2]}},
    )

    # when a plan is submitted on Mon 9/12/2019 09:00 and the sweep runs
    plan = december_plan(through="submit")
    sweep(vn(2019, 12, 9, 9, 1))

    # then approving is due at the end of Fri 13/12 (4 working days), first reminder Wed 11/12 08:00
    obligation = Obligation.objects.get(plan=plan, kind=DeadlineKind.APPROVE)
    assert obligation.due_at == vn(2019, 12, 13, 23, 59, 59)
    assert obligation.next_reminder_at == vn(2019, 12, 11, 8, 0)

    # and a plan whose drafter set its own approval period keeps it
    other = december_plan(through="submit", overrides={"approve_working_days": 1})
    sweep(vn(2019, 12, 9, 9, 2))
    assert Obligation.objects.get(plan=other, kind=DeadlineKind.APPROVE).due_at == vn(2019, 12, 10, 23, 59, 59)


def test_a_plans_deadline_form_starts_from_the_site_policy(admin_client, client_of, seed_plan):
    # given the admin's 3-working-day approval period
    services.deadline_defaults_set(
        actor=get_user_model().objects.get(username="quantri"), values={"approve_working_days": 3}
    )

    # when the drafter opens the plan's deadlines and saves them unchanged
    drafter = client_of("chuyenvien")
    page = drafter.get(reverse("notifications:deadlines", args=[seed_plan.pk]))
    assert page.context["form"].initial["approve_working_days"] == 3
    response = drafter.post(reverse("notifications:deadlines", args=[seed_plan.pk]), form_data(approve_working_days=3))

    # then nothing is stored on the plan: it follows the site policy, and later changes to it
    assert response.status_code == 302
    seed_plan.refresh_from_db()
    assert seed_plan.deadline_overrides == {}
