"""Reads of the documents app, with visibility applied.

Who sees a plan (DESIGN.md, "Permissions"):
- members of the issuing unit see its plans, except other people's drafts that
  were never submitted;
- members of a recipient unit see the plan from its dispatch on (a delivery to
  their unit exists), whatever happened to the delivery afterwards.
A single fetch for a person who may not see the plan raises Http404.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from documents.models import Delivery, Membership, Plan, PlanEvent, Recipient, Report, Unit


def unit_ids_of(user: AbstractBaseUser, *roles: str) -> QuerySet:
    """Ids of the units where `user` holds one of `roles` (any role when none given)."""
    memberships = Membership.objects.filter(user_id=user.pk)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return memberships.values("unit_id")


def plan_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Plan]:
    """Plans `user` may see, newest first, with the issuer loaded."""
    if not user.is_authenticated:
        return Plan.objects.none()
    my_units = unit_ids_of(user)
    issued = Q(issuer_id__in=my_units) & (~Q(state=Plan.State.DRAFT) | Q(drafter_id=user.pk))
    received = Exists(Delivery.objects.filter(plan_id=OuterRef("pk"), unit_id__in=unit_ids_of(user)))
    return Plan.objects.filter(issued | Q(received)).select_related("issuer", "drafter").order_by("-created_at")


def plan_get_for_user(*, user: AbstractBaseUser, plan_id: int) -> Plan:
    """One plan `user` may see; Http404 otherwise (a guessed id reveals nothing)."""
    try:
        return plan_list_for_user(user=user).get(pk=plan_id)
    except Plan.DoesNotExist:
        raise Http404("Không tìm thấy kế hoạch.") from None


def user_is_issuer_member(*, user: AbstractBaseUser, plan: Plan) -> bool:
    """True when `user` holds any role in the plan's issuing unit."""
    return Membership.objects.filter(user_id=user.pk, unit_id=plan.issuer_id).exists()


@dataclass
class BoardRow:
    """One recipient unit on a plan's status board, with every step's time and person."""

    delivery: Delivery
    steps: list[PlanEvent]
    reports: list[Report]


def plan_board(*, plan: Plan) -> list[BoardRow]:
    """The status board of a plan: one row per delivery, in three queries whatever its size."""
    deliveries = list(
        plan.deliveries.select_related("unit", "acknowledged_by")
        .prefetch_related(
            Prefetch("events", queryset=PlanEvent.objects.select_related("actor").order_by("created_at", "id")),
            Prefetch("reports", queryset=Report.objects.select_related("submitted_by", "reviewed_by")),
        )
        .order_by("unit__name", "id")
    )
    return [BoardRow(delivery=d, steps=list(d.events.all()), reports=list(d.reports.all())) for d in deliveries]


def plan_board_summary(*, plan: Plan) -> list[tuple[str, str, int]]:
    """(state, label, count) of the plan's deliveries per state, in the order of `Delivery.State`."""
    from django.db.models import Count

    counts = dict(plan.deliveries.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    return [(state, str(label), counts[state]) for state, label in Delivery.State.choices if state in counts]


def plan_timeline(*, plan: Plan) -> QuerySet[PlanEvent]:
    """Every audit record of the plan, oldest first, with actor and unit loaded."""
    return plan.events.select_related("actor", "on_behalf_of", "delivery__unit").order_by("sequence")


def deliveries_for_user(*, user: AbstractBaseUser, plan: Plan) -> QuerySet[Delivery]:
    """The plan's deliveries to units where `user` holds a role."""
    return plan.deliveries.filter(unit_id__in=unit_ids_of(user)).select_related("unit")


def report_get_for_user(*, user: AbstractBaseUser, report_id: int) -> Report:
    """A report whose file `user` may download: the reporting unit's members and the issuer's; else Http404."""
    report = (
        Report.objects.select_related("delivery__plan", "delivery__unit")
        .filter(pk=report_id)
        .filter(Q(delivery__unit_id__in=unit_ids_of(user)) | Q(delivery__plan__issuer_id__in=unit_ids_of(user)))
        .first()
    )
    if report is None:
        raise Http404("Không tìm thấy báo cáo.")
    return report


def units_for_correction(*, plan: Plan) -> QuerySet[Unit]:
    """Units the clerk may add as recipients after dispatch: active ones not already receiving it."""
    taken = plan.deliveries.exclude(state__in=[Delivery.State.REFUSED, Delivery.State.WITHDRAWN]).values("unit_id")
    return (
        Unit.objects.filter(is_active=True).exclude(pk__in=taken).exclude(pk=plan.issuer_id).order_by("level", "name")
    )


def plan_recognition(*, plan: Plan):
    """What recognition reads in the plan's source text (parts with their lines, warnings), or None."""
    from documents.recognition import recognize

    return recognize(plan.source_text) if plan.source_text else None


def _version_text(version) -> list[str]:
    lines = [f"Trích yếu: {version.title}"]
    lines += [f"Căn cứ: {item}" for item in version.legal_basis]
    lines += [f"Mục: {item}" for item in version.sections]
    lines += ["", *version.body.splitlines(), ""]
    lines += [
        f"Nơi nhận: {r['phrase']} ({r['purpose']}{', báo cáo' if r.get('requires_report') else ''})"
        for r in version.recipients
    ]
    return lines


def plan_changes_since_return(*, plan: Plan) -> list[str]:
    """Lines of a unified diff from the version a leader last returned to the latest submitted one.

    Empty when the plan was never returned or not resubmitted since.
    """
    import difflib

    last_return = plan.events.filter(action=PlanEvent.Action.RETURN).order_by("-created_at", "-id").first()
    if last_return is None:
        return []
    versions = list(plan.versions.order_by("version"))
    returned = [v for v in versions if v.submitted_at <= last_return.created_at]
    resubmitted = [v for v in versions if v.submitted_at > last_return.created_at]
    if not returned or not resubmitted:
        return []
    before, after = returned[-1], resubmitted[-1]
    return list(
        difflib.unified_diff(
            _version_text(before),
            _version_text(after),
            fromfile=f"Bản trình lần {before.version}",
            tofile=f"Bản trình lần {after.version}",
            lineterm="",
            n=1,
        )
    )


def plan_attachments(*, plan: Plan):
    """The plan's attached files, oldest first."""
    return plan.attachments.select_related("uploaded_by").order_by("uploaded_at", "id")


def attachment_get_for_user(*, user: AbstractBaseUser, attachment_id: int):
    """An attachment of a plan `user` may see; Http404 otherwise."""
    from documents.models import PlanAttachment

    attachment = PlanAttachment.objects.filter(pk=attachment_id, plan__in=plan_list_for_user(user=user)).first()
    if attachment is None:
        raise Http404("Không tìm thấy tệp.")
    return attachment


def last_return(*, plan: Plan) -> PlanEvent | None:
    """The leader's latest "return" record of the plan (its comment tells the drafter what to fix)."""
    return plan.events.filter(action=PlanEvent.Action.RETURN).select_related("actor").order_by("-sequence").first()


def refused_awaiting_correction(*, plan: Plan) -> list[Delivery]:
    """Deliveries refused as wrongly addressed whose unit is still on the recipients list.

    Each carries `refusal_reason`, the comment of its refusal record.
    """
    from django.db.models import OuterRef, Subquery

    reason = PlanEvent.objects.filter(delivery_id=OuterRef("pk"), action=PlanEvent.Action.REFUSE).order_by("-sequence")
    return list(
        plan.deliveries.filter(state=Delivery.State.REFUSED, recipient__removed_at__isnull=True)
        .select_related("unit")
        .annotate(refusal_reason=Subquery(reason.values("comment")[:1]))
    )


# --- the plan list: filters and search --------------------------------------------------


def _open_delivery_q(prefix: str = "") -> Q:
    """Deliveries still waiting on someone: not closed in the sense of `Delivery.is_closed`."""
    return ~Q(**{f"{prefix}state__in": Delivery.CLOSED_STATES}) & ~Q(
        **{f"{prefix}state": Delivery.State.ACKNOWLEDGED, f"{prefix}requires_report": False}
    )


def overdue_delivery_q(*, today: date) -> Q:
    """Deliveries overdue on `today`: not closed, of a plan in execution whose schedule ended before today.

    A stand-in until the notifications app gives each obligation its own due time.
    """
    return _open_delivery_q() & Q(plan__state=Plan.State.IN_EXECUTION, plan__schedule_end__lt=today)


def plan_search(
    *,
    user: AbstractBaseUser,
    q: str = "",
    state: str = "",
    issuer_id: int | None = None,
    recipient_unit_id: int | None = None,
    year: int | None = None,
    overdue: bool = False,
    today: date | None = None,
) -> QuerySet[Plan]:
    """The plans `user` may see, filtered, newest first; each carries `is_overdue`.

    `recipient_unit_id` matches every plan ever addressed to the unit (a unit removed from
    the recipients after refusing still finds it). `year` is the issue year, or the year the
    draft was created when the plan has no issue date yet. `q` ignores case, diacritics and
    tone placement ("thanh ha" finds "Thanh Hà", "Ủy" finds "Uỷ"): every word of it must
    start a word of the title, the number, the issuer's name or a recipient's name or phrase.
    """
    today = today or timezone.localdate()
    plans = plan_list_for_user(user=user)
    if state:
        plans = plans.filter(state=state)
    if issuer_id:
        plans = plans.filter(issuer_id=issuer_id)
    if recipient_unit_id:
        plans = plans.filter(Exists(Recipient.objects.filter(plan_id=OuterRef("pk"), unit_id=recipient_unit_id)))
    if year:
        plans = plans.filter(Q(issue_date__year=year) | Q(issue_date__isnull=True, created_at__year=year))
    plans = plans.annotate(
        is_overdue=Exists(Delivery.objects.filter(overdue_delivery_q(today=today), plan_id=OuterRef("pk")))
    )
    if overdue:
        plans = plans.filter(is_overdue=True)
    if q.strip():
        plans = plans.filter(pk__in=_plan_ids_matching(plans, q))
    return plans


def _plan_ids_matching(plans: QuerySet[Plan], q: str) -> list[int]:
    """Ids of `plans` whose folded text has every folded word of `q` at the start of a word.

    Trade-off: the folding (`documents.recognition.fold`: NFC, one tone placement, no
    diacritics) runs in Python, over the candidates the other filters left (two queries,
    a few short columns per plan), because neither SQLite nor PostgreSQL without the
    `unaccent` extension folds Vietnamese in SQL. This is bounded by what one person may
    see; when that grows to tens of thousands of plans, store the folded text in an
    indexed `Plan.search_key` column written by the services (and trigram-index it on
    PostgreSQL), and filter with `search_key__contains` instead.
    """
    from documents.recognition import fold

    words = [re.compile(r"(?<![0-9a-z])" + re.escape(word)) for word in fold(q).split()]
    texts: dict[int, list[str]] = {}
    for pk, title, number_symbol, issuer_name, issuer_short in plans.values_list(
        "pk", "title", "number_symbol", "issuer__name", "issuer__short_name"
    ):
        texts[pk] = [title, number_symbol, issuer_name, issuer_short]
    recipients = Recipient.objects.filter(plan_id__in=plans.values("pk")).values_list("plan_id", "phrase", "unit__name")
    for plan_id, phrase, unit_name in recipients:
        if plan_id in texts:
            texts[plan_id] += [phrase, unit_name or ""]
    matching = []
    for pk, parts in texts.items():
        haystack = fold(" | ".join(part for part in parts if part))
        if all(word.search(haystack) for word in words):
            matching.append(pk)
    return matching


@dataclass
class PlanFilterChoices:
    """What the plan list's filters offer one person: only units and years of plans they may see."""

    issuers: list[Unit]
    recipient_units: list[Unit]
    years: list[int]


def plan_filter_choices(*, user: AbstractBaseUser) -> PlanFilterChoices:
    """The issuing units, recipient units and years of the plans `user` may see (four queries)."""
    visible = plan_list_for_user(user=user).values("pk")
    issuers = list(Unit.objects.filter(plans__in=visible).distinct().order_by("name"))
    recipient_units = list(
        Unit.objects.filter(pk__in=Recipient.objects.filter(plan_id__in=visible).values("unit_id")).order_by("name")
    )
    plans = Plan.objects.filter(pk__in=visible)
    years = {d.year for d in plans.dates("issue_date", "year")}
    years |= {d.year for d in plans.filter(issue_date__isnull=True).datetimes("created_at", "year")}
    return PlanFilterChoices(issuers=issuers, recipient_units=recipient_units, years=sorted(years, reverse=True))


# --- the leaders' dashboard ----------------------------------------------------------------


def _end_of_local_day(d: date) -> datetime:
    """23:59:59 local time of `d`, the end of a date-only deadline."""
    return datetime.combine(d, time(23, 59, 59), tzinfo=timezone.get_current_timezone())


def same_day_acknowledge_due(delivery: Delivery) -> datetime:
    """Due time of an acknowledgement without a working-day calendar: the end of the day it was sent."""
    return _end_of_local_day(timezone.localtime(delivery.sent_at).date())


def _on_time(*, done_at, waiting: bool, due, now) -> bool | None:
    """Whether a step was on time: known once done, or once still waiting past `due`; else None."""
    if done_at is not None:
        return done_at <= due
    if waiting and now > due:
        return False
    return None


@dataclass
class UnitRate:
    """A recipient unit's record on the plans of the leader's units: on time and late, per obligation."""

    unit: Unit
    acknowledged_on_time: int = 0
    acknowledged_late: int = 0
    reported_on_time: int = 0
    reported_late: int = 0

    @staticmethod
    def _rate(on_time: int, late: int) -> int | None:
        return round(100 * on_time / (on_time + late)) if on_time + late else None

    @property
    def acknowledge_rate(self) -> int | None:
        """Percent of acknowledgements on time, None when nothing was due yet."""
        return self._rate(self.acknowledged_on_time, self.acknowledged_late)

    @property
    def report_rate(self) -> int | None:
        """Percent of reports on time, None when nothing was due yet."""
        return self._rate(self.reported_on_time, self.reported_late)


@dataclass
class OverdueRow:
    """An open obligation past its due time: the delivery, what is missing, since when."""

    delivery: Delivery
    what: str
    due_at: datetime
    days_late: int


@dataclass
class UnitSeries:
    """On-time and late obligations of one unit per month (of arrival), aligned with `LeaderDashboard.months`."""

    unit: Unit
    on_time: list[int]
    late: list[int]


@dataclass
class LeaderDashboard:
    units: list[Unit]
    plans_by_state: list[tuple[str, str, int]]
    unit_rates: list[UnitRate]
    overdue: list[OverdueRow]
    months: list[date]
    series: list[UnitSeries]


def _month_starts(first: date, last: date) -> list[date]:
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def leader_dashboard(
    *,
    user: AbstractBaseUser,
    months: int = 12,
    now: datetime | None = None,
    acknowledge_due: Callable[[Delivery], datetime] = same_day_acknowledge_due,
    report_due: Callable[[date], datetime] = _end_of_local_day,
) -> LeaderDashboard:
    """What a leader watches over the plans of the units they lead, in four queries whatever their number.

    - plans by state (those the leader may see);
    - per recipient unit, acknowledgements and reports on time and late, over the deliveries
      sent in the last `months` months: an acknowledgement is on time by `acknowledge_due`
      (Nghị định 30/2020/NĐ-CP, Điều 21: the same working day; the caller passes the working-day
      calendar, the default is the end of the calendar day it was sent); a report is on time when
      its first version came by `report_due(plan.schedule_end)`. One still missing after its due
      time counts as late; refused deliveries and those still within time count in neither;
    - every obligation of a recipient unit past its due time (not limited to the window), most
      late first: acknowledgements not given, reports not sent or not completed after a return;
    - on-time and late obligations per unit and month of arrival, for the chart.
    """
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    units = list(Unit.objects.filter(pk__in=unit_ids_of(user, Membership.Role.LEADER)).order_by("name"))
    unit_ids = [u.pk for u in units]
    counts = dict(
        plan_list_for_user(user=user)
        .filter(issuer_id__in=unit_ids)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    plans_by_state = [(state, str(label), counts[state]) for state, label in Plan.State.choices if state in counts]

    first_report = Report.objects.filter(delivery_id=OuterRef("pk")).order_by("submitted_at").values("submitted_at")
    deliveries = Delivery.objects.filter(plan__issuer_id__in=unit_ids).select_related("plan", "unit")
    deliveries = deliveries.annotate(first_report_at=Subquery(first_report[:1]))
    first_month = today.year * 12 + today.month - months  # months counted from year 0, January = 0
    month_list = _month_starts(date(first_month // 12, first_month % 12 + 1, 1), today)
    since = datetime.combine(month_list[0], time(0), tzinfo=timezone.get_current_timezone())

    rates: dict[int, UnitRate] = {}
    chart: dict[int, UnitSeries] = {}
    index = {m: i for i, m in enumerate(month_list)}

    def tally(delivery: Delivery, on_time: bool) -> None:
        series = chart.setdefault(
            delivery.unit_id, UnitSeries(delivery.unit, [0] * len(month_list), [0] * len(month_list))
        )
        i = index.get(timezone.localtime(delivery.sent_at).date().replace(day=1))
        if i is not None:
            (series.on_time if on_time else series.late)[i] += 1

    for delivery in deliveries.filter(sent_at__gte=since).order_by("unit__name", "sent_at"):
        rate = rates.setdefault(delivery.unit_id, UnitRate(delivery.unit))
        on_time = _on_time(
            done_at=delivery.acknowledged_at,
            waiting=delivery.state == Delivery.State.SENT,
            due=acknowledge_due(delivery),
            now=now,
        )
        if on_time is not None:
            rate.acknowledged_on_time += on_time
            rate.acknowledged_late += not on_time
            tally(delivery, on_time)
        if delivery.requires_report and delivery.plan.schedule_end:
            on_time = _on_time(
                done_at=delivery.first_report_at,
                waiting=delivery.state in (Delivery.State.SENT, Delivery.State.ACKNOWLEDGED),
                due=report_due(delivery.plan.schedule_end),
                now=now,
            )
            if on_time is not None:
                rate.reported_on_time += on_time
                rate.reported_late += not on_time
                tally(delivery, on_time)

    overdue = []
    open_deliveries = deliveries.filter(_open_delivery_q(), plan__state=Plan.State.IN_EXECUTION)
    for delivery in open_deliveries.order_by("sent_at", "id"):
        if delivery.state == Delivery.State.SENT:
            what, due = "Chưa tiếp nhận", acknowledge_due(delivery)
        elif delivery.plan.schedule_end is None:
            continue
        elif delivery.state == Delivery.State.REPORTED:
            continue  # the unit has done its part; the review is the issuer's obligation
        else:
            what, due = (
                "Chưa báo cáo" if delivery.first_report_at is None else "Chưa bổ sung báo cáo",
                report_due(delivery.plan.schedule_end),
            )
        if now > due:
            overdue.append(OverdueRow(delivery, what, due, (today - timezone.localtime(due).date()).days))
    overdue.sort(key=lambda row: (-row.days_late, row.delivery.unit.name))

    return LeaderDashboard(
        units=units,
        plans_by_state=plans_by_state,
        unit_rates=sorted(rates.values(), key=lambda r: r.unit.name),
        overdue=overdue,
        months=month_list,
        series=sorted(chart.values(), key=lambda s: s.unit.name),
    )
