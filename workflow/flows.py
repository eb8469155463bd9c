"""The life of a plan as one viewflow Flow (see ../shared/DESIGN.md, "The life of a plan").

Domain state lives on `documents.Plan` and `documents.Delivery`; gateways read it.
Every human task ends by being completed with an outcome (approved, returned,
refused, withdrawn, …) and the gateways route on that outcome: no task is ever
cancelled, because a cancelled branch never releases a `Join`.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from documents.models import Delivery, Membership, Plan
from documents.permissions import UnitPermission
from workflow import views
from workflow.models import PlanProcess
from workflow.nodes import DeliverySplit, DeliveryView, UnitView, branch_data


def _issuer_of(task) -> int:
    return task.process.coerced.plan.issuer_id


def _units_of_deliveries(delivery_ids: list[int]) -> dict[int, int]:
    return dict(Delivery.objects.filter(pk__in=delivery_ids).values_list("pk", "unit_id"))


def _plan_state(*states: str):
    def condition(activation) -> bool:
        # Read the state afresh: the service saved it through another instance.
        return Plan.objects.values_list("state", flat=True).get(pk=activation.process.plan_id) in states

    return condition


def _delivery_state(*states: str, requires_report: bool | None = None):
    def condition(activation) -> bool:
        delivery = Delivery.objects.only("state", "requires_report").get(pk=activation.task.data["delivery_id"])
        if requires_report is not None and delivery.requires_report != requires_report:
            return False
        return delivery.state in states

    return condition


class PlanFlow(flow.Flow):
    """Draft → approval → registration → dispatch → one branch per recipient unit → completed."""

    process_class = PlanProcess
    process_title = _("Kế hoạch")
    process_description = _("Soạn, duyệt, vào sổ, phát hành và theo dõi thực hiện kế hoạch")
    process_summary_template = _('{{ process.plan.number_symbol|default:"Chưa có số" }} – {{ process.plan.title }}')
    # PostgreSQL: the process row is locked for the whole step (joins need it).
    # SQLite ignores FOR UPDATE; there BEGIN IMMEDIATE (settings) serialises writers.
    lock_impl = lock.SelectForUpdateLock(nowait=False, attempts=1)

    start = flow.StartHandle(this.start_process).Annotation(title=_("Tạo dự thảo")).Next(this.submit)

    submit = (
        UnitView(views.SubmitView.as_view(), permission=UnitPermission.DRAFT, unit_of=_issuer_of)
        .Annotation(
            title=_("Trình duyệt kế hoạch"),
            summary_template=_('{{ process.plan.number_symbol|default:"Chưa có số" }} – {{ process.plan.title }}'),
        )
        .Assign(lambda activation: activation.process.plan.drafter)
        .Next(this.check_submitted)
    )
    check_submitted = (
        flow.Switch()
        .Annotation(title=_("Đã trình hay đã thu hồi?"))
        .Case(this.approve, _plan_state(Plan.State.PENDING_APPROVAL))
        .Case(this.withdrawn, _plan_state(Plan.State.WITHDRAWN))
    )

    approve = (
        UnitView(views.ApproveView.as_view(), permission=UnitPermission.APPROVE, unit_of=_issuer_of)
        .Annotation(
            title=_("Duyệt kế hoạch"),
            summary_template=_('{{ process.plan.number_symbol|default:"Chưa có số" }} – {{ process.plan.title }}'),
        )
        .Next(this.check_approved)
    )
    check_approved = (
        flow.Switch()
        .Annotation(title=_("Ý kiến của lãnh đạo"))
        .Case(this.register, _plan_state(Plan.State.APPROVED))
        .Case(this.submit, _plan_state(Plan.State.RETURNED))
        .Case(this.rejected, _plan_state(Plan.State.REJECTED))
        .Case(this.withdrawn, _plan_state(Plan.State.WITHDRAWN))
    )

    register = (
        UnitView(views.RegisterView.as_view(), permission=UnitPermission.REGISTER, unit_of=_issuer_of)
        .Annotation(
            title=_("Vào sổ, cấp số"),
            summary_template=_('{{ process.plan.number_symbol|default:"Chưa có số" }} – {{ process.plan.title }}'),
        )
        .Next(this.check_registered)
    )
    check_registered = (
        flow.Switch()
        .Annotation(title=_("Đã vào sổ hay đã thu hồi?"))
        .Case(this.dispatch, _plan_state(Plan.State.REGISTERED))
        .Case(this.withdrawn, _plan_state(Plan.State.WITHDRAWN))
    )

    dispatch = (
        UnitView(views.DispatchView.as_view(), permission=UnitPermission.REGISTER, unit_of=_issuer_of)
        .Annotation(
            title=_("Phát hành"),
            summary_template=_('{{ process.plan.number_symbol|default:"Chưa có số" }} – {{ process.plan.title }}'),
        )
        .Next(this.check_dispatched)
    )
    check_dispatched = (
        flow.Switch()
        .Annotation(title=_("Đã phát hành hay đã thu hồi?"))
        .Case(this.split_deliveries, _plan_state(Plan.State.IN_EXECUTION))
        .Case(this.withdrawn, _plan_state(Plan.State.WITHDRAWN))
    )

    split_deliveries = (
        DeliverySplit(this.open_deliveries).Annotation(title=_("Gửi tới từng đơn vị nhận")).Next(this.acknowledge)
    )

    acknowledge = (
        DeliveryView(
            views.AcknowledgeView.as_view(),
            permission=UnitPermission.RECEIVE,
            unit_of_delivery=_units_of_deliveries,
        )
        .Annotation(
            title=_("Tiếp nhận kế hoạch"),
            summary_template=_("{{ task.data.unit }} – {{ process.plan.number_symbol }} – {{ process.plan.title }}"),
        )
        .Next(this.check_acknowledged, task_data=branch_data)
    )
    check_acknowledged = (
        flow.If(_delivery_state(Delivery.State.ACKNOWLEDGED, requires_report=True))
        .Annotation(title=_("Phải báo cáo?"))
        .Then(this.report, task_data=branch_data)
        .Else(this.join_deliveries)
    )

    report = (
        DeliveryView(
            views.ReportView.as_view(),
            permission=UnitPermission.RECEIVE,
            unit_of_delivery=_units_of_deliveries,
        )
        .Annotation(
            title=_("Báo cáo kết quả"),
            summary_template=_("{{ task.data.unit }} – {{ process.plan.number_symbol }} – {{ process.plan.title }}"),
        )
        .Next(this.check_reported, task_data=branch_data)
    )
    check_reported = (
        flow.If(_delivery_state(Delivery.State.REPORTED))
        .Annotation(title=_("Đã báo cáo?"))
        .Then(this.review, task_data=branch_data)
        .Else(this.join_deliveries)
    )

    review = (
        UnitView(views.ReviewView.as_view(), permission=UnitPermission.REVIEW, unit_of=_issuer_of)
        .Annotation(
            title=_("Xem xét báo cáo"),
            summary_template=_("{{ task.data.unit }} – {{ process.plan.number_symbol }} – {{ process.plan.title }}"),
        )
        .Next(this.check_reviewed, task_data=branch_data)
    )
    check_reviewed = (
        flow.If(_delivery_state(Delivery.State.RETURNED))
        .Annotation(title=_("Kết luận về báo cáo"))
        .Then(this.report, task_data=branch_data)
        .Else(this.join_deliveries)
    )

    join_deliveries = flow.Join().Annotation(title=_("Mọi đơn vị đã xong")).Next(this.check_completed)
    check_completed = flow.If(_plan_state(Plan.State.IN_EXECUTION)).Then(this.complete).Else(this.withdrawn)
    complete = flow.Function(this.complete_plan).Annotation(title=_("Hoàn thành kế hoạch")).Next(this.completed)

    completed = flow.End().Annotation(title=_("Hoàn thành"))
    rejected = flow.End().Annotation(title=_("Không duyệt"))
    withdrawn = flow.End().Annotation(title=_("Đã thu hồi"))

    def has_view_permission(self, user, obj=None) -> bool:
        """Members of any unit may open the flow's pages. A process (viewflow's page of every
        task of the plan: each unit's steps, the approval rounds) only the issuing unit's
        members who may see the plan, and managers: a recipient unit sees its own part on the
        plan page (`ScopedProcessDetailView` sends it there) and its own tasks
        (`nodes.UnitView.can_view`). Two statements for a process."""
        if not user.is_authenticated:
            return False
        if self.has_manage_permission(user):
            return True
        if obj is None:
            return Membership.objects.filter(user_id=user.pk).exists()
        plan_id = getattr(obj, "plan_id", None)
        if plan_id is None or not self.plan_is_visible(user, obj):
            return False
        return Membership.objects.filter(user_id=user.pk, unit__plans__pk=plan_id).exists()

    def plan_is_visible(self, user, process) -> bool:
        """Whether `user` may see the plan of `process` at all (`documents.selectors.plan_list_for_user`)."""
        from documents import selectors

        plan_id = getattr(process, "plan_id", None)
        return plan_id is not None and selectors.plan_list_for_user(user=user).filter(pk=plan_id).exists()

    def start_process(self, activation, plan: Plan) -> PlanProcess:
        """Link the new process to its plan (a row of `documents.Plan`)."""
        activation.process.plan = plan
        return activation.process

    def open_deliveries(self, activation) -> list[int]:
        """Ids of the plan's deliveries that have no branch yet, in unit order."""
        plan = activation.process.plan
        return list(
            plan.deliveries.filter(state=Delivery.State.SENT).order_by("unit__name").values_list("pk", flat=True)
        )

    def complete_plan(self, activation) -> None:
        """Close the plan once every branch has come to the join."""
        from documents import services

        services.plan_complete(plan=activation.process.plan)
