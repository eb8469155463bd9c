"""The working-day calendar and due-time arithmetic (issue 4).

Dates used below, with their weekdays:

    January 2020        Fri 17  Sat 18  Sun 19  Mon 20  Tue 21  Wed 22
    Tết Canh Tý         Thu 23 (29 Tết) … Sat 25 (mùng 1) … Wed 29 (mùng 5): the official break
                        Thu 30  Fri 31  Sat 1/2  Sun 2/2  Mon 3/2
    30/4–1/5 of 2019    Fri 26/4, Mon 29/4 (day off, swapped with Sat 4/5), Tue 30/4, Wed 1/5,
                        Thu 2/5, Fri 3/5, Sat 4/5 (make-up working day)
    Giỗ Tổ 2024         Wed 17/4, Thu 18/4 (10/3 âm lịch), Fri 19/4
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.settings import deadlines as deadline_settings
from notifications.admin import CalendarDayAdmin
from notifications.calendar import (
    VN_TZ,
    WorkingCalendar,
    add_working_days,
    deadline_policy,
    due_for,
    end_of_day,
    is_working_day,
    local_date,
    overdue_working_days,
    public_holiday_name,
    report_due,
    roll_forward,
    working_days_between,
)
from notifications.models import CalendarDay

DAY_OFF = CalendarDay.Kind.DAY_OFF
WORKING_DAY = CalendarDay.Kind.WORKING_DAY


def vn(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """An aware local time in Vietnam."""
    return datetime(y, mo, d, h, mi, s, tzinfo=VN_TZ)


def eod(y: int, mo: int, d: int) -> datetime:
    return vn(y, mo, d, 23, 59, 59)


@pytest.fixture(autouse=True)
def _default_policy(settings) -> None:
    """Pin the shipped defaults, so an environment's own policy cannot change these results."""
    settings.PLANFLOW_DEADLINES = deadline_settings.PLANFLOW_DEADLINES


@pytest.fixture
def cal() -> WorkingCalendar:
    """The calendar of the `holidays` package alone: no `CalendarDay` rows, no database."""
    return WorkingCalendar(exceptions={})


# --- settings -------------------------------------------------------------------------------


def test_base_settings_import_the_deadline_defaults():
    # given the settings module every environment starts from
    from config.settings import base

    # then it carries the defaults of config/settings/deadlines.py
    assert base.PLANFLOW_DEADLINES is deadline_settings.PLANFLOW_DEADLINES


def test_default_policy_has_the_documented_values():
    policy = deadline_policy()

    assert policy.approve_working_days == 2
    assert policy.register_working_days == 1
    assert policy.review_working_days == 2
    assert policy.acknowledge_hoa_toc == timedelta(hours=2)
    assert (policy.office_opens, policy.office_closes) == (time(7, 30), time(17, 0))
    assert policy.reminders.send_at == time(8, 0)
    assert policy.reminders.before_working_days == (3, 1)
    assert policy.reminders.on_due_day is True
    assert policy.reminders.overdue_every_working_days == 1
    assert policy.reminders.escalate_to_unit_leader_from_overdue_day == 1
    assert policy.reminders.escalate_to_issuer_leader_from_overdue_day == 3


def test_plan_overrides_merge_key_by_key_into_the_nested_reminder_policy():
    policy = deadline_policy({"approve_working_days": 5, "reminders": {"before_working_days": [1, 5, 5]}})

    assert policy.approve_working_days == 5
    assert policy.register_working_days == 1
    assert policy.reminders.before_working_days == (5, 1)
    assert policy.reminders.send_at == time(8, 0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"approve_days": 3}, "unknown deadline setting 'approve_days'"),
        ({"reminders": {"every": 1}}, "unknown deadline setting reminders.'every'"),
        ({"reminders": 3}, "reminders must be a mapping"),
        ({"approve_working_days": -1}, "approve_working_days must be a whole number"),
        ({"approve_working_days": True}, "approve_working_days must be a whole number"),
        ({"acknowledge_hoa_toc_hours": 0}, "acknowledge_hoa_toc_hours must be a number of hours > 0"),
        ({"office_closes": "5pm"}, 'office_closes must be a local time "HH:MM"'),
        ({"office_closes": "25:00"}, "office_closes is not a time of day"),
        ({"office_opens": "17:30"}, "office_opens (17:30) must be before office_closes"),
        ({"reminders": {"before_working_days": [0]}}, "reminders.before_working_days must be a list"),
    ],
)
def test_bad_plan_overrides_are_refused_naming_the_key(overrides, message):
    with pytest.raises(ValueError) as excinfo:
        deadline_policy(overrides)

    assert message in str(excinfo.value)


# --- working days (pure) ----------------------------------------------------------------


def test_weekend_is_not_working_and_weekdays_are(cal):
    assert [cal.is_working_day(date(2020, 1, d)) for d in range(13, 20)] == [True] * 5 + [False, False]


def test_gio_to_hung_vuong_2024_is_not_a_working_day(cal):
    # 10/3 âm lịch Giáp Thìn = Thursday 18/4/2024 (Bộ luật Lao động 2019, Điều 112)
    assert public_holiday_name(date(2024, 4, 18)) == "Ngày Giỗ Tổ Hùng Vương"
    assert cal.is_working_day(date(2024, 4, 18)) is False
    # one working day after Wed 17/4 skips Thu 18/4: Fri 19/4
    assert cal.add_working_days(date(2024, 4, 17), 1) == date(2024, 4, 19)


def test_tet_canh_ty_break_comes_from_the_holidays_package(cal):
    # `holidays` 0.109 gives Thu 23/1 (29 Tết) to Wed 29/1/2020 (mùng 5), the whole
    # official break: its five weekdays (23, 24, 27, 28, 29) are exactly the Labour Code's
    # five Tết days, so the government added nothing beyond the law that year.
    off = [d for d in range(20, 32) if not cal.is_working_day(date(2020, 1, d))]

    assert off == [23, 24, 25, 26, 27, 28, 29]


def test_two_working_days_after_wed_22_1_2020_is_fri_31_1_2020(cal):
    # day after the event: Thu 23/1. 23, 24 off (Tết); 25, 26 weekend and Tết; 27, 28, 29 off;
    # Thu 30/1 is working day 1, Fri 31/1 is working day 2.
    assert cal.add_working_days(date(2020, 1, 22), 2) == date(2020, 1, 31)
    assert cal.working_days_between(date(2020, 1, 22), date(2020, 1, 31)) == 2


def test_counting_starts_the_day_after_the_event_over_a_weekend(cal):
    # Điều 147.2: Fri 17/1 is not counted; Sat 18, Sun 19 are not working days;
    # Mon 20/1 is 1, Tue 21/1 is 2.
    assert cal.add_working_days(date(2020, 1, 17), 1) == date(2020, 1, 20)
    assert cal.add_working_days(date(2020, 1, 17), 2) == date(2020, 1, 21)
    # an event on Saturday: Sun 19 no, Mon 20 is 1, Tue 21 is 2
    assert cal.add_working_days(date(2020, 1, 18), 2) == date(2020, 1, 21)


def test_counting_crosses_new_year(cal):
    # Wed 1/1/2020 is Tết Dương lịch: one working day after Tue 31/12/2019 is Thu 2/1/2020
    assert cal.add_working_days(date(2019, 12, 31), 1) == date(2020, 1, 2)


def test_make_up_saturday_known_to_the_package_counts(cal):
    # 2019: Mon 29/4 off, worked back on Sat 4/5. From Fri 26/4: 27, 28 weekend; 29/4, 30/4,
    # 1/5 off; Thu 2/5 is 1, Fri 3/5 is 2, Sat 4/5 is 3.
    assert cal.is_working_day(date(2019, 5, 4)) is True
    assert cal.is_working_day(date(2019, 4, 29)) is False
    assert cal.add_working_days(date(2019, 4, 26), 3) == date(2019, 5, 4)
    # and the swap across New Year: Mon 31/12/2018 off, Sat 5/1/2019 worked
    assert cal.is_working_day(date(2018, 12, 31)) is False
    assert cal.is_working_day(date(2019, 1, 5)) is True


def test_make_up_working_saturday_row_counts():
    # given a make-up Saturday the package does not know (Sat 8/2/2020, for this test)
    cal = WorkingCalendar(exceptions={date(2020, 2, 8): WORKING_DAY})

    # then from Thu 6/2: Fri 7/2 is 1, Sat 8/2 is 2 (without the row: Mon 10/2)
    assert cal.add_working_days(date(2020, 2, 6), 2) == date(2020, 2, 8)
    assert WorkingCalendar(exceptions={}).add_working_days(date(2020, 2, 6), 2) == date(2020, 2, 10)


def test_rows_win_over_the_package_both_ways():
    # given an admin who cancels the package's make-up Saturday and works on a package holiday
    cal = WorkingCalendar(exceptions={date(2019, 5, 4): DAY_OFF, date(2024, 4, 18): WORKING_DAY})

    assert cal.is_working_day(date(2019, 5, 4)) is False
    assert cal.is_working_day(date(2024, 4, 18)) is True


def test_dieu_148_a_last_day_on_sunday_moves_to_monday(cal):
    # Điều 148.5: a deadline on Sun 19/1/2020 ends at the end of Mon 20/1/2020
    assert cal.roll_forward(date(2020, 1, 19)) == date(2020, 1, 20)
    assert report_due(date(2020, 1, 19), calendar=cal) == eod(2020, 1, 20)
    # and over Tết: Fri 24/1/2020 (giao thừa) moves to Thu 30/1/2020
    assert report_due(date(2020, 1, 24), calendar=cal) == eod(2020, 1, 30)
    # a working day stays
    assert report_due(date(2020, 1, 22), calendar=cal) == eod(2020, 1, 22)


def test_zero_and_negative_counts(cal):
    # 0: the day itself, rolled forward (Điều 148.5)
    assert cal.add_working_days(date(2020, 1, 22), 0) == date(2020, 1, 22)
    assert cal.add_working_days(date(2020, 1, 25), 0) == date(2020, 1, 30)
    # back: the working day before Thu 30/1 is Wed 22/1 (Tết in between); 3 before is Mon 20/1
    assert cal.add_working_days(date(2020, 1, 30), -1) == date(2020, 1, 22)
    assert cal.add_working_days(date(2020, 1, 30), -3) == date(2020, 1, 20)


def test_working_days_between_is_signed_and_excludes_the_first_day(cal):
    assert cal.working_days_between(date(2020, 1, 17), date(2020, 1, 17)) == 0
    assert cal.working_days_between(date(2020, 1, 17), date(2020, 1, 19)) == 0
    assert cal.working_days_between(date(2020, 1, 17), date(2020, 1, 20)) == 1
    assert cal.working_days_between(date(2020, 1, 31), date(2020, 1, 22)) == -2


def test_add_and_between_are_inverse_over_two_years(cal):
    start = date(2019, 1, 1)
    for offset in range(730):
        day = start + timedelta(days=offset)
        for n in (1, 2, 3, 5):
            due = cal.add_working_days(day, n)
            assert cal.is_working_day(due), (day, n)
            assert cal.working_days_between(day, due) == n, (day, n)


def test_a_datetime_is_refused_where_a_date_is_due(cal):
    with pytest.raises(TypeError, match="use local_date"):
        cal.is_working_day(vn(2020, 1, 17, 10))


# --- instants (pure) --------------------------------------------------------------------


def test_a_date_only_deadline_ends_at_23_59_59_plus_07_00():
    due = end_of_day(date(2020, 1, 31))

    assert due == vn(2020, 1, 31, 23, 59, 59)
    assert due.isoformat() == "2020-01-31T23:59:59+07:00"
    assert due == datetime(2020, 1, 31, 16, 59, 59, tzinfo=UTC)


def test_local_date_converts_to_vietnam_and_refuses_naive():
    # 18:30 UTC on 22/1 is 01:30 on 23/1 in Hà Nội
    assert local_date(datetime(2020, 1, 22, 18, 30, tzinfo=UTC)) == date(2020, 1, 23)
    with pytest.raises(ValueError, match="naive datetime"):
        local_date(vn(2020, 1, 22).replace(tzinfo=None))


# --- due times (pure) -------------------------------------------------------------------


def test_approve_register_review_due_at_the_end_of_the_nth_working_day(cal):
    # submitted Fri 17/1/2020 10:00: 2 working days → Tue 21/1
    assert due_for("approve", vn(2020, 1, 17, 10), calendar=cal) == eod(2020, 1, 21)
    # approved Wed 22/1 16:00: 1 working day → Thu 30/1 (after Tết)
    assert due_for("register", vn(2020, 1, 22, 16), calendar=cal) == eod(2020, 1, 30)
    # report arrived Wed 22/1 at 23:00: 2 working days → Fri 31/1
    assert due_for("review", vn(2020, 1, 22, 23), calendar=cal) == eod(2020, 1, 31)


def test_a_plan_override_changes_the_count(cal):
    # approve within 5 working days after Fri 17/1: Mon 20, Tue 21, Wed 22, Thu 30, Fri 31
    due = due_for("approve", vn(2020, 1, 17, 10), overrides={"approve_working_days": 5}, calendar=cal)

    assert due == eod(2020, 1, 31)


def test_the_local_date_of_the_event_counts_not_the_utc_one(cal):
    # Fri 17/1 17:30 UTC is Sat 18/1 00:30 in Vietnam: Mon 20 is 1, Tue 21 is 2
    assert due_for("approve", datetime(2020, 1, 17, 17, 30, tzinfo=UTC), calendar=cal) == eod(2020, 1, 21)


def test_acknowledge_same_working_day_within_office_hours(cal):
    assert due_for("acknowledge", vn(2020, 1, 17, 16, 59, 59), calendar=cal) == eod(2020, 1, 17)
    # before the office opens it is there when the office opens: the same day
    assert due_for("acknowledge", vn(2020, 1, 17, 6, 0), calendar=cal) == eod(2020, 1, 17)


def test_acknowledge_after_office_hours_on_friday_is_due_monday_end_of_day(cal):
    # The due time is the end of the next working day (23:59:59), not its closing time:
    # every date-only deadline ends at the end of its day (Điều 148.6), and reminders and
    # overdue counts then work on dates alone.
    assert due_for("acknowledge", vn(2020, 1, 17, 17, 30), calendar=cal) == eod(2020, 1, 20)
    # closing time itself is after hours
    assert due_for("acknowledge", vn(2020, 1, 17, 17, 0), calendar=cal) == eod(2020, 1, 20)


def test_acknowledge_on_a_day_off_is_due_the_next_working_day(cal):
    # arrives Sat 18/1 at 10:00 → Mon 20/1; arrives Fri 24/1 (Tết) → Thu 30/1
    assert due_for("acknowledge", vn(2020, 1, 18, 10), calendar=cal) == eod(2020, 1, 20)
    assert due_for("acknowledge", vn(2020, 1, 24, 10), calendar=cal) == eod(2020, 1, 30)


def test_acknowledge_office_closing_time_is_configurable(cal):
    overrides = {"office_closes": "16:30"}

    assert due_for("acknowledge", vn(2020, 1, 17, 16, 45), overrides=overrides, calendar=cal) == eod(2020, 1, 20)
    assert due_for("acknowledge", vn(2020, 1, 17, 16, 15), overrides=overrides, calendar=cal) == eod(2020, 1, 17)


def test_hoa_toc_is_due_two_clock_hours_after_arrival_even_on_a_day_off(cal):
    # arrives on 29 Tết (Thu 23/1/2020) at 22:30 → due 00:30 on Fri 24/1, a holiday too
    due = due_for("acknowledge", vn(2020, 1, 23, 22, 30), urgency="hoa_toc", calendar=cal)

    assert due == vn(2020, 1, 24, 0, 30)
    assert due.tzinfo is VN_TZ


def test_hoa_toc_hours_are_configurable_and_other_urgencies_follow_the_day_rule(cal):
    arrived = vn(2020, 1, 17, 17, 30)

    assert due_for(
        "acknowledge", arrived, urgency="hoa_toc", overrides={"acknowledge_hoa_toc_hours": 0.5}, calendar=cal
    ) == vn(2020, 1, 17, 18, 0)
    assert due_for("acknowledge", arrived, urgency="thuong_khan", calendar=cal) == eod(2020, 1, 20)
    # urgency applies to acknowledging only
    assert due_for("approve", arrived, urgency="hoa_toc", calendar=cal) == eod(2020, 1, 21)


def test_due_for_refuses_report_unknown_kinds_and_naive_times(cal):
    with pytest.raises(ValueError, match="use report_due"):
        due_for("report", vn(2020, 1, 17), calendar=cal)
    with pytest.raises(ValueError, match="unknown deadline kind 'sign'"):
        due_for("sign", vn(2020, 1, 17), calendar=cal)
    with pytest.raises(ValueError, match="naive datetime"):
        due_for("approve", vn(2020, 1, 17).replace(tzinfo=None), calendar=cal)


# --- now matters (time-machine) ---------------------------------------------------------


def test_approval_submitted_before_tet_is_due_the_second_working_day_after_it(cal):
    # given a plan submitted on Wed 22/1/2020 at 15:00, the eve of the Tết break
    with time_machine.travel(vn(2020, 1, 22, 15), tick=False):
        due = due_for("approve", timezone.now(), calendar=cal)

    # then it is due at the end of Fri 31/1/2020 (Thu 30/1 is 1, Fri 31/1 is 2)
    assert due == eod(2020, 1, 31)
    # and through the break nothing is overdue; from Mon 3/2 it is one working day overdue
    with time_machine.travel(vn(2020, 1, 29, 9), tick=False):
        assert overdue_working_days(due, calendar=cal) == 0
    with time_machine.travel(vn(2020, 2, 1, 9), tick=False):
        assert overdue_working_days(due, calendar=cal) == 0
    with time_machine.travel(vn(2020, 2, 3, 9), tick=False):
        assert overdue_working_days(due, calendar=cal) == 1


def test_overdue_days_count_working_days_after_the_due_day(cal):
    # due at the end of Tue 21/1/2020
    due = due_for("approve", vn(2020, 1, 17, 10), calendar=cal)

    # Tue 21/1 20:00: not yet past
    with time_machine.travel(vn(2020, 1, 21, 20), tick=False):
        assert overdue_working_days(due, calendar=cal) == 0
    # Wed 22/1: day 1 (the unit's leader is told); Tết adds nothing; Thu 30/1: day 2;
    # Fri 31/1: day 3 (the issuer's leader is told)
    expected = {vn(2020, 1, 22, 8): 1, vn(2020, 1, 27, 8): 1, vn(2020, 1, 30, 8): 2, vn(2020, 1, 31, 8): 3}
    for now, days in expected.items():
        with time_machine.travel(now, tick=False):
            assert overdue_working_days(due, calendar=cal) == days, now


# --- CalendarDay rows (database) ----------------------------------------------------------


@pytest.mark.django_db
def test_redundant_rows_for_the_official_tet_break_change_nothing():
    # given an admin who entered the 2020 break as the Ministry announced it (Thu 23/1 – Wed 29/1)
    for day in range(23, 30):
        CalendarDay.objects.create(date=date(2020, 1, day), kind=DAY_OFF, note="Nghỉ Tết Canh Tý")

    # then the count is still the one of the package alone
    assert add_working_days(date(2020, 1, 22), 2) == date(2020, 1, 31)


@pytest.mark.django_db
def test_an_extra_day_off_row_pushes_the_due_date():
    # given an extra compensatory day off on Thu 30/1/2020 (hypothetical: there was none)
    CalendarDay.objects.create(date=date(2020, 1, 30), kind=DAY_OFF, note="Nghỉ bù Tết")

    # then from Wed 22/1: Thu 23 – Thu 30 off; Fri 31/1 is 1, Sat 1/2 and Sun 2/2 no, Mon 3/2 is 2
    assert is_working_day(date(2020, 1, 30)) is False
    assert add_working_days(date(2020, 1, 22), 2) == date(2020, 2, 3)
    assert working_days_between(date(2020, 1, 22), date(2020, 2, 3)) == 2
    assert due_for("approve", vn(2020, 1, 22, 15)) == eod(2020, 2, 3)


@pytest.mark.django_db
def test_a_working_day_row_makes_a_saturday_count():
    # given a make-up working Saturday, Sat 8/2/2020 (hypothetical)
    CalendarDay.objects.create(date=date(2020, 2, 8), kind=WORKING_DAY, note="Làm bù")

    # then Sat 8/2 counts: from Thu 6/2, Fri 7/2 is 1, Sat 8/2 is 2
    assert is_working_day(date(2020, 2, 8)) is True
    assert add_working_days(date(2020, 2, 6), 2) == date(2020, 2, 8)
    # a plan arriving that Saturday at 09:00 is acknowledged the same day
    assert due_for("acknowledge", vn(2020, 2, 8, 9)) == eod(2020, 2, 8)
    # and a report falling due on it is not moved
    assert roll_forward(date(2020, 2, 8)) == date(2020, 2, 8)


@pytest.mark.django_db
def test_the_calendar_reads_the_rows_once(django_assert_num_queries):
    CalendarDay.objects.create(date=date(2020, 1, 30), kind=DAY_OFF)

    # one query for a count that walks six weeks: 31/1 is 1; February has 20 working days
    # (3–7, 10–14, 17–21, 24–28), so Fri 28/2 is 21; Mon 2/3 … Thu 5/3 are 22 … 25
    with django_assert_num_queries(1):
        assert add_working_days(date(2020, 1, 22), 25) == date(2020, 3, 5)

    # and one for a batch of due times sharing a calendar
    calendar = WorkingCalendar()
    with django_assert_num_queries(1):
        dues = [due_for("approve", vn(2020, 1, d, 10), calendar=calendar) for d in range(13, 32)]
    assert dues[-1] == eod(2020, 2, 4)  # Fri 31/1: Mon 3/2 is 1, Tue 4/2 is 2


@pytest.mark.django_db
def test_one_row_per_date_and_only_known_kinds():
    CalendarDay.objects.create(date=date(2020, 2, 8), kind=WORKING_DAY)

    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDay.objects.create(date=date(2020, 2, 8), kind=DAY_OFF)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDay.objects.create(date=date(2020, 2, 9), kind="holiday")
    assert list(CalendarDay.objects.values_list("date", "kind")) == [(date(2020, 2, 8), WORKING_DAY)]


def test_admin_shows_what_the_calendar_says_without_the_row():
    model_admin = CalendarDayAdmin(CalendarDay, admin.site)

    assert model_admin.without_this_row(CalendarDay(date=date(2020, 1, 23))) == "Ngày nghỉ: 29 Tết"
    assert model_admin.without_this_row(CalendarDay(date=date(2019, 5, 4))) == "Ngày làm việc"
    assert model_admin.without_this_row(CalendarDay(date=date(2020, 2, 8))) == "Nghỉ cuối tuần"
    assert model_admin.weekday(CalendarDay(date=date(2020, 2, 8))) == "Thứ Bảy"
