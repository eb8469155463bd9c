"""Working days and due times of planflow's obligations (issue 4).

Every date here is a local date in Vietnam; every datetime taken or returned is aware and
every datetime returned is in Asia/Ho_Chi_Minh (UTC+07:00). A naive datetime raises
`ValueError`; a `datetime` passed where a `date` is expected raises `TypeError` (a datetime
is a date subclass, and would silently miss every holiday lookup).

The rules and where they come from:

- Working days are Monday to Friday (state offices work a 40-hour week, Quyết định
  188/1999/QĐ-TTg), minus the public holidays of Bộ luật Lao động 2019, Điều 112, lunar
  Tết and Giỗ Tổ Hùng Vương included, with the day swaps the government announced, as the
  `holidays` package knows them; then the admin's `CalendarDay` rows win over both, for
  the days the government moves each year that the package does not know yet.
- A period counted in days starts on the day after the event (Bộ luật Dân sự 2015,
  Điều 147.2); here it counts working days. A period whose last day is a day off ends on the
  next working day (Điều 148.5). A period counted in hours starts at the event itself
  (Điều 147.1) and counts clock hours.
- A period ends when its last day ends (Điều 148.6, "24 giờ"), written 23:59:59 local time.

`WorkingCalendar` reads the `CalendarDay` rows once (one query, on first use) and keeps
them; the module-level functions make a fresh one per call unless given one, so a batch
(the beat task computing many due times) passes one calendar and queries once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from documents.models import Urgency
from notifications.models import CalendarDay, DeadlineDefaults, DeadlineKind

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
END_OF_DAY = time(23, 59, 59)
_ONE_DAY = timedelta(days=1)
_HH_MM = re.compile(r"\d{2}:\d{2}")


# --- the calendar -----------------------------------------------------------------------


@functools.cache
def _package_year(year: int) -> tuple[Mapping[date, str], frozenset[date]]:
    """Return the public holidays (date → Vietnamese name) and make-up working weekend days of `year`.

    From the `holidays` package (static data, so cached for the process). The next year is
    loaded too because a swap across New Year is listed under either year.
    """
    package = holidays.country_holidays("VN", years=(year, year + 1), language="vi")
    days_off = MappingProxyType({d: str(name) for d, name in package.items() if d.year == year})
    workdays = frozenset(d for d in package.weekend_workdays if d.year == year)
    return days_off, workdays


def public_holiday_name(d: date) -> str | None:
    """Return the Vietnamese name of the public holiday or day off on `d` per `holidays`, else None.

    Ignores `CalendarDay` rows (the admin shows it beside them).
    """
    _check_date(d)
    return _package_year(d.year)[0].get(d)


class WorkingCalendar:
    """Vietnam's working days: weekdays, minus public holidays, corrected by `CalendarDay` rows.

    `exceptions` maps dates to `CalendarDay.Kind` values; given, no database is read (pure
    use and tests). Left out, the `CalendarDay` rows are loaded in one query on first use
    and kept for the object's life: make a new calendar to see an admin's later edits.
    """

    def __init__(self, exceptions: Mapping[date, str] | None = None) -> None:
        if exceptions is not None:
            for d, kind in exceptions.items():
                _check_date(d)
                if kind not in CalendarDay.Kind.values:
                    raise ValueError(f"unknown calendar day kind {kind!r} for {d}")
            self._exceptions: dict[date, str] | None = dict(exceptions)
        else:
            self._exceptions = None

    def _exception(self, d: date) -> str | None:
        if self._exceptions is None:
            self._exceptions = dict(CalendarDay.objects.values_list("date", "kind"))
        return self._exceptions.get(d)

    def is_working_day(self, d: date) -> bool:
        """Tell whether offices work on `d` (see the module's rules)."""
        _check_date(d)
        kind = self._exception(d)
        if kind is not None:
            return kind == CalendarDay.Kind.WORKING_DAY
        days_off, workdays = _package_year(d.year)
        if d in days_off:
            return False
        return d.weekday() < 5 or d in workdays

    def roll_forward(self, d: date) -> date:
        """Return `d` when it is a working day, else the next working day (Bộ luật Dân sự 2015, Điều 148.5)."""
        _check_date(d)
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """Return the `n`-th working day after `start`, counting from the day after it.

        Bộ luật Dân sự 2015, Điều 147.2: the event's day is not counted. The result is a
        working day, so Điều 148.5 holds by construction. `n` < 0 counts back: the |n|-th
        working day before `start` (reminders "3 working days before"). `n` == 0 returns
        `roll_forward(start)`.
        """
        _check_date(start)
        if n == 0:
            return self.roll_forward(start)
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        d = start
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Count the working days after `a` up to and including `b`; negative when `b` is before `a`.

        `working_days_between(a, add_working_days(a, n)) == n` for `n` ≥ 1, and with `a` a
        due date and `b` today it is the number of working days overdue.
        """
        _check_date(a)
        _check_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        return sum(1 for i in range(1, (b - a).days + 1) if self.is_working_day(a + timedelta(days=i)))


def is_working_day(d: date, *, calendar: WorkingCalendar | None = None) -> bool:
    """Tell whether offices work on local date `d`; see `WorkingCalendar.is_working_day`."""
    return (calendar or WorkingCalendar()).is_working_day(d)


def roll_forward(d: date, *, calendar: WorkingCalendar | None = None) -> date:
    """Return `d` if a working day, else the next one (Bộ luật Dân sự 2015, Điều 148.5)."""
    return (calendar or WorkingCalendar()).roll_forward(d)


def add_working_days(start: date, n: int, *, calendar: WorkingCalendar | None = None) -> date:
    """Return the `n`-th working day after `start` (Điều 147.2); see `WorkingCalendar.add_working_days`."""
    return (calendar or WorkingCalendar()).add_working_days(start, n)


def working_days_between(a: date, b: date, *, calendar: WorkingCalendar | None = None) -> int:
    """Count working days in (a, b]; see `WorkingCalendar.working_days_between`."""
    return (calendar or WorkingCalendar()).working_days_between(a, b)


# --- instants ---------------------------------------------------------------------------


def to_local(dt: datetime) -> datetime:
    """Return aware `dt` in Asia/Ho_Chi_Minh; raise ValueError when `dt` is naive."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected an aware datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()}: planflow computes with aware datetimes only")
    return dt.astimezone(VN_TZ)


def local_date(dt: datetime) -> date:
    """Return the local date in Vietnam of aware `dt` (ValueError when naive)."""
    return to_local(dt).date()


def end_of_day(d: date) -> datetime:
    """Return the end of local date `d`, 23:59:59 Asia/Ho_Chi_Minh, the due time of a date-only deadline.

    Bộ luật Dân sự 2015, Điều 148.6: the last day of a period ends at 24:00.
    """
    _check_date(d)
    return datetime.combine(d, END_OF_DAY, tzinfo=VN_TZ)


def overdue_working_days(
    due_at: datetime, *, at: datetime | None = None, calendar: WorkingCalendar | None = None
) -> int:
    """Return how many working days `at` (default: now) is past `due_at`; 0 when not past it.

    Counts the working days after the due time's local date up to and including the local
    date of `at`, so the first working day after the due day is overdue day 1; a weekend
    right after the due day adds nothing.
    """
    at = timezone.now() if at is None else at
    if to_local(at) <= to_local(due_at):
        return 0
    return (calendar or WorkingCalendar()).working_days_between(local_date(due_at), local_date(at))


# --- policy -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderPolicy:
    """When reminders go and whom they reach; times are local, counts are working days."""

    send_at: time
    before_working_days: tuple[int, ...]
    on_due_day: bool
    overdue_every_working_days: int
    escalate_to_unit_leader_from_overdue_day: int
    escalate_to_issuer_leader_from_overdue_day: int


@dataclass(frozen=True)
class DeadlinePolicy:
    """`settings.PLANFLOW_DEADLINES` merged with one plan's overrides, parsed and checked."""

    approve_working_days: int
    register_working_days: int
    review_working_days: int
    acknowledge_hoa_toc: timedelta
    office_opens: time
    office_closes: time
    reminders: ReminderPolicy


def setting_defaults() -> Mapping[str, Any]:
    """`settings.PLANFLOW_DEADLINES`, the shipped defaults; ImproperlyConfigured when missing."""
    base = getattr(settings, "PLANFLOW_DEADLINES", None)
    if not isinstance(base, Mapping):
        raise ImproperlyConfigured(
            "settings.PLANFLOW_DEADLINES is missing: base.py must `from .deadlines import PLANFLOW_DEADLINES`"
        )
    return base


def merge_policy(base: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """`overrides` merged over `base` key by key (nested dicts too); ValueError names an unknown key."""
    return _merge(base, overrides or {}, prefix="")


def site_defaults() -> dict[str, Any]:
    """The defaults in force: `settings.PLANFLOW_DEADLINES` with the admin's `DeadlineDefaults` merged in.

    One query. Shape of the setting. Admin values that no longer validate (a key the
    setting dropped) are ignored with the setting's values kept, so a stale row never
    stops the sweep; the admin form refuses such values when they are entered.
    """
    base = setting_defaults()
    values = DeadlineDefaults.objects.filter(pk=DeadlineDefaults.SINGLETON_ID).values_list("values", flat=True).first()
    if not values:
        return dict(base)
    try:
        merged = merge_policy(base, values)
        deadline_policy(defaults=merged)
    except ValueError:
        return dict(base)
    return merged


def deadline_policy(
    overrides: Mapping[str, Any] | None = None, *, defaults: Mapping[str, Any] | None = None
) -> DeadlinePolicy:
    """Return the deadline policy: the defaults with a plan's `overrides` merged in.

    `defaults` is the site policy (`site_defaults()`, which reads the admin's row); without
    it, `settings.PLANFLOW_DEADLINES` alone (no query). `overrides` has the shape of the
    setting (JSON: numbers, booleans, lists, "HH:MM" strings) and may give any subset of its
    keys; nested dicts merge key by key. Raises ValueError naming the key for an unknown key
    or a bad value, and ImproperlyConfigured when the setting is missing.
    """
    base = setting_defaults() if defaults is None else defaults
    cfg = merge_policy(base, overrides)
    reminders = cfg["reminders"]
    before = _working_day_list(reminders, "reminders.before_working_days")
    policy = DeadlinePolicy(
        approve_working_days=_count(cfg, "approve_working_days"),
        register_working_days=_count(cfg, "register_working_days"),
        review_working_days=_count(cfg, "review_working_days"),
        acknowledge_hoa_toc=timedelta(hours=_positive_hours(cfg, "acknowledge_hoa_toc_hours")),
        office_opens=_clock(cfg, "office_opens"),
        office_closes=_clock(cfg, "office_closes"),
        reminders=ReminderPolicy(
            send_at=_clock(reminders, "reminders.send_at"),
            before_working_days=before,
            on_due_day=_flag(reminders, "reminders.on_due_day"),
            overdue_every_working_days=_count(reminders, "reminders.overdue_every_working_days"),
            escalate_to_unit_leader_from_overdue_day=_count(
                reminders, "reminders.escalate_to_unit_leader_from_overdue_day"
            ),
            escalate_to_issuer_leader_from_overdue_day=_count(
                reminders, "reminders.escalate_to_issuer_leader_from_overdue_day"
            ),
        ),
    )
    if policy.office_opens >= policy.office_closes:
        raise ValueError(f"office_opens ({policy.office_opens:%H:%M}) must be before office_closes")
    return policy


# --- due times --------------------------------------------------------------------------


def due_for(
    kind: str,
    event_at: datetime,
    *,
    urgency: str = "",
    overrides: Mapping[str, Any] | None = None,
    calendar: WorkingCalendar | None = None,
    policy: DeadlinePolicy | None = None,
) -> datetime:
    """Return the due time of an obligation of `kind` that an event at `event_at` opened.

    `policy` is the plan's policy (the sweep and the dashboard pass it, built over
    `site_defaults()`); without it, `deadline_policy(overrides)` over the settings alone.

    The event: submission (approve), approval (register), arrival at the recipient
    (acknowledge), arrival of the report (review). approve, register and review are due at
    the end (23:59:59 local) of the N-th working day after the event's local date, N from
    the policy (Bộ luật Dân sự 2015, Điều 147–148).

    acknowledge (Nghị định 30/2020/NĐ-CP, Điều 21: confirm receipt the same working day):
    due at the end of the arrival day when it arrives on a working day before office
    closing time (an arrival before opening is there when the office opens); else at the
    end of the next working day. The due time is the end of that day, not the closing
    time, like every date-only deadline (Điều 148.6). With `urgency` "hoa_toc" (Hỏa tốc):
    the event plus the policy's hours, clock hours, days off included (Điều 147.1: a period
    in hours runs from the event). Other urgencies and other kinds ignore `urgency`.

    Raises ValueError for a naive `event_at`, an unknown kind, "report" (use
    `report_due`), or bad `overrides` (see `deadline_policy`).
    """
    policy = policy or deadline_policy(overrides)
    local = to_local(event_at)
    cal = calendar or WorkingCalendar()
    if kind == DeadlineKind.ACKNOWLEDGE:
        if urgency == Urgency.FLASH:
            return (event_at.astimezone(UTC) + policy.acknowledge_hoa_toc).astimezone(VN_TZ)
        if cal.is_working_day(local.date()) and local.time() < policy.office_closes:
            return end_of_day(local.date())
        return end_of_day(cal.add_working_days(local.date(), 1))
    working_days = {
        DeadlineKind.APPROVE: policy.approve_working_days,
        DeadlineKind.REGISTER: policy.register_working_days,
        DeadlineKind.REVIEW: policy.review_working_days,
    }.get(kind)
    if working_days is None:
        if kind == DeadlineKind.REPORT:
            raise ValueError("a report is due on a date, not after an event: use report_due(end_date)")
        raise ValueError(f"unknown deadline kind {kind!r}: expected approve, register, acknowledge or review")
    return end_of_day(cal.add_working_days(local.date(), working_days))


def report_due(end_date: date, *, calendar: WorkingCalendar | None = None) -> datetime:
    """Return the due time of a report whose deadline is local date `end_date`.

    The end of `end_date` (23:59:59 local), or of the next working day when `end_date` is a
    day off (Bộ luật Dân sự 2015, Điều 148.5–6). The caller picks `end_date`: the end date
    of the unit's tasks in the plan, else the plan's own deadline.
    """
    return end_of_day((calendar or WorkingCalendar()).roll_forward(end_date))


# --- helpers ----------------------------------------------------------------------------


def _check_date(d: object) -> None:
    if isinstance(d, datetime):
        raise TypeError(f"expected a date, got the datetime {d.isoformat()}: use local_date()")
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")


def _merge(base: Mapping[str, Any], overrides: Mapping[str, Any], *, prefix: str) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        if key not in base:
            raise ValueError(f"unknown deadline setting {prefix}{key!r}")
        if isinstance(base[key], Mapping):
            if not isinstance(value, Mapping):
                raise ValueError(f"deadline setting {prefix}{key} must be a mapping, not {value!r}")
            merged[key] = _merge(base[key], value, prefix=f"{prefix}{key}.")
        else:
            merged[key] = value
    return merged


def _leaf(cfg: Mapping[str, Any], path: str) -> Any:
    return cfg[path.rsplit(".", 1)[-1]]


def _is_whole(value: object, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _count(cfg: Mapping[str, Any], path: str) -> int:
    value = _leaf(cfg, path)
    if not _is_whole(value, 0):
        raise ValueError(f"deadline setting {path} must be a whole number ≥ 0, not {value!r}")
    return value


def _working_day_list(cfg: Mapping[str, Any], path: str) -> tuple[int, ...]:
    value = _leaf(cfg, path)
    if not isinstance(value, list | tuple) or not all(_is_whole(n, 1) for n in value):
        raise ValueError(f"deadline setting {path} must be a list of whole numbers ≥ 1, not {value!r}")
    return tuple(sorted(set(value), reverse=True))


def _positive_hours(cfg: Mapping[str, Any], path: str) -> float:
    value = _leaf(cfg, path)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"deadline setting {path} must be a number of hours > 0, not {value!r}")
    return value


def _flag(cfg: Mapping[str, Any], path: str) -> bool:
    value = _leaf(cfg, path)
    if not isinstance(value, bool):
        raise ValueError(f"deadline setting {path} must be true or false, not {value!r}")
    return value


def _clock(cfg: Mapping[str, Any], path: str) -> time:
    value = _leaf(cfg, path)
    if not isinstance(value, str) or not _HH_MM.fullmatch(value):
        raise ValueError(f'deadline setting {path} must be a local time "HH:MM", not {value!r}')
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"deadline setting {path} is not a time of day: {value!r}") from None
