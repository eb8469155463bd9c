"""`manage.py reminders --dry-run [--at]`: what would be sent, to whom and why; nothing changes."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Notification, Obligation, Reminder, SweepCursor
from tests.notifications.conftest import vn

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("reminders", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_what_would_be_sent_to_whom_and_why_and_changes_nothing(december_plan, sweep, act, at):
    # given the plan dispatched and swept on arrival; Tứ Kỳ acknowledged since
    plan = december_plan()
    sweep(vn(2019, 12, 12, 10, 1))
    with at(vn(2019, 12, 12, 15)):
        act(plan, "acknowledge", "cb-tu-ky", delivery=plan.deliveries.get(unit__code="mttq-tu-ky"))
    before = (Obligation.objects.count(), Reminder.objects.count(), Notification.objects.count())
    cursor = SweepCursor.objects.get().last_id
    next_times = list(Obligation.objects.order_by("pk").values_list("next_reminder_at", flat=True))

    # when a dry run looks at Tue 17/12 08:00
    out = run("--dry-run", "--at", "2019-12-17T08:00")

    # then it tells what a sweep then would do
    assert out.splitlines()[0] == "Chạy thử lúc 17/12/2019 08:00 +0700 – không thay đổi gì."
    assert "Sẽ mở 1 việc mới:" in out
    assert (
        "  + báo cáo kết quả thực hiện kế hoạch – Kế hoạch số 01/KH-MTTQ-BTT – "
        "Ban Thường trực Ủy ban MTTQ huyện Tứ Kỳ – hạn hết ngày 20/12/2019"
    ) in out
    assert "Sẽ đóng 1 việc (đã xử lý, từ chối hoặc thu hồi), không nhắc nữa:" in out
    assert (
        "  - xác nhận đã nhận kế hoạch – Kế hoạch số 01/KH-MTTQ-BTT – "
        "Ban Thường trực Ủy ban MTTQ huyện Tứ Kỳ (Đã xử lý)"
    ) in out
    assert (
        "  [overdue-3] Kế hoạch số 01/KH-MTTQ-BTT – xác nhận đã nhận kế hoạch – Ban Thường trực Ủy ban MTTQ huyện "
        "Gia Lộc – hạn hết ngày 12/12/2019 – đã quá hạn 3 ngày làm việc"
    ) in out
    assert (
        "      → ld-gia-loc (Lãnh đạo MTTQ Gia Lộc, ld-gia-loc@planflow.local): "
        "lãnh đạo của đơn vị phải thực hiện (quá hạn 3 ngày làm việc); thư: immediate"
    ) in out
    assert (
        "      → lanhdao (Trần Văn Hùng, lanhdao@planflow.local): "
        "lãnh đạo của đơn vị ban hành (quá hạn 3 ngày làm việc); thư: immediate"
    ) in out
    # the report of Tứ Kỳ is due Fri 20/12: 3 working days before is Tue 17/12 08:00
    assert (
        "  [before-3] Kế hoạch số 01/KH-MTTQ-BTT – báo cáo kết quả thực hiện kế hoạch – "
        "Ban Thường trực Ủy ban MTTQ huyện Tứ Kỳ"
    ) in out
    # 9 districts with officer, leader, provincial leader; Sở TN&MT with 2; Tứ Kỳ's officer for its report
    assert "Sẽ gửi 30 lần nhắc:" in out
    # and nothing changed
    assert (Obligation.objects.count(), Reminder.objects.count(), Notification.objects.count()) == before
    assert SweepCursor.objects.get().last_id == cursor
    assert list(Obligation.objects.order_by("pk").values_list("next_reminder_at", flat=True)) == next_times


def test_at_is_for_dry_runs_only(db):
    with pytest.raises(CommandError, match="--at chỉ dùng với --dry-run"):
        run("--at", "2019-12-17T08:00")
    with pytest.raises(CommandError, match="không đọc được"):
        run("--dry-run", "--at", "hôm qua")


def test_a_real_run_sweeps_now(december_plan, at):
    december_plan()
    with at(vn(2019, 12, 12, 10, 1)):
        out = run()
    # 11 obligations (10 acknowledgements, the review of nothing yet: see test_sweep), each announced once
    # to its unit's officer ("Việc mới"), and the "due" step of each acknowledgement due today
    assert out == (
        "Đã mở 11 việc (giao gửi 11 thông báo việc mới), đóng 0, giao gửi 11 lần nhắc "
        "(gửi lại 0 nhắc, 0 thư bị thất lạc).\n"
    )
