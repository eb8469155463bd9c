"""The reminder steps of one obligation: when each goes, pure arithmetic over the calendar.

The policy (`calendar.ReminderPolicy`, from `settings.PLANFLOW_DEADLINES` and the plan's
overrides) names the steps; with D the local date of the due time and T the policy's
`send_at` (08:00):

- ``before-N``: T on the N-th working day before D (issue 4: "3 and 1 working days before");
- ``due``: T on D; when T on D is not before the due time (a Hỏa tốc plan due at 07:30)
  or has passed when the obligation opens on its due day, at the opening itself, so an
  obligation due today is always announced once before its due time;
- ``overdue-N``: T on overdue day N, the N-th working day after D (`overdue_working_days`
  counts the same way), for N = 1, 1+k, 1+2k… with k = `overdue_every_working_days`.

A step before the obligation opened is never sent. When the sweep comes late (the beat was
down over a weekend), only the latest step due is sent, never a pile of stale ones.

Escalation: from overdue day `escalate_to_unit_leader_from_overdue_day` the responsible
unit's leaders are told too, from `escalate_to_issuer_leader_from_overdue_day` the
issuing unit's leaders (0: never).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from notifications.calendar import VN_TZ, ReminderPolicy, WorkingCalendar, to_local

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Step:
    """One reminder step: its key (unique per obligation), when it goes, and how late it is."""

    key: str
    at: datetime
    overdue_days: int = 0
    before_days: int = 0

    @property
    def is_overdue(self) -> bool:
        return self.overdue_days > 0


class StepClock:
    """Compute the steps of obligations with one calendar, memoising the working-day counts.

    One clock serves a whole sweep batch: obligations share due dates, so the count of
    overdue days from a due date to today is computed once per due date.
    """

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self._between: dict[tuple[date, date], int] = {}
        self._added: dict[tuple[date, int], date] = {}
        self._rolled_back: dict[date, date] = {}

    # --- calendar helpers -------------------------------------------------------------

    def _at(self, d: date, policy: ReminderPolicy) -> datetime:
        return datetime.combine(d, policy.send_at, tzinfo=VN_TZ)

    def _overdue_count(self, due_date: date, today: date) -> int:
        key = (due_date, today)
        if key not in self._between:
            self._between[key] = max(0, self.calendar.working_days_between(due_date, today))
        return self._between[key]

    def _add(self, d: date, n: int) -> date:
        """`calendar.add_working_days`, memoised: a batch asks the same dates again and again."""
        key = (d, n)
        if key not in self._added:
            self._added[key] = self.calendar.add_working_days(d, n)
        return self._added[key]

    def _last_working_day_until(self, d: date) -> date:
        if d not in self._rolled_back:
            day = d
            while not self.calendar.is_working_day(day):
                day = date.fromordinal(day.toordinal() - 1)
            self._rolled_back[d] = day
        return self._rolled_back[d]

    # --- steps ------------------------------------------------------------------------

    def fixed_steps(self, *, due_at: datetime, opened_at: datetime, policy: ReminderPolicy) -> list[Step]:
        """The steps up to the due time (before-N, due), in time order; none before the opening."""
        due_at, opened_at = to_local(due_at), to_local(opened_at)
        due_date = due_at.date()
        steps: list[Step] = []
        for n in sorted(policy.before_working_days, reverse=True):
            at = self._at(self._add(due_date, -n), policy)
            if opened_at <= at < due_at:
                steps.append(Step(f"before-{n}", at, before_days=n))
        if policy.on_due_day and opened_at < due_at:
            at = self._at(due_date, policy)
            if at >= due_at:
                at = opened_at
            steps.append(Step("due", max(at, opened_at)))
        return sorted(steps, key=lambda s: s.at)

    def _overdue_valid(self, n: int, policy: ReminderPolicy) -> bool:
        every = policy.overdue_every_working_days
        return every > 0 and n >= 1 and (n - 1) % every == 0

    def latest(self, *, due_at: datetime, opened_at: datetime, policy: ReminderPolicy, now: datetime) -> Step | None:
        """The latest step due at `now` (at or before it, not before the opening), or None."""
        now, opened_at = to_local(now), to_local(opened_at)
        found = [s for s in self.fixed_steps(due_at=due_at, opened_at=opened_at, policy=policy) if s.at <= now]
        best = found[-1] if found else None
        overdue = self._latest_overdue(due_at=to_local(due_at), opened_at=opened_at, policy=policy, now=now)
        if overdue is not None and (best is None or overdue.at >= best.at):
            best = overdue
        return best

    def _latest_overdue(
        self, *, due_at: datetime, opened_at: datetime, policy: ReminderPolicy, now: datetime
    ) -> Step | None:
        if policy.overdue_every_working_days <= 0 or now <= due_at:
            return None
        due_date = due_at.date()
        n = self._overdue_count(due_date, now.date())
        if n < 1:
            return None
        day = self._last_working_day_until(now.date())  # the n-th working day after the due date
        while n >= 1:
            at = self._at(day, policy)
            if at < opened_at:
                return None
            if self._overdue_valid(n, policy) and at <= now:
                return Step(f"overdue-{n}", at, overdue_days=n)
            n -= 1
            day = self._add(day, -1)
        return None

    def following(self, *, due_at: datetime, opened_at: datetime, policy: ReminderPolicy, now: datetime) -> Step | None:
        """The first step strictly after `now` (and not before the opening), or None when none is left."""
        now, opened_at, due_at = to_local(now), to_local(opened_at), to_local(due_at)
        for step in self.fixed_steps(due_at=due_at, opened_at=opened_at, policy=policy):
            if step.at > now:
                return step
        if policy.overdue_every_working_days <= 0:
            return None
        due_date = due_at.date()
        after = max(now, opened_at)
        if after.date() <= due_date:
            n, day = 1, self._add(due_date, 1)
        else:
            n = self._overdue_count(due_date, after.date())
            day = self._last_working_day_until(after.date()) if n >= 1 else self._add(due_date, 1)
            n = max(n, 1)
        # At most `every` + 1 working days ahead: bounded.
        for _ in range(policy.overdue_every_working_days + 2):
            at = self._at(day, policy)
            if self._overdue_valid(n, policy) and at > now and at >= opened_at:
                return Step(f"overdue-{n}", at, overdue_days=n)
            n += 1
            day = self._add(day, 1)
        return None

    def first(self, *, due_at: datetime, opened_at: datetime, policy: ReminderPolicy) -> Step | None:
        """The first step of a newly opened obligation (the due step may be at the opening itself)."""
        just_before = to_local(opened_at) - _TICK
        return self.following(due_at=due_at, opened_at=opened_at, policy=policy, now=just_before)


def escalation(step: Step, policy: ReminderPolicy) -> tuple[bool, bool]:
    """(tell the responsible unit's leaders, tell the issuing unit's leaders) at `step`."""
    unit_from = policy.escalate_to_unit_leader_from_overdue_day
    issuer_from = policy.escalate_to_issuer_leader_from_overdue_day
    return (
        unit_from > 0 and step.overdue_days >= unit_from,
        issuer_from > 0 and step.overdue_days >= issuer_from,
    )


__all__ = ["Step", "StepClock", "escalation"]
