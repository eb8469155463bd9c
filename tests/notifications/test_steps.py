"""The reminder steps of one obligation, pure arithmetic over the working-day calendar.

December 2019   Mon 9  Tue 10  Wed 11  Thu 12  Fri 13  Sat 14  Sun 15  Mon 16  Tue 17
Tết Canh Tý     Thu 23/1 … Wed 29/1/2020 off (25/1 is mùng 1); Thu 30/1 is the first working day
May 2019        Mon 29/4, Tue 30/4, Wed 1/5 off; Sat 4/5 is a make-up working day
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifications.calendar import WorkingCalendar, deadline_policy
from notifications.steps import Step, StepClock, escalation
from tests.notifications.conftest import vn


@pytest.fixture
def clock() -> StepClock:
    return StepClock(WorkingCalendar(exceptions={}))


@pytest.fixture
def policy():
    return deadline_policy().reminders


def keys_between(clock, policy, *, due_at, opened_at, start, end, every=timedelta(hours=1)):
    """The steps a sweep running every `every` from `start` to `end` would send, in order."""
    sent, moment = [], start
    while moment <= end:
        step = clock.latest(due_at=due_at, opened_at=opened_at, policy=policy, now=moment)
        if step is not None and (not sent or sent[-1].key != step.key):
            sent.append(step)
        moment += every
    return [(s.key, s.at) for s in sent]


def test_a_report_due_friday_is_reminded_3_and_1_days_before_on_the_day_and_daily_after(clock, policy):
    due = vn(2019, 12, 20, 23, 59, 59)  # Fri
    sent = keys_between(
        clock, policy, due_at=due, opened_at=vn(2019, 12, 12, 10), start=vn(2019, 12, 12, 11), end=vn(2019, 12, 25, 9)
    )
    assert sent == [
        ("before-3", vn(2019, 12, 17, 8)),  # Tue
        ("before-1", vn(2019, 12, 19, 8)),  # Thu
        ("due", vn(2019, 12, 20, 8)),  # Fri
        ("overdue-1", vn(2019, 12, 23, 8)),  # Mon: the weekend is no overdue day
        ("overdue-2", vn(2019, 12, 24, 8)),
        ("overdue-3", vn(2019, 12, 25, 8)),
    ]


def test_steps_before_the_opening_are_never_sent(clock, policy):
    # opened Wed 18/12 at 09:00: 3 days before (Tue 17/12) is gone, 1 day before (Thu 19/12) is not
    first = clock.first(due_at=vn(2019, 12, 20, 23, 59, 59), opened_at=vn(2019, 12, 18, 9), policy=policy)
    assert first == Step("before-1", vn(2019, 12, 19, 8), before_days=1)


def test_an_obligation_due_the_day_it_opens_is_announced_at_once(clock, policy):
    # arrived Thu 12/12 10:00, due the same day (Nghị định 30/2020, Điều 21): 08:00 has passed
    first = clock.first(due_at=vn(2019, 12, 12, 23, 59, 59), opened_at=vn(2019, 12, 12, 10), policy=policy)
    assert first == Step("due", vn(2019, 12, 12, 10))


def test_a_hoa_toc_plan_due_before_8_is_announced_at_its_arrival(clock, policy):
    # arrived at 05:30, due 07:30 (2 hours): the 08:00 step would come after the due time
    first = clock.first(due_at=vn(2019, 12, 12, 7, 30), opened_at=vn(2019, 12, 12, 5, 30), policy=policy)
    assert first == Step("due", vn(2019, 12, 12, 5, 30))
    following = clock.following(
        due_at=vn(2019, 12, 12, 7, 30), opened_at=vn(2019, 12, 12, 5, 30), policy=policy, now=vn(2019, 12, 12, 5, 31)
    )
    assert following == Step("overdue-1", vn(2019, 12, 13, 8), overdue_days=1)


def test_a_late_sweep_sends_only_the_latest_step(clock, policy):
    # the beat was down from Thu 19/12 to Tue 24/12 10:00: one reminder, overdue day 2, not five
    step = clock.latest(
        due_at=vn(2019, 12, 20, 23, 59, 59), opened_at=vn(2019, 12, 12, 10), policy=policy, now=vn(2019, 12, 24, 10)
    )
    assert step == Step("overdue-2", vn(2019, 12, 24, 8), overdue_days=2)


def test_over_the_weekend_nothing_is_due_and_the_next_step_is_monday(clock, policy):
    due, opened = vn(2019, 12, 13, 23, 59, 59), vn(2019, 12, 12, 10)  # Fri
    saturday = vn(2019, 12, 14, 9)
    assert clock.latest(due_at=due, opened_at=opened, policy=policy, now=saturday) == Step("due", vn(2019, 12, 13, 8))
    assert clock.following(due_at=due, opened_at=opened, policy=policy, now=saturday) == Step(
        "overdue-1", vn(2019, 12, 16, 8), overdue_days=1
    )


def test_over_tet_canh_ty_the_first_overdue_day_is_thursday_30_january(clock, policy):
    # due Wed 22/1/2020, the last working day before Tết (Thu 23/1 … Wed 29/1 off; 25/1 mùng 1)
    due, opened = vn(2020, 1, 22, 23, 59, 59), vn(2020, 1, 15, 9)
    sent = keys_between(clock, policy, due_at=due, opened_at=opened, start=vn(2020, 1, 22, 9), end=vn(2020, 1, 31, 9))
    assert sent == [
        ("due", vn(2020, 1, 22, 8)),
        ("overdue-1", vn(2020, 1, 30, 8)),
        ("overdue-2", vn(2020, 1, 31, 8)),
    ]


def test_3_working_days_before_monday_3_february_2020_is_before_tet(clock, policy):
    # working days back from Mon 3/2/2020: Fri 31/1, Thu 30/1, then over Tết to Wed 22/1
    sent = keys_between(
        clock,
        policy,
        due_at=vn(2020, 2, 3, 23, 59, 59),
        opened_at=vn(2020, 1, 20, 9),
        start=vn(2020, 1, 20, 10),
        end=vn(2020, 2, 3, 9),
    )
    assert sent == [("before-3", vn(2020, 1, 22, 8)), ("before-1", vn(2020, 1, 31, 8)), ("due", vn(2020, 2, 3, 8))]


def test_a_make_up_working_saturday_is_an_overdue_day(clock, policy):
    # due Fri 3/5/2019; Sat 4/5/2019 is worked (for Mon 29/4): overdue day 1 is that Saturday
    following = clock.following(
        due_at=vn(2019, 5, 3, 23, 59, 59), opened_at=vn(2019, 5, 2, 9), policy=policy, now=vn(2019, 5, 3, 12)
    )
    assert following == Step("overdue-1", vn(2019, 5, 4, 8), overdue_days=1)
    # and the next after it is Mon 6/5, overdue day 2
    assert clock.following(
        due_at=vn(2019, 5, 3, 23, 59, 59), opened_at=vn(2019, 5, 2, 9), policy=policy, now=vn(2019, 5, 4, 8)
    ) == Step("overdue-2", vn(2019, 5, 6, 8), overdue_days=2)


def test_an_admins_day_off_moves_the_steps():
    # given an admin-entered day off on Mon 16/12/2019
    clock = StepClock(WorkingCalendar(exceptions={vn(2019, 12, 16).date(): "day_off"}))
    policy = deadline_policy().reminders
    step = clock.following(
        due_at=vn(2019, 12, 13, 23, 59, 59), opened_at=vn(2019, 12, 12, 10), policy=policy, now=vn(2019, 12, 13, 12)
    )
    assert step == Step("overdue-1", vn(2019, 12, 17, 8), overdue_days=1)


def test_overdue_every_2_days_and_no_overdue_reminders(clock):
    every_two = deadline_policy({"reminders": {"overdue_every_working_days": 2}}).reminders
    sent = keys_between(
        clock,
        every_two,
        due_at=vn(2019, 12, 20, 23, 59, 59),
        opened_at=vn(2019, 12, 20, 9),
        start=vn(2019, 12, 20, 10),
        end=vn(2019, 12, 27, 9),
    )
    assert [k for k, _ in sent] == ["due", "overdue-1", "overdue-3", "overdue-5"]

    never = deadline_policy({"reminders": {"overdue_every_working_days": 0, "on_due_day": False}}).reminders
    assert (
        clock.following(
            due_at=vn(2019, 12, 20, 23, 59, 59), opened_at=vn(2019, 12, 20, 9), policy=never, now=vn(2019, 12, 20, 10)
        )
        is None
    )


def test_escalation_reaches_the_units_leaders_from_day_1_and_the_issuers_from_day_3(policy):
    assert escalation(Step("due", vn(2019, 12, 20, 8)), policy) == (False, False)
    assert escalation(Step("overdue-1", vn(2019, 12, 23, 8), overdue_days=1), policy) == (True, False)
    assert escalation(Step("overdue-2", vn(2019, 12, 24, 8), overdue_days=2), policy) == (True, False)
    assert escalation(Step("overdue-3", vn(2019, 12, 25, 8), overdue_days=3), policy) == (True, True)
    off = deadline_policy(
        {"reminders": {"escalate_to_unit_leader_from_overdue_day": 0, "escalate_to_issuer_leader_from_overdue_day": 0}}
    ).reminders
    assert escalation(Step("overdue-9", vn(2020, 1, 3, 8), overdue_days=9), off) == (False, False)
