"""`manage.py walkthrough`: the seed plan from draft to completion, without a browser.

Runs on the current database (migrate first), loads the demo directory, then acts
as each demo user in turn through `workflow.services`, the same functions the web
pages call. Prints the timeline; exits non-zero when any stage fails.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from documents.demo import DEPARTMENT_TNMT, PROVINCIAL_COMMITTEE, demo_unit, district_committee, load_demo
from documents.models import Delivery, Plan
from workflow import services as flow
from workflow.flows import PlanFlow

DEFAULT_SEED = Path(settings.BASE_DIR).parent / "shared" / "corpus" / "000-seed-ke-hoach-bvmt-2019.txt"


class Command(BaseCommand):
    help = "Chạy toàn bộ vòng đời kế hoạch mẫu bằng các tài khoản mẫu và in nhật ký."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--file", default=str(DEFAULT_SEED), help="Tệp kế hoạch (mặc định: kế hoạch mẫu 000).")

    def handle(self, *args, file: str, **options) -> None:
        path = Path(file)
        if not path.exists():
            raise CommandError(f"Không tìm thấy tệp {path}")
        _require_migrated()
        load_demo()
        try:
            plan = run_story(path.read_text(encoding="utf-8"), say=self.stdout.write)
            withdrawn = run_withdrawal(path.read_text(encoding="utf-8"), say=self.stdout.write)
        except Exception as error:
            raise CommandError(f"Bước thất bại: {error}") from error
        self.stdout.write("")
        self.stdout.write(f"Nhật ký kế hoạch {plan.number_symbol} ({plan.get_state_display()}):")
        for event in plan.events.select_related("actor", "delivery__unit").order_by("created_at", "id"):
            who = event.actor.username if event.actor else "hệ thống"
            unit = f" [{event.delivery.unit.short_name}]" if event.delivery_id else ""
            comment = f" – {event.comment}" if event.comment else ""
            self.stdout.write(
                f"  {timezone.localtime(event.created_at):%d/%m/%Y %H:%M:%S}  {who:<14} {event.get_action_display()}"
                f"{unit} {event.from_state}→{event.to_state}{comment}"
            )
        if plan.state != Plan.State.COMPLETED or withdrawn.state != Plan.State.WITHDRAWN:
            raise CommandError("Kế hoạch không đi hết vòng đời.")
        self.stdout.write(self.style.SUCCESS("Hoàn thành: mọi bước đều thành công."))


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _do(plan: Plan, node, username: str, action, *, delivery: Delivery | None = None, **data):
    task = flow.open_task(plan=plan, node=node, delivery=delivery)
    if task is None:
        raise RuntimeError(f"không có việc '{node.name}' đang mở")
    actor = _user(username)
    with flow.task_activation(task_id=task.pk, actor=actor) as activation:
        return action(activation=activation, actor=actor, **data)


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(message)


def run_story(text: str, *, say) -> Plan:
    """The whole life of the seed plan; returns the completed plan."""
    issuer = demo_unit(PROVINCIAL_COMMITTEE)
    plan, _ = flow.plan_import_and_start(issuer=issuer, drafter=_user("chuyenvien"), text=text)
    say(f"1. chuyenvien nhập kế hoạch: “{plan.title}”, {plan.recipients.count()} nơi nhận")
    _do(plan, PlanFlow.submit, "chuyenvien", flow.submit)
    say("2. chuyenvien trình duyệt")
    _do(
        plan,
        PlanFlow.approve,
        "lanhdao",
        flow.decide,
        decision=flow.Decision.RETURN,
        comment="Bổ sung thời gian hoàn thành báo cáo.",
    )
    plan.refresh_from_db()
    _expect(plan.state == Plan.State.RETURNED, "lãnh đạo trả lại nhưng kế hoạch không về người soạn")
    say("3. lanhdao trả lại kèm ý kiến")
    from documents import services

    services.plan_update(
        plan=plan,
        actor=_user("chuyenvien"),
        title=plan.title,
        legal_basis=plan.legal_basis,
        sections=plan.sections,
        body=plan.body + "\nCác đơn vị báo cáo kết quả trước ngày 25/12/2019.",
        schedule_start=plan.schedule_start,
        schedule_end=plan.schedule_end,
    )
    _do(plan, PlanFlow.submit, "chuyenvien", flow.submit, comment="Đã bổ sung thời hạn báo cáo.")
    say("4. chuyenvien sửa và trình lại")
    _do(plan, PlanFlow.approve, "lanhdao", flow.decide, decision=flow.Decision.APPROVE)
    say("5. lanhdao duyệt")
    plan = _do(plan, PlanFlow.register, "vanthu", flow.register)
    say(f"6. vanthu vào sổ: số {plan.number_symbol}, ngày {plan.issue_date:%d/%m/%Y}")
    deliveries = _do(plan, PlanFlow.dispatch, "vanthu", flow.dispatch)
    say(f"7. vanthu phát hành tới {len(deliveries)} đơn vị")

    refusing = district_committee("thanh-mien")
    for delivery in plan.deliveries.select_related("unit").order_by("unit__name"):
        officer = (
            "sotnmt" if delivery.unit.code == DEPARTMENT_TNMT else "cb-" + delivery.unit.code.removeprefix("mttq-")
        )
        if delivery.unit_id == refusing.pk:
            _do(
                plan,
                PlanFlow.acknowledge,
                officer,
                flow.acknowledge,
                delivery=delivery,
                refuse=True,
                reason="Đơn vị không được giao nhiệm vụ trong kế hoạch này.",
            )
            say(f"8. {officer} từ chối: gửi nhầm đơn vị")
        else:
            _do(plan, PlanFlow.acknowledge, officer, flow.acknowledge, delivery=delivery)
    say("8. các đơn vị còn lại tiếp nhận")
    refused = plan.deliveries.get(unit=refusing)
    services.recipient_remove_refused(delivery=refused, actor=_user("vanthu"), comment="Gửi nhầm.")
    added_unit = district_committee("tp-chi-linh")
    added = flow.recipient_add(plan=plan, actor=_user("vanthu"), unit=added_unit, comment="Mục II.1 gồm cả thành phố.")
    _do(plan, PlanFlow.acknowledge, "cb-tp-chi-linh", flow.acknowledge, delivery=added)
    say("9. vanthu bỏ đơn vị từ chối, bổ sung thành phố Chí Linh; đơn vị mới tiếp nhận")

    returned_once = False
    for delivery in plan.deliveries.filter(requires_report=True, state=Delivery.State.ACKNOWLEDGED).select_related(
        "unit"
    ):
        officer = "cb-" + delivery.unit.code.removeprefix("mttq-")
        attachment = SimpleUploadedFile("Báo cáo kết quả.txt", f"Báo cáo của {delivery.unit.name}".encode())
        _do(
            plan,
            PlanFlow.report,
            officer,
            flow.report,
            delivery=delivery,
            text=f"{delivery.unit.name} đã triển khai kế hoạch.",
            attachment=attachment,
        )
        if not returned_once:
            _do(
                plan,
                PlanFlow.review,
                "lanhdao",
                flow.review,
                delivery=delivery,
                accept=False,
                comment="Bổ sung số hội nghị đã tổ chức.",
            )
            _do(
                plan,
                PlanFlow.report,
                officer,
                flow.report,
                delivery=delivery,
                text=f"{delivery.unit.name}: đã tổ chức 2 hội nghị.",
            )
            returned_once = True
        _do(plan, PlanFlow.review, "chuyenvien", flow.review, delivery=delivery, accept=True)
    say("10. các đơn vị báo cáo; một báo cáo bị trả lại rồi được chấp nhận")
    plan.refresh_from_db()
    _expect(plan.state == Plan.State.COMPLETED, f"kế hoạch chưa hoàn thành ({plan.get_state_display()})")
    say(f"11. kế hoạch {plan.number_symbol} hoàn thành")
    return plan


def run_withdrawal(text: str, *, say) -> Plan:
    """A second plan, withdrawn by the leader while waiting for acknowledgements."""
    issuer = demo_unit(PROVINCIAL_COMMITTEE)
    plan, _ = flow.plan_import_and_start(issuer=issuer, drafter=_user("chuyenvien"), text=text)
    _do(plan, PlanFlow.submit, "chuyenvien", flow.submit)
    _do(plan, PlanFlow.approve, "lanhdao", flow.decide, decision=flow.Decision.APPROVE)
    _do(plan, PlanFlow.register, "vanthu", flow.register)
    _do(plan, PlanFlow.dispatch, "vanthu", flow.dispatch)
    plan = flow.plan_withdraw(plan=plan, actor=_user("lanhdao"), reason="Ban hành nhầm, sẽ thay bằng kế hoạch khác.")
    _expect(plan.state == Plan.State.WITHDRAWN, "thu hồi không thành công")
    _expect(not plan.deliveries.exclude(state=Delivery.State.WITHDRAWN).exists(), "còn đơn vị chưa bị thu hồi")
    say(f"12. lanhdao thu hồi kế hoạch thứ hai ({plan.number_symbol}) khi đang chờ tiếp nhận")
    return plan


def _require_migrated() -> None:
    """Refuse, with the command to run, a database whose migrations are not all applied."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        name = connection.settings_dict["NAME"]
        raise CommandError(
            f"Cơ sở dữ liệu {name} chưa được tạo bảng đầy đủ: hãy chạy `manage.py migrate` trước "
            f"(make run tự làm việc này)."
        )
