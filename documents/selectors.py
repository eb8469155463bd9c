"""Reads of the documents app, with visibility applied.

Who sees a plan (DESIGN.md, "Permissions"):
- members of the issuing unit see its plans, except other people's drafts that
  were never submitted;
- members of a recipient unit see the plan from its dispatch on (a delivery to
  their unit exists), whatever happened to the delivery afterwards.
A single fetch for a person who may not see the plan raises Http404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from documents.models import Delivery, Membership, Plan, PlanEvent, Report, Unit


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
