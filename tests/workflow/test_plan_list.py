"""The plan list: filters, search that ignores diacritics, pagination, visibility."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from django.urls import reverse
from django.utils import timezone

from documents import selectors
from documents.demo import PROVINCIAL_COMMITTEE, demo_unit, district_committee
from documents.models import Delivery, Plan
from workflow import services as flow

pytestmark = pytest.mark.django_db

SEED_TITLE = "Thực hiện nhiệm vụ bảo vệ môi trường năm 2019"
OTHER_TITLE = "Tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2020"


@pytest.fixture
def other_plan(user_of, seed_text):
    """A second draft: another title, addressed to Gia Lộc only (not to Thanh Hà)."""
    text = unicodedata.normalize("NFC", seed_text)
    text = text.replace("Thực hiện nhiệm vụ bảo vệ môi trường năm 2019\n", OTHER_TITLE + "\n", 1)
    text = text.replace(
        "- Ban Thường trực Uỷ ban MTTQ các huyện, thị xã;", "- Ban Thường trực Ủy ban MTTQ huyện Gia Lộc;"
    )
    plan, _ = flow.plan_import_and_start(
        issuer=demo_unit(PROVINCIAL_COMMITTEE), drafter=user_of("chuyenvien"), text=text
    )
    assert plan.title == OTHER_TITLE
    assert not plan.recipients.filter(unit=district_committee("thanh-ha")).exists()
    return plan


def titles(response) -> list[str]:
    return re.findall(r'<a href="/plans/\d+/">([^<]+)</a>', response.content.decode())


def test_search_ignores_case_diacritics_and_tone_placement(client_of, seed_plan, other_plan):
    # given: two drafts of the drafter, one addressed to Thanh Hà among others
    drafter = client_of("chuyenvien")
    url = reverse("plans:list")

    # when / then
    assert titles(drafter.get(url, {"q": "thanh ha"})) == [SEED_TITLE]
    assert titles(drafter.get(url, {"q": "THANH HÀ"})) == [SEED_TITLE]
    assert titles(drafter.get(url, {"q": "moi truong 2019"})) == [SEED_TITLE]
    assert titles(drafter.get(url, {"q": "đại đoàn kết"})) == [OTHER_TITLE]
    assert titles(drafter.get(url, {"q": "dai doan"})) == [OTHER_TITLE]
    # "Uỷ" (the seed's old tone placement) and "Ủy" find the same plans
    assert set(titles(drafter.get(url, {"q": "Uỷ ban MTTQ huyện Gia Lộc"}))) == {SEED_TITLE, OTHER_TITLE}
    assert set(titles(drafter.get(url, {"q": "Ủy ban MTTQ huyện Gia Lộc"}))) == {SEED_TITLE, OTHER_TITLE}
    # words match at the start of a word only: "oan" is inside "đoàn", it starts no word
    assert titles(drafter.get(url, {"q": "oan ket"})) == []
    assert "Không có kế hoạch nào khớp bộ lọc." in drafter.get(url, {"q": "oan ket"}).content.decode()


def test_search_and_filters_keep_visibility(client_of, seed_plan, advance):
    # given: the seed plan dispatched; Hải Dương city is not among its recipients
    advance(seed_plan, through="dispatch")

    # when / then: a recipient finds it; an outsider finds nothing, whatever the filter
    assert titles(client_of("cb-gia-loc").get(reverse("plans:list"), {"q": "moi truong"})) == [SEED_TITLE]
    outsider = client_of("cb-tp-hai-duong")
    assert titles(outsider.get(reverse("plans:list"), {"q": "moi truong"})) == []
    issuer = demo_unit(PROVINCIAL_COMMITTEE)
    assert titles(outsider.get(reverse("plans:list"), {"issuer": issuer.pk})) == []
    # and the filter's choices come from the directory around the person's unit (issue 7: never
    # from scanning plans): their unit, the units above it and the province's bodies, not another
    # district's committee; choosing one of them still shows only plans the person may see
    offered = set(re.findall(r'<option value="(\d+)"', outsider.get(reverse("plans:list")).content.decode()))
    assert {str(district_committee("tp-hai-duong").pk), str(issuer.pk)} <= offered
    assert str(district_committee("gia-loc").pk) not in offered


def test_filters_by_state_units_year_and_overdue(client_of, seed_plan, other_plan, advance, sweep):
    # given: the seed plan in execution (its schedule ended 20/12/2019: reports already late once
    # the sweep has written the due times), the other still a draft
    advance(seed_plan, through="dispatch")
    sweep(timezone.now())
    leader, drafter = client_of("lanhdao"), client_of("chuyenvien")
    url = reverse("plans:list")
    thanh_ha, gia_loc = district_committee("thanh-ha"), district_committee("gia-loc")

    # when / then
    assert titles(drafter.get(url, {"state": "in_execution"})) == [SEED_TITLE]
    assert titles(drafter.get(url, {"state": "draft"})) == [OTHER_TITLE]
    assert titles(drafter.get(url, {"recipient": thanh_ha.pk})) == [SEED_TITLE]
    assert set(titles(drafter.get(url, {"recipient": gia_loc.pk}))) == {SEED_TITLE, OTHER_TITLE}
    # a plan counts in its issue year; a draft in the year it was created
    Plan.objects.filter(pk=seed_plan.pk).update(issue_date=dt.date(2019, 12, 10))
    assert titles(drafter.get(url, {"year": 2019})) == [SEED_TITLE]
    assert titles(drafter.get(url, {"year": other_plan.created_at.year})) == [OTHER_TITLE]
    response = drafter.get(url, {"overdue": "on"})
    assert titles(response) == [SEED_TITLE]
    assert "Có đơn vị quá hạn" in response.content.decode()
    # the leader does not see the drafter's unsubmitted draft, filtered or not
    assert titles(leader.get(url, {"recipient": gia_loc.pk})) == [SEED_TITLE]
    # an invalid filter value shows every plan the person may see, with a note
    response = drafter.get(url, {"year": "abc"})
    assert set(titles(response)) == {SEED_TITLE, OTHER_TITLE}
    assert "Bộ lọc không hợp lệ" in response.content.decode()


def test_overdue_follows_the_deliveries_due_times(user_of, seed_plan, advance, sweep):
    # given: the seed plan running until tomorrow, dispatched now
    now = timezone.now()
    end = timezone.localdate() + dt.timedelta(days=1)
    Plan.objects.filter(pk=seed_plan.pk).update(schedule_end=end)
    plan = advance(seed_plan, through="dispatch")
    leader = user_of("lanhdao")

    def overdue(at: dt.datetime) -> list[int]:
        return [p.pk for p in selectors.plan_search(user=leader, overdue=True, now=at)]

    # then: nothing is late before the sweep has written the due times, nor within them
    assert overdue(now + dt.timedelta(days=30)) == []
    sweep(now)
    assert overdue(now) == []
    # every unit acknowledges: what is left is the report, due at the end of `end` (or the next working day)
    plan.deliveries.update(state=Delivery.State.ACKNOWLEDGED)
    report_due = plan.deliveries.filter(requires_report=True).values_list("report_due_at", flat=True).first()
    assert timezone.localtime(report_due).date() >= end
    assert overdue(report_due) == []
    assert overdue(report_due + dt.timedelta(seconds=1)) == [plan.pk]
    # every report accepted: late no more
    plan.deliveries.update(state=Delivery.State.ACCEPTED)
    assert overdue(report_due + dt.timedelta(days=1)) == []


def test_plan_list_pages_by_fifty_in_a_fixed_number_of_queries(
    client_of, user_of, seed_text, django_assert_num_queries
):
    # given: 51 plans of the drafter
    for _ in range(51):
        flow.plan_import_and_start(
            issuer=demo_unit(PROVINCIAL_COMMITTEE), drafter=user_of("chuyenvien"), text=seed_text
        )
    drafter = client_of("chuyenvien")

    # when
    # session, user, the filters' choices (3: the person's units, the units around them, the
    # years' MIN/MAX), count, page (the search is matched in SQL on the stored search key);
    # the header's roles and unread notifications
    with django_assert_num_queries(9):
        first = drafter.get(reverse("plans:list"), {"q": "moi truong"})
    second = drafter.get(reverse("plans:list"), {"q": "moi truong", "page": 2})

    # then
    assert len(titles(first)) == 50 and len(titles(second)) == 1
    assert "51 kế hoạch · trang 1/2" in first.content.decode()
    assert "?q=moi+truong&amp;page=2" in first.content.decode()
