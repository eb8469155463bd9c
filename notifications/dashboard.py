"""The leaders' dashboard: plans by state, on-time rates per recipient unit, overdue list, chart.

The numbers come from `documents.selectors.leader_dashboard` (the deliveries' stored due
times, the one lateness rule of every page); this module counts days late in working days
and lays the chart out as inline SVG (no JavaScript, no CDN).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from documents import selectors
from documents.models import Membership, Plan
from notifications import calendar
from notifications.services import may_urge


def working_days_late() -> Callable[[datetime, datetime], int]:
    """`days_late` for `selectors.leader_dashboard`: working days `now` is past a due time, as the
    lateness report counts them (`calendar.overdue_working_days`; one query for the days off, shared)."""
    working = calendar.WorkingCalendar()

    def days_late(due_at: datetime, now: datetime) -> int:
        return calendar.overdue_working_days(due_at, at=now, calendar=working)

    return days_late


# --- the chart ---------------------------------------------------------------------------

CHART_LEFT, CHART_STEP, CHART_BAR = 22, 26, 10
CHART_BASE, CHART_TOP, CHART_HEIGHT = 52, 8, 66


@dataclass
class Bar:
    x: int
    y: float
    height: float
    kind: str  # "on-time" or "late"
    title: str


@dataclass
class ChartRow:
    """One unit's small chart: a pair of bars (on time, late) per month of arrival."""

    unit_name: str
    on_time: int
    late: int
    width: int  # of the drawing (viewBox); shown up to twice as wide, never wider than the screen
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[int, str]] = field(default_factory=list)


def chart_rows(dashboard: selectors.LeaderDashboard) -> tuple[list[ChartRow], int]:
    """Lay out the series as bars on one scale (the largest month count of any unit); returns (rows, scale)."""
    months = dashboard.months
    scale = max([1, *(n for s in dashboard.series for n in (*s.on_time, *s.late))])
    per_unit = (CHART_BASE - CHART_TOP) / scale
    width = CHART_LEFT + CHART_STEP * len(months) + 4
    labels = [(CHART_LEFT + CHART_STEP * i + CHART_BAR, m.strftime("%m/%y")) for i, m in enumerate(months)]
    rows = []
    for series in dashboard.series:
        row = ChartRow(series.unit.name, sum(series.on_time), sum(series.late), width, labels=labels)
        for i, month in enumerate(months):
            x = CHART_LEFT + CHART_STEP * i + 2
            for offset, kind, n, words in (
                (0, "on-time", series.on_time[i], _("đúng hạn")),
                (CHART_BAR + 1, "late", series.late[i], _("trễ hạn")),
            ):
                if n:
                    height = n * per_unit
                    title = _("%(unit)s, tháng %(month)s: %(count)s việc %(words)s") % {
                        "unit": series.unit.name,
                        "month": f"{month:%m/%Y}",
                        "count": n,
                        "words": words,
                    }
                    row.bars.append(Bar(x + offset, CHART_BASE - height, height, kind, title))
        rows.append(row)
    return rows, scale


def urgeable_delivery_ids(*, user: AbstractBaseUser, overdue: list[selectors.OverdueRow]) -> set[int]:
    """Ids of the overdue deliveries whose plan `user` may urge (`services.may_urge`: a leader of its
    issuing unit) while it is in execution. One permission check per issuing unit, not per row."""
    allowed: dict[int, bool] = {}
    ids = set()
    for row in overdue:
        plan = row.delivery.plan
        if plan.issuer_id not in allowed:
            allowed[plan.issuer_id] = may_urge(user=user, plan=plan)
        if allowed[plan.issuer_id] and plan.state == Plan.State.IN_EXECUTION:
            ids.add(row.delivery.pk)
    return ids


@login_required
def leader_dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard of the units the person leads; other people get 403."""
    if not selectors.unit_ids_of(request.user, Membership.Role.LEADER).exists():
        raise PermissionDenied(_("Trang tổng hợp dành cho lãnh đạo đơn vị."))
    dashboard = selectors.leader_dashboard(user=request.user, days_late=working_days_late())
    rows, scale = chart_rows(dashboard)
    context = {
        "dashboard": dashboard,
        "urgeable": urgeable_delivery_ids(user=request.user, overdue=dashboard.overdue),
        "chart_rows": rows,
        "chart_scale": scale,
        "chart_base": CHART_BASE,
        "chart_top": CHART_TOP,
        "chart_height": CHART_HEIGHT,
        "chart_bar": CHART_BAR,
    }
    return render(request, "workflow/dashboard.html", context)
