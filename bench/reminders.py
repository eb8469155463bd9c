"""Time the deadline sweep with 1,000,000 open obligations of which 1,000 are due (issue 4, "Scale").

Usage (what `make bench` runs, see scripts/bench.sh):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/planflow_bench python bench/reminders.py [--runs N]
        [--obligations N] [--due N] [--rebuild] [--redis]

The data is generated once in PostgreSQL with INSERT … SELECT generate_series (1,000,000
viewflow tasks and their obligations in a few seconds) and kept between runs; --rebuild makes
it again. Each run puts the 1,000 due obligations back to "due, never reminded" (outside the
timing), then times one whole sweep as the beat runs it: reconciliation, the due batches
(claim, steps, recipients, reminders, next times), recovery, viewflow's timers, and the hand
over of every reminder to Celery after commit. Sending is enqueued but not executed: the
broker is kombu's in-memory transport (with --redis: the configured Redis, on a queue no
worker reads, deleted afterwards). Prints median/min/max seconds, the statements of one
sweep, and EXPLAIN (ANALYZE) of the due query, showing the partial index. Target: < 1 s.
Exit status 1 when the median misses it.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/planflow_bench")
os.environ.setdefault("PLANFLOW_VAR_DIR", str(ROOT / "var" / "bench"))

TARGET_SECONDS = 1.0
BENCH_TITLE = "BENCH: nhắc hạn 1.000.000 việc"
BENCH_QUEUE = "bench-reminders"


def _ensure_database() -> None:
    import subprocess

    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        raise SystemExit("bench/reminders.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "services.py"), "ensure-database", url], check=True)  # noqa: S603


def _setup_django(use_redis: bool) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from config.celery_app import app

    app.conf.task_always_eager = False
    if use_redis:
        app.conf.task_routes = {"notifications.tasks.*": {"queue": BENCH_QUEUE}}
    else:
        app.conf.broker_url = "memory://"


def _build(n_obligations: int, n_due: int, *, rebuild: bool) -> dict:
    """Generate the plan, its process, the tasks and the obligations (idempotent: reused when present)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from documents.demo import PROVINCIAL_COMMITTEE, demo_unit, load_demo
    from documents.models import Plan, Unit
    from notifications.calendar import WorkingCalendar, end_of_day, local_date
    from notifications.models import Obligation, SweepCursor
    from workflow.flows import PlanFlow
    from workflow.models import PlanProcess

    load_demo()
    plan = Plan.objects.filter(title=BENCH_TITLE).first()
    if not rebuild and plan is not None and Obligation.objects.filter(plan=plan).count() == n_obligations:
        return {"plan": plan, "built": False}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE notifications_notification, notifications_reminder, notifications_outboundemail")
    if plan is not None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM notifications_obligation WHERE plan_id = %s", [plan.pk])
            cursor.execute(
                "DELETE FROM viewflow_task WHERE process_id = (SELECT process_ptr_id FROM workflow_planprocess "
                "WHERE plan_id = %s)",
                [plan.pk],
            )
        PlanProcess.objects.filter(plan=plan).delete()
        plan.delete()
    issuer = demo_unit(PROVINCIAL_COMMITTEE)
    from django.contrib.auth import get_user_model

    drafter = get_user_model().objects.get(username="chuyenvien")
    units = list(Unit.objects.filter(code__startswith="mttq-").exclude(pk=issuer.pk).values_list("pk", flat=True))
    now = timezone.now()
    calendar = WorkingCalendar()
    overdue_due_at = end_of_day(calendar.add_working_days(local_date(now), -3))
    with transaction.atomic():
        plan = Plan.objects.create(
            issuer=issuer,
            drafter=drafter,
            title=BENCH_TITLE,
            state=Plan.State.IN_EXECUTION,
            number_symbol="99/KH-BENCH",
        )
        process = PlanProcess.objects.create(flow_class=PlanFlow, plan=plan, status="NEW")
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO viewflow_task (flow_task, flow_task_type, status, created, token, process_id, data)
                SELECT 'workflow/flows.PlanFlow.acknowledge', 'HUMAN', 'NEW', %s, 'start', %s, '{}'::jsonb
                FROM generate_series(1, %s)
                """,
                [now - timedelta(days=30), process.pk, n_obligations],
            )
            cursor.execute(
                """
                INSERT INTO notifications_obligation
                    (kind, opened_at, due_at, next_reminder_at, last_step, close_reason, plan_id, task_id, unit_id)
                SELECT 'acknowledge', %(opened)s,
                       CASE WHEN t.rn <= %(due)s THEN %(overdue_due)s ELSE %(later_due)s END,
                       CASE WHEN t.rn <= %(due)s THEN %(now)s - interval '1 minute'
                            ELSE %(now)s + interval '1 day' + (t.rn %% 10000) * interval '1 minute' END,
                       '', '', %(plan)s, t.id, (%(units)s::bigint[])[1 + (t.rn %% %(n_units)s)]
                FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn
                      FROM viewflow_task WHERE process_id = %(process)s) t
                """,
                {
                    "opened": now - timedelta(days=30),
                    "due": n_due,
                    "overdue_due": overdue_due_at,
                    "later_due": now + timedelta(days=20),
                    "now": now,
                    "plan": plan.pk,
                    "units": units,
                    "n_units": len(units),
                    "process": process.pk,
                },
            )
            cursor.execute("SELECT max(id) FROM viewflow_task")
            top = cursor.fetchone()[0]
        SweepCursor.objects.update_or_create(pk="tasks", defaults={"last_id": top})
    with connection.cursor() as cursor:
        for table in ("viewflow_task", "notifications_obligation"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"built {n_obligations:,} tasks and obligations ({n_due:,} due) in {time.perf_counter() - started:.1f} s")
    return {"plan": plan, "built": True}


def _reset_due(plan, n_due: int):
    """Put the due obligations back to "due now, never reminded"; forget what earlier runs wrote."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE notifications_notification, notifications_reminder, notifications_outboundemail")
        cursor.execute(
            """
            UPDATE notifications_obligation
            SET next_reminder_at = %s, last_step = '', closed_at = NULL, close_reason = ''
            WHERE id IN (SELECT id FROM notifications_obligation WHERE plan_id = %s ORDER BY task_id LIMIT %s)
            """,
            [now - timedelta(minutes=1), plan.pk, n_due],
        )
    return now


def _purge(use_redis: bool) -> None:
    if not use_redis:
        return
    from config.celery_app import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(BENCH_QUEUE)


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--obligations", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--redis", action="store_true", help="enqueue to the configured Redis (a queue nobody reads)")
    args = parser.parse_args(argv)

    _ensure_database()
    _setup_django(args.redis)
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Obligation, Reminder
    from notifications.reminders import due_obligations
    from notifications.services import deadlines_sweep

    plan = _build(args.obligations, args.due, rebuild=args.rebuild)["plan"]
    open_count = Obligation.objects.filter(closed_at__isnull=True).count()

    timings, cpu, reminders, statements = [], [], [], None
    for run in range(args.runs + 1):
        now = _reset_due(plan, args.due)
        if run == 0:  # the first run counts statements (capturing slows it a little: not timed)
            with CaptureQueriesContext(connection) as queries:
                result = deadlines_sweep(now=now)
            statements = queries
            _purge(args.redis)
            continue
        start, start_cpu = time.perf_counter(), time.process_time()
        result = deadlines_sweep(now=now)
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        reminders.append(result.reminders)
        _purge(args.redis)
    written = Reminder.objects.count()

    print(f"open obligations: {open_count:,}; due per run: {args.due:,}; reminders per run: {reminders[0]:,}")
    broker = f"Redis (queue {BENCH_QUEUE}, purged)" if args.redis else "kombu memory:// (enqueued, not run)"
    print(f"broker: {broker}")
    print(
        f"sweep seconds over {args.runs} runs: median {statistics.median(timings):.3f}, "
        f"min {min(timings):.3f}, max {max(timings):.3f} (target < {TARGET_SECONDS:.1f} s)"
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"of which this process's CPU: median {statistics.median(cpu):.3f} s; "
        f"load average {load} on {os.cpu_count()} CPUs"
    )
    kinds: dict[str, int] = {}
    for query in statements.captured_queries:
        verb = query["sql"].split(None, 1)[0].upper()
        kinds[verb] = kinds.get(verb, 0) + 1
    print(f"statements in one sweep: {len(statements)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
    print(f"reminder rows after the last run: {written:,}")

    with transaction.atomic():
        query = due_obligations(now=_reset_due(plan, args.due)).select_for_update(skip_locked=True, of=("self",))
        plan_text = query[:500].explain(analyze=True)
        transaction.set_rollback(True)
    print("EXPLAIN ANALYZE of the due query (batch of 500):")
    for line in plan_text.splitlines():
        print("  " + line)
    uses_index = "obligation_next_reminder" in plan_text
    print(f"partial index obligation_next_reminder used: {'yes' if uses_index else 'NO'}")
    ok = statistics.median(timings) < TARGET_SECONDS and uses_index
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
