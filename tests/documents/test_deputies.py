"""Deputies of leaders: in force between their dates only, recorded "on behalf of" the leader, audited."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from viewflow.workflow.models import Task

from documents import permissions, services
from documents.audit import verify_chain
from documents.demo import PROVINCIAL_COMMITTEE, demo_unit, district_committee
from documents.errors import DomainError, NotAllowedError, StateError
from documents.models import Deputyship, Membership, Plan, PlanEvent
from documents.permissions import UnitPermission
from workflow import services as flow
from workflow.flows import PlanFlow

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int = 9, minute: int = 0):
    """Freeze the clock at a local time in March 2027 (1 March is a Monday)."""
    return time_machine.travel(dt.datetime(2027, 3, day, hour, minute, tzinfo=VN), tick=False)


def d(day: int) -> dt.date:
    return dt.date(2027, 3, day)


@pytest.fixture
def province(demo):
    return demo_unit(PROVINCIAL_COMMITTEE)


@pytest.fixture
def leader(user_of, province):
    """The provincial leader, as the head of the committee."""
    Membership.objects.filter(user__username="lanhdao", unit=province).update(title="Chủ tịch")
    return user_of("lanhdao")


@pytest.fixture
def deputy(django_user_model, province):
    """A vice-chair of the provincial committee who holds the officer role there."""
    person = django_user_model.objects.create_user("phochutich", first_name="Nguyễn Văn Bình")
    services.membership_grant(user=person, unit=province, role=Membership.Role.OFFICER, title="Phó Chủ tịch")
    return person


@pytest.fixture
def deputyship(leader, deputy, province):
    """`deputy` stands in for `leader` from Tuesday 2 to Thursday 4 March 2027, named on Monday 1."""
    with at(1):
        return services.deputyship_create(
            unit=province, leader=leader, deputy=deputy, starts_on=d(2), ends_on=d(4), reason="Nghỉ phép", actor=leader
        )


@pytest.fixture
def submitted(seed_plan, advance):
    """The seed plan waiting for the provincial leader's approval."""
    return advance(seed_plan, through="submit")


def _decide(plan: Plan, actor, decision: str = "approve", comment: str = "") -> Plan:
    task = flow.open_task(plan=plan, node=PlanFlow.approve)
    with flow.task_activation(task_id=task.pk, actor=actor) as activation:
        return flow.decide(activation=activation, actor=actor, decision=decision, comment=comment)


# --- acting inside and outside the range ------------------------------------------------------


@pytest.mark.parametrize(("day", "hour", "minute"), [(2, 0, 0), (3, 9, 0), (4, 23, 59)])
def test_deputy_approves_inside_the_range_on_behalf_of_the_leader(
    deputyship, submitted, deputy, leader, day, hour, minute
):
    # when: the first minute of the first day, the middle, the last minute of the last day (local time)
    with at(day, hour, minute):
        plan = _decide(submitted, deputy, comment="Đồng ý ban hành")

    # then the plan is approved, by the deputy, on behalf of the leader
    assert plan.state == Plan.State.APPROVED
    event = submitted.events.get(action=PlanEvent.Action.APPROVE)
    assert (event.actor, event.on_behalf_of) == (deputy, leader)
    # and the deputy signs with the head's authority, "ký thay" (Nghị định 30/2020, Điều 13)
    plan.refresh_from_db()
    assert (plan.signer_authority, plan.signer_title, plan.signer_name) == (
        "TM. BAN THƯỜNG TRỰC / KT. CHỦ TỊCH",
        "TM. BAN THƯỜNG TRỰC / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH",
        "Nguyễn Văn Bình",
    )
    assert verify_chain()[1] is None


@pytest.mark.parametrize(
    ("day", "hour", "minute"),
    [
        (1, 23, 59),  # the evening before
        (5, 0, 10),  # ten minutes past the last day in Vietnam (still 4 March in UTC)
        (8, 9, 0),  # the next week
    ],
)
def test_deputy_cannot_act_before_or_after_the_range(deputyship, submitted, deputy, day, hour, minute):
    events_before = PlanEvent.objects.count()

    with at(day, hour, minute):
        # then viewflow will not give the task to the deputy, and the service refuses
        task = flow.open_task(plan=submitted, node=PlanFlow.approve)
        assert not task.flow_task.can_assign(deputy, task)
        with pytest.raises(NotAllowedError):
            _decide(submitted, deputy)
        with pytest.raises(NotAllowedError, match="Chỉ lãnh đạo đơn vị ban hành mới duyệt được"):
            services.plan_approve(plan=submitted, actor=deputy)
        assert not permissions.has_unit_permission(deputy, UnitPermission.APPROVE, submitted.issuer)
        assert submitted.issuer_id not in set(permissions.units_with_permission(deputy, UnitPermission.APPROVE))

    # and nothing changed
    submitted.refresh_from_db()
    assert submitted.state == Plan.State.PENDING_APPROVAL
    assert PlanEvent.objects.count() == events_before
    assert Task.objects.get(pk=task.pk).owner_id is None


def test_a_revoked_deputyship_gives_nothing(deputyship, submitted, deputy, leader):
    # given the leader came back early and revoked it on the first day
    with at(2, 8):
        services.deputyship_revoke(deputyship=deputyship, actor=leader)

    # then later that day the deputy may not approve
    with at(2, 10):
        assert not permissions.has_unit_permission(deputy, UnitPermission.APPROVE, submitted.issuer)
        with pytest.raises(NotAllowedError):
            _decide(submitted, deputy)
    submitted.refresh_from_db()
    assert submitted.state == Plan.State.PENDING_APPROVAL


def test_the_leaders_own_actions_are_not_on_behalf_of_anyone(deputyship, submitted, leader):
    # when the leader approves during their own leave (from a phone, say)
    with at(3):
        _decide(submitted, leader)

    # then
    event = submitted.events.get(action=PlanEvent.Action.APPROVE)
    assert (event.actor, event.on_behalf_of) == (leader, None)
    submitted.refresh_from_db()
    assert (submitted.signer_title, submitted.signer_name) == ("TM. BAN THƯỜNG TRỰC / CHỦ TỊCH", "Trần Văn Hùng")


@pytest.mark.parametrize(("decision", "action"), [("return", "return"), ("reject", "reject")])
def test_deputy_returns_or_rejects_on_behalf_of_the_leader(deputyship, submitted, deputy, leader, decision, action):
    with at(3):
        _decide(submitted, deputy, decision=decision, comment="Cần bổ sung căn cứ")

    event = submitted.events.get(action=action)
    assert (event.actor, event.on_behalf_of, event.comment) == (deputy, leader, "Cần bổ sung căn cứ")


def test_deputy_of_one_unit_cannot_act_for_another(submitted, user_of):
    # given the Gia Lộc officer stands in for the Gia Lộc leader
    gia_loc = district_committee("gia-loc")
    officer, district_leader = user_of("cb-gia-loc"), user_of("ld-gia-loc")
    with at(1):
        services.deputyship_create(
            unit=gia_loc,
            leader=district_leader,
            deputy=officer,
            starts_on=d(1),
            ends_on=d(5),
            reason="Đi công tác",
            actor=district_leader,
        )

    with at(2):
        # then they hold the leader's rights on Gia Lộc only
        assert permissions.has_unit_permission(officer, UnitPermission.APPROVE, gia_loc)
        assert list(permissions.units_with_permission(officer, UnitPermission.APPROVE)) == [gia_loc.pk]
        assert not permissions.has_unit_permission(officer, UnitPermission.APPROVE, submitted.issuer)
        assert not permissions.has_unit_permission(officer, UnitPermission.APPROVE, district_committee("tu-ky"))
        # and the provincial plan stays out of their reach
        with pytest.raises(NotAllowedError):
            _decide(submitted, officer)
    submitted.refresh_from_db()
    assert submitted.state == Plan.State.PENDING_APPROVAL


def test_a_deputy_gets_the_leader_roles_rights_and_no_other(deputyship, deputy, province):
    with at(3):
        assert permissions.has_unit_permission(deputy, UnitPermission.APPROVE, province)
        assert permissions.has_unit_permission(deputy, UnitPermission.REVIEW, province)
        assert not permissions.has_unit_permission(deputy, UnitPermission.REGISTER, province)
        assert not permissions.has_unit_permission(deputy, UnitPermission.DRAFT, province)
        held = deputy.get_all_permissions(province)
        assert {UnitPermission.APPROVE, UnitPermission.REVIEW} <= held
        assert UnitPermission.REGISTER not in held


def test_a_right_of_ones_own_comes_first(deputyship, deputy, province):
    # the deputy is an officer of the committee: receiving is theirs, approving is the leader's
    with at(3):
        assert permissions.unit_authority(deputy, UnitPermission.RECEIVE, province).on_behalf_of is None
        assert permissions.unit_authority(deputy, UnitPermission.APPROVE, province).on_behalf_of.username == "lanhdao"
        assert permissions.unit_authority(deputy, UnitPermission.REGISTER, province) is None


def test_a_deputy_does_not_decide_on_a_plan_they_drafted(submitted, user_of, leader, province):
    # given the drafter of the plan is named deputy
    drafter = user_of("chuyenvien")
    with at(1):
        services.deputyship_create(
            unit=province, leader=leader, deputy=drafter, starts_on=d(1), ends_on=d(2), reason="Nghỉ ốm", actor=leader
        )

    with at(2), pytest.raises(NotAllowedError, match="kế hoạch do chính mình soạn"):
        _decide(submitted, drafter)
    submitted.refresh_from_db()
    assert submitted.state == Plan.State.PENDING_APPROVAL


def test_deputy_reviews_a_report_on_behalf_of_the_leader(deputyship, seed_plan, advance, deputy, leader, user_of):
    # given a district has reported on the dispatched plan
    plan = advance(seed_plan, through="dispatch")
    delivery = plan.deliveries.get(unit__code="mttq-gia-loc")
    officer = user_of("cb-gia-loc")
    for node, action, data in (
        (PlanFlow.acknowledge, "acknowledge", {}),
        (PlanFlow.report, "report", {"text": "Xong"}),
    ):
        task = flow.open_task(plan=plan, node=node, delivery=delivery)
        with flow.task_activation(task_id=task.pk, actor=officer) as activation:
            getattr(flow, action)(activation=activation, actor=officer, **data)

    # when the deputy accepts the report during the leave
    with at(3):
        task = flow.open_task(plan=plan, node=PlanFlow.review, delivery=delivery)
        with flow.task_activation(task_id=task.pk, actor=deputy) as activation:
            flow.review(activation=activation, actor=deputy, accept=True)

    # then
    event = plan.events.get(action=PlanEvent.Action.ACCEPT_REPORT)
    assert (event.actor, event.on_behalf_of, event.delivery) == (deputy, leader, delivery)
    # the officer's own acknowledgement is not "on behalf of" anyone
    assert plan.events.get(action=PlanEvent.Action.ACKNOWLEDGE, delivery=delivery).on_behalf_of is None


def test_the_deputy_finds_the_leaders_task_in_the_queues(deputyship, submitted, deputy):
    task = Task.objects.get(process__planprocess__plan=submitted, flow_task=PlanFlow.approve)
    with at(1):
        assert task not in Task.objects.user_queue(deputy, flow_class=PlanFlow)
        assert [link.task for link in flow.open_tasks_for_user(plan=submitted, user=deputy)] == []
    with at(3):
        assert task in Task.objects.user_queue(deputy, flow_class=PlanFlow)
        assert [link.task for link in flow.open_tasks_for_user(plan=submitted, user=deputy)] == [task]


def test_units_with_permission_is_one_statement(deputyship, deputy, province, django_assert_num_queries):
    with at(3), django_assert_num_queries(1):
        assert list(permissions.units_with_permission(deputy, UnitPermission.APPROVE)) == [province.pk]


# --- naming and revoking ----------------------------------------------------------------------


def test_naming_and_revoking_are_in_the_audit_chain(leader, deputy, province):
    with at(1):
        deputyship = services.deputyship_create(
            unit=province,
            leader=leader,
            deputy=deputy,
            starts_on=d(2),
            ends_on=d(4),
            reason=" Nghỉ phép ",
            actor=leader,
        )
        named = PlanEvent.objects.order_by("-sequence").first()
        services.deputyship_revoke(deputyship=deputyship, actor=leader)
        revoked = PlanEvent.objects.order_by("-sequence").first()

    assert (named.action, named.plan, named.unit, named.actor, named.comment) == (
        "deputy_name",
        None,
        province,
        leader,
        "Nghỉ phép",
    )
    assert named.data == {
        "deputyship": deputyship.pk,
        "leader": "lanhdao",
        "deputy": "phochutich",
        "starts_on": "2027-03-02",
        "ends_on": "2027-03-04",
    }
    assert (revoked.action, revoked.plan, revoked.unit, revoked.actor) == ("deputy_revoke", None, province, leader)
    deputyship.refresh_from_db()
    assert deputyship.revoked_by == leader and deputyship.revoked_at is not None
    assert verify_chain()[1] is None


def _create(**overrides):
    return services.deputyship_create(
        **{"starts_on": d(2), "ends_on": d(4), "reason": "Nghỉ phép", **overrides},
    )


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        ("ends_before_start", DomainError, "Ngày kết thúc phải trùng hoặc sau ngày bắt đầu."),
        ("starts_in_the_past", DomainError, "Không giao thay cho ngày đã qua"),
        ("self", DomainError, "Không thể giao cho chính mình"),
        ("no_reason", DomainError, "Hãy ghi lý do giao thay"),
        ("not_a_member", DomainError, "Cán bộ MTTQ Gia Lộc không thuộc Ban Thường trực Ủy ban MTTQ tỉnh Hải Dương"),
        ("already_a_leader", DomainError, "đã là lãnh đạo của"),
        ("leader_is_not_a_leader", DomainError, "Phạm Thị Hoa không phải lãnh đạo của"),
        ("someone_else_names", NotAllowedError, "Chỉ lãnh đạo vắng mặt mới giao được người thay mình."),
        ("overlapping", DomainError, "Trần Văn Hùng đã giao thay từ 03/03/2027 đến 05/03/2027"),
        ("inactive_deputy", DomainError, "đang bị khóa"),
    ],
)
def test_invalid_deputyships_are_refused_with_nothing_written(
    case, error, message, leader, deputy, province, user_of, django_user_model
):
    # given an existing deputyship from 3 to 5 March for the overlap case
    with at(1):
        if case == "overlapping":
            _create(unit=province, leader=leader, deputy=deputy, starts_on=d(3), ends_on=d(5), actor=leader)
        second_leader = django_user_model.objects.create_user("phochutich2", first_name="Đỗ Thị Thu")
        services.membership_grant(user=second_leader, unit=province, role=Membership.Role.LEADER)
    arguments = {"unit": province, "leader": leader, "deputy": deputy, "actor": leader}
    if case == "ends_before_start":
        arguments.update(starts_on=d(4), ends_on=d(3))
    elif case == "starts_in_the_past":
        arguments.update(starts_on=d(1), ends_on=d(3))
    elif case == "self":
        arguments.update(deputy=leader)
    elif case == "no_reason":
        arguments.update(reason="   ")
    elif case == "not_a_member":
        arguments.update(deputy=user_of("cb-gia-loc"))
    elif case == "already_a_leader":
        arguments.update(deputy=second_leader)
    elif case == "leader_is_not_a_leader":
        arguments.update(leader=user_of("vanthu"), actor=user_of("vanthu"))
    elif case == "someone_else_names":
        arguments.update(actor=second_leader)
    elif case == "inactive_deputy":
        django_user_model.objects.filter(pk=deputy.pk).update(is_active=False)
        deputy.refresh_from_db()
    deputyships, events = Deputyship.objects.count(), PlanEvent.objects.count()

    # when
    with at(2), pytest.raises(error) as raised:
        _create(**arguments)

    # then
    assert message in str(raised.value)
    assert (Deputyship.objects.count(), PlanEvent.objects.count()) == (deputyships, events)


def test_ranges_that_touch_or_follow_a_revoked_one_are_accepted(leader, deputy, province, user_of):
    with at(1):
        first = _create(unit=province, leader=leader, deputy=deputy, actor=leader)
        # the day after the last day
        _create(unit=province, leader=leader, deputy=deputy, starts_on=d(5), ends_on=d(6), actor=leader)
        services.deputyship_revoke(deputyship=first, actor=leader)
        # the range of a revoked one is free again, for another person of the unit
        again = _create(unit=province, leader=leader, deputy=user_of("vanthu"), actor=leader)

    assert Deputyship.objects.filter(revoked_at__isnull=True).count() == 2
    assert (again.starts_on, again.ends_on) == (d(2), d(4))


def test_revoking_twice_or_after_the_end_or_by_someone_else_is_refused(deputyship, deputy, leader):
    with at(3), pytest.raises(NotAllowedError, match="Chỉ lãnh đạo đã giao"):
        services.deputyship_revoke(deputyship=deputyship, actor=deputy)
    with at(5), pytest.raises(StateError, match="đã hết hạn"):
        services.deputyship_revoke(deputyship=deputyship, actor=leader)
    with at(3):
        services.deputyship_revoke(deputyship=deputyship, actor=leader)
        with pytest.raises(StateError, match="đã được thu hồi"):
            services.deputyship_revoke(deputyship=deputyship, actor=leader)
    assert PlanEvent.objects.filter(action="deputy_revoke").count() == 1


def test_a_deputyship_lapses_when_the_leader_or_the_deputy_leaves_the_unit(deputyship, deputy, leader, province):
    with at(3):
        assert permissions.has_unit_permission(deputy, UnitPermission.APPROVE, province)
        services.membership_revoke(membership=Membership.objects.get(user=deputy, unit=province))
        assert not permissions.has_unit_permission(deputy, UnitPermission.APPROVE, province)


def test_held_unit_permissions_unions_own_rows_and_deputyships_in_force(
    deputyship, deputy, province, django_assert_num_queries
):
    # given an officer of the provincial committee who is the leader's deputy from 2 to 4 March
    own = {UnitPermission.RECEIVE: [province.pk]}
    as_deputy = {perm: [province.pk] for perm in permissions.DEPUTY_PERMISSIONS}

    # then before and after the range they hold their own rights only; inside it, the leader's too
    for day, expected in ((1, own), (2, {**own, **as_deputy}), (4, {**own, **as_deputy}), (5, own)):
        with at(day), django_assert_num_queries(1):
            assert permissions.held_unit_permissions(user=deputy) == expected, day
