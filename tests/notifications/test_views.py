"""The pages: notifications (scoped to the person), preferences, calendar feed, urging, lateness, deadlines."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from documents.demo import district_committee
from documents.models import PlanEvent
from notifications.models import EmailMode, Notification, NotificationPreference, Reminder, Urge
from notifications.selectors import urge_counts
from tests.notifications.conftest import vn

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminded(december_plan, sweep):
    """The plan dispatched Thu 12/12/2019; the sweep of Fri 13/12 08:00 delivered (overdue day 1)."""
    plan = december_plan()
    sweep(vn(2019, 12, 13, 8, 0))
    return plan


@pytest.fixture
def outsider(demo) -> Client:
    """A logged-in person with no role in any unit."""
    user = get_user_model().objects.create_user("nguoingoai", email="x@example.vn", password="x")
    client = Client()
    client.force_login(user)
    return client


# --- notifications ---------------------------------------------------------------------------


def test_the_header_shows_the_unread_count_and_the_list_only_ones_own(reminded, client_of):
    officer = client_of("cb-gia-loc")
    page = officer.get(reverse("notifications:list"))
    assert page.status_code == 200
    html = page.content.decode()
    # the new-task notice of the same sweep (the first after the arrival) and the reminder
    assert re.search(r'id="notifications-unread">2<', html)
    assert "xác nhận đã nhận kế hoạch – đã quá hạn 1 ngày làm việc" in html
    # Tứ Kỳ's reminders are not on Gia Lộc's list
    assert html.count('data-id="') == 2
    assert "Tứ Kỳ" not in html


def test_a_notification_is_marked_read_by_its_owner_only(reminded, client_of):
    mine = Notification.objects.get(recipient__username="cb-gia-loc", reminder__step="overdue-1")
    theirs = Notification.objects.get(recipient__username="cb-tu-ky", reminder__step="overdue-1")

    # another unit's person guessing the id: 404, and nothing changes
    assert client_of("cb-gia-loc").post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # GET does not mark anything
    assert client_of("cb-gia-loc").get(reverse("notifications:read", args=[mine.pk])).status_code == 405
    # the owner marks it read, and opens what it is about
    response = client_of("cb-gia-loc").post(reverse("notifications:read", args=[mine.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == mine.url
    mine.refresh_from_db()
    assert mine.read_at is not None
    # the new-task notice of the same sweep stays unread
    assert re.search(
        r'id="notifications-unread">1<', client_of("cb-gia-loc").get(reverse("notifications:list")).content.decode()
    )


def test_mark_all_read_touches_only_ones_own(reminded, client_of):
    client_of("ld-gia-loc").post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient__username="ld-gia-loc", read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient__username="cb-gia-loc", read_at__isnull=True).count() == 2


def test_anonymous_is_sent_to_log_in(reminded):
    for url in (reverse("notifications:list"), reverse("notifications:preferences"), reverse("notifications:lateness")):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_preferences_choose_the_digest(client_of, user_of):
    response = client_of("cb-gia-loc").post(reverse("notifications:preferences"), {"email_mode": "digest"})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=user_of("cb-gia-loc")).email_mode == EmailMode.DIGEST
    bad = client_of("cb-gia-loc").post(reverse("notifications:preferences"), {"email_mode": "pigeon"})
    assert bad.status_code == 200
    assert NotificationPreference.objects.get(user=user_of("cb-gia-loc")).email_mode == EmailMode.DIGEST


# --- the calendar feed ------------------------------------------------------------------------


def _feed_url(client: Client) -> str:
    client.post(reverse("notifications:calendar_regenerate"))
    html = client.get(reverse("notifications:preferences")).content.decode()
    return re.search(r'value="([^"]+\.ics)" id="calendar-url"', html).group(1)


def test_the_calendar_feed_lists_the_deadlines_of_ones_units_only(december_plan, sweep, client_of):
    plan = december_plan()
    sweep(vn(2019, 12, 12, 10, 1))
    url = _feed_url(client_of("cb-gia-loc"))
    path = url.split("testserver", 1)[-1]

    response = Client().get(path)  # calendar apps do not log in: the token is the key

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert unfolded.count("BEGIN:VEVENT") == 1
    assert "DTSTART;VALUE=DATE:20191212\r\nDTEND;VALUE=DATE:20191213" in unfolded
    assert "SUMMARY:Hạn tiếp nhận: Kế hoạch số 01/KH-MTTQ-BTT – Ban Thường trực Ủy ban MTTQ huyện Gia Lộc" in unfolded
    # the newlines of the description are escaped (RFC 5545, 3.3.11)
    assert (
        "DESCRIPTION:Ban Thường trực Ủy ban MTTQ huyện Gia Lộc cần xác nhận đã nhận kế hoạch.\\nThực hiện" in unfolded
    )
    assert "Tứ Kỳ" not in unfolded
    assert f"URL:https://planflow.example.vn/plans/{plan.pk}/" in unfolded


def test_a_revoked_or_replaced_calendar_address_stops_working(december_plan, sweep, client_of):
    december_plan()
    client = client_of("cb-gia-loc")
    old = _feed_url(client).split("testserver", 1)[-1]
    assert Client().get(old).status_code == 200

    new = _feed_url(client).split("testserver", 1)[-1]  # regenerate
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200

    client.post(reverse("notifications:calendar_revoke"))
    assert Client().get(new).status_code == 404
    assert Client().get(reverse("notifications:calendar_feed", args=["guess"])).status_code == 404


def test_ical_text_escapes_and_folds():
    from notifications.ical import escape_text, fold

    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = fold("SUMMARY:" + "Ủy ban " * 30)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert folded.replace("\r\n ", "") == "SUMMARY:" + "Ủy ban " * 30


# --- urging -----------------------------------------------------------------------------------


def test_urging_permission_matrix(reminded, client_of, outsider):
    url = reverse("notifications:urge", args=[reminded.pk])
    gia_loc = reminded.deliveries.get(unit=district_committee("gia-loc"))
    data = {"delivery": gia_loc.pk, "level": "warn", "message": "Đề nghị tiếp nhận ngay."}

    assert Client().post(url, data).status_code == 302  # anonymous: to the login page
    assert outsider.post(url, data).status_code == 404  # cannot see the plan
    assert client_of("cb-gia-loc").post(url, data).status_code == 403  # a recipient unit
    assert client_of("chuyenvien").post(url, data).status_code == 403  # the issuer's drafter
    assert client_of("ld-tu-ky").post(url, data).status_code == 403  # another unit's leader
    assert not Urge.objects.exists()

    assert client_of("lanhdao").get(url).status_code == 200
    response = client_of("lanhdao").post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse("plans:detail", args=[reminded.pk])
    urge = Urge.objects.get()
    assert (urge.unit.code, urge.level, urge.actor.username) == ("mttq-gia-loc", "warn", "lanhdao")


def test_a_warning_reaches_the_units_officer_and_leader_once(reminded, client_of, django_capture_on_commit_callbacks):
    gia_loc = reminded.deliveries.get(unit=district_committee("gia-loc"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_of("lanhdao").post(
            reverse("notifications:urge", args=[reminded.pk]),
            {"delivery": gia_loc.pk, "level": "warn", "message": "Đề nghị tiếp nhận ngay."},
        )
    reminders = Reminder.objects.filter(urge__isnull=False)
    assert sorted(reminders.values_list("recipient__username", flat=True)) == ["cb-gia-loc", "ld-gia-loc"]
    assert sorted(m.to[0] for m in mail.outbox) == ["cb-gia-loc@planflow.local", "ld-gia-loc@planflow.local"]
    assert mail.outbox[0].subject.startswith("[planflow] CẢNH BÁO: Kế hoạch số 01/KH-MTTQ-BTT – hết ngày 12/12/2019")
    assert "Đề nghị tiếp nhận ngay." in mail.outbox[0].body
    assert Notification.objects.filter(reminder__in=reminders, level="warn").count() == 2


def test_a_unit_that_is_done_cannot_be_urged(reminded, user_of, act, at):
    from documents.errors import StateError
    from notifications import services

    gia_loc = reminded.deliveries.get(unit=district_committee("gia-loc"))
    sotnmt = reminded.deliveries.get(unit__code="so-tnmt-hai-duong")
    with at(vn(2019, 12, 13, 9)):
        act(reminded, "acknowledge", "sotnmt", delivery=sotnmt)  # "for information": done once acknowledged
    with pytest.raises(StateError):
        services.plan_urge(plan=reminded, delivery=sotnmt, actor=user_of("lanhdao"), level="remind", message="x")
    services.plan_urge(plan=reminded, delivery=gia_loc, actor=user_of("lanhdao"), level="remind", message="Nhắc")
    services.plan_urge(plan=reminded, delivery=gia_loc, actor=user_of("lanhdao"), level="warn", message="Cảnh báo")
    assert urge_counts(reminded) == {district_committee("gia-loc").pk: 2}


def test_the_plan_page_include_shows_the_urge_link_to_the_issuers_leader_only(reminded, client_of):
    from django.template import Context, Template

    template = Template(
        "{% load notification_tags %}{% plan_notifications_panel plan %}"
        "{% plan_urge_counts plan as counts %}[{{ counts|urge_count:unit_id }}]"
    )
    gia_loc = district_committee("gia-loc")

    def render(username):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(username=username)
        return template.render(Context({"plan": reminded, "user": user, "unit_id": gia_loc.pk}))

    assert reverse("notifications:urge", args=[reminded.pk]) in render("lanhdao")
    assert reverse("notifications:urge", args=[reminded.pk]) not in render("chuyenvien")
    assert render("cb-gia-loc").strip() == "[0]"  # a recipient sees no panel


def test_the_lateness_report_lists_units_by_lateness_and_urging(reminded, client_of, user_of, sweep, act, at):
    from notifications import services

    # given Tứ Kỳ acknowledged late, Gia Lộc never, and Gia Lộc urged twice, Kim Thành once
    with at(vn(2019, 12, 16, 9)):
        act(reminded, "acknowledge", "cb-tu-ky", delivery=reminded.deliveries.get(unit=district_committee("tu-ky")))
    for slug, times in (("gia-loc", 2), ("kim-thanh", 1)):
        for _ in range(times):
            services.plan_urge(
                plan=reminded,
                delivery=reminded.deliveries.get(unit=district_committee(slug)),
                actor=user_of("lanhdao"),
                level="remind",
                message="Nhắc",
            )
    sweep(vn(2019, 12, 17, 8, 0))

    with at(vn(2019, 12, 17, 9)):
        page = client_of("lanhdao").get(reverse("notifications:lateness") + f"?plan={reminded.pk}")
    assert page.status_code == 200
    rows = re.findall(r'<tr data-unit="([^"]+)">.*?<td class="urges">(\d+)</td>', page.content.decode(), re.S)
    assert rows[0] == ("mttq-gia-loc", "2")
    assert rows[1] == ("mttq-kim-thanh", "1")
    assert ("mttq-tu-ky", "0") in rows  # its report is not due yet: open, not late
    # a recipient unit's officer sees no plan of theirs issued: an empty report, and 404 for the plan filter
    assert client_of("cb-gia-loc").get(reverse("notifications:lateness") + f"?plan={reminded.pk}").status_code == 404
    assert "mttq-gia-loc" not in client_of("cb-gia-loc").get(reverse("notifications:lateness")).content.decode()


# --- the plan's own deadlines -------------------------------------------------------------------


def test_the_drafter_sets_the_plans_deadlines_while_drafting(demo, seed_plan, client_of, outsider):
    url = reverse("notifications:deadlines", args=[seed_plan.pk])
    form = {
        "approve_working_days": 3,
        "register_working_days": 1,
        "review_working_days": 2,
        "acknowledge_hoa_toc_hours": 2,
        "send_at": "07:30",
        "before_working_days": "5, 1",
        "on_due_day": "on",
        "overdue_every_working_days": 1,
        "escalate_to_unit_leader_from_overdue_day": 1,
        "escalate_to_issuer_leader_from_overdue_day": 3,
    }
    assert client_of("lanhdao").post(url, form).status_code in (403, 404)
    assert outsider.post(url, form).status_code == 404
    assert client_of("chuyenvien").get(url).status_code == 200

    # an invalid time is refused, nothing saved
    bad = client_of("chuyenvien").post(url, {**form, "send_at": "25:00"})
    assert bad.status_code == 200 and "không hợp lệ" in bad.content.decode()
    seed_plan.refresh_from_db()
    assert seed_plan.deadline_overrides == {}

    response = client_of("chuyenvien").post(url, form)
    assert response.status_code == 302
    seed_plan.refresh_from_db()
    # only what differs from the defaults is kept
    assert seed_plan.deadline_overrides == {
        "approve_working_days": 3,
        "reminders": {"send_at": "07:30", "before_working_days": [5, 1]},
    }
    event = PlanEvent.objects.filter(plan=seed_plan, action="edit").latest("id")
    assert event.data == {"deadlines": seed_plan.deadline_overrides}
    assert event.actor.username == "chuyenvien"
    # written through documents' audit chain: the chain still verifies
    from documents.audit import verify_chain

    assert verify_chain()[1] is None


def test_deadline_overrides_change_the_due_time_and_the_steps(december_plan, sweep):
    plan = december_plan(through="submit", overrides={"approve_working_days": 3, "reminders": {"send_at": "07:30"}})
    sweep(vn(2019, 12, 9, 9, 1))
    obligation = plan.obligations.get()
    assert obligation.due_at == vn(2019, 12, 12, 23, 59, 59)
    # 3 working days before Thu 12/12 (Mon 9/12 07:30) had passed at the opening: next is Wed 11/12 07:30
    assert obligation.next_reminder_at == vn(2019, 12, 11, 7, 30)
