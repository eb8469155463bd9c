"""Dispatch of one registered plan to the 3,300 commune units (issue 7, first target).

    .venv/bin/python bench/dispatch.py [--runs N] [--units N]      (or: make bench)

Four ways of writing the same dispatch, measured alternately in the same run (the order rotates
each round), each on a fresh registered plan inside a transaction that is rolled back afterwards,
so the data set does not grow:

  ours      `workflow.services.dispatch` through `task_activation`, as the clerk's POST does:
            `documents.services.plan_dispatch` (deliveries in one bulk insert, the audit record),
            then the flow moves on and `DeliverySplit` writes one acknowledge task per delivery
            and their links to the split in two bulk inserts;
  viewflow  the same, but the branches are made the obvious viewflow way: one
            `View._create(prev_activation, token, data=item)` per delivery (what a `flow.Split`
            with a per-item `data_source` does), each task computing its own permission object;
  bulk      a bare ORM `bulk_create` of the same rows: deliveries, tasks, task links, the audit
            record and the plan's state, no flow;
  COPY      the same rows with psycopg `cursor.copy` (ids reserved from the sequences first).

Times are milliseconds of the dispatch alone (the plan is registered before the clock starts),
including the deferred foreign-key checks that COMMIT would run (`SET CONSTRAINTS ALL IMMEDIATE`);
statements are counted with Django's CaptureQueriesContext on a first, untimed round (COPY blocks
bypass Django's cursor wrappers and are added by hand). After "ours", a correction adds one unit
and another unit refuses the plan: statements, and proof that no other unit's rows changed.
Target (issue 7): ours within 2x of bulk, and statements that do not grow with the units.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import _common as bench

TARGET_RATIO = 2.0


def main(argv: list[str]) -> int:
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 5
    n_units = int(argv[argv.index("--units") + 1]) if "--units" in argv else bench.N_COMMUNES
    bench.setup()
    started = time.perf_counter()
    info = bench.ensure_dataset()
    print(bench.describe(info))
    print(f"machine: {bench.machine()}")

    from django.db import transaction

    units = bench.communes(n_units)
    methods: list[tuple[str, Callable]] = [
        ("ours (services.dispatch, DeliverySplit)", dispatch_ours),
        ("viewflow way (View._create per unit)", dispatch_viewflow_way),
        ("bare bulk_create of the same rows", dispatch_bulk_create),
        ("COPY of the same rows", dispatch_copy),
    ]
    times: dict[str, list[float]] = {name: [] for name, _ in methods}
    statements: dict[str, int] = {}
    rows: dict[str, dict[str, int]] = {}
    corrections: dict[str, object] = {}

    def one(name: str, fn: Callable, *, count: bool) -> None:
        with transaction.atomic():
            plan = bench.registered_plan(title=f"Kế hoạch phát hành toàn quốc (bench {name})", units=units)
            bench.flush_deferred_checks()  # the setup's own checks, before the clock starts
            extra = {"copy": 0}
            if count:
                n, _, _ = bench.count_statements(lambda: fn(plan, extra))
                statements[name] = n + extra["copy"]
                rows[name] = written_rows(plan)
                assert rows[name]["deliveries"] == len(units), rows[name]
                assert rows[name]["acknowledge tasks"] == len(units), rows[name]
                if fn is dispatch_ours:
                    corrections.update(measure_corrections(plan))
            else:
                t0 = time.perf_counter()
                fn(plan, extra)
                bench.flush_deferred_checks()  # the foreign-key checks COMMIT would run
                times[name].append((time.perf_counter() - t0) * 1000)
            transaction.set_rollback(True)

    print(f"\ncounting statements (one untimed round), then {runs} timed rounds of {len(methods)} ways…", flush=True)
    for name, fn in methods:
        one(name, fn, count=True)
    for r in range(runs):
        for name, fn in methods[r % len(methods) :] + methods[: r % len(methods)]:
            one(name, fn, count=False)

    print(f"\nDispatch of one plan to {len(units):,} units ({runs} runs each, alternating)")
    print(bench.header(44))
    for name, _ in methods:
        print(bench.Stats(name, times[name], statements[name]).line(44))
    ours, viewflow_way, bulk, copy = (bench.Stats(n, times[n]).median for n, _ in methods)
    print(f"\nratio ours/bulk_create  {ours / bulk:5.2f}  (target <= {TARGET_RATIO:.0f})")
    print(f"ratio ours/COPY         {ours / copy:5.2f}")
    print(f"ratio viewflow way/ours {viewflow_way / ours:5.1f}")
    print("rows written by each way (same in all four):")
    for name, _ in methods:
        print(f"  {name[:40]:40} {rows[name]}")
    print("\nstatements by size (ours): ", scaling(), sep="")
    print(f"\ncorrections after dispatch (ours, {len(units):,} branches open):")
    for key, value in corrections.items():
        print(f"  {key}: {value}")
    met = ours / bulk <= TARGET_RATIO
    print(
        f"\ntarget: within {TARGET_RATIO:.0f}x of bulk insert: {'MET' if met else 'NOT MET'} ({ours / bulk:.2f}x);"
        f" statements constant in the number of units: see the line above."
    )
    print(f"bench time: {time.perf_counter() - started:.0f} s")
    return 0


# --- the four ways -----------------------------------------------------------------------


def dispatch_ours(plan, extra: dict) -> None:
    bench.dispatch(plan)


def dispatch_viewflow_way(plan, extra: dict) -> None:
    """Dispatch through the real flow, with branches made by viewflow's node API, one per unit."""
    from viewflow.workflow.token import Token

    from documents.models import Delivery
    from workflow.flows import PlanFlow

    split = PlanFlow.split_deliveries

    def create_branches(*, split_task, delivery_ids):
        # What `flow.Split().Next(this.acknowledge, data_source=...)` would do: the data source
        # gives one item per delivery; each item becomes a task through View._create, which asks
        # the node for its owner permission object (the delivery's unit) and saves the task and
        # its link to the split one by one.
        items = [
            {"delivery_id": pk, "unit": name}
            for pk, name in Delivery.objects.filter(pk__in=delivery_ids).values_list("pk", "unit__name")
        ]
        split_activation = split.activation_class(split_task)
        tokens = Token.split_token_source(split_task.token, split_task.pk)
        return [split._next._create(prev_activation=split_activation, token=next(tokens), data=item) for item in items]

    split.create_branches = create_branches  # an instance attribute shadows the method
    try:
        bench.dispatch(plan)
    finally:
        del split.create_branches


def _rows_to_write(plan):
    """(recipient id, unit id, requires_report, unit name) of each unit a dispatch writes to (1 statement)."""
    return list(
        plan.recipients.filter(removed_at__isnull=True, unit__isnull=False)
        .exclude(unit_id=plan.issuer_id)
        .values_list("pk", "unit_id", "requires_report", "unit__name")
    )


def _finish(plan, actor, count: int) -> None:
    """The plan's state and its one audit record, as plan_dispatch writes them."""
    from documents import services
    from documents.models import Plan, PlanEvent

    Plan.objects.filter(pk=plan.pk).update(state=Plan.State.IN_EXECUTION)
    services._event(
        plan=plan,
        action=PlanEvent.Action.DISPATCH,
        actor=actor,
        from_state=Plan.State.REGISTERED,
        to_state=Plan.State.IN_EXECUTION,
        data={"deliveries": count},
    )


def dispatch_bulk_create(plan, extra: dict) -> None:
    """Deliveries, acknowledge tasks, their links to the dispatch task, the event: bulk_create only."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from viewflow.workflow.status import STATUS
    from viewflow.workflow.token import Token

    from documents.models import Delivery, Unit
    from workflow.flows import PlanFlow
    from workflow.services import open_task

    clerk = bench.user(bench.ISSUER_CLERK)
    dispatch_task = open_task(plan=plan, node=PlanFlow.dispatch)
    recipients = _rows_to_write(plan)
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        Delivery(plan=plan, recipient_id=r, unit_id=u, requires_report=rr, sent_at=now, state_changed_at=now)
        for r, u, rr, _ in recipients
    )
    node = PlanFlow.acknowledge
    unit_ct = ContentType.objects.get_for_model(Unit, for_concrete_model=False)
    task_class = PlanFlow.task_class
    tasks = task_class.objects.bulk_create(
        task_class(
            process_id=dispatch_task.process_id,
            flow_task=node,
            flow_task_type="HUMAN",
            status=STATUS.NEW,
            token=Token(f"start/{dispatch_task.pk}_{d.pk}"),
            data={"delivery_id": d.pk, "unit": name},
            owner_permission=bench.RECEIVE,
            owner_permission_content_type=unit_ct,
            owner_permission_obj_pk=str(u),
            created=now,
        )
        for d, (_, u, _, name) in zip(deliveries, recipients, strict=True)
    )
    link = task_class.previous.through
    link.objects.bulk_create(link(from_task_id=t.pk, to_task_id=dispatch_task.pk) for t in tasks)
    _finish(plan, clerk, len(deliveries))


def dispatch_copy(plan, extra: dict) -> None:
    """The same rows as dispatch_bulk_create, with COPY; ids reserved from the sequences first."""
    import json

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone

    from documents.models import Unit
    from workflow.flows import PlanFlow
    from workflow.services import open_task

    clerk = bench.user(bench.ISSUER_CLERK)
    dispatch_task = open_task(plan=plan, node=PlanFlow.dispatch)
    recipients = _rows_to_write(plan)
    n = len(recipients)
    now = timezone.now()
    unit_ct = ContentType.objects.get_for_model(Unit, for_concrete_model=False).pk
    with connection.cursor() as c:
        c.execute(
            "SELECT nextval(pg_get_serial_sequence('documents_delivery', 'id')),"
            " nextval(pg_get_serial_sequence('viewflow_task', 'id')),"
            " nextval(pg_get_serial_sequence('viewflow_task_previous', 'id'))"
            " FROM generate_series(1, %s)",
            [n],
        )
        ids = c.fetchall()
        raw = c.cursor  # psycopg's own cursor: COPY is not routed through Django's wrappers
        with raw.copy(
            "COPY documents_delivery (id, plan_id, recipient_id, unit_id, requires_report, state, sent_at,"
            " state_changed_at) FROM STDIN"
        ) as copy:
            for (did, _, _), (r, u, rr, _) in zip(ids, recipients, strict=True):
                copy.write_row((did, plan.pk, r, u, rr, "sent", now, now))
        with raw.copy(
            "COPY viewflow_task (id, process_id, flow_task, flow_task_type, status, created, token, data,"
            " owner_permission, owner_permission_content_type_id, owner_permission_obj_pk) FROM STDIN"
        ) as copy:
            for (did, tid, _), (_, u, _, name) in zip(ids, recipients, strict=True):
                copy.write_row(
                    (tid, dispatch_task.process_id, bench.ACKNOWLEDGE_REF, "HUMAN", "NEW", now,
                     f"start/{dispatch_task.pk}_{did}", json.dumps({"delivery_id": did, "unit": name}),
                     bench.RECEIVE, unit_ct, str(u))
                )  # fmt: skip
        with raw.copy("COPY viewflow_task_previous (id, from_task_id, to_task_id) FROM STDIN") as copy:
            for _, tid, lid in ids:
                copy.write_row((lid, tid, dispatch_task.pk))
    extra["copy"] = 3
    _finish(plan, clerk, n)


# --- what was written, corrections, scaling ----------------------------------------------------


def written_rows(plan) -> dict[str, int]:
    from documents.models import PlanEvent
    from workflow.flows import PlanFlow

    tasks = PlanFlow.task_class.objects.filter(process__planprocess__plan=plan, flow_task=PlanFlow.acknowledge)
    return {
        "deliveries": plan.deliveries.count(),
        "acknowledge tasks": tasks.count(),
        "task links": PlanFlow.task_class.previous.through.objects.filter(from_task__in=tasks).count(),
        "dispatch events": PlanEvent.objects.filter(plan=plan, action=PlanEvent.Action.DISPATCH).count(),
    }


def _row_versions(plan) -> dict[tuple[str, int], str]:
    """(kind, id) -> ctid of the plan's deliveries and tasks: an UPDATE gives a row a new ctid."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "SELECT 'delivery', id, ctid::text FROM documents_delivery WHERE plan_id = %s"
            " UNION ALL SELECT 'task ' || split_part(t.flow_task, '.', 3), t.id, t.ctid::text FROM viewflow_task t"
            " JOIN workflow_planprocess p ON p.process_ptr_id = t.process_id WHERE p.plan_id = %s",
            [plan.pk, plan.pk],
        )
        return {(kind, pk): ctid for kind, pk, ctid in c.fetchall()}


def measure_corrections(plan) -> dict[str, object]:
    """Add one unit after dispatch, then let one unit refuse: statements and rows touched."""
    from documents.models import Delivery, Unit
    from workflow import services as flow
    from workflow.flows import PlanFlow

    result: dict[str, object] = {}
    clerk = bench.user(bench.ISSUER_CLERK)
    extra_unit = Unit.objects.get(code="bench-huyen-000")
    before = _row_versions(plan)
    t0 = time.perf_counter()
    n, delivery, _ = bench.count_statements(lambda: flow.recipient_add(plan=plan, actor=clerk, unit=extra_unit))
    ms = (time.perf_counter() - t0) * 1000
    after = _row_versions(plan)
    changed = [key for key, ctid in before.items() if after.get(key) != ctid]
    new = sorted(kind for kind, _ in set(after) - set(before))
    result["add one unit"] = (
        f"{n} statements, {ms:.0f} ms; new rows: {', '.join(new)};"
        f" existing deliveries/tasks changed: {len(changed)} of {len(before):,}"
    )
    # One commune refuses (wrong addressee): its officer completes its acknowledge task.
    victim = plan.deliveries.exclude(pk=delivery.pk).order_by("id").first()
    from django.contrib.auth import get_user_model

    officer = (
        get_user_model()
        .objects.filter(memberships__unit_id=victim.unit_id, memberships__role="officer")
        .order_by("id")
        .first()
    )
    task = flow.open_task(plan=plan, node=PlanFlow.acknowledge, delivery=victim)
    before = _row_versions(plan)

    def refuse() -> None:
        with flow.task_activation(task_id=task.pk, actor=officer) as activation:
            flow.acknowledge(activation=activation, actor=officer, refuse=True, reason="Gửi nhầm đơn vị")

    t0 = time.perf_counter()
    n, _, _ = bench.count_statements(refuse)
    ms = (time.perf_counter() - t0) * 1000
    after = _row_versions(plan)
    changed = sorted(key[0] for key, ctid in before.items() if after.get(key) != ctid)
    new = sorted(kind for kind, _ in set(after) - set(before))
    assert Delivery.objects.get(pk=victim.pk).state == Delivery.State.REFUSED
    result["one unit refuses"] = (
        f"{n} statements, {ms:.0f} ms; rows changed: {', '.join(changed)} (of {len(before):,});"
        f" new rows: {', '.join(new)}"
    )
    return result


def scaling() -> str:
    """Statements of ours at 33, 330 and 3,300 units (counted, not timed)."""
    from django.db import transaction

    parts = []
    for size in (33, 330, bench.N_COMMUNES):
        with transaction.atomic():
            plan = bench.registered_plan(title=f"Kế hoạch {size} đơn vị (bench)", units=bench.communes(size))
            n, _, _ = bench.count_statements(lambda plan=plan: bench.dispatch(plan))
            parts.append(f"{size:,} units: {n}")
            transaction.set_rollback(True)
    return "; ".join(parts)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
