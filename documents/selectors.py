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
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.models import Delivery, Deputyship, Membership, Plan, PlanEvent, Recipient, Report, Unit


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
        raise Http404(_("Không tìm thấy kế hoạch.")) from None


def user_is_issuer_member(*, user: AbstractBaseUser, plan: Plan) -> bool:
    """True when `user` holds any role in the plan's issuing unit."""
    return Membership.objects.filter(user_id=user.pk, unit_id=plan.issuer_id).exists()


@dataclass
class BoardRow:
    """One recipient unit on a plan's status board, with every step's time and person.

    `delivery` comes from `_board_rows`: it carries `owes` (`owed_by_unit_q`, computed in SQL)
    and its recipient line.
    """

    delivery: Delivery
    steps: list[PlanEvent]
    reports: list[Report]

    @property
    def removed_at(self) -> datetime | None:
        """When the clerk took the unit off the plan's recipients (a refusal corrected), else None."""
        return self.delivery.recipient.removed_at

    @property
    def shows_due(self) -> bool:
        """Whether the board shows the unit's due times: only while it still owes something
        (`owed_by_unit_q`) and is still a recipient. A unit that refused, acknowledged for
        information, or whose report is under review or accepted has no due time left."""
        return bool(self.delivery.owes) and self.removed_at is None


# Choice labels by value, built once (lazy: the request's language applies when drawn). Django's
# `get_<field>_display()` rebuilds a hashed dict of every lazy choice on each call, translating all
# 19 actions to draw one: ~4,000 gettext calls for one board page (bench/board.py).
_ACTION_LABELS = dict(PlanEvent.Action.choices)
_DELIVERY_STATE_LABELS = dict(Delivery.State.choices)
_DECISION_LABELS = dict(Report.Decision.choices)


def _label_events(events) -> None:
    """Give each audit record `action_label`, the words of its action (what `get_action_display` gives)."""
    for event in events:
        event.action_label = _ACTION_LABELS.get(event.action, event.action)


def _board_rows(deliveries: QuerySet[Delivery], *, now: datetime | None = None) -> list[BoardRow]:
    """Board rows of `deliveries` (ordered by the caller), in three queries whatever their number.

    Each delivery carries `state_label`, `acknowledge_late` and `report_late` (`with_lateness`
    at `now`, default now), `owes` (`owed_by_unit_q`), each step `action_label`, each report
    `decision_label`.
    """
    rows = with_lateness(deliveries, now=now or timezone.now()).annotate(
        owes=ExpressionWrapper(owed_by_unit_q(), output_field=BooleanField())
    )
    rows = rows.select_related("unit", "acknowledged_by", "recipient").prefetch_related(
        Prefetch("events", queryset=PlanEvent.objects.select_related("actor").order_by("created_at", "id")),
        Prefetch("reports", queryset=Report.objects.select_related("submitted_by", "reviewed_by")),
    )
    board = []
    for d in rows:
        d.state_label = _DELIVERY_STATE_LABELS.get(d.state, d.state)
        steps, reports = list(d.events.all()), list(d.reports.all())
        _label_events(steps)
        for report in reports:
            report.decision_label = _DECISION_LABELS.get(report.decision, report.decision)
        board.append(BoardRow(delivery=d, steps=steps, reports=reports))
    return board


def plan_board(*, plan: Plan) -> list[BoardRow]:
    """The whole status board of a plan: one row per delivery, in three queries whatever its size.

    For a page, use `plan_board_page` (a plan may go to 3,300 units: issue 7).
    """
    return _board_rows(plan.deliveries.order_by("unit__name", "id"))


BOARD_PAGE_SIZE = 50


@dataclass
class BoardFilter:
    """What a clerk narrows the board to: a delivery state (`Delivery.State`, "" for all), overdue only."""

    state: str = ""
    overdue: bool = False


def plan_board_page(
    *,
    plan: Plan,
    board_filter: BoardFilter | None = None,
    page: int | str | None = 1,
    per_page: int = BOARD_PAGE_SIZE,
    now: datetime | None = None,
):
    """One page of the plan's status board, ordered by unit name: a `django.core.paginator.Page`
    whose `object_list` is a list of `BoardRow`.

    Four statements whatever the number of recipients: the count of the filtered deliveries,
    then the page's deliveries (with unit, person and recipient), their audit records, their
    reports. `page` is read as `Paginator.get_page` does (out of range gives the last page).
    "Overdue" is `overdue_delivery_q` at `now` (default now).
    """
    from django.core.paginator import Paginator

    now = now or timezone.now()
    board_filter = board_filter or BoardFilter()
    deliveries = plan.deliveries.order_by("unit__name", "id")
    if board_filter.state:
        deliveries = deliveries.filter(state=board_filter.state)
    if board_filter.overdue:
        deliveries = deliveries.filter(overdue_delivery_q(now=now))
    result = Paginator(deliveries.values_list("pk", flat=True), per_page).get_page(page)
    ids = list(result.object_list)
    by_id = {row.delivery.pk: row for row in _board_rows(Delivery.objects.filter(pk__in=ids), now=now)}
    result.object_list = [by_id[pk] for pk in ids if pk in by_id]
    return result


def plan_board_rows_for_units(*, plan: Plan, deliveries: list[Delivery]) -> list[BoardRow]:
    """Board rows of the plan's deliveries among `deliveries` (a recipient's own units), by unit name."""
    return _board_rows(plan.deliveries.filter(pk__in=[d.pk for d in deliveries]).order_by("unit__name", "id"))


@dataclass
class BoardSummary:
    """Counts over a plan's deliveries: per state (in the order of `Delivery.State`) and overdue,
    over the units the plan is addressed to now; `removed` counts the refused units the clerk
    took off the recipients since, which `total` leaves out."""

    states: list[tuple[str, str, int]]
    overdue: int
    total: int
    removed: int = 0


def plan_board_summary(*, plan: Plan, now: datetime | None = None) -> BoardSummary:
    """Per-state and overdue counts of the plan's deliveries, in one aggregate query.

    Overdue: `overdue_delivery_q` at `now` (default now), the rule of every page that says late.
    A delivery whose recipient line was removed (`Recipient.removed_at`: a wrongly addressed
    unit that refused, corrected by the clerk) is counted apart, as `removed`: the per-state
    counts and the total are those of the units the plan is addressed to now.
    """
    late = overdue_delivery_q(now=now or timezone.now())
    removed = Q(recipient__removed_at__isnull=False)
    rows = (
        plan.deliveries.order_by()
        .values_list("state")
        .annotate(
            n=Count("id", filter=~removed), late=Count("id", filter=late & ~removed), gone=Count("id", filter=removed)
        )
    )
    per_state: dict[str, int] = {}
    overdue = gone_total = 0
    for state, n, late_n, gone in rows:
        if n:
            per_state[state] = n
        overdue += late_n
        gone_total += gone
    return BoardSummary(
        states=[(state, str(label), per_state[state]) for state, label in Delivery.State.choices if state in per_state],
        overdue=overdue,
        total=sum(per_state.values()),
        removed=gone_total,
    )


def plan_timeline(*, plan: Plan) -> QuerySet[PlanEvent]:
    """Every audit record of the plan, oldest first, with actor and unit loaded (the CSV for inspectors)."""
    return plan.events.select_related("actor", "on_behalf_of", "delivery__unit").order_by("sequence")


TIMELINE_PAGE_SIZE = 50


def plan_timeline_page(*, plan: Plan, page: int | str | None = 1, per_page: int = TIMELINE_PAGE_SIZE):
    """One page of the plan's audit trail, newest first: a `Page` of `PlanEvent` (two statements),
    each with `action_label`.

    The whole trail, oldest first, is `plan_timeline` (the CSV download).
    """
    from django.core.paginator import Paginator

    events = plan.events.select_related("actor", "on_behalf_of", "delivery__unit").order_by("-sequence")
    result = Paginator(events, per_page).get_page(page)
    result.object_list = list(result.object_list)
    _label_events(result.object_list)
    return result


RECIPIENTS_SHOWN = 50


def plan_recipients_head(*, plan: Plan, limit: int = RECIPIENTS_SHOWN) -> tuple[list[Recipient], int]:
    """The first `limit` lines of the plan's Nơi nhận (in their order) and how many lines it has."""
    lines = list(plan.recipients.select_related("unit").order_by("position", "id")[: limit + 1])
    if len(lines) <= limit:
        return lines, len(lines)
    return lines[:limit], plan.recipients.count()


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
        raise Http404(_("Không tìm thấy báo cáo."))
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
    lines = [_("Trích yếu: %(text)s") % {"text": version.title}]
    lines += [_("Căn cứ: %(text)s") % {"text": item} for item in version.legal_basis]
    lines += [_("Mục: %(text)s") % {"text": item} for item in version.sections]
    lines += ["", *version.body.splitlines(), ""]
    lines += [
        (
            _("Nơi nhận: %(phrase)s (%(purpose)s, báo cáo)")
            if r.get("requires_report")
            else _("Nơi nhận: %(phrase)s (%(purpose)s)")
        )
        % {"phrase": r["phrase"], "purpose": r["purpose"]}
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
            fromfile=_("Bản trình lần %(n)s") % {"n": before.version},
            tofile=_("Bản trình lần %(n)s") % {"n": after.version},
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
        raise Http404(_("Không tìm thấy tệp."))
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


def owed_by_unit_q() -> Q:
    """Deliveries whose unit still owes something: an acknowledgement, or a report it must send
    (none sent yet, or one returned for more). Refused, withdrawn, accepted, under review and
    acknowledged for information only owe nothing."""
    return Q(state=Delivery.State.SENT) | Q(
        requires_report=True, state__in=(Delivery.State.ACKNOWLEDGED, Delivery.State.RETURNED)
    )


def acknowledgement_overdue_q(*, now: datetime) -> Q:
    """Deliveries still not acknowledged (nor refused) after their acknowledgement due time, at `now`.

    The due time is `Delivery.acknowledge_due_at` (Nghị định 30/2020/NĐ-CP, Điều 21: the same
    working day; written by the notifications sweep); a delivery without one is not late.
    """
    return Q(state=Delivery.State.SENT, acknowledge_due_at__lt=now)


REPORT_AWAITED_STATES = (Delivery.State.SENT, Delivery.State.ACKNOWLEDGED, Delivery.State.RETURNED)
"""States in which the issuer still waits for a unit's report (none sent, or one returned for more)."""


def report_overdue_q(*, now: datetime) -> Q:
    """Deliveries that owe a report after its due time (`Delivery.report_due_at`), at `now`.

    Owed: the unit must report and has sent none, or its report was returned and it has not
    sent the completed one. A report under review is not late (the review is the issuer's).
    """
    return Q(requires_report=True, state__in=REPORT_AWAITED_STATES, report_due_at__lt=now)


def overdue_delivery_q(*, now: datetime) -> Q:
    """Deliveries late at `now`: acknowledgement or report past its due time (either Q above).

    The one rule behind every "late" a page shows: the plan board's count and filter, the plan
    list's flag and filter, the leaders' dashboard and the lateness report.
    """
    return acknowledgement_overdue_q(now=now) | report_overdue_q(now=now)


def with_lateness(deliveries: QuerySet[Delivery], *, now: datetime) -> QuerySet[Delivery]:
    """`deliveries` with the booleans `acknowledge_late` and `report_late` at `now`, computed in SQL."""
    return deliveries.annotate(
        acknowledge_late=ExpressionWrapper(acknowledgement_overdue_q(now=now), output_field=BooleanField()),
        report_late=ExpressionWrapper(report_overdue_q(now=now), output_field=BooleanField()),
    )


def owed_due_at(delivery: Delivery) -> datetime | None:
    """The due time that matters now for a delivery from `with_lateness`: the earliest it is late
    for, else the next one it owes (its acknowledgement while not acknowledged, else its report);
    None when it owes nothing or its due times are not written yet."""
    late = overdue_since(delivery)
    if late is not None:
        return late
    if delivery.state == Delivery.State.SENT:
        return delivery.acknowledge_due_at
    if delivery.requires_report and delivery.state in REPORT_AWAITED_STATES:
        return delivery.report_due_at
    return None


def latest_report_late(delivery: Delivery) -> bool | None:
    """Whether the delivery's latest report (the one a reviewer reads) came after `report_due_at`;
    None when there is no report or no due time yet. One statement."""
    if delivery.report_due_at is None:
        return None
    submitted = delivery.reports.order_by("-submitted_at", "-id").values_list("submitted_at", flat=True).first()
    return None if submitted is None else submitted > delivery.report_due_at


def overdue_since(delivery: Delivery) -> datetime | None:
    """The earliest due time a delivery from `with_lateness` is late for, None when it is not late."""
    late = []
    if delivery.acknowledge_late:
        late.append(delivery.acknowledge_due_at)
    if delivery.report_late:
        late.append(delivery.report_due_at)
    return min(late, default=None)


def plan_search(
    *,
    user: AbstractBaseUser,
    q: str = "",
    state: str = "",
    issuer_id: int | None = None,
    recipient_unit_id: int | None = None,
    year: int | None = None,
    overdue: bool = False,
    now: datetime | None = None,
) -> QuerySet[Plan]:
    """The plans `user` may see, filtered, newest first; each carries `is_overdue` (a delivery
    late at `now` by `overdue_delivery_q`).

    `recipient_unit_id` matches every plan ever addressed to the unit (a unit removed from
    the recipients after refusing still finds it). `year` is the issue year, or the year the
    draft was created when the plan has no issue date yet. `q` ignores case, diacritics and
    tone placement ("thanh ha" finds "Thanh Hà", "Ủy" finds "Uỷ"): every word of it must
    start a word of the title, the number, the issuer's name or a recipient's name or phrase.
    The words are matched in SQL against the stored `Plan.search_key` (trigram-indexed on
    PostgreSQL), never folded plan by plan in Python: the statements and the work stay those
    of one page whatever the number of plans the person may see (issue 7).
    """
    now = now or timezone.now()
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
        is_overdue=Exists(Delivery.objects.filter(overdue_delivery_q(now=now), plan_id=OuterRef("pk")))
    )
    if overdue:
        plans = plans.filter(is_overdue=True)
    for word in search_tokens(q):
        plans = plans.filter(search_key__contains=f" {word}")
    return plans


_SEARCH_WORD = re.compile(r"[0-9a-z]+")


def search_tokens(text: str) -> list[str]:
    """The words of `text` as the plan search compares them: folded (`documents.recognition.fold`:
    NFC, lower case, one tone placement, no diacritics, "đ" as "d"), split at anything but a
    letter or digit. "Uỷ ban MTTQ huyện Thanh Hà" gives ["uy", "ban", "mttq", "huyen", "thanh", "ha"].
    """
    from documents.recognition import fold

    return _SEARCH_WORD.findall(fold(text or ""))


def plan_search_key(parts) -> str:
    """The stored search key of a plan from its texts (title, number, issuer, recipients).

    Each distinct word once, in first-seen order, space-separated with a space at both ends,
    so that "a word of the plan starts with w" is `search_key LIKE '% w%'`; "" when no words.
    """
    words = dict.fromkeys(word for part in parts if part for word in search_tokens(part))
    return f" {' '.join(words)} " if words else ""


@dataclass
class PlanFilterChoices:
    """What the plan list's filters offer one person (see `plan_filter_choices`)."""

    issuers: list[Unit]
    recipient_units: list[Unit]
    years: list[int]


def plan_filter_choices(*, user: AbstractBaseUser) -> PlanFilterChoices:
    """The units and years the plan list's filters offer `user`, from the directory, in three queries.

    Units, from the directory around the person's units, never from the plans (reading the
    issuers and recipients of every visible plan took 0.9–1.2 s for an officer of 100 communes:
    docs/performance.md):
    - issuers: their own units, the units above them (parent, grandparent, …: who sends them
      plans) and the province-level bodies of their provinces (a provincial department
      receives from the provincial committee, which is not its parent);
    - recipients: their own units, the units directly below them (whom they address) and, for
      a unit at province level or above, the province-level bodies of its province.
    A unit offered whose plans the person may not see finds nothing (`plan_search` applies
    visibility). Years: every year from the oldest plan's to the newest one's (issue date or
    creation), from four MIN/MAX reads of the indexes `plan_issue_date` and `plan_created`.
    """
    from django.db.models import Max, Min

    own = list(
        Unit.objects.filter(pk__in=unit_ids_of(user)).values_list(
            "pk", "parent_id", "parent__parent_id", "parent__parent__parent_id", "province", "level"
        )
    )
    own_ids = {row[0] for row in own}
    above = {pk for row in own for pk in row[1:4] if pk}
    provinces = {row[4] for row in own if row[4]}
    high = (Unit.Level.CENTRAL, Unit.Level.PROVINCE)
    high_provinces = {row[4] for row in own if row[4] and row[5] in high}
    issuers: list[Unit] = []
    recipient_units: list[Unit] = []
    if own_ids:
        province_bodies = Q(level=Unit.Level.PROVINCE, province__in=provinces)
        below = Q(parent_id__in=own_ids)
        for unit in Unit.objects.filter(Q(pk__in=own_ids | above) | below | province_bodies).order_by("name", "pk"):
            mine = unit.pk in own_ids
            province_body = unit.level == Unit.Level.PROVINCE and unit.province in provinces
            if mine or unit.pk in above or province_body:
                issuers.append(unit)
            if mine or unit.parent_id in own_ids or (province_body and unit.province in high_provinces):
                recipient_units.append(unit)
    bounds = Plan.objects.aggregate(
        first_issued=Min("issue_date"),
        last_issued=Max("issue_date"),
        first_created=Min("created_at"),
        last_created=Max("created_at"),
    )
    known = [
        value.year if isinstance(value, date) else timezone.localtime(value).year
        for value in bounds.values()
        if value is not None
    ]
    years = list(range(max(known), min(known) - 1, -1)) if known else []
    return PlanFilterChoices(issuers=issuers, recipient_units=recipient_units, years=years)


# --- the leaders' dashboard ----------------------------------------------------------------


def _on_time(*, done_at, waiting: bool, due, now) -> bool | None:
    """Whether a step was on time: known once done, or once still waiting past `due`; else None."""
    if due is None:
        return None
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
    """A late delivery (`overdue_delivery_q`): what is missing, since which due time, how many days late."""

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


def calendar_days_late(due_at: datetime, now: datetime) -> int:
    """Calendar days from the local date of `due_at` to the local date of `now` (Asia/Ho_Chi_Minh)."""
    return (timezone.localtime(now).date() - timezone.localtime(due_at).date()).days


def missing_step(delivery: Delivery) -> str:
    """What a late delivery from `with_lateness` still owes, in words: acknowledgement, report, completed report."""
    if delivery.acknowledge_late:
        return _("Chưa tiếp nhận")
    if delivery.state == Delivery.State.RETURNED:
        return _("Chưa bổ sung báo cáo")
    return _("Chưa báo cáo")


def leader_dashboard(
    *,
    user: AbstractBaseUser,
    months: int = 12,
    now: datetime | None = None,
    days_late: Callable[[datetime, datetime], int] = calendar_days_late,
) -> LeaderDashboard:
    """What a leader watches over the plans of the units they lead, in four queries whatever their number.

    Due times are the deliveries' own (`Delivery.acknowledge_due_at`, `report_due_at`, written
    by the notifications sweep from the working-day calendar); a delivery whose due times are
    not written yet counts nowhere.

    - plans by state (those the leader may see);
    - per recipient unit, acknowledgements and reports on time and late, over the deliveries
      sent in the last `months` months: an acknowledgement is on time when given by its due
      time; a report when its first version came by its due time. One still missing after
      its due time counts as late; refused deliveries and those still within time count in
      neither;
    - every late delivery (`overdue_delivery_q`, not limited to the window), most late first,
      with `days_late(due_at, now)` (the notifications view passes working days);
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
    deliveries = Delivery.objects.filter(plan__issuer_id__in=unit_ids).select_related("plan__issuer", "unit")
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

    in_window = deliveries.filter(sent_at__gte=since).annotate(first_report_at=Subquery(first_report[:1]))
    for delivery in in_window.order_by("unit__name", "sent_at"):
        rate = rates.setdefault(delivery.unit_id, UnitRate(delivery.unit))
        on_time = _on_time(
            done_at=delivery.acknowledged_at,
            waiting=delivery.state == Delivery.State.SENT,
            due=delivery.acknowledge_due_at,
            now=now,
        )
        if on_time is not None:
            rate.acknowledged_on_time += on_time
            rate.acknowledged_late += not on_time
            tally(delivery, on_time)
        if delivery.requires_report:
            on_time = _on_time(
                done_at=delivery.first_report_at,
                waiting=delivery.state in (Delivery.State.SENT, Delivery.State.ACKNOWLEDGED),
                due=delivery.report_due_at,
                now=now,
            )
            if on_time is not None:
                rate.reported_on_time += on_time
                rate.reported_late += not on_time
                tally(delivery, on_time)

    overdue = []
    for delivery in with_lateness(deliveries.filter(overdue_delivery_q(now=now)), now=now).order_by("sent_at", "id"):
        due = overdue_since(delivery)
        overdue.append(OverdueRow(delivery, missing_step(delivery), due, days_late(due, now)))
    overdue.sort(key=lambda row: (-row.days_late, row.due_at, row.delivery.unit.name))

    return LeaderDashboard(
        units=units,
        plans_by_state=plans_by_state,
        unit_rates=sorted(rates.values(), key=lambda r: r.unit.name),
        overdue=overdue,
        months=month_list,
        series=sorted(chart.values(), key=lambda s: s.unit.name),
    )


# --- deputies (issue 6) ------------------------------------------------------------------


def deputyships_named_by(*, user: AbstractBaseUser) -> QuerySet[Deputyship]:
    """The deputyships `user` named as a leader that are current or still to come, by start date.

    Revoked ones and those whose last day (Asia/Ho_Chi_Minh) has passed are left out.
    Unit and deputy are loaded.
    """
    return (
        Deputyship.objects.filter(leader_id=user.pk, revoked_at__isnull=True, ends_on__gte=timezone.localdate())
        .select_related("unit", "deputy")
        .order_by("starts_on", "pk")
    )


def deputyships_of_deputy(*, user: AbstractBaseUser) -> QuerySet[Deputyship]:
    """The deputyships naming `user` as deputy that are current or still to come (unit, leader loaded)."""
    return (
        Deputyship.objects.filter(deputy_id=user.pk, revoked_at__isnull=True, ends_on__gte=timezone.localdate())
        .select_related("unit", "leader")
        .order_by("starts_on", "pk")
    )


def deputyship_get_for_leader(*, user: AbstractBaseUser, deputyship_id: int) -> Deputyship:
    """One deputyship named by `user` (a superuser: any); Http404 otherwise (a guessed id reveals nothing)."""
    deputyships = Deputyship.objects.all() if user.is_superuser else Deputyship.objects.filter(leader_id=user.pk)
    try:
        return deputyships.get(pk=deputyship_id)
    except Deputyship.DoesNotExist:
        raise Http404(_("Không tìm thấy việc giao thay này.")) from None


def deputy_candidates(*, leader: AbstractBaseUser) -> QuerySet:
    """Active people who hold a role, other than leader, in a unit `leader` leads: who may be named deputy.

    `documents.services.deputyship_create` checks the person against the chosen unit.
    """
    from django.contrib.auth import get_user_model

    led = unit_ids_of(leader, Membership.Role.LEADER)
    members = Membership.objects.filter(unit_id__in=led).exclude(role=Membership.Role.LEADER).values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=members)
        .exclude(pk=leader.pk)
        .order_by("first_name", "username")
    )


BEFORE_DISPATCH_STATES = (
    Plan.State.DRAFT,
    Plan.State.RETURNED,
    Plan.State.PENDING_APPROVAL,
    Plan.State.APPROVED,
    Plan.State.REGISTERED,
)


def plan_schedule_ended(plan: Plan, *, today: date | None = None) -> date | None:
    """The plan's end date when it is already past and the plan has not gone out yet; else None.

    `today` is a local date (Asia/Ho_Chi_Minh; default now). A plan still being drafted,
    approved or registered whose implementation period (`schedule_end`) ended before today
    would make every recipient unit late with its report the moment it arrives: the task
    pages warn the drafter, the leader and the clerk. No query.
    """
    if plan.state not in BEFORE_DISPATCH_STATES or plan.schedule_end is None:
        return None
    today = today or timezone.localdate()
    return plan.schedule_end if plan.schedule_end < today else None
