"""Flow nodes of our own, for what open-source viewflow 2.4 does not do.

- `UnitView`: a human task that a person may take when they hold a permission on
  a *unit* (the issuer, or the recipient unit of the branch), not on the process.
  viewflow's own `View` computes the permission object from the process only.
- `DeliverySplit`: one parallel branch per delivery of the plan. viewflow's `Split`
  ignores `data_source`, and creating one task per recipient through it costs
  three statements a unit inside the plan's lock; this node writes the branch
  tasks and their links in two bulk inserts, and can add one branch later when
  the clerk corrects the recipients after dispatch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.utils.timezone import now
from django.utils.translation import gettext as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.base import Edge, Node
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.flow import mixins as flow_mixins
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.status import STATUS
from viewflow.workflow.token import Token

from documents import permissions
from documents.models import Membership, Plan, Unit


def branch_data(activation: Activation) -> dict:
    """Carry the branch's delivery id (and its unit's name, for task lists) from one node to the next."""
    data = activation.task.data
    return {"delivery_id": data["delivery_id"], "unit": data.get("unit", "")}


class UnitView(flow.View):
    """A human task for whoever holds `permission` on the unit `unit_of(task)` returns.

    `unit_of` takes a task (possibly not saved yet) and returns a `Unit`, or its id.
    """

    def __init__(self, view, *, permission: str, unit_of: Callable, **kwargs) -> None:
        super().__init__(view, **kwargs)
        self._unit_of = unit_of
        self.Permission(permission)

    @property
    def assign_view_class(self):
        """viewflow's "take this task" page with a message that names the task (workflow.views).

        Imported here, not at the top: workflow.views imports the flow, which imports this module.
        """
        from workflow.views import PlanAssignTaskView

        return PlanAssignTaskView

    def unit_id_for(self, task) -> int | None:
        unit = self._unit_of(task)
        return unit.pk if isinstance(unit, Unit) else unit

    def calc_owner_permission_obj(self, activation):
        unit_id = self.unit_id_for(activation.task)
        return Unit(pk=unit_id) if unit_id else None

    def can_assign(self, user, task) -> bool:
        """True when nobody holds `task` and `user` may take it: they hold its permission on its unit
        and may use it on this plan (a deputy does not take the approval of a plan they drafted:
        `permissions.deputy_barred_from_own_draft`, the rule the service applies when deciding).

        One statement more than the permission check, only when `user` drafted the plan.
        """
        if task.owner_id or user is None or not user.is_authenticated:
            return False
        if not task.owner_permission:
            return False
        unit_id = self.unit_id_for(task)
        if unit_id is None or not permissions.has_unit_permission(user, task.owner_permission, Unit(pk=unit_id)):
            return False
        return not self.barred_as_deputy(user, task)

    def barred_as_deputy(self, user, task) -> bool:
        """True when `user` holds the task's permission only as a deputy and may not use it on
        this plan, being its drafter (`permissions.deputy_barred_from_own_draft`)."""
        unit_id = self.unit_id_for(task)
        if task.owner_permission not in permissions.DEPUTY_NOT_ON_OWN_DRAFT:
            return False
        drafter_id = Plan.objects.filter(process__pk=task.process_id).values_list("drafter_id", flat=True).first()
        if drafter_id != user.pk:
            return False
        authority = permissions.unit_authority(user, task.owner_permission, Unit(pk=unit_id))
        return authority is None or permissions.deputy_barred_from_own_draft(
            user=user, perm=task.owner_permission, on_behalf_of=authority.on_behalf_of, drafter_id=drafter_id
        )

    def can_view(self, user, task) -> bool:
        """Who may open the task's detail page: the issuing unit's members and managers
        (`PlanFlow.has_view_permission`), whoever holds the task, and the members of the unit
        it is for (a recipient unit sees its own acknowledgement and reports, not another's).

        Raises Http404 when `user` may not see the plan at all: a guessed task id of another
        unit's plan reveals nothing, not even that it exists.
        """
        flow = self.flow_class.instance
        process = task.process.coerced
        if flow.has_view_permission(user, process):
            return True
        if not user.is_authenticated or not flow.plan_is_visible(user, process):
            raise Http404(_("Không tìm thấy việc này."))
        if task.owner_id == user.pk:
            return True
        unit_id = self.unit_id_for(task)
        return unit_id is not None and Membership.objects.filter(user_id=user.pk, unit_id=unit_id).exists()

    def can_take_over(self, user, task) -> bool:
        """True when another person holds `task` and `user` may take it from them.

        For the permissions of `permissions.LEADER_TAKES_OVER` (the approval): `user` holds the
        permission on the task's unit in their own right (the leader, back early) and the holder
        no longer holds it, or holds it only as a deputy. The deputy may also release the task
        themselves (viewflow's "unassign"). Two to four statements.
        """
        if not task.owner_id or user is None or not user.is_authenticated or task.owner_id == user.pk:
            return False
        if task.owner_permission not in permissions.LEADER_TAKES_OVER:
            return False
        unit_id = self.unit_id_for(task)
        if unit_id is None:
            return False
        unit = Unit(pk=unit_id)
        mine = permissions.unit_authority(user, task.owner_permission, unit)
        if mine is None or mine.on_behalf_of is not None:
            return False
        theirs = permissions.unit_authority(task.owner, task.owner_permission, unit)
        return theirs is None or theirs.on_behalf_of is not None


class DeliverySplitActivation(Activation):
    """Creates the first task of every delivery's branch, in bulk."""

    def __init__(self, *args, **kwargs) -> None:
        self.next_tasks: list = []
        super().__init__(*args, **kwargs)

    @Activation.status.super()
    def activate(self) -> None:
        """Nothing to compute: the deliveries are already written by the dispatch service."""

    @Activation.status.super()
    def create_next(self) -> Iterable[Activation]:
        delivery_ids = self.flow_task._deliveries(self)
        if not delivery_ids:
            raise FlowRuntimeError(f"No delivery to split into for {self.flow_task.name}")
        yield from self.flow_task.create_branches(split_task=self.task, delivery_ids=delivery_ids)


class DeliverySplit(flow_mixins.NodeDetailMixin, Node):
    """Parallel split with one branch per delivery; `deliveries(activation)` gives their ids.

    Branch tokens are `<split token>/<split task id>_<delivery id>`, the shape
    viewflow's `Join` reads, so a branch added later joins the same `Join`.
    """

    activation_class = DeliverySplitActivation
    # viewflow's pages link every task to its node's detail page: give ours one.
    index_view_class = flow_views.IndexTaskView
    detail_view_class = flow_views.DetailTaskView
    task_type = "PARALLEL_GATEWAY"
    bpmn_element = "parallelGateway"
    shape = {
        "width": 50,
        "height": 50,
        "svg": """
            <path class="gateway" d="M25,0L50,25L25,50L0,25L25,0"/>
            <text class="gateway-marker" font-size="32px" x="25" y="35">+</text>
        """,
    }

    def __init__(self, deliveries: Callable, **kwargs) -> None:
        super().__init__(**kwargs)
        self._deliveries = deliveries
        self._next = None

    def Next(self, node) -> DeliverySplit:
        self._next = node
        return self

    def _resolve(self, instance) -> None:
        super()._resolve(instance)
        self._next = this.resolve(instance, self._next)
        self._deliveries = this.resolve(instance, self._deliveries)

    def _outgoing(self):
        if self._next:
            yield Edge(src=self, dst=self._next, edge_class="next")

    def create_branches(self, *, split_task, delivery_ids: list[int]) -> list[Activation]:
        """Write the first task of each branch and its link to the split, in two bulk inserts.

        Returns the activations of the new tasks (status NEW, waiting for a person).
        The first node must be a `UnitView` whose unit comes from the delivery.
        """
        node: UnitView = self._next
        task_class = self.flow_class.task_class
        unit_ids = node.unit_ids_for_deliveries(delivery_ids)
        unit_names = dict(Unit.objects.filter(pk__in=set(unit_ids.values())).values_list("pk", "name"))
        unit_type = ContentType.objects.get_for_model(Unit, for_concrete_model=False)
        created = now()
        tasks = task_class._default_manager.bulk_create(
            task_class(
                process=split_task.process,
                flow_task=node,
                flow_task_type=node.task_type,
                status=STATUS.NEW,
                token=Token(f"{split_task.token}/{split_task.pk}_{delivery_id}"),
                data={"delivery_id": delivery_id, "unit": unit_names[unit_ids[delivery_id]]},
                owner_permission=node._owner_permission,
                owner_permission_content_type=unit_type,
                owner_permission_obj_pk=str(unit_ids[delivery_id]),
                created=created,
            )
            for delivery_id in delivery_ids
        )
        if any(task.pk is None for task in tasks):
            tokens = [task.token.token for task in tasks]
            tasks = list(task_class._default_manager.filter(process=split_task.process, token__in=tokens))
        link = task_class.previous.through
        link._default_manager.bulk_create(link(from_task_id=task.pk, to_task_id=split_task.pk) for task in tasks)
        return [node.activation_class(task) for task in tasks]

    def split_task_of(self, process):
        """The split task of `process` (one per plan: a plan is dispatched once)."""
        return self.flow_class.task_class._default_manager.get(process=process, flow_task=self)


class DeliveryView(UnitView):
    """A `UnitView` inside a delivery branch: the unit is read from the branch's delivery."""

    def __init__(self, view, *, permission: str, unit_of_delivery: Callable[[list[int]], dict[int, int]], **kwargs):
        self._unit_of_delivery = unit_of_delivery
        super().__init__(view, permission=permission, unit_of=self._unit_for_task, **kwargs)

    def _unit_for_task(self, task) -> int | None:
        delivery_id = (task.data or {}).get("delivery_id")
        if delivery_id is None:
            return None
        return self.unit_ids_for_deliveries([delivery_id]).get(delivery_id)

    def unit_ids_for_deliveries(self, delivery_ids: list[int]) -> dict[int, int]:
        return self._unit_of_delivery(delivery_ids)


__all__ = ["DeliverySplit", "DeliveryView", "UnitView", "branch_data"]
