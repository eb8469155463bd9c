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

from documents import audit, permissions
from documents.errors import DomainError, NotAllowedError, StateError
from documents.models import (
    AuditHead,
    Delivery,
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
from documents.resolution import Directory, match_key

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
) -> PlanEvent:
    """Append one audit record to the chain (call inside the transaction of the change).

    The chain head row is locked until the transaction ends, so records are linked
    in commit order; the client address and "on behalf of" come from `audit.current_context()`.
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
        on_behalf_of_id=context.get("on_behalf_of_id"),
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


def _require(user: AbstractBaseUser, perm: str, unit: Unit, message: str) -> None:
    if not permissions.has_unit_permission(user, perm, unit):
        raise NotAllowedError(message)


def _require_state(plan: Plan, states: Sequence[str], message: str) -> None:
    if plan.state not in states:
        raise StateError(f"{message} (trạng thái hiện tại: {plan.get_state_display()}).")


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
                    note="Đơn vị ban hành (bản lưu nội bộ)" if is_issuer else resolution.note,
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
    _require(drafter, UnitPermission.DRAFT, issuer, "Bạn không có quyền soạn văn bản cho đơn vị này.")
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
        _require_state(plan, Plan.EDITABLE_STATES, "Chỉ nhập lại được dự thảo đang soạn hoặc bị trả lại")
        if plan.drafter_id != actor.pk:
            raise NotAllowedError("Chỉ người soạn mới nhập lại được dự thảo này.")
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
        raise DomainError("Không nhận ra trích yếu của kế hoạch: hãy kiểm tra dòng ngay sau chữ KẾ HOẠCH.")
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
        raise StateError("Kế hoạch đã phát hành: hãy sửa nơi nhận bằng chức năng bổ sung/bỏ nơi nhận.")
    plan.recipients.all().delete()
    return Recipient.objects.bulk_create(
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
        _require_state(plan, Plan.EDITABLE_STATES, "Chỉ sửa được kế hoạch đang soạn hoặc bị trả lại")
        if plan.drafter_id != actor.pk:
            raise NotAllowedError("Chỉ người soạn mới sửa được dự thảo này.")
        if not title.strip():
            raise DomainError("Trích yếu không được để trống.")
        if schedule_start and schedule_end and schedule_start > schedule_end:
            raise DomainError("Ngày bắt đầu thực hiện phải trước ngày kết thúc.")
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
            raise NotAllowedError("Chỉ người soạn kế hoạch mới sửa thời hạn được.")
        _require_state(plan, Plan.EDITABLE_STATES, "Chỉ sửa thời hạn khi kế hoạch đang soạn hoặc bị trả lại")
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
        _require_state(plan, Plan.EDITABLE_STATES, "Chỉ trình được kế hoạch đang soạn hoặc bị trả lại")
        if plan.drafter_id != actor.pk:
            raise NotAllowedError("Chỉ người soạn mới trình được dự thảo này.")
        if not plan.recipients.filter(removed_at__isnull=True).exclude(purpose=Purpose.ARCHIVE).exists():
            raise DomainError("Kế hoạch chưa có nơi nhận: hãy thêm ít nhất một đơn vị nhận.")
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
) -> Plan:
    from_state = plan.state
    plan.state = to_state
    plan.save(update_fields=["state", "updated_at"])
    _event(plan=plan, action=action, actor=actor, from_state=from_state, to_state=to_state, comment=comment, data=data)
    return plan


def plan_return(*, plan: Plan, actor: AbstractBaseUser, comment: str) -> Plan:
    """Return a submitted plan to its drafter with the leader's comment (required)."""
    if not comment.strip():
        raise DomainError("Hãy ghi ý kiến để người soạn biết cần sửa gì.")
    with transaction.atomic():
        plan = _lock_plan(plan)
        _require(actor, UnitPermission.APPROVE, plan.issuer, "Chỉ lãnh đạo đơn vị ban hành mới trả lại được.")
        _require_state(plan, [Plan.State.PENDING_APPROVAL], "Kế hoạch không ở bước chờ duyệt")
        return _transition(plan, Plan.State.RETURNED, Action.RETURN, actor, comment.strip())


def plan_approve(*, plan: Plan, actor: AbstractBaseUser, comment: str = "") -> Plan:
    """Approve a submitted plan; it goes to the clerk for numbering."""
    with transaction.atomic():
        plan = _lock_plan(plan)
        _require(actor, UnitPermission.APPROVE, plan.issuer, "Chỉ lãnh đạo đơn vị ban hành mới duyệt được.")
        _require_state(plan, [Plan.State.PENDING_APPROVAL], "Kế hoạch không ở bước chờ duyệt")
        if not plan.signer_name:
            _sign_as(plan, actor)
        return _transition(plan, Plan.State.APPROVED, Action.APPROVE, actor, comment)


def _sign_as(plan: Plan, leader: AbstractBaseUser) -> None:
    """The approving leader signs a plan whose text names no signer (Nghị định 30/2020, Phụ lục I, ô 7).

    Authority "TM. …" comes from the issuing unit; the title from the leader's
    membership ("Phó Chủ tịch"), written in capitals as the signature block does.
    """
    membership = Membership.objects.filter(user=leader, unit=plan.issuer, role=Membership.Role.LEADER).first()
    title = (membership.title if membership else "").upper()
    plan.signer_authority = plan.issuer.signature_authority
    plan.signer_title = " / ".join(part for part in (plan.issuer.signature_authority, title) if part)
    plan.signer_name = leader.get_full_name() or leader.get_username()
    plan.save(update_fields=["signer_authority", "signer_title", "signer_name", "updated_at"])


def plan_reject(*, plan: Plan, actor: AbstractBaseUser, comment: str) -> Plan:
    """Refuse a submitted plan for good (its process ends as rejected)."""
    if not comment.strip():
        raise DomainError("Hãy ghi lý do không duyệt.")
    with transaction.atomic():
        plan = _lock_plan(plan)
        _require(actor, UnitPermission.APPROVE, plan.issuer, "Chỉ lãnh đạo đơn vị ban hành mới quyết định được.")
        _require_state(plan, [Plan.State.PENDING_APPROVAL], "Kế hoạch không ở bước chờ duyệt")
        return _transition(plan, Plan.State.REJECTED, Action.REJECT, actor, comment.strip())


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
        _require(actor, UnitPermission.REGISTER, plan.issuer, "Chỉ văn thư của đơn vị ban hành mới vào sổ được.")
        _require_state(plan, [Plan.State.APPROVED], "Chỉ vào sổ được kế hoạch đã duyệt")
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
        _require(actor, UnitPermission.REGISTER, plan.issuer, "Chỉ văn thư của đơn vị ban hành mới phát hành được.")
        _require_state(plan, [Plan.State.REGISTERED], "Chỉ phát hành được kế hoạch đã vào sổ")
        recipients = list(plan.recipients.filter(removed_at__isnull=True))
        pending = [r.phrase for r in recipients if r.needs_attention]
        if pending:
            raise DomainError("Còn nơi nhận chưa xác định đơn vị: " + "; ".join(pending))
        targets = [r for r in recipients if r.is_dispatchable and r.unit_id != plan.issuer_id]
        if not targets:
            raise DomainError("Không có đơn vị nào để gửi.")
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
    )
    return delivery


def delivery_acknowledge(*, delivery: Delivery, actor: AbstractBaseUser) -> Delivery:
    """Confirm receipt for the recipient unit (Nghị định 30/2020/NĐ-CP, Điều 21: the same working day)."""
    with transaction.atomic():
        delivery = _lock_delivery(delivery)
        _require(actor, UnitPermission.RECEIVE, delivery.unit, "Bạn không tiếp nhận văn bản thay đơn vị này được.")
        if delivery.state != Delivery.State.SENT:
            raise StateError("Văn bản này đã được xử lý.")
        delivery.acknowledged_at = timezone.now()
        delivery.acknowledged_by = actor
        delivery.save(update_fields=["acknowledged_at", "acknowledged_by"])
        return _delivery_transition(delivery, Delivery.State.ACKNOWLEDGED, Action.ACKNOWLEDGE, actor)


def delivery_refuse(*, delivery: Delivery, actor: AbstractBaseUser, reason: str) -> Delivery:
    """Refuse a plan sent to the wrong unit (edXML status 02); the issuer's clerk is told to correct it."""
    if not reason.strip():
        raise DomainError("Hãy ghi lý do từ chối để văn thư nơi gửi điều chỉnh.")
    with transaction.atomic():
        delivery = _lock_delivery(delivery)
        _require(actor, UnitPermission.RECEIVE, delivery.unit, "Bạn không xử lý văn bản thay đơn vị này được.")
        if delivery.state != Delivery.State.SENT:
            raise StateError("Chỉ từ chối được văn bản vừa nhận, chưa tiếp nhận.")
        return _delivery_transition(delivery, Delivery.State.REFUSED, Action.REFUSE, actor, reason.strip())


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
        _require(actor, UnitPermission.REGISTER, plan.issuer, "Chỉ văn thư của đơn vị ban hành mới sửa nơi nhận được.")
        _require_state(plan, [Plan.State.IN_EXECUTION], "Chỉ bổ sung nơi nhận cho kế hoạch đang thực hiện")
        if (
            plan.deliveries.filter(unit=unit)
            .exclude(state__in=[Delivery.State.REFUSED, Delivery.State.WITHDRAWN])
            .exists()
        ):
            raise DomainError(f"{unit.name} đã có trong nơi nhận.")
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
            "Chỉ văn thư của đơn vị ban hành mới sửa nơi nhận được.",
        )
        if delivery.state != Delivery.State.REFUSED:
            raise StateError("Chỉ bỏ được nơi nhận đã từ chối văn bản.")
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
        raise DomainError("Nội dung báo cáo không được để trống.")
    if attachment is not None and attachment.size > settings.PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES:
        limit = settings.PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise DomainError(f"Tệp đính kèm quá lớn (tối đa {limit} MB): hãy nén hoặc chia nhỏ tệp.")
    with transaction.atomic():
        delivery = _lock_delivery(delivery)
        _require(actor, UnitPermission.RECEIVE, delivery.unit, "Bạn không báo cáo thay đơn vị này được.")
        if not delivery.requires_report:
            raise StateError("Đơn vị này nhận kế hoạch để biết, không phải báo cáo.")
        if delivery.state not in (Delivery.State.ACKNOWLEDGED, Delivery.State.RETURNED):
            raise StateError("Chỉ báo cáo được sau khi tiếp nhận, hoặc khi báo cáo bị trả lại.")
        report = Report(delivery=delivery, text=text.strip(), submitted_by=actor)
        if attachment is not None:
            report.attachment_name = attachment.name[:255]
            report.attachment.save(attachment.name, attachment, save=False)
        report.save()
        _delivery_transition(delivery, Delivery.State.REPORTED, Action.REPORT, actor, data={"report_id": report.pk})
        return report


def report_review(*, report: Report, actor: AbstractBaseUser, accept: bool, comment: str = "") -> Report:
    """Accept a report, or return it for more detail (a comment is then required)."""
    if not accept and not comment.strip():
        raise DomainError("Hãy ghi rõ cần bổ sung gì khi trả lại báo cáo.")
    with transaction.atomic():
        delivery = _lock_delivery(report.delivery)
        report = Report.objects.select_for_update().get(pk=report.pk)
        _require(actor, UnitPermission.REVIEW, delivery.plan.issuer, "Chỉ đơn vị ban hành mới xem xét báo cáo được.")
        if report.decision != Report.Decision.PENDING or delivery.state != Delivery.State.REPORTED:
            raise StateError("Báo cáo này đã được xem xét.")
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
        )
        return report


# --- end of the plan ---------------------------------------------------------------


def plan_complete(*, plan: Plan) -> Plan:
    """Mark a plan completed once every delivery that must report has its report accepted."""
    with transaction.atomic():
        plan = _lock_plan(plan)
        _require_state(plan, [Plan.State.IN_EXECUTION], "Kế hoạch không ở bước thực hiện")
        open_deliveries = plan.deliveries.exclude(state__in=Delivery.CLOSED_STATES).exclude(
            state=Delivery.State.ACKNOWLEDGED,
            requires_report=False,
        )
        if open_deliveries.exists():
            raise StateError("Còn đơn vị chưa hoàn thành")
        return _transition(plan, Plan.State.COMPLETED, Action.COMPLETE, None)


def plan_withdraw(*, plan: Plan, actor: AbstractBaseUser, reason: str) -> Plan:
    """Withdraw (thu hồi) an open plan; every open delivery is closed as withdrawn (edXML 15)."""
    if not reason.strip():
        raise DomainError("Hãy ghi lý do thu hồi.")
    with transaction.atomic():
        plan = _lock_plan(plan)
        _require(actor, UnitPermission.APPROVE, plan.issuer, "Chỉ lãnh đạo đơn vị ban hành mới thu hồi được.")
        _require_state(plan, Plan.OPEN_STATES, "Kế hoạch đã kết thúc, không thu hồi được")
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
        )


# --- attachments -------------------------------------------------------------------


def attachment_add(*, plan: Plan, actor: AbstractBaseUser, upload: UploadedFile) -> PlanAttachment:
    """Attach a file to a draft (its drafter) or, until dispatch, by the issuer's clerk.

    The file is stored under a generated name in the plan's folder; the person's
    file name is kept only as data, so no name can reach outside the storage folder.
    """
    from django.conf import settings

    if upload.size == 0:
        raise DomainError("Tệp rỗng: hãy chọn đúng tệp cần đính kèm.")
    if upload.size > settings.PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES:
        limit = settings.PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise DomainError(f"Tệp quá lớn (tối đa {limit} MB): hãy nén hoặc chia nhỏ tệp.")
    with transaction.atomic():
        plan = _lock_plan(plan)
        is_drafter = plan.drafter_id == actor.pk and plan.state in Plan.EDITABLE_STATES
        is_clerk = permissions.has_unit_permission(actor, UnitPermission.REGISTER, plan.issuer) and plan.state in (
            Plan.State.APPROVED,
            Plan.State.REGISTERED,
        )
        if not (is_drafter or is_clerk):
            raise NotAllowedError(
                "Chỉ người soạn (khi đang soạn) hoặc văn thư (trước khi phát hành) mới đính kèm được."
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
