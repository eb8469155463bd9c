"""A deputy in force is reminded of what the leader they stand in for would be reminded of."""

from __future__ import annotations

import datetime as dt

import pytest

from documents import services as document_services
from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
from notifications.models import DeadlineKind, Reminder
from tests.notifications.conftest import vn

pytestmark = pytest.mark.django_db


def test_the_deputy_gets_the_leaders_reminders_only_while_the_deputyship_is_in_force(december_plan, sweep, at, user_of):
    # given the leader away on Tue 10/12/2019 only, with the clerk named as deputy the day before
    with at(vn(2019, 12, 9, 8, 0)):
        document_services.deputyship_create(
            unit=demo_unit(PROVINCIAL_COMMITTEE),
            leader=user_of("lanhdao"),
            deputy=user_of("vanthu"),
            starts_on=dt.date(2019, 12, 10),
            ends_on=dt.date(2019, 12, 10),
            reason="Nghỉ phép",
            actor=user_of("lanhdao"),
        )
    # and a plan submitted Mon 9/12 09:00 (approval due at the end of Wed 11/12)
    plan = december_plan(through="submit")
    sweep(vn(2019, 12, 9, 9, 1))

    # when the reminder one working day before (Tue 10/12 08:00) and the due-day one (Wed 11/12) go
    sweep(vn(2019, 12, 10, 8, 0))
    sweep(vn(2019, 12, 11, 8, 0))

    # then the deputy was told on the day they stood in, and only then; the leader on submission
    # (the new-task notice, before the deputyship began) and both days
    sent = Reminder.objects.filter(obligation__plan=plan, obligation__kind=DeadlineKind.APPROVE)
    by_person = sorted(sent.values_list("recipient__username", "step", "reason"))
    assert by_person == [
        ("lanhdao", "before-1", "lãnh đạo của đơn vị phải thực hiện"),
        ("lanhdao", "due", "lãnh đạo của đơn vị phải thực hiện"),
        ("lanhdao", "opened", "lãnh đạo của đơn vị phải thực hiện"),
        ("vanthu", "before-1", "người thay mặt lãnh đạo của đơn vị phải thực hiện"),
    ]
