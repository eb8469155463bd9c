"""Writes of the documents app: every change to a plan, its recipients and deliveries.

Each service is one transaction: it locks the row it changes, checks the current
state and the actor's role, saves, and writes one `PlanEvent`. Views, the flow,
management commands and Celery tasks all call these, so they cannot disagree.
The viewflow process is driven by `workflow.services`, which calls these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from documents import audit, permissions
from documents.errors import DomainError, NotAllowedError, StateError
from documents.models import (
    AuditHead,
    Delivery,
    Deputyship,
    Membership,
    OutgoingRegister,
    Plan,
    PlanAttachment,
    PlanEvent,
    PlanTask,
    PlanVersion,
    Purpose,
    Recipient,
    Report,
    Unit,
    Urgency,
)
from documents.permissions import UnitPermission
from documents.recognition import Recognition, recognize
from documents.resolution import NOTE_ISSUER, Directory, match_key
from documents.selectors import plan_search_key

Action = PlanEvent.Action


# --- directory -------------------------------------------------------------------


def membership_grant(
    *, user: AbstractBaseUser, unit: Unit, role: str, title: str = "", actor: AbstractBaseUser | None = None
) -> Membership:
    """Give `user` the `role` in `unit` and the unit permissions that go with it (idempotent).

    A new role is written to the audit chain; granting an existing role changes nothing.
    """
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, unit=unit, role=role, defaults={"title": title}
        )
        permissions.grant_role(user=user, unit=unit, role=role)
        if created:
            _event(
                plan=None,
                unit=unit,
                action=Action.ROLE_GRANT,
                actor=actor,
                data={"user": user.get_username(), "role": role},
            )
    return membership


def membership_revoke(*, membership: Membership, actor: AbstractBaseUser | None = None) -> None:
    """Take a role back: the membership row and the unit permissions only it gave; audited."""
    with transaction.atomic():
        user, unit, role = membership.user, membership.unit, membership.role
        membership.delete()
        permissions.revoke_role(user=user, unit=unit, role=role)
        _event(
            plan=None,
            unit=unit,
            action=Action.ROLE_REVOKE,
            actor=actor,
            data={"user": user.get_username(), "role": role},
        )


def _person_name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def deputyship_create(
    *,
    unit: Unit,
    leader: AbstractBaseUser,
    deputy: AbstractBaseUser,
    starts_on: dt.date,
    ends_on: dt.date,
    reason: str,
    actor: AbstractBaseUser,
) -> Deputyship:
    """Name `deputy` to stand in for `leader` in `unit` from `starts_on` to `ends_on`; audited.

    Dates are local (Asia/Ho_Chi_Minh), both included. Rules, each refused with a
    Vietnamese sentence (NotAllowedError for the first, DomainError for the others) and
    nothing written:
    - the leader names their own deputy (a superuser may do it for them);
    - `leader` holds the leader role in `unit`;
    - `deputy` is another, active person who holds a role in `unit` (so that they see the
      unit's plans) but not the leader role (a leader already acts in their own right);
    - a reason is given; `ends_on >= starts_on`; `starts_on` is not before today (a
      deputy is named ahead, never after the fact);
    - no other deputyship of the same leader and unit, not revoked, overlaps the range.
    The leader's membership row is locked first, so two requests cannot both pass the
    overlap check. One audit record `deputy_name` with no plan, like `membership_grant`.
    """
    reason = reason.strip()
    if actor.pk != leader.pk and not actor.is_superuser:
        raise NotAllowedError(_("Chỉ lãnh đạo vắng mặt mới giao được người thay mình."))
    if deputy.pk == leader.pk:
        raise DomainError(_("Không thể giao cho chính mình làm người thay mình."))
    if not reason:
        raise DomainError(_("Hãy ghi lý do giao thay (ví dụ: nghỉ phép, đi công tác)."))
    if ends_on < starts_on:
        raise DomainError(_("Ngày kết thúc phải trùng hoặc sau ngày bắt đầu."))
    if starts_on < timezone.localdate():
        raise DomainError(_("Không giao thay cho ngày đã qua: ngày bắt đầu phải từ hôm nay trở đi."))
    if not deputy.is_active:
        raise DomainError(
            _("Tài khoản của %(person)s đang bị khóa, không giao thay được.") % {"person": _person_name(deputy)}
        )
    with transaction.atomic():
        leading = (
            Membership.objects.select_for_update()
            .filter(user_id=leader.pk, unit_id=unit.pk, role=Membership.Role.LEADER)
            .first()
        )
        if leading is None:
            raise DomainError(
                _("%(person)s không phải lãnh đạo của %(unit)s.") % {"person": _person_name(leader), "unit": unit.name}
            )
        deputy_roles = set(Membership.objects.filter(user_id=deputy.pk, unit_id=unit.pk).values_list("role", flat=True))
        if not deputy_roles:
            raise DomainError(
                _("%(person)s không thuộc %(unit)s: chỉ giao thay cho người của đơn vị.")
                % {"person": _person_name(deputy), "unit": unit.name}
            )
        if Membership.Role.LEADER in deputy_roles:
            raise DomainError(
                _("%(person)s đã là lãnh đạo của %(unit)s, tự duyệt được, không cần giao thay.")
                % {"person": _person_name(deputy), "unit": unit.name}
            )
        overlapping = (
            Deputyship.objects.filter(
                unit_id=unit.pk,
                leader_id=leader.pk,
                revoked_at__isnull=True,
                starts_on__lte=ends_on,
                ends_on__gte=starts_on,
            )
            .order_by("starts_on")
            .first()
        )
        if overlapping is not None:
            raise DomainError(
                _(
                    "%(person)s đã giao thay từ %(start)s đến %(end)s, trùng với thời gian này: "
                    "hãy thu hồi việc giao thay đó trước."
                )
                % {
                    "person": _person_name(leader),
                    "start": f"{overlapping.starts_on:%d/%m/%Y}",
                    "end": f"{overlapping.ends_on:%d/%m/%Y}",
                }
            )
        deputyship = Deputyship.objects.create(
            unit=unit,
            leader=leader,
            deputy=deputy,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason[:255],
            created_by=actor,
        )
        _event(
            plan=None,
            unit=unit,
            action=Action.DEPUTY_NAME,
            actor=actor,
            comment=reason[:255],
            data={
                "deputyship": deputyship.pk,
                "leader": leader.get_username(),
                "deputy": deputy.get_username(),
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
            },
        )
    return deputyship


def deputyship_revoke(*, deputyship: Deputyship, actor: AbstractBaseUser) -> Deputyship:
    """End a deputyship now, before or during its range (the leader, or a superuser); audited.

    Refused (StateError) when it was already revoked or its last day has passed; NotAllowedError
    for anyone else. The row stays, with `revoked_at`/`revoked_by`, as history.
    """
    with transaction.atomic():
        deputyship = (
            Deputyship.objects.select_for_update().select_related("unit", "leader", "deputy").get(pk=deputyship.pk)
        )
        if actor.pk != deputyship.leader_id and not actor.is_superuser:
            raise NotAllowedError(_("Chỉ lãnh đạo đã giao mới thu hồi được việc giao thay này."))
        if deputyship.revoked_at is not None:
            raise StateError(_("Việc giao thay này đã được thu hồi."))
        if deputyship.ends_on < timezone.localdate():
            raise StateError(_("Việc giao thay này đã hết hạn, không cần thu hồi."))
        deputyship.revoked_at = timezone.now()
        deputyship.revoked_by = actor
        deputyship.save(update_fields=["revoked_at", "revoked_by"])
        _event(
            plan=None,
            unit=deputyship.unit,
            action=Action.DEPUTY_REVOKE,
            actor=actor,
            data={
                "deputyship": deputyship.pk,
                "leader": deputyship.leader.get_username(),
                "deputy": deputyship.deputy.get_username(),
            },
        )
    return deputyship


# --- events ------------------------------------------------------------------------


def _event(
    *,
    plan: Plan | None,
    action: str,
    actor: AbstractBaseUser | None,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    delivery: Delivery | None = None,
    unit: Unit | None = None,
    data: dict | None = None,
    on_behalf_of: AbstractBaseUser | None = None,
) -> PlanEvent:
    """Append one audit record to the chain (call inside the transaction of the change).

    The chain head row is locked until the transaction ends, so records are linked
    in commit order; the client address comes from `audit.current_context()`, and so does
    "on behalf of" unless `on_behalf_of` is given (the leader a deputy acts for).
    """
    context = audit.current_context()
    # The head row comes with migration 0004; a flushed database (manage.py flush) has none:
    # start a new chain then. ignore_conflicts keeps two first writers from failing.
    AuditHead.objects.bulk_create([AuditHead(pk=1)], ignore_conflicts=True)
    head = AuditHead.objects.select_for_update().get(pk=1)
    event = PlanEvent(
        plan=plan,
        delivery=delivery,
        unit=unit,
        actor=actor,
        on_behalf_of_id=on_behalf_of.pk if on_behalf_of is not None else context.get("on_behalf_of_id"),
        client_address=context.get("client_address"),
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data or {},
        created_at=timezone.now(),
        sequence=head.last_sequence + 1,
        prev_hash=head.last_hash,
    )
    event.hash = audit.link_hash(event.prev_hash, event)
    event.save(force_insert=True)
    head.last_sequence, head.last_hash = event.sequence, event.hash
    head.save(update_fields=["last_sequence", "last_hash"])
    return event


def _lock_plan(plan: Plan) -> Plan:
    """Re-read `plan` under a row lock (PostgreSQL); SQLite serialises writers by BEGIN IMMEDIATE."""
    return Plan.objects.select_for_update().select_related("issuer").get(pk=plan.pk)


def _require(user: AbstractBaseUser, perm: str, unit: Unit, message: str) -> AbstractBaseUser | None:
    """Raise NotAllowedError(message) unless `user` holds `perm` on `unit`; returns "on behalf of".

    The return value is the leader `user` acts for when the right comes from a deputyship in
    force today (`permissions.unit_authority`), None when it is the person's own.
    """
    authority = permissions.unit_authority(user, perm, unit)
    if authority is None:
        raise NotAllowedError(message)
    return authority.on_behalf_of


def _require_not_own_draft(plan: Plan, actor: AbstractBaseUser, on_behalf_of: AbstractBaseUser | None) -> None:
    """A deputy does not decide on a plan they drafted (`permissions.deputy_barred_from_own_draft`)."""
    if permissions.deputy_barred_from_own_draft(
        user=actor, perm=UnitPermission.APPROVE, on_behalf_of=on_behalf_of, drafter_id=plan.drafter_id
    ):
        raise NotAllowedError(str(permissions.DEPUTY_OWN_DRAFT_MESSAGE))


def _require_state(plan: Plan, states: Sequence[str], message: str) -> None:
    if plan.state not in states:
        raise StateError(
            _("%(message)s (trạng thái hiện tại: %(state)s).") % {"message": message, "state": plan.get_state_display()}
        )


# --- drafting ----------------------------------------------------------------------


@dataclass
class RecipientDraft:
    """A Nơi nhận entry as the drafter confirms it: phrase, unit (or none), purpose, duty to report."""

    phrase: str
    unit_id: int | None
    purpose: str
    requires_report: bool
    needs_attention: bool = False
    note: str = ""


def recipients_propose(*, issuer: Unit, recognition: Recognition) -> list[RecipientDraft]:
    """Turn the recognised Nơi nhận entries into recipient rows for the drafter to confirm.

    Group phrases become one row per unit they cover; the archive line stays one
    row with purpose ARCHIVE; an unknown phrase stays one row that needs attention.
    A unit has a duty to report when its phrase (or the group phrase) is named in
    the body of the plan besides the Nơi nhận block, and no purpose "để biết" is written.
    """
    directory = Directory(issuer=issuer)
    body_key = match_key(recognition_body(recognition))
    drafts: list[RecipientDraft] = []
    seen: set[int] = set()
    for entry in recognition.recipients:
        written = entry.purpose
        purpose = _purpose_from_words(written)
        resolution = directory.resolve(entry.text, purpose=purpose)
        if resolution.purpose == Purpose.ARCHIVE:
            drafts.append(RecipientDraft(entry.text, None, Purpose.ARCHIVE, False, note=resolution.note))
            continue
        if not resolution.units:
            drafts.append(
                RecipientDraft(entry.text, None, resolution.purpose, False, needs_attention=True, note=resolution.note)
            )
            continue
        named_in_body = _named_in(body_key, entry.text)
        for unit in resolution.units:
            if unit.pk in seen:
                continue
            seen.add(unit.pk)
            is_issuer = unit.pk == issuer.pk
            unit_purpose = (
                Purpose.INFORMATION if (is_issuer or not named_in_body) and not written else resolution.purpose
            )
            drafts.append(
                RecipientDraft(
                    entry.text,
                    unit.pk,
                    unit_purpose,
                    requires_report=(not is_issuer and unit_purpose in (Purpose.IMPLEMENT, Purpose.COORDINATE)),
                    note=NOTE_ISSUER if is_issuer else resolution.note,
                )
            )
    return drafts


def recognition_body(recognition: Recognition) -> str:
    """The text of the plan between its preamble and its Nơi nhận (empty when unknown)."""
    return recognition.body_text or ""


def _named_in(body_key: str, phrase: str) -> bool:
    key = match_key(phrase)
    return bool(key) and key in body_key


_PURPOSE_WORDS = (
    ("biet", Purpose.INFORMATION),
    ("b c", Purpose.REPORT),
    ("bao cao", Purpose.REPORT),
    ("phoi hop", Purpose.COORDINATE),
    ("thuc hien", Purpose.IMPLEMENT),
    ("t h", Purpose.IMPLEMENT),
)


def _purpose_from_words(words: str | None) -> str | None:
    if not words:
        return None
    if words in Purpose.values:
        return words
    key = match_key(words)
    return next((purpose for needle, purpose in _PURPOSE_WORDS if needle in key), None)


def plan_import(*, issuer: Unit, drafter: AbstractBaseUser, text: str) -> tuple[Plan, Recognition]:
    """Create a draft plan of `issuer` from a plan text; returns the plan and what was recognised.

    The text is normalised to Unicode NFC by `recognize`. Raises NotAllowedError
    when `drafter` may not draft for `issuer`, DomainError when no title is found;
    nothing is written then.
    """
    _require(drafter, UnitPermission.DRAFT, issuer, _("Bạn không có quyền soạn văn bản cho đơn vị này."))
    recognition = _recognize_plan(text)
    with transaction.atomic():
        plan = Plan(issuer=issuer, drafter=drafter)
        _apply_recognition(plan, recognition)
        plan.save()
        _replace_parts(plan, recognition)
        _event(plan=plan, action=Action.CREATE, actor=drafter, to_state=plan.state, data={"source": "import"})
    return plan, recognition


def plan_reimport(*, plan: Plan, actor: AbstractBaseUser, text: str) -> tuple[Plan, Recognition]:
    """Replace a draft's content by a new version of its text (a corrected file).

    Recognition runs before anything is written: a text that cannot be read raises
    DomainError and leaves the draft exactly as it was.
    """
    recognition = _recognize_plan(text)
    with transaction.atomic():
        plan = _lock_plan(plan)
        _require_state(plan, Plan.EDITABLE_STATES, _("Chỉ nhập lại được dự thảo đang soạn hoặc bị trả lại"))
        if plan.drafter_id != actor.pk:
            raise NotAllowedError(_("Chỉ người soạn mới nhập lại được dự thảo này."))
        _apply_recognition(plan, recognition)
        plan.save()
        _replace_parts(plan, recognition)
        _event(
            plan=plan,
            action=Action.EDIT,
            actor=actor,
            from_state=plan.state,
            to_state=plan.state,
            data={"source": "reimport"},
        )
    return plan, recognition


def _recognize_plan(text: str) -> Recognition:
    recognition = recognize(text)
    if not recognition.title:
        raise DomainError(_("Không nhận ra trích yếu của kế hoạch: hãy kiểm tra dòng ngay sau chữ KẾ HOẠCH."))
    return recognition


_URGENCY_WORDS = (("thuong khan", Urgency.VERY_URGENT), ("hoa toc", Urgency.FLASH), ("khan", Urgency.URGENT))


def _apply_recognition(plan: Plan, recognition: Recognition) -> None:
    """Copy the recognised components onto `plan` (not saved)."""
    schedule = [d for d in recognition.deadlines if d.end]
    urgency_key = match_key(recognition.urgency or "")
    plan.doc_type = recognition.doc_type or "KH"
    plan.title = recognition.title
    plan.legal_basis = list(recognition.legal_basis)
    plan.sections = [section.text for section in recognition.top_sections()]
    plan.body = recognition_body(recognition)
    plan.source_text = recognition.text
    plan.place = recognition.place or ""
    plan.urgency = next((value for words, value in _URGENCY_WORDS if words in urgency_key), Urgency.NORMAL)
    plan.signer_authority = " / ".join(recognition.signer_authority)
    plan.signer_title = recognition.signer_title or ""
    plan.signer_name = recognition.signer_name or ""
    plan.schedule_start = min((d.start or d.end for d in schedule), default=None)
    plan.schedule_end = max((d.end for d in schedule), default=None)


def _replace_parts(plan: Plan, recognition: Recognition) -> None:
    """Recipients and tasks of the plan from what was recognised (the plan is saved)."""
    recipients_replace(plan=plan, drafts=recipients_propose(issuer=plan.issuer, recognition=recognition))
    directory = Directory(issuer=plan.issuer)
    plan.tasks.all().delete()
    rows = []
    for position, task in enumerate(recognition.tasks):
        lead = directory.resolve(task.lead).units if task.lead else []
        dated = [d for d in task.deadlines if d.end]
        rows.append(
            PlanTask(
                plan=plan,
                position=position,
                title=task.title,
                section=(task.section or "")[:255],
                line=task.line,
                lead_phrase=(task.lead or "")[:500],
                lead_unit=lead[0] if len(lead) == 1 else None,
                partner_phrases=list(task.partners),
                deadline_text="; ".join(d.text for d in task.deadlines)[:500],
                start_date=min((d.start or d.end for d in dated), default=None),
                end_date=max((d.end for d in dated), default=None),
            )
        )
    PlanTask.objects.bulk_create(rows)


def recipients_replace(*, plan: Plan, drafts: Iterable[RecipientDraft]) -> list[Recipient]:
    """Replace the recipient rows of a plan that has not been dispatched yet."""
    if plan.state not in (
        *Plan.EDITABLE_STATES,
        Plan.State.PENDING_APPROVAL,
        Plan.State.APPROVED,
        Plan.State.REGISTERED,
    ):
        raise StateError(_("Kế hoạch đã phát hành: hãy sửa nơi nhận bằng chức năng bổ sung/bỏ nơi nhận."))
    plan.recipients.all().delete()
    recipients = Recipient.objects.bulk_create(
        Recipient(
            plan=plan,
            position=i,
            phrase=d.phrase[:500],
            unit_id=d.unit_id,
            purpose=d.purpose,
            requires_report=d.requires_report and d.unit_id is not None,
            needs_attention=d.needs_attention,
            note=d.note[:255],
        )
        for i, d in enumerate(drafts)
    )
    plan_search_key_refresh(plan=plan)
    return recipients


def plan_search_key_refresh(*, plan: Plan) -> str:
    """Rewrite `plan.search_key` from the plan's words as stored now; returns the key.

    The words of the title, the number and symbol, the issuer's name and short name, and
    every recipient's phrase and unit name (removed recipients included: the plan was sent
    to them), folded by `documents.selectors.plan_search_key`. Called by every service that
    changes one of them (import, edit, recipients, registration, a recipient added after
    dispatch), in its transaction. Three statements (the issuer, the recipients, the update
    when the key changed).
    """
    parts: list[str] = list(Unit.objects.filter(pk=plan.issuer_id).values_list("name", "short_name").first() or ())
    parts += [plan.title, plan.number_symbol]
    for phrase, unit_name in plan.recipients.values_list("phrase", "unit__name"):
        parts += [phrase, unit_name or ""]
    key = plan_search_key(parts)
    if key != plan.search_key:
        Plan.objects.filter(pk=plan.pk).update(search_key=key)
        plan.search_key = key
    return key


def plan_update(
    *,
    plan: Plan,
    actor: AbstractBaseUser,
    title: str,
    legal_basis: list[str],
    sections: list[str],
    body: str,
    schedule_start: dt.date | None = None,
    schedule_end: dt.date | None = None,
    urgency: str = "",
    recipients: Iterable[RecipientDraft] | None = None,
) -> Plan:
    """Save the drafter's edits of a draft or returned plan (one EDIT event listing changed fields)."""
    with transaction.atomic():
        plan = _lock_plan(plan)
        _require_state(plan, Plan.EDITABLE_STATES, _("Chỉ sửa được kế hoạch đang soạn hoặc bị trả lại"))
        if plan.drafter_id != actor.pk:
            raise NotAllowedError(_("Chỉ người soạn mới sửa được dự thảo này."))
        if not title.strip():
            raise DomainError(_("Trích yếu không được để trống."))
        if schedule_start and schedule_end and schedule_start > schedule_end:
            raise DomainError(_("Ngày bắt đầu thực hiện phải trước ngày kết thúc."))
        new = {
            "title": title.strip(),
            "legal_basis": legal_basis,
            "sections": sections,
            "body": body,
            "schedule_start": schedule_start,
            "schedule_end": schedule_end,
            "urgency": urgency,
        }
        changed = [name for name, value in new.items() if getattr(plan, name) != value]
        for name in changed:
            setattr(plan, name, new[name])
        if changed:
            plan.save(update_fields=[*changed, "updated_at"])
        if recipients is not None:
            recipients_replace(plan=plan, drafts=recipients)
            changed.append("recipients")
        elif "title" in changed:
            plan_search_key_refresh(plan=plan)
        if changed:
            _event(
                plan=plan,
                action=Action.EDIT,
                actor=actor,
                from_state=plan.state,
                to_state=plan.state,
                data={"fields": changed},
            )
    return plan


def plan_deadlines_set(*, plan: Plan, actor: AbstractBaseUser, overrides: dict) -> Plan:
    """Save the plan's own deadlines (its drafter, while drafting); one audit record "edit".

    `overrides` has the shape of `settings.PLANFLOW_DEADLINES` and is validated by
    the caller (`notifications.services.deadlines.plan_deadlines_update`), which owns
    the deadline rules. Raises NotAllowedError / StateError.
    """
    with transaction.atomic():
        plan = _lock_plan(plan)
        if plan.drafter_id != actor.pk:
            raise NotAllowedError(_("Chỉ người soạn kế hoạch mới sửa thời hạn được."))
        _require_state(plan, Plan.EDITABLE_STATES, _("Chỉ sửa thời hạn khi kế hoạch đang soạn hoặc bị trả lại"))
        if plan.deadline_overrides == overrides:
            return plan
        plan.deadline_overrides = overrides
        plan.save(update_fields=["deadline_overrides", "updated_at"])
        _event(
            plan=plan,
            action=Action.EDIT,
            actor=actor,
            from_state=plan.state,
            to_state=plan.state,
            data={"deadlines": overrides},
        )
    return plan


# --- approval ------------------------------------------------------------------------


def plan_submit(*, plan: Plan, actor: AbstractBaseUser, comment: str = "") -> Plan:
    """Send a draft (or a returned plan) to the issuer's leaders; keeps the submitted version."""
    with transaction.atomic():
        plan = _lock_plan(plan)
        _require_state(plan, Plan.EDITABLE_STATES, _("Chỉ trình được kế hoạch đang soạn hoặc bị trả lại"))
        if plan.drafter_id != actor.pk:
            raise NotAllowedError(_("Chỉ người soạn mới trình được dự thảo này."))
        if not plan.recipients.filter(removed_at__isnull=True).exclude(purpose=Purpose.ARCHIVE).exists():
            raise DomainError(_("Kế hoạch chưa có nơi nhận: hãy thêm ít nhất một đơn vị nhận."))
        version = plan.versions.count() + 1
        PlanVersion.objects.create(
            plan=plan,
            version=version,
            title=plan.title,
            legal_basis=plan.legal_basis,
            sections=plan.sections,
            body=plan.body,
            submitted_by=actor,
            recipients=[
                {"phrase": r.phrase, "unit_id": r.unit_id, "purpose": r.purpose, "requires_report": r.requires_report}
                for r in plan.recipients.all()
            ],
        )
        return _transition(plan, Plan.State.PENDING_APPROVAL, Action.SUBMIT, actor, comment, {"version": version})


def _transition(
    plan: Plan,
    to_state: str,
    action: str,
    actor: AbstractBaseUser | None,
    comment: str = "",
    data: dict | None = None,
    on_behalf_of: AbstractBaseUser | None = None,
) -> Plan:
    from_state = plan.state
    plan.state = to_state
    plan.save(update_fields=["state", "updated_at"])
    _event(
        plan=plan,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data,
        on_behalf_of=on_behalf_of,
    )
    return plan


def plan_return(*, plan: Plan, actor: AbstractBaseUser, comment: str) -> Plan:
    """Return a submitted plan to its drafter with the leader's comment (required)."""
    if not comment.strip():
        raise DomainError(_("Hãy ghi ý kiến để người soạn biết cần sửa gì."))
    with transaction.atomic():
        plan = _lock_plan(plan)
        leader = _require(
            actor, UnitPermission.APPROVE, plan.issuer, _("Chỉ lãnh đạo đơn vị ban hành mới trả lại được.")
        )
        _require_not_own_draft(plan, actor, leader)
        _require_state(plan, [Plan.State.PENDING_APPROVAL], _("Kế hoạch không ở bước chờ duyệt"))
        return _transition(plan, Plan.State.RETURNED, Action.RETURN, actor, comment.strip(), on_behalf_of=leader)


def plan_approve(*, plan: Plan, actor: AbstractBaseUser, comment: str = "") -> Plan:
    """Approve a submitted plan; it goes to the clerk for numbering.

    A leader's deputy in force approves "on behalf of" the leader (recorded on the event)
    and signs with the "KT." authority (see `_sign_as`).
    """
    with transaction.atomic():
        plan = _lock_plan(plan)
        leader = _require(actor, UnitPermission.APPROVE, plan.issuer, _("Chỉ lãnh đạo đơn vị ban hành mới duyệt được."))
        _require_not_own_draft(plan, actor, leader)
        _require_state(plan, [Plan.State.PENDING_APPROVAL], _("Kế hoạch không ở bước chờ duyệt"))
        if not plan.signer_name:
            _sign_as(plan, actor, on_behalf_of=leader)
        return _transition(plan, Plan.State.APPROVED, Action.APPROVE, actor, comment, on_behalf_of=leader)


def _sign_as(plan: Plan, signer: AbstractBaseUser, *, on_behalf_of: AbstractBaseUser | None = None) -> None:
    """The approving person signs a plan whose text names no signer (Nghị định 30/2020, Phụ lục I, ô 7).

    Authority "TM. …" comes from the issuing unit; the title from the signer's
    membership ("Phó Chủ tịch"), written in capitals as the signature block does.

    A deputy signs in their own name and title, with the authority of the leader they
    stand in for: "KT. <LEADER'S TITLE>" under the unit's "TM. …" (Nghị định 30/2020,
    Điều 13, khoản 1-3: a deputy put in charge signs as a deputy signing for the head, "ký
    thay"; Phụ lục I shows "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"). When the
    leader's title is not in the directory, the "KT." line is left out rather than guessed.
    """
    titles = Membership.objects.filter(user=signer, unit=plan.issuer).exclude(title="")
    if on_behalf_of is None:
        titles = titles.filter(role=Membership.Role.LEADER)
    own_title = titles.order_by("pk").values_list("title", flat=True).first() or ""
    authority = [plan.issuer.signature_authority]
    if on_behalf_of is not None:
        leader_title = (
            Membership.objects.filter(user=on_behalf_of, unit=plan.issuer, role=Membership.Role.LEADER)
            .exclude(title="")
            .values_list("title", flat=True)
            .first()
        )
        if leader_title:
            authority.append(f"KT. {leader_title.upper()}")
    authority = [part for part in authority if part]
    plan.signer_authority = " / ".join(authority)
    plan.signer_title = " / ".join([*authority, own_title.upper()] if own_title else authority)
    plan.signer_name = signer.get_full_name() or signer.get_username()
    plan.save(update_fields=["signer_authority", "signer_title", "signer_name", "updated_at"])


def plan_reject(*, plan: Plan, actor: AbstractBaseUser, comment: str) -> Plan:
    """Refuse a submitted plan for good (its process ends as rejected)."""
    if not comment.strip():
        raise DomainError(_("Hãy ghi lý do không duyệt."))
    with transaction.atomic():
        plan = _lock_plan(plan)
        leader = _require(
            actor, UnitPermission.APPROVE, plan.issuer, _("Chỉ lãnh đạo đơn vị ban hành mới quyết định được.")
        )
        _require_not_own_draft(plan, actor, leader)
        _require_state(plan, [Plan.State.PENDING_APPROVAL], _("Kế hoạch không ở bước chờ duyệt"))
        return _transition(plan, Plan.State.REJECTED, Action.REJECT, actor, comment.strip(), on_behalf_of=leader)


# --- registration and dispatch ------------------------------------------------------


def format_number_symbol(*, number: int, doc_type: str, issuer_symbol: str) -> str:
    """Write number and symbol as Nghị định 30/2020/NĐ-CP, Phụ lục I does: `01/KH-MTTQ-BTT`.

    Numbers below 10 get a leading zero; a Công văn ("CV") has no type part
    (`123/MTTQ-BTT`).
    """
    written = f"{number:02d}"
    if doc_type and doc_type != "CV":
        return f"{written}/{doc_type}-{issuer_symbol}" if issuer_symbol else f"{written}/{doc_type}"
    return f"{written}/{issuer_symbol}"


def register_next_number(*, unit: Unit, year: int) -> int:
    """Take the next number of `unit`'s outgoing register for `year`; call inside a transaction.

    One UPDATE … SET last_number = last_number + 1 both reserves the number and
    locks the register row until the transaction ends (PostgreSQL: row lock;
    SQLite: the database write lock taken by BEGIN IMMEDIATE), so two clerks never
    get the same number and a rolled-back registration gives its number back.
    """
    OutgoingRegister.objects.get_or_create(unit=unit, year=year)
    OutgoingRegister.objects.filter(unit=unit, year=year).update(last_number=F("last_number") + 1)
    return OutgoingRegister.objects.values_list("last_number", flat=True).get(unit=unit, year=year)


def plan_register(
    *,
    plan: Plan,
    actor: AbstractBaseUser,
    issue_date: dt.date | None = None,
    place: str | None = None,
) -> Plan:
    """Give an approved plan the next number of its issuer's register and its issue date.

    `issue_date` defaults to today in Asia/Ho_Chi_Minh; the register is the one of
    that date's year. Raises NotAllowedError for anyone but a clerk of the issuer.
    """
    with transaction.atomic():
        plan = _lock_plan(plan)
        _require(actor, UnitPermission.REGISTER, plan.issuer, _("Chỉ văn thư của đơn vị ban hành mới vào sổ được."))
        _require_state(plan, [Plan.State.APPROVED], _("Chỉ vào sổ được kế hoạch đã duyệt"))
        issue_date = issue_date or timezone.localdate()
        plan.number = register_next_number(unit=plan.issuer, year=issue_date.year)
        plan.register_year = issue_date.year
        plan.issue_date = issue_date
        plan.number_symbol = format_number_symbol(
            number=plan.number,
            doc_type=plan.doc_type,
            issuer_symbol=plan.issuer.symbol,
        )
        if place is not None:
            plan.place = place
        plan.save(update_fields=["number", "register_year", "issue_date", "number_symbol", "place", "updated_at"])
        plan_search_key_refresh(plan=plan)
        return _transition(
            plan,
            Plan.State.REGISTERED,
            Action.REGISTER,
            actor,
            data={"number": plan.number, "number_symbol": plan.number_symbol, "issue_date": issue_date.isoformat()},
        )


def plan_dispatch(*, plan: Plan, actor: AbstractBaseUser) -> list[Delivery]:
    """Send a registered plan to every dispatchable recipient: one delivery per unit, in bulk.

    Refuses while a recipient still needs the clerk's attention (a phrase that
    matched no unit). The issuer's own copy and the archive line are not dispatched.
    Statements issued do not grow with the number of recipients.
    """
    with transaction.atomic():
        plan = _lock_plan(plan)
        _require(actor, UnitPermission.REGISTER, plan.issuer, _("Chỉ văn thư của đơn vị ban hành mới phát hành được."))
        _require_state(plan, [Plan.State.REGISTERED], _("Chỉ phát hành được kế hoạch đã vào sổ"))
        recipients = list(plan.recipients.filter(removed_at__isnull=True))
        pending = [r.phrase for r in recipients if r.needs_attention]
        if pending:
            raise DomainError(_("Còn nơi nhận chưa xác định đơn vị: ") + "; ".join(pending))
        targets = [r for r in recipients if r.is_dispatchable and r.unit_id != plan.issuer_id]
        if not targets:
            raise DomainError(_("Không có đơn vị nào để gửi."))
        now = timezone.now()
        deliveries = Delivery.objects.bulk_create(
            Delivery(
                plan=plan,
                recipient=r,
                unit_id=r.unit_id,
                requires_report=r.requires_report,
                sent_at=now,
                state_changed_at=now,
            )
            for r in targets
        )
        _transition(plan, Plan.State.IN_EXECUTION, Action.DISPATCH, actor, data={"deliveries": len(deliveries)})
        if deliveries[0].pk is None:  # backends without RETURNING on bulk insert
            deliveries = list(plan.deliveries.all())
        return deliveries


# --- per-recipient work -----------------------------------------------------------


def _lock_delivery(delivery: Delivery) -> Delivery:
    return Delivery.objects.select_for_update().select_related("plan", "plan__issuer", "unit").get(pk=delivery.pk)


def _delivery_transition(
    delivery: Delivery,
    to_state: str,
    action: str,
    actor: AbstractBaseUser | None,
    comment: str = "",
    data: dict | None = None,
    on_behalf_of: AbstractBaseUser | None = None,
) -> Delivery:
    from_state = delivery.state
    now = timezone.now()
    delivery.state = to_state
    delivery.state_changed_at = now
    fields = ["state", "state_changed_at"]
    if to_state in Delivery.CLOSED_STATES or (to_state == Delivery.State.ACKNOWLEDGED and not delivery.requires_report):
        delivery.closed_at = now
        fields.append("closed_at")
    delivery.save(update_fields=fields)
    _event(
        plan=delivery.plan,
        delivery=delivery,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data,
        on_behalf_of=on_behalf_of,
    )
    return delivery


def delivery_acknowledge(*, delivery: Delivery, actor: AbstractBaseUser) -> Delivery:
    """Confirm receipt for the recipient unit (Nghị định 30/2020/NĐ-CP, Điều 21: the same working day)."""
    with transaction.atomic():
        delivery = _lock_delivery(delivery)
        leader = _require(
            actor, UnitPermission.RECEIVE, delivery.unit, _("Bạn không tiếp nhận văn bản thay đơn vị này được.")
        )
        if delivery.state != Delivery.State.SENT:
            raise StateError(_("Văn bản này đã được xử lý."))
        delivery.acknowledged_at = timezone.now()
        delivery.acknowledged_by = actor
        delivery.save(update_fields=["acknowledged_at", "acknowledged_by"])
        return _delivery_transition(
            delivery, Delivery.State.ACKNOWLEDGED, Action.ACKNOWLEDGE, actor, on_behalf_of=leader
        )


def delivery_refuse(*, delivery: Delivery, actor: AbstractBaseUser, reason: str) -> Delivery:
    """Refuse a plan sent to the wrong unit (edXML status 02); the issuer's clerk is told to correct it."""
    if not reason.strip():
        raise DomainError(_("Hãy ghi lý do từ chối để văn thư nơi gửi điều chỉnh."))
    with transaction.atomic():
        delivery = _lock_delivery(delivery)
        leader = _require(
            actor, UnitPermission.RECEIVE, delivery.unit, _("Bạn không xử lý văn bản thay đơn vị này được.")
        )
        if delivery.state != Delivery.State.SENT:
            raise StateError(_("Chỉ từ chối được văn bản vừa nhận, chưa tiếp nhận."))
        return _delivery_transition(
            delivery, Delivery.State.REFUSED, Action.REFUSE, actor, reason.strip(), on_behalf_of=leader
        )


def recipient_add(
    *,
    plan: Plan,
    actor: AbstractBaseUser,
    unit: Unit,
    purpose: str = Purpose.IMPLEMENT,
    requires_report: bool = True,
    comment: str = "",
) -> Delivery:
    """Add a unit to a dispatched plan's recipients and send it at once (the clerk's correction)."""
    with transaction.atomic():
        plan = _lock_plan(plan)
        _require(
            actor, UnitPermission.REGISTER, plan.issuer, _("Chỉ văn thư của đơn vị ban hành mới sửa nơi nhận được.")
        )
        _require_state(plan, [Plan.State.IN_EXECUTION], _("Chỉ bổ sung nơi nhận cho kế hoạch đang thực hiện"))
        if (
            plan.deliveries.filter(unit=unit)
            .exclude(state__in=[Delivery.State.REFUSED, Delivery.State.WITHDRAWN])
            .exists()
        ):
            raise DomainError(_("%(unit)s đã có trong nơi nhận.") % {"unit": unit.name})
        position = (plan.recipients.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        recipient = Recipient.objects.create(
            plan=plan,
            position=position,
            phrase=unit.name,
            unit=unit,
            purpose=purpose,
            requires_report=requires_report,
            note=comment[:255],
        )
        delivery = Delivery.objects.create(plan=plan, recipient=recipient, unit=unit, requires_report=requires_report)
        plan_search_key_refresh(plan=plan)
        _event(
            plan=plan,
            delivery=delivery,
            action=Action.RECIPIENT_ADD,
            actor=actor,
            comment=comment,
            to_state=delivery.state,
            data={"unit_id": unit.pk},
        )
        return delivery


def recipient_remove_refused(*, delivery: Delivery, actor: AbstractBaseUser, comment: str = "") -> Recipient:
    """Take a refused unit off the recipients list; its delivery stays as history."""
    with transaction.atomic():
        delivery = _lock_delivery(delivery)
        _require(
            actor,
            UnitPermission.REGISTER,
            delivery.plan.issuer,
            _("Chỉ văn thư của đơn vị ban hành mới sửa nơi nhận được."),
        )
        if delivery.state != Delivery.State.REFUSED:
            raise StateError(_("Chỉ bỏ được nơi nhận đã từ chối văn bản."))
        recipient = delivery.recipient
        recipient.removed_at = timezone.now()
        recipient.save(update_fields=["removed_at"])
        _event(
            plan=delivery.plan,
            delivery=delivery,
            action=Action.RECIPIENT_REMOVE,
            actor=actor,
            comment=comment,
            data={"unit_id": delivery.unit_id},
        )
        return recipient


def report_submit(
    *,
    delivery: Delivery,
    actor: AbstractBaseUser,
    text: str,
    attachment: UploadedFile | None = None,
) -> Report:
    """Send the unit's completion report (text plus an optional file) to the issuer."""
    from django.conf import settings

    if not text.strip():
        raise DomainError(_("Nội dung báo cáo không được để trống."))
    if attachment is not None and attachment.size > settings.PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES:
        limit = settings.PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise DomainError(
            _("Tệp đính kèm quá lớn (tối đa %(limit)s MB): hãy nén hoặc chia nhỏ tệp.") % {"limit": limit}
        )
    with transaction.atomic():
        delivery = _lock_delivery(delivery)
        leader = _require(actor, UnitPermission.RECEIVE, delivery.unit, _("Bạn không báo cáo thay đơn vị này được."))
        if not delivery.requires_report:
            raise StateError(_("Đơn vị này nhận kế hoạch để biết, không phải báo cáo."))
        if delivery.state not in (Delivery.State.ACKNOWLEDGED, Delivery.State.RETURNED):
            raise StateError(_("Chỉ báo cáo được sau khi tiếp nhận, hoặc khi báo cáo bị trả lại."))
        report = Report(delivery=delivery, text=text.strip(), submitted_by=actor)
        if attachment is not None:
            report.attachment_name = attachment.name[:255]
            report.attachment.save(attachment.name, attachment, save=False)
        report.save()
        _delivery_transition(
            delivery,
            Delivery.State.REPORTED,
            Action.REPORT,
            actor,
            data={"report_id": report.pk},
            on_behalf_of=leader,
        )
        return report


def report_review(*, report: Report, actor: AbstractBaseUser, accept: bool, comment: str = "") -> Report:
    """Accept a report, or return it for more detail (a comment is then required)."""
    if not accept and not comment.strip():
        raise DomainError(_("Hãy ghi rõ cần bổ sung gì khi trả lại báo cáo."))
    with transaction.atomic():
        delivery = _lock_delivery(report.delivery)
        report = Report.objects.select_for_update().get(pk=report.pk)
        leader = _require(
            actor, UnitPermission.REVIEW, delivery.plan.issuer, _("Chỉ đơn vị ban hành mới xem xét báo cáo được.")
        )
        if report.decision != Report.Decision.PENDING or delivery.state != Delivery.State.REPORTED:
            raise StateError(_("Báo cáo này đã được xem xét."))
        report.decision = Report.Decision.ACCEPTED if accept else Report.Decision.RETURNED
        report.reviewed_by = actor
        report.reviewed_at = timezone.now()
        report.review_comment = comment.strip()
        report.save(update_fields=["decision", "reviewed_by", "reviewed_at", "review_comment"])
        _delivery_transition(
            delivery,
            Delivery.State.ACCEPTED if accept else Delivery.State.RETURNED,
            Action.ACCEPT_REPORT if accept else Action.RETURN_REPORT,
            actor,
            comment.strip(),
            data={"report_id": report.pk},
            on_behalf_of=leader,
        )
        return report


# --- end of the plan ---------------------------------------------------------------


def plan_complete(*, plan: Plan) -> Plan:
    """Mark a plan completed once every delivery that must report has its report accepted."""
    with transaction.atomic():
        plan = _lock_plan(plan)
        _require_state(plan, [Plan.State.IN_EXECUTION], _("Kế hoạch không ở bước thực hiện"))
        open_deliveries = plan.deliveries.exclude(state__in=Delivery.CLOSED_STATES).exclude(
            state=Delivery.State.ACKNOWLEDGED,
            requires_report=False,
        )
        if open_deliveries.exists():
            raise StateError(_("Còn đơn vị chưa hoàn thành"))
        return _transition(plan, Plan.State.COMPLETED, Action.COMPLETE, None)


def plan_withdraw(*, plan: Plan, actor: AbstractBaseUser, reason: str) -> Plan:
    """Withdraw (thu hồi) an open plan; every open delivery is closed as withdrawn (edXML 15)."""
    if not reason.strip():
        raise DomainError(_("Hãy ghi lý do thu hồi."))
    with transaction.atomic():
        plan = _lock_plan(plan)
        leader = _require(
            actor, UnitPermission.APPROVE, plan.issuer, _("Chỉ lãnh đạo đơn vị ban hành mới thu hồi được.")
        )
        _require_state(plan, Plan.OPEN_STATES, _("Kế hoạch đã kết thúc, không thu hồi được"))
        now = timezone.now()
        open_ids = list(plan.deliveries.exclude(state__in=Delivery.CLOSED_STATES).values_list("id", flat=True))
        plan.deliveries.filter(id__in=open_ids).update(
            state=Delivery.State.WITHDRAWN,
            state_changed_at=now,
            closed_at=now,
        )
        return _transition(
            plan,
            Plan.State.WITHDRAWN,
            Action.WITHDRAW,
            actor,
            reason.strip(),
            data={"deliveries_withdrawn": len(open_ids)},
            on_behalf_of=leader,
        )


# --- attachments -------------------------------------------------------------------


def attachment_add(*, plan: Plan, actor: AbstractBaseUser, upload: UploadedFile) -> PlanAttachment:
    """Attach a file to a draft (its drafter) or, until dispatch, by the issuer's clerk.

    The file is stored under a generated name in the plan's folder; the person's
    file name is kept only as data, so no name can reach outside the storage folder.
    """
    from django.conf import settings

    if upload.size == 0:
        raise DomainError(_("Tệp rỗng: hãy chọn đúng tệp cần đính kèm."))
    if upload.size > settings.PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES:
        limit = settings.PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise DomainError(_("Tệp quá lớn (tối đa %(limit)s MB): hãy nén hoặc chia nhỏ tệp.") % {"limit": limit})
    with transaction.atomic():
        plan = _lock_plan(plan)
        is_drafter = plan.drafter_id == actor.pk and plan.state in Plan.EDITABLE_STATES
        is_clerk = permissions.has_unit_permission(actor, UnitPermission.REGISTER, plan.issuer) and plan.state in (
            Plan.State.APPROVED,
            Plan.State.REGISTERED,
        )
        if not (is_drafter or is_clerk):
            raise NotAllowedError(
                _("Chỉ người soạn (khi đang soạn) hoặc văn thư (trước khi phát hành) mới đính kèm được.")
            )
        attachment = PlanAttachment(plan=plan, name=upload.name[:255], uploaded_by=actor)
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
        _event(
            plan=plan,
            action=Action.EDIT,
            actor=actor,
            from_state=plan.state,
            to_state=plan.state,
            data={"attachment": attachment.name},
        )
    return attachment
