"""Default due times and reminder policy of planflow (issue 4), imported by `base.py`.

A plan's drafter can override any key for one plan (`notifications.calendar.deadline_policy`
merges the plan's overrides over this dict and validates the result), so every value is
JSON: numbers, booleans, lists and "HH:MM" strings in local time (Asia/Ho_Chi_Minh).

Periods in days count working days from the day after the event and end at 23:59:59 local
time of their last day (Bộ luật Dân sự 2015, Điều 147–148); working days are Monday to
Friday minus public holidays, corrected by the admin's `CalendarDay` rows.
"""

__all__ = ["PLANFLOW_DEADLINES"]

PLANFLOW_DEADLINES = {
    # The approving leader decides within 2 working days after the plan is submitted.
    "approve_working_days": 2,
    # The clerk registers (vào sổ) and issues within 1 working day after approval.
    "register_working_days": 1,
    # The issuing unit reviews a report within 2 working days after it arrives.
    "review_working_days": 2,
    # A recipient confirms receipt by the end of the working day the plan arrives, or of the
    # next working day when it arrives after office hours or on a day off (Nghị định
    # 30/2020/NĐ-CP, Điều 21). A Hỏa tốc plan: within this many clock hours of arrival.
    "acknowledge_hoa_toc_hours": 2,
    # Office hours, local time. Only the closing time changes a due time (see above).
    "office_opens": "07:30",
    "office_closes": "17:00",
    "reminders": {
        # Local time at which reminders of a day go out.
        "send_at": "08:00",
        # Before the due day, in working days.
        "before_working_days": [3, 1],
        # On the due day itself.
        "on_due_day": True,
        # After the due day: every N working days (0: none).
        "overdue_every_working_days": 1,
        # Overdue days are working days after the due day (the first working day after it is 1).
        # From this overdue day on, the responsible unit's leader is told too (0: never).
        "escalate_to_unit_leader_from_overdue_day": 1,
        # From this overdue day on, the issuing unit's leader is told too (0: never).
        "escalate_to_issuer_leader_from_overdue_day": 3,
    },
}
